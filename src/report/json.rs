//! The JSON report (`--report-json`): every collection and step run with its
//! request, response, captures and each expectation's result, in a documented
//! and versioned shape (`schemas/report.schema.json`, derived from the types
//! here). `--rerun-failed` reads it back (`config::rerun`).

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::outcome::{self, CollectionOutcome, Counts, LISTED_TEXT, RunOutcome, StepOutcome};
use crate::text::cut;

/// The version of the report format this build writes (and `--rerun-failed` reads).
/// It changes when a field is added, removed or changes meaning. 2: a step's
/// `description` and `exchanges` (each request sent, with its timings); a request's
/// `headers` are every header sent (names as on the wire), no longer only the step's own.
/// 3: OpenAPI coverage (`openapi`, `coverage_failed`) and a step's `warnings`.
pub(crate) const VERSION: u32 = 3;

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Sortie JSON report", extend("$id" = "https://sortie.dev/schemas/report.schema.json"))]
pub(crate) struct JsonReport {
    /// The report format version: 3.
    #[schemars(extend("const" = 3))]
    pub version: u32,
    /// Always `sortie`.
    #[schemars(extend("const" = "sortie"))]
    pub tool: String,
    /// The version of sortie that wrote the report.
    pub tool_version: String,
    /// True when no step failed or errored (and the `--min-coverage` gate, if any, passed).
    pub success: bool,
    /// True when the run was interrupted (Ctrl-C, SIGTERM) or stopped by `--fail-fast`.
    pub interrupted: bool,
    /// The whole run, in milliseconds.
    pub duration_ms: f64,
    /// Step counts over every collection.
    pub summary: Summary,
    /// Every collection run, in the order they ran.
    pub collections: Vec<CollectionReport>,
    /// The coverage of each OpenAPI spec the run checked against (absent without one);
    /// `sortie coverage` merges these sections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub openapi: Vec<crate::openapi::coverage::Coverage>,
    /// Why `--min-coverage` failed the run, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage_failed: Option<String>,
}

/// How many steps ended which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Summary {
    pub steps: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

/// One collection run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CollectionReport {
    pub name: String,
    /// The collection path as given on the command line (or found in a folder).
    pub file: String,
    pub tags: Vec<String>,
    /// When the collection started, RFC 3339 in UTC.
    pub started: String,
    pub duration_ms: f64,
    pub summary: Summary,
    /// Every step run, in declaration order (a `for_each` item is one step run).
    pub steps: Vec<StepReport>,
}

/// The part of a collection a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Phase {
    Setup,
    Steps,
    Teardown,
}

/// How a step run ended: `failed` when an expectation did not hold, `errored`
/// when the step could not run (refused, timed out, a template error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Passed,
    Failed,
    Errored,
    Skipped,
}

/// One step run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepReport {
    /// `step name`, `group name / step name`, `step name [3]` for a loop item.
    pub name: String,
    pub phase: Phase,
    /// The file the step is written in (an included file's, inside an include).
    pub file: String,
    /// The step's line in that file.
    pub line: usize,
    /// The step's `description`; null when it has none.
    pub description: Option<String>,
    pub status: Status,
    /// Why the step was skipped or could not run.
    pub message: Option<String>,
    /// Every attempt included.
    pub duration_ms: f64,
    /// Tries sent, the first included (0 when nothing was sent).
    pub attempts: u32,
    /// The request as sent (secrets masked); null when it could not be rendered.
    pub request: Option<RequestReport>,
    /// The last response; null when none came.
    pub response: Option<ResponseReport>,
    /// Names captured by the step and their values as text (secrets masked).
    pub captures: Vec<Capture>,
    /// Every check, in order: status, expectations, schema, captures.
    pub expectations: Vec<Expectation>,
    /// Every request sent, in order (redirect hops, auth round trips, retries and
    /// polls each one of their own), with where its time went.
    pub exchanges: Vec<ExchangeReport>,
    /// Shown under the step without failing it (an undeclared status with
    /// `undeclared_status: warn`); absent when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One request sent and the status it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExchangeReport {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub timings: TimingsReport,
}

/// Where an exchange's time went, in milliseconds. `dns` and `connect` are null on a
/// kept-alive connection (and `dns` for an IP address); `tls` is null where not
/// measured apart from `connect` (https, whose `connect` then covers the handshake).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimingsReport {
    pub dns_ms: Option<f64>,
    pub connect_ms: Option<f64>,
    pub tls_ms: Option<f64>,
    /// From sending the request on an open connection to the response head.
    pub ttfb_ms: f64,
    /// From the response head to the end of the body.
    pub download_ms: f64,
    /// The phases added up.
    pub total_ms: f64,
}

/// A header as sent or received; sensitive values are `***`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Header {
    pub name: String,
    pub value: String,
}

/// The request as sent (secrets masked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestReport {
    pub method: String,
    pub url: String,
    pub headers: Vec<Header>,
    /// The body as text, cut at 4 KiB with a note; null when there was none.
    pub body_excerpt: Option<String>,
    /// A `curl` command that sends the same request.
    pub curl: String,
}

/// The last response (secrets masked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResponseReport {
    pub status: u16,
    pub headers: Vec<Header>,
    /// The body as text (invalid UTF-8 replaced), cut at 4 KiB with a note.
    pub body_excerpt: String,
    /// The decoded body size in bytes.
    pub size: u64,
    /// The last attempt, from sending the request to the end of the body.
    pub duration_ms: f64,
}

/// A captured name and its value as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Capture {
    pub name: String,
    pub value: String,
}

/// One check: a predicate on a subject, passed or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expectation {
    /// What was checked: `status`, `header Content-Type`, `json $.id`, `body`, `schema`, `capture id`.
    pub subject: String,
    /// `equals`, `contains`, `type`, `length.gt`, `exists`, ...
    pub predicate: String,
    /// The expected value as a person reads it.
    pub expected: String,
    /// The actual value as a person reads it (`no match` when a path selected nothing).
    pub actual: String,
    pub passed: bool,
    /// The YAML line of the expectation.
    pub line: usize,
    /// For a failed check on a document or a long string: a unified diff, expected then actual.
    pub diff: Option<String>,
}

/// The JSON Schema of the report, as committed in `schemas/report.schema.json`.
#[cfg(test)]
pub(crate) fn report_schema() -> String {
    let schema = schemars::schema_for!(JsonReport);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The report of a run.
pub(crate) fn from_run(run: &RunOutcome) -> JsonReport {
    let summary = Summary::from(run.counts());
    JsonReport {
        version: VERSION,
        tool: "sortie".to_owned(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        success: run.success(),
        interrupted: run.interrupted,
        duration_ms: millis(run.duration),
        summary,
        collections: run.collections.iter().map(collection).collect(),
        openapi: run.openapi.clone(),
        coverage_failed: run.coverage_failed.clone(),
    }
}

impl From<Counts> for Summary {
    fn from(counts: Counts) -> Self {
        Summary {
            steps: counts.total(),
            passed: counts.passed,
            failed: counts.failed,
            errored: counts.errored,
            skipped: counts.skipped,
        }
    }
}

fn collection(c: &CollectionOutcome) -> CollectionReport {
    let counts = c.counts();
    CollectionReport {
        name: c.name.clone(),
        file: c.path.clone(),
        tags: c.tags.clone(),
        started: rfc3339(c.started),
        duration_ms: millis(c.duration),
        summary: Summary::from(counts),
        steps: c.steps.iter().map(step).collect(),
    }
}

fn step(s: &StepOutcome) -> StepReport {
    StepReport {
        name: s.name.clone(),
        phase: match s.phase {
            outcome::Phase::Setup => Phase::Setup,
            outcome::Phase::Steps => Phase::Steps,
            outcome::Phase::Teardown => Phase::Teardown,
        },
        file: s.file.to_string(),
        line: s.line,
        description: s.description.as_deref().map(str::to_owned),
        status: match s.status {
            outcome::StepStatus::Passed => Status::Passed,
            outcome::StepStatus::Failed => Status::Failed,
            outcome::StepStatus::Errored => Status::Errored,
            outcome::StepStatus::Skipped => Status::Skipped,
        },
        message: s.message.clone(),
        duration_ms: millis(s.duration),
        attempts: s.attempts,
        request: s.request.as_ref().map(|r| RequestReport {
            method: r.method.clone(),
            url: r.url.clone(),
            headers: headers(&r.headers),
            body_excerpt: r.body_excerpt.clone(),
            curl: r.curl.clone(),
        }),
        response: s.response.as_ref().map(|r| ResponseReport {
            status: r.status,
            headers: headers(&r.headers),
            body_excerpt: r.body_excerpt.clone(),
            size: r.size,
            duration_ms: millis(r.elapsed),
        }),
        captures: s
            .captures
            .iter()
            .map(|(name, value)| Capture {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        expectations: expectations(s),
        exchanges: s
            .exchanges
            .iter()
            .map(|e| ExchangeReport {
                method: e.method.clone(),
                url: e.url.clone(),
                status: e.status,
                timings: TimingsReport {
                    dns_ms: e.timings.dns.map(millis),
                    connect_ms: e.timings.connect.map(millis),
                    tls_ms: e.timings.tls.map(millis),
                    ttfb_ms: millis(e.timings.ttfb),
                    download_ms: millis(e.timings.download),
                    total_ms: millis(e.timings.total()),
                },
            })
            .collect(),
        warnings: s.warnings.clone(),
    }
}

/// Every expectation of the step, its texts cut as for a list.
fn expectations(s: &StepOutcome) -> Vec<Expectation> {
    s.expectations
        .iter()
        .map(|e| Expectation {
            subject: e.subject.clone(),
            predicate: e.predicate.clone(),
            expected: cut(&e.expected, LISTED_TEXT),
            actual: cut(&e.actual, LISTED_TEXT),
            passed: e.passed,
            line: e.line,
            diff: e.diff.clone(),
        })
        .collect()
}

fn headers(h: &[(String, String)]) -> Vec<Header> {
    h.iter()
        .map(|(name, value)| Header {
            name: name.clone(),
            value: value.clone(),
        })
        .collect()
}

/// Milliseconds with microsecond precision.
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// RFC 3339 in UTC with milliseconds; the epoch for a clock humantime cannot show.
fn rfc3339(time: SystemTime) -> String {
    crate::text::rfc3339(time, true).unwrap_or_else(|| humantime::format_rfc3339_millis(UNIX_EPOCH).to_string())
}

/// The JSON report file of a run (`--report-json`).
pub(crate) fn document(run: &RunOutcome) -> io::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(&from_run(run)).map_err(io::Error::other)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The least of a report `--rerun-failed` needs; any other field is ignored,
/// so a report from a newer sortie of the same version still reads.
#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
