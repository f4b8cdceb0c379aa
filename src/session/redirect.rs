//! Following a redirect: where the next hop goes, which method and body it
//! keeps, and which credentials it drops (any that would cross to another
//! origin), within the hop limit.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};

use super::error::SendError;
use super::request_body::RequestBody;
use super::{Prepared, origin};

/// What the next hop of a request sends.
pub(super) struct Hop {
    pub(super) method: Method,
    pub(super) url: Url,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<RequestBody>,
    /// Redirects followed so far.
    hops: u32,
}

impl Hop {
    /// The first hop: the request as prepared, with these headers.
    pub(super) fn new(req: &Prepared, headers: HeaderMap) -> Hop {
        Hop {
            method: req.method.clone(),
            url: req.url.clone(),
            headers,
            body: req.body.clone(),
            hops: 0,
        }
    }

    /// Turns this hop into the one a `code` response with `location` asks for.
    pub(super) fn follow(
        &mut self,
        code: u16,
        location: &HeaderValue,
        req: &Prepared,
        max_redirects: u32,
    ) -> Result<(), SendError> {
        self.hops += 1;
        if self.hops > max_redirects {
            return Err(SendError::new(
                format!("too many redirects: more than {max_redirects} (follow_redirects)"),
                false,
            ));
        }
        let location = location.to_str().unwrap_or_default();
        let next = self
            .url
            .join(location)
            .map_err(|_| SendError::new(format!("invalid redirect Location `{location}`"), false))?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(SendError::new(
                format!(
                    "refused to follow a redirect to `{}`: only http and https",
                    next.scheme()
                ),
                false,
            ));
        }
        if origin(&next) != origin(&req.url) {
            for name in ["authorization", "proxy-authorization", "cookie"]
                .into_iter()
                .chain(req.credential_headers.iter().map(String::as_str))
            {
                self.headers.remove(name);
            }
        }
        if code == 303 || ((code == 301 || code == 302) && self.method == Method::POST) {
            if self.method != Method::HEAD {
                self.method = Method::GET;
            }
            self.body = None;
            self.headers.remove("content-type");
            self.headers.remove("content-length");
        }
        self.url = next;
        Ok(())
    }
}
