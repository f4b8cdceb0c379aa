//! `--dry-run` output: each request as it would be sent (method, URL, headers,
//! body; secrets masked), or why it could not be rendered, and a count.

use std::fmt::Write as _;
use std::io;

use super::Reporter;
use super::console::{BLOCK, clean, first_line, format_header};
use crate::event::Event;
use crate::outcome::{RunOutcome, StepOutcome, StepStatus};

/// Prints rendered requests to a writer (stdout).
pub(crate) struct DryRunReporter<W: io::Write> {
    out: W,
    color: bool,
    printed: bool,
}

impl<W: io::Write> DryRunReporter<W> {
    pub(crate) fn new(out: W, color: bool) -> Self {
        Self {
            out,
            color,
            printed: false,
        }
    }

    /// The writer back, with everything printed so far.
    #[cfg(test)]
    pub(crate) fn into_inner(self) -> W {
        self.out
    }
}

impl<W: io::Write> Reporter for DryRunReporter<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        let text = match event {
            Event::CollectionStarted { name, path } => {
                let header = format_header(name, path, self.color);
                if self.printed { format!("\n{header}") } else { header }
            }
            Event::StepFinished { step, .. } => format_step(step),
            Event::CollectionFinished => String::new(),
            Event::RunFinished(run) => format!("\n{}", format_summary(run)),
        };
        self.printed |= !text.is_empty();
        self.out.write_all(text.as_bytes())?;
        self.out.flush()
    }
}

/// A rendered request, an error, or a skipped step.
pub(crate) fn format_step(step: &StepOutcome) -> String {
    let mut out = String::new();
    let name = clean(&step.name);
    match step.status {
        StepStatus::Skipped => {
            let why = step.message.as_deref().unwrap_or("not run");
            let _ = writeln!(out, "  - {name}  skipped: {}", clean(first_line(why)));
        }
        StepStatus::Errored | StepStatus::Failed => {
            let message = step.message.as_deref().unwrap_or("the request could not be rendered");
            let mut lines = message.lines();
            let _ = writeln!(out, "  ! {name}  error: {}", clean(lines.next().unwrap_or("")));
            for line in lines {
                let _ = writeln!(out, "{BLOCK}{}", clean(line));
            }
            let _ = writeln!(out, "{BLOCK}at {}:{}", clean(&step.file), step.line);
        }
        StepStatus::Passed => {
            let _ = writeln!(out, "  → {name}");
            if let Some(r) = &step.request {
                let _ = writeln!(out, "{BLOCK}{} {}", clean(&r.method), placeholders(&clean(&r.url)));
                for (header, value) in &r.headers {
                    let _ = writeln!(out, "{BLOCK}{}: {}", clean(header), clean(value));
                }
                if let Some(body) = &r.body_excerpt {
                    out.push('\n');
                    for line in body.lines() {
                        let _ = writeln!(out, "{BLOCK}{}", clean(line));
                    }
                }
            }
            for (capture, value) in &step.captures {
                let _ = writeln!(out, "{BLOCK}captures {} as {}", clean(capture), clean(value));
            }
        }
    }
    out
}

/// A placeholder a URL percent-encoded (`%3Ccapture:id%3E`) shown as written.
fn placeholders(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(start) = rest.find("%3Ccapture") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "%3Ccapture".len()..];
        let after_colon = after.strip_prefix(':').or_else(|| after.strip_prefix("%3A"));
        let decoded = after_colon.and_then(|name_and_rest| {
            let end = name_and_rest.find("%3E")?;
            let name = &name_and_rest[..end];
            name.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                .then(|| (format!("<capture:{name}>"), &name_and_rest[end + 3..]))
        });
        match decoded {
            Some((text, tail)) => {
                out.push_str(&text);
                rest = tail;
            }
            None => {
                out.push_str("%3Ccapture");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `dry run: 4 requests rendered, 1 could not, 1 skipped; nothing was sent`.
pub(crate) fn format_summary(run: &RunOutcome) -> String {
    let counts = run.counts();
    let mut out = format!("dry run: {} rendered", crate::text::count(counts.passed, "request"));
    let bad = counts.problems();
    if bad > 0 {
        let _ = write!(out, ", {bad} could not");
    }
    if counts.skipped > 0 {
        let _ = write!(out, ", {} skipped", counts.skipped);
    }
    out.push_str("; nothing was sent\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn prints_requests_errors_and_a_count() {
        let mut run = fixtures::run();
        for step in run.collections.iter_mut().flat_map(|c| &mut c.steps) {
            step.response = None;
            if step.status == StepStatus::Failed {
                step.status = StepStatus::Passed;
                step.expectations.clear();
                step.captures = vec![("pet_id".into(), "<capture:pet_id>".into())];
            }
            if step.status == StepStatus::Errored {
                step.request = None;
                step.message = Some("in `url`: undefined variable `pet` (step at collections/pets.yaml:20:5)".into());
            }
        }
        let mut reporter = DryRunReporter::new(Vec::new(), false);
        for event in fixtures::events(&run) {
            reporter.event(&event).expect("writes to a Vec");
        }
        insta::assert_snapshot!(String::from_utf8(reporter.into_inner()).expect("UTF-8"));
    }

    #[test]
    fn placeholders_in_urls_read_as_written() {
        assert_eq!(
            placeholders("http://h/users/%3Ccapture:id%3E?t=%3Ccapture%3Atoken%3E&x=%3Ccapture%3E"),
            "http://h/users/<capture:id>?t=<capture:token>&x=%3Ccapture%3E"
        );
    }
}
