//! The headers a request goes out with: the request's own, and the defaults
//! both transports add (`User-Agent`, `Accept`, `Accept-Encoding`, the jar's
//! `Cookie`, `Authorization` from URL credentials). Built here once per hop and
//! handed whole to the transport, so what reports show is what was sent: the
//! transports add only `Host` and `Content-Length`, which [`finish`] appends as
//! hyper does.

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Url, Version};

/// What reqwest sends when the request does not say: the same values on both
/// transports, so a server sees no difference between them.
pub(super) const USER_AGENT: &str = concat!("sortie/", env!("CARGO_PKG_VERSION"));
pub(super) const ACCEPT_ENCODING: &str = "gzip,deflate,br";

/// The request's own headers over the defaults, in the order they are written: `host`
/// first when given, then the defaults a request header does not replace, then the
/// request's headers (each name's first value replaces a default, the others append).
pub(super) fn headers(own: &HeaderMap, url: &Url, jar: &Jar, host: Option<&HeaderValue>) -> HeaderMap {
    let mut all = HeaderMap::with_capacity(own.len() + 6);
    if let Some(host) = host {
        all.insert(header::HOST, host.clone());
    }
    all.insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    all.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
    all.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(ACCEPT_ENCODING));
    if !own.contains_key(header::COOKIE)
        && let Some(c) = jar.cookies(url)
    {
        all.insert(header::COOKIE, c);
    }
    if let Some(value) = userinfo_basic(url) {
        // Credentials in the URL are sent as Basic auth, as reqwest does.
        all.insert(header::AUTHORIZATION, value);
    }
    let mut last = None;
    for (name, value) in own {
        if last != Some(name) {
            all.remove(name);
            last = Some(name);
        }
        all.append(name.clone(), value.clone());
    }
    all
}

/// `sent` (what [`headers`] made) completed with what hyper adds when it writes the
/// request: for HTTP/1 the `Host` the transport did not set (hyper-util appends it),
/// then `Content-Length` for a body of known, non-zero length when the request sets
/// neither it nor `Transfer-Encoding`.
pub(super) fn finish(sent: &mut HeaderMap, url: &Url, version: Version, body_len: u64) {
    if version < Version::HTTP_2
        && !sent.contains_key(header::HOST)
        && let Some(host) = host_header(url)
    {
        sent.insert(header::HOST, host);
    }
    if body_len > 0 && !sent.contains_key(header::CONTENT_LENGTH) && !sent.contains_key(header::TRANSFER_ENCODING) {
        sent.insert(header::CONTENT_LENGTH, HeaderValue::from(body_len));
    }
}

/// The `Host` header of `url`, as hyper-util writes it: the port only when it is not
/// the scheme's default.
pub(super) fn host_header(url: &Url) -> Option<HeaderValue> {
    let host = url.host_str()?;
    match url.port() {
        Some(p) => HeaderValue::try_from(format!("{host}:{p}")).ok(),
        None => HeaderValue::try_from(host).ok(),
    }
}

/// `Authorization: Basic …` from the user and password of `url`, percent-decoded.
pub(super) fn userinfo_basic(url: &Url) -> Option<HeaderValue> {
    let (user, password) = crate::session::auth::url_credentials(url)?;
    let token = crate::session::auth::basic_token(&user, password.as_deref().unwrap_or(""));
    let mut value = HeaderValue::try_from(format!("Basic {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Headers as `(name, value)` text pairs in the order they were written; names as
/// on the wire (lower case), values lossily decoded.
pub(crate) fn pairs(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(list: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in list {
            map.append(*n, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn defaults_come_first_and_the_request_replaces_them() {
        let url = Url::parse("http://h.test:8080/a").unwrap();
        let jar = Jar::default();
        jar.add_cookie_str("sid=abc; Path=/", &url);
        let host = host_header(&url).unwrap();
        let all = headers(
            &own(&[("x-a", "1"), ("user-agent", "me"), ("x-a", "2")]),
            &url,
            &jar,
            Some(&host),
        );
        let names: Vec<(String, String)> = pairs(&all);
        assert_eq!(names[0], ("host".into(), "h.test:8080".into()));
        assert!(names.contains(&("cookie".into(), "sid=abc".into())));
        assert!(names.contains(&("accept-encoding".into(), ACCEPT_ENCODING.into())));
        assert_eq!(all.get_all("user-agent").iter().collect::<Vec<_>>(), ["me"]);
        assert_eq!(all.get_all("x-a").iter().collect::<Vec<_>>(), ["1", "2"]);
        // A request's own Cookie stands alone.
        let all = headers(&own(&[("cookie", "mine=1")]), &url, &jar, None);
        assert_eq!(all.get_all("cookie").iter().collect::<Vec<_>>(), ["mine=1"]);
        assert!(!all.contains_key("host"));
    }

    #[test]
    fn hyper_adds_host_for_http1_and_the_length_of_a_body() {
        let url = Url::parse("https://h.test/").unwrap();
        let mut sent = HeaderMap::new();
        finish(&mut sent, &url, Version::HTTP_11, 5);
        assert_eq!(
            pairs(&sent),
            [("host".into(), "h.test".into()), ("content-length".into(), "5".into())]
        );
        let mut sent = HeaderMap::new();
        finish(&mut sent, &url, Version::HTTP_2, 0);
        assert!(sent.is_empty());
        let mut sent = own(&[("transfer-encoding", "chunked")]);
        finish(&mut sent, &url, Version::HTTP_2, 5);
        assert_eq!(sent.len(), 1);
    }

    #[test]
    fn url_credentials_become_basic_auth() {
        let url = Url::parse("http://us%40er:p%20w@h/").unwrap();
        let value = userinfo_basic(&url).unwrap();
        assert!(value.is_sensitive());
        // base64 of "us@er:p w"
        assert_eq!(value, "Basic dXNAZXI6cCB3");
        let user_only = userinfo_basic(&Url::parse("http://bob@h/").unwrap()).unwrap();
        assert_eq!(user_only, "Basic Ym9iOg==");
        assert!(userinfo_basic(&Url::parse("http://h/").unwrap()).is_none());
    }
}
