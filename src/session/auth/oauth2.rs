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
