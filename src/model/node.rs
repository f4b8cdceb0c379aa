//! The YAML document tree the loader reads: every value with its span. The
//! reader (`load::yaml`) builds it; the model's readers and the compiler walk it.

use crate::source::Span;

/// A YAML value with its place in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    /// Any other number (an integer past i64 too), with its text as written.
    Float(f64, Box<str>),
    /// A string; `plain` is true for an unquoted scalar.
    Str {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What kind of value this is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(..) => "a number",
            NodeKind::Str { .. } => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The node as JSON (for vars, bodies and expected values without templates).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Int(i) => Value::from(*i),
            // As written when it is JSON (serde_json keeps a number's text), else as the float.
            NodeKind::Float(f, text) => serde_json::from_str(text.strip_prefix('+').unwrap_or(text))
                .ok()
                .or_else(|| serde_json::Number::from_f64(*f))
                .map_or(Value::Null, Value::Number),
            NodeKind::Str { value, .. } => Value::String(value.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.key_text(), v.to_json())).collect()),
        }
    }

    /// A map key as text (`1: x` has the key "1").
    pub fn key_text(&self) -> String {
        match &self.kind {
            NodeKind::Str { value, .. } => value.clone(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(_, text) => text.to_string(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Null => "null".into(),
            NodeKind::Seq(_) | NodeKind::Map(_) => String::new(),
        }
    }
}
