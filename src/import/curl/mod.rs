//! `sortie import curl`: curl command lines, as API docs print them (shell
//! quoting, `\` line continuations, several commands in one file) → steps.
//! Quoting is undone by `shell-words`, as a POSIX shell would.

use serde_json::{Map, Value, json};

mod options;

use options::{Curl, Data, parse};

use super::{Credentials, Draft, DraftStep, is_credential_header, literal, literal_json, split_origin};
use crate::diagnostic::Diagnostic;

/// One command line and where it starts (`file:line`, or `argument 2`).
pub(crate) struct Command {
    pub place: String,
    pub words: Vec<String>,
    /// The comment line right above the command: the step's name.
    pub comment: Option<String>,
}

/// Splits a text into curl commands: lines joined by `\` continuations and by
/// quotes left open; blank lines, `#` comments and a leading `$ ` prompt skipped.
pub(crate) fn commands(text: &str, display: &str) -> Result<Vec<Command>, Diagnostic> {
    let mut out = Vec::new();
    let mut buffer = String::new();
    let mut start = 0;
    let mut comment: Option<String> = None;
    // Split on `\n` only: a carriage return inside a quoted body (a multipart
    // body's CRLFs) is part of it; one before a line break outside quotes is a
    // delimiter to the shell anyway.
    let lines: Vec<&str> = text.strip_suffix('\n').unwrap_or(text).split('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let line = if raw.trim_end_matches('\r').ends_with('\\') {
            raw.trim_end_matches('\r')
        } else {
            raw
        };
        if buffer.is_empty() {
            let t = line.trim();
            if t.is_empty() {
                comment = None;
                continue;
            }
            if let Some(c) = t.strip_prefix('#') {
                comment = Some(c.trim().to_owned()).filter(|c| !c.is_empty() && !c.starts_with('!'));
                continue;
            }
            start = i + 1;
        }
        buffer.push_str(line);
        buffer.push('\n');
        let continued = line.trim_end().ends_with('\\');
        if continued && i + 1 < lines.len() {
            continue;
        }
        match shell_words::split(&buffer) {
            Ok(words) => {
                let mut cmd = command(words, format!("{display}:{start}"))?;
                cmd.comment = comment.take();
                out.push(cmd);
                buffer.clear();
            }
            // A quote left open: the command goes on (a JSON body over several lines).
            Err(_) if i + 1 < lines.len() => {}
            Err(_) => {
                return Err(Diagnostic::new(format!(
                    "{display}:{start}: the curl command starting here has a quote that is never closed"
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(Diagnostic::new(format!("{display}: no curl command found")));
    }
    Ok(out)
}

/// One command given as an argument.
pub(crate) fn argument(text: &str, place: String) -> Result<Command, Diagnostic> {
    let joined = text.replace("\\\r\n", " ").replace("\\\n", " ");
    let words = shell_words::split(&joined)
        .map_err(|_| Diagnostic::new(format!("{place}: the curl command has a quote that is never closed")))?;
    command(words, place)
}

fn command(mut words: Vec<String>, place: String) -> Result<Command, Diagnostic> {
    if words.first().is_some_and(|w| w == "$") {
        words.remove(0);
    }
    match words.first().map(String::as_str) {
        Some("curl" | "curl.exe") => {
            words.remove(0);
            Ok(Command {
                place,
                words,
                comment: None,
            })
        }
        Some(other) => Err(Diagnostic::new(format!(
            "{place}: expected a curl command, found `{}`",
            crate::text::cut(other, 40)
        ))
        .with_help("each command starts with `curl`; continue long ones with a `\\` at the end of the line")),
        None => Err(Diagnostic::new(format!("{place}: empty command"))),
    }
}

/// Imports curl commands into one collection.
pub(crate) fn import(commands: &[Command]) -> Result<Draft, Diagnostic> {
    let mut draft = Draft::default();
    let mut creds = Credentials::default();
    let parsed = commands
        .iter()
        .map(|c| Ok((c, parse(c)?)))
        .collect::<Result<Vec<_>, Diagnostic>>()?;
    let mut base: Option<String> = None;
    let mut insecure = false;
    let mut http2 = false;
    for (cmd, c) in &parsed {
        let Some(url) = &c.url else {
            return Err(Diagnostic::new(format!("{}: the curl command has no URL", cmd.place)));
        };
        let url = if url.contains("://") {
            url.clone()
        } else {
            format!("http://{url}")
        };
        let Some((origin, rest)) = split_origin(&url) else {
            return Err(Diagnostic::new(format!("{}: `{url}` is not an http(s) URL", cmd.place)));
        };
        if base.is_none() {
            base = Some(origin.clone());
        }
        insecure |= c.insecure;
        http2 |= c.http2;
        let target = if base.as_deref() == Some(origin.as_str()) {
            rest
        } else {
            format!("{origin}{rest}")
        };
        let mut step = step(c, &target, &mut creds, &cmd.place)?;
        if let Some(name) = &cmd.comment {
            step.fields.insert(0, ("name".to_owned(), Value::String(literal(name))));
        }
        let mut notes = Vec::new();
        if !c.unsupported.is_empty() {
            notes.push(format!("not imported: {}", c.unsupported.join(", ")));
        }
        if !c.ignored.is_empty() {
            notes.push(format!(
                "ignored (they change only curl's output or transport): {}",
                c.ignored.join(", ")
            ));
        }
        for n in &notes {
            step.comments.push(format!("{}: {n}", cmd.place));
            draft.notes.push(format!("{}: {n}", cmd.place));
        }
        draft.steps.push(step);
    }
    if let Some(base) = base {
        draft.set("base_url", Value::String(super::base_url(&base)));
    }
    let mut defaults = Map::new();
    if insecure {
        defaults.insert("tls".into(), json!({ "insecure": true }));
    }
    if http2 {
        defaults.insert("http2".into(), Value::Bool(true));
    }
    if !defaults.is_empty() {
        draft.set("defaults", Value::Object(defaults));
    }
    draft.add_credentials(&creds);
    Ok(draft)
}

fn step(c: &Curl, url: &str, creds: &mut Credentials, place: &str) -> Result<DraftStep, Diagnostic> {
    let has_body = !c.data.is_empty() || !c.json.is_empty() || !c.form.is_empty() || c.upload.is_some();
    let method = c.method.clone().unwrap_or_else(|| {
        if c.head {
            "HEAD".into()
        } else if c.upload.is_some() {
            "PUT".into()
        } else if has_body && !c.get {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    let mut request = Map::new();
    let mut headers: Vec<(String, String)> = c.headers.clone();
    let header = |headers: &[(String, String)], name: &str| {
        headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let remove =
        |headers: &mut Vec<(String, String)>, name: &str| headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    if method != "GET" {
        request.insert("method".into(), Value::String(method));
    }
    let mut url = env_refs(&literal(url), creds);
    let mut body: Option<(&str, Value)> = None;
    if !c.json.is_empty() {
        let text = c.json.concat();
        if header(&headers, "accept").is_none() {
            headers.push(("Accept".into(), "application/json".into()));
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                remove(&mut headers, "content-type");
                body = Some(("json", literal_json(&v)));
            }
            Err(_) => {
                if header(&headers, "content-type").is_none() {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
                body = Some(("body", Value::String(literal(&text))));
            }
        }
    } else if !c.form.is_empty() {
        let parts = c
            .form
            .iter()
            .map(|(name, value, files)| part(name, value, *files))
            .collect();
        remove(&mut headers, "content-type");
        body = Some(("multipart", Value::Array(parts)));
    } else if let Some(path) = &c.upload {
        body = Some(("body_file", Value::String(literal(path))));
    } else if !c.data.is_empty() {
        if let [Data::File(path)] = c.data.as_slice() {
            if c.get {
                return Err(Diagnostic::new(format!(
                    "{place}: -G with a data file is not supported"
                )));
            }
            if header(&headers, "content-type").is_none() {
                headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
            }
            body = Some(("body_file", Value::String(literal(path))));
        } else {
            let text = c
                .data
                .iter()
                .map(|d| match d {
                    Data::Text(t) | Data::Encoded(t) => t.clone(),
                    Data::File(p) => format!("@{p}"),
                })
                .collect::<Vec<_>>()
                .join("&");
            if c.get {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&literal(&text));
            } else {
                let content_type = header(&headers, "content-type");
                let ct = content_type
                    .as_deref()
                    .unwrap_or("application/x-www-form-urlencoded")
                    .to_ascii_lowercase();
                if ct.contains("json")
                    && let Ok(v) = serde_json::from_str::<Value>(&text)
                {
                    if ct == "application/json" {
                        remove(&mut headers, "content-type");
                    }
                    body = Some(("json", literal_json(&v)));
                } else if ct.starts_with("application/x-www-form-urlencoded")
                    && let Some(form) = form_pairs(&text)
                {
                    remove(&mut headers, "content-type");
                    body = Some(("form", form));
                } else {
                    if content_type.is_none() {
                        headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
                    }
                    body = Some(("body", Value::String(literal(&text))));
                }
            }
        }
    }
    request.insert("url".into(), Value::String(url));
    // Credentials: auth when the scheme has one, else a secret variable.
    let mut auth = None;
    if let Some(user) = &c.user {
        let (name, password) = user.split_once(':').unwrap_or((user.as_str(), ""));
        let scheme = if c.digest { "digest" } else { "basic" };
        // `-u KEY:` (Stripe and others): the user name is the credential.
        let (username, password) = if password.is_empty() && whole_env_ref(name).is_none() {
            (secret(creds, "api_key", name), String::new())
        } else {
            (env_refs(&literal(name), creds), secret(creds, "password", password))
        };
        auth = Some(json!({ scheme: { "username": username, "password": password } }));
    } else if let Some(token) = &c.bearer {
        auth = Some(json!({ "bearer": secret(creds, "token", token) }));
    }
    let mut kept = Map::new();
    for (name, value) in &headers {
        if name.eq_ignore_ascii_case("authorization")
            && auth.is_none()
            && let Some(a) = authorization(value, creds)
        {
            auth = Some(a);
            continue;
        }
        let v = if is_credential_header(name) && !value.is_empty() {
            secret(creds, name, value)
        } else {
            env_refs(&literal(value), creds)
        };
        kept.insert(name.clone(), Value::String(v));
    }
    if !c.cookies.is_empty() {
        let cookie = c.cookies.join("; ");
        kept.insert("Cookie".into(), Value::String(secret(creds, "cookie", &cookie)));
    }
    if !kept.is_empty() {
        request.insert("headers".into(), Value::Object(kept));
    }
    if let Some(a) = auth {
        request.insert("auth".into(), a);
    }
    if let Some((key, value)) = body {
        request.insert(key.into(), value);
    }
    let mut timeout = Map::new();
    if let Some(t) = &c.connect_timeout {
        timeout.insert("connect".into(), Value::String(seconds(t)));
    }
    if let Some(t) = &c.max_time {
        timeout.insert("total".into(), Value::String(seconds(t)));
    }
    if !timeout.is_empty() {
        request.insert("timeout".into(), Value::Object(timeout));
    }
    if let Some(n) = c.retry {
        request.insert("retry".into(), json!({ "attempts": (n + 1).min(100) }));
    }
    // curl follows no redirect without -L; Sortie follows up to 10 by default.
    if !c.location {
        request.insert("follow_redirects".into(), Value::Bool(false));
    } else if let Some(n) = c.max_redirs {
        request.insert("follow_redirects".into(), json!(n.min(100)));
    }
    let mut s = DraftStep::default();
    s.set("request", Value::Object(request));
    Ok(s)
}

/// `Authorization: Bearer x` / `Basic base64` → `auth`, its secret moved out.
fn authorization(value: &str, creds: &mut Credentials) -> Option<Value> {
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(json!({ "bearer": secret(creds, "token", rest) }));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        return Some(
            json!({ "basic": { "username": literal(user), "password": secret(creds, "password", password) } }),
        );
    }
    None
}

/// A credential as a template: an environment reference as written (`$TOKEN`)
/// reads that variable; a literal value is moved to a secret variable.
fn secret(creds: &mut Credentials, hint: &str, value: &str) -> String {
    if let Some(env) = whole_env_ref(value) {
        return creds.variable_from_env(&env.to_ascii_lowercase(), env);
    }
    creds.variable(hint, value)
}

/// `$NAME` or `${NAME}`, the whole value.
fn whole_env_ref(value: &str) -> Option<&str> {
    let name = value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| value.strip_prefix('$'))?;
    is_env_name(name).then_some(name)
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `$NAME` and `${NAME}` in a header, URL or user name (docs write them for the
/// reader's own values, Sortie's `--curl` for secrets) → a secret variable
/// reading `NAME` from the environment (`{{ name }}`).
fn env_refs(text: &str, creds: &mut Credentials) -> String {
    let re = regex::Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)").expect("a valid regex");
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        creds.variable_from_env(&name.to_ascii_lowercase(), name)
    })
    .into_owned()
}

/// `a=1&b=x%20y` → `{ a: "1", b: "x y" }`; None when the text is not plain pairs.
fn form_pairs(text: &str) -> Option<Value> {
    let mut map = Map::new();
    for piece in text.split('&') {
        let (k, _) = piece.split_once('=')?;
        if k.is_empty() || k.starts_with('[') || k.contains(['{', '"', ' ', '<']) {
            return None;
        }
    }
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        if map.contains_key(k.as_ref()) {
            return None;
        }
        map.insert(k.into_owned(), Value::String(literal(&v)));
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// One `-F` part.
fn part(name: &str, value: &str, files: bool) -> Value {
    let mut p = Map::new();
    p.insert("name".into(), Value::String(literal(name)));
    if files && let Some(spec) = value.strip_prefix('@') {
        let mut fields = spec.split(';');
        let path = fields.next().unwrap_or_default();
        p.insert("file".into(), Value::String(literal(path)));
        for f in fields {
            match f.split_once('=') {
                Some(("type", t)) => {
                    p.insert("content_type".into(), Value::String(literal(t)));
                }
                Some(("filename", n)) => {
                    p.insert("filename".into(), Value::String(literal(n.trim_matches('"'))));
                }
                _ => {}
            }
        }
    } else if files && let Some(path) = value.strip_prefix('<') {
        let path = path.split(';').next().unwrap_or_default();
        p.insert(
            "value".into(),
            Value::String(format!(
                "{{{{ read_file({}) }}}}",
                serde_json::to_string(path).unwrap_or_default()
            )),
        );
    } else {
        let (text, ct) = match value.split_once(";type=") {
            Some((t, ct)) if files => (t, Some(ct)),
            _ => (value, None),
        };
        p.insert("value".into(), Value::String(literal(text)));
        if let Some(ct) = ct {
            p.insert("content_type".into(), Value::String(literal(ct)));
        }
    }
    Value::Object(p)
}

/// curl's timeouts are seconds (`5`, `2.5`).
fn seconds(t: &str) -> String {
    match t.parse::<f64>() {
        Ok(s) => format!("{}ms", (s * 1000.0).round() as u64),
        Err(_) => t.to_owned(),
    }
}
