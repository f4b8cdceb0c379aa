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

/// Keys whose value maps names to schemas: there a key is a property's (or a
/// definition's) name, never a keyword, so a property may be called `example`.
pub(super) const SCHEMA_NAME_MAPS: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "schemas"];

/// Every `$ref` string in a file with its span; examples are data, not followed.
pub(super) fn collect_refs(node: &Node, out: &mut Vec<(String, Span)>) {
    collect_refs_in(node, false, out);
}

/// [`collect_refs`]; `names` when `node` is one of [`SCHEMA_NAME_MAPS`].
fn collect_refs_in(node: &Node, names: bool, out: &mut Vec<(String, Span)>) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                match k.as_str() {
                    Some("$ref") if !names => {
                        if let Some(s) = v.as_str() {
                            out.push((s.to_owned(), v.span));
                        }
                    }
                    Some("example" | "examples") if !names => {}
                    key => collect_refs_in(v, !names && key.is_some_and(|k| SCHEMA_NAME_MAPS.contains(&k)), out),
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| collect_refs_in(i, false, out)),
        _ => {}
    }
}

/// Why a JSON pointer selects nothing: the part that is missing, and the map it is
/// missing from (its keys are the did-you-mean's candidates).
pub(super) struct Missing<'n> {
    token: String,
    map: Option<&'n [(Node, Node)]>,
}

impl Missing<'_> {
    pub(super) fn at(self, value: &str, span: Span) -> Diagnostic {
        let d = Diagnostic::at(
            format!("`$ref` `{value}` points at nothing: there is no `{}`", self.token),
            span,
        );
        let candidates: Vec<String> = self.map.unwrap_or_default().iter().map(|(k, _)| k.key_text()).collect();
        match did_you_mean(&self.token, candidates.iter().map(String::as_str)) {
            Some(m) => d.with_help(format!("did you mean `{m}`?")),
            None => d,
        }
    }
}

/// The node a URI fragment (a JSON pointer) selects.
pub(super) fn pointer<'n>(node: &'n Node, fragment: &str) -> Result<&'n Node, Missing<'n>> {
    match walk(node, fragment) {
        (found, None) => Ok(found),
        (_, Some(missing)) => Err(missing),
    }
}

/// The deepest node a URI fragment (a JSON pointer) reaches, and what it misses
/// below it when it stops short.
pub(super) fn walk<'n>(node: &'n Node, fragment: &str) -> (&'n Node, Option<Missing<'n>>) {
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let mut node = node;
    for token in decoded.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let (next, map) = match &node.kind {
            NodeKind::Map(entries) => (
                entries.iter().find(|(k, _)| key_is(k, &token)).map(|(_, v)| v),
                Some(entries.as_slice()),
            ),
            NodeKind::Seq(items) => (token.parse::<usize>().ok().and_then(|i| items.get(i)), None),
            _ => (None, None),
        };
        match next {
            Some(n) => node = n,
            None => return (node, Some(Missing { token, map })),
        }
    }
    (node, None)
}

/// Whether a map key is `token`, without making text of a string key.
fn key_is(key: &Node, token: &str) -> bool {
    match key.as_str() {
        Some(k) => k == token,
        None => key.key_text() == token,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_collected_except_in_examples_but_a_property_may_be_called_example() {
        let node = crate::yaml::parse(
            crate::source::FileId(0),
            "a: { $ref: '#/x' }\nexample: { $ref: '#/data' }\nschema:\n  properties:\n    example: { $ref: 'other.yaml#/Ex' }\n    $ref: { type: string }\n",
        )
        .unwrap();
        let mut found = Vec::new();
        collect_refs(&node, &mut found);
        let refs: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(refs, ["#/x", "other.yaml#/Ex"]);
    }
}
