//! One request step: prepare, send (with retries and polling), check the
//! response, capture values, and build the step's outcome.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde_json::Value;

use super::flow::{Cx, Place, render_value};
use super::scope::Scope;
use crate::check::{self, Mismatch};
use crate::load::expect::build_predicate;
use crate::outcome::{ExpectationFailure, RequestSummary, ResponseSummary, StepOutcome, StepStatus};
use crate::plan::{CheckPlan, ExtractSource, RequestPlan, RetryPlan, StatusClass, StepPlan, Subject};
use crate::redact::Redactor;
use crate::render::to_mj;
use crate::session::{Prepared, Response, SendError};

/// Bodies in reports are cut to this many bytes.
const EXCERPT: usize = 4096;

impl Cx<'_> {
    pub async fn request(
        &self,
        step: &StepPlan,
        r: &RequestPlan,
        scope: &mut Scope,
        place: &Place,
        name: &str,
    ) -> StepOutcome {
        let started = Instant::now();
        let prepared = match self.prepare(step, r, scope).await {
            Ok(p) => p,
            Err(message) => return self.errored(step, name.to_owned(), place, &message),
        };
        let polls = r.retry_until.map_or(1, |(n, _)| n);
        let mut attempts = 0;
        let mut poll = 0;
        let (response, failures) = loop {
            poll += 1;
            let response = match self.send_with_retry(&prepared, r, &mut attempts).await {
                Ok(resp) => resp,
                Err(e) => {
                    let mut outcome = self.errored(step, name.to_owned(), place, &e.message);
                    outcome.request = Some(self.request_summary(&prepared));
                    outcome.attempts = attempts;
                    outcome.duration = started.elapsed();
                    return outcome;
                }
            };
            let body = Body::new(response);
            let failures = self.verify(step, r, scope, &body);
            if failures.is_empty() || poll >= polls || self.rc.stopped() {
                break (body, failures);
            }
            if let Some((_, interval)) = r.retry_until {
                tokio::time::sleep(interval).await;
            }
        };
        // The JSON parsed for `expect` (if any) serves `extract` too.
        let (captures, capture_failures) = self.extract(r, &response);
        let mut failures = failures;
        failures.extend(capture_failures);
        let status = if failures.is_empty() {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        // A passing step keeps its exchange only when a report will show it.
        let keep = self.rc.keep_exchanges || status != StepStatus::Passed;
        let mut shown = Vec::new();
        for (k, v) in captures {
            let mv = to_mj(&v);
            if self.secret_names.contains(&k.as_str()) {
                super::add_secret(&mut self.lock(), &mv);
            }
            if keep {
                let text = super::prepare::text(&v);
                shown.push((k.clone(), cut(&self.lock().string(&text), 200)));
            }
            scope.set(k, mv);
        }
        if !failures.is_empty() {
            // Redacted once, at the end, with every secret known by now.
            let redactor = self.lock();
            failures.iter_mut().for_each(|f| redact(&redactor, f));
        }
        if status == StepStatus::Failed && self.rc.fail_fast {
            self.rc.stop.store(true, Ordering::Relaxed);
        }
        let response = response.resp;
        let mut outcome = self.base(step, name.to_owned(), place, status, None);
        outcome.failures = failures;
        if keep {
            outcome.request = Some(self.request_summary(&prepared));
            outcome.response = Some(self.response_summary(&response));
        } else {
            outcome.response = Some(status_only(&response));
        }
        outcome.duration = started.elapsed();
        outcome.attempts = attempts;
        outcome.captures = shown;
        outcome
    }

    /// Sends with the step's retry policy; `attempts` counts every try.
    async fn send_with_retry(
        &self,
        req: &Prepared,
        r: &RequestPlan,
        attempts: &mut u32,
    ) -> Result<Response, SendError> {
        let policy = &r.retry;
        let mut tries = 0;
        loop {
            tries += 1;
            *attempts += 1;
            let result = self.session.send(req, &r.timeouts, r.max_redirects).await;
            let last = tries >= policy.attempts || self.rc.stopped();
            match result {
                Ok(resp) => {
                    if last || !policy.on_status.contains(&resp.status) {
                        return Ok(resp);
                    }
                    let wait = retry_after(&resp).map_or_else(|| backoff(policy, tries), |w| w.min(policy.max_backoff));
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    let may_retry =
                        e.retryable && policy.on_error && (idempotent(&req.method) || policy.non_idempotent);
                    if last || !may_retry {
                        return Err(e);
                    }
                    tokio::time::sleep(backoff(policy, tries)).await;
                }
            }
        }
    }

    /// Every expectation of the step against one response.
    /// Failures are not redacted yet: `request` does it once for the step.
    fn verify(&self, step: &StepPlan, r: &RequestPlan, scope: &Scope, body: &Body) -> Vec<ExpectationFailure> {
        let resp = &body.resp;
        let mut failures = Vec::new();
        let line = |span: crate::source::Span| span.line();
        let status_ok = if r.status.is_empty() {
            (200..400).contains(&resp.status)
        } else {
            r.status.iter().any(|s| match *s {
                StatusClass::Code(c) => c == resp.status,
                StatusClass::Class(c) => resp.status / 100 == u16::from(c),
            })
        };
        if !status_ok {
            let expected = if r.status.is_empty() {
                "2xx or 3xx".to_owned()
            } else {
                r.status
                    .iter()
                    .map(|s| match s {
                        StatusClass::Code(c) => c.to_string(),
                        StatusClass::Class(c) => format!("{c}xx"),
                    })
                    .collect::<Vec<_>>()
                    .join(" or ")
            };
            failures.push(ExpectationFailure {
                subject: "status".into(),
                predicate: "equals".into(),
                expected,
                actual: resp.status.to_string(),
                diff: None,
                line: r.status_span.map_or(step.span.line(), line),
            });
        }
        let body_text = || String::from_utf8_lossy(&resp.body).into_owned();
        // Only a predicate with a template needs the variables.
        let ctx = OnceCell::new();
        for e in &r.expect {
            let actual: Result<Option<Value>, String> = match &e.subject {
                Subject::Header(name) => Ok(header_value(resp, name)),
                Subject::Json(path) => match body.json() {
                    Ok(doc) => Ok(path.select(doc).to_value()),
                    Err(msg) => Err(msg.clone()),
                },
                Subject::Body => Ok(Some(Value::String(body_text()))),
                Subject::Cookie(name) => Ok(self.cookie(resp, name).map(Value::String)),
                Subject::Duration => Ok(Some(Value::from(resp.elapsed.as_millis() as u64))),
            };
            let subject = || e.subject.describe();
            let actual = match actual {
                Ok(a) => a,
                Err(msg) => {
                    failures.push(failure(&subject(), "equals", "a JSON body", &msg, None, e.span.line()));
                    continue;
                }
            };
            for c in &e.checks {
                let predicate = match c {
                    CheckPlan::Ready(p) => Cow::Borrowed(p),
                    CheckPlan::Render { name, value } => {
                        let ctx = ctx.get_or_init(|| self.context(scope, &step.dir));
                        let rendered = render_value(&self.rc.renderer, value, ctx)
                            .map_err(|err| err.to_string())
                            .and_then(|v| build_predicate(name, &v));
                        match rendered {
                            Ok(p) => Cow::Owned(p),
                            Err(msg) => {
                                failures.push(failure(&subject(), name, "a value", &msg, None, e.span.line()));
                                continue;
                            }
                        }
                    }
                };
                if let Err(Mismatch {
                    predicate,
                    expected,
                    actual: got,
                    diff,
                }) = check::check(&predicate, actual.as_ref())
                {
                    failures.push(failure(
                        &subject(),
                        predicate,
                        &expected,
                        &got,
                        diff.as_deref(),
                        e.span.line(),
                    ));
                }
            }
        }
        if let Some((schema, span)) = &r.schema {
            match body.json() {
                Ok(doc) => {
                    let errors = schema.validate(doc);
                    if !errors.is_empty() {
                        failures.push(failure(
                            "schema",
                            "schema",
                            "the body to match the schema",
                            &errors.join("; "),
                            None,
                            span.line(),
                        ));
                    }
                }
                Err(msg) => failures.push(failure("schema", "schema", "a JSON body", msg, None, span.line())),
            }
        }
        failures
    }

    /// Captures; a capture that finds nothing is a failure (not redacted yet, as in `verify`).
    fn extract(&self, r: &RequestPlan, body: &Body) -> (Vec<(String, Value)>, Vec<ExpectationFailure>) {
        let resp = &body.resp;
        let mut captures = Vec::new();
        let mut failures = Vec::new();
        for x in &r.extract {
            let found: Result<Option<Value>, String> = match &x.source {
                ExtractSource::Json(path) => match body.json() {
                    Ok(doc) => Ok(path.select(doc).to_value()),
                    Err(msg) => Err(msg.clone()),
                },
                ExtractSource::Header(name) => Ok(header_value(resp, name)),
                ExtractSource::Cookie(name) => Ok(self.cookie(resp, name).map(Value::String)),
                ExtractSource::Status => Ok(Some(Value::from(resp.status))),
                ExtractSource::Regex(re) => {
                    let body = String::from_utf8_lossy(&resp.body);
                    Ok(re.captures(&body).map(|c| {
                        let m = c.get(1).or_else(|| c.get(0)).map_or("", |m| m.as_str());
                        Value::String(m.to_owned())
                    }))
                }
            };
            match found {
                Ok(Some(v)) => captures.push((x.name.clone(), v)),
                Ok(None) => failures.push(failure(
                    &format!("capture {}", x.name),
                    "exists",
                    "a match",
                    "no match",
                    None,
                    x.span.line(),
                )),
                Err(msg) => failures.push(failure(
                    &format!("capture {}", x.name),
                    "parse",
                    "JSON",
                    &msg,
                    None,
                    x.span.line(),
                )),
            }
        }
        (captures, failures)
    }

    /// A cookie set by this response, else the one the jar holds for its URL.
    fn cookie(&self, resp: &Response, name: &str) -> Option<String> {
        for value in resp.headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=')
                && k.trim() == name
            {
                return Some(v.trim().to_owned());
            }
        }
        self.session
            .cookies_for(&resp.url)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn request_summary(&self, p: &Prepared) -> RequestSummary {
        let redactor = self.lock();
        let headers: Vec<(String, String)> = p
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), redactor.header(n, v)))
            .collect();
        let url = redactor.string(p.url.as_str());
        let body = p.body.as_ref().map(|b| redactor.string(&excerpt(b)));
        let insecure = self.rc.session.insecure || self.plan.session.insecure;
        let curl = crate::curl::command(p.method.as_str(), &url, &headers, body.as_deref(), insecure);
        RequestSummary {
            method: p.method.to_string(),
            url,
            headers,
            body_excerpt: body,
            curl,
        }
    }

    fn response_summary(&self, r: &Response) -> ResponseSummary {
        let redactor = self.lock();
        ResponseSummary {
            status: r.status,
            headers: r
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        redactor.header(n.as_str(), &String::from_utf8_lossy(v.as_bytes())),
                    )
                })
                .collect(),
            body_excerpt: redactor.string(&excerpt(&r.body)),
            size: r.body.len() as u64,
        }
    }
}

/// A response with its JSON body parsed at most once, on first use, for both
/// `expect` and `extract`.
struct Body {
    resp: Response,
    json: OnceCell<Result<Value, String>>,
}

impl Body {
    fn new(resp: Response) -> Body {
        Body {
            resp,
            json: OnceCell::new(),
        }
    }

    fn json(&self) -> &Result<Value, String> {
        self.json
            .get_or_init(|| serde_json::from_slice::<Value>(&self.resp.body).map_err(|e| format!("not JSON ({e})")))
    }
}

/// An expectation failure as found; [`redact`] masks it before it leaves the step.
fn failure(
    subject: &str,
    predicate: &str,
    expected: &str,
    actual: &str,
    diff: Option<&str>,
    line: usize,
) -> ExpectationFailure {
    ExpectationFailure {
        subject: subject.to_owned(),
        predicate: predicate.to_owned(),
        expected: expected.to_owned(),
        actual: actual.to_owned(),
        diff: diff.map(str::to_owned),
        line,
    }
}

/// Masks the secrets in a failure's texts.
fn redact(redactor: &Redactor, f: &mut ExpectationFailure) {
    for text in [&mut f.subject, &mut f.expected, &mut f.actual]
        .into_iter()
        .chain(f.diff.as_mut())
    {
        if let Cow::Owned(masked) = redactor.text(text) {
            *text = masked;
        }
    }
}

/// What a passing step keeps of its response when no report shows more: the status and size.
fn status_only(r: &Response) -> ResponseSummary {
    ResponseSummary {
        status: r.status,
        headers: Vec::new(),
        body_excerpt: String::new(),
        size: r.body.len() as u64,
    }
}

/// One header's value; several values of one name become a list.
fn header_value(resp: &Response, name: &str) -> Option<Value> {
    let values: Vec<Value> = resp
        .headers
        .get_all(name)
        .iter()
        .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    match values.len() {
        0 => None,
        1 => values.into_iter().next(),
        _ => Some(Value::Array(values)),
    }
}

/// The first bytes of a body as text, with a note when cut.
fn excerpt(body: &[u8]) -> String {
    if body.len() <= EXCERPT {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut text = String::from_utf8_lossy(&body[..EXCERPT]).into_owned();
    text.push_str(&format!("\n… ({} more bytes)", body.len() - EXCERPT));
    text
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
}

fn idempotent(m: &Method) -> bool {
    matches!(m.as_str(), "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE")
}

/// Exponential backoff with jitter (50–100% of the step), capped by `max_backoff`.
fn backoff(policy: &RetryPlan, tries: u32) -> Duration {
    let exp = policy.backoff.saturating_mul(1u32 << (tries - 1).min(16));
    let capped = exp.min(policy.max_backoff);
    let jitter = 0.5 + rand::random::<f64>() * 0.5;
    capped.mul_f64(jitter)
}

/// `Retry-After` in seconds or as an HTTP date; garbage and past dates mean no wait.
fn retry_after(resp: &Response) -> Option<Duration> {
    let value = resp.headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(date) = httpdate::parse_http_date(value) {
        return Some(date.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO));
    }
    Some(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPlan {
            attempts: 5,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            on_status: vec![],
            on_error: true,
            non_idempotent: false,
        };
        let b1 = backoff(&p, 1);
        assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
        let b4 = backoff(&p, 4);
        assert!(b4 >= Duration::from_millis(150) && b4 <= Duration::from_millis(300));
    }
}
