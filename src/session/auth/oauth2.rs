//! OAuth2 client credentials (RFC 6749 §4.4): one token per client and
//! session, fetched once even when many steps ask at the same time, and
//! fetched again when it expires or a server rejects it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde_json::Value;

use crate::plan::Timeouts;
use crate::session::request_body::RequestBody;
use crate::session::{Prepared, SendError, Session};

/// A client of the client-credentials grant, rendered.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct OAuth2Client {
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
}

type Slot = Arc<tokio::sync::Mutex<Option<Token>>>;

/// Tokens by client (token URL, credentials, scope): looked up by reference, so a
/// request costs no key of its own. Each slot has its own async lock: the first
/// step to find it empty fetches while the others wait for it.
#[derive(Default)]
pub(super) struct Tokens {
    slots: Mutex<HashMap<OAuth2Client, Slot>>,
}

struct Token {
    value: String,
    /// When to stop using it; `None` when the server gave no `expires_in`.
    renew_at: Option<Instant>,
}

impl Tokens {
    /// A valid token for `client`. With `rejected`, that token was refused:
    /// it is replaced unless another step already did so.
    pub(super) async fn get(
        &self,
        session: &Session,
        client: &OAuth2Client,
        t: &Timeouts,
        secret: &dyn Fn(&str),
        rejected: Option<&str>,
    ) -> Result<String, SendError> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match slots.get(client) {
                Some(slot) => slot.clone(),
                None => slots.entry(client.clone()).or_default().clone(),
            }
        };
        let mut held = slot.lock().await;
        if let Some(token) = held.as_ref()
            && token.renew_at.is_none_or(|at| Instant::now() < at)
            && Some(token.value.as_str()) != rejected
        {
            return Ok(token.value.clone());
        }
        let token = fetch(session, client, t, secret).await?;
        let value = token.value.clone();
        *held = Some(token);
        Ok(value)
    }
}

/// One token request: `POST token_url` with the client's credentials in
/// HTTP Basic (RFC 6749 §2.3.1) and `grant_type=client_credentials`.
async fn fetch(
    session: &Session,
    client: &OAuth2Client,
    t: &Timeouts,
    secret: &dyn Fn(&str),
) -> Result<Token, SendError> {
    let url = &client.token_url;
    let fail =
        |why: String, retryable: bool| SendError::new(format!("OAuth2 token request to {url}: {why}"), retryable);
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials");
    if let Some(scope) = client.scope.as_deref().filter(|s| !s.is_empty()) {
        form.append_pair("scope", scope);
    }
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let basic = super::basic_token(&encode(&client.client_id), &encode(&client.client_secret));
    let req = Prepared {
        method: Method::POST,
        url: url.clone(),
        headers: vec![
            ("Authorization".into(), format!("Basic {basic}")),
            ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: Some(RequestBody::bytes(form.finish())),
        credential_headers: Vec::new(),
        auth: None,
        replay: crate::session::curl::Replay::default(),
    };
    let started = Instant::now();
    // A token endpoint that redirects is misconfigured: say so rather than re-POST.
    let response = session.send(&req, t, 0).await.map_err(|e| SendError {
        unreachable: e.unreachable,
        ..fail(e.message, e.retryable)
    })?;
    let body = String::from_utf8_lossy(&response.body);
    if !(200..300).contains(&response.status) {
        // Cut before the executor masks it: the `…` tells the redactor to mask the
        // start of a secret the cut left.
        let excerpt = crate::text::cut(&body, 300);
        return Err(fail(
            format!("the server answered {}: {excerpt}", response.status),
            false,
        ));
    }
    let json: Value = serde_json::from_str(&body).map_err(|e| fail(format!("the answer is not JSON ({e})"), false))?;
    let Some(value) = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    else {
        return Err(fail("the answer has no `access_token`".into(), false));
    };
    secret(value);
    if let Some(kind) = json.get("token_type").and_then(Value::as_str)
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(fail(
            format!("token_type `{kind}` is not supported (only bearer)"),
            false,
        ));
    }
    let expires_in = match json.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let renew_at = expires_in.and_then(|secs| {
        let life = Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or(Duration::MAX);
        // Renew a little early so a token does not expire on its way to the server.
        let margin = (life / 10).min(Duration::from_secs(30));
        started.checked_add(life - margin)
    });
    Ok(Token {
        value: value.to_owned(),
        renew_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionOptions;
    use axum::http::{HeaderMap, StatusCode};
    use std::collections::VecDeque;

    /// What the token endpoint saw, and the answers it gives in turn.
    #[derive(Default)]
    struct Endpoint {
        seen: Vec<(String, String)>,
        answers: VecDeque<(u16, String)>,
    }

    type Shared = Arc<Mutex<Endpoint>>;

    async fn token(
        axum::extract::State(state): axum::extract::State<Shared>,
        headers: HeaderMap,
        body: String,
    ) -> (StatusCode, String) {
        let mut endpoint = state.lock().unwrap();
        let auth = headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        endpoint.seen.push((auth, body));
        let (status, body) = endpoint.answers.pop_front().expect("an answer for each request");
        (StatusCode::from_u16(status).unwrap(), body)
    }

    async fn endpoint(answers: &[(u16, &str)]) -> (Shared, Url) {
        let state: Shared = Arc::default();
        state.lock().unwrap().answers = answers.iter().map(|(s, b)| (*s, (*b).to_owned())).collect();
        let app = axum::Router::new()
            .route("/token", axum::routing::post(token))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/token", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (state, url)
    }

    fn session() -> Session {
        let options = SessionOptions {
            insecure: false,
            cacert: None,
            client_cert: None,
            proxy: None,
            max_body: 1 << 20,
        };
        Session::new(&crate::plan::SessionPlan::default(), &options, &timeouts()).unwrap()
    }

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(5),
            total: Duration::from_secs(10),
        }
    }

    fn client(url: &Url, scope: Option<&str>) -> OAuth2Client {
        OAuth2Client {
            token_url: url.clone(),
            client_id: "my app".into(),
            client_secret: "s3c:r=t".into(),
            scope: scope.map(str::to_owned),
        }
    }

    #[tokio::test]
    async fn a_token_is_asked_for_with_basic_credentials_and_reported_as_a_secret() {
        let (state, url) = endpoint(&[(200, r#"{"access_token":"tok-1","token_type":"Bearer"}"#)]).await;
        let secrets = Mutex::new(Vec::new());
        let report = |s: &str| secrets.lock().unwrap().push(s.to_owned());
        let token = fetch(&session(), &client(&url, Some("read write")), &timeouts(), &report)
            .await
            .unwrap();
        assert_eq!(token.value, "tok-1");
        assert!(token.renew_at.is_none());
        assert_eq!(*secrets.lock().unwrap(), ["tok-1"]);
        let seen = &state.lock().unwrap().seen;
        // Each credential form-encoded, then "id:secret" in base64.
        let basic = super::super::basic_token("my+app", "s3c%3Ar%3Dt");
        assert_eq!(
            seen[..],
            [(
                format!("Basic {basic}"),
                "grant_type=client_credentials&scope=read+write".to_owned()
            )]
        );
    }

    #[tokio::test]
    async fn bad_answers_are_explained() {
        let answers = [
            (400, r#"{"error":"invalid_client"}"#),
            (200, "not json"),
            (200, r#"{"token_type":"bearer"}"#),
            (200, r#"{"access_token":""}"#),
            (200, r#"{"access_token":"t","token_type":"mac"}"#),
        ];
        let (state, url) = endpoint(&answers).await;
        let session = session();
        let mut errors = Vec::new();
        for _ in answers {
            let err = fetch(&session, &client(&url, Some("")), &timeouts(), &|_| {})
                .await
                .err()
                .unwrap();
            assert!(!err.retryable, "{}", err.message);
            errors.push(err.message.replace(url.as_str(), "URL"));
        }
        assert_eq!(
            errors[0],
            r#"OAuth2 token request to URL: the server answered 400: {"error":"invalid_client"}"#
        );
        assert!(
            errors[1].starts_with("OAuth2 token request to URL: the answer is not JSON ("),
            "{}",
            errors[1]
        );
        assert_eq!(
            errors[2],
            "OAuth2 token request to URL: the answer has no `access_token`"
        );
        assert_eq!(
            errors[3],
            "OAuth2 token request to URL: the answer has no `access_token`"
        );
        assert_eq!(
            errors[4],
            "OAuth2 token request to URL: token_type `mac` is not supported (only bearer)"
        );
        // An empty scope is not sent.
        assert_eq!(state.lock().unwrap().seen[0].1, "grant_type=client_credentials");
    }

    #[tokio::test]
    async fn tokens_are_renewed_a_little_before_they_expire() {
        let answers = [
            (200, r#"{"access_token":"a","expires_in":3600}"#),
            (200, r#"{"access_token":"b","expires_in":" 100 "}"#),
            (200, r#"{"access_token":"c","expires_in":-5}"#),
        ];
        let (_state, url) = endpoint(&answers).await;
        let session = session();
        let c = client(&url, None);
        let before = Instant::now();
        let a = fetch(&session, &c, &timeouts(), &|_| {}).await.unwrap();
        // A tenth early, at most 30 s early.
        let at = a.renew_at.unwrap();
        assert!(at >= before + Duration::from_secs(3570) && at <= Instant::now() + Duration::from_secs(3570));
        let b = fetch(&session, &c, &timeouts(), &|_| {}).await.unwrap();
        let at = b.renew_at.unwrap();
        assert!(at >= before + Duration::from_secs(90) && at <= Instant::now() + Duration::from_secs(90));
        let expired = fetch(&session, &c, &timeouts(), &|_| {}).await.unwrap();
        assert!(expired.renew_at.unwrap() <= Instant::now());
    }

    #[tokio::test]
    async fn a_token_is_shared_until_it_expires_or_is_rejected() {
        let answers = [
            (200, r#"{"access_token":"one"}"#),
            (200, r#"{"access_token":"two","expires_in":0}"#),
            (200, r#"{"access_token":"three"}"#),
        ];
        let (state, url) = endpoint(&answers).await;
        let session = session();
        let tokens = Tokens::default();
        let c = client(&url, None);
        let t = timeouts();
        let get = |rejected: Option<&'static str>| tokens.get(&session, &c, &t, &|_| {}, rejected);
        assert_eq!(get(None).await.unwrap(), "one");
        assert_eq!(get(None).await.unwrap(), "one");
        // Rejected by someone else's step, already replaced: kept.
        assert_eq!(get(Some("old")).await.unwrap(), "one");
        assert_eq!(get(Some("one")).await.unwrap(), "two");
        // Expired at once: fetched again.
        assert_eq!(get(None).await.unwrap(), "three");
        assert_eq!(state.lock().unwrap().seen.len(), 3);
    }
}
