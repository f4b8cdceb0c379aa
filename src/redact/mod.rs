//! The one place secrets are masked. Every text that enters an outcome or an
//! error message passes through a [`Redactor`] first.
//!
//! The rules (the README's "Secrets" states them for users):
//! - A secret of [`MIN_FREE_TEXT`] characters or more is masked wherever it
//!   shows, as written or encoded (see `forms.rs`). A shorter one is masked only
//!   where it stands whole: a whole text or header value, a query or form
//!   parameter value, a JSON string or scalar value. A one-letter `client_id`
//!   must not mask every `c` of a report.
//! - A text that was cut before it could be masked ends in `…`; the start of a
//!   secret right before that mark is masked too (see [`MIN_CUT_PREFIX`]).
//! - Nothing is masked inside a URL's scheme or host; the credentials of a URL
//!   (`user:password@`) are masked by position, however short.

mod forms;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, MatchKind};

use self::forms::{Views, partial_escape, views};

/// Shown instead of a secret.
pub(crate) const MASK: &str = "***";

/// Headers whose values are always masked.
pub(crate) const SENSITIVE_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// Secrets are masked in free text from this many characters; a shorter one
/// only where it stands whole. Credentials learned from headers (a literal
/// `Authorization`, a session cookie) are learned only from this length.
pub(crate) const MIN_FREE_TEXT: usize = 6;

/// The fewest characters of a secret's start, right before a cut mark `…`,
/// that are masked: one letter would mask the end of many a cut text for
/// nothing, two already give away little of a secret of six or more.
const MIN_CUT_PREFIX: usize = 2;

/// A cookie value this long is masked in free text whatever the cookie's name:
/// session ids are long and random, ordinary values (`dark`, `valueA`) short.
const LONG_COOKIE: usize = 16;

/// Parts of cookie names (lower case) that mark a session credential.
const CREDENTIAL_COOKIE_WORDS: &[&str] = &[
    "sess", "sid", "token", "auth", "jwt", "key", "secret", "pass", "login", "remember", "csrf", "xsrf", "cred",
];

/// Masks known secret values, also in their encoded forms.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Shared: a redactor is cloned per step, secrets are added rarely.
    known: Arc<Known>,
    /// Header names (lower case) whose values are masked, besides [`SENSITIVE_HEADERS`].
    headers: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Known {
    /// The values given to `add` so far: the same credential is added on every
    /// request, and adding it again would rebuild the automata for nothing.
    added: HashSet<String>,
    /// Masked anywhere: secrets of [`MIN_FREE_TEXT`] characters or more (and
    /// each with `+` for its spaces, as a form encodes them).
    free: Vec<String>,
    /// Masked where they stand whole: the shorter ones.
    whole: Vec<String>,
    /// Built on first use after a secret was added: one pass over a text finds
    /// every secret, however many there are.
    automata: OnceLock<Automata>,
}

#[derive(Debug, Clone)]
struct Automata {
    /// Leftmost-longest: a secret that contains another is masked whole.
    free: Option<AhoCorasick>,
    /// Every occurrence, overlapping: each is then checked for standing whole.
    whole: Option<AhoCorasick>,
    /// How many of `Known::free` and `Known::whole` they hold; the secrets
    /// added since are searched one by one.
    free_len: usize,
    whole_len: usize,
}

/// Secrets added since the automata were built are searched one by one; past
/// this many, or as many as the automata hold, the automata are built again
/// with them. A run that learns a new token on every request (a login in a
/// loop) must not rebuild every time: growing geometrically, the builds cost
/// about twice the last one in all (a build is some 300 instructions a byte of
/// secret, a one-by-one search of a short text a few dozen).
const PENDING: usize = 16;

impl Redactor {
    /// Whether `other` masks exactly what this one does because it is a clone to
    /// which no secret has been added since (adding one copies the shared list).
    pub(crate) fn same_secrets(&self, other: &Redactor) -> bool {
        Arc::ptr_eq(&self.known, &other.known)
    }

    /// Adds a secret value. Empty values are ignored.
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() || self.known.added.contains(secret) {
            return;
        }
        let known = Arc::make_mut(&mut self.known);
        known.added.insert(secret.to_owned());
        let list = if secret.chars().count() < MIN_FREE_TEXT {
            &mut known.whole
        } else {
            &mut known.free
        };
        list.push(secret.to_owned());
        if secret.contains(' ') {
            list.push(secret.replace(' ', "+"));
        }
        let (built, pending) = known.automata.get().map_or((0, 0), |a| {
            let built = a.free_len + a.whole_len;
            (built, known.free.len() + known.whole.len() - built)
        });
        if pending > PENDING.max(built) {
            known.automata = OnceLock::new();
        }
    }

    /// True when every secret added so far is masked in free text.
    #[cfg(test)]
    pub(crate) fn all_free(&self) -> bool {
        self.known.whole.is_empty()
    }

    /// Learns the credential inside a sensitive header, so that a server echoing
    /// it back (in a body, say) is masked too: the whole value, the part after an
    /// auth scheme (`Bearer x`), the password of `Basic` credentials, and the
    /// values of a `Cookie` or `Set-Cookie` that [`is_credential_cookie`] picks.
    /// Only values of [`MIN_FREE_TEXT`] characters or more: a literal `sid=1`
    /// must not mask every JSON `"1"`. Other headers are left alone.
    pub(crate) fn learn_header(&mut self, name: &str, value: &str) {
        if !self.is_sensitive_header(name) {
            return;
        }
        let mut learn = |v: &str| {
            let v = v.trim();
            if v.chars().count() >= MIN_FREE_TEXT {
                self.add(v);
            }
        };
        let set_cookie = name.eq_ignore_ascii_case("set-cookie");
        if set_cookie || name.eq_ignore_ascii_case("cookie") {
            // `Set-Cookie` holds one cookie and its attributes, `Cookie` several cookies.
            let mut parts = value.split(';');
            let http_only = set_cookie
                && value
                    .split(';')
                    .skip(1)
                    .any(|a| a.trim().eq_ignore_ascii_case("httponly"));
            let pairs: Vec<&str> = if set_cookie {
                parts.next().into_iter().collect()
            } else {
                parts.collect()
            };
            for pair in pairs {
                if let Some((n, v)) = pair.split_once('=') {
                    let v = v.trim().trim_matches('"');
                    if is_credential_cookie(n.trim(), v, http_only) {
                        learn(v);
                    }
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
        let ranges = self.ranges(text);
        let mut out = if ranges.is_empty() {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(masked(text, &ranges))
        };
        if out.contains("://")
            && let Some(masked) = mask_userinfo(&out)
        {
            out = Cow::Owned(masked);
        }
        out
    }

    pub fn string(&self, text: &str) -> String {
        self.text(text).into_owned()
    }

    /// Where secrets stand in `text` (byte ranges, sorted, apart), in any form
    /// this redactor masks; URL credentials aside.
    pub(crate) fn ranges(&self, text: &str) -> Vec<Range<usize>> {
        let known = &*self.known;
        if known.free.is_empty() && known.whole.is_empty() || text.is_empty() {
            return Vec::new();
        }
        let automata = known.automata.get_or_init(|| Automata {
            free: automaton(&known.free, MatchKind::LeftmostLongest),
            whole: automaton(&known.whole, MatchKind::Standard),
            free_len: known.free.len(),
            whole_len: known.whole.len(),
        });
        let marks = text.contains('…');
        let mut found = Vec::new();
        let views = views(text);
        for (v, _) in views.iter() {
            self.scan(&views, v, automata, marks, &mut found);
        }
        if found.is_empty() {
            return found;
        }
        if text.contains("://") {
            let structure = url_structure(text);
            found.retain(|r| !structure.iter().any(|s| s.start <= r.start && r.end <= s.end));
        }
        merge(text, found)
    }

    /// The secrets in one view of a text, as ranges of the text.
    fn scan(&self, views: &Views<'_>, v: usize, automata: &Automata, marks: bool, found: &mut Vec<Range<usize>>) {
        let b: &[u8] = &views.get(v).bytes;
        if let Some(free) = &automata.free {
            found.extend(free.find_iter(b).map(|m| views.source(v, m.range())));
        }
        if let Some(whole) = &automata.whole {
            found.extend(
                whole
                    .find_overlapping_iter(b)
                    .filter(|m| stands_whole(b, m.range()))
                    .map(|m| views.source(v, m.range())),
            );
        }
        // The few added since the automata were built, one by one.
        let known = &*self.known;
        for (secrets, whole) in [
            (&known.free[automata.free_len..], false),
            (&known.whole[automata.whole_len..], true),
        ] {
            for secret in secrets {
                let needle = secret.as_bytes();
                let mut from = 0;
                while let Some(at) = find(&b[from..], needle).map(|i| from + i) {
                    let r = at..at + needle.len();
                    if !whole || stands_whole(b, r.clone()) {
                        found.push(views.source(v, r));
                    }
                    from = at + 1;
                }
            }
        }
        if marks {
            let mut from = 0;
            while let Some(at) = find(&b[from..], "…".as_bytes()).map(|i| from + i) {
                if let Some(start) = self.cut_secret(&b[..at]) {
                    found.push(views.source(v, start..at));
                }
                from = at + 3;
            }
        }
    }

    /// Where the start of a secret begins when `before` (the text up to a cut
    /// mark) ends with one, an escape the cut left incomplete included.
    fn cut_secret(&self, before: &[u8]) -> Option<usize> {
        let end = before.len();
        let partial = partial_escape(before);
        let mut start: Option<usize> = None;
        for stem in [end, end - partial] {
            for secret in &self.known.free {
                let s = secret.as_bytes();
                // The earliest start is the longest prefix shown.
                for i in stem.saturating_sub(s.len() - 1)..stem {
                    let n = stem - i;
                    if before[i] == s[0]
                        && before[i..stem] == s[..n]
                        && secret.is_char_boundary(n)
                        && secret[..n].chars().count() >= MIN_CUT_PREFIX
                    {
                        start = Some(start.map_or(i, |st| st.min(i)));
                        break;
                    }
                }
            }
            if partial == 0 {
                break;
            }
        }
        start
    }

    /// `text` masked and cut after about `max` bytes, with how many bytes of
    /// `text` it shows. The cut moves past any secret (in any form) or URL
    /// credentials it would split: masking comes first, then the cut.
    pub(crate) fn excerpt<'a>(&self, text: &'a str, max: usize) -> (Cow<'a, str>, usize) {
        if text.len() <= max {
            return (self.text(text), text.len());
        }
        let mut end = floor_char_boundary(text, max);
        // A secret across the cut lies within this many bytes of it, however encoded (a `"`
        // quoted three times is 8 bytes, 24 once percent-encoded).
        let reach = 24 * self.known.free.iter().map(String::len).max().unwrap_or(0) + 16;
        loop {
            let before = end;
            let window = &text[..ceil_char_boundary(text, (end + reach).min(text.len()))];
            for r in self.ranges(window) {
                if r.start < end && r.end > end {
                    end = r.end;
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

    /// True when `text` holds a URL with credentials (`scheme://user:password@host`),
    /// which [`Redactor::text`] masks by position.
    pub(crate) fn has_url_credentials(text: &str) -> bool {
        text.contains("://") && mask_userinfo(text).is_some()
    }

    /// True when `text` is exactly a secret this redactor was given.
    pub(crate) fn is_secret(&self, text: &str) -> bool {
        self.known.added.contains(text)
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

/// Whether a cookie's value is a credential, masked in free text (from
/// [`MIN_FREE_TEXT`] characters): the server marked it `HttpOnly`, its name
/// reads as one (`session`, `sid`, `token`, `auth`, `jwt`, `csrf`, …), or it is
/// [`LONG_COOKIE`] characters or more. Other cookies (`theme=dark`,
/// `cookie2=valueA`) are masked only in `Cookie` and `Set-Cookie` headers.
pub(crate) fn is_credential_cookie(name: &str, value: &str, http_only: bool) -> bool {
    let name = name.to_ascii_lowercase();
    http_only || value.chars().count() >= LONG_COOKIE || CREDENTIAL_COOKIE_WORDS.iter().any(|w| name.contains(w))
}

fn automaton(patterns: &[String], kind: MatchKind) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    // A contiguous NFA: built in a fraction of a DFA's time and memory, and
    // about as fast on the few-KiB texts a step shows.
    AhoCorasick::builder()
        .match_kind(kind)
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(patterns)
        .ok()
}

/// Whether the match `r` of a short secret stands whole in `b`: the whole text,
/// a JSON string or scalar value, or a query, form or cookie parameter value.
fn stands_whole(b: &[u8], r: Range<usize>) -> bool {
    let before = &b[..r.start];
    let after = &b[r.end..];
    if before.trim_ascii().is_empty() && after.trim_ascii().is_empty() {
        return true;
    }
    // A JSON string that is not a key: `"c"` not followed by `:`.
    if before.last() == Some(&b'"') && !before[..before.len() - 1].ends_with(b"\\") && after.first() == Some(&b'"') {
        return after[1..].trim_ascii_start().first() != Some(&b':');
    }
    // A scalar value after a key: `"n": 1234` or `client_id: c`.
    let lead = before.trim_ascii_end();
    if lead.last() == Some(&b':') && lead.len() < before.len() || lead.ends_with(b"\":") {
        let rest = after.trim_ascii_start();
        return rest.is_empty() || matches!(rest[0], b',' | b'}' | b']');
    }
    // A parameter value: `?client_id=c&`, `a=1&c=x`, `sid=c;`, and `?=c` (no name).
    if before.last() == Some(&b'=') {
        let key = &before[..before.len() - 1];
        let name_len = key
            .iter()
            .rev()
            .take_while(|&&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'[' | b']' | b'%'))
            .count();
        let opens = key.len() == name_len
            || matches!(key[key.len() - name_len - 1], b'?' | b'&' | b';' | b'"' | b'\'')
            || key[key.len() - name_len - 1].is_ascii_whitespace();
        let closes = after.first().is_none_or(|&c| {
            matches!(c, b'&' | b'#' | b';' | b'"' | b'\'' | b'<' | b',' | b')') || c.is_ascii_whitespace()
        });
        return opens && closes;
    }
    false
}

/// Ranges sorted, overlapping or touching ones merged (one mask, not `******`),
/// each widened to whole characters.
fn merge(text: &str, mut found: Vec<Range<usize>>) -> Vec<Range<usize>> {
    found.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(found.len());
    for r in found {
        let r = floor_char_boundary(text, r.start)..ceil_char_boundary(text, r.end);
        if r.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

fn masked(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for r in ranges {
        out.push_str(&text[done..r.start]);
        out.push_str(MASK);
        done = r.end;
    }
    out.push_str(&text[done..]);
    out
}

/// The schemes and hosts (with ports) of the URLs in `text`: never masked.
fn url_structure(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("://") {
        let scheme = text[..at]
            .bytes()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
            .count();
        if scheme == 0 {
            continue;
        }
        out.push(at - scheme..at);
        let start = at + 3;
        let end = authority_end(text, start);
        let host = text[start..end].rfind('@').map_or(start, |i| start + i + 1);
        out.push(host..end);
    }
    out
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
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
