//! Small text helpers every stage shares: counting, cutting, times, and
//! durations and sizes as people write and read them.

use std::time::Duration;

/// The first `max_chars` characters of `text`, with `…` when it was longer.
pub(crate) fn cut(text: &str, max_chars: usize) -> String {
    cut_marked(text, max_chars).0
}

/// [`cut`], and whether it cut anything.
pub(crate) fn cut_marked(text: &str, max_chars: usize) -> (String, bool) {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => (format!("{}…", &text[..at]), true),
        None => (text.to_owned(), false),
    }
}

/// `1 step`, `3 steps`: a count and its word, plural when it is not one.
pub(crate) fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, word: &str) -> String {
    if n == N::from(1) {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A time as RFC 3339 in UTC (milliseconds when `millis`), or None where
/// humantime cannot format it (before 1970, from the year 10000 on).
pub(crate) fn rfc3339(time: std::time::SystemTime, millis: bool) -> Option<String> {
    const YEAR_10000: std::time::Duration = std::time::Duration::from_secs(253_402_300_800);
    let since = time.duration_since(std::time::UNIX_EPOCH).ok()?;
    if since >= YEAR_10000 {
        return None;
    }
    Some(if millis {
        humantime::format_rfc3339_millis(time).to_string()
    } else {
        humantime::format_rfc3339_seconds(time).to_string()
    })
}

/// `250ms`, `5s`, `1m30s`, or a bare integer of milliseconds.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<u64>() {
        return Some(Duration::from_millis(ms));
    }
    humantime::parse_duration(text).ok()
}

/// `1.5s`, `250ms`.
pub(crate) fn human(d: Duration) -> String {
    if d.as_millis() < 1000 || d.subsec_millis() != 0 && d.as_secs() < 10 {
        if d.as_millis() >= 1000 {
            return format!("{:.1}s", d.as_secs_f64());
        }
        return format!("{}ms", d.as_millis());
    }
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// `16 MiB`, `512 KiB`, `100 B`.
pub(crate) fn size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= KIB {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} B")
    }
}

/// Whether `url` is absolute: a scheme (`http`, `https`, …) then `://`. A
/// relative URL may hold `://` further on (`/login?next=http://…`).
pub(crate) fn is_absolute_url(url: &str) -> bool {
    let url = url.trim_start();
    let scheme_len = scheme_len(url);
    scheme_len > 0 && url[scheme_len..].starts_with("://")
}

/// Whether a URL as written, templates and all, is relative whatever they
/// render to: `/users/{{ id }}` is, `{{ target }}` and `http{{ s }}://h` may
/// not be. The literal text before the first template must be a scheme and
/// `://`, or the start of one.
pub(crate) fn is_surely_relative_url(written: &str) -> bool {
    let written = written.trim();
    let markup = ["{{", "{%", "{#"].iter().filter_map(|m| written.find(m)).min();
    let Some(at) = markup else {
        return !is_absolute_url(written);
    };
    let prefix = &written[..at];
    let scheme_len = scheme_len(prefix);
    if scheme_len == 0 {
        return !prefix.is_empty();
    }
    let rest = &prefix[scheme_len..];
    !(rest.starts_with("://") || "://".starts_with(rest))
}

/// The length of a URL scheme at the start of `text` (RFC 3986: a letter, then
/// letters, digits, `+`, `-` or `.`); 0 when there is none.
fn scheme_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .map_or(text.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_units_and_bare_milliseconds() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1500"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("soon"), None);
    }
    #[test]
    fn cuts_on_characters_not_bytes() {
        assert_eq!(cut("héllo", 2), "hé…");
        assert_eq!(cut("hé", 2), "hé");
    }

    #[test]
    fn absolute_urls_start_with_a_scheme() {
        assert!(is_absolute_url("http://h/x"));
        assert!(is_absolute_url(" https://h"));
        assert!(!is_absolute_url("/login?next=http://h/x"));
        assert!(!is_absolute_url("127.0.0.1:8080/x"));
        assert!(!is_absolute_url(""));
        let maybe = [
            "{{ u }}",
            "http{{ s }}",
            "https:/{{ x }}",
            "http://{{ h }}",
            "http://h/{{ p }}",
            "http://h",
        ];
        for url in maybe {
            assert!(!is_surely_relative_url(url), "{url}");
        }
        let relative = [
            "/users/{{ id }}",
            "users/{{ id }}",
            "127.0.0.1:{{ p }}",
            "localhost:8080/{{ p }}",
            "?q={{ q }}",
            "/a",
            "",
        ];
        for url in relative {
            assert!(is_surely_relative_url(url), "{url}");
        }
    }
}
