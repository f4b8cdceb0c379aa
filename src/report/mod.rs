//! Reporters: everything a person or a CI system reads about a run, fed by events.
//!
//! Reporters never touch HTTP: they see [`Event`]s, in
//! declaration order, and turn them into text or files. A new format is one
//! file implementing [`Reporter`]; [`Reporters`] fans every event out.

pub(crate) mod console;
pub(crate) mod curl;
pub(crate) mod dry_run;
pub(crate) mod github;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod progress;
pub(crate) mod snapshots;
pub(crate) mod tap;
pub(crate) mod write;

use crate::event::Event;

pub(crate) use console::{ConsoleOptions, ConsoleReporter};
pub(crate) use curl::CurlReporter;
pub(crate) use dry_run::DryRunReporter;
pub(crate) use github::GithubReporter;
pub(crate) use progress::Progress;
pub(crate) use snapshots::SnapshotWriter;
pub(crate) use write::FileReporter;

/// Something that turns run events into output.
///
/// Events arrive in declaration order: for each collection `CollectionStarted`,
/// its `StepFinished` events, then `CollectionFinished`; `RunFinished` comes once,
/// last. File reporters write their file on `RunFinished`.
pub(crate) trait Reporter {
    /// Handle one event; an error means the output could not be written.
    fn event(&mut self, event: &Event<'_>) -> std::io::Result<()>;
}

/// Every reporter of a run, fed the same events.
#[derive(Default)]
pub(crate) struct Reporters(Vec<Box<dyn Reporter + Send>>);

impl Reporters {
    /// No reporters yet.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Add a reporter; reporters are fed in the order they were added.
    pub(crate) fn push(&mut self, reporter: Box<dyn Reporter + Send>) {
        self.0.push(reporter);
    }
}

impl Reporter for Reporters {
    /// Feed the event to every reporter, even after one fails — a console that
    /// cannot write must not stop the JUnit file from being written — and
    /// return the errors, one a line (each names its output).
    fn event(&mut self, event: &Event<'_>) -> std::io::Result<()> {
        let mut errors: Option<std::io::Error> = None;
        for reporter in &mut self.0 {
            if let Err(error) = reporter.event(event) {
                errors = Some(match errors {
                    None => error,
                    Some(first) => std::io::Error::new(first.kind(), format!("{first}\nerror: {error}")),
                });
            }
        }
        errors.map_or(Ok(()), Err)
    }
}

/// A reporter that writes to standard output. A closed standard output (`sortie run … |
/// head -1`) ends nothing: the run goes on, the report files are written, and the exit
/// status is the run's. Any other failure says it was standard output.
pub(crate) struct OnStdout<R>(pub(crate) R);

impl<R: Reporter> Reporter for OnStdout<R> {
    fn event(&mut self, event: &Event<'_>) -> std::io::Result<()> {
        match self.0.event(event) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(std::io::Error::new(
                e.kind(),
                format!("cannot write to standard output: {}", crate::files::io_reason(&e)),
            )),
            Ok(()) => Ok(()),
        }
    }
}

/// Hand-built outcomes shared by the reporters' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use crate::event::Event;
    use crate::outcome::{
        CollectionOutcome, Expectation, Phase, RequestSummary, ResponseSummary, RunOutcome, StepOutcome, StepStatus,
    };
    use std::time::{Duration, SystemTime};

    pub(crate) const FILE: &str = "collections/pets.yaml";

    /// A step with nothing in it: adjust the fields a test cares about.
    pub(crate) fn step(name: &str, line: usize, status: StepStatus) -> StepOutcome {
        StepOutcome {
            name: name.to_owned(),
            phase: Phase::Steps,
            line,
            file: FILE.into(),
            description: None,
            status,
            message: None,
            expectations: Vec::new(),
            request: None,
            response: None,
            duration: Duration::from_millis(12),
            attempts: 1,
            captures: Vec::new(),
            exchanges: Vec::new(),
            snapshot: None,
            contract: None,
            warnings: Vec::new(),
        }
    }

    /// A request as the executor sums it up: the curl line is the real
    /// builder's, from the same (already masked) headers and body.
    pub(crate) fn request(method: &str, url: &str, body: Option<&str>) -> RequestSummary {
        let headers = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("authorization".to_owned(), "***".to_owned()),
        ];
        let raw = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("authorization".to_owned(), "Bearer t0ken".to_owned()),
        ];
        let parsed = reqwest::Url::parse(url).expect("a fixture URL");
        let body_bytes = body.map(|b| crate::session::request_body::RequestBody::bytes(b.to_owned()));
        let curl = crate::session::curl::command(
            &crate::session::curl::Request {
                method,
                url: &parsed,
                headers: &raw,
                body: body_bytes.as_ref(),
                replay: &crate::session::curl::Replay::default(),
                options: &crate::session::curl::Options::default(),
            },
            &crate::session::curl::Secrets {
                redactor: &crate::redact::Redactor::default(),
                named: &[],
            },
        );
        RequestSummary {
            method: method.to_owned(),
            url: url.to_owned(),
            curl: curl.text,
            curl_vars: curl.vars,
            headers,
            body_excerpt: body.map(str::to_owned),
        }
    }

    pub(crate) fn response(status: u16, body: &str) -> ResponseSummary {
        ResponseSummary {
            status,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body_excerpt: body.to_owned(),
            size: body.len() as u64,
            elapsed: Duration::from_millis(9),
        }
    }

    pub(crate) fn passed(name: &str, line: usize, method: &str, path: &str, code: u16) -> StepOutcome {
        let url = format!("http://127.0.0.1:8080{path}");
        StepOutcome {
            request: Some(request(method, &url, None)),
            response: Some(response(code, r#"{"ok":true}"#)),
            ..step(name, line, StepStatus::Passed)
        }
    }

    /// `POST /pets` answered 400: a wrong status and a wrong body, with a diff.
    pub(crate) fn failed() -> StepOutcome {
        let body = r#"{"error":"name is required"}"#;
        StepOutcome {
            request: Some(request(
                "POST",
                "http://127.0.0.1:8080/pets",
                Some(r#"{"nme":"Rex"}"#),
            )),
            response: Some(response(400, body)),
            expectations: vec![
                Expectation {
                    subject: "status".to_owned(),
                    predicate: "equals".to_owned(),
                    expected: "201".to_owned(),
                    actual: "400".to_owned(),
                    passed: false,
                    diff: None,
                    line: 14,
                },
                Expectation {
                    subject: "json $".to_owned(),
                    predicate: "contains".to_owned(),
                    expected: r#"contains {"name":"Rex"}"#.to_owned(),
                    actual: body.to_owned(),
                    passed: false,
                    diff: Some(
                        "--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n {\n-  \"name\": \"Rex\"\n+  \"error\": \"name is required\"\n }\n"
                            .to_owned(),
                    ),
                    line: 15,
                },
            ],
            duration: Duration::from_millis(34),
            ..step("Create pet", 12, StepStatus::Failed)
        }
    }

    /// `GET /pets/1` could not connect.
    pub(crate) fn errored() -> StepOutcome {
        StepOutcome {
            message: Some("could not connect to 127.0.0.1:8080: connection refused".to_owned()),
            request: Some(request("GET", "http://127.0.0.1:8080/pets/1", None)),
            duration: Duration::from_millis(3),
            ..step("Get pet", 20, StepStatus::Errored)
        }
    }

    /// A step whose `if` was false.
    pub(crate) fn skipped() -> StepOutcome {
        StepOutcome {
            message: Some("condition is false".to_owned()),
            duration: Duration::ZERO,
            ..step("Delete pet", 26, StepStatus::Skipped)
        }
    }

    /// A collection whose steps are all written in its own file.
    pub(crate) fn collection(name: &str, path: &str, mut steps: Vec<StepOutcome>) -> CollectionOutcome {
        for step in &mut steps {
            step.file = std::sync::Arc::from(path);
        }
        let duration = steps.iter().map(|step| step.duration).sum();
        CollectionOutcome {
            name: name.to_owned(),
            path: path.to_owned(),
            tags: Vec::new(),
            steps,
            started: SystemTime::UNIX_EPOCH + Duration::from_millis(1_763_000_000_250),
            duration,
        }
    }

    /// Two collections: one that passes, one with a step of every other kind.
    pub(crate) fn run() -> RunOutcome {
        let auth = collection(
            "Auth",
            "collections/auth.yaml",
            vec![
                passed("Log in", 5, "POST", "/login", 200),
                StepOutcome {
                    duration: Duration::from_millis(1240),
                    ..passed("Refresh token", 11, "POST", "/refresh", 200)
                },
            ],
        );
        let pets = collection(
            "Pets",
            FILE,
            vec![
                passed("List pets", 6, "GET", "/pets", 200),
                failed(),
                errored(),
                skipped(),
            ],
        );
        RunOutcome {
            collections: vec![auth, pets],
            duration: Duration::from_millis(1320),
            interrupted: false,
            openapi: Vec::new(),
            coverage_failed: None,
        }
    }

    /// The events an executor emits for `run`, in declaration order.
    pub(crate) fn events(run: &RunOutcome) -> Vec<Event<'_>> {
        let mut events = Vec::new();
        for collection in &run.collections {
            events.push(Event::CollectionStarted {
                name: &collection.name,
                path: &collection.path,
            });
            for step in &collection.steps {
                events.push(Event::StepFinished {
                    collection: &collection.name,
                    step,
                });
            }
            events.push(Event::CollectionFinished);
        }
        events.push(Event::RunFinished(run));
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::RunOutcome;
    use std::io;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    struct Recorder {
        seen: Arc<Mutex<Vec<String>>>,
        label: &'static str,
        fail: bool,
    }

    impl Reporter for Recorder {
        fn event(&mut self, _event: &Event<'_>) -> io::Result<()> {
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(self.label.to_owned());
            }
            if self.fail {
                Err(io::Error::other(self.label))
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn fans_out_to_all_and_returns_every_error() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorder = |label, fail| -> Box<dyn Reporter + Send> {
            Box::new(Recorder {
                seen: Arc::clone(&seen),
                label,
                fail,
            })
        };
        let mut reporters = Reporters::new();
        reporters.push(recorder("a", false));
        reporters.push(recorder("b", true));
        reporters.push(recorder("c", true));
        reporters.push(recorder("d", false));
        let run = RunOutcome {
            collections: Vec::new(),
            duration: Duration::ZERO,
            interrupted: false,
            openapi: Vec::new(),
            coverage_failed: None,
        };
        let error = reporters
            .event(&Event::RunFinished(&run))
            .expect_err("two reporters failed");
        assert_eq!(error.to_string(), "b\nerror: c");
        assert_eq!(*seen.lock().expect("not poisoned"), ["a", "b", "c", "d"]);
    }
}
