//! Where the time of one exchange went: resolving the host, connecting,
//! waiting for the first byte of the response, reading its body.
//!
//! Sortie's own transport measures each phase itself. Through reqwest, a
//! resolver and a connector layer of Sortie's record, into a task-local slot
//! set around the send, how long the lookup and the whole connection took;
//! reqwest does not expose its TCP connect apart from its TLS handshake, so an
//! https connection's `connect` covers both and `tls` stays unmeasured.

use std::cell::Cell;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use reqwest::{Method, Url};

/// The phases of one exchange. `None`: the phase did not happen (a kept-alive
/// connection needs no lookup or connect; an IP address no lookup), or, for
/// `tls`, was not measured apart from `connect`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timings {
    pub dns: Option<Duration>,
    /// Opening the connection, after the lookup (with reqwest over https, the TLS handshake too).
    pub connect: Option<Duration>,
    pub tls: Option<Duration>,
    /// From sending the request on an open connection to the head of the response.
    pub ttfb: Duration,
    /// From the head of the response to the end of its body.
    pub download: Duration,
}

impl Timings {
    /// Every phase added up.
    pub(crate) fn total(&self) -> Duration {
        self.dns.unwrap_or_default()
            + self.connect.unwrap_or_default()
            + self.tls.unwrap_or_default()
            + self.ttfb
            + self.download
    }
}

/// One request sent and the response it got: a redirect hop, an auth round
/// trip or a retry is an exchange of its own.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Exchange {
    pub method: Method,
    pub url: Url,
    pub status: u16,
    pub timings: Timings,
}

/// What reqwest's resolver and connector report for the send in progress.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Measured {
    pub dns: Option<Duration>,
    /// The whole connector call: lookup, TCP and TLS.
    pub connection: Option<Duration>,
}

tokio::task_local! {
    static MEASURED: Cell<Measured>;
}

/// Runs `send` (a reqwest send) with a slot for what the resolver and connector measure.
pub(super) async fn measured<F: Future>(send: F) -> (F::Output, Measured) {
    MEASURED
        .scope(Cell::new(Measured::default()), async move {
            let out = send.await;
            (out, MEASURED.with(Cell::get))
        })
        .await
}

fn record(f: impl FnOnce(&mut Measured)) {
    // Outside a measured send (a connection reqwest finishes in the background
    // after the request took a pooled one), there is no one to tell.
    let _ = MEASURED.try_with(|cell| {
        let mut m = cell.get();
        f(&mut m);
        cell.set(m);
    });
}

/// The system resolver, as reqwest's own (getaddrinfo on a blocking thread), timed.
#[derive(Debug, Default)]
pub(super) struct TimedResolver;

impl reqwest::dns::Resolve for TimedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let started = Instant::now();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await;
            record(|m| m.dns = Some(started.elapsed()));
            let addrs: Vec<SocketAddr> = found?.collect();
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// A connector layer that times each connection reqwest opens.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TimedConnect;

impl<S> tower_layer::Layer<S> for TimedConnect {
    type Service = Timed<S>;
    fn layer(&self, inner: S) -> Timed<S> {
        Timed(inner)
    }
}

#[derive(Debug, Clone)]
pub(super) struct Timed<S>(S);

impl<S, R> tower_service::Service<R> for Timed<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.0.call(request);
        Box::pin(async move {
            let started = Instant::now();
            let out = connecting.await;
            record(|m| m.connection = Some(started.elapsed()));
            out
        })
    }
}

/// The phases of a reqwest exchange whose head came `head` after the send began.
pub(super) fn from_reqwest(measured: Measured, head: Duration) -> Timings {
    let dns = measured.dns;
    let connect = measured.connection.map(|c| c.saturating_sub(dns.unwrap_or_default()));
    let opening = measured.connection.unwrap_or_default();
    Timings {
        dns,
        connect,
        tls: None,
        ttfb: head.saturating_sub(opening),
        download: Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_is_split_from_the_lookup_and_the_wait() {
        let ms = Duration::from_millis;
        let t = from_reqwest(
            Measured {
                dns: Some(ms(2)),
                connection: Some(ms(7)),
            },
            ms(20),
        );
        assert_eq!(
            (t.dns, t.connect, t.tls, t.ttfb),
            (Some(ms(2)), Some(ms(5)), None, ms(13))
        );
        assert_eq!(t.total(), ms(20));
        // A kept-alive connection: all of it is the wait.
        let t = from_reqwest(Measured::default(), ms(4));
        assert_eq!((t.dns, t.connect, t.ttfb), (None, None, ms(4)));
    }

    #[test]
    fn the_total_is_every_phase_added_up() {
        let ms = Duration::from_millis;
        let t = Timings {
            dns: Some(ms(1)),
            connect: Some(ms(2)),
            tls: Some(ms(4)),
            ttfb: ms(8),
            download: ms(16),
        };
        assert_eq!(t.total(), ms(31));
    }

    #[tokio::test]
    async fn only_a_measured_send_records() {
        record(|m| m.dns = Some(Duration::from_millis(1)));
        let ((), m) = measured(async { record(|m| m.dns = Some(Duration::from_millis(3))) }).await;
        assert_eq!(m.dns, Some(Duration::from_millis(3)));
    }
}
