//! One HTTP session per collection run: a cookie jar, kept-alive connections
//! and TLS settings; Sortie's own redirect handling (credentials dropped across
//! origins), timeouts and a decoded-body cap.
//!
//! Plain-http HTTP/1.1 goes through Sortie's own transport ([`h1`]); https,
//! proxies and HTTP/2 through reqwest. Both share the cookie jar.

pub(crate) mod auth;
pub(crate) mod curl;
mod decode;
mod error;
mod h1;
mod outgoing;
mod redirect;
pub(crate) mod request_body;
mod response_body;
mod timing;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::cookie::Jar;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};

use self::error::describe;
pub(crate) use self::error::{SendError, chain};
pub(crate) use self::outgoing::pairs as header_pairs;
use self::redirect::Hop;
pub(crate) use self::request_body::RequestBody;
pub(crate) use self::timing::{Exchange, Timings};
use crate::plan::{SessionPlan, Timeouts};
use crate::text::human;

/// What every session of a run shares, from the command line.
#[derive(Debug, Clone)]
pub(crate) struct SessionOptions {
    pub insecure: bool,
    pub cacert: Option<std::path::PathBuf>,
    pub client_cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
    pub proxy: Option<String>,
    /// The largest decoded response body, in bytes.
    pub max_body: u64,
}

/// A request ready to send: everything rendered.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    /// Opened anew for every send: a streamed body can be read only once.
    pub body: Option<RequestBody>,
    /// Header names (lower case) that carry credentials: dropped on a redirect to another origin.
    pub credential_headers: Vec<String>,
    /// Auth that needs a round trip (digest, OAuth2), applied around [`Session::send`] by [`crate::session::auth`].
    pub auth: Option<crate::session::auth::Dynamic>,
    /// How curl writes its credentials and multipart parts.
    pub replay: curl::Replay,
}

/// A response with its body read in full (up to the cap).
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The URL that answered, after redirects.
    pub url: Url,
    /// The URLs the redirects followed led to, in order (the last is `url`).
    pub redirects: Vec<Url>,
    pub version: reqwest::Version,
    pub elapsed: Duration,
    /// The headers of the request that got this response, as written and in order:
    /// the request's own and those the session added (`User-Agent`, `Cookie`, `Host`, …).
    pub sent: HeaderMap,
    /// Every request sent for this response, in order: redirect hops, then the last
    /// (auth round trips and retries are added by the layers that make them).
    pub exchanges: Vec<Exchange>,
    /// The headers as received, when they differ from `headers`: a decoded body's
    /// `Content-Encoding` and `Content-Length` are taken off what expectations see.
    pub received: Option<HeaderMap>,
}

/// One HTTP session: cookies and connections shared by every step.
pub(crate) struct Session {
    builder_plan: SessionPlan,
    options: SessionOptions,
    jar: Arc<Jar>,
    /// Clients by connect and read timeouts (reqwest sets them per client) and by whether they
    /// speak TLS; they share the jar.
    clients: Mutex<HashMap<(Duration, Duration, bool), reqwest::Client>>,
    /// Parsed URLs by their text: steps and loop iterations mostly send to a few URLs,
    /// and parsing one costs more than the rest of preparing its request.
    urls: Mutex<HashMap<String, Url>>,
    /// Digest challenges and OAuth2 tokens, shared by every step of the session.
    pub auth: crate::session::auth::AuthCache,
    /// The transport for `http://` URLs, unless a proxy or HTTP/2 is asked for.
    h1: Option<h1::Pool>,
}

/// A response whose head has arrived, from either transport.
enum Head<'a> {
    Reqwest(reqwest::Response),
    H1(h1::Head<'a>),
}

impl Head<'_> {
    fn status(&self) -> reqwest::StatusCode {
        match self {
            Head::Reqwest(r) => r.status(),
            Head::H1(h) => h.status,
        }
    }

    fn headers(&self) -> &HeaderMap {
        match self {
            Head::Reqwest(r) => r.headers(),
            Head::H1(h) => &h.headers,
        }
    }

    fn version(&self) -> reqwest::Version {
        match self {
            Head::Reqwest(r) => r.version(),
            Head::H1(_) => reqwest::Version::HTTP_11,
        }
    }

    fn headers_mut(&mut self) -> &mut HeaderMap {
        match self {
            Head::Reqwest(r) => r.headers_mut(),
            Head::H1(h) => &mut h.headers,
        }
    }
}

/// The most URLs [`Session::parse_url`] remembers; the cache starts over when full.
const URL_CACHE: usize = 1024;

impl Session {
    /// Builds the session; an unreadable certificate file is an error of the input.
    pub(crate) fn new(plan: &SessionPlan, options: &SessionOptions, timeouts: &Timeouts) -> Result<Session, String> {
        let session = Session {
            builder_plan: plan.clone(),
            options: options.clone(),
            jar: Arc::new(Jar::default()),
            clients: Mutex::new(HashMap::new()),
            auth: crate::session::auth::AuthCache::default(),
            urls: Mutex::new(HashMap::new()),
            h1: (options.proxy.is_none() && !plan.http2_prior_knowledge && !env_proxy()).then(h1::Pool::default),
        };
        // Certificate files and the proxy URL are read (and their errors reported) now, whatever
        // the first URL. Other clients are built when a request first needs them: plain http
        // goes through h1 and may need none.
        let certificates = plan.cacert.is_some()
            || options.cacert.is_some()
            || plan.client_cert.is_some()
            || options.client_cert.is_some();
        if certificates || options.proxy.is_some() {
            session.client(timeouts, true)?;
        }
        Ok(session)
    }

    /// Whether a request to `url` needs the client that speaks TLS: an https URL, or any URL
    /// through a proxy (which may itself be https).
    fn tls(&self, url: &Url) -> bool {
        url.scheme() == "https" || self.options.proxy.is_some()
    }

    /// The client for these timeouts. Without `tls` it has no root certificates: loading the
    /// system's (rustls-platform-verifier) costs milliseconds at every start, and a collection
    /// that only speaks plain http (a local test run) never needs them.
    fn client(&self, t: &Timeouts, tls: bool) -> Result<reqwest::Client, String> {
        let key = (t.connect, t.read, tls);
        let mut clients = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let plan = &self.builder_plan;
        let mut b = reqwest::Client::builder()
            .cookie_provider(self.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(t.connect)
            .read_timeout(t.read)
            .user_agent(concat!("sortie/", env!("CARGO_PKG_VERSION")))
            // Bodies are decoded by Sortie, as on its own transport: reqwest would take
            // Content-Encoding off the headers received before anyone saw them.
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .dns_resolver(Arc::new(timing::TimedResolver))
            .connector_layer(timing::TimedConnect)
            .tcp_nodelay(true)
            .pool_max_idle_per_host(256);
        if plan.http2_prior_knowledge {
            b = b.http2_prior_knowledge();
        }
        if !tls {
            b = b.tls_certs_only(std::iter::empty());
        } else if plan.insecure || self.options.insecure {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        let certificates = if tls {
            [&plan.cacert, &self.options.cacert]
        } else {
            [&None, &None]
        };
        for path in certificates.into_iter().flatten() {
            let pem = crate::files::read(path)
                .map_err(|e| format!("cannot read CA certificate `{}`: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("invalid CA certificate `{}`: {e}", path.display()))?;
            for cert in certs {
                b = b.add_root_certificate(cert);
            }
        }
        if tls && let Some((cert, key)) = plan.client_cert.as_ref().or(self.options.client_cert.as_ref()) {
            let mut pem = crate::files::read(cert)
                .map_err(|e| format!("cannot read client certificate `{}`: {e}", cert.display()))?;
            pem.extend(
                crate::files::read(key).map_err(|e| format!("cannot read client key `{}`: {e}", key.display()))?,
            );
            let identity =
                reqwest::Identity::from_pem(&pem).map_err(|e| format!("invalid client certificate or key: {e}"))?;
            b = b.identity(identity);
        }
        if let Some(proxy) = &self.options.proxy {
            // NO_PROXY applies to --proxy too, as with curl. Without --proxy, reqwest reads
            // HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY (and their lower-case forms) itself.
            let p = reqwest::Proxy::all(proxy)
                .map_err(|e| format!("invalid proxy `{proxy}`: {e}"))?
                .no_proxy(reqwest::NoProxy::from_env());
            b = b.proxy(p);
        }
        let client = b
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))?;
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// `Url::parse`, remembered: the message of the parser's error otherwise.
    pub(crate) fn parse_url(&self, text: &str) -> Result<Url, String> {
        let mut urls = self.urls.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(url) = urls.get(text) {
            return Ok(url.clone());
        }
        let url = Url::parse(text).map_err(|e| e.to_string())?;
        if urls.len() >= URL_CACHE {
            urls.clear();
        }
        urls.insert(text.to_owned(), url.clone());
        Ok(url)
    }

    /// The headers `req`'s first hop goes out with (the session's defaults and the
    /// jar's cookies included, `Host` and `Content-Length` as the transport adds
    /// them), for a request that got no response to show them; `None` when a
    /// header of the step is not valid on the wire.
    pub(crate) fn headers_for(&self, req: &Prepared, authorization: Option<&str>) -> Option<Vec<(String, String)>> {
        let mut own = header_map(&req.headers).ok()?;
        if let Some(value) = authorization {
            let mut value = HeaderValue::from_str(value).ok()?;
            value.set_sensitive(true);
            own.insert(reqwest::header::AUTHORIZATION, value);
        }
        let mut all = outgoing::headers(&own, &req.url, &self.jar, None);
        // A body in memory has its length; one streamed from files is left without.
        let body_len = req
            .body
            .as_ref()
            .and_then(RequestBody::in_memory)
            .map_or(0, |b| b.len() as u64);
        outgoing::finish(&mut all, &req.url, reqwest::Version::HTTP_11, body_len);
        Some(header_pairs(&all))
    }

    /// The most bytes a response body may have (`--max-body`).
    pub(crate) fn max_body(&self) -> u64 {
        self.options.max_body
    }

    /// The cookies the jar would send to `url`, as `name=value` pairs.
    pub(crate) fn cookies_for(&self, url: &Url) -> Vec<(String, String)> {
        use reqwest::cookie::CookieStore;
        let Some(header) = self.jar.cookies(url) else {
            return Vec::new();
        };
        header
            .to_str()
            .unwrap_or_default()
            .split("; ")
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// Sends one attempt, following redirects, within the total timeout.
    pub(crate) async fn send(
        &self,
        req: &Prepared,
        timeouts: &Timeouts,
        max_redirects: u32,
    ) -> Result<Response, SendError> {
        self.send_as(req, None, timeouts, max_redirects).await
    }

    /// [`Session::send`] with the request's `Authorization` header replaced by
    /// `authorization`: what digest and OAuth2 work out for each attempt.
    pub(crate) async fn send_as(
        &self,
        req: &Prepared,
        authorization: Option<&str>,
        timeouts: &Timeouts,
        max_redirects: u32,
    ) -> Result<Response, SendError> {
        let started = Instant::now();
        let inner = self.send_inner(req, authorization, timeouts, max_redirects, started);
        match tokio::time::timeout(timeouts.total, inner).await {
            Ok(result) => result,
            Err(_) => Err(SendError::new(
                format!("timed out after {} (total timeout)", human(timeouts.total)),
                true,
            )),
        }
    }

    async fn send_inner(
        &self,
        req: &Prepared,
        authorization: Option<&str>,
        t: &Timeouts,
        max_redirects: u32,
        started: Instant,
    ) -> Result<Response, SendError> {
        let mut headers = header_map(&req.headers)?;
        if let Some(value) = authorization {
            let mut value = HeaderValue::from_str(value)
                .map_err(|_| SendError::new("invalid value for header `Authorization`", false))?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        let mut hop = Hop::new(req, headers);
        let mut exchanges = Vec::new();
        loop {
            let hop_started = Instant::now();
            let Hop {
                method,
                url,
                headers,
                body,
                ..
            } = &hop;
            // What this hop sends: a streamed body is opened anew.
            let (hop_body, streamed, body_len) = match &body {
                Some(b) => {
                    let opened = b.open().await.map_err(|m| SendError::new(m, false))?;
                    (Some(opened.body), opened.streamed.then_some(opened.len), opened.len)
                }
                None => (None, None, 0),
            };
            let (mut response, sent, mut timings) = match &self.h1 {
                // A streamed upload (a file, multipart) goes through reqwest, whose read timeout
                // counts from the last byte read rather than from the start of the upload.
                Some(h1) if url.scheme() == "http" && streamed.is_none() => {
                    let hop_body = hop_body.unwrap_or_else(|| reqwest::Body::from(Bytes::new()));
                    // Each transport's future boxed: held inline, both would be part of
                    // every send's state, which the executor moves about.
                    let (head, sent, timings) = Box::pin(h1.send(method, url, headers, hop_body, t, &self.jar)).await?;
                    (Head::H1(head), sent, timings)
                }
                _ => {
                    // Every header but Host and Content-Length is set here, so reqwest adds
                    // none of its own and the report shows what went out.
                    let mut hop_headers = outgoing::headers(headers, url, &self.jar, None);
                    // A streamed body's length is declared: reqwest cannot know it.
                    if let Some(len) = streamed
                        && !hop_headers.contains_key(reqwest::header::CONTENT_LENGTH)
                    {
                        hop_headers.insert(reqwest::header::CONTENT_LENGTH, HeaderValue::from(len));
                    }
                    // Per hop: a redirect may go from http to https.
                    let client = self.client(t, self.tls(url)).map_err(|m| SendError::new(m, false))?;
                    let mut builder = client.request(method.clone(), url.clone()).headers(hop_headers.clone());
                    if let Some(b) = hop_body {
                        builder = builder.body(b);
                    }
                    // reqwest's read timeout covers the wait for the response head too.
                    match Box::pin(timing::measured(builder.send())).await {
                        (Ok(r), measured) => {
                            outgoing::finish(&mut hop_headers, url, r.version(), body_len);
                            let timings = timing::from_reqwest(measured, hop_started.elapsed());
                            (Head::Reqwest(r), hop_headers, timings)
                        }
                        (Err(e), _) => {
                            let has_cert =
                                self.builder_plan.client_cert.is_some() || self.options.client_cert.is_some();
                            return Err(describe(&e, t, url, has_cert, self.proxy_for(url).as_ref()));
                        }
                    }
                }
            };
            let status = response.status();
            let head_at = Instant::now();
            if status.is_redirection()
                && max_redirects > 0
                && let Some(location) = response.headers().get("location")
            {
                exchanges.push(Exchange {
                    method: method.clone(),
                    url: url.clone(),
                    status: status.as_u16(),
                    timings,
                });
                hop.follow(status.as_u16(), location, req, max_redirects)?;
                continue;
            }
            let version = response.version();
            // Taken, not cloned: the body is read without them.
            let mut response_headers = std::mem::take(response.headers_mut());
            let codings = decode::Codings::of(&response_headers);
            // The body handed on is the decoded one: expectations see no encoding, as
            // with reqwest's decoding; reports show the headers as they came.
            let received = codings.as_ref().map(|_| {
                let received = response_headers.clone();
                response_headers.remove(reqwest::header::CONTENT_ENCODING);
                response_headers.remove(reqwest::header::CONTENT_LENGTH);
                received
            });
            let body = match response {
                Head::Reqwest(r) => response_body::read_reqwest(r, t, self.options.max_body, codings.as_ref()).await?,
                Head::H1(h) => h.read_body(t, self.options.max_body).await?,
            };
            timings.download = head_at.elapsed();
            exchanges.push(Exchange {
                method: hop.method.clone(),
                url: hop.url.clone(),
                status: status.as_u16(),
                timings,
            });
            return Ok(Response {
                status: status.as_u16(),
                headers: response_headers,
                body,
                url: hop.url,
                redirects: hop.chain,
                version,
                elapsed: started.elapsed(),
                sent,
                exchanges,
                received,
            });
        }
    }
}

impl Session {
    /// The proxy a request to `url` goes through: `--proxy`, else the
    /// environment's for its scheme, unless `NO_PROXY` names its host (a name
    /// or a domain suffix, or `*`), as reqwest decides. Only to say which
    /// connection failed.
    fn proxy_for(&self, url: &Url) -> Option<Url> {
        let var = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        };
        let proxy = self.options.proxy.clone().or_else(|| {
            let by_scheme = if url.scheme() == "https" {
                var(&["HTTPS_PROXY", "https_proxy"])
            } else {
                var(&["HTTP_PROXY", "http_proxy"])
            };
            by_scheme.or_else(|| var(&["ALL_PROXY", "all_proxy"]))
        })?;
        let host = url.host_str()?;
        if var(&["NO_PROXY", "no_proxy"]).is_some_and(|list| no_proxy_names(&list, host)) {
            return None;
        }
        Url::parse(&proxy).ok()
    }
}

/// Whether a `NO_PROXY` list names `host`: `*`, the host itself, or a domain
/// it is in (`example.com` and `.example.com` both cover `api.example.com`).
/// An IPv6 host may be written with or without its brackets.
fn no_proxy_names(list: &str, host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    list.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches('.');
        entry == "*"
            || (!entry.is_empty()
                && (host == entry || host.strip_suffix(entry).is_some_and(|rest| rest.ends_with('.'))))
    })
}

/// Whether the environment names a proxy for plain http (reqwest reads these
/// itself): such requests go through reqwest, which also knows `NO_PROXY`.
fn env_proxy() -> bool {
    ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

fn header_map(headers: &[(String, String)]) -> Result<HeaderMap, SendError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| SendError::new(format!("invalid header name `{name}`"), false))?;
        let v = HeaderValue::from_str(value)
            .map_err(|_| SendError::new(format!("invalid value for header `{name}`"), false))?;
        map.append(n, v);
    }
    Ok(map)
}

/// Scheme, host and port: what "the same origin" compares (redirects, auth challenges).
pub(crate) type Origin = (String, Option<String>, Option<u16>);

pub(crate) fn origin(url: &Url) -> Origin {
    (
        url.scheme().to_owned(),
        url.host_str().map(str::to_owned),
        url.port_or_known_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> SessionOptions {
        SessionOptions {
            insecure: false,
            cacert: None,
            client_cert: None,
            proxy: None,
            max_body: 1 << 20,
        }
    }

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(5),
            read: Duration::from_secs(5),
            total: Duration::from_secs(10),
        }
    }

    #[test]
    fn headers_keep_every_value_and_refuse_bad_ones() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
        };
        let map = header_map(&pairs(&[("Accept", "a"), ("X-Two", "1"), ("x-two", "2")])).unwrap();
        assert_eq!(map.len(), 3);
        assert_eq!(map.get_all("x-two").iter().collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(
            header_map(&pairs(&[("Bad Name", "x")])).unwrap_err(),
            SendError::new("invalid header name `Bad Name`", false)
        );
        assert_eq!(
            header_map(&pairs(&[("X-A", "line\nbreak")])).unwrap_err(),
            SendError::new("invalid value for header `X-A`", false)
        );
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let o = |s: &str| origin(&Url::parse(s).unwrap());
        assert_eq!(o("http://h/a"), ("http".into(), Some("h".into()), Some(80)));
        assert_eq!(o("http://h:80/"), o("http://h/b?c"));
        assert_eq!(o("https://h/"), ("https".into(), Some("h".into()), Some(443)));
        assert_ne!(o("http://h/"), o("http://h:8080/"));
    }

    #[test]
    fn parsed_urls_are_remembered_up_to_a_limit() {
        let session = Session::new(&SessionPlan::default(), &options(), &timeouts()).unwrap();
        assert_eq!(session.parse_url("http://h/a").unwrap().as_str(), "http://h/a");
        assert_eq!(session.parse_url("http://h/a").unwrap().as_str(), "http://h/a");
        assert_eq!(session.parse_url("nope").unwrap_err(), "relative URL without a base");
        assert_eq!(session.urls.lock().unwrap().len(), 1);
        for i in 1..URL_CACHE {
            session.parse_url(&format!("http://h/{i}")).unwrap();
        }
        assert_eq!(session.urls.lock().unwrap().len(), URL_CACHE);
        // Full: it starts over.
        session.parse_url("http://h/one-more").unwrap();
        assert_eq!(session.urls.lock().unwrap().len(), 1);
    }

    #[test]
    fn tls_is_for_https_and_for_any_proxy() {
        // As the app does before any client is built.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let session = Session::new(&SessionPlan::default(), &options(), &timeouts()).unwrap();
        assert!(session.tls(&Url::parse("https://h/").unwrap()));
        assert!(!session.tls(&Url::parse("http://h/").unwrap()));
        let proxied = SessionOptions {
            proxy: Some("http://127.0.0.1:9".into()),
            ..options()
        };
        let session = Session::new(&SessionPlan::default(), &proxied, &timeouts()).unwrap();
        assert!(session.tls(&Url::parse("http://h/").unwrap()));
        assert!(session.h1.is_none());
    }

    #[test]
    fn unreadable_certificates_and_proxies_fail_the_session_at_once() {
        let missing = std::path::PathBuf::from("/nonexistent/sortie/ca.pem");
        let with_ca = SessionOptions {
            cacert: Some(missing.clone()),
            ..options()
        };
        let err = Session::new(&SessionPlan::default(), &with_ca, &timeouts())
            .err()
            .unwrap();
        assert!(
            err.starts_with("cannot read CA certificate `/nonexistent/sortie/ca.pem`: "),
            "{err}"
        );
        let plan = SessionPlan {
            client_cert: Some((missing.clone(), missing)),
            ..SessionPlan::default()
        };
        let err = Session::new(&plan, &options(), &timeouts()).err().unwrap();
        assert!(
            err.starts_with("cannot read client certificate `/nonexistent/sortie/ca.pem`: "),
            "{err}"
        );
        let bad_proxy = SessionOptions {
            proxy: Some("::not a url".into()),
            ..options()
        };
        let err = Session::new(&SessionPlan::default(), &bad_proxy, &timeouts())
            .err()
            .unwrap();
        assert!(err.starts_with("invalid proxy `::not a url`: "), "{err}");
    }

    #[test]
    fn cookies_for_a_url_come_from_the_jar() {
        let session = Session::new(&SessionPlan::default(), &options(), &timeouts()).unwrap();
        let url = Url::parse("http://h.test/a").unwrap();
        assert!(session.cookies_for(&url).is_empty());
        session.jar.add_cookie_str("sid=abc; Path=/", &url);
        session.jar.add_cookie_str("theme=dark=x; Path=/", &url);
        let mut cookies = session.cookies_for(&url);
        cookies.sort();
        assert_eq!(
            cookies,
            [
                ("sid".to_owned(), "abc".to_owned()),
                ("theme".to_owned(), "dark=x".to_owned())
            ]
        );
        assert!(
            session
                .cookies_for(&Url::parse("http://other.test/").unwrap())
                .is_empty()
        );
    }

    #[test]
    fn no_proxy_names_a_host_its_domains_or_everything() {
        for (list, host) in [
            ("*", "api.example.com"),
            ("other.test, api.example.com", "api.example.com"),
            ("example.com", "api.example.com"),
            (".example.com", "api.example.com"),
            ("localhost,::1", "[::1]"),
        ] {
            assert!(no_proxy_names(list, host), "{list:?} names {host:?}");
        }
        for (list, host) in [
            ("", "api.example.com"),
            (" , .", "api.example.com"),
            ("ample.com", "api.example.com"),
            ("api.example.com", "example.com"),
            ("example.com.evil", "example.com"),
            ("other.test", "api.example.com"),
        ] {
            assert!(!no_proxy_names(list, host), "{list:?} does not name {host:?}");
        }
    }
}
