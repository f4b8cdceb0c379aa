//! The one renderer of user-facing errors: "error: … --> file:line:col",
//! the source line, a caret under the exact place, and a help line.
//! Console, JUnit and JSON all use this text, so CI shows what a developer saw.

use std::fmt::Write as _;
use std::ops::Range;

use crate::redact::{MASK, Redactor};
use crate::render::has_markup;
use crate::source::{Sources, Span};

/// An error in a collection or in the command line, pointing at its cause.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub message: String,
    pub span: Option<Span>,
    /// A short text printed next to the caret.
    pub label: Option<String>,
    pub help: Option<String>,
    /// A warning is shown but does not make the input invalid.
    pub warning: bool,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            span: None,
            label: None,
            help: None,
            warning: false,
        }
    }

    /// A warning at `span`: shown, but the input stays valid.
    pub fn warning_at(message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            warning: true,
            ..Diagnostic::at(message, span)
        }
    }

    pub fn at(message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            span: Some(span),
            ..Diagnostic::new(message)
        }
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic as rustc does, quoting the source line.
    pub fn render(&self, sources: &Sources) -> String {
        self.render_masked(sources, &Masks::default())
    }

    /// [`Diagnostic::render`], with the secrets `masks` knows masked in every
    /// text and in the quoted line, which is cut to a screen's width around the caret.
    pub fn render_masked(&self, sources: &Sources, masks: &Masks) -> String {
        let level = if self.warning { "warning" } else { "error" };
        let mut out = format!("{level}: {}\n", masks.shown(&self.message));
        // The gutter is as wide as the line number; `-->`, `|` and `=` line up after it.
        let mut pad = " ".to_owned();
        if let Some(span) = self.span {
            let file = sources.get(span.file);
            let line_no = span.start.line as usize;
            pad = " ".repeat(line_no.to_string().len());
            let start = span.start.col as usize;
            let width = (span.end.line == span.start.line && span.end.col > span.start.col)
                .then(|| (span.end.col - span.start.col) as usize);
            let (text, start, width) = quote(file.line_text(line_no), start, width, masks);
            let _ = writeln!(out, "{pad}--> {}", sources.location(span));
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{line_no} | {text}");
            // Tabs in the prefix must stay tabs so the caret lines up.
            let prefix: String = text
                .chars()
                .take(start)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = write!(out, "{pad} | {prefix}{}", "^".repeat(width.min(120)));
            match &self.label {
                Some(label) => {
                    let _ = writeln!(out, " {}", masks.shown(label));
                }
                None => out.push('\n'),
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {}", masks.shown(help));
        }
        out
    }
}

/// What a diagnostic must not show: the secret values known when it is
/// rendered, and the values of keys that name secrets (`token: …` in a vars
/// file that could not be read, so whose values are unknown).
#[derive(Debug, Clone, Default)]
pub struct Masks {
    pub(crate) redactor: Redactor,
    /// Secret names; the auth keys that hold credentials ([`CREDENTIAL_KEYS`]) are always masked.
    pub(crate) keys: Vec<String>,
}

/// Keys whose values are credentials wherever they are written.
const CREDENTIAL_KEYS: &[&str] = &["password", "client_secret", "bearer"];

/// A quoted line is cut to about this many characters around the caret.
const QUOTE_CHARS: usize = 120;

/// A message, label or help line is cut to this many characters: one may quote
/// a value from the file (a URL), and the file may hold a 50 MB line.
const TEXT_CHARS: usize = 500;

impl Masks {
    /// A text of the diagnostic as shown: masked, then cut.
    fn shown(&self, text: &str) -> String {
        crate::text::cut(&self.redactor.text(text), TEXT_CHARS)
    }

    /// Where `line` shows a secret: a known value, or the value of a secret key.
    fn ranges(&self, line: &str) -> Vec<Range<usize>> {
        let mut out = self.redactor.ranges(line);
        let keys = self
            .keys
            .iter()
            .map(String::as_str)
            .chain(CREDENTIAL_KEYS.iter().copied());
        for key in keys {
            out.extend(keyed_values(line, key));
        }
        out.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(out.len());
        for r in out {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }
}

/// The values written after `key:` (or `"key":`, `key=`) on a line, templates aside.
fn keyed_values(line: &str, key: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    for (at, _) in line.match_indices(key) {
        let before = line[..at].trim_end_matches(['"', '\'']);
        if !before.is_empty() && !before.ends_with([' ', '\t', '{', ',', '-', '[']) {
            continue;
        }
        let mut i = at + key.len();
        while i < b.len() && matches!(b[i], b'"' | b'\'') {
            i += 1;
        }
        if i >= b.len() || !matches!(b[i], b':' | b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let end = match b.get(i) {
            // A list or map is not a credential's value: its leaves are masked by value.
            None | Some(b'[' | b'{') => continue,
            Some(&q @ (b'"' | b'\'')) => line[i + 1..].find(q as char).map_or(b.len(), |e| i + 1 + e + 1),
            Some(_) => {
                // In a flow map (`{ password: x, … }`) a comma or brace ends the value.
                let flow = line[..at].contains(['{', '[']);
                let rest = &line[i..];
                let stop = rest
                    .find(|c: char| flow && matches!(c, ',' | '}' | ']'))
                    .or_else(|| rest.find(" #"))
                    .unwrap_or(rest.len());
                i + rest[..stop].trim_end().len()
            }
        };
        if end > i && !has_markup(&line[i..end]) {
            out.push(i..end);
        }
    }
    out
}

/// A source line as a diagnostic quotes it: secrets masked, then cut to
/// [`QUOTE_CHARS`] around the span (`…` marking a cut), with the span's start
/// column and width (in characters) in the text shown. Only a window of the line
/// around the span is read: a 50 MB one-line file gives a line of a screen's width.
fn quote(line: &str, col: usize, width: Option<usize>, masks: &Masks) -> (String, usize, usize) {
    // Masked before it is cut: wide enough that a secret across the window's edges
    // lies outside what is shown.
    const WINDOW: usize = 8 * QUOTE_CHARS;
    let skip = col.saturating_sub(WINDOW / 2);
    let mut chars = line.char_indices().skip(skip);
    let from = chars.next().map_or(line.len(), |(i, _)| i);
    let to = chars.nth(WINDOW - 1).map_or(line.len(), |(i, _)| i);
    let window = &line[from..to];
    let col = col - skip.min(col);
    let n = window.chars().count();
    let width = width.unwrap_or_else(|| n.saturating_sub(col)).max(1);
    // The masked text, and where each character of the window begins and ends in it.
    let ranges = masks.ranges(window);
    let mut text = String::with_capacity(window.len());
    let (mut starts, mut ends) = (Vec::with_capacity(n + 1), Vec::with_capacity(n + 1));
    let mut shown = 0;
    let mut r = 0;
    for (i, c) in window.char_indices() {
        while r < ranges.len() && ranges[r].end <= i {
            r += 1;
        }
        if r < ranges.len() && ranges[r].start <= i {
            if i == ranges[r].start || starts.is_empty() {
                text.push_str(MASK);
                shown += MASK.len();
            }
            starts.push(shown - MASK.len());
        } else {
            text.push(c);
            starts.push(shown);
            shown += 1;
        }
        ends.push(shown);
    }
    let start = starts.get(col).copied().unwrap_or(shown);
    let end = ends.get(col + width - 1).copied().unwrap_or(shown).max(start + 1);
    // Cut around the caret: a third of the width before it.
    let first = if shown <= QUOTE_CHARS {
        0
    } else {
        start.saturating_sub(QUOTE_CHARS / 3).min(shown - QUOTE_CHARS)
    };
    let last = (first + QUOTE_CHARS).min(shown);
    let mut out: String = text.chars().skip(first).take(last - first).collect();
    let mut caret = start - first;
    let mut caret_end = end.min(last).max(start + 1) - first;
    if first > 0 || from > 0 {
        out.insert(0, '…');
        caret += 1;
        caret_end += 1;
    }
    if last < shown || to < line.len() {
        out.push('…');
    }
    (out, caret, caret_end - caret)
}

/// The closest candidate to a misspelled name, if one is close enough.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len().max(name.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Pos;
    use std::path::PathBuf;

    #[test]
    fn renders_a_caret_under_the_span() {
        let mut sources = Sources::default();
        let file = sources.add(
            "c.yaml".into(),
            PathBuf::from("/x/c.yaml"),
            "steps:\n  - expcet: {}\n".into(),
        );
        let span = Span {
            file,
            start: Pos { line: 2, col: 4 },
            end: Pos { line: 2, col: 10 },
        };
        let text = Diagnostic::at("unknown key `expcet`", span)
            .with_help("did you mean `expect`?")
            .render(&sources);
        assert_eq!(
            text,
            "error: unknown key `expcet`\n --> c.yaml:2:5\n  |\n2 |   - expcet: {}\n  |     ^^^^^^\n  = help: did you mean `expect`?\n"
        );
    }

    #[test]
    fn the_help_line_follows_a_wide_gutter() {
        let mut sources = Sources::default();
        let text = format!("{}  - expcet: {{}}\n", "#\n".repeat(99));
        let file = sources.add("c.yaml".into(), PathBuf::from("/x/c.yaml"), text.into());
        let span = Span {
            file,
            start: Pos { line: 100, col: 4 },
            end: Pos { line: 100, col: 10 },
        };
        let text = Diagnostic::at("unknown key `expcet`", span)
            .with_help("did you mean `expect`?")
            .render(&sources);
        assert_eq!(
            text,
            "error: unknown key `expcet`\n   --> c.yaml:100:5\n    |\n100 |   - expcet: {}\n    |     ^^^^^^\n    = help: did you mean `expect`?\n"
        );
    }

    fn quoted(line: &str, col: u32, len: u32, masks: &Masks) -> String {
        let mut sources = Sources::default();
        let file = sources.add("c.yaml".into(), PathBuf::from("/x/c.yaml"), format!("{line}\n").into());
        let span = Span {
            file,
            start: Pos { line: 1, col },
            end: Pos {
                line: 1,
                col: col + len,
            },
        };
        let text = Diagnostic::at("bad", span).render_masked(&sources, masks);
        text.lines().skip(3).take(2).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_quoted_line_shows_no_secret_and_the_caret_follows_the_masks() {
        let mut masks = Masks {
            keys: vec!["token".into()],
            ..Masks::default()
        };
        masks.redactor.add("hunter2-long");
        assert_eq!(
            quoted(
                "  - { token: abcdef, auth: { basic: { password: pw } }, x: hunter2-long, bogus: 1 }",
                73,
                5,
                &masks
            ),
            format!(
                "1 |   - {{ token: ***, auth: {{ basic: {{ password: *** }} }}, x: ***, bogus: 1 }}\n  | {}^^^^^",
                " ".repeat(62)
            )
        );
        // Templates are not secrets: they are shown.
        assert_eq!(
            quoted(r#"password: "{{ pw }}", bogus: 1"#, 22, 5, &masks),
            "1 | password: \"{{ pw }}\", bogus: 1\n  |                       ^^^^^"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_caret() {
        let line = format!("{}bogus{}", "a".repeat(10_000), "b".repeat(10_000));
        let text = quoted(&line, 10_000, 5, &Masks::default());
        let (quoted, caret) = text.split_once('\n').unwrap();
        assert!(quoted.starts_with("1 | …aaa") && quoted.ends_with("bbb…"), "{quoted}");
        assert!(quoted.chars().count() < QUOTE_CHARS + 10);
        let col = caret.find('^').unwrap();
        assert_eq!(quoted.chars().skip(col).take(5).collect::<String>(), "bogus");
        assert_eq!(caret.matches('^').count(), 5);
    }

    #[test]
    fn suggests_close_names_only() {
        let known = ["expect", "extract", "request"];
        assert_eq!(did_you_mean("expcet", known), Some("expect"));
        assert_eq!(did_you_mean("requets", known), Some("request"));
        assert_eq!(did_you_mean("zzz", known), None);
    }
}
