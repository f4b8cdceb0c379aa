//! What a step checks and captures, as written: `expect` (status forms,
//! predicate maps) and `extract`, every error collected.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::{self, Errors, Fields};
use crate::load::yaml::{Node, NodeKind};
use crate::model::step::predicate_names;
use crate::model::{Expect, ExpectValue, Extract, ExtractSpec, Map, StatusExpect, StatusItem};
use crate::source::Spanned;

const EXPECT_KEYS: &[&str] = &["status", "headers", "json", "body", "cookies", "duration", "schema"];
const EXTRACT_KEYS: &[&str] = &["json", "header", "cookie", "status", "regex"];

pub fn expect(errs: &mut Errors, node: &Node) -> Option<Expect> {
    if let NodeKind::Int(_) = node.kind {
        let help = format!("write `expect: {{ status: {} }}`", node.key_text());
        errs.expected_with("a map", "expect", node, Some(help));
        return None;
    }
    let mut f = Fields::of(errs, node, "expect", "`expect`", EXPECT_KEYS)?;
    let e = Expect {
        status: f.get("status").and_then(|n| status(errs, n)),
        headers: f
            .get("headers")
            .and_then(|n| read::map(errs, "headers", n, |errs, _, v| Some(expect_value(errs, v)))),
        json: f
            .get("json")
            .and_then(|n| read::map(errs, "json", n, |errs, _, v| Some(expect_value(errs, v)))),
        body: f.get("body").map(|n| expect_value(errs, n)),
        cookies: f
            .get("cookies")
            .and_then(|n| read::map(errs, "cookies", n, |errs, _, v| Some(expect_value(errs, v)))),
        duration: f.get("duration").map(|n| expect_value(errs, n)),
        schema: f.get("schema").and_then(|n| {
            if matches!(n.kind, NodeKind::Str { .. } | NodeKind::Map(_) | NodeKind::Bool(_)) {
                return Some(n.clone());
            }
            errs.expected("a JSON Schema file path or an inline schema map", "schema", n);
            None
        }),
    };
    f.finish(errs);
    Some(e)
}

fn status(errs: &mut Errors, node: &Node) -> Option<Spanned<StatusExpect>> {
    let item = |errs: &mut Errors, n: &Node| -> Option<StatusItem> {
        match &n.kind {
            NodeKind::Int(i) if (100..=599).contains(i) => Some(StatusItem::Code(*i as u16)),
            NodeKind::Str { value, .. } => {
                let b = value.as_bytes();
                if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"xx") {
                    Some(StatusItem::Class(b[0] - b'0'))
                } else if let Ok(code) = value.parse::<u16>()
                    && (100..=599).contains(&code)
                {
                    Some(StatusItem::Code(code))
                } else {
                    errs.push(Diagnostic::at(
                        format!("`{value}` is not a status: write a code such as 200, or a class such as \"2xx\""),
                        n.span,
                    ));
                    None
                }
            }
            _ => {
                errs.expected("a status code (100 to 599) or a class such as \"2xx\"", "status", n);
                None
            }
        }
    };
    let s = match &node.kind {
        NodeKind::Seq(items) => StatusExpect::Any(items.iter().filter_map(|n| item(errs, n)).collect()),
        _ => StatusExpect::One(item(errs, node)?),
    };
    Some(Spanned::new(s, node.span))
}

/// A map is read as predicates only when every key is a predicate name.
fn expect_value(errs: &mut Errors, node: &Node) -> ExpectValue {
    let NodeKind::Map(entries) = &node.kind else {
        return ExpectValue::Plain(node.clone());
    };
    let is_predicate = |k: &Node| k.as_str().is_some_and(|k| predicate_names().contains(&k));
    if entries.is_empty() || !entries.iter().all(|(k, _)| is_predicate(k)) {
        // A map that mixes a predicate with a near-miss is almost surely a typo.
        if entries.iter().any(|(k, _)| is_predicate(k)) {
            for (k, _) in entries.iter().filter(|(k, _)| !is_predicate(k)) {
                let name = k.key_text();
                let mut d = Diagnostic::at(format!("unknown predicate `{name}`"), k.span);
                if let Some(s) = did_you_mean(&name, predicate_names().iter().copied()) {
                    d = d.with_help(format!(
                        "did you mean `{s}`? (use `equals:` to compare with a literal map)"
                    ));
                } else {
                    d = d.with_help("a map mixing predicates and other keys is ambiguous: use `equals:` to compare with a literal map");
                }
                errs.push(d);
            }
        }
        return ExpectValue::Plain(node.clone());
    }
    ExpectValue::Predicates(
        entries
            .iter()
            .map(|(k, v)| (Spanned::new(k.key_text(), k.span), v.clone()))
            .collect(),
    )
}

/// `extract:`, a map of names to captures.
pub fn captures(errs: &mut Errors, node: &Node) -> Option<Map<Extract>> {
    if let Some(path) = node.as_str() {
        // `extract: $.id` names no variable.
        let name = path
            .rsplit(['.', '[', '$'])
            .map(|s| s.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'))
            .find(|s| !s.is_empty())
            .unwrap_or("name");
        let help = format!("name the variable to capture into: `extract: {{ {name}: {path} }}`");
        errs.expected_with("a map", "extract", node, Some(help));
        return None;
    }
    read::map(errs, "extract", node, |errs, _, v| extract(errs, v))
}

fn extract(errs: &mut Errors, node: &Node) -> Option<Extract> {
    if let NodeKind::Str { value, .. } = &node.kind {
        if !value.starts_with('$') {
            let path = crate::jsonpath::rooted(value);
            errs.push(
                Diagnostic::at(
                    "a capture written as a string is a JSONPath, which starts with `$`",
                    node.span,
                )
                .with_help(format!(
                    "did you mean `{path}`? Other sources: `{{ header: Name }}`, `{{ cookie: name }}`, \
                         `{{ status: true }}`, `{{ regex: '...' }}`"
                )),
            );
            return None;
        }
        return Some(Extract::Path(Spanned::new(value.clone(), node.span)));
    }
    let mut f = Fields::of(errs, node, "extract", "a capture", EXTRACT_KEYS)?;
    let present: Vec<&str> = EXTRACT_KEYS.iter().copied().filter(|k| f.has(k)).collect();
    match present.as_slice() {
        [_] => {}
        [] if EXTRACT_KEYS.iter().any(|k| f.misspelled(k)) => {}
        [] => errs.push(
            Diagnostic::at("a capture needs a source", node.span)
                .with_help("name one of json, header, cookie, status or regex: `{ header: ETag }`"),
        ),
        [first, second, ..] => errs.push(Diagnostic::at(
            format!("a capture has one source; this one has `{first}` and `{second}`"),
            f.key_span(second).unwrap_or(node.span),
        )),
    }
    let spec = ExtractSpec {
        json: f.get("json").and_then(|n| read::string(errs, "json", n)),
        header: f.get("header").and_then(|n| read::string(errs, "header", n)),
        cookie: f.get("cookie").and_then(|n| read::string(errs, "cookie", n)),
        status: f.get("status").and_then(|n| read::boolean(errs, "status", n)),
        regex: f.get("regex").and_then(|n| read::string(errs, "regex", n)),
    };
    f.finish(errs);
    Some(Extract::Spec(spec))
}
