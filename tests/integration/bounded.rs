//! Work is bounded whatever the input: files that never end or never open,
//! templates that never finish, includes that multiply, keys by the thousand
//! and large bodies all end with a clear error (or a result) in bounded time
//! and memory.

use std::path::Path;

use crate::support::{Project, TestServer};

/// A FIFO at `path`: opening it for reading waits for a writer, reading it waits forever.
fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn step_reading(p: &Project, url: &str, call: &str) {
    p.file(
        "c.yaml",
        &format!("steps:\n  - name: reads\n    request:\n      url: {url}\n      method: POST\n      body: \"{{{{ {call} }}}}\"\n"),
    );
}

#[test]
fn template_file_functions_refuse_fifos_and_devices() {
    let server = TestServer::ok();
    let p = Project::new();
    fifo(&p.path("pipe"));
    for call in ["read_file('pipe')", "read_json('pipe')", "read_csv('pipe')"] {
        step_reading(&p, &server.url(), call);
        p.sortie(&["run", "c.yaml"])
            .expect_code(1)
            .stdout_has("cannot read `pipe`: it is not a regular file (a FIFO, a device or a socket)");
    }
    // /dev/zero and /dev/urandom never end: refused before a byte is read.
    for device in ["/dev/zero", "/dev/urandom"] {
        step_reading(&p, &server.url(), &format!("read_file('{device}')"));
        p.sortie(&["run", "c.yaml", "--file-root", "/"])
            .expect_code(1)
            .stdout_has(format!("cannot read `{device}`: it is not a regular file"));
    }
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_file_past_the_size_limit_is_refused_naming_the_limit() {
    let server = TestServer::ok();
    let p = Project::new();
    // Sparse: 17 MiB on paper, nothing on disk.
    let big = std::fs::File::create(p.path("big.txt")).expect("create");
    big.set_len(17 << 20).expect("set_len");
    step_reading(&p, &server.url(), "read_file('big.txt') | length");
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has("cannot read `big.txt`: it is larger than 16 MiB, the most Sortie reads from one file");
    assert_eq!(server.hits(), 0);
}

#[test]
fn includes_schemas_and_collections_that_are_fifos_are_invalid_input() {
    let p = Project::new();
    fifo(&p.path("pipe.yaml"));
    fifo(&p.path("pipe.json"));
    p.file(
        "inc.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - include: pipe.yaml\n",
    );
    p.sortie(&["validate", "inc.yaml"])
        .expect_code(2)
        .stderr_has("cannot read `pipe.yaml`: it is not a regular file");
    p.file(
        "schema.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - name: s\n    request: { url: /x }\n    expect: { schema: pipe.json }\n",
    );
    p.sortie(&["validate", "schema.yaml"])
        .expect_code(2)
        .stderr_has("cannot read schema `pipe.json`: it is not a regular file");
    // A folder given to validate: its *.yaml FIFO is named, not waited on.
    std::fs::create_dir(p.path("dir")).expect("mkdir");
    fifo(&p.path("dir/c.yaml"));
    p.sortie(&["validate", "dir"])
        .expect_code(2)
        .stderr_has("it is not a regular file");
}

#[test]
fn files_named_by_flags_must_be_regular_files() {
    let p = Project::new();
    p.file(
        "c.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - name: s\n    request: { url: /x }\n",
    );
    fifo(&p.path("pipe"));
    for args in [
        &["run", "c.yaml", "--vars-file", "/dev/zero"][..],
        &["run", "c.yaml", "--env-file", "/dev/urandom"],
        &["run", "--rerun-failed", "pipe"],
        &["run", "c.yaml", "--vars-file", "pipe"],
    ] {
        p.sortie(args).expect_code(2).stderr_has("it is not a regular file");
    }
}

#[test]
fn a_runaway_template_fails_its_step_naming_the_budget_and_the_place() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: loops\n    request:\n      url: \"/{{% for i in range(100000) %}}{{% for j in range(100000) %}}{{% endfor %}}{{% endfor %}}\"\n  - name: repeats\n    request:\n      url: /r\n      method: POST\n      body: \"{{{{ 'x' * 99999999 }}}}\"\n  - name: renders too much\n    request:\n      url: /t\n      method: POST\n      body: \"a{{{{ 'x' * 20000000 }}}}\"\n  - name: fine\n    request: {{ url: /fine }}\n",
            server.url()
        ),
    );
    // Without the budgets this would run for minutes and ask for 10 GB: the
    // messages say the budgets stopped it.
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1)
        .stdout_has("in `url`: template took too long: more than 1000000 steps of work (fuel)")
        .stdout_has("in `body`: template took too long: more than 1000000 steps of work (fuel)")
        .stdout_has("in `body`: template rendered too much: more than 16 MiB of text")
        .stdout_has("✓ fine");
    // Only the last step was sent.
    assert_eq!(server.hits(), 1);
}

#[test]
fn an_include_bomb_is_invalid_input_naming_the_include_and_the_budget() {
    let p = Project::new();
    // Each level includes the next ten times: 10^7 steps from 60 lines.
    for level in 0..6 {
        let includes: String = (0..10).map(|_| format!("  - include: l{}.yaml\n", level + 1)).collect();
        p.file(&format!("l{level}.yaml"), &format!("steps:\n{includes}"));
    }
    let steps: String = (0..10)
        .map(|i| format!("  - name: s{i}\n    request: {{ url: /x }}\n"))
        .collect();
    p.file("l6.yaml", &format!("steps:\n{steps}"));
    p.file("c.yaml", "base_url: http://127.0.0.1:9\nsteps:\n  - include: l0.yaml\n");
    p.sortie(&["validate", "c.yaml"])
        .expect_code(2)
        .stderr_has("`include: l0.yaml` expands past 100000 steps")
        .stderr_has("c.yaml:3:");
}

#[test]
fn a_long_chain_of_includes_is_invalid_input_not_a_stack_overflow() {
    let p = Project::new();
    for i in 0..800 {
        p.file(
            &format!("c{i}.yaml"),
            &format!("steps:\n  - include: c{}.yaml\n", i + 1),
        );
    }
    p.file("c800.yaml", "steps:\n  - name: last\n    request: { url: /x }\n");
    p.file("c.yaml", "base_url: http://127.0.0.1:9\nsteps:\n  - include: c0.yaml\n");
    p.sortie(&["validate", "c.yaml"])
        .expect_code(2)
        .stderr_has("includes nested more than 32 deep")
        .stderr_has("the chain of includes starts with `c0.yaml`");
    // 32 levels (c0 to c31) are fine.
    p.file("c31.yaml", "steps:\n  - name: last\n    request: { url: /x }\n");
    p.sortie(&["validate", "c.yaml"]).expect_code(0);
}
