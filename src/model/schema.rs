//! JSON Schema for the model types whose YAML form differs from their Rust
//! shape: spans are invisible, maps keep their order, durations are text.

use std::borrow::Cow;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::model::Node;
use crate::source::Spanned;

impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

impl JsonSchema for Node {
    fn schema_name() -> Cow<'static, str> {
        "AnyValue".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!(true)
    }

    fn inline_schema() -> bool {
        true
    }
}

/// A YAML map whose keys keep their order and spans.
#[derive(Debug, Clone, Default)]
pub(crate) struct Map<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Map<V> {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(Spanned<String>, V)> {
        self.0.iter()
    }
}

impl<V: JsonSchema> JsonSchema for Map<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }

    fn inline_schema() -> bool {
        true
    }
}

/// Request headers: names are tokens (RFC 9110), as the loader checks.
pub(crate) fn header_names(schema: &mut Schema) {
    schema.insert(
        "propertyNames".into(),
        serde_json::json!({ "pattern": "^[-!#$%&'*+.^_`|~0-9A-Za-z]+$" }),
    );
}

/// A duration: `250ms`, `5s`, `1m30s`, or a bare integer of milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DurationValue(pub Duration);

impl JsonSchema for DurationValue {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`250ms`, `5s`, `1m30s`, or a bare integer of milliseconds",
            "oneOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*[0-9]+(\\.[0-9]+)?\\s*[a-zµ]+(\\s*[0-9]+\\s*[a-zµ]+)*\\s*$" }
            ]
        })
    }
}

/// The step rules the loader checks across keys: exactly one of request,
/// group, include; the keys of one kind refused on another; `as` needs
/// `for_each`, a group needs `steps`, `parallel` needs a group or `for_each`.
pub(crate) fn step_rules(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        serde_json::json!([
            { "required": ["request"] },
            { "required": ["group"] },
            { "required": ["include"] },
        ]),
    );
    // As the loader's "`{key}` belongs to …, not to …".
    let kinds = [
        ("request", ["steps", "vars"].as_slice()),
        (
            "group",
            &["expect", "extract", "retry_until", "vars", "operation", "openapi"],
        ),
        (
            "include",
            &[
                "expect",
                "extract",
                "retry_until",
                "parallel",
                "steps",
                "operation",
                "openapi",
            ],
        ),
    ];
    let rules: Vec<serde_json::Value> = kinds
        .iter()
        .map(|(kind, others)| {
            serde_json::json!({
                "if": { "required": [kind] },
                "then": { "propertyNames": { "not": { "enum": others } } },
            })
        })
        .collect();
    schema.insert("allOf".into(), rules.into());
    schema.insert(
        "dependentRequired".into(),
        serde_json::json!({ "as": ["for_each"], "group": ["steps"] }),
    );
    schema.insert(
        "dependentSchemas".into(),
        serde_json::json!({ "parallel": { "anyOf": [{ "required": ["group"] }, { "required": ["for_each"] }] } }),
    );
}

/// The schema of `for_each`: a list, or a template giving one.
pub(crate) struct ListOrTemplate;

impl JsonSchema for ListOrTemplate {
    fn schema_name() -> Cow<'static, str> {
        "ListOrTemplate".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        // An empty list would run the step zero times.
        json_schema!({ "type": ["array", "string"], "minItems": 1 })
    }

    fn inline_schema() -> bool {
        true
    }
}

/// A request has at most one body.
pub(crate) fn one_body(schema: &mut Schema) {
    const BODIES: [&str; 6] = ["json", "graphql", "form", "multipart", "body", "body_file"];
    let rules: serde_json::Map<String, serde_json::Value> = BODIES
        .iter()
        .map(|body| {
            let others: Vec<&str> = BODIES.iter().copied().filter(|b| b != body).collect();
            (
                (*body).to_owned(),
                serde_json::json!({ "propertyNames": { "not": { "enum": others } } }),
            )
        })
        .collect();
    schema.insert("dependentSchemas".into(), rules.into());
}

/// A GraphQL body has a `query` or a `query_file`, not both.
pub(crate) fn query_or_file(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        serde_json::json!([{ "required": ["query"] }, { "required": ["query_file"] }]),
    );
}

/// A multipart part has a `value` or a `file`, not both.
pub(crate) fn value_or_file(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        serde_json::json!([{ "required": ["value"] }, { "required": ["file"] }]),
    );
}

/// A client certificate and its key come together.
pub(crate) fn cert_with_key(schema: &mut Schema) {
    schema.insert(
        "dependentRequired".into(),
        serde_json::json!({ "cert": ["key"], "key": ["cert"] }),
    );
}

/// `auth`: the string `none`, or a map with exactly one scheme. Written as
/// if/then/else rather than the derived `oneOf` of six maps, so that a
/// validator points at the key at fault instead of at `auth` as a whole.
pub(crate) fn auth_scheme(schema: &mut Schema) {
    let Some(serde_json::Value::Array(variants)) = schema.remove("oneOf") else {
        return;
    };
    let mut none = serde_json::Value::Null;
    let mut schemes = serde_json::Map::new();
    for variant in variants {
        match variant.get("properties") {
            Some(serde_json::Value::Object(properties)) => schemes.extend(properties.clone()),
            _ => none = variant,
        }
    }
    schema.insert("if".into(), serde_json::json!({ "type": "string" }));
    schema.insert("then".into(), none);
    schema.insert(
        "else".into(),
        serde_json::json!({
            "type": "object",
            "properties": schemes,
            "additionalProperties": false,
            "minProperties": 1,
            "maxProperties": 1,
        }),
    );
}

/// A capture: a JSONPath string (starting with `$`), or a map naming its
/// source. If/then/else, so that a validator points inside the map.
pub(crate) fn capture(schema: &mut Schema) {
    let Some(serde_json::Value::Array(variants)) = schema.remove("anyOf") else {
        return;
    };
    let spec = variants
        .into_iter()
        .find(|v| v.get("$ref").is_some())
        .unwrap_or(serde_json::Value::Bool(true));
    schema.insert("if".into(), serde_json::json!({ "type": "string" }));
    schema.insert(
        "then".into(),
        serde_json::json!({ "description": "A JSONPath such as `$.data.id`.", "pattern": "^\\$" }),
    );
    schema.insert("else".into(), spec);
}

/// A collection has `steps`, `setup` or `teardown`.
pub(crate) fn some_steps(schema: &mut Schema) {
    schema.insert(
        "anyOf".into(),
        serde_json::json!([
            { "required": ["steps"] },
            { "required": ["setup"] },
            { "required": ["teardown"] },
        ]),
    );
}

/// Adds "exactly one of header, query" to the api_key schema.
pub(crate) fn header_or_query(schema: &mut Schema) {
    schema.insert(
        "oneOf".into(),
        serde_json::json!([{ "required": ["header"] }, { "required": ["query"] }]),
    );
}

/// An extract map names exactly one source.
pub(crate) fn one_source(schema: &mut Schema) {
    schema.insert("minProperties".into(), 1.into());
    schema.insert("maxProperties".into(), 1.into());
}

/// The predicate map or a plain value of an expectation.
pub(crate) fn expect_value_schema(generator: &mut SchemaGenerator) -> Schema {
    let _ = generator;
    let mut predicates = serde_json::Map::new();
    for name in crate::check::predicate_names() {
        predicates.insert((*name).into(), serde_json::json!(true));
    }
    let names: Vec<&str> = crate::check::predicate_names().to_vec();
    // A map mixing predicates with other keys is refused, as the loader does.
    json_schema!({
        "description": "A plain value (must be equal) or a map of predicates, all of which must hold.",
        "anyOf": [
            { "type": "object", "properties": predicates, "additionalProperties": false, "minProperties": 1 },
            { "type": "object", "propertyNames": { "not": { "enum": names } } },
            { "not": { "type": "object" } }
        ]
    })
}

/// Removes the `null` that schemars allows for every `Option`.
pub(crate) fn strip_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(any)) = map.get("anyOf")
                && any.len() == 2
                && any[1] == serde_json::json!({ "type": "null" })
            {
                let inner = any[0].clone();
                map.remove("anyOf");
                if let Value::Object(inner) = inner {
                    for (k, v) in inner {
                        map.entry(k).or_insert(v);
                    }
                }
            }
            map.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}
