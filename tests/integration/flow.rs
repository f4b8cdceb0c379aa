//! Concurrency in one flow, includes, selection, sharding, --jobs and Ctrl-C.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::support::{Project, TestServer, demo, json_report, junit, normalize};

/// The server of the parallel tests: `/unit/{n}` answers `{"n": n}`;
/// `/seen/{text}` answers `text` and records it, for a step that shows what
/// earlier steps captured.
struct UnitServer {
    server: TestServer,
    /// The most `/unit` requests that were in flight together.
    most: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<String>>>,
}

/// `/unit/{n}` holds each request until `want` have been in flight together
/// (the concurrency is real). With `hold: (early, late)`, the k-th request for
/// `/unit/{early}` is answered only 100ms after the k-th for `/unit/{late}` was:
/// the earlier declared unit completes last. A request still held after 30s
/// gets a 500, so the step fails.
fn unit_server(want: usize, hold: (u32, u32)) -> UnitServer {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let opened = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicUsize::new(0));
    let released = Arc::new(AtomicUsize::new(0));
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (m, seen_by_route) = (most.clone(), seen.clone());
    let router = axum::Router::new()
        .route(
            "/unit/{n}",
            get(move |Path(n): Path<u32>| {
                let (in_flight, most, opened) = (in_flight.clone(), m.clone(), opened.clone());
                let (held, released) = (held.clone(), released.clone());
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    if now >= want {
                        opened.store(true, Ordering::SeqCst);
                    }
                    let deadline = Instant::now() + Duration::from_secs(30);
                    until(deadline, || opened.load(Ordering::SeqCst)).await;
                    if n == hold.0 {
                        let k = held.fetch_add(1, Ordering::SeqCst) + 1;
                        until(deadline, || released.load(Ordering::SeqCst) >= k).await;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    if n == hold.1 {
                        released.fetch_add(1, Ordering::SeqCst);
                    }
                    if Instant::now() >= deadline {
                        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "held too long").into_response();
                    }
                    axum::Json(serde_json::json!({ "n": n })).into_response()
                }
            }),
        )
        .route(
            "/seen/{text}",
            get(move |Path(text): Path<String>| {
                seen_by_route.lock().unwrap().push(text.clone());
                async move { text }
            }),
        );
    UnitServer {
        server: TestServer::start(router),
        most,
        seen,
    }
}

/// Polls `ready` until it holds or the deadline passes.
async fn until(deadline: Instant, ready: impl Fn() -> bool) {
    while !ready() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[test]
fn parallel_for_each_runs_concurrently_and_reports_in_item_order() {
    let u = unit_server(3, (1, 6));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: unit
    for_each: [1, 2, 3, 4, 5, 6]
    parallel: 3
    request: {{ url: "/unit/{{{{ item }}}}" }}
    expect: {{ json: {{ $.n: "{{{{ item }}}}" }} }}
    extract: {{ last: $.n }}
  - name: after
    request: {{ url: "/seen/{{{{ last }}}}" }}
    expect: {{ body: "6" }}
"#,
            u.server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--junit", "j.xml"]);
    run.expect_code(0);
    assert_eq!(u.most.load(Ordering::SeqCst), 3, "at most 3 in flight, and 3 were");
    let names: Vec<String> = junit(&p.path("j.xml")).test_suites[0]
        .test_cases
        .iter()
        .map(|c| c.name.as_str().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "unit [1]", "unit [2]", "unit [3]", "unit [4]", "unit [5]", "unit [6]", "after"
        ]
    );
    // Item 1 completed after item 6; after the merge, the last item's capture stands.
    assert_eq!(*u.seen.lock().unwrap(), ["6"]);
    assert_eq!(u.server.hits(), 7);
}

#[test]
fn a_parallel_group_merges_captures_in_declaration_order() {
    let u = unit_server(2, (1, 2));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ seen: before }}
steps:
  - group: both at once
    parallel: true
    steps:
      - name: first
        request: {{ url: /unit/1 }}
        extract: {{ a: $.n, seen: $.n }}
      - name: second
        request: {{ url: /unit/2 }}
        expect: {{ status: 200 }}
        extract: {{ b: $.n }}
  - group: each item
    for_each: [1, 2]
    parallel: true
    steps:
      - name: unit
        request: {{ url: "/unit/{{{{ item }}}}" }}
        extract: {{ who: $.n }}
  - name: uses them
    request: {{ url: "/seen/{{{{ a }}}}-{{{{ b }}}}-{{{{ seen }}}}-{{{{ who }}}}" }}
    expect: {{ body: 1-2-1-2 }}
"#,
            u.server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(u.most.load(Ordering::SeqCst), 2);
    // `second` completed before `first`, item 2 before item 1: each capture
    // holds its own step's value, and iterations of a group merge in item order.
    assert_eq!(*u.seen.lock().unwrap(), ["1-2-1-2"]);
    let out = normalize(&run.stdout);
    let first = out.find("both at once / first").expect("first");
    let second = out.find("both at once / second").expect("second");
    assert!(first < second, "{out}");
}

#[test]
fn includes_run_in_place_with_arguments_and_their_own_paths() {
    let demo = demo();
    let p = Project::new();
    p.file("bodies/user.json", r#"{"name": "from a file"}"#);
    p.file(
        "_shared/login.yaml",
        r#"vars:
  password: wonderland
steps:
  - name: log in as {{ user }}
    request:
      method: POST
      url: /login
      json: { username: "{{ user }}", password: "{{ password }}" }
    extract: { token: $.token }
  - name: a body next to the fragment
    request: { method: POST, url: /echo, body_file: payload.txt }
    expect: { json: { $.body: "next to the fragment" } }
"#,
    );
    p.file("_shared/payload.txt", "next to the fragment");
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ user: bob }}
steps:
  - include: _shared/login.yaml
    vars: {{ user: alice }}
  - name: the token is visible after the include
    request: {{ url: /me, auth: {{ bearer: "{{{{ token }}}}" }} }}
    expect: {{ json: {{ $.name: alice }} }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    run.stdout_has("✓ log in as alice");
    // Folder search skips `_shared/`: the fragment is not a collection.
    let run = p.sortie(&["validate", "."]);
    run.expect_code(0);
    assert_eq!(run.stdout, "ok: 1 collection, 3 steps\n");
}

#[test]
fn an_include_cycle_prints_the_cycle() {
    let p = Project::new();
    p.file("a.yaml", "steps:\n  - include: _b.yaml\n");
    p.file("_b.yaml", "- include: a.yaml\n");
    let run = p.sortie(&["validate", "a.yaml"]);
    run.expect_code(2);
    run.stderr_has("include cycle: a.yaml → _b.yaml → a.yaml");
}

#[test]
fn a_file_included_twice_is_read_once_and_its_own_mistakes_said_once() {
    let p = Project::new();
    p.file(
        "c.yaml",
        "base_url: http://127.0.0.1:9\nsteps:\n  - include: _part.yaml\n  - include: _part.yaml\n  - include: _missing.yaml\n  - include: _missing.yaml\n",
    );
    p.file("_part.yaml", "- name: a\n  request: { url: /a, methd: GET }\n");
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2);
    assert_eq!(run.stderr.matches("unknown key `methd`").count(), 1, "{}", run.stderr);
    run.stderr_has("_part.yaml:2:");
    // A missing file is a mistake of each line that names it.
    run.stderr_has("c.yaml:5:14").stderr_has("c.yaml:6:14");
}

fn tagged_project(url: &str) -> Project {
    let p = Project::new();
    p.file(
        "a.yaml",
        &format!(
            "name: A\ntags: [smoke]\nbase_url: {url}\nsteps:\n  - name: a1\n    request: {{ url: /a1 }}\n  - name: a2\n    tags: [slow]\n    request: {{ url: /a2 }}\n"
        ),
    );
    p.file(
        "b.yaml",
        &format!(
            "name: B\nbase_url: {url}\nsetup:\n  - name: b-setup\n    request: {{ url: /bs }}\nsteps:\n  - name: b1\n    tags: [smoke]\n    request: {{ url: /b1 }}\n  - name: b2\n    request: {{ url: /b2 }}\n"
        ),
    );
    p.file(
        "c.yaml",
        &format!("name: C\nbase_url: {url}\nsteps:\n  - name: c1\n    request: {{ url: /c1 }}\n"),
    );
    p
}

fn step_names(p: &Project, args: &[&str]) -> Vec<String> {
    let mut full = vec!["run", ".", "--junit", "j.xml"];
    full.extend_from_slice(args);
    p.sortie(&full).expect_code(0);
    junit(&p.path("j.xml"))
        .test_suites
        .iter()
        .flat_map(|s| {
            s.test_cases
                .iter()
                .map(move |c| format!("{}/{}", s.name.as_str(), c.name.as_str()))
        })
        .collect()
}

#[test]
fn tags_skip_tags_and_filters_select_steps() {
    let server = TestServer::ok();
    let p = tagged_project(&server.url());
    assert_eq!(
        step_names(&p, &["--tag", "smoke"]),
        ["A/a1", "A/a2", "B/b-setup", "B/b1"]
    );
    assert_eq!(
        step_names(&p, &["--skip-tag", "slow"]),
        ["A/a1", "B/b-setup", "B/b1", "B/b2", "C/c1"]
    );
    assert_eq!(step_names(&p, &["--skip-tag", "smoke"]), ["B/b-setup", "B/b2", "C/c1"]);
    assert_eq!(step_names(&p, &["--filter", "B / b2"]), ["B/b-setup", "B/b2"]);
}

#[test]
fn shards_split_sorted_paths_and_cover_every_collection_once() {
    let server = TestServer::ok();
    let p = tagged_project(&server.url());
    let one = step_names(&p, &["--shard", "1/2"]);
    let two = step_names(&p, &["--shard", "2/2"]);
    assert_eq!(one, ["A/a1", "A/a2", "C/c1"]);
    assert_eq!(two, ["B/b-setup", "B/b1", "B/b2"]);
    let run = p.sortie(&["run", "a.yaml", "--shard", "2/2"]);
    run.expect_code(0);
    run.stdout_has("0 collections");
}

#[test]
fn jobs_give_the_same_report_as_one_job() {
    let demo = demo();
    let p = Project::new();
    for i in 0..4 {
        p.file(
            &format!("c{i}.yaml"),
            &format!(
                "name: C{i}\nbase_url: {}\nsteps:\n  - request: {{ url: \"/slow?ms={}\" }}\n  - request: {{ url: /pets/1 }}\n    expect: {{ json: {{ $.id: 2 }} }}\n",
                demo.url(),
                (4 - i) * 20
            ),
        );
    }
    let one = p.sortie(&["run", ".", "--jobs", "1"]);
    let four = p.sortie(&["run", ".", "--jobs", "4"]);
    one.expect_code(1);
    four.expect_code(1);
    // The ranking of the slowest steps follows the machine's timing, not the jobs.
    let without_ranking = |s: &str| {
        normalize(s)
            .lines()
            .filter(|l| !l.starts_with("slowest:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_ranking(&one.stdout), without_ranking(&four.stdout));
}

/// `sortie run c.yaml --junit j.xml` on a collection whose first step the
/// server holds until the test releases it (or 30s pass).
#[cfg(unix)]
struct SlowRun {
    child: std::process::Child,
    release: Arc<AtomicBool>,
    /// Requests the server is holding or held.
    started: Arc<AtomicUsize>,
    server: TestServer,
}

/// Starts a [`SlowRun`]; returns once the held request has reached the server.
#[cfg(unix)]
fn start_slow_run(p: &Project) -> SlowRun {
    start_slow_run_with_teardown(p, "/cleanup")
}

/// A [`SlowRun`] whose teardown step requests `teardown` (`/slow` is held too).
#[cfg(unix)]
fn start_slow_run_with_teardown(p: &Project, teardown: &str) -> SlowRun {
    let started = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(AtomicBool::new(false));
    let (s, r) = (started.clone(), release.clone());
    let router = axum::Router::new()
        .route(
            "/slow",
            get(move || {
                let (s, r) = (s.clone(), r.clone());
                async move {
                    s.fetch_add(1, Ordering::SeqCst);
                    until(Instant::now() + Duration::from_secs(30), || r.load(Ordering::SeqCst)).await;
                    "slow"
                }
            }),
        )
        .fallback(|| async { "ok" });
    let server = TestServer::start(router);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: slow\n    request: {{ url: /slow }}\n  - name: never\n    request: {{ url: /never }}\nteardown:\n  - name: cleanup\n    request: {{ url: {teardown} }}\n",
            server.url()
        ),
    );
    let child = p.spawn(&["run", "c.yaml", "--junit", "j.xml"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while started.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the slow request never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    SlowRun {
        child,
        release,
        started,
        server,
    }
}

#[cfg(unix)]
fn signal(child: &std::process::Child, sig: &str) {
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill")
            .success()
    );
}

/// Reads a child's stdout or stderr until it holds `text` (or ends); returns what was read.
#[cfg(unix)]
fn read_until(pipe: &mut impl std::io::Read, text: &str) -> String {
    let mut seen = String::new();
    while !seen.contains(text) {
        let mut buf = [0u8; 256];
        let n = pipe.read(&mut buf).expect("read the child's output");
        assert!(n > 0, "the output ended without {text:?}: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    seen
}

/// Sends `sig` while the slow request is held (the server would hold it for
/// 30 s); returns sortie's output, the time from the signal to its exit, and
/// the number of requests the server got.
#[cfg(unix)]
fn interrupt_slow_run(mut run: SlowRun, sig: &str) -> (std::process::Output, Duration, usize) {
    let mut stderr = run.child.stderr.take().expect("stderr");
    let signalled = Instant::now();
    signal(&run.child, sig);
    let seen = read_until(&mut stderr, "interrupted:");
    let mut output = run.child.wait_with_output().expect("wait");
    let took = signalled.elapsed();
    run.release.store(true, Ordering::SeqCst);
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stderr, &mut rest);
    output.stderr = format!("{seen}{rest}").into_bytes();
    eprintln!("{sig}: exited {took:?} after the signal");
    (output, took, run.server.hits())
}

#[cfg(unix)]
#[test]
fn ctrl_c_runs_teardown_writes_reports_and_exits_130() {
    let p = Project::new();
    let (output, took, hits) = interrupt_slow_run(start_slow_run(&p), "-INT");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("! slow  error: interrupted (Ctrl-C or SIGTERM) while the request was in flight"),
        "the request in flight ends at once: {stdout}"
    );
    assert_eq!(hits, 2, "no new step is sent, teardown runs: {stdout}");
    // The step that never started is reported, and counted, as skipped.
    assert!(stdout.contains("- never  skipped: not run: interrupted"), "{stdout}");
    assert!(stdout.contains("✓ cleanup"), "teardown runs: {stdout}");
    assert!(
        stdout.contains("3 steps: 1 passed, 0 failed, 1 errored, 1 skipped"),
        "{stdout}"
    );
    // The server holds the request for 30 s: only a cancelled request ends this soon,
    // with room for a loaded machine (CI sends SIGKILL about 10 s after SIGTERM).
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let report = junit(&p.path("j.xml"));
    assert_eq!((report.tests, report.errors, report.skipped), (3, 1, 1));
}

#[cfg(unix)]
#[test]
fn sigterm_is_an_interruption_too() {
    let p = Project::new();
    let (output, took, hits) = interrupt_slow_run(start_slow_run(&p), "-TERM");
    assert_eq!(output.status.code(), Some(130));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(hits, 2, "no new step is sent: {stdout}");
    assert!(stdout.contains("- never  skipped: not run: interrupted"), "{stdout}");
    assert!(stdout.contains("✓ cleanup"), "teardown runs: {stdout}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(junit(&p.path("j.xml")).tests, 3);
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_exits_at_once_and_keeps_the_earlier_report() {
    let p = Project::new();
    p.file("j.xml", "an earlier report");
    // The teardown request is held too: after the first interrupt, teardown has a
    // grace period to send it, and a second interrupt ends even that.
    let mut run = start_slow_run_with_teardown(&p, "/slow");
    let mut stderr = run.child.stderr.take().expect("stderr");
    signal(&run.child, "-INT");
    read_until(&mut stderr, "interrupted:");
    let deadline = Instant::now() + Duration::from_secs(20);
    while run.started.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "teardown's request never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    signal(&run.child, "-INT");
    let status = run.child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    assert_eq!(p.read("j.xml"), "an earlier report");
}

#[cfg(unix)]
#[test]
fn teardown_after_an_interrupt_has_a_grace_period_then_reports_are_written() {
    let p = Project::new();
    let run = start_slow_run_with_teardown(&p, "/slow");
    let (output, took, _) = interrupt_slow_run(run, "-TERM");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(
        stdout.contains("! cleanup [teardown]  error: interrupted: teardown may send for 1.5s after Ctrl-C or SIGTERM"),
        "{stdout}"
    );
    // The grace period was waited out, and not much more.
    assert!(took >= Duration::from_millis(1400), "took {took:?}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(junit(&p.path("j.xml")).errors, 2);
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_a_long_backoff_without_another_try() {
    let tries = Arc::new(AtomicUsize::new(0));
    let t = tries.clone();
    let router = axum::Router::new()
        .route(
            "/busy",
            get(move || {
                let t = t.clone();
                async move {
                    t.fetch_add(1, Ordering::SeqCst);
                    (axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy")
                }
            }),
        )
        .fallback(|| async { "ok" });
    let server = TestServer::start(router);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: busy\n    request: {{ url: /busy, retry: {{ attempts: 5, backoff: 60s, max_backoff: 60s }} }}\nteardown:\n  - name: cleanup\n    request: {{ url: /cleanup }}\n",
            server.url()
        ),
    );
    let child = p.spawn(&["run", "c.yaml"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while tries.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the first try never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    signal(&child, "-INT");
    let output = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert_eq!(tries.load(Ordering::SeqCst), 1, "no try after the interrupt: {stdout}");
    assert!(stdout.contains("✗ busy  503"), "{stdout}");
    assert!(stdout.contains("✓ cleanup"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_stop_during_a_delay_sends_nothing_and_says_so() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: first\n    request: {{ url: /first }}\n  - name: delayed\n    delay: 30s\n    request: {{ url: /delayed }}\nteardown:\n  - name: cleanup\n    request: {{ url: /cleanup }}\n",
            server.url()
        ),
    );
    let mut child = p.spawn(&["run", "c.yaml", "--report-json", "r.json"]);
    let mut stdout = child.stdout.take().expect("stdout");
    // The first step is done: the second is waiting out its delay.
    let seen = read_until(&mut stdout, "✓ first");
    let signalled = Instant::now();
    signal(&child, "-INT");
    let status = child.wait().expect("wait");
    let took = signalled.elapsed();
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert_eq!(server.hits(), 2, "first and cleanup, not the delayed step");
    let report = json_report(&p.path("r.json"));
    let delayed = &report["collections"][0]["steps"][1];
    assert_eq!(delayed["name"], "delayed");
    assert_eq!(delayed["status"], "skipped");
    // The signal lands during the delay, or (on a loaded machine) just before
    // it began; either way the 30 s were not waited out (`took`) and it was not sent.
    let message = delayed["message"].as_str().unwrap_or_default();
    assert!(
        ["not run: interrupted (during its delay)", "not run: interrupted"].contains(&message),
        "{message}"
    );
}

#[cfg(unix)]
#[test]
fn one_signal_ends_a_run_whose_templates_keep_the_runtime_busy() {
    let server = TestServer::ok();
    let p = Project::new();
    // `busy` asks for 10^8 loop turns: without a budget, many seconds on the runtime's one
    // thread, and a Ctrl-C waited for it. Its fuel runs out in a fraction of a second. Then
    // 1000 renders of 10^5 turns each (within the budget) keep the runtime busy for far
    // longer than the test waits: only the signal can end the run in time.
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: first\n    request: {{ url: /first }}\n  - name: busy\n    request:\n      url: \"/{{% for i in range(10000) %}}{{% for j in range(10000) %}}{{% endfor %}}{{% endfor %}}\"\n  - name: many\n    for_each: \"{{{{ range(1000) }}}}\"\n    request:\n      url: \"/{{% for i in range(100) %}}{{% for j in range(1000) %}}{{% endfor %}}{{% endfor %}}\"\n",
            server.url()
        ),
    );
    let mut child = p.spawn(&["run", "c.yaml"]);
    let mut stderr = child.stderr.take().expect("stderr");
    let mut stdout = child.stdout.take().expect("stdout");
    // The first step is done: the next one is rendering.
    let mut seen = read_until(&mut stdout, "✓ first");
    let signalled = Instant::now();
    signal(&child, "-INT");
    read_until(&mut stderr, "interrupted:");
    // One signal, no second: the render in progress ends within its budget and the run stops.
    let status = child.wait().expect("wait");
    let took = signalled.elapsed();
    assert_eq!(status.code(), Some(130));
    assert!(
        took < Duration::from_secs(5),
        "took {took:?}: the signal waited for the renders"
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("read stdout");
    seen.push_str(&rest);
    assert!(seen.contains("template took too long"), "{seen}");
}
