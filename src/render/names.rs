//! The filters, tests and functions a template calls, checked against the
//! Environment when the template compiles: `{{ user | uper }}` is an error
//! with a did-you-mean at load, not a failed step at run time.
//!
//! minijinja resolves these names only when it renders, so the names are read
//! off its own tokenizer: a name after `|` is a filter, after `is` (or
//! `is not`) a test, and a name called with `(` that is not an attribute
//! (`x.items()`) a function.

use std::ops::Range;

use minijinja::Environment;
use minijinja::machinery::{Token, tokenize};

use crate::diagnostic::did_you_mean;

/// What kind of name a template calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Filter,
    Test,
    Function,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Filter => "filter",
            Kind::Test => "test",
            Kind::Function => "function",
        }
    }
}

/// minijinja's built-in filters and tests (those compiled in are kept), and
/// the callables that exist only inside blocks and loops.
#[rustfmt::skip]
const FILTERS: &[&str] = &[
    "abs", "attr", "batch", "bool", "capitalize", "chain", "count", "d", "default", "dictsort", "e",
    "escape", "first", "float", "format", "groupby", "indent", "int", "items", "join", "last", "length",
    "lines", "list", "lower", "map", "max", "min", "pprint", "reject", "rejectattr", "replace", "reverse",
    "round", "safe", "select", "selectattr", "slice", "sort", "split", "string", "sum", "title", "tojson",
    "trim", "unique", "upper", "urlencode", "zip",
];
#[rustfmt::skip]
const TESTS: &[&str] = &[
    "boolean", "defined", "divisibleby", "endingwith", "eq", "equalto", "escaped", "even", "false", "filter",
    "float", "ge", "greaterthan", "gt", "in", "int", "integer", "iterable", "le", "lessthan", "lower", "lt",
    "mapping", "ne", "none", "number", "odd", "safe", "sameas", "sequence", "startingwith", "string", "test",
    "true", "undefined", "upper",
];
const BLOCK_CALLABLES: &[&str] = &["loop", "super", "self"];

/// The names an Environment knows, read once.
pub(crate) struct Known {
    filters: Vec<String>,
    tests: Vec<String>,
    functions: Vec<String>,
}

impl Known {
    /// `extra_filters` are the filters Sortie adds (minijinja has no list of them).
    pub(crate) fn of(env: &Environment<'static>, extra_filters: &[&str]) -> Known {
        // Two probes compiled once, then evaluated per name (compiling is the costly part).
        let is_filter = env.compile_expression("name is filter").ok();
        let is_test = env.compile_expression("name is test").ok();
        let has = |kind: &str, name: &str| {
            let probe = if kind == "filter" { &is_filter } else { &is_test };
            probe
                .as_ref()
                .and_then(|e| e.eval(minijinja::context! { name }).ok())
                .is_some_and(|v| v.is_true())
        };
        let filters = FILTERS
            .iter()
            .chain(extra_filters)
            .filter(|n| has("filter", n))
            .map(|n| (*n).to_owned())
            .collect();
        let tests = TESTS
            .iter()
            .filter(|n| has("test", n))
            .map(|n| (*n).to_owned())
            .collect();
        let functions = env.globals().map(|(name, _)| name.to_owned()).collect();
        Known {
            filters,
            tests,
            functions,
        }
    }

    pub(crate) fn functions(&self) -> &[String] {
        &self.functions
    }

    /// The first filter, test or function in `source` that does not exist, as
    /// a message and the byte range of its name. `offset` is where `source`
    /// starts in the string as written; `in_expr` is true for a bare expression.
    pub(crate) fn unknown(&self, source: &str, offset: usize, in_expr: bool) -> Option<(String, Range<usize>)> {
        for (kind, name, range) in calls(source, in_expr) {
            let list = match kind {
                Kind::Filter => &self.filters,
                Kind::Test => &self.tests,
                Kind::Function => &self.functions,
            };
            let block_callable = kind == Kind::Function && BLOCK_CALLABLES.contains(&name);
            if block_callable || list.iter().any(|n| n == name) {
                continue;
            }
            let mut message = format!("unknown {} `{name}`", kind.word());
            match did_you_mean(name, list.iter().map(String::as_str)) {
                Some(s) => message.push_str(&format!(" (did you mean `{s}`?)")),
                None if kind == Kind::Function => {
                    message.push_str(" (a variable is not called with `()`)");
                }
                None => {}
            }
            return Some((message, range.start + offset..range.end + offset));
        }
        None
    }
}

/// The tokens of `source`, or none when it does not tokenize (compiling says why).
fn tokens(source: &str, in_expr: bool) -> Vec<(Token<'_>, Range<usize>)> {
    let mut out = Vec::new();
    for token in tokenize(source, in_expr, Default::default()) {
        let Ok((token, span)) = token else { break };
        out.push((token, span.start_offset as usize..span.end_offset as usize));
    }
    out
}

/// Every filter, test and function call in `source`, in order.
fn calls(source: &str, in_expr: bool) -> Vec<(Kind, &str, Range<usize>)> {
    let tokens = tokens(source, in_expr);
    let mut out = Vec::new();
    for (i, (token, range)) in tokens.iter().enumerate() {
        let Token::Ident(name) = token else { continue };
        let before = |back: usize| i.checked_sub(back).map(|j| &tokens[j].0);
        let after = tokens.get(i + 1).map(|t| &t.0);
        let kind = match (before(1), before(2)) {
            (Some(Token::Pipe), _) => Some(Kind::Filter),
            // `{% filter upper %}…{% endfilter %}`
            (Some(Token::Ident("filter")), Some(Token::BlockStart)) => Some(Kind::Filter),
            (Some(Token::Ident("is")), _) => Some(Kind::Test),
            (Some(Token::Ident("not")), Some(Token::Ident("is"))) => Some(Kind::Test),
            (Some(Token::Dot | Token::Ident("set" | "for")), _) => None,
            _ if matches!(after, Some(Token::ParenOpen)) => Some(Kind::Function),
            _ => None,
        };
        // `is not x`: `not` itself is not the test.
        let is_not = kind == Some(Kind::Test) && *name == "not" && matches!(before(1), Some(Token::Ident("is")));
        if let Some(kind) = kind
            && !is_not
        {
            out.push((kind, *name, range.clone()));
        }
    }
    out
}
