//! A request step's model → its compiled plan, with the collection's
//! defaults merged in.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::check::Schema;
use crate::check::{build_predicate, regex_error};
use crate::diagnostic::Diagnostic;
use crate::jsonpath::JsonPath;
use crate::load::compile::Compiler;
use crate::load::expect::predicate_error;
use crate::load::read::Errors;
use crate::load::schema::{schema_error, schema_mistakes};
use crate::model::{
    Auth, Body, Defaults, Expect, ExpectValue, Extract, Map, Redirects, Request, Retry, StatusExpect, StatusItem, Step,
    Timeout,
};
use crate::model::{Node, NodeKind};
use crate::plan::{
    AuthPlan, BodyPlan, CheckPlan, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUTS, ExpectPlan, ExtractPlan, ExtractSource,
    PartPlan, RequestPlan, RetryPlan, StatusClass, Subject, TValue, Timeouts,
};
use crate::source::Spanned;

/// The collection-wide settings every request starts from, compiled once.
pub(crate) struct RequestDefaults {
    pub headers: Vec<(String, TValue)>,
    pub query: Vec<(String, TValue)>,
    pub auth: Option<AuthPlan>,
    pub timeouts: Timeouts,
    pub retry: RetryPlan,
    pub max_redirects: u32,
    /// The collection's file when it has no `base_url`: a relative URL in it,
    /// or in a file it includes, has nothing to be joined to.
    pub no_base_url: Option<String>,
}

impl RequestDefaults {
    pub(crate) fn new(
        c: &Compiler,
        errs: &mut Errors,
        model: Option<&Defaults>,
        total_override: Option<Duration>,
        no_base_url: Option<String>,
    ) -> Self {
        let mut timeouts = DEFAULT_TIMEOUTS;
        if let Some(t) = total_override {
            timeouts.total = t;
        }
        let mut retry = RetryPlan {
            attempts: 1,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            on_status: vec![429, 500, 502, 503, 504],
            on_error: true,
            non_idempotent: false,
        };
        let mut max_redirects = DEFAULT_MAX_REDIRECTS;
        let mut auth_plan = None;
        if let Some(d) = model {
            if let Some(t) = &d.timeout {
                merge_timeout(&mut timeouts, t);
            }
            if let Some(r) = &d.retry {
                merge_retry(&mut retry, r);
            }
            if let Some(r) = d.follow_redirects {
                max_redirects = redirects(r);
            }
            if let Some(a) = &d.auth {
                relative_token_url(errs, a, no_base_url.as_deref());
                auth_plan = auth(c, errs, a);
            }
        }
        let default_headers = model.and_then(|m| m.headers.as_ref());
        header_names(errs, default_headers);
        RequestDefaults {
            headers: c.pairs(errs, default_headers),
            query: c.pairs(errs, model.and_then(|m| m.query.as_ref())),
            auth: auth_plan,
            timeouts,
            retry,
            max_redirects,
            no_base_url,
        }
    }
}

/// A header name must be a token (RFC 9110): checked at load, so that `"bad name": x` is
/// invalid input rather than a step that fails when it is sent.
fn header_names(errs: &mut Errors, headers: Option<&crate::model::Map<Node>>) {
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    for (name, _) in headers.iter().flat_map(|m| m.iter()) {
        if name.value.is_empty() || !name.value.bytes().all(is_tchar) {
            errs.push(
                Diagnostic::at(format!("`{}` is not a valid header name", name.value), name.span).with_help(
                    "a header name is one word of letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons)",
                ),
            );
        }
    }
}

/// A relative `url` in a collection with no `base_url` is invalid input: at
/// run time it has nothing to be joined to. A URL whose template comes first
/// (`{{ target }}`) is left to run time; one whose literal start is already
/// relative (`/users/{{ id }}`) is not.
fn relative_url(errs: &mut Errors, key: &str, url: &Spanned<String>, no_base_url: Option<&str>) {
    let Some(collection) = no_base_url else { return };
    let text = url.value.trim();
    // An empty `url` is a missing one, reported already.
    if text.is_empty() || !crate::text::is_surely_relative_url(text) {
        return;
    }
    let example = if text.starts_with(['/', '?']) || text.is_empty() {
        format!("http://host:port{text}")
    } else {
        format!("http://{text}")
    };
    errs.push(
        Diagnostic::at(
            format!("`{text}` is relative, and `{collection}` has no `base_url` to join it to"),
            url.span,
        )
        .with_help(format!(
            "add `base_url: http://host:port` to `{collection}`, or make the `{key}` absolute: `{example}`"
        )),
    );
}

/// An OAuth2 `token_url` is joined to `base_url` like a step's `url`.
fn relative_token_url(errs: &mut Errors, a: &Auth, no_base_url: Option<&str>) {
    if let Auth::Oauth2(o) = a {
        relative_url(errs, "token_url", &o.token_url, no_base_url);
    }
}

fn redirects(r: Redirects) -> u32 {
    match r {
        Redirects::Enabled(true) => DEFAULT_MAX_REDIRECTS,
        Redirects::Enabled(false) => 0,
        Redirects::Max(n) => n,
    }
}

fn merge_timeout(t: &mut Timeouts, m: &Timeout) {
    match m {
        Timeout::Total(d) => t.total = d.value.0,
        Timeout::Parts(p) => {
            if let Some(d) = &p.connect {
                t.connect = d.value.0;
            }
            if let Some(d) = &p.read {
                t.read = d.value.0;
            }
            if let Some(d) = &p.total {
                t.total = d.value.0;
            }
        }
    }
}

fn merge_retry(r: &mut RetryPlan, m: &Retry) {
    if let Some(a) = &m.attempts {
        r.attempts = a.value.max(1);
    }
    if let Some(b) = &m.backoff {
        r.backoff = b.value.0;
    }
    if let Some(b) = &m.max_backoff {
        r.max_backoff = b.value.0;
    }
    if let Some(s) = &m.on_status {
        r.on_status = s.iter().map(|s| s.value).collect();
    }
    if let Some(e) = m.on_error {
        r.on_error = e;
    }
    if let Some(n) = m.non_idempotent {
        r.non_idempotent = n;
    }
}

pub(crate) fn auth(c: &Compiler, errs: &mut Errors, a: &Auth) -> Option<AuthPlan> {
    Some(match a {
        Auth::None => return None,
        Auth::Basic(b) => AuthPlan::Basic {
            username: c.spanned(errs, &b.username)?,
            password: c.spanned(errs, &b.password)?,
        },
        Auth::Digest(b) => AuthPlan::Digest {
            username: c.spanned(errs, &b.username)?,
            password: c.spanned(errs, &b.password)?,
        },
        Auth::Bearer(t) => AuthPlan::Bearer(c.spanned(errs, t)?),
        Auth::ApiKey(k) => {
            let value = c.spanned(errs, &k.value)?;
            match (&k.header, &k.query) {
                (Some(h), _) => AuthPlan::ApiKeyHeader {
                    name: h.value.clone(),
                    value,
                },
                (None, Some(q)) => AuthPlan::ApiKeyQuery {
                    name: q.value.clone(),
                    value,
                },
                (None, None) => return None,
            }
        }
        Auth::Oauth2(o) => AuthPlan::OAuth2 {
            token_url: c.spanned(errs, &o.token_url)?,
            client_id: c.spanned(errs, &o.client_id)?,
            client_secret: c.spanned(errs, &o.client_secret)?,
            scope: match &o.scope {
                Some(s) => Some(c.spanned(errs, s)?),
                None => None,
            },
        },
    })
}

/// Compiles a request step.
pub(crate) fn request(
    c: &Compiler,
    errs: &mut Errors,
    dir: &Path,
    step: &Step,
    r: &Request,
    d: &RequestDefaults,
) -> Option<RequestPlan> {
    let method = match &r.method {
        Some(m) => c.spanned(errs, m),
        // GraphQL over HTTP posts its JSON.
        None if r.graphql.is_some() => Some(Compiler::literal("POST", r.url.span)),
        None => Some(Compiler::literal("GET", r.url.span)),
    };
    let url = c.spanned(errs, &r.url);
    relative_url(errs, "url", &r.url, d.no_base_url.as_deref());

    let mut query = d.query.clone();
    query.extend(c.pairs(errs, r.query.as_ref()));
    let mut headers = d.headers.clone();
    header_names(errs, r.headers.as_ref());
    for (name, value) in c.pairs(errs, r.headers.as_ref()) {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        headers.push((name, value));
    }

    let cookies = c.pairs(errs, r.cookies.as_ref());

    let auth_plan = match &r.auth {
        Some(a) => {
            relative_token_url(errs, a, d.no_base_url.as_deref());
            auth(c, errs, a)
        }
        None => d.auth.clone(),
    };

    let body = r.body().and_then(|b| body(c, errs, dir, b));

    let mut timeouts = d.timeouts;
    if let Some(t) = &r.timeout {
        merge_timeout(&mut timeouts, t);
    }
    let mut retry = d.retry.clone();
    if let Some(m) = &r.retry {
        merge_retry(&mut retry, m);
    }
    let max_redirects = r.follow_redirects.map_or(d.max_redirects, redirects);

    let default_expect = Expect::default();
    let e = step.expect.as_ref().unwrap_or(&default_expect);
    let (status, status_span) = match &e.status {
        Some(s) => {
            let items: Vec<StatusClass> = match &s.value {
                StatusExpect::One(i) => vec![status_class(*i)],
                StatusExpect::Any(items) => items.iter().copied().map(status_class).collect(),
            };
            (items, Some(s.span))
        }
        None => (Vec::new(), None),
    };
    // How reports name the expected status, made once rather than per response.
    let status_text = if status.is_empty() {
        "2xx or 3xx".to_owned()
    } else {
        status
            .iter()
            .map(|s| match s {
                StatusClass::Code(c) => c.to_string(),
                StatusClass::Class(c) => format!("{c}xx"),
            })
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let mut expect = Vec::new();
    for (name, v) in e.headers.iter().flat_map(Map::iter) {
        expect.extend(expectation(c, errs, Subject::Header(name.value.clone()), name, v));
    }
    for (path, v) in e.json.iter().flat_map(Map::iter) {
        match c.jsonpath(&path.value) {
            Ok(p) => expect.extend(expectation(c, errs, Subject::Json(p), path, v)),
            Err(msg) => errs.push(jsonpath_error(&msg, path)),
        }
    }
    if let Some(v) = &e.body {
        expect.extend(expectation(
            c,
            errs,
            Subject::Body,
            &Spanned::new("body".into(), value_span(v)),
            v,
        ));
    }
    for (name, v) in e.cookies.iter().flat_map(Map::iter) {
        expect.extend(expectation(c, errs, Subject::Cookie(name.value.clone()), name, v));
    }
    if let Some(v) = &e.duration {
        expect.extend(expectation(
            c,
            errs,
            Subject::Duration,
            &Spanned::new("duration".into(), value_span(v)),
            v,
        ));
    }
    let whole = |key: &str, v: &ExpectValue| Spanned::new(key.to_owned(), value_span(v));
    for (subject, key, v) in [
        (Subject::Url, "url", &e.url),
        (Subject::Redirects, "redirects", &e.redirects),
        (Subject::Version, "version", &e.version),
    ] {
        if let Some(v) = v {
            expect.extend(expectation(c, errs, subject, &whole(key, v), v));
        }
    }
    if let Some(b) = &e.bytes {
        for (subject, key, v) in [
            (Subject::BytesLength, "length", &b.length),
            (Subject::BytesSha256 { file: None }, "sha256", &b.sha256),
            (Subject::BytesMd5, "md5", &b.md5),
        ] {
            if let Some(v) = v {
                expect.extend(expectation(c, errs, subject, &whole(key, v), v));
            }
        }
        if let Some(file) = &b.file {
            expect.extend(same_bytes_as(c, errs, dir, file));
        }
    }
    for (selector, v) in e.html.iter().flat_map(Map::iter) {
        match crate::check::css::CssQuery::parse(&selector.value) {
            Ok(q) => expect.extend(expectation(c, errs, Subject::Css(q), selector, v)),
            Err(msg) => errs.push(Diagnostic::at(msg, selector.span)),
        }
    }
    for (path, v) in e.xml.iter().flat_map(Map::iter) {
        match crate::check::xpath::XPathQuery::parse(&path.value) {
            Ok(q) => expect.extend(expectation(c, errs, Subject::Xml(q), path, v)),
            Err(msg) => errs.push(Diagnostic::at(msg, path.span)),
        }
    }
    for (key, v) in e.vars.iter().flat_map(Map::iter) {
        let node = Node {
            span: key.span,
            kind: NodeKind::Str {
                value: key.value.clone(),
                plain: true,
            },
        };
        if let Some(t) = c.condition(errs, &node) {
            expect.extend(expectation(c, errs, Subject::Var(t), key, v));
        }
    }
    // A GraphQL answer reports failure in `errors`, with status 200: the step fails on it
    // unless it checks `$.errors` itself.
    if r.graphql.is_some()
        && !e
            .json
            .iter()
            .flat_map(Map::iter)
            .any(|(path, _)| path.value.starts_with("$.errors") || path.value.starts_with("$['errors']"))
        && let Ok(path) = c.jsonpath("$.errors")
    {
        let subject = Subject::Json(path);
        let no_errors = crate::check::Predicate::Not(vec![crate::check::Predicate::Length(vec![
            crate::check::Predicate::Gt(serde_json::Value::from(0)),
        ])]);
        expect.push(ExpectPlan {
            label: subject.describe(),
            subject,
            checks: vec![CheckPlan::Ready(no_errors)],
            span: r.url.span,
        });
    }
    let schema = e.schema.as_ref().and_then(|n| schema(c, errs, dir, n));

    let mut extract = Vec::new();
    for (name, x) in step.extract.iter().flat_map(Map::iter) {
        if let Some(source) = extract_source(c, errs, x) {
            extract.push(ExtractPlan {
                name: name.value.clone(),
                source,
                span: name.span,
            });
        }
    }
    let retry_until = step.retry_until.as_ref().map(|r| {
        (
            r.attempts.value.max(1),
            r.interval.as_ref().map_or(Duration::from_secs(1), |i| i.value.0),
        )
    });

    Some(RequestPlan {
        method: method?,
        url: url?,
        query,
        headers,
        cookies,
        auth: auth_plan,
        body,
        timeouts,
        retry,
        max_redirects,
        status,
        status_span,
        status_text,
        expect,
        schema,
        extract,
        retry_until,
        // Named by the planner, which knows the collection and the other snapshots.
        snapshot: None,
        contract: crate::plan::StepContract::default(),
    })
}

fn status_class(i: StatusItem) -> StatusClass {
    match i {
        StatusItem::Code(c) => StatusClass::Code(c),
        StatusItem::Class(c) => StatusClass::Class(c),
    }
}

/// `{"query": ..., "variables": ..., "operationName": ...}`; a `query_file` is read at load.
fn graphql_body(c: &Compiler, errs: &mut Errors, dir: &Path, g: &crate::model::GraphQl) -> Option<TValue> {
    use serde_json::Value;
    let query = match (&g.query, &g.query_file) {
        (Some(q), _) => q.value.clone(),
        (None, Some(file)) => {
            let path = c.path(errs, dir, file)?;
            match crate::files::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    errs.push(Diagnostic::at(format!("cannot read `{}`: {e}", file.value), file.span));
                    return None;
                }
            }
        }
        (None, None) => return None,
    };
    let mut fields = vec![("query".to_owned(), TValue::Const(Value::String(query)))];
    if let Some(v) = &g.variables {
        fields.push(("variables".to_owned(), c.tvalue(errs, v)?));
    }
    if let Some(name) = &g.operation_name {
        fields.push((
            "operationName".to_owned(),
            TValue::Const(Value::String(name.value.clone())),
        ));
    }
    Some(TValue::Map(fields))
}

/// `bytes: { file: PATH }`: the body's SHA-256 must be the file's, read once at load.
fn same_bytes_as(c: &Compiler, errs: &mut Errors, dir: &Path, file: &Spanned<String>) -> Option<ExpectPlan> {
    use sha2::Digest as _;
    let path = c.path(errs, dir, file)?;
    let bytes = match crate::files::read(&path) {
        Ok(b) => b,
        Err(e) => {
            errs.push(Diagnostic::at(format!("cannot read `{}`: {e}", file.value), file.span));
            return None;
        }
    };
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    let subject = Subject::BytesSha256 {
        file: Some(file.value.clone()),
    };
    Some(ExpectPlan {
        label: subject.describe(),
        subject,
        checks: vec![CheckPlan::Ready(crate::check::Predicate::Equals(
            serde_json::Value::String(digest),
        ))],
        span: file.span,
    })
}

fn value_span(v: &ExpectValue) -> crate::source::Span {
    match v {
        ExpectValue::Plain(n) => n.span,
        ExpectValue::Predicates(p) => p.first().map_or_else(Default::default, |(k, _)| k.span),
    }
}

fn body(c: &Compiler, errs: &mut Errors, dir: &Path, b: Body) -> Option<BodyPlan> {
    Some(match b {
        Body::Json(n) => BodyPlan::Json(c.tvalue(errs, n)?),
        Body::GraphQl(g) => BodyPlan::Json(graphql_body(c, errs, dir, g)?),
        Body::Form(m) => BodyPlan::Form(c.pairs(errs, Some(m))),
        Body::Raw(s) => BodyPlan::Raw(c.spanned(errs, s)?),
        Body::File(p) => BodyPlan::File(c.path(errs, dir, p)?),
        Body::Multipart(parts) => BodyPlan::Multipart(
            parts
                .iter()
                .filter_map(|p| {
                    Some(PartPlan {
                        name: c.spanned(errs, &p.name)?,
                        value: match &p.value {
                            Some(v) => Some(c.tvalue(errs, v)?),
                            None => None,
                        },
                        file: match &p.file {
                            Some(f) => Some(c.path(errs, dir, f)?),
                            None => None,
                        },
                        filename: match &p.filename {
                            Some(f) => Some(c.spanned(errs, f)?),
                            None => None,
                        },
                        content_type: match &p.content_type {
                            Some(t) => Some(c.spanned(errs, t)?),
                            None => None,
                        },
                    })
                })
                .collect(),
        ),
    })
}

/// One subject's expectation: a plain value (equals) or its predicates.
fn expectation(
    c: &Compiler,
    errs: &mut Errors,
    subject: Subject,
    key: &Spanned<String>,
    v: &ExpectValue,
) -> Option<ExpectPlan> {
    let is_duration = matches!(subject, Subject::Duration);
    let mut checks = Vec::new();
    let mut add = |errs: &mut Errors, name: &str, node: &Node| {
        let node = if is_duration {
            duration_ms(errs, name, node)?
        } else {
            node.clone()
        };
        match c.tvalue(errs, &node)? {
            TValue::Const(value) => match build_predicate(name, &value) {
                Ok(p) => checks.push(CheckPlan::Ready(p)),
                Err(msg) => errs.push(predicate_error(name, &node, msg)),
            },
            value => checks.push(CheckPlan::Render {
                name: name.to_owned(),
                value,
            }),
        }
        Some(())
    };
    match v {
        ExpectValue::Plain(node) => {
            add(errs, "equals", node);
        }
        ExpectValue::Predicates(preds) => {
            for (name, node) in preds {
                add(errs, &name.value, node);
            }
        }
    }
    for check in &mut checks {
        if let CheckPlan::Ready(predicate) = check {
            subject.as_text(predicate);
        }
    }
    Some(ExpectPlan {
        label: subject.describe(),
        subject,
        checks,
        span: key.span,
    })
}

/// Durations in a `duration` expectation (the value of predicate `name`) become milliseconds.
fn duration_ms(errs: &mut Errors, name: &str, node: &Node) -> Option<Node> {
    let kind = match &node.kind {
        // A template is rendered, and read as milliseconds, at run time.
        NodeKind::Str { value, .. } if crate::render::has_markup(value) => node.kind.clone(),
        // `one_of: [100ms, 200ms]`
        NodeKind::Seq(items) if name == "one_of" => NodeKind::Seq(
            items
                .iter()
                .map(|n| duration_ms(errs, name, n))
                .collect::<Option<Vec<Node>>>()?,
        ),
        // `not: { lt: 5ms }`: the predicates inside, by their own names.
        NodeKind::Map(entries) if name == "not" => NodeKind::Map(
            entries
                .iter()
                .map(|(k, v)| Some((k.clone(), duration_ms(errs, &k.key_text(), v)?)))
                .collect::<Option<Vec<_>>>()?,
        ),
        // `all: [{ gt: 1ms }, { lt: 2s }]`
        NodeKind::Seq(items) if name == "all" => NodeKind::Seq(
            items
                .iter()
                .map(|n| duration_ms(errs, "not", n))
                .collect::<Option<Vec<Node>>>()?,
        ),
        _ => match super::read::duration_of(name, node) {
            Ok(d) => NodeKind::Int(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(d) => {
                errs.push(d);
                return None;
            }
        },
    };
    Some(Node { span: node.span, kind })
}

fn schema(c: &Compiler, errs: &mut Errors, dir: &Path, node: &Node) -> Option<(Arc<Schema>, crate::source::Span)> {
    // The canonical path of a schema file, under which it is cached once compiled.
    let mut file = None;
    let doc = match &node.kind {
        NodeKind::Str { value, .. } => {
            let path = c.path(errs, dir, &Spanned::new(value.clone(), node.span))?;
            // Many steps name the same schema file: read and compile it once.
            if let Some(s) = c.schemas.borrow().get(&path) {
                return Some((s.clone(), node.span));
            }
            let text = match crate::files::read_to_string(&path) {
                Ok(t) => {
                    file = Some(path);
                    t
                }
                Err(e) => {
                    let reason = crate::files::io_reason(&e);
                    errs.push(Diagnostic::at(
                        format!("cannot read schema `{value}`: {reason}"),
                        node.span,
                    ));
                    return None;
                }
            };
            match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    errs.push(Diagnostic::at(
                        format!("schema `{value}` is not valid JSON: {e}"),
                        node.span,
                    ));
                    return None;
                }
            }
        }
        _ => node.to_json(),
    };
    if let Some(d) = schema_error(&doc, node) {
        errs.push(d);
        return None;
    }
    let named = node.as_str();
    let problems = schema_mistakes(&doc, node, named);
    if !problems.is_empty() {
        errs.0.extend(problems);
        return None;
    }
    match Schema::compile(&doc) {
        Ok(s) => {
            let s = Arc::new(s);
            if let Some(path) = file {
                c.schemas.borrow_mut().insert(path, s.clone());
            }
            Some((s, node.span))
        }
        Err(msg) => {
            errs.push(Diagnostic::at(msg, node.span));
            None
        }
    }
}

fn extract_source(c: &Compiler, errs: &mut Errors, x: &Extract) -> Option<ExtractSource> {
    let json = |errs: &mut Errors, p: &Spanned<String>| match c.jsonpath(&p.value) {
        Ok(path) => Some(ExtractSource::Json(path)),
        Err(msg) => {
            errs.push(jsonpath_error(&msg, p));
            None
        }
    };
    match x {
        Extract::Path(p) => json(errs, p),
        Extract::Spec(s) => {
            if let Some(p) = &s.json {
                return json(errs, p);
            }
            if let Some(h) = &s.header {
                return Some(ExtractSource::Header(h.value.clone()));
            }
            if let Some(h) = &s.cookie {
                return Some(ExtractSource::Cookie(h.value.clone()));
            }
            if s.status == Some(true) {
                return Some(ExtractSource::Status);
            }
            if let Some(q) = &s.css {
                return match crate::check::css::CssQuery::parse(&q.value) {
                    Ok(q) => Some(ExtractSource::Css(q)),
                    Err(msg) => {
                        errs.push(Diagnostic::at(msg, q.span));
                        None
                    }
                };
            }
            if let Some(q) = &s.xpath {
                return match crate::check::xpath::XPathQuery::parse(&q.value) {
                    Ok(q) => Some(ExtractSource::Xml(q)),
                    Err(msg) => {
                        errs.push(Diagnostic::at(msg, q.span));
                        None
                    }
                };
            }
            if let Some(r) = &s.regex {
                return match regex::Regex::new(&r.value) {
                    Ok(re) => Some(ExtractSource::Regex(Arc::new(re))),
                    Err(e) => {
                        errs.push(Diagnostic::at(regex_error(&e), r.span));
                        None
                    }
                };
            }
            None
        }
    }
}

/// A JSONPath error, with a hint for the common `$.a.b-c` and `a.b` mistakes.
fn jsonpath_error(msg: &str, path: &Spanned<String>) -> Diagnostic {
    let mut d = Diagnostic::at(msg.to_owned(), path.span);
    if !path.value.starts_with('$') {
        let fixed = crate::jsonpath::rooted(&path.value);
        if JsonPath::parse(&fixed).is_ok() {
            return d.with_help(format!("did you mean `{fixed}`?"));
        }
    }
    if path.value.contains('-') && !path.value.contains('[') {
        let fixed = path
            .value
            .split('.')
            .enumerate()
            .map(|(i, part)| {
                if i > 0 && part.contains('-') {
                    format!("['{part}']")
                } else if i > 0 {
                    format!(".{part}")
                } else {
                    part.to_owned()
                }
            })
            .collect::<String>();
        d = d.with_help(format!("a name with `-` needs brackets: `{fixed}`"));
    }
    d
}
