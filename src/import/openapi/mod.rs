//! `sortie import openapi SPEC`: an OpenAPI 3.x document (YAML or JSON) → a
//! starter contract collection: one step per operation, in the document's
//! order, with parameters and bodies from the spec's examples (or minimal
//! values its schemas accept), the first 2xx response as `expect.status`, the
//! operation's tags, and auth from its security schemes.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

mod example;

use example::{media_example, param_example, resolve};

use super::{Credentials, Draft, DraftStep, Failure, base_url, literal, literal_json};
use crate::diagnostic::Diagnostic;
use crate::source::Sources;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Reads the spec (the span-keeping YAML reader: JSON is YAML) and imports it;
/// `output` is where the collection will be written, for the spec's relative path.
pub(crate) fn import_file(path: &Path, output: Option<&Path>) -> Result<Draft, Failure> {
    let text = crate::files::read_text(path, "OpenAPI document")?;
    let mut sources = Sources::default();
    let display = path.display().to_string();
    let file = sources.add(display.clone(), path.to_path_buf(), std::sync::Arc::from(text.as_str()));
    let doc = match crate::yaml::parse(file, &text) {
        Ok(node) => node.to_json(),
        Err(d) => {
            return Err(Failure {
                diagnostic: Box::new(d),
                sources,
            });
        }
    };
    let spec_ref = spec_path(path, output);
    import(&doc, &display, &spec_ref).map_err(Failure::from)
}

/// The spec's path as the collection will name it: relative to the folder the
/// collection is written to (the current folder for standard output).
fn spec_path(spec: &Path, output: Option<&Path>) -> String {
    let from = output
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    // The output's folder may not exist yet: its nearest existing ancestor, then the rest.
    let existing = from.ancestors().find(|a| !a.as_os_str().is_empty() && a.exists());
    let from_abs = match existing {
        Some(e) => e
            .canonicalize()
            .map(|base| base.join(from.strip_prefix(e).unwrap_or(Path::new("")))),
        None => std::env::current_dir()
            .and_then(|cwd| cwd.canonicalize())
            .map(|cwd| cwd.join(&from)),
    };
    let (Ok(spec_abs), Ok(from_abs)) = (spec.canonicalize(), from_abs) else {
        return spec.display().to_string();
    };
    let a: Vec<_> = spec_abs.components().collect();
    let b: Vec<_> = from_abs.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &a[common..] {
        rel.push(c.as_os_str());
    }
    rel.display().to_string()
}

struct Cx<'a> {
    doc: &'a Value,
    display: String,
    creds: Credentials,
    notes: Vec<String>,
    vars: Map<String, Value>,
}

pub(crate) fn import(doc: &Value, display: &str, spec_ref: &str) -> Result<Draft, Diagnostic> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.") {
        let what = if doc.get("swagger").is_some() {
            "a Swagger 2.0 document".to_owned()
        } else {
            "no `openapi: 3.x` version".to_owned()
        };
        return Err(
            Diagnostic::new(format!("{display}: only OpenAPI 3.0 and 3.1 are read; this is {what}"))
                .with_help("convert a Swagger 2.0 document first (for example with swagger2openapi)"),
        );
    }
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| Diagnostic::new(format!("{display}: the document has no `paths`")))?;
    let mut cx = Cx {
        doc,
        display: display.to_owned(),
        creds: Credentials::default(),
        notes: Vec::new(),
        vars: Map::new(),
    };
    let mut draft = Draft::default();
    if let Some(title) = doc.pointer("/info/title").and_then(Value::as_str) {
        draft.set("name", Value::String(literal(title)));
    }
    let server = server_url(doc, &mut cx);
    draft.set("base_url", Value::String(base_url(&server)));
    if crate::model::COLLECTION_KEYS.contains(&"openapi") {
        draft.set("openapi", Value::String(literal(spec_ref)));
    } else {
        draft.header.push(format!(
            "Contract: every exchange can be checked against {spec_ref} with `openapi: {spec_ref}`."
        ));
    }
    let global = doc.get("security").and_then(|s| security(s, &mut cx, "the document"));
    if let Some(Some(auth)) = &global {
        draft.set("defaults", json!({ "auth": auth }));
    }
    for (path, item) in paths {
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(*method) else { continue };
            let step = operation(&mut cx, path, method, op, &shared, global.as_ref());
            draft.steps.push(step);
        }
    }
    if draft.steps.is_empty() {
        return Err(Diagnostic::new(format!("{display}: the document has no operation")));
    }
    if !cx.vars.is_empty() {
        // Path parameters: one variable each, set once, so every step can share it.
        let mut top = std::mem::take(&mut draft.top);
        let at = top.iter().position(|(k, _)| k == "base_url").map_or(0, |i| i + 1);
        top.insert(at, ("vars".to_owned(), Value::Object(std::mem::take(&mut cx.vars))));
        draft.top = top;
    }
    // A scheme's note is said once, however many operations use it.
    let mut seen = std::collections::HashSet::new();
    draft.notes = std::mem::take(&mut cx.notes)
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .collect();
    draft.add_credentials(&cx.creds);
    Ok(draft)
}

/// The first server's URL, its variables at their defaults; a relative one is
/// put on `http://localhost`.
fn server_url(doc: &Value, cx: &mut Cx<'_>) -> String {
    let Some(server) = doc.pointer("/servers/0") else {
        cx.notes.push(format!(
            "{}: the document names no server; base_url is http://localhost",
            cx.display
        ));
        return "http://localhost".to_owned();
    };
    let mut url = server.get("url").and_then(Value::as_str).unwrap_or("/").to_owned();
    if let Some(vars) = server.get("variables").and_then(Value::as_object) {
        for (k, v) in vars {
            let default = v.get("default").map(text).unwrap_or_default();
            url = url.replace(&format!("{{{k}}}"), &default);
        }
    }
    if url.starts_with('/') {
        cx.notes.push(format!(
            "{}: the server URL `{url}` is relative; base_url puts it on http://localhost",
            cx.display
        ));
        url = format!("http://localhost{url}");
    }
    url.trim_end_matches('/').to_owned()
}

fn operation(
    cx: &mut Cx<'_>,
    path: &str,
    method: &str,
    op: &Value,
    shared: &[Value],
    global: Option<&Option<Value>>,
) -> DraftStep {
    let mut step = DraftStep::default();
    let op_id = op.get("operationId").and_then(Value::as_str);
    let name = op
        .get("summary")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map_or_else(|| format!("{} {path}", method.to_ascii_uppercase()), str::to_owned);
    step.set("name", Value::String(literal(name.trim())));
    if let Some(id) = op_id {
        step.set("id", Value::String(literal(id)));
    }
    if let Some(d) = op
        .get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        step.set("description", Value::String(literal(d)));
    }
    if let Some(tags) = op.get("tags").and_then(Value::as_array).filter(|t| !t.is_empty()) {
        step.set(
            "tags",
            Value::Array(tags.iter().map(|t| Value::String(literal(&text(t)))).collect()),
        );
    }
    let place = format!("{}: {} {path}", cx.display, method.to_ascii_uppercase());
    let mut request = Map::new();
    if method != "get" {
        request.insert("method".into(), Value::String(method.to_ascii_uppercase()));
    }
    // Operation parameters override the path item's of the same name and place.
    let mut params: Vec<Value> = Vec::new();
    for p in shared
        .iter()
        .chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten())
    {
        let p = resolve(cx.doc, p, 0).clone();
        let key = |v: &Value| {
            (
                text(v.get("name").unwrap_or(&Value::Null)),
                text(v.get("in").unwrap_or(&Value::Null)),
            )
        };
        params.retain(|q| key(q) != key(&p));
        params.push(p);
    }
    let mut url = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        url.push_str(&literal(&rest[..open]));
        let pname = &rest[open + 1..open + close];
        let var = var_name(pname);
        if !cx.vars.contains_key(&var) {
            let schema_param = params
                .iter()
                .find(|p| p.get("in").and_then(Value::as_str) == Some("path") && text(&p["name"]) == pname);
            let value = schema_param.map_or(Value::from(1), |p| param_example(cx.doc, p));
            cx.vars.insert(var.clone(), literal_json(&value));
        }
        url.push_str(&format!("{{{{ {var} }}}}"));
        rest = &rest[open + close + 1..];
    }
    url.push_str(&literal(rest));
    request.insert("url".into(), Value::String(url));
    let mut query = Map::new();
    let mut headers = Map::new();
    for p in &params {
        let pname = text(&p["name"]);
        let required = p.get("required").and_then(Value::as_bool) == Some(true);
        let has_example = p.get("example").is_some()
            || p.get("examples").is_some()
            || p.pointer("/schema/example").is_some()
            || p.pointer("/schema/default").is_some();
        match p.get("in").and_then(Value::as_str) {
            Some("query") if required || has_example => {
                query.insert(pname, literal_json(&param_example(cx.doc, p)));
            }
            Some("header") if required => {
                let lower = pname.to_ascii_lowercase();
                if !matches!(lower.as_str(), "accept" | "content-type" | "authorization") {
                    headers.insert(pname, Value::String(literal(&text(&param_example(cx.doc, p)))));
                }
            }
            Some("cookie") if required => {
                cx.notes.push(format!(
                    "{place}: cookie parameter `{pname}` is not set; the session sends the cookies it got"
                ));
            }
            _ => {}
        }
    }
    if !query.is_empty() {
        request.insert("query".into(), Value::Object(query));
    }
    if !headers.is_empty() {
        request.insert("headers".into(), Value::Object(headers));
    }
    if let Some(body) = op.get("requestBody") {
        let body = resolve(cx.doc, body, 0).clone();
        if let Some((key, value)) = request_body(cx, &body, &place) {
            request.insert(key.into(), value);
        }
    }
    // Auth: the operation's own security, when it differs from the document's.
    if let Some(sec) = op.get("security") {
        let own = security(sec, cx, &place);
        if own.as_ref() != global {
            match own {
                Some(Some(auth)) => {
                    request.insert("auth".into(), auth);
                }
                Some(None) => {
                    request.insert("auth".into(), Value::String("none".into()));
                }
                None => {}
            }
        }
    }
    step.set("request", Value::Object(request));
    if let Some(status) = first_2xx(op) {
        step.set("expect", json!({ "status": status }));
    }
    step
}

/// The first 2xx response, as written (`200`, or `"2xx"` for `2XX`).
fn first_2xx(op: &Value) -> Option<Value> {
    let responses = op.get("responses")?.as_object()?;
    responses.keys().find_map(|k| {
        if k.eq_ignore_ascii_case("2xx") {
            return Some(Value::String("2xx".into()));
        }
        let code: u16 = k.parse().ok()?;
        (200..300).contains(&code).then(|| Value::from(code))
    })
}

/// `security`: the first requirement (`[]` or `[{}]` means none). None when
/// no scheme of it can be mapped; `Some(None)` for no auth.
fn security(sec: &Value, cx: &mut Cx<'_>, place: &str) -> Option<Option<Value>> {
    let list = sec.as_array()?;
    let Some(first) = list.first() else {
        return Some(None);
    };
    let names: Vec<&String> = first.as_object()?.keys().collect();
    let Some(name) = names.first() else {
        return Some(None);
    };
    if names.len() > 1 {
        cx.notes.push(format!(
            "{place}: security requires {} schemes at once; only `{name}` is imported",
            names.len()
        ));
    }
    let scheme = cx
        .doc
        .pointer(&format!("/components/securitySchemes/{}", pointer_escape(name)))?;
    let scheme = resolve(cx.doc, scheme, 0).clone();
    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
    let auth = match kind {
        "http" => match scheme
            .get("scheme")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("bearer") => json!({ "bearer": cx.creds.variable_from_env("token", "TOKEN") }),
            Some("basic") => json!({ "basic": {
                "username": "{{ env.USERNAME }}",
                "password": cx.creds.variable_from_env("password", "PASSWORD"),
            }}),
            Some("digest") => json!({ "digest": {
                "username": "{{ env.USERNAME }}",
                "password": cx.creds.variable_from_env("password", "PASSWORD"),
            }}),
            other => {
                cx.notes.push(format!(
                    "{place}: HTTP auth scheme `{}` is not supported",
                    other.unwrap_or("")
                ));
                return None;
            }
        },
        "apiKey" => {
            let key = scheme.get("name").and_then(Value::as_str).unwrap_or("api_key");
            let var = var_name(&key.to_ascii_lowercase());
            let value = cx.creds.variable_from_env(&var, &var.to_ascii_uppercase());
            match scheme.get("in").and_then(Value::as_str) {
                Some("query") => json!({ "api_key": { "query": key, "value": value } }),
                Some("header") => json!({ "api_key": { "header": key, "value": value } }),
                _ => {
                    cx.notes
                        .push(format!("{place}: API key `{key}` in a cookie is not supported"));
                    return None;
                }
            }
        }
        "oauth2" => match scheme.pointer("/flows/clientCredentials") {
            Some(flow) => {
                let scopes: Vec<String> = first
                    .get(name.as_str())
                    .and_then(Value::as_array)
                    .map(|s| s.iter().map(text).collect())
                    .unwrap_or_default();
                let mut o = Map::new();
                o.insert(
                    "token_url".into(),
                    Value::String(literal(&text(flow.get("tokenUrl").unwrap_or(&Value::Null)))),
                );
                o.insert("client_id".into(), Value::String("{{ env.CLIENT_ID }}".into()));
                o.insert(
                    "client_secret".into(),
                    Value::String(cx.creds.variable_from_env("client_secret", "CLIENT_SECRET")),
                );
                if !scopes.is_empty() {
                    o.insert("scope".into(), Value::String(literal(&scopes.join(" "))));
                }
                json!({ "oauth2": o })
            }
            None => {
                cx.notes.push(format!(
                    "{}: OAuth2 scheme `{name}` has no client-credentials flow; a token is read from TOKEN instead",
                    cx.display
                ));
                json!({ "bearer": cx.creds.variable_from_env("token", "TOKEN") })
            }
        },
        "openIdConnect" => {
            cx.notes.push(format!(
                "{}: OpenID Connect scheme `{name}`: a token is read from TOKEN",
                cx.display
            ));
            json!({ "bearer": cx.creds.variable_from_env("token", "TOKEN") })
        }
        other => {
            cx.notes
                .push(format!("{place}: security scheme type `{other}` is not supported"));
            return None;
        }
    };
    Some(Some(auth))
}

/// A request body from the first media type Sortie can send: JSON, then form, then multipart.
fn request_body(cx: &mut Cx<'_>, body: &Value, place: &str) -> Option<(&'static str, Value)> {
    let content = body.get("content")?.as_object()?;
    let pick = |want: &dyn Fn(&str) -> bool| content.iter().find(|(k, _)| want(&k.to_ascii_lowercase()));
    if let Some((_, media)) = pick(&|k| k == "application/json" || k.ends_with("+json")) {
        return Some(("json", literal_json(&media_example(cx.doc, media))));
    }
    if let Some((_, media)) = pick(&|k| k == "application/x-www-form-urlencoded") {
        let value = media_example(cx.doc, media);
        let form: Map<String, Value> = value
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), Value::String(literal(&text(v)))))
                    .collect()
            })
            .unwrap_or_default();
        return Some(("form", Value::Object(form)));
    }
    if let Some((_, media)) = pick(&|k| k == "multipart/form-data") {
        let value = media_example(cx.doc, media);
        let parts = value
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| json!({ "name": k, "value": literal(&text(v)) }))
                    .collect()
            })
            .unwrap_or_default();
        return Some(("multipart", Value::Array(parts)));
    }
    let (media_type, media) = content.iter().next()?;
    let example = media.get("example").map(text);
    match example {
        Some(t) => Some(("body", Value::String(literal(&t)))),
        None => {
            cx.notes.push(format!(
                "{place}: a `{media_type}` body has no example; the step sends none (add `body:` or `body_file:`)"
            ));
            None
        }
    }
}

fn pointer_escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// A scalar as text (`1`, `true`, `"x"` → `x`).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A parameter name as a template name (`pet-id` → `pet_id`).
fn var_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) || s == "env" {
        s.insert(0, '_');
    }
    s
}
