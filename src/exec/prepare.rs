//! Rendering a request plan into a request with no templates left: method,
//! URL, query and headers here; credentials in `auth.rs`, bodies in `body.rs`.

use std::sync::Arc;

use reqwest::{Method, Url};

use super::auth::{learn_url_credentials, render_auth};
use super::body::render_body;
use super::flow::{Cx, render_value};
use super::scope::Scope;
use crate::plan::{RequestPlan, StepPlan, TValue, Tpl};
use crate::render::{Context, RenderError};
use crate::session::Prepared;

/// Renders one step's templates, naming the key, the step and its file in errors.
pub(super) struct StepRender<'a> {
    cx: &'a Cx<'a>,
    step: &'a StepPlan,
    ctx: Context,
    /// Set when a template needs a capture that an unreachable server kept from being made:
    /// the step is then skipped for that reason rather than failing on its own.
    unreachable: std::cell::RefCell<Option<Arc<str>>>,
}

/// Why a request could not be prepared.
pub(super) struct Unprepared {
    pub message: String,
    /// Set when it needs a capture that an unreachable server kept from being made: the
    /// reason to skip it with.
    pub unreachable: Option<Arc<str>>,
}

impl StepRender<'_> {
    /// `what` names the key in an error: `in `headers.X-Id`: undefined variable …`.
    pub(super) fn string(&self, what: &str, t: &Tpl) -> Result<String, String> {
        t.template
            .render_string(&self.cx.rc.renderer, &self.ctx)
            .map_err(|e| self.error(what, e))
    }

    pub(super) fn value(&self, what: &str, v: &TValue) -> Result<serde_json::Value, String> {
        render_value(&self.cx.rc.renderer, v, &self.ctx).map_err(|e| self.error(what, e))
    }

    fn error(&self, what: &str, e: RenderError) -> String {
        if let Some(why) = self.cx.causes.unreachable(&e) {
            *self.unreachable.borrow_mut() = Some(why);
        }
        format!("in `{what}`: {}", self.cx.where_(e, self.step))
    }

    /// A URL, joined to the collection's `base_url` when relative.
    pub(super) fn url(&self, what: &str, t: &Tpl) -> Result<Url, String> {
        self.cx.join_url(&self.string(what, t)?)
    }
}

/// The parts of a request that auth and bodies add to while it is prepared.
#[derive(Default)]
pub(super) struct Draft {
    pub(super) headers: Vec<(String, String)>,
    pub(super) query: Vec<(String, String)>,
    /// Header names (lower case) that carry credentials: dropped on a cross-origin redirect.
    pub(super) credential_headers: Vec<String>,
    /// How curl writes the credentials and multipart parts.
    pub(super) replay: crate::session::curl::Replay,
}

impl Draft {
    /// Adds a header unless the step set one of that name.
    pub(super) fn default_header(&mut self, name: &str, value: &str) {
        if !self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            self.headers.push((name.to_owned(), value.to_owned()));
        }
    }
}

impl<'a> Cx<'a> {
    /// Renders method, URL, query, headers, auth and body.
    pub(super) async fn prepare(
        &'a self,
        step: &'a StepPlan,
        r: &RequestPlan,
        scope: &Scope,
    ) -> Result<Prepared, Unprepared> {
        let render = StepRender {
            cx: self,
            step,
            ctx: self.context(scope, &step.dir),
            unreachable: std::cell::RefCell::default(),
        };
        self.render_request(&render, r).await.map_err(|message| Unprepared {
            message,
            unreachable: render.unreachable.take(),
        })
    }

    async fn render_request(&'a self, render: &StepRender<'a>, r: &RequestPlan) -> Result<Prepared, String> {
        let method_text = render.string("method", &r.method)?;
        let method = Method::from_bytes(method_text.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("`{method_text}` is not an HTTP method"))?;
        let mut url = render.url("url", &r.url)?;
        learn_url_credentials(&self.secrets, &url);

        let mut draft = Draft {
            headers: Vec::with_capacity(r.headers.len() + 2),
            ..Draft::default()
        };
        for (name, value) in &r.query {
            match render.value(&format!("query.{name}"), value)? {
                serde_json::Value::Array(items) => {
                    draft.query.extend(items.iter().map(|i| (name.clone(), text(i))));
                }
                serde_json::Value::Null => {}
                other => draft.query.push((name.clone(), text(&other))),
            }
        }
        for (name, value) in &r.headers {
            // A list is one header line per item, as `query` repeats its key; `null` (a
            // value, or an item) sends no line: a way to send a header only sometimes.
            let lines = match render.value(&format!("headers.{name}"), value)? {
                serde_json::Value::Array(items) => items,
                one => vec![one],
            };
            let before = draft.headers.len();
            draft.headers.extend(
                lines
                    .iter()
                    .filter(|line| !line.is_null())
                    .map(|line| (name.clone(), text(line))),
            );
            // A header made from a secret is a credential, whatever form the template
            // gave it (`|b64encode`): shown masked, never forwarded to another origin.
            if draft.headers.len() > before && reads_secret(value, &self.secrets) {
                self.secrets.lock().add_header(name);
                draft.credential_headers.push(name.to_ascii_lowercase());
            }
        }
        if !r.cookies.is_empty() {
            let mut added = Vec::with_capacity(r.cookies.len());
            for (name, value) in &r.cookies {
                let json = render.value(&format!("cookies.{name}"), value)?;
                if !json.is_null() {
                    added.push((name.clone(), text(&json)));
                }
            }
            self.cookie_header(&mut draft.headers, &url, added);
        }
        // The headers written in the collection; those auth adds are known credentials or none.
        let user_headers = draft.headers.len();
        let dynamic = match &r.auth {
            Some(auth) => render_auth(auth, render, &self.secrets, &mut draft)?,
            None => None,
        };
        // A header whose value holds a secret carries a credential: dropped on a cross-origin
        // redirect. Checked once auth has registered its secrets; only the collection's own
        // headers (Authorization is always dropped, an api_key header is listed already), as
        // each check scans every secret known.
        {
            let mut redactor = self.secrets.lock();
            for (name, value) in &draft.headers[..user_headers] {
                // A credential written as a literal header is masked if a server echoes it.
                redactor.learn_header(name, value);
                if redactor.text(value) != value.as_str() {
                    draft.credential_headers.push(name.to_ascii_lowercase());
                }
            }
        }
        if !draft.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &draft.query {
                pairs.append_pair(k, v);
            }
        }
        let body = match &r.body {
            Some(plan) => Some(render_body(plan, render, &mut draft).await?),
            None => None,
        };
        Ok(Prepared {
            method,
            url,
            headers: draft.headers,
            body,
            credential_headers: draft.credential_headers,
            auth: dynamic,
            replay: crate::session::curl::Replay {
                redirects: r.max_redirects,
                ..draft.replay
            },
        })
    }

    /// Sends `added` with the jar's cookies for `url` in one `Cookie` header, an added cookie
    /// replacing the jar's of its name; the jar itself is left as it was. A `Cookie` header
    /// the request wrote replaces the jar (as without `cookies:`), and `added` follow it.
    fn cookie_header(&self, headers: &mut Vec<(String, String)>, url: &Url, added: Vec<(String, String)>) {
        if added.is_empty() {
            return;
        }
        let pairs = |list: &[(String, String)]| {
            list.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if let Some((_, written)) = headers.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case("cookie")) {
            written.push_str("; ");
            written.push_str(&pairs(&added));
            return;
        }
        let mut all = self.session.cookies_for(url);
        all.retain(|(k, _)| !added.iter().any(|(a, _)| a == k));
        all.extend(added);
        headers.push(("Cookie".to_owned(), pairs(&all)));
    }

    /// An absolute URL as is; anything else appended to `base_url`.
    fn join_url(&self, url: &str) -> Result<Url, String> {
        let url = url.trim();
        let full = match (&self.base_url, crate::text::is_absolute_url(url)) {
            (_, true) => url.to_owned(),
            (Some(base), false) => {
                if url.is_empty() {
                    base.clone()
                } else if url.starts_with('?') {
                    format!("{base}{url}")
                } else {
                    format!("{}/{}", base.trim_end_matches('/'), url.trim_start_matches('/'))
                }
            }
            (None, false) => {
                return Err(format!(
                    "`{url}` is not an absolute URL and the collection has no `base_url`"
                ));
            }
        };
        let parsed = self
            .session
            .parse_url(&full)
            .map_err(|e| format!("invalid URL `{full}`: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "unsupported URL scheme `{}` in `{full}`: only http and https",
                parsed.scheme()
            ));
        }
        Ok(parsed)
    }
}

/// True when a template in `v` reads a secret variable or environment variable.
fn reads_secret(v: &TValue, secrets: &super::secrets::Secrets<'_>) -> bool {
    match v {
        TValue::Const(_) => false,
        TValue::Str(t) => secrets.read_by(&t.template),
        TValue::Seq(items) => items.iter().any(|i| reads_secret(i, secrets)),
        TValue::Map(entries) => entries.iter().any(|(_, i)| reads_secret(i, secrets)),
    }
}

/// A value as text for a URL, header or form: strings as they are, the rest as JSON.
pub(super) fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}
