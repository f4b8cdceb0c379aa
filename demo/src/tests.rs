//! The demo API over real loopback HTTP, through `start_background`.

use std::io::Read;

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE,
};
use serde_json::{Value, json};

use super::{DemoServer, start_background};

/// A client that shows responses as sent: no redirects, no decompression.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .build()
        .expect("client builds")
}

fn server() -> DemoServer {
    start_background().expect("demo server starts")
}

async fn json_of(response: reqwest::Response) -> Value {
    let bytes = response.bytes().await.expect("a body");
    serde_json::from_slice(&bytes).expect("a JSON body")
}

/// `request` with `body` as JSON (reqwest's `json` feature is off).
fn with_json(request: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    request.header(CONTENT_TYPE, "application/json").body(body.to_string())
}

async fn login(client: &reqwest::Client, server: &DemoServer) -> String {
    let response = with_json(
        client.post(format!("{}/login", server.url())),
        &json!({ "username": "alice", "password": "wonderland" }),
    )
    .send()
    .await
    .expect("login answers");
    assert_eq!(response.status(), StatusCode::OK);
    let body = json_of(response).await;
    body["token"].as_str().expect("a token").to_owned()
}

#[tokio::test]
async fn serves_on_loopback_and_stops_when_dropped() {
    let server = server();
    let url = server.url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let response = client().get(format!("{url}/health")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await, json!({ "status": "ok" }));

    let addr = server.addr;
    drop(server);
    assert!(std::net::TcpStream::connect(addr).is_err(), "port still open");
}

#[tokio::test]
async fn login_gives_a_token_and_a_session_cookie() {
    let server = server();
    let response = with_json(
        client().post(format!("{}/login", server.url())),
        &json!({ "username": "bob", "password": "builder" }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("session="), "{cookie}");
    assert!(cookie.ends_with("; Path=/; HttpOnly"), "{cookie}");
    let body = json_of(response).await;
    assert_eq!(body["token"].as_str().map(str::len), Some(32));
    assert_eq!(body["user"], json!({ "id": 2, "name": "bob" }));
    assert_eq!(body["expires_in"], 3600);
}

#[tokio::test]
async fn login_with_a_wrong_password_is_401() {
    let server = server();
    let response = with_json(
        client().post(format!("{}/login", server.url())),
        &json!({ "username": "alice", "password": "looking-glass" }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(response).await, json!({ "error": "invalid credentials" }));
}

#[tokio::test]
async fn protected_routes_need_a_bearer_token() {
    let server = server();
    let client = client();
    let me = format!("{}/me", server.url());

    let anonymous = client.get(&me).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()[WWW_AUTHENTICATE], "Bearer");

    let forged = client.get(&me).bearer_auth("forged").send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    let token = login(&client, &server).await;
    let response = client.get(&me).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json_of(response).await["name"], "alice");
}

#[tokio::test]
async fn users_can_be_created_read_and_deleted() {
    let server = server();
    let client = client();
    let token = login(&client, &server).await;
    let users = format!("{}/users", server.url());

    let invalid = with_json(
        client.post(&users).bearer_auth(&token),
        &json!({ "email": "nobody@example.com" }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_of(invalid).await["fields"]["name"], "is required");

    let created = with_json(
        client.post(&users).bearer_auth(&token),
        &json!({ "name": "carol", "email": "carol@example.com" }),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()[LOCATION], "/users/3");
    assert_eq!(created.headers()[SET_COOKIE], "last_created=3; Path=/");
    assert_eq!(json_of(created).await["id"], 3);

    let one = format!("{users}/3");
    let read = client.get(&one).bearer_auth(&token).send().await.unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let etag = read.headers()[ETAG].clone();
    let cached = client
        .get(&one)
        .bearer_auth(&token)
        .header(IF_NONE_MATCH, etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let deleted = client.delete(&one).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = client.get(&one).bearer_auth(&token).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn flaky_fails_n_times_per_key_then_counts_attempts() {
    let server = server();
    let client = client();
    let url = format!("{}/flaky?key=k&fail=2", server.url());
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(client.get(&url).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [503, 503, 200, 200]);
    let fifth = client.get(&url).send().await.unwrap();
    assert_eq!(json_of(fifth).await, json!({ "attempt": 5 }));

    let other_key = format!("{}/flaky?key=other&fail=1", server.url());
    let first = client.get(&other_key).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Each server starts from a clean slate.
    let fresh = self::server();
    let again = client
        .get(format!("{}/flaky?key=k&fail=0", fresh.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(again).await, json!({ "attempt": 1 }));
}

#[tokio::test]
async fn limited_refuses_the_first_call_with_retry_after() {
    let server = server();
    let client = client();
    let url = format!("{}/limited?key=a", server.url());
    let first = client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(first.headers()[RETRY_AFTER], "1");
    let second = client.get(&url).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
}

#[tokio::test]
async fn echo_keeps_repeated_query_keys_and_parses_bodies() {
    let server = server();
    let client = client();
    let response = client
        .put(format!("{}/echo/deep/path?tag=a&tag=b&q=x%20y", server.url()))
        .header("X-Trace", "t-1")
        .header("Cookie", "sid=42; theme=dark")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("u=1&u=2&v=hi+there")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let echo = json_of(response).await;
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["path"], "/echo/deep/path");
    assert_eq!(echo["query"], json!([["tag", "a"], ["tag", "b"], ["q", "x y"]]));
    assert_eq!(echo["headers"]["x-trace"], "t-1");
    assert_eq!(echo["cookies"], json!({ "sid": "42", "theme": "dark" }));
    assert_eq!(echo["body"], "u=1&u=2&v=hi+there");
    assert_eq!(echo["json"], Value::Null);
    assert_eq!(echo["form"], json!({ "u": ["1", "2"], "v": "hi there" }));

    let posted = with_json(client.post(format!("{}/echo", server.url())), &json!({ "a": [1, 2.5] }))
        .send()
        .await
        .unwrap();
    let echo = json_of(posted).await;
    assert_eq!(echo["json"], json!({ "a": [1, 2.5] }));
    assert_eq!(echo["form"], Value::Null);
}

#[tokio::test]
async fn gzip_is_sent_compressed() {
    let server = server();
    let response = client().get(format!("{}/gzip", server.url())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    let compressed = response.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut text)
        .expect("valid gzip");
    let body: Value = serde_json::from_str(&text).expect("JSON inside");
    assert_eq!(body["gzipped"], true);
}

#[tokio::test]
async fn bulk_writes_as_many_items_as_asked_up_to_its_limit() {
    let server = server();
    let body = json_of(
        client()
            .get(format!("{}/bulk?items=3", server.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[2],
        serde_json::json!({ "id": 2, "name": "item-2", "price": 3.0, "tags": ["a", "b"], "active": true })
    );
    let most = client()
        .get(format!("{}/bulk?items=999999", server.url()))
        .send()
        .await
        .unwrap();
    let most = most.bytes().await.unwrap();
    let most: Value = serde_json::from_slice(&most).unwrap();
    assert_eq!(most["items"].as_array().unwrap().len(), 200_000);
    let bad = client()
        .get(format!("{}/bulk?items=x", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn redirects_status_codes_and_html() {
    let server = server();
    let client = client();
    let redirect = client
        .get(format!("{}/redirect?to=/health", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    assert_eq!(redirect.headers()[LOCATION], "/health");

    let looping = client
        .get(format!("{}/redirect/loop", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(looping.headers()[LOCATION], "/redirect/loop");

    let teapot = client.get(format!("{}/status/418", server.url())).send().await.unwrap();
    assert_eq!(teapot.status().as_u16(), 418);
    assert_eq!(json_of(teapot).await["status"], 418);

    let page = client
        .get(format!("{}/html", server.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = regex::Regex::new(r#"name="csrf" value="([A-Za-z0-9]{32})""#).unwrap();
    assert!(csrf.is_match(&page), "{page}");
}

#[tokio::test]
async fn slow_waits_then_reports_the_wait() {
    let server = server();
    let started = std::time::Instant::now();
    let response = client()
        .get(format!("{}/slow?ms=50", server.url()))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    assert_eq!(json_of(response).await, json!({ "waited_ms": 50 }));
}

#[tokio::test]
async fn oauth_token_accepts_the_client_in_form_fields_and_refuses_others() {
    let server = server();
    let client = client();
    let token = |body: &str| {
        client
            .post(format!("{}/oauth/token", server.url()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
    };
    let ok = token("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=read")
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let body = json_of(ok).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let access = body["access_token"].as_str().unwrap().to_owned();

    let bad = token("grant_type=client_credentials&client_id=demo-client&client_secret=nope")
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(bad).await["error"], "invalid_client");
    let grant = token("grant_type=password&client_id=demo-client&client_secret=demo-secret")
        .await
        .unwrap();
    assert_eq!(json_of(grant).await["error"], "unsupported_grant_type");

    let resource = format!("{}/oauth/resource", server.url());
    let me = client.get(&resource).bearer_auth(&access).send().await.unwrap();
    assert_eq!(
        json_of(me).await,
        json!({ "client_id": "demo-client", "scope": "read", "tokens_issued": 1 })
    );
    let refused = client.get(&resource).bearer_auth("forged").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(
        refused.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
}
