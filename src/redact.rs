//! The one place secrets are masked. Every text that enters an outcome or an
//! error message passes through a [`Redactor`] first.

use std::borrow::Cow;

/// Shown instead of a secret.
pub(crate) const MASK: &str = "***";

/// Headers whose values are always masked.
pub(crate) const SENSITIVE_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// Credentials learned from headers (a literal `Authorization`, a server's
/// `Set-Cookie`) are masked only from this many characters: `theme=dark` or
/// `sid=1` must not mask every `dark` or `1` of a report. Declared secrets
/// (`--secret`, `secrets:`, auth values) are masked whatever their length.
pub(crate) const MIN_LEARNED: usize = 6;

/// Masks known secret values, also in their URL-encoded and JSON-escaped forms.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    /// Shared: a redactor is cloned per step, secrets are added rarely.
    secrets: std::sync::Arc<Vec<String>>,
    /// Header names (lower case) whose values are masked, besides [`SENSITIVE_HEADERS`].
    headers: Vec<String>,
    /// The values given to `add` so far: the same credential is added on every
    /// request, and encoding it again each time is wasted work under a lock.
    added: std::sync::Arc<std::collections::HashSet<String>>,
}

impl Redactor {
    /// Whether `other` masks exactly what this one does because it is a clone to
    /// which no secret has been added since (adding one copies the shared list).
    pub(crate) fn same_secrets(&self, other: &Redactor) -> bool {
        std::sync::Arc::ptr_eq(&self.secrets, &other.secrets)
    }

    /// Adds a secret value (and its encoded forms). Empty values are ignored.
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.added.contains(secret) {
            return;
        }
        std::sync::Arc::make_mut(&mut self.added).insert(secret.to_owned());
        let mut forms = vec![secret.to_owned()];
        let encoded: String = url_encode(secret);
        if encoded != secret {
            forms.push(encoded);
        }
        let form: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if form != secret && !forms.contains(&form) {
            forms.push(form);
        }
        if let Ok(json) = serde_json::to_string(secret) {
            let inner = &json[1..json.len() - 1];
            if inner != secret {
                forms.push(inner.to_owned());
            }
        }
        let mut added = false;
        for form in forms {
            if !self.secrets.contains(&form) {
                std::sync::Arc::make_mut(&mut self.secrets).push(form);
                added = true;
            }
        }
        if added {
            std::sync::Arc::make_mut(&mut self.secrets).sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Learns the credential inside a sensitive header, so that a server echoing
    /// it back (in a body, say) is masked too: the whole value, the part after an
    /// auth scheme (`Bearer x`), the password of `Basic` credentials, and each
    /// value of a `Cookie` or `Set-Cookie`. Other headers are left alone.
    pub(crate) fn learn_header(&mut self, name: &str, value: &str) {
        if !self.is_sensitive_header(name) {
            return;
        }
        let mut learn = |v: &str| {
            let v = v.trim();
            if v.chars().count() >= MIN_LEARNED {
                self.add(v);
            }
        };
        if name.eq_ignore_ascii_case("cookie") || name.eq_ignore_ascii_case("set-cookie") {
            // `Set-Cookie` holds one cookie and its attributes, `Cookie` several cookies.
            let pairs: Vec<&str> = if name.eq_ignore_ascii_case("cookie") {
                value.split(';').collect()
            } else {
                value.split(';').take(1).collect()
            };
            for pair in pairs {
                if let Some((_, v)) = pair.split_once('=') {
                    learn(v.trim_matches('"'));
                }
            }
            return;
        }
        learn(value);
        if let Some((scheme, credentials)) = value.trim().split_once(' ') {
            learn(credentials);
            if scheme.eq_ignore_ascii_case("basic")
                && let Ok(decoded) =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, credentials.trim())
                && let Ok(text) = String::from_utf8(decoded)
                && let Some((_, password)) = text.split_once(':')
            {
                learn(password);
            }
        }
    }

    /// Marks a header name (an api_key header, say) as carrying a credential.
    pub(crate) fn add_header(&mut self, name: &str) {
        let name = name.to_ascii_lowercase();
        if !self.headers.contains(&name) {
            self.headers.push(name);
        }
    }

    /// The text with every secret replaced by `***`, and the credentials of any
    /// URL in it (`http://user:***@host`, `http://***@host`) masked by position,
    /// however short.
    pub(crate) fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in self.secrets.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), MASK));
            }
        }
        if out.contains("://")
            && let Some(masked) = mask_userinfo(&out)
        {
            out = Cow::Owned(masked);
        }
        out
    }

    pub(crate) fn string(&self, text: &str) -> String {
        self.text(text).into_owned()
    }

    /// `text` masked and cut after about `max` bytes, with how many bytes of
    /// `text` it shows. Masking a cut text would miss a secret across the cut and
    /// show its first part, so the cut moves past any secret, or URL
    /// credentials, that it would split.
    pub(crate) fn excerpt<'a>(&self, text: &'a str, max: usize) -> (Cow<'a, str>, usize) {
        if text.len() <= max {
            return (self.text(text), text.len());
        }
        let mut end = floor_char_boundary(text, max);
        loop {
            let before = end;
            for secret in self.secrets.iter() {
                // Only an occurrence that starts here can hold the cut.
                let from = ceil_char_boundary(text, (end + 1).saturating_sub(secret.len()));
                if let Some(i) = text[from..].find(secret.as_str())
                    && from + i < end
                {
                    end = from + i + secret.len();
                }
            }
            if let Some(start) = text[..end].rfind("://").map(|i| i + 3) {
                let authority = authority_end(text, start);
                if authority > end && text[start..authority].contains('@') {
                    end = authority;
                }
            }
            if end == before {
                return (self.text(&text[..end]), end);
            }
        }
    }

    /// True when the header's value is masked whatever it holds.
    pub(crate) fn is_sensitive_header(&self, name: &str) -> bool {
        SENSITIVE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
            || self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// A header value as it may be shown.
    pub(crate) fn header(&self, name: &str, value: &str) -> String {
        if self.is_sensitive_header(name) {
            MASK.to_owned()
        } else {
            self.string(value)
        }
    }
}

/// `text` with the credentials of each `scheme://user:password@host` in it
/// masked: the password, or a lone user name (a token written as the user, as
/// in `https://TOKEN@host`). None when there are none.
fn mask_userinfo(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut done = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let start = from + found + 3;
        let authority_end = authority_end(text, start);
        from = authority_end.max(start);
        let Some(at) = text[start..authority_end].rfind('@') else {
            continue;
        };
        let userinfo = &text[start..start + at];
        let secret_start = match userinfo.find(':') {
            Some(colon) => start + colon + 1,
            None => start,
        };
        let secret_end = start + at;
        if secret_end == secret_start || &text[secret_start..secret_end] == MASK {
            continue;
        }
        out.push_str(&text[done..secret_start]);
        out.push_str(MASK);
        done = secret_end;
    }
    if done == 0 {
        return None;
    }
    out.push_str(&text[done..]);
    Some(out)
}

/// Where the authority of a URL whose `://` ends at `start` ends.
fn authority_end(text: &str, start: usize) -> usize {
    text[start..]
        .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace())
        .map_or(text.len(), |i| start + i)
}

/// The largest character boundary at or before `i`.
fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest character boundary at or after `i`.
fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_credentials_of_urls_however_short() {
        let r = Redactor::default();
        assert_eq!(
            r.string("GET http://bob:1@127.0.0.1:8080/x"),
            "GET http://bob:***@127.0.0.1:8080/x"
        );
        assert_eq!(
            r.string("https://sk_live_abc@api.example/v1"),
            "https://***@api.example/v1"
        );
        assert_eq!(
            r.string("http://:pw@h/ and ftp://u:p@h2"),
            "http://:***@h/ and ftp://u:***@h2"
        );
        assert_eq!(
            r.string(r#"{"next":"http://a:b@h/?to=x@y.z"}"#),
            r#"{"next":"http://a:***@h/?to=x@y.z"}"#
        );
        // No credentials: the same text, not a copy.
        for plain in [
            "http://h/?mail=x@y.z",
            "http://h/",
            "a://",
            "no url @ all",
            "http://bob:***@h/",
        ] {
            assert!(matches!(r.text(plain), Cow::Borrowed(_)), "{plain}");
        }
    }

    #[test]
    fn masks_secrets_and_their_encoded_forms() {
        let mut r = Redactor::default();
        r.add("p@ss word");
        assert_eq!(r.text("x=p@ss word&y=p%40ss%20word"), "x=***&y=***");
        r.add("a\"b");
        assert_eq!(r.text(r#"{"k":"a\"b"}"#), r#"{"k":"***"}"#);
    }

    #[test]
    fn masks_the_form_encoded_form() {
        let mut r = Redactor::default();
        r.add("a b+c");
        assert_eq!(r.text("q=a+b%2Bc"), "q=***");
    }

    #[test]
    fn learns_credentials_from_sensitive_headers() {
        let mut r = Redactor::default();
        r.learn_header("Authorization", "Bearer tok-123456");
        r.learn_header("Authorization", "Basic dXNlcjpodW50ZXIyMg==");
        r.learn_header("Cookie", "theme=dark; sid=abcdef123");
        r.learn_header("Set-Cookie", "session=zyxwvu98; Path=/; HttpOnly");
        r.learn_header("Accept", "application/json");
        let text = "tok-123456 dXNlcjpodW50ZXIyMg== hunter22 dark abcdef123 zyxwvu98 application/json";
        assert_eq!(r.text(text), "*** *** *** dark *** *** application/json");
    }

    #[test]
    fn an_excerpt_is_cut_after_a_secret_or_url_credentials_it_would_split() {
        let mut r = Redactor::default();
        r.add("s3cr3t-value");
        assert_eq!(r.excerpt("abcdefgh", 4), (Cow::Borrowed("abcd"), 4));
        assert_eq!(r.excerpt("abcdefgh", 8), (Cow::Borrowed("abcdefgh"), 8));
        // Across the cut, or just before it.
        let text = "xx s3cr3t-value tail";
        assert_eq!(r.excerpt(text, 6), (Cow::Owned("xx ***".to_owned()), 15));
        assert_eq!(r.excerpt("xx s3cr3t-value yy", 16).0, "xx *** ");
        // URL credentials, whatever their length.
        assert_eq!(r.excerpt("see http://user:pw@h/path", 17).0, "see http://user:***@h");
        assert_eq!(r.excerpt("see http://h/a@b", 13).0, "see http://h/");
        // A character is never cut in two.
        assert_eq!(r.excerpt("aé", 2), (Cow::Borrowed("a"), 1));
    }

    #[test]
    fn longer_secrets_win() {
        let mut r = Redactor::default();
        r.add("abc");
        r.add("abcdef");
        assert_eq!(r.text("abcdef abc"), "*** ***");
    }

    #[test]
    fn sensitive_headers_are_masked_whole() {
        let mut r = Redactor::default();
        r.add_header("X-API-Key");
        assert_eq!(r.header("Authorization", "Bearer x"), MASK);
        assert_eq!(r.header("x-api-key", "k"), MASK);
        assert_eq!(r.header("Accept", "json"), "json");
    }
}
