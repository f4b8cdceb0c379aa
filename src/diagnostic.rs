//! The one renderer of user-facing errors: "error: … --> file:line:col",
//! the source line, a caret under the exact place, and a help line.
//! Console, JUnit and JSON all use this text, so CI shows what a developer saw.

use std::fmt::Write as _;

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
        let level = if self.warning { "warning" } else { "error" };
        let mut out = format!("{level}: {}\n", self.message);
        // The gutter is as wide as the line number; `-->`, `|` and `=` line up after it.
        let mut pad = " ".to_owned();
        if let Some(span) = self.span {
            let file = sources.get(span.file);
            let line_no = span.start.line as usize;
            pad = " ".repeat(line_no.to_string().len());
            let text = file.line_text(line_no);
            let _ = writeln!(out, "{pad}--> {}", sources.location(span));
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{line_no} | {text}");
            let start = span.start.col as usize;
            let width = if span.end.line == span.start.line && span.end.col > span.start.col {
                (span.end.col - span.start.col) as usize
            } else {
                text.chars().count().saturating_sub(start).max(1)
            };
            // Tabs in the prefix must stay tabs so the caret lines up.
            let prefix: String = text
                .chars()
                .take(start)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = write!(out, "{pad} | {prefix}{}", "^".repeat(width.min(120)));
            match &self.label {
                Some(label) => {
                    let _ = writeln!(out, " {label}");
                }
                None => out.push('\n'),
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }
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

    #[test]
    fn suggests_close_names_only() {
        let known = ["expect", "extract", "request"];
        assert_eq!(did_you_mean("expcet", known), Some("expect"));
        assert_eq!(did_you_mean("requets", known), Some("request"));
        assert_eq!(did_you_mean("zzz", known), None);
    }
}
