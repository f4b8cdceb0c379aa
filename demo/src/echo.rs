//! Routes that mirror the request back: `/echo` and `/cookies`, so a test can
//! assert exactly what a client sent.

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{error, query_pairs, request_cookies};

/// `ANY /echo` and `ANY /echo/...`: 200 with what was received:
/// `{"method", "path", "query": [[k, v], ...], "headers": {name: value},
/// "cookies": {name: value}, "body": text, "json": parsed or null,
/// "form": {name: value} or null}`.
///
/// Header names are lowercase; a repeated header's values are joined with
/// `, `. `json` is the body parsed as JSON whatever its content type; `form`
/// is set for `application/x-www-form-urlencoded` bodies, and a repeated form
/// field becomes a list of its values.
pub(super) async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let query: Vec<Value> = query_pairs(&uri)
        .into_iter()
        .map(|(key, value)| json!([key, value]))
        .collect();

    let mut header_map = Map::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let separator = if name == header::COOKIE { "; " } else { ", " };
        header_map.insert(name.as_str().to_owned(), values.join(separator).into());
    }

    let json_body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let form = if is_form { parse_form(&body) } else { Value::Null };

    Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": query,
        "headers": header_map,
        "cookies": request_cookies(&headers),
        "body": String::from_utf8_lossy(&body),
        "json": json_body,
        "form": form,
    }))
    .into_response()
}

/// A url-encoded form as a map; repeated fields become lists.
fn parse_form(body: &[u8]) -> Value {
    let mut form = Map::new();
    for (key, value) in form_urlencoded::parse(body).into_owned() {
        match form.get_mut(&key) {
            None => {
                form.insert(key, Value::from(value));
            }
            Some(Value::Array(values)) => values.push(value.into()),
            Some(first) => *first = json!([first.take(), value]),
        }
    }
    Value::Object(form)
}

/// `GET /cookies`: `{"cookies": {name: value}}` as the request sent them.
pub(super) async fn cookies(headers: HeaderMap) -> Json<Value> {
    Json(json!({ "cookies": request_cookies(&headers) }))
}

/// `GET /cookies/set?name=value&...`: sets each pair as a cookie (`Path=/`)
/// and answers `{"cookies": ...}` with the request's cookies updated by them;
/// 400 when a name or value is not allowed in a cookie.
pub(super) async fn set_cookies(uri: Uri, headers: HeaderMap) -> Response {
    let mut cookies = request_cookies(&headers);
    let mut set = HeaderMap::new();
    for (name, value) in query_pairs(&uri) {
        if !valid_cookie(&name, &value) {
            let message = format!("`{name}={value}` is not a valid cookie");
            return error(StatusCode::BAD_REQUEST, &message);
        }
        // Valid cookie octets are visible ASCII, so this cannot fail.
        if let Ok(line) = format!("{name}={value}; Path=/").parse() {
            set.append(header::SET_COOKIE, line);
        }
        cookies.insert(name, value.into());
    }
    (set, Json(json!({ "cookies": cookies }))).into_response()
}

/// RFC 6265: a name is a token, a value is cookie-octets.
fn valid_cookie(name: &str, value: &str) -> bool {
    const SEPARATORS: &[u8] = b"()<>@,;:\\\"/[]?={} \t";
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !SEPARATORS.contains(&b));
    let value_ok = value.bytes().all(|b| b.is_ascii_graphic() && !b"\",;\\".contains(&b));
    name_ok && value_ok
}
