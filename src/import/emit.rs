//! A draft collection → YAML text: block style, keys in the order given,
//! strings plain only when YAML reads them back as the same string, comments
//! above the steps they belong to.

use serde_json::Value;

use super::{Draft, DraftStep};

/// The first line of every imported file: editors find the schema through it.
pub(crate) const SCHEMA_HEADER: &str =
    "# yaml-language-server: $schema=https://sortie.dev/schemas/collection.schema.json";

/// The whole file.
pub(crate) fn collection(draft: &Draft) -> String {
    let mut out = String::new();
    out.push_str(SCHEMA_HEADER);
    out.push('\n');
    for line in &draft.header {
        comment(&mut out, 0, line);
    }
    for (key, value) in &draft.top {
        entry(&mut out, 0, key, value);
    }
    if draft.steps.is_empty() {
        out.push_str("steps: []\n");
    } else {
        out.push_str("steps:\n");
        steps(&mut out, 2, &draft.steps);
    }
    out
}

fn steps(out: &mut String, indent: usize, steps: &[DraftStep]) {
    for step in steps {
        for line in &step.comments {
            comment(out, indent, line);
        }
        let pad = " ".repeat(indent);
        let mut first = true;
        for (key, value) in &step.fields {
            if first {
                out.push_str(&pad);
                out.push_str("- ");
                entry_inline(out, indent + 2, key, value);
                first = false;
            } else {
                entry(out, indent + 2, key, value);
            }
        }
        if let Some(children) = &step.steps {
            out.push_str(&" ".repeat(indent + 2));
            out.push_str("steps:\n");
            self::steps(out, indent + 4, children);
        }
    }
}

fn comment(out: &mut String, indent: usize, line: &str) {
    for l in line.lines() {
        out.push_str(&" ".repeat(indent));
        out.push('#');
        if !l.is_empty() {
            out.push(' ');
            out.push_str(l);
        }
        out.push('\n');
    }
    if line.is_empty() {
        out.push_str(&" ".repeat(indent));
        out.push_str("#\n");
    }
}

/// `key: value` at `indent`, on a new line.
fn entry(out: &mut String, indent: usize, key: &str, value: &Value) {
    out.push_str(&" ".repeat(indent));
    entry_inline(out, indent, key, value);
}

/// `key: value`, where the line's indentation is written already.
fn entry_inline(out: &mut String, indent: usize, key: &str, value: &Value) {
    out.push_str(&scalar_text(key));
    out.push(':');
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            for (k, v) in map {
                entry(out, indent + 2, k, v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            list(out, indent + 2, items);
        }
        other => {
            out.push(' ');
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn list(out: &mut String, indent: usize, items: &[Value]) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Value::Object(map) if !map.is_empty() => {
                let mut first = true;
                for (k, v) in map {
                    if first {
                        out.push_str(&pad);
                        out.push_str("- ");
                        entry_inline(out, indent + 2, k, v);
                        first = false;
                    } else {
                        entry(out, indent + 2, k, v);
                    }
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push_str(&pad);
                out.push_str("-\n");
                list(out, indent + 2, inner);
            }
            other => {
                out.push_str(&pad);
                out.push_str("- ");
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

/// A scalar, or an empty list or map, on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => scalar_text(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// A string as YAML: plain when that reads back as the same string, else
/// double-quoted (JSON's escapes are YAML's).
pub(crate) fn scalar_text(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

fn plain_is_safe(s: &str) -> bool {
    const WORDS: &[&str] = &["null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"];
    let Some(first) = s.chars().next() else {
        return false;
    };
    if WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return false;
    }
    // Anything that could read as a number (`1`, `1e3`, `.5`, `0x1F`, `1_000`) is quoted.
    if first.is_ascii_digit() || matches!(first, '-' | '+' | '.' | ' ') {
        return false;
    }
    if s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '/' | '(' | ')' | ',' | '='))
        && !s.contains(": ")
        && !s.contains(" #")
}

#[cfg(test)]
mod tests {
    use super::scalar_text;
    use crate::import::{Draft, DraftStep};
    use serde_json::json;

    /// Whatever the values, the YAML written reads back as the same values.
    #[test]
    fn what_is_written_reads_back_the_same() {
        let tricky = json!({
            "strings": ["", " lead", "trail ", "a: b", "#x", "- x", "? x", "yes", "NO", "~", "null", "1e3", "0x1F",
                "1_000", ".5", "+1", "@at", "`tick`", "'q'", "\"dq\"", "tab\there", "line\nbreak", "crlf\r\n",
                "é ü 中文", "{{ x }}", "{% y %}", "[a]", "{a: 1}", "a, b", "x #y", "!tag", "*alias", "&anchor", "%", "|", ">"],
            "numbers": [0, -1, 1.5, 1e300, 12345678901234i64],
            "bools": [true, false],
            "null": null,
            "empty": { "list": [], "map": {} },
            "nested": [[1, [2, []]], { "k": [{ "a": { "b": ["c"] } }] }],
            "odd keys": { "": 1, "a: b": 2, "- x": 3, "1": 4, "true": 5, "$.id": 6 },
        });
        let mut step = DraftStep::default();
        step.comments.push("a comment\nover two lines".into());
        step.set("name", json!("x: y"));
        step.set("value", tricky.clone());
        let mut group = DraftStep::default();
        group.set("group", json!("G"));
        group.steps = Some(vec![step]);
        let draft = Draft {
            top: vec![("vars".into(), tricky.clone())],
            steps: vec![group],
            ..Draft::default()
        };
        let text = super::collection(&draft);
        let back = crate::yaml::parse(crate::source::FileId(0), &text)
            .unwrap_or_else(|e| panic!("{}\n{text}", e.message))
            .to_json();
        assert_eq!(back["vars"], tricky, "{text}");
        assert_eq!(back["steps"][0]["steps"][0]["value"], tricky, "{text}");
        assert_eq!(back["steps"][0]["steps"][0]["name"], "x: y");
        assert!(text.contains("      # a comment\n      # over two lines\n"), "{text}");
    }

    #[test]
    fn strings_that_yaml_would_read_otherwise_are_quoted() {
        for s in [
            "", "true", "No", "null", "~", "1", "1.5", "-x", ".5", "a: b", "a #b", "{{ x }}", "@x", "*a", "&a", "!t",
            "'q'", "\"q\"", "a\nb", "[a]", "x:", "%", "`",
        ] {
            let text = scalar_text(s);
            assert!(text.starts_with('"'), "{s:?} → {text}");
        }
        for s in ["Get pets", "/pets/1", "application/json", "a=b", "Bearer x"] {
            assert_eq!(scalar_text(s), s);
        }
    }
}
