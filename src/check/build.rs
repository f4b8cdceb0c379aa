//! Predicates built from expected values: at load time when the value is
//! constant, at run time after rendering when it holds a template.

use std::sync::Arc;

use serde_json::Value;

use super::{JsonType, Predicate};
use crate::diagnostic::did_you_mean;

const JSON_TYPES: [&str; 8] = JsonType::NAMES;

/// The examples `not` and `all` messages give.
const NOT_EXAMPLE: &str = "`not: { type: null }`";
const ALL_EXAMPLE: &str = "`all: [{ contains: a }, { contains: b }]`";

/// An empty prefix or suffix holds for every string: a template that rendered
/// empty would check nothing and pass.
fn not_empty(name: &str, text: String) -> Result<String, String> {
    if text.is_empty() {
        Err(format!(
            "`{name}` an empty string holds for every string, so it checks nothing"
        ))
    } else {
        Ok(text)
    }
}

/// Builds one predicate from its name and its (rendered) expected value.
pub fn build_predicate(name: &str, value: &Value) -> Result<Predicate, String> {
    let text = |what: &str| -> Result<String, String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(format!("`{name}` expects {what}, found {}", kind(value))),
        }
    };
    let boolean = || -> Result<bool, String> {
        value
            .as_bool()
            .ok_or_else(|| format!("`{name}` expects `true` or `false`, found {}", kind(value)))
    };
    let number = || -> Result<Value, String> {
        match value {
            Value::Number(_) => Ok(value.clone()),
            _ => Err(format!("`{name}` expects a number, found {}", kind(value))),
        }
    };
    Ok(match name {
        "equals" => Predicate::Equals(value.clone()),
        "not_equals" => Predicate::NotEquals(value.clone()),
        "gt" => Predicate::Gt(number()?),
        "ge" => Predicate::Ge(number()?),
        "lt" => Predicate::Lt(number()?),
        "le" => Predicate::Le(number()?),
        "contains" => Predicate::Contains(value.clone()),
        "not_contains" => Predicate::NotContains(value.clone()),
        "starts_with" => Predicate::StartsWith(not_empty(name, text("a string")?)?),
        "ends_with" => Predicate::EndsWith(not_empty(name, text("a string")?)?),
        "matches" => {
            let pattern = text("a regular expression")?;
            let re = regex::Regex::new(&pattern).map_err(|e| regex_error(&e))?;
            Predicate::Matches(Arc::new(re))
        }
        "exists" => Predicate::Exists(boolean()?),
        "empty" => Predicate::Empty(boolean()?),
        "type" => {
            let t = text("a type name")?;
            Predicate::Type(
                t.parse::<JsonType>()
                    .map_err(|_| match did_you_mean(&t, JSON_TYPES.iter().copied()) {
                        Some(s) => format!("unknown type `{t}` (did you mean `{s}`?)"),
                        None => format!("unknown type `{t}`: expected one of {}", JSON_TYPES.join(", ")),
                    })?,
            )
        }
        "length" => match value {
            Value::Number(_) => Predicate::Length(vec![Predicate::Equals(value.clone())]),
            Value::Object(map) if map.is_empty() => {
                return Err(
                    "`length: {}` checks nothing: give a number or a predicate, such as `{ gt: 0 }`".to_owned(),
                );
            }
            Value::Object(map) => {
                let mut inner = Vec::new();
                for (k, v) in map {
                    inner.push(build_predicate(k, v)?);
                }
                Predicate::Length(inner)
            }
            _ => {
                return Err(format!(
                    "`length` expects a number or a map of predicates, found {}",
                    kind(value)
                ));
            }
        },
        "one_of" => match value {
            Value::Array(items) if items.is_empty() => {
                return Err("`one_of: []` never holds: list the values to accept".to_owned());
            }
            Value::Array(items) => Predicate::OneOf(items.clone()),
            _ => return Err(format!("`one_of` expects a list, found {}", kind(value))),
        },
        "not" => match value {
            Value::Object(map) if !map.is_empty() => Predicate::Not(predicates(map)?),
            Value::Object(_) => {
                return Err(format!(
                    "`not: {{}}` checks nothing: give a map of predicates, such as {NOT_EXAMPLE}"
                ));
            }
            _ => {
                return Err(format!(
                    "`not` expects a map of predicates, such as {NOT_EXAMPLE}, found {}",
                    kind(value)
                ));
            }
        },
        "all" => match value {
            Value::Array(items) if !items.is_empty() => {
                let mut inner = Vec::new();
                for item in items {
                    match item {
                        Value::Object(map) if !map.is_empty() => inner.extend(predicates(map)?),
                        Value::Object(_) => {
                            return Err(format!(
                                "`{{}}` in `all` checks nothing: give each map a predicate, such as {ALL_EXAMPLE}"
                            ));
                        }
                        _ => {
                            return Err(format!(
                                "`all` expects a list of predicate maps, such as {ALL_EXAMPLE}, found {} in it",
                                kind(item)
                            ));
                        }
                    }
                }
                Predicate::All(inner)
            }
            Value::Array(_) => {
                return Err(format!(
                    "`all: []` checks nothing: list predicate maps, such as {ALL_EXAMPLE}"
                ));
            }
            _ => {
                return Err(format!(
                    "`all` expects a list of predicate maps, such as {ALL_EXAMPLE}, found {}",
                    kind(value)
                ));
            }
        },
        "format" => Predicate::Format(super::moment::Format::of(&text("a format name")?)?),
        "before" | "after" => {
            let m = super::moment::Moment::parse(value).map_err(|e| format!("`{name}`: {e}"))?;
            if name == "before" {
                Predicate::Before(m)
            } else {
                Predicate::After(m)
            }
        }
        other => return Err(format!("unknown predicate `{other}`")),
    })
}

/// The predicates of a map inside `not` or `all`; every key must be a predicate name.
fn predicates(map: &serde_json::Map<String, Value>) -> Result<Vec<Predicate>, String> {
    map.iter().map(|(k, v)| build_predicate(k, v)).collect()
}

/// A regex error on one line (the crate's own text spans several).
pub(crate) fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => {
            let last = s
                .lines()
                .rev()
                .find(|l| l.starts_with("error:"))
                .unwrap_or("invalid syntax");
            format!(
                "invalid regular expression: {}",
                last.trim_start_matches("error:").trim()
            )
        }
        _ => format!("invalid regular expression: {e}"),
    }
}

/// What kind of JSON value this is, for "expected X, found Y" messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::super::moment::{Format, Moment};
    use super::*;
    use serde_json::json;

    fn built(name: &str, value: Value) -> Predicate {
        build_predicate(name, &value).unwrap_or_else(|e| panic!("{name}: {value}: {e}"))
    }

    fn refused(name: &str, value: Value) -> String {
        match build_predicate(name, &value) {
            Ok(p) => panic!("{name}: {value} built {p:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn values_are_taken_as_written() {
        assert_eq!(built("equals", json!({"a": 1})), Predicate::Equals(json!({"a": 1})));
        assert_eq!(built("not_equals", json!(null)), Predicate::NotEquals(json!(null)));
        assert_eq!(built("contains", json!(2)), Predicate::Contains(json!(2)));
        assert_eq!(built("not_contains", json!("x")), Predicate::NotContains(json!("x")));
        assert_eq!(
            built("one_of", json!([1, "a"])),
            Predicate::OneOf(vec![json!(1), json!("a")])
        );
        assert_eq!(built("exists", json!(false)), Predicate::Exists(false));
        assert_eq!(built("empty", json!(true)), Predicate::Empty(true));
    }

    #[test]
    fn bounds_must_be_numbers() {
        assert_eq!(built("gt", json!(1)), Predicate::Gt(json!(1)));
        assert_eq!(built("ge", json!(1.5)), Predicate::Ge(json!(1.5)));
        assert_eq!(built("lt", json!(-2)), Predicate::Lt(json!(-2)));
        assert_eq!(built("le", json!(0)), Predicate::Le(json!(0)));
        assert_eq!(refused("gt", json!("5")), "`gt` expects a number, found a string");
        assert_eq!(refused("le", json!(null)), "`le` expects a number, found null");
    }

    #[test]
    fn texts_take_strings_and_numbers() {
        assert_eq!(built("starts_with", json!("ab")), Predicate::StartsWith("ab".into()));
        assert_eq!(built("ends_with", json!(12)), Predicate::EndsWith("12".into()));
        assert_eq!(
            refused("starts_with", json!(true)),
            "`starts_with` expects a string, found a boolean"
        );
        assert_eq!(
            refused("ends_with", json!([])),
            "`ends_with` expects a string, found a list"
        );
        assert_eq!(
            refused("starts_with", json!("")),
            "`starts_with` an empty string holds for every string, so it checks nothing"
        );
        refused("ends_with", json!(""));
        let Predicate::Matches(re) = built("matches", json!(r"^\d+$")) else {
            panic!("not a regex");
        };
        assert_eq!(re.as_str(), r"^\d+$");
        let Predicate::Matches(re) = built("matches", json!(404)) else {
            panic!("not a regex");
        };
        assert_eq!(re.as_str(), "404");
        assert_eq!(
            refused("matches", json!({})),
            "`matches` expects a regular expression, found a map"
        );
        assert_eq!(
            refused("matches", json!("(a")),
            "invalid regular expression: unclosed group"
        );
    }

    #[test]
    fn booleans_must_be_booleans() {
        assert_eq!(
            refused("exists", json!("yes")),
            "`exists` expects `true` or `false`, found a string"
        );
        assert_eq!(
            refused("empty", json!(1)),
            "`empty` expects `true` or `false`, found a number"
        );
    }

    #[test]
    fn types_are_named() {
        assert_eq!(built("type", json!("integer")), Predicate::Type(JsonType::Integer));
        assert_eq!(
            refused("type", json!("strng")),
            "unknown type `strng` (did you mean `string`?)"
        );
        assert_eq!(
            refused("type", json!("zzz")),
            "unknown type `zzz`: expected one of string, number, integer, float, boolean, array, object, null"
        );
        assert_eq!(refused("type", json!(null)), "`type` expects a type name, found null");
    }

    #[test]
    fn length_takes_a_number_or_a_map_of_predicates() {
        assert_eq!(
            built("length", json!(3)),
            Predicate::Length(vec![Predicate::Equals(json!(3))])
        );
        assert_eq!(
            built("length", json!({"gt": 1, "le": 3})),
            Predicate::Length(vec![Predicate::Gt(json!(1)), Predicate::Le(json!(3))])
        );
        assert_eq!(
            refused("length", json!({"gt": "x"})),
            "`gt` expects a number, found a string"
        );
        assert_eq!(
            refused("length", json!("3")),
            "`length` expects a number or a map of predicates, found a string"
        );
    }

    #[test]
    fn one_of_takes_a_list_and_unknown_names_are_refused() {
        assert_eq!(refused("one_of", json!(1)), "`one_of` expects a list, found a number");
        assert_eq!(
            refused("one_of", json!([])),
            "`one_of: []` never holds: list the values to accept"
        );
        assert_eq!(
            refused("length", json!({})),
            "`length: {}` checks nothing: give a number or a predicate, such as `{ gt: 0 }`"
        );
        assert_eq!(refused("equal", json!(1)), "unknown predicate `equal`");
    }

    #[test]
    fn not_and_all_take_maps_of_predicates_and_refuse_empty_ones() {
        assert_eq!(
            built("not", json!({"type": "null", "equals": 1})),
            Predicate::Not(vec![Predicate::Type(JsonType::Null), Predicate::Equals(json!(1))])
        );
        assert_eq!(
            built("all", json!([{"contains": "a"}, {"gt": 1, "lt": 5}])),
            Predicate::All(vec![
                Predicate::Contains(json!("a")),
                Predicate::Gt(json!(1)),
                Predicate::Lt(json!(5)),
            ])
        );
        assert_eq!(
            refused("not", json!({})),
            "`not: {}` checks nothing: give a map of predicates, such as `not: { type: null }`"
        );
        assert_eq!(
            refused("not", json!([])),
            "`not` expects a map of predicates, such as `not: { type: null }`, found a list"
        );
        assert_eq!(
            refused("not", json!({"gt": "x"})),
            "`gt` expects a number, found a string"
        );
        assert_eq!(
            refused("all", json!([])),
            "`all: []` checks nothing: list predicate maps, such as `all: [{ contains: a }, { contains: b }]`"
        );
        assert_eq!(
            refused("all", json!([{"equals": 1}, {}])),
            "`{}` in `all` checks nothing: give each map a predicate, such as `all: [{ contains: a }, { contains: b }]`"
        );
        assert_eq!(
            refused("all", json!([{"equals": 1}, 2])),
            "`all` expects a list of predicate maps, such as `all: [{ contains: a }, { contains: b }]`, \
             found a number in it"
        );
        assert_eq!(
            refused("all", json!({"equals": 1})),
            "`all` expects a list of predicate maps, such as `all: [{ contains: a }, { contains: b }]`, \
             found a map"
        );
        assert_eq!(
            refused("all", json!([{"le": null}])),
            "`le` expects a number, found null"
        );
    }

    #[test]
    fn moments_keep_their_side_and_formats_their_name() {
        let now = |side: &str| built(side, json!("now - 1d"));
        assert_eq!(
            now("before"),
            Predicate::Before(Moment::parse(&json!("now - 1d")).unwrap())
        );
        assert_eq!(
            now("after"),
            Predicate::After(Moment::parse(&json!("now - 1d")).unwrap())
        );
        assert_ne!(now("before"), now("after"));
        assert_eq!(
            refused("after", json!("now * 2")),
            "`after`: `now * 2`: write `now`, `now - 1d` or `now + 2h`"
        );
        assert_eq!(
            built("format", json!("uuid")),
            Predicate::Format(Format::of("uuid").unwrap())
        );
        assert!(refused("format", json!(1.5)).starts_with("unknown format `1.5`: expected one of "));
        assert_eq!(
            refused("format", json!(null)),
            "`format` expects a format name, found null"
        );
    }

    #[test]
    fn regex_errors_fit_on_one_line() {
        // The crate's syntax errors quote the pattern over several lines; only the last one is kept.
        assert_eq!(
            refused("matches", json!("a{2,1}")),
            "invalid regular expression: invalid repetition count range, the start must be <= the end"
        );
        let big = regex::RegexBuilder::new("a{1000}").size_limit(10).build().unwrap_err();
        assert!(!matches!(big, regex::Error::Syntax(_)));
        assert_eq!(regex_error(&big), format!("invalid regular expression: {big}"));
    }

    #[test]
    fn kinds_read_in_a_sentence() {
        let kinds: Vec<&str> = [json!(null), json!(true), json!(1), json!("a"), json!([]), json!({})]
            .iter()
            .map(kind)
            .collect();
        assert_eq!(kinds, ["null", "a boolean", "a number", "a string", "a list", "a map"]);
    }
}
