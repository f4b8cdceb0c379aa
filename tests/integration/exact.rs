//! Sortie sends exactly what a collection wrote: templated strings keep their
//! final newline, large integers keep their digits, header values keep their
//! lines; and it compares numbers exactly.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Uri};

use crate::support::{Project, TestServer};

/// One request as a server got it: path and query, headers, body.
#[derive(Debug, Clone)]
pub struct Got {
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A server that records every request and answers each with `answer(path)`
/// as JSON.
pub fn recorder(answer: fn(&str) -> String) -> (TestServer, Arc<Mutex<Vec<Got>>>) {
    let seen: Arc<Mutex<Vec<Got>>> = Arc::default();
    let log = seen.clone();
    let router = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let log = log.clone();
        async move {
            let text = answer(uri.path());
            log.lock().unwrap().push(Got {
                uri: uri.to_string(),
                headers,
                body: body.to_vec(),
            });
            ([("content-type", "application/json")], text)
        }
    });
    (TestServer::start(router), seen)
}

fn empty(_: &str) -> String {
    "{}".to_owned()
}

#[test]
fn a_templated_string_keeps_its_final_newline() {
    let (server, seen) = recorder(empty);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
vars: {{ x: 1 }}
steps:
  - request:
      method: POST
      url: /a
      query: {{ q: "c{{{{ x }}}}\n", plain: "d\n" }}
      body: "b{{{{ x }}}}\n"
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    let got = seen.lock().unwrap();
    assert_eq!(got[0].body_text(), "b1\n", "the body keeps its newline");
    assert_eq!(got[0].uri, "/a?q=c1%0A&plain=d%0A", "the query value keeps it too");
}

#[test]
fn integers_past_64_bits_are_sent_with_every_digit() {
    let (server, seen) = recorder(empty);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
vars:
  big: 9223372036854775808
  huge: 100000000000000000000000000001
  exact: 0.10000000000000000000001
steps:
  - request:
      method: POST
      url: /a
      headers: {{ X-Big: "{{{{ big }}}}", X-Huge: "{{{{ huge }}}}" }}
      json: {{ big: "{{{{ big }}}}", huge: "{{{{ huge }}}}", literal: 18446744073709551616, exact: 0.10000000000000000000001 }}
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    let got = seen.lock().unwrap();
    assert_eq!(got[0].header("x-big"), ["9223372036854775808"]);
    assert_eq!(got[0].header("x-huge"), ["100000000000000000000000000001"]);
    assert_eq!(
        got[0].body_text(),
        r#"{"big":9223372036854775808,"huge":100000000000000000000000000001,"literal":18446744073709551616,"exact":0.10000000000000000000001}"#
    );
}

fn numbers(path: &str) -> String {
    match path {
        "/big" => r#"{"n": 1e21, "m": 1000000000000000000001, "d": 0.10000000000000001, "one": 1.0}"#.to_owned(),
        // Past 64 KiB a body is parsed by Sortie's counted parser: numbers stay exact there too.
        "/padded" => format!(
            r#"{{"pad": "{}", "m": 1000000000000000000001, "d": [0.10000000000000001]}}"#,
            "x".repeat(80 * 1024)
        ),
        _ => "{}".to_owned(),
    }
}

#[test]
fn numbers_are_equal_only_when_their_values_are_exactly_equal() {
    let (server, _seen) = recorder(numbers);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
steps:
  - name: wrong
    request: {{ url: /big }}
    expect:
      json:
        $.n: 1000000000000000000001
        $.m: 1e21
        $.d: 0.1
  - name: right
    request: {{ url: /big }}
    expect:
      json:
        $.n: 1000000000000000000000
        $.m: {{ gt: 1e21, equals: 1000000000000000000001 }}
        $.d: 0.10000000000000001
        $.one: 1
  - name: large
    request: {{ url: /padded }}
    expect:
      json:
        $.m: {{ equals: 1000000000000000000001, not_equals: 1e21 }}
        $.d[0]: {{ equals: 0.10000000000000001, not_equals: 0.1 }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    let report = crate::support::json_report(&p.path("r.json"));
    let steps = report["collections"][0]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "failed", "{}", run.stdout);
    assert_eq!(steps[1]["status"], "passed", "{}", run.stdout);
    assert_eq!(steps[2]["status"], "passed", "{}", run.stdout);
    // Each of the three wrong expectations failed on its own (serde_json writes `1e21` as
    // `1e+21`: the same number).
    run.stdout_has("json $.n: expected 1000000000000000000001, got 1e+21");
    run.stdout_has("json $.m: expected 1e+21, got 1000000000000000000001");
    run.stdout_has("json $.d: expected 0.1, got 0.10000000000000001");
}

#[test]
fn a_list_is_one_header_line_per_item_and_null_sends_no_line() {
    let (server, seen) = recorder(empty);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
vars: {{ nothing: null, tags: [x, 2] }}
steps:
  - request:
      url: /a
      headers:
        Accept: [application/json, text/plain]
        X-Tag: "{{{{ tags }}}}"
        X-Gone: "{{{{ nothing }}}}"
        X-Also-Gone: null
        X-Some: [one, null]
        X-Text: "a{{{{ nothing }}}}"
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    let got = seen.lock().unwrap();
    assert_eq!(got[0].header("accept"), ["application/json", "text/plain"]);
    assert_eq!(got[0].header("x-tag"), ["x", "2"], "a list from a template too");
    assert!(got[0].header("x-gone").is_empty(), "a null value sends no header");
    assert!(got[0].header("x-also-gone").is_empty());
    assert_eq!(got[0].header("x-some"), ["one"], "a null item sends no line");
    assert_eq!(
        got[0].header("x-text"),
        ["anull"],
        "inside text, null prints as `null`, as everywhere in templates"
    );
}

#[test]
fn a_header_name_that_is_not_a_token_is_invalid_input() {
    let p = Project::new();
    p.file(
        "c.yaml",
        "steps:\n  - request:\n      url: http://127.0.0.1:9/a\n      headers: { \"bad name\": x }\n",
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2);
    run.stderr_has("error: `bad name` is not a valid header name\n --> c.yaml:4:18");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &brotli::enc::BrotliEncoderParams::default()).unwrap();
    out
}

/// Routes whose bodies went through a list of content codings.
fn coded_router() -> axum::Router {
    use axum::routing::get;
    let coded = |coding: &'static str, body: Vec<u8>| {
        move || {
            let body = body.clone();
            async move {
                (
                    [("content-type", "application/json"), ("content-encoding", coding)],
                    body,
                )
            }
        }
    };
    let text = br#"{"ok":true}"#;
    axum::Router::new()
        .route("/br-identity", get(coded("br, identity", brotli(text))))
        .route("/gzip-gzip", get(coded("gzip, gzip", gzip(&gzip(text)))))
        .route("/gzip-br", get(coded("gzip,br", brotli(&gzip(text)))))
        // 4 MiB of zeros, gzipped twice: a few hundred bytes on the wire.
        .route("/bomb", get(coded("gzip, gzip", gzip(&gzip(&vec![0u8; 4 << 20])))))
}

const CODED_STEPS: &str = r#"
  - name: br then identity
    request: { url: /br-identity }
    expect: { json: { $.ok: true }, headers: { content-encoding: { exists: false } } }
  - name: gzip twice
    request: { url: /gzip-gzip }
    expect: { json: { $.ok: true } }
  - name: gzip then br
    request: { url: /gzip-br }
    expect: { json: { $.ok: true } }
  - name: bomb
    request: { url: /bomb }
"#;

fn assert_decoded(run: &crate::support::Run, report: &std::path::Path) {
    let report = crate::support::json_report(report);
    let statuses: Vec<&str> = report["collections"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "passed", "passed", "errored"], "{}", run.stdout);
    run.stdout_has("response body is larger than the limit of 1 MiB (--max-body)");
}

#[test]
fn every_listed_content_coding_is_decoded_in_order_over_plain_http() {
    let server = TestServer::start(coded_router());
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!("base_url: \"{}\"\nsteps:{CODED_STEPS}", server.url()),
    );
    let run = p.sortie(&["run", "c.yaml", "--max-body", "1MiB", "--report-json", "r.json"]);
    run.expect_code(1);
    assert_decoded(&run, &p.path("r.json"));
}

#[test]
fn every_listed_content_coding_is_decoded_in_order_over_tls() {
    let p = Project::new();
    let pki = crate::tls::pki(&p);
    let server = crate::tls::HttpsServer::start(&pki, false, coded_router());
    p.file(
        "c.yaml",
        &format!("base_url: \"{}\"\nsteps:{CODED_STEPS}", server.url()),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--cacert",
        "certs/ca.pem",
        "--max-body",
        "1MiB",
        "--report-json",
        "r.json",
    ]);
    run.expect_code(1);
    assert_decoded(&run, &p.path("r.json"));
}

/// A recorder whose `/login` sets `sid=s1` and `theme=dark`.
pub fn recorder_with_cookie() -> (TestServer, Arc<Mutex<Vec<Got>>>) {
    let seen: Arc<Mutex<Vec<Got>>> = Arc::default();
    let log = seen.clone();
    let router = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let log = log.clone();
        async move {
            let login = uri.path() == "/login";
            log.lock().unwrap().push(Got {
                uri: uri.to_string(),
                headers,
                body: body.to_vec(),
            });
            let mut response = axum::response::Response::new(axum::body::Body::from("{}"));
            if login {
                for c in ["sid=s1; Path=/", "theme=dark; Path=/"] {
                    response
                        .headers_mut()
                        .append("set-cookie", axum::http::HeaderValue::from_static(c));
                }
            }
            response
        }
    });
    (TestServer::start(router), seen)
}
