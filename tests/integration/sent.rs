//! What was sent: the headers a loopback server received, in order, are the
//! ones `-v`, the JSON, HTML and JUnit reports say were sent (credentials
//! masked), on both transports (Sortie's own for plain http, reqwest for TLS
//! and streamed uploads); and the response headers it sent are the ones shown.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::response::IntoResponse;

use crate::support::{Project, TestServer, json_report, junit};
use crate::tls::{HttpsServer, pki};

/// One request as a server received it: method, path and every header in order.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub type Log = Arc<Mutex<Vec<Received>>>;

/// A router that records every request and answers it: `/login` sets a session
/// cookie (a credential) and an ordinary one; every answer has `X-Answer: yes`.
pub fn recording(log: &Log) -> Router {
    let log = log.clone();
    Router::new().fallback(move |req: axum::extract::Request| {
        let log = log.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default().to_vec();
            let headers = parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            log.lock().unwrap().push(Received {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                headers,
                body,
            });
            let mut answer = HeaderMap::new();
            answer.insert("x-answer", "yes".parse().unwrap());
            if parts.uri.path() == "/gz" {
                use std::io::Write as _;
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(b"{\"zipped\":true}").unwrap();
                answer.insert("content-encoding", "gzip".parse().unwrap());
                return (answer, e.finish().unwrap()).into_response();
            }
            if parts.uri.path() == "/login" {
                answer.append(
                    "set-cookie",
                    "sid=s3ss10n-t0ken-abcdef; Path=/; HttpOnly".parse().unwrap(),
                );
                answer.append("set-cookie", "theme=dark; Path=/".parse().unwrap());
            }
            (answer, "{\"ok\":true}").into_response()
        }
    })
}

/// The collection: a login with basic auth whose password is a secret, a step
/// that sends the cookies back with a header of its own, and an upload streamed
/// from a file (through reqwest on plain http too). The last step fails, so
/// JUnit keeps its exchange.
fn collection(p: &Project, url: &str, defaults: &str) {
    p.file("upload.txt", "file body\n");
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {url}
{defaults}vars: {{ password: "hunter2-secret" }}
secrets: [password]
steps:
  - name: login
    request:
      method: POST
      url: /login
      auth: {{ basic: {{ username: alice, password: "{{{{ password }}}}" }} }}
      json: {{ user: alice }}
  - name: read
    request: {{ url: /items?page=2, headers: {{ X-Trace: abc-123 }} }}
  - name: upload
    request: {{ method: PUT, url: /upload, body_file: upload.txt }}
    expect: {{ status: 299 }}
"#
        ),
    );
}

/// The headers the report shows for what the server received: credentials masked.
fn masked(received: &[(String, String)]) -> Vec<(String, String)> {
    received
        .iter()
        .map(|(n, v)| {
            let shown = if matches!(n.as_str(), "authorization" | "cookie") {
                "***".to_owned()
            } else {
                v.clone()
            };
            (n.clone(), shown)
        })
        .collect()
}

fn pairs(list: &serde_json::Value) -> Vec<(String, String)> {
    list.as_array()
        .expect("a list of headers")
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap_or_default().to_owned(),
                h["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Runs the collection against `url` and checks every output against what `log` received.
fn every_output_shows_what_was_received(p: &Project, url: &str, log: &Log, defaults: &str) {
    collection(p, url, defaults);
    let run = p.sortie(&[
        "run",
        "-v",
        "c.yaml",
        "--report-json",
        "r.json",
        "--report-html",
        "r.html",
        "--junit",
        "j.xml",
    ]);
    run.expect_code(1);
    let received = log.lock().unwrap().clone();
    assert_eq!(received.len(), 3, "{received:#?}");
    let report = json_report(&p.path("r.json"));
    let steps = report["collections"][0]["steps"].as_array().expect("steps").clone();
    let html = p.read("r.html");
    let junit = junit(&p.path("j.xml"));
    let upload_out = junit.test_suites[0].test_cases[2]
        .system_out
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_default();
    for (got, step) in received.iter().zip(&steps) {
        assert_eq!(step["request"]["method"], got.method.as_str());
        let shown = pairs(&step["request"]["headers"]);
        assert_eq!(shown, masked(&got.headers), "{}: JSON report vs server", got.path);
        for (name, value) in &shown {
            run.stdout_has(format!("> {name}: {value}\n"));
            assert!(
                html.contains(&format!(
                    "<tr><th>{name}</th><td>{}</td></tr>",
                    value.replace('&', "&amp;")
                )),
                "{name} in the HTML report"
            );
        }
        // Every header the server answered with, Set-Cookie masked.
        let response = pairs(&step["response"]["headers"]);
        assert!(response.contains(&("x-answer".into(), "yes".into())), "{response:?}");
        if got.path == "/login" {
            let cookies: Vec<_> = response.iter().filter(|(n, _)| n == "set-cookie").collect();
            assert_eq!(cookies.len(), 2, "{response:?}");
            assert!(cookies.iter().all(|(_, v)| v == "***"), "{response:?}");
            run.stdout_has("< set-cookie: ***\n");
        }
    }
    // The default headers were sent, and shown, for every request.
    for got in &received {
        let names: Vec<&str> = got.headers.iter().map(|(n, _)| n.as_str()).collect();
        for name in ["user-agent", "accept", "accept-encoding"] {
            assert!(names.contains(&name), "{} lacks {name}: {names:?}", got.path);
        }
    }
    let names = |i: usize| -> Vec<String> { received[i].headers.iter().map(|(n, _)| n.clone()).collect() };
    assert!(names(0).contains(&"authorization".to_owned()));
    assert!(names(0).contains(&"content-length".to_owned()));
    assert!(names(0).contains(&"content-type".to_owned()));
    assert!(names(1).contains(&"cookie".to_owned()), "the jar's cookies go back");
    assert!(names(1).contains(&"x-trace".to_owned()));
    assert_eq!(received[2].body, b"file body\n");
    // JUnit's details of the failed upload list its headers as the server got them.
    for (name, value) in masked(&received[2].headers) {
        assert!(
            upload_out.contains(&format!("\n{name}: {value}\n")),
            "{name} in {upload_out}"
        );
    }
    for text in [&run.stdout, &p.read("r.json"), &html, &upload_out] {
        assert!(!text.contains("hunter2-secret"), "the secret leaked");
        assert!(!text.contains("s3ss10n-t0ken"), "the session cookie leaked");
    }
}

#[test]
fn plain_http_reports_every_header_the_server_received() {
    let log = Log::default();
    let server = TestServer::start(recording(&log));
    let p = Project::new();
    every_output_shows_what_was_received(&p, &server.url(), &log, "");
    // HTTP/1.1 on both of Sortie's transports: Host is sent, and shown.
    assert!(
        log.lock()
            .unwrap()
            .iter()
            .all(|r| r.headers.iter().any(|(n, _)| n == "host"))
    );
}

#[test]
fn tls_reports_every_header_the_server_received() {
    let log = Log::default();
    let p = Project::new();
    let pki = pki(&p);
    let server = HttpsServer::start(&pki, false, recording(&log));
    every_output_shows_what_was_received(&p, &server.url(), &log, "defaults:\n  tls: { cacert: certs/ca.pem }\n");
    // ALPN chose HTTP/2: no Host header, and none shown.
    assert!(
        server
            .versions
            .lock()
            .unwrap()
            .iter()
            .all(|v| *v == axum::http::Version::HTTP_2)
    );
}

/// A gzip body is decoded for expectations, which see no `Content-Encoding`, while
/// the reports show the headers as they came; on both transports.
fn encoded_answers_keep_their_headers_in_reports(p: &Project, url: &str, defaults: &str) {
    p.file("upload.txt", "x");
    p.file(
        "c.yaml",
        &format!(
            "base_url: {url}\n{defaults}steps:\n  - request: {{ url: /gz }}\n    expect: {{ json: {{ $.zipped: true }}, headers: {{ content-encoding: {{ exists: false }} }} }}\n  - request: {{ method: PUT, url: /gz, body_file: upload.txt }}\n    expect: {{ json: {{ $.zipped: true }}, headers: {{ content-encoding: {{ exists: false }} }} }}\n"
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-v", "--report-json", "r.json"]);
    run.expect_code(0);
    let report = json_report(&p.path("r.json"));
    for step in report["collections"][0]["steps"].as_array().expect("steps") {
        let headers = pairs(&step["response"]["headers"]);
        assert!(
            headers.contains(&("content-encoding".into(), "gzip".into())),
            "{headers:?}"
        );
        assert!(headers.iter().any(|(n, _)| n == "content-length"), "{headers:?}");
        assert_eq!(step["response"]["body_excerpt"], "{\"zipped\":true}");
    }
    run.stdout_has("< content-encoding: gzip\n");
}

#[test]
fn encoded_answers_keep_their_headers_over_plain_http() {
    let log = Log::default();
    let server = TestServer::start(recording(&log));
    encoded_answers_keep_their_headers_in_reports(&Project::new(), &server.url(), "");
}

#[test]
fn encoded_answers_keep_their_headers_over_tls() {
    let log = Log::default();
    let p = Project::new();
    let pki = pki(&p);
    let server = HttpsServer::start(&pki, false, recording(&log));
    encoded_answers_keep_their_headers_in_reports(&p, &server.url(), "defaults:\n  tls: { cacert: certs/ca.pem }\n");
}

#[test]
fn a_request_that_got_no_response_shows_the_headers_it_went_out_with() {
    // A closed port: the connection is refused, nothing answers.
    let url = format!("http://127.0.0.1:{}", crate::support::closed_port());
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {url}\nsteps:\n  - name: refused\n    request:\n      url: /x\n      headers: {{ X-Trace: abc }}\n      auth: {{ bearer: s3cr3t-token }}\n"
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json", "-v"]);
    run.expect_code(1);
    let report = json_report(&p.path("r.json"));
    let step = &report["collections"][0]["steps"][0];
    assert_eq!(step["status"], "errored");
    let headers = pairs(&step["request"]["headers"]);
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    // The session's own headers, not only the step's.
    for name in [
        "user-agent",
        "accept",
        "accept-encoding",
        "x-trace",
        "authorization",
        "host",
    ] {
        assert!(names.contains(&name), "{name} missing from {headers:?}");
    }
    assert!(
        headers.contains(&("authorization".to_owned(), "***".to_owned())),
        "{headers:?}"
    );
    run.stdout_has("> user-agent: sortie/").stdout_lacks("s3cr3t-token");
}
