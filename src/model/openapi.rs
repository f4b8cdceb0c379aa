//! The `openapi:` keys: a collection's contract, and a step's opt-out.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::source::Spanned;

/// `openapi: specs/petstore.yaml`, or the long form with options.
#[derive(Debug, Clone)]
pub(crate) struct OpenApi {
    /// The spec file, relative to the collection, inside the file root.
    pub spec: Spanned<String>,
    /// Check what is sent too (parameters, body); default true.
    pub requests: Option<bool>,
    /// `warn`: an undeclared status is a warning; default `fail`.
    pub warn_undeclared: bool,
    /// operationIds or `"METHOD /template"`: left unchecked and uncounted.
    pub ignore: Vec<Spanned<String>>,
}

impl JsonSchema for OpenApi {
    fn schema_name() -> Cow<'static, str> {
        "OpenApi".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An OpenAPI 3.0/3.1 document every exchange is checked against: its path, or a map with `spec`.",
            "oneOf": [
                { "type": "string", "minLength": 1 },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["spec"],
                    "properties": {
                        "spec": { "type": "string", "minLength": 1, "description": "The spec file, relative to the collection." },
                        "requests": { "type": "boolean", "description": "Check what is sent too (parameters, body); default true." },
                        "undeclared_status": { "enum": ["fail", "warn"], "description": "Default fail." },
                        "ignore": {
                            "type": "array",
                            "items": { "type": "string" },
                            "description": "operationIds or \"METHOD /template\": left unchecked and uncounted."
                        }
                    }
                }
            ]
        })
    }
}

/// A step's `openapi:`: `false` (not checked or counted) or `{ requests: false }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepOpenApi {
    Off,
    NoRequests,
}

impl JsonSchema for StepOpenApi {
    fn schema_name() -> Cow<'static, str> {
        "StepOpenApi".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`false`: this step is not checked against the OpenAPI spec or counted; `{ requests: false }`: its request is not checked.",
            "oneOf": [
                { "const": false },
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["requests"],
                    "properties": { "requests": { "const": false } }
                }
            ]
        })
    }

    fn inline_schema() -> bool {
        true
    }
}
