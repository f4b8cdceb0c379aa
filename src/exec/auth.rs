//! A request step's credentials, rendered: URL credentials, and the step's
//! `auth` as a header, a query parameter, or a round trip the session makes
//! (digest, OAuth2). Every credential becomes a secret before anything shows it.

use std::sync::Arc;

use reqwest::Url;

use super::prepare::{Draft, StepRender};
use super::secrets::Secrets;
use crate::plan::AuthPlan;
use crate::session::auth::{Dynamic, OAuth2Client, basic_token, url_credentials};
use crate::session::curl::UserAuth;

/// Credentials in the URL (`http://user:pass@host/`, or a token as the user): the
/// redactor masks them in any URL by position; the Basic header they are sent as is
/// a secret, and so is the credential itself wherever else it shows (a server
/// echoing it), when long enough not to mask unrelated text.
pub(super) fn learn_url_credentials(secrets: &Secrets<'_>, url: &Url) {
    let Some((user, password)) = url_credentials(url) else {
        return;
    };
    secrets.add(&basic_token(&user, password.as_deref().unwrap_or("")));
    let credential = password.as_deref().unwrap_or(&user);
    if credential.chars().count() >= crate::redact::MIN_FREE_TEXT {
        secrets.add(credential);
        secrets.add(url.password().unwrap_or(url.username()));
    }
}

/// Renders `auth` into `draft` (a header or query parameter), or into the
/// round-trip auth returned for the session to apply.
pub(super) fn render_auth(
    auth: &AuthPlan,
    render: &StepRender<'_>,
    secrets: &Secrets<'_>,
    draft: &mut Draft,
) -> Result<Option<Dynamic>, String> {
    match auth {
        AuthPlan::Basic { username, password } => {
            let u = render.string("auth.basic.username", username)?;
            let p = render.string("auth.basic.password", password)?;
            secrets.add(&p);
            let token = basic_token(&u, &p);
            // A server that echoes the header back must not show the password encoded.
            secrets.add(&token);
            draft.headers.push(("Authorization".into(), format!("Basic {token}")));
            draft.replay.user = Some(UserAuth {
                user: u,
                password: p,
                digest: false,
            });
        }
        AuthPlan::Bearer(t) => {
            let token = render.string("auth.bearer", t)?;
            secrets.add(&token);
            draft.headers.push(("Authorization".into(), format!("Bearer {token}")));
        }
        AuthPlan::ApiKeyHeader { name, value } => {
            let v = render.string("auth.api_key.value", value)?;
            secrets.add(&v);
            secrets.lock().add_header(name);
            draft.credential_headers.push(name.to_ascii_lowercase());
            draft.headers.push((name.clone(), v));
        }
        AuthPlan::ApiKeyQuery { name, value } => {
            let v = render.string("auth.api_key.value", value)?;
            secrets.add(&v);
            draft.query.push((name.clone(), v));
        }
        AuthPlan::Digest { username, password } => {
            let username = render.string("auth.digest.username", username)?;
            let password = render.string("auth.digest.password", password)?;
            secrets.add(&password);
            draft.replay.user = Some(UserAuth {
                user: username.clone(),
                password: password.clone(),
                digest: true,
            });
            return Ok(Some(Dynamic::Digest { username, password }));
        }
        AuthPlan::OAuth2 {
            token_url,
            client_id,
            client_secret,
            scope,
        } => {
            let token_url = render.url("auth.oauth2.token_url", token_url)?;
            draft.replay.oauth2_token_url = Some(secrets.lock().string(token_url.as_str()));
            let client_id = render.string("auth.oauth2.client_id", client_id)?;
            let client_secret = render.string("auth.oauth2.client_secret", client_secret)?;
            secrets.add(&client_id);
            secrets.add(&client_secret);
            let scope = match scope {
                Some(s) => Some(render.string("auth.oauth2.scope", s)?),
                None => None,
            };
            return Ok(Some(Dynamic::OAuth2(Arc::new(OAuth2Client {
                token_url,
                client_id,
                client_secret,
                scope,
            }))));
        }
    }
    Ok(None)
}
