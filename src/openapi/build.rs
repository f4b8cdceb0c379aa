//! The paths of a spec → operations: path items, operations, parameters,
//! request bodies, responses and headers read where Sortie relies on their
//! shape (unknown keys refused, as OpenAPI does), every schema compiled as a
//! `$ref` into the registry of the spec's files.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::pointer::get;
use super::read::{At, Reader};
use super::{Compiled, In, MediaType, Operation, Param, RequestBody, ResponseSpec, Shape, StatusKey, Style};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::{Node, NodeKind};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const PATH_ITEM_KEYS: &[&str] = &[
    "$ref",
    "summary",
    "description",
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "servers",
    "parameters",
];
const OPERATION_KEYS: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "parameters",
    "requestBody",
    "responses",
    "callbacks",
    "deprecated",
    "security",
    "servers",
];
const PARAMETER_KEYS: &[&str] = &[
    "name",
    "in",
    "description",
    "required",
    "deprecated",
    "allowEmptyValue",
    "style",
    "explode",
    "allowReserved",
    "schema",
    "example",
    "examples",
    "content",
];
const RESPONSE_KEYS: &[&str] = &["description", "headers", "content", "links"];
const BODY_KEYS: &[&str] = &["description", "content", "required"];
const MEDIA_KEYS: &[&str] = &["schema", "example", "examples", "encoding"];

/// Characters escaped in a JSON pointer written as a URI fragment.
const FRAGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'\\');

/// What walks the paths: the reader's files, the registry, what was found.
pub(super) struct Builder<'r, 's> {
    pub reader: &'r Reader<'s>,
    pub registry: std::sync::Arc<jsonschema::Registry<'static>>,
    /// Each file as JSON, translated to 2020-12: what the meta-schema checks.
    pub jsons: &'r [serde_json::Value],
    /// Schemas by the URI they resolve to: operations that share a component share it.
    pub compiled: std::collections::HashMap<String, std::sync::Arc<Compiled>>,
    /// The texts of the schemas the meta-schema accepted.
    pub meta_checked: std::collections::HashSet<String>,
    pub errs: Vec<Diagnostic>,
    pub operations: Vec<Operation>,
    pub router: super::router::Router,
}

impl<'r> Builder<'r, '_> {
    fn unknown_keys(&mut self, node: &Node, known: &[&str], what: &str) {
        unknown_keys(&mut self.errs, node, known, what);
    }

    fn map<'n>(&mut self, node: &'n Node, what: &str) -> &'n [(Node, Node)] {
        match &node.kind {
            NodeKind::Map(entries) => entries,
            _ => {
                self.errs.push(Diagnostic::at(
                    format!("expected a map for {what}, found {}", node.describe()),
                    node.span,
                ));
                &[]
            }
        }
    }

    fn deref<'n>(&mut self, at: &At, node: &'n Node) -> Option<(At, &'n Node)>
    where
        'r: 'n,
    {
        match self.reader.deref(at.clone(), node) {
            Ok(found) => Some(found),
            Err(d) => {
                self.errs.push(d);
                None
            }
        }
    }

    pub(super) fn paths(&mut self, at: &At, paths: &Node) {
        for (key, item) in self.map(paths, "`paths`") {
            let template = key.key_text();
            if !template.starts_with('/') {
                self.errs.push(
                    Diagnostic::at(format!("a path starts with `/`, found `{template}`"), key.span)
                        .with_help(format!("write `/{template}`")),
                );
                continue;
            }
            let Some((item_at, item)) = self.deref(&at.child(&template), item) else {
                continue;
            };
            self.unknown_keys(item, PATH_ITEM_KEYS, "a path item");
            let shared = self.params(&item_at.child("parameters"), get(item, "parameters"));
            for method in METHODS {
                if let Some(op) = get(item, method) {
                    self.operation(&item_at.child(method), op, &template, method, &shared);
                }
            }
        }
    }

    fn operation(&mut self, at: &At, node: &Node, template: &str, method: &str, shared: &[Param]) {
        self.unknown_keys(node, OPERATION_KEYS, "an operation");
        let id = match get(node, "operationId") {
            Some(n) => match n.as_str() {
                Some(s) => {
                    if self.operations.iter().any(|o| o.id.as_deref() == Some(s)) {
                        self.errs
                            .push(Diagnostic::at(format!("duplicate operationId `{s}`"), n.span));
                    }
                    Some(s.to_owned())
                }
                None => {
                    self.errs.push(Diagnostic::at(
                        format!("expected a string for `operationId`, found {}", n.describe()),
                        n.span,
                    ));
                    None
                }
            },
            None => None,
        };
        let mut params = self.params(&at.child("parameters"), get(node, "parameters"));
        // An operation's parameter overrides the path item's of the same name and place.
        for p in shared {
            if !params.iter().any(|q| q.name == p.name && q.location == p.location) {
                params.push(p.clone());
            }
        }
        let body = get(node, "requestBody").and_then(|b| {
            let (at, b) = self.deref(&at.child("requestBody"), b)?;
            self.unknown_keys(b, BODY_KEYS, "a request body");
            Some(RequestBody {
                required: get(b, "required").is_some_and(|r| r.kind == NodeKind::Bool(true)),
                content: self.content(&at.child("content"), get(b, "content")),
            })
        });
        let mut responses = Vec::new();
        if let Some(list) = get(node, "responses") {
            for (key, response) in self.map(list, "`responses`") {
                let text = key.key_text();
                let Some(status) = status_key(&text) else {
                    self.errs.push(Diagnostic::at(
                        format!(
                            "`{text}` is not a response status: write a code (`200`), a range (`2XX`) or `default`"
                        ),
                        key.span,
                    ));
                    continue;
                };
                let Some((r_at, response)) = self.deref(&at.child("responses").child(&text), response) else {
                    continue;
                };
                self.unknown_keys(response, RESPONSE_KEYS, "a response");
                let content = self.content(&r_at.child("content"), get(response, "content"));
                let mut headers = Vec::new();
                if let Some(h) = get(response, "headers") {
                    for (name, header) in self.map(h, "`headers`") {
                        let name = name.key_text();
                        let Some((h_at, header)) = self.deref(&r_at.child("headers").child(&name), header) else {
                            continue;
                        };
                        // `Content-Type` is described by `content`: OpenAPI says to ignore it here.
                        if name.eq_ignore_ascii_case("content-type") {
                            continue;
                        }
                        if let Some(p) = self.param(&h_at, header, Some((name, In::Header))) {
                            headers.push(p);
                        }
                    }
                }
                responses.push(ResponseSpec {
                    status,
                    content,
                    headers,
                });
            }
        } else if matches!(node.kind, NodeKind::Map(_)) {
            self.errs
                .push(Diagnostic::at("an operation needs `responses`", node.span).with_label("no `responses` here"));
        }
        let method = method.to_ascii_uppercase();
        let index = self.operations.len();
        if let Err(e) = self.router.insert(template, &method, index) {
            self.errs.push(Diagnostic::at(
                format!("the path `{template}` cannot be matched: {e}"),
                node.span,
            ));
        }
        self.operations.push(Operation {
            method,
            template: template.to_owned(),
            id,
            params,
            body,
            responses,
        });
    }

    fn params(&mut self, at: &At, list: Option<&Node>) -> Vec<Param> {
        let Some(list) = list else {
            return Vec::new();
        };
        let NodeKind::Seq(items) = &list.kind else {
            self.errs.push(Diagnostic::at(
                format!("expected a list for `parameters`, found {}", list.describe()),
                list.span,
            ));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some((p_at, p)) = self.deref(&at.child(&i.to_string()), item)
                && let Some(param) = self.param(&p_at, p, None)
            {
                out.push(param);
            }
        }
        out
    }

    /// A parameter, or a response header (`header` gives its name and place).
    fn param(&mut self, at: &At, node: &Node, header: Option<(String, In)>) -> Option<Param> {
        self.unknown_keys(node, PARAMETER_KEYS, "a parameter");
        let (name, location) = match header {
            Some(h) => h,
            None => {
                let name = match get(node, "name").and_then(Node::as_str) {
                    Some(n) => n.to_owned(),
                    None => {
                        self.errs
                            .push(Diagnostic::at("a parameter needs a `name` (a string)", node.span));
                        return None;
                    }
                };
                let location = match get(node, "in").and_then(Node::as_str) {
                    Some("path") => In::Path,
                    Some("query") => In::Query,
                    Some("header") => In::Header,
                    Some("cookie") => In::Cookie,
                    _ => {
                        let span = get(node, "in").map_or(node.span, |n| n.span);
                        self.errs.push(Diagnostic::at(
                            "a parameter needs `in`: one of `path`, `query`, `header`, `cookie`",
                            span,
                        ));
                        return None;
                    }
                };
                (name, location)
            }
        };
        let required = match get(node, "required") {
            Some(Node {
                kind: NodeKind::Bool(b),
                ..
            }) => *b,
            Some(n) => {
                self.errs.push(Diagnostic::at(
                    format!("expected `true` or `false` for `required`, found {}", n.describe()),
                    n.span,
                ));
                false
            }
            None => location == In::Path,
        };
        let style = self.style(get(node, "style"), location);
        // `explode` defaults to true for `form` only.
        let explode = get(node, "explode").map_or(style == Style::Form, |n| n.kind == NodeKind::Bool(true));
        let shape = get(node, "schema").map_or(Shape::Other, |s| self.shape(at, s));
        let schema = match (get(node, "schema"), get(node, "content")) {
            (Some(s), _) => self.compile(&at.child("schema"), s),
            (None, Some(content)) => {
                let content = self.content(&at.child("content"), Some(content));
                content.into_iter().next().and_then(|m| m.schema)
            }
            (None, None) => None,
        };
        Some(Param {
            name,
            location,
            required,
            explode,
            style,
            shape,
            schema,
        })
    }

    /// A parameter's `style`, which must be one its place allows; the default of its
    /// place (`form` for query and cookie, `simple` for path and header) when unwritten.
    fn style(&mut self, node: Option<&Node>, location: In) -> Style {
        let allowed: &[&str] = match location {
            In::Path => &["simple", "matrix", "label"],
            In::Query => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
            In::Header => &["simple"],
            In::Cookie => &["form"],
        };
        let default = if matches!(location, In::Query | In::Cookie) {
            Style::Form
        } else {
            Style::Simple
        };
        let Some(node) = node else {
            return default;
        };
        let Some(name) = node.as_str().filter(|n| allowed.contains(n)) else {
            let found = node
                .as_str()
                .map_or_else(|| node.describe().to_string(), |n| format!("`{n}`"));
            let styles: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
            let which = match styles.as_slice() {
                [only] => format!("its only style is {only}"),
                _ => format!("one of {}", styles.join(", ")),
            };
            let mut d = Diagnostic::at(
                format!("{found} is not a style of a {} parameter: {which}", location.name()),
                node.span,
            );
            if let Some(m) = node.as_str().and_then(|n| did_you_mean(n, allowed.iter().copied())) {
                d = d.with_help(format!("did you mean `{m}`?"));
            }
            self.errs.push(d);
            return default;
        };
        match name {
            "form" => Style::Form,
            "spaceDelimited" => Style::SpaceDelimited,
            "pipeDelimited" => Style::PipeDelimited,
            "deepObject" => Style::DeepObject,
            // `matrix` and `label` are read as `simple`.
            _ => Style::Simple,
        }
    }

    /// Whether a parameter's schema is an object, read from its `type` (or its
    /// `properties`) through `$ref`s; a broken `$ref` is reported when it compiles.
    fn shape(&self, at: &At, schema: &Node) -> Shape {
        let Ok((_, node)) = self.reader.deref(at.child("schema"), schema) else {
            return Shape::Other;
        };
        let object = match get(node, "type").map(|t| &t.kind) {
            Some(NodeKind::Seq(types)) => types.iter().any(|t| t.as_str() == Some("object")),
            Some(_) => get(node, "type").and_then(Node::as_str) == Some("object"),
            None => get(node, "properties").is_some(),
        };
        if object { Shape::Object } else { Shape::Other }
    }

    fn content(&mut self, at: &At, content: Option<&Node>) -> Vec<MediaType> {
        let Some(content) = content else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, media) in self.map(content, "`content`") {
            let name = key.key_text();
            self.unknown_keys(media, MEDIA_KEYS, "a media type");
            let schema = get(media, "schema").and_then(|s| self.compile(&at.child(&name).child("schema"), s));
            out.push(MediaType {
                name: super::essence(&name),
                schema,
            });
        }
        out
    }

    /// The schema at `at` (written at `node`), checked against the JSON Schema
    /// meta-schema now and compiled on first use (`Compiled::get`): a validator
    /// compiles every schema its `$ref`s reach, so compiling each one up front would
    /// cost operations × reachable schemas. One per target, shared.
    fn compile(&mut self, at: &At, node: &Node) -> Option<std::sync::Arc<Compiled>> {
        let (target_at, target) = self.reader.deref(at.clone(), node).unwrap_or((at.clone(), node));
        let doc = &self.reader.docs[target_at.doc];
        let uri = format!("{}#{}", doc.uri, utf8_percent_encode(&target_at.pointer, FRAGMENT));
        if let Some(c) = self.compiled.get(&uri) {
            return Some(c.clone());
        }
        let json = self.jsons[target_at.doc]
            .pointer(&target_at.pointer)
            .unwrap_or(&serde_json::Value::Null);
        // Inline schemas repeat (`{ type: integer }` for every id): each text is checked
        // once (only a valid one is remembered: an invalid one stops the load).
        let text = json.to_string();
        if !self.meta_checked.contains(&text) {
            if let Err(e) = jsonschema::meta::validate(json) {
                let path = e.instance_path().as_str().to_owned();
                let message = crate::text::cut(&e.to_string(), 400);
                // The keyword at fault, when the pointer reaches it.
                let span = super::pointer::pointer(target, &path).map_or(target.span, |n| n.span);
                let d = Diagnostic::at(format!("invalid schema: {message}"), span);
                self.errs.push(if path.is_empty() {
                    d.with_help(
                        "a schema here is JSON Schema 2020-12 (OpenAPI 3.0's `nullable` and boolean bounds are translated)",
                    )
                } else {
                    d.with_label(format!("at `{path}`"))
                });
                return None;
            }
            self.meta_checked.insert(text);
        }
        let compiled = std::sync::Arc::new(Compiled {
            place: format!("{}:{}", doc.display, target.span.line()),
            uri: uri.clone(),
            registry: self.registry.clone(),
            schema: std::sync::OnceLock::new(),
        });
        self.compiled.insert(uri, compiled.clone());
        Some(compiled)
    }
}

/// Unknown keys of an object whose keys OpenAPI fixes (`x-` extensions aside).
pub(super) fn unknown_keys(errs: &mut Vec<Diagnostic>, node: &Node, known: &[&str], what: &str) {
    let NodeKind::Map(entries) = &node.kind else {
        return;
    };
    for (k, _) in entries {
        let key = k.key_text();
        if key.starts_with("x-") || known.contains(&key.as_str()) {
            continue;
        }
        let mut d = Diagnostic::at(format!("unknown key `{key}` in {what}"), k.span);
        if let Some(m) = did_you_mean(&key, known.iter().copied()) {
            d = d.with_help(format!("did you mean `{m}`?"));
        }
        errs.push(d);
    }
}

/// `200`, `2XX`, `default`.
fn status_key(text: &str) -> Option<StatusKey> {
    if text == "default" {
        return Some(StatusKey::Default);
    }
    let bytes = text.as_bytes();
    if bytes.len() == 3 && (b'1'..=b'5').contains(&bytes[0]) {
        if bytes[1..].eq_ignore_ascii_case(b"XX") {
            return Some(StatusKey::Range(bytes[0] - b'0'));
        }
        if let Ok(code) = text.parse::<u16>() {
            return Some(StatusKey::Code(code));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_keys() {
        assert_eq!(status_key("200"), Some(StatusKey::Code(200)));
        assert_eq!(status_key("4XX"), Some(StatusKey::Range(4)));
        assert_eq!(status_key("4xx"), Some(StatusKey::Range(4)));
        assert_eq!(status_key("default"), Some(StatusKey::Default));
        for bad in ["20", "600", "2YY", "ok", ""] {
            assert_eq!(status_key(bad), None, "{bad}");
        }
    }
}
