//! The console reporter: a header per collection, one line per step, a block for
//! each failure, and a summary.
//!
//! Every piece of text is built by a pure function into a `String` (snapshot-tested
//! with color off); [`ConsoleReporter`] only decides what to print when. Text that
//! came from a server or a file goes through [`clean`] so a response body cannot
//! drive the terminal with escape sequences.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use anstyle::{AnsiColor, Style};

use super::Reporter;
use super::progress::Progress;
use crate::check::diff::DiffLine;
use crate::event::Event;
use crate::outcome::{Expectation, Phase, RequestSummary, ResponseSummary, RunOutcome, StepOutcome, StepStatus};

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const PLAIN: Style = Style::new();

/// Indent of the lines under a step line (failure block, exchange).
pub(super) const BLOCK: &str = "    ";

/// What the console shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ConsoleOptions {
    /// Write ANSI colors; when false no escape code is written at all.
    pub color: bool,
    /// Only failed and errored steps, and the summary.
    pub quiet: bool,
    /// 1: each step's request and response lines and headers; 2: bodies too.
    pub verbose: u8,
}

/// Prints a run as it goes to a terminal (or any writer).
pub(crate) struct ConsoleReporter<W: io::Write> {
    out: W,
    options: ConsoleOptions,
    /// In quiet mode a collection's header waits for its first failing step,
    /// so a run that passes prints the summary alone.
    pending_header: Option<String>,
    /// Whether anything was printed yet: sections are separated by a blank line.
    printed: bool,
    /// The live progress line, cleared before anything is printed.
    progress: Option<Arc<Progress>>,
}

impl<W: io::Write> ConsoleReporter<W> {
    /// A reporter writing to `out` (stdout through `anstream`, or a buffer in tests).
    pub(crate) fn new(out: W, options: ConsoleOptions) -> Self {
        Self {
            out,
            options,
            pending_header: None,
            printed: false,
            progress: None,
        }
    }

    /// Keeps `progress` out of the way of what this reporter prints.
    #[must_use]
    pub(crate) fn with_progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    fn clear_progress(&self) {
        if let Some(p) = &self.progress {
            p.clear();
        }
    }

    /// The writer back, with everything printed so far.
    #[cfg(test)]
    pub(crate) fn into_inner(self) -> W {
        self.out
    }

    fn section(&mut self, text: &str) -> io::Result<()> {
        if self.printed {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(text.as_bytes())?;
        self.printed = true;
        Ok(())
    }
}

impl<W: io::Write> Reporter for ConsoleReporter<W> {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::CollectionStarted { name, path } => {
                self.clear_progress();
                let header = format_header(name, path, self.options.color);
                if self.options.quiet {
                    self.pending_header = Some(header);
                } else {
                    self.section(&header)?;
                }
            }
            Event::StepFinished { collection, step } => {
                let text = format_step(step, &self.options);
                if !text.is_empty() {
                    self.clear_progress();
                    if let Some(header) = self.pending_header.take() {
                        self.section(&header)?;
                    }
                    self.out.write_all(text.as_bytes())?;
                    self.printed = true;
                }
                if self.options.quiet
                    && let Some(p) = &self.progress
                {
                    self.out.flush()?;
                    p.step_done(collection, &step.name);
                }
            }
            Event::CollectionFinished => {
                self.pending_header = None;
                self.out.flush()?;
                if let Some(p) = &self.progress {
                    p.redraw();
                }
            }
            Event::RunFinished(run) => {
                self.clear_progress();
                let summary = format_summary(run, self.options.color);
                self.section(&summary)?;
            }
        }
        self.out.flush()
    }
}

/// `▶ <name> (<path>)`, with its newline.
pub(crate) fn format_header(name: &str, path: &str, color: bool) -> String {
    let mut out = String::new();
    paint(&mut out, color, BOLD, "▶ ");
    paint(&mut out, color, BOLD, &clean(name));
    out.push(' ');
    paint(&mut out, color, DIM, &format!("({})", clean(path)));
    out.push('\n');
    out
}

/// A step's line, its failure block when it failed or errored, and with `-v` the
/// exchange. Empty when quiet mode hides the step.
pub(crate) fn format_step(step: &StepOutcome, options: &ConsoleOptions) -> String {
    let color = options.color;
    let mut out = String::new();
    let failed = step.status.is_problem();
    if options.quiet && !failed {
        return out;
    }

    let (mark, mark_style) = mark(step.status);
    let name_style = if step.status == StepStatus::Skipped { DIM } else { PLAIN };
    out.push_str("  ");
    paint(&mut out, color, mark_style, mark);
    out.push(' ');
    paint(&mut out, color, name_style, &clean(&step.name));
    match step.phase {
        Phase::Setup => paint(&mut out, color, DIM, " [setup]"),
        Phase::Teardown => paint(&mut out, color, DIM, " [teardown]"),
        Phase::Steps => {}
    }

    // Only the first line of a message goes on the step line; a multi-line
    // message (a rendered diagnostic) continues in the block below.
    let mut message_rest = None;
    match step.status {
        StepStatus::Passed | StepStatus::Failed => {
            if let Some(response) = &step.response {
                let _ = write!(out, "  {}", response.status);
            }
            paint(&mut out, color, DIM, &format!("  {}", format_duration(step.duration)));
            if step.attempts > 1 {
                paint(&mut out, color, DIM, &format!("  ({} attempts)", step.attempts));
            }
        }
        StepStatus::Skipped => {
            let message = step.message.as_deref().unwrap_or("not run");
            paint(
                &mut out,
                color,
                DIM,
                &format!("  skipped: {}", clean(first_line(message))),
            );
        }
        StepStatus::Errored => {
            let message = step.message.as_deref().unwrap_or("the step could not run");
            let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
            out.push_str("  ");
            paint(&mut out, color, YELLOW, "error:");
            let _ = write!(out, " {}", clean(first.trim_end_matches('\r')));
            message_rest = Some(rest).filter(|rest| !rest.trim().is_empty());
        }
    }
    out.push('\n');
    for warning in &step.warnings {
        out.push_str(BLOCK);
        paint(&mut out, color, YELLOW, "warning:");
        let _ = writeln!(out, " {}", clean(warning));
    }
    if options.verbose >= 1
        && let Some(description) = &step.description
    {
        push_lines(&mut out, color, BLOCK, DIM, description);
    }

    if failed {
        if let Some(rest) = message_rest {
            push_lines(&mut out, color, BLOCK, PLAIN, rest);
        }
        push_failures(&mut out, color, BLOCK, step.failures());
        if step.status == StepStatus::Failed || step.request.is_some() {
            paint(
                &mut out,
                color,
                DIM,
                &format!("{BLOCK}at {}:{}", clean(&step.file), step.failure_line()),
            );
            out.push('\n');
        }
        if let Some(request) = &step.request {
            let _ = write!(out, "{BLOCK}");
            // "replay:", not "curl:": the command itself starts with curl.
            paint(&mut out, color, DIM, "replay:");
            out.push(' ');
            push_continued(&mut out, BLOCK, &clean(&request.curl));
        }
    }

    if options.verbose >= 1 {
        push_exchange(&mut out, step, options);
    }
    out
}

/// The end of a run: whether it was interrupted, the counts, and every step that
/// failed or errored with where it is written.
/// The summary lists the slowest steps when at least this many ran.
const SLOWEST_FROM: usize = 5;

pub(crate) fn format_summary(run: &RunOutcome, color: bool) -> String {
    let mut out = String::new();
    if run.interrupted {
        paint(&mut out, color, YELLOW, "interrupted:");
        out.push_str(" the run stopped before every step ran\n");
    }
    let counts = run.counts();
    let collections = run.collections.len();
    let _ = write!(
        out,
        "{}, {}: ",
        crate::text::count(collections, "collection"),
        crate::text::count(counts.total(), "step")
    );
    for (index, (status, count)) in counts.by_status().into_iter().enumerate() {
        let (word, style) = (status.name(), mark(status).1);
        if index > 0 {
            out.push_str(", ");
        }
        let text = format!("{count} {word}");
        paint(&mut out, color, if count > 0 { style } else { PLAIN }, &text);
    }
    let _ = writeln!(out, " in {}", format_duration(run.duration));

    // The slowest steps, where there are enough to make the list worth reading.
    let mut ran: Vec<(&str, &StepOutcome)> = run
        .collections
        .iter()
        .flat_map(|c| c.steps.iter().map(move |s| (c.name.as_str(), s)))
        .filter(|(_, s)| s.status != StepStatus::Skipped)
        .collect();
    if ran.len() >= SLOWEST_FROM {
        ran.sort_by_key(|(_, s)| std::cmp::Reverse(s.duration));
        let slowest: Vec<String> = ran
            .iter()
            .take(3)
            .map(|(c, s)| format!("{} {} / {}", format_duration(s.duration), clean(c), clean(&s.name)))
            .collect();
        paint(&mut out, color, DIM, &format!("slowest: {}", slowest.join(" · ")));
        out.push('\n');
    }

    for collection in &run.collections {
        for step in &collection.steps {
            if !step.status.is_problem() {
                continue;
            }
            let (mark, style) = mark(step.status);
            out.push_str("  ");
            paint(&mut out, color, style, mark);
            let _ = writeln!(
                out,
                " {} / {} ({}:{})",
                clean(&collection.name),
                clean(&step.name),
                clean(&step.file),
                step.line
            );
        }
    }
    // Last, as CI logs are read from the bottom: the coverage, then its gate.
    for c in &run.openapi {
        let figures = c.figures().text();
        if run.openapi.len() == 1 {
            let _ = writeln!(out, "OpenAPI coverage: {figures}");
        } else {
            let _ = writeln!(out, "OpenAPI coverage: {figures} ({})", clean(&c.spec));
        }
    }
    if let Some(why) = &run.coverage_failed {
        paint(&mut out, color, RED, "coverage gate failed:");
        let _ = writeln!(out, " {}", clean(why));
    }
    out
}

/// `12ms` under a second, `1.24s` under a minute, `2m05s` beyond.
pub(crate) fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if duration.as_secs() < 60 {
        format!("{:.2}s", duration.as_secs_f64())
    } else {
        let secs = duration.as_secs();
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// One failed expectation as one sentence: `subject: expected <expected>, got
/// <actual>`. The expected text already says what the predicate wants
/// (`contains "a"`, `> 10`, `length 3`, `a match`). Shared with JUnit so CI
/// shows the text a developer saw locally.
pub(crate) fn describe_expectation(failure: &Expectation) -> String {
    let mut out = String::new();
    push_expectation(&mut out, false, failure);
    out
}

/// Every failed expectation, each followed by its diff, at `indent`.
pub(crate) fn push_failures<'a>(
    out: &mut String,
    color: bool,
    indent: &str,
    failures: impl Iterator<Item = &'a Expectation>,
) {
    let diff_indent = format!("{indent}  ");
    for failure in failures {
        let mut sentence = String::new();
        push_expectation(&mut sentence, color, failure);
        out.push_str(indent);
        push_continued(out, &diff_indent, &sentence);
        if let Some(diff) = &failure.diff {
            push_diff(out, color, &diff_indent, diff);
        }
    }
}

fn push_expectation(out: &mut String, color: bool, failure: &Expectation) {
    let _ = write!(out, "{}: expected ", clean(&failure.subject));
    paint(out, color, GREEN, &clean(&failure.expected));
    out.push_str(", got ");
    paint(out, color, RED, &clean(&failure.actual));
}

fn push_diff(out: &mut String, color: bool, indent: &str, diff: &str) {
    for line in diff.lines() {
        let style = match DiffLine::of(line) {
            DiffLine::Head => BOLD,
            DiffLine::Hunk => CYAN,
            DiffLine::Removed => RED,
            DiffLine::Added => GREEN,
            DiffLine::Context => PLAIN,
        };
        out.push_str(indent);
        paint(out, color, style, &clean(line));
        out.push('\n');
    }
}

/// `-v`: the request line and headers (`>`), the response status and headers
/// (`<`), and with `-vv` the body excerpts the executor kept.
fn push_exchange(out: &mut String, step: &StepOutcome, options: &ConsoleOptions) {
    let color = options.color;
    let bodies = options.verbose >= 2;
    if let Some(RequestSummary {
        method,
        url,
        headers,
        body_excerpt,
        ..
    }) = &step.request
    {
        push_arrow(out, color, '>', &format!("{} {}", clean(method), clean(url)));
        push_headers(out, color, '>', headers);
        if let Some(body) = body_excerpt.as_deref().filter(|_| bodies) {
            push_arrow(out, color, '>', "");
            push_lines(out, color, BLOCK, PLAIN, body);
        }
    }
    if let Some(ResponseSummary {
        status,
        headers,
        body_excerpt,
        size,
        ..
    }) = &step.response
    {
        push_arrow(
            out,
            color,
            '<',
            &format!("{status} ({})", crate::text::count(*size, "byte")),
        );
        push_headers(out, color, '<', headers);
        if bodies && !body_excerpt.is_empty() {
            push_arrow(out, color, '<', "");
            push_lines(out, color, BLOCK, PLAIN, body_excerpt);
        }
    }
    for exchange in &step.exchanges {
        push_arrow(out, color, '~', &format_exchange(exchange));
    }
    for (name, value) in &step.captures {
        out.push_str(BLOCK);
        paint(out, color, DIM, "captured");
        let _ = writeln!(out, " {} = {}", clean(name), clean(value));
    }
}

/// `GET http://… 200  dns 1.2ms, connect 0.3ms, ttfb 4ms, download 0.1ms`: one request
/// sent for the step and where its time went (the phases that happened).
pub(crate) fn format_exchange(e: &crate::outcome::ExchangeSummary) -> String {
    let t = &e.timings;
    let mut phases = Vec::with_capacity(5);
    for (name, d) in [("dns", t.dns), ("connect", t.connect), ("tls", t.tls)] {
        if let Some(d) = d {
            phases.push(format!("{name} {}", phase_duration(d)));
        }
    }
    phases.push(format!("ttfb {}", phase_duration(t.ttfb)));
    phases.push(format!("download {}", phase_duration(t.download)));
    format!(
        "{} {} {}  {}",
        clean(&e.method),
        clean(&e.url),
        e.status,
        phases.join(", ")
    )
}

/// A phase's time: tenths of a millisecond below a second (loopback phases take less
/// than one), else as step times are shown.
pub(crate) fn phase_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.1}ms", d.as_secs_f64() * 1000.0)
    } else {
        format_duration(d)
    }
}

fn push_arrow(out: &mut String, color: bool, arrow: char, text: &str) {
    out.push_str(BLOCK);
    paint(out, color, DIM, &arrow.to_string());
    if !text.is_empty() {
        out.push(' ');
        out.push_str(text);
    }
    out.push('\n');
}

fn push_headers(out: &mut String, color: bool, arrow: char, headers: &[(String, String)]) {
    for (name, value) in headers {
        push_arrow(out, color, arrow, &format!("{}: {}", clean(name), clean(value)));
    }
}

/// Every line of `text` at `indent`.
fn push_lines(out: &mut String, color: bool, indent: &str, style: Style, text: &str) {
    for line in text.lines() {
        out.push_str(indent);
        paint(out, color, style, &clean(line));
        out.push('\n');
    }
}

/// `text` where the cursor is, its further lines at `indent`. The caller has
/// cleaned (and maybe painted) it.
fn push_continued(out: &mut String, indent: &str, text: &str) {
    let mut lines = text.lines();
    out.push_str(lines.next().unwrap_or(""));
    out.push('\n');
    for line in lines {
        out.push_str(indent);
        out.push_str(line);
        out.push('\n');
    }
}

fn mark(status: StepStatus) -> (&'static str, Style) {
    match status {
        StepStatus::Passed => ("✓", GREEN),
        StepStatus::Failed => ("✗", RED),
        StepStatus::Errored => ("!", YELLOW),
        StepStatus::Skipped => ("-", DIM),
    }
}

fn paint(out: &mut String, color: bool, style: Style, text: &str) {
    if color && style != PLAIN {
        let _ = write!(out, "{}{text}{}", style.render(), style.render_reset());
    } else {
        out.push_str(text);
    }
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Control characters (escape sequences, NUL, carriage returns...) shown as
/// escapes: a server's body or header must not move the cursor or recolor the
/// terminal. Tabs and newlines are kept.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    const PLAIN_OPTIONS: ConsoleOptions = ConsoleOptions {
        color: false,
        quiet: false,
        verbose: 0,
    };

    /// The whole console output of `run`, fed event by event.
    fn console(run: &RunOutcome, options: ConsoleOptions) -> String {
        let mut reporter = ConsoleReporter::new(Vec::new(), options);
        for event in fixtures::events(run) {
            reporter.event(&event).expect("writing to a Vec");
        }
        String::from_utf8(reporter.into_inner()).expect("UTF-8")
    }

    #[test]
    fn passing_step() {
        let step = fixtures::passed("Log in", 5, "POST", "/login", 200);
        insta::assert_snapshot!(format_step(&step, &PLAIN_OPTIONS), @"  ✓ Log in  200  12ms");
    }

    #[test]
    fn failing_step_with_two_expectations_and_a_diff() {
        insta::assert_snapshot!(format_step(&fixtures::failed(), &PLAIN_OPTIONS));
    }

    #[test]
    fn errored_step() {
        insta::assert_snapshot!(format_step(&fixtures::errored(), &PLAIN_OPTIONS));
    }

    #[test]
    fn errored_step_with_no_request() {
        // As the executor words a template that could not render.
        let step = StepOutcome {
            message: Some("in `url`: undefined variable `pet_id` (step at collections/pets.yaml:20:5)".to_owned()),
            ..fixtures::step("Get pet", 20, StepStatus::Errored)
        };
        insta::assert_snapshot!(
            format_step(&step, &PLAIN_OPTIONS),
            @"  ! Get pet  error: in `url`: undefined variable `pet_id` (step at collections/pets.yaml:20:5)"
        );
    }

    #[test]
    fn a_message_that_breaks_lines_stays_under_its_step() {
        // Messages carry text from elsewhere (the OS, a TLS library, a
        // server); a line break in it must not start a line of its own.
        let step = StepOutcome {
            message: Some("first line\nsecond line".to_owned()),
            ..fixtures::step("Get pet", 20, StepStatus::Errored)
        };
        assert_eq!(
            format_step(&step, &PLAIN_OPTIONS),
            "  ! Get pet  error: first line\n    second line\n"
        );
    }

    #[test]
    fn skipped_step() {
        insta::assert_snapshot!(
            format_step(&fixtures::skipped(), &PLAIN_OPTIONS),
            @"  - Delete pet  skipped: condition is false"
        );
    }

    #[test]
    fn setup_step_retried() {
        let step = StepOutcome {
            phase: Phase::Setup,
            attempts: 3,
            duration: Duration::from_millis(2_500),
            ..fixtures::passed("Wait for the API", 3, "GET", "/health", 200)
        };
        insta::assert_snapshot!(
            format_step(&step, &PLAIN_OPTIONS),
            @"  ✓ Wait for the API [setup]  200  2.50s  (3 attempts)"
        );
    }

    #[test]
    fn whole_run() {
        insta::assert_snapshot!(console(&fixtures::run(), PLAIN_OPTIONS));
    }

    #[test]
    fn quiet_mode() {
        let options = ConsoleOptions {
            quiet: true,
            ..PLAIN_OPTIONS
        };
        insta::assert_snapshot!(console(&fixtures::run(), options));
    }

    #[test]
    fn quiet_mode_when_everything_passes_prints_the_summary_alone() {
        let run = RunOutcome {
            collections: vec![fixtures::collection(
                "Auth",
                "collections/auth.yaml",
                vec![fixtures::passed("Log in", 5, "POST", "/login", 200)],
            )],
            duration: Duration::from_millis(15),
            interrupted: false,
            openapi: Vec::new(),
            coverage_failed: None,
        };
        let options = ConsoleOptions {
            quiet: true,
            ..PLAIN_OPTIONS
        };
        insta::assert_snapshot!(
            console(&run, options),
            @"1 collection, 1 step: 1 passed, 0 failed, 0 errored, 0 skipped in 15ms"
        );
    }

    #[test]
    fn verbose_1() {
        let step = StepOutcome {
            captures: vec![("token".to_owned(), "***".to_owned())],
            ..fixtures::passed("Log in", 5, "POST", "/login", 200)
        };
        let options = ConsoleOptions {
            verbose: 1,
            ..PLAIN_OPTIONS
        };
        insta::assert_snapshot!(format_step(&step, &options));
    }

    #[test]
    fn verbose_2_shows_bodies_with_control_characters_escaped() {
        let mut step = fixtures::failed();
        if let Some(response) = &mut step.response {
            response.body_excerpt = "{\"error\":\r\n\"\u{1b}[2Jgone\u{7}\"}".to_owned();
        }
        let options = ConsoleOptions {
            verbose: 2,
            ..PLAIN_OPTIONS
        };
        let text = format_step(&step, &options);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn summary() {
        insta::assert_snapshot!(format_summary(&fixtures::run(), false));
    }

    #[test]
    fn summary_of_an_interrupted_run() {
        let mut run = fixtures::run();
        run.interrupted = true;
        run.collections.truncate(1);
        insta::assert_snapshot!(format_summary(&run, false), @r"
        interrupted: the run stopped before every step ran
        1 collection, 2 steps: 2 passed, 0 failed, 0 errored, 0 skipped in 1.32s
        ");
    }

    #[test]
    fn color_only_when_asked() {
        let run = fixtures::run();
        let colored = ConsoleOptions {
            color: true,
            verbose: 2,
            ..PLAIN_OPTIONS
        };
        let plain = ConsoleOptions {
            verbose: 2,
            ..PLAIN_OPTIONS
        };
        assert!(!console(&run, plain).contains('\u{1b}'));
        let text = console(&run, colored);
        assert!(text.contains(&format!("{}✗{}", RED.render(), RED.render_reset())));
        assert!(text.contains(&format!("{}-  \"name\": \"Rex\"", RED.render())));
        assert!(text.contains(&format!("{}+  \"error\"", GREEN.render())));
    }

    #[test]
    fn durations() {
        let cases = [
            (Duration::from_micros(400), "0ms"),
            (Duration::from_millis(12), "12ms"),
            (Duration::from_millis(999), "999ms"),
            (Duration::from_millis(1_240), "1.24s"),
            (Duration::from_millis(59_000), "59.00s"),
            (Duration::from_secs(125), "2m05s"),
        ];
        for (duration, text) in cases {
            assert_eq!(format_duration(duration), text);
        }
    }
}
