//! Predicates built from expected values: at load time when the value is
//! constant, at run time after rendering when it holds a template.

use std::sync::Arc;

use serde_json::Value;

use super::{JsonType, Predicate};
use crate::diagnostic::did_you_mean;

const JSON_TYPES: [&str; 7] = JsonType::NAMES;

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
            Value::Object(map) if map.is_empty() => {
                return Err(
                    "`length: {}` checks nothing: give a number or a predicate, such as `{ gt: 0 }`".to_owned(),
                );
            }
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
            Value::Array(items) if items.is_empty() => {
                return Err("`one_of: []` never holds: list the values to accept".to_owned());
            }
            Value::Array(items) => Predicate::OneOf(items.clone()),
            _ => return Err(format!("`one_of` expects a list, found {}", kind(value))),
        },
        other => return Err(format!("unknown predicate `{other}`")),
    })
}

/// A regex error on one line (the crate's own text spans several).
pub(crate) fn regex_error(e: &regex::Error) -> String {
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
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}
