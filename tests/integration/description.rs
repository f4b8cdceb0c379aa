//! A step's `description` is shown by `-v`, in the JSON report, in the HTML
//! report under the step, and in JUnit's `system-out`, passed or failed.

use crate::support::{Project, TestServer, json_report, junit};

#[test]
fn a_description_reads_in_every_output() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {}
steps:
  - name: greet
    description: "Says hello <first>; the API answers ok."
    request: {{ url: /hello }}
  - name: strict
    description: "Wants a 201 & gets a 200."
    request: {{ url: /strict }}
    expect: {{ status: 201 }}
  - name: plain
    request: {{ url: /plain }}
"#,
            server.url()
        ),
    );
    let args = [
        "run",
        "c.yaml",
        "--junit",
        "j.xml",
        "--report-json",
        "r.json",
        "--report-html",
        "r.html",
    ];
    let quiet = p.sortie(&args);
    quiet.expect_code(1);
    // Without -v the console stays one line a step.
    quiet.stdout_lacks("Says hello");
    let run = p.sortie(&[&args[..], &["-v"]].concat());
    run.expect_code(1);
    let greet = run.stdout.split("✓ greet").nth(1).expect("the greet step");
    assert!(
        greet
            .trim_start_matches(|c: char| c != '\n')
            .starts_with("\n    Says hello <first>; the API answers ok.\n"),
        "under its step line: {}",
        run.stdout
    );
    run.stdout_has("    Wants a 201 & gets a 200.\n");

    let report = json_report(&p.path("r.json"));
    let steps = &report["collections"][0]["steps"];
    assert_eq!(steps[0]["description"], "Says hello <first>; the API answers ok.");
    assert_eq!(steps[1]["description"], "Wants a 201 & gets a 200.");
    assert!(steps[2]["description"].is_null());

    let html = p.read("r.html");
    assert!(html.contains("<p class=\"description\">Says hello &lt;first&gt;; the API answers ok.</p>"));
    assert!(html.contains("<p class=\"description\">Wants a 201 &amp; gets a 200.</p>"));

    let report = junit(&p.path("j.xml"));
    let out = |i: usize| {
        report.test_suites[0].test_cases[i]
            .system_out
            .as_ref()
            .map(|o| o.to_string())
    };
    assert_eq!(out(0).as_deref(), Some("Says hello <first>; the API answers ok."));
    let failed = out(1).expect("the failed step's details");
    assert!(failed.starts_with("Wants a 201 & gets a 200.\n\ncurl "), "{failed}");
    assert_eq!(out(2), None, "a passed step without a description stays short");
}

#[test]
fn a_description_must_be_text() {
    let p = Project::new();
    p.file(
        "c.yaml",
        "steps:\n  - name: a\n    description: [not, text]\n    request: { url: http://127.0.0.1:9/ }\n",
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2);
    run.stderr_has("description");
    run.stderr_has("c.yaml:3:");
}
