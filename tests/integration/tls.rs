//! TLS: a CA, server and client certificates made at test time (rcgen), a
//! loopback HTTPS server (tokio-rustls + hyper, HTTP/1.1 and h2 by ALPN),
//! and sortie's `--insecure`, `--cacert`, `--cert/--key` and `defaults.tls`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::Version;
use axum::routing::get;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::support::{Project, junit};

/// A test CA and what it signed; the CA and client files are written into the project.
pub(crate) struct Pki {
    ca_der: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes a CA, a server certificate for 127.0.0.1 and localhost, and a
/// client certificate; writes `ca.pem`, `client.pem` and `client.key`.
pub(crate) fn pki(p: &Project) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Sortie test CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    server.distinguished_name.push(DnType::CommonName, "sortie test server");
    let server_key = KeyPair::generate().unwrap();
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();

    let mut client = CertificateParams::new(Vec::<String>::new()).unwrap();
    client.distinguished_name.push(DnType::CommonName, "sortie test client");
    client.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().unwrap();
    let client_cert = client.signed_by(&client_key, &issuer).unwrap();

    p.file("certs/ca.pem", &ca_cert.pem());
    p.file("certs/client.pem", &client_cert.pem());
    p.file("certs/client.key", &client_key.serialize_pem());
    Pki {
        ca_der: ca_cert.der().clone(),
        server_cert: server_cert.der().clone(),
        server_key: server_key.serialize_der(),
    }
}

/// The test server's certificate; with `client_auth`, a client certificate
/// signed by the test CA is required.
fn server_config(pki: &Pki, client_auth: bool) -> rustls::ServerConfig {
    let provider = provider();
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone()));
    builder.with_single_cert(vec![pki.server_cert.clone()], key).unwrap()
}

/// A loopback HTTPS server offering h2 and http/1.1 by ALPN; counts
/// requests, failed handshakes, and the HTTP versions it saw.
pub(crate) struct HttpsServer {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
    pub handshake_failures: Arc<AtomicUsize>,
    pub versions: Arc<Mutex<Vec<Version>>>,
    _runtime: tokio::runtime::Runtime,
}

impl HttpsServer {
    /// `router` answers every request; with `client_auth`, a client
    /// certificate signed by the test CA is required.
    pub fn start(pki: &Pki, client_auth: bool, router: Router) -> HttpsServer {
        let mut config = server_config(pki, client_auth);
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

        let hits = Arc::new(AtomicUsize::new(0));
        let handshake_failures = Arc::new(AtomicUsize::new(0));
        let versions: Arc<Mutex<Vec<Version>>> = Arc::default();
        let (h, v) = (hits.clone(), versions.clone());
        let router = router.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                h.fetch_add(1, Ordering::SeqCst);
                v.lock().unwrap().push(req.version());
                next.run(req)
            },
        ));
        let (runtime, listener, addr) = crate::support::loopback();
        let failures = handshake_failures.clone();
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (acceptor, router, failures) = (acceptor.clone(), router.clone(), failures.clone());
                tokio::spawn(async move {
                    match acceptor.accept(tcp).await {
                        Ok(tls) => serve_connection(tls, router).await,
                        Err(_) => {
                            failures.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        HttpsServer {
            addr,
            hits,
            handshake_failures,
            versions,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A TLS server that completes the handshake, asking for no client
/// certificate, then closes the connection: as a server that wanted one may.
fn closing_tls_server(pki: &Pki) -> (tokio::runtime::Runtime, SocketAddr) {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config(pki, false)));
    let (runtime, listener, addr) = crate::support::loopback();
    runtime.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
                }
            });
        }
    });
    (runtime, addr)
}

/// Serves HTTP/1.1 or HTTP/2 (whichever the connection speaks) with `router`.
pub(crate) async fn serve_connection<IO>(io: IO, router: Router)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper_util::service::TowerToHyperService::new(router);
    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .await;
}

/// A route answering `{"version": "HTTP/2.0"}` with the request's HTTP version.
pub(crate) fn version_router() -> Router {
    Router::new().route(
        "/v",
        get(|version: Version| async move { axum::Json(serde_json::json!({ "version": format!("{version:?}") })) }),
    )
}

fn one_step(p: &Project, url: &str, defaults: &str) {
    p.file(
        "c.yaml",
        &format!(
            "{defaults}steps:\n  - name: tls\n    request: {{ url: \"{url}/v\" }}\n    expect: {{ status: 200 }}\n"
        ),
    );
}

#[test]
fn an_unknown_ca_fails_verification_with_a_clear_message() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), false, version_router());
    one_step(&p, &server.url(), "");
    let run = p.sortie(&["run", "c.yaml", "--junit", "j.xml"]);
    run.expect_code(1);
    let expected = format!(
        "TLS certificate of 127.0.0.1:{} not trusted: invalid peer certificate: UnknownIssuer (trust its CA",
        server.addr.port()
    );
    run.stdout_has(&expected);
    assert!(
        run.stdout.contains("--cacert"),
        "the message says what to do: {}",
        run.stdout
    );
    assert_eq!(server.hits(), 0);
    assert_eq!(junit(&p.path("j.xml")).tests, 1);
}

#[test]
fn cacert_trusts_the_test_ca_from_the_flag_and_from_defaults() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), false, version_router());
    one_step(&p, &server.url(), "");
    p.sortie(&["run", "c.yaml", "--cacert", "certs/ca.pem"]).expect_code(0);
    one_step(&p, &server.url(), "defaults:\n  tls: { cacert: certs/ca.pem }\n");
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(server.hits(), 2);
}

#[test]
fn insecure_skips_verification_from_the_flag_and_from_defaults() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), false, version_router());
    one_step(&p, &server.url(), "");
    let run = p.sortie(&["run", "c.yaml", "--insecure", "-v"]);
    run.expect_code(0);
    one_step(&p, &server.url(), "defaults:\n  tls: { insecure: true }\n");
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(server.hits(), 2);
}

#[test]
fn mutual_tls_needs_the_client_certificate_and_key() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), true, version_router());
    one_step(&p, &server.url(), "");
    let run = p.sortie(&["run", "c.yaml", "--cacert", "certs/ca.pem"]);
    run.expect_code(1);
    run.stdout_has("client certificate? --cert FILE --key FILE");
    assert_eq!(server.hits(), 0, "{}", run.stdout);
    p.sortie(&[
        "run",
        "c.yaml",
        "--cacert",
        "certs/ca.pem",
        "--cert",
        "certs/client.pem",
        "--key",
        "certs/client.key",
    ])
    .expect_code(0);
    one_step(
        &p,
        &server.url(),
        "defaults:\n  tls: { cacert: certs/ca.pem, cert: certs/client.pem, key: certs/client.key }\n",
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_closed_tls_connection_suggests_a_client_certificate_only_when_none_was_given() {
    let p = Project::new();
    let (_runtime, addr) = closing_tls_server(&pki(&p));
    let url = format!("https://{addr}");
    let hint = "does it want a client certificate? --cert FILE --key FILE";
    one_step(&p, &url, "");
    let run = p.sortie(&["run", "c.yaml", "--cacert", "certs/ca.pem"]);
    run.expect_code(1);
    run.stdout_has(hint);
    let cert = ["--cert", "certs/client.pem", "--key", "certs/client.key"];
    let run = p.sortie(&[&["run", "c.yaml", "--cacert", "certs/ca.pem"][..], &cert[..]].concat());
    run.expect_code(1);
    run.stdout_has("request failed:").stdout_lacks(hint);
    one_step(
        &p,
        &url,
        "defaults:\n  tls: { cacert: certs/ca.pem, cert: certs/client.pem, key: certs/client.key }\n",
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("request failed:").stdout_lacks(hint);
}

#[test]
fn http2_is_negotiated_by_alpn_over_tls() {
    let p = Project::new();
    let server = HttpsServer::start(&pki(&p), false, version_router());
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{}/v\" }}\n    expect: {{ json: {{ $.version: HTTP/2.0 }} }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml", "--cacert", "certs/ca.pem"]).expect_code(0);
    assert_eq!(*server.versions.lock().unwrap(), [Version::HTTP_2]);
}

#[test]
fn the_oauth2_token_request_uses_the_session_tls_settings() {
    let p = Project::new();
    let tokens = Arc::new(AtomicUsize::new(0));
    let issued = tokens.clone();
    let router = version_router().route(
        "/token",
        axum::routing::post(move || {
            issued.fetch_add(1, Ordering::SeqCst);
            async { axum::Json(serde_json::json!({ "access_token": "tls-token-123", "token_type": "Bearer" })) }
        }),
    );
    let server = HttpsServer::start(&pki(&p), false, router);
    one_step(
        &p,
        &server.url(),
        &format!(
            "base_url: {}\ndefaults:\n  tls: {{ cacert: certs/ca.pem }}\n  auth: {{ oauth2: {{ token_url: /token, client_id: c, client_secret: s }} }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(tokens.load(Ordering::SeqCst), 1);
    assert_eq!(server.handshake_failures.load(Ordering::SeqCst), 0);
}
