//! A request step's exchange against its collection's OpenAPI spec: the
//! operation found (named, matched on the URL sent, or none), then
//! `check::contract` on what was sent and what came back. Each violation is
//! one failed expectation at the step's line.

use super::verify::{Checks, Received};
use crate::check::contract::{self, Got, Sent};
use crate::openapi::Contract;
use crate::openapi::coverage::Hit;
use crate::plan::StepContract;
use crate::session::Prepared;

/// Checks one exchange; returns what it adds to coverage and the warning of an
/// undeclared status under `undeclared_status: warn`.
pub(super) fn check(
    contract: &Contract,
    step: StepContract,
    base_url: Option<&str>,
    prepared: &Prepared,
    received: &Received,
    line: usize,
    checks: &mut Checks,
) -> (Option<Hit>, Option<String>) {
    let spec = &contract.spec;
    let method = prepared.method.as_str();
    // The path after the `servers` prefix, or else after the base URL's own path (which
    // `validate` matched the step's URL without).
    let find = || {
        let path = prepared.url.path();
        spec.find(method, path).or_else(|| {
            let base = url::Url::parse(base_url?).ok()?;
            let rest = path.strip_prefix(base.path().trim_end_matches('/'))?;
            spec.find(method, rest)
        })
    };
    let found = match step.operation {
        Some(op) => Some(find().filter(|m| m.operation == op).unwrap_or(crate::openapi::Match {
            operation: op,
            params: Vec::new(),
        })),
        None => find(),
    };
    let Some(found) = found else {
        checks.fail(
            "openapi operation",
            "matches",
            &format!("an operation of {}", spec.name),
            &format!("no operation matches {method} {}", prepared.url.path()),
            None,
            line,
        );
        return (None, None);
    };
    if contract.ignored.contains(&found.operation) {
        return (None, None);
    }
    let op = &spec.operations[found.operation];
    if step.requests && contract.requests {
        let body = prepared.body.as_ref().and_then(crate::session::RequestBody::in_memory);
        let parts: Vec<(&str, Option<&str>)> = prepared
            .replay
            .form
            .iter()
            .map(|p| {
                let value = match &p.content {
                    crate::session::curl::PartContent::Value(v) => Some(v.as_str()),
                    crate::session::curl::PartContent::File(_) => None,
                };
                (p.name.as_str(), value)
            })
            .collect();
        // The `Cookie` header as sent: the step's cookies and the jar's, borrowed from it.
        let cookie_headers: Vec<std::borrow::Cow<'_, str>> = received
            .resp
            .sent
            .get_all(reqwest::header::COOKIE)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .collect();
        let cookies: Vec<(&str, &str)> = cookie_headers
            .iter()
            .flat_map(|h| h.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .collect();
        let sent = Sent {
            url: &prepared.url,
            headers: &prepared.headers,
            body: body.as_deref(),
            parts: &parts,
            streamed: prepared.body.is_some() && body.is_none(),
            cookies: &cookies,
        };
        for v in contract::request(spec, op, &found, &sent) {
            checks.fail(&v.subject, &v.predicate, &v.expected, &v.actual, None, line);
        }
    }
    let resp = &received.resp;
    // The body is parsed (once, shared with the step's other checks) only when the
    // response falls under a declared JSON media type with a schema.
    let json = || received.json();
    let got = Got {
        status: resp.status,
        head: prepared.method == reqwest::Method::HEAD,
        headers: &resp.headers,
        body: &resp.body,
        json: &json,
    };
    let result = contract::response(spec, op, &got, contract.warn_undeclared);
    for v in result.violations {
        checks.fail(&v.subject, &v.predicate, &v.expected, &v.actual, None, line);
    }
    let hit = Hit {
        spec: spec.name.clone(),
        operation: found.operation,
        status: resp.status,
        declared: result.declared,
    };
    (Some(hit), result.warning.map(|w| checks.redactor.string(&w)))
}
