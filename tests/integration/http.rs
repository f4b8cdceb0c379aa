//! HTTP features below the collection format: h2c prior knowledge, proxies
//! from the environment and `--proxy`, and file bodies streamed from disk.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{StatusCode, Version};
use axum::response::IntoResponse;
use axum::routing::post;

use crate::support::{Project, RawServer, TestServer, demo, read_head};
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
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

/// A plain HTTP forward proxy that answers by itself: 200 with the request
/// line it got, so a test sees that the request went through it.
fn answering_proxy() -> RawServer {
    RawServer::start(|mut s| {
        let head = read_head(&mut s);
        let line = head.lines().next().unwrap_or_default().to_owned();
        let body = format!("via proxy: {line}");
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    })
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn proxied_step(p: &Project, url: &str, body: &str) {
    p.file(
        "c.yaml",
        &format!("steps:\n  - request: {{ url: \"{url}\" }}\n    expect: {{ status: 200, body: {{ contains: \"{body}\" }} }}\n"),
    );
}

#[test]
fn http_proxy_from_the_environment_and_from_the_flag() {
    let proxy = answering_proxy();
    let p = Project::new();
    // Nothing listens there: only the proxy can answer.
    let target = format!("http://127.0.0.1:{}/x?y=1", closed_port());
    proxied_step(&p, &target, &format!("via proxy: GET {target} HTTP/1.1"));
    p.sortie_env(&[("HTTP_PROXY", &proxy.url())], &["run", "c.yaml"])
        .expect_code(0);
    p.sortie_env(&[("http_proxy", &proxy.url())], &["run", "c.yaml"])
        .expect_code(0);
    p.sortie_env(&[("ALL_PROXY", &proxy.url())], &["run", "c.yaml"])
        .expect_code(0);
    p.sortie(&["run", "c.yaml", "--proxy", &proxy.url()]).expect_code(0);
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 4);
}

#[test]
fn no_proxy_sends_directly_also_with_the_flag() {
    let proxy = answering_proxy();
    let server = TestServer::start(Router::new().route("/x", axum::routing::get(|| async { "direct" })));
    let p = Project::new();
    proxied_step(&p, &format!("{}/x", server.url()), "direct");
    let env = [
        ("HTTP_PROXY", proxy.url()),
        ("NO_PROXY", "localhost,127.0.0.1".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    p.sortie_env(&env, &["run", "c.yaml"]).expect_code(0);
    p.sortie_env(&env[1..], &["run", "c.yaml", "--proxy", &proxy.url()])
        .expect_code(0);
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 0);
    assert_eq!(server.hits(), 2);
}

/// A CONNECT proxy that tunnels to loopback ports only, counting tunnels.
fn tunnel_proxy() -> RawServer {
    RawServer::start(|mut client| {
        let head = read_head(&mut client);
        let target = head
            .strip_prefix("CONNECT ")
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|t| t.starts_with("127.0.0.1:"))
            .map(str::to_owned);
        let Some(Ok(upstream)) = target.map(TcpStream::connect) else {
            let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            return;
        };
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        let (mut client, mut upstream) = (client, upstream);
        let up = std::thread::spawn(move || std::io::copy(&mut c2, &mut u2));
        let _ = std::io::copy(&mut upstream, &mut client);
        let _ = client.shutdown(std::net::Shutdown::Both);
        let _ = up.join();
    })
}

#[test]
fn https_proxy_from_the_environment_tunnels_tls() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), false, version_router());
    let proxy = tunnel_proxy();
    proxied_step(&p, &format!("{}/v", server.url()), "HTTP/");
    p.sortie_env(
        &[("HTTPS_PROXY", &proxy.url())],
        &["run", "c.yaml", "--cacert", "certs/ca.pem"],
    )
    .expect_code(0);
    assert_eq!(proxy.hits.load(Ordering::SeqCst), 1);
    assert_eq!(server.hits(), 1);
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
    assert!(run.stdout.contains("<file "), "{}", run.stdout);
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
