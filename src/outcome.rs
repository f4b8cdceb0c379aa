//! What a run produced: Run > Collection > Step > expectation results.
//!
//! A *failure* (an expectation that did not hold) and an *error* (a step that
//! could not run) are kept apart end to end. Every string in here has already
//! been through `redact`: reporters print these values as they are.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The part of a collection a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Setup,
    Steps,
    Teardown,
}

/// How one step run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepStatus {
    Passed,
    /// An expectation did not hold.
    Failed,
    /// The step could not run: refused, timed out, a template error, ...
    Errored,
    Skipped,
}

impl StepStatus {
    /// Every status, in the order reports list them.
    pub(crate) const ALL: [StepStatus; 4] = [
        StepStatus::Passed,
        StepStatus::Failed,
        StepStatus::Errored,
        StepStatus::Skipped,
    ];

    /// The word reports use: `passed`, `failed`, `errored`, `skipped`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            StepStatus::Passed => "passed",
            StepStatus::Failed => "failed",
            StepStatus::Errored => "errored",
            StepStatus::Skipped => "skipped",
        }
    }

    /// Failed or errored: what makes a run fail and what reports open up.
    pub(crate) fn is_problem(self) -> bool {
        matches!(self, StepStatus::Failed | StepStatus::Errored)
    }
}

/// One expectation of a step (a predicate on a subject, or a capture), passed
/// or failed. A failed one keeps its whole texts and its diff: the console and
/// JUnit show them. A passed one is recorded only when a report lists every
/// expectation, its texts cut to [`LISTED_TEXT`] characters (a run may hold
/// thousands).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expectation {
    /// What was checked: `status`, `header Content-Type`, `json $.token`, `capture id`, ...
    pub subject: String,
    /// The predicate: `equals`, `contains`, `type`, `exists`, ...
    pub predicate: String,
    /// The expected value, as a person reads it.
    pub expected: String,
    /// The actual value, as a person reads it (`no match` when a path selected nothing).
    pub actual: String,
    pub passed: bool,
    /// For a failure: a unified diff of expected and actual, for long strings and JSON documents.
    pub diff: Option<String>,
    /// The YAML line of the expectation.
    pub line: usize,
}

/// Reports that list every expectation cut its texts to this many characters.
pub(crate) const LISTED_TEXT: usize = 200;

/// The request as it was sent (redacted).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RequestSummary {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body as text, cut to a few KiB; `None` when there was none.
    pub body_excerpt: Option<String>,
    /// A `curl` command that sends the same request.
    pub curl: String,
    /// The shell variables the curl command reads its secrets from, and what each holds.
    pub curl_vars: Vec<(String, String)>,
}

/// One request sent for a step and the status it got: a redirect hop, an auth
/// round trip, a retry or the last; with where its time went.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExchangeSummary {
    pub method: String,
    /// Redacted.
    pub url: String,
    pub status: u16,
    pub timings: crate::session::Timings,
}

/// What came back (redacted).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResponseSummary {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut to a few KiB.
    pub body_excerpt: String,
    /// The decoded body size in bytes.
    pub size: u64,
    /// Time of the last attempt, from sending the request to the end of the body.
    pub elapsed: Duration,
}

/// One step run: one request (with its retries), or one skipped step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StepOutcome {
    /// `step name`, `group name / step name`, `step name [3]` for loop items.
    pub name: String,
    pub phase: Phase,
    /// The step's line in its file.
    pub line: usize,
    /// The file the step is written in (differs from the collection's inside includes);
    /// shared by every step of the file.
    pub file: Arc<str>,
    /// The step's `description`, when it has one.
    pub description: Option<Arc<str>>,
    pub status: StepStatus,
    /// Why the step was skipped, or why it could not run (for `Errored`).
    pub message: Option<String>,
    /// The step's expectations in order: every failed one, and the passed ones
    /// when a report shows them.
    pub expectations: Vec<Expectation>,
    pub request: Option<RequestSummary>,
    pub response: Option<ResponseSummary>,
    /// Every attempt included.
    pub duration: Duration,
    pub attempts: u32,
    /// Captured names and their values as text (secrets masked).
    pub captures: Vec<(String, String)>,
    /// Every request sent and its timings, in order (none when nothing came back).
    pub exchanges: Vec<ExchangeSummary>,
    /// What the snapshot writer does with this step's snapshot file.
    pub snapshot: Option<SnapshotWrite>,
    /// What the exchange adds to OpenAPI coverage: its operation and status.
    pub contract: Option<crate::openapi::coverage::Hit>,
    /// Shown under the step without failing it (`undeclared_status: warn`).
    pub warnings: Vec<String>,
}

/// A snapshot file to write or tidy, decided by the executor, done by a reporter
/// (the executor writes no file). Its content is redacted already.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SnapshotWrite {
    /// The snapshot (`….json`).
    pub path: std::path::PathBuf,
    pub root: Arc<std::path::Path>,
    pub action: SnapshotAction,
}

impl SnapshotWrite {
    /// Masks secrets that became known after the content was made (a secret capture).
    pub(crate) fn redact_again(&mut self, redactor: &crate::redact::Redactor) {
        if let SnapshotAction::Propose(content) | SnapshotAction::Accept(content) = &mut self.action {
            *content = redactor.string(content);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SnapshotAction {
    /// The response matched: a `.json.new` left by an earlier run is stale.
    Matched,
    /// Missing or different: propose this content as `.json.new`.
    Propose(String),
    /// `--update-snapshots`: write this content as the snapshot and drop `.json.new`.
    Accept(String),
}

impl StepOutcome {
    /// The expectations that did not hold, in order.
    pub(crate) fn failures(&self) -> impl Iterator<Item = &Expectation> {
        self.expectations.iter().filter(|e| !e.passed)
    }

    /// Where a reader of a failure should look: the line of the first
    /// expectation that did not hold, else the step's own line. The console's
    /// and JUnit's `at FILE:LINE` both say this line.
    pub(crate) fn failure_line(&self) -> usize {
        self.failures().next().map_or(self.line, |f| f.line)
    }

    /// A step run with nothing sent yet: no request, response or failures.
    pub(crate) fn new(
        name: String,
        phase: Phase,
        file: Arc<str>,
        line: usize,
        status: StepStatus,
        message: Option<String>,
    ) -> Self {
        StepOutcome {
            name,
            phase,
            line,
            file,
            description: None,
            status,
            message,
            expectations: Vec::new(),
            request: None,
            response: None,
            duration: Duration::ZERO,
            attempts: 0,
            captures: Vec::new(),
            exchanges: Vec::new(),
            snapshot: None,
            contract: None,
            warnings: Vec::new(),
        }
    }
}

impl StepOutcome {
    /// Drops what only live reporters read (headers, bodies, the curl command)
    /// from a passed or skipped step, so a long run's memory stays flat.
    /// Failed and errored steps keep everything for the final reports.
    pub(crate) fn slim(&mut self) {
        if self.status.is_problem() {
            return;
        }
        if let Some(r) = &mut self.request {
            r.headers = Vec::new();
            r.body_excerpt = None;
            r.curl = String::new();
            r.curl_vars = Vec::new();
        }
        if let Some(r) = &mut self.response {
            r.headers = Vec::new();
            r.body_excerpt = String::new();
        }
    }
}

/// One collection run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CollectionOutcome {
    pub name: String,
    /// The collection path as given on the command line (or found in a folder).
    pub path: String,
    pub tags: Vec<String>,
    pub steps: Vec<StepOutcome>,
    pub started: SystemTime,
    pub duration: Duration,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunOutcome {
    pub collections: Vec<CollectionOutcome>,
    pub duration: Duration,
    /// True when the run was interrupted (Ctrl-C, SIGTERM) or stopped by `--fail-fast`.
    pub interrupted: bool,
    /// The coverage of each OpenAPI spec the run checked against.
    pub openapi: Vec<crate::openapi::coverage::Coverage>,
    /// Why `--min-coverage` failed the run.
    pub coverage_failed: Option<String>,
}

/// Counts of step statuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

impl Counts {
    /// Each status with its count, in the order of [`StepStatus::ALL`].
    pub(crate) fn by_status(&self) -> [(StepStatus, usize); 4] {
        StepStatus::ALL.map(|s| {
            let n = match s {
                StepStatus::Passed => self.passed,
                StepStatus::Failed => self.failed,
                StepStatus::Errored => self.errored,
                StepStatus::Skipped => self.skipped,
            };
            (s, n)
        })
    }

    /// Failed and errored steps.
    pub(crate) fn problems(&self) -> usize {
        self.failed + self.errored
    }

    pub(crate) fn of<'a>(steps: impl IntoIterator<Item = &'a StepOutcome>) -> Self {
        let mut counts = Counts::default();
        for step in steps {
            match step.status {
                StepStatus::Passed => counts.passed += 1,
                StepStatus::Failed => counts.failed += 1,
                StepStatus::Errored => counts.errored += 1,
                StepStatus::Skipped => counts.skipped += 1,
            }
        }
        counts
    }

    pub(crate) fn total(&self) -> usize {
        self.passed + self.failed + self.errored + self.skipped
    }
}

impl CollectionOutcome {
    pub(crate) fn counts(&self) -> Counts {
        Counts::of(&self.steps)
    }
}

impl RunOutcome {
    pub(crate) fn counts(&self) -> Counts {
        Counts::of(self.collections.iter().flat_map(|c| &c.steps))
    }

    /// True when no step failed or errored and the coverage gate (if any) passed.
    pub(crate) fn success(&self) -> bool {
        self.counts().problems() == 0 && self.coverage_failed.is_none()
    }
}
