//! An OpenAPI 3.0/3.1 document as the contract of a run: read with spans by
//! the collections' YAML reader, its `$ref`s followed inside the file root,
//! every schema compiled once, its paths in a router. Checking an exchange
//! against it is `check::contract`; coverage is `coverage.rs`.

mod build;
pub(crate) mod coverage;
mod dialect;
mod pointer;
mod read;
mod router;

use std::collections::HashMap;
use std::sync::Arc;

pub(crate) use read::load;

use crate::check::Schema;
use crate::model::Node;

/// A loaded and compiled spec. Shared by every collection that names it.
#[derive(Debug)]
pub(crate) struct Spec {
    /// The path as a person reads it (reports and coverage name the spec by it);
    /// every exchange's coverage hit shares it.
    pub name: Arc<str>,
    pub operations: Vec<Operation>,
    router: router::Router,
    /// The path parts of the `servers` URLs (`/api/v3`), longest first; never `/`.
    prefixes: Vec<String>,
    /// Every file of the spec by its URI, for the place of a failed schema keyword.
    files: HashMap<String, SpecFile>,
}

#[derive(Debug)]
struct SpecFile {
    display: String,
    root: Node,
}

/// One operation: a method on a path template.
#[derive(Debug)]
pub(crate) struct Operation {
    /// Upper case: `GET`.
    pub method: String,
    /// As the spec writes it: `/pet/{petId}`.
    pub template: String,
    pub id: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub responses: Vec<ResponseSpec>,
}

impl Operation {
    /// `GET /pet/{petId}`: how messages and coverage name it.
    pub(crate) fn key(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// The declared response a status falls under: exact, then `2XX`, then `default`.
    pub(crate) fn response(&self, status: u16) -> Option<&ResponseSpec> {
        let find = |want: StatusKey| self.responses.iter().find(|r| r.status == want);
        find(StatusKey::Code(status))
            .or_else(|| find(StatusKey::Range((status / 100) as u8)))
            .or_else(|| find(StatusKey::Default))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum In {
    Path,
    Query,
    Header,
    Cookie,
}

impl In {
    pub(crate) fn name(self) -> &'static str {
        match self {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
            In::Cookie => "cookie",
        }
    }
}

/// A parameter (or a response header, whose `name` is the header's).
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub name: String,
    pub location: In,
    pub required: bool,
    /// `form`/`simple` with `explode`: how an array value is written.
    pub explode: bool,
    /// How the value is written: `style`, or the default of its place.
    pub style: Style,
    /// What the schema says the value is, as far as its `type` (or `properties`/`items`)
    /// tells without compiling it: an object is written as several fields.
    pub shape: Shape,
    pub schema: Option<Arc<Compiled>>,
}

/// A parameter's `style`. `matrix` and `label` are read as `simple`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Simple,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

/// The kind of value a parameter's schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Object,
    Other,
}

/// A schema of the spec, with where the spec writes it; compiled once, on first use.
pub(crate) struct Compiled {
    /// `specs/petstore.yaml:123`.
    pub place: String,
    /// `file:///…/petstore.yaml#/components/schemas/Pet`: the schema in the registry.
    uri: String,
    registry: Arc<jsonschema::Registry<'static>>,
    schema: std::sync::OnceLock<Result<Schema, String>>,
}

impl Compiled {
    /// The compiled schema, or why it does not compile (a `$ref` inside it that the
    /// meta-schema check at load could not see through).
    pub(crate) fn get(&self) -> Result<&Schema, &str> {
        self.schema
            .get_or_init(|| {
                jsonschema::options()
                    .with_registry(&self.registry)
                    .should_validate_formats(true)
                    .build(&serde_json::json!({ "$ref": self.uri }))
                    .map(Schema::from_validator)
                    .map_err(|e| format!("the schema at {} does not compile: {e}", self.place))
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub(crate) struct RequestBody {
    pub required: bool,
    pub content: Vec<MediaType>,
}

#[derive(Debug)]
pub(crate) struct MediaType {
    /// Lower case, without parameters: `application/json`, `image/*`.
    pub name: String,
    pub schema: Option<Arc<Compiled>>,
}

impl MediaType {
    /// The declared media type that a `Content-Type` falls under: exact, then `type/*`, then `*/*`.
    pub(crate) fn find<'a>(content: &'a [MediaType], actual: &str) -> Option<&'a MediaType> {
        let actual = essence(actual);
        let major = actual.split('/').next().unwrap_or_default();
        content
            .iter()
            .find(|m| m.name == actual)
            .or_else(|| {
                content
                    .iter()
                    .find(|m| m.name.strip_suffix("/*").is_some_and(|t| t == major))
            })
            .or_else(|| content.iter().find(|m| m.name == "*/*"))
    }
}

/// A media type without its parameters, in lower case.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON (`application/json`, `application/problem+json`).
pub(crate) fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StatusKey {
    Code(u16),
    /// `2XX` is `Range(2)`.
    Range(u8),
    Default,
}

impl StatusKey {
    /// As the spec writes it: `200`, `2XX`, `default`.
    pub(crate) fn text(self) -> String {
        match self {
            StatusKey::Code(c) => c.to_string(),
            StatusKey::Range(r) => format!("{r}XX"),
            StatusKey::Default => "default".into(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct ResponseSpec {
    pub status: StatusKey,
    pub content: Vec<MediaType>,
    pub headers: Vec<Param>,
}

/// An operation found for a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Match {
    pub operation: usize,
    /// The path parameters' values, by name, as sent (still percent-encoded).
    pub params: Vec<(String, String)>,
}

impl Spec {
    /// The operation of a method and a URL path (after the host). The `servers` path
    /// prefix is taken off when the path starts with it; literal segments win.
    pub(crate) fn find(&self, method: &str, path: &str) -> Option<Match> {
        // Methods are upper case as sent; only a written one may not be.
        let upper;
        let method = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            upper = method.to_ascii_uppercase();
            upper.as_str()
        } else {
            method
        };
        self.prefixes
            .iter()
            .filter_map(|p| path.strip_prefix(p.as_str()))
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .chain(std::iter::once(path))
            .find_map(|candidate| {
                let candidate = if candidate.is_empty() { "/" } else { candidate };
                self.router.find(method, candidate)
            })
    }

    /// The operation whose `operationId` is `id`.
    pub(crate) fn by_id(&self, id: &str) -> Option<usize> {
        self.operations.iter().position(|o| o.id.as_deref() == Some(id))
    }

    /// The operation closest to `METHOD path`, for a did-you-mean: segment by segment,
    /// a templated segment standing for anything, a wrong method costing a little.
    pub(crate) fn closest(&self, method: &str, path: &str) -> Option<&Operation> {
        let method = method.to_ascii_uppercase();
        let segments: Vec<&str> = path.split('/').collect();
        self.operations.iter().min_by_key(|o| {
            let template: Vec<&str> = o.template.split('/').collect();
            let aligned: usize = segments
                .iter()
                .zip(&template)
                .map(|(s, t)| {
                    if t.contains('{') || s.starts_with('\u{1}') {
                        0
                    } else {
                        strsim::levenshtein(s, t)
                    }
                })
                .sum();
            let extra = segments.len().abs_diff(template.len()) * 8;
            aligned + extra + if o.method == method { 0 } else { 3 }
        })
    }

    /// `file:line` of the place a JSON Schema error's keyword is written, from its
    /// absolute keyword location (`file:///…/spec.yaml#/components/…/type`).
    pub(crate) fn place_of(&self, location: &str) -> Option<String> {
        let (uri, fragment) = location.split_once('#').unwrap_or((location, ""));
        let file = self.files.get(uri)?;
        // A keyword the file does not hold as written (a bound the 3.0 dialect translated)
        // is placed at the schema that holds it: the deepest node the pointer reaches.
        let (node, _) = pointer::walk(&file.root, fragment);
        Some(format!("{}:{}", file.display, node.span.line()))
    }
}

/// A collection's contract: the spec and how it is applied.
#[derive(Debug, Clone)]
pub(crate) struct Contract {
    pub spec: Arc<Spec>,
    /// Check what is sent too (parameters, body).
    pub requests: bool,
    /// `undeclared_status: warn`: an undeclared status is a warning, not a failure.
    pub warn_undeclared: bool,
    /// Operations left unchecked and uncounted, by index.
    pub ignored: Vec<usize>,
}
