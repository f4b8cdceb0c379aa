//! Conversions between JSON and template values, and how a value prints inside a string.

use minijinja::value::{Serde, ValueKind};
use minijinja::{Error, ErrorKind, Output, State, Value};

use super::RenderError;

/// How deep [`to_json`] follows nested lists and maps before giving up.
const MAX_DEPTH: usize = 256;

/// A JSON value as a template value (maps keep their key order).
pub fn to_mj(v: &serde_json::Value) -> Value {
    Value::from(Serde(v))
}

/// A template value as JSON; undefined (even nested) is [`RenderError::Undefined`].
pub(crate) fn to_json(v: &Value) -> Result<serde_json::Value, RenderError> {
    to_json_at(v, 0)
}

fn to_json_at(v: &Value, depth: usize) -> Result<serde_json::Value, RenderError> {
    use serde_json::Value as J;
    let other = |message: &str| RenderError::Other {
        message: message.to_string(),
    };
    if depth > MAX_DEPTH {
        return Err(other("the value is nested too deeply"));
    }
    Ok(match v.kind() {
        ValueKind::Undefined => {
            return Err(RenderError::Undefined {
                name: "a value".to_string(),
                suggestion: None,
            });
        }
        ValueKind::None => J::Null,
        ValueKind::Bool => J::Bool(v.is_true()),
        ValueKind::Number if v.is_integer() => {
            if let Ok(i) = i64::try_from(v.clone()) {
                J::from(i)
            } else if let Ok(u) = u64::try_from(v.clone()) {
                J::from(u)
            } else {
                return Err(other("an integer is too large for JSON"));
            }
        }
        ValueKind::Number => f64::try_from(v.clone())
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            .ok_or_else(|| other("a number is not finite (NaN or infinity)"))?,
        ValueKind::String => J::String(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Bytes => J::String(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned()),
        ValueKind::Seq | ValueKind::Iterable => {
            let items = v.try_iter().map_err(|_| other("a list cannot be iterated"))?;
            J::Array(
                items
                    .map(|item| to_json_at(&item, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        ValueKind::Map => {
            let pairs = v
                .as_object()
                .and_then(minijinja::value::DynObject::try_iter_pairs)
                .ok_or_else(|| other("a map cannot be iterated"))?;
            let mut map = serde_json::Map::new();
            for (key, value) in pairs {
                let key = key.as_str().map_or_else(|| key.to_string(), str::to_string);
                map.insert(key, to_json_at(&value, depth + 1)?);
            }
            J::Object(map)
        }
        _ => return Err(other("a function or object has no JSON form")),
    })
}

/// The string form of a native value, shared by `render_string` and text templates.
pub(super) fn native_string(v: &Value) -> Result<String, RenderError> {
    match v.kind() {
        // minijinja prints `True`; JSON (and every API) says `true`.
        ValueKind::Bool => Ok(v.is_true().to_string()),
        ValueKind::None | ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => Ok(to_json(v)?.to_string()),
        _ => Ok(v.to_string()),
    }
}

/// The Environment's formatter: bools, lists, maps and `none` print as JSON, the rest as
/// minijinja does.
pub(super) fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Bool | ValueKind::None | ValueKind::Seq | ValueKind::Iterable | ValueKind::Map => {
            let text = native_string(value).map_err(|e| match e {
                RenderError::Undefined { .. } => Error::from(ErrorKind::UndefinedError),
                RenderError::Other { message } => Error::new(ErrorKind::InvalidOperation, message),
            })?;
            out.write_str(&text).map_err(Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}
