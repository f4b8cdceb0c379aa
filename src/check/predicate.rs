//! The predicates of an expectation (the README's "Expectations"), checked
//! against an actual value that the caller has already selected; templates in
//! the expected values are already rendered.
//!
//! Decisions the format leaves open:
//! - `starts_with`, `ends_with` and `matches` need a string: a number is not
//!   read as text, it fails with "(not a string)". `matches` searches (use
//!   `^…$` to match the whole string).
//! - `type: integer` holds for `3` and `3.0`, as in JSON Schema; `number`
//!   holds for every number; `float` for one written with a fraction or an
//!   exponent (`3.0`, `2.5`, `1e3`), as Hurl's `isFloat`.
//! - `contains` on a string takes a number or boolean as its text (`contains:
//!   200` on `"HTTP 200"` holds); on a map it needs a string key.
//! - `contains`, `not_contains`, `length` and `empty` fail on a value that is
//!   not a string, list or map, saying so; `gt`/`ge`/`lt`/`le` fail on a
//!   non-number. A wrong type is never silently "not contained": a list or
//!   map looked for in a string, or a non-string among a map's keys, fails
//!   both `contains` and `not_contains`.
//! - `length` counts characters (Unicode scalar values) of a string.
//! - `exists: true` holds for a JSON `null`: the path selected something.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use super::diff::diff;
use super::equal::{compare_numbers, is_whole, json_equal};
use super::moment::instant;
pub(crate) use super::moment::{Format, Moment};

/// Display strings longer than this (in characters) are cut with "…"; the full
/// text then goes in [`Mismatch::diff`].
pub(crate) const SHORT_TEXT: usize = 200;

/// The full text kept for a cut value, in bytes: a 16 MiB body has no place in
/// a failure message.
const FULL_TEXT: usize = 64 * 1024;

/// One concrete predicate.
#[derive(Debug, Clone)]
pub enum Predicate {
    Equals(Value),
    NotEquals(Value),
    Gt(Value),
    Ge(Value),
    Lt(Value),
    Le(Value),
    Contains(Value),
    NotContains(Value),
    StartsWith(String),
    EndsWith(String),
    Matches(Arc<Regex>),
    Exists(bool),
    Type(JsonType),
    /// Predicates on the length; a plain number `n` is `vec![Equals(n)]`.
    Length(Vec<Predicate>),
    OneOf(Vec<Value>),
    Empty(bool),
    /// Holds when the predicates inside do not all hold.
    Not(Vec<Predicate>),
    /// Every predicate of every map in the list: several checks of one kind on one subject.
    All(Vec<Predicate>),
    /// A string in a format JSON Schema names (`uuid`, `date-time`, `email`, ...).
    Format(Format),
    /// A date, date-time or Unix seconds strictly before the moment.
    Before(Moment),
    /// A date, date-time or Unix seconds strictly after the moment.
    After(Moment),
}

/// The JSON types `type:` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonType {
    String,
    Number,
    Integer,
    /// A number written with a fraction or an exponent: `2.5`, `3.0`, `1e3`.
    Float,
    Boolean,
    Array,
    Object,
    Null,
}

/// Why a predicate did not hold, as short texts a person reads:
/// `length.gt: expected length > 10, actual 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The predicate's name: `equals`, `length.gt`, ...
    pub predicate: std::borrow::Cow<'static, str>,
    /// What was expected (`5`, `> 10`, `contains "abc"`), cut to ~200 characters.
    pub expected: String,
    /// What was there (JSON text, strings quoted), cut to ~200 characters;
    /// `no match` when the path selected nothing.
    pub actual: String,
    /// A unified diff for `equals` on documents and long strings; otherwise the
    /// full text of whatever was cut.
    pub diff: Option<String>,
}

const NAMES: &[&str] = &[
    "equals",
    "not_equals",
    "gt",
    "ge",
    "lt",
    "le",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "exists",
    "type",
    "length",
    "one_of",
    "empty",
    "not",
    "all",
    "format",
    "before",
    "after",
];

/// Every predicate name, as written in a collection (for did-you-mean).
pub(crate) fn predicate_names() -> &'static [&'static str] {
    NAMES
}

impl Predicate {
    /// The name as written in a collection.
    pub fn name(&self) -> &'static str {
        match self {
            Predicate::Equals(_) => "equals",
            Predicate::NotEquals(_) => "not_equals",
            Predicate::Gt(_) => "gt",
            Predicate::Ge(_) => "ge",
            Predicate::Lt(_) => "lt",
            Predicate::Le(_) => "le",
            Predicate::Contains(_) => "contains",
            Predicate::NotContains(_) => "not_contains",
            Predicate::StartsWith(_) => "starts_with",
            Predicate::EndsWith(_) => "ends_with",
            Predicate::Matches(_) => "matches",
            Predicate::Exists(_) => "exists",
            Predicate::Type(_) => "type",
            Predicate::Length(_) => "length",
            Predicate::OneOf(_) => "one_of",
            Predicate::Empty(_) => "empty",
            Predicate::Not(_) => "not",
            Predicate::All(_) => "all",
            Predicate::Format(_) => "format",
            Predicate::Before(_) => "before",
            Predicate::After(_) => "after",
        }
    }

    /// What the predicate expects, in full: `5`, `> 10`, `contains "abc"`.
    pub fn expected_text(&self) -> String {
        self.expected_text_in("")
    }

    /// [`Predicate::expected_text`] with `unit` after each number it
    /// compares with: `< 500ms` for a duration.
    pub fn expected_text_in(&self, unit: &str) -> String {
        let value = |v: &Value| {
            if v.is_number() {
                format!("{}{unit}", json_text(v))
            } else {
                json_text(v)
            }
        };
        match self {
            Predicate::Equals(v) => value(v),
            Predicate::NotEquals(v) => format!("not {}", value(v)),
            Predicate::Gt(v) => format!("> {}", value(v)),
            Predicate::Ge(v) => format!(">= {}", value(v)),
            Predicate::Lt(v) => format!("< {}", value(v)),
            Predicate::Le(v) => format!("<= {}", value(v)),
            Predicate::Contains(v) => format!("contains {}", json_text(v)),
            Predicate::NotContains(v) => format!("not contains {}", json_text(v)),
            Predicate::StartsWith(s) => format!("starts with {}", quoted(s)),
            Predicate::EndsWith(s) => format!("ends with {}", quoted(s)),
            Predicate::Matches(re) => format!("matches /{}/", re.as_str()),
            Predicate::Exists(true) => "a match".to_owned(),
            Predicate::Exists(false) => "no match".to_owned(),
            Predicate::Type(t) => format!("type {t}"),
            Predicate::Length(inner) => {
                let parts: Vec<String> = inner.iter().map(Predicate::expected_text).collect();
                format!("length {}", parts.join(" and "))
            }
            Predicate::OneOf(values) => {
                let parts: Vec<String> = values.iter().map(value).collect();
                format!("one of [{}]", parts.join(", "))
            }
            Predicate::Empty(true) => "empty".to_owned(),
            Predicate::Empty(false) => "not empty".to_owned(),
            Predicate::Not(inner) => {
                let parts: Vec<String> = inner.iter().map(|p| p.expected_text_in(unit)).collect();
                format!("not ({})", parts.join(" and "))
            }
            Predicate::All(inner) => {
                let parts: Vec<String> = inner.iter().map(|p| p.expected_text_in(unit)).collect();
                parts.join(" and ")
            }
            Predicate::Format(f) => format!("format {}", f.name()),
            Predicate::Before(m) => format!("before {}", m.text()),
            Predicate::After(m) => format!("after {}", m.text()),
        }
    }
}

/// Regexes compare by their source text, so plans can be compared in tests.
impl PartialEq for Predicate {
    fn eq(&self, other: &Self) -> bool {
        use Predicate as P;
        match (self, other) {
            (P::Equals(a), P::Equals(b))
            | (P::NotEquals(a), P::NotEquals(b))
            | (P::Gt(a), P::Gt(b))
            | (P::Ge(a), P::Ge(b))
            | (P::Lt(a), P::Lt(b))
            | (P::Le(a), P::Le(b))
            | (P::Contains(a), P::Contains(b))
            | (P::NotContains(a), P::NotContains(b)) => a == b,
            (P::StartsWith(a), P::StartsWith(b)) | (P::EndsWith(a), P::EndsWith(b)) => a == b,
            (P::Matches(a), P::Matches(b)) => a.as_str() == b.as_str(),
            (P::Exists(a), P::Exists(b)) | (P::Empty(a), P::Empty(b)) => a == b,
            (P::Type(a), P::Type(b)) => a == b,
            (P::Length(a), P::Length(b)) => a == b,
            (P::OneOf(a), P::OneOf(b)) => a == b,
            (P::Not(a), P::Not(b)) | (P::All(a), P::All(b)) => a == b,
            (P::Format(a), P::Format(b)) => a == b,
            (P::Before(a), P::Before(b)) | (P::After(a), P::After(b)) => a == b,
            _ => false,
        }
    }
}

impl JsonType {
    /// Every type, in the order the format lists them.
    pub const ALL: [JsonType; 8] = [
        JsonType::String,
        JsonType::Number,
        JsonType::Integer,
        JsonType::Float,
        JsonType::Boolean,
        JsonType::Array,
        JsonType::Object,
        JsonType::Null,
    ];

    /// Every type's name, in the order of [`JsonType::ALL`].
    pub const NAMES: [&'static str; 8] = {
        let mut names = [""; 8];
        let mut i = 0;
        while i < names.len() {
            names[i] = JsonType::ALL[i].name();
            i += 1;
        }
        names
    };

    /// The name as written in a collection.
    pub const fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Float => "float",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Null => "null",
        }
    }

    /// Whether `value` is of this type; `integer` holds for any number with
    /// no fraction (`3.0` too), as in JSON Schema; `float` for a number
    /// written with a fraction or an exponent (`3.0` too, as in Hurl).
    pub fn holds(self, value: &Value) -> bool {
        match (self, value) {
            (JsonType::String, Value::String(_))
            | (JsonType::Number, Value::Number(_))
            | (JsonType::Boolean, Value::Bool(_))
            | (JsonType::Array, Value::Array(_))
            | (JsonType::Object, Value::Object(_))
            | (JsonType::Null, Value::Null) => true,
            (JsonType::Integer, Value::Number(n)) => is_whole(n),
            // serde_json keeps the number's text (`arbitrary_precision`).
            (JsonType::Float, Value::Number(n)) => n.to_string().contains(['.', 'e', 'E']),
            _ => false,
        }
    }

    /// The broad type of a value (`number` for every number).
    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::String(_) => JsonType::String,
            Value::Number(_) => JsonType::Number,
            Value::Bool(_) => JsonType::Boolean,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
            Value::Null => JsonType::Null,
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for JsonType {
    type Err = String;

    /// Parses a type name; the error lists the accepted names.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JsonType::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown type `{s}`: expected one of {}", JsonType::NAMES.join(", ")))
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, actual {}",
            self.predicate, self.expected, self.actual
        )
    }
}

impl Mismatch {
    /// Builds a mismatch from full texts: cuts them for display and keeps
    /// what was cut in `diff` (unless a diff is given). Checks are pure, so the
    /// texts are masked only after this cut: the `…` that marks it tells the
    /// redactor to mask the start of a secret the cut left (`redact.rs`).
    fn new(predicate: &'static str, expected: String, actual: String, diff: Option<String>) -> Self {
        let (short_expected, expected_cut) = crate::text::cut_marked(&expected, SHORT_TEXT);
        let (short_actual, actual_cut) = crate::text::cut_marked(&actual, SHORT_TEXT);
        let diff = diff.or_else(|| {
            let mut full = String::new();
            if expected_cut {
                full.push_str("expected:\n");
                full.push_str(&expected);
                full.push('\n');
            }
            if actual_cut {
                full.push_str("actual:\n");
                full.push_str(&actual);
                full.push('\n');
            }
            (!full.is_empty()).then_some(full)
        });
        Mismatch {
            predicate: predicate.into(),
            expected: short_expected,
            actual: short_actual,
            diff,
        }
    }
}

/// Checks one predicate. `actual` is `None` when the path selected nothing:
/// every predicate then fails with actual `no match`, except `exists: false`.
pub fn check(p: &Predicate, actual: Option<&Value>) -> Result<(), Mismatch> {
    match p {
        Predicate::Not(inner) => {
            return if inner.iter().all(|q| check(q, actual).is_ok()) {
                let text = actual.map_or_else(|| "no match".to_owned(), json_text);
                Err(Mismatch::new(p.name(), p.expected_text(), text, None))
            } else {
                Ok(())
            };
        }
        // The first that does not hold says why, under its own name.
        Predicate::All(inner) => return inner.iter().try_for_each(|q| check(q, actual)),
        _ => {}
    }
    let Some(actual) = actual else {
        return match p {
            Predicate::Exists(false) => Ok(()),
            _ => Err(Mismatch::new(p.name(), p.expected_text(), "no match".to_owned(), None)),
        };
    };
    let fail = |actual_text: String| Err(Mismatch::new(p.name(), p.expected_text(), actual_text, None));
    let holds = |ok: bool| if ok { Ok(()) } else { fail(json_text(actual)) };
    match p {
        Predicate::Equals(expected) => {
            if json_equal(expected, actual) {
                Ok(())
            } else {
                Err(Mismatch::new(
                    p.name(),
                    p.expected_text(),
                    json_text(actual),
                    diff(expected, actual),
                ))
            }
        }
        Predicate::NotEquals(expected) => holds(!json_equal(expected, actual)),
        Predicate::Gt(bound) => compare(actual, bound, Ordering::is_gt).map_or_else(fail, holds),
        Predicate::Ge(bound) => compare(actual, bound, Ordering::is_ge).map_or_else(fail, holds),
        Predicate::Lt(bound) => compare(actual, bound, Ordering::is_lt).map_or_else(fail, holds),
        Predicate::Le(bound) => compare(actual, bound, Ordering::is_le).map_or_else(fail, holds),
        Predicate::Contains(needle) => contains(actual, needle).map_or_else(fail, holds),
        Predicate::NotContains(needle) => contains(actual, needle).map(|c| !c).map_or_else(fail, holds),
        Predicate::StartsWith(prefix) => string(actual)
            .map(|s| s.starts_with(prefix.as_str()))
            .map_or_else(fail, holds),
        Predicate::EndsWith(suffix) => string(actual)
            .map(|s| s.ends_with(suffix.as_str()))
            .map_or_else(fail, holds),
        Predicate::Matches(re) => string(actual).map(|s| re.is_match(s)).map_or_else(fail, holds),
        Predicate::Exists(wanted) => holds(*wanted),
        Predicate::Type(t) => {
            if t.holds(actual) {
                Ok(())
            } else {
                fail(format!("{} {}", JsonType::of(actual), json_text(actual)))
            }
        }
        Predicate::Length(inner) => {
            let len = length(actual).map_err(|text| Mismatch::new(p.name(), p.expected_text(), text, None))?;
            let len = Value::from(len);
            for q in inner {
                check(q, Some(&len)).map_err(|m| Mismatch {
                    predicate: format!("length.{}", m.predicate).into(),
                    expected: format!("length {}", m.expected),
                    actual: format!("length {}", m.actual),
                    ..m
                })?;
            }
            Ok(())
        }
        Predicate::OneOf(values) => holds(values.iter().any(|v| json_equal(v, actual))),
        Predicate::Empty(wanted) => length(actual).map(|n| (n == 0) == *wanted).map_or_else(fail, holds),
        Predicate::Format(f) => string(actual).map(|s| f.holds(s)).map_or_else(fail, holds),
        Predicate::Before(m) => moment(actual).map(|t| t < m.resolve()).map_or_else(fail, holds),
        Predicate::After(m) => moment(actual).map(|t| t > m.resolve()).map_or_else(fail, holds),
        Predicate::Not(_) | Predicate::All(_) => unreachable!("checked above"),
    }
}

/// A date, date-time or Unix seconds as an instant; `Err(actual text)` otherwise.
fn moment(value: &Value) -> Result<chrono::DateTime<chrono::Utc>, String> {
    instant(value).ok_or_else(|| format!("{} (not a date, a date-time or Unix seconds)", json_text(value)))
}

/// `Ok(ordering test)` for two numbers; `Err(actual text)` when either is not one.
fn compare(actual: &Value, bound: &Value, test: fn(Ordering) -> bool) -> Result<bool, String> {
    match (actual, bound) {
        (Value::Number(a), Value::Number(b)) => Ok(test(compare_numbers(a, b))),
        (Value::Number(_), _) => Err(format!("{} (the bound is not a number)", json_text(actual))),
        _ => Err(format!("{} (not a number)", json_text(actual))),
    }
}

/// Substring of a string, element of a list, key of a map. A needle that
/// cannot be in the haystack at all (a list in a string, a number among a
/// map's keys) is an error, so that `not_contains` does not hold by accident.
fn contains(haystack: &Value, needle: &Value) -> Result<bool, String> {
    match (haystack, needle) {
        // Every text contains the empty one: a template that rendered empty must not pass.
        (Value::String(_), Value::String(n)) if n.is_empty() => Err(format!(
            "{} (every text contains the empty string, so it checks nothing)",
            json_text(haystack)
        )),
        (Value::String(s), Value::String(n)) => Ok(s.contains(n.as_str())),
        (Value::String(s), Value::Number(_) | Value::Bool(_)) => Ok(s.contains(&needle.to_string())),
        (Value::String(_), _) => Err(format!(
            "{} (a string holds text, not {})",
            json_text(haystack),
            super::kind(needle)
        )),
        (Value::Array(items), _) => Ok(items.iter().any(|item| json_equal(item, needle))),
        (Value::Object(map), Value::String(key)) => Ok(map.contains_key(key)),
        (Value::Object(_), _) => Err(format!(
            "{} (a map's keys are strings, not {})",
            json_text(haystack),
            super::kind(needle)
        )),
        _ => Err(format!("{} (not a string, list or map)", json_text(haystack))),
    }
}

fn string(value: &Value) -> Result<&str, String> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(format!("{} (not a string)", json_text(value))),
    }
}

/// Characters of a string, items of a list, keys of a map.
fn length(value: &Value) -> Result<usize, String> {
    match value {
        Value::String(s) => Ok(s.chars().count()),
        Value::Array(items) => Ok(items.len()),
        Value::Object(map) => Ok(map.len()),
        _ => Err(format!("{} (not a string, list or map)", json_text(value))),
    }
}

/// A value as compact JSON text, at most [`FULL_TEXT`] bytes.
pub(crate) fn json_text(value: &Value) -> String {
    let mut out = Capped {
        buf: Vec::new(),
        full: false,
    };
    let complete = serde_json::to_writer(&mut out, value).is_ok();
    let mut text = String::from_utf8_lossy(&out.buf).into_owned();
    if !complete {
        text.push_str("… (cut)");
    }
    text
}

fn quoted(s: &str) -> String {
    json_text(&Value::String(s.to_owned()))
}

/// A writer that takes [`FULL_TEXT`] bytes and then refuses, so serializing
/// a huge value stops early.
struct Capped {
    buf: Vec<u8>,
    full: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = FULL_TEXT.saturating_sub(self.buf.len());
        if room == 0 || self.full {
            self.full = true;
            return Err(std::io::Error::other("text limit reached"));
        }
        // Keep whole UTF-8 characters: cut on a char boundary of this chunk.
        let mut take = data.len().min(room);
        while take < data.len() && take > 0 && (data[take] & 0xC0) == 0x80 {
            take -= 1;
        }
        self.buf.extend_from_slice(&data[..take]);
        if take < data.len() {
            self.full = true;
        }
        Ok(take)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[path = "predicate_tests.rs"]
mod tests;
