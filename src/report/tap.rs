//! `--report-tap FILE`: the Test Anything Protocol, version 14. One test point
//! per step run, `Collection / step`, in the order of the run: `ok`, `not ok`
//! with a YAML block (the failed expectations, the error, where, the curl
//! command), `ok … # SKIP reason` for skipped steps; `Bail out!` after an
//! interrupted run.

use std::fmt::Write as _;
use std::io;

use super::console::describe_expectation;
use crate::outcome::{RunOutcome, StepOutcome, StepStatus};

/// The TAP document of a finished run.
pub(crate) fn document(run: &RunOutcome) -> io::Result<Vec<u8>> {
    Ok(render(run).into_bytes())
}

pub(crate) fn render(run: &RunOutcome) -> String {
    let mut out = String::from("TAP version 14\n");
    let total: usize = run.collections.iter().map(|c| c.steps.len()).sum();
    let _ = writeln!(out, "1..{total}");
    let mut n = 0;
    for collection in &run.collections {
        let _ = writeln!(
            out,
            "# {}",
            one_line(&format!("{} ({})", collection.name, collection.path))
        );
        for step in &collection.steps {
            n += 1;
            point(&mut out, n, &collection.name, step);
        }
    }
    if run.interrupted {
        out.push_str("Bail out! interrupted (Ctrl-C or SIGTERM)\n");
    }
    out
}

fn point(out: &mut String, n: usize, collection: &str, step: &StepOutcome) {
    let description = escape(&format!("{collection} / {}", step.name));
    match step.status {
        StepStatus::Passed => {
            let _ = writeln!(out, "ok {n} - {description}");
        }
        StepStatus::Skipped => {
            let reason = step.message.as_deref().map(escape).unwrap_or_default();
            let _ = writeln!(out, "ok {n} - {description} # SKIP {reason}");
        }
        StepStatus::Failed | StepStatus::Errored => {
            let _ = writeln!(out, "not ok {n} - {description}");
            diagnostics(out, step);
        }
    }
    // After the YAML block, which must follow its test point directly.
    for warning in &step.warnings {
        let _ = writeln!(out, "# warning: {}", one_line(warning));
    }
}

/// The YAML block under a `not ok`, indented two spaces. Every string is
/// written as a JSON string, which YAML reads as a double-quoted scalar.
fn diagnostics(out: &mut String, step: &StepOutcome) {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    out.push_str("  ---\n");
    let message = match step.failures().next() {
        Some(first) => describe_expectation(first),
        None => step.message.clone().unwrap_or_else(|| "the step failed".to_owned()),
    };
    let _ = writeln!(out, "  message: {}", quote(&message));
    let severity = if step.status == StepStatus::Failed {
        "fail"
    } else {
        "error"
    };
    let _ = writeln!(out, "  severity: {severity}");
    let _ = writeln!(
        out,
        "  at:\n    file: {}\n    line: {}",
        quote(&step.file),
        step.failure_line()
    );
    let failures: Vec<_> = step.failures().collect();
    if !failures.is_empty() {
        out.push_str("  failures:\n");
        for failure in failures {
            let _ = writeln!(out, "    - subject: {}", quote(&failure.subject));
            let _ = writeln!(out, "      expected: {}", quote(&failure.expected));
            let _ = writeln!(out, "      actual: {}", quote(&failure.actual));
            let _ = writeln!(out, "      line: {}", failure.line);
            if let Some(diff) = &failure.diff {
                let _ = writeln!(out, "      diff: {}", quote(diff));
            }
        }
    }
    if let Some(request) = &step.request {
        let _ = writeln!(out, "  curl: {}", quote(&request.curl));
    }
    out.push_str("  ...\n");
}

/// A description or directive text: one line, and `\` and `#` escaped as TAP 14
/// says, so a name cannot start a directive.
fn escape(text: &str) -> String {
    one_line(text).replace('\\', "\\\\").replace('#', "\\#")
}

fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn every_step_is_a_test_point_and_failures_carry_a_yaml_block() {
        let tap = render(&fixtures::run());
        let lines: Vec<&str> = tap.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "TAP version 14",
                "1..6",
                "# Auth (collections/auth.yaml)",
                "ok 1 - Auth / Log in"
            ]
        );
        assert!(tap.contains("\nnot ok 4 - Pets / Create pet\n  ---\n  message: \"status: expected 201, got 400\"\n  severity: fail\n  at:\n    file: \"collections/pets.yaml\"\n    line: 14\n"), "{tap}");
        assert!(
            tap.contains("\nnot ok 5 - Pets / Get pet\n  ---\n  message: \"could not connect"),
            "{tap}"
        );
        assert!(
            tap.ends_with("ok 6 - Pets / Delete pet # SKIP condition is false\n"),
            "{tap}"
        );
    }

    #[test]
    fn names_cannot_start_a_directive_and_an_interrupted_run_bails_out() {
        let mut run = fixtures::run();
        run.collections[0].steps[0].name = "issue #12 \\ fixed\nnow".to_owned();
        run.interrupted = true;
        let tap = render(&run);
        assert!(tap.contains("ok 1 - Auth / issue \\#12 \\\\ fixed now\n"), "{tap}");
        assert!(tap.ends_with("Bail out! interrupted (Ctrl-C or SIGTERM)\n"), "{tap}");
    }
}
