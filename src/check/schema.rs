//! `expect.schema`: a JSON Schema compiled once, then checked against bodies.
//!
//! `jsonschema` is built with its default features off, so a `$ref` to
//! `http://…` or `file://…` is a compile error rather than a fetch: a
//! collection must not reach the network or read files outside its root
//! through a schema.

use crate::text::cut;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// At most this many errors are listed for one document.
pub(crate) const MAX_ERRORS: usize = 10;

/// Past this many, the remaining errors are not counted exactly.
const COUNT_LIMIT: usize = 10_000;

/// One error message is cut to this many characters: a message can quote
/// the whole failing instance.
const MESSAGE_CHARS: usize = 200;

/// A compiled JSON Schema. Cloning is cheap.
#[derive(Clone)]
pub struct Schema {
    validator: Arc<jsonschema::Validator>,
}

impl Schema {
    /// Compiles a schema: draft 2020-12 unless its `$schema` names another
    /// draft. A `$ref` that is not inside the schema itself is an error.
    pub fn compile(schema: &Value) -> Result<Schema, String> {
        // Default options: the draft comes from `$schema`, 2020-12 without
        // one; the retriever of a build without `resolve-*` features
        // refuses every external URI.
        match jsonschema::options().build(schema) {
            Ok(validator) => Ok(Schema {
                validator: Arc::new(validator),
            }),
            Err(err) => Err(format!(
                "invalid JSON Schema: {}",
                cut(&err.to_string(), 2 * MESSAGE_CHARS)
            )),
        }
    }

    /// A validator built elsewhere (an OpenAPI spec's, against its registry).
    pub(crate) fn from_validator(validator: jsonschema::Validator) -> Schema {
        Schema {
            validator: Arc::new(validator),
        }
    }

    /// At most [`MAX_ERRORS`] errors, each as (JSON pointer into the document, message,
    /// absolute location of the failed keyword when the schema has one).
    pub(crate) fn violations(&self, doc: &Value) -> Vec<(String, String, Option<String>)> {
        self.validator
            .iter_errors(doc)
            .take(MAX_ERRORS)
            .map(|err| {
                let location = err.absolute_keyword_location().map(|u| u.as_str().to_owned());
                let message = cut(&err.to_string(), MESSAGE_CHARS);
                (err.instance_path().as_str().to_owned(), message, location)
            })
            .collect()
    }

    /// A failed schema check as a person reads it: how many errors, then
    /// each on its own line with its JSON pointer. None when valid.
    pub fn failure(&self, doc: &Value) -> Option<String> {
        let (lines, more) = self.errors(doc);
        if lines.is_empty() {
            return None;
        }
        let count = if more >= COUNT_LIMIT {
            format!("{} or more errors", COUNT_LIMIT + lines.len())
        } else {
            crate::text::count(lines.len() + more, "error")
        };
        let mut text = if more > 0 {
            format!("{count}, the first {}:", lines.len())
        } else {
            format!("{count}:")
        };
        for line in &lines {
            text.push('\n');
            text.push_str(line);
        }
        Some(text)
    }

    /// At most [`MAX_ERRORS`] errors, each "`/instance/path`: message"
    /// (`(root)` for the document itself), and how many more there are
    /// (counted up to [`COUNT_LIMIT`]).
    fn errors(&self, doc: &Value) -> (Vec<String>, usize) {
        let mut errors = self.validator.iter_errors(doc);
        let lines: Vec<String> = errors
            .by_ref()
            .take(MAX_ERRORS)
            .map(|err| {
                let path = err.instance_path().as_str();
                let message = cut(&err.to_string(), MESSAGE_CHARS);
                if path.is_empty() {
                    format!("(root): {message}")
                } else {
                    format!("`{path}`: {message}")
                }
            })
            .collect();
        (lines, errors.take(COUNT_LIMIT).count())
    }

    /// True when the document is valid.
    pub fn is_valid(&self, doc: &Value) -> bool {
        self.validator.is_valid(doc)
    }
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("draft", &self.validator.draft())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::ErrorKind;
    use std::net::TcpListener;

    fn user_schema() -> Schema {
        Schema::compile(&json!({
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string", "minLength": 1},
                "tags": {"type": "array", "items": {"type": "string"}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_valid_document_has_no_errors() {
        let schema = user_schema();
        let doc = json!({"id": 1, "name": "alice", "tags": ["a"]});
        assert_eq!(schema.failure(&doc), None);
        assert!(schema.is_valid(&doc));
    }

    #[test]
    fn errors_name_the_instance_path() {
        let (errors, _) = user_schema().errors(&json!({"id": "x", "name": "", "tags": ["a", 2]}));
        insta::assert_snapshot!(errors.join("\n"), @r#"
        `/id`: "x" is not of type "integer"
        `/name`: "" is shorter than 1 character
        `/tags/1`: 2 is not of type "string"
        "#);
        let (errors, _) = user_schema().errors(&json!([]));
        assert_eq!(errors, vec![r#"(root): [] is not of type "object""#]);
    }

    #[test]
    fn at_most_ten_errors_then_a_count() {
        let schema = Schema::compile(&json!({"items": {"type": "string"}})).unwrap();
        let doc = Value::Array((0..25).map(Value::from).collect());
        let (errors, more) = schema.errors(&doc);
        assert_eq!((errors.len(), more), (MAX_ERRORS, 15));
        assert_eq!(errors[0], r#"`/0`: 0 is not of type "string""#);
    }

    #[test]
    fn a_failure_counts_the_errors_then_lists_one_per_line() {
        let failure = user_schema().failure(&json!({"id": "x", "name": ""}));
        insta::assert_snapshot!(failure.unwrap_or_default(), @r#"
        2 errors:
        `/id`: "x" is not of type "integer"
        `/name`: "" is shorter than 1 character
        "#);
        let one = user_schema().failure(&json!([])).unwrap_or_default();
        assert_eq!(one, "1 error:\n(root): [] is not of type \"object\"");
        let schema = Schema::compile(&json!({"items": {"type": "string"}})).unwrap();
        let many = schema
            .failure(&Value::Array((0..25).map(Value::from).collect()))
            .unwrap_or_default();
        assert!(many.starts_with("25 errors, the first 10:\n`/0`: 0 is not"), "{many}");
        assert_eq!(many.lines().count(), 11);
        assert_eq!(user_schema().failure(&json!({"id": 1, "name": "a"})), None);
    }

    #[test]
    fn long_messages_are_cut() {
        let schema = Schema::compile(&json!({"type": "string"})).unwrap();
        let big = json!({"a": "x".repeat(5000)});
        let (errors, _) = schema.errors(&big);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].chars().count() < 250, "{}", errors[0]);
        assert!(errors[0].ends_with('…'));
    }

    #[test]
    fn draft_2020_12_by_default() {
        // `prefixItems` exists only from 2020-12 on.
        let schema = Schema::compile(&json!({"prefixItems": [{"type": "integer"}]})).unwrap();
        assert!(!schema.is_valid(&json!(["x"])));
        assert_eq!(format!("{schema:?}"), "Schema { draft: Draft202012, .. }");
    }

    #[test]
    fn honours_dollar_schema() {
        let schema = Schema::compile(&json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "prefixItems": [{"type": "integer"}]
        }))
        .unwrap();
        // Draft 4 ignores `prefixItems`.
        assert!(schema.is_valid(&json!(["x"])));
    }

    #[test]
    fn local_refs_resolve() {
        let schema = Schema::compile(&json!({
            "$defs": {"id": {"type": "integer"}},
            "properties": {"id": {"$ref": "#/$defs/id"}}
        }))
        .unwrap();
        assert!(schema.is_valid(&json!({"id": 1})));
        assert!(!schema.is_valid(&json!({"id": "1"})));
    }

    #[test]
    fn a_remote_ref_is_refused_without_a_fetch() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let err = Schema::compile(&json!({
            "properties": {"a": {"$ref": format!("http://127.0.0.1:{port}/a.json")}}
        }))
        .unwrap_err();
        assert!(err.starts_with("invalid JSON Schema: "), "{err}");
        assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
        listener.set_nonblocking(true).unwrap();
        match listener.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("the schema compiler connected: {other:?}"),
        }
    }

    #[test]
    fn a_file_ref_is_refused_without_a_read() {
        let err = Schema::compile(&json!({"$ref": "file:///etc/passwd"})).unwrap_err();
        assert!(err.starts_with("invalid JSON Schema: "), "{err}");
        assert!(!err.contains("root:"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.json");
        std::fs::write(&file, r#"{"type": "integer"}"#).unwrap();
        let url = format!("file://{}", file.display());
        assert!(Schema::compile(&json!({"$ref": url})).is_err());
    }

    #[test]
    fn an_invalid_schema_is_an_error() {
        let err = Schema::compile(&json!({"type": "no-such-type"})).unwrap_err();
        assert!(err.starts_with("invalid JSON Schema: "), "{err}");
        assert!(Schema::compile(&json!({"minLength": -1})).is_err());
    }
}
