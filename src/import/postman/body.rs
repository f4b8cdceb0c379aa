//! A Postman request body, of every mode, → the request's body key.

use serde_json::{Map, Value, json};

use super::{Cx, json_templates, template};
use crate::import::literal;

/// The enabled entries of a key-value list.
fn kv(list: Option<&Value>) -> Vec<&Value> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|x| x.get("disabled").and_then(Value::as_bool) != Some(true))
        .collect()
}

pub(super) fn body_of(
    b: &Value,
    headers: &mut Map<String, Value>,
    cx: &mut Cx,
    name: &str,
) -> Option<(&'static str, Value)> {
    if b.get("disabled").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, v)| v.as_str().map(str::to_ascii_lowercase));
    let drop_type = |headers: &mut Map<String, Value>| headers.retain(|k, _| !k.eq_ignore_ascii_case("content-type"));
    match b.get("mode").and_then(Value::as_str).unwrap_or("raw") {
        "raw" => {
            let raw = b.get("raw").and_then(Value::as_str).unwrap_or("");
            if raw.is_empty() {
                return None;
            }
            let language = b.pointer("/options/raw/language").and_then(Value::as_str).unwrap_or("");
            let json_type = content_type.as_deref().is_some_and(|c| c.contains("json"));
            if (language == "json" || json_type)
                && let Ok(v) = serde_json::from_str::<Value>(raw)
            {
                if content_type.as_deref().is_none_or(|c| c == "application/json") {
                    drop_type(headers);
                }
                return Some(("json", json_templates(&v, &mut cx.notes)));
            }
            if content_type.is_none() {
                let ct = match language {
                    "json" => "application/json",
                    "xml" => "application/xml",
                    "html" => "text/html",
                    "javascript" => "application/javascript",
                    _ => "text/plain",
                };
                headers.insert("Content-Type".into(), Value::String(ct.into()));
            }
            Some(("body", Value::String(template(raw, &mut cx.notes))))
        }
        "urlencoded" => {
            drop_type(headers);
            let mut form = Map::new();
            for x in kv(b.get("urlencoded")) {
                let Some(k) = x.get("key").and_then(Value::as_str) else {
                    continue;
                };
                let v = x.get("value").and_then(Value::as_str).unwrap_or("");
                form.insert(k.to_owned(), Value::String(template(v, &mut cx.notes)));
            }
            Some(("form", Value::Object(form)))
        }
        "formdata" => {
            drop_type(headers);
            let mut parts = Vec::new();
            for x in kv(b.get("formdata")) {
                let Some(k) = x.get("key").and_then(Value::as_str) else {
                    continue;
                };
                let mut p = Map::new();
                p.insert("name".into(), Value::String(literal(k)));
                if x.get("type").and_then(Value::as_str) == Some("file") {
                    match x.get("src") {
                        Some(Value::String(src)) if !src.is_empty() => {
                            p.insert("file".into(), Value::String(literal(src)));
                        }
                        _ => {
                            cx.notes.push(format!(
                                "{}: request `{name}`: form-data file `{k}` names no file; give it a `file:`",
                                cx.display
                            ));
                            p.insert("value".into(), Value::String(String::new()));
                        }
                    }
                } else {
                    let v = x.get("value").and_then(Value::as_str).unwrap_or("");
                    p.insert("value".into(), Value::String(template(v, &mut cx.notes)));
                }
                if let Some(ct) = x.get("contentType").and_then(Value::as_str) {
                    p.insert("content_type".into(), Value::String(literal(ct)));
                }
                parts.push(Value::Object(p));
            }
            Some(("multipart", Value::Array(parts)))
        }
        "file" => match b.pointer("/file/src").and_then(Value::as_str) {
            Some(src) if !src.is_empty() => Some(("body_file", Value::String(literal(src)))),
            _ => {
                cx.notes
                    .push(format!("{}: request `{name}`: its file body names no file", cx.display));
                None
            }
        },
        "graphql" => {
            let query = b.pointer("/graphql/query").and_then(Value::as_str).unwrap_or("");
            let variables = b
                .pointer("/graphql/variables")
                .and_then(Value::as_str)
                .and_then(|v| serde_json::from_str::<Value>(v).ok())
                .unwrap_or(Value::Object(Map::new()));
            drop_type(headers);
            Some((
                "json",
                json!({ "query": template(query, &mut cx.notes), "variables": json_templates(&variables, &mut cx.notes) }),
            ))
        }
        other => {
            cx.notes.push(format!(
                "{}: request `{name}`: body mode `{other}` is not imported",
                cx.display
            ));
            None
        }
    }
}
