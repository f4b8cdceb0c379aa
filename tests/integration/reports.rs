//! JUnit reports, read back with an independent parser.

use std::io::Write;

use quick_junit::NonSuccessKind;

use crate::support::{Project, RawServer, demo, junit, read_head};

#[test]
fn junit_has_a_suite_per_collection_and_a_case_per_step_run() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "pets.yaml",
        &format!(
            r#"name: Pets
base_url: {}
steps:
  - name: Read pets
    for_each: [1, 2]
    request: {{ url: "/pets/{{{{ item }}}}" }}
    expect: {{ json: {{ $.id: "{{{{ item }}}}" }} }}
  - name: Wrong status
    request: {{ url: /pets/1 }}
    expect: {{ status: 201, json: {{ $.name: nobody }} }}
  - name: Skipped
    if: "{{{{ false }}}}"
    request: {{ url: /pets/1 }}
  - name: Refused
    request: {{ url: "http://127.0.0.1:9/" }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "pets.yaml", "--junit", "out/junit.xml"]);
    run.expect_code(1);
    let report = junit(&p.path("out/junit.xml"));
    assert_eq!((report.tests, report.failures, report.errors), (5, 1, 1));
    let suite = &report.test_suites[0];
    assert_eq!(suite.name.as_str(), "Pets");
    let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Read pets [1]", "Read pets [2]", "Wrong status", "Skipped", "Refused"]
    );
    let wrong = &suite.test_cases[2];
    assert_eq!(
        wrong.classname.as_ref().map(quick_junit::XmlString::as_str),
        Some("Pets")
    );
    assert_eq!(
        wrong.extra.get("file").map(quick_junit::XmlString::as_str),
        Some("pets.yaml")
    );
    assert_eq!(wrong.extra.get("line").map(quick_junit::XmlString::as_str), Some("8"));
    match &wrong.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().map(quick_junit::XmlString::as_str),
                Some("status: expected 201, got 200 (+1 more)")
            );
            let text = description
                .as_ref()
                .map(quick_junit::XmlString::as_str)
                .unwrap_or_default();
            assert!(text.contains(r#"json $.name: expected "nobody", got "Rex""#), "{text}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(matches!(
        &suite.test_cases[3].status,
        quick_junit::TestCaseStatus::Skipped { .. }
    ));
    assert!(matches!(
        &suite.test_cases[4].status,
        quick_junit::TestCaseStatus::NonSuccess {
            kind: NonSuccessKind::Error,
            ..
        }
    ));
}

#[test]
fn junit_stays_well_formed_with_hostile_bodies() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let body: &[u8] = b"<x>]]>\x00\x01\x1b[31m \xff\xfe & </x>";
        let head = format!(
            "HTTP/1.1 500 Oops\r\nContent-Length: {}\r\nX-Evil: a]]>b\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(head.as_bytes());
        let _ = s.write_all(body);
    });
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - name: \"evil ]]> <&>\"\n    request: {{ url: \"{}\" }}\n    expect: {{ body: \"]]>\" }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--junit", "junit.xml"]);
    run.expect_code(1);
    let report = junit(&p.path("junit.xml"));
    assert_eq!((report.tests, report.failures), (1, 1));
    assert_eq!(report.test_suites[0].test_cases[0].name.as_str(), "evil ]]> <&>");
}

#[test]
fn junit_gives_ci_renderers_the_place_the_curl_command_and_the_response() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "suite/pets.yaml",
        &format!(
            r#"name: Pets
base_url: {}
tags: [smoke, pets]
steps:
  - name: Fine
    request: {{ url: /pets/1 }}
  - name: Wrong name
    request: {{ url: /pets/1 }}
    expect: {{ json: {{ $.name: Fido }} }}
"#,
            demo.url()
        ),
    );
    p.sortie(&["run", "suite", "--junit", "junit.xml"]).expect_code(1);
    let report = junit(&p.path("junit.xml"));
    let suite = &report.test_suites[0];
    let properties: Vec<(&str, &str)> = suite
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(properties, [("file", "suite/pets.yaml"), ("tags", "smoke,pets")]);
    let place: Vec<(Option<&str>, Option<&str>)> = suite
        .test_cases
        .iter()
        .map(|c| {
            (
                c.extra.get("file").map(quick_junit::XmlString::as_str),
                c.extra.get("line").map(quick_junit::XmlString::as_str),
            )
        })
        .collect();
    assert_eq!(
        place,
        [
            (Some("suite/pets.yaml"), Some("5")),
            (Some("suite/pets.yaml"), Some("7"))
        ]
    );
    assert!(suite.test_cases[0].system_out.is_none(), "a passed step stays short");
    let out = suite.test_cases[1]
        .system_out
        .as_ref()
        .map(quick_junit::XmlString::as_str)
        .expect("system-out on a failure");
    assert!(out.starts_with(&format!("curl -L {}/pets/1 ", demo.url())), "{out}");
    assert!(out.contains("\nGET "), "the request as sent: {out}");
    assert!(out.contains("HTTP 200 ("), "{out}");
    assert!(out.contains(r#""name":"Rex""#), "the response excerpt: {out}");
}
