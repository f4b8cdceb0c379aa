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
/// kind (JSON, form, raw text, a file, multipart values and files) and every
/// auth kind a step can send without a token endpoint (bearer, basic, digest,
/// api key in a header or the query), the secrets read from the same
/// environment variables the curl file reads.
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
  - name: Digest
    request: {{ url: /digest, auth: {{ digest: {{ username: dan, password: "{{{{ pw }}}}" }} }} }}
  - name: API key in the query
    request: {{ url: "/q?page=2", auth: {{ api_key: {{ query: api_key, value: "{{{{ key }}}}" }} }} }}
  - name: Multipart with a file
    request:
      method: POST
      url: /upload
      multipart:
        - {{ name: note, value: hi }}
        - {{ name: f, file: data.bin, content_type: text/plain }}
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "original.yaml", "--curl", "requests.sh"])
        .expect_code(0);
    let original: Vec<Got> = seen.lock().expect("lock").drain(..).collect();
    assert_eq!(original.len(), 9);

    let run = p.sortie(&["import", "curl", "requests.sh", "-o", "imported.yaml"]);
    run.expect_code(0);
    let imported = p.read("imported.yaml");
    // The curl file reads each secret from a shell variable (`"$SORTIE_TOKEN"`); the
    // import reads the same environment variable, through a secret variable.
    for (var, env) in [
        ("sortie_token", "SORTIE_TOKEN"),
        ("sortie_pw", "SORTIE_PW"),
        ("sortie_key", "SORTIE_KEY"),
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

    p.sortie_env(
        &[
            ("BASE_URL", &server.url()),
            ("SORTIE_TOKEN", "tok-123"),
            ("SORTIE_PW", "pw-789"),
            ("SORTIE_KEY", "key-456"),
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

    p.sortie(&["import", "curl", "curl -d a=1 -d @x.txt https://h.example/p"])
        .expect_code(0)
        .stderr_has("not imported: the content of `@x.txt` among other data (sent as the text `@x.txt`)");

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

/// The bearer token the browser sent in the recorded HAR.
fn recorded_token(har: &str) -> String {
    let doc: serde_json::Value = serde_json::from_str(har).expect("HAR is JSON");
    doc["log"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .flat_map(|e| e["request"]["headers"].as_array().cloned().unwrap_or_default())
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
        })
        .and_then(|h| h["value"].as_str().map(|v| v.trim_start_matches("Bearer ").to_owned()))
        .expect("an Authorization header in the HAR")
}

/// A HAR recorded by Chromium against the demo API (tests/fixtures/import/har/record.py)
/// imports to a collection that replays the session against a fresh demo server:
/// the password comes from the environment, the bearer token is captured from the
/// login response that issued it, the cookie is left to the session.
#[test]
fn a_har_recorded_by_chromium_replays_against_the_demo_api() {
    let p = Project::new();
    let name = vendored(&p, "har/demo.har");
    let run = p.sortie(&["import", "har", &name, "-o", "demo.yaml"]);
    run.expect_code(0)
        .stderr_has("left out 1 static assets")
        .stderr_has("wrote demo.yaml (13 steps)");
    let text = p.read("demo.yaml");
    let token = recorded_token(&p.read(&name));
    assert!(!text.contains("wonderland"), "the password is never written:\n{text}");
    assert!(!text.contains(&token), "the token is never written:\n{text}");
    assert!(text.contains("password: \"{{ env.PASSWORD }}\""), "{text}");
    assert!(text.contains("extract:\n      token: \"$.token\""), "{text}");
    assert!(text.contains("bearer: \"{{ token }}\""), "{text}");
    assert!(
        !text.contains("theme=dark;") && !text.contains("Cookie:"),
        "cookies are the session's:\n{text}"
    );
    assert!(
        text.contains("status: 302") && text.contains("follow_redirects: false"),
        "{text}"
    );
    assert!(
        !text.contains("logo.png") && !text.contains("sec-ch-ua") && !text.contains("User-Agent"),
        "{text}"
    );
    p.sortie(&["validate", "demo.yaml"]).expect_code(0);

    let demo = crate::support::demo();
    p.sortie_env(
        &[("BASE_URL", &demo.url()), ("PASSWORD", "wonderland")],
        &["run", "demo.yaml", "--report-json", "report.json"],
    )
    .expect_code(0)
    .stdout_has("13 steps: 13 passed");
    // Without the password the login is refused, as recorded it was not.
    p.sortie_env(
        &[("BASE_URL", &demo.url()), ("PASSWORD", "nope")],
        &["run", "demo.yaml"],
    )
    .expect_code(1);

    // --assets keeps the image; --host keeps only that host's requests.
    p.sortie(&["import", "har", &name, "--assets"])
        .expect_code(0)
        .stdout_has("url: /logo.png")
        .stdout_has("status: 404");
    p.sortie(&["import", "har", &name, "--host", "api.example.com"])
        .expect_code(2)
        .stderr_has("no request left to import")
        .stderr_has("left out 14 entries to hosts not named by --host");
    p.sortie(&["import", "har", &name, "--host", "127.0.0.1"])
        .expect_code(0);
}

/// A hand-written HAR with what a browser session also holds: a cookie the
/// recording did not see being set, Basic credentials, a token in the query, a
/// CORS preflight, a data: URL, a multipart upload and an HTTP/2 pseudo-header.
#[test]
fn har_credentials_become_env_secrets_and_every_left_out_entry_is_counted() {
    let (server, seen) = recorder(|g| match g.target.as_str() {
        "/upload" => (201, "application/json", "{}".to_owned()),
        _ => (200, "application/json", r#"{"ok":true}"#.to_owned()),
    });
    let p = Project::new();
    let entry = |method: &str, url: &str, headers: serde_json::Value, post: serde_json::Value, status: u16| {
        serde_json::json!({
            "request": { "method": method, "url": url, "headers": headers, "postData": post },
            "response": { "status": status, "headers": [], "content": { "mimeType": "application/json", "text": "{}" } }
        })
    };
    let har = serde_json::json!({ "log": { "version": "1.2", "entries": [
        entry("OPTIONS", "https://app.example.com/api/items", serde_json::json!([
            { "name": "Access-Control-Request-Method", "value": "PUT" }]), serde_json::Value::Null, 204),
        entry("GET", "data:image/png;base64,AAAA", serde_json::json!([]), serde_json::Value::Null, 200),
        entry("GET", "https://app.example.com/api/items?access_token=qtok-12345678&page=1", serde_json::json!([
            { "name": ":authority", "value": "app.example.com" },
            { "name": "Cookie", "value": "sid=cookie-secret-1; theme=dark" },
            { "name": "X-Request-Source", "value": "web {{ app }}" },
            { "name": "Authorization", "value": "Basic YW5uOmJhc2ljLXNlY3JldA==" }]), serde_json::Value::Null, 200),
        entry("POST", "https://app.example.com/upload", serde_json::json!([
            { "name": "Content-Type", "value": "multipart/form-data; boundary=x" }]),
            serde_json::json!({ "mimeType": "multipart/form-data; boundary=x", "params": [
                { "name": "title", "value": "Holiday" },
                { "name": "photo", "fileName": "beach.jpg", "contentType": "image/jpeg" }] }), 201),
        entry("GET", "https://cdn.example.com/app.js", serde_json::json!([]), serde_json::Value::Null, 200),
    ]}});
    p.file("session.har", &serde_json::to_string_pretty(&har).expect("JSON"));
    let run = p.sortie(&["import", "har", "session.har", "-o", "session.yaml"]);
    run.expect_code(0)
        .stderr_has("left out 2 static assets")
        .stderr_has("1 CORS preflight requests")
        .stderr_has("multipart part `photo` uploaded `beach.jpg`, which a HAR does not hold");
    let text = p.read("session.yaml");
    for secret in [
        "cookie-secret-1",
        "qtok-12345678",
        "basic-secret",
        "YW5uOmJhc2ljLXNlY3JldA",
    ] {
        assert!(!text.contains(secret), "{secret} written:\n{text}");
    }
    assert!(
        text.contains("# session.har: log.entries[3]: multipart part `photo`"),
        "{text}"
    );
    p.sortie(&["validate", "session.yaml"]).expect_code(0);
    p.sortie_env(
        &[
            ("BASE_URL", &server.url()),
            ("COOKIE_SID", "sid-1"),
            ("COOKIE_THEME", "dark"),
            ("ACCESS_TOKEN", "qt-1"),
            ("PASSWORD", "pw-1"),
        ],
        &["run", "session.yaml"],
    )
    .expect_code(0);
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].target, "/api/items?access_token=qt-1&page=1");
    assert_eq!(got[0].header("cookie"), Some("sid=sid-1; theme=dark"));
    assert_eq!(got[0].header("authorization"), Some(basic("ann", "pw-1").as_str()));
    assert_eq!(got[0].header("x-request-source"), Some("web {{ app }}"));
    assert_eq!(got[1].method, "POST");
    assert!(String::from_utf8_lossy(&got[1].body).contains("Holiday"));

    // An input that is not JSON is invalid input, with its line and column.
    p.file("broken.har", "{\n  \"log\": {\n    \"entries\": [,]\n  }\n}\n");
    p.sortie(&["import", "har", "broken.har"])
        .expect_code(2)
        .stderr_has("HAR file `broken.har` is not JSON")
        .stderr_has("broken.har:3:");
    p.file("other.json", "{\"openapi\": \"3.1.0\"}");
    p.sortie(&["import", "har", "other.json"])
        .expect_code(2)
        .stderr_has("other.json: not a HAR file: it has no `log.entries` list");
}

/// A public Postman v2.1 collection (newman's own test fixture): its status
/// tests become `expect.status`, its scripts are kept as comments and counted.
#[test]
fn a_public_postman_collection_imports_and_runs() {
    let (server, seen) = recorder(|g| match g.target.as_str() {
        "/post" => (404, "application/json", "{}".to_owned()),
        _ => (200, "application/json", "{}".to_owned()),
    });
    let p = Project::new();
    let name = vendored(&p, "postman/newman.postman_collection.json");
    p.sortie(&["import", "postman", &name, "-o", "newman.yaml"])
        .expect_code(0)
        .stderr_has("2 script(s) could not be converted; each is kept as a comment where it was");
    let text = p.read("newman.yaml");
    assert!(text.contains("  #     pm.response.to.have.status(404);\n"), "{text}");
    assert!(text.contains("status: 404"), "{text}");
    p.sortie(&["validate", "newman.yaml"]).expect_code(0);
    p.sortie_env(&[("BASE_URL", &server.url())], &["run", "newman.yaml"])
        .expect_code(0);
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 2);
    assert_eq!((got[1].method.as_str(), got[1].target.as_str()), ("POST", "/post"));
    assert_eq!(json_body(&got[1]), serde_json::json!({ "email": "abc@xyz.com" }));
}

/// Folders, collection and environment variables, every auth and body mode.
#[test]
fn a_postman_collection_with_an_environment_maps_auth_bodies_and_variables() {
    let (server, seen) = recorder(|g| match (g.method.as_str(), g.target.as_str()) {
        ("POST", "/oauth/token") => (
            200,
            "application/json",
            r#"{"access_token":"oauth-tok-1","token_type":"Bearer","expires_in":3600}"#.to_owned(),
        ),
        ("POST", "/products") => (201, "application/json", r#"{"id":7}"#.to_owned()),
        _ => (200, "application/json", "{}".to_owned()),
    });
    let p = Project::new();
    let collection = vendored(&p, "postman/shop.postman_collection.json");
    let environment = vendored(&p, "postman/shop.postman_environment.json");
    let run = p.sortie(&[
        "import",
        "postman",
        &collection,
        "--environment",
        &environment,
        "-o",
        "shop.yaml",
    ]);
    run.expect_code(0)
        .stderr_has("request `Signed (Hawk)`: auth `hawk` is not supported; not imported")
        .stderr_has("form-data file `photo` names no file")
        .stderr_has("3 script(s) could not be converted");
    let text = p.read("shop.yaml");
    for secret in ["env-token-123", "old-pass", "pk_live_51Hx", "r3port-pass", "cs_9f8e7d"] {
        assert!(!text.contains(secret), "{secret} written:\n{text}");
    }
    assert!(text.contains("limit: \"5\""), "the environment wins:\n{text}");
    assert!(text.contains("description: The first page of the catalog."), "{text}");
    assert!(
        text.contains("- group: Catalog") && text.contains("- group: Partner"),
        "{text}"
    );
    p.sortie(&["validate", "shop.yaml"]).expect_code(0);
    let base = format!("baseUrl={}", server.url());
    p.sortie_env(
        &[
            ("TOKEN", "tok-env"),
            ("LEGACY_PASSWORD", "legacy-pw"),
            ("API_KEY", "partner-key"),
            ("PASSWORD", "report-pw"),
            ("CLIENT_SECRET", "client-secret"),
        ],
        &["run", "shop.yaml", "--var", &base],
    )
    .expect_code(0);
    let got = seen.lock().expect("lock").clone();
    let find = |method: &str, target: &str| {
        got.iter()
            .find(|g| g.method == method && g.target == target)
            .unwrap_or_else(|| {
                panic!(
                    "{method} {target} in {:?}",
                    got.iter().map(|g| &g.target).collect::<Vec<_>>()
                )
            })
    };
    assert_eq!(find("GET", "/health").header("authorization"), None, "noauth");
    let list = find("GET", "/products?page=1&limit=5");
    assert_eq!(
        list.header("authorization"),
        Some("Bearer tok-env"),
        "the collection's auth"
    );
    assert_eq!(list.header("x-api-version"), Some("2"));
    assert_eq!(list.header("x-debug"), None, "a disabled header stays out");
    let created = json_body(find("POST", "/products"));
    assert_eq!(created["name"], "Mug 2");
    assert_eq!(
        created["sku"].as_str().map(str::len),
        Some(36),
        "{{{{$guid}}}} is a fresh uuid"
    );
    assert_eq!(
        form(find("PUT", "/products/1")),
        [("name", "Big mug"), ("note", "100% 5")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert!(String::from_utf8_lossy(&find("POST", "/products/1/photos").body).contains("Front"));
    assert_eq!(
        json_body(find("POST", "/graphql"))["variables"],
        serde_json::json!({ "q": "mug" })
    );
    assert_eq!(
        find("GET", "/partner/orders").header("x-partner-key"),
        Some("partner-key")
    );
    find("GET", "/partner/invoices?api_key=pk_test_abc");
    assert_eq!(
        find("GET", "/partner/reports").header("authorization"),
        Some(basic("reporter", "report-pw").as_str())
    );
    assert_eq!(
        find("GET", "/partner/stock").header("authorization"),
        Some("Bearer oauth-tok-1")
    );
    let token_request = form(find("POST", "/oauth/token"));
    assert!(token_request.contains(&("grant_type".to_owned(), "client_credentials".to_owned())));
    find("GET", "/partner/legacy");
    assert_eq!(find("GET", "/partner/signed").header("authorization"), None);

    // Not a collection, or not JSON: invalid input with the place.
    p.file("old.json", r#"{"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v1.0.0/collection.json"}, "item": []}"#);
    p.sortie(&["import", "postman", "old.json"])
        .expect_code(2)
        .stderr_has("only Postman collections v2.0 and v2.1 are read");
    p.file("bad.json", "{\"info\": {}, \"item\": [}\n");
    p.sortie(&["import", "postman", "bad.json"])
        .expect_code(2)
        .stderr_has("Postman collection `bad.json` is not JSON")
        .stderr_has("bad.json:1:");
}

/// The OpenAPI Initiative's petstore: one step per operation, the path
/// parameter a shared variable, the first 2xx response expected.
#[test]
fn the_petstore_spec_imports_to_a_starter_collection_that_runs() {
    let (server, seen) = recorder(|g| match (g.method.as_str(), g.target.as_str()) {
        ("POST", "/v1/pets") => (201, "application/json", "{}".to_owned()),
        _ => (200, "application/json", "[]".to_owned()),
    });
    let p = Project::new();
    let spec = vendored(&p, "openapi/petstore.yaml");
    p.sortie(&["import", "openapi", &spec, "-o", "tests/petstore.yaml"])
        .expect_code(0)
        .stderr_has("wrote tests/petstore.yaml (3 steps)");
    let text = p.read("tests/petstore.yaml");
    for want in [
        "name: Swagger Petstore",
        "base_url: \"{{ env.BASE_URL | default('http://petstore.swagger.io/v1') }}\"",
        "  - name: List all pets\n    id: listPets\n    tags:\n      - pets\n",
        "url: \"/pets/{{ petId }}\"",
        "status: 201",
        "../petstore.yaml",
    ] {
        assert!(text.contains(want), "{want}:\n{text}");
    }
    p.sortie(&["validate", "tests/petstore.yaml"]).expect_code(0);
    let base = format!("{}/v1", server.url());
    p.sortie_env(&[("BASE_URL", &base)], &["run", "tests/petstore.yaml"])
        .expect_code(0)
        .stdout_has("3 steps: 3 passed");
    let got: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|g| format!("{} {}", g.method, g.target))
        .collect();
    assert_eq!(got, ["GET /v1/pets", "POST /v1/pets", "GET /v1/pets/string"]);
}

/// The Swagger Petstore 3: bodies made from the schemas' examples, enum query
/// values, and auth from its security schemes, the credentials from the environment.
#[test]
fn the_swagger_petstore_imports_bodies_and_security_from_the_spec() {
    let (server, seen) = recorder(|_| (200, "application/json", "{}".to_owned()));
    let p = Project::new();
    let spec = vendored(&p, "openapi/petstore3.yaml");
    let run = p.sortie(&["import", "openapi", &spec, "-o", "petstore3.collection.yaml"]);
    run.expect_code(0)
        .stderr_has("OAuth2 scheme `petstore_auth` has no client-credentials flow; a token is read from TOKEN instead")
        .stderr_has("POST /pet/{petId}/uploadImage: a `application/octet-stream` body has no example");
    assert_eq!(
        run.stderr.matches("OAuth2 scheme `petstore_auth`").count(),
        1,
        "said once:\n{}",
        run.stderr
    );
    let text = p.read("petstore3.collection.yaml");
    assert!(text.contains("    description: Returns a single pet.\n"), "{text}");
    // The collection checks every exchange against the spec it came from: each step
    // is matched to its operation before anything is sent.
    assert!(text.contains("\nopenapi: "), "{text}");
    p.sortie(&["validate", "petstore3.collection.yaml"]).expect_code(0);
    let base = format!("{}/api/v3", server.url());
    // The recorder answers `{}` to everything, which the spec's responses refuse: every
    // request is still sent, and the run fails on the contract, not on the requests.
    p.sortie_env(
        &[("BASE_URL", &base), ("TOKEN", "tok-1"), ("API_KEY", "key-1")],
        &["run", "petstore3.collection.yaml"],
    )
    .expect_code(1)
    .stdout_has("openapi body /: expected the schema at petstore3.yaml:")
    .stdout_lacks("openapi request");
    let got = seen.lock().expect("lock").clone();
    assert_eq!(got.len(), 19, "one request per operation");
    let find = |method: &str, target: &str| {
        got.iter()
            .find(|g| g.method == method && g.target == target)
            .unwrap_or_else(|| panic!("{method} {target}"))
    };
    let added = find("POST", "/api/v3/pet");
    assert_eq!(added.header("authorization"), Some("Bearer tok-1"));
    let pet = json_body(added);
    assert_eq!(pet["name"], "doggie");
    assert_eq!(pet["category"], serde_json::json!({ "id": 1, "name": "Dogs" }));
    assert!(pet["photoUrls"].is_array(), "a required property is always there");
    find("GET", "/api/v3/pet/findByStatus?status=available");
    let by_id = find("GET", "/api/v3/pet/1");
    assert_eq!(by_id.header("api_key"), Some("key-1"));
    assert_eq!(by_id.header("authorization"), None);
    assert_eq!(json_body(find("POST", "/api/v3/store/order"))["status"], "approved");
    find("GET", "/api/v3/user/string");

    // Not OpenAPI 3, or not YAML: invalid input with the place.
    p.file("swagger.yaml", "swagger: \"2.0\"\npaths: {}\n");
    p.sortie(&["import", "openapi", "swagger.yaml"])
        .expect_code(2)
        .stderr_has("only OpenAPI 3.0 and 3.1 are read; this is a Swagger 2.0 document");
    p.file("broken.yaml", "openapi: 3.1.0\npaths:\n  /a:\n    get: [\n");
    p.sortie(&["import", "openapi", "broken.yaml"])
        .expect_code(2)
        .stderr_has("broken.yaml:");
}
