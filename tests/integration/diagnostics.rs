//! Error messages as a tested property: one bad file per diagnostic under
//! `tests/fixtures/invalid/`, each snapshotted as `sortie validate` prints it
//! (a new case is a new file), and the onboarding collections checked against
//! both the loader and the published JSON Schema.

use std::path::{Path, PathBuf};

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
    p.file("a-bad.yaml", "steps:\n  - request: { url: /a }\n    expcet: {}\n");
    p.file("b-good.yaml", "steps:\n  - request: { url: http://127.0.0.1:9/ }\n");
    p.file("c-bad.yaml", "steps:\n  - request: { url: /c, metod: POST }\n");
    let run = p.sortie(&["validate", "."]);
    run.expect_code(2);
    assert_eq!(run.stdout, "");
    let places: Vec<&str> = run.stderr.lines().filter(|l| l.contains("--> ")).collect();
    assert_eq!(
        places,
        [" --> ./a-bad.yaml:3:5", " --> ./c-bad.yaml:2:25"],
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
            "many-errors.yaml:5:22",
            "many-errors.yaml:7:5",
            "many-errors.yaml:9:23",
            "many-errors.yaml:11:20",
            "many-errors.yaml:12:44",
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

#[test]
fn the_published_schema_rejects_what_the_loader_rejects() {
    let schema = published_schema();
    // Fixtures whose mistake a JSON Schema can express.
    for name in [
        "unknown-key-collection.yaml",
        "unknown-key-defaults.yaml",
        "unknown-key-step.yaml",
        "unknown-key-request.yaml",
        "unknown-key-expect.yaml",
        "unknown-key-retry.yaml",
        "unknown-key-retry-until.yaml",
        "unknown-key-timeout.yaml",
        "unknown-key-tls.yaml",
        "unknown-key-extract.yaml",
        "unknown-key-multipart.yaml",
        "misplaced-request-keys.yaml",
        "not-a-map.yaml",
        "missing-steps.yaml",
        "wrong-type-string.yaml",
        "wrong-type-bool.yaml",
        "wrong-type-int.yaml",
        "wrong-type-duration.yaml",
        "wrong-type-list.yaml",
        "wrong-type-map.yaml",
        "wrong-type-redirects.yaml",
        "status-forms.yaml",
        "status-code-out-of-range.yaml",
        "request-without-url.yaml",
        "step-two-kinds.yaml",
        "step-no-kind.yaml",
        "bad-parallel-value.yaml",
        "auth-api-key.yaml",
        "auth-oauth2-missing.yaml",
        "auth-forms.yaml",
        "retry-attempts-zero.yaml",
        "retry-until-without-attempts.yaml",
        "extract-forms.yaml",
        "multipart-parts.yaml",
        "unknown-predicate.yaml",
    ] {
        let doc = yaml_as_json(&fixtures().join(name));
        assert!(!schema.is_valid(&doc), "the schema accepts {name}");
    }
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
    let cases = [
        // `parallel` on a request step runs its iterations.
        "steps:\n  - request: { url: /a }\n    for_each: [1, 2]\n    parallel: 2\n",
        "steps:\n  - request: { url: /a }\n    expect: { status: \"2XX\" }\n",
        "steps:\n  - request: { url: /a }\n    expect: { status: [\"200\", 201] }\n",
        // Literal maps: no predicate names, empty, or behind `equals`.
        "steps:\n  - request: { url: /a }\n    expect: { json: { $.a: { id: 1 }, $.b: {}, $.c: { equals: { type: x } } } }\n",
        "setup:\n  - request: { url: /a }\n",
        "steps:\n  - request: { url: /a, follow_redirects: 0, retry: { attempts: 1, on_status: [599] } }\n",
    ];
    for case in cases {
        let doc = sortie::parse_yaml(sortie::FileId(0), case)
            .unwrap_or_else(|d| panic!("{case}: {}", d.message))
            .to_json();
        let errors = schema_errors(&schema, &doc);
        assert!(errors.is_empty(), "the schema refuses:\n{case}\n{}", errors.join("\n"));
        let p = Project::new();
        p.file("c.yaml", case);
        let run = p.sortie(&["validate", "c.yaml"]);
        assert_eq!(run.code, 0, "the loader refuses:\n{case}\n{}", run.stderr);
    }
}
