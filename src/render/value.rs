//! Conversions between JSON and template values, and how a value prints inside a string.

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Output, State, Value};

use super::RenderError;

/// How deep [`to_json`] follows nested lists and maps before giving up.
const MAX_DEPTH: usize = 256;

/// A JSON value as a template value (maps keep their key order).
///
/// Walked by hand rather than through serde: serde_json keeps each number's
/// text (`arbitrary_precision`) and serializes it as a private map. Integers
/// keep every digit up to 128 bits; other numbers become 64-bit floats.
pub fn to_mj(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::from(()),
        J::Bool(b) => Value::from(*b),
        J::Number(n) => number_to_mj(n),
        J::String(s) => Value::from(s.as_str()),
        J::Array(items) => items.iter().map(to_mj).collect(),
        J::Object(map) => Value::from(
            map.iter()
                .map(|(k, v)| (Value::from(k.as_str()), to_mj(v)))
                .collect::<indexmap::IndexMap<Value, Value>>(),
        ),
    }
}

fn number_to_mj(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        return Value::from(i);
    }
    if let Some(u) = n.as_u64() {
        return Value::from(u);
    }
    let text = n.to_string();
    if let Ok(i) = text.parse::<i128>() {
        return Value::from(i);
    }
    if let Ok(u) = text.parse::<u128>() {
        return Value::from(u);
    }
    Value::from(text.parse::<f64>().unwrap_or(f64::NAN))
}

/// An integer as a JSON number, with every digit (serde_json keeps a number's text).
fn exact_integer(text: &str) -> Option<serde_json::Number> {
    serde_json::from_str(text).ok()
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
                // Past 64 bits minijinja holds 128-bit integers: their text is a JSON number.
                J::Number(exact_integer(&v.to_string()).ok_or_else(|| other("an integer is too large for JSON"))?)
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
