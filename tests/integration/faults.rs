//! Servers that misbehave get a failed step with a precise reason, within
//! the configured timeout: never a hang, a panic or a lost report.

use std::io::Write;

use crate::support::{Project, RawServer, junit, read_head};

fn collection(p: &Project, url: &str, extra: &str) {
    p.file(
        "c.yaml",
        &format!("steps:\n  - name: faulty\n    request: {{ url: \"{url}\"{extra} }}\n  - name: next\n    request: {{ url: \"{url}\"{extra} }}\n"),
    );
}

fn run_faulty(p: &Project) -> crate::support::Run {
    let run = p.sortie(&["run", "c.yaml", "--junit", "junit.xml"]);
    run.expect_code(1);
    // The run goes on after the fault and the report is complete.
    let report = junit(&p.path("junit.xml"));
    assert_eq!(report.tests, 2, "{}", run.stdout);
    run
}

#[test]
fn connection_refused() {
    let port = crate::support::closed_port();
    let p = Project::new();
    collection(&p, &format!("http://127.0.0.1:{port}/"), "");
    let run = run_faulty(&p);
    run.stdout_has(format!("could not connect to 127.0.0.1:{port}: connection refused"));
}

#[test]
fn headers_never_sent_hit_the_read_timeout() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        std::thread::sleep(std::time::Duration::from_secs(5));
    });
    let p = Project::new();
    collection(&p, &server.url(), ", timeout: { read: 200ms }");
    let run = run_faulty(&p);
    run.stdout_has("no response within 200ms (read timeout)");
}

#[test]
fn a_trickling_body_hits_the_total_timeout() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for _ in 0..100 {
            if s.write_all(b"1\r\nx\r\n").is_err() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    let p = Project::new();
    collection(&p, &server.url(), ", timeout: 300ms");
    let run = run_faulty(&p);
    run.stdout_has("timed out after 300ms (total timeout)");
}

#[test]
fn a_body_over_the_cap_fails_by_content_length_and_while_streaming() {
    let server = RawServer::start(|mut s| {
        let head = read_head(&mut s);
        if head.contains("/declared") {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n");
        } else {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            let chunk = format!("{:x}\r\n{}\r\n", 4096, "y".repeat(4096));
            for _ in 0..1000 {
                if s.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
        }
    });
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{0}/declared\" }}\n  - request: {{ url: \"{0}/endless\" }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--max-body", "64KiB"]);
    run.expect_code(1);
    run.stdout_has("response body of 95.4 MiB is larger than the limit of 64 KiB (--max-body)");
    run.stdout_has("response body is larger than the limit of 64 KiB (--max-body)");
}

#[test]
fn a_reset_in_the_middle_of_the_body() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial");
        let _ = s.flush();
        // Dropping the socket with unread data closes it short of Content-Length.
    });
    let p = Project::new();
    collection(&p, &server.url(), "");
    let run = run_faulty(&p);
    run.stdout_has("error reading the response body");
}

#[test]
fn a_body_that_is_not_json_fails_json_expectations() {
    let server = RawServer::answer(
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Type: application/json\r\nConnection: close\r\n\r\nnot json!",
    );
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{}\" }}\n    expect: {{ json: {{ $.a: 1 }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("json $.a: expected a JSON body, got a body that is not JSON (syntax error at line 1, column 2)");
}

#[test]
fn a_redirect_loop_stops_at_the_limit() {
    // The server hangs up after each answer, so it says so: a client may not reuse the connection.
    let server =
        RawServer::answer(b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let p = Project::new();
    collection(&p, &server.url(), ", follow_redirects: 3");
    let run = run_faulty(&p);
    run.stdout_has("too many redirects: more than 3 (follow_redirects)");
}

/// A response whose Content-Length promises 90 bytes more than it sends.
const SHORT_BODY: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b";

/// Sends [`SHORT_BODY`] and keeps the connection open: the other 90 bytes never come.
fn stalled_short_body() -> RawServer {
    RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = s.write_all(SHORT_BODY);
        let _ = s.flush();
        let _ = read_head(&mut s);
    })
}

#[test]
fn a_content_length_longer_than_the_body_on_an_open_connection_hits_the_read_timeout() {
    let server = stalled_short_body();
    let p = Project::new();
    collection(&p, &server.url(), ", timeout: { read: 300ms }");
    let run = run_faulty(&p);
    run.stdout_has("the server stopped sending the body for 300ms (read timeout)");
}

#[test]
fn a_content_length_longer_than_the_body_then_closed_is_a_body_error() {
    let server = RawServer::answer(SHORT_BODY);
    let p = Project::new();
    collection(&p, &server.url(), "");
    let run = run_faulty(&p);
    run.stdout_has("error reading the response body");
}

#[test]
fn a_streamed_upload_goes_through_the_other_transport_with_the_same_body_faults() {
    // A body sent from a file goes through reqwest, not Sortie's own HTTP/1.1 client:
    // its response body faults must read the same.
    let closed = RawServer::answer(SHORT_BODY);
    let stalled = stalled_short_body();
    let p = Project::new();
    p.file("up.txt", "x");
    let upload = ", method: POST, body_file: up.txt, timeout: { read: 300ms }";
    collection(&p, &closed.url(), upload);
    let run = run_faulty(&p);
    run.stdout_has("error reading the response body")
        .stdout_lacks("read timeout");
    collection(&p, &stalled.url(), upload);
    let run = run_faulty(&p);
    run.stdout_has("the server stopped sending the body for 300ms (read timeout)");
}

#[test]
fn a_connection_closed_before_the_response_over_plain_http_gets_no_tls_advice() {
    // Through reqwest (a streamed upload), as https and proxied requests go.
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
    });
    let p = Project::new();
    p.file("up.txt", "x");
    collection(&p, &server.url(), ", method: POST, body_file: up.txt");
    let run = run_faulty(&p);
    run.stdout_has("request failed:").stdout_lacks("client certificate");
}

#[test]
fn a_body_that_is_not_utf8_still_checks_and_reports_stay_well_formed() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let body: &[u8] = b"\xff\xfe\x00 hello \xc3\x28 ]]> \x1b[31m";
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(body);
    });
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - name: holds\n    request: {{ url: \"{0}\" }}\n    expect: {{ body: {{ contains: hello }} }}\n    extract: {{ word: {{ regex: 'h(e)llo' }} }}\n  - name: fails\n    request: {{ url: \"{0}\" }}\n    expect: {{ body: {{ contains: goodbye }}, json: {{ $.a: 1 }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--junit", "j.xml", "-vv"]);
    run.expect_code(1);
    run.stdout_has("json $.a: expected a JSON body, got a body that is not JSON");
    let report = junit(&p.path("j.xml"));
    assert_eq!(report.tests, 2);
    assert_eq!(report.failures, 1);
}

/// A gzip body of `mib` MiB of zeros, about a thousand times smaller: one
/// compressed MiB repeated (each ends on a byte boundary after a sync flush,
/// and the window only ever holds zeros). The trailer is never reached.
#[cfg(target_os = "linux")]
fn gzip_bomb(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut c = Compress::new(Compression::best(), false);
    let zeros = vec![0u8; 1 << 20];
    let mut segment = Vec::with_capacity(1 << 16);
    c.compress_vec(&zeros, &mut segment, FlushCompress::Sync).unwrap();
    assert_eq!(c.total_in(), 1 << 20);
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..mib {
        out.extend_from_slice(&segment);
    }
    let mut end = Vec::with_capacity(64);
    c.compress_vec(&[], &mut end, FlushCompress::Finish).unwrap();
    out.extend_from_slice(&end);
    out.extend_from_slice(&[0; 8]);
    out
}

/// Runs sortie while step 2 waits at a gate: the peak memory (VmHWM, in KiB)
/// the process reached in step 1 is read at the gate, then the run goes on.
/// Not reaching the gate or not reading the figure fails the test.
#[cfg(target_os = "linux")]
fn peak_memory_after_first_step(p: &Project, first_url: &str) -> (crate::support::Run, u64) {
    use std::sync::Mutex;
    use std::sync::mpsc::channel;
    let (at_gate, arrived) = channel::<()>();
    let (open, go) = channel::<()>();
    let (at_gate, go) = (Mutex::new(at_gate), Mutex::new(go));
    let gate = RawServer::start(move |mut s| {
        let _ = read_head(&mut s);
        let _ = at_gate.lock().unwrap().send(());
        let _ = go.lock().unwrap().recv_timeout(std::time::Duration::from_secs(30));
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - name: bomb\n    request: {{ url: \"{first_url}\" }}\n  - name: gate\n    request: {{ url: \"{}\" }}\n",
            gate.url()
        ),
    );
    let child = p.spawn(&["run", "c.yaml", "--max-body", "1MiB", "--junit", "j.xml"]);
    let reached = arrived.recv_timeout(std::time::Duration::from_secs(60)).is_ok();
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()));
    let _ = open.send(());
    let run = crate::support::Run::from(child.wait_with_output().expect("sortie ends"));
    assert!(reached, "the run never reached step 2\n{}", run.stdout);
    let status = status.unwrap_or_else(|e| panic!("reading /proc/PID/status: {e}"));
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no VmHWM figure in /proc/PID/status:\n{status}"));
    (run, peak)
}

#[cfg(target_os = "linux")]
#[test]
fn a_gzip_bomb_fails_at_the_cap_with_bounded_memory() {
    let bomb = std::sync::Arc::new(gzip_bomb(1024));
    assert!(bomb.len() < 4 << 20, "{}", bomb.len());
    let server = RawServer::start(move |mut s| {
        let _ = read_head(&mut s);
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            bomb.len()
        );
        let _ = s.write_all(&bomb);
    });
    let p = Project::new();
    let (run, peak_kib) = peak_memory_after_first_step(&p, &server.url());
    run.expect_code(1);
    run.stdout_has("response body is larger than the limit of 1 MiB (--max-body)");
    assert_eq!(junit(&p.path("j.xml")).tests, 2);
    // 1 GiB decompressed; the process never holds more than a small multiple of the cap.
    assert!(peak_kib < 256 * 1024, "peak memory {peak_kib} KiB");
}

#[cfg(target_os = "linux")]
#[test]
fn an_endless_chunked_body_fails_at_the_cap_with_bounded_memory() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = format!("{:x}\r\n{}\r\n", 16384, "e".repeat(16384));
        // Endless: only the client hanging up stops it.
        while s.write_all(chunk.as_bytes()).is_ok() {}
    });
    let p = Project::new();
    let (run, peak_kib) = peak_memory_after_first_step(&p, &server.url());
    run.expect_code(1);
    run.stdout_has("response body is larger than the limit of 1 MiB (--max-body)");
    assert!(peak_kib < 256 * 1024, "peak memory {peak_kib} KiB");
}

/// Headers of every request a route got, by path.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, axum::http::HeaderMap)>>>;

fn recording_server(seen: &Seen, redirect_to: Option<String>) -> crate::support::TestServer {
    use axum::response::IntoResponse as _;
    let seen = seen.clone();
    let router = axum::Router::new().fallback(move |uri: axum::http::Uri, headers: axum::http::HeaderMap| {
        let seen = seen.clone();
        let redirect_to = redirect_to.clone();
        async move {
            seen.lock().unwrap().push((uri.path().to_owned(), headers));
            match (uri.path(), redirect_to) {
                ("/start", Some(to)) => axum::response::Redirect::temporary(&to).into_response(),
                ("/same", _) => axum::response::Redirect::temporary("/landing").into_response(),
                _ => "landed".into_response(),
            }
        }
    });
    crate::support::TestServer::start(router)
}

#[test]
fn a_cross_origin_redirect_drops_credentials_and_a_same_origin_one_keeps_them() {
    let seen_b: Seen = Default::default();
    let b = recording_server(&seen_b, None);
    // Another host name and another port: `localhost` resolves locally.
    let seen_a: Seen = Default::default();
    let a = recording_server(&seen_a, Some(format!("http://localhost:{}/landing", b.addr.port())));
    let _ = a.url();
    let p = Project::new();
    let step = |path: &str, auth: &str| {
        format!(
            "  - request:\n      url: \"{}{path}\"\n      headers: {{ Cookie: sid=abc123, X-Sig: \"{{{{ sig }}}}\", X-Plain: visible }}\n      auth: {auth}\n    expect: {{ body: landed }}\n",
            a.url()
        )
    };
    p.file(
        "c.yaml",
        &format!(
            "vars: {{ sig: sig-value-42 }}\nsecrets: [sig]\nsteps:\n{}{}{}{}",
            step("/start", "{ basic: { username: u, password: pw-1 } }"),
            step("/start", "{ api_key: { header: X-Api-Key, value: key-1 } }"),
            step("/same", "{ basic: { username: u, password: pw-1 } }"),
            step("/same", "{ api_key: { header: X-Api-Key, value: key-1 } }"),
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    let credentials = ["authorization", "cookie", "x-api-key", "x-sig"];
    let b_seen = seen_b.lock().unwrap();
    assert_eq!(b_seen.len(), 2);
    for (_, headers) in b_seen.iter() {
        for name in credentials {
            assert!(headers.get(name).is_none(), "{name} crossed origins: {headers:?}");
        }
        assert_eq!(headers["x-plain"], "visible");
    }
    let a_seen = seen_a.lock().unwrap();
    let landed: Vec<_> = a_seen.iter().filter(|(path, _)| path == "/landing").collect();
    assert_eq!(landed.len(), 2);
    assert!(landed[0].1.get("authorization").is_some());
    assert!(landed[1].1.get("x-api-key").is_some());
    for (_, headers) in landed {
        assert_eq!(headers["cookie"], "sid=abc123");
        assert_eq!(headers["x-sig"], "sig-value-42");
    }
}

/// A server answering a large JSON document of numbered items at `/items`,
/// and one item at `/items/{id}`.
fn items_server(items: usize) -> crate::support::TestServer {
    use axum::routing::get;
    let doc: Vec<serde_json::Value> = (0..items)
        .map(|i| serde_json::json!({ "id": i, "name": format!("item-{i}"), "tags": ["a", "b"] }))
        .collect();
    let doc = serde_json::json!({ "items": doc }).to_string();
    crate::support::TestServer::start(
        axum::Router::new()
            .route(
                "/items",
                get(move || {
                    let doc = doc.clone();
                    async move { ([("content-type", "application/json")], doc) }
                }),
            )
            .route(
                "/items/{id}",
                get(|axum::extract::Path(id): axum::extract::Path<u64>| async move { format!("item {id}") }),
            ),
    )
}

#[test]
fn a_large_json_body_is_checked_and_captured_in_full() {
    // Over 256 KiB, the body is parsed apart from the runtime: what it gives is the same.
    let server = items_server(20_000);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: /items }}\n    expect:\n      json:\n        $.items[12345].name: item-12345\n        $.items: {{ length: 20000 }}\n        $.items[*].id: {{ length: 20000 }}\n    extract: {{ last: \"$.items[-1].id\" }}\n  - request: {{ url: \"/items/{{{{ last }}}}\" }}\n    expect: {{ body: item 19999 }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_json_body_too_large_to_hold_parsed_fails_naming_the_limit() {
    // Within the body cap, but a list of small numbers takes some 90 bytes a value once parsed.
    let dense = format!("[{}1]", "1,".repeat(500));
    let server = RawServer::answer(Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{dense}",
            dense.len()
        )
        .into_bytes()
        .into_boxed_slice(),
    ));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{url}\" }}\n    expect: {{ json: {{ \"$[0]\": 1 }} }}\n  - request: {{ url: \"{url}\" }}\n    expect: {{ body: {{ starts_with: \"[1,1\" }} }}\n",
            url = server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--max-body", "1KiB"]);
    run.expect_code(1);
    run.stdout_has(
        "json $[0]: expected a JSON body, got a JSON body too large to check: its 502 values would take about",
    );
    run.stdout_has("more than the 32 KiB a body may take (32 times --max-body; raise --max-body to check it)");
    // The body itself is still there for checks that do not parse it.
    run.stdout_has("1 passed, 1 failed");
    // With room, the same body is checked.
    p.sortie(&["run", "c.yaml", "--max-body", "2KiB"]).expect_code(0);
}
