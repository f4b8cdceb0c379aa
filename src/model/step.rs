//! Steps, requests, expectations and captures as written.

use schemars::JsonSchema;

use super::openapi::StepOpenApi;
use super::schema::{DurationValue, Map};
use crate::model::Node;
use crate::source::{Span, Spanned};

/// A step is exactly one of: a request step (`request`), a group (`group`),
/// or an include (`include`).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::step_rules)]
pub(crate) struct Step {
    /// Where the step starts; not a key.
    #[schemars(skip)]
    pub span: Span,
    /// Default: "METHOD url".
    pub name: Option<Spanned<String>>,
    /// Unique in the collection.
    pub id: Option<Spanned<String>>,
    pub tags: Option<Vec<Spanned<String>>>,
    /// What the step does, for a reader: shown by `-v`, in the HTML report under the
    /// step and in JUnit's `system-out`. Plain text, not a template.
    pub description: Option<Spanned<String>>,
    /// Skipped (reported as skipped) unless truthy. A template.
    #[schemars(rename = "if")]
    pub if_: Option<Node>,
    /// A list (literal or template); one run per item.
    #[schemars(with = "Option<super::schema::ListOrTemplate>")]
    pub for_each: Option<Node>,
    /// The item's variable name; default `item`.
    #[schemars(rename = "as")]
    pub as_: Option<Spanned<String>>,
    /// Wait before sending.
    pub delay: Option<Spanned<DurationValue>>,

    pub request: Option<Request>,
    pub expect: Option<Expect>,
    pub extract: Option<Map<Extract>>,
    /// Re-send until `expect` holds.
    pub retry_until: Option<RetryUntil>,
    /// The OpenAPI operationId this request is checked against, whatever its URL.
    pub operation: Option<Spanned<String>>,
    pub openapi: Option<StepOpenApi>,

    /// A group's name: its steps run as one unit, in order (or concurrently with `parallel`).
    pub group: Option<Spanned<String>>,
    /// `true` = all at once; N = at most N in flight.
    pub parallel: Option<Spanned<Parallel>>,
    #[schemars(length(min = 1))]
    pub steps: Option<Vec<Step>>,

    /// Another file whose steps run in place, on the same session.
    pub include: Option<Spanned<String>>,
    /// The include's arguments.
    pub vars: Option<Map<Node>>,
}

/// How many units of a step may run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(untagged)]
pub(crate) enum Parallel {
    Enabled(bool),
    Max(#[schemars(range(min = 1, max = 10000))] u32),
}

/// An HTTP request.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::one_body)]
pub(crate) struct Request {
    /// Default GET; any token, upper-cased. A template.
    #[schemars(regex(pattern = r"^[-!#$%&'*+.^_`|~0-9A-Za-z]+$|\{\{"))]
    pub method: Option<Spanned<String>>,
    /// Absolute, or joined to base_url.
    pub url: Spanned<String>,
    /// Lists repeat the key.
    pub query: Option<Map<Node>>,
    /// Names are tokens; a list is one header line per item; `null` sends no line.
    #[schemars(transform = super::schema::header_names)]
    pub headers: Option<Map<Node>>,
    /// Cookies sent with this request on top of the session's jar (not stored in it).
    pub cookies: Option<Map<Node>>,
    /// Overrides defaults.auth; `none` removes it.
    pub auth: Option<Auth>,
    pub json: Option<Node>,
    /// A GraphQL query sent as JSON; the step fails when the answer holds `errors`
    /// unless it checks `$.errors` itself.
    pub graphql: Option<GraphQl>,
    pub form: Option<Map<Node>>,
    pub multipart: Option<Vec<Part>>,
    /// Sent as is; set content-type yourself.
    pub body: Option<Spanned<String>>,
    pub body_file: Option<Spanned<String>>,
    pub timeout: Option<Timeout>,
    pub retry: Option<Retry>,
    pub follow_redirects: Option<Redirects>,
}

/// The request body, once the loader has checked there is at most one.
#[derive(Debug, Clone)]
pub(crate) enum Body<'a> {
    Json(&'a Node),
    GraphQl(&'a GraphQl),
    Form(&'a Map<Node>),
    Multipart(&'a [Part]),
    Raw(&'a Spanned<String>),
    File(&'a Spanned<String>),
}

impl Request {
    pub(crate) fn body(&self) -> Option<Body<'_>> {
        if let Some(n) = &self.json {
            return Some(Body::Json(n));
        }
        if let Some(g) = &self.graphql {
            return Some(Body::GraphQl(g));
        }
        if let Some(f) = &self.form {
            return Some(Body::Form(f));
        }
        if let Some(m) = &self.multipart {
            return Some(Body::Multipart(m));
        }
        if let Some(b) = &self.body {
            return Some(Body::Raw(b));
        }
        self.body_file.as_ref().map(Body::File)
    }
}

/// A GraphQL request, sent as JSON (`{"query", "variables", "operationName"}`).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::query_or_file)]
pub(crate) struct GraphQl {
    /// The query or mutation, sent as written (no templates: pass values in `variables`).
    pub query: Option<Spanned<String>>,
    /// A file holding the query, relative to the collection's folder.
    pub query_file: Option<Spanned<String>>,
    /// A map (or a template giving one); its strings are templates.
    #[schemars(extend("type" = ["object", "string"]))]
    pub variables: Option<Node>,
    pub operation_name: Option<Spanned<String>>,
}

/// One part of a multipart body: a `value` or a `file`.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::value_or_file)]
pub(crate) struct Part {
    pub name: Spanned<String>,
    pub value: Option<Node>,
    pub file: Option<Spanned<String>>,
    pub filename: Option<Spanned<String>>,
    pub content_type: Option<Spanned<String>>,
}

/// Credentials applied to a request.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(rename_all = "snake_case", transform = super::schema::auth_scheme)]
pub(crate) enum Auth {
    /// Removes the default auth.
    None,
    Basic(BasicAuth),
    Bearer(Spanned<String>),
    ApiKey(ApiKeyAuth),
    Digest(BasicAuth),
    Oauth2(OAuth2Auth),
}

#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct BasicAuth {
    pub username: Spanned<String>,
    pub password: Spanned<String>,
}

/// An API key in a header or in the query.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::header_or_query)]
pub(crate) struct ApiKeyAuth {
    pub header: Option<Spanned<String>>,
    pub query: Option<Spanned<String>>,
    pub value: Spanned<String>,
}

/// OAuth2 client credentials.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct OAuth2Auth {
    pub token_url: Spanned<String>,
    pub client_id: Spanned<String>,
    pub client_secret: Spanned<String>,
    pub scope: Option<Spanned<String>>,
}

/// A total timeout, or its parts.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub(crate) enum Timeout {
    Total(Spanned<DurationValue>),
    Parts(TimeoutParts),
}

#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TimeoutParts {
    pub connect: Option<Spanned<DurationValue>>,
    /// Idle time allowed between two reads.
    pub read: Option<Spanned<DurationValue>>,
    pub total: Option<Spanned<DurationValue>>,
}

/// Retries with exponential backoff.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct Retry {
    /// Every try counts, the first included.
    #[schemars(range(min = 1, max = 100))]
    pub attempts: Option<Spanned<u32>>,
    pub backoff: Option<Spanned<DurationValue>>,
    pub max_backoff: Option<Spanned<DurationValue>>,
    #[schemars(inner(range(min = 100, max = 599)))]
    pub on_status: Option<Vec<Spanned<u16>>>,
    /// Retry connection errors and timeouts.
    pub on_error: Option<bool>,
    /// Also retry connection errors of non-idempotent methods (POST, PATCH).
    pub non_idempotent: Option<bool>,
}

/// `true`/`false`, or the most hops to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(untagged)]
pub(crate) enum Redirects {
    Enabled(bool),
    Max(#[schemars(range(max = 100))] u32),
}

#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::cert_with_key)]
pub(crate) struct Tls {
    pub insecure: Option<bool>,
    pub cacert: Option<Spanned<String>>,
    pub cert: Option<Spanned<String>>,
    pub key: Option<Spanned<String>>,
}

/// Polling: re-send until `expect` holds.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct RetryUntil {
    #[schemars(range(min = 1, max = 10000))]
    pub attempts: Spanned<u32>,
    pub interval: Option<Spanned<DurationValue>>,
}

/// What the response must look like; an empty map checks nothing, so is an error.
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields, extend("minProperties" = 1))]
pub(crate) struct Expect {
    /// `200`, `[200, 201]` or `"2xx"`; default: any 2xx or 3xx.
    pub status: Option<Spanned<StatusExpect>>,
    /// Names are case-insensitive.
    #[schemars(extend("minProperties" = 1))]
    pub headers: Option<Map<ExpectValue>>,
    /// JSONPath (RFC 9535) → expectation.
    #[schemars(extend("minProperties" = 1))]
    pub json: Option<Map<ExpectValue>>,
    /// The body as text.
    pub body: Option<ExpectValue>,
    #[schemars(extend("minProperties" = 1))]
    pub cookies: Option<Map<ExpectValue>>,
    pub duration: Option<ExpectValue>,
    /// A JSON Schema file, or an inline map.
    pub schema: Option<Node>,
    /// Compare the response with the one stored under `__snapshots__/`.
    pub snapshot: Option<Spanned<Snapshot>>,
    /// The body as bytes: its length, its digests, or a file it must equal.
    pub bytes: Option<BytesExpect>,
    /// The URL that answered, after redirects.
    pub url: Option<ExpectValue>,
    /// The redirects followed, as the list of URLs they led to (`length` counts them).
    pub redirects: Option<ExpectValue>,
    /// The HTTP version of the response: `HTTP/1.1`, `HTTP/2`.
    pub version: Option<ExpectValue>,
    /// CSS selector (`::attr(NAME)` for an attribute) on an HTML body → expectation.
    #[schemars(extend("minProperties" = 1))]
    pub html: Option<Map<ExpectValue>>,
    /// XPath 1.0 on an XML body (`//m:Order/@id`, `count(//item)`) → expectation.
    #[schemars(extend("minProperties" = 1))]
    pub xml: Option<Map<ExpectValue>>,
    /// Variables once this step's captures are made: a name or an expression
    /// (`total`, `items | length`, `price | number`) → expectation.
    #[schemars(extend("minProperties" = 1))]
    pub vars: Option<Map<ExpectValue>>,
}

/// `snapshot: true`, or what to leave out and add.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub(crate) enum Snapshot {
    Enabled(bool),
    Options(SnapshotOptions),
}

#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct SnapshotOptions {
    /// JSONPaths whose nodes are neither stored nor compared (stored as `"[ignored]"`).
    pub ignore: Option<Vec<Spanned<String>>>,
    /// Response headers stored and compared too.
    pub headers: Option<Vec<Spanned<String>>>,
}

/// Checks on the body's bytes (after content decoding).
#[derive(Debug, Clone, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct BytesExpect {
    /// How many bytes the body has.
    pub length: Option<ExpectValue>,
    /// The body's SHA-256, lowercase hex.
    pub sha256: Option<ExpectValue>,
    /// The body's MD5, lowercase hex.
    pub md5: Option<ExpectValue>,
    /// A file the body must equal byte for byte (relative to the collection's folder).
    pub file: Option<Spanned<String>>,
}

/// Expected status codes.
#[derive(Debug, Clone, PartialEq, Eq, JsonSchema)]
#[schemars(untagged)]
pub(crate) enum StatusExpect {
    One(StatusItem),
    Any(#[schemars(length(min = 1))] Vec<StatusItem>),
}

/// A status code, or a class such as `"2xx"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, JsonSchema)]
#[schemars(untagged)]
pub(crate) enum StatusItem {
    Code(#[schemars(range(min = 100, max = 599))] u16),
    /// `"2xx"`, or a code written as a string (`"200"`).
    Class(#[schemars(with = "String", regex(pattern = r"^[1-5]([xX][xX]|[0-9][0-9])$"))] u8),
}

/// A plain value (must be equal) or predicates that must all hold.
#[derive(Debug, Clone)]
pub(crate) enum ExpectValue {
    Plain(Node),
    Predicates(Vec<(Spanned<String>, Node)>),
}

impl schemars::JsonSchema for ExpectValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Expectation".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        super::schema::expect_value_schema(generator)
    }
}

/// A capture: a JSONPath string, or a map naming its source.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged, transform = super::schema::capture)]
pub(crate) enum Extract {
    Path(Spanned<String>),
    // Boxed: a spec has a field per source, a path one string.
    Spec(Box<ExtractSpec>),
}

#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(deny_unknown_fields, transform = super::schema::one_source)]
pub(crate) struct ExtractSpec {
    pub json: Option<Spanned<String>>,
    pub header: Option<Spanned<String>>,
    pub cookie: Option<Spanned<String>>,
    pub status: Option<bool>,
    /// The first group, on the body text.
    pub regex: Option<Spanned<String>>,
    /// A CSS selector on an HTML body: `input[name=csrf]::attr(value)`.
    pub css: Option<Spanned<String>>,
    /// An XPath 1.0 expression on an XML body: `//m:Order/@id`.
    pub xpath: Option<Spanned<String>>,
}
