//! Error messages as a tested property: one bad file per diagnostic under
//! `tests/fixtures/invalid/`, each snapshotted as `sortie validate` prints it
//! (a new case is a new file), and the onboarding collections checked against
//! both the loader and the published JSON Schema.

use std::path::{Path, PathBuf};

use sortie::{Node, NodeKind};

use crate::support::{Project, Run};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid")
}

/// `sortie validate NAME` run in the fixtures folder, which is also the file root.
fn validate_fixture(name: &str) -> Run {
    crate::support::run_to_end(crate::support::sortie_command(&fixtures()), &["validate", name])
}

/// Fixtures whose error has no place in a file to point at.
const WITHOUT_SPAN: &[&str] = &["not-utf8.yaml"];

#[test]
fn invalid_fixtures() {
    insta::glob!("../fixtures/invalid", "*.yaml", |path| {
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
        let run = validate_fixture(name);
        assert_eq!(run.code, 2, "{name}: exit status\n{}", run.stderr);
        assert_eq!(run.stdout, "", "{name}: nothing on stdout");
        let last = run.stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: ") && last.ends_with("found in the collections; nothing was sent"),
            "{name}: ends with the count of problems\n{}",
            run.stderr
        );
        if !WITHOUT_SPAN.contains(&name) {
            // Every diagnostic but the closing count points at a place.
            let errors = run.stderr.matches("\nerror: ").count() + usize::from(run.stderr.starts_with("error: "));
            let places = run
                .stderr
                .lines()
                .filter(|l| l.trim_start().starts_with("--> "))
                .count();
            assert_eq!(places, errors - 1, "{name}: every error has a place\n{}", run.stderr);
        }
        insta::with_settings!({
            description => format!("sortie validate {name}"),
            omit_expression => true,
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!(run.stderr);
        });
    });
}

#[test]
fn a_valid_file_does_not_hide_the_errors_of_invalid_ones() {
    let p = Project::new();
    let base = "base_url: http://127.0.0.1:9\n";
    p.file(
        "a-bad.yaml",
        &format!("{base}steps:\n  - request: {{ url: /a }}\n    expcet: {{}}\n"),
    );
    p.file("b-good.yaml", "steps:\n  - request: { url: http://127.0.0.1:9/ }\n");
    p.file(
        "c-bad.yaml",
        &format!("{base}steps:\n  - request: {{ url: /c, metod: POST }}\n"),
    );
    let run = p.sortie(&["validate", "."]);
    run.expect_code(2);
    assert_eq!(run.stdout, "");
    let places: Vec<&str> = run.stderr.lines().filter(|l| l.contains("--> ")).collect();
    assert_eq!(
        places,
        [" --> ./a-bad.yaml:4:5", " --> ./c-bad.yaml:3:25"],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("error: 2 problems found in the collections; nothing was sent\n")
    );
}

#[test]
fn every_error_of_one_file_is_reported_in_order() {
    let run = validate_fixture("many-errors.yaml");
    run.expect_code(2);
    let places: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .collect();
    assert_eq!(
        places,
        [
            "many-errors.yaml:2:1",
            "many-errors.yaml:6:22",
            "many-errors.yaml:8:5",
            "many-errors.yaml:10:23",
            "many-errors.yaml:12:20",
            "many-errors.yaml:13:44",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("error: 6 problems found in the collections; nothing was sent\n")
    );
}

fn collections() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("collections");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("collections/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no onboarding collections found");
    files
}

/// The published schema, compiled.
fn published_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/collection.schema.json"))
        .expect("schemas/collection.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

fn yaml_as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("a readable file");
    sortie::parse_yaml(sortie::FileId(0), &text)
        .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message))
        .to_json()
}

fn schema_errors(schema: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    schema
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect()
}

#[test]
fn the_onboarding_collections_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = crate::support::run_to_end(crate::support::sortie_command(root), &["validate", "collections"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with(&format!("ok: {} collections", collections().len())),
        "{}",
        run.stdout
    );
}

#[test]
fn the_published_schema_accepts_the_onboarding_collections() {
    let schema = published_schema();
    for path in collections() {
        let errors = schema_errors(&schema, &yaml_as_json(&path));
        assert!(errors.is_empty(), "{}:\n{}", path.display(), errors.join("\n"));
    }
}

/// Mistakes a JSON Schema cannot see, by fixture and place (`line:col`):
/// they need the file system, a template, JSONPath or regex parser, the
/// predicates' value rules, or the whole run. Every other mistake of every
/// fixture must be refused by the published schema.
const BEYOND_THE_SCHEMA: &[(&str, &[&str])] = &[
    // Whether a URL is relative depends on where its templates start.
    ("base-url-not-absolute.yaml", &["2:11"]),
    ("capture-named-env.yaml", &["4:16"]),
    ("concurrent-captures.yaml", &["9:20"]),
    // Whether a CSS selector parses.
    ("css-selectors.yaml", &["6:9", "7:9", "9:21"]),
    ("duplicate-ids.yaml", &["7:13"]),
    ("duration-expectations.yaml", &["4:31", "6:42"]),
    // A predicate's value rules.
    ("empty-checks.yaml", &["14:24", "15:24", "16:21", "17:21", "18:37"]),
    ("include-self.yaml", &["3:14"]),
    (
        "jsonpath-invalid.yaml",
        &["6:9", "7:9", "8:9", "9:9", "10:9", "12:11", "13:22"],
    ),
    ("jsonpath-unclosed.yaml", &["6:9", "7:9", "8:9", "10:22"]),
    ("many-errors.yaml", &["6:22", "12:20"]),
    // What the OpenAPI spec a collection names declares.
    ("openapi-long-form.yaml", &["5:12"]),
    ("openapi-no-match.yaml", &["4:21"]),
    ("openapi-unknown-operation.yaml", &["4:16"]),
    ("openapi-without-spec.yaml", &["3:16"]),
    // Whether any of setup, steps and teardown lists a step.
    ("no-steps.yaml", &["3:8"]),
    // The same, and a predicate's value rules, for `not`, `all`, `format`, `before`, `after`.
    (
        "mistyped-new-predicates.yaml",
        &[
            "7:16", "8:23", "9:41", "10:16", "11:24", "12:16", "13:23", "14:22", "15:16",
        ],
    ),
    // Another tool's name for a predicate, or a near miss by edit distance.
    (
        "mistyped-predicates.yaml",
        &["7:16", "8:16", "9:16", "10:16", "11:16", "12:16", "13:16", "15:17"],
    ),
    ("missing-files.yaml", &["3:18", "8:18", "9:23", "14:32", "15:14"]),
    ("outside-file-root.yaml", &["6:18", "7:23", "8:14"]),
    ("path-is-folder.yaml", &["6:18"]),
    (
        "predicate-values.yaml",
        &[
            "6:22", "7:24", "8:24", "9:30", "10:24", "11:24", "12:20", "13:29", "14:23", "15:26", "16:24",
        ],
    ),
    ("regex-invalid.yaml", &["5:24", "6:35", "8:22"]),
    (
        "relative-url-without-base-url.yaml",
        &["4:21", "5:21", "6:21", "7:21", "10:36"],
    ),
    (
        "schema-checks-nothing.yaml",
        &["7:9", "9:17", "10:42", "13:23", "15:23"],
    ),
    ("schema-file-not-json.yaml", &["4:23", "6:23", "8:23"]),
    ("schema-inline-invalid.yaml", &["8:23", "11:66", "14:41"]),
    // Which file two steps' names make.
    ("snapshot-shared-name.yaml", &["10:25"]),
    // Filters, tests and functions are known only to the template engine.
    (
        "template-names.yaml",
        &["8:28", "10:28", "11:35", "12:21", "13:22", "14:32", "15:17"],
    ),
    (
        "template-syntax.yaml",
        &[
            "2:42", "5:29", "7:23", "8:21", "10:28", "11:37", "12:33", "13:36", "13:55", "15:34",
        ],
    ),
    // Whether an XPath compiles: its syntax, its functions and their arguments.
    ("xpath-expressions.yaml", &["6:9", "7:9", "8:9", "9:9", "11:20"]),
];

/// The JSON Pointer of what a place in a YAML file belongs to: the entry
/// whose key it is on, or else the deepest value holding it. `at` is
/// (line from 1, column from 0), as in spans.
fn pointer_at(node: &Node, at: (u32, u32)) -> String {
    let holds = |n: &Node| {
        let (start, end) = (&n.span.start, &n.span.end);
        (start.line, start.col) <= at && at < (end.line, end.col)
    };
    let escape = |key: String| key.replace('~', "~0").replace('/', "~1");
    let inner = match &node.kind {
        NodeKind::Map(entries) => entries.iter().find_map(|(k, v)| {
            if holds(k) {
                Some(format!("/{}", escape(k.key_text())))
            } else {
                holds(v).then(|| format!("/{}{}", escape(k.key_text()), pointer_at(v, at)))
            }
        }),
        NodeKind::Seq(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| holds(v).then(|| format!("/{i}{}", pointer_at(v, at)))),
        _ => None,
    };
    inner.unwrap_or_default()
}

/// The loader's places in this file, as `line:col`.
fn loader_places(run: &Run, name: &str) -> Vec<String> {
    run.stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .filter_map(|place| place.strip_prefix(name)?.strip_prefix(':'))
        .map(str::to_owned)
        .collect()
}

/// A schema error at `error` stands for a loader error at `place` when it
/// is about the same entry or about the map or list holding it (an unknown
/// key, a missing key, keys that exclude each other).
fn same_place(error: &str, place: &str) -> bool {
    error == place || place.rsplit_once('/').is_some_and(|(parent, _)| parent == error)
}

/// A schema error at `error` is inside the map or list that holds the
/// loader's `place`: where the loader stops at the first of two mistakes of
/// one value (`auth: { basic: { username: a }, bearer: b }`), the schema
/// may name both.
fn near(error: &str, place: &str) -> bool {
    let parent = place.rsplit_once('/').map_or("", |(parent, _)| parent);
    error
        .strip_prefix(parent)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[test]
fn the_published_schema_refuses_every_mistake_the_loader_reports() {
    let schema = published_schema();
    let mut checked = 0;
    for path in std::fs::read_dir(fixtures()).expect("tests/fixtures/invalid") {
        let path = path.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 name")
            .to_owned();
        // YAML the parser refuses has no document for a schema to judge.
        if !name.ends_with(".yaml") || name.starts_with("yaml-") || name == "not-utf8.yaml" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a UTF-8 fixture");
        let node = sortie::parse_yaml(sortie::FileId(0), &text).unwrap_or_else(|d| panic!("{name}: {}", d.message));
        let beyond: &[&str] = BEYOND_THE_SCHEMA
            .iter()
            .find(|(fixture, _)| *fixture == name)
            .map_or(&[], |(_, places)| places);
        let run = validate_fixture(&name);
        let places = loader_places(&run, &name);
        for place in beyond {
            assert!(
                places.contains(&(*place).to_owned()),
                "{name}: the loader reports nothing at {place}\n{}",
                run.stderr
            );
        }
        let pointers: Vec<(String, String)> = places
            .iter()
            .filter(|place| !beyond.contains(&place.as_str()))
            .map(|place| {
                let (line, col) = place.split_once(':').expect("line:col");
                let at = (line.parse().expect("a line"), col.parse::<u32>().expect("a column") - 1);
                (place.clone(), pointer_at(&node, at))
            })
            .collect();
        let errors: Vec<(String, String)> = schema
            .iter_errors(&node.to_json())
            .map(|e| (e.instance_path().as_str().to_owned(), e.to_string()))
            .collect();
        let listing = || {
            let errors: Vec<String> = errors.iter().map(|(at, e)| format!("  {at:?}: {e}")).collect();
            format!("schema errors:\n{}\nloader:\n{}", errors.join("\n"), run.stderr)
        };
        for (place, pointer) in &pointers {
            assert!(
                errors.iter().any(|(at, _)| same_place(at, pointer)),
                "{name}: the schema accepts the mistake at {place} ({pointer:?})\n{}",
                listing()
            );
        }
        for (at, error) in &errors {
            assert!(
                pointers.iter().any(|(_, pointer)| near(at, pointer)),
                "{name}: the schema refuses {at:?}, where the loader sees no mistake: {error}\n{}",
                listing()
            );
        }
        checked += pointers.len();
    }
    // Every mistake the schema can express, in all the fixtures.
    assert!(checked >= 100, "only {checked} mistakes checked");
}

#[test]
fn the_published_schema_rejects_each_mistake_alone() {
    let schema = published_schema();
    let step = |s: &str| format!("steps:\n  - {s}\n");
    let request = |r: &str| step(&format!("request: {{ url: /a, {r} }}"));
    let expect = |e: &str| step(&format!("request: {{ url: /a }}\n    expect: {{ {e} }}"));
    // Each is one mistake the loader reports; the schema must refuse it too.
    let cases = [
        "name: no steps\n".to_owned(),
        "steps: []\ntimeout: 5s\n".to_owned(),
        step("request: { url: /a }\n    expcet: {}"),
        step("name: no kind"),
        step("request: { url: /a }\n    group: g\n    steps: []"),
        step("request: { method: GET }"),
        request("heders: {}"),
        request("retry: { attempts: 0 }"),
        request("retry: { on_status: [600] }"),
        request("follow_redirects: 101"),
        request("timeout: soon"),
        request("auth: { basic: { username: a } }"),
        request("auth: { api_key: { value: k } }"),
        request("auth: { api_key: { header: H, query: q, value: k } }"),
        request("auth: { bearer: a, basic: { username: a, password: b } }"),
        request("multipart: [{ value: v }]"),
        request("multipart: [{ name: a }]"),
        request("multipart: [{ name: a, value: v, file: f.txt }]"),
        request("json: {}, body: x"),
        request("method: GET /a"),
        request("auth: bearer x"),
        step("request: { url: /a }\n    extract: { id: data.id }"),
        step("request: { url: /a }\n    as: user"),
        step("request: { url: /a }\n    for_each: 5"),
        step("request: { url: /a }\n    parallel: 2"),
        step("request: { url: /a }\n    vars: { a: 1 }"),
        step("group: g"),
        step("group: g\n    expect: { status: 200 }\n    steps: []"),
        "defaults: { tls: { key: k.pem } }\nsteps: []\n".to_owned(),
        step("group: g\n    parallel: 0\n    steps: []"),
        step("request: { url: /a }\n    retry_until: { interval: 1s }"),
        step("request: { url: /a }\n    extract: { a: { json: $.a, header: H } }"),
        step("request: { url: /a }\n    extract: { a: {} }"),
        expect("status: 99"),
        expect("status: \"6xx\""),
        expect("status: [200, \"OK\"]"),
        expect("json: { $.a: { type: string, lenght: 3 } }"),
    ];
    for case in cases {
        let doc = sortie::parse_yaml(sortie::FileId(0), &case)
            .unwrap_or_else(|d| panic!("{case}: {}", d.message))
            .to_json();
        assert!(!schema.is_valid(&doc), "the schema accepts:\n{case}");
        let p = Project::new();
        p.file("c.yaml", &case);
        p.sortie(&["validate", "c.yaml"]).expect_code(2);
    }
}

#[test]
fn the_published_schema_and_the_loader_accept_the_corner_cases() {
    let schema = published_schema();
    // Every case joins its relative URLs to this.
    let base = "base_url: http://127.0.0.1:9\n";
    let cases = [
        // `parallel` on a request step runs its iterations.
        "steps:\n  - request: { url: /a }\n    for_each: [1, 2]\n    parallel: 2\n",
        "steps:\n  - request: { url: /a }\n    expect: { status: \"2XX\" }\n",
        "steps:\n  - request: { url: /a }\n    expect: { status: [\"200\", 201] }\n",
        // Literal maps: no predicate names, empty, or behind `equals`.
        "steps:\n  - request: { url: /a }\n    expect: { json: { $.a: { id: 1 }, $.b: {}, $.c: { equals: { type: x } } } }\n",
        "setup:\n  - request: { url: /a }\n",
        "steps:\n  - request: { url: /a, follow_redirects: 0, retry: { attempts: 1, on_status: [599] } }\n",
        // Templates where the loader takes one: a method, a list, a part's value.
        "vars: { m: post, items: [1] }\nsteps:\n  - request: { url: /a, method: \"{{ m }}\", multipart: [{ name: a, value: \"{{ m }}\" }] }\n    for_each: \"{{ items }}\"\n    as: n\n",
        "steps:\n  - request: { url: /a, method: m-search, auth: none }\n    extract: { id: $.id, etag: { header: ETag } }\n",
        "steps:\n  - group: g\n    parallel: true\n    for_each: [1]\n    steps:\n      - request: { url: /a, auth: { api_key: { query: k, value: v } } }\n",
    ];
    for case in cases {
        let doc = sortie::parse_yaml(sortie::FileId(0), case)
            .unwrap_or_else(|d| panic!("{case}: {}", d.message))
            .to_json();
        let errors = schema_errors(&schema, &doc);
        assert!(errors.is_empty(), "the schema refuses:\n{case}\n{}", errors.join("\n"));
        let p = Project::new();
        p.file("c.yaml", &format!("{base}{case}"));
        let run = p.sortie(&["validate", "c.yaml"]);
        assert_eq!(run.code, 0, "the loader refuses:\n{case}\n{}", run.stderr);
    }
}
