//! Demo OAuth2: a client-credentials token endpoint and a route protected by
//! its tokens, counting the tokens it issues so a collection can check that
//! a client fetched one token per session.

use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::{MAX_KEYS, Shared, error, lock, random_token};

/// The one demo client.
pub(super) const CLIENT_ID: &str = "demo-client";
pub(super) const CLIENT_SECRET: &str = "demo-secret";
/// Token lifetime, in seconds.
const LIFETIME_SECS: u64 = 3600;

/// An issued token.
#[derive(Debug, Clone)]
pub(super) struct Grant {
    scope: String,
    issued: Instant,
}

/// `POST /oauth/token` (form `grant_type=client_credentials`, optional
/// `scope`; the client in HTTP Basic or as `client_id` / `client_secret`
/// form fields): 200 `{"access_token", "token_type": "Bearer",
/// "expires_in": 3600, "scope"}`; 400 `unsupported_grant_type`; 401
/// `invalid_client`, as RFC 6749 §5.2 says.
pub(super) async fn token(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let client = basic_credentials(&headers).or_else(|| field("client_id").zip(field("client_secret")));
    if client
        .as_ref()
        .is_none_or(|(id, secret)| id != CLIENT_ID || secret != CLIENT_SECRET)
    {
        return error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let scope = field("scope").unwrap_or_default();
    let token = random_token(32);
    {
        let mut db = lock(&state);
        if db.grants.len() >= MAX_KEYS {
            db.grants.clear();
        }
        db.grants.insert(
            token.clone(),
            Grant {
                scope: scope.clone(),
                issued: Instant::now(),
            },
        );
        db.tokens_issued += 1;
    }
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": LIFETIME_SECS,
            "scope": scope,
        })),
    )
        .into_response()
}

/// `GET /oauth/resource` (a token from `/oauth/token`): `{"client_id",
/// "scope", "tokens_issued"}`, the last being how many tokens this server
/// has issued so far; 401 with `WWW-Authenticate: Bearer` otherwise.
pub(super) async fn resource(State(state): State<Shared>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let db = lock(&state);
    let grant = token
        .and_then(|t| db.grants.get(t))
        .filter(|g| g.issued.elapsed().as_secs() < LIFETIME_SECS);
    let Some(grant) = grant else {
        return super::accounts::unauthorized("Bearer error=\"invalid_token\"", "invalid_token");
    };
    Json(json!({
        "client_id": CLIENT_ID,
        "scope": grant.scope,
        "tokens_issued": db.tokens_issued,
    }))
    .into_response()
}

/// `client_id:client_secret` from `Authorization: Basic`, form-decoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}
