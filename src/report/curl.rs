//! `--curl FILE`: every request sent, as a curl command (its secrets shell
//! variables), under a `# collection / step` comment; the file starts with a
//! comment listing the variables to export.

use std::io;

use super::Reporter;
use super::write::ReportFile;
use crate::event::Event;
use crate::outcome::StepOutcome;

/// Collects curl commands and writes them when the run finishes.
pub(crate) struct CurlReporter {
    file: ReportFile,
    text: String,
    /// The shell variables the commands read, for the comment atop the file.
    vars: Vec<(String, String)>,
}

impl CurlReporter {
    /// A reporter that will write `file` (atomically) on `RunFinished`.
    pub(crate) fn new(file: ReportFile) -> Self {
        Self {
            file,
            text: String::new(),
            vars: Vec::new(),
        }
    }
}

/// The comment and command of one step; empty when nothing was sent (a skipped
/// step, a request that did not render).
pub(crate) fn format_step(collection: &str, step: &StepOutcome) -> String {
    let Some(request) = &step.request else {
        return String::new();
    };
    // The comment is one line whatever the names hold.
    let comment = format!("{collection} / {}", step.name).replace(['\r', '\n'], " ");
    format!("# {comment}\n{}\n", request.curl)
}

impl Reporter for CurlReporter {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::StepFinished { collection, step } => {
                let text = format_step(collection, step);
                for var in step.request.iter().flat_map(|r| &r.curl_vars) {
                    if !self.vars.iter().any(|(v, _)| *v == var.0) {
                        self.vars.push(var.clone());
                    }
                }
                if !text.is_empty() {
                    if !self.text.is_empty() {
                        self.text.push('\n');
                    }
                    self.text.push_str(&text);
                }
                Ok(())
            }
            Event::RunFinished(_) => {
                let mut all = crate::session::curl::vars_comment(&self.vars);
                all.push_str(&self.text);
                self.file.write(all.as_bytes())
            }
            Event::CollectionStarted { .. } | Event::CollectionFinished => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn one_command_per_request_sent_with_its_comment() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("requests.sh");
        let run = fixtures::run();
        let mut reporter = CurlReporter::new(ReportFile::at("--curl", &path));
        for event in fixtures::events(&run) {
            reporter.event(&event).expect("writes");
        }
        insta::assert_snapshot!(std::fs::read_to_string(&path).expect("read"));
    }

    #[test]
    fn names_stay_on_the_comment_line() {
        let mut step = fixtures::passed("two\nlines", 3, "GET", "/x", 200);
        step.name = "two\nlines".into();
        let text = format_step("C", &step);
        assert!(text.starts_with("# C / two lines\ncurl "), "{text}");
    }
}
