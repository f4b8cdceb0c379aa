//! A report path of `-` is standard output: the report has it to itself, and
//! what the console prints goes to standard error.

use crate::support::{Project, TestServer};

fn collection(p: &Project, url: &str) {
    p.file(
        "c.yaml",
        &format!("base_url: {url}\nsteps:\n  - name: one\n    request: {{ url: /one }}\n  - name: two\n    request: {{ url: /two }}\n    expect: {{ status: 201 }}\n"),
    );
}

#[test]
fn each_report_flag_writes_to_standard_output() {
    let server = TestServer::ok();
    let p = Project::new();
    collection(&p, &server.url());
    let json = p.sortie(&["run", "c.yaml", "--report-json", "-"]);
    json.expect_code(1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("stdout is the JSON report alone");
    assert_eq!(report["summary"]["failed"], 1);
    json.stderr_has("✓ one");
    json.stderr_has("✗ two");
    json.stderr_has("1 passed, 1 failed");
    assert!(!p.path("-").exists(), "no file named `-`");

    let xml = p.sortie(&["run", "c.yaml", "--junit", "-", "-v"]);
    xml.expect_code(1);
    let parsed = quick_junit::Report::deserialize_from_str(&xml.stdout).expect("stdout is the JUnit report alone");
    assert_eq!(parsed.tests, 2);
    xml.stderr_has("> GET ");

    let html = p.sortie(&["run", "c.yaml", "--report-html", "-"]);
    assert!(html.stdout.starts_with("<!DOCTYPE html>") && html.stdout.trim_end().ends_with("</html>"));

    let tap = p.sortie(&["run", "c.yaml", "--report-tap", "-"]);
    assert!(tap.stdout.starts_with("TAP version 14\n"), "{}", tap.stdout);
    assert!(!tap.stdout.contains("✓ one"));

    let curl = p.sortie(&["run", "c.yaml", "--curl", "-", "--report-json", "r.json"]);
    curl.expect_code(1);
    assert!(curl.stdout.starts_with("# c / one\ncurl "), "{}", curl.stdout);
    assert!(
        curl.stdout
            .lines()
            .all(|l| l.is_empty() || l.starts_with('#') || l.starts_with("curl ")),
        "{}",
        curl.stdout
    );
    assert!(p.path("r.json").exists(), "the other report is still a file");
}

#[test]
fn only_one_report_can_have_standard_output() {
    let server = TestServer::ok();
    let p = Project::new();
    collection(&p, &server.url());
    let run = p.sortie(&["run", "c.yaml", "--junit", "-", "--report-json", "-"]);
    run.expect_code(2);
    run.stderr_has("--junit and --report-json both ask for standard output (`-`)");
    assert_eq!(server.hits(), 0, "nothing was sent");
}
