//! HTTP features below the collection format: h2c prior knowledge, proxies
//! from the environment and `--proxy`, and file bodies streamed from disk.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, Version};
use axum::response::IntoResponse;
use axum::routing::post;

use crate::support::{Project, Proxy, RawServer, TestServer, VIA, demo, read_head};
use crate::tls::{HttpsServer, pki, serve_connection, version_router};

/// A cleartext server speaking HTTP/1.1 and h2c (prior knowledge), recording versions.
struct H2cServer {
    url: String,
    versions: Arc<Mutex<Vec<Version>>>,
    _runtime: tokio::runtime::Runtime,
}

fn h2c_server() -> H2cServer {
    let versions: Arc<Mutex<Vec<Version>>> = Arc::default();
    let seen = versions.clone();
    let router = version_router().layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            seen.lock().unwrap().push(req.version());
            next.run(req)
        },
    ));
    let (runtime, listener, addr) = crate::support::loopback();
    let url = format!("http://{addr}");
    runtime.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(serve_connection(tcp, router.clone()));
        }
    });
    H2cServer {
        url,
        versions,
        _runtime: runtime,
    }
}

#[test]
fn http2_prior_knowledge_on_cleartext_with_defaults_http2() {
    let server = h2c_server();
    let p = Project::new();
    let step = |version: &str| {
        format!(
            "  - request: {{ url: \"{}/v\" }}\n    expect: {{ json: {{ $.version: {version} }} }}\n",
            server.url
        )
    };
    p.file(
        "h2c.yaml",
        &format!("defaults:\n  http2: true\nsteps:\n{}", step("HTTP/2.0")),
    );
    p.file("h1.yaml", &format!("steps:\n{}", step("HTTP/1.1")));
    p.sortie(&["run", "h2c.yaml", "h1.yaml"]).expect_code(0);
    assert_eq!(*server.versions.lock().unwrap(), [Version::HTTP_2, Version::HTTP_11]);
}

/// An origin that answers `GET /x` with the target it got and the `Via` header
/// a proxy added (`direct` without one).
fn origin() -> TestServer {
    TestServer::start(Router::new().route(
        "/x",
        axum::routing::get(|uri: axum::http::Uri, headers: axum::http::HeaderMap| async move {
            let via = headers.get("via").and_then(|v| v.to_str().ok()).unwrap_or("direct");
            format!("origin got {uri} via {via}")
        }),
    ))
}

fn proxied_step(p: &Project, url: &str, body: &str) {
    p.file(
        "c.yaml",
        &format!("steps:\n  - request: {{ url: \"{url}\" }}\n    expect: {{ status: 200, body: {{ contains: \"{body}\" }} }}\n"),
    );
}

#[test]
fn http_proxy_from_the_environment_and_from_the_flag_forwards_to_the_origin() {
    let origin = origin();
    let proxy = Proxy::open();
    let p = Project::new();
    let target = format!("{}/x?y=1", origin.url());
    // The answer comes from the origin, through the proxy.
    proxied_step(&p, &target, &format!("origin got /x?y=1 via {VIA}"));
    p.sortie_env(&[("HTTP_PROXY", &proxy.url())], &["run", "c.yaml"])
        .expect_code(0);
    p.sortie_env(&[("http_proxy", &proxy.url())], &["run", "c.yaml"])
        .expect_code(0);
    p.sortie_env(&[("ALL_PROXY", &proxy.url())], &["run", "c.yaml"])
        .expect_code(0);
    p.sortie(&["run", "c.yaml", "--proxy", &proxy.url()]).expect_code(0);
    let heads = proxy.heads();
    assert_eq!(heads.len(), 4);
    for head in &heads {
        assert!(head.starts_with(&format!("GET {target} HTTP/1.1\r\n")), "{head}");
    }
    assert_eq!(origin.hits(), 4);
}

#[test]
fn no_proxy_sends_directly_also_with_the_flag() {
    let proxy = Proxy::open();
    let origin = origin();
    let p = Project::new();
    proxied_step(&p, &format!("{}/x", origin.url()), "origin got /x via direct");
    let env = [
        ("HTTP_PROXY", proxy.url()),
        ("NO_PROXY", "localhost,127.0.0.1".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    p.sortie_env(&env, &["run", "c.yaml"]).expect_code(0);
    p.sortie_env(&env[1..], &["run", "c.yaml", "--proxy", &proxy.url()])
        .expect_code(0);
    assert_eq!(proxy.hits(), 0);
    assert_eq!(origin.hits(), 2);
}

#[test]
fn an_unreachable_proxy_is_named_not_the_origin_behind_it() {
    let origin = origin();
    let closed = crate::support::closed_port();
    let proxy = format!("http://127.0.0.1:{closed}");
    let p = Project::new();
    proxied_step(&p, &format!("{}/x", origin.url()), "origin got /x");
    let run = p.sortie(&["run", "c.yaml", "--proxy", &proxy]);
    run.expect_code(1).stdout_has(format!(
        "could not connect to the proxy 127.0.0.1:{closed}: connection refused"
    ));
    let run = p.sortie_env(&[("HTTP_PROXY", &proxy)], &["run", "c.yaml"]);
    run.expect_code(1).stdout_has(format!(
        "could not connect to the proxy 127.0.0.1:{closed}: connection refused"
    ));
    // A host NO_PROXY names is not sent through it.
    p.sortie_env(&[("HTTP_PROXY", &proxy), ("NO_PROXY", "127.0.0.1")], &["run", "c.yaml"])
        .expect_code(0);
    assert_eq!(origin.hits(), 1);
}

/// Every output of a run: console, JUnit, JSON and HTML reports, curl commands.
fn every_output(p: &Project, run: &crate::support::Run) -> Vec<(String, String)> {
    let mut outputs = vec![
        ("stdout".to_owned(), run.stdout.clone()),
        ("stderr".to_owned(), run.stderr.clone()),
    ];
    for file in ["j.xml", "r.json", "r.html", "c.sh"] {
        if p.path(file).exists() {
            outputs.push((file.to_owned(), p.read(file)));
        }
    }
    outputs
}

const REPORTS: [&str; 8] = [
    "--junit",
    "j.xml",
    "--report-json",
    "r.json",
    "--report-html",
    "r.html",
    "--curl",
    "c.sh",
];

#[test]
fn proxy_credentials_in_the_url_are_sent_to_the_proxy_and_never_shown() {
    let origin = origin();
    let proxy = Proxy::with_credentials("px-user", "px-s3cret");
    let p = Project::new();
    proxied_step(&p, &format!("{}/x", origin.url()), &format!("via {VIA}"));
    let mut args = vec!["run", "c.yaml", "-vv"];
    args.extend(REPORTS);
    let with_flag = proxy.url_with("px-user", "px-s3cret");
    let run = p.sortie(&[args.as_slice(), &["--proxy", &with_flag]].concat());
    run.expect_code(0);
    let from_env = p.sortie_env(&[("HTTP_PROXY", &with_flag)], &args);
    from_env.expect_code(0);
    let heads = proxy.heads();
    assert_eq!(heads.len(), 2);
    for head in &heads {
        // base64("px-user:px-s3cret")
        assert_eq!(
            crate::support::head_value(head, "proxy-authorization"),
            Some("Basic cHgtdXNlcjpweC1zM2NyZXQ="),
            "{head}"
        );
    }
    assert_eq!(origin.hits(), 2);
    for run in [&run, &from_env] {
        for (name, text) in every_output(&p, run) {
            for leak in ["px-s3cret", "cHgtdXNlcjpweC1zM2NyZXQ="] {
                assert!(!text.contains(leak), "{leak} shown in {name}:\n{text}");
            }
        }
    }
}

#[test]
fn a_proxy_that_refuses_the_credentials_is_reported_as_a_407() {
    let origin = origin();
    let proxy = Proxy::with_credentials("px-user", "px-s3cret");
    let p = Project::new();
    proxied_step(&p, &format!("{}/x", origin.url()), "origin");
    let mut args = vec!["run", "c.yaml", "-v"];
    args.extend(REPORTS);
    for url in [proxy.url(), proxy.url_with("px-user", "wrong-pw")] {
        let run = p.sortie(&[args.as_slice(), &["--proxy", &url]].concat());
        run.expect_code(1);
        run.stdout_has("status: expected 200, got 407");
        for (name, text) in every_output(&p, &run) {
            assert!(!text.contains("wrong-pw"), "wrong-pw shown in {name}:\n{text}");
        }
    }
    assert_eq!(proxy.hits(), 2);
    assert_eq!(origin.hits(), 0, "nothing reached the origin");
}

#[test]
fn https_through_a_proxy_is_a_connect_tunnel_with_the_proxy_credentials() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), false, version_router());
    let proxy = Proxy::with_credentials("px-user", "px-s3cret");
    proxied_step(&p, &format!("{}/v", server.url()), "HTTP/");
    let args = ["run", "c.yaml", "--cacert", "certs/ca.pem", "-vv"];
    let run = p.sortie_env(&[("HTTPS_PROXY", &proxy.url_with("px-user", "px-s3cret"))], &args);
    run.expect_code(0);
    run.stdout_lacks("px-s3cret");
    let heads = proxy.heads();
    let authority = server.url().replace("https://", "");
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{}",
        heads[0]
    );
    assert_eq!(
        crate::support::head_value(&heads[0], "proxy-authorization"),
        Some("Basic cHgtdXNlcjpweC1zM2NyZXQ="),
    );
    assert_eq!(server.hits(), 1);
    // A tunnel the proxy refuses: the step errors, naming the 407.
    let run = p.sortie_env(&[("HTTPS_PROXY", &proxy.url_with("px-user", "wrong-pw"))], &args);
    run.expect_code(1);
    run.stdout_has("tunnel error: proxy authorization required");
    run.stdout_lacks("wrong-pw");
    assert_eq!((proxy.hits(), server.hits()), (2, 1));
}

#[test]
fn body_file_is_streamed_with_its_length_and_a_type_from_the_extension() {
    let demo = demo();
    let p = Project::new();
    p.file("data/payload.json", r#"{"a": 1, "b": [true]}"#);
    let big: String = "0123456789abcdef".repeat(64 * 1024);
    p.file("data/blob.bin", &big);
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: json file
    request: {{ method: POST, url: /echo, body_file: data/payload.json }}
    expect:
      json:
        $.json: {{ a: 1, b: [true] }}
        "$.headers['content-type']": application/json
        "$.headers['content-length']": "21"
  - name: a MiB, and a type given by the step wins
    request:
      method: PUT
      url: /echo
      headers: {{ Content-Type: application/x-blob }}
      body_file: data/blob.bin
    expect:
      json:
        "$.headers['content-length']": "1048576"
        "$.headers['content-type']": application/x-blob
        $.body: {{ length: 1048576, starts_with: "0123456789abcdef01" }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-vv"]);
    run.expect_code(0);
    // The request is shown and reproduced without reading the file into the report.
    run.stdout_has("<file ");
}

#[test]
fn multipart_files_are_streamed_with_file_names_and_content_types() {
    let demo = demo();
    let p = Project::new();
    p.file("fixtures/photo.png", "PNGDATA");
    p.file("fixtures/notes.txt", "some notes");
    p.file("fixtures/raw.unknownext", "raw");
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - request:
      method: POST
      url: /echo
      multipart:
        - {{ name: photo, file: fixtures/photo.png }}
        - {{ name: notes, file: fixtures/notes.txt, content_type: text/x-notes, filename: renamed.txt }}
        - {{ name: raw, file: fixtures/raw.unknownext }}
        - {{ name: description, value: "Profile {{{{ 1 + 1 }}}}" }}
    expect:
      json:
        "$.headers['content-type']": {{ starts_with: "multipart/form-data; boundary=" }}
        "$.headers['content-length']": {{ exists: true }}
        "$.headers['transfer-encoding']": {{ exists: false }}
        $.body:
          contains: "Content-Disposition: form-data; name=\"photo\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n"
  - request:
      method: POST
      url: /echo
      multipart:
        - {{ name: notes, file: fixtures/notes.txt, content_type: text/x-notes, filename: renamed.txt }}
        - {{ name: raw, file: fixtures/raw.unknownext }}
        - {{ name: description, value: "Profile {{{{ 1 + 1 }}}}" }}
    expect:
      json:
        $.body:
          contains: "name=\"notes\"; filename=\"renamed.txt\"\r\nContent-Type: text/x-notes\r\n\r\nsome notes\r\n"
  - request:
      method: POST
      url: /echo
      multipart:
        - {{ name: raw, file: fixtures/raw.unknownext }}
        - {{ name: description, value: "Profile {{{{ 1 + 1 }}}}" }}
    expect:
      json:
        $.body:
          contains: "filename=\"raw.unknownext\"\r\nContent-Type: application/octet-stream\r\n\r\nraw\r\n"
  - request:
      method: POST
      url: /echo
      multipart:
        - {{ name: description, value: "Profile {{{{ 1 + 1 }}}}" }}
    expect:
      json:
        $.body:
          contains: "Content-Disposition: form-data; name=\"description\"\r\n\r\nProfile 2\r\n"
"#,
            demo.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
}

#[test]
fn a_streamed_body_is_read_again_for_a_retry_and_a_digest_challenge() {
    // 503 on the first upload, then the length of what arrived.
    let calls = Arc::new(AtomicUsize::new(0));
    let lengths: Arc<Mutex<Vec<usize>>> = Arc::default();
    let (c, l) = (calls.clone(), lengths.clone());
    let server = TestServer::start(Router::new().route(
        "/upload",
        post(move |body: axum::body::Bytes| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            l.lock().unwrap().push(body.len());
            async move {
                if n == 0 {
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                } else {
                    axum::Json(serde_json::json!({ "len": body.len() })).into_response()
                }
            }
        }),
    ));
    let digest = crate::auth::digest_server();
    let p = Project::new();
    p.file("blob.bin", &"z".repeat(300_000));
    p.file(
        "c.yaml",
        &format!(
            r#"steps:
  - request:
      method: POST
      url: {}/upload
      body_file: blob.bin
      retry: {{ attempts: 2, backoff: 10ms, on_status: [503] }}
    expect: {{ json: {{ $.len: 300000 }} }}
  - request:
      method: POST
      url: {}/r
      body_file: blob.bin
      auth: {{ digest: {{ username: user, password: pass }} }}
    expect: {{ status: 200 }}
"#,
            server.url(),
            digest.server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(*lengths.lock().unwrap(), [300_000, 300_000]);
    assert_eq!(digest.server.hits(), 2);
}

/// Arrival times of the requests of each `key`.
type Arrivals = Arc<Mutex<std::collections::HashMap<String, Vec<std::time::Instant>>>>;

/// A route that answers 429 with `Retry-After: {after}` on the first call per
/// `key`, and 200 after, recording when each call arrived. `after=in-2s` is
/// an HTTP date two seconds after the answer.
fn retry_after_server() -> (TestServer, Arrivals) {
    let arrivals: Arrivals = Arc::default();
    let seen = arrivals.clone();
    let server = TestServer::start(Router::new().route(
        "/limited",
        axum::routing::get(
            move |axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>| {
                let at = std::time::Instant::now();
                let get = |k: &str| {
                    q.iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let first = {
                    let mut seen = seen.lock().unwrap();
                    let times = seen.entry(get("key")).or_default();
                    times.push(at);
                    times.len() == 1
                };
                let mut after = get("after");
                if after == "in-2s" {
                    after = httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(2));
                }
                async move {
                    if first {
                        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", after)]).into_response()
                    } else {
                        "ok".into_response()
                    }
                }
            },
        ),
    ));
    (server, arrivals)
}

#[test]
fn retry_after_is_honoured_capped_and_garbage_proof() {
    let (server, arrivals) = retry_after_server();
    let p = Project::new();
    let far = httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(86_400 * 365));
    let past = "Wed, 21 Oct 2015 07:28:00 GMT";
    // (key, Retry-After, retry settings). The backoff itself is 10s (5s to 10s
    // with jitter): a wait that falls back to it shows as one of 5s or more.
    let honoured = "backoff: 10s, max_backoff: 30s";
    let capped = "backoff: 10s, max_backoff: 300ms";
    let cases = [
        ("seconds", "1", honoured),
        ("date", "in-2s", honoured),
        ("capped-seconds", "99999", capped),
        ("capped-digits", "99999999999999999999999", capped),
        ("capped-date", far.as_str(), capped),
        ("zero", "0", honoured),
        ("negative", "-30", honoured),
        ("word", "soon", honoured),
        ("fraction", "30.5", honoured),
        ("empty", "", honoured),
        ("past-date", past, honoured),
    ];
    // All at once: the run takes as long as its longest wait.
    let steps: String = cases
        .iter()
        .map(|(key, after, retry)| {
            format!(
                "      - name: {key}\n        request:\n          url: \"{}/limited\"\n          query: {{ key: {key}, after: \"{after}\" }}\n          retry: {{ attempts: 2, {retry}, on_status: [429] }}\n        expect: {{ status: 200 }}\n",
                server.url()
            )
        })
        .collect();
    p.file(
        "c.yaml",
        &format!("steps:\n  - group: retry-after\n    parallel: true\n    steps:\n{steps}"),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(server.hits(), 2 * cases.len(), "{}", run.stdout);
    let arrivals = arrivals.lock().unwrap();
    let gap = |key: &str| {
        let times = &arrivals[key];
        assert_eq!(times.len(), 2, "{key}");
        times[1] - times[0]
    };
    let ms = std::time::Duration::from_millis;
    // Lower bounds are what the header asked for; upper bounds only tell a wait
    // of the header's kind from one of the 5s-10s backoff or of hours.
    assert!(gap("seconds") >= ms(1000), "Retry-After: 1 waited {:?}", gap("seconds"));
    assert!(gap("seconds") < ms(5000), "Retry-After: 1 waited {:?}", gap("seconds"));
    // A date 2s ahead, to the second: at least 1s from when the answer left.
    assert!(gap("date") >= ms(1000), "a date 2s ahead waited {:?}", gap("date"));
    assert!(gap("date") < ms(5000), "a date 2s ahead waited {:?}", gap("date"));
    for key in ["capped-seconds", "capped-digits", "capped-date"] {
        assert!(
            gap(key) >= ms(300),
            "{key} waited {:?}, less than max_backoff",
            gap(key)
        );
        assert!(
            gap(key) < ms(5000),
            "{key} waited {:?}, more than max_backoff",
            gap(key)
        );
    }
    for key in ["zero", "negative", "word", "fraction", "empty", "past-date"] {
        assert!(gap(key) < ms(4000), "{key} means no wait, but waited {:?}", gap(key));
    }
}

#[test]
fn retries_stop_at_attempts_and_on_status_decides_what_is_retried() {
    let server = TestServer::start(
        Router::new()
            .route(
                "/down",
                axum::routing::get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
            )
            .route("/teapot", axum::routing::get(|| async { StatusCode::IM_A_TEAPOT })),
    );
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\ndefaults:\n  retry: {{ attempts: 3, backoff: 1ms }}\nsteps:\n  - request: {{ url: /down }}\n  - request: {{ url: /teapot }}\n  - request: {{ url: /down, retry: {{ attempts: 1 }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    // 3 tries of /down (503 is retried by default), 1 of /teapot (418 is not), 1 with attempts: 1.
    assert_eq!(server.hits(), 5);
    assert_eq!(run.stdout.matches("(3 attempts)").count(), 1, "{}", run.stdout);
}

#[test]
fn connection_errors_are_retried_for_idempotent_methods_only_unless_non_idempotent() {
    // Accepts, reads the request, hangs up without an answer.
    let server = RawServer::start(|mut s| {
        let _ = read_head(&mut s);
    });
    let p = Project::new();
    let step = |method: &str, retry: &str| {
        format!(
            "  - request: {{ method: {method}, url: \"{}\", body: x, retry: {{ attempts: 3, backoff: 1ms{retry} }} }}\n",
            server.url()
        )
    };
    let cases = [
        ("PUT", "", 3),
        ("POST", "", 1),
        ("POST", ", non_idempotent: true", 3),
        ("GET", ", on_error: false", 1),
    ];
    for (method, retry, tries) in cases {
        let before = server.hits();
        p.file("c.yaml", &format!("steps:\n{}", step(method, retry)));
        let run = p.sortie(&["run", "c.yaml"]);
        run.expect_code(1);
        assert_eq!(server.hits() - before, tries, "{method} {retry}: {}", run.stdout);
    }
}

#[test]
fn retry_until_polls_until_the_expectations_hold_and_reports_the_last_try() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let server = TestServer::start(Router::new().route(
        "/job",
        axum::routing::get(move || {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            async move { axum::Json(serde_json::json!({ "ready": n == 3, "n": n })) }
        }),
    ));
    let p = Project::new();
    let step = |attempts: u32| {
        format!(
            "  - request: {{ url: \"{}/job\" }}\n    expect: {{ json: {{ $.ready: true }} }}\n    retry_until: {{ attempts: {attempts}, interval: 5ms }}\n",
            server.url()
        )
    };
    p.file("ok.yaml", &format!("steps:\n{}", step(5)));
    p.sortie(&["run", "ok.yaml"]).expect_code(0);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    p.file("fail.yaml", &format!("steps:\n{}", step(2)));
    let run = p.sortie(&["run", "fail.yaml"]);
    run.expect_code(1);
    run.stdout_has("json $.ready: expected true, got false");
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[test]
fn a_connect_that_gets_no_answer_hits_the_connect_timeout() {
    // A listener whose accept queue is full drops new SYNs: connecting hangs.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (listener, addr) = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = socket.local_addr().unwrap();
        (socket.listen(0).unwrap(), addr)
    });
    // Connect until a connect hangs: the queue is full from then on, as nobody
    // accepts. A generous timeout, so that a slow machine is not taken for a
    // full queue; and the test says so if the queue never fills.
    let mut fillers = Vec::new();
    let full = loop {
        match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(500)) {
            Ok(s) if fillers.len() < 64 => fillers.push(s),
            Ok(_) => break false,
            Err(e) => break e.kind() == std::io::ErrorKind::TimedOut,
        }
    };
    assert!(
        full,
        "connecting to a listener whose queue is full does not hang here: no connect timeout to test"
    );
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!("steps:\n  - request: {{ url: \"http://{addr}/\", timeout: {{ connect: 300ms }} }}\n"),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has(format!("timed out connecting to {addr} after 300ms"));
    drop((listener, fillers));
}

#[test]
fn redirects_can_be_off_limited_per_step_and_never_leave_http() {
    let server = TestServer::start(
        Router::new()
            .route(
                "/to-file",
                axum::routing::get(|| async { axum::response::Redirect::temporary("file:///etc/passwd") }),
            )
            .route(
                "/hop/{n}",
                axum::routing::get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    if n == 0 {
                        "arrived".into_response()
                    } else {
                        axum::response::Redirect::to(&format!("/hop/{}", n - 1)).into_response()
                    }
                }),
            )
            .route("/see-other", post(|| async { axum::response::Redirect::to("/method") }))
            .route(
                "/method",
                axum::routing::any(|m: axum::http::Method, body: String| async move { format!("{m} body={body}") }),
            ),
    );
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: off
    request: {{ url: /hop/1, follow_redirects: false }}
    expect: {{ status: 303, headers: {{ Location: /hop/0 }} }}
  - name: two hops allowed
    request: {{ url: /hop/2, follow_redirects: 2 }}
    expect: {{ body: arrived }}
  - name: three hops, two allowed
    request: {{ url: /hop/3, follow_redirects: 2 }}
  - name: not http
    request: {{ url: /to-file }}
  - name: 303 turns a POST into a GET without the body
    request: {{ method: POST, url: /see-other, body: data }}
    expect: {{ body: GET body= }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("too many redirects: more than 2 (follow_redirects)");
    run.stdout_has("refused to follow a redirect to `file`: only http and https");
    run.stdout_has("2 errored");
}

#[test]
fn basic_bearer_and_api_key_auth_send_their_credentials_and_never_show_them() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ key: k-123-secret }}
defaults:
  auth: {{ bearer: tok-456-secret }}
steps:
  - name: bearer from defaults
    request: {{ url: /echo }}
    expect: {{ json: {{ $.headers.authorization: Bearer tok-456-secret }} }}
  - name: basic
    request: {{ url: /echo, auth: {{ basic: {{ username: ann, password: "pw:789-secret" }} }} }}
    expect: {{ json: {{ $.headers.authorization: "Basic YW5uOnB3Ojc4OS1zZWNyZXQ=" }} }}
  - name: api key header
    request: {{ url: /echo, auth: {{ api_key: {{ header: X-Api-Key, value: "{{{{ key }}}}" }} }} }}
    expect: {{ json: {{ "$.headers['x-api-key']": k-123-secret, $.headers.authorization: {{ exists: false }} }} }}
  - name: api key query
    request: {{ url: /echo, auth: {{ api_key: {{ query: api_key, value: "{{{{ key }}}}" }} }} }}
    expect: {{ json: {{ $.query: [[api_key, k-123-secret]] }} }}
  - name: none
    request: {{ url: /echo, auth: none }}
    expect: {{ json: {{ $.headers.authorization: {{ exists: false }} }} }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-vv", "--junit", "j.xml"]);
    run.expect_code(0);
    for secret in [
        "tok-456-secret",
        "pw:789-secret",
        "k-123-secret",
        "YW5uOnB3Ojc4OS1zZWNyZXQ=",
    ] {
        assert!(!run.stdout.contains(secret), "{secret} shown: {}", run.stdout);
        assert!(!p.read("j.xml").contains(secret));
    }
}

#[test]
fn the_default_body_cap_is_16_mib() {
    let server = RawServer::answer(b"HTTP/1.1 200 OK\r\nContent-Length: 16777217\r\n\r\n");
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!("steps:\n  - request: {{ url: \"{}\" }}\n", server.url()),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("response body of 16.0 MiB is larger than the limit of 16 MiB (--max-body)");
}

/// A raw server that answers `GET /enc/NAME` with `{"ok":"NAME"}` encoded with NAME, and
/// records the `Accept-Encoding` of each request.
fn encoding_server(seen: Arc<Mutex<Vec<String>>>) -> RawServer {
    use flate2::write::{GzEncoder, ZlibEncoder};
    RawServer::start(move |mut s| {
        loop {
            let head = read_head(&mut s);
            if head.is_empty() {
                return;
            }
            let accept = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("accept-encoding: ")
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            seen.lock().unwrap().push(accept);
            let name = head
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_owned();
            let plain = format!(r#"{{"ok":"{name}"}}"#);
            let body: Vec<u8> = match name.as_str() {
                "gzip" => {
                    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
                    e.write_all(plain.as_bytes()).unwrap();
                    e.finish().unwrap()
                }
                "deflate" => {
                    let mut e = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                    e.write_all(plain.as_bytes()).unwrap();
                    e.finish().unwrap()
                }
                "br" => {
                    let mut out = Vec::new();
                    brotli::BrotliCompress(
                        &mut plain.as_bytes(),
                        &mut out,
                        &brotli::enc::BrotliEncoderParams::default(),
                    )
                    .unwrap();
                    out
                }
                "broken" => b"\x1f\x8b\x08\x00 this is not gzip".to_vec(),
                // An encoding Sortie does not know: the body is handed on as it came.
                _ => plain.into_bytes(),
            };
            let encoding = if name == "broken" { "gzip" } else { name.as_str() };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: {encoding}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            if s.write_all(head.as_bytes()).and_then(|()| s.write_all(&body)).is_err() {
                return;
            }
        }
    })
}

#[test]
fn gzip_deflate_and_brotli_bodies_are_decoded_and_others_passed_on() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = encoding_server(seen.clone());
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
steps:
  - request: {{ url: /enc/gzip }}
    expect: {{ json: {{ $.ok: gzip }}, headers: {{ content-encoding: {{ exists: false }} }} }}
  - request: {{ url: /enc/deflate }}
    expect: {{ json: {{ $.ok: deflate }} }}
  - request: {{ url: /enc/br }}
    expect: {{ json: {{ $.ok: br }} }}
  - request: {{ url: /enc/identity-ish }}
    expect: {{ json: {{ $.ok: identity-ish }}, headers: {{ content-encoding: identity-ish }} }}
  - request: {{ url: /enc/own, headers: {{ accept-encoding: identity }} }}
    expect: {{ json: {{ $.ok: own }} }}
  - request: {{ url: /enc/broken }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--junit", "j.xml"]);
    run.expect_code(1);
    run.stdout_has("error reading the response body: cannot decode gzip");
    let report = crate::support::junit(&p.path("j.xml"));
    assert_eq!(
        (report.tests, report.failures, report.errors),
        (6, 0, 1),
        "{}",
        run.stdout
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], "gzip,deflate,br");
    assert_eq!(seen[4], "identity", "a request's own Accept-Encoding is kept");
}

/// A server that closes each kept-alive connection after its first response
/// when the next request arrives, without answering it: what a server with a
/// short idle timeout does when a request races its close.
fn closing_server() -> RawServer {
    RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let body = r#"{"ok":true}"#;
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = read_head(&mut s);
        let _ = s.shutdown(std::net::Shutdown::Both);
    })
}

#[test]
fn sequential_requests_to_one_origin_share_one_kept_alive_connection() {
    // Answers every request on a connection until the client closes it.
    let server = RawServer::start(|mut s| {
        while !read_head(&mut s).is_empty() {
            if s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").is_err() {
                break;
            }
        }
    });
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{}\"\nsteps:\n  - request: {{ url: /a }}\n  - request: {{ url: /b }}\n  - request: {{ method: POST, url: /c, body: x }}\n  - request: {{ url: /d }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    run.stdout_has("4 passed");
    assert_eq!(server.hits(), 1, "connections opened");
}

#[test]
fn a_safe_request_on_a_connection_the_server_closed_is_sent_again_once() {
    let server = closing_server();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{}\"\nsteps:\n  - request: {{ url: /a }}\n  - request: {{ url: /b }}\n  - request: {{ method: OPTIONS, url: /c }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    run.stdout_has("3 passed");
    assert_eq!(server.hits(), 3, "one new connection per retried request");
}

#[test]
fn a_put_or_post_on_a_connection_the_server_closed_is_not_sent_again() {
    let server = closing_server();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{}\"\nsteps:\n  - request: {{ url: /a }}\n  - request: {{ method: PUT, url: /b, json: {{ a: 1 }} }}\n  - request: {{ url: /c }}\n  - request: {{ method: POST, url: /d, json: {{ a: 1 }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("2 passed, 0 failed, 2 errored");
    assert_eq!(
        run.stdout
            .matches("request failed: connection closed before message completed")
            .count(),
        2,
        "{}",
        run.stdout
    );
    assert_eq!(server.hits(), 2);
}

#[test]
fn credentials_in_the_url_are_sent_as_basic_auth_and_never_shown() {
    let demo = demo();
    let with = |userinfo: &str| demo.url().replace("http://", &format!("http://{userinfo}@"));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"steps:
  - name: user and a short password
    request: {{ url: "{}/echo" }}
    expect: {{ json: {{ $.headers.authorization: "Basic YW5uOnBAc3M=" }} }}
  - name: a password alone, and pw in other text
    request: {{ url: "{}/echo", query: {{ note: pw }} }}
    expect: {{ json: {{ $.headers.authorization: "Basic OnB3", $.query: [[note, pw]] }} }}
  - name: a token as the user
    request: {{ url: "{}/echo" }}
    expect: {{ json: {{ $.headers.authorization: "Basic dG9rMTIzOg==" }} }}
"#,
            with("ann:p%40ss"),
            with(":pw"),
            with("tok123")
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-vv", "--junit", "j.xml"]);
    run.expect_code(0);
    let junit = p.read("j.xml");
    for shown in [&run.stdout, &junit] {
        for leak in ["p%40ss", "p@ss", ":pw@", "tok123", "YW5uOnBAc3M=", "dG9rMTIzOg=="] {
            assert!(!shown.contains(leak), "{leak} shown:\n{shown}");
        }
    }
    run.stdout_has("ann:***@127.0.0.1");
    // A password of two letters is masked where it is a credential (the URL, the
    // header), not wherever those letters occur: the step name, a query, a body.
    for text in [
        "✓ a password alone, and pw in other text",
        "/echo?note=pw\n",
        r#"["note","pw"]"#,
    ] {
        assert!(
            run.stdout.contains(text),
            "short passwords mask nothing else: {text}\n{}",
            run.stdout
        );
    }
    assert!(junit.contains("a password alone, and pw in other text"), "{junit}");
}

#[test]
fn a_head_response_is_not_held_to_the_length_it_announces() {
    let server = RawServer::answer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n");
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ method: HEAD, url: \"{}\" }}\n    expect: {{ headers: {{ content-length: \"100000000\" }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--max-body", "64KiB"]);
    run.expect_code(0);
}

#[test]
fn a_header_compares_as_text_with_a_number_written_or_rendered() {
    let server = RawServer::answer(b"HTTP/1.1 200 OK\r\nX-Count: 5\r\nContent-Length: 2\r\n\r\n42");
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "vars: {{ n: 5, body: 42 }}\nsteps:\n  - request: {{ url: \"{}\" }}\n    expect:\n      headers: {{ x-count: 5 }}\n      body: \"{{{{ body }}}}\"\n  - request: {{ url: \"{}\" }}\n    expect: {{ headers: {{ x-count: \"{{{{ n }}}}\" }} }}\n",
            server.url(),
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
}
