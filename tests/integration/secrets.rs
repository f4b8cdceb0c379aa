//! Secrets never show: random secret values, passed in every way a collection
//! can hold one, searched for in every output sortie writes.

use axum::http::{HeaderMap, header};
use axum::routing::get;
use base64::Engine as _;

use crate::support::{Project, TestServer, demo, json_report, junit};

/// A fresh random value: a leak cannot be a coincidence.
fn secret(label: &str) -> String {
    format!("{label}{}", uuid::Uuid::new_v4().simple())
}

/// Every channel of a secret, each with its own value so that a leak names
/// the channel (one declared secret must not mask another channel by chance).
struct Secrets {
    cli: String,
    collection: String,
    bearer: String,
    api_key: String,
    api_key_query: String,
    query: String,
    cookie: String,
    token: String,
    url_password: String,
}

impl Secrets {
    fn new() -> Secrets {
        Secrets {
            cli: secret("cli"),
            collection: secret("collection"),
            bearer: secret("bearer"),
            api_key: secret("apikey"),
            api_key_query: secret("apikeyquery"),
            query: secret("query"),
            cookie: secret("cookie"),
            token: secret("token"),
            url_password: secret("urlpassword"),
        }
    }

    /// Each value with its name, and the forms it can take on the wire.
    fn forms(&self) -> Vec<(String, String)> {
        let base64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        vec![
            ("--secret var".into(), self.cli.clone()),
            ("basic credentials".into(), base64(&format!("ann:{}", self.cli))),
            ("collection secrets:".into(), self.collection.clone()),
            ("bearer token".into(), self.bearer.clone()),
            ("api_key header".into(), self.api_key.clone()),
            ("api_key query".into(), self.api_key_query.clone()),
            ("secret in a URL query".into(), self.query.clone()),
            ("Set-Cookie from the server".into(), self.cookie.clone()),
            ("a captured token used as a bearer".into(), self.token.clone()),
            ("a password in a URL".into(), self.url_password.clone()),
            (
                "a password in a URL, as Basic auth".into(),
                base64(&format!("bob:{}", self.url_password)),
            ),
        ]
    }
}

fn echoing(base: &str, s: &Secrets) -> String {
    format!(
        r#"name: Secrets everywhere
base_url: {base}
secrets: [collection_secret]
vars:
  collection_secret: {collection}
steps:
  - name: "Basic as {{{{ cli_secret }}}}"
    request:
      url: /echo/basic
      auth: {{ basic: {{ username: ann, password: "{{{{ cli_secret }}}}" }} }}
    expect:
      json:
        $.method: "{{{{ cli_secret }}}}"
  - name: Bearer and a body
    request:
      method: post
      url: /echo/bearer
      auth: {{ bearer: {bearer} }}
      headers: {{ X-Collection: "{{{{ collection_secret }}}}" }}
      json: {{ secret: "{{{{ collection_secret }}}}", again: "{{{{ cli_secret }}}}" }}
    expect:
      json:
        $.json: {{ secret: nope, again: "{{{{ cli_secret }}}}", more: 1 }}
    extract: {{ echoed: $.headers.authorization, echoed_key: $.json.secret }}
  - name: Api key header
    request:
      url: /echo/key
      auth: {{ api_key: {{ header: X-API-Key, value: {api_key} }} }}
    expect: {{ body: {{ contains: "not in the body" }} }}
  - name: Api key and a secret in the query
    request:
      url: "/echo/query?token={{{{ query_secret }}}}"
      auth: {{ api_key: {{ query: api_key, value: {api_key_query} }} }}
    expect: {{ status: 201 }}
  - name: Undefined next to a secret
    request:
      url: "/echo/undefined?a={{{{ cli_secret }}}}&b={{{{ not_defined }}}}"
  - name: Credentials in the URL
    request:
      url: "{userinfo_base}/echo/userinfo"
    expect:
      json:
        $.headers.authorization: nope
"#,
        userinfo_base = base.replace("http://", &format!("http://bob:{}@", s.url_password)),
        collection = s.collection,
        bearer = s.bearer,
        api_key = s.api_key,
        api_key_query = s.api_key_query,
    )
}

fn issued(base: &str) -> String {
    format!(
        r#"name: Issued by the server
base_url: {base}
steps:
  - name: Get a session
    request: {{ url: /session }}
  - name: Who am I
    request: {{ url: /whoami }}
    expect: {{ status: 299 }}
  - name: Log in
    request: {{ method: post, url: /login }}
    expect: {{ json: {{ $.token: {{ type: string }} }} }}
    extract: {{ token: $.token }}
  - name: Use the token
    request: {{ url: /whoami, auth: {{ bearer: "{{{{ token }}}}" }} }}
    expect: {{ status: 299 }}
"#
    )
}

/// Values only the server knows: `/session` sets a cookie, `/login` returns a
/// token; `/whoami` echoes the `Cookie` header back in its body.
fn issuing_server(cookie: String, token: String) -> TestServer {
    let set = format!("session={cookie}; Path=/; HttpOnly");
    let body = format!(r#"{{"token":"{token}"}}"#);
    TestServer::start(
        axum::Router::new()
            .route(
                "/login",
                axum::routing::post(move || {
                    let body = body.clone();
                    async move { ([(header::CONTENT_TYPE, "application/json")], body) }
                }),
            )
            .route(
                "/session",
                get(move || {
                    let set = set.clone();
                    async move { ([(header::SET_COOKIE, set)], "a session for you") }
                }),
            )
            .route(
                "/whoami",
                get(|headers: HeaderMap| async move {
                    let cookie = headers
                        .get(header::COOKIE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("none")
                        .to_owned();
                    format!("you sent {cookie}")
                }),
            ),
    )
}

#[test]
fn no_secret_reaches_any_output() {
    let s = Secrets::new();
    let demo = demo();
    let server = issuing_server(s.cookie.clone(), s.token.clone());
    let p = Project::new();
    p.file("echo.yaml", &echoing(&demo.url(), &s));
    p.file("issued.yaml", &issued(&server.url()));
    let cli_var = format!("cli_secret={}", s.cli);
    let query_var = format!("query_secret={}", s.query);
    let base = [
        "run",
        "echo.yaml",
        "issued.yaml",
        "--secret",
        "cli_secret",
        "--var",
        &cli_var,
        "--secret",
        "query_secret",
        "--var",
        &query_var,
    ];
    let mut outputs: Vec<(String, String)> = Vec::new();
    let run = |outputs: &mut Vec<(String, String)>, label: &str, extra: &[&str], code: i32| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        let run = p.sortie(&args);
        run.expect_code(code);
        outputs.push((format!("{label} stdout"), run.stdout.clone()));
        outputs.push((format!("{label} stderr"), run.stderr.clone()));
    };
    let files = [
        "--junit",
        "junit.xml",
        "--report-json",
        "report.json",
        "--report-html",
        "report.html",
        "--curl",
        "requests.sh",
    ];
    run(&mut outputs, "default", &files, 1);
    for file in ["junit.xml", "report.json", "report.html", "requests.sh"] {
        outputs.push((file.to_owned(), p.read(file)));
    }
    run(&mut outputs, "-v", &["-v"], 1);
    run(&mut outputs, "-vv", &["-vv"], 1);
    run(&mut outputs, "--quiet", &["--quiet"], 1);
    run(&mut outputs, "--dry-run", &["--dry-run", "--curl", "dry.sh"], 2);
    outputs.push(("dry-run curl file".into(), p.read("dry.sh")));
    assert!(server.hits() >= 16, "the issuing server was called");

    let mut leaks = Vec::new();
    for (channel, value) in s.forms() {
        for (output, text) in &outputs {
            if text.contains(&value) {
                leaks.push(format!("{channel} in {output}"));
            }
        }
    }
    let all: String = outputs
        .iter()
        .map(|(name, text)| format!("==== {name}\n{text}\n"))
        .collect();
    assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}\n{all}");

    // The run did show what it could: masks where the secrets were.
    let vv = &outputs
        .iter()
        .find(|(name, _)| name == "-vv stdout")
        .expect("-vv ran")
        .1;
    assert!(vv.contains("you sent session=***"), "{vv}");
    assert!(vv.contains(r#""x-api-key":"***""#), "{vv}");
    assert!(vv.contains("token=***"), "{vv}");
    assert!(vv.contains("api_key=***"), "{vv}");
    assert!(vv.contains("Basic as ***"), "{vv}");
    assert!(vv.contains("undefined variable `not_defined`"), "{vv}");
    assert!(vv.contains(r#"{"token":"***"}"#), "{vv}");
    json_report(&p.path("report.json"));
    junit(&p.path("junit.xml"));
}
