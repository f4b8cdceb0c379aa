//! Values for a starter request, from an OpenAPI document: its examples
//! first, else a minimal value each schema accepts. Local `$ref`s are followed
//! to a bounded depth, so a recursive schema ends.

use serde_json::{Map, Value};

use super::text;

/// How deep a schema is followed to make an example (`$ref` cycles end here too).
const MAX_DEPTH: usize = 6;

/// A media type's example: `example`, the first of `examples`, else one made from its schema.
pub(super) fn media_example(doc: &Value, media: &Value) -> Value {
    if let Some(e) = media.get("example") {
        return e.clone();
    }
    if let Some(first) = media
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
    {
        let first = resolve(doc, first, 0);
        if let Some(v) = first.get("value") {
            return v.clone();
        }
    }
    media
        .get("schema")
        .map_or(Value::Object(Map::new()), |s| example(doc, s, 0))
}

pub(super) fn param_example(doc: &Value, p: &Value) -> Value {
    if let Some(e) = p.get("example") {
        return e.clone();
    }
    if let Some(first) = p
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
        && let Some(v) = resolve(doc, first, 0).get("value")
    {
        return v.clone();
    }
    p.get("schema").map_or(Value::from("value"), |s| example(doc, s, 0))
}

/// A value the schema accepts: its example, default or first enum value, else
/// a minimal one (objects with their required properties and the ones that
/// have examples).
fn example(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema, depth);
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    for key in ["example", "default", "const"] {
        if let Some(v) = schema.get(key) {
            return v.clone();
        }
    }
    if let Some(v) = schema.get("examples").and_then(Value::as_array).and_then(|a| a.first()) {
        return v.clone();
    }
    if let Some(v) = schema.get("enum").and_then(Value::as_array).and_then(|a| a.first()) {
        return v.clone();
    }
    for key in ["allOf"] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(m) = example(doc, part, depth + 1) {
                    merged.extend(m);
                }
            }
            return Value::Object(merged);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return example(doc, first, depth + 1);
        }
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts.iter().map(text).find(|t| t != "null").unwrap_or_default(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => String::new(),
    };
    match kind.as_str() {
        "object" => {
            let required: Vec<String> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().map(text).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            for (k, prop) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let prop_schema = resolve(doc, prop, depth + 1);
                let exemplified = ["example", "default", "enum"]
                    .iter()
                    .any(|e| prop_schema.get(*e).is_some());
                if required.contains(k) || exemplified || prop.get("$ref").is_some() {
                    out.insert(k.clone(), example(doc, prop, depth + 1));
                }
            }
            Value::Object(out)
        }
        "array" => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            match schema.get("items") {
                Some(items) if min > 0 => Value::Array(vec![example(doc, items, depth + 1); min.min(3) as usize]),
                _ => Value::Array(Vec::new()),
            }
        }
        "integer" => schema.get("minimum").cloned().unwrap_or_else(|| Value::from(1)),
        "number" => schema.get("minimum").cloned().unwrap_or_else(|| Value::from(1.5)),
        "boolean" => Value::Bool(true),
        "string" => Value::String(match schema.get("format").and_then(Value::as_str) {
            Some("date") => "2024-01-01".into(),
            Some("date-time") => "2024-01-01T00:00:00Z".into(),
            Some("email") => "user@example.com".into(),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".into(),
            Some("uri" | "url") => "https://example.com".into(),
            _ => {
                let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
                if min > 6 {
                    "x".repeat(min.min(64))
                } else {
                    "string".into()
                }
            }
        }),
        _ => Value::Null,
    }
}

/// Follows a local `$ref` (`#/components/...`); a remote one is left as it is.
pub(super) fn resolve<'a>(doc: &'a Value, v: &'a Value, depth: usize) -> &'a Value {
    let mut v = v;
    for _ in depth..=MAX_DEPTH {
        match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match doc.pointer(pointer) {
                Some(target) => v = target,
                None => return v,
            },
            None => return v,
        }
    }
    v
}
