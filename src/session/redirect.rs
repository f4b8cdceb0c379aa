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
    /// Where each redirect led.
    pub(super) chain: Vec<Url>,
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
            chain: Vec::new(),
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
        self.chain.push(next.clone());
        self.url = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, url: &str) -> Prepared {
        Prepared {
            method,
            url: Url::parse(url).unwrap(),
            headers: Vec::new(),
            body: Some(RequestBody::bytes("body")),
            credential_headers: vec!["x-api-key".to_owned()],
            auth: None,
            replay: crate::session::curl::Replay::default(),
        }
    }

    fn headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in [
            ("authorization", "Bearer t"),
            ("proxy-authorization", "Basic p"),
            ("cookie", "sid=1"),
            ("x-api-key", "k"),
            ("accept", "application/json"),
            ("content-type", "text/plain"),
            ("content-length", "4"),
        ] {
            h.insert(name, HeaderValue::from_static(value));
        }
        h
    }

    fn follow(req: &Prepared, code: u16, location: &str) -> Hop {
        let mut hop = Hop::new(req, headers());
        hop.follow(code, &HeaderValue::from_str(location).unwrap(), req, 5)
            .unwrap();
        hop
    }

    fn names(hop: &Hop) -> Vec<&str> {
        let mut names: Vec<&str> = hop.headers.keys().map(reqwest::header::HeaderName::as_str).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn a_relative_location_is_joined_to_the_current_url() {
        let req = request(Method::GET, "http://a.test/x/y?q=1");
        let mut hop = Hop::new(&req, HeaderMap::new());
        hop.follow(302, &HeaderValue::from_static("z"), &req, 5).unwrap();
        assert_eq!(hop.url.as_str(), "http://a.test/x/z");
        hop.follow(302, &HeaderValue::from_static("/top"), &req, 5).unwrap();
        assert_eq!(hop.url.as_str(), "http://a.test/top");
    }

    #[test]
    fn credentials_stay_within_the_origin() {
        let req = request(Method::GET, "http://a.test:8080/x");
        let all = [
            "accept",
            "authorization",
            "content-length",
            "content-type",
            "cookie",
            "proxy-authorization",
            "x-api-key",
        ];
        assert_eq!(names(&follow(&req, 307, "/y")), all);
        assert_eq!(names(&follow(&req, 307, "http://a.test:8080/z")), all);
        let kept = ["accept", "content-length", "content-type"];
        // Another port, host or scheme is another origin.
        assert_eq!(names(&follow(&req, 307, "http://a.test:8081/x")), kept);
        assert_eq!(names(&follow(&req, 307, "http://b.test:8080/x")), kept);
        assert_eq!(names(&follow(&req, 307, "https://a.test:8080/x")), kept);
    }

    #[test]
    fn a_redirect_back_to_the_origin_does_not_bring_credentials_back() {
        let req = request(Method::GET, "http://a.test/x");
        let mut hop = Hop::new(&req, headers());
        hop.follow(302, &HeaderValue::from_static("http://b.test/"), &req, 5)
            .unwrap();
        hop.follow(302, &HeaderValue::from_static("http://a.test/y"), &req, 5)
            .unwrap();
        assert!(!hop.headers.contains_key("authorization"));
    }

    #[test]
    fn see_other_and_post_moved_become_get_without_a_body() {
        for (method, code) in [
            (Method::POST, 301),
            (Method::POST, 302),
            (Method::POST, 303),
            (Method::PUT, 303),
            (Method::DELETE, 303),
        ] {
            let hop = follow(&request(method.clone(), "http://a.test/"), code, "/next");
            assert_eq!(hop.method, Method::GET, "{method} {code}");
            assert!(hop.body.is_none(), "{method} {code}");
            assert_eq!(
                names(&hop),
                ["accept", "authorization", "cookie", "proxy-authorization", "x-api-key"]
            );
        }
        // HEAD stays HEAD.
        let hop = follow(&request(Method::HEAD, "http://a.test/"), 303, "/next");
        assert_eq!(hop.method, Method::HEAD);
    }

    #[test]
    fn other_redirects_keep_the_method_and_body() {
        for (method, code) in [
            (Method::POST, 307),
            (Method::POST, 308),
            (Method::PUT, 301),
            (Method::PUT, 302),
            (Method::PATCH, 302),
        ] {
            let hop = follow(&request(method.clone(), "http://a.test/"), code, "/next");
            assert_eq!(hop.method, method, "{code}");
            assert!(hop.body.is_some(), "{method} {code}");
            assert!(hop.headers.contains_key("content-type"), "{method} {code}");
        }
    }

    #[test]
    fn the_hop_limit_counts_every_redirect() {
        let req = request(Method::GET, "http://a.test/");
        let mut hop = Hop::new(&req, HeaderMap::new());
        let location = HeaderValue::from_static("/again");
        for _ in 0..3 {
            hop.follow(302, &location, &req, 3).unwrap();
        }
        let err = hop.follow(302, &location, &req, 3).err().unwrap();
        assert_eq!(
            err,
            SendError::new("too many redirects: more than 3 (follow_redirects)", false)
        );
    }

    #[test]
    fn bad_locations_are_refused() {
        let req = request(Method::GET, "http://a.test/");
        let mut hop = Hop::new(&req, HeaderMap::new());
        let err = hop
            .follow(302, &HeaderValue::from_static("http://[::1"), &req, 5)
            .err()
            .unwrap();
        assert_eq!(err.message, "invalid redirect Location `http://[::1`");
        assert!(!err.retryable);
        let err = hop
            .follow(302, &HeaderValue::from_static("ftp://a.test/f"), &req, 5)
            .err()
            .unwrap();
        assert_eq!(
            err.message,
            "refused to follow a redirect to `ftp`: only http and https"
        );
        assert_eq!(hop.url.as_str(), "http://a.test/");
        hop.follow(302, &HeaderValue::from_static("https://a.test/s"), &req, 5)
            .unwrap();
        assert_eq!(hop.url.as_str(), "https://a.test/s");
    }
}
