//! Small text helpers every stage shares.

/// The first `max_chars` characters of `text`, with `…` when it was longer.
pub fn cut(text: &str, max_chars: usize) -> String {
    cut_marked(text, max_chars).0
}

/// [`cut`], and whether it cut anything.
pub fn cut_marked(text: &str, max_chars: usize) -> (String, bool) {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => (format!("{}…", &text[..at]), true),
        None => (text.to_owned(), false),
    }
}

/// `1 step`, `3 steps`: a count and its word, plural when it is not one.
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, word: &str) -> String {
    if n == N::from(1) {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A time as RFC 3339 in UTC (milliseconds when `millis`), or None where
/// humantime cannot format it (before 1970, from the year 10000 on).
pub fn rfc3339(time: std::time::SystemTime, millis: bool) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn cuts_on_characters_not_bytes() {
        assert_eq!(cut("héllo", 2), "hé…");
        assert_eq!(cut("hé", 2), "hé");
    }
}
