//! `sortie import postman FILE [--environment FILE]`: a Postman v2.1 (or
//! v2.0) collection → folders as groups, collection and environment variables
//! as `vars`, `{{var}}` placeholders as templates, auth and bodies of every
//! mode mapped. Scripts cannot be converted: each is kept as a comment where
//! it was, and counted (a `pm.response.to.have.status(N)` test also becomes
//! `expect.status`).

use std::path::Path;

use serde_json::{Map, Value, json};

mod body;

use body::body_of;

use super::{Credentials, Draft, DraftStep, Failure, base_url, literal, split_origin};
use crate::diagnostic::Diagnostic;

/// Reads the collection (and environment) files and imports them.
pub(crate) fn import_files(path: &Path, environment: Option<&Path>) -> Result<Draft, Failure> {
    let (doc, _) = super::read_json(path, "Postman collection")?;
    let env = match environment {
        Some(p) => Some(super::read_json(p, "Postman environment")?.0),
        None => None,
    };
    import(&doc, env.as_ref(), &path.display().to_string()).map_err(Failure::from)
}

struct Cx {
    creds: Credentials,
    notes: Vec<String>,
    scripts: usize,
    /// The origin requests with an absolute URL share, made relative to `base_url`.
    base: Option<String>,
    display: String,
}

pub(crate) fn import(doc: &Value, env: Option<&Value>, display: &str) -> Result<Draft, Diagnostic> {
    let info = doc
        .get("info")
        .ok_or_else(|| Diagnostic::new(format!("{display}: not a Postman collection: it has no `info`")))?;
    let items = doc
        .get("item")
        .and_then(Value::as_array)
        .ok_or_else(|| Diagnostic::new(format!("{display}: not a Postman collection: it has no `item` list")))?;
    if let Some(schema) = info.get("schema").and_then(Value::as_str)
        && !schema.contains("/v2.")
    {
        return Err(Diagnostic::new(format!(
            "{display}: only Postman collections v2.0 and v2.1 are read; this one says `{schema}`"
        ))
        .with_help("export it again from Postman as \"Collection v2.1\""));
    }
    let mut cx = Cx {
        creds: Credentials::default(),
        notes: Vec::new(),
        scripts: 0,
        base: first_origin(items),
        display: display.to_owned(),
    };
    let mut draft = Draft::default();
    if let Some(name) = info.get("name").and_then(Value::as_str) {
        draft.set("name", Value::String(literal(name)));
    }
    if let Some(base) = &cx.base {
        draft.set("base_url", Value::String(base_url(base)));
    }
    // Collection variables, then the environment's, which win in Postman.
    let mut vars = Map::new();
    let mut secret_vars = Vec::new();
    for (list, place) in [
        (doc.get("variable"), "collection variable"),
        (env.and_then(|e| e.get("values")), "environment variable"),
    ] {
        for v in list.and_then(Value::as_array).into_iter().flatten() {
            if v.get("disabled").and_then(Value::as_bool) == Some(true)
                || v.get("enabled").and_then(Value::as_bool) == Some(false)
            {
                continue;
            }
            let Some(key) = v.get("key").or_else(|| v.get("id")).and_then(Value::as_str) else {
                continue;
            };
            let name = var_name(key);
            let value = match v.get("value") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let secret = v.get("type").and_then(Value::as_str) == Some("secret")
                || super::is_credential_header(key)
                || key.to_ascii_lowercase().contains("password");
            if secret {
                // Never written: read from the environment, and redacted.
                vars.insert(
                    name.clone(),
                    Value::String(format!("{{{{ env.{} }}}}", env_name(&name))),
                );
                if !secret_vars.contains(&name) {
                    secret_vars.push(name.clone());
                }
                let _ = place;
            } else {
                vars.insert(name, Value::String(template(&value, &mut cx.notes)));
            }
        }
    }
    if !vars.is_empty() {
        draft.set("vars", Value::Object(vars));
    }
    if !secret_vars.is_empty() {
        draft.set(
            "secrets",
            Value::Array(secret_vars.iter().cloned().map(Value::String).collect()),
        );
        let list: Vec<String> = secret_vars.iter().map(|v| env_name(v)).collect();
        draft.header.push(format!(
            "Secret variables are read from the environment, never written here: set {}.",
            list.join(", ")
        ));
    }
    let mut defaults = Map::new();
    if let Some(auth) = doc.get("auth")
        && let Some(a) = auth_of(auth, &mut cx, "the collection")
    {
        defaults.insert("auth".into(), a);
    }
    if !defaults.is_empty() {
        draft.set("defaults", Value::Object(defaults));
    }
    let top_scripts = scripts(doc, &mut cx);
    for s in top_scripts {
        draft.header.push(format!("Collection script, not converted:\n{s}"));
    }
    draft.steps = items.iter().map(|i| item(i, &mut cx, None)).collect();
    if cx.scripts > 0 {
        let line = format!(
            "{display}: {} script(s) could not be converted; each is kept as a comment where it was",
            cx.scripts
        );
        draft.header.push(format!(
            "{} Postman script(s) could not be converted; each is kept as a comment where it was.",
            cx.scripts
        ));
        cx.notes.push(line);
    }
    draft.notes = std::mem::take(&mut cx.notes);
    draft.add_credentials(&cx.creds);
    Ok(draft)
}

/// A folder (a group) or a request (a step). `inherited` is the auth of the folders around it.
fn item(it: &Value, cx: &mut Cx, inherited: Option<&Value>) -> DraftStep {
    let name = it.get("name").and_then(Value::as_str).unwrap_or("request");
    let mut step = DraftStep::default();
    let script_comments = scripts(it, cx);
    if let Some(children) = it.get("item").and_then(Value::as_array) {
        let own = it.get("auth").and_then(|a| auth_of(a, cx, &format!("folder `{name}`")));
        let auth = own.as_ref().or(inherited);
        for s in script_comments {
            step.comments.push(format!("Folder script, not converted:\n{s}"));
        }
        step.set("group", Value::String(literal(name)));
        step.steps = Some(children.iter().map(|c| item(c, cx, auth)).collect());
        if children.is_empty() {
            // A group needs a step: an empty folder is said, not kept.
            cx.notes
                .push(format!("{}: folder `{name}` is empty and was left out", cx.display));
            step.steps = None;
            step.fields.clear();
            step.comments.push(format!("empty Postman folder `{name}`, left out"));
        }
        return step;
    }
    for s in &script_comments {
        step.comments.push(format!("Script, not converted:\n{s}"));
    }
    let notes_before = cx.notes.len();
    step.set("name", Value::String(literal(name)));
    let described = it
        .pointer("/request/description")
        .or_else(|| it.get("description"))
        .and_then(|d| d.as_str().or_else(|| d.get("content").and_then(Value::as_str)))
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if let Some(d) = described {
        step.set("description", Value::String(literal(d)));
    }
    let request = match it.get("request") {
        Some(Value::String(url)) => json!({ "url": url }),
        Some(r) => r.clone(),
        None => json!({}),
    };
    let mut req = Map::new();
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    if method != "GET" {
        req.insert("method".into(), Value::String(method));
    }
    let url = url_of(request.get("url"));
    req.insert(
        "url".into(),
        Value::String(relative(&template(&url, &mut cx.notes), cx)),
    );
    let mut headers = Map::new();
    for h in headers_of(request.get("header")) {
        let (k, v) = h;
        let value = if super::is_credential_header(&k) && !v.contains("{{") && !v.is_empty() {
            cx.creds.variable(&k, &v)
        } else {
            template(&v, &mut cx.notes)
        };
        headers.insert(k, Value::String(value));
    }
    let body = request.get("body").and_then(|b| body_of(b, &mut headers, cx, name));
    if !headers.is_empty() {
        req.insert("headers".into(), Value::Object(headers));
    }
    match request.get("auth") {
        Some(a) => match auth_of(a, cx, &format!("request `{name}`")) {
            Some(auth) => {
                req.insert("auth".into(), auth);
            }
            // Not the collection's auth either: the request goes without.
            None if a.get("type").and_then(Value::as_str) != Some("inherit") => {
                req.insert("auth".into(), Value::String("none".into()));
            }
            None => {
                if let Some(a) = inherited {
                    req.insert("auth".into(), a.clone());
                }
            }
        },
        None => {
            if let Some(a) = inherited {
                req.insert("auth".into(), a.clone());
            }
        }
    }
    if let Some((k, v)) = body {
        req.insert(k.into(), v);
    }
    step.set("request", Value::Object(req));
    // What could not be carried over is said at the step too.
    let prefix = format!("{}: ", cx.display);
    for note in &cx.notes[notes_before..] {
        step.comments
            .push(note.strip_prefix(&prefix).unwrap_or(note).to_owned());
    }
    if let Some(status) = status_test(it) {
        step.set("expect", json!({ "status": status }));
    }
    step
}

/// The origin of the first request with a literal absolute URL.
fn first_origin(items: &[Value]) -> Option<String> {
    for it in items {
        if let Some(children) = it.get("item").and_then(Value::as_array) {
            if let Some(o) = first_origin(children) {
                return Some(o);
            }
            continue;
        }
        let url = url_of(
            it.get("request")
                .and_then(|r| if r.is_string() { Some(r) } else { r.get("url") }),
        );
        if let Some((origin, _)) = split_origin(&url)
            && !origin.contains("{{")
        {
            return Some(origin);
        }
    }
    None
}

/// A URL on the base origin, relative.
fn relative(url: &str, cx: &Cx) -> String {
    match (&cx.base, split_origin(url)) {
        (Some(base), Some((origin, rest))) if *base == origin => rest,
        _ => url.to_owned(),
    }
}

/// `url` as a string, or the raw form of its object (rebuilt when it has no `raw`).
fn url_of(url: Option<&Value>) -> String {
    match url {
        Some(Value::String(s)) => s.clone(),
        Some(u @ Value::Object(_)) => {
            if let Some(raw) = u.get("raw").and_then(Value::as_str) {
                return raw.to_owned();
            }
            let join = |v: Option<&Value>, sep: &str| match v {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().or_else(|| x.get("value").and_then(Value::as_str)))
                    .collect::<Vec<_>>()
                    .join(sep),
                _ => String::new(),
            };
            let mut s = String::new();
            if let Some(p) = u.get("protocol").and_then(Value::as_str) {
                s.push_str(p);
                s.push_str("://");
            }
            s.push_str(join(u.get("host"), ".").trim_end_matches('.'));
            if let Some(port) = u.get("port").and_then(Value::as_str) {
                s.push(':');
                s.push_str(port);
            }
            let path = join(u.get("path"), "/");
            if !path.is_empty() {
                s.push('/');
                s.push_str(path.trim_start_matches('/'));
            }
            let query: Vec<String> = u
                .get("query")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|q| q.get("disabled").and_then(Value::as_bool) != Some(true))
                .filter_map(|q| {
                    let k = q.get("key")?.as_str()?;
                    Some(format!("{k}={}", q.get("value").and_then(Value::as_str).unwrap_or("")))
                })
                .collect();
            if !query.is_empty() {
                s.push('?');
                s.push_str(&query.join("&"));
            }
            s
        }
        _ => String::new(),
    }
}

/// Enabled headers, from a list of `{key, value}` or a `Name: value` text.
fn headers_of(h: Option<&Value>) -> Vec<(String, String)> {
    match h {
        Some(Value::Array(list)) => list
            .iter()
            .filter(|x| x.get("disabled").and_then(Value::as_bool) != Some(true))
            .filter_map(|x| {
                Some((
                    x.get("key")?.as_str()?.to_owned(),
                    x.get("value").and_then(Value::as_str).unwrap_or("").to_owned(),
                ))
            })
            .collect(),
        Some(Value::String(text)) => text
            .lines()
            .filter_map(|l| {
                l.split_once(':')
                    .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Postman auth → Sortie auth; a literal credential becomes a secret read from the environment.
fn auth_of(a: &Value, cx: &mut Cx, whose: &str) -> Option<Value> {
    let kind = a.get("type").and_then(Value::as_str)?;
    let field = |key: &str| -> Option<String> {
        match a.get(kind) {
            // v2.1: a list of { key, value }.
            Some(Value::Array(list)) => list.iter().find_map(|x| {
                (x.get("key")?.as_str()? == key).then(|| match x.get("value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(v) => v.to_string(),
                })
            }),
            // v2.0: a map.
            Some(Value::Object(m)) => m.get(key).and_then(Value::as_str).map(str::to_owned),
            _ => None,
        }
    };
    let secret = |cx: &mut Cx, hint: &str, v: Option<String>| -> String {
        let v = v.unwrap_or_default();
        if v.contains("{{") || v.is_empty() {
            template(&v, &mut cx.notes)
        } else {
            cx.creds.variable(hint, &v)
        }
    };
    let plain = |cx: &mut Cx, v: Option<String>| template(&v.unwrap_or_default(), &mut cx.notes);
    Some(match kind {
        "noauth" => Value::String("none".into()),
        "inherit" => return None,
        "basic" | "digest" => {
            let username = plain(cx, field("username"));
            let password = secret(cx, "password", field("password"));
            json!({ kind: { "username": username, "password": password } })
        }
        "bearer" => json!({ "bearer": secret(cx, "token", field("token")) }),
        "apikey" => {
            let key = field("key").unwrap_or_else(|| "X-API-Key".into());
            let value = secret(cx, "api_key", field("value"));
            let place = if field("in").as_deref() == Some("query") {
                "query"
            } else {
                "header"
            };
            json!({ "api_key": { place: key, "value": value } })
        }
        "oauth2" => {
            let grant = field("grant_type").unwrap_or_else(|| "authorization_code".into());
            if grant == "client_credentials" {
                let mut o = Map::new();
                o.insert("token_url".into(), Value::String(plain(cx, field("accessTokenUrl"))));
                o.insert("client_id".into(), Value::String(plain(cx, field("clientId"))));
                o.insert(
                    "client_secret".into(),
                    Value::String(secret(cx, "client_secret", field("clientSecret"))),
                );
                if let Some(scope) = field("scope").filter(|s| !s.is_empty()) {
                    o.insert("scope".into(), Value::String(plain(cx, Some(scope))));
                }
                json!({ "oauth2": o })
            } else if let Some(token) = field("accessToken").filter(|t| !t.is_empty()) {
                cx.notes.push(format!(
                    "{}: {whose}: OAuth2 grant `{grant}` cannot run unattended; its saved access token is used as a bearer token",
                    cx.display
                ));
                json!({ "bearer": secret(cx, "token", Some(token)) })
            } else {
                cx.notes.push(format!(
                    "{}: {whose}: OAuth2 grant `{grant}` is not supported (only client credentials); auth not imported",
                    cx.display
                ));
                return None;
            }
        }
        other => {
            cx.notes.push(format!(
                "{}: {whose}: auth `{other}` is not supported; not imported",
                cx.display
            ));
            return None;
        }
    })
}

/// The scripts of an item or collection, each as comment text; counted.
fn scripts(it: &Value, cx: &mut Cx) -> Vec<String> {
    let mut out = Vec::new();
    for e in it.get("event").and_then(Value::as_array).into_iter().flatten() {
        let listen = e.get("listen").and_then(Value::as_str).unwrap_or("script");
        let exec = match e.pointer("/script/exec") {
            Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
            Some(Value::String(s)) => s.replace("\r\n", "\n"),
            _ => continue,
        };
        if exec.trim().is_empty() {
            continue;
        }
        cx.scripts += 1;
        let what = if listen == "prerequest" { "pre-request" } else { listen };
        out.push(format!("({what})\n{exec}"));
    }
    out
}

/// `pm.response.to.have.status(201)` (or the older `responseCode.code === 201`) in a test script.
fn status_test(it: &Value) -> Option<u16> {
    let re = regex::Regex::new(
        r"to\.have\.status\((\d{3})\)|responseCode\.code\s*===?\s*(\d{3})|response\.code\)\.to\.eql?\((\d{3})\)",
    )
    .expect("a valid regex");
    for e in it.get("event").and_then(Value::as_array).into_iter().flatten() {
        if e.get("listen").and_then(Value::as_str) != Some("test") {
            continue;
        }
        let text = match e.pointer("/script/exec") {
            Some(Value::Array(lines)) => lines.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
            Some(Value::String(s)) => s.clone(),
            _ => continue,
        };
        // Only a test that is not skipped.
        for line in text.lines().filter(|l| !l.contains(".skip(")) {
            if let Some(c) = re.captures(line) {
                let code = c.iter().skip(1).flatten().next()?.as_str().parse().ok()?;
                return Some(code);
            }
        }
    }
    None
}

/// The environment variable a secret is read from: `legacyPassword` → `LEGACY_PASSWORD`.
fn env_name(var: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in var.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// A Postman variable name as a template name (`api-key` → `api_key`).
fn var_name(key: &str) -> String {
    let mut s: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if s == "env" {
        s = "env_".into();
    }
    s
}

/// Postman's `{{name}}` placeholders → Sortie templates (`{{ name }}`, dynamic
/// variables as functions); the text around them stays text.
fn template(text: &str, notes: &mut Vec<String>) -> String {
    let re = regex::Regex::new(r"\{\{\s*([^{}]+?)\s*\}\}").expect("a valid regex");
    let mut out = String::new();
    let mut last = 0;
    for c in re.captures_iter(text) {
        let (Some(all), Some(name)) = (c.get(0), c.get(1)) else {
            continue;
        };
        out.push_str(&literal(&text[last..all.start()]));
        let name = name.as_str();
        let expr = match name {
            "$guid" | "$randomUUID" => "uuid()".to_owned(),
            "$timestamp" => "timestamp()".to_owned(),
            "$isoTimestamp" => "now()".to_owned(),
            "$randomInt" => "random_int(0, 1000)".to_owned(),
            n if n.starts_with('$') => {
                notes.push(format!(
                    "dynamic variable `{{{{{n}}}}}` has no equivalent; written as `random_string(10)`"
                ));
                "random_string(10)".to_owned()
            }
            n => var_name(n),
        };
        out.push_str(&format!("{{{{ {expr} }}}}"));
        last = all.end();
    }
    out.push_str(&literal(&text[last..]));
    out
}

/// [`template`] on every string of a JSON body.
fn json_templates(v: &Value, notes: &mut Vec<String>) -> Value {
    match v {
        Value::String(s) => Value::String(template(s, notes)),
        Value::Array(a) => Value::Array(a.iter().map(|x| json_templates(x, notes)).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), json_templates(x, notes))).collect()),
        other => other.clone(),
    }
}
