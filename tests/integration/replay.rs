//! `--curl` reproduces the requests: the commands it writes are run with the
//! real `curl` against the same loopback server, and what the server received
//! from curl is compared with what it received from Sortie, for every body kind
//! (JSON, form, raw, file, multipart) and auth kind (basic, bearer, api_key in
//! a header and in the query, digest, OAuth2 with the token exported), with the
//! jar's cookies, over plain http and TLS.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use md5::{Digest as _, Md5};

use crate::sent::Received;
use crate::support::{Project, TestServer, missing_tool};
use crate::tls::{HttpsServer, pki};

const PASSWORD: &str = "hunter2-secret";
const TOKEN: &str = "tok-abcdef-123";
const KEY: &str = "key-0123456789";
const SID: &str = "s3ss10n-t0ken-abcdef";
const OAUTH_TOKEN: &str = "oauth-tok-987654321";

/// Records every request it accepts; `/login` sets cookies, `/digest` wants
/// digest auth (user `alice`, the password above) and records only answers
/// that check out.
fn server_router(log: &Arc<Mutex<Vec<Received>>>) -> Router {
    let log = log.clone();
    Router::new().fallback(move |req: axum::extract::Request| {
        let log = log.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default().to_vec();
            let path = parts.uri.path_and_query().map(ToString::to_string).unwrap_or_default();
            if parts.uri.path() == "/token" {
                // The token endpoint is Sortie's own round trip: curl is given the token.
                return axum::Json(serde_json::json!({
                    "access_token": OAUTH_TOKEN, "token_type": "Bearer", "expires_in": 3600
                }))
                .into_response();
            }
            if parts.uri.path() == "/digest" && !digest_ok(parts.method.as_str(), &path, &parts.headers) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(
                        "www-authenticate",
                        "Digest realm=\"r\", qop=\"auth\", algorithm=MD5, nonce=\"n0nce\", opaque=\"op\"",
                    )],
                )
                    .into_response();
            }
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
                path,
                headers,
                body,
            });
            let mut answer = HeaderMap::new();
            if parts.uri.path() == "/login" {
                answer.append("set-cookie", format!("sid={SID}; Path=/; HttpOnly").parse().unwrap());
                answer.append("set-cookie", "theme=dark; Path=/".parse().unwrap());
            }
            (answer, "ok").into_response()
        }
    })
}

fn digest_ok(method: &str, uri: &str, headers: &HeaderMap) -> bool {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(rest) = auth.strip_prefix("Digest ") else {
        return false;
    };
    let field = |name: &str| {
        rest.split(',').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.trim_matches('"').to_owned())
        })
    };
    let h = |s: String| hex::encode(Md5::digest(s.as_bytes()));
    let (Some(nc), Some(cnonce), Some(got), Some(uri_field)) =
        (field("nc"), field("cnonce"), field("response"), field("uri"))
    else {
        return false;
    };
    let ha1 = h(format!("alice:r:{PASSWORD}"));
    let ha2 = h(format!("{method}:{uri_field}"));
    got == h(format!("{ha1}:n0nce:{nc}:{cnonce}:auth:{ha2}")) && uri_field == uri
}

fn collection(p: &Project, url: &str, defaults: &str) {
    p.file("upload.txt", "file body, it's here\n");
    p.file("photo.png", "\u{1}PNG fake image bytes");
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {url}
{defaults}vars: {{ password: "{PASSWORD}", token: "{TOKEN}", key: "{KEY}" }}
secrets: [password, token, key]
steps:
  - name: login
    request: {{ method: POST, url: /login, form: {{ user: alice, password: "{{{{ password }}}}" }} }}
  - name: json with bearer
    request:
      method: POST
      url: /json
      query: {{ page: 2, q: "a b&c" }}
      headers: {{ X-Trace: "it's 1" }}
      auth: {{ bearer: "{{{{ token }}}}" }}
      json: {{ name: Rex, note: "say \"hi\" $HOME" }}
  - name: form with basic
    request:
      method: POST
      url: /form
      auth: {{ basic: {{ username: alice, password: "{{{{ password }}}}" }} }}
      form: {{ a: "1 2", b: "x&y" }}
  - name: raw with an api key header
    request:
      method: PUT
      url: /raw
      auth: {{ api_key: {{ header: X-Key, value: "{{{{ key }}}}" }} }}
      headers: {{ Content-Type: text/plain }}
      body: "raw 'text' with $VARS and \\ slashes"
  - name: file with an api key in the query
    request:
      method: PUT
      url: /file
      auth: {{ api_key: {{ query: api_key, value: "{{{{ key }}}}" }} }}
      body_file: upload.txt
  - name: multipart
    request:
      method: POST
      url: /multi
      multipart:
        - {{ name: photo, file: photo.png, content_type: image/png }}
        - {{ name: note, value: "@not a file; really" }}
        - {{ name: doc, file: upload.txt, filename: renamed.txt }}
  - name: head
    request: {{ method: HEAD, url: /head }}
  - name: digest
    request:
      url: /digest
      auth: {{ digest: {{ username: alice, password: "{{{{ password }}}}" }} }}
  - name: oauth2
    request:
      url: /oauth
      auth: {{ oauth2: {{ token_url: /token, client_id: cid, client_secret: "{{{{ key }}}}" }} }}
"#
        ),
    );
}

/// The value the test exports for each variable the file lists.
fn value_of(var: &str) -> &'static str {
    match var {
        "SORTIE_PASSWORD" => PASSWORD,
        "SORTIE_TOKEN" => TOKEN,
        "SORTIE_KEY" => KEY,
        "SORTIE_COOKIE_SID" => SID,
        "SORTIE_OAUTH2_TOKEN" => OAUTH_TOKEN,
        other => panic!("the --curl file asks for an unexpected variable {other}"),
    }
}

/// What must be the same in both requests: header names and values, sorted (the
/// tools order headers differently), with what curl writes its own way made equal.
fn comparable(r: &Received) -> (String, String, Vec<(String, String)>, Vec<u8>) {
    let content_type = r
        .headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let boundary = content_type.split_once("boundary=").map(|(_, b)| b.to_owned());
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .filter_map(|(n, v)| {
            let v = match n.as_str() {
                // curl --compressed asks for its own list of the same codings.
                "accept-encoding" => "(compressed)".to_owned(),
                // A fresh nonce count and client nonce each time; the server checked both.
                "authorization" if v.starts_with("Digest ") => "Digest (checked)".to_owned(),
                "content-type" if boundary.is_some() => "multipart/form-data; boundary=B".to_owned(),
                // The boundaries differ in length.
                "content-length" if boundary.is_some() => return None,
                _ => v.clone(),
            };
            Some((n.clone(), v))
        })
        .collect();
    headers.sort();
    let mut body = r.body.clone();
    if let Some(b) = boundary {
        body = String::from_utf8_lossy(&body).replace(&b, "B").into_bytes();
    }
    (r.method.clone(), r.path.clone(), headers, body)
}

fn curl_replays_every_request(p: &Project, url: &str, log: &Arc<Mutex<Vec<Received>>>, defaults: &str) {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        missing_tool("curl_replays_every_request", "curl is missing", "apt-get install curl");
        return;
    }
    collection(p, url, defaults);
    p.sortie(&["run", "c.yaml", "--curl", "cmds.sh"]).expect_code(0);
    let by_sortie = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(by_sortie.len(), 9, "{by_sortie:#?}");
    let script = p.read("cmds.sh");
    for secret in [PASSWORD, TOKEN, KEY, SID, OAUTH_TOKEN] {
        assert!(!script.contains(secret), "a secret in the --curl file:\n{script}");
    }
    assert!(script.starts_with("# Secrets are shell variables"), "{script}");
    let vars: Vec<&str> = script
        .lines()
        .take_while(|l| l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("#   export "))
        .filter_map(|l| l.split('=').next())
        .collect();
    assert_eq!(
        vars,
        [
            "SORTIE_PASSWORD",
            "SORTIE_COOKIE_SID",
            "SORTIE_TOKEN",
            "SORTIE_KEY",
            "SORTIE_OAUTH2_TOKEN"
        ],
        "{script}"
    );
    // The session's cookies go into the commands that sent them, as `-b`.
    assert!(
        script.contains(r#"-b sid="$SORTIE_COOKIE_SID"'; 'theme=dark"#)
            || script.contains(r#"-b theme=dark'; 'sid="$SORTIE_COOKIE_SID""#),
        "{script}"
    );
    assert!(script.contains("--digest -u alice:\"$SORTIE_PASSWORD\""), "{script}");
    assert!(script.contains("-F 'photo=@"), "{script}");
    assert!(script.contains("--data-binary @"), "{script}");
    let mut sh = std::process::Command::new("sh");
    sh.arg("cmds.sh").current_dir(p.dir.path());
    for var in &vars {
        sh.env(var, value_of(var));
    }
    for name in crate::support::PROXY_VARS {
        sh.env_remove(name);
    }
    let out = sh.output().expect("sh runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let by_curl = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(by_curl.len(), by_sortie.len(), "{script}\n{by_curl:#?}");
    for (s, c) in by_sortie.iter().zip(&by_curl) {
        assert_eq!(
            comparable(c),
            comparable(s),
            "{} {}: curl vs Sortie\n{script}",
            s.method,
            s.path
        );
    }
}

#[test]
fn curl_replays_every_request_over_plain_http() {
    let log = Arc::default();
    let server = TestServer::start(server_router(&log));
    let p = Project::new();
    curl_replays_every_request(&p, &server.url(), &log, "");
}

#[test]
fn curl_replays_every_request_over_tls() {
    let log = Arc::default();
    let p = Project::new();
    let pki = pki(&p);
    let server = HttpsServer::start(&pki, false, server_router(&log));
    curl_replays_every_request(&p, &server.url(), &log, "defaults:\n  tls: { cacert: certs/ca.pem }\n");
}
