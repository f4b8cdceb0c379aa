//! `auth:` as written → the model: exactly one kind per map, each kind's
//! keys checked, and a missing key reported once, at the kind's name.

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::read::{self, Errors, Fields};
use crate::model::{ApiKeyAuth, Auth, BasicAuth, OAuth2Auth};
use crate::model::{Node, NodeKind};
use crate::source::{Span, Spanned};

const AUTH_KINDS: &[&str] = &["basic", "bearer", "api_key", "digest", "oauth2"];

/// Reads the value of an `auth` key.
pub(crate) fn auth(errs: &mut Errors, node: &Node) -> Option<Auth> {
    if node.as_str() == Some("none") {
        return Some(Auth::None);
    }
    let NodeKind::Map(entries) = &node.kind else {
        // `auth: bearer abc` is the usual slip: show the map it meant.
        let help = match node.as_str().and_then(|s| s.split_once(' ')) {
            Some(("bearer" | "Bearer", token)) => format!("write `auth: {{ bearer: {} }}`", token.trim()),
            _ => "write `auth: none`, or a map naming the kind: `auth: { bearer: \"{{ token }}\" }`".into(),
        };
        errs.expected_with(
            "`none` or a map naming one kind (basic, bearer, api_key, digest, oauth2)",
            "auth",
            node,
            Some(help),
        );
        return None;
    };
    let (key, value) = match entries.as_slice() {
        [one] => one,
        [] => {
            errs.push(
                Diagnostic::at("`auth` is empty", node.span)
                    .with_help("name one kind: basic, bearer, api_key, digest or oauth2; or write `auth: none`"),
            );
            return None;
        }
        [(first, _), (second, _), ..] => {
            errs.push(Diagnostic::at(
                format!(
                    "`auth` names one kind; this one has `{}` and `{}`",
                    first.key_text(),
                    second.key_text()
                ),
                second.span,
            ));
            return None;
        }
    };
    match key.key_text().as_str() {
        "basic" => credentials(errs, key.span, "basic", "`basic`", value).map(Auth::Basic),
        "digest" => credentials(errs, key.span, "digest", "`digest`", value).map(Auth::Digest),
        "bearer" => read::string(errs, "bearer", value).map(Auth::Bearer),
        "api_key" => api_key(errs, key.span, value).map(Auth::ApiKey),
        "oauth2" => oauth2(errs, key.span, value).map(Auth::Oauth2),
        other => {
            let d = Diagnostic::at(format!("unknown auth kind `{other}`"), key.span);
            errs.push(match did_you_mean(other, AUTH_KINDS.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help("expected one of: none, basic, bearer, api_key, digest, oauth2"),
            });
            None
        }
    }
}

/// "`oauth2` needs `client_id` and `client_secret`", at the kind's name; keys
/// that look misspelled are left to the unknown-key error and its suggestion.
fn missing(errs: &mut Errors, f: &Fields, at: Span, kind: &str, keys: &[&str]) {
    let absent: Vec<String> = keys
        .iter()
        .filter(|k| !f.has(k) && !f.misspelled(k))
        .map(|k| format!("`{k}`"))
        .collect();
    let list = match absent.as_slice() {
        [] => return,
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    errs.push(Diagnostic::at(format!("`{kind}` needs {list}"), at));
}

fn credentials(errs: &mut Errors, at: Span, kind: &str, what: &'static str, value: &Node) -> Option<BasicAuth> {
    let mut f = Fields::of(errs, value, kind, what, &["username", "password"])?;
    let username = f.get("username").and_then(|n| read::string(errs, "username", n));
    let password = f.get("password").and_then(|n| read::string(errs, "password", n));
    missing(errs, &f, at, kind, &["username", "password"]);
    f.finish(errs);
    Some(BasicAuth {
        username: username?,
        password: password?,
    })
}

fn api_key(errs: &mut Errors, at: Span, value: &Node) -> Option<ApiKeyAuth> {
    let mut f = Fields::of(errs, value, "api_key", "`api_key`", &["header", "query", "value"])?;
    let a = ApiKeyAuth {
        header: f.get("header").and_then(|n| read::string(errs, "header", n)),
        query: f.get("query").and_then(|n| read::string(errs, "query", n)),
        value: f
            .get("value")
            .and_then(|n| read::string(errs, "value", n))
            .unwrap_or_else(|| Spanned::new(String::new(), value.span)),
    };
    match (f.key_span("header"), f.key_span("query")) {
        (Some(_), Some(query)) => errs.push(
            Diagnostic::at("`api_key` sends the key in a header or in the query, not both", query)
                .with_help("keep `header` or `query`"),
        ),
        (None, None) if !f.misspelled("header") && !f.misspelled("query") => errs.push(
            Diagnostic::at("`api_key` needs `header` or `query`: where to send the key", at)
                .with_help("`header: X-Api-Key` sends it in that header, `query: api_key` as that query parameter"),
        ),
        _ => {}
    }
    missing(errs, &f, at, "api_key", &["value"]);
    f.finish(errs);
    Some(a)
}

fn oauth2(errs: &mut Errors, at: Span, value: &Node) -> Option<OAuth2Auth> {
    let mut f = Fields::of(
        errs,
        value,
        "oauth2",
        "`oauth2`",
        &["token_url", "client_id", "client_secret", "scope"],
    )?;
    let token_url = f.get("token_url").and_then(|n| read::string(errs, "token_url", n));
    let client_id = f.get("client_id").and_then(|n| read::string(errs, "client_id", n));
    let client_secret = f
        .get("client_secret")
        .and_then(|n| read::string(errs, "client_secret", n));
    let scope = f.get("scope").and_then(|n| read::string(errs, "scope", n));
    missing(errs, &f, at, "oauth2", &["token_url", "client_id", "client_secret"]);
    f.finish(errs);
    Some(OAuth2Auth {
        token_url: token_url?,
        client_id: client_id?,
        client_secret: client_secret?,
        scope,
    })
}
