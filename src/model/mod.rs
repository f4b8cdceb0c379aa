//! The collection format as plain data: what a person wrote, with spans,
//! nothing compiled yet. `sortie schema` is generated from these types.
//!
//! The loader (`load/`) builds them from YAML by hand so that every error of
//! a file is reported with its place; the planner (`load/plan`) compiles them.

mod node;
mod openapi;
mod schema;
pub(crate) mod step;

pub use node::{Node, NodeKind};
pub(crate) use openapi::{OpenApi, StepOpenApi};
pub(crate) use schema::{DurationValue, Map, strip_null};
pub(crate) use step::{
    ApiKeyAuth, Auth, BasicAuth, Body, BytesExpect, Expect, ExpectValue, Extract, ExtractSpec, GraphQl, OAuth2Auth,
    Parallel, Part, Redirects, Request, Retry, RetryUntil, Snapshot, SnapshotOptions, StatusExpect, StatusItem, Step,
    Timeout, TimeoutParts, Tls,
};

use schemars::JsonSchema;

use crate::source::Spanned;

/// The top-level keys of a collection.
pub(crate) const COLLECTION_KEYS: &[&str] = &[
    "name",
    "description",
    "tags",
    "base_url",
    "openapi",
    "vars",
    "secrets",
    "defaults",
    "setup",
    "steps",
    "teardown",
];

/// One collection file: a named sequence of steps run over one HTTP session.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, transform = schema::some_steps)]
pub(crate) struct Collection {
    /// Default: the file name without extension.
    pub name: Option<Spanned<String>>,
    #[expect(dead_code, reason = "in the schema and accepted; no report shows it yet")]
    pub description: Option<String>,
    pub tags: Option<Vec<Spanned<String>>>,
    /// Joined to every relative request URL. A template.
    pub base_url: Option<Spanned<String>>,
    /// The OpenAPI document every exchange is checked against.
    pub openapi: Option<OpenApi>,
    /// Evaluated top to bottom; later vars may use earlier ones.
    pub vars: Option<Map<Node>>,
    /// Names of variables whose values are shown as `***` in every output.
    pub secrets: Option<Vec<Spanned<String>>>,
    /// Applied to every request of this collection.
    pub defaults: Option<Defaults>,
    /// Run first; if one fails, `steps` are skipped.
    pub setup: Option<Vec<Step>>,
    pub steps: Option<Vec<Step>>,
    /// Always run, also after a failure, `--fail-fast` or Ctrl-C.
    pub teardown: Option<Vec<Step>>,
}

/// Settings merged under every request of the collection.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct Defaults {
    /// Names are tokens; a list is one header line per item; `null` sends no line.
    #[schemars(transform = schema::header_names)]
    pub headers: Option<Map<Node>>,
    pub query: Option<Map<Node>>,
    pub timeout: Option<Timeout>,
    pub retry: Option<Retry>,
    pub follow_redirects: Option<Redirects>,
    /// `true`: HTTP/2 with prior knowledge on cleartext (h2c).
    pub http2: Option<bool>,
    pub tls: Option<Tls>,
    pub auth: Option<Auth>,
}
