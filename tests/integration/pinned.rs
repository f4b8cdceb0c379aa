//! `expect.snapshot`: a response pinned in `__snapshots__/`, compared
//! semantically, proposed as `.json.new`, accepted with `--update-snapshots`,
//! never holding a secret.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::{Path, Query};
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{Value, json};

use crate::support::{Project, TestServer, json_report};

/// `/users/N?v=V`: a user whose `role` changes with `v`, with a fresh `id` and
/// `created_at` on every request (what `ignore` is for).
fn users() -> TestServer {
    let counter = Arc::new(AtomicUsize::new(0));
    TestServer::start(
        axum::Router::new()
            .route(
                "/users/{n}",
                get(
                    move |Path(n): Path<u32>, Query(q): Query<std::collections::HashMap<String, String>>| {
                        let tick = counter.fetch_add(1, Ordering::SeqCst);
                        async move {
                            let role = if q.get("v").map(String::as_str) == Some("2") {
                                "admin"
                            } else {
                                "user"
                            };
                            (
                                [("x-version", "7")],
                                axum::Json(json!({
                                    "name": format!("user{n}"),
                                    "role": role,
                                    "id": format!("id-{tick}"),
                                    "meta": { "created_at": format!("2026-01-0{}", tick % 9 + 1), "score": 1 },
                                    "tags": ["a", "b"],
                                })),
                            )
                        }
                    },
                ),
            )
            .route("/text", get(|| async { "plain text, line one\nline two\n" })),
    )
}

fn collection(base: &str) -> String {
    format!(
        r#"name: Pinned
base_url: {base}
steps:
  - name: Get user 1
    request: {{ url: "/users/1?v={{{{ v | default('1') }}}}" }}
    expect:
      snapshot: {{ ignore: [$.id, $..created_at], headers: [X-Version] }}
"#
    )
}

fn read_json(p: &Project, name: &str) -> Value {
    serde_json::from_str(&p.read(name)).unwrap_or_else(|e| panic!("{name} is JSON: {e}"))
}

#[test]
fn first_run_proposes_update_accepts_then_a_change_fails_with_a_diff_in_every_report() {
    let server = users();
    let p = Project::new();
    p.file("api/pinned.yaml", &collection(&server.url()));
    let snap = "api/__snapshots__/pinned/get-user-1.json";
    let new = "api/__snapshots__/pinned/get-user-1.json.new";

    // First run: no snapshot yet; the step fails and proposes one.
    p.sortie(&["run", "api/pinned.yaml"])
        .expect_code(1)
        .stdout_has("snapshot")
        .stdout_has("no snapshot yet")
        .stderr_has("1 new or changed");
    assert!(!p.path(snap).exists(), "nothing is accepted without the flag");
    let proposed = read_json(&p, new);
    assert_eq!(
        proposed,
        json!({
            "headers": { "X-Version": "7" },
            "json": {
                "name": "user1", "role": "user", "id": "[ignored]",
                "meta": { "created_at": "[ignored]", "score": 1 }, "tags": ["a", "b"],
            }
        })
    );

    // Still not accepted by a plain run.
    p.sortie(&["run", "api/pinned.yaml"]).expect_code(1);
    assert!(!p.path(snap).exists());

    // Accepted: the snapshot is written, the proposal removed; the run passes.
    p.sortie(&["run", "--update-snapshots", "api/pinned.yaml"])
        .expect_code(0)
        .stderr_has("snapshots: 1 written");
    assert_eq!(read_json(&p, snap), proposed);
    assert!(!p.path(new).exists());

    // Same response (fresh id and created_at are ignored): passes, writes nothing.
    let before = p.read(snap);
    p.sortie(&["run", "api/pinned.yaml"])
        .expect_code(0)
        .stderr_lacks("snapshots:");
    assert_eq!(p.read(snap), before);
    assert!(!p.path(new).exists());

    // A changed role: fails with a JSON diff on the console, in JUnit and in the JSON report.
    let run = p.sortie(&[
        "run",
        "api/pinned.yaml",
        "--var",
        "v=2",
        "--junit",
        "junit.xml",
        "--report-json",
        "report.json",
        "--report-html",
        "report.html",
        "--report-tap",
        "report.tap",
    ]);
    run.expect_code(1)
        .stdout_has("-    \"role\": \"user\"")
        .stdout_has("+    \"role\": \"admin\"");
    assert_eq!(p.read(snap), before, "a failing run never overwrites the snapshot");
    assert_eq!(read_json(&p, new)["json"]["role"], "admin");
    let junit = std::fs::read_to_string(p.path("junit.xml"))
        .expect("junit written")
        .replace("&quot;", "\"");
    assert!(junit.contains("+    \"role\": \"admin\""), "{junit}");
    let report = json_report(&p.path("report.json"));
    let text = report.to_string();
    assert!(text.contains(r#"+    \"role\": \"admin\""#), "{text}");
    let html = std::fs::read_to_string(p.path("report.html")).expect("HTML report");
    assert!(
        html.contains("+    &quot;role&quot;: &quot;admin&quot;"),
        "the HTML report shows the diff"
    );
    let tap = std::fs::read_to_string(p.path("report.tap")).expect("TAP report");
    assert!(tap.contains(r#"+    \"role\": \"admin\""#), "{tap}");

    // The change accepted, the stale proposal goes away.
    p.sortie(&["run", "api/pinned.yaml", "--var", "v=2", "--update-snapshots"])
        .expect_code(0);
    assert_eq!(read_json(&p, snap)["json"]["role"], "admin");
    assert!(!p.path(new).exists());
}

#[test]
fn comparison_is_semantic_key_order_and_number_forms_do_not_matter() {
    let server = users();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - id: user
    request: {{ url: /users/2 }}
    expect: {{ snapshot: {{ ignore: [$.id, $.meta.created_at] }} }}
"#,
            server.url()
        ),
    );
    // Written by hand: other key order, `1.0` for `1`, compact.
    p.file(
        "__snapshots__/c/user.json",
        r#"{"json":{"tags":["a","b"],"meta":{"score":1.0,"created_at":"[ignored]"},"id":"[ignored]","role":"user","name":"user2"}}"#,
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert!(!p.path("__snapshots__/c/user.json.new").exists());
    // Array order does matter.
    p.file(
        "__snapshots__/c/user.json",
        r#"{"json":{"tags":["b","a"],"meta":{"score":1,"created_at":"[ignored]"},"id":"[ignored]","role":"user","name":"user2"}}"#,
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has("a different response");
    // A snapshot that is not JSON fails, and is rewritten only when accepting.
    p.file("__snapshots__/c/user.json", "<<<<<<< HEAD\n{}\n");
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has("it is not JSON (line 1, column 1): fix it, or rewrite it with --update-snapshots");
    assert!(p.read("__snapshots__/c/user.json").starts_with("<<<<<<<"));
    p.sortie(&["run", "c.yaml", "--update-snapshots"]).expect_code(0);
    assert_eq!(read_json(&p, "__snapshots__/c/user.json")["json"]["name"], "user2");
}

#[test]
fn a_path_ignored_after_the_snapshot_was_written_is_ignored_in_it_too() {
    let server = users();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - id: u\n    request: {{ url: /users/3 }}\n    expect: {{ snapshot: {{ ignore: [$.id, $.meta] }} }}\n",
            server.url()
        ),
    );
    p.file(
        "__snapshots__/c/u.json",
        r#"{"json":{"name":"user3","role":"user","id":"old","meta":{"created_at":"1999"},"tags":["a","b"]}}"#,
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
}

#[test]
fn loops_and_parallel_steps_keep_one_snapshot_each_named_deterministically() {
    let server = users();
    let p = Project::new();
    p.file(
        "loops.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: Each user
    for_each: [1, 2, 3]
    parallel: 3
    request: {{ url: "/users/{{{{ item }}}}" }}
    expect: {{ snapshot: {{ ignore: [$.id, $..created_at] }} }}
  - group: Both at once
    parallel: true
    steps:
      - id: first
        request: {{ url: /users/4 }}
        expect: {{ snapshot: {{ ignore: [$.id, $..created_at] }} }}
      - id: second
        request: {{ url: /text }}
        expect: {{ snapshot: true }}
  - group: Per page
    for_each: [1, 2]
    as: page
    steps:
      - name: Page user
        for_each: [5, 6]
        request: {{ url: "/users/{{{{ item + page }}}}" }}
        expect: {{ snapshot: {{ ignore: [$.id, $..created_at] }} }}
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "--update-snapshots", "loops.yaml"])
        .expect_code(0)
        .stderr_has("snapshots: 9 written");
    let dir = p.path("__snapshots__/loops");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("snapshots folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "each-user-1.json",
            "each-user-2.json",
            "each-user-3.json",
            "first.json",
            "page-user-1-1.json",
            "page-user-1-2.json",
            "page-user-2-1.json",
            "page-user-2-2.json",
            "second.json",
        ]
    );
    // Each item holds its own response, whatever order the concurrent requests finished in.
    for n in 1..=3 {
        let doc = read_json(&p, &format!("__snapshots__/loops/each-user-{n}.json"));
        assert_eq!(doc["json"]["name"], format!("user{n}"));
    }
    assert_eq!(
        read_json(&p, "__snapshots__/loops/page-user-2-2.json")["json"]["name"],
        "user8"
    );
    // A text body is stored as text.
    assert_eq!(
        read_json(&p, "__snapshots__/loops/second.json"),
        json!({ "text": "plain text, line one\nline two\n" })
    );
    // And the next run compares each with its own.
    p.sortie(&["run", "loops.yaml"]).expect_code(0);
}

/// A server that echoes the bearer token it got, in the body and in a header.
fn echo() -> TestServer {
    TestServer::start(axum::Router::new().route(
        "/me",
        get(|headers: HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let token = auth.trim_start_matches("Bearer ").to_owned();
            (
                [("x-echo", auth.clone())],
                axum::Json(json!({ "you": "ann", "token": token, "nested": { "again": format!("tok={token}") } })),
            )
        }),
    ))
}

#[test]
fn secrets_are_redacted_before_a_snapshot_is_written_or_compared() {
    let server = echo();
    let p = Project::new();
    let token = format!("tok{}", uuid::Uuid::new_v4().simple());
    p.file(
        "me.yaml",
        &format!(
            r#"base_url: {}
steps:
  - id: me
    request: {{ url: /me, auth: {{ bearer: "{{{{ env.API_TOKEN }}}}" }} }}
    expect: {{ snapshot: {{ headers: [X-Echo, Authorization] }} }}
"#,
            server.url()
        ),
    );
    p.sortie_env(&[("API_TOKEN", &token)], &["run", "me.yaml"])
        .expect_code(1);
    let proposed = p.read("__snapshots__/me/me.json.new");
    assert!(!proposed.contains(&token), "the proposal holds the token:\n{proposed}");
    assert_eq!(
        serde_json::from_str::<Value>(&proposed).expect("JSON"),
        json!({
            "headers": { "X-Echo": "Bearer ***", "Authorization": null },
            "json": { "you": "ann", "token": "***", "nested": { "again": "tok=***" } }
        })
    );
    p.sortie_env(&[("API_TOKEN", &token)], &["run", "--update-snapshots", "me.yaml"])
        .expect_code(0);
    let stored = p.read("__snapshots__/me/me.json");
    assert!(!stored.contains(&token));
    // Compared redacted: another token still matches, and nothing shows it.
    let other = format!("tok{}", uuid::Uuid::new_v4().simple());
    let run = p.sortie_env(&[("API_TOKEN", &other)], &["run", "-v", "me.yaml"]);
    run.expect_code(0).stdout_lacks(&other);
    assert_eq!(p.read("__snapshots__/me/me.json"), stored);
}

#[test]
fn snapshot_mistakes_are_invalid_input_with_their_place() {
    let p = Project::new();
    p.file(
        "dup.yaml",
        r#"base_url: http://127.0.0.1:9
steps:
  - name: Get it
    request: { url: /a }
    expect: { snapshot: true }
  - name: get it!
    request: { url: /b }
    expect: { snapshot: true }
"#,
    );
    p.sortie(&["validate", "dup.yaml"])
        .expect_code(2)
        .stderr_has("two steps would share the snapshot `__snapshots__/dup/get-it`")
        .stderr_has("dup.yaml:8:")
        .stderr_has("give one of them an `id`");
    p.file(
        "bad.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - request: { url: /a }\n    expect: { snapshot: { ignore: [$.a b], header: [X] } }\n",
    );
    p.sortie(&["validate", "bad.yaml"])
        .expect_code(2)
        .stderr_has("invalid JSONPath `$.a b`")
        .stderr_has("unknown key `header`");
    p.file(
        "kind.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - request: { url: /a }\n    expect: { snapshot: yes }\n",
    );
    p.sortie(&["validate", "kind.yaml"])
        .expect_code(2)
        .stderr_has("kind.yaml:4:");
    // A collection outside the file root cannot have snapshots written beside it.
    p.file(
        "outside/o.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - request: { url: /a }\n    expect: { snapshot: true }\n",
    );
    p.file("root/keep", "");
    p.sortie(&["validate", "--file-root", "root", "outside/o.yaml"])
        .expect_code(2)
        .stderr_has("outside the file root");
}

#[cfg(unix)]
#[test]
fn a_snapshot_folder_that_leads_outside_the_file_root_is_never_written() {
    let server = users();
    let p = Project::new();
    p.file(
        "root/c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - id: u\n    request: {{ url: /text }}\n    expect: {{ snapshot: true }}\n",
            server.url()
        ),
    );
    std::fs::create_dir_all(p.path("elsewhere")).expect("folder");
    std::os::unix::fs::symlink(p.path("elsewhere"), p.path("root/__snapshots__")).expect("symlink");
    p.sortie(&["run", "--file-root", "root", "--update-snapshots", "root/c.yaml"])
        .expect_code(1)
        .stderr_has("cannot write snapshot")
        .stderr_has("outside the file root");
    assert_eq!(std::fs::read_dir(p.path("elsewhere")).expect("folder").count(), 0);
}
