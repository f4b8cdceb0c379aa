//! Mistakes a newcomer makes that must not turn green or hide their cause:
//! each is invalid input at `validate`, or fails (or skips) saying why.

use crate::support::{Project, TestServer, demo};

#[test]
fn a_relative_url_without_base_url_is_invalid_and_nothing_is_sent() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: {}/first }}\n  - request: {{ url: \"/users/{{{{ 3 }}}}\" }}\n",
            server.url()
        ),
    );
    for command in ["validate", "run"] {
        let run = p.sortie(&[command, "c.yaml"]);
        run.expect_code(2);
        run.stderr_has("error: `/users/{{ 3 }}` is relative, and `c.yaml` has no `base_url` to join it to")
            .stderr_has(" --> c.yaml:3:21")
            .stderr_has("help: add `base_url: http://host:port` to `c.yaml`, or make the `url` absolute");
    }
    assert_eq!(server.hits(), 0, "nothing is sent when the input is invalid");
}

#[test]
fn an_included_relative_url_joins_the_including_collections_base_url() {
    let server = TestServer::start(axum::Router::new().route("/from-include", axum::routing::get(|| async { "ok" })));
    let p = Project::new();
    p.file(
        "_shared/step.yaml",
        "- request: { url: /from-include }\n  expect: { status: 200 }\n",
    );
    p.file(
        "with-base.yaml",
        &format!("base_url: {}\nsteps:\n  - include: _shared/step.yaml\n", server.url()),
    );
    p.sortie(&["run", "with-base.yaml"]).expect_code(0);
    assert_eq!(server.hits(), 1);
    // The same fragment, included where there is no base_url, is the including file's mistake.
    p.file("without-base.yaml", "steps:\n  - include: _shared/step.yaml\n");
    p.sortie(&["validate", "without-base.yaml"])
        .expect_code(2)
        .stderr_has("`/from-include` is relative, and `without-base.yaml` has no `base_url`")
        .stderr_has(" --> _shared/step.yaml:1:19");
}

#[test]
fn a_url_that_is_wholly_a_template_is_left_to_run_time() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        "vars: { target: /relative }\nsteps:\n  - request: { url: \"{{ target }}\" }\n",
    );
    p.sortie(&["validate", "c.yaml"]).expect_code(0);
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has("`/relative` is not an absolute URL and the collection has no `base_url`");
    p.file(
        "c.yaml",
        &format!(
            "vars: {{ target: \"{}/x\" }}\nsteps:\n  - request: {{ url: \"{{{{ target }}}}\" }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_relative_url_whose_query_holds_a_url_is_joined_to_base_url() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: \"/echo?next=http://example.invalid/x\" }}\n    expect: {{ json: {{ $.path: /echo, $.query: [[next, \"http://example.invalid/x\"]] }} }}\n",
            demo.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
}

#[test]
fn a_base_url_without_its_scheme_is_invalid() {
    let p = Project::new();
    p.file(
        "c.yaml",
        "base_url: 127.0.0.1:8080\nsteps:\n  - request: { url: /health }\n",
    );
    p.sortie(&["validate", "c.yaml"])
        .expect_code(2)
        .stderr_has("error: `base_url` `127.0.0.1:8080` is not an absolute URL")
        .stderr_has("help: start it with its scheme: `http://127.0.0.1:8080`");
}

/// Each case checks nothing (or accepts nothing) where a check was meant, and
/// passed against a server that answers 200 with a page that is not JSON.
#[test]
fn checks_and_step_lists_left_empty_are_invalid_instead_of_passing() {
    let server = TestServer::ok();
    let url = server.url();
    let request = format!("request: {{ url: {url}/ }}");
    let cases = [
        (
            format!("steps:\n  - {request}\n    expect: {{}}\n"),
            "`expect` is empty: it checks nothing",
        ),
        (
            format!("steps:\n  - {request}\n    expect:\n      json:\n"),
            "`json` lists nothing to check",
        ),
        (
            format!("steps:\n  - {request}\n    expect:\n      headers: {{}}\n"),
            "`headers` lists nothing to check",
        ),
        (
            format!("steps:\n  - {request}\n    expect:\n      cookies: {{}}\n"),
            "`cookies` lists nothing to check",
        ),
        (
            format!("steps:\n  - {request}\n    expect: {{ status: [] }}\n"),
            "an empty list of statuses accepts none",
        ),
        (
            format!("steps:\n  - {request}\n    expect: {{ body: {{ length: {{}} }} }}\n"),
            "`length: {}` checks nothing",
        ),
        (
            "steps: []\n".to_owned(),
            "the collection has no step: it would check nothing",
        ),
        (
            format!("steps:\n  - group: g\n    steps: []\n  - {request}\n"),
            "the group has no step: it would check nothing",
        ),
        (
            format!("steps:\n  - include: _none.yaml\n  - {request}\n"),
            "the file lists no step: including it would run nothing",
        ),
    ];
    let p = Project::new();
    p.file("_none.yaml", "[]\n");
    for (text, message) in &cases {
        p.file("c.yaml", text);
        let run = p.sortie(&["run", "c.yaml"]);
        assert_eq!(run.code, 2, "{text}\n{}{}", run.stdout, run.stderr);
        run.stderr_has(message);
    }
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_for_each_over_an_empty_list_is_a_visible_skip() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}
vars: {{ ids: [] }}
steps:
  - name: Every id
    for_each: \"{{{{ ids }}}}\"
    request: {{ url: \"/items/{{{{ item }}}}\" }}
  - group: Every id, grouped
    parallel: 2
    for_each: \"{{{{ ids }}}}\"
    steps:
      - request: {{ url: \"/items/{{{{ item }}}}\" }}
",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--junit", "junit.xml"]);
    run.expect_code(0);
    run.stdout_has("  - Every id  skipped: for_each list is empty\n")
        .stdout_has("  - Every id, grouped  skipped: for_each list is empty\n")
        .stdout_has("2 steps: 0 passed, 0 failed, 0 errored, 2 skipped");
    let report = crate::support::junit(&p.path("junit.xml"));
    assert_eq!(report.test_suites[0].test_cases.len(), 2);
    for case in &report.test_suites[0].test_cases {
        match &case.status {
            quick_junit::TestCaseStatus::Skipped { message, .. } => {
                assert_eq!(
                    message.as_ref().map(quick_junit::XmlString::as_str),
                    Some("for_each list is empty")
                );
            }
            other => panic!("{}: {other:?}", case.name.as_str()),
        }
    }
    assert_eq!(server.hits(), 0);
    // Written as a literal, the empty list is a mistake caught before anything runs.
    p.file(
        "literal.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - for_each: []\n    request: {{ url: /x }}\n",
            server.url()
        ),
    );
    p.sortie(&["validate", "literal.yaml"])
        .expect_code(2)
        .stderr_has("error: `for_each: []` would run the step zero times");
}

#[test]
fn not_contains_with_something_that_cannot_be_contained_fails_saying_why() {
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
      json:
        $.name: {{ not_contains: [Rex] }}
        $.owner: {{ not_contains: 1 }}
",
            demo.url()
        ),
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has(r#"json $.name: expected not contains ["Rex"], got "Rex" (a string holds text, not a list)"#)
        .stdout_has(r#"json $.owner: expected not contains 1, got {"id":1,"name":"alice"} (a map's keys are strings, not a number)"#);
}

#[test]
fn a_regex_capture_whose_group_took_no_part_fails_instead_of_taking_the_whole_match() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: Method
    request: {{ url: /echo }}
    extract:
      verb: {{ regex: '"method":"(POST)?(?:GET|PUT)"' }}
      whole: {{ regex: '"method":"[A-Z]+"' }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-v"]);
    run.expect_code(1);
    run.stdout_has("capture verb: expected a match of the first group, got a match that left the group out");
    // Without a group, the whole match is the value, as documented.
    run.stdout_has(r#"captured whole = "method":"GET""#);
}

#[test]
fn a_schema_that_checks_nothing_is_invalid_instead_of_passing_every_body() {
    let demo = demo();
    let p = Project::new();
    p.file("pet.schema.json", r#"{"type": "object", "requird": ["price"]}"#);
    let typo = "help: JSON Schema ignores a keyword it does not know";
    let cases = [
        (
            "schema: { type: object, properties: { id: { tpye: string } } }",
            "`tpye` is not a JSON Schema keyword (did you mean `type`?)",
            typo,
        ),
        (
            "schema: pet.schema.json",
            "`requird` in `pet.schema.json` is not a JSON Schema keyword (did you mean `required`?)",
            typo,
        ),
        (
            "schema: {}",
            "this schema accepts every body: it checks nothing",
            "help: say what the body must be",
        ),
    ];
    for (schema, message, help) in cases {
        p.file(
            "c.yaml",
            &format!(
                "base_url: {}\nsteps:\n  - request: {{ url: /pets/1 }}\n    expect: {{ {schema} }}\n",
                demo.url()
            ),
        );
        p.sortie(&["run", "c.yaml"])
            .expect_code(2)
            .stderr_has(message)
            .stderr_has(help);
    }
}

#[test]
fn a_tag_or_filter_that_selects_no_step_is_invalid_instead_of_an_empty_green_run() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "name: Pets\ntags: [smoke]\nbase_url: {}\nsteps:\n  - name: Log in\n    tags: [auth]\n    request: {{ url: /login }}\n",
            server.url()
        ),
    );
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &["--tag", "smok"],
            "error: --tag smok leaves no step to run in 1 collection",
            "help: no collection or step is tagged `smok`: did you mean `smoke`?",
        ),
        (
            &["--filter", "log in"],
            "error: --filter \"log in\" leaves no step to run in 1 collection",
            "help: --filter is case-sensitive: `Pets / Log in` matches in another case",
        ),
        (
            &["--skip-tag", "smoke"],
            "error: --skip-tag smoke leaves no step to run in 1 collection",
            "help: `sortie list PATH` shows every collection and step with its tags",
        ),
        (
            &["--tag", "auth", "--filter", "Logout"],
            "error: --tag auth --filter \"Logout\" leave no step to run in 1 collection",
            "help: `sortie list PATH`",
        ),
    ];
    for (flags, message, help) in cases {
        let mut args = vec!["run", "c.yaml"];
        args.extend_from_slice(flags);
        p.sortie(&args).expect_code(2).stderr_has(message).stderr_has(help);
    }
    assert_eq!(server.hits(), 0);
    // A selection that keeps a step runs it; an empty shard is still fine.
    p.sortie(&["run", "c.yaml", "--tag", "auth"]).expect_code(0);
    p.sortie(&["run", "c.yaml", "--shard", "2/2"]).expect_code(0);
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_captured_null_is_shown_as_null_not_as_nothing() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: /echo }}\n    extract: {{ sent_json: $.json }}\n",
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-v", "--report-json", "r.json"]);
    run.expect_code(0).stdout_has("    captured sent_json = null\n");
    let report = crate::support::json_report(&p.path("r.json"));
    assert_eq!(
        report["collections"][0]["steps"][0]["captures"],
        serde_json::json!([{ "name": "sent_json", "value": "null" }])
    );
}

#[test]
fn retry_until_without_expect_polls_until_the_default_status_holds() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: Wait\n    request: {{ url: \"/flaky?key=until&fail=2\" }}\n    retry_until: {{ attempts: 5, interval: 1ms }}\n",
            demo.url()
        ),
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(0)
        .stdout_has("  ✓ Wait  200")
        .stdout_has("(3 attempts)");
}

#[test]
fn a_templated_method_and_multipart_headers_are_rendered() {
    let server = TestServer::start(axum::Router::new().fallback(
        |m: axum::http::Method, headers: axum::http::HeaderMap, body: String| async move {
            let ct = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let boundary = ct.split("boundary=").nth(1).unwrap_or("").to_owned();
            format!("{m}\n{}", body.replace(&boundary, "B"))
        },
    ));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nvars: {{ m: put, field: avatar, file_name: me.png, kind: image/png }}\nsteps:\n  - name: upload\n    request:\n      url: /u\n      method: \"{{{{ m }}}}\"\n      multipart:\n        - name: \"{{{{ field }}}}\"\n          value: hi\n          filename: \"{{{{ file_name }}}}\"\n          content_type: \"{{{{ kind }}}}\"\n    expect:\n      body:\n        contains: \"PUT\\n--B\\r\\nContent-Disposition: form-data; name=\\\"avatar\\\"; filename=\\\"me.png\\\"\\r\\nContent-Type: image/png\\r\\n\\r\\nhi\\r\\n--B--\"\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
}

#[test]
fn a_line_break_in_a_multipart_content_type_errors_the_step_instead_of_adding_a_header() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nvars: {{ kind: \"text/plain\\r\\nX-Injected: 1\" }}\nsteps:\n  - name: upload\n    request:\n      url: /u\n      method: POST\n      multipart:\n        - name: a\n          value: hi\n          content_type: \"{{{{ kind }}}}\"\n  - name: literal\n    request:\n      url: /u\n      method: POST\n      multipart:\n        - name: a\n          value: hi\n          content_type: \"text/plain\\r\\nX-Injected: 1\"\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has("! upload  error: `multipart.a.content_type` holds a line break")
        .stdout_has("! literal  error: `multipart.a.content_type` holds a line break");
    assert_eq!(server.hits(), 0);
}
