//! One request step: prepare, send (with retries and polling), check the
//! response, capture values, and build the step's outcome.

use crate::text::cut;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;
use serde_json::Value;

use super::flow::{Cx, Place, render_value};
use super::scope::Scope;
use crate::check::build_predicate;
use crate::check::predicate::json_text;
use crate::check::{self, Mismatch};
use crate::outcome::{CheckResult, ExpectationFailure, RequestSummary, ResponseSummary, StepOutcome, StepStatus};
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
        let prepared = self.prepare(step, r, scope).await;
        if self.rc.dry_run {
            return self.dry_run(step, r, scope, place, name, prepared);
        }
        let prepared = match prepared {
            Ok(p) => p,
            Err(message) => return self.errored(step, name.to_owned(), place, &message),
        };
        let polls = r.retry_until.map_or(1, |(n, _)| n);
        let mut attempts = 0;
        let mut poll = 0;
        // The Authorization header the auth layer added (digest, OAuth2), shown masked.
        let mut authorization = None;
        let (received, mut checks) = loop {
            poll += 1;
            let response = match self
                .send_with_retry(&prepared, r, &mut attempts, &mut authorization)
                .await
            {
                Ok(resp) => resp,
                Err(e) => {
                    let mut outcome = self.errored(step, name.to_owned(), place, &e.message);
                    outcome.request = Some(self.request_summary(&prepared, authorization.as_deref()));
                    outcome.attempts = attempts;
                    outcome.duration = started.elapsed();
                    return outcome;
                }
            };
            self.learn_cookies(&response);
            let received = Received::new(response);
            let checks = self.verify(step, r, scope, &received);
            if checks.is_ok() || poll >= polls || self.rc.stopped() {
                break (received, checks);
            }
            if let Some((_, interval)) = r.retry_until {
                self.rc.pause(interval).await;
            }
        };
        let captures = self.extract(r, &received, &mut checks);
        let response = received.resp;
        let mut shown = Vec::with_capacity(captures.len());
        for (x, v) in captures {
            let k = x.name.clone();
            let mv = to_mj(&v);
            let text = super::prepare::text(&v);
            // Cookie values are credentials (FORMAT.md): a captured one is a secret.
            let is_cookie = matches!(x.source, ExtractSource::Cookie(_));
            // A cookie value is always hidden in the captures line; it joins the
            // redactor only when long enough not to mask unrelated text ("3").
            if self.secret_names.contains(&k.as_str())
                || is_cookie && text.chars().count() >= crate::redact::MIN_LEARNED
            {
                super::add_secret(&mut self.lock(), &mv);
            }
            let shown_value = if is_cookie {
                crate::redact::MASK.to_owned()
            } else {
                self.lock().string(&text)
            };
            shown.push((k.clone(), cut(&shown_value, 200)));
            scope.set(k, mv);
        }
        // A secret capture is known only now: mask it in what the checks saw.
        let redactor = self.lock();
        if !checks.redactor.same_secrets(&redactor) {
            checks.redact_again(&redactor);
        }
        drop(redactor);
        let status = if checks.is_ok() {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        if status == StepStatus::Failed && self.rc.fail_fast {
            self.rc.request_stop();
        }
        let mut outcome = self.base(step, name.to_owned(), place, status, None);
        outcome.failures = checks.failures;
        // A passing step keeps its exchange only when a report will show it.
        if self.rc.keep_exchanges || status != StepStatus::Passed {
            outcome.checks = checks.results;
            outcome.request = Some(self.request_summary(&prepared, authorization.as_deref()));
            outcome.response = Some(self.response_summary(&response));
        } else {
            outcome.response = Some(status_only(&response));
        }
        outcome.duration = started.elapsed();
        outcome.attempts = attempts;
        outcome.captures = shown;
        outcome
    }

    /// `--dry-run` stops after render: the step shows the request it would send
    /// (or why it cannot), and its captures become placeholders
    /// (`<capture:token>`) so that later steps render too.
    fn dry_run(
        &self,
        step: &StepPlan,
        r: &RequestPlan,
        scope: &mut Scope,
        place: &Place,
        name: &str,
        prepared: Result<Prepared, super::prepare::PrepareError>,
    ) -> StepOutcome {
        let mut outcome = match prepared {
            Ok(prepared) => {
                let mut outcome = self.base(step, name.to_owned(), place, StepStatus::Passed, None);
                outcome.request = Some(self.request_summary(&prepared, None));
                outcome
            }
            Err(message) => self.errored(step, name.to_owned(), place, &message),
        };
        for x in &r.extract {
            let placeholder = format!("<capture:{}>", x.name);
            scope.set(x.name.clone(), minijinja::Value::from(placeholder.as_str()));
            outcome.captures.push((x.name.clone(), placeholder));
        }
        outcome
    }

    /// Sends with the step's retry policy; `attempts` counts every try.
    async fn send_with_retry(
        &self,
        req: &Prepared,
        r: &RequestPlan,
        attempts: &mut u32,
        authorization: &mut Option<String>,
    ) -> Result<Response, SendError> {
        let policy = &r.retry;
        let mut tries = 0;
        loop {
            tries += 1;
            *attempts += 1;
            let secret = |v: &str| self.secret(v);
            let result = crate::session::auth::send(&self.session, req, &r.timeouts, r.max_redirects, &secret)
                .await
                .map(|sent| {
                    if sent.authorization.is_some() {
                        *authorization = sent.authorization;
                    }
                    sent.response
                });
            let last = tries >= policy.attempts || self.rc.stopped();
            match result {
                Ok(resp) => {
                    if last || !policy.on_status.contains(&resp.status) {
                        return Ok(resp);
                    }
                    let wait = retry_after(&resp).map_or_else(|| backoff(policy, tries), |w| w.min(policy.max_backoff));
                    self.rc.pause(wait).await;
                    // Stopped while waiting: this response is the step's last.
                    if self.rc.stopped() {
                        return Ok(resp);
                    }
                }
                Err(e) => {
                    let may_retry =
                        e.retryable && policy.on_error && (idempotent(&req.method) || policy.non_idempotent);
                    if last || !may_retry {
                        return Err(e);
                    }
                    self.rc.pause(backoff(policy, tries)).await;
                    if self.rc.stopped() {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Every expectation of the step against one response.
    fn verify(&self, step: &StepPlan, r: &RequestPlan, scope: &Scope, received: &Received) -> Checks {
        let resp = &received.resp;
        let mut checks = Checks::new(self.lock().clone(), self.rc.keep_exchanges);
        let line = |span: crate::source::Span| span.line();
        let status_ok = if r.status.is_empty() {
            (200..400).contains(&resp.status)
        } else {
            r.status.iter().any(|s| match *s {
                StatusClass::Code(c) => c == resp.status,
                StatusClass::Class(c) => resp.status / 100 == u16::from(c),
            })
        };
        let expected = &r.status_text;
        let status_line = r.status_span.map_or(step.span.line(), line);
        let status = resp.status.to_string();
        if status_ok {
            checks.pass("status", "equals", expected, &status, status_line);
        } else {
            checks.fail("status", "equals", expected, &status, None, status_line);
        }
        let body_text = || String::from_utf8_lossy(&resp.body).into_owned();
        let ctx = self.context(scope, &step.dir);
        for e in &r.expect {
            let actual: Result<Option<Value>, String> = match &e.subject {
                Subject::Header(name) => Ok(header_value(resp, name)),
                Subject::Json(path) => received.json_at(path),
                Subject::Body => Ok(Some(Value::String(body_text()))),
                Subject::Cookie(name) => Ok(self.cookie(resp, name).map(Value::String)),
                Subject::Duration => Ok(Some(Value::from(resp.elapsed.as_millis() as u64))),
            };
            let subject = e.label.as_str();
            let actual = match actual {
                Ok(a) => a,
                Err(msg) => {
                    checks.fail(subject, "equals", "a JSON body", &msg, None, e.span.line());
                    continue;
                }
            };
            for c in &e.checks {
                // A ready predicate is borrowed: its expected value may be a whole document.
                let predicate: std::borrow::Cow<'_, crate::check::Predicate> = match c {
                    CheckPlan::Ready(p) => std::borrow::Cow::Borrowed(p),
                    CheckPlan::Render { name, value } => {
                        let rendered = render_value(&self.rc.renderer, value, &ctx)
                            .map_err(|err| err.to_string())
                            .and_then(|v| build_predicate(name, &v))
                            .map(|mut p| {
                                e.subject.as_text(&mut p);
                                p
                            });
                        match rendered {
                            Ok(p) => std::borrow::Cow::Owned(p),
                            Err(msg) => {
                                checks.fail(subject, name, "a value", &msg, None, e.span.line());
                                continue;
                            }
                        }
                    }
                };
                match check::check(&predicate, actual.as_ref()) {
                    Ok(()) if checks.keep_passed => {
                        let got = actual.as_ref().map_or_else(|| "no match".to_owned(), json_text);
                        checks.pass(
                            subject,
                            predicate.name(),
                            &predicate.expected_text(),
                            &got,
                            e.span.line(),
                        );
                    }
                    Ok(()) => {}
                    Err(Mismatch {
                        predicate,
                        expected,
                        actual: got,
                        diff,
                    }) => checks.fail(subject, &predicate, &expected, &got, diff.as_deref(), e.span.line()),
                }
            }
        }
        if let Some((schema, span)) = &r.schema {
            let expected = "the body to match the schema";
            match received.json() {
                Ok(doc) => {
                    let errors = schema.validate(doc);
                    if errors.is_empty() {
                        checks.pass("schema", "schema", expected, "valid", span.line());
                    } else {
                        checks.fail("schema", "schema", expected, &errors.join("; "), None, span.line());
                    }
                }
                Err(msg) => checks.fail("schema", "schema", "a JSON body", msg, None, span.line()),
            }
        }
        checks
    }

    /// Captures; a capture that finds nothing is a failure.
    fn extract<'p>(
        &self,
        r: &'p RequestPlan,
        received: &Received,
        checks: &mut Checks,
    ) -> Vec<(&'p crate::plan::ExtractPlan, Value)> {
        let resp = &received.resp;
        let mut captures = Vec::new();
        for x in &r.extract {
            let found: Result<Option<Value>, String> = match &x.source {
                ExtractSource::Json(path) => received.json_at(path),
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
            let subject = format!("capture {}", x.name);
            match found {
                Ok(Some(v)) => {
                    // A secret capture is masked once its value is known (the caller adds it).
                    let shown = if self.secret_names.contains(&x.name.as_str()) {
                        crate::redact::MASK.to_owned()
                    } else {
                        json_text(&v)
                    };
                    checks.pass(&subject, "exists", "a match", &shown, x.span.line());
                    captures.push((x, v));
                }
                Ok(None) => checks.fail(&subject, "exists", "a match", "no match", None, x.span.line()),
                Err(msg) => checks.fail(&subject, "parse", "JSON", &msg, None, x.span.line()),
            }
        }
        captures
    }

    /// Cookie values the server set (here or on a redirect on the way) are
    /// credentials: masked wherever they show up, an echoing body included.
    fn learn_cookies(&self, resp: &Response) {
        let jar = self.session.cookies_for(&resp.url);
        let mut redactor = self.lock();
        for value in resp.headers.get_all("set-cookie") {
            redactor.learn_header("set-cookie", &String::from_utf8_lossy(value.as_bytes()));
        }
        for (name, value) in jar {
            redactor.learn_header("cookie", &format!("{name}={value}"));
        }
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

    fn request_summary(&self, p: &Prepared, authorization: Option<&str>) -> RequestSummary {
        let redactor = self.lock();
        let mut headers: Vec<(String, String)> = p
            .headers
            .iter()
            .filter(|(n, _)| authorization.is_none() || !n.eq_ignore_ascii_case("authorization"))
            .map(|(n, v)| (n.clone(), redactor.header(n, v)))
            .collect();
        if let Some(value) = authorization {
            headers.push(("Authorization".into(), redactor.header("authorization", value)));
        }
        let url = redactor.string(p.url.as_str());
        let body = p.body.as_ref().map(|b| redactor.string(&b.excerpt(EXCERPT)));
        let curl_body = p.body.as_ref().map(|b| redactor.string(&b.curl_data(EXCERPT)));
        let insecure = self.rc.session.insecure || self.plan.session.insecure;
        let curl = crate::session::curl::command(p.method.as_str(), &url, &headers, curl_body.as_deref(), insecure);
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
            elapsed: r.elapsed,
        }
    }
}

/// The results of a step's checks: every check in order, and the failed ones
/// with their diff. Texts are redacted on the way in.
struct Checks {
    redactor: Redactor,
    /// Whether passed checks are recorded: only the JSON and HTML reports and `-v`
    /// show them (failed ones are always recorded).
    keep_passed: bool,
    failures: Vec<ExpectationFailure>,
    results: Vec<CheckResult>,
}

/// Texts of a passed check are cut to this many characters: a report lists them
/// all, and a run may hold thousands.
const PASSED_TEXT: usize = 200;

impl Checks {
    fn new(redactor: Redactor, keep_passed: bool) -> Checks {
        Checks {
            redactor,
            keep_passed,
            failures: Vec::new(),
            results: Vec::new(),
        }
    }

    fn pass(&mut self, subject: &str, predicate: &str, expected: &str, actual: &str, line: usize) {
        if !self.keep_passed {
            return;
        }
        let r = &self.redactor;
        self.results.push(CheckResult {
            subject: r.string(subject),
            predicate: predicate.to_owned(),
            expected: cut(&r.string(expected), PASSED_TEXT),
            actual: cut(&r.string(actual), PASSED_TEXT),
            passed: true,
            line,
        });
    }

    fn fail(&mut self, subject: &str, predicate: &str, expected: &str, actual: &str, diff: Option<&str>, line: usize) {
        let r = &self.redactor;
        let failure = ExpectationFailure {
            subject: r.string(subject),
            predicate: predicate.to_owned(),
            expected: r.string(expected),
            actual: r.string(actual),
            diff: diff.map(|d| r.string(d)),
            line,
        };
        self.results.push(CheckResult {
            subject: failure.subject.clone(),
            predicate: failure.predicate.clone(),
            expected: cut(&failure.expected, PASSED_TEXT),
            actual: cut(&failure.actual, PASSED_TEXT),
            passed: false,
            line,
        });
        self.failures.push(failure);
    }

    fn redact_again(&mut self, redactor: &Redactor) {
        for r in &mut self.results {
            for text in [&mut r.subject, &mut r.expected, &mut r.actual] {
                *text = redactor.string(text);
            }
        }
        for f in &mut self.failures {
            for text in [&mut f.subject, &mut f.expected, &mut f.actual] {
                *text = redactor.string(text);
            }
            if let Some(diff) = &mut f.diff {
                *diff = redactor.string(diff);
            }
        }
    }

    fn is_ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A response with its body parsed as JSON at most once, shared by the
/// step's checks and its captures.
struct Received {
    resp: Response,
    json: std::cell::OnceCell<Result<Value, String>>,
}

impl Received {
    fn new(resp: Response) -> Self {
        Received {
            resp,
            json: std::cell::OnceCell::new(),
        }
    }

    fn json(&self) -> &Result<Value, String> {
        self.json
            .get_or_init(|| serde_json::from_slice::<Value>(&self.resp.body).map_err(|e| format!("not JSON ({e})")))
    }

    /// What `path` selects in the body, parsed as JSON (once).
    fn json_at(&self, path: &crate::jsonpath::JsonPath) -> Result<Option<Value>, String> {
        match self.json() {
            Ok(doc) => Ok(path.select(doc).to_value()),
            Err(msg) => Err(msg.clone()),
        }
    }
}

/// The response of a passing step no report shows in full: status and size.
fn status_only(r: &Response) -> ResponseSummary {
    ResponseSummary {
        status: r.status,
        headers: Vec::new(),
        body_excerpt: String::new(),
        size: r.body.len() as u64,
        elapsed: r.elapsed,
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
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is far in the future: max_backoff caps it.
        return Some(value.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    if let Ok(date) = httpdate::parse_http_date(value) {
        return Some(date.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO));
    }
    Some(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_retry_after(value: &str) -> Response {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("retry-after", value.parse().unwrap());
        Response {
            status: 429,
            headers,
            body: bytes::Bytes::new(),
            url: reqwest::Url::parse("http://127.0.0.1/").unwrap(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn retry_after_seconds_dates_and_garbage() {
        let secs = |v: &str| retry_after(&with_retry_after(v)).map(|d| d.as_secs());
        assert_eq!(secs("7"), Some(7));
        assert_eq!(secs(" 0 "), Some(0));
        assert_eq!(secs("-5"), Some(0), "negative: no wait");
        assert_eq!(secs("soon"), Some(0), "garbage: no wait");
        assert_eq!(secs("1.5"), Some(0));
        assert_eq!(secs("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0), "past date: no wait");
        assert_eq!(
            secs("99999999999999999999999"),
            Some(Duration::MAX.as_secs()),
            "capped later"
        );
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let wait = secs(&future).unwrap();
        assert!((110..=120).contains(&wait), "{wait}");
        let resp = Response {
            headers: reqwest::header::HeaderMap::new(),
            ..with_retry_after("1")
        };
        assert_eq!(retry_after(&resp), None);
    }

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
