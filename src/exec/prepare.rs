//! Rendering a request plan into a request with no templates left.

use std::path::Path;
use std::sync::Arc;

use reqwest::{Method, Url};

use super::flow::{Cx, render_value};
use super::scope::Scope;
use crate::plan::{AuthPlan, BodyPlan, RequestPlan, StepPlan, TValue};
use crate::render::{Context, RenderError};
use crate::session::Prepared;
use crate::session::auth::{Dynamic, OAuth2Client};
use crate::session::request_body::RequestBody;

/// Why a request could not be prepared; the step errors with this message.
pub type PrepareError = String;

impl Cx<'_> {
    /// Renders method, URL, query, headers, auth and body.
    pub async fn prepare(&self, step: &StepPlan, r: &RequestPlan, scope: &Scope) -> Result<Prepared, PrepareError> {
        let ctx = self.context(scope, &step.dir);
        let renderer = &self.rc.renderer;
        let at = |what: &str, e: RenderError| format!("in `{what}`: {}", self.where_(e, step));
        let method_text = r
            .method
            .template
            .render_string(renderer, &ctx)
            .map_err(|e| at("method", e))?;
        let method = Method::from_bytes(method_text.trim().to_ascii_uppercase().as_bytes())
            .map_err(|_| format!("`{method_text}` is not an HTTP method"))?;
        let url_text = r.url.template.render_string(renderer, &ctx).map_err(|e| at("url", e))?;
        let mut url = self.join_url(&url_text)?;
        if let Some((user, password)) = crate::session::auth::url_credentials(&url) {
            // Credentials in the URL (`http://user:pass@host/`, or a token as the user): the
            // redactor masks them in any URL by position; the Basic header they are sent as is
            // a secret, and so is the credential itself wherever else it shows (a server
            // echoing it), when long enough not to mask unrelated text.
            self.secret(&crate::session::auth::basic_token(
                &user,
                password.as_deref().unwrap_or(""),
            ));
            let credential = password.as_deref().unwrap_or(&user);
            if credential.chars().count() >= crate::redact::MIN_LEARNED {
                self.secret(credential);
                self.secret(url.password().unwrap_or(url.username()));
            }
        }

        let mut query: Vec<(String, String)> = Vec::new();
        for (name, value) in &r.query {
            let json = render_value(renderer, value, &ctx).map_err(|e| at(&format!("query.{name}"), e))?;
            match json {
                serde_json::Value::Array(items) => {
                    query.extend(items.iter().map(|i| (name.clone(), text(i))));
                }
                serde_json::Value::Null => {}
                other => query.push((name.clone(), text(&other))),
            }
        }

        let mut headers: Vec<(String, String)> = Vec::with_capacity(r.headers.len() + 2);
        for (name, value) in &r.headers {
            let json = render_value(renderer, value, &ctx).map_err(|e| at(&format!("headers.{name}"), e))?;
            if !json.is_null() {
                headers.push((name.clone(), text(&json)));
            }
        }
        // The headers written in the collection; those Sortie adds below are known credentials or none.
        let user_headers = headers.len();
        let has_header =
            |headers: &[(String, String)], name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));

        let mut credential_headers = Vec::new();
        let mut dynamic = None;
        if let Some(auth) = &r.auth {
            let render =
                |t: &crate::plan::Tpl, what: &str| t.template.render_string(renderer, &ctx).map_err(|e| at(what, e));
            match auth {
                AuthPlan::Basic { username, password } => {
                    let u = render(username, "auth.basic.username")?;
                    let p = render(password, "auth.basic.password")?;
                    self.secret(&p);
                    let token = crate::session::auth::basic_token(&u, &p);
                    // A server that echoes the header back must not show the password encoded.
                    self.secret(&token);
                    headers.push(("Authorization".into(), format!("Basic {token}")));
                }
                AuthPlan::Bearer(t) => {
                    let token = render(t, "auth.bearer")?;
                    self.secret(&token);
                    headers.push(("Authorization".into(), format!("Bearer {token}")));
                }
                AuthPlan::ApiKeyHeader { name, value } => {
                    let v = render(value, "auth.api_key.value")?;
                    self.secret(&v);
                    self.lock().add_header(name);
                    credential_headers.push(name.to_ascii_lowercase());
                    headers.push((name.clone(), v));
                }
                AuthPlan::ApiKeyQuery { name, value } => {
                    let v = render(value, "auth.api_key.value")?;
                    self.secret(&v);
                    query.push((name.clone(), v));
                }
                AuthPlan::Digest { username, password } => {
                    let username = render(username, "auth.digest.username")?;
                    let password = render(password, "auth.digest.password")?;
                    self.secret(&password);
                    dynamic = Some(Dynamic::Digest { username, password });
                }
                AuthPlan::OAuth2 {
                    token_url,
                    client_id,
                    client_secret,
                    scope,
                } => {
                    let token_url = self.join_url(&render(token_url, "auth.oauth2.token_url")?)?;
                    let client_id = render(client_id, "auth.oauth2.client_id")?;
                    let client_secret = render(client_secret, "auth.oauth2.client_secret")?;
                    self.secret(&client_id);
                    self.secret(&client_secret);
                    let scope = match scope {
                        Some(s) => Some(render(s, "auth.oauth2.scope")?),
                        None => None,
                    };
                    dynamic = Some(Dynamic::OAuth2(Arc::new(OAuth2Client {
                        token_url,
                        client_id,
                        client_secret,
                        scope,
                    })));
                }
            }
        }
        // A header whose value holds a secret carries a credential: dropped on a cross-origin
        // redirect. Checked once auth has registered its secrets; only the collection's own
        // headers (Authorization is always dropped, an api_key header is listed above), as each
        // check scans every secret known.
        {
            let mut redactor = self.lock();
            for (name, value) in &headers[..user_headers] {
                // A credential written as a literal header is masked if a server echoes it.
                redactor.learn_header(name, value);
                if redactor.text(value) != value.as_str() {
                    credential_headers.push(name.to_ascii_lowercase());
                }
            }
        }
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &query {
                pairs.append_pair(k, v);
            }
        }

        let body = match &r.body {
            None => None,
            Some(BodyPlan::Json(v)) => {
                let json = render_value(renderer, v, &ctx).map_err(|e| at("json", e))?;
                if !has_header(&headers, "content-type") {
                    headers.push(("Content-Type".into(), "application/json".into()));
                }
                Some(RequestBody::bytes(
                    serde_json::to_vec(&json).map_err(|e| format!("cannot encode the JSON body: {e}"))?,
                ))
            }
            Some(BodyPlan::Form(fields)) => {
                let mut form = form_urlencoded::Serializer::new(String::new());
                for (name, value) in fields {
                    match render_value(renderer, value, &ctx).map_err(|e| at(&format!("form.{name}"), e))? {
                        serde_json::Value::Array(items) => items.iter().for_each(|i| {
                            form.append_pair(name, &text(i));
                        }),
                        other => {
                            form.append_pair(name, &text(&other));
                        }
                    }
                }
                if !has_header(&headers, "content-type") {
                    headers.push(("Content-Type".into(), "application/x-www-form-urlencoded".into()));
                }
                Some(RequestBody::bytes(form.finish()))
            }
            Some(BodyPlan::Raw(t)) => Some(RequestBody::bytes(
                t.template.render_string(renderer, &ctx).map_err(|e| at("body", e))?,
            )),
            Some(BodyPlan::File(path)) => {
                // Streamed at send time; a file that is missing now is this step's error.
                check_file(path).await?;
                if !has_header(&headers, "content-type") {
                    headers.push(("Content-Type".into(), guess_type(path)));
                }
                Some(RequestBody::file(path))
            }
            Some(BodyPlan::Multipart(parts)) => {
                let boundary = format!("sortie-{}", uuid::Uuid::new_v4().simple());
                let mut body = RequestBody::default();
                for part in parts {
                    body.push_bytes(format!("--{boundary}\r\n"));
                    let mut disposition =
                        format!("Content-Disposition: form-data; name=\"{}\"", escape_quoted(&part.name));
                    let filename = part.filename.clone().or_else(|| {
                        part.file
                            .as_ref()
                            .and_then(|p| p.file_name())
                            .map(|f| f.to_string_lossy().into_owned())
                    });
                    if let Some(f) = filename {
                        disposition.push_str(&format!("; filename=\"{}\"", escape_quoted(&f)));
                    }
                    body.push_bytes(disposition + "\r\n");
                    let ctype = match &part.file {
                        Some(path) if part.value.is_none() => {
                            Some(part.content_type.clone().unwrap_or_else(|| guess_type(path)))
                        }
                        _ => part.content_type.clone(),
                    };
                    if let Some(ct) = ctype {
                        body.push_bytes(format!("Content-Type: {ct}\r\n"));
                    }
                    body.push_bytes("\r\n");
                    match (&part.value, &part.file) {
                        (Some(v), _) => body.push_bytes(
                            self.part_value(v, &ctx)
                                .map_err(|e| at(&format!("multipart.{}", part.name), e))?,
                        ),
                        (None, Some(path)) => {
                            check_file(path).await?;
                            body.push_file(path);
                        }
                        (None, None) => {}
                    }
                    body.push_bytes("\r\n");
                }
                body.push_bytes(format!("--{boundary}--\r\n"));
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
                headers.push((
                    "Content-Type".into(),
                    format!("multipart/form-data; boundary={boundary}"),
                ));
                Some(body)
            }
        };

        Ok(Prepared {
            method,
            url,
            headers,
            body,
            credential_headers,
            auth: dynamic,
        })
    }

    fn part_value(&self, v: &TValue, ctx: &Context) -> Result<Vec<u8>, RenderError> {
        Ok(text(&render_value(&self.rc.renderer, v, ctx)?).into_bytes())
    }

    /// An absolute URL as is; anything else appended to `base_url`.
    fn join_url(&self, url: &str) -> Result<Url, String> {
        let url = url.trim();
        let absolute = url.starts_with("http://") || url.starts_with("https://") || url.contains("://");
        let full = match (&self.base_url, absolute) {
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

    pub fn secret(&self, value: &str) {
        self.lock().add(value);
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, crate::redact::Redactor> {
        self.redactor.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A file to stream must exist and be a file now, so the step errors before anything is sent.
async fn check_file(path: &Path) -> Result<(), String> {
    match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("cannot read `{}`: not a file", path.display())),
        Err(e) => Err(format!(
            "cannot read `{}`: {}",
            path.display(),
            crate::files::io_reason(&e)
        )),
    }
}

fn escape_quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace(['\r', '\n'], " ")
}

/// A value as text for a URL, header or form: strings as they are, the rest as JSON.
pub fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The content type of a file, from its extension; `application/octet-stream` when unknown.
fn guess_type(path: &Path) -> String {
    mime_guess::from_path(path)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}
