//! The JUnit XML report: one `<testsuite>` per collection, one `<testcase>` per step run.
//!
//! Built with `quick-junit`, which escapes text and attributes and strips the
//! characters XML 1.0 cannot hold. Failure text is the console's own (color off),
//! so CI shows what a developer saw locally.

use std::fmt::Write as _;
use std::io;

use quick_junit::{NonSuccessKind, Property, Report, SerializeError, TestCase, TestCaseStatus, TestSuite, XmlString};

use super::console::{clean, describe_expectation, push_failures};
use crate::outcome::{CollectionOutcome, RunOutcome, StepOutcome, StepStatus};

/// The longest failure message attribute, in characters; the text body has it all.
const MESSAGE_CHARS: usize = 200;
/// How much of a response body the `<failure>` text quotes; `system-out` has
/// the executor's whole excerpt.
const FAILURE_BODY_LINES: usize = 20;
const FAILURE_BODY_CHARS: usize = 2000;

/// The JUnit XML file of a run (`--junit`).
pub(crate) fn document(run: &RunOutcome) -> io::Result<Vec<u8>> {
    Ok(render_junit(run).map_err(io::Error::other)?.into_bytes())
}

/// The JUnit XML document of a run.
pub(crate) fn render_junit(run: &RunOutcome) -> Result<String, SerializeError> {
    let mut report = Report::new("sortie");
    report.set_time(run.duration);
    for collection in &run.collections {
        report.add_test_suite(test_suite(collection));
    }
    report.to_string()
}

fn test_suite(collection: &CollectionOutcome) -> TestSuite {
    let mut suite = TestSuite::new(xml(&collection.name));
    suite.set_time(collection.duration);
    // quick-junit takes a chrono date, and chrono is not a dependency of ours:
    // humantime writes the same RFC 3339 text.
    if let Some(timestamp) = crate::text::rfc3339(collection.started, true) {
        suite.extra.insert(xml("timestamp"), xml(&timestamp));
    }
    suite.add_property(Property::new("file", xml(&collection.path)));
    if !collection.tags.is_empty() {
        suite.add_property(Property::new("tags", xml(&collection.tags.join(","))));
    }
    for step in &collection.steps {
        suite.add_test_case(test_case(&collection.name, step));
    }
    suite
}

fn test_case(collection: &str, step: &StepOutcome) -> TestCase {
    let status = match step.status {
        StepStatus::Passed => TestCaseStatus::success(),
        StepStatus::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(xml(&failure_message(step)))
                .set_type("assertion")
                .set_description(xml(&details(
                    step,
                    step.message.as_deref().filter(|_| step.failures().next().is_none()),
                )));
            status
        }
        StepStatus::Errored => {
            let message = step.message.as_deref().unwrap_or("the step could not run");
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status
                .set_message(xml(&one_line(message)))
                .set_type("error")
                .set_description(xml(&details(step, Some(message))));
            status
        }
        StepStatus::Skipped => {
            let mut status = TestCaseStatus::skipped();
            if let Some(message) = &step.message {
                status.set_message(xml(&one_line(message)));
            }
            status
        }
    };
    let mut case = TestCase::new(xml(&step.name), status);
    case.set_classname(xml(collection));
    case.set_time(step.duration);
    case.extra.insert(xml("file"), xml(&step.file));
    case.extra.insert(xml("line"), xml(&step.line.to_string()));
    let mut out = if step.status.is_problem() {
        system_out(step)
    } else {
        // Any other step carries its description alone: the suite reads as documentation.
        step.description.as_deref().map(|d| clean(d).into_owned())
    };
    // Warnings (`undeclared_status: warn`) do not fail the step: system-out is where they show.
    if !step.warnings.is_empty() {
        let text = out.get_or_insert_with(String::new);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for warning in &step.warnings {
            let _ = writeln!(text, "warning: {}", clean(warning));
        }
    }
    if let Some(out) = out {
        case.set_system_out(xml(&out));
    }
    case
}

/// The first failed expectation on one line, and how many more there are.
fn failure_message(step: &StepOutcome) -> String {
    let mut failures = step.failures();
    let Some(first) = failures.next() else {
        return one_line(step.message.as_deref().unwrap_or("the step failed"));
    };
    let mut message = one_line(&describe_expectation(first));
    let more = failures.count();
    if more > 0 {
        let _ = write!(message, " (+{more} more)");
    }
    message
}

/// `message` when there is one, every failed expectation with its diff, where the
/// step is written, and the exchange.
fn details(step: &StepOutcome, message: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(message) = message {
        text.push_str(&clean(message));
        text.push('\n');
    }
    push_failures(&mut text, false, "", step.failures());
    push_location_and_exchange(&mut text, step);
    text
}

fn push_location_and_exchange(text: &mut String, step: &StepOutcome) {
    // The console's line: the first failed expectation's (the testcase's
    // `line` attribute is the step's).
    let _ = writeln!(text, "at {}:{}", clean(&step.file), step.failure_line());
    if let Some(request) = &step.request {
        let _ = writeln!(text, "\n{} {}", clean(&request.method), clean(&request.url));
    }
    if let Some(response) = &step.response {
        let _ = writeln!(text, "response: {} ({} bytes)", response.status, response.size);
        let body = excerpt(&response.body_excerpt, FAILURE_BODY_LINES, FAILURE_BODY_CHARS);
        if !body.is_empty() {
            text.push_str(&body);
        }
    }
}

/// The step's description, the curl command, the request as sent (method,
/// URL, every header) and the response (status, headers, body excerpt).
fn system_out(step: &StepOutcome) -> Option<String> {
    if step.request.is_none() && step.response.is_none() && step.description.is_none() {
        return None;
    }
    let mut out = String::new();
    if let Some(description) = &step.description {
        let _ = writeln!(out, "{}\n", clean(description));
    }
    if let Some(request) = &step.request {
        let _ = writeln!(out, "{}", clean(&request.curl));
        let _ = writeln!(out, "\n{} {}", clean(&request.method), clean(&request.url));
        for (name, value) in &request.headers {
            let _ = writeln!(out, "{}: {}", clean(name), clean(value));
        }
    }
    if let Some(response) = &step.response {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "HTTP {} ({} bytes)", response.status, response.size);
        for (name, value) in &response.headers {
            let _ = writeln!(out, "{}: {}", clean(name), clean(value));
        }
        let body = excerpt(&response.body_excerpt, usize::MAX, usize::MAX);
        if !body.is_empty() {
            out.push('\n');
            out.push_str(&body);
        }
    }
    Some(out)
}

/// At most `max_lines` lines and about `max_chars` characters of a body, each
/// line cleaned, `…` marking a cut.
fn excerpt(body: &str, max_lines: usize, max_chars: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for (index, line) in body.lines().enumerate() {
        if index == max_lines || chars >= max_chars {
            out.push_str("…\n");
            break;
        }
        let line = clean(line);
        let room = max_chars - chars;
        if line.chars().count() > room {
            out.extend(line.chars().take(room));
            out.push_str("…\n");
            break;
        }
        chars += line.chars().count();
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `text` on one line (newlines and tabs as spaces), cut to [`MESSAGE_CHARS`].
fn one_line(text: &str) -> String {
    let flat = clean(text).split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= MESSAGE_CHARS {
        return flat;
    }
    crate::text::cut(&flat, MESSAGE_CHARS - 1)
}

/// Text fit for XML 1.0: control characters shown as escapes (as on the console),
/// and the two noncharacters XML forbids and quick-junit lets through replaced.
fn xml(text: &str) -> XmlString {
    let cleaned = clean(text);
    if cleaned.contains(['\u{FFFE}', '\u{FFFF}']) {
        XmlString::new(cleaned.replace(['\u{FFFE}', '\u{FFFF}'], "\u{FFFD}"))
    } else {
        XmlString::new(cleaned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Expectation;
    use crate::report::Reporter as _;
    use crate::report::fixtures;
    use std::time::Duration;

    fn parse(xml: &str) -> Report {
        Report::deserialize_from_str(xml).expect("well-formed JUnit XML")
    }

    #[test]
    fn small_run() {
        let xml = render_junit(&fixtures::run()).expect("serializes");
        insta::with_settings!({filters => vec![
            (r#"time="[0-9.]+""#, r#"time="[time]""#),
            (r#"timestamp="[^"]+""#, r#"timestamp="[timestamp]""#),
        ]}, {
            insta::assert_snapshot!(xml);
        });
    }

    #[test]
    fn times_and_timestamp() {
        let xml = render_junit(&fixtures::run()).expect("serializes");
        let report = parse(&xml);
        assert_eq!(report.time, Some(Duration::from_millis(1320)));
        let suite = &report.test_suites[1];
        assert_eq!(suite.time, Some(Duration::from_millis(49)));
        assert_eq!(
            suite.timestamp.map(|timestamp| timestamp.to_rfc3339()),
            Some("2025-11-13T02:13:20.250+00:00".to_owned())
        );
        assert_eq!(suite.test_cases[1].time, Some(Duration::from_millis(34)));
    }

    #[test]
    fn hostile_text_stays_well_formed() {
        let invalid_utf8 = String::from_utf8_lossy(b"caf\xc3 \xff\xfe bytes");
        let nasty = format!(
            "nul\u{0} soh\u{1} esc\u{1b}[31mred\u{1b}[0m ]]> <tag attr=\"x\"> & &amp; \
             \u{FFFE}\u{FFFF} {invalid_utf8}"
        );
        let mut failed = fixtures::failed();
        failed.name = format!("Create <pet> & \"{nasty}\"");
        if let Some(response) = &mut failed.response {
            response.body_excerpt = format!("<![CDATA[{nasty}]]>\n{nasty}");
            response.headers.push(("x-weird".to_owned(), nasty.clone()));
        }
        failed.expectations[0].actual = nasty.clone();
        failed.expectations[1].diff = Some(format!("-{nasty}\n+{nasty}\n"));
        let mut errored = fixtures::errored();
        errored.message = Some(format!("refused: {nasty}\nsecond line {nasty}"));
        let mut skipped = fixtures::skipped();
        skipped.message = Some(nasty.clone());
        let run = RunOutcome {
            collections: vec![fixtures::collection(
                &nasty,
                &format!("collections/{nasty}.yaml"),
                vec![failed, errored, skipped],
            )],
            duration: Duration::from_millis(50),
            interrupted: false,
            openapi: Vec::new(),
            coverage_failed: None,
        };

        let xml = render_junit(&run).expect("serializes");
        for forbidden in ['\u{0}', '\u{1}', '\u{1b}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!xml.contains(forbidden), "{forbidden:?} in the XML");
        }
        let report = parse(&xml);
        assert_eq!(
            (report.tests, report.failures, report.errors, report.skipped),
            (3, 1, 1, 1)
        );
        let suite = &report.test_suites[0];
        assert_eq!(suite.test_cases.len(), 3);
        assert!(suite.name.contains("]]> <tag attr=\"x\"> & &amp;"));
        assert!(
            suite.test_cases[0]
                .name
                .starts_with("Create <pet> & \"nul\\u{0} soh\\u{1}")
        );
        let TestCaseStatus::NonSuccess { description, .. } = &suite.test_cases[0].status else {
            panic!("the failed step is a failure");
        };
        let description = description.as_deref().unwrap_or_default();
        assert!(description.contains("<![CDATA[nul\\u{0}"));
        assert!(description.contains("caf\u{FFFD} \u{FFFD}\u{FFFD} bytes"));
    }

    #[test]
    fn message_counts_the_other_failures_and_stays_short() {
        let mut step = fixtures::failed();
        step.expectations[0].actual = "x\n".repeat(300);
        step.expectations.push(Expectation {
            line: 16,
            ..step.expectations[0].clone()
        });
        let message = failure_message(&step);
        assert!(message.ends_with("… (+2 more)"), "{message}");
        assert!(!message.contains('\n'));
        assert_eq!(message.chars().count(), MESSAGE_CHARS + " (+2 more)".len());
    }

    #[test]
    fn reporter_writes_the_file_on_run_finished() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reports/junit.xml");
        let run = fixtures::run();
        let events = fixtures::events(&run);
        let mut reporter =
            crate::report::FileReporter::new(crate::report::write::ReportFile::at("--junit", &path), document);
        let (last, before) = events.split_last().expect("events");
        for event in before {
            reporter.event(event).expect("no write yet");
        }
        assert!(!path.exists(), "written before the run finished");
        reporter.event(last).expect("writes");
        let written = std::fs::read_to_string(&path).expect("read");
        assert_eq!(written, render_junit(&run).expect("serializes"));
    }

    #[test]
    fn reporter_falls_back_on_the_run_when_no_collection_event_came() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("junit.xml");
        let run = fixtures::run();
        crate::report::FileReporter::new(crate::report::write::ReportFile::at("--junit", &path), document)
            .event(&crate::event::Event::RunFinished(&run))
            .expect("writes");
        let report = parse(&std::fs::read_to_string(&path).expect("read"));
        assert_eq!(report.tests, 6);
    }
}
