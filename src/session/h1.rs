//! Sortie's own transport for plain-http HTTP/1.1: hyper's connection API under
//! a small pool of kept-alive connections.
//!
//! reqwest's stack (a tower of redirect, cookie, decompression and retry layers,
//! each parsing or converting the URL again) costs about 100k instructions a
//! request, three times what the HTTP work itself costs; on a loopback API that
//! is most of a run. This module does what that stack does for Sortie, and no
//! more: the same default headers, the session's cookie jar, gzip, deflate and
//! brotli decoding, and connect and read timeouts. Redirects, the total timeout
//! and the body cap stay in [`super::Session`].
//!
//! [`super::Session`] sends through it only what it handles exactly as reqwest
//! would: `http://` URLs with no proxy and no HTTP/2, and bodies held in memory
//! (the read timeout here counts from the start of sending, which a long upload
//! would eat into). TLS, proxies, h2 and streamed uploads go through reqwest.
//!
//! One thing it does that reqwest does not: a safe request (GET, HEAD, OPTIONS,
//! TRACE) whose kept-alive connection turns out to have been closed by the
//! server (closed or reset before a whole response) is sent again, once, on a
//! new connection. Like reqwest, any request the connection closed on before it
//! was written is sent on another.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use super::decode::Codings;
use super::error::SendError;
use super::response_body::{BodyBuf, body_error, body_stalled};
use crate::plan::Timeouts;
use crate::text::human;

type Sender = SendRequest<reqwest::Body>;

/// The most idle connections kept per host, as with reqwest's pool.
const MAX_IDLE: usize = 256;
/// How long a connection may stay idle and still be used, as with reqwest's pool: a
/// middlebox may have forgotten an older one without telling either end.
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Idle connections by origin. A run talks to a few hosts, so they are found by a
/// scan, without hashing or allocating a key per request.
#[derive(Default)]
pub(super) struct Pool {
    origins: Mutex<Vec<Origin>>,
}

/// One host and port: its `Host` header, made once, and its idle connections with
/// the time each was put back; the most recently used is reused first.
struct Origin {
    host: String,
    port: u16,
    host_header: HeaderValue,
    idle: Vec<(Sender, Instant)>,
}

/// A response whose head has arrived; its connection goes back to the pool once
/// the body has been read in full.
pub(super) struct Head<'a> {
    pool: &'a Pool,
    pub status: StatusCode,
    pub headers: HeaderMap,
    body: Incoming,
    /// The exact length of a body that is not encoded (none for HEAD, 204 and 304):
    /// checked against the cap before reading.
    declared: Option<u64>,
    codings: Option<Codings>,
    sender: Sender,
    /// Index of the origin in the pool.
    origin: usize,
}

impl Pool {
    /// Sends one request and waits for the head of its response, within the
    /// read timeout. `url` must be `http://`; `headers` are the request's own,
    /// to which reqwest's defaults are added.
    pub(super) async fn send(
        &self,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: reqwest::Body,
        t: &Timeouts,
        jar: &Jar,
    ) -> Result<(Head<'_>, HeaderMap, super::Timings), SendError> {
        let (origin, host_header) = self.origin(url)?;
        let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
        let uri = hyper::Uri::try_from(target).map_err(|e| SendError::new(format!("invalid URL: {e}"), false))?;
        let mut sent = super::outgoing::headers(headers, url, jar, Some(&host_header));
        super::outgoing::finish(
            &mut sent,
            url,
            reqwest::Version::HTTP_11,
            body.as_bytes().map_or(0, |b| b.len() as u64),
        );
        let build = |body: reqwest::Body| {
            let mut req = hyper::Request::new(body);
            *req.method_mut() = method.clone();
            *req.uri_mut() = uri.clone();
            *req.headers_mut() = sent.clone();
            req
        };
        // A safe request is sent again, once, on a new connection when a kept-alive one
        // turns out to have been closed by the server while idle.
        let again = if is_safe(method) {
            body.as_bytes().map(Bytes::copy_from_slice)
        } else {
            None
        };
        let mut req = build(body);
        let mut retried = false;
        let mut fresh = false;
        let mut timings = super::Timings::default();
        loop {
            let pooled = if fresh { None } else { self.take(origin, t).await };
            let (mut sender, reused) = match pooled {
                Some(s) => (s, true),
                None => {
                    let (sender, dns, connected) = connect(url, t).await?;
                    timings.dns = dns;
                    timings.connect = Some(connected);
                    (sender, false)
                }
            };
            let waiting = Instant::now();
            let response = match tokio::time::timeout(t.read, sender.try_send_request(req)).await {
                Ok(Ok(response)) => response,
                Ok(Err(mut e)) => {
                    if reused && let Some(unsent) = e.take_message() {
                        // The connection closed before the request left: nothing was sent.
                        req = unsent;
                        continue;
                    }
                    let error = e.into_error();
                    if reused
                        && !retried
                        && let Some(bytes) = &again
                        && stale(&error)
                    {
                        retried = true;
                        req = build(reqwest::Body::from(bytes.clone()));
                        fresh = true;
                        continue;
                    }
                    return Err(SendError::new(
                        format!("request failed: {}", super::chain(&error)),
                        true,
                    ));
                }
                Err(_) => {
                    return Err(SendError::new(
                        format!("no response within {} (read timeout)", human(t.read)),
                        true,
                    ));
                }
            };
            let (parts, body) = response.into_parts();
            let headers = parts.headers;
            jar.set_cookies(&mut headers.get_all(header::SET_COOKIE).iter(), url);
            let codings = Codings::of(&headers);
            // The body handed on is the decoded one; the session takes the encoding's
            // headers off what expectations see.
            let declared = if codings.is_some() {
                None
            } else {
                // hyper's length, not the header's: none for a HEAD, 204 or 304 whatever
                // Content-Length says, and none when Transfer-Encoding overrides it.
                hyper::body::Body::size_hint(&body).exact()
            };
            timings.ttfb = waiting.elapsed();
            let head = Head {
                pool: self,
                status: parts.status,
                headers,
                body,
                declared,
                codings,
                sender,
                origin,
            };
            // With the headers as written, in order, and the lookup, connect and wait
            // (the session times the download).
            return Ok((head, sent, timings));
        }
    }

    /// The index of the origin of `url` in the pool (added if new), and its `Host` header.
    fn origin(&self, url: &Url) -> Result<(usize, HeaderValue), SendError> {
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(80);
        let mut origins = self.origins.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(i) = origins.iter().position(|o| o.port == port && o.host == host) {
            return Ok((i, origins[i].host_header.clone()));
        }
        // As hyper-util writes it: the port only when it is not the scheme's default.
        let value = match url.port() {
            Some(p) => HeaderValue::try_from(format!("{host}:{p}")),
            None => HeaderValue::try_from(host),
        }
        .map_err(|_| SendError::new(format!("invalid host `{host}`"), false))?;
        origins.push(Origin {
            host: host.to_owned(),
            port,
            host_header: value.clone(),
            idle: Vec::new(),
        });
        Ok((origins.len() - 1, value))
    }

    /// An idle connection to the origin at `index` that can take a request now, if any.
    async fn take(&self, index: usize, t: &Timeouts) -> Option<Sender> {
        loop {
            let (mut sender, since) = {
                let mut origins = self.origins.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                origins.get_mut(index)?.idle.pop()?
            };
            if sender.is_closed() || since.elapsed() > IDLE_TIMEOUT {
                continue;
            }
            if sender.is_ready() {
                return Some(sender);
            }
            // Put back a moment ago: its connection task has yet to see the end of the last
            // response. It is ready at once, or closed.
            if let Ok(Ok(())) = tokio::time::timeout(t.connect, sender.ready()).await {
                return Some(sender);
            }
        }
    }

    fn put(&self, index: usize, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut origins = self.origins.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(origin) = origins.get_mut(index)
            && origin.idle.len() < MAX_IDLE
        {
            origin.idle.push((sender, Instant::now()));
        }
    }
}

impl Head<'_> {
    /// Reads the body chunk by chunk: each chunk must arrive within the read
    /// timeout, and the bytes (decoded ones too) are counted against `max`.
    pub(super) async fn read_body(mut self, t: &Timeouts, max: u64) -> Result<Bytes, SendError> {
        // Encoded bytes are held up to twice the cap: no encoding makes a body that much
        // larger, and the decoded bytes are counted against the cap itself.
        let limit = if self.codings.is_some() {
            max.saturating_mul(2)
        } else {
            max
        };
        let mut body = BodyBuf::new(self.declared, limit, max)?;
        loop {
            match tokio::time::timeout(t.read, self.body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Ok(chunk) = frame.into_data() {
                        body.push(chunk)?;
                    }
                }
                Ok(None) => break,
                Ok(Some(Err(e))) => return Err(body_error(&e)),
                Err(_) => return Err(body_stalled(t)),
            }
        }
        self.pool.put(self.origin, self.sender);
        let raw = body.finish();
        match &self.codings {
            Some(codings) => codings.decode(raw, max),
            None => Ok(raw),
        }
    }
}

/// Opens a connection to the host of `url`, resolving and connecting within one
/// connect timeout; with several addresses each gets an equal share of it, so an
/// unreachable first address leaves time for the next (as reqwest does). With the
/// connection: how long the lookup took (none for an IP address) and the connect after it.
async fn connect(url: &Url, t: &Timeouts) -> Result<(Sender, Option<Duration>, Duration), SendError> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(80);
    let started = Instant::now();
    let mut dns = None;
    let attempt = async {
        let addresses: Vec<SocketAddr> = match url.host() {
            Some(url::Host::Ipv4(ip)) => vec![(ip, port).into()],
            Some(url::Host::Ipv6(ip)) => vec![(ip, port).into()],
            Some(url::Host::Domain(name)) => {
                let found = tokio::net::lookup_host((name, port))
                    .await
                    .map(Iterator::collect)
                    .unwrap_or_default();
                dns = Some(started.elapsed());
                found
            }
            None => Vec::new(),
        };
        if addresses.is_empty() {
            return Err(format!("cannot resolve host `{host}`"));
        }
        let share = t.connect / u32::try_from(addresses.len()).unwrap_or(u32::MAX);
        let mut last = String::new();
        for address in &addresses {
            match tokio::time::timeout(share, tokio::net::TcpStream::connect(address)).await {
                Ok(Ok(stream)) => return Ok(stream),
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    "connection refused".clone_into(&mut last);
                }
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => last = format!("timed out after {}", human(share)),
            }
        }
        Err(last)
    };
    let stream = match tokio::time::timeout(t.connect, attempt).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(reason)) if reason.starts_with("timed out") => {
            return Err(SendError::unreachable(
                format!("timed out connecting to {host}:{port} after {}", human(t.connect)),
                true,
                url,
            ));
        }
        Ok(Err(reason)) => {
            return Err(SendError::unreachable(
                format!("could not connect to {host}:{port}: {reason}"),
                true,
                url,
            ));
        }
        Err(_) => {
            return Err(SendError::unreachable(
                format!("timed out connecting to {host}:{port} after {}", human(t.connect)),
                true,
                url,
            ));
        }
    };
    // Failing to set either only costs latency, or time to notice a lost peer.
    let _ = stream.set_nodelay(true);
    keepalive(&stream);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| SendError::new(format!("could not connect to {host}:{port}: {e}"), true))?;
    // Its errors reach the request or body that meets them.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok((sender, dns, started.elapsed().saturating_sub(dns.unwrap_or_default())))
}

/// TCP keepalive as reqwest sets it: a probe after 15 s of quiet, then every
/// 15 s, 3 times; and on Linux, data unacknowledged for 30 s ends the connection.
/// A peer that vanished (a NAT that forgot the flow) is noticed, not waited for.
fn keepalive(stream: &tokio::net::TcpStream) {
    let socket = socket2::SockRef::from(stream);
    let quiet = Duration::from_secs(15);
    let params = socket2::TcpKeepalive::new().with_time(quiet);
    #[cfg(target_os = "linux")]
    let params = params.with_interval(quiet).with_retries(3);
    let _ = socket.set_tcp_keepalive(&params);
    #[cfg(target_os = "linux")]
    let _ = socket.set_tcp_user_timeout(Some(Duration::from_secs(30)));
}

/// The methods RFC 9110 calls safe: sending one twice changes nothing on the server.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// Whether `error` is what a kept-alive connection gives when the server closed
/// it while idle: closed or reset before any byte of a response.
fn stale(error: &hyper::Error) -> bool {
    if error.is_incomplete_message() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionAborted
            );
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn new_connections_probe_a_quiet_peer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        keepalive(&stream);
        let socket = socket2::SockRef::from(&stream);
        assert!(socket.keepalive().unwrap());
        #[cfg(target_os = "linux")]
        {
            assert_eq!(socket.tcp_keepalive_time().unwrap(), Duration::from_secs(15));
            assert_eq!(socket.tcp_keepalive_retries().unwrap(), 3);
            assert_eq!(socket.tcp_user_timeout().unwrap(), Some(Duration::from_secs(30)));
        }
    }

    #[test]
    fn safe_methods_are_the_ones_rfc_9110_names() {
        for m in [Method::GET, Method::HEAD, Method::OPTIONS, Method::TRACE] {
            assert!(is_safe(&m), "{m}");
        }
        for m in [
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::CONNECT,
        ] {
            assert!(!is_safe(&m), "{m}");
        }
    }

    #[test]
    fn origins_are_kept_once_with_their_host_header() {
        let pool = Pool::default();
        let url = |s: &str| Url::parse(s).unwrap();
        let (a, host) = pool.origin(&url("http://a.test:8080/x")).unwrap();
        assert_eq!(host, "a.test:8080");
        let (default, host) = pool.origin(&url("http://a.test:80/")).unwrap();
        assert_eq!(host, "a.test");
        assert_ne!(a, default);
        assert_eq!(pool.origin(&url("http://a.test:8080/y?q")).unwrap().0, a);
        assert_eq!(pool.origin(&url("http://a.test/")).unwrap().0, default);
        let (b, host) = pool.origin(&url("http://b.test:8080/")).unwrap();
        assert_eq!(host, "b.test:8080");
        assert!(b != a && b != default);
        assert_eq!(pool.origins.lock().unwrap().len(), 3);
    }
}
