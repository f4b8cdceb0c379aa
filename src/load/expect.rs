//! What a step checks and captures, as written: `expect` (status forms,
//! predicate maps) and `extract`, every error collected; and the load-time
//! errors of a predicate's value.

use crate::check::{build_predicate, predicate_names};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::{self, Errors, Fields, scalar_hint};
use crate::model::{
    BytesExpect, Expect, ExpectValue, Extract, ExtractSpec, Map, Snapshot, SnapshotOptions, StatusExpect, StatusItem,
};
use crate::model::{Node, NodeKind};
use crate::source::Spanned;

const EXPECT_KEYS: &[&str] = &[
    "status",
    "headers",
    "json",
    "body",
    "cookies",
    "duration",
    "schema",
    "snapshot",
    "bytes",
    "url",
    "redirects",
    "version",
    "html",
    "xml",
    "vars",
];
const SNAPSHOT_KEYS: &[&str] = &["ignore", "headers"];
const BYTES_KEYS: &[&str] = &["length", "sha256", "md5", "file"];
const EXTRACT_KEYS: &[&str] = &["json", "header", "cookie", "status", "regex", "css", "xpath"];

pub(crate) fn expect(errs: &mut Errors, node: &Node) -> Option<Expect> {
    if let NodeKind::Int(_) = node.kind {
        let help = format!("write `expect: {{ status: {} }}`", node.key_text());
        errs.expected_with("a map", "expect", node, Some(help));
        return None;
    }
    if let NodeKind::Map(entries) = &node.kind
        && entries.is_empty()
    {
        errs.push(
            Diagnostic::at("`expect` is empty: it checks nothing", node.span).with_help(
                "say what to check, such as `expect: { status: 200 }`, or remove it \
                 (a step expects any 2xx or 3xx status by default)",
            ),
        );
        return None;
    }
    let mut f = Fields::of(errs, node, "expect", "`expect`", EXPECT_KEYS)?;
    for (key, example) in [
        ("headers", "`headers: { Content-Type: { contains: json } }`"),
        (
            "json",
            "`json: { $.id: { exists: true } }` (`$: { exists: true }` checks only that the body is JSON)",
        ),
        ("cookies", "`cookies: { sid: { exists: true } }`"),
        ("vars", "`vars: { total: { gt: 3 } }`"),
        (
            "html",
            "`html: { \"input[name=csrf]::attr(value)\": { exists: true } }`",
        ),
        ("xml", "`xml: { \"count(//item)\": 3 }`"),
    ] {
        if let Some(n) = f.get(key).filter(|n| is_empty_map(n)) {
            errs.push(
                Diagnostic::at(format!("`{key}` lists nothing to check"), n.span).with_help(format!(
                    "map each {} to an expectation, as {example}",
                    subject_word(key)
                )),
            );
        }
    }
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
        snapshot: f.get("snapshot").and_then(|n| snapshot(errs, n)),
        bytes: f.get("bytes").and_then(|n| bytes(errs, n)),
        url: f.get("url").map(|n| expect_value(errs, n)),
        redirects: f.get("redirects").map(|n| expect_value(errs, n)),
        version: f.get("version").map(|n| expect_value(errs, n)),
        html: f
            .get("html")
            .and_then(|n| read::map(errs, "html", n, |errs, _, v| Some(expect_value(errs, v)))),
        xml: f
            .get("xml")
            .and_then(|n| read::map(errs, "xml", n, |errs, _, v| Some(expect_value(errs, v)))),
        vars: f
            .get("vars")
            .and_then(|n| read::map(errs, "vars", n, |errs, _, v| Some(expect_value(errs, v)))),
    };
    f.finish(errs);
    Some(e)
}

/// `snapshot: true`, or `{ ignore: [JSONPaths], headers: [names] }`.
fn snapshot(errs: &mut Errors, node: &Node) -> Option<Spanned<Snapshot>> {
    let value = match &node.kind {
        NodeKind::Bool(b) => Snapshot::Enabled(*b),
        NodeKind::Map(_) => {
            let mut f = Fields::of(errs, node, "snapshot", "`snapshot`", SNAPSHOT_KEYS)?;
            let options = SnapshotOptions {
                ignore: f.get("ignore").and_then(|n| read::strings(errs, "ignore", n)),
                headers: f.get("headers").and_then(|n| read::strings(errs, "headers", n)),
            };
            f.finish(errs);
            Snapshot::Options(options)
        }
        _ => {
            let help = "write `snapshot: true`, or `snapshot: { ignore: [$.id], headers: [Content-Type] }`";
            errs.expected_with("`true` or a map", "snapshot", node, Some(help.to_owned()));
            return None;
        }
    };
    Some(Spanned::new(value, node.span))
}

/// `bytes: { length, sha256, md5, file }`.
fn bytes(errs: &mut Errors, node: &Node) -> Option<BytesExpect> {
    let mut f = Fields::of(errs, node, "bytes", "`bytes`", BYTES_KEYS)?;
    let b = BytesExpect {
        length: f.get("length").map(|n| expect_value(errs, n)),
        sha256: f.get("sha256").map(|n| expect_value(errs, n)),
        md5: f.get("md5").map(|n| expect_value(errs, n)),
        file: f.get("file").and_then(|n| read::string(errs, "file", n)),
    };
    f.finish(errs);
    Some(b)
}

/// `{}`, or nothing at all.
fn is_empty_map(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Map(entries) => entries.is_empty(),
        NodeKind::Null => true,
        _ => false,
    }
}

/// What the keys of `expect.KEY` name.
fn subject_word(key: &str) -> &'static str {
    match key {
        "headers" => "header name",
        "json" => "JSONPath",
        "vars" => "variable or expression",
        "html" => "CSS selector",
        "xml" => "XPath",
        _ => "cookie name",
    }
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
        NodeKind::Seq(items) if items.is_empty() => {
            errs.push(
                Diagnostic::at("an empty list of statuses accepts none", node.span).with_help(
                    "list the codes or classes to accept, such as `status: [200, 201]`, or remove `status` \
                     for the default (any 2xx or 3xx)",
                ),
            );
            return None;
        }
        NodeKind::Seq(items) => StatusExpect::Any(items.iter().filter_map(|n| item(errs, n)).collect()),
        _ => StatusExpect::One(item(errs, node)?),
    };
    Some(Spanned::new(s, node.span))
}

/// A map is read as predicates only when every key is a predicate name. A map
/// that looks like a mistyped predicate map (a key that is a predicate name in
/// other case, a near miss, or another tool's name for one) is an error, never
/// a literal that silently fails to match: a literal map of that shape goes
/// under `equals:`.
fn expect_value(errs: &mut Errors, node: &Node) -> ExpectValue {
    let NodeKind::Map(entries) = &node.kind else {
        return ExpectValue::Plain(node.clone());
    };
    let is_predicate = |k: &Node| k.as_str().is_some_and(|k| predicate_names().contains(&k));
    if !entries.is_empty() && !entries.iter().any(|(k, _)| is_predicate(k)) {
        let mut mistyped = false;
        for (k, _) in entries {
            let name = k.key_text();
            if let Some(meant) = mistyped_predicate(&name) {
                errs.push(
                    Diagnostic::at(format!("`{name}` is not a predicate (did you mean `{meant}`?)"), k.span)
                        .with_help(format!(
                            "write `{meant}:`; to compare with a literal map that has the key `{name}`, put it under `equals:`"
                        )),
                );
                mistyped = true;
            }
        }
        if mistyped {
            return ExpectValue::Plain(node.clone());
        }
    }
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

/// Other tools' names for predicates (Jest, Chai, JSON Schema, Hurl), as users write them.
const PREDICATE_ALIASES: &[(&str, &str)] = &[
    ("eq", "equals"),
    ("equal", "equals"),
    ("ne", "not_equals"),
    ("neq", "not_equals"),
    ("not_equal", "not_equals"),
    ("gte", "ge"),
    ("lte", "le"),
    ("greater_than", "gt"),
    ("greater_than_or_equal", "ge"),
    ("less_than", "lt"),
    ("less_than_or_equal", "le"),
    ("regex", "matches"),
    ("match", "matches"),
    ("pattern", "matches"),
    ("size", "length"),
    ("len", "length"),
    ("count", "length"),
    ("includes", "contains"),
    ("include", "contains"),
    ("has", "contains"),
    ("is", "equals"),
    ("startswith", "starts_with"),
    ("endswith", "ends_with"),
    ("in", "one_of"),
    ("enum", "one_of"),
    ("negate", "not"),
    ("all_of", "all"),
    ("allof", "all"),
    ("every", "all"),
    ("is_before", "before"),
    ("is_after", "after"),
];

/// Predicate names too short, or too close to common words, to guess from a near miss:
/// `{ note: x }` or `{ call: y }` stay literal maps. Other case and aliases still count.
const EXACT_ONLY: &[&str] = &["not", "all"];

/// The predicate a map key was probably meant to be: another tool's name for
/// it, its name in other case, or a near miss (short keys only by one edit, so
/// that a literal `{ at: 1 }` or `{ id: 1 }` stays a literal).
fn mistyped_predicate(key: &str) -> Option<&'static str> {
    if let Some((_, meant)) = PREDICATE_ALIASES
        .iter()
        .find(|(alias, _)| key.eq_ignore_ascii_case(alias))
    {
        return Some(meant);
    }
    let names = predicate_names();
    if let Some(name) = names.iter().find(|n| key.eq_ignore_ascii_case(n)) {
        return Some(name);
    }
    let lower = key.to_ascii_lowercase();
    names
        .iter()
        .copied()
        .filter(|name| !EXACT_ONLY.contains(name))
        .find(|name| {
            let d = strsim::damerau_levenshtein(&lower, name);
            // Names added with `not` keep to one edit: `{ form: x }` is not `format`.
            let limit = if name.len() <= 4 || ["format", "before", "after"].contains(name) {
                1
            } else {
                2
            };
            lower.len() >= 3 && d <= limit
        })
}

/// `extract:`, a map of names to captures.
pub(crate) fn captures(errs: &mut Errors, node: &Node) -> Option<Map<Extract>> {
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
    read::map(errs, "extract", node, |errs, name, v| {
        // As in `vars`: `{{ env }}` would read the environment, never this capture.
        if name.value == "env" {
            errs.push(
                Diagnostic::at(
                    "`env` is reserved: templates read the environment as `env.NAME`",
                    name.span,
                )
                .with_help("capture into another name, such as `environment`"),
            );
        }
        extract(errs, v)
    })
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
        css: f.get("css").and_then(|n| read::string(errs, "css", n)),
        xpath: f.get("xpath").and_then(|n| read::string(errs, "xpath", n)),
    };
    f.finish(errs);
    Some(Extract::Spec(Box::new(spec)))
}

/// The load-time error of predicate `name` with the value `node`, pointed at
/// the inner value at fault (`length: { gt: ten }` → `ten`).
pub(crate) fn predicate_error(name: &str, node: &Node, msg: String) -> Diagnostic {
    // `all: [{ contains: a }, { contians: b }]` → the map at fault, read as `not`'s.
    if let ("all", NodeKind::Seq(items)) = (name, &node.kind) {
        for item in items {
            if !matches!(&item.kind, NodeKind::Map(entries) if !entries.is_empty()) {
                return Diagnostic::at(msg, item.span);
            }
            if let Err(m) = build_predicate("not", &item.to_json()) {
                return predicate_error("not", item, m);
            }
        }
    }
    if let ("length" | "not", NodeKind::Map(entries)) = (name, &node.kind) {
        for (k, v) in entries {
            let inner = k.key_text();
            if !predicate_names().contains(&inner.as_str()) {
                let d = Diagnostic::at(format!("unknown predicate `{inner}`"), k.span);
                return match did_you_mean(&inner, predicate_names().iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("`{name}` takes predicates: {}", predicate_names().join(", "))),
                };
            }
            if let Err(m) = build_predicate(&inner, &v.to_json()) {
                return predicate_error(&inner, v, m);
            }
        }
    }
    let d = Diagnostic::at(msg, node.span);
    let hint = match name {
        "gt" | "ge" | "lt" | "le" | "length" => {
            scalar_hint(node, |k| matches!(k, NodeKind::Int(_) | NodeKind::Float(..)))
        }
        "exists" | "empty" => scalar_hint(node, |k| matches!(k, NodeKind::Bool(_))),
        _ => None,
    };
    match hint {
        Some(h) => d.with_help(h),
        None => d,
    }
}
