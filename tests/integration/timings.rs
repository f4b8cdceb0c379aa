//! Each request sent is an exchange with a timing breakdown (DNS, connect,
//! TLS, time to first byte, download): redirect hops and retries are
//! exchanges of their own; in the JSON report, the HTML report and `-v`, on
//! both transports.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;

use crate::support::{Project, TestServer, json_report};
use crate::tls::{HttpsServer, pki};

/// `/start` redirects to `/slow`, which answers after 40ms; `/flaky` answers 503
/// once, then 200.
fn router() -> Router {
    let calls = Arc::new(AtomicUsize::new(0));
    Router::new()
        .route("/start", get(|| async { Redirect::to("/slow") }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(40)).await;
                "slow"
            }),
        )
        .route(
            "/flaky",
            get(move || {
                let calls = calls.clone();
                async move {
                    if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                        StatusCode::SERVICE_UNAVAILABLE.into_response()
                    } else {
                        "ok".into_response()
                    }
                }
            }),
        )
}

fn ms(v: &serde_json::Value) -> Option<f64> {
    v.as_f64()
}

/// Runs the collection against `base` (a `localhost` URL: a name to look up) and
/// checks the exchanges every output shows; `https` says which transport it was.
fn exchanges_are_timed(p: &Project, base: &str, defaults: &str, https: bool) {
    p.file(
        "c.yaml",
        &format!(
            "base_url: {base}\n{defaults}steps:\n  - name: redirected\n    request: {{ url: /start }}\n  - name: retried\n    request: {{ url: /flaky, retry: {{ attempts: 2, on_status: [503], backoff: 1ms }} }}\n"
        ),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "-v",
        "--report-json",
        "r.json",
        "--report-html",
        "r.html",
    ]);
    run.expect_code(0);
    let report = json_report(&p.path("r.json"));
    let steps = &report["collections"][0]["steps"];
    let hops = steps[0]["exchanges"].as_array().expect("exchanges").clone();
    let statuses: Vec<u64> = hops.iter().map(|e| e["status"].as_u64().unwrap_or_default()).collect();
    assert_eq!(statuses, [303, 200], "{hops:#?}");
    assert!(hops[0]["url"].as_str().unwrap_or_default().ends_with("/start"));
    assert!(hops[1]["url"].as_str().unwrap_or_default().ends_with("/slow"));
    // The first request opened the connection: a lookup of `localhost`, then a connect.
    let first = &hops[0]["timings"];
    assert!(ms(&first["dns_ms"]).is_some_and(|d| d >= 0.0), "{first}");
    assert!(ms(&first["connect_ms"]).is_some_and(|d| d > 0.0), "{first}");
    // TLS is not measured apart from connect through reqwest (documented).
    assert!(first["tls_ms"].is_null(), "{first}");
    // The second waited for the server; its phases add up to its total.
    let second = &hops[1]["timings"];
    assert!(ms(&second["ttfb_ms"]).is_some_and(|t| t >= 40.0), "{second}");
    assert!(ms(&second["download_ms"]).is_some_and(|t| t >= 0.0), "{second}");
    let total = ms(&second["total_ms"]).unwrap_or_default();
    let sum = ["dns_ms", "connect_ms", "tls_ms", "ttfb_ms", "download_ms"]
        .iter()
        .filter_map(|k| ms(&second[k]))
        .sum::<f64>();
    assert!((total - sum).abs() < 0.01, "{second}");
    // A retry is an exchange of its own.
    let retried: Vec<u64> = steps[1]["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .map(|e| e["status"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(retried, [503, 200]);
    // The retry went on the kept-alive connection: no lookup, no connect.
    let again = &steps[1]["exchanges"][1]["timings"];
    assert!(again["dns_ms"].is_null() && again["connect_ms"].is_null(), "{again}");
    // -v: a line per exchange with its phases.
    let scheme = if https { "https" } else { "http" };
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains(&format!("~ GET {scheme}://localhost:")) && l.contains("/start 303"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        line.contains("dns ") && line.contains("connect ") && line.contains("ttfb ") && line.contains("download "),
        "{line}"
    );
    run.stdout_has("/flaky 503  ttfb ");
    // HTML: a bar per exchange.
    let html = p.read("r.html");
    assert_eq!(
        html.matches("<span class=\"phases\">").count(),
        4,
        "two exchanges a step"
    );
    assert!(html.contains("<span class=\"ttfb\" style=\"width:"));
}

#[test]
fn exchanges_are_timed_over_plain_http() {
    let server = TestServer::start(router());
    let p = Project::new();
    let base = format!("http://localhost:{}", server.addr.port());
    exchanges_are_timed(&p, &base, "", false);
}

#[test]
fn exchanges_are_timed_over_tls() {
    let p = Project::new();
    let pki = pki(&p);
    let server = HttpsServer::start(&pki, false, router());
    let base = format!("https://localhost:{}", server.addr.port());
    exchanges_are_timed(&p, &base, "defaults:\n  tls: { cacert: certs/ca.pem }\n", true);
}
