//! The encoded forms a secret takes in text, read back: a text is searched as
//! written and as decoded (JSON escapes undone up to three times, percent-escapes
//! undone), each decoded byte knowing the part of the text it came from.
//! Decoding the text once, rather than encoding every secret every way, covers
//! what the URL parser, the template filters and JSON servers produce with one
//! automaton: upper- or lowercase hex, `/` escaped or not, `\u00e4`, `\/`, and
//! a body quoted a second time.

use std::borrow::Cow;
use std::ops::Range;

/// A text as written, then as decoded once more, and once more: each view
/// knows the view it was decoded from, and through it, the original text.
pub(super) struct Views<'a>(Vec<View<'a>>);

pub(super) struct View<'a> {
    pub(super) bytes: Cow<'a, [u8]>,
    /// How it was decoded from an earlier view; None for the text itself.
    from: Option<Decoded>,
}

struct Decoded {
    parent: usize,
    /// Sorted by `at`: each run of this view and where it came from.
    runs: Vec<Run>,
}

/// Bytes from `at` to the next run's `at`: copied one for one from the parent's
/// bytes at `parent_at` when `token` is 0, else all decoded from the escape
/// `parent_at..parent_at + token`.
#[derive(Clone, Copy)]
struct Run {
    at: usize,
    parent_at: usize,
    token: usize,
}

impl<'a> Views<'a> {
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, &View<'a>)> {
        self.0.iter().enumerate()
    }

    pub(super) fn get(&self, v: usize) -> &View<'a> {
        &self.0[v]
    }

    /// The part of the original text that `r` (a non-empty range of view `v`) was decoded from.
    pub(super) fn source(&self, v: usize, r: Range<usize>) -> Range<usize> {
        self.byte(v, r.start).start..self.byte(v, r.end - 1).end
    }

    /// The part of the original text that byte `i` of view `v` was decoded from.
    fn byte(&self, v: usize, i: usize) -> Range<usize> {
        let Some(from) = &self.0[v].from else {
            return i..i + 1;
        };
        let run = from.runs[from.runs.partition_point(|r| r.at <= i) - 1];
        let (start, end) = if run.token == 0 {
            let at = run.parent_at + i - run.at;
            (at, at)
        } else {
            (run.parent_at, run.parent_at + run.token - 1)
        };
        self.byte(from.parent, start).start..self.byte(from.parent, end).end
    }

    /// View `v` with every escape `escape` knows decoded; None when it has none.
    /// Text between escapes is copied in runs: decoding costs little more than a copy.
    fn decode(&self, v: usize, trigger: u8, escape: Escape) -> Option<View<'static>> {
        let b: &[u8] = &self.0[v].bytes;
        let mut bytes = Vec::with_capacity(b.len());
        let mut runs = Vec::new();
        let mut decoded = false;
        let mut one = Vec::with_capacity(4);
        let mut i = 0;
        while i < b.len() {
            let next = b[i..].iter().position(|&c| c == trigger).map_or(b.len(), |k| i + k);
            if next > i {
                runs.push(Run {
                    at: bytes.len(),
                    parent_at: i,
                    token: 0,
                });
                bytes.extend_from_slice(&b[i..next]);
                i = next;
                continue;
            }
            one.clear();
            let token = escape(&b[i..], &mut one).unwrap_or(0);
            runs.push(Run {
                at: bytes.len(),
                parent_at: i,
                token,
            });
            if token == 0 {
                bytes.push(b[i]);
                i += 1;
            } else {
                bytes.extend_from_slice(&one);
                decoded = true;
                i += token;
            }
        }
        decoded.then_some(View {
            bytes: Cow::Owned(bytes),
            from: Some(Decoded { parent: v, runs }),
        })
    }
}

impl View<'_> {
    fn has(&self, byte: u8) -> bool {
        self.bytes.contains(&byte)
    }
}

/// How many times a text is JSON-unescaped: a body as sent (once), echoed in a
/// JSON field by a server (twice), and quoted again as an `actual:` text (three times).
pub(super) const JSON_DEPTH: usize = 3;

/// The text as written, then each decoded form it holds: JSON-unescaped up to
/// [`JSON_DEPTH`] times (while it has `\`), and each of these percent-decoded
/// (when it has `%`).
pub(super) fn views(text: &str) -> Views<'_> {
    let mut views = Views(vec![View {
        bytes: Cow::Borrowed(text.as_bytes()),
        from: None,
    }]);
    while views.0.len() <= JSON_DEPTH {
        let last = views.0.len() - 1;
        if !views.0[last].has(b'\\') {
            break;
        }
        match views.decode(last, b'\\', json_escape) {
            Some(decoded) => views.0.push(decoded),
            None => break,
        }
    }
    for v in 0..views.0.len() {
        if views.0[v].has(b'%')
            && let Some(decoded) = views.decode(v, b'%', percent_escape)
        {
            views.0.push(decoded);
        }
    }
    views
}

/// A decoder of one escape at the start of `b`: the bytes it stands for and its
/// length, or None when `b` does not start with a complete escape.
type Escape = fn(&[u8], &mut Vec<u8>) -> Option<usize>;

/// `%HH`, either case.
fn percent_escape(b: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    if b.len() < 3 || b[0] != b'%' {
        return None;
    }
    let hi = hex(b[1])?;
    let lo = hex(b[2])?;
    out.push(hi << 4 | lo);
    Some(3)
}

/// A JSON string escape: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`,
/// `\uXXXX` (a surrogate pair as one character).
fn json_escape(b: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    if b.len() < 2 || b[0] != b'\\' {
        return None;
    }
    let simple = match b[1] {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 8,
        b'f' => 12,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'u' => {
            let first = hex4(b.get(2..6)?)?;
            let (c, len) = if (0xD800..0xDC00).contains(&first) {
                if b.get(6..8)? != b"\\u" {
                    return None;
                }
                let second = hex4(b.get(8..12)?)?;
                if !(0xDC00..0xE000).contains(&second) {
                    return None;
                }
                (0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00), 12)
            } else {
                (first, 6)
            };
            let c = char::from_u32(c)?;
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            return Some(len);
        }
        _ => return None,
    };
    out.push(simple);
    Some(2)
}

/// How many bytes at the end of `b` are an escape a cut left incomplete
/// (`\`, `\u00`, `%`, `%4`), 0 when none.
pub(super) fn partial_escape(b: &[u8]) -> usize {
    let n = b.len();
    if b.last() == Some(&b'\\') || b.last() == Some(&b'%') {
        return 1;
    }
    if n >= 2 && b[n - 2] == b'%' && hex(b[n - 1]).is_some() {
        return 2;
    }
    // `\u` and up to three hex digits.
    for digits in 0..=3 {
        if n >= 2 + digits
            && b[n - 2 - digits..n - digits] == *b"\\u"
            && b[n - digits..].iter().all(|&d| hex(d).is_some())
        {
            return 2 + digits;
        }
    }
    0
}

fn hex4(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &d| Some(acc << 4 | u32::from(hex(d)?)))
}

fn hex(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> Vec<String> {
        views(text)
            .iter()
            .map(|(_, v)| String::from_utf8_lossy(&v.bytes).into_owned())
            .collect()
    }

    #[test]
    fn decodes_json_twice_and_percent_escapes_with_their_sources() {
        assert_eq!(decoded("plain"), ["plain"]);
        assert_eq!(decoded(r#"a\"b\u00e4\/"#), [r#"a\"b\u00e4\/"#, "a\"bä/"]);
        assert_eq!(decoded(r#"pa\\\"ss"#), [r#"pa\\\"ss"#, r#"pa\"ss"#, r#"pa"ss"#]);
        assert_eq!(decoded(r#"\\\\\\\"a"#).last().unwrap(), r#""a"#);
        assert_eq!(decoded("x%2fy%2F%zz"), ["x%2fy%2F%zz", "x/y/%zz"]);
        assert_eq!(decoded(r"\ud83d\ude00"), [r"\ud83d\ude00", "😀"]);
        // A lone surrogate stays as written.
        assert_eq!(decoded(r"\ud83d!"), [r"\ud83d!"]);
        let all = views(r#"k=a%5C%22b \"c%20d\""#);
        let (v, last) = all.iter().last().unwrap();
        assert_eq!(String::from_utf8_lossy(&last.bytes), r#"k=a\"b "c d""#);
        // `c d` in the last view came from `c%20d` in the text, `"c` from `\"c`.
        let at = last.bytes.windows(3).position(|w| w == b"c d").unwrap();
        assert_eq!(all.source(v, at..at + 3), 13..18);
        assert_eq!(all.source(v, at - 1..at + 1), 11..14);
        assert_eq!(all.source(v, 0..4), 0..6);
    }

    #[test]
    fn finds_escapes_left_incomplete_by_a_cut() {
        assert_eq!(partial_escape(b"ab\\"), 1);
        assert_eq!(partial_escape(b"ab\\u"), 2);
        assert_eq!(partial_escape(b"ab\\u0"), 3);
        assert_eq!(partial_escape(b"ab\\u00"), 4);
        assert_eq!(partial_escape(b"ab\\u004"), 5);
        assert_eq!(partial_escape(b"\\u004"), 5);
        assert_eq!(partial_escape(b"ab\\u0041"), 0);
        assert_eq!(partial_escape(b"ab%"), 1);
        assert_eq!(partial_escape(b"ab%4"), 2);
        assert_eq!(partial_escape(b"ab%41"), 0);
        assert_eq!(partial_escape(b"abc"), 0);
    }
}
