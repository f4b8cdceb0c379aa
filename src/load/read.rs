//! Small readers that turn YAML nodes into model values, collecting every
//! error (with its span and what was expected) instead of stopping at the first.

use std::time::Duration;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::{DurationValue, Map};
use crate::model::{Node, NodeKind};
use crate::source::{Span, Spanned};

/// The errors found so far in one file.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub Vec<Diagnostic>);

impl Errors {
    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// "expected X for `key`, found Y".
    pub(crate) fn expected(&mut self, what: &str, key: &str, node: &Node) {
        self.push(Diagnostic::at(
            format!("expected {what} for `{key}`, found {}", found(node)),
            node.span,
        ));
    }

    /// "expected X for `key`, found Y", with a help line when there is one.
    pub(crate) fn expected_with(&mut self, what: &str, key: &str, node: &Node, help: Option<String>) {
        let mut d = Diagnostic::at(format!("expected {what} for `{key}`, found {}", found(node)), node.span);
        if let Some(help) = help {
            d = d.with_help(help);
        }
        self.push(d);
    }
}

/// What a node is, for "found …": the value itself when it is a short scalar
/// (it is on the quoted source line anyway), otherwise its kind.
pub(crate) fn found(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "an empty value".into(),
        NodeKind::Int(_) | NodeKind::Float(..) | NodeKind::Bool(_) => format!("`{}`", node.key_text()),
        NodeKind::Str { value, .. } if value.chars().count() <= 40 && !value.contains(['\n', '`']) => {
            format!("the string `{value}`")
        }
        _ => node.describe().into(),
    }
}

/// A help for a scalar that is one small edit away from the wanted type:
/// a quoted number or boolean, or YAML 1.1's `yes`/`no`/`on`/`off`.
pub(crate) fn scalar_hint(node: &Node, wanted: impl Fn(&NodeKind) -> bool) -> Option<String> {
    let NodeKind::Str { value, plain } = &node.kind else {
        return None;
    };
    let unquoted = crate::yaml::plain_scalar(value);
    if !plain && !matches!(unquoted, NodeKind::Str { .. }) && wanted(&unquoted) {
        return Some(format!("remove the quotes: in quotes, `{value}` is a string"));
    }
    let yes_no = ["yes", "no", "on", "off", "y", "n"].contains(&value.to_ascii_lowercase().as_str());
    if *plain && yes_no && wanted(&NodeKind::Bool(true)) {
        return Some(format!(
            "`{value}` is a string here (YAML 1.2): write `true` or `false`"
        ));
    }
    None
}

/// The fields of a YAML map, read by name; what is left are unknown keys.
pub(crate) struct Fields<'a> {
    entries: &'a [(Node, Node)],
    used: Vec<bool>,
    known: &'static [&'static str],
    /// "a step", "the request" — for messages.
    what: &'static str,
}

impl<'a> Fields<'a> {
    /// Reads `node` as a map of the `known` keys. Reports and returns None when it is not a map.
    pub(crate) fn of(
        errs: &mut Errors,
        node: &'a Node,
        key: &str,
        what: &'static str,
        known: &'static [&'static str],
    ) -> Option<Self> {
        match &node.kind {
            NodeKind::Map(entries) => Some(Fields {
                entries,
                used: vec![false; entries.len()],
                known,
                what,
            }),
            _ => {
                errs.expected("a map", key, node);
                None
            }
        }
    }

    /// The value of `key`, if present.
    pub(crate) fn get(&mut self, key: &str) -> Option<&'a Node> {
        debug_assert!(self.known.contains(&key), "{key} is not a known key");
        let entries = self.entries;
        let i = entries.iter().position(|(k, _)| k.as_str() == Some(key))?;
        self.used[i] = true;
        Some(&entries[i].1)
    }

    /// Reports `key`, when present, as belonging elsewhere (`retry` on a step belongs in `request`).
    pub(crate) fn misplaced(&mut self, errs: &mut Errors, key: &str, place: &str) {
        // The common case: every key of the map was a known one.
        if self.used.iter().all(|u| *u) {
            return;
        }
        let entries = self.entries;
        if let Some(i) = entries.iter().position(|(k, _)| k.as_str() == Some(key)) {
            self.used[i] = true;
            errs.push(
                Diagnostic::at(format!("unknown key `{key}` in {}", self.what), entries[i].0.span)
                    .with_help(format!("`{key}` belongs {place}")),
            );
        }
    }

    /// The span of `key` itself, if present.
    pub(crate) fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, _)| k.span)
    }

    /// True when an unknown key of this map looks like a misspelling of `key`:
    /// `finish` suggests it, so a "needs `key`" error would only say it twice.
    pub(crate) fn misspelled(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| {
            let name = k.key_text();
            !self.known.contains(&name.as_str()) && did_you_mean(&name, [key]).is_some()
        })
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.as_str() == Some(key))
    }

    /// Reports each key that was not read as unknown, with a suggestion.
    pub(crate) fn finish(self, errs: &mut Errors) {
        for ((key, _), used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            if key.as_str().is_some_and(|k| self.known.contains(&k)) {
                continue;
            }
            let name = key.key_text();
            let mut d = Diagnostic::at(format!("unknown key `{name}` in {}", self.what), key.span);
            d = match did_you_mean(&name, self.known.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of: {}", self.known.join(", "))),
            };
            errs.push(d);
        }
    }
}

pub(crate) fn string(errs: &mut Errors, key: &str, node: &Node) -> Option<Spanned<String>> {
    match &node.kind {
        NodeKind::Str { value, .. } => Some(Spanned::new(value.clone(), node.span)),
        // Numbers and booleans where text is expected are taken as written.
        NodeKind::Int(_) | NodeKind::Float(..) | NodeKind::Bool(_) => Some(Spanned::new(node.key_text(), node.span)),
        _ => {
            errs.expected("a string", key, node);
            None
        }
    }
}

pub(crate) fn boolean(errs: &mut Errors, key: &str, node: &Node) -> Option<bool> {
    match node.kind {
        NodeKind::Bool(b) => Some(b),
        _ => {
            let help = scalar_hint(node, |k| matches!(k, NodeKind::Bool(_)));
            errs.expected_with("`true` or `false`", key, node, help);
            None
        }
    }
}

/// A whole number in `range`.
pub(crate) fn uint<T: TryFrom<i64>>(
    errs: &mut Errors,
    key: &str,
    node: &Node,
    range: std::ops::RangeInclusive<i64>,
) -> Option<Spanned<T>> {
    if let NodeKind::Int(i) = node.kind
        && range.contains(&i)
        && let Ok(v) = T::try_from(i)
    {
        return Some(Spanned::new(v, node.span));
    }
    let help = scalar_hint(node, |k| matches!(k, NodeKind::Int(_)));
    let what = format!("a whole number from {} to {}", range.start(), range.end());
    errs.expected_with(&what, key, node, help);
    None
}

/// A duration node (`250ms`, `5s`, or whole milliseconds), or the error that says why not.
pub(crate) fn duration_of(key: &str, node: &Node) -> Result<Duration, Diagnostic> {
    let parsed = match &node.kind {
        NodeKind::Int(ms) if *ms >= 0 => Some(Duration::from_millis(*ms as u64)),
        NodeKind::Str { value, .. } => crate::text::parse_duration(value),
        _ => None,
    };
    parsed.ok_or_else(|| {
        let message = match &node.kind {
            NodeKind::Str { value, .. } => format!("invalid duration `{value}` for `{key}`"),
            _ => format!("expected a duration for `{key}`, found {}", found(node)),
        };
        Diagnostic::at(message, node.span).with_help(DURATION_HELP)
    })
}

pub(crate) fn duration(errs: &mut Errors, key: &str, node: &Node) -> Option<Spanned<DurationValue>> {
    match duration_of(key, node) {
        Ok(d) => Some(Spanned::new(DurationValue(d), node.span)),
        Err(d) => {
            errs.push(d);
            None
        }
    }
}

/// How to write a duration, for every "invalid duration" message.
pub(crate) const DURATION_HELP: &str =
    "write a duration such as `250ms`, `5s`, `1m30s`, or a whole number of milliseconds";

pub(crate) fn list<'a, T>(
    errs: &mut Errors,
    key: &str,
    node: &'a Node,
    mut item: impl FnMut(&mut Errors, &'a Node) -> Option<T>,
) -> Option<Vec<T>> {
    match &node.kind {
        NodeKind::Seq(items) => Some(items.iter().filter_map(|n| item(errs, n)).collect()),
        NodeKind::Null => Some(Vec::new()),
        NodeKind::Map(_) => {
            errs.expected("a list", key, node);
            None
        }
        _ => {
            // A single value where a list is expected: show the list of one.
            let one = match &node.kind {
                NodeKind::Str { plain: false, value } => format!("\"{value}\""),
                _ => node.key_text(),
            };
            let help = format!("write a list, even of one: `{key}: [{one}]`");
            errs.expected_with("a list", key, node, Some(help));
            None
        }
    }
}

pub(crate) fn strings(errs: &mut Errors, key: &str, node: &Node) -> Option<Vec<Spanned<String>>> {
    list(errs, key, node, |errs, n| string(errs, key, n))
}

/// A map with free keys: headers, query, vars, json paths.
pub(crate) fn map<'a, V>(
    errs: &mut Errors,
    key: &str,
    node: &'a Node,
    mut value: impl FnMut(&mut Errors, &Spanned<String>, &'a Node) -> Option<V>,
) -> Option<Map<V>> {
    match &node.kind {
        NodeKind::Map(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let name = Spanned::new(k.key_text(), k.span);
                if let Some(v) = value(errs, &name, v) {
                    out.push((name, v));
                }
            }
            Some(Map(out))
        }
        NodeKind::Null => Some(Map(Vec::new())),
        _ => {
            errs.expected("a map", key, node);
            None
        }
    }
}

/// A map whose values may be any YAML value.
pub(crate) fn any_map(errs: &mut Errors, key: &str, node: &Node) -> Option<Map<Node>> {
    map(errs, key, node, |_, _, v| Some(v.clone()))
}
