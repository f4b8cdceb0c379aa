//! A `curl` command that sends the same request, for reproducing failures.

use std::fmt::Write as _;

/// Quotes a word for a POSIX shell.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The command line; values must already be redacted.
pub(crate) fn command(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
    insecure: bool,
) -> String {
    let mut out = String::from("curl");
    if insecure {
        out.push_str(" --insecure");
    }
    if method != "GET" || body.is_some() {
        let _ = write!(out, " -X {}", shell_quote(method));
    }
    let _ = write!(out, " {}", shell_quote(url));
    for (name, value) in headers {
        let _ = write!(out, " -H {}", shell_quote(&format!("{name}: {value}")));
    }
    if let Some(body) = body {
        let _ = write!(out, " --data-binary {}", shell_quote(body));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_the_shell_would_split() {
        let cmd = command(
            "POST",
            "http://h/x?a=1&b=2",
            &[("Content-Type".into(), "application/json".into())],
            Some(r#"{"it's": 1}"#),
            false,
        );
        assert_eq!(
            cmd,
            r#"curl -X POST 'http://h/x?a=1&b=2' -H 'Content-Type: application/json' --data-binary '{"it'\''s": 1}'"#
        );
    }

    #[test]
    fn plain_words_stay_bare_and_the_empty_word_is_quoted() {
        assert_eq!(shell_quote("a-z_0.9/:=@,+%"), "a-z_0.9/:=@,+%");
        assert_eq!(shell_quote(""), "''");
        for word in ["a b", "$HOME", "a;b", "*", "x\"y", "é"] {
            assert_eq!(shell_quote(word), format!("'{word}'"));
        }
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn the_method_is_named_unless_a_plain_get() {
        assert_eq!(command("GET", "http://h/", &[], None, false), "curl http://h/");
        assert_eq!(command("HEAD", "http://h/", &[], None, false), "curl -X HEAD http://h/");
        assert_eq!(
            command("GET", "http://h/", &[], Some("q"), true),
            "curl --insecure -X GET http://h/ --data-binary q"
        );
    }
}
