//! The report files (`--report-json`, `--report-html`, `--curl`), `--dry-run`
//! and `--rerun-failed`, run through the real binary.

use crate::support::{Project, TestServer, demo, json_report, missing_tool, python};

fn pets(base: &str) -> String {
    format!(
        r#"name: Pets
base_url: {base}
tags: [smoke]
steps:
  - name: Create pet
    request:
      method: post
      url: /echo/pets
      json: {{ name: Rex, note: "<script>alert(1)</script>" }}
    expect:
      status: 200
      json:
        $.json.name: Rex
        $.json.note: {{ contains: "<b>" }}
    extract: {{ pet: $.json.name }}
  - name: Read pet
    request: {{ url: "/pets/1", headers: {{ X-Pet: "{{{{ pet }}}}" }} }}
    expect: {{ json: {{ $.name: Rex }} }}
  - name: Refused
    request: {{ url: "http://127.0.0.1:9/" }}
"#
    )
}

#[test]
fn the_json_report_holds_every_step_with_its_exchange_and_checks() {
    let demo = demo();
    let p = Project::new();
    p.file("pets.yaml", &pets(&demo.url()));
    p.sortie(&["run", "pets.yaml", "--report-json", "out/report.json"])
        .expect_code(1);
    let report = json_report(&p.path("out/report.json"));
    assert_eq!(report["version"], 3);
    assert_eq!(report["tool"], "sortie");
    assert_eq!(report["success"], false);
    assert_eq!(
        report["summary"],
        serde_json::json!({"steps": 3, "passed": 1, "failed": 1, "errored": 1, "skipped": 0})
    );
    let collection = &report["collections"][0];
    assert_eq!(collection["file"], "pets.yaml");
    assert_eq!(collection["tags"], serde_json::json!(["smoke"]));
    let create = &collection["steps"][0];
    assert_eq!(create["status"], "failed");
    assert_eq!(create["line"], 5);
    assert_eq!(create["attempts"], 1);
    assert_eq!(create["request"]["method"], "POST");
    assert_eq!(create["request"]["url"], format!("{}/echo/pets", demo.url()));
    assert!(
        create["request"]["body_excerpt"]
            .as_str()
            .is_some_and(|b| b.contains("Rex"))
    );
    assert_eq!(create["response"]["status"], 200);
    assert!(create["response"]["size"].as_u64().is_some_and(|s| s > 0));
    assert_eq!(create["captures"], serde_json::json!([{"name": "pet", "value": "Rex"}]));
    let checks: Vec<(&str, &str, bool)> = create["expectations"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["subject"].as_str().unwrap_or_default(),
                e["predicate"].as_str().unwrap_or_default(),
                e["passed"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("status", "equals", true),
            ("json $.json.name", "equals", true),
            ("json $.json.note", "contains", false),
            ("capture pet", "exists", true),
        ]
    );
    let read = &collection["steps"][1];
    assert_eq!(read["status"], "passed");
    assert!(
        read["request"]["headers"]
            .as_array()
            .expect("headers")
            .contains(&serde_json::json!({"name": "x-pet", "value": "Rex"}))
    );
    let refused = &collection["steps"][2];
    assert_eq!(refused["status"], "errored");
    assert!(refused["response"].is_null());
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("refused")));
}

#[test]
fn the_html_report_is_one_self_contained_escaped_file() {
    let demo = demo();
    let p = Project::new();
    p.file("pets.yaml", &pets(&demo.url()));
    p.sortie(&["run", "pets.yaml", "--report-html", "report.html"])
        .expect_code(1);
    let html = p.read("report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script>alert"), "a body's script must not run");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for remote in [" src=", "<link", "@import", "url("] {
        assert!(!html.contains(remote), "{remote}");
    }
    // The failed and errored steps are open, the passed one collapsed.
    assert_eq!(html.matches("<details class=\"step failed\"").count(), 1);
    assert_eq!(html.matches(" open><summary>").count(), 2);
    assert!(html.contains("class=\"copy\">Copy</button><pre>curl -L -X POST"));
}

#[test]
fn the_curl_file_has_every_request_sent() {
    let demo = demo();
    let p = Project::new();
    p.file("pets.yaml", &pets(&demo.url()));
    p.sortie(&["run", "pets.yaml", "--curl", "requests.sh"]).expect_code(1);
    let text = p.read("requests.sh");
    let url = demo.url();
    let v = env!("CARGO_PKG_VERSION");
    let expected = format!(
        "# Pets / Create pet\n\
         curl -L -X POST {url}/echo/pets -H 'user-agent: sortie/{v}' --compressed -H 'content-type: application/json' --data-binary \
         '{{\"name\":\"Rex\",\"note\":\"<script>alert(1)</script>\"}}'\n\
         \n# Pets / Read pet\ncurl -L {url}/pets/1 -H 'user-agent: sortie/{v}' --compressed -H 'x-pet: Rex'\n\
         \n# Pets / Refused\ncurl -L http://127.0.0.1:9/\n"
    );
    assert_eq!(text, expected);
}

#[test]
fn dry_run_renders_every_request_and_sends_nothing() {
    let server = TestServer::start(axum::Router::new());
    let p = Project::new();
    p.file(
        "flow.yaml",
        &format!(
            r#"name: Flow
base_url: {}
steps:
  - name: Log in
    request:
      method: post
      url: /login
      json: {{ user: "{{{{ user }}}}" }}
    extract: {{ token: $.token, uid: $.id }}
  - name: Profile
    request:
      url: "/users/{{{{ uid }}}}"
      auth: {{ bearer: "{{{{ token }}}}" }}
    expect: {{ status: 200 }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "flow.yaml", "--dry-run", "--var", "user=ann", "--curl", "c.sh"]);
    run.expect_code(0);
    assert_eq!(server.hits(), 0, "a dry run sends nothing");
    let out = &run.stdout;
    assert!(out.contains(&format!("POST {}/login", server.url())), "{out}");
    assert!(out.contains(r#"{"user":"ann"}"#), "{out}");
    assert!(
        out.contains(&format!("GET {}/users/<capture:uid>", server.url())),
        "{out}"
    );
    assert!(
        out.contains("authorization: ***"),
        "a placeholder token is still a credential: {out}"
    );
    assert!(out.contains("dry run: 2 requests rendered; nothing was sent"), "{out}");
    assert!(p.read("c.sh").contains("# Flow / Profile"));

    // A name nobody defines does not render: invalid input.
    let run = p.sortie(&["run", "flow.yaml", "--dry-run"]);
    run.expect_code(2);
    run.stdout_has("undefined variable `user`");
    run.stdout_has("1 request rendered, 1 could not");
    assert_eq!(server.hits(), 0);
}

#[test]
fn rerun_failed_runs_only_the_collections_that_failed() {
    let server = TestServer::start(axum::Router::new().route("/ok", axum::routing::get(|| async { "ok" })));
    let p = Project::new();
    let collection = |name: &str, path: &str| {
        format!(
            "name: {name}\nsteps:\n  - name: call\n    request: {{ url: \"{}{path}\" }}\n",
            server.url()
        )
    };
    p.file("suite/good.yaml", &collection("Good", "/ok"));
    p.file("suite/bad.yaml", &collection("Bad", "/missing"));
    p.sortie(&["run", "suite", "--report-json", "first.json"])
        .expect_code(1);
    assert_eq!(server.hits(), 2);

    let run = p.sortie(&["run", "--rerun-failed", "first.json", "--report-json", "second.json"]);
    run.expect_code(1);
    assert_eq!(server.hits(), 3, "only the failed collection ran again");
    let second = json_report(&p.path("second.json"));
    assert_eq!(second["collections"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["collections"][0]["file"], "suite/bad.yaml");

    // PATH arguments must hold the failed collections.
    p.sortie(&["run", "suite", "--rerun-failed", "first.json"])
        .expect_code(1);
    assert_eq!(server.hits(), 4);
    let run = p.sortie(&["run", "suite/good.yaml", "--rerun-failed", "first.json"]);
    run.expect_code(2);
    run.stderr_has("suite/bad.yaml");
    assert_eq!(server.hits(), 4);

    // Nothing failed: nothing to run.
    p.file("suite/bad.yaml", &collection("Bad", "/ok"));
    p.sortie(&["run", "suite", "--report-json", "third.json"])
        .expect_code(0);
    let run = p.sortie(&["run", "--rerun-failed", "third.json"]);
    run.expect_code(0);
    run.stdout_has("nothing to rerun");

    let run = p.sortie(&["run", "--rerun-failed", "suite/good.yaml"]);
    run.expect_code(2);
    run.stderr_has("not a sortie JSON report");
}

#[test]
fn every_predicate_of_an_expectation_is_checked_and_each_failure_reported_in_order() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: Name
    request: {{ url: /pets/1 }}
    expect:
      json:
        $.name: {{ type: string, length: {{ gt: 10 }}, starts_with: ey, ends_with: x, matches: "^[0-9]+$" }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "report.json"]);
    run.expect_code(1);
    let report = json_report(&p.path("report.json"));
    // Every predicate of the expectation is checked and recorded, in the order written.
    let checks: Vec<(String, bool)> = report["collections"][0]["steps"][0]["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .filter(|e| e["subject"] == "json $.name")
        .map(|e| {
            (
                e["predicate"].as_str().expect("a predicate").to_owned(),
                e["passed"] == true,
            )
        })
        .collect();
    let expected = [
        ("type", true),
        ("length.gt", false),
        ("starts_with", false),
        ("ends_with", true),
        ("matches", false),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|(p, ok)| ((*p).to_owned(), *ok)).collect();
    assert_eq!(checks, expected);
    // The console says each failure once, in the order written, in words.
    let failures: Vec<&str> = run
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("json $.name:"))
        .collect();
    assert_eq!(
        failures,
        [
            "json $.name: expected length > 10, got length 3",
            r#"json $.name: expected starts with "ey", got "Rex""#,
            r#"json $.name: expected matches /^[0-9]+$/, got "Rex""#,
        ],
        "{}",
        run.stdout
    );
}

/// Validates JSON files against a schema with Python's `jsonschema`, a
/// validator written apart from Sortie and from the Rust crate it uses.
/// Prints one line per error and `checked N`; exits 1 on an error.
const VALIDATE: &str = r#"
import json, sys
from jsonschema.validators import validator_for
schema = json.load(open(sys.argv[1]))
cls = validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
errors = 0
for path in sys.argv[2:]:
    for e in validator.iter_errors(json.load(open(path))):
        errors += 1
        print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}")
print(f"checked {len(sys.argv) - 2}")
sys.exit(1 if errors else 0)
"#;

/// Runs `VALIDATE` on these reports; `None` when Python or its `jsonschema`
/// is missing (a failure in CI, a visible skip elsewhere).
fn python_validate(test: &str, reports: &[std::path::PathBuf]) -> Option<std::process::Output> {
    let python = python();
    let importable = std::process::Command::new(&python)
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        let why = format!("`{python} -c 'import jsonschema'` fails");
        missing_tool(
            test,
            &why,
            "`.ci/run` installs it, or set SORTIE_TEST_PYTHON to a Python that has it",
        );
        return None;
    }
    let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/report.schema.json");
    let output = std::process::Command::new(&python)
        .arg("-c")
        .arg(VALIDATE)
        .arg(schema)
        .args(reports)
        .output()
        .expect("python runs");
    Some(output)
}

#[test]
fn real_reports_match_the_committed_schema_by_an_independent_validator() {
    let test = "real_reports_match_the_committed_schema_by_an_independent_validator";
    let demo = demo();
    let p = Project::new();
    // Every phase, every status, captures, a diff, a loop and a group.
    p.file(
        "a.yaml",
        &format!(
            r#"name: Everything
base_url: {}
tags: [smoke]
setup:
  - name: log in
    request: {{ method: POST, url: /login, json: {{ username: alice, password: wonderland }} }}
    extract: {{ token: $.token }}
steps:
  - name: list
    for_each: [1, 2]
    request: {{ url: "/pets/{{{{ item }}}}", auth: {{ bearer: "{{{{ token }}}}" }} }}
    expect: {{ json: {{ $.id: {{ type: number }} }} }}
  - name: wrong
    request: {{ url: /pets/1 }}
    expect: {{ status: 201, json: {{ $: {{ contains: {{ name: Nobody }} }} }} }}
  - group: together
    parallel: true
    steps:
      - request: {{ url: /health }}
      - request: {{ url: "http://127.0.0.1:9/" }}
  - name: never
    if: "{{{{ false }}}}"
    request: {{ url: /health }}
teardown:
  - request: {{ method: DELETE, url: /echo/x, body: bye }}
"#,
            demo.url()
        ),
    );
    p.file("b.yaml", &pets(&demo.url()));
    p.sortie(&["run", "a.yaml", "b.yaml", "--report-json", "report.json"])
        .expect_code(1);
    let report = json_report(&p.path("report.json"));
    let statuses: std::collections::BTreeSet<&str> = report["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .flat_map(|c| c["steps"].as_array().expect("steps"))
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        ["errored", "failed", "passed", "skipped"],
        "the run covers every status"
    );
    // A report that breaks the schema, to see the validator refuse it.
    let mut broken = report.clone();
    broken["collections"][0]["steps"][0]["phase"] = "warmup".into();
    broken["summary"]["passed"] = (-1).into();
    std::fs::write(p.path("broken.json"), broken.to_string()).expect("write");
    let Some(output) = python_validate(test, &[p.path("report.json"), p.path("broken.json")]) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut errors: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("checked ")).collect();
    errors.sort_unstable();
    assert!(stdout.ends_with("checked 2\n"), "{stdout}{stderr}");
    let broken = p.path("broken.json").display().to_string();
    assert_eq!(
        errors,
        [
            format!("{broken}: /collections/0/steps/0/phase: 'warmup' is not one of ['setup', 'steps', 'teardown']"),
            format!("{broken}: /summary/passed: -1 is less than the minimum of 0"),
        ],
        "only the broken report fails, for its two faults\n{stderr}"
    );
}
