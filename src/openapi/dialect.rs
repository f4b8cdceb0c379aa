//! OpenAPI's schema dialects → JSON Schema 2020-12, which the validator speaks.
//!
//! 3.0's schema object is an older, extended subset: `nullable: true` is a
//! type that also allows null, a boolean `exclusiveMinimum` modifies
//! `minimum`, `example` is an annotation. 3.1 is 2020-12 already. In both,
//! `int32` and `int64` are ranges that a JSON Schema validator does not know
//! (a format only ever checks strings): they become `minimum`/`maximum`.

use serde_json::{Map, Value};

/// Rewrites a whole spec document in place. `v30` says whether it is 3.0.
/// Every object is visited: the few keywords rewritten mean nothing elsewhere,
/// but in a map of property names (`properties`, …) the keys are names.
pub(super) fn translate(value: &mut Value, v30: bool) {
    translate_in(value, v30, false);
}

/// [`translate`]; `names` when `value` is one of the maps of schema names.
fn translate_in(value: &mut Value, v30: bool, names: bool) {
    match value {
        Value::Object(map) => {
            if !names {
                if v30 {
                    nullable(map);
                    exclusive(map, "exclusiveMinimum", "minimum");
                    exclusive(map, "exclusiveMaximum", "maximum");
                    map.remove("example");
                }
                int_range(map);
            }
            for (k, v) in map.iter_mut() {
                let child_names = !names && super::pointer::SCHEMA_NAME_MAPS.contains(&k.as_str());
                translate_in(v, v30, child_names);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| translate_in(v, v30, false)),
        _ => {}
    }
}

/// `type: string, nullable: true` → `type: [string, "null"]`; an `enum` gains `null`.
fn nullable(map: &mut Map<String, Value>) {
    if map.get("nullable") != Some(&Value::Bool(true)) {
        return;
    }
    map.remove("nullable");
    if let Some(Value::String(t)) = map.get("type") {
        let t = t.clone();
        map.insert("type".into(), Value::Array(vec![Value::String(t), "null".into()]));
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
}

/// 3.0's `minimum: 5, exclusiveMinimum: true` → 2020-12's `exclusiveMinimum: 5`.
fn exclusive(map: &mut Map<String, Value>, exclusive: &str, bound: &str) {
    match map.get(exclusive) {
        Some(Value::Bool(true)) => {
            if let Some(b) = map.remove(bound) {
                map.insert(exclusive.into(), b);
            } else {
                map.remove(exclusive);
            }
        }
        Some(Value::Bool(false)) => {
            map.remove(exclusive);
        }
        _ => {}
    }
}

/// `format: int32` → the range of a 32-bit integer, unless the schema bounds it already.
fn int_range(map: &mut Map<String, Value>) {
    let (min, max): (Value, Value) = match map.get("format").and_then(Value::as_str) {
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        Some("int64") => (i64::MIN.into(), i64::MAX.into()),
        _ => return,
    };
    if !map.contains_key("minimum") && !map.contains_key("exclusiveMinimum") {
        map.insert("minimum".into(), min);
    }
    if !map.contains_key("maximum") && !map.contains_key("exclusiveMaximum") {
        map.insert("maximum".into(), max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_exclusive_bounds_and_example_become_2020_12() {
        let mut v = json!({
            "a": {"type": "string", "nullable": true, "example": "x"},
            "b": {"type": "integer", "minimum": 1, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": false},
            "c": {"enum": ["a"], "nullable": true},
        });
        translate(&mut v, true);
        assert_eq!(
            v,
            json!({
                "a": {"type": ["string", "null"]},
                "b": {"type": "integer", "exclusiveMinimum": 1, "maximum": 9},
                "c": {"enum": ["a", null]},
            })
        );
    }

    #[test]
    fn a_property_named_like_a_keyword_is_a_property() {
        let mut v = json!({"type": "object", "required": ["example"], "example": {"example": 1},
            "properties": {"example": {"type": "string", "nullable": true}, "nullable": {"type": "boolean"}}});
        translate(&mut v, true);
        assert_eq!(
            v,
            json!({"type": "object", "required": ["example"],
                "properties": {"example": {"type": ["string", "null"]}, "nullable": {"type": "boolean"}}})
        );
    }

    #[test]
    fn a_31_document_keeps_its_keywords_but_gains_integer_ranges() {
        let mut v = json!({"x": {"type": ["integer", "null"], "format": "int32", "example": 1}});
        translate(&mut v, false);
        assert_eq!(
            v,
            json!({"x": {"type": ["integer", "null"], "format": "int32", "example": 1,
                          "minimum": i32::MIN, "maximum": i32::MAX}})
        );
    }
}
