//! The compiled form of collections that the executor runs: templates,
//! JSONPaths, regexes and schemas compiled once, defaults merged into every
//! request. Nothing here is parsed again at run time.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::check::{Predicate, Schema};
use crate::jsonpath::JsonPath;
use crate::render::Template;
use crate::source::{FileId, Span};

/// Every collection of a run, in the order they were named.
#[derive(Debug, Default)]
pub struct Plan {
    pub collections: Vec<CollectionPlan>,
}

/// A compiled template and where it was written.
#[derive(Debug, Clone)]
pub struct Tpl {
    pub template: Template,
    pub span: Span,
}

/// A value tree whose strings may be templates. Subtrees without any
/// template are kept as one constant.
#[derive(Debug, Clone)]
pub enum TValue {
    Const(serde_json::Value),
    Str(Tpl),
    Seq(Vec<TValue>),
    Map(Vec<(String, TValue)>),
}

impl TValue {
    /// Calls `f` with every template in the tree.
    pub(crate) fn each_template(&self, f: &mut dyn FnMut(&Tpl)) {
        match self {
            TValue::Const(_) => {}
            TValue::Str(t) => f(t),
            TValue::Seq(items) => items.iter().for_each(|i| i.each_template(f)),
            TValue::Map(entries) => entries.iter().for_each(|(_, v)| v.each_template(f)),
        }
    }

    /// The value when it is a constant.
    pub fn into_const(self) -> Option<serde_json::Value> {
        match self {
            TValue::Const(v) => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct CollectionPlan {
    pub name: String,
    /// The path as given (or found in a folder).
    pub path: String,
    pub file: FileId,
    pub dir: Arc<Path>,
    pub tags: Vec<String>,
    pub base_url: Option<Tpl>,
    pub vars: Vec<(String, TValue)>,
    /// Names of variables whose values are secrets.
    pub secrets: Vec<String>,
    pub session: SessionPlan,
    pub setup: Vec<StepPlan>,
    pub steps: Vec<StepPlan>,
    pub teardown: Vec<StepPlan>,
    /// The top-level names its templates read (included files' too), sorted: what a `--var`
    /// can change.
    pub reads: Vec<String>,
    /// The OpenAPI spec its exchanges are checked against.
    pub(crate) contract: Option<crate::openapi::Contract>,
}

/// Settings of the collection's HTTP session.
#[derive(Debug, Clone, Default)]
pub struct SessionPlan {
    pub http2_prior_knowledge: bool,
    pub insecure: bool,
    pub cacert: Option<PathBuf>,
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

#[derive(Debug)]
pub struct StepPlan {
    /// The step's name as written (a template), or "METHOD url".
    pub name: Tpl,
    pub tags: Vec<String>,
    /// The step's `description`, shared by every run of it.
    pub description: Option<Arc<str>>,
    pub span: Span,
    pub file: FileId,
    pub dir: Arc<Path>,
    pub condition: Option<Tpl>,
    pub for_each: Option<TValue>,
    /// The loop item's variable name (default `item`).
    pub item_name: String,
    pub delay: Option<Duration>,
    /// How many units (loop items, or a group's steps) may run at once; 1 = in order.
    pub parallel: usize,
    pub kind: StepKind,
}

#[derive(Debug)]
pub enum StepKind {
    Request(Box<RequestPlan>),
    Group(GroupPlan),
    Include(IncludePlan),
}

#[derive(Debug)]
pub struct GroupPlan {
    /// How many units may run at once; 1 = in order.
    pub parallel: usize,
    pub steps: Vec<StepPlan>,
}

#[derive(Debug)]
pub struct IncludePlan {
    /// The include's `vars:`, its arguments.
    pub args: Vec<(String, TValue)>,
    /// The included file's own `vars`, looked up last.
    pub file_vars: Vec<(String, TValue)>,
    /// The included file, for errors in its `vars`.
    pub file: FileId,
    pub steps: Vec<StepPlan>,
}

#[derive(Debug)]
pub struct RequestPlan {
    pub method: Tpl,
    pub url: Tpl,
    /// Defaults first; a list value repeats the key.
    pub query: Vec<(String, TValue)>,
    /// Defaults merged under the step's (names compared case-insensitively).
    pub headers: Vec<(String, TValue)>,
    /// Cookies added to the jar's for this request only.
    pub cookies: Vec<(String, TValue)>,
    pub auth: Option<AuthPlan>,
    pub body: Option<BodyPlan>,
    pub timeouts: Timeouts,
    pub retry: RetryPlan,
    /// Most redirects to follow; 0 = none.
    pub max_redirects: u32,
    pub status: Vec<StatusClass>,
    pub status_span: Option<Span>,
    /// The expected status as reports show it: `200 or 201`, `2xx or 3xx`.
    pub status_text: String,
    pub expect: Vec<ExpectPlan>,
    pub schema: Option<(Arc<Schema>, Span)>,
    pub extract: Vec<ExtractPlan>,
    pub retry_until: Option<(u32, Duration)>,
    pub snapshot: Option<SnapshotPlan>,
    pub contract: StepContract,
}

/// How a request step is checked against its collection's OpenAPI spec.
#[derive(Debug, Clone, Copy, Default)]
pub struct StepContract {
    /// False without a spec, and for `openapi: false`.
    pub enabled: bool,
    /// Check the request too (false for `openapi: { requests: false }`).
    pub requests: bool,
    /// The operation named by `operation:`; else the URL sent is matched.
    pub operation: Option<usize>,
}

/// `expect.snapshot`, compiled: where the stored response lives and what it leaves out.
#[derive(Debug, Clone)]
pub struct SnapshotPlan {
    /// `<collection folder>/__snapshots__/<file stem>/<slug>`: a loop adds `-<item>`, then `.json`.
    pub base: PathBuf,
    /// The canonical file root: the snapshot is read and written only inside it.
    pub root: Arc<Path>,
    /// Nodes replaced by `"[ignored]"` before storing and comparing.
    pub ignore: Vec<JsonPath>,
    /// Response headers stored with the body, as written.
    pub headers: Vec<String>,
    pub span: Span,
}

/// An expected status code, or a class (`2xx` is `Class(2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Code(u16),
    Class(u8),
}

#[derive(Debug, Clone)]
pub enum AuthPlan {
    Basic {
        username: Tpl,
        password: Tpl,
    },
    Bearer(Tpl),
    ApiKeyHeader {
        name: String,
        value: Tpl,
    },
    ApiKeyQuery {
        name: String,
        value: Tpl,
    },
    Digest {
        username: Tpl,
        password: Tpl,
    },
    OAuth2 {
        token_url: Tpl,
        client_id: Tpl,
        client_secret: Tpl,
        scope: Option<Tpl>,
    },
}

#[derive(Debug, Clone)]
pub enum BodyPlan {
    Json(TValue),
    Form(Vec<(String, TValue)>),
    Raw(Tpl),
    File(PathBuf),
    Multipart(Vec<PartPlan>),
}

#[derive(Debug, Clone)]
pub struct PartPlan {
    pub name: Tpl,
    pub value: Option<TValue>,
    pub file: Option<PathBuf>,
    pub filename: Option<Tpl>,
    pub content_type: Option<Tpl>,
}

/// The built-in safe defaults (the README's "Safe defaults and limits"): a black-holed
/// host, a silent server and a trickling one each end a request.
pub(crate) const DEFAULT_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(10),
    read: Duration::from_secs(30),
    total: Duration::from_secs(60),
};
/// Redirects followed unless a collection or step says otherwise.
pub(crate) const DEFAULT_MAX_REDIRECTS: u32 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Idle time allowed between two reads.
    pub read: Duration,
    pub total: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPlan {
    pub attempts: u32,
    pub backoff: Duration,
    pub max_backoff: Duration,
    pub on_status: Vec<u16>,
    pub on_error: bool,
    pub non_idempotent: bool,
}

/// What an expectation looks at.
#[derive(Debug, Clone)]
pub enum Subject {
    Header(String),
    Json(JsonPath),
    Body,
    Cookie(String),
    /// Milliseconds.
    Duration,
    /// The body's length in bytes.
    BytesLength,
    /// The body's SHA-256 in lowercase hex; `file` names the file whose digest is expected.
    BytesSha256 {
        file: Option<String>,
    },
    /// The body's MD5 in lowercase hex.
    BytesMd5,
    /// The URL that answered, after redirects.
    Url,
    /// The URLs the redirects led to, in order.
    Redirects,
    /// `HTTP/1.1`, `HTTP/2`, ...
    Version,
    /// A variable or an expression, once the step's captures are made.
    Var(Tpl),
    /// A CSS selector on an HTML body.
    Css(crate::check::css::CssQuery),
    /// An XPath expression on an XML body.
    Xml(crate::check::xpath::XPathQuery),
}

impl Subject {
    /// Headers, cookies and bodies are text: an expected number or boolean
    /// (`X-Count: 5`, or a template rendering to one) is compared as its text.
    pub fn as_text(&self, predicate: &mut Predicate) {
        if let Predicate::Not(inner) | Predicate::All(inner) = predicate {
            inner.iter_mut().for_each(|p| self.as_text(p));
            return;
        }
        // A cookie attribute (`sid[Max-Age]`, `sid[Secure]`) keeps its number or flag.
        // So does an XPath that computes a number or a boolean (`count(//item)`).
        let attribute = matches!(self, Subject::Cookie(c) if c.ends_with(']'))
            || matches!(self, Subject::Xml(q) if !q.selects_nodes());
        if let Subject::Header(_) | Subject::Cookie(_) | Subject::Body | Subject::Css(_) | Subject::Xml(_) = self
            && !attribute
            && let Predicate::Equals(value) | Predicate::NotEquals(value) = predicate
            && (value.is_number() || value.is_boolean())
        {
            *value = serde_json::Value::String(value.to_string());
        }
    }

    /// How reports name it: `header Content-Type`, `json $.id`, `body`, ...
    pub fn describe(&self) -> String {
        match self {
            Subject::Header(h) => format!("header {h}"),
            Subject::Json(p) => format!("json {}", p.as_str()),
            Subject::Body => "body".into(),
            Subject::Cookie(c) => format!("cookie {c}"),
            Subject::Duration => "duration".into(),
            Subject::BytesLength => "bytes length".into(),
            Subject::BytesSha256 { file: None } => "bytes sha256".into(),
            Subject::BytesSha256 { file: Some(f) } => format!("bytes (as file {f}) sha256"),
            Subject::BytesMd5 => "bytes md5".into(),
            Subject::Url => "url".into(),
            Subject::Redirects => "redirects".into(),
            Subject::Version => "version".into(),
            Subject::Var(t) => format!("var {}", t.template.source()),
            Subject::Css(q) => format!("html {}", q.as_str()),
            Subject::Xml(q) => format!("xml {}", q.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExpectPlan {
    pub subject: Subject,
    /// `subject.describe()`, made once at load: every check result and failure names it.
    pub label: String,
    pub checks: Vec<CheckPlan>,
    pub span: Span,
}

/// One predicate whose expected value is rendered at run time.
#[derive(Debug, Clone)]
pub enum CheckPlan {
    /// Fully known at load time.
    Ready(Predicate),
    /// Built from the rendered value: `name` is the predicate name.
    Render { name: String, value: TValue },
}

#[derive(Debug, Clone)]
pub struct ExtractPlan {
    pub name: String,
    pub source: ExtractSource,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExtractSource {
    Json(JsonPath),
    Header(String),
    Cookie(String),
    Status,
    Regex(Arc<regex::Regex>),
    Css(crate::check::css::CssQuery),
    Xml(crate::check::xpath::XPathQuery),
}
