//! One request step: prepare, send (with retries and polling), check the
//! response, capture values, and build the step's outcome.

use crate::text::cut;
use std::time::{Duration, Instant, SystemTime};

use reqwest::Method;

use super::flow::{At, Cx};
use super::scope::Scope;
use super::verify::{Checks, Received, extract, learn_cookies, verify};
use crate::outcome::{ExchangeSummary, Phase, RequestSummary, ResponseSummary, StepOutcome, StepStatus};
use crate::plan::{ExtractSource, RequestPlan, RetryPlan};
use crate::render::to_mj;
use crate::session::{Prepared, Response, SendError, origin};

/// Bodies in reports are cut to this many bytes.
const EXCERPT: usize = 4096;

impl Cx<'_> {
    /// Runs one request step: prepare, send (with retries and polling), check, capture.
    pub(super) async fn request(&self, at: &At<'_>, r: &RequestPlan, scope: &mut Scope) -> StepOutcome {
        let started = Instant::now();
        let prepared = self.prepare(at.step, r, scope).await;
        if self.rc.dry_run {
            return self.dry_run(at, r, scope, prepared.map_err(|u| u.message));
        }
        let prepared = match prepared {
            Ok(p) => p,
            Err(u) => {
                return match u.unreachable {
                    Some(why) => self.skipped_unreachable(at, &why),
                    None => self.errored(at, &u.message),
                };
            }
        };
        // Its server was found unreachable: this step would fail the same way.
        if let Some(why) = self.causes.down(&origin(&prepared.url)) {
            return self.skipped_unreachable(at, &why);
        }
        let polls = r.retry_until.map_or(1, |(n, _)| n);
        let mut attempts = 0;
        let mut poll = 0;
        // The Authorization header the auth layer added (digest, OAuth2), shown masked.
        let mut authorization = None;
        let mut polled = Vec::new();
        let (received, mut checks, mut snapshot, hit, warning) = loop {
            poll += 1;
            // Boxed: sending (both transports, auth round trips, retries) is most of this
            // future's size, which every step would otherwise copy about twice.
            let send = self.send_with_retry(
                &prepared,
                r,
                at.place.phase == Phase::Teardown,
                &mut attempts,
                &mut authorization,
            );
            let response = match Box::pin(send).await {
                Ok(resp) => resp,
                Err(e) => {
                    let mut outcome = self.errored(at, &e.message);
                    if let Some(down) = e.unreachable {
                        let why: std::sync::Arc<str> = format!(
                            "{} unreachable, see step '{}'",
                            super::causes::authority(&down),
                            at.name
                        )
                        .into();
                        self.missed(at, "it errored", Some(&why));
                        self.causes.set_down(down, why);
                    }
                    outcome.request = Some(self.request_summary(&prepared, authorization.as_deref(), None, scope));
                    outcome.attempts = attempts;
                    outcome.duration = started.elapsed();
                    return outcome;
                }
            };
            // Every poll's exchanges are the step's: the last response carries them all.
            let mut response = response;
            response.exchanges.splice(0..0, std::mem::take(&mut polled));
            let received = Received::new(response, &self.session);
            received.parse_ahead(r).await;
            learn_cookies(&received, &self.secrets);
            let mut checks = Checks::new(self.secrets.lock().clone(), self.rc.keep_exchanges);
            let ctx = self.context(scope, &at.step.dir);
            verify(at.step, r, &received, (&self.rc.renderer, &ctx), &mut checks);
            let snapshot = r.snapshot.as_ref().map(|plan| {
                super::snapshot::check(plan, &at.place.items, &received, self.rc.update_snapshots, &mut checks)
            });
            let (hit, warning) = match (&self.plan.contract, r.contract.enabled) {
                (Some(contract), true) => super::contract::check(
                    contract,
                    r.contract,
                    self.base_url.as_deref(),
                    &prepared,
                    &received,
                    at.step.span.line(),
                    &mut checks,
                ),
                _ => (None, None),
            };
            if checks.is_ok() || poll >= polls || self.rc.stopped() {
                break (received, checks, snapshot, hit, warning);
            }
            polled = received.resp.exchanges.clone();
            if let Some((_, interval)) = r.retry_until {
                self.rc.pause(interval).await;
            }
        };
        let captures = extract(r, &received, &self.secrets, &mut checks);
        // A later step that needs a capture this step did not make says why.
        if captures.len() < r.extract.len() {
            self.missed(at, "it failed", None);
        }
        let response = received.resp;
        let mut shown = Vec::with_capacity(captures.len());
        for (x, v) in captures {
            let k = x.name.clone();
            let mv = to_mj(&v);
            // A captured JSON null is shown as `null`, not as nothing.
            let text = if v.is_null() {
                "null".to_owned()
            } else {
                super::prepare::text(&v)
            };
            // A cookie value is always hidden in the captures line; it joins the redactor
            // when it reads as a credential and is long enough not to mask unrelated text ("3").
            let is_cookie = matches!(x.source, ExtractSource::Cookie(_));
            let credential_cookie = match &x.source {
                ExtractSource::Cookie(name) => {
                    crate::redact::is_credential_cookie(name, &text, false)
                        && text.chars().count() >= crate::redact::MIN_FREE_TEXT
                }
                _ => false,
            };
            if self.secrets.named(&k) || credential_cookie {
                self.secrets.add_value(&mv);
            }
            let shown_value = if is_cookie {
                crate::redact::MASK.to_owned()
            } else {
                self.secrets.lock().string(&text)
            };
            shown.push((k.clone(), cut(&shown_value, 200)));
            self.causes.made(&k);
            scope.set(k, mv);
        }
        // `expect.vars` sees this step's captures.
        if r.expect
            .iter()
            .any(|e| matches!(e.subject, crate::plan::Subject::Var(_)))
        {
            let ctx = self.context(scope, &at.step.dir);
            super::verify::verify_vars(r, (&self.rc.renderer, &ctx), &mut checks);
        }
        // A secret capture is known only now: mask it in what the checks saw.
        let redactor = self.secrets.lock();
        if !checks.redactor.same_secrets(&redactor) {
            checks.redact_again(&redactor);
            if let Some(write) = &mut snapshot {
                write.redact_again(&redactor);
            }
        }
        drop(redactor);
        let status = if checks.is_ok() {
            StepStatus::Passed
        } else {
            StepStatus::Failed
        };
        if status == StepStatus::Failed {
            self.rc.fail_fast(at.name, status);
        }
        let mut outcome = self.base(at, status, None);
        outcome.expectations = checks.expectations;
        // A passing step keeps its exchange only when a report will show it.
        if self.rc.keep_exchanges || status != StepStatus::Passed {
            outcome.request = Some(self.request_summary(&prepared, authorization.as_deref(), Some(&response), scope));
            outcome.response = Some(self.response_summary(&response));
        } else {
            outcome.response = Some(status_only(&response));
        }
        outcome.exchanges = self.exchange_summaries(&response.exchanges);
        outcome.duration = started.elapsed();
        outcome.attempts = attempts;
        outcome.captures = shown;
        outcome.snapshot = snapshot;
        outcome.contract = hit;
        outcome.warnings.extend(warning);
        outcome
    }

    /// `--dry-run` stops after render: the step shows the request it would send
    /// (or why it cannot), and its captures become placeholders
    /// (`<capture:token>`) so that later steps render too.
    fn dry_run(
        &self,
        at: &At<'_>,
        r: &RequestPlan,
        scope: &mut Scope,
        prepared: Result<Prepared, String>,
    ) -> StepOutcome {
        let mut outcome = match prepared {
            Ok(prepared) => {
                let mut outcome = self.base(at, StepStatus::Passed, None);
                outcome.request = Some(self.request_summary(&prepared, None, None, scope));
                outcome
            }
            Err(message) => self.errored(at, &message),
        };
        for x in &r.extract {
            let placeholder = format!("<capture:{}>", x.name);
            scope.set(x.name.clone(), minijinja::Value::from(placeholder.as_str()));
            outcome.captures.push((x.name.clone(), placeholder));
        }
        outcome
    }

    /// `send`, ended by Ctrl-C or SIGTERM: at once, or for a teardown request,
    /// when the grace period after the interrupt runs out.
    async fn interruptible<T>(
        &self,
        teardown: bool,
        send: impl std::future::Future<Output = Result<T, SendError>>,
    ) -> Result<T, SendError> {
        tokio::pin!(send);
        if self.rc.interrupted() && !teardown {
            return Err(SendError::new(
                "not sent: the run was interrupted (Ctrl-C or SIGTERM)",
                false,
            ));
        }
        if !self.rc.interrupted() {
            tokio::select! {
                result = &mut send => return result,
                () = self.rc.stop.interrupted_wait() => {}
            }
            if !teardown {
                return Err(SendError::new(
                    "interrupted (Ctrl-C or SIGTERM) while the request was in flight",
                    false,
                ));
            }
        }
        let deadline = self.rc.stop.deadline().unwrap_or_else(std::time::Instant::now);
        match tokio::time::timeout_at(deadline.into(), send).await {
            Ok(result) => result,
            Err(_) => Err(SendError::new(
                format!(
                    "interrupted: teardown may send for {} after Ctrl-C or SIGTERM, and that time ran out",
                    crate::text::human(super::stop::TEARDOWN_GRACE)
                ),
                false,
            )),
        }
    }

    /// Sends with the step's retry policy; `attempts` counts every try.
    async fn send_with_retry(
        &self,
        req: &Prepared,
        r: &RequestPlan,
        teardown: bool,
        attempts: &mut u32,
        authorization: &mut Option<String>,
    ) -> Result<Response, SendError> {
        let policy = &r.retry;
        let mut tries = 0;
        // The exchanges of tries retried: the last response carries them before its own.
        let mut earlier = Vec::new();
        loop {
            tries += 1;
            *attempts += 1;
            let secret = |v: &str| self.secrets.add(v);
            let send = crate::session::auth::send(&self.session, req, &r.timeouts, r.max_redirects, &secret);
            let result = self.interruptible(teardown, send).await.map(|sent| {
                if sent.authorization.is_some() {
                    *authorization = sent.authorization;
                }
                sent.response
            });
            let last = tries >= policy.attempts || self.rc.stopped();
            match result {
                Ok(mut resp) => {
                    resp.exchanges.splice(0..0, std::mem::take(&mut earlier));
                    if last || !policy.on_status.contains(&resp.status) {
                        return Ok(resp);
                    }
                    earlier.clone_from(&resp.exchanges);
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

    /// The request as shown: with a `response`, the headers its request went out with
    /// (the session's own included), else the ones the step made.
    fn request_summary(
        &self,
        p: &Prepared,
        authorization: Option<&str>,
        response: Option<&Response>,
        scope: &Scope,
    ) -> RequestSummary {
        let redactor = self.secrets.lock();
        let headers: Vec<(String, String)> = match response {
            Some(r) => crate::session::header_pairs(&r.sent)
                .into_iter()
                .map(|(n, v)| {
                    let shown = redactor.header(&n, &v);
                    (n, shown)
                })
                .collect(),
            // No response: the headers the session would have sent (nothing may have gone
            // out, when the connection failed), else the ones the step made.
            None => match self.session.headers_for(p, authorization) {
                Some(pairs) => pairs
                    .into_iter()
                    .map(|(n, v)| {
                        let shown = redactor.header(&n, &v);
                        (n, shown)
                    })
                    .collect(),
                None => p
                    .headers
                    .iter()
                    .filter(|(n, _)| authorization.is_none() || !n.eq_ignore_ascii_case("authorization"))
                    .map(|(n, v)| (n.clone(), redactor.header(n, v)))
                    .collect(),
            },
        };
        let url = redactor.string(p.url.as_str());
        let body = p.body.as_ref().map(|b| excerpt(&b.excerpt(usize::MAX), &redactor));
        // curl is given the headers that went out, unless a redirect took them elsewhere.
        let raw: Vec<(String, String)> = match response {
            Some(r) if r.url == p.url => crate::session::header_pairs(&r.sent),
            _ => {
                let mut raw: Vec<(String, String)> = p
                    .headers
                    .iter()
                    .filter(|(n, _)| authorization.is_none() || !n.eq_ignore_ascii_case("authorization"))
                    .cloned()
                    .collect();
                if let Some(value) = authorization {
                    raw.push(("Authorization".into(), value.to_owned()));
                }
                raw
            }
        };
        let named = self.named_secrets(scope);
        let curl = crate::session::curl::command(
            &crate::session::curl::Request {
                method: p.method.as_str(),
                url: &p.url,
                headers: &raw,
                body: p.body.as_ref(),
                replay: &p.replay,
                options: &self.curl_options(),
            },
            &crate::session::curl::Secrets {
                redactor: &redactor,
                named: &named,
            },
        );
        RequestSummary {
            method: p.method.to_string(),
            url,
            headers,
            body_excerpt: body,
            curl: curl.text,
            curl_vars: curl.vars,
        }
    }

    /// The values of the secret variables in `scope` and the environment, each with the
    /// shell variable a curl command reads it from.
    fn named_secrets(&self, scope: &Scope) -> Vec<(String, String, String)> {
        use crate::session::curl::var_name;
        let mut out = Vec::new();
        for name in self.secrets.names() {
            let env = super::secrets::env_name(name);
            if !name.starts_with("env.")
                && let Some(value) = scope.layers.iter().find_map(|l| l.get(*name))
                && let Some(text) = value
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| (value.kind() == minijinja::value::ValueKind::Number).then(|| value.to_string()))
                && !text.is_empty()
            {
                out.push((text, var_name(name, false), format!("variable `{name}`")));
            }
            if let Some(value) = self.rc.env.get(env)
                && !value.is_empty()
            {
                out.push((
                    value.clone(),
                    var_name(env, true),
                    format!("environment variable {env}"),
                ));
            }
        }
        out
    }

    /// The TLS and proxy settings a curl command repeats.
    fn curl_options(&self) -> crate::session::curl::Options {
        let (plan, cli) = (&self.plan.session, &self.rc.session);
        crate::session::curl::Options {
            insecure: cli.insecure || plan.insecure,
            cacert: plan.cacert.clone().or_else(|| cli.cacert.clone()),
            cert: plan.client_cert.clone().or_else(|| cli.client_cert.clone()),
            proxy: cli.proxy.clone(),
            http2_prior_knowledge: plan.http2_prior_knowledge,
        }
    }

    /// Each request sent for the step and its timings, URLs masked.
    fn exchange_summaries(&self, exchanges: &[crate::session::Exchange]) -> Vec<ExchangeSummary> {
        let redactor = self.secrets.lock();
        exchanges
            .iter()
            .map(|e| ExchangeSummary {
                method: e.method.to_string(),
                url: redactor.string(e.url.as_str()),
                status: e.status,
                timings: e.timings,
            })
            .collect()
    }

    fn response_summary(&self, r: &Response) -> ResponseSummary {
        let redactor = self.secrets.lock();
        ResponseSummary {
            status: r.status,
            headers: r
                .received
                .as_ref()
                .unwrap_or(&r.headers)
                .iter()
                .map(|(n, v)| {
                    (
                        n.to_string(),
                        redactor.header(n.as_str(), &String::from_utf8_lossy(v.as_bytes())),
                    )
                })
                .collect(),
            body_excerpt: excerpt(&String::from_utf8_lossy(&r.body), &redactor),
            size: r.body.len() as u64,
            elapsed: r.elapsed,
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

/// The first 4 KiB of a body's text as it may be shown: masked, with a note when cut.
fn excerpt(text: &str, redactor: &crate::redact::Redactor) -> String {
    let (shown, end) = redactor.excerpt(text, EXCERPT);
    if end == text.len() {
        return shown.into_owned();
    }
    format!("{shown}\n… ({} more bytes)", text.len() - end)
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
            redirects: Vec::new(),
            version: reqwest::Version::HTTP_11,
            elapsed: Duration::ZERO,
            sent: reqwest::header::HeaderMap::new(),
            exchanges: Vec::new(),
            received: None,
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
