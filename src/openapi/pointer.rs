//! JSON pointers into the YAML trees of a spec's files, and the `$ref`s a file holds.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::{Node, NodeKind};
use crate::source::Span;

/// The value of `key` in a map node.
pub(super) fn get<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.kind {
        NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
        _ => None,
    }
}

/// Every `$ref` string in a file with its span; examples are data, not followed.
pub(super) fn collect_refs(node: &Node, out: &mut Vec<(String, Span)>) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                match k.as_str() {
                    Some("$ref") => {
                        if let Some(s) = v.as_str() {
                            out.push((s.to_owned(), v.span));
                        }
                    }
                    Some("example" | "examples") => {}
                    _ => collect_refs(v, out),
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| collect_refs(i, out)),
        _ => {}
    }
}

/// Why a JSON pointer selects nothing: the part that is missing, and what is there instead.
pub(super) struct Missing {
    token: String,
    candidates: Vec<String>,
}

impl Missing {
    pub(super) fn at(self, value: &str, span: Span) -> Diagnostic {
        let d = Diagnostic::at(
            format!("`$ref` `{value}` points at nothing: there is no `{}`", self.token),
            span,
        );
        match did_you_mean(&self.token, self.candidates.iter().map(String::as_str)) {
            Some(m) => d.with_help(format!("did you mean `{m}`?")),
            None => d,
        }
    }
}

/// The node a URI fragment (a JSON pointer) selects.
pub(super) fn pointer<'n>(node: &'n Node, fragment: &str) -> Result<&'n Node, Missing> {
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let mut node = node;
    if decoded.is_empty() {
        return Ok(node);
    }
    for token in decoded.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match &node.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| key_is(k, &token))
                .map(|(_, v)| v)
                .ok_or_else(|| Missing {
                    candidates: entries.iter().map(|(k, _)| k.key_text()).collect(),
                    token: token.clone(),
                })?,
            NodeKind::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)).ok_or(Missing {
                token: token.clone(),
                candidates: Vec::new(),
            })?,
            _ => {
                return Err(Missing {
                    token,
                    candidates: Vec::new(),
                });
            }
        };
    }
    Ok(node)
}

/// Whether a map key is `token`, without making text of a string key.
pub(super) fn key_is(key: &Node, token: &str) -> bool {
    match key.as_str() {
        Some(k) => k == token,
        None => key.key_text() == token,
    }
}
