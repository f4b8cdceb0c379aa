//! CI-native output: GitHub Actions annotations and step summary, and the TAP
//! report read by a real TAP parser. All of it redacted.

use axum::routing::{get, post};

use crate::support::{Project, TestServer, closed_port, missing_tool, python};

/// The secret the server echoes back in a failing body.
const SECRET: &str = "hunter2-very-secret";

/// `/pets` answers a JSON body that echoes the secret; anything else 200 `{}`.
fn server() -> TestServer {
    TestServer::start(
        axum::Router::new()
            .route(
                "/pets",
                post(|body: String| async move {
                    axum::Json(serde_json::json!({ "name": "Rex", "echo": body, "tags": ["good-boy"] }))
                }),
            )
            .route(
                "/health",
                get(|| async { axum::Json(serde_json::json!({ "ok": true })) }),
            ),
    )
}

/// Line 7: the step `Create pet`; its failing expectations on lines 12 and 13.
/// Line 14: `Get pet`, which cannot connect; line 17: a skipped step.
fn collection(p: &Project, url: &str, closed: u16) {
    p.file(
        "api/pets.yaml",
        &format!(
            r#"name: Pets
base_url: {url}
secrets: [token]
vars:
  token: {SECRET}
steps:
  - name: Create pet
    request: {{ method: POST, url: /pets, json: {{ token: "{{{{ token }}}}" }} }}
    expect:
      status: 200
      json:
        $.tags: [good, dog]
        $.echo: nothing
  - name: Get pet
    request: {{ url: "http://127.0.0.1:{closed}/pets/1" }}
  - name: Health
    if: false
    request: {{ url: /health }}
  - name: Health again
    request: {{ url: /health }}
"#
        ),
    );
}

#[test]
fn on_github_actions_failures_are_annotations_and_the_summary_is_appended() {
    let server = server();
    let p = Project::new();
    collection(&p, &server.url(), closed_port());
    let summary = p.file("summary.md", "## An earlier step\n\n");
    let run = p.sortie_env(
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8 path")),
        ],
        &["run", "api"],
    );
    run.expect_code(1);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 3, "{}", run.stdout);
    // The first failure is at the line the console gives under the step.
    run.stdout_has("at api/pets.yaml:12");
    assert_eq!(
        annotations[0],
        "::error file=api/pets.yaml,line=12,title=Pets / Create pet::json $.tags: expected [\"good\",\"dog\"], got [\"good-boy\"]%0A--- expected%0A+++ actual%0A@@ -1,4 +1,3 @@%0A [%0A-  \"good\",%0A-  \"dog\"%0A+  \"good-boy\"%0A ]"
    );
    assert!(
        annotations[1].starts_with(
            "::error file=api/pets.yaml,line=13,title=Pets / Create pet::json $.echo: expected \"nothing\", got "
        ),
        "{}",
        annotations[1]
    );
    assert!(
        annotations[2].starts_with("::error file=api/pets.yaml,line=14,title=Pets / Get pet::"),
        "{}",
        annotations[2]
    );
    // The server echoed the secret inside the body: masked in the annotation as on the console.
    assert!(annotations[1].contains("***"), "{}", annotations[1]);
    run.stdout_lacks(SECRET);

    let md = p.read("summary.md");
    assert!(md.starts_with("## An earlier step\n\n## Sortie: ❌ failed\n"), "{md}");
    for text in [
        "1 collection, 4 steps in ",
        "| Pets | 1 | 1 | 1 | 1 |",
        "| **Total** | **1** | **1** | **1** | **1** |",
        "### ❌ Pets / Create pet (failed)\n\nat `api/pets.yaml:12`",
        "json $.tags: expected [\"good\",\"dog\"], got [\"good-boy\"]\n--- expected\n+++ actual\n",
        "### ⚠️ Pets / Get pet (errored)\n\nat `api/pets.yaml:14`",
        "```sh\ncurl -L -X POST",
    ] {
        assert!(md.contains(text), "`{text}` not in:\n{md}");
    }
    assert!(md.contains("***"), "{md}");
    assert!(!md.contains(SECRET), "{md}");
}

#[test]
fn without_github_actions_there_are_no_annotations_and_no_summary() {
    let server = server();
    let p = Project::new();
    collection(&p, &server.url(), closed_port());
    let summary = p.path("summary.md");
    let run = p.sortie_env(
        &[
            ("GITHUB_ACTIONS", "false"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("utf-8 path")),
        ],
        &["run", "api"],
    );
    run.expect_code(1).stdout_lacks("::error");
    assert!(!summary.exists());
    // A dry run is no run: nothing to annotate.
    p.sortie_env(&[("GITHUB_ACTIONS", "true")], &["run", "--dry-run", "api"])
        .stdout_lacks("::error");
}

/// tappy (`tap.py`) parses the report: each line is its kind, YAML blocks included.
const PARSE_TAP: &str = r#"
import json, sys
from tap.parser import Parser
out = []
for line in Parser().parse_file(sys.argv[1]):
    item = {"category": line.category}
    if line.category == "test":
        item.update(ok=line.ok, number=line.number, description=line.description,
                    skip=line.skip, directive=line.directive.text, yaml=line.yaml_block)
    elif line.category == "plan":
        item.update(expected=line.expected_tests)
    elif line.category == "version":
        item.update(version=line.version)
    out.append(item)
print(json.dumps(out))
"#;

#[test]
fn the_tap_report_reads_in_a_tap_parser() {
    let test = "the_tap_report_reads_in_a_tap_parser";
    let python = python();
    let importable = std::process::Command::new(&python)
        .args(["-c", "import tap.parser, yaml, more_itertools"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        missing_tool(
            test,
            &format!("`{python} -c 'import tap.parser, yaml, more_itertools'` fails"),
            "`.ci/run` installs tap.py[yaml], or set SORTIE_TEST_PYTHON to a Python that has it",
        );
        return;
    }
    let server = server();
    let p = Project::new();
    collection(&p, &server.url(), closed_port());
    p.sortie(&["run", "api", "--report-tap", "out/results.tap"])
        .expect_code(1);
    let tap = p.read("out/results.tap");
    assert!(!tap.contains(SECRET), "{tap}");
    let parsed = std::process::Command::new(&python)
        .args(["-c", PARSE_TAP])
        .arg(p.path("out/results.tap"))
        .output()
        .expect("python runs");
    assert!(parsed.status.success(), "{}", String::from_utf8_lossy(&parsed.stderr));
    let lines: serde_json::Value = serde_json::from_slice(&parsed.stdout).expect("JSON from the parser");
    let lines = lines.as_array().expect("a list");
    // Nothing the parser did not understand.
    assert!(lines.iter().all(|l| l["category"] != "unknown"), "{lines:#?}\n{tap}");
    assert_eq!(lines[0]["version"], 14);
    assert_eq!(lines[1]["expected"], 4);
    let tests: Vec<&serde_json::Value> = lines.iter().filter(|l| l["category"] == "test").collect();
    let summary: Vec<(bool, &str, bool)> = tests
        .iter()
        .map(|t| {
            (
                t["ok"].as_bool().expect("ok"),
                t["description"].as_str().expect("description"),
                t["skip"].as_bool().expect("skip"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (false, "- Pets / Create pet", false),
            (false, "- Pets / Get pet", false),
            (true, "- Pets / Health", true),
            (true, "- Pets / Health again", false),
        ]
    );
    assert_eq!(tests[2]["directive"], "SKIP condition is false");
    // The YAML block of a failure: where, and each failed expectation.
    let failed = &tests[0]["yaml"];
    assert_eq!(failed["severity"], "fail");
    assert_eq!(failed["at"]["file"], "api/pets.yaml");
    assert_eq!(failed["at"]["line"], 12);
    assert_eq!(failed["failures"][0]["subject"], "json $.tags");
    assert_eq!(failed["failures"][1]["line"], 13);
    assert!(
        failed["failures"][1]["actual"].as_str().expect("text").contains("***"),
        "{failed}"
    );
    assert!(
        failed["curl"].as_str().expect("text").starts_with("curl -L -X POST"),
        "{failed}"
    );
    assert_eq!(tests[1]["yaml"]["severity"], "error");
    assert_eq!(tests[1]["yaml"]["at"]["line"], 14);
}

#[test]
fn the_tap_path_is_checked_before_anything_is_sent_like_every_report() {
    let server = server();
    let p = Project::new();
    collection(&p, &server.url(), closed_port());
    p.sortie(&["run", "api", "--junit", "out.xml", "--report-tap", "out.xml"])
        .expect_code(2)
        .stderr_has("--junit and --report-tap name the same file `out.xml`");
    assert_eq!(server.hits(), 0);
}
