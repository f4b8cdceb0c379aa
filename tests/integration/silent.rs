//! No silent causes: a missing capture names the step that would have made it and why it did
//! not; an unreachable server is one error, not one per step; steps that never ran are counted;
//! a `--var` that changes nothing says so.

use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::support::{Project, RawServer, TestServer, closed_port, json_report, junit, read_head};

/// `POST /login` answers `{"token": "t0k3n"}`, `/fail` a 500, `/slow` waits 500ms, anything
/// else `{"ok": true}`.
fn server() -> TestServer {
    TestServer::start(
        axum::Router::new()
            .route(
                "/login",
                post(|| async { axum::Json(serde_json::json!({ "token": "t0k3n" })) }),
            )
            .route("/fail", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "no") }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    "slow"
                }),
            )
            .fallback(|| async { axum::Json(serde_json::json!({ "ok": true })) }),
    )
}

#[test]
fn a_missing_capture_names_the_step_that_would_have_made_it_and_why() {
    let server = server();
    // One line of the login step, its capture, the flags, and why `Log in` did not capture.
    let cases: [(&str, &str, &[&str], &str); 6] = [
        (
            "id: login",
            "$.token",
            &["--filter", "Who"],
            "it was filtered out by `--filter Who`",
        ),
        (
            "tags: [auth]",
            "$.token",
            &["--skip-tag", "auth"],
            "it was filtered out by `--skip-tag auth`",
        ),
        (
            "id: login",
            "$.token",
            &["--tag", "smoke"],
            "it was filtered out by `--tag smoke`",
        ),
        (
            "if: \"{{ 1 == 2 }}\"",
            "$.token",
            &[],
            "it was skipped (condition is false)",
        ),
        // The capture finds nothing: the step fails.
        ("id: login", "$.nothing", &[], "it failed"),
        (
            "for_each: \"{{ [] }}\"",
            "$.token",
            &[],
            "its `for_each` list was empty",
        ),
    ];
    for (line, path, flags, why) in cases {
        let p = Project::new();
        p.file(
            "c.yaml",
            &format!(
                "base_url: {}\nsteps:\n  - name: Log in\n    {line}\n    request: {{ method: POST, url: /login }}\n    extract: {{ token: {path} }}\n  - name: Who am I?\n    tags: [smoke]\n    request: {{ url: \"/me?t={{{{ token }}}}\" }}\n",
                server.url()
            ),
        );
        let mut args = vec!["run", "c.yaml"];
        args.extend(flags);
        let run = p.sortie(&args);
        run.expect_code(1);
        run.stdout_has(format!(
            "! Who am I?  error: in `url`: undefined variable `token` (step at c.yaml:7:5): \
             step 'Log in' (c.yaml:3) would capture it, but {why}\n"
        ));
    }
}

#[test]
fn a_missing_capture_names_an_errored_step_inside_a_group_of_an_include() {
    let server = server();
    let p = Project::new();
    p.file(
        "_auth.yaml",
        "steps:\n  - group: Auth\n    steps:\n      - name: Log in\n        request: { method: POST, url: \"/login/{{ nope }}\" }\n        extract: { token: $.token }\n",
    );
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - include: _auth.yaml\n  - name: Who am I?\n    request: {{ url: \"/me?t={{{{ token }}}}\" }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("! Auth / Log in  error: in `url`: undefined variable `nope`");
    run.stdout_has(
        "! Who am I?  error: in `url`: undefined variable `token` (step at c.yaml:4:5): \
         step 'Auth / Log in' (_auth.yaml:4) would capture it, but it errored\n",
    );
}

#[test]
fn teardown_says_when_its_capture_was_skipped_by_a_failed_setup_or_fail_fast() {
    let server = server();
    let p = Project::new();
    // `Break` fails in setup, or as the first step; `Log in` (line 6) never runs.
    let text = |breaking: &str| {
        format!(
            "base_url: {}\n{breaking}\n  - name: Break\n    request: {{ url: /fail }}\n{}  - name: Log in\n    request: {{ method: POST, url: /login }}\n    extract: {{ token: $.token }}\nteardown:\n  - name: Log out\n    request: {{ url: \"/logout?t={{{{ token }}}}\" }}\n",
            server.url(),
            if breaking == "setup:" { "steps:\n" } else { "" }
        )
    };
    p.file("setup.yaml", &text("setup:"));
    let run = p.sortie(&["run", "setup.yaml"]);
    run.expect_code(1);
    run.stdout_has("step 'Log in' (setup.yaml:6) would capture it, but it was skipped (setup failed)\n");

    p.file("fast.yaml", &text("steps:"));
    let run = p.sortie(&["run", "fast.yaml", "--fail-fast"]);
    run.expect_code(1);
    run.stdout_has(
        "step 'Log in' (fast.yaml:5) would capture it, but it was skipped \
         (not run: --fail-fast after 'Break' failed)\n",
    );
}

/// `base_url` to nothing: every request of `c.yaml` to it cannot connect.
fn unreachable_collection(p: &Project, closed: u16, elsewhere: &str) {
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: http://127.0.0.1:{closed}
steps:
  - name: Log in
    request: {{ method: POST, url: /login }}
    extract: {{ token: $.token }}
  - name: Again
    request: {{ url: /again }}
  - name: Elsewhere
    request: {{ url: "{elsewhere}/ok" }}
  - name: Needs the token
    request: {{ url: "{elsewhere}/me?t={{{{ token }}}}" }}
  - name: Once more
    request: {{ url: /more }}
teardown:
  - name: Clean up
    request: {{ url: /cleanup }}
  - name: Clean up more
    request: {{ url: /cleanup/more }}
"#
        ),
    );
}

#[test]
fn an_unreachable_server_is_one_error_and_later_requests_to_it_are_skipped() {
    let closed = closed_port();
    let server = server();
    let p = Project::new();
    unreachable_collection(&p, closed, &server.url());
    let run = p.sortie(&["run", "c.yaml", "--junit", "j.xml"]);
    run.expect_code(1);
    let down = format!("127.0.0.1:{closed} unreachable");
    run.stdout_has(format!(
        "! Log in  error: could not connect to 127.0.0.1:{closed}: connection refused"
    ));
    run.stdout_has(format!("- Again  skipped: {down}, see step 'Log in'\n"));
    // Another origin is not concerned...
    run.stdout_has("✓ Elsewhere  200");
    // ...but a step that needs what the unreachable step would have captured cannot run.
    run.stdout_has(format!("- Needs the token  skipped: {down}, see step 'Log in'\n"));
    run.stdout_has(format!("- Once more  skipped: {down}, see step 'Log in'\n"));
    // Teardown tries again, once.
    run.stdout_has(format!(
        "! Clean up [teardown]  error: could not connect to 127.0.0.1:{closed}: connection refused"
    ));
    run.stdout_has(format!(
        "- Clean up more [teardown]  skipped: {down}, see step 'Clean up'\n"
    ));
    assert_eq!(run.stdout.matches("connection refused").count(), 2, "{}", run.stdout);
    assert_eq!(server.hits(), 1, "only `Elsewhere` was sent");
    let report = junit(&p.path("j.xml"));
    assert_eq!(
        (report.tests, report.errors, report.skipped),
        (7, 2, 4),
        "{}",
        run.stdout
    );
}

#[test]
fn a_server_that_failed_a_tls_handshake_is_not_tried_again() {
    let p = Project::new();
    let server = crate::tls::HttpsServer::start(&crate::tls::pki(&p), false, crate::tls::version_router());
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: first\n    request: {{ url: /v }}\n  - name: second\n    request: {{ url: /v }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("! first  error: TLS certificate of 127.0.0.1:");
    run.stdout_has(format!(
        "- second  skipped: 127.0.0.1:{} unreachable, see step 'first'",
        server.addr.port()
    ));
    assert_eq!(
        server.handshake_failures.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "{}",
        run.stdout
    );
}

#[test]
fn a_server_that_was_reached_is_tried_again() {
    // It hangs up without an answer, then answers 500: neither is "unreachable".
    let hangs_up = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
    });
    let server = server();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{0}/a\" }}\n  - request: {{ url: \"{0}/b\" }}\n  - request: {{ url: \"{1}/fail\" }}\n  - request: {{ url: \"{1}/fail\" }}\n",
            hangs_up.url(),
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_lacks("unreachable");
    assert_eq!((hangs_up.hits(), server.hits()), (2, 2), "{}", run.stdout);
}

#[test]
fn the_onboarding_collections_without_their_server_print_one_error_each() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = std::fs::read_dir(root.join("collections"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yaml"))
        .count();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let run = crate::support::run_to_end(
        {
            let mut cmd = crate::support::sortie_command(root);
            cmd.env("SORTIE_DEMO_URL", &url);
            cmd
        },
        &["run", "collections/"],
    );
    run.expect_code(1);
    assert_eq!(
        run.stdout.matches("connection refused").count(),
        files,
        "{}",
        run.stdout
    );
    let summary = regex::Regex::new(r"(\d+) steps: 0 passed, 0 failed, (\d+) errored, (\d+) skipped")
        .unwrap()
        .captures(&run.stdout)
        .unwrap_or_else(|| panic!("{}", run.stdout));
    let count = |i: usize| summary[i].parse::<usize>().unwrap();
    assert_eq!(count(2), files, "{}", run.stdout);
    assert_eq!(count(1), count(2) + count(3));
}

#[test]
fn fail_fast_reports_every_step_that_never_ran_and_every_report_counts_it() {
    let server = server();
    let p = Project::new();
    p.file("_inc.yaml", "steps:\n  - name: included\n    request: { url: /c }\n");
    p.file(
        "c1.yaml",
        &format!(
            r#"name: First
base_url: {}
steps:
  - name: pets
    for_each: [ok, fail, ok2]
    request: {{ url: "/{{{{ item }}}}" }}
  - name: later loop
    for_each: [1, 2]
    request: {{ url: "/{{{{ item }}}}" }}
  - group: Group
    steps:
      - name: in group
        request: {{ url: /a }}
      - include: _inc.yaml
  - name: tagged out
    tags: [slow]
    request: {{ url: /b }}
teardown:
  - name: cleanup
    request: {{ url: /cleanup }}
"#,
            server.url()
        ),
    );
    p.file(
        "c2.yaml",
        &format!(
            "name: Second\nbase_url: {}\nsetup:\n  - name: s1\n    request: {{ url: /s }}\nsteps:\n  - name: one\n    request: {{ url: /1 }}\n  - name: two\n    request: {{ url: /2 }}\nteardown:\n  - name: t1\n    request: {{ url: /t }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&[
        "run",
        "c1.yaml",
        "c2.yaml",
        "--fail-fast",
        "--skip-tag",
        "slow",
        "--junit",
        "j.xml",
        "--report-json",
        "r.json",
        "--report-html",
        "r.html",
    ]);
    run.expect_code(1);
    let why = "skipped: not run: --fail-fast after 'pets [2]' failed\n";
    run.stdout_has("✓ pets [1]");
    run.stdout_has("✗ pets [2]  500");
    // The rest of the loop, a loop never started (as one step), a group's and an include's
    // steps one by one; a step the selection leaves out stays out.
    for name in [
        "pets [3]",
        "later loop",
        "Group / in group",
        "Group / included",
        "s1 [setup]",
        "one",
        "two",
        "t1 [teardown]",
    ] {
        run.stdout_has(format!("  - {name}  {why}"));
    }
    run.stdout_lacks("tagged out");
    run.stdout_has("✓ cleanup [teardown]");
    run.stdout_has("11 steps: 2 passed, 1 failed, 0 errored, 8 skipped");
    assert_eq!(server.hits(), 3, "pets [1], pets [2], cleanup");

    let report = junit(&p.path("j.xml"));
    assert_eq!((report.tests, report.failures, report.skipped), (11, 1, 8));
    let json = json_report(&p.path("r.json"));
    assert_eq!(json["summary"]["skipped"], 8, "{json}");
    assert_eq!(json["summary"]["steps"], 11, "{json}");
    let html = p.read("r.html");
    assert!(html.contains("11 steps"), "{html}");
    assert!(html.contains("not run: --fail-fast after"), "{html}");
}

#[test]
fn fail_fast_reports_the_concurrent_units_it_did_not_start() {
    let server = server();
    for (kind, text) in [
        (
            "loop",
            "  - name: p\n    parallel: 2\n    for_each: [fail, slow, a, b]\n    request: { url: \"/{{ item }}\" }\n",
        ),
        (
            "group",
            "  - group: p\n    parallel: 2\n    steps:\n      - request: { url: /fail }\n      - request: { url: /slow }\n      - name: a\n        request: { url: /a }\n",
        ),
    ] {
        let p = Project::new();
        p.file("c.yaml", &format!("base_url: {}\nsteps:\n{text}", server.url()));
        let before = server.hits();
        let run = p.sortie(&["run", "c.yaml", "--fail-fast"]);
        run.expect_code(1);
        // The slow unit was in flight when the first failed: it finishes; the rest never start.
        assert_eq!(server.hits() - before, 2, "{kind}: {}", run.stdout);
        let never = if kind == "loop" {
            ["p [3]", "p [4]"].as_slice()
        } else {
            &["p / a"]
        };
        for name in never {
            run.stdout_has(format!("  - {name}  skipped: not run: --fail-fast after"));
        }
    }
}

#[test]
fn a_var_no_template_reads_is_a_warning_with_the_closest_name() {
    let server = server();
    let p = Project::new();
    p.file("_inc.yaml", "steps:\n  - request: { url: \"/i/{{ inner }}\" }\n");
    p.file("vars.yaml", "unused_in_file: 1\n");
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nvars:\n  greeting: \"hi {{{{ user }}}}\"\nsteps:\n  - request: {{ url: \"/{{{{ greeting }}}}\" }}\n  - include: _inc.yaml\n",
            server.url()
        ),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--var",
        "usr=bob",
        "--var",
        "user=bob",
        "--var",
        "inner=x",
        "--var",
        "unrelated=1",
        "--vars-file",
        "vars.yaml",
    ]);
    run.expect_code(0);
    run.stderr_has("warning: --var usr is not used by any collection\n  = help: did you mean `user`?\n");
    run.stderr_has("warning: --var unrelated is not used by any collection\n");
    // Read by a var, and by an included file; a vars file may hold more than a run reads.
    run.stderr_lacks("--var user ");
    run.stderr_lacks("--var inner ");
    run.stderr_lacks("unused_in_file");
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_var_named_after_a_collection_key_is_invalid_input() {
    let server = server();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: \"/{{{{ name }}}}\" }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--var", "base_url=http://127.0.0.1:1"]);
    run.expect_code(2);
    run.stderr_has("error: `base_url` is a collection key, not a variable: `--var base_url=…` would change nothing\n");
    run.stderr_has("`base_url: \"{{ api_url }}\"` with `--var api_url=…`");
    let run = p.sortie(&["run", "c.yaml", "--var", "defaults=x"]);
    run.expect_code(2);
    run.stderr_has("help: set `defaults:` in the collection");
    assert_eq!(server.hits(), 0, "nothing is sent");
    // A key's name that a template does read is a variable like any other.
    p.sortie(&["run", "c.yaml", "--var", "name=x"]).expect_code(0);
    assert_eq!(server.hits(), 1);
}

#[test]
fn an_empty_text_to_contain_or_start_with_checks_nothing_and_never_passes() {
    let server = server();
    let p = Project::new();
    // `{{ prefix }}` renders empty: every text contains it and starts with it.
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nvars: {{ prefix: \"\" }}\nsteps:\n  - name: contains\n    request: {{ url: /a }}\n    expect: {{ body: {{ contains: \"{{{{ prefix }}}}\" }} }}\n  - name: starts\n    request: {{ url: /a }}\n    expect: {{ body: {{ starts_with: \"{{{{ prefix }}}}\" }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has(r#"body: expected contains "", got "{\"ok\":true}" (every text contains the empty string, so it checks nothing)"#);
    run.stdout_has("`starts_with` an empty string holds for every string, so it checks nothing");
    run.stdout_has("0 passed, 2 failed");
    // Written literally, it is a mistake found before anything is sent.
    p.file(
        "d.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: /a }}\n    expect: {{ body: {{ ends_with: \"\" }} }}\n",
            server.url()
        ),
    );
    let hits = server.hits();
    p.sortie(&["run", "d.yaml"])
        .expect_code(2)
        .stderr_has("`ends_with` an empty string holds for every string, so it checks nothing")
        .stderr_has("d.yaml:4:");
    assert_eq!(server.hits(), hits);
}

/// A token endpoint that cannot be reached is down like any server: a later request
/// to it is skipped, and so is a step that needs what the failed step would capture.
#[test]
fn an_unreachable_oauth2_token_endpoint_is_down_for_later_steps() {
    let closed = closed_port();
    let server = server();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
defaults:
  auth: {{ oauth2: {{ token_url: "http://127.0.0.1:{closed}/token", client_id: app, client_secret: s3cr3t-client }} }}
steps:
  - name: Call
    request: {{ url: /ok }}
    extract: {{ id: $.id }}
  - name: Uses its capture
    request: {{ url: "/ok?id={{{{ id }}}}", auth: none }}
  - name: The token server itself
    request: {{ url: "http://127.0.0.1:{closed}/health", auth: none }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    let down = format!("127.0.0.1:{closed} unreachable, see step 'Call'");
    run.stdout_has(format!(
        "! Call  error: OAuth2 token request to http://127.0.0.1:{closed}/token: "
    ));
    run.stdout_has(format!("- Uses its capture  skipped: {down}\n"));
    run.stdout_has(format!("- The token server itself  skipped: {down}\n"));
    run.stdout_lacks("s3cr3t-client");
    assert_eq!(server.hits(), 0, "{}", run.stdout);
}
