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
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = Project::new();
    collection(&p, &format!("http://127.0.0.1:{port}/"), "");
    let run = run_faulty(&p);
    assert!(
        run.stdout
            .contains(&format!("could not connect to 127.0.0.1:{port}: connection refused")),
        "{}",
        run.stdout
    );
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
    assert!(
        run.stdout.contains("no response within 200ms (read timeout)"),
        "{}",
        run.stdout
    );
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
    assert!(
        run.stdout.contains("timed out after 300ms (total timeout)"),
        "{}",
        run.stdout
    );
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
    assert!(
        run.stdout
            .contains("response body of 95.4 MiB is larger than the limit of 64 KiB (--max-body)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("response body is larger than the limit of 64 KiB (--max-body)"),
        "{}",
        run.stdout
    );
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
    assert!(run.stdout.contains("error reading the response body"), "{}", run.stdout);
}

#[test]
fn a_body_that_is_not_json_fails_json_expectations() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Type: application/json\r\n\r\nnot json!");
    });
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
    assert!(
        run.stdout
            .contains("json $.a: expected a JSON body, got not JSON (expected ident at line 1 column 2)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_redirect_loop_stops_at_the_limit() {
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
    });
    let p = Project::new();
    collection(&p, &server.url(), ", follow_redirects: 3");
    let run = run_faulty(&p);
    assert!(
        run.stdout
            .contains("too many redirects: more than 3 (follow_redirects)"),
        "{}",
        run.stdout
    );
}
