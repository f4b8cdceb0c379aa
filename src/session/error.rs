//! Why a request got no response, in words a person understands: reqwest's
//! and the transport's errors become one line naming the host and the limit.

use reqwest::Url;

use super::{Origin, origin};
use crate::plan::Timeouts;
use crate::text::human;

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SendError {
    pub message: String,
    /// A connection error or timeout: worth a retry when the step allows it.
    pub retryable: bool,
    /// The origin that could not be reached at all (refused, unknown host, TLS handshake
    /// failed, connect timeout): later requests to it would fail the same way. None when the
    /// server was reached and failed later (a read timeout, a reset, a bad response).
    pub unreachable: Option<Origin>,
}

impl SendError {
    pub(crate) fn new(message: impl Into<String>, retryable: bool) -> Self {
        SendError {
            message: message.into(),
            retryable,
            unreachable: None,
        }
    }

    /// An error connecting to `url`'s origin: nothing was sent.
    pub(crate) fn unreachable(message: impl Into<String>, retryable: bool, url: &Url) -> Self {
        SendError {
            message: message.into(),
            retryable,
            unreachable: Some(origin(url)),
        }
    }
}

/// A reqwest error as one line a person understands. `proxy` is the proxy the
/// request went through, if any: a connection that failed was to it.
pub(super) fn describe(
    e: &reqwest::Error,
    t: &Timeouts,
    url: &Url,
    has_client_cert: bool,
    proxy: Option<&Url>,
) -> SendError {
    let to = proxy.unwrap_or(url);
    let host = to.host_str().unwrap_or("?");
    let port = to.port_or_known_default().unwrap_or(0);
    let whom = if proxy.is_some() { "the proxy " } else { "" };
    let root = chain(e);
    if e.is_timeout() && e.is_connect() {
        return SendError::unreachable(
            format!("timed out connecting to {whom}{host}:{port} after {}", human(t.connect)),
            true,
            url,
        );
    }
    if e.is_timeout() {
        return SendError::new(format!("no response within {} (read timeout)", human(t.read)), true);
    }
    if let Some(at) = root.find("invalid peer certificate") {
        return SendError::unreachable(
            format!(
                "TLS certificate of {host}:{port} not trusted: {} (trust its CA with --cacert FILE or \
                 defaults.tls.cacert, or skip verification with --insecure)",
                &root[at..]
            ),
            false,
            url,
        );
    }
    if let Some(at) = root.find("received fatal alert") {
        return SendError::unreachable(
            format!(
                "TLS handshake with {host}:{port} failed: {}{}",
                &root[at..],
                alert_hint(&root)
            ),
            false,
            url,
        );
    }
    if e.is_connect() {
        let reason = connect_reason(root, host);
        return SendError::unreachable(format!("could not connect to {whom}{host}:{port}: {reason}"), true, url);
    }
    // With TLS 1.3 a server that refuses the client's certificate (or its
    // absence) closes the connection after the handshake: the alert is lost.
    let closed = [
        "channel closed",
        "connection closed",
        "connection reset",
        "broken pipe",
        "connection was not ready",
    ]
    .iter()
    .any(|m| root.to_ascii_lowercase().contains(m));
    if closed && url.scheme() == "https" && !has_client_cert {
        return SendError::new(
            format!(
                "request failed: {root}: the server closed the TLS connection (does it want a client \
                 certificate? --cert FILE --key FILE)"
            ),
            true,
        );
    }
    SendError::new(format!("request failed: {root}"), true)
}

/// The innermost useful messages of an error chain, without duplicates.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        // reqwest's own layer repeats the URL; the step already names it.
        if !text.starts_with("error sending request") && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

/// What to add to a TLS alert that may mean the server wants a client certificate.
fn alert_hint(root: &str) -> &'static str {
    if root.contains("CertificateRequired") || root.contains("HandshakeFailure") {
        " (does the server want a client certificate? --cert FILE --key FILE)"
    } else {
        ""
    }
}

/// Why a connection could not be opened, from the error's text.
fn connect_reason(root: String, host: &str) -> String {
    if root.contains("Connection refused") {
        "connection refused".to_owned()
    } else if root.contains("dns error") || root.contains("failed to lookup") {
        format!("cannot resolve host `{host}`")
    } else {
        root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a message and an optional cause.
    #[derive(Debug)]
    struct E(&'static str, Option<Box<E>>);

    impl std::fmt::Display for E {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for E {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    fn err(messages: &[&'static str]) -> E {
        let mut e: Option<Box<E>> = None;
        for m in messages.iter().rev() {
            e = Some(Box::new(E(m, e)));
        }
        *e.unwrap()
    }

    #[test]
    fn alerts_and_connect_errors_are_said_plainly() {
        let hint = " (does the server want a client certificate? --cert FILE --key FILE)";
        assert_eq!(alert_hint("received fatal alert: CertificateRequired"), hint);
        assert_eq!(alert_hint("received fatal alert: HandshakeFailure"), hint);
        assert_eq!(alert_hint("received fatal alert: ProtocolVersion"), "");
        let reason = |root: &str| connect_reason(root.to_owned(), "h.test");
        assert_eq!(
            reason("tcp connect error: Connection refused (os error 111)"),
            "connection refused"
        );
        assert_eq!(reason("dns error: no record"), "cannot resolve host `h.test`");
        assert_eq!(
            reason("failed to lookup address information"),
            "cannot resolve host `h.test`"
        );
        assert_eq!(reason("Network is unreachable"), "Network is unreachable");
    }

    #[test]
    fn a_chain_reads_outside_in_without_repeats() {
        assert_eq!(chain(&err(&["a", "b", "c"])), "a: b: c");
        // A cause already quoted by an outer message is not said twice.
        assert_eq!(chain(&err(&["connect: refused", "refused"])), "connect: refused");
        assert_eq!(
            chain(&err(&["error sending request for url (http://h/)", "timed out"])),
            "timed out"
        );
        // Nothing left: the error as it is.
        assert_eq!(
            chain(&err(&["error sending request for url (http://h/)"])),
            "error sending request for url (http://h/)"
        );
    }

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: std::time::Duration::from_secs(2),
            read: std::time::Duration::from_millis(300),
            total: std::time::Duration::from_secs(10),
        }
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .read_timeout(timeouts().read)
            .tls_certs_only(std::iter::empty())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn a_refused_connection_names_the_origin_it_could_not_reach() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap();
        let e = client().get(url.clone()).send().await.unwrap_err();
        let err = describe(&e, &timeouts(), &url, false, None);
        assert_eq!(
            err.message,
            format!("could not connect to 127.0.0.1:{port}: connection refused")
        );
        assert!(err.retryable);
        assert_eq!(err.unreachable, Some(origin(&url)));
    }

    #[tokio::test]
    async fn a_silent_server_is_a_read_timeout_and_was_reached() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Connections complete in the listen queue; nothing ever answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/x", listener.local_addr().unwrap())).unwrap();
        let e = client().get(url.clone()).send().await.unwrap_err();
        let err = describe(&e, &timeouts(), &url, false, None);
        assert_eq!(err, SendError::new("no response within 300ms (read timeout)", true));
    }
}
