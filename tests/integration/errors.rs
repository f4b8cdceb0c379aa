//! Invalid input: exit 2, a message pointing at the place, and nothing sent.

use crate::support::{Project, TestServer};

#[test]
fn an_invalid_collection_sends_nothing_even_when_others_are_valid() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "a-good.yaml",
        &format!("base_url: {}\nsteps:\n  - request: {{ url: /x }}\n", server.url()),
    );
    p.file(
        "b-bad.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: /x }}\n    expcet: {{ status: 200 }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", ".", "--junit", "junit.xml"]);
    run.expect_code(2);
    assert_eq!(server.hits(), 0, "nothing may be sent when any input is invalid");
    assert!(!p.path("junit.xml").exists(), "no report may pretend tests ran");
    assert_eq!(
        run.stderr,
        "error: unknown key `expcet` in a step\n --> ./b-bad.yaml:4:5\n  |\n4 |     expcet: { status: 200 }\n  |     ^^^^^^\n  = help: did you mean `expect`?\n\nerror: 1 problem found in the collections; nothing was sent\n"
    );
}

#[test]
fn every_error_of_a_file_is_reported_in_file_order() {
    let p = Project::new();
    p.file(
        "c.yaml",
        r#"base_url: http://127.0.0.1:9
vars:
  x: "{{ 1 + }}"
steps:
  - request: { url: /a, json: {}, body: x }
  - request: { url: /b }
    expect:
      json:
        $.a b: 1
        $.c: { type: strng }
  - request: { url: /c }
    extract: { t: { regex: "([a-z" } }
"#,
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2);
    let locations: Vec<&str> = run.stderr.lines().filter(|l| l.contains("--> ")).collect();
    assert_eq!(
        locations,
        [
            " --> c.yaml:3:14",
            " --> c.yaml:5:35",
            " --> c.yaml:9:9",
            "  --> c.yaml:10:22",
            "  --> c.yaml:12:28"
        ]
    );
    run.stderr_has("error: 5 problems found");
}

#[test]
fn bad_flags_and_missing_files_are_invalid_input() {
    let p = Project::new();
    p.file("c.yaml", "steps:\n  - request: { url: http://127.0.0.1:9/ }\n");
    p.sortie(&["run", "missing.yaml"]).expect_code(2);
    p.sortie(&["run", "c.yaml", "--shard", "3/2"]).expect_code(2);
    p.sortie(&["run", "c.yaml", "--max-body", "lots"]).expect_code(2);
    p.sortie(&["run", "c.yaml", "--no-such-flag"]).expect_code(2);
    let run = p.sortie(&["run", "missing.yaml"]);
    assert_eq!(
        run.stderr,
        "error: cannot read `missing.yaml`: no such file or directory\n\n"
    );
}

#[test]
fn files_outside_the_file_root_are_refused() {
    let p = Project::new();
    let outside = tempfile::NamedTempFile::new().unwrap();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: http://127.0.0.1:9/, body_file: {} }}\n",
            outside.path().display()
        ),
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2);
    run.stderr_has("is outside the file root");
}

#[test]
fn an_undefined_variable_errors_the_step_and_names_it() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nvars: {{ user: a }}\nsteps:\n  - name: uses a typo\n    request: {{ url: \"/u/{{{{ usr }}}}\" }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    assert_eq!(server.hits(), 0);
    run.stdout_has(
        "! uses a typo  error: in `url`: undefined variable `usr` (did you mean `user`?) (step at c.yaml:4:5)",
    );
}
