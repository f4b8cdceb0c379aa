//! A response against a step's expectations (status, headers, JSON, body,
//! cookies, duration, schema) and the values a step captures from it. Every
//! text is redacted as it is recorded.

use std::borrow::Cow;

use serde_json::Value;

use super::flow::render_value;
use super::secrets::Secrets;
use crate::check::predicate::json_text;
use crate::check::xpath::XmlDoc;
use crate::check::{self, Mismatch, build_predicate};
use crate::outcome::{Expectation, LISTED_TEXT};
use crate::plan::{CheckPlan, ExtractPlan, ExtractSource, RequestPlan, StatusClass, StepPlan, Subject};
use crate::redact::Redactor;
use crate::render::{Context, Renderer};
use crate::session::{Response, Session};
use crate::text::cut;

/// Every expectation of the step against one response.
pub(super) fn verify(
    step: &StepPlan,
    r: &RequestPlan,
    received: &Received,
    (renderer, ctx): (&Renderer, &Context),
    checks: &mut Checks,
) {
    let resp = &received.resp;
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
    // Parsed for the first CSS selector, and only then.
    let mut html: Option<scraper::Html> = None;
    // Parsed for the first XPath, and only then; a body that is not XML fails each.
    let mut xml: Option<Result<XmlDoc<'_>, String>> = None;
    for e in &r.expect {
        // A node of the body is borrowed: it may be most of a large document.
        let actual: Result<Option<Cow<'_, Value>>, String> = match &e.subject {
            Subject::Header(name) => Ok(header_value(resp, name).map(Cow::Owned)),
            Subject::Json(path) => received.json_at(path),
            Subject::Body => Ok(Some(Cow::Owned(Value::String(body_text())))),
            Subject::Cookie(name) => Ok(match cookie_attribute(name) {
                Some((cookie, attribute)) => received.cookie_attribute(cookie, attribute),
                None => received.cookie(name).map(Value::String),
            }
            .map(Cow::Owned)),
            Subject::Duration => Ok(Some(Cow::Owned(Value::from(resp.elapsed.as_millis() as u64)))),
            Subject::BytesLength => Ok(Some(Cow::Owned(Value::from(resp.body.len())))),
            Subject::BytesSha256 { .. } => {
                use sha2::Digest as _;
                Ok(Some(Cow::Owned(Value::String(hex::encode(sha2::Sha256::digest(
                    &resp.body,
                ))))))
            }
            Subject::BytesMd5 => {
                use md5::Digest as _;
                Ok(Some(Cow::Owned(Value::String(hex::encode(md5::Md5::digest(
                    &resp.body,
                ))))))
            }
            Subject::Url => Ok(Some(Cow::Owned(Value::String(resp.url.to_string())))),
            Subject::Redirects => Ok(Some(Cow::Owned(Value::Array(
                resp.redirects.iter().map(|u| Value::String(u.to_string())).collect(),
            )))),
            Subject::Version => Ok(Some(Cow::Owned(Value::String(version_text(resp.version).to_owned())))),
            Subject::Css(q) => {
                let doc = html.get_or_insert_with(|| scraper::Html::parse_document(&body_text()));
                Ok(q.select(doc).map(Cow::Owned))
            }
            Subject::Xml(q) => match xml.get_or_insert_with(|| XmlDoc::parse(&resp.body)) {
                Ok(doc) => q.select(doc).map(|v| v.map(Cow::Owned)),
                Err(msg) => Err(msg.clone()),
            },
            // Checked once the step's captures are made: `verify_vars`.
            Subject::Var(_) => continue,
        };
        run_checks(e, actual, (renderer, ctx), checks);
    }
    if let Some((schema, span)) = &r.schema {
        let expected = "the body to match the schema";
        match received.json() {
            Ok(doc) => match schema.failure(doc) {
                None => checks.pass("schema", "schema", expected, "valid", span.line()),
                Some(errors) => checks.fail("schema", "schema", expected, &errors, None, span.line()),
            },
            Err(msg) => checks.fail("schema", "schema", "a JSON body", msg, None, span.line()),
        }
    }
}

/// The checks of one expectation against the value its subject selected.
fn run_checks(
    e: &crate::plan::ExpectPlan,
    actual: Result<Option<Cow<'_, Value>>, String>,
    (renderer, ctx): (&Renderer, &Context),
    checks: &mut Checks,
) {
    let subject = e.label.as_str();
    let actual = match actual {
        Ok(a) => a,
        Err(msg) => {
            let wanted = match e.subject {
                Subject::Var(_) => "a value",
                Subject::Xml(_) => "an XML body",
                _ => "a JSON body",
            };
            checks.fail(subject, "equals", wanted, &msg, None, e.span.line());
            return;
        }
    };
    for c in &e.checks {
        // A ready predicate is borrowed: its expected value may be a whole document.
        let predicate: Cow<'_, crate::check::Predicate> = match c {
            CheckPlan::Ready(p) => Cow::Borrowed(p),
            CheckPlan::Render { name, value } => {
                let rendered = render_value(renderer, value, ctx)
                    .map_err(|err| err.to_string())
                    .and_then(|v| build_predicate(name, &v))
                    .map(|mut p| {
                        e.subject.as_text(&mut p);
                        p
                    });
                match rendered {
                    Ok(p) => std::borrow::Cow::Owned(p),
                    Err(msg) => {
                        let expected = format!("a value for `{name}`");
                        checks.fail(
                            subject,
                            name,
                            &expected,
                            &format!("an error: {msg}"),
                            None,
                            e.span.line(),
                        );
                        continue;
                    }
                }
            }
        };
        // A duration is compared in milliseconds, and says so.
        let unit = if matches!(e.subject, Subject::Duration) {
            "ms"
        } else {
            ""
        };
        let actual_text = || {
            actual
                .as_ref()
                .map_or_else(|| "no match".to_owned(), |a| format!("{}{unit}", json_text(a)))
        };
        match check::check(&predicate, actual.as_deref()) {
            Ok(()) if checks.keep_passed => {
                let expected = predicate.expected_text_in(unit);
                checks.pass(subject, predicate.name(), &expected, &actual_text(), e.span.line());
            }
            Ok(()) => {}
            Err(Mismatch {
                predicate: name,
                expected,
                actual: got,
                diff,
            }) => {
                let (expected, got) = if unit.is_empty() {
                    (expected, got)
                } else {
                    (predicate.expected_text_in(unit), actual_text())
                };
                checks.fail(subject, &name, &expected, &got, diff.as_deref(), e.span.line());
            }
        }
    }
}

/// The step's `vars` expectations, against the variables once its captures are made; a
/// name that is not defined selects nothing (`exists: false` holds).
pub(super) fn verify_vars(r: &RequestPlan, (renderer, ctx): (&Renderer, &Context), checks: &mut Checks) {
    for e in &r.expect {
        let Subject::Var(t) = &e.subject else { continue };
        let actual = match t.template.render(renderer, ctx) {
            Ok(v) => Ok(Some(Cow::Owned(v))),
            Err(crate::render::RenderError::Undefined { .. }) => Ok(None),
            Err(err) => Err(err.to_string()),
        };
        run_checks(e, actual, (renderer, ctx), checks);
    }
}

/// Captures; a capture that finds nothing is a failure.
pub(super) fn extract<'p>(
    r: &'p RequestPlan,
    received: &Received,
    secrets: &Secrets<'_>,
    checks: &mut Checks,
) -> Vec<(&'p ExtractPlan, Value)> {
    let resp = &received.resp;
    let mut captures = Vec::new();
    let mut html: Option<scraper::Html> = None;
    let mut xml: Option<Result<XmlDoc<'_>, String>> = None;
    for x in &r.extract {
        let found: Result<Option<Value>, String> = match &x.source {
            ExtractSource::Json(path) => received.json_at(path).map(|v| v.map(Cow::into_owned)),
            ExtractSource::Header(name) => Ok(header_value(resp, name)),
            ExtractSource::Cookie(name) => Ok(received.cookie(name).map(Value::String)),
            ExtractSource::Status => Ok(Some(Value::from(resp.status))),
            ExtractSource::Css(q) => {
                let doc =
                    html.get_or_insert_with(|| scraper::Html::parse_document(&String::from_utf8_lossy(&resp.body)));
                Ok(q.select(doc))
            }
            ExtractSource::Xml(q) => match xml.get_or_insert_with(|| XmlDoc::parse(&resp.body)) {
                Ok(doc) => q.select(doc),
                Err(msg) => Err(msg.clone()),
            },
            ExtractSource::Regex(re) => {
                let body = String::from_utf8_lossy(&resp.body);
                // The first group when the pattern has one (an optional group that
                // took no part is not the whole match), else the whole match.
                let group = usize::from(re.captures_len() > 1);
                match re.captures(&body) {
                    None => Ok(None),
                    Some(c) => match c.get(group) {
                        Some(m) => Ok(Some(Value::String(m.as_str().to_owned()))),
                        None => {
                            let subject = format!("capture {}", x.name);
                            let expected = "a match of the first group";
                            checks.fail(
                                &subject,
                                "exists",
                                expected,
                                "a match that left the group out",
                                None,
                                x.span.line(),
                            );
                            continue;
                        }
                    },
                }
            }
        };
        let subject = format!("capture {}", x.name);
        match found {
            Ok(Some(v)) => {
                // A secret capture is masked once its value is known (the caller adds it).
                let shown = if secrets.named(&x.name) {
                    crate::redact::MASK.to_owned()
                } else {
                    json_text(&v)
                };
                checks.pass(&subject, "exists", "a match", &shown, x.span.line());
                captures.push((x, v));
            }
            Ok(None) => checks.fail(&subject, "exists", "a match", "no match", None, x.span.line()),
            Err(msg) => {
                let wanted = if matches!(x.source, ExtractSource::Xml(_)) {
                    "an XML body"
                } else {
                    "a JSON body"
                };
                checks.fail(&subject, "parse", wanted, &msg, None, x.span.line());
            }
        }
    }
    captures
}

/// Cookie values the server set (here or on a redirect on the way) are
/// credentials: masked wherever they show up, an echoing body included.
pub(super) fn learn_cookies(received: &Received, secrets: &Secrets<'_>) {
    let mut redactor = secrets.lock();
    for value in received.resp.headers.get_all("set-cookie") {
        redactor.learn_header("set-cookie", &String::from_utf8_lossy(value.as_bytes()));
    }
    for (name, value) in &received.jar {
        redactor.learn_header("cookie", &format!("{name}={value}"));
    }
}

/// The results of a step's checks, every failed one and (when kept) every
/// passed one, in order. Texts are redacted on the way in.
pub(super) struct Checks {
    pub(super) redactor: Redactor,
    /// Whether passed checks are recorded: only the JSON and HTML reports and `-v`
    /// show them (failed ones are always recorded).
    pub(super) keep_passed: bool,
    pub(super) expectations: Vec<Expectation>,
    failed: bool,
}

impl Checks {
    pub(super) fn new(redactor: Redactor, keep_passed: bool) -> Checks {
        Checks {
            redactor,
            keep_passed,
            expectations: Vec::new(),
            failed: false,
        }
    }

    pub(super) fn pass(&mut self, subject: &str, predicate: &str, expected: &str, actual: &str, line: usize) {
        if !self.keep_passed {
            return;
        }
        let r = &self.redactor;
        self.expectations.push(Expectation {
            subject: r.string(subject),
            predicate: predicate.to_owned(),
            expected: cut(&r.string(expected), LISTED_TEXT),
            actual: cut(&r.string(actual), LISTED_TEXT),
            passed: true,
            diff: None,
            line,
        });
    }

    pub(super) fn fail(
        &mut self,
        subject: &str,
        predicate: &str,
        expected: &str,
        actual: &str,
        diff: Option<&str>,
        line: usize,
    ) {
        let r = &self.redactor;
        self.expectations.push(Expectation {
            subject: r.string(subject),
            predicate: predicate.to_owned(),
            expected: r.string(expected),
            actual: r.string(actual),
            passed: false,
            diff: diff.map(|d| r.string(d)),
            line,
        });
        self.failed = true;
    }

    pub(super) fn redact_again(&mut self, redactor: &Redactor) {
        for e in &mut self.expectations {
            for text in [&mut e.subject, &mut e.expected, &mut e.actual] {
                *text = redactor.string(text);
            }
            if let Some(diff) = &mut e.diff {
                *diff = redactor.string(diff);
            }
        }
    }

    pub(super) fn is_ok(&self) -> bool {
        !self.failed
    }
}

/// A response with its body parsed as JSON at most once, shared by the
/// step's checks and its captures.
pub(super) struct Received {
    pub(super) resp: Response,
    json: std::cell::OnceCell<Result<Value, String>>,
    /// The most memory the body may take once parsed.
    budget: u64,
    /// The cookies the session's jar holds for the URL that answered.
    jar: Vec<(String, String)>,
}

/// A body this large is parsed on a blocking thread, so that the steps
/// running beside this one go on meanwhile (it takes milliseconds a MiB).
const PARSE_APART: usize = 256 * 1024;

impl Received {
    pub(super) fn new(resp: Response, session: &Session) -> Self {
        Received {
            jar: session.cookies_for(&resp.url),
            budget: session.max_body().saturating_mul(JSON_BUDGET),
            resp,
            json: std::cell::OnceCell::new(),
        }
    }

    /// Parses a large body ahead, off the runtime's thread, when the step
    /// will read it as JSON.
    pub(super) async fn parse_ahead(&self, r: &RequestPlan) {
        let reads_json = r.schema.is_some()
            || r.contract.enabled
            || r.expect.iter().any(|e| matches!(e.subject, Subject::Json(_)))
            || r.extract.iter().any(|x| matches!(x.source, ExtractSource::Json(_)));
        if !reads_json || self.resp.body.len() < PARSE_APART {
            return;
        }
        let (body, budget) = (self.resp.body.clone(), self.budget);
        if let Ok(parsed) = tokio::task::spawn_blocking(move || parse_json(&body, budget)).await {
            let _ = self.json.set(parsed);
        }
    }

    /// The body as JSON, or what a failure says it is instead: `an empty
    /// body`, `a body that is not JSON (syntax error at line 1, column 1)`.
    pub(super) fn json(&self) -> &Result<Value, String> {
        self.json.get_or_init(|| parse_json(&self.resp.body, self.budget))
    }

    /// What `path` selects in the body, parsed as JSON (once); one node is
    /// borrowed.
    fn json_at(&self, path: &crate::jsonpath::JsonPath) -> Result<Option<Cow<'_, Value>>, String> {
        match self.json() {
            Ok(doc) => Ok(match path.select(doc) {
                crate::jsonpath::Selection::One(node) => Some(Cow::Borrowed(node)),
                many => many.to_value().map(Cow::Owned),
            }),
            Err(msg) => Err(msg.clone()),
        }
    }

    /// A cookie set by this response, else the one the jar holds for its URL.
    fn cookie(&self, name: &str) -> Option<String> {
        for value in self.resp.headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=')
                && k.trim() == name
            {
                return Some(v.trim().to_owned());
            }
        }
        self.jar.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// An attribute of the cookie `name` this response sets: the value as sent (`Path`,
    /// `Domain`, `Expires`, `SameSite`; `Max-Age` as a number), `true` for a flag that is
    /// there (`Secure`, `HttpOnly`), nothing when the attribute or the cookie is absent.
    fn cookie_attribute(&self, name: &str, attribute: &str) -> Option<Value> {
        let set = self.resp.headers.get_all("set-cookie").iter().find_map(|value| {
            let text = value.to_str().ok()?;
            let (k, _) = text.split(';').next()?.split_once('=')?;
            (k.trim() == name).then_some(text)
        })?;
        set.split(';').skip(1).find_map(|part| {
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (part.trim(), None),
            };
            if !key.eq_ignore_ascii_case(attribute) {
                return None;
            }
            Some(match value {
                None => Value::Bool(true),
                Some(v) if key.eq_ignore_ascii_case("max-age") => v
                    .parse::<i64>()
                    .map_or_else(|_| Value::String(v.to_owned()), Value::from),
                Some(v) => Value::String(v.to_owned()),
            })
        })
    }
}

/// As HTTP names its versions: `HTTP/1.1`, `HTTP/2`.
fn version_text(v: reqwest::Version) -> &'static str {
    match v {
        reqwest::Version::HTTP_09 => "HTTP/0.9",
        reqwest::Version::HTTP_10 => "HTTP/1.0",
        reqwest::Version::HTTP_2 => "HTTP/2",
        reqwest::Version::HTTP_3 => "HTTP/3",
        _ => "HTTP/1.1",
    }
}

/// `sid[Path]` → (`sid`, `Path`): a cookie attribute, as Hurl writes it.
fn cookie_attribute(name: &str) -> Option<(&str, &str)> {
    let (cookie, rest) = name.split_once('[')?;
    let attribute = rest.strip_suffix(']')?;
    (!cookie.is_empty() && !attribute.is_empty()).then_some((cookie, attribute))
}

/// A parsed body may take this many times the body cap (`--max-body`): a
/// `Value` is 80 bytes, and typical JSON spends 5 to 15 bytes a value.
pub(crate) const JSON_BUDGET: u64 = 32;

/// A body as JSON within `budget` bytes of memory, or why not, in words.
fn parse_json(body: &[u8], budget: u64) -> Result<Value, String> {
    crate::jsondoc::parse(body, budget).map_err(|e| match e {
        crate::jsondoc::ParseError::Json(e) => not_json(body, &e),
        crate::jsondoc::ParseError::TooLarge(too) => too.to_string(),
    })
}

/// Why a body is not JSON, in words that do not echo the sentence around
/// them (serde says "expected value at line 1 column 1").
fn not_json(body: &[u8], e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    if body.iter().all(u8::is_ascii_whitespace) {
        return "an empty body".to_owned();
    }
    let reason = match e.classify() {
        Category::Syntax => "syntax error",
        Category::Eof => "it ends early",
        Category::Data | Category::Io => "unreadable",
    };
    format!(
        "a body that is not JSON ({reason} at line {}, column {})",
        e.line(),
        e.column()
    )
}

/// One header's value; several values of one name become a list.
pub(super) fn header_value(resp: &Response, name: &str) -> Option<Value> {
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
