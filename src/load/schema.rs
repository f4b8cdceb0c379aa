//! The load-time errors of an `expect.schema`, inline or in a file: a schema
//! that breaks the JSON Schema meta-schema, one that checks nothing (`{}`),
//! and keywords that look misspelled, which JSON Schema would ignore.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::{Node, NodeKind};

/// JSON Schema's types (Sortie's `type:` predicate adds `float`, which JSON Schema lacks).
const JSON_TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "array", "object", "null"];

/// An inline schema, or a schema file's content, that breaks the JSON Schema
/// meta-schema, pointed at the offending value when it is inline.
pub(crate) fn schema_error(doc: &Value, node: &Node) -> Option<Diagnostic> {
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

/// Every keyword of JSON Schema drafts 4 to 2020-12, and those OpenAPI adds.
const SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "definitions",
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "dependencies",
    "dependentSchemas",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "items",
    "prefixItems",
    "additionalItems",
    "contains",
    "unevaluatedItems",
    "unevaluatedProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "example",
    "nullable",
    "discriminator",
    "xml",
    "externalDocs",
];

/// Keywords whose value is a schema, a list of schemas, or a map of them.
const ONE_SCHEMA: &[&str] = &[
    "additionalProperties",
    "propertyNames",
    "additionalItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
    "items",
];
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// A schema that checks nothing, or a keyword that looks like a misspelled
/// one: JSON Schema ignores unknown keywords, so `requird: [id]` or `tpye:
/// string` would let every body pass. Pointed at the key when the schema is
/// inline; `file` names a schema file.
pub(crate) fn schema_mistakes(doc: &Value, node: &Node, file: Option<&str>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if doc == &Value::Bool(true) || doc.as_object().is_some_and(serde_json::Map::is_empty) {
        let what = file.map_or_else(|| "this schema".to_owned(), |f| format!("schema `{f}`"));
        out.push(
            Diagnostic::at(format!("{what} accepts every body: it checks nothing"), node.span)
                .with_help("say what the body must be, such as `{ type: object, required: [id] }`"),
        );
        return out;
    }
    let mut found = Vec::new();
    misspelled_keywords(doc, "", &mut found);
    for (pointer, key, meant) in found {
        let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        let (message, span) = match (file, &node.kind) {
            (None, NodeKind::Map(_)) => (
                format!("`{key}` is not a JSON Schema keyword (did you mean `{meant}`?)"),
                key_at(node, &at).map_or(node.span, |k| k.span),
            ),
            _ => {
                let place = if pointer.is_empty() {
                    String::new()
                } else {
                    format!(" at `{pointer}`")
                };
                let file = file.map_or_else(|| "the schema".to_owned(), |f| format!("`{f}`"));
                (
                    format!("`{key}`{place} in {file} is not a JSON Schema keyword (did you mean `{meant}`?)"),
                    node.span,
                )
            }
        };
        out.push(Diagnostic::at(message, span).with_help(format!(
            "JSON Schema ignores a keyword it does not know, so `{key}` would check nothing: write `{meant}`"
        )));
    }
    out
}

/// (pointer of the schema, key, the keyword meant) for each misspelled keyword.
fn misspelled_keywords(schema: &Value, pointer: &str, found: &mut Vec<(String, String, &'static str)>) {
    let Value::Object(map) = schema else { return };
    for (key, value) in map {
        let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        if !SCHEMA_KEYWORDS.contains(&key.as_str()) {
            if let Some(meant) = mistyped_keyword(key) {
                found.push((pointer.to_owned(), key.clone(), meant));
            }
            continue;
        }
        let k = key.as_str();
        if ONE_SCHEMA.contains(&k) && value.is_object() {
            misspelled_keywords(value, &here, found);
        }
        if let (true, Value::Array(items)) = (SCHEMA_LISTS.contains(&k), value) {
            for (i, item) in items.iter().enumerate() {
                misspelled_keywords(item, &format!("{here}/{i}"), found);
            }
        }
        if let (true, Value::Object(schemas)) = (SCHEMA_MAPS.contains(&k), value) {
            for (name, sub) in schemas {
                let name = name.replace('~', "~0").replace('/', "~1");
                misspelled_keywords(sub, &format!("{here}/{name}"), found);
            }
        }
    }
}

/// The keyword `key` was probably meant to be: the same in other case, a
/// near miss (a short keyword only by swapping two letters, so that a `note`
/// annotation is not read as `not`), or `ref` for `$ref`.
fn mistyped_keyword(key: &str) -> Option<&'static str> {
    if key == "ref" {
        return Some("$ref");
    }
    let lower = key.to_ascii_lowercase();
    if let Some(k) = SCHEMA_KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(key)) {
        return Some(k);
    }
    let near = |k: &&str| {
        let k_lower = k.to_ascii_lowercase();
        let d = strsim::damerau_levenshtein(&lower, &k_lower);
        let close = if k.len() <= 4 {
            // Two letters swapped: `tpye`, `enmu`.
            d == 1 && lower.len() == k.len() && sorted(&lower) == sorted(&k_lower)
        } else {
            d <= if k.len() <= 6 { 1 } else { 2 }
        };
        close.then_some(d)
    };
    SCHEMA_KEYWORDS
        .iter()
        .filter_map(|k| near(k).map(|d| (d, *k)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn sorted(text: &str) -> Vec<char> {
    let mut chars: Vec<char> = text.chars().collect();
    chars.sort_unstable();
    chars
}

/// The key node of the entry a JSON pointer names (`/properties/requird`).
fn key_at<'a>(node: &'a Node, pointer: &str) -> Option<&'a Node> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let last = last.replace("~1", "/").replace("~0", "~");
    let NodeKind::Map(entries) = &node_at(node, parent)?.kind else {
        return None;
    };
    entries.iter().find(|(k, _)| k.key_text() == last).map(|(k, _)| k)
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
