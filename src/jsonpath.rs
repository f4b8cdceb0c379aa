//! JSONPath (RFC 9535) queries: the only module that touches `serde_json_path`,
//! so the engine can be swapped (`jsonpath-rfc9535` is the candidate).

use crate::text::cut;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// How deeply `[` may nest (filters inside filters). `serde_json_path`
/// parses a nested filter twice per level, so the time doubles with each
/// one: 10 levels take tens of milliseconds, 20 take many seconds. Real
/// queries nest two or three.
pub(crate) const MAX_BRACKET_NESTING: usize = 10;

/// How deeply `[` and `(` together may nest. The parser recurses once per
/// level, and a query a few thousand levels deep overflows the stack.
pub(crate) const MAX_NESTING: usize = 64;

/// A parsed JSONPath query. Cloning is cheap (the parsed query is shared).
#[derive(Clone)]
pub struct JsonPath {
    inner: Arc<Inner>,
}

struct Inner {
    source: String,
    query: serde_json_path::JsonPath,
}

/// What a query selected from a document.
///
/// A path that selects one node is compared as that value, one
/// that selects several as a list, one that selects none fails every
/// predicate but `exists: false`.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection<'a> {
    None,
    One(&'a Value),
    Many(Vec<&'a Value>),
}

impl JsonPath {
    /// Parses an RFC 9535 query such as `$.items[?@.price > 10].id`.
    ///
    /// The error is one short line saying what is wrong and where, e.g.
    /// ``invalid JSONPath `$.a b` at column 4: unexpected ` b` ``; it never
    /// panics.
    pub fn parse(src: &str) -> Result<JsonPath, String> {
        let nesting = nesting(src);
        if nesting.brackets > MAX_BRACKET_NESTING {
            return Err(format!(
                "JSONPath nests brackets {} levels deep; at most {MAX_BRACKET_NESTING} are allowed",
                nesting.brackets
            ));
        }
        if nesting.total > MAX_NESTING {
            return Err(format!(
                "JSONPath nests brackets and parentheses {} levels deep; at most {MAX_NESTING} are allowed",
                nesting.total
            ));
        }
        match serde_json_path::JsonPath::parse(src) {
            Ok(query) => Ok(JsonPath {
                inner: Arc::new(Inner {
                    source: src.to_owned(),
                    query,
                }),
            }),
            Err(err) => Err(parse_error_message(src, &err)),
        }
    }

    /// The query as written.
    pub fn as_str(&self) -> &str {
        &self.inner.source
    }

    /// Runs the query on a document.
    pub fn select<'a>(&self, doc: &'a Value) -> Selection<'a> {
        let nodes = self.inner.query.query(doc).all();
        match nodes.len() {
            0 => Selection::None,
            1 => Selection::One(nodes[0]),
            _ => Selection::Many(nodes),
        }
    }
}

impl JsonPath {
    /// Replaces every node the query selects with `with` (a snapshot's ignored nodes).
    pub(crate) fn replace_all(&self, doc: &mut Value, with: &Value) {
        let pointers: Vec<String> = self
            .inner
            .query
            .query_located(doc)
            .locations()
            .map(serde_json_path::NormalizedPath::to_json_pointer)
            .collect();
        for pointer in pointers {
            if let Some(node) = doc.pointer_mut(&pointer) {
                *node = with.clone();
            }
        }
    }
}

/// A path written without its leading `$` (`.a`, `[0]`, `a.b`), with it.
pub(crate) fn rooted(path: &str) -> String {
    if path.starts_with(['.', '[']) {
        format!("${path}")
    } else {
        format!("$.{path}")
    }
}

impl Selection<'_> {
    /// The selection as one value: the node itself, a list of the nodes, or
    /// `None` when nothing was selected.
    pub fn to_value(&self) -> Option<Value> {
        match self {
            Selection::None => None,
            Selection::One(value) => Some((*value).clone()),
            Selection::Many(values) => Some(Value::Array(values.iter().map(|v| (*v).clone()).collect())),
        }
    }

    /// True when the query selected nothing.
    pub fn is_none(&self) -> bool {
        matches!(self, Selection::None)
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonPath").field(&self.as_str()).finish()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for JsonPath {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for JsonPath {}

/// How deeply a query nests, outside string literals.
#[derive(Debug, PartialEq, Eq)]
struct Nesting {
    /// The deepest nesting of `[`.
    brackets: usize,
    /// The deepest nesting of `[` and `(` together.
    total: usize,
    /// The innermost `[`, `(` or quote left open at the end, and its byte offset.
    unclosed: Option<(char, usize)>,
    /// What would close everything left open, innermost first.
    closers: String,
}

/// Measures nesting before parsing. Brackets in quoted names (`$['a[b']`) do
/// not count; a closer that does not match is ignored, since the parser
/// reports it itself.
fn nesting(src: &str) -> Nesting {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut brackets = 0usize;
    let mut max = Nesting {
        brackets: 0,
        total: 0,
        unclosed: None,
        closers: String::new(),
    };
    let mut quote: Option<(char, usize)> = None;
    let mut escaped = false;
    for (at, c) in src.char_indices() {
        if let Some((q, _)) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some((c, at)),
            '[' | '(' => {
                open.push((c, at));
                if c == '[' {
                    brackets += 1;
                }
                max.brackets = max.brackets.max(brackets);
                max.total = max.total.max(open.len());
            }
            ']' | ')' => {
                let opener = if c == ']' { '[' } else { '(' };
                if open.last().is_some_and(|&(o, _)| o == opener) {
                    open.pop();
                    if opener == '[' {
                        brackets -= 1;
                    }
                }
            }
            _ => {}
        }
    }
    // A quote outside brackets starts no string; the parser names it itself.
    max.unclosed = open.last().and(quote).or(open.last().copied());
    max.closers = quote.iter().chain(open.iter().rev()).map(|&(c, _)| closer(c)).collect();
    max
}

fn closer(opener: char) -> char {
    match opener {
        '[' => ']',
        '(' => ')',
        quote => quote,
    }
}

/// One short line from the parser's error, with a 1-based column. nom's
/// generic "parser error" is replaced by the text found where parsing
/// stopped.
fn parse_error_message(src: &str, err: &serde_json_path::ParseError) -> String {
    let shown = cut(src, 80);
    if !src.starts_with('$') {
        return format!("invalid JSONPath `{shown}`: a query starts with `$`");
    }
    // The parser reports a byte offset; people count characters.
    let offset = err.position().min(src.len());
    let before = src.get(..offset).unwrap_or(src);
    let column = before.chars().count() + 1;
    let rest = src.get(offset..).unwrap_or("");
    // A bracket, parenthesis or quote left open is named where it opens: the
    // parser's own words (`$..[`: "must start with lowercase alpha") do not
    // say so. Unless the query is wrong before it even once it is closed.
    let nesting = nesting(src);
    if let Some((opener, at)) = nesting.unclosed
        && serde_json_path::JsonPath::parse(&format!("{src}{}", nesting.closers))
            .map_or_else(|e| e.position() >= at, |_| true)
    {
        let column = src[..at].chars().count() + 1;
        let what = if opener == '[' || opener == '(' { "" } else { "quote " };
        return format!("invalid JSONPath `{shown}` at column {column}: this {what}`{opener}` is never closed");
    }
    let message = err.message().lines().next().unwrap_or("").trim();
    let message = if message.is_empty() || message.ends_with("parser error") {
        let prefix = message.trim_end_matches("parser error");
        if rest.is_empty() {
            format!("{prefix}unexpected end of query")
        } else {
            format!("{prefix}unexpected `{}`", cut(rest, 20))
        }
    } else {
        cut(message, 120)
    };
    format!("invalid JSONPath `{shown}` at column {column}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "items": [
                {"id": 1, "x": 0, "name": "a"},
                {"id": 2, "x": 5, "name": "b"},
                {"id": 3, "x": 2, "name": "c"}
            ],
            "user": {"name": "alice", "first name": "Al", "it's": true, "n": null},
            "empty": []
        })
    }

    fn select(path: &str) -> Option<Value> {
        let doc = doc();
        JsonPath::parse(path).expect(path).select(&doc).to_value()
    }

    #[test]
    fn one_node_is_the_value_itself() {
        assert_eq!(select("$.user.name"), Some(json!("alice")));
        let d = doc();
        let p = JsonPath::parse("$.user.name").unwrap();
        assert_eq!(p.select(&d), Selection::One(&d["user"]["name"]));
    }

    #[test]
    fn several_nodes_are_a_list() {
        assert_eq!(select("$.items[*].id"), Some(json!([1, 2, 3])));
        assert!(matches!(
            JsonPath::parse("$.items[*].id").unwrap().select(&doc()),
            Selection::Many(v) if v.len() == 3
        ));
    }

    #[test]
    fn no_node_is_none() {
        assert_eq!(select("$.missing"), None);
        assert_eq!(select("$.empty[*]"), None);
        assert!(JsonPath::parse("$.nope").unwrap().select(&doc()).is_none());
    }

    #[test]
    fn null_is_a_match_not_a_miss() {
        assert_eq!(select("$.user.n"), Some(Value::Null));
    }

    #[test]
    fn filters() {
        assert_eq!(select("$.items[?@.x > 1].id"), Some(json!([2, 3])));
        assert_eq!(select("$.items[?@.x > 4].name"), Some(json!("b")));
        assert_eq!(select("$.items[?@.x > 100]"), None);
        assert_eq!(select("$.items[?@.name == 'a' || @.id == 3].id"), Some(json!([1, 3])));
        assert_eq!(select("$.items[?length(@.name) == 1].id"), Some(json!([1, 2, 3])));
    }

    #[test]
    fn quoted_names() {
        assert_eq!(select("$.user['first name']"), Some(json!("Al")));
        assert_eq!(select("$.user[\"first name\"]"), Some(json!("Al")));
        assert_eq!(select("$.user['it\\'s']"), Some(json!(true)));
    }

    #[test]
    fn slices_and_descendants() {
        assert_eq!(select("$.items[0:2].id"), Some(json!([1, 2])));
        assert_eq!(select("$.items[-1].id"), Some(json!(3)));
        assert_eq!(select("$..name"), Some(json!(["a", "b", "c", "alice"])));
    }

    #[test]
    fn keeps_its_source() {
        let p = JsonPath::parse("$.a[0]").unwrap();
        assert_eq!(p.as_str(), "$.a[0]");
        assert_eq!(p.clone().to_string(), "$.a[0]");
        assert_eq!(p, JsonPath::parse("$.a[0]").unwrap());
    }

    #[test]
    fn syntax_errors_are_errors() {
        for bad in [
            "",
            "a",
            "$.",
            "$[",
            "$.a b",
            "$[?@.x >]",
            "$['unterminated",
            "$..",
            "$.a[1:2:0:1]",
            "$[?(@.a]",
            "$.a[?foo(@)]",
            "$[?@ == 'x' &&]",
        ] {
            let err = JsonPath::parse(bad).expect_err(bad);
            assert!(err.starts_with("invalid JSONPath"), "{bad}: {err}");
            assert!(!err.contains('\n'), "{bad}: {err}");
        }
        let err = JsonPath::parse("$.a b").unwrap_err();
        assert!(err.contains("`$.a b`"), "{err}");
        assert_eq!(err, "invalid JSONPath `$.a b` at column 4: unexpected ` b`");
        assert_eq!(
            JsonPath::parse("$[?@.x >]").unwrap_err(),
            "invalid JSONPath `$[?@.x >]` at column 8: in long-hand segment, expected closing ']'"
        );
        assert_eq!(
            JsonPath::parse("$[?@ == 'é' &&]").unwrap_err(),
            "invalid JSONPath `$[?@ == 'é' &&]` at column 15: in long-hand segment, unexpected `]`"
        );
        assert_eq!(
            JsonPath::parse("$.a[0] ]").unwrap_err(),
            "invalid JSONPath `$.a[0] ]` at column 7: unexpected ` ]`"
        );
        assert_eq!(
            JsonPath::parse("items[0]").unwrap_err(),
            "invalid JSONPath `items[0]`: a query starts with `$`"
        );
    }

    #[test]
    fn an_unclosed_bracket_is_named_where_it_opens() {
        for (bad, column, what) in [
            ("$..[", 4, "`[`"),
            ("$[", 2, "`[`"),
            ("$.a[0", 4, "`[`"),
            ("$['a'", 2, "`[`"),
            ("$[?@.x >", 2, "`[`"),
            ("$.a[?@.b[0]", 4, "`[`"),
            ("$[?(@.a]", 4, "`(`"),
            ("$[?(@.a", 4, "`(`"),
            ("$['unterminated", 3, "quote `'`"),
            ("$[?@.a == \"x]", 11, "quote `\"`"),
        ] {
            assert_eq!(
                JsonPath::parse(bad).unwrap_err(),
                format!("invalid JSONPath `{bad}` at column {column}: this {what} is never closed"),
                "{bad}"
            );
        }
        // A mistake before the unclosed bracket is the one reported.
        assert_eq!(
            JsonPath::parse("$.a b[").unwrap_err(),
            "invalid JSONPath `$.a b[` at column 4: unexpected ` b[`"
        );
        assert_eq!(
            JsonPath::parse("$.a b['x").unwrap_err(),
            "invalid JSONPath `$.a b['x` at column 4: unexpected ` b['x`"
        );
        assert_eq!(
            JsonPath::parse("$.a'b").unwrap_err(),
            "invalid JSONPath `$.a'b` at column 4: unexpected `'b`"
        );
        // Columns count characters, not bytes.
        assert_eq!(
            JsonPath::parse("$['é'][").unwrap_err(),
            "invalid JSONPath `$['é'][` at column 7: this `[` is never closed"
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("$.a{}{}", "[?@".repeat(5000), "]".repeat(5000));
        assert_eq!(
            JsonPath::parse(&deep).unwrap_err(),
            "JSONPath nests brackets 5000 levels deep; at most 10 are allowed"
        );
        let filters = format!("$.a{}{}", "[?@".repeat(11), "]".repeat(11));
        assert!(JsonPath::parse(&filters).unwrap_err().contains("11 levels"));
        let parens = format!("$[?{}@.a{}]", "(".repeat(100), ")".repeat(100));
        assert_eq!(
            JsonPath::parse(&parens).unwrap_err(),
            "JSONPath nests brackets and parentheses 101 levels deep; at most 64 are allowed"
        );
        let parens = format!("$[?{}@.a{}]", "(".repeat(5000), ")".repeat(5000));
        assert!(JsonPath::parse(&parens).is_err());
    }

    #[test]
    fn the_deepest_allowed_queries_fit_the_stack() {
        // 2 MiB: what test threads and tokio workers get; debug builds use
        // the most stack.
        let run = || {
            let doc = serde_json::json!({"a": [{"a": [{"a": 1}]}]});
            let filters = format!(
                "$.a{}{}",
                "[?@.a".repeat(MAX_BRACKET_NESTING),
                "]".repeat(MAX_BRACKET_NESTING)
            );
            let parens = format!("$[?{}@.a{}]", "(".repeat(63), ")".repeat(63));
            let deep_parens = MAX_NESTING - 2 * MAX_BRACKET_NESTING;
            let both = format!(
                "${} && {}@.b{}{}",
                "[?(@.a".repeat(MAX_BRACKET_NESTING),
                "(".repeat(deep_parens),
                ")".repeat(deep_parens),
                ")]".repeat(MAX_BRACKET_NESTING)
            );
            for query in [filters, parens, both] {
                let path = JsonPath::parse(&query).expect(&query);
                let _ = path.select(&doc);
            }
        };
        // They take milliseconds (a parse that grew exponentially with nesting
        // would not end); what is checked here is that they fit the stack.
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn brackets_in_quotes_do_not_count() {
        let depth = |src: &str| {
            let n = nesting(src);
            (n.brackets, n.total)
        };
        assert_eq!(depth("$['[[[[(((']"), (1, 1));
        assert_eq!(depth(r#"$["a\"[[["]"#), (1, 1));
        assert_eq!(depth("$.a[0][1]"), (1, 1));
        assert_eq!(depth("$[?@[?@[0]]]"), (3, 3));
        assert_eq!(depth("$[?(@.a && (@.b))]"), (1, 3));
        assert_eq!(depth("$[?@.a)]"), (1, 1));
        let quoted = format!("$['{}']", "[".repeat(500));
        assert!(JsonPath::parse(&quoted).is_ok());
    }

    #[test]
    fn long_input_error_is_cut() {
        let long = format!("$.{}", "a b".repeat(100));
        let err = JsonPath::parse(&long).unwrap_err();
        assert!(err.chars().count() < 300, "{err}");
    }
}
