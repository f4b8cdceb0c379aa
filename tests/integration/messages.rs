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

/// The failure lines of a console run: the indented sentences under a failed step.
fn failure_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("      ") && l.contains(": expected "))
        .map(str::trim)
        .collect()
}

/// The first word said twice in a row (`contains contains`), if any.
fn doubled_word(line: &str) -> Option<String> {
    let words: Vec<String> = line
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect();
    words
        .windows(2)
        .find(|w| !w[0].is_empty() && w[0] == w[1])
        .map(|w| w[0].clone())
}

#[test]
fn every_failure_reads_as_one_sentence_without_a_word_twice() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ word: ten }}
steps:
  - name: Predicates
    request: {{ url: /pets/1 }}
    expect:
      status: [201, "4xx"]
      headers:
        content-type: {{ equals: text/plain }}
        x-missing: {{ not_contains: a }}
      json:
        $.name: {{ type: number, length: {{ gt: 5 }}, matches: "^x", starts_with: x, ends_with: y, contains: z, not_contains: R, one_of: [a], empty: true, exists: false, not_equals: Rex }}
        $.tags: {{ length: 3, contains: cat }}
        $.weight_kg: {{ gt: 30, le: 10, contains: 2 }}
        $.nothing: {{ exists: true }}
        $.species: {{ gt: "{{{{ word }}}}" }}
      body: {{ contains: nope }}
      cookies:
        sid: {{ exists: true }}
      duration: {{ gt: 60s }}
      schema: {{ type: array }}
    extract:
      missing: $.missing
  - name: Not JSON
    request: {{ url: /html }}
    expect:
      json:
        $.a: 1
    extract:
      a: $.a
  - name: Empty body
    request: {{ url: /status/204 }}
    expect:
      schema: {{ type: object }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--junit", "junit.xml"]);
    run.expect_code(1);
    let lines = failure_lines(&run.stdout);
    let body = r#"{\"id\":1,\"name\":\"Rex\",\"species\":\"dog\",\"tags\":[\"good-boy\",\"fetch\"],\"owner\":{\"id\":1,\"name\":\"alice\"},\"vaccinated\":true,\"weight_kg\":28.5,\"born\":\"2019-04-12\"}"#;
    let expected = [
        "status: expected 201 or 4xx, got 200".to_owned(),
        r#"header content-type: expected "text/plain", got "application/json""#.to_owned(),
        r#"header x-missing: expected not contains "a", got no match"#.to_owned(),
        r#"json $.name: expected type number, got string "Rex""#.to_owned(),
        "json $.name: expected length > 5, got length 3".to_owned(),
        r#"json $.name: expected matches /^x/, got "Rex""#.to_owned(),
        r#"json $.name: expected starts with "x", got "Rex""#.to_owned(),
        r#"json $.name: expected ends with "y", got "Rex""#.to_owned(),
        r#"json $.name: expected contains "z", got "Rex""#.to_owned(),
        r#"json $.name: expected not contains "R", got "Rex""#.to_owned(),
        r#"json $.name: expected one of ["a"], got "Rex""#.to_owned(),
        r#"json $.name: expected empty, got "Rex""#.to_owned(),
        r#"json $.name: expected no match, got "Rex""#.to_owned(),
        r#"json $.name: expected not "Rex", got "Rex""#.to_owned(),
        "json $.tags: expected length 3, got length 2".to_owned(),
        r#"json $.tags: expected contains "cat", got ["good-boy","fetch"]"#.to_owned(),
        "json $.weight_kg: expected > 30, got 28.5".to_owned(),
        "json $.weight_kg: expected <= 10, got 28.5".to_owned(),
        "json $.weight_kg: expected contains 2, got 28.5 (not a string, list or map)".to_owned(),
        "json $.nothing: expected a match, got no match".to_owned(),
        "json $.species: expected a value for `gt`, got an error: `gt` expects a number, found a string".to_owned(),
        format!(r#"body: expected contains "nope", got "{body}""#),
        "cookie sid: expected a match, got no match".to_owned(),
        "schema: expected the body to match the schema, got 1 error:".to_owned(),
        "capture missing: expected a match, got no match".to_owned(),
        "json $.a: expected a JSON body, got a body that is not JSON (syntax error at line 1, column 1)".to_owned(),
        "capture a: expected a JSON body, got a body that is not JSON (syntax error at line 1, column 1)".to_owned(),
        "schema: expected a JSON body, got an empty body".to_owned(),
    ];
    // The duration line names milliseconds; its value varies.
    let duration: Vec<&&str> = lines.iter().filter(|l| l.starts_with("duration: ")).collect();
    assert_eq!(duration.len(), 1, "{}", run.stdout);
    assert!(
        regex::Regex::new(r"^duration: expected > 60000ms, got \d+ms$")
            .unwrap()
            .is_match(duration[0]),
        "{}",
        duration[0]
    );
    let lines: Vec<&str> = lines.into_iter().filter(|l| !l.starts_with("duration: ")).collect();
    assert_eq!(lines, expected, "{}", run.stdout);
    for line in run.stdout.lines() {
        assert_eq!(doubled_word(line), None, "a word twice in: {line}");
    }
    // JUnit's failure messages are the console's sentences.
    let report = junit(&p.path("junit.xml"));
    let messages: Vec<&str> = report.test_suites[0]
        .test_cases
        .iter()
        .filter_map(|c| match &c.status {
            quick_junit::TestCaseStatus::NonSuccess { message, .. } => {
                message.as_ref().map(quick_junit::XmlString::as_str)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        messages,
        [
            "status: expected 201 or 4xx, got 200 (+25 more)",
            "json $.a: expected a JSON body, got a body that is not JSON (syntax error at line 1, column 1) (+1 more)",
            "schema: expected a JSON body, got an empty body",
        ]
    );
}
