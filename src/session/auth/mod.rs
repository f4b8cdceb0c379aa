//! Auth that needs a round trip of its own: Digest (answer a 401 challenge
//! once, then send credentials pre-emptively with a counted nonce) and OAuth2
//! client credentials (fetch a token once, share it, fetch again on expiry or
//! a 401). The request stage calls [`send`] around [`Session::send`]; the
//! caches live in the session, so every step of a collection shares them.

pub(crate) mod digest;
mod oauth2;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::Url;
use reqwest::header::WWW_AUTHENTICATE;

pub(crate) use self::oauth2::OAuth2Client;
use crate::plan::Timeouts;
use crate::session::{Origin, Prepared, Response, SendError, Session, origin};

/// Rendered credentials of an auth kind that talks to a server first.
#[derive(Debug, Clone)]
pub(crate) enum Dynamic {
    Digest { username: String, password: String },
    OAuth2(Arc<OAuth2Client>),
}

/// Per-session auth state: digest challenges by origin, OAuth2 tokens by client.
#[derive(Default)]
pub(crate) struct AuthCache {
    digest: Mutex<HashMap<Origin, DigestState>>,
    tokens: oauth2::Tokens,
}

struct DigestState {
    challenge: digest::Challenge,
    /// The last nonce count sent with this nonce.
    nc: u32,
}

/// The outcome of an authenticated send.
pub(crate) struct Sent {
    pub response: Response,
    /// The `Authorization` value this module set on the last request sent, if any.
    pub authorization: Option<String>,
}

/// Sends `req` (one attempt, redirects followed), applying its dynamic auth.
/// Reports every new credential (an obtained token) to `secret` before use.
pub(crate) async fn send(
    session: &Session,
    req: &Prepared,
    t: &Timeouts,
    max_redirects: u32,
    secret: &dyn Fn(&str),
) -> Result<Sent, SendError> {
    match &req.auth {
        None => Ok(Sent {
            response: session.send(req, t, max_redirects).await?,
            authorization: None,
        }),
        Some(Dynamic::Digest { username, password }) => {
            send_digest(session, req, t, max_redirects, username, password).await
        }
        Some(Dynamic::OAuth2(client)) => send_oauth2(session, req, t, max_redirects, client, secret).await,
    }
}

async fn send_digest(
    session: &Session,
    req: &Prepared,
    t: &Timeouts,
    max_redirects: u32,
    username: &str,
    password: &str,
) -> Result<Sent, SendError> {
    let origin = origin(&req.url);
    let target = request_target(&req.url);
    let method = req.method.as_str();
    let cache = &session.auth;
    let pre = cache.digest_answer(&origin, None, username, password, method, &target);
    let response = session.send_as(req, pre.as_deref(), t, max_redirects).await?;
    if !challenged(&response, &origin) {
        cache.digest_next_nonce(&origin, &response);
        return Ok(Sent {
            response,
            authorization: pre,
        });
    }
    let values = response.headers.get_all(WWW_AUTHENTICATE);
    let challenge = match digest::find_challenge(values.iter().filter_map(|v| v.to_str().ok())) {
        None => {
            return Ok(Sent {
                response,
                authorization: pre,
            });
        }
        Some(Err(why)) => return Err(SendError::new(why, false)),
        Some(Ok(c)) => c,
    };
    // Answer once: a fresh challenge, a stale nonce or a rejected pre-emptive
    // answer all get exactly one more try; a second 401 is the step's result.
    let answer = cache.digest_answer(&origin, Some(challenge), username, password, method, &target);
    let challenged_by = response.exchanges;
    let mut response = session.send_as(req, answer.as_deref(), t, max_redirects).await?;
    // The challenge was an exchange of the step's too.
    response.exchanges.splice(0..0, challenged_by);
    if response.status != 401 {
        cache.digest_next_nonce(&origin, &response);
    }
    Ok(Sent {
        response,
        authorization: answer,
    })
}

async fn send_oauth2(
    session: &Session,
    req: &Prepared,
    t: &Timeouts,
    max_redirects: u32,
    client: &OAuth2Client,
    secret: &dyn Fn(&str),
) -> Result<Sent, SendError> {
    let tokens = &session.auth.tokens;
    let token = tokens.get(session, client, t, secret, None).await?;
    let header = format!("Bearer {token}");
    let response = session.send_as(req, Some(&header), t, max_redirects).await?;
    if !challenged(&response, &origin(&req.url)) {
        return Ok(Sent {
            response,
            authorization: Some(header),
        });
    }
    // The token may have been revoked or expired early: one new token, one more try.
    let token = tokens.get(session, client, t, secret, Some(&token)).await?;
    let header = format!("Bearer {token}");
    let refused = response.exchanges;
    let mut response = session.send_as(req, Some(&header), t, max_redirects).await?;
    response.exchanges.splice(0..0, refused);
    Ok(Sent {
        response,
        authorization: Some(header),
    })
}

/// The credentials of HTTP Basic auth (RFC 7617): `user:password` in base64.
pub(crate) fn basic_token(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// The user and password written in a URL (`http://user:pass@host/`),
/// percent-decoded; None when it has neither. They are sent as Basic auth.
pub(crate) fn url_credentials(url: &Url) -> Option<(String, Option<String>)> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    Some((decode(url.username()), url.password().map(decode)))
}

/// A 401 from the request's own origin. One from another origin, after a
/// redirect, is that origin's answer: the credentials were not sent there.
fn challenged(response: &Response, request_origin: &Origin) -> bool {
    response.status == 401 && origin(&response.url) == *request_origin
}

impl AuthCache {
    /// The digest answer for a request: with `fresh`, from that new challenge
    /// (cached for the origin, nonce count from 1); without, from the cached
    /// challenge with the next nonce count, or `None` before any challenge.
    fn digest_answer(
        &self,
        origin: &Origin,
        fresh: Option<digest::Challenge>,
        username: &str,
        password: &str,
        method: &str,
        target: &str,
    ) -> Option<String> {
        let mut map = self.digest.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(challenge) = fresh {
            map.insert(origin.clone(), DigestState { challenge, nc: 0 });
        }
        let state = map.get_mut(origin)?;
        state.nc = state.nc.wrapping_add(1).max(1);
        Some(
            state
                .challenge
                .authorization(username, password, method, target, state.nc, &digest::cnonce()),
        )
    }

    /// Takes the server's `nextnonce` (RFC 7616 §3.5) for the next request.
    fn digest_next_nonce(&self, origin: &Origin, response: &Response) {
        let Some(next) = response
            .headers
            .get("authentication-info")
            .and_then(|v| v.to_str().ok())
            .and_then(digest::next_nonce)
        else {
            return;
        };
        let mut map = self.digest.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(state) = map.get_mut(origin) {
            state.challenge.nonce = next;
            state.nc = 0;
        }
    }
}

/// The request target as sent on the request line: path and query.
fn request_target(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn response(status: u16, url: &str, headers: &[(&'static str, &'static str)]) -> Response {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        Response {
            status,
            headers: map,
            body: bytes::Bytes::new(),
            url: Url::parse(url).unwrap(),
            redirects: Vec::new(),
            version: reqwest::Version::HTTP_11,
            elapsed: std::time::Duration::ZERO,
            sent: HeaderMap::new(),
            exchanges: Vec::new(),
            received: None,
        }
    }

    fn param<'a>(answer: &'a str, name: &str) -> &'a str {
        let start = answer
            .find(&format!(" {name}="))
            .unwrap_or_else(|| panic!("{name} in {answer}"))
            + name.len()
            + 2;
        let rest = &answer[start..];
        rest[..rest.find(',').unwrap_or(rest.len())].trim_matches('"')
    }

    #[test]
    fn basic_credentials_and_url_userinfo() {
        assert_eq!(basic_token("Aladdin", "open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(url_credentials(&url("http://h/")), None);
        assert_eq!(
            url_credentials(&url("http://us%40er:p%3Aw@h/")),
            Some(("us@er".to_owned(), Some("p:w".to_owned())))
        );
        assert_eq!(url_credentials(&url("http://bob@h/")), Some(("bob".to_owned(), None)));
        assert_eq!(
            url_credentials(&url("http://:pw@h/")),
            Some((String::new(), Some("pw".to_owned())))
        );
    }

    #[test]
    fn the_target_is_path_and_query() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(request_target(&url("http://h/a/b?x=1&y")), "/a/b?x=1&y");
        assert_eq!(request_target(&url("http://h/a#frag")), "/a");
        assert_eq!(request_target(&url("http://h")), "/");
    }

    #[test]
    fn only_a_401_from_the_request_origin_is_a_challenge() {
        let here = origin(&Url::parse("http://a.test/x").unwrap());
        assert!(challenged(&response(401, "http://a.test/y", &[]), &here));
        assert!(!challenged(&response(403, "http://a.test/y", &[]), &here));
        assert!(!challenged(&response(401, "http://b.test/y", &[]), &here));
        assert!(!challenged(&response(401, "http://a.test:81/y", &[]), &here));
    }

    #[test]
    fn digest_answers_count_their_nonce_and_take_the_next_one() {
        let cache = AuthCache::default();
        let here = origin(&Url::parse("http://a.test/").unwrap());
        let elsewhere = origin(&Url::parse("http://b.test/").unwrap());
        // Nothing to answer before a challenge.
        assert_eq!(cache.digest_answer(&here, None, "u", "p", "GET", "/"), None);
        let challenge = digest::find_challenge(["Digest realm=\"r\", nonce=\"n1\", qop=auth"])
            .unwrap()
            .unwrap();
        let first = cache
            .digest_answer(&here, Some(challenge.clone()), "u", "p", "GET", "/x")
            .unwrap();
        assert_eq!((param(&first, "nonce"), param(&first, "nc")), ("n1", "00000001"));
        assert_eq!(param(&first, "uri"), "/x");
        let second = cache.digest_answer(&here, None, "u", "p", "GET", "/x").unwrap();
        assert_eq!(param(&second, "nc"), "00000002");
        assert_eq!(cache.digest_answer(&elsewhere, None, "u", "p", "GET", "/"), None);

        // A response without Authentication-Info changes nothing...
        cache.digest_next_nonce(&here, &response(200, "http://a.test/x", &[]));
        let third = cache.digest_answer(&here, None, "u", "p", "GET", "/x").unwrap();
        assert_eq!((param(&third, "nonce"), param(&third, "nc")), ("n1", "00000003"));
        // ...a nextnonce starts a new count with it.
        let next = [("authentication-info", "rspauth=\"x\", nextnonce=\"n2\"")];
        cache.digest_next_nonce(&here, &response(200, "http://a.test/x", &next));
        let fourth = cache.digest_answer(&here, None, "u", "p", "GET", "/x").unwrap();
        assert_eq!((param(&fourth, "nonce"), param(&fourth, "nc")), ("n2", "00000001"));
        // A fresh challenge restarts the count too.
        let again = cache
            .digest_answer(&here, Some(challenge), "u", "p", "GET", "/x")
            .unwrap();
        assert_eq!((param(&again, "nonce"), param(&again, "nc")), ("n1", "00000001"));
    }
}
