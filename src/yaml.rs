//! YAML text → a tree of [`Node`]s, each with its span.
//!
//! We read saphyr-parser's event stream ourselves rather than deserialize
//! with serde: it keeps a span on every node, lets the loader report every
//! error of a file instead of the first, and gives us control over the YAML
//! corners that bite test authors: booleans are only `true`/`false` (so `no`
//! and `on` stay strings), duplicate keys are errors, and aliases are
//! expanded under a node budget (no billion-laughs).

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Span as YSpan};

use crate::diagnostic::Diagnostic;
use crate::model::{Node, NodeKind};
use crate::source::{FileId, Pos, Span};

/// Alias expansion may not grow a document past this many nodes.
const NODE_BUDGET: usize = 1_000_000;
/// Nesting deeper than this is refused (the tree is walked recursively).
const MAX_DEPTH: usize = 256;

/// Parses one YAML document. An empty file is `Null`.
pub fn parse(file: FileId, text: &str) -> Result<Node, Diagnostic> {
    let mut builder = Builder {
        file,
        anchors: HashMap::new(),
        nodes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    let mut root: Option<Node> = None;
    loop {
        let (event, span) = next(&mut parser, file)?;
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                if root.is_some() {
                    return Err(Diagnostic::at(
                        "a collection file holds one YAML document; found a second `---`",
                        builder.span(span),
                    ));
                }
                let (event, span) = next(&mut parser, file)?;
                root = Some(builder.node(&mut parser, event, span, 0)?);
            }
            other => {
                root = Some(builder.node(&mut parser, other, span, 0)?);
            }
        }
    }
    Ok(root.unwrap_or(Node {
        span: Span {
            file,
            start: Pos { line: 1, col: 0 },
            end: Pos { line: 1, col: 0 },
        },
        kind: NodeKind::Null,
    }))
}

fn next<'a>(
    parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    file: FileId,
) -> Result<(Event<'a>, YSpan), Diagnostic> {
    match parser.next_event() {
        Some(Ok(pair)) => Ok(pair),
        Some(Err(e)) => Err(syntax_error(e.info(), point(file, *e.marker()))),
        None => Ok((Event::StreamEnd, YSpan::empty(Marker::new(0, 1, 0)))),
    }
}

/// The parser's message, with a help for the mistakes test authors make.
fn syntax_error(info: &str, span: Span) -> Diagnostic {
    if info.contains("recursion limit") {
        return Diagnostic::at("invalid YAML: `[` and `{` nested too deeply", span);
    }
    if info.contains("unknown anchor") {
        return Diagnostic::at("invalid YAML: this alias names no anchor", span)
            .with_help("an alias `*name` repeats a value marked `&name` earlier in the file");
    }
    let d = Diagnostic::at(format!("invalid YAML: {info}"), span);
    if info.contains("flow mapping") || info.contains("flow sequence") {
        // `{ json: $.items[0] }`: a plain value inside `{ }` or `[ ]` ends at `,` `[` `]` `{` `}`.
        return d.with_help(
            "close every `{` and `[` above, and quote values that hold `,` `[` `]` `{` or `}` inside them: `\"$.items[0]\"`",
        );
    }
    d
}

fn pos(m: Marker) -> Pos {
    Pos {
        line: m.line() as u32,
        col: m.col() as u32,
    }
}

fn point(file: FileId, m: Marker) -> Span {
    let pos = pos(m);
    Span {
        file,
        start: pos,
        end: Pos {
            line: pos.line,
            col: pos.col + 1,
        },
    }
}

struct Builder {
    file: FileId,
    /// Anchored values, with their size in nodes (what an alias adds to the budget).
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
}

impl Builder {
    fn span(&self, s: YSpan) -> Span {
        Span {
            file: self.file,
            start: pos(s.start),
            end: pos(s.end),
        }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), Diagnostic> {
        self.nodes += n;
        if self.nodes > NODE_BUDGET {
            return Err(
                Diagnostic::at(format!("aliases expand this document past {NODE_BUDGET} values"), span)
                    .with_help("each alias `*name` copies its anchor's whole value; aliases of aliases multiply"),
            );
        }
        Ok(())
    }

    fn node<'a>(
        &mut self,
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
        event: Event<'a>,
        yspan: YSpan,
        depth: usize,
    ) -> Result<Node, Diagnostic> {
        let span = self.span(yspan);
        if depth > MAX_DEPTH {
            return Err(Diagnostic::at(
                format!("invalid YAML: nested more than {MAX_DEPTH} levels deep"),
                span,
            ));
        }
        let (kind, end, anchor) = match event {
            Event::Scalar(value, style, anchor, _tag) => (scalar(&value, style), None, anchor),
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                let end = loop {
                    let (event, s) = next(parser, self.file)?;
                    if matches!(event, Event::SequenceEnd) {
                        break s;
                    }
                    items.push(self.node(parser, event, s, depth + 1)?);
                };
                (NodeKind::Seq(items), Some(end), anchor)
            }
            Event::MappingStart(anchor, _) => {
                let mut entries: Vec<(Node, Node)> = Vec::new();
                let mut seen: HashMap<String, usize> = HashMap::new();
                let end = loop {
                    let (event, s) = next(parser, self.file)?;
                    if matches!(event, Event::MappingEnd) {
                        break s;
                    }
                    let key = self.node(parser, event, s, depth + 1)?;
                    let (event, s) = next(parser, self.file)?;
                    let value = self.node(parser, event, s, depth + 1)?;
                    if matches!(key.kind, NodeKind::Seq(_) | NodeKind::Map(_)) {
                        return Err(Diagnostic::at("a map key must be a plain value", key.span));
                    }
                    // Two keys are the same when their text is (`1` and `"1"` too). An index by
                    // text keeps the check linear in the size of the map.
                    let text = key.key_text();
                    if let Some(&first) = seen.get(&text) {
                        let first: &Node = &entries[first].0;
                        return Err(Diagnostic::at(format!("duplicate key `{text}`"), key.span)
                            .with_help(format!("`{text}` is already set on line {}", first.span.start.line)));
                    }
                    seen.insert(text, entries.len());
                    entries.push((key, value));
                };
                (NodeKind::Map(entries), Some(end), anchor)
            }
            Event::Alias(id) => {
                // The budget is checked before the copy is made.
                let Some(&(_, size)) = self.anchors.get(&id) else {
                    return Err(Diagnostic::at("alias to an unknown anchor", span));
                };
                self.count(size, span)?;
                let target = self.anchors[&id].0.clone();
                return Ok(Node { span, ..target });
            }
            _ => return Err(Diagnostic::at("unexpected YAML structure", span)),
        };
        self.count(1, span)?;
        // A collection's span runs to its closing event.
        let span = match end {
            Some(end) => Span {
                end: self.span(end).end,
                ..span
            },
            None => span,
        };
        let node = Node { span, kind };
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size(&node)));
        }
        Ok(node)
    }
}

fn size(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Seq(items) => 1 + items.iter().map(size).sum::<usize>(),
        NodeKind::Map(entries) => 1 + entries.iter().map(|(k, v)| size(k) + size(v)).sum::<usize>(),
        _ => 1,
    }
}

/// What `value` would be if written without quotes.
pub(crate) fn plain_scalar(value: &str) -> NodeKind {
    scalar(value, ScalarStyle::Plain)
}

/// Resolves a scalar with the YAML 1.2 core schema, booleans strict.
fn scalar(value: &str, style: ScalarStyle) -> NodeKind {
    if style != ScalarStyle::Plain {
        return NodeKind::Str {
            value: value.to_owned(),
            plain: false,
        };
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" => return NodeKind::Float(f64::INFINITY, value.into()),
        "-.inf" | "-.Inf" | "-.INF" => return NodeKind::Float(f64::NEG_INFINITY, value.into()),
        _ => {}
    }
    if let Some(hex) = value.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return NodeKind::Int(i);
    }
    if let Some(oct) = value.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return NodeKind::Int(i);
    }
    let numeric = value
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
        && value.bytes().any(|b| b.is_ascii_digit());
    if numeric {
        if let Ok(i) = value.parse::<i64>() {
            return NodeKind::Int(i);
        }
        // The text is kept: an integer past i64 or a long decimal is sent and compared as written.
        if let Ok(f) = value.parse::<f64>() {
            return NodeKind::Float(f, value.into());
        }
    }
    NodeKind::Str {
        value: value.to_owned(),
        plain: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Node, Diagnostic> {
        parse(FileId(0), text)
    }

    #[test]
    fn scalars_follow_the_core_schema_with_strict_booleans() {
        let node = p("a: no\nb: true\nc: 12\nd: 1.5\ne: '12'\nf: ~\ng: on\n").unwrap();
        let json = node.to_json();
        assert_eq!(
            json,
            serde_json::json!({"a": "no", "b": true, "c": 12, "d": 1.5, "e": "12", "f": null, "g": "on"})
        );
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let node = p("name: x\nsteps:\n  - request: {url: /a}\n").unwrap();
        let NodeKind::Map(entries) = &node.kind else { panic!() };
        let (key, value) = &entries[1];
        assert_eq!((key.span.start.line, key.span.start.col), (2, 0));
        let NodeKind::Seq(items) = &value.kind else { panic!() };
        assert_eq!((items[0].span.start.line, items[0].span.start.col), (3, 4));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = p("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.message, "duplicate key `a`");
        assert_eq!(err.span.unwrap().start.line, 3);
    }

    #[test]
    fn duplicate_keys_are_found_among_100k() {
        // A pairwise check would make 5·10⁹ comparisons here (minutes); an index, 100k
        // lookups. The time is measured by `cargo bench --bench micro yaml`, not here.
        let mut text: String = (0..100_000).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(p(&text).is_ok());
        // A key and a number of the same text are the same key, as before.
        text.push_str("99999: again\n\"k5\": again\n");
        let err = p(&text).unwrap_err();
        assert_eq!(err.message, "duplicate key `k5`");
        assert_eq!(err.help.as_deref(), Some("`k5` is already set on line 6"));
        assert!(p("1: a\n\"1\": b\n").is_err());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = p("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
        assert!(err.span.is_some());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            text.push_str(&format!(
                "a{i}: &a{i} [*a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}]\n",
                j = i - 1
            ));
        }
        let err = p(&text).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{}", err.message);
    }

    #[test]
    fn aliases_expand() {
        let node = p("a: &h {x: 1}\nb: *h\n").unwrap();
        assert_eq!(node.to_json(), serde_json::json!({"a": {"x": 1}, "b": {"x": 1}}));
    }

    #[test]
    fn second_documents_are_refused() {
        assert!(p("a: 1\n---\nb: 2\n").is_err());
    }
}
