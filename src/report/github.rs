//! On GitHub Actions (`GITHUB_ACTIONS=true`): an `::error` annotation for each
//! failed expectation and each errored step, at its YAML line, so the pull
//! request shows it on the file; and a Markdown summary of the run appended to
//! `$GITHUB_STEP_SUMMARY`. Like every reporter, it sees only redacted outcomes.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::PathBuf;

use super::Reporter;
use super::console::{describe_expectation, format_duration};
use crate::event::Event;
use crate::outcome::{RunOutcome, StepOutcome, StepStatus};

/// Problem steps shown in full in the summary; the rest are only listed.
const DETAILED: usize = 30;
/// The longest code block of the summary (GitHub takes 1 MiB per step summary).
const BLOCK_CHARS: usize = 8_000;

/// Whether Sortie runs as a GitHub Actions step.
pub(crate) fn enabled() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Annotations on `out` as steps finish; the summary, if a file is given, at the end.
pub(crate) struct GithubReporter<W> {
    out: W,
    summary: Option<PathBuf>,
    /// Markdown of each failed or errored step, in order.
    problems: Vec<String>,
}

impl<W: Write> GithubReporter<W> {
    /// Annotations to `out`; the summary appended to `summary` (`$GITHUB_STEP_SUMMARY`).
    pub(crate) fn new(out: W, summary: Option<PathBuf>) -> Self {
        GithubReporter {
            out,
            summary,
            problems: Vec::new(),
        }
    }
}

impl<W: Write> Reporter for GithubReporter<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::StepFinished { collection, step } if step.status.is_problem() => {
                self.out.write_all(annotations(collection, step).as_bytes())?;
                self.out.flush()?;
                if self.summary.is_some() {
                    self.problems.push(problem_markdown(collection, step));
                }
                Ok(())
            }
            Event::RunFinished(run) => match &self.summary {
                Some(path) => {
                    let text = summary_markdown(run, &self.problems);
                    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
                    file.write_all(text.as_bytes())
                }
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// One `::error` line per failed expectation, at the expectation's line (the first
/// is the `at FILE:LINE` of the console); one at the step's line for an errored
/// step or a failure without an expectation (a capture that found nothing).
pub(crate) fn annotations(collection: &str, step: &StepOutcome) -> String {
    let title = format!("{collection} / {}", step.name);
    let mut out = String::new();
    let mut annotate = |line: usize, message: &str| {
        let _ = writeln!(
            out,
            "::error file={},line={line},title={}::{}",
            property(&step.file),
            property(&title),
            data(message)
        );
    };
    let mut failures = step.failures().peekable();
    if step.status == StepStatus::Failed && failures.peek().is_some() {
        for failure in failures {
            let mut message = describe_expectation(failure);
            if let Some(diff) = &failure.diff {
                message.push('\n');
                message.push_str(diff.trim_end());
            }
            annotate(failure.line, &message);
        }
    } else {
        let message = step.message.as_deref().unwrap_or(match step.status {
            StepStatus::Errored => "the step could not run",
            _ => "the step failed",
        });
        annotate(step.line, message);
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: as [`data`], and `:` and `,` too.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The summary: a line of counts, a table, then each failed or errored step.
pub(crate) fn summary_markdown(run: &RunOutcome, problems: &[String]) -> String {
    let counts = run.counts();
    let mut md = String::new();
    let verdict = if run.interrupted {
        "⏹ interrupted"
    } else if run.success() {
        "✅ passed"
    } else {
        "❌ failed"
    };
    let _ = writeln!(md, "## Sortie: {verdict}\n");
    let _ = writeln!(
        md,
        "{}, {} in {}\n",
        crate::text::count(run.collections.len(), "collection"),
        crate::text::count(counts.total(), "step"),
        format_duration(run.duration)
    );
    md.push_str("| Collection | Passed | Failed | Errored | Skipped |\n|---|---:|---:|---:|---:|\n");
    for collection in &run.collections {
        let c = collection.counts();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            inline(&collection.name),
            c.passed,
            c.failed,
            c.errored,
            c.skipped
        );
    }
    let _ = writeln!(
        md,
        "| **Total** | **{}** | **{}** | **{}** | **{}** |\n",
        counts.passed, counts.failed, counts.errored, counts.skipped
    );
    for problem in problems.iter().take(DETAILED) {
        md.push_str(problem);
    }
    if problems.len() > DETAILED {
        let _ = writeln!(
            md,
            "… and {} more failed or errored steps: see the job log or the JUnit report.\n",
            problems.len() - DETAILED
        );
    }
    md
}

/// One failed or errored step: where, why (every failed expectation with its
/// diff, or the error), and the request as a curl command.
pub(crate) fn problem_markdown(collection: &str, step: &StepOutcome) -> String {
    let mut md = String::new();
    let mark = if step.status == StepStatus::Failed {
        "❌"
    } else {
        "⚠️"
    };
    let _ = writeln!(
        md,
        "### {mark} {} / {} ({})\n",
        inline(collection),
        inline(&step.name),
        step.status.name()
    );
    // A code span shows its text as it is: only a backtick could end it early.
    let file = step.file.replace(['`', '\r', '\n'], " ");
    let _ = writeln!(md, "at `{file}:{}`\n", step.failure_line());
    let mut why = String::new();
    if let Some(message) = &step.message {
        why.push_str(message);
        why.push('\n');
    }
    for failure in step.failures() {
        why.push_str(&describe_expectation(failure));
        why.push('\n');
        if let Some(diff) = &failure.diff {
            why.push_str(diff);
            if !diff.ends_with('\n') {
                why.push('\n');
            }
        }
    }
    if !why.is_empty() {
        md.push_str(&block("text", &why));
    }
    if let Some(request) = &step.request {
        md.push_str(&block("sh", &request.curl));
    }
    md
}

/// A fenced code block that no backtick run inside can close, cut to [`BLOCK_CHARS`].
fn block(language: &str, text: &str) -> String {
    let text = crate::text::cut(text.trim_end(), BLOCK_CHARS);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{language}\n{text}\n{fence}\n\n")
}

/// Text for a Markdown line or table cell: on one line, with Markdown and HTML
/// characters escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '<' | '>' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn one_annotation_per_failed_expectation_at_its_line() {
        let text = annotations("Pets", &fixtures::failed());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(
            lines[0],
            "::error file=collections/pets.yaml,line=14,title=Pets / Create pet::status: expected 201, got 400"
        );
        assert!(lines[1].starts_with("::error file=collections/pets.yaml,line=15,title=Pets / Create pet::json $: expected contains {\"name\":\"Rex\"}"), "{}", lines[1]);
        // The diff follows its sentence, on the lines of the same annotation.
        assert!(lines[1].contains("%0A--- expected%0A+++ actual%0A"), "{}", lines[1]);
    }

    #[test]
    fn an_errored_step_is_annotated_at_its_own_line_and_properties_are_escaped() {
        let step = StepOutcome {
            name: "a: b, c".to_owned(),
            message: Some("100% down\nreally".to_owned()),
            ..fixtures::errored()
        };
        assert_eq!(
            annotations("Pets", &step),
            "::error file=collections/pets.yaml,line=20,title=Pets / a%3A b%2C c::100%25 down%0Areally\n"
        );
    }

    #[test]
    fn code_blocks_cannot_be_closed_from_inside_and_names_cannot_make_markup() {
        assert_eq!(block("text", "a ``` b"), "````text\na ``` b\n````\n\n");
        assert_eq!(inline("a|b <i>\n#1"), "a\\|b \\<i\\> \\#1");
    }
}
