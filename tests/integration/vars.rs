//! Variables that do not render: every kind is an error naming the var, never
//! a var silently dropped to resurface later as "undefined".

use crate::support::{Project, TestServer, json_report};

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
    let report = json_report(&p.path("r.json"));
    let steps = report["collections"][0]["steps"].as_array().expect("steps");
    let statuses: Vec<(&str, &str)> = steps
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    // Nothing of the fragment ran; the next step of the collection did.
    assert_eq!(statuses, [("use the fragment", "errored"), ("after", "passed")]);
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
