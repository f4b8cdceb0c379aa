//! What outcomes keep of each exchange: passing steps keep their request,
//! response and captures only when a report shows them (`-v`); failed steps
//! always keep them for the failure block and JUnit.

use crate::support::{Project, demo, junit};

fn collection(p: &Project, url: &str) {
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {url}
steps:
  - name: passes
    request: {{ url: /pets/1 }}
    expect: {{ json: {{ $.name: Rex }} }}
    extract: {{ pet: $.name }}
  - name: fails
    request: {{ url: /pets/1 }}
    expect: {{ json: {{ $.name: Tom }} }}
"#
        ),
    );
}

#[test]
fn passing_exchanges_are_shown_with_verbose() {
    let demo = demo();
    let p = Project::new();
    collection(&p, &demo.url());
    let run = p.sortie(&["run", "-vv", "c.yaml"]);
    run.expect_code(1);
    let passing = run.stdout.split("✗ fails").next().unwrap_or_default();
    assert!(passing.contains("> GET http://127.0.0.1:"), "{}", run.stdout);
    assert!(passing.contains("< 200 ("), "{}", run.stdout);
    assert!(passing.contains(r#""name":"Rex""#), "{}", run.stdout);
    assert!(passing.contains("captured pet = Rex"), "{}", run.stdout);
}

#[test]
fn failed_exchanges_are_kept_without_verbose() {
    let demo = demo();
    let p = Project::new();
    collection(&p, &demo.url());
    let run = p.sortie(&["run", "c.yaml", "--junit", "junit.xml"]);
    run.expect_code(1);
    run.stdout_has("✓ passes  200");
    run.stdout_lacks("captured");
    run.stdout_has("replay: curl -L http://127.0.0.1:");
    let report = junit(&p.path("junit.xml"));
    let cases: Vec<_> = report.test_suites.iter().flat_map(|s| &s.test_cases).collect();
    let failed = cases
        .iter()
        .find(|c| c.name.as_str() == "fails")
        .expect("the failed case");
    let out = failed.system_out.as_ref().map(|o| o.to_string()).unwrap_or_default();
    assert!(out.contains("curl -L http://127.0.0.1:"), "{out}");
    assert!(out.contains(r#""name":"Rex""#), "{out}");
}
