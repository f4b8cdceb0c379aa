//! Failure messages as a person reads them: one sentence per failed
//! expectation, no word said twice, a schema's errors one per line, and the
//! same line for the same expectation in every output.

use crate::support::{Project, demo, json_report, junit};

#[test]
fn every_output_gives_the_failed_expectations_line() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}
steps:
  - name: Wrong name
    request: {{ url: /pets/1 }}
    expect:
      status: 200
      json:
        $.name: nobody
",
            demo.url()
        ),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--junit",
        "junit.xml",
        "--report-json",
        "report.json",
        "--report-html",
        "report.html",
    ]);
    run.expect_code(1);
    // The console: the failure, then where it is written.
    run.stdout_has("    json $.name: expected \"nobody\", got \"Rex\"\n    at c.yaml:8\n");
    // JUnit: the testcase is the step (line 3); its failure text says the console's line.
    let report = junit(&p.path("junit.xml"));
    let case = &report.test_suites[0].test_cases[0];
    assert_eq!(case.extra.get("line").map(quick_junit::XmlString::as_str), Some("3"));
    let quick_junit::TestCaseStatus::NonSuccess { description, .. } = &case.status else {
        panic!("a failure: {:?}", case.status);
    };
    let text = description
        .as_ref()
        .map(quick_junit::XmlString::as_str)
        .unwrap_or_default();
    assert!(text.contains("\nat c.yaml:8\n"), "{text}");
    assert!(!text.contains("at c.yaml:3"), "{text}");
    // JSON: the step's line and the expectation's line.
    let report = json_report(&p.path("report.json"));
    let step = &report["collections"][0]["steps"][0];
    assert_eq!(step["line"], 3);
    let failed: Vec<(&str, u64)> = step["expectations"]
        .as_array()
        .expect("expectations")
        .iter()
        .filter(|e| e["passed"] == false)
        .map(|e| {
            (
                e["subject"].as_str().unwrap_or_default(),
                e["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(failed, [("json $.name", 8)]);
    // HTML: the expectation's row says line 8.
    let html = p.read("report.html");
    let row = html
        .split("<tr class=\"failed\">")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .expect("a failed expectation row");
    assert!(
        row.contains("<code>json $.name</code>") && row.ends_with("<td>8</td>"),
        "{row}"
    );
}

#[test]
fn a_schema_failure_lists_one_error_per_line_with_its_pointer() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}
steps:
  - name: Pet
    request: {{ url: /pets/1 }}
    expect:
      schema:
        type: object
        required: [id, price]
        properties:
          id: {{ type: string }}
          name: {{ type: integer }}
",
            demo.url()
        ),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--junit",
        "junit.xml",
        "--report-json",
        "report.json",
        "--report-html",
        "report.html",
    ]);
    run.expect_code(1);
    let errors = [
        "(root): \"price\" is a required property",
        "`/id`: 1 is not of type \"string\"",
        "`/name`: \"Rex\" is not of type \"integer\"",
    ];
    let mut block = "    schema: expected the body to match the schema, got 3 errors:\n".to_owned();
    for e in errors {
        block.push_str(&format!("      {e}\n"));
    }
    block.push_str("    at c.yaml:7\n");
    run.stdout_has(&block);
    // JUnit's failure text is the console's block.
    let report = junit(&p.path("junit.xml"));
    let quick_junit::TestCaseStatus::NonSuccess { description, .. } = &report.test_suites[0].test_cases[0].status
    else {
        panic!("a failure");
    };
    let text = description
        .as_ref()
        .map(quick_junit::XmlString::as_str)
        .unwrap_or_default();
    let junit_block: String = block.lines().map(|l| format!("{}\n", &l[4..])).collect();
    assert!(text.starts_with(&junit_block), "{text}");
    // The JSON report keeps the lines; the HTML report shows every one.
    let report = json_report(&p.path("report.json"));
    let actual = report["collections"][0]["steps"][0]["expectations"][1]["actual"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(actual, format!("3 errors:\n{}", errors.join("\n")));
    let html = p.read("report.html");
    assert!(
        html.contains("`/name`: &quot;Rex&quot; is not of type &quot;integer&quot;"),
        "every error is shown"
    );
}
