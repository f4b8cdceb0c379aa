//! `sortie import`: what each importer writes is valid (`sortie validate`),
//! and runs against a loopback server that serves what the input expects.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};

use crate::support::{Project, TestServer};

/// One request as a server received it.
#[derive(Debug, Clone)]
pub struct Got {
    pub method: String,
    pub target: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A server that records every request and answers with `answer(request)`.
pub fn recorder(
    answer: impl Fn(&Got) -> (u16, &'static str, String) + Send + Sync + 'static,
) -> (TestServer, Arc<Mutex<Vec<Got>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let answer = Arc::new(answer);
    let server = TestServer::start(axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let log = log.clone();
            let answer = answer.clone();
            async move {
                let got = Got {
                    method: method.to_string(),
                    target: uri.to_string(),
                    headers,
                    body: body.to_vec(),
                };
                let (status, content_type, text) = answer(&got);
                log.lock().expect("not poisoned").push(got);
                (
                    axum::http::StatusCode::from_u16(status).expect("a status"),
                    [("content-type", content_type)],
                    text,
                )
            }
        },
    ));
    (server, seen)
}

fn ok(_: &Got) -> (u16, &'static str, String) {
    (200, "text/plain", "ok".to_owned())
}

/// Sortie's own `--curl` output imports back to the same requests: every body
/// kind it writes as curl today (JSON, form, raw text, a file, a multipart of
/// values) and every auth kind that travels in a header (bearer, basic, api key).
#[test]
fn curl_output_of_a_run_imports_back_to_the_same_requests() {
    let (server, seen) = recorder(ok);
    let p = Project::new();
    p.file("data.bin", "binary\u{1}payload\n");
    p.file(
        "original.yaml",
        &format!(
            r#"name: Original
base_url: {}
vars: {{ token: tok-123, key: key-456, pw: pw-789 }}
secrets: [token, key, pw]
steps:
  - name: JSON with a bearer
    request:
      method: POST
      url: "/pets?x=1&y=a%20b"
      auth: {{ bearer: "{{{{ token }}}}" }}
      json: {{ name: Rex, "it's": "quote ' and \" and $HOME", tags: [a, b], n: 1.5, none: null }}
  - name: Form with basic
    request:
      method: PUT
      url: /form
      auth: {{ basic: {{ username: ann, password: "{{{{ pw }}}}" }} }}
      form: {{ a: "1", b: "x y&z=é" }}
  - name: Raw text with an API key
    request:
      method: PATCH
      url: /raw
      auth: {{ api_key: {{ header: X-API-Key, value: "{{{{ key }}}}" }} }}
      headers: {{ Content-Type: text/plain, X-Trace: abc }}
      body: "hello 'world'\nline {{{{ '{{{{' }}}}2}}}}"
  - name: A file
    request:
      method: POST
      url: /file
      headers: {{ Content-Type: application/octet-stream }}
      body_file: data.bin
  - name: Multipart values
    request:
      method: POST
      url: /multipart
      multipart:
        - {{ name: a, value: "1" }}
        - {{ name: b, value: "two words" }}
  - name: A plain GET
    request: {{ url: /get, headers: {{ Accept: application/json }} }}
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "original.yaml", "--curl", "requests.sh"])
        .expect_code(0);
    let original: Vec<Got> = seen.lock().expect("lock").drain(..).collect();
    assert_eq!(original.len(), 6);

    let run = p.sortie(&["import", "curl", "requests.sh", "-o", "imported.yaml"]);
    run.expect_code(0);
    let imported = p.read("imported.yaml");
    // The masked credentials (the whole `Authorization` value is masked) became
    // variables read from the environment, one per masked value.
    for (var, env) in [
        ("authorization", "AUTHORIZATION"),
        ("authorization_2", "AUTHORIZATION_2"),
        ("x_api_key", "X_API_KEY"),
    ] {
        assert!(
            imported.contains(&format!("{var}: \"{{{{ env.{env} }}}}\"")),
            "{var}:\n{imported}"
        );
    }
    assert!(
        !imported.contains("tok-123") && !imported.contains("key-456"),
        "{imported}"
    );
    p.sortie(&["validate", "imported.yaml"]).expect_code(0);

    let basic = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "ann:pw-789")
    );
    p.sortie_env(
        &[
            ("BASE_URL", &server.url()),
            ("AUTHORIZATION", "Bearer tok-123"),
            ("AUTHORIZATION_2", &basic),
            ("X_API_KEY", "key-456"),
        ],
        &["run", "imported.yaml"],
    )
    .expect_code(0);
    let again: Vec<Got> = seen.lock().expect("lock").drain(..).collect();
    assert_eq!(again.len(), original.len());
    for (a, b) in original.iter().zip(&again) {
        assert_eq!(a.method, b.method);
        assert_eq!(a.target, b.target);
        for h in ["authorization", "x-api-key", "x-trace", "accept"] {
            assert_eq!(a.header(h), b.header(h), "{h} of {} {}", a.method, a.target);
        }
        let ct = |g: &Got| {
            g.header("content-type")
                .map(|c| c.split(';').next().unwrap_or("").to_owned())
        };
        assert_eq!(ct(a), ct(b), "content type of {}", a.target);
        if ct(a).as_deref() == Some("application/json") {
            let json = |g: &Got| serde_json::from_slice::<serde_json::Value>(&g.body).expect("JSON");
            assert_eq!(json(a), json(b));
        } else if ct(a).as_deref() == Some("multipart/form-data") {
            // The same parts, whatever the boundary.
            let parts = |g: &Got| {
                let text = String::from_utf8_lossy(&g.body).into_owned();
                let boundary = text.lines().next().unwrap_or("").to_owned();
                text.split(&boundary).map(str::to_owned).collect::<Vec<_>>()
            };
            assert_eq!(parts(a), parts(b));
        } else {
            assert_eq!(
                String::from_utf8_lossy(&a.body),
                String::from_utf8_lossy(&b.body),
                "body of {}",
                a.target
            );
        }
    }
}

/// A vendored input, copied into the project.
fn vendored(p: &Project, path: &str) -> String {
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(path);
    let name = from.file_name().expect("a file name").to_string_lossy().into_owned();
    p.file(&name, &std::fs::read_to_string(&from).expect("vendored file"));
    name
}

fn form(g: &Got) -> Vec<(String, String)> {
    form_urlencoded::parse(&g.body).into_owned().collect()
}

fn json_body(g: &Got) -> serde_json::Value {
    serde_json::from_slice(&g.body).expect("a JSON body")
}

fn basic(user: &str, password: &str) -> String {
    let pair = format!("{user}:{password}");
    format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pair)
    )
}

/// Imports one vendored curl example, checks it validates, runs it against a
/// loopback server with `env`, and returns the one request the server got.
fn import_and_run(file: &str, env: &[(&str, &str)], warning: Option<&str>) -> Got {
    let (server, seen) = recorder(|_| (200, "application/json", r#"{"ok":true}"#.to_owned()));
    let p = Project::new();
    let name = vendored(&p, &format!("curl/{file}"));
    let run = p.sortie(&["import", "curl", &name, "-o", "imported.yaml"]);
    run.expect_code(0);
    match warning {
        Some(w) => {
            run.stderr_has(w);
        }
        None => {
            run.stderr_lacks("warning");
        }
    }
    let text = p.read("imported.yaml");
    assert!(text.starts_with("# yaml-language-server: $schema="), "{text}");
    p.sortie(&["validate", "imported.yaml"]).expect_code(0);
    let url = server.url();
    let mut all = vec![("BASE_URL", url.as_str())];
    all.extend_from_slice(env);
    p.sortie_env(&all, &["run", "imported.yaml"]).expect_code(0);
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "{file}: one request");
    got.into_iter().next().expect("one")
}

#[test]
fn curl_examples_from_public_api_docs_import_and_send_what_the_docs_say() {
    let g = import_and_run("github-create-issue.sh", &[("TOKEN", "ghp_x")], None);
    assert_eq!(
        (g.method.as_str(), g.target.as_str()),
        ("POST", "/repos/OWNER/REPO/issues")
    );
    assert_eq!(g.header("authorization"), Some("Bearer ghp_x"));
    assert_eq!(g.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(g.header("x-github-api-version"), Some("2022-11-28"));
    // curl sends `-d` as a form unless told otherwise; so does the import.
    assert_eq!(g.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(json_body(&g)["body"], "I'm having a problem with this.");

    let g = import_and_run("stripe-payment-intent.sh", &[("API_KEY", "sk_test_1")], None);
    assert_eq!((g.method.as_str(), g.target.as_str()), ("POST", "/v1/payment_intents"));
    assert_eq!(g.header("authorization"), Some(basic("sk_test_1", "").as_str()));
    assert_eq!(
        form(&g),
        [
            ("amount", "2000"),
            ("currency", "usd"),
            ("automatic_payment_methods[enabled]", "true")
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );

    let g = import_and_run("openai-chat.sh", &[("OPENAI_API_KEY", "sk-abc")], None);
    assert_eq!(g.target, "/v1/chat/completions");
    assert_eq!(g.header("authorization"), Some("Bearer sk-abc"));
    assert_eq!(
        json_body(&g)["messages"][1],
        serde_json::json!({ "role": "user", "content": "Hello!" })
    );

    let g = import_and_run(
        "twilio-message.sh",
        &[("TWILIO_ACCOUNT_SID", "AC123"), ("TWILIO_AUTH_TOKEN", "tw-secret")],
        None,
    );
    assert_eq!(g.target, "/2010-04-01/Accounts/AC123/Messages.json");
    assert_eq!(g.header("authorization"), Some(basic("AC123", "tw-secret").as_str()));
    assert_eq!(
        form(&g),
        [("Body", "Hi there"), ("From", "+15557122661"), ("To", "+15558675310")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );

    let g = import_and_run("slack-post-message.sh", &[("TOKEN", "xoxb-real")], None);
    assert_eq!(g.target, "/api/chat.postMessage");
    assert_eq!(g.header("authorization"), Some("Bearer xoxb-real"));
    assert_eq!(json_body(&g)["channel"], "C123ABC456");

    let g = import_and_run("elasticsearch-index.sh", &[], None);
    assert_eq!(
        (g.method.as_str(), g.target.as_str()),
        ("PUT", "/my-index-000001/_doc/1?pretty")
    );
    assert_eq!(json_body(&g)["user"]["id"], "kimchy");

    let g = import_and_run(
        "mailgun-send.sh",
        &[("PASSWORD", "key-1")],
        Some("ignored (they change only curl's output or transport): --silent"),
    );
    assert_eq!(g.target, "/v3/YOUR_DOMAIN_NAME/messages");
    assert_eq!(g.header("authorization"), Some(basic("api", "key-1").as_str()));
    let body = String::from_utf8_lossy(&g.body);
    assert!(
        g.header("content-type")
            .is_some_and(|c| c.starts_with("multipart/form-data"))
    );
    for part in [
        "bar@example.com",
        "YOU@YOUR_DOMAIN_NAME",
        "Excited User <mailgun@YOUR_DOMAIN_NAME>",
        "Testing some Mailgun awesomeness!",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }

    let g = import_and_run(
        "docker-unix-socket.sh",
        &[],
        Some("not imported: --unix-socket /var/run/docker.sock"),
    );
    assert_eq!(g.target, "/v1.47/containers/json");
}

#[test]
fn curl_import_reads_arguments_and_lists_what_it_cannot_carry_over() {
    let p = Project::new();
    let run = p.sortie(&[
        "import",
        "curl",
        "curl -sS -x http://proxy:3128 -XPOST 'https://h.example/a?b=1' -H 'X-Api-Key: k-1' --data-raw '{{not a template}}' --json '{\"a\":1}'",
    ]);
    run.expect_code(0)
        .stderr_has("argument 1: not imported: --proxy http://proxy:3128")
        .stderr_has("--silent, --show-error")
        .stdout_has("# argument 1: not imported: --proxy")
        .stdout_has("x_api_key: \"{{ env.X_API_KEY }}\"")
        .stdout_lacks("k-1");
    p.file("out.yaml", &run.stdout);
    p.sortie(&["validate", "out.yaml"]).expect_code(0);

    // Input errors are invalid input, with the place.
    p.file(
        "bad.sh",
        "# two commands\ncurl https://a.example/x\n\ncurl -d 'open https://a.example/y\n",
    );
    p.sortie(&["import", "curl", "bad.sh"])
        .expect_code(2)
        .stderr_has("bad.sh:4: the curl command starting here has a quote that is never closed");
    p.file("notcurl.sh", "curl https://a.example/x\nwget https://a.example/y\n");
    p.sortie(&["import", "curl", "notcurl.sh"])
        .expect_code(2)
        .stderr_has("notcurl.sh:2: expected a curl command, found `wget`");
    p.sortie(&["import", "curl", "curl -H 'X: y'"])
        .expect_code(2)
        .stderr_has("argument 1: the curl command has no URL");
    p.sortie(&["import", "curl", "missing.sh"])
        .expect_code(2)
        .stderr_has("cannot read curl commands file `missing.sh`");
}
