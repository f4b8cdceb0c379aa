//! Variables that do not render: every kind is an error naming the var, never
//! a var silently dropped to resurface later as "undefined".

use crate::support::{Project, TestServer};

#[test]
fn an_included_files_var_that_does_not_render_errors_the_include_step() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "_shared/greet.yaml",
        "vars:\n  greeting: \"hello {{ nobody }}\"\nsteps:\n  - name: greet\n    request: { url: \"/greet?g={{ greeting }}\" }\n",
    );
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: use the fragment\n    include: _shared/greet.yaml\n  - name: after\n    request: {{ url: /after }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    // The include step is errored with the var, the file it is in, and the step's place.
    run.stdout_has("in `vars.greeting` of `_shared/greet.yaml`: undefined variable `nobody`")
        .stdout_has("c.yaml:3")
        .stdout_lacks("✓ greet");
    // Nothing of the fragment ran; the next step of the collection did.
    assert_statuses(
        &p.path("r.json"),
        &[("use the fragment", "errored"), ("after", "passed")],
    );
    assert_eq!(server.hits(), 1, "only the step after the include is sent");
}

#[test]
fn an_include_argument_and_a_collection_var_that_do_not_render_are_errors_too() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file("_shared/one.yaml", "- request: { url: \"/one?x={{ x }}\" }\n");
    p.file(
        "arg.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - include: _shared/one.yaml\n    vars: {{ x: \"{{{{ missing }}}}\" }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "arg.yaml"]);
    run.expect_code(1);
    run.stdout_has("in `vars.x`: undefined variable `missing`");

    p.file(
        "coll.yaml",
        &format!(
            "base_url: {}\nvars: {{ x: \"{{{{ missing }}}}\" }}\nsteps:\n  - request: {{ url: /x }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "coll.yaml"]);
    run.expect_code(1);
    run.stdout_has("in `vars.x`: undefined variable `missing`");
    assert_eq!(server.hits(), 0, "no step whose vars failed is sent");
}

#[test]
fn if_is_an_expression_with_or_without_braces() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ run_it: false, flag: true, user: bob }}
steps:
  - name: a false variable, no braces
    if: run_it
    request: {{ url: /never-1 }}
  - name: an undefined name tested, no braces
    if: missing_var is defined
    request: {{ url: /never-2 }}
  - name: a comparison, no braces
    if: user == 'bob' and flag
    request: {{ url: /yes-1 }}
  - name: braces still work
    if: "{{{{ not run_it }}}}"
    request: {{ url: /yes-2 }}
  - name: a YAML false
    if: false
    request: {{ url: /never-3 }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(0);
    assert_statuses(
        &p.path("r.json"),
        &[
            ("a false variable, no braces", "skipped"),
            ("an undefined name tested, no braces", "skipped"),
            ("a comparison, no braces", "passed"),
            ("braces still work", "passed"),
            ("a YAML false", "skipped"),
        ],
    );
    assert_eq!(server.hits(), 2, "only the two steps whose condition holds are sent");
}

#[test]
fn an_if_naming_an_undefined_variable_is_an_error_not_a_pass() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: guarded\n    if: run_it\n    request: {{ url: /x }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("in `if`: undefined variable `run_it`");
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_name_nothing_provides_is_a_warning_at_validate_and_run() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ user: bob }}
steps:
  - name: log in
    request: {{ url: /login }}
    extract: {{ token: {{ status: true }} }}
  - name: looped
    for_each: [1, 2]
    request: {{ url: "/x/{{{{ item }}}}/{{{{ loop.index }}}}/{{{{ token }}}}/{{{{ env.HOME }}}}" }}
  - name: a typo
    request: {{ url: "/me/{{{{ tokn }}}}/{{{{ usr }}}}" }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "ok: 1 collection, 3 steps\n");
    run.stderr_has(
        "warning: `tokn` is not defined here: no var, earlier capture or loop provides it\n  --> c.yaml:11:21",
    )
    .stderr_has("= help: did you mean `token`?")
    .stderr_has("warning: `usr` is not defined here")
    .stderr_has("= help: did you mean `user`?");
    // What a var, a capture, a loop or the environment provides is not warned about.
    assert_eq!(run.stderr.matches("warning:").count(), 2, "{}", run.stderr);
    // A --var provides a name: no warning for it at run.
    let run = p.sortie(&["run", "c.yaml", "--var", "tokn=t", "--var", "usr=u"]);
    run.expect_code(0);
    run.stderr_lacks("warning:");
    assert_eq!(server.hits(), 4);
}

/// Fails unless the first collection's steps in the JSON report at `report`
/// are `expected`, as (name, status) in order.
#[track_caller]
fn assert_statuses(report: &std::path::Path, expected: &[(&str, &str)]) {
    let report = crate::support::json_report(report);
    let steps = report["collections"][0]["steps"].as_array().expect("steps");
    let statuses: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, expected);
}
