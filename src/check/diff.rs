//! Unified diffs of an expected and an actual value, for `equals` failures on
//! documents and long strings (built on `similar`).

use std::time::Duration;

use serde_json::{Map, Value};
use similar::TextDiff;

use super::equal::json_equal;

/// Strings at most this long, on one line, read fine without a diff.
const SHORT_STRING: usize = 60;

/// A diff of two large documents must not stall a run: past this, `similar`
/// gives up on a minimal diff and returns a coarser (still correct) one.
const DIFF_TIMEOUT: Duration = Duration::from_millis(500);

/// What a line of a unified diff is, for the reporters that color it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DiffLine {
    /// `--- expected` or `+++ actual`.
    Head,
    /// `@@ -1,3 +1,3 @@`.
    Hunk,
    Removed,
    Added,
    Context,
}

impl DiffLine {
    pub(crate) fn of(line: &str) -> DiffLine {
        if line.starts_with("---") || line.starts_with("+++") {
            DiffLine::Head
        } else if line.starts_with("@@") {
            DiffLine::Hunk
        } else if line.starts_with('-') {
            DiffLine::Removed
        } else if line.starts_with('+') {
            DiffLine::Added
        } else {
            DiffLine::Context
        }
    }
}

/// A unified diff (`--- expected` / `+++ actual`, 3 lines of context):
/// of pretty-printed JSON when either side is a list or a map, of the raw
/// strings when either side is a string longer than 60 characters or with a
/// newline; `None` otherwise (the values read fine side by side).
///
/// For JSON, the actual side's keys are put in the expected side's order and
/// numbers equal by value (`1` / `1.0`) are printed alike, so the diff shows
/// only what makes the values differ.
pub(crate) fn diff(expected: &Value, actual: &Value) -> Option<String> {
    let (left, right) = if is_container(expected) || is_container(actual) {
        let aligned = align(expected, actual);
        (pretty(expected), pretty(&aligned))
    } else if is_long_string(expected) || is_long_string(actual) {
        (raw_text(expected), raw_text(actual))
    } else {
        return None;
    };
    Some(unified(&left, &right))
}

/// A unified diff of two texts with Sortie's headers.
fn unified(expected: &str, actual: &str) -> String {
    let expected = with_final_newline(expected);
    let actual = with_final_newline(actual);
    let diff = TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(expected.as_str(), actual.as_str());
    diff.unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Array(_) | Value::Object(_))
}

fn is_long_string(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\n') || s.chars().count() > SHORT_STRING,
        _ => false,
    }
}

/// A string as it is; anything else as JSON text.
fn raw_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn pretty(value: &Value) -> String {
    // Serializing a `Value` cannot fail (its map keys are strings).
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

fn with_final_newline(text: &str) -> String {
    // Both sides end in a newline, so the diff never shows
    // "\ No newline at end of file" for a difference that is not there.
    let mut text = text.to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// A copy of `actual` shaped after `expected`: object keys that both have come
/// first, in the expected order, then the rest in actual order; numbers that
/// are equal by value take the expected spelling.
fn align(expected: &Value, actual: &Value) -> Value {
    match (expected, actual) {
        (Value::Object(exp), Value::Object(act)) => {
            let mut out = Map::with_capacity(act.len());
            for (key, exp_value) in exp {
                if let Some(act_value) = act.get(key) {
                    out.insert(key.clone(), align(exp_value, act_value));
                }
            }
            for (key, act_value) in act {
                if !exp.contains_key(key) {
                    out.insert(key.clone(), act_value.clone());
                }
            }
            Value::Object(out)
        }
        (Value::Array(exp), Value::Array(act)) => Value::Array(
            act.iter()
                .enumerate()
                .map(|(i, a)| match exp.get(i) {
                    Some(e) => align(e, a),
                    None => a.clone(),
                })
                .collect(),
        ),
        (Value::Number(_), Value::Number(_)) if json_equal(expected, actual) => expected.clone(),
        _ => actual.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_and_short_strings_have_no_diff() {
        assert_eq!(diff(&json!(1), &json!(2)), None);
        assert_eq!(diff(&json!("abc"), &json!("abd")), None);
        assert_eq!(diff(&json!(true), &json!("x")), None);
        assert_eq!(diff(&json!(null), &json!(1.5)), None);
    }

    #[test]
    fn documents_diff_as_pretty_json() {
        let expected = json!({"id": 1, "name": "alice", "roles": ["admin", "dev"]});
        let actual = json!({"roles": ["admin"], "name": "alice", "id": 1.0});
        insta::assert_snapshot!(diff(&expected, &actual).unwrap(), @r#"
        --- expected
        +++ actual
        @@ -2,7 +2,6 @@
           "id": 1,
           "name": "alice",
           "roles": [
        -    "admin",
        -    "dev"
        +    "admin"
           ]
         }
        "#);
    }

    #[test]
    fn extra_keys_come_last() {
        let out = diff(&json!({"a": 1}), &json!({"z": 0, "a": 2})).unwrap();
        insta::assert_snapshot!(out, @r#"
        --- expected
        +++ actual
        @@ -1,3 +1,4 @@
         {
        -  "a": 1
        +  "a": 2,
        +  "z": 0
         }
        "#);
    }

    #[test]
    fn a_container_against_a_scalar_diffs_too() {
        let out = diff(&json!([1, 2]), &json!("nope")).unwrap();
        assert!(out.starts_with("--- expected\n+++ actual\n"), "{out}");
        assert!(out.contains("-  1,\n"), "{out}");
        assert!(out.contains("+\"nope\"\n"), "{out}");
    }

    #[test]
    fn long_and_multiline_strings_diff_as_text() {
        let out = diff(
            &json!("line one\nline two\nline three"),
            &json!("line one\nline 2\nline three"),
        )
        .unwrap();
        insta::assert_snapshot!(out, @r"
        --- expected
        +++ actual
        @@ -1,3 +1,3 @@
         line one
        -line two
        +line 2
         line three
        ");
        let long = "x".repeat(61);
        assert!(diff(&json!(long), &json!("short")).is_some());
        assert!(diff(&json!("x".repeat(60)), &json!("short")).is_none());
        let out = diff(&json!(long), &json!(5)).unwrap();
        assert!(out.ends_with("+5\n"), "{out}");
    }

    #[test]
    fn context_is_three_lines() {
        let expected: Vec<i32> = (0..20).collect();
        let mut actual = expected.clone();
        actual[10] = 99;
        let out = diff(&json!(expected), &json!(actual)).unwrap();
        let body: Vec<&str> = out.lines().skip(3).collect();
        assert_eq!(body.len(), 3 + 2 + 3, "{out}");
        assert!(out.contains("\n@@ -9,7 +9,7 @@\n"), "{out}");
    }

    #[test]
    fn lines_are_told_apart_for_coloring() {
        let kinds: Vec<DiffLine> = [
            "--- expected",
            "+++ actual",
            "@@ -1 +1 @@",
            "-x",
            "+x",
            " x",
            "",
            "---",
            "+++",
        ]
        .into_iter()
        .map(DiffLine::of)
        .collect();
        use DiffLine::*;
        assert_eq!(kinds, [Head, Head, Hunk, Removed, Added, Context, Context, Head, Head]);
        assert_eq!(DiffLine::of("-- x"), Removed);
        assert_eq!(DiffLine::of("++ x"), Added);
    }

    #[test]
    fn items_of_lists_are_aligned_too() {
        let expected = json!([{"a": 1, "b": 2}, 3]);
        let actual = json!([{"c": 0, "b": 2, "a": 1.0}, 3.0, 4]);
        // Only the new key and item show: `1.0` and `3.0` print as expected, keys in its order.
        insta::assert_snapshot!(diff(&expected, &actual).unwrap(), @r#"
        --- expected
        +++ actual
        @@ -1,7 +1,9 @@
         [
           {
             "a": 1,
        -    "b": 2
        +    "b": 2,
        +    "c": 0
           },
        -  3
        +  3,
        +  4
         ]
        "#);
    }
}
