//! Predicates built from expected values: at load time when the value is
//! constant, at run time after rendering when it holds a template. Also the
//! load-time errors of expectations: a predicate's value, an inline schema.

use std::sync::Arc;

use serde_json::Value;

use crate::check::{JsonType, Predicate};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::scalar_hint;
use crate::load::yaml::{Node, NodeKind};
use crate::model::step::predicate_names;

const JSON_TYPES: [&str; 7] = crate::check::JsonType::NAMES;

/// Builds one predicate from its name and its (rendered) expected value.
pub fn build_predicate(name: &str, value: &Value) -> Result<Predicate, String> {
    let text = |what: &str| -> Result<String, String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(format!("`{name}` expects {what}, found {}", kind(value))),
        }
    };
    let boolean = || -> Result<bool, String> {
        value
            .as_bool()
            .ok_or_else(|| format!("`{name}` expects `true` or `false`, found {}", kind(value)))
    };
    let number = || -> Result<Value, String> {
        match value {
            Value::Number(_) => Ok(value.clone()),
            _ => Err(format!("`{name}` expects a number, found {}", kind(value))),
        }
    };
    Ok(match name {
        "equals" => Predicate::Equals(value.clone()),
        "not_equals" => Predicate::NotEquals(value.clone()),
        "gt" => Predicate::Gt(number()?),
        "ge" => Predicate::Ge(number()?),
        "lt" => Predicate::Lt(number()?),
        "le" => Predicate::Le(number()?),
        "contains" => Predicate::Contains(value.clone()),
        "not_contains" => Predicate::NotContains(value.clone()),
        "starts_with" => Predicate::StartsWith(text("a string")?),
        "ends_with" => Predicate::EndsWith(text("a string")?),
        "matches" => {
            let pattern = text("a regular expression")?;
            let re = regex::Regex::new(&pattern).map_err(|e| regex_error(&e))?;
            Predicate::Matches(Arc::new(re))
        }
        "exists" => Predicate::Exists(boolean()?),
        "empty" => Predicate::Empty(boolean()?),
        "type" => {
            let t = text("a type name")?;
            Predicate::Type(
                t.parse::<JsonType>()
                    .map_err(|_| match did_you_mean(&t, JSON_TYPES.iter().copied()) {
                        Some(s) => format!("unknown type `{t}` (did you mean `{s}`?)"),
                        None => format!("unknown type `{t}`: expected one of {}", JSON_TYPES.join(", ")),
                    })?,
            )
        }
        "length" => match value {
            Value::Number(_) => Predicate::Length(vec![Predicate::Equals(value.clone())]),
            Value::Object(map) => {
                let mut inner = Vec::new();
                for (k, v) in map {
                    inner.push(build_predicate(k, v)?);
                }
                Predicate::Length(inner)
            }
            _ => {
                return Err(format!(
                    "`length` expects a number or a map of predicates, found {}",
                    kind(value)
                ));
            }
        },
        "one_of" => match value {
            Value::Array(items) => Predicate::OneOf(items.clone()),
            _ => return Err(format!("`one_of` expects a list, found {}", kind(value))),
        },
        other => return Err(format!("unknown predicate `{other}`")),
    })
}

/// The load-time error of predicate `name` with the value `node`, pointed at
/// the inner value at fault (`length: { gt: ten }` → `ten`).
pub fn predicate_error(name: &str, node: &Node, msg: String) -> Diagnostic {
    if let ("length", NodeKind::Map(entries)) = (name, &node.kind) {
        for (k, v) in entries {
            let inner = k.key_text();
            if !predicate_names().contains(&inner.as_str()) {
                let d = Diagnostic::at(format!("unknown predicate `{inner}`"), k.span);
                return match did_you_mean(&inner, predicate_names().iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!(
                        "`length` takes a number or predicates: {}",
                        predicate_names().join(", ")
                    )),
                };
            }
            if let Err(m) = build_predicate(&inner, &v.to_json()) {
                return predicate_error(&inner, v, m);
            }
        }
    }
    let d = Diagnostic::at(msg, node.span);
    let hint = match name {
        "gt" | "ge" | "lt" | "le" | "length" => {
            scalar_hint(node, |k| matches!(k, NodeKind::Int(_) | NodeKind::Float(_)))
        }
        "exists" | "empty" => scalar_hint(node, |k| matches!(k, NodeKind::Bool(_))),
        _ => None,
    };
    match hint {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// An inline schema, or a schema file's content, that breaks the JSON Schema
/// meta-schema, pointed at the offending value when it is inline.
pub fn schema_error(doc: &Value, node: &Node) -> Option<Diagnostic> {
    if !doc.is_object() {
        return None;
    }
    let err = jsonschema::meta::options().validate(doc).err()?;
    let mut pointer = err.instance_path().as_str().to_owned();
    // A meta-schema that cannot be resolved has no place: `Schema::compile` says it.
    if pointer.is_empty() {
        return None;
    }
    // `type: [string, intger]`: point at the item that is not a type.
    if pointer.ends_with("/type")
        && let Some(Value::Array(items)) = doc.pointer(&pointer)
        && let Some(i) = items
            .iter()
            .position(|t| t.as_str().is_some_and(|t| !JSON_TYPES.contains(&t)))
    {
        pointer = format!("{pointer}/{i}");
    }
    let span = match node.kind {
        NodeKind::Map(_) => node_at(node, &pointer).unwrap_or(node).span,
        _ => node.span,
    };
    let is_type = pointer.ends_with("/type") || pointer.rsplit('/').nth(1) == Some("type");
    if is_type && let Some(Value::String(t)) = doc.pointer(&pointer) {
        let d = Diagnostic::at(format!("invalid JSON Schema: `{t}` at `{pointer}` is not a type"), span);
        return Some(match did_you_mean(t, JSON_TYPES.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("a type is one of {}", JSON_TYPES.join(", "))),
        });
    }
    Some(Diagnostic::at(
        format!("invalid JSON Schema at `{pointer}`: {err}"),
        span,
    ))
}

/// The YAML node a JSON pointer (`/properties/id/type`) names.
fn node_at<'a>(node: &'a Node, pointer: &str) -> Option<&'a Node> {
    let mut at = node;
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        at = match &at.kind {
            NodeKind::Map(entries) => &entries.iter().find(|(k, _)| k.key_text() == part)?.1,
            NodeKind::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

/// A regex error on one line (the crate's own text spans several).
pub fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => {
            let last = s
                .lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .unwrap_or("invalid syntax");
            format!(
                "invalid regular expression: {}",
                last.trim_start_matches("error:").trim()
            )
        }
        _ => format!("invalid regular expression: {e}"),
    }
}

/// What kind of JSON value this is, for "expected X, found Y" messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
