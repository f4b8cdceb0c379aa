//! YAML nodes → the model of a collection, every error collected.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::{self, Errors, Fields, scalar_hint};
use crate::load::{auth, contract, expect};
use crate::model::COLLECTION_KEYS;
use crate::model::{
    Collection, Defaults, GraphQl, Parallel, Part, Redirects, Request, Retry, RetryUntil, Step, Timeout, TimeoutParts,
    Tls,
};
use crate::model::{Node, NodeKind};
use crate::source::{Span, Spanned};

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
    "description",
    "if",
    "for_each",
    "as",
    "delay",
    "request",
    "expect",
    "extract",
    "retry_until",
    "operation",
    "openapi",
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
    "cookies",
    "auth",
    "json",
    "graphql",
    "form",
    "multipart",
    "body",
    "body_file",
    "timeout",
    "retry",
    "follow_redirects",
];
const BODY_KEYS: &[&str] = &["json", "graphql", "form", "multipart", "body", "body_file"];
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

/// Reads a whole collection file.
pub(crate) fn collection(errs: &mut Errors, root: &Node) -> Option<Collection> {
    match &root.kind {
        NodeKind::Null => {
            errs.push(
                Diagnostic::at("the file is empty: a collection needs `steps`", root.span)
                    .with_help("start with `steps:` and a list of steps, such as `- request: { url: /health }`"),
            );
            return None;
        }
        NodeKind::Map(_) => {}
        _ => {
            let mut d = Diagnostic::at(
                format!("a collection is a map with `steps`, found {}", read::found(root)),
                root.span,
            );
            if matches!(root.kind, NodeKind::Seq(_)) {
                d = d.with_help("put the list under `steps:` (a file that is only a list can be used with `include`)");
            }
            errs.push(d);
            return None;
        }
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
        openapi: f.get("openapi").and_then(|n| contract::collection(errs, n)),
        vars: f.get("vars").and_then(|n| read::any_map(errs, "vars", n)),
        secrets: f.get("secrets").and_then(|n| read::strings(errs, "secrets", n)),
        defaults: f.get("defaults").and_then(|n| defaults(errs, n)),
        setup: f.get("setup").and_then(|n| steps(errs, "setup", n)),
        steps: f.get("steps").and_then(|n| steps(errs, "steps", n)),
        teardown: f.get("teardown").and_then(|n| steps(errs, "teardown", n)),
    };
    if !f.has("steps") && !f.has("setup") && !f.has("teardown") && !f.misspelled("steps") {
        errs.push(Diagnostic::at("a collection needs `steps`", root.span).with_label("no `steps` in this map"));
    } else {
        let lists: Vec<&Node> = ["setup", "steps", "teardown"].iter().filter_map(|k| f.get(k)).collect();
        if lists.iter().all(|n| is_empty_list(n)) {
            let at = f.get("steps").or(lists.first().copied()).map_or(root.span, |n| n.span);
            errs.push(
                Diagnostic::at("the collection has no step: it would check nothing", at)
                    .with_help("list at least one step, such as `- request: { url: /health }`"),
            );
        }
    }
    for key in DEFAULTS_KEYS {
        f.misplaced(errs, key, "under `defaults`, which applies it to every request");
    }
    f.finish(errs);
    Some(c)
}

/// Whether the map `root` has the key `key`, or an unknown key that looks
/// like a misspelling of it (which `Fields::finish` reports).
pub(crate) fn names_key(root: &Node, key: &str) -> bool {
    let NodeKind::Map(entries) = &root.kind else {
        return false;
    };
    entries.iter().any(|(k, _)| {
        let name = k.key_text();
        name == key || !COLLECTION_KEYS.contains(&name.as_str()) && did_you_mean(&name, [key]).is_some()
    })
}

/// `[]`, or nothing at all: a list of steps that would run nothing.
fn is_empty_list(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Seq(items) => items.is_empty(),
        NodeKind::Null => true,
        _ => false,
    }
}

/// The steps of a file that is only a list of steps, or a map with `steps` (an include).
pub(crate) fn fragment(errs: &mut Errors, root: &Node) -> Option<Collection> {
    if is_empty_list(root) {
        errs.push(
            Diagnostic::at("the file lists no step: including it would run nothing", root.span)
                .with_help("list at least one step, such as `- request: { url: /health }`"),
        );
        return None;
    }
    match root.kind {
        NodeKind::Seq(_) => Some(Collection {
            name: None,
            description: None,
            tags: None,
            base_url: None,
            openapi: None,
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
        auth: f.get("auth").and_then(|n| auth::auth(errs, n)),
    };
    f.finish(errs);
    Some(d)
}

fn steps(errs: &mut Errors, key: &str, node: &Node) -> Option<Vec<Step>> {
    if let NodeKind::Map(_) = node.kind {
        // `steps:` followed by `request:` on the next line: the `- ` was forgotten.
        errs.expected_with(
            "a list of steps",
            key,
            node,
            Some("start each step with `- `, as in `- request: { url: /health }`".into()),
        );
        return None;
    }
    read::list(errs, key, node, step)
}

/// `"GET /users"` → `{ method: GET, url: /users }`, for helps.
fn request_map(text: &str) -> String {
    match text.trim().split_once(' ') {
        Some((method, url)) if method.bytes().all(|b| b.is_ascii_uppercase()) => {
            format!("{{ method: {method}, url: {} }}", url.trim())
        }
        _ => format!("{{ url: {} }}", text.trim()),
    }
}

fn step(errs: &mut Errors, node: &Node) -> Option<Step> {
    if !matches!(node.kind, NodeKind::Map(_)) {
        let mut d = Diagnostic::at(
            format!(
                "a step is a map with `request`, `group` or `include`, found {}",
                read::found(node)
            ),
            node.span,
        );
        if let Some(text) = node.as_str() {
            d = d.with_help(format!("write `- request: {}`", request_map(text)));
        }
        errs.push(d);
        return None;
    }
    let mut f = Fields::of(errs, node, "a step", "a step", STEP_KEYS)?;
    let kinds: Vec<&str> = ["request", "group", "include"]
        .into_iter()
        .filter(|k| f.has(k))
        .collect();
    // A request key on the step (`url:`, `method:`) gets its own "belongs under `request`".
    let loose_request = REQUEST_KEYS.iter().any(|k| f.has(k));
    match kinds.as_slice() {
        [_] => {}
        [] if loose_request || ["request", "group", "include"].iter().any(|k| f.misspelled(k)) => {}
        [] => {
            errs.push(
                Diagnostic::at("a step needs one of `request`, `group` or `include`", node.span).with_help(
                    "a request step has `request: { url: ... }`, a group `group: Name` and `steps`, \
                     an include `include: file.yaml`",
                ),
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
    // `parallel` runs the iterations of a request step's `for_each`, or a group's units.
    let (own, this): (&[&str], &str) = match kind {
        Some("request") => (
            &["expect", "extract", "retry_until", "parallel", "operation", "openapi"],
            "a request step",
        ),
        Some("group") => (&["parallel", "steps"], "a group"),
        Some("include") => (&["vars"], "an include"),
        _ => (&[], ""),
    };
    for key in [
        "expect",
        "extract",
        "retry_until",
        "parallel",
        "steps",
        "vars",
        "operation",
        "openapi",
    ] {
        if kind.is_some()
            && !own.contains(&key)
            && let Some(span) = f.key_span(key)
        {
            let owner = match key {
                "parallel" => "a group or a request step with `for_each`",
                "steps" => "a group",
                "vars" => "an include",
                _ => "a request step",
            };
            let d = Diagnostic::at(format!("`{key}` belongs to {owner}, not to {this}"), span);
            errs.push(match key {
                "vars" => d.with_help("collection variables go in the top-level `vars`"),
                _ => d,
            });
        }
    }
    let s = Step {
        span: node.span,
        name: f.get("name").and_then(|n| read::string(errs, "name", n)),
        id: f.get("id").and_then(|n| read::string(errs, "id", n)),
        tags: f.get("tags").and_then(|n| read::strings(errs, "tags", n)),
        description: f.get("description").and_then(|n| read::string(errs, "description", n)),
        if_: f.get("if").cloned(),
        for_each: f.get("for_each").cloned(),
        as_: f.get("as").and_then(|n| read::string(errs, "as", n)),
        delay: f.get("delay").and_then(|n| read::duration(errs, "delay", n)),
        request: f
            .get("request")
            .and_then(|n| request(errs, f.key_span("request").unwrap_or(n.span), n)),
        expect: f.get("expect").and_then(|n| expect::expect(errs, n)),
        extract: f.get("extract").and_then(|n| expect::captures(errs, n)),
        retry_until: f
            .get("retry_until")
            .and_then(|n| retry_until(errs, f.key_span("retry_until").unwrap_or(n.span), n)),
        operation: f.get("operation").and_then(|n| read::string(errs, "operation", n)),
        openapi: f.get("openapi").and_then(|n| contract::step(errs, n)),
        group: f.get("group").and_then(|n| read::string(errs, "group", n)),
        parallel: f.get("parallel").and_then(|n| parallel(errs, n)),
        steps: f.get("steps").and_then(|n| steps(errs, "steps", n)),
        include: f.get("include").and_then(|n| read::string(errs, "include", n)),
        vars: f.get("vars").and_then(|n| read::any_map(errs, "vars", n)),
    };
    if s.group.is_some() && !f.has("steps") {
        errs.push(
            Diagnostic::at("a group needs `steps`", f.key_span("group").unwrap_or(node.span))
                .with_help("list the group's steps under `steps:`"),
        );
    } else if let Some(list) = f.get("steps").filter(|n| s.group.is_some() && is_empty_list(n)) {
        errs.push(
            Diagnostic::at("the group has no step: it would check nothing", list.span)
                .with_help("list at least one step under `steps:`, or remove the group"),
        );
    }
    for key in REQUEST_KEYS {
        f.misplaced(errs, key, "under `request`");
    }
    if kind == Some("request") {
        for key in ["status", "duration", "schema", "cookies"] {
            f.misplaced(errs, key, "under `expect`");
        }
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
            let help = scalar_hint(node, |k| matches!(k, NodeKind::Bool(_) | NodeKind::Int(_)));
            errs.expected_with("`true`, `false` or a number from 1 to 10000", "parallel", node, help);
            return None;
        }
    };
    Some(Spanned::new(p, node.span))
}

/// Reads a request; `at` is the `request` key, where a missing `url` is reported.
fn request(errs: &mut Errors, at: Span, node: &Node) -> Option<Request> {
    if let Some(text) = node.as_str() {
        let help = format!("write `request: {}`", request_map(text));
        errs.expected_with("a map", "request", node, Some(help));
        return None;
    }
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
            .with_help("keep one of json, graphql, form, multipart, body, body_file"),
        );
    }
    let url = match f.get("url") {
        Some(n) => read::string(errs, "url", n),
        None => {
            if !f.misspelled("url") {
                errs.push(Diagnostic::at("the request needs a `url`", at));
            }
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
                if valid {
                    Some(Spanned::new(m.value.to_ascii_uppercase(), m.span))
                } else if crate::render::has_markup(&m.value) {
                    // Upper-cased once rendered: `{{ m }}` must not read `M`.
                    Some(m)
                } else {
                    let (message, help) = match m.value.split_once(' ') {
                        _ if m.value.is_empty() => ("the method is empty".to_owned(), None),
                        Some((method, _)) => (
                            format!("`{}` is not an HTTP method", m.value),
                            Some(format!(
                                "a method is one word: `method: {method}`, and the path goes in `url`"
                            )),
                        ),
                        None => (format!("`{}` is not an HTTP method", m.value), None),
                    };
                    let help = help.unwrap_or_else(|| "write a method such as GET, POST, PUT, PATCH or DELETE".into());
                    errs.push(Diagnostic::at(message, m.span).with_help(help));
                    None
                }
            }),
        url: url.unwrap_or_default_spanned(node),
        query: f.get("query").and_then(|n| read::any_map(errs, "query", n)),
        headers: f.get("headers").and_then(|n| read::any_map(errs, "headers", n)),
        cookies: f.get("cookies").and_then(|n| read::any_map(errs, "cookies", n)),
        auth: f.get("auth").and_then(|n| auth::auth(errs, n)),
        json: f.get("json").cloned(),
        graphql: f.get("graphql").and_then(|n| graphql(errs, n)),
        form: f.get("form").and_then(|n| read::any_map(errs, "form", n)),
        multipart: f.get("multipart").and_then(|n| {
            if let NodeKind::Map(_) = n.kind {
                let help = "write a list of parts, even of one: `multipart: [{ name: a, value: b }]`".to_owned();
                errs.expected_with("a list", "multipart", n, Some(help));
                return None;
            }
            read::list(errs, "multipart", n, part)
        }),
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

fn graphql(errs: &mut Errors, node: &Node) -> Option<GraphQl> {
    let mut f = Fields::of(
        errs,
        node,
        "graphql",
        "`graphql`",
        &["query", "query_file", "variables", "operation_name"],
    )?;
    let g = GraphQl {
        query: f.get("query").and_then(|n| read::string(errs, "query", n)),
        query_file: f.get("query_file").and_then(|n| read::string(errs, "query_file", n)),
        variables: f.get("variables").and_then(|n| {
            if matches!(n.kind, NodeKind::Map(_)) || crate::render::has_markup(n.as_str().unwrap_or("")) {
                return Some(n.clone());
            }
            errs.expected("a map of variables", "variables", n);
            None
        }),
        operation_name: f
            .get("operation_name")
            .and_then(|n| read::string(errs, "operation_name", n)),
    };
    match (f.has("query"), f.has("query_file")) {
        (true, true) => errs.push(Diagnostic::at(
            "`graphql` has a `query` or a `query_file`, not both",
            f.key_span("query_file").unwrap_or(node.span),
        )),
        (false, false) if !f.misspelled("query") && !f.misspelled("query_file") => errs.push(
            Diagnostic::at("`graphql` needs a `query`", node.span)
                .with_help("write `graphql: { query: \"{ pets { id } }\" }`, or `query_file: pets.graphql`"),
        ),
        _ => {}
    }
    f.finish(errs);
    Some(g)
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
    if !f.has("name") && !f.misspelled("name") {
        errs.push(
            Diagnostic::at("a multipart part needs a `name`", node.span)
                .with_help("the name is the form field's name, as in `{ name: photo, file: rex.jpg }`"),
        );
    }
    match f.key_span("file") {
        Some(file) if f.has("value") => errs.push(
            Diagnostic::at("a multipart part has a `value` or a `file`, not both", file)
                .with_help("keep `value` for text, `file` to send a file's content"),
        ),
        None if !f.has("value") && !f.misspelled("value") && !f.misspelled("file") => errs.push(
            Diagnostic::at("a multipart part needs a `value` or a `file`", node.span)
                .with_help("`value: text` sends text, `file: path` sends a file's content"),
        ),
        _ => {}
    }
    f.finish(errs);
    Some(p)
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
        attempts: f.get("attempts").and_then(|n| attempts(errs, n, 100)),
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

/// `attempts` counts every try, the first included, so 0 would never send.
fn attempts(errs: &mut Errors, node: &Node, max: i64) -> Option<Spanned<u32>> {
    if let NodeKind::Int(0) = node.kind {
        errs.push(
            Diagnostic::at("`attempts` must be at least 1", node.span)
                .with_help("`attempts` counts every try, the first included: 1 means no retry"),
        );
        return None;
    }
    read::uint(errs, "attempts", node, 1..=max)
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
            let help = scalar_hint(node, |k| matches!(k, NodeKind::Bool(_) | NodeKind::Int(_)));
            errs.expected_with(
                "`true`, `false` or the most hops (0 to 100)",
                "follow_redirects",
                node,
                help,
            );
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
    match (f.key_span("cert"), f.key_span("key")) {
        (Some(at), None) if !f.misspelled("key") => errs.push(
            Diagnostic::at("a client certificate needs its `key` too", at)
                .with_help("add `key:` with the path of the certificate's private key (PEM)"),
        ),
        (None, Some(at)) if !f.misspelled("cert") => errs.push(
            Diagnostic::at("a client key needs its `cert` too", at)
                .with_help("add `cert:` with the path of the client certificate (PEM)"),
        ),
        _ => {}
    }
    f.finish(errs);
    Some(t)
}

/// Reads `retry_until`; `at` is its key, where a missing `attempts` is reported.
fn retry_until(errs: &mut Errors, at: Span, node: &Node) -> Option<RetryUntil> {
    let mut f = Fields::of(errs, node, "retry_until", "`retry_until`", &["attempts", "interval"])?;
    let attempts = f.get("attempts").and_then(|n| attempts(errs, n, 10_000));
    if !f.has("attempts") && !f.misspelled("attempts") {
        errs.push(
            Diagnostic::at("`retry_until` needs `attempts`", at)
                .with_help("`attempts` bounds the polling: `retry_until: { attempts: 20, interval: 500ms }`"),
        );
    }
    let interval = f.get("interval").and_then(|n| read::duration(errs, "interval", n));
    f.finish(errs);
    Some(RetryUntil {
        attempts: attempts?,
        interval,
    })
}
