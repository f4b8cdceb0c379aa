//! YAML nodes → the model of a collection, every error collected.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::{self, Errors, Fields};
use crate::load::yaml::{Node, NodeKind};
use crate::model::step::predicate_names;
use crate::model::{
    ApiKeyAuth, Auth, BasicAuth, Collection, Defaults, Expect, ExpectValue, Extract, ExtractSpec, OAuth2Auth, Parallel,
    Part, Redirects, Request, Retry, RetryUntil, StatusExpect, StatusItem, Step, Timeout, TimeoutParts, Tls,
};
use crate::source::Spanned;

const COLLECTION_KEYS: &[&str] = &[
    "name",
    "description",
    "tags",
    "base_url",
    "vars",
    "secrets",
    "defaults",
    "setup",
    "steps",
    "teardown",
];
const DEFAULTS_KEYS: &[&str] = &[
    "headers",
    "query",
    "timeout",
    "retry",
    "follow_redirects",
    "http2",
    "tls",
    "auth",
];
const STEP_KEYS: &[&str] = &[
    "name",
    "id",
    "tags",
    "if",
    "for_each",
    "as",
    "delay",
    "request",
    "expect",
    "extract",
    "retry_until",
    "group",
    "parallel",
    "steps",
    "include",
    "vars",
];
const REQUEST_KEYS: &[&str] = &[
    "method",
    "url",
    "query",
    "headers",
    "auth",
    "json",
    "form",
    "multipart",
    "body",
    "body_file",
    "timeout",
    "retry",
    "follow_redirects",
];
const BODY_KEYS: &[&str] = &["json", "form", "multipart", "body", "body_file"];
const EXPECT_KEYS: &[&str] = &["status", "headers", "json", "body", "cookies", "duration", "schema"];
const EXTRACT_KEYS: &[&str] = &["json", "header", "cookie", "status", "regex"];
const RETRY_KEYS: &[&str] = &[
    "attempts",
    "backoff",
    "max_backoff",
    "on_status",
    "on_error",
    "non_idempotent",
];
const TIMEOUT_KEYS: &[&str] = &["connect", "read", "total"];
const TLS_KEYS: &[&str] = &["insecure", "cacert", "cert", "key"];
const AUTH_KINDS: &[&str] = &["basic", "bearer", "api_key", "digest", "oauth2"];

/// Reads a whole collection file.
pub fn collection(errs: &mut Errors, root: &Node) -> Option<Collection> {
    if matches!(root.kind, NodeKind::Null) {
        errs.push(Diagnostic::at(
            "the file is empty: a collection needs `steps`",
            root.span,
        ));
        return None;
    }
    let mut f = Fields::of(errs, root, "the collection", "the collection", COLLECTION_KEYS)?;
    let c = Collection {
        name: f.get("name").and_then(|n| read::string(errs, "name", n)),
        description: f
            .get("description")
            .and_then(|n| read::string(errs, "description", n))
            .map(|s| s.value),
        tags: f.get("tags").and_then(|n| read::strings(errs, "tags", n)),
        base_url: f.get("base_url").and_then(|n| read::string(errs, "base_url", n)),
        vars: f.get("vars").and_then(|n| read::any_map(errs, "vars", n)),
        secrets: f.get("secrets").and_then(|n| read::strings(errs, "secrets", n)),
        defaults: f.get("defaults").and_then(|n| defaults(errs, n)),
        setup: f.get("setup").and_then(|n| steps(errs, "setup", n)),
        steps: f.get("steps").and_then(|n| steps(errs, "steps", n)),
        teardown: f.get("teardown").and_then(|n| steps(errs, "teardown", n)),
    };
    if !f.has("steps") && !f.has("setup") && !f.has("teardown") {
        errs.push(Diagnostic::at("a collection needs `steps`", root.span).with_label("no `steps` in this map"));
    }
    f.finish(errs);
    Some(c)
}

/// The steps of a file that is only a list of steps, or a map with `steps` (an include).
pub fn fragment(errs: &mut Errors, root: &Node) -> Option<Collection> {
    match root.kind {
        NodeKind::Seq(_) => Some(Collection {
            name: None,
            description: None,
            tags: None,
            base_url: None,
            vars: None,
            secrets: None,
            defaults: None,
            setup: None,
            steps: steps(errs, "steps", root),
            teardown: None,
        }),
        _ => collection(errs, root),
    }
}

fn defaults(errs: &mut Errors, node: &Node) -> Option<Defaults> {
    let mut f = Fields::of(errs, node, "defaults", "`defaults`", DEFAULTS_KEYS)?;
    let d = Defaults {
        headers: f.get("headers").and_then(|n| read::any_map(errs, "headers", n)),
        query: f.get("query").and_then(|n| read::any_map(errs, "query", n)),
        timeout: f.get("timeout").and_then(|n| timeout(errs, n)),
        retry: f.get("retry").and_then(|n| retry(errs, n)),
        follow_redirects: f.get("follow_redirects").and_then(|n| redirects(errs, n)),
        http2: f.get("http2").and_then(|n| read::boolean(errs, "http2", n)),
        tls: f.get("tls").and_then(|n| tls(errs, n)),
        auth: f.get("auth").and_then(|n| auth(errs, n)),
    };
    f.finish(errs);
    Some(d)
}

fn steps(errs: &mut Errors, key: &str, node: &Node) -> Option<Vec<Step>> {
    read::list(errs, key, node, step)
}

fn step(errs: &mut Errors, node: &Node) -> Option<Step> {
    let mut f = Fields::of(errs, node, "a step", "a step", STEP_KEYS)?;
    let kinds: Vec<&str> = ["request", "group", "include"]
        .into_iter()
        .filter(|k| f.has(k))
        .collect();
    match kinds.as_slice() {
        [_] => {}
        [] => {
            errs.push(
                Diagnostic::at("a step needs one of `request`, `group` or `include`", node.span)
                    .with_help("a request step has `request: { url: ... }`"),
            );
        }
        [first, second, ..] => {
            let span = f.key_span(second).unwrap_or(node.span);
            errs.push(Diagnostic::at(
                format!("a step has one of `request`, `group` or `include`; this one has `{first}` and `{second}`"),
                span,
            ));
        }
    }
    let kind = kinds.first().copied();
    // Keys that belong to another kind of step.
    let own: &[&str] = match kind {
        Some("request") => &["expect", "extract", "retry_until", "parallel"],
        Some("group") => &["parallel", "steps"],
        Some("include") => &["vars"],
        _ => &[],
    };
    for key in ["expect", "extract", "retry_until", "parallel", "steps", "vars"] {
        if kind.is_some()
            && !own.contains(&key)
            && let Some(span) = f.key_span(key)
        {
            let owner = match key {
                "parallel" | "steps" => "a group",
                "vars" => "an include",
                _ => "a request step",
            };
            errs.push(Diagnostic::at(
                format!("`{key}` belongs to {owner}, not to this step"),
                span,
            ));
        }
    }
    let s = Step {
        span: node.span,
        name: f.get("name").and_then(|n| read::string(errs, "name", n)),
        id: f.get("id").and_then(|n| read::string(errs, "id", n)),
        tags: f.get("tags").and_then(|n| read::strings(errs, "tags", n)),
        if_: f.get("if").cloned(),
        for_each: f.get("for_each").cloned(),
        as_: f.get("as").and_then(|n| read::string(errs, "as", n)),
        delay: f.get("delay").and_then(|n| read::duration(errs, "delay", n)),
        request: f.get("request").and_then(|n| request(errs, n)),
        expect: f.get("expect").and_then(|n| expect(errs, n)),
        extract: f
            .get("extract")
            .and_then(|n| read::map(errs, "extract", n, |errs, _, v| extract(errs, v))),
        retry_until: f.get("retry_until").and_then(|n| retry_until(errs, n)),
        group: f.get("group").and_then(|n| read::string(errs, "group", n)),
        parallel: f.get("parallel").and_then(|n| parallel(errs, n)),
        steps: f.get("steps").and_then(|n| steps(errs, "steps", n)),
        include: f.get("include").and_then(|n| read::string(errs, "include", n)),
        vars: f.get("vars").and_then(|n| read::any_map(errs, "vars", n)),
    };
    if s.group.is_some() && s.steps.is_none() {
        errs.push(Diagnostic::at("a group needs `steps`", node.span));
    }
    for key in REQUEST_KEYS {
        f.misplaced(errs, key, "under `request`");
    }
    if let Some(as_) = &s.as_
        && s.for_each.is_none()
    {
        errs.push(Diagnostic::at(
            "`as` names the item of `for_each`, but this step has no `for_each`",
            as_.span,
        ));
    }
    f.finish(errs);
    Some(s)
}

fn parallel(errs: &mut Errors, node: &Node) -> Option<Spanned<Parallel>> {
    let p = match node.kind {
        NodeKind::Bool(b) => Parallel::Enabled(b),
        NodeKind::Int(n) if (1..=10_000).contains(&n) => Parallel::Max(n as u32),
        _ => {
            errs.expected("`true`, `false` or a number from 1 to 10000", "parallel", node);
            return None;
        }
    };
    Some(Spanned::new(p, node.span))
}

fn request(errs: &mut Errors, node: &Node) -> Option<Request> {
    let mut f = Fields::of(errs, node, "request", "the request", REQUEST_KEYS)?;
    let bodies: Vec<&str> = BODY_KEYS.iter().copied().filter(|k| f.has(k)).collect();
    if bodies.len() > 1 {
        let span = f.key_span(bodies[1]).unwrap_or(node.span);
        errs.push(
            Diagnostic::at(
                format!(
                    "a request has at most one body; this one has `{}` and `{}`",
                    bodies[0], bodies[1]
                ),
                span,
            )
            .with_help("keep one of json, form, multipart, body, body_file"),
        );
    }
    let url = match f.get("url") {
        Some(n) => read::string(errs, "url", n),
        None => {
            errs.push(Diagnostic::at("the request needs a `url`", node.span));
            None
        }
    };
    let r = Request {
        method: f
            .get("method")
            .and_then(|n| read::string(errs, "method", n))
            .and_then(|m| {
                let valid = !m.value.is_empty()
                    && m.value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if valid || m.value.contains("{{") {
                    Some(Spanned::new(m.value.to_ascii_uppercase(), m.span))
                } else {
                    errs.push(Diagnostic::at(format!("`{}` is not an HTTP method", m.value), m.span));
                    None
                }
            }),
        url: url.unwrap_or_default_spanned(node),
        query: f.get("query").and_then(|n| read::any_map(errs, "query", n)),
        headers: f.get("headers").and_then(|n| read::any_map(errs, "headers", n)),
        auth: f.get("auth").and_then(|n| auth(errs, n)),
        json: f.get("json").cloned(),
        form: f.get("form").and_then(|n| read::any_map(errs, "form", n)),
        multipart: f.get("multipart").and_then(|n| read::list(errs, "multipart", n, part)),
        body: f.get("body").and_then(|n| read::string(errs, "body", n)),
        body_file: f.get("body_file").and_then(|n| read::string(errs, "body_file", n)),
        timeout: f.get("timeout").and_then(|n| timeout(errs, n)),
        retry: f.get("retry").and_then(|n| retry(errs, n)),
        follow_redirects: f.get("follow_redirects").and_then(|n| redirects(errs, n)),
    };
    f.finish(errs);
    Some(r)
}

trait OrDefault {
    fn unwrap_or_default_spanned(self, node: &Node) -> Spanned<String>;
}

impl OrDefault for Option<Spanned<String>> {
    fn unwrap_or_default_spanned(self, node: &Node) -> Spanned<String> {
        self.unwrap_or_else(|| Spanned::new(String::new(), node.span))
    }
}

fn part(errs: &mut Errors, node: &Node) -> Option<Part> {
    let mut f = Fields::of(
        errs,
        node,
        "multipart",
        "a multipart part",
        &["name", "value", "file", "filename", "content_type"],
    )?;
    let p = Part {
        name: f
            .get("name")
            .and_then(|n| read::string(errs, "name", n))
            .unwrap_or_default_spanned(node),
        value: f.get("value").cloned(),
        file: f.get("file").and_then(|n| read::string(errs, "file", n)),
        filename: f.get("filename").and_then(|n| read::string(errs, "filename", n)),
        content_type: f
            .get("content_type")
            .and_then(|n| read::string(errs, "content_type", n)),
    };
    if !f.has("name") {
        errs.push(Diagnostic::at("a multipart part needs a `name`", node.span));
    }
    if f.has("value") == f.has("file") {
        errs.push(Diagnostic::at(
            "a multipart part has exactly one of `value` or `file`",
            node.span,
        ));
    }
    f.finish(errs);
    Some(p)
}

fn auth(errs: &mut Errors, node: &Node) -> Option<Auth> {
    if node.as_str() == Some("none") {
        return Some(Auth::None);
    }
    let NodeKind::Map(entries) = &node.kind else {
        errs.expected(
            "`none` or a map with one of basic, bearer, api_key, digest, oauth2",
            "auth",
            node,
        );
        return None;
    };
    if entries.len() != 1 {
        errs.push(Diagnostic::at(
            "`auth` names exactly one kind: basic, bearer, api_key, digest or oauth2",
            node.span,
        ));
        return None;
    }
    let (key, value) = &entries[0];
    let name = key.key_text();
    let credentials = |errs: &mut Errors, what| -> Option<BasicAuth> {
        let mut f = Fields::of(errs, value, what, "the credentials", &["username", "password"])?;
        let u = f.get("username").and_then(|n| read::string(errs, "username", n));
        let p = f.get("password").and_then(|n| read::string(errs, "password", n));
        if u.is_none() || p.is_none() {
            errs.push(Diagnostic::at(
                format!("`{what}` needs `username` and `password`"),
                value.span,
            ));
        }
        f.finish(errs);
        Some(BasicAuth {
            username: u?,
            password: p?,
        })
    };
    match name.as_str() {
        "basic" => credentials(errs, "basic").map(Auth::Basic),
        "digest" => credentials(errs, "digest").map(Auth::Digest),
        "bearer" => read::string(errs, "bearer", value).map(Auth::Bearer),
        "api_key" => {
            let mut f = Fields::of(errs, value, "api_key", "`api_key`", &["header", "query", "value"])?;
            let a = ApiKeyAuth {
                header: f.get("header").and_then(|n| read::string(errs, "header", n)),
                query: f.get("query").and_then(|n| read::string(errs, "query", n)),
                value: f
                    .get("value")
                    .and_then(|n| read::string(errs, "value", n))
                    .unwrap_or_default_spanned(value),
            };
            if a.header.is_some() == a.query.is_some() {
                errs.push(Diagnostic::at(
                    "`api_key` needs exactly one of `header` or `query`",
                    value.span,
                ));
            }
            if !f.has("value") {
                errs.push(Diagnostic::at("`api_key` needs a `value`", value.span));
            }
            f.finish(errs);
            Some(Auth::ApiKey(a))
        }
        "oauth2" => {
            let mut f = Fields::of(
                errs,
                value,
                "oauth2",
                "`oauth2`",
                &["token_url", "client_id", "client_secret", "scope"],
            )?;
            let need = |f: &mut Fields, errs: &mut Errors, key: &str| {
                let v = f.get(key).and_then(|n| read::string(errs, key, n));
                if v.is_none() && !f.has(key) {
                    errs.push(Diagnostic::at(format!("`oauth2` needs `{key}`"), value.span));
                }
                v
            };
            let token_url = need(&mut f, errs, "token_url");
            let client_id = need(&mut f, errs, "client_id");
            let client_secret = need(&mut f, errs, "client_secret");
            let scope = f.get("scope").and_then(|n| read::string(errs, "scope", n));
            f.finish(errs);
            Some(Auth::Oauth2(OAuth2Auth {
                token_url: token_url?,
                client_id: client_id?,
                client_secret: client_secret?,
                scope,
            }))
        }
        other => {
            let mut d = Diagnostic::at(format!("unknown auth kind `{other}`"), key.span);
            if let Some(s) = did_you_mean(other, AUTH_KINDS.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else {
                d = d.with_help("expected one of: none, basic, bearer, api_key, digest, oauth2");
            }
            errs.push(d);
            None
        }
    }
}

fn timeout(errs: &mut Errors, node: &Node) -> Option<Timeout> {
    if !matches!(node.kind, NodeKind::Map(_)) {
        return read::duration(errs, "timeout", node).map(Timeout::Total);
    }
    let mut f = Fields::of(errs, node, "timeout", "`timeout`", TIMEOUT_KEYS)?;
    let t = TimeoutParts {
        connect: f.get("connect").and_then(|n| read::duration(errs, "connect", n)),
        read: f.get("read").and_then(|n| read::duration(errs, "read", n)),
        total: f.get("total").and_then(|n| read::duration(errs, "total", n)),
    };
    f.finish(errs);
    Some(Timeout::Parts(t))
}

fn retry(errs: &mut Errors, node: &Node) -> Option<Retry> {
    let mut f = Fields::of(errs, node, "retry", "`retry`", RETRY_KEYS)?;
    let r = Retry {
        attempts: f
            .get("attempts")
            .and_then(|n| read::uint(errs, "attempts", n, 100))
            .inspect(|a: &Spanned<u32>| {
                if a.value == 0 {
                    errs.push(Diagnostic::at(
                        "`attempts` counts every try, the first included: at least 1",
                        a.span,
                    ));
                }
            }),
        backoff: f.get("backoff").and_then(|n| read::duration(errs, "backoff", n)),
        max_backoff: f
            .get("max_backoff")
            .and_then(|n| read::duration(errs, "max_backoff", n)),
        on_status: f
            .get("on_status")
            .and_then(|n| read::list(errs, "on_status", n, |errs, n| status_code(errs, "on_status", n))),
        on_error: f.get("on_error").and_then(|n| read::boolean(errs, "on_error", n)),
        non_idempotent: f
            .get("non_idempotent")
            .and_then(|n| read::boolean(errs, "non_idempotent", n)),
    };
    f.finish(errs);
    Some(r)
}

fn status_code(errs: &mut Errors, key: &str, node: &Node) -> Option<Spanned<u16>> {
    if let NodeKind::Int(i) = node.kind
        && (100..=599).contains(&i)
    {
        return Some(Spanned::new(i as u16, node.span));
    }
    errs.expected("a status code from 100 to 599", key, node);
    None
}

fn redirects(errs: &mut Errors, node: &Node) -> Option<Redirects> {
    match node.kind {
        NodeKind::Bool(b) => Some(Redirects::Enabled(b)),
        NodeKind::Int(n) if (0..=100).contains(&n) => Some(Redirects::Max(n as u32)),
        _ => {
            errs.expected("`true`, `false` or the most hops (0 to 100)", "follow_redirects", node);
            None
        }
    }
}

fn tls(errs: &mut Errors, node: &Node) -> Option<Tls> {
    let mut f = Fields::of(errs, node, "tls", "`tls`", TLS_KEYS)?;
    let t = Tls {
        insecure: f.get("insecure").and_then(|n| read::boolean(errs, "insecure", n)),
        cacert: f.get("cacert").and_then(|n| read::string(errs, "cacert", n)),
        cert: f.get("cert").and_then(|n| read::string(errs, "cert", n)),
        key: f.get("key").and_then(|n| read::string(errs, "key", n)),
    };
    if t.cert.is_some() != t.key.is_some() {
        errs.push(Diagnostic::at(
            "`tls` needs both `cert` and `key` for a client certificate",
            node.span,
        ));
    }
    f.finish(errs);
    Some(t)
}

fn retry_until(errs: &mut Errors, node: &Node) -> Option<RetryUntil> {
    let mut f = Fields::of(errs, node, "retry_until", "`retry_until`", &["attempts", "interval"])?;
    let attempts = f.get("attempts").and_then(|n| read::uint(errs, "attempts", n, 10_000));
    if !f.has("attempts") {
        errs.push(Diagnostic::at("`retry_until` needs `attempts`", node.span));
    }
    let interval = f.get("interval").and_then(|n| read::duration(errs, "interval", n));
    f.finish(errs);
    Some(RetryUntil {
        attempts: attempts?,
        interval,
    })
}

fn expect(errs: &mut Errors, node: &Node) -> Option<Expect> {
    let mut f = Fields::of(errs, node, "expect", "`expect`", EXPECT_KEYS)?;
    let e = Expect {
        status: f.get("status").and_then(|n| status(errs, n)),
        headers: f
            .get("headers")
            .and_then(|n| read::map(errs, "headers", n, |errs, _, v| Some(expect_value(errs, v)))),
        json: f
            .get("json")
            .and_then(|n| read::map(errs, "json", n, |errs, _, v| Some(expect_value(errs, v)))),
        body: f.get("body").map(|n| expect_value(errs, n)),
        cookies: f
            .get("cookies")
            .and_then(|n| read::map(errs, "cookies", n, |errs, _, v| Some(expect_value(errs, v)))),
        duration: f.get("duration").map(|n| expect_value(errs, n)),
        schema: f.get("schema").cloned(),
    };
    if let Some(schema) = &e.schema
        && !matches!(schema.kind, NodeKind::Str { .. } | NodeKind::Map(_) | NodeKind::Bool(_))
    {
        errs.expected("a JSON Schema file path or an inline schema map", "schema", schema);
    }
    f.finish(errs);
    Some(e)
}

fn status(errs: &mut Errors, node: &Node) -> Option<Spanned<StatusExpect>> {
    let item = |errs: &mut Errors, n: &Node| -> Option<StatusItem> {
        match &n.kind {
            NodeKind::Int(i) if (100..=599).contains(i) => Some(StatusItem::Code(*i as u16)),
            NodeKind::Str { value, .. } => {
                let b = value.as_bytes();
                if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].eq_ignore_ascii_case(b"xx") {
                    Some(StatusItem::Class(b[0] - b'0'))
                } else if let Ok(code) = value.parse::<u16>()
                    && (100..=599).contains(&code)
                {
                    Some(StatusItem::Code(code))
                } else {
                    errs.push(Diagnostic::at(
                        format!("`{value}` is not a status: write a code such as 200, or a class such as \"2xx\""),
                        n.span,
                    ));
                    None
                }
            }
            _ => {
                errs.expected("a status code (100 to 599) or a class such as \"2xx\"", "status", n);
                None
            }
        }
    };
    let s = match &node.kind {
        NodeKind::Seq(items) => StatusExpect::Any(items.iter().filter_map(|n| item(errs, n)).collect()),
        _ => StatusExpect::One(item(errs, node)?),
    };
    Some(Spanned::new(s, node.span))
}

/// A map is read as predicates only when every key is a predicate name.
fn expect_value(errs: &mut Errors, node: &Node) -> ExpectValue {
    let NodeKind::Map(entries) = &node.kind else {
        return ExpectValue::Plain(node.clone());
    };
    let is_predicate = |k: &Node| k.as_str().is_some_and(|k| predicate_names().contains(&k));
    if entries.is_empty() || !entries.iter().all(|(k, _)| is_predicate(k)) {
        // A map that mixes a predicate with a near-miss is almost surely a typo.
        if entries.iter().any(|(k, _)| is_predicate(k)) {
            for (k, _) in entries.iter().filter(|(k, _)| !is_predicate(k)) {
                let name = k.key_text();
                let mut d = Diagnostic::at(format!("unknown predicate `{name}`"), k.span);
                if let Some(s) = did_you_mean(&name, predicate_names().iter().copied()) {
                    d = d.with_help(format!(
                        "did you mean `{s}`? (use `equals:` to compare with a literal map)"
                    ));
                } else {
                    d = d.with_help("a map mixing predicates and other keys is ambiguous: use `equals:` to compare with a literal map");
                }
                errs.push(d);
            }
        }
        return ExpectValue::Plain(node.clone());
    }
    ExpectValue::Predicates(
        entries
            .iter()
            .map(|(k, v)| (Spanned::new(k.key_text(), k.span), v.clone()))
            .collect(),
    )
}

fn extract(errs: &mut Errors, node: &Node) -> Option<Extract> {
    if let NodeKind::Str { value, .. } = &node.kind {
        if !value.starts_with('$') {
            errs.push(
                Diagnostic::at("a capture written as a string is a JSONPath starting with `$`", node.span)
                    .with_help("use `{ header: Name }`, `{ cookie: name }`, `{ status: true }` or `{ regex: '...' }` for other sources"),
            );
            return None;
        }
        return Some(Extract::Path(Spanned::new(value.clone(), node.span)));
    }
    let mut f = Fields::of(errs, node, "extract", "a capture", EXTRACT_KEYS)?;
    let present: Vec<&str> = EXTRACT_KEYS.iter().copied().filter(|k| f.has(k)).collect();
    if present.len() != 1 {
        errs.push(Diagnostic::at(
            "a capture names exactly one source: json, header, cookie, status or regex",
            node.span,
        ));
    }
    let spec = ExtractSpec {
        json: f.get("json").and_then(|n| read::string(errs, "json", n)),
        header: f.get("header").and_then(|n| read::string(errs, "header", n)),
        cookie: f.get("cookie").and_then(|n| read::string(errs, "cookie", n)),
        status: f.get("status").and_then(|n| read::boolean(errs, "status", n)),
        regex: f.get("regex").and_then(|n| read::string(errs, "regex", n)),
    };
    f.finish(errs);
    Some(Extract::Spec(spec))
}
