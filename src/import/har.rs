//! `sortie import har FILE`: a HAR export of a browser's developer tools →
//! one step per entry, static assets and other hosts filtered out, the
//! headers a browser adds by itself dropped, credentials moved into secrets
//! (or captured from the response that issued them), the recorded status
//! expected.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{
    Credentials, Draft, DraftStep, Failure, base_url, is_credential_header, literal, literal_json, split_origin,
};
use crate::diagnostic::Diagnostic;

/// Headers a browser or the HTTP stack adds by itself: the session sends its own.
const BROWSER_HEADERS: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "accept-encoding",
    "accept-language",
    "user-agent",
    "origin",
    "referer",
    "upgrade-insecure-requests",
    "cache-control",
    "pragma",
    "dnt",
    "priority",
    "te",
    "keep-alive",
    "if-none-match",
    "if-modified-since",
    "purpose",
    "sec-purpose",
    "x-client-data",
];

/// Fields of a body whose values are credentials.
const CREDENTIAL_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "otp",
];

/// Reads a HAR file and imports it.
pub(crate) fn import_file(path: &Path, hosts: &[String], assets: bool) -> Result<Draft, Failure> {
    let (doc, _sources) = super::read_json(path, "HAR file")?;
    import(&doc, &path.display().to_string(), hosts, assets).map_err(Failure::from)
}

/// One entry worth a step, with its place in the file.
struct Entry<'a> {
    index: usize,
    request: &'a Value,
    response: &'a Value,
}

pub(crate) fn import(doc: &Value, display: &str, hosts: &[String], assets: bool) -> Result<Draft, Diagnostic> {
    let entries = doc
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .ok_or_else(|| Diagnostic::new(format!("{display}: not a HAR file: it has no `log.entries` list")))?;
    let mut draft = Draft::default();
    let mut kept = Vec::new();
    let (mut asset_count, mut preflights, mut other_hosts, mut failed) = (0, 0, 0, 0);
    for (index, e) in entries.iter().enumerate() {
        let place = format!("{display}: log.entries[{index}]");
        let request = e
            .get("request")
            .filter(|r| r.is_object())
            .ok_or_else(|| Diagnostic::new(format!("{place}: no `request`")))?;
        let url = request
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| Diagnostic::new(format!("{place}.request: no `url`")))?;
        let response = e.get("response").unwrap_or(&Value::Null);
        let Some((_, _)) = split_origin(url) else {
            // data:, blob:, chrome-extension: and the like were never sent over HTTP.
            asset_count += 1;
            continue;
        };
        let host = url::Url::parse(url).ok().map(|u| {
            let h = u.host_str().unwrap_or("").to_owned();
            (
                h.clone(),
                u.port().map_or(h, |p| format!("{}:{p}", u.host_str().unwrap_or(""))),
            )
        });
        if !hosts.is_empty()
            && !host.as_ref().is_some_and(|(h, hp)| {
                hosts
                    .iter()
                    .any(|want| want.eq_ignore_ascii_case(h) || want.eq_ignore_ascii_case(hp))
            })
        {
            other_hosts += 1;
            continue;
        }
        let method = request.get("method").and_then(Value::as_str).unwrap_or("GET");
        if method.eq_ignore_ascii_case("OPTIONS") && header(request, "access-control-request-method").is_some() {
            preflights += 1;
            continue;
        }
        if !assets && is_asset(e, url) {
            asset_count += 1;
            continue;
        }
        if response.get("status").and_then(Value::as_u64).unwrap_or(0) == 0 {
            failed += 1;
            continue;
        }
        kept.push(Entry {
            index,
            request,
            response,
        });
    }
    let mut left_out = Vec::new();
    for (n, what) in [
        (
            asset_count,
            "static assets (images, scripts, stylesheets, fonts, media; --assets keeps them)",
        ),
        (preflights, "CORS preflight requests (the browser's, not the page's)"),
        (other_hosts, "entries to hosts not named by --host"),
        (failed, "entries that got no response (blocked or cancelled)"),
    ] {
        if n > 0 {
            left_out.push(format!("{n} {what}"));
        }
    }
    if !left_out.is_empty() {
        let note = format!("{display}: left out {}", left_out.join(", "));
        draft
            .header
            .push(format!("Imported from {display}; left out {}.", left_out.join(", ")));
        draft.notes.push(note);
    }
    if kept.is_empty() {
        return Err(Diagnostic::new(format!(
            "{display}: no request left to import: left out {}",
            left_out.join(", ")
        ))
        .with_help("`--host HOST` keeps one host's requests, `--assets` keeps static assets"));
    }
    let base = kept
        .first()
        .and_then(|e| e.request.get("url").and_then(Value::as_str))
        .and_then(split_origin)
        .map(|(o, _)| o);
    if let Some(base) = &base {
        draft.set("base_url", Value::String(base_url(base)));
    }
    let mut moved = Moved::default();
    // Cookies set by a recorded response: the session sends them, not the step.
    let mut session_cookies: Vec<String> = Vec::new();
    for (i, e) in kept.iter().enumerate() {
        let mut step = step(
            e,
            base.as_deref(),
            &mut moved,
            &session_cookies,
            &mut draft.notes,
            display,
        );
        // What this response issues (a token in its JSON body) may be captured by a later step.
        if let Some(text) = e.response.pointer("/content/text").and_then(Value::as_str)
            && let Ok(body) = serde_json::from_str::<Value>(text)
        {
            moved.issued.push((i, body));
        }
        for c in set_cookies(e.response) {
            if !session_cookies.contains(&c) {
                session_cookies.push(c);
            }
        }
        step.comments.insert(0, format!("{display}: log.entries[{}]", e.index));
        draft.steps.push(step);
    }
    moved.apply(&mut draft);
    draft.add_credentials(&moved.creds);
    Ok(draft)
}

fn is_asset(entry: &Value, url: &str) -> bool {
    const TYPES: &[&str] = &[
        "image",
        "stylesheet",
        "script",
        "font",
        "media",
        "manifest",
        "texttrack",
        "ping",
    ];
    if let Some(t) = entry.get("_resourceType").and_then(Value::as_str) {
        return TYPES.contains(&t.to_ascii_lowercase().as_str());
    }
    let mime = entry
        .pointer("/response/content/mimeType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    if [
        "image/",
        "font/",
        "video/",
        "audio/",
        "text/css",
        "javascript",
        "ecmascript",
    ]
    .iter()
    .any(|m| mime.contains(m))
    {
        return true;
    }
    let path = url.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
    [
        ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".css", ".js", ".mjs", ".map", ".woff", ".woff2",
        ".ttf", ".otf", ".mp4", ".webm", ".mp3",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
}

fn header<'a>(message: &'a Value, name: &str) -> Option<&'a str> {
    message.get("headers")?.as_array()?.iter().find_map(|h| {
        let n = h.get("name")?.as_str()?;
        n.eq_ignore_ascii_case(name).then(|| h.get("value")?.as_str()).flatten()
    })
}

/// The cookie names a response sets.
fn set_cookies(response: &Value) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(cookies) = response.get("cookies").and_then(Value::as_array) {
        names.extend(
            cookies
                .iter()
                .filter_map(|c| c.get("name")?.as_str().map(str::to_owned)),
        );
    }
    if let Some(headers) = response.get("headers").and_then(Value::as_array) {
        for h in headers {
            if h.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case("set-cookie"))
                && let Some(v) = h.get("value").and_then(Value::as_str)
            {
                for line in v.lines() {
                    if let Some((name, _)) = line.split(';').next().unwrap_or("").split_once('=') {
                        names.push(name.trim().to_owned());
                    }
                }
            }
        }
    }
    names
}

/// Credentials moved out of the steps: read from the environment, or captured
/// from the earlier response that issued them.
#[derive(Default)]
struct Moved {
    creds: Credentials,
    /// JSON response bodies so far, by step index.
    issued: Vec<(usize, Value)>,
    /// Captures to add: (step index, variable, JSONPath).
    captures: Vec<(usize, String, String)>,
}

impl Moved {
    /// A credential's template: `{{ token }}` after `extract: { token: $.token }`
    /// on the step whose response held it, else a variable read from the environment.
    fn credential(&mut self, hint: &str, value: &str) -> String {
        if let Some(name) = self.creds.known(value) {
            return format!("{{{{ {name} }}}}");
        }
        for (step, body) in self.issued.iter().rev() {
            if let Some(path) = find_string(body, value, "$") {
                let existing = self.captures.iter().find(|(s, _, p)| s == step && *p == path);
                let name = match existing {
                    Some((_, name, _)) => name.clone(),
                    None => {
                        let mut name = capture_name(hint, &path);
                        while self.creds.vars.iter().any(|(v, _)| *v == name)
                            || self.captures.iter().any(|(_, n, _)| *n == name)
                        {
                            name.push('_');
                        }
                        self.captures.push((*step, name.clone(), path));
                        name
                    }
                };
                return format!("{{{{ {name} }}}}");
            }
        }
        self.creds.variable(hint, value)
    }

    /// Adds the captures found to the steps that issued the values.
    fn apply(&self, draft: &mut Draft) {
        for (step, name, path) in &self.captures {
            let Some(s) = draft.steps.get_mut(*step) else { continue };
            if !s.fields.iter().any(|(k, _)| k == "extract") {
                s.fields.push(("extract".into(), Value::Object(Map::new())));
            }
            if let Some((_, Value::Object(m))) = s.fields.iter_mut().find(|(k, _)| k == "extract") {
                m.entry(name.clone()).or_insert(Value::String(path.clone()));
            }
        }
    }
}

/// The variable a captured credential goes into: the key it was found under.
fn capture_name(hint: &str, path: &str) -> String {
    let last = path.rsplit(['.', '[']).next().unwrap_or(hint);
    let clean: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase();
    if clean.is_empty() || clean.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        hint.to_ascii_lowercase().replace('-', "_")
    } else {
        clean
    }
}

/// The JSONPath of the first string leaf equal to `value` (at least 8 characters: a
/// short value would match by chance).
fn find_string(doc: &Value, value: &str, at: &str) -> Option<String> {
    if value.len() < 8 {
        return None;
    }
    match doc {
        Value::String(s) if s == value => Some(at.to_owned()),
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let key = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !k.is_empty() {
                format!("{at}.{k}")
            } else {
                format!(
                    "{at}[{}]",
                    serde_json::to_string(k).unwrap_or_default().replace('"', "'")
                )
            };
            find_string(v, value, &key)
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_string(v, value, &format!("{at}[{i}]"))),
        _ => None,
    }
}

fn step(
    e: &Entry<'_>,
    base: Option<&str>,
    moved: &mut Moved,
    session_cookies: &[String],
    notes: &mut Vec<String>,
    display: &str,
) -> DraftStep {
    let mut comments = Vec::new();
    let r = e.request;
    let place = format!("{display}: log.entries[{}]", e.index);
    let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
    let (origin, rest) = split_origin(url).unwrap_or_default();
    let target = if Some(origin.as_str()) == base {
        rest
    } else {
        format!("{origin}{rest}")
    };
    let mut request = Map::new();
    let method = r
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    if method != "GET" {
        request.insert("method".into(), Value::String(method));
    }
    request.insert("url".into(), Value::String(query_secrets(&literal(&target), moved)));
    let mime = r
        .pointer("/postData/mimeType")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let text = r.pointer("/postData/text").and_then(Value::as_str);
    let mut body: Option<(&str, Value)> = None;
    let mut body_sets_type = false;
    let base_mime = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if base_mime.contains("json")
        && let Some(v) = text.and_then(|t| serde_json::from_str::<Value>(t).ok())
    {
        body_sets_type = base_mime == "application/json";
        body = Some(("json", redact_fields(&literal_json(&v), moved)));
    } else if base_mime == "application/x-www-form-urlencoded" && text.is_some() {
        let mut form = Map::new();
        for (k, v) in form_urlencoded::parse(text.unwrap_or("").as_bytes()) {
            let value = if is_credential_field(&k) {
                moved.credential(&k, &v)
            } else {
                literal(&v)
            };
            form.insert(k.into_owned(), Value::String(value));
        }
        body_sets_type = true;
        body = Some(("form", Value::Object(form)));
    } else if base_mime == "multipart/form-data" {
        let params = r
            .pointer("/postData/params")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut parts = Vec::new();
        for p in &params {
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
            let mut part = Map::new();
            part.insert("name".into(), Value::String(literal(name)));
            if let Some(file) = p.get("fileName").and_then(Value::as_str) {
                // A HAR holds no uploaded file: the part is kept empty, and said so.
                let note = format!(
                    "{place}: multipart part `{name}` uploaded `{file}`, which a HAR does not hold: give it a `file:`"
                );
                notes.push(note.clone());
                comments.push(note);
                part.insert("value".into(), Value::String(String::new()));
                part.insert("filename".into(), Value::String(literal(file)));
            } else {
                let v = p.get("value").and_then(Value::as_str).unwrap_or_default();
                part.insert("value".into(), Value::String(literal(v)));
            }
            parts.push(Value::Object(part));
        }
        body_sets_type = true;
        body = Some(("multipart", Value::Array(parts)));
    } else if let Some(t) = text.filter(|t| !t.is_empty()) {
        body = Some(("body", Value::String(literal(t))));
    }
    let mut headers = Map::new();
    let mut auth = None;
    for h in r.get("headers").and_then(Value::as_array).into_iter().flatten() {
        let (Some(name), Some(value)) = (
            h.get("name").and_then(Value::as_str),
            h.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        if name.starts_with(':') || BROWSER_HEADERS.contains(&lower.as_str()) || lower.starts_with("sec-") {
            continue;
        }
        if lower == "content-type" && body_sets_type {
            continue;
        }
        // The browser's own defaults, not the page's choice.
        if lower == "accept" && (value == "*/*" || value.starts_with("text/html,application/xhtml+xml")) {
            continue;
        }
        if lower == "cookie" {
            let own: Vec<String> = value
                .split(';')
                .map(str::trim)
                .filter(|c| {
                    let name = c.split('=').next().unwrap_or("");
                    !c.is_empty() && !session_cookies.iter().any(|s| s == name)
                })
                .map(|c| {
                    let (n, v) = c.split_once('=').unwrap_or((c, ""));
                    format!("{n}={}", moved.credential(&format!("cookie_{n}"), v))
                })
                .collect();
            if !own.is_empty() {
                headers.insert("Cookie".into(), Value::String(own.join("; ")));
            }
            continue;
        }
        if lower == "authorization" {
            if let Some(token) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")) {
                auth = Some(json!({ "bearer": moved.credential("token", token.trim()) }));
                continue;
            }
            if let Some(b64) = value.strip_prefix("Basic ")
                && let Some((user, password)) = basic(b64)
            {
                auth = Some(
                    json!({ "basic": { "username": literal(&user), "password": moved.credential("password", &password) } }),
                );
                continue;
            }
        }
        let v = if is_credential_header(name) {
            moved.credential(name, value)
        } else {
            literal(value)
        };
        headers.insert(name.to_owned(), Value::String(v));
    }
    if !headers.is_empty() {
        request.insert("headers".into(), Value::Object(headers));
    }
    if let Some(a) = auth {
        request.insert("auth".into(), a);
    }
    if let Some((k, v)) = body {
        request.insert(k.into(), v);
    }
    let status = e.response.get("status").and_then(Value::as_u64).unwrap_or(200);
    // The browser recorded a redirect and then its target, as two entries.
    if (300..400).contains(&status) {
        request.insert("follow_redirects".into(), Value::Bool(false));
    }
    let mut s = DraftStep {
        comments,
        ..DraftStep::default()
    };
    s.set("request", Value::Object(request));
    s.set("expect", json!({ "status": status }));
    s
}

fn basic(b64: &str) -> Option<(String, String)> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

fn is_credential_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    CREDENTIAL_FIELDS.contains(&n.as_str())
}

/// A JSON body with its credential fields moved out.
fn redact_fields(v: &Value, moved: &mut Moved) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let nv = match v {
                        Value::String(s) if is_credential_field(k) && !s.is_empty() => {
                            Value::String(moved.credential(k, s))
                        }
                        other => redact_fields(other, moved),
                    };
                    (k.clone(), nv)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| redact_fields(i, moved)).collect()),
        other => other.clone(),
    }
}

/// Credentials in the query (`?access_token=…`) moved out, like headers.
fn query_secrets(target: &str, moved: &mut Moved) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_owned();
    };
    let pieces: Vec<String> = query
        .split('&')
        .map(|piece| match piece.split_once('=') {
            Some((k, v)) if is_credential_field(k) || k.eq_ignore_ascii_case("key") => {
                let decoded = percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned();
                format!("{k}={}", moved.credential(k, &decoded))
            }
            _ => piece.to_owned(),
        })
        .collect();
    format!("{path}?{}", pieces.join("&"))
}
