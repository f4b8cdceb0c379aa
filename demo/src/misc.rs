//! Routes that misbehave on purpose or serve other formats: slow, flaky and
//! rate-limited answers, redirects, any status, gzip, HTML and a large body.

use std::io::Write;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use super::{MAX_KEYS, Shared, error, query_number, query_param, random_token};

/// The most items `/bulk` writes: some 16 MiB of JSON.
const MAX_BULK: usize = 200_000;

/// The longest wait `/slow` agrees to, in milliseconds.
const MAX_SLOW_MS: u64 = 60_000;

/// `GET /slow?ms=N`: waits N milliseconds (default 1000, at most 60000),
/// then answers `{"waited_ms": N}`.
pub(super) async fn slow(uri: Uri) -> Response {
    let ms = match query_number(&uri, "ms", 1000) {
        Ok(ms) => ms.min(MAX_SLOW_MS),
        Err(answer) => return answer,
    };
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Json(json!({ "waited_ms": ms })).into_response()
}

/// `GET /flaky?key=K&fail=N`: counts calls per key (default key `default`,
/// default N 1); calls 1..=N answer 503, later ones 200 `{"attempt": n}`.
pub(super) async fn flaky(State(state): State<Shared>, uri: Uri) -> Response {
    let key = query_param(&uri, "key").unwrap_or_else(|| "default".to_owned());
    let fail: u64 = match query_number(&uri, "fail", 1) {
        Ok(fail) => fail,
        Err(answer) => return answer,
    };
    let attempt = {
        let mut db = super::lock(&state);
        if db.flaky_calls.len() >= MAX_KEYS && !db.flaky_calls.contains_key(&key) {
            db.flaky_calls.clear();
        }
        let calls = db.flaky_calls.entry(key).or_insert(0);
        *calls = calls.saturating_add(1);
        *calls
    };
    if attempt <= fail {
        let body = json!({ "error": "temporarily unavailable", "attempt": attempt });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    Json(json!({ "attempt": attempt })).into_response()
}

/// `GET /limited?key=K`: the first call per key (default `default`) gets 429
/// with `Retry-After: 1`; later calls get 200 `{"ok": true}`.
pub(super) async fn limited(State(state): State<Shared>, uri: Uri) -> Response {
    let key = query_param(&uri, "key").unwrap_or_else(|| "default".to_owned());
    let first = {
        let mut db = super::lock(&state);
        if db.limited_seen.len() >= MAX_KEYS {
            db.limited_seen.clear();
        }
        db.limited_seen.insert(key)
    };
    if first {
        let body = json!({ "error": "rate limited, retry in 1 second" });
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], Json(body)).into_response();
    }
    Json(json!({ "ok": true })).into_response()
}

/// `GET /redirect?to=/path&status=302`: redirects to `to` (default `/`) with
/// `status` (301, 302, 303, 307 or 308; default 302).
pub(super) async fn redirect(uri: Uri) -> Response {
    let to = query_param(&uri, "to").unwrap_or_else(|| "/".to_owned());
    let status = match query_param(&uri, "status").as_deref() {
        None | Some("302") => StatusCode::FOUND,
        Some("301") => StatusCode::MOVED_PERMANENTLY,
        Some("303") => StatusCode::SEE_OTHER,
        Some("307") => StatusCode::TEMPORARY_REDIRECT,
        Some("308") => StatusCode::PERMANENT_REDIRECT,
        Some(_) => {
            return error(StatusCode::BAD_REQUEST, "status must be 301, 302, 303, 307 or 308");
        }
    };
    let Ok(location) = HeaderValue::from_str(&to) else {
        return error(StatusCode::BAD_REQUEST, "`to` is not a valid Location");
    };
    redirect_to(status, location)
}

/// `GET /redirect/loop`: a 302 to itself, forever.
pub(super) async fn redirect_loop() -> Response {
    redirect_to(StatusCode::FOUND, HeaderValue::from_static("/redirect/loop"))
}

fn redirect_to(status: StatusCode, location: HeaderValue) -> Response {
    let body = json!({ "redirect_to": String::from_utf8_lossy(location.as_bytes()) });
    (status, [(header::LOCATION, location)], Json(body)).into_response()
}

/// `GET /status/{code}`: answers with that status (200–599) and
/// `{"status": code, "reason": "..."}`; 204 and 304 have no body.
pub(super) async fn status(Path(code): Path<String>) -> Response {
    let status = code
        .parse::<u16>()
        .ok()
        .filter(|c| (200..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok());
    let Some(status) = status else {
        return error(StatusCode::BAD_REQUEST, "code must be a number from 200 to 599");
    };
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return status.into_response();
    }
    let reason = status.canonical_reason().unwrap_or("");
    (status, Json(json!({ "status": status.as_u16(), "reason": reason }))).into_response()
}

/// `GET /bulk?items=N`: a large JSON document, `{"items": [...]}` with N
/// (default 1000, at most 200000) numbered items of five fields, about 85
/// bytes each: what a benchmark of large bodies reads.
pub(super) async fn bulk(uri: Uri) -> Response {
    use std::fmt::Write as _;
    let items = match query_number(&uri, "items", 1000_usize) {
        Ok(n) => n.min(MAX_BULK),
        Err(answer) => return answer,
    };
    let mut body = String::with_capacity(items * 90 + 16);
    body.push_str("{\"items\":[");
    for i in 0..items {
        if i > 0 {
            body.push(',');
        }
        let active = i % 2 == 0;
        let price = i as f64 * 1.5;
        // Writing to a String cannot fail.
        let _ = write!(
            body,
            "{{\"id\":{i},\"name\":\"item-{i}\",\"price\":{price:?},\"tags\":[\"a\",\"b\"],\"active\":{active}}}"
        );
    }
    body.push_str("]}");
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `GET /gzip`: a JSON body sent gzip-compressed (`Content-Encoding: gzip`)
/// whatever the request accepts, like httpbin's.
pub(super) async fn gzip() -> Response {
    let body = json!({ "gzipped": true, "message": "this body was sent gzip-compressed" });
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail; should it ever, say so instead of panicking.
    let compressed = encoder
        .write_all(body.to_string().as_bytes())
        .and_then(|()| encoder.finish());
    match compressed {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// `GET /html`: a sign-in page whose form holds a fresh hidden `csrf` token,
/// for regex extraction examples.
pub(super) async fn html() -> Response {
    let csrf = random_token(32);
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sign in - Sortie demo</title>
</head>
<body>
  <h1>Sign in</h1>
  <form method="post" action="/echo/sign-in">
    <input type="hidden" name="csrf" value="{csrf}">
    <label>Username <input type="text" name="username"></label>
    <label>Password <input type="password" name="password"></label>
    <button type="submit">Sign in</button>
  </form>
</body>
</html>
"#
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}
