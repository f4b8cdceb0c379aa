//! What the README promises and nothing else tested: the safe defaults
//! (timeouts, redirects, retries), how redirects treat methods and
//! credentials, the cut of bodies, the reports' layout, and the `run` flags.
//! Each test fails when the promise it names breaks.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get};

use crate::support::{
    Project, RawServer, Run, TestServer, demo, faketime, json_report, junit, read_head, run_to_end, sortie_command,
};

/// The steps of every collection of a JSON report, in order.
fn report_steps(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["collections"]
        .as_array()
        .expect("collections")
        .iter()
        .flat_map(|c| c["steps"].as_array().expect("steps").clone())
        .collect()
}

/// The step of a JSON report with this name.
fn step<'a>(steps: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    steps
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step `{name}` in {steps:#?}"))
}

/// `collection/testcase` for every testcase of a JUnit file.
fn junit_names(path: &Path) -> Vec<String> {
    junit(path)
        .test_suites
        .iter()
        .flat_map(|s| {
            s.test_cases
                .iter()
                .map(move |c| format!("{}/{}", s.name.as_str(), c.name.as_str()))
        })
        .collect()
}

/// An address whose listener never completes a handshake: its accept queue is
/// full, so the kernel drops new SYNs and connecting hangs. Keep the guard.
fn unanswered_address() -> ((socket2::Socket, Vec<std::net::TcpStream>), std::net::SocketAddr) {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    socket
        .bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into())
        .expect("bind");
    socket.listen(0).expect("listen");
    let addr = socket.local_addr().expect("addr").as_socket().expect("inet");
    let mut fillers = Vec::new();
    // Fill the queue until a connection gets no answer: from then on, none does.
    loop {
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            Ok(s) => fillers.push(s),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break,
            Err(e) => panic!("filling the accept queue: {e}"),
        }
        assert!(fillers.len() < 64, "the accept queue never filled");
    }
    ((socket, fillers), addr)
}

/// A server that reads each request and never answers, until the client hangs up.
fn silent_server() -> RawServer {
    RawServer::start(|mut s| {
        let _ = read_head(&mut s);
        let _ = read_head(&mut s);
    })
}

#[test]
fn the_default_timeouts_are_10s_connect_30s_read_and_60s_total() {
    let Some(lib) = faketime("promises::the_default_timeouts_are_10s_connect_30s_read_and_60s_total") else {
        return;
    };
    let silent = silent_server();
    let (_guard, unanswered) = unanswered_address();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"steps:
  - name: read
    request: {{ url: "{0}/read" }}
  - name: total
    request: {{ url: "{0}/total", timeout: {{ read: 10m }} }}
  - name: connect
    request: {{ url: "http://{unanswered}/" }}
"#,
            silent.url()
        ),
    );
    // 100 seconds of waiting on a clock 100 times as fast.
    let started = Instant::now();
    let run = p.sortie_fast_clock(&lib, 100, &["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    assert!(started.elapsed() < Duration::from_secs(30), "the clock was not sped up");
    let steps = report_steps(&json_report(&p.path("r.json")));
    // Each fired at its own default, on sortie's clock, before any other limit.
    let connect = format!("timed out connecting to {unanswered} after 10s");
    let cases = [
        ("read", "no response within 30s (read timeout)", 30_000.0, 60_000.0),
        ("total", "timed out after 1m (total timeout)", 60_000.0, 600_000.0),
        ("connect", connect.as_str(), 10_000.0, 60_000.0),
    ];
    for (name, message, from, to) in cases {
        let s = step(&steps, name);
        assert_eq!(s["status"], "errored", "{s:#}");
        assert_eq!(s["message"], message, "{s:#}");
        let ms = s["duration_ms"].as_f64().expect("duration");
        assert!((from..to).contains(&ms), "{name} took {ms}ms on sortie's clock");
    }
}

/// `/hop/N` redirects to `/hop/N-1` after `delay_ms`; `/hop/0` answers `arrived`.
fn hop_server(delay_ms: u64) -> TestServer {
    TestServer::start(Router::new().route(
        "/hop/{n}",
        get(move |UrlPath(n): UrlPath<u32>| async move {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            if n == 0 {
                "arrived".into_response()
            } else {
                Redirect::to(&format!("/hop/{}", n - 1)).into_response()
            }
        }),
    ))
}

#[test]
fn the_total_timeout_spans_every_redirect_hop() {
    // Each hop takes 100ms, well within the 350ms total; five of them do not.
    let server = hop_server(100);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{}/hop/5\", timeout: {{ total: 350ms, read: 5s }} }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("timed out after 350ms (total timeout)");
    assert!(server.hits() >= 2, "the timeout came before the first redirect");
}

#[test]
fn ten_redirects_are_followed_by_default_and_the_eleventh_fails_naming_the_limit() {
    let server = hop_server(0);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
steps:
  - name: ten
    request: {{ url: /hop/10 }}
    expect: {{ body: arrived }}
  - name: eleven
    request: {{ url: /hop/11 }}
  - name: ten, true
    request: {{ url: /hop/10, follow_redirects: true }}
    expect: {{ body: arrived }}
  - name: eleven, true
    request: {{ url: /hop/11, follow_redirects: true }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    let steps = report_steps(&json_report(&p.path("r.json")));
    for name in ["ten", "ten, true"] {
        assert_eq!(step(&steps, name)["status"], "passed", "{}", run.stdout);
    }
    for name in ["eleven", "eleven, true"] {
        let s = step(&steps, name);
        assert_eq!(s["status"], "errored");
        assert_eq!(s["message"], "too many redirects: more than 10 (follow_redirects)");
    }
    // 11 requests each: the 11th redirect is refused, not followed.
    assert_eq!(server.hits(), 4 * 11);
}

/// When each request came, by the status it was answered.
type Arrivals = Arc<Mutex<HashMap<u16, Vec<Instant>>>>;

/// Answers `/status/CODE` with CODE and remembers when each request came.
fn status_server() -> (TestServer, Arrivals) {
    let seen: Arrivals = Arc::default();
    let s = seen.clone();
    let server = TestServer::start(Router::new().route(
        "/status/{code}",
        get(move |UrlPath(code): UrlPath<u16>| {
            s.lock().unwrap().entry(code).or_default().push(Instant::now());
            async move { StatusCode::from_u16(code).unwrap() }
        }),
    ));
    (server, seen)
}

#[test]
fn only_429_500_502_503_and_504_are_retried_by_default_and_nothing_without_retry() {
    let (server, seen) = status_server();
    let retried = [429, 500, 502, 503, 504];
    let not_retried = [400, 401, 404, 408, 418, 501, 505, 507];
    let p = Project::new();
    let steps: String = retried
        .iter()
        .chain(&not_retried)
        .map(|code| format!("  - request: {{ url: /status/{code} }}\n"))
        .collect();
    p.file(
        "retry.yaml",
        &format!(
            "base_url: {}\ndefaults:\n  retry: {{ attempts: 2, backoff: 1ms }}\nsteps:\n{steps}",
            server.url()
        ),
    );
    p.sortie(&["run", "retry.yaml"]).expect_code(1);
    let tries = |code: u16| seen.lock().unwrap().get(&code).map_or(0, Vec::len);
    for code in retried {
        assert_eq!(tries(code), 2, "{code} is retried by default");
    }
    for code in not_retried {
        assert_eq!(tries(code), 1, "{code} is not retried by default");
    }
    // Without `retry`, a 503 is tried once.
    p.file(
        "once.yaml",
        &format!("steps:\n  - request: {{ url: \"{}/status/503\" }}\n", server.url()),
    );
    p.sortie(&["run", "once.yaml"]).expect_code(1);
    assert_eq!(tries(503), 3);
}

/// The gaps between the tries of one code, in milliseconds of the wall clock.
fn gaps(seen: &Arrivals, code: u16) -> Vec<f64> {
    let seen = seen.lock().unwrap();
    let times = &seen[&code];
    times.windows(2).map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0).collect()
}

#[test]
fn the_backoff_starts_at_1s_doubles_with_jitter_and_is_capped_at_30s_by_default() {
    let Some(lib) = faketime("promises::the_backoff_starts_at_1s_doubles_with_jitter_and_is_capped_at_30s_by_default")
    else {
        return;
    };
    let (server, seen) = status_server();
    let p = Project::new();
    // On a clock 10 times as fast, the default waits of 0.5–1s, 1–2s and 2–4s
    // take a tenth of that.
    p.file(
        "doubling.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{}/status/503\", retry: {{ attempts: 4 }} }}\n",
            server.url()
        ),
    );
    p.sortie_fast_clock(&lib, 10, &["run", "doubling.yaml"]).expect_code(1);
    let g = gaps(&seen, 503);
    assert_eq!(g.len(), 3, "{g:?}");
    // Each wait is at least half its step (jitter) on sortie's clock, so the
    // third is longer than the first could be; the slack above is for sending
    // the next try on a busy machine.
    let slack = 250.0;
    for (i, gap) in g.iter().enumerate() {
        let full = 100.0 * f64::from(1u32 << i);
        assert!(
            *gap >= full / 2.0 && *gap <= full + slack,
            "wait {} of {g:?} (ms, a tenth of sortie's) is not within 50–100% of {full}ms",
            i + 1
        );
    }
    // A backoff of an hour waits max_backoff: 15–30s, on a clock 100 times as fast.
    p.file(
        "capped.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{}/status/502\", retry: {{ attempts: 2, backoff: 1h }} }}\n",
            server.url()
        ),
    );
    p.sortie_fast_clock(&lib, 100, &["run", "capped.yaml"]).expect_code(1);
    let g = gaps(&seen, 502);
    assert!(g.len() == 1 && g[0] >= 150.0 && g[0] <= 300.0 + slack, "{g:?}");
}

#[test]
fn a_post_becomes_a_get_on_301_302_and_303_and_307_308_keep_method_and_body() {
    let server = TestServer::start(
        Router::new()
            .route(
                "/r/{code}",
                any(|UrlPath(code): UrlPath<u16>| async move {
                    (StatusCode::from_u16(code).unwrap(), [("location", "/method")]).into_response()
                }),
            )
            .route(
                "/method",
                any(|m: Method, headers: HeaderMap, body: String| async move {
                    let kind = headers
                        .get("content-type")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    format!("{m} body={body} type={kind}")
                }),
            ),
    );
    let p = Project::new();
    let case = |method: &str, code: u16, expect: &str| {
        format!(
            "  - name: {method} {code}\n    request: {{ method: {method}, url: /r/{code}, json: {{ a: 1 }} }}\n    expect: {{ body: '{expect}' }}\n"
        )
    };
    let dropped = "GET body= type=";
    let kept = |m: &str| format!(r#"{m} body={{"a":1}} type=application/json"#);
    let steps = [
        case("POST", 301, dropped),
        case("POST", 302, dropped),
        case("POST", 303, dropped),
        case("PUT", 303, dropped),
        case("POST", 307, &kept("POST")),
        case("POST", 308, &kept("POST")),
        case("PUT", 301, &kept("PUT")),
        case("PUT", 302, &kept("PUT")),
    ]
    .concat();
    p.file("c.yaml", &format!("base_url: {}\nsteps:\n{steps}", server.url()));
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(server.hits(), 16);
}

/// The `Proxy-Authorization` each path got, in order.
type ProxyAuthSeen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// Records the `Proxy-Authorization` each path got; `/start` redirects to
/// `redirect_to`, `/same` to `/landing`, other paths echo the header.
fn proxy_auth_server(seen: &ProxyAuthSeen, redirect_to: String) -> TestServer {
    let seen = seen.clone();
    TestServer::start(Router::new().fallback(move |uri: axum::http::Uri, headers: HeaderMap| {
        let value = headers
            .get("proxy-authorization")
            .map(|v| v.to_str().unwrap().to_owned());
        seen.lock().unwrap().push((uri.path().to_owned(), value.clone()));
        let redirect_to = redirect_to.clone();
        async move {
            match uri.path() {
                "/start" => Redirect::temporary(&redirect_to).into_response(),
                "/same" => Redirect::temporary("/landing").into_response(),
                _ => format!("you sent: {}", value.unwrap_or_default()).into_response(),
            }
        }
    }))
}

#[test]
fn proxy_authorization_is_dropped_on_a_cross_origin_redirect_and_masked_everywhere() {
    let seen_b = Arc::default();
    let b = proxy_auth_server(&seen_b, String::new());
    let seen_a = Arc::default();
    // Another host name and port: `localhost` resolves locally.
    let a = proxy_auth_server(&seen_a, format!("http://localhost:{}/landing", b.addr.port()));
    let credentials = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "proxy-user:proxy-pass-77");
    let value = format!("Basic {credentials}");
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
defaults:
  headers: {{ Proxy-Authorization: "{value}" }}
steps:
  - name: cross
    request: {{ url: /start }}
  - name: cross, too short to be learned as a secret
    request: {{ url: /start, headers: {{ Proxy-Authorization: pa1 }} }}
  - name: same
    request: {{ url: /same }}
    expect: {{ status: 201 }}
"#,
            a.url()
        ),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "-vv",
        "--junit",
        "j.xml",
        "--report-json",
        "r.json",
        "--report-html",
        "r.html",
        "--curl",
        "c.sh",
    ]);
    run.expect_code(1);
    // Dropped by name, not only because its value is a secret.
    let landed = ("/landing".to_owned(), None);
    assert_eq!(*seen_b.lock().unwrap(), [landed.clone(), landed], "it crossed origins");
    let a_seen = seen_a.lock().unwrap();
    assert!(
        a_seen.contains(&("/landing".to_owned(), Some(value.clone()))),
        "a same-origin redirect keeps it: {a_seen:?}"
    );
    run.stdout_has("proxy-authorization: ***");
    run.stdout_has("you sent: ***");
    let outputs = [
        ("console", run.stdout.clone()),
        ("junit", p.read("j.xml")),
        ("json", p.read("r.json")),
        ("html", p.read("r.html")),
        ("curl", p.read("c.sh")),
    ];
    for (name, text) in outputs {
        for secret in [credentials.as_str(), "proxy-pass-77"] {
            assert!(!text.contains(secret), "the {name} output shows `{secret}`:\n{text}");
        }
    }
    // The header is a shell variable in curl commands.
    assert!(
        p.read("c.sh")
            .to_ascii_lowercase()
            .contains(r#"-h 'proxy-authorization: '"$sortie_proxy_authorization""#)
    );
}

#[test]
fn verbose_and_json_bodies_are_cut_at_4_kib_with_no_secret_left_in_part() {
    let token = "tok-abcdefghijkl";
    let big = format!("{}{}", "a".repeat(4096), "B".repeat(5000));
    let exact = format!("{}Z", "a".repeat(4095));
    // The token straddles the cut: bytes 4090..4106.
    let straddle = format!("{}{token}{}", "x".repeat(4090), "y".repeat(100));
    let (b, e, s) = (big.clone(), exact.clone(), straddle.clone());
    let server = TestServer::start(
        Router::new()
            .route("/big", get(move || async move { b }))
            .route("/exact", get(move || async move { e }))
            .route("/straddle", any(move || async move { s })),
    );
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
vars: {{ token: {token} }}
secrets: [token]
steps:
  - name: big
    request: {{ url: /big }}
  - name: exact
    request: {{ url: /exact }}
  - name: straddle
    request: {{ method: POST, url: /straddle, body: "{}{{{{ token }}}}{}" }}
"#,
            server.url(),
            "x".repeat(4090),
            "y".repeat(100)
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-vv", "--report-json", "r.json"]);
    run.expect_code(0);
    let report = p.read("r.json");
    let steps = report_steps(&json_report(&p.path("r.json")));
    let cut = format!("{}\n… (5000 more bytes)", "a".repeat(4096));
    assert_eq!(step(&steps, "big")["response"]["body_excerpt"], cut.as_str());
    assert_eq!(step(&steps, "exact")["response"]["body_excerpt"], exact.as_str());
    run.stdout_has(&exact)
        .stdout_has(format!("{}\n", "a".repeat(4096)))
        .stdout_has("(5000 more bytes)")
        .stdout_lacks("BB");
    // One -v shows headers, not bodies.
    p.sortie(&["run", "c.yaml", "-v"])
        .stdout_has("content-length: 9096")
        .stdout_lacks("aaaa");
    // Cut after masking: the part of the token before byte 4096 is not shown either.
    for (name, text) in [("console", &run.stdout), ("json", &report)] {
        assert!(!text.contains("tok-ab"), "the {name} output shows part of the token");
    }
    let straddled = step(&steps, "straddle");
    for side in ["request", "response"] {
        let excerpt = straddled[side]["body_excerpt"].as_str().expect("an excerpt");
        assert!(
            excerpt.starts_with(&format!("{}***", "x".repeat(4090))),
            "{side}: {excerpt}"
        );
    }
}

#[test]
fn the_html_report_has_a_timeline_entry_per_step_linked_to_it() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "a.yaml",
        &format!(
            r#"name: A
base_url: {}
steps:
  - name: first
    request: {{ url: /1 }}
  - name: wrong
    request: {{ url: /2 }}
    expect: {{ status: 201 }}
  - group: Pair
    steps:
      - name: left
        request: {{ url: /3 }}
      - name: right
        request: {{ url: /4 }}
  - name: each
    for_each: [1, 2]
    request: {{ url: "/5?i={{{{ item }}}}" }}
  - name: never
    if: false
    request: {{ url: /6 }}
"#,
            server.url()
        ),
    );
    p.file(
        "b.yaml",
        &format!(
            "name: B\nsteps:\n  - name: only\n    request: {{ url: \"{}/7\" }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", ".", "--report-html", "r.html"]).expect_code(1);
    let html = scraper::Html::parse_document(&p.read("r.html"));
    let sel = |s: &str| scraper::Selector::parse(s).expect("a selector");
    let sections: Vec<_> = html.select(&sel("main > section.collection")).collect();
    assert_eq!(sections.len(), 2);
    let mut seen = Vec::new();
    for section in sections {
        let timelines: Vec<_> = section.select(&sel("div.timeline")).collect();
        assert_eq!(timelines.len(), 1, "one timeline per collection");
        let entries: Vec<_> = timelines[0].select(&sel("a")).collect();
        let steps: Vec<_> = section.select(&sel("details.step")).collect();
        assert_eq!(entries.len(), steps.len(), "one timeline entry per step");
        for (entry, step) in entries.iter().zip(&steps) {
            let entry = entry.value();
            let id = step.value().id().expect("a step id");
            assert_eq!(entry.attr("href"), Some(format!("#{id}").as_str()));
            let status = ["passed", "failed", "errored", "skipped"]
                .into_iter()
                .find(|s| step.value().has_class(s, scraper::CaseSensitivity::CaseSensitive))
                .expect("a status class");
            assert!(entry.has_class(status, scraper::CaseSensitivity::CaseSensitive));
            let name: String = step
                .select(&sel("summary .name"))
                .next()
                .expect("a name")
                .text()
                .collect();
            let title = entry.attr("title").expect("a title");
            assert!(title.starts_with(&format!("{name} · ")), "{title}");
            let grow: f64 = entry
                .attr("style")
                .and_then(|s| s.strip_prefix("flex-grow:"))
                .and_then(|g| g.parse().ok())
                .expect("a width");
            assert!(grow.is_finite() && grow >= 0.0);
            // Problems are open, the rest folded.
            let open = step.value().attr("open").is_some();
            assert_eq!(open, matches!(status, "failed" | "errored"), "{name}");
            seen.push(format!("{name} {status}"));
        }
    }
    assert_eq!(
        seen,
        [
            "first passed",
            "wrong failed",
            "Pair / left passed",
            "Pair / right passed",
            "each [1] passed",
            "each [2] passed",
            "never skipped",
            "only passed"
        ]
    );
}

#[test]
fn junit_names_steps_inside_groups_group_slash_step() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "shop.yaml",
        &format!(
            r#"name: Shop
base_url: {}
steps:
  - group: Cart
    steps:
      - name: add
        request: {{ url: /add }}
      - group: Checkout
        parallel: true
        steps:
          - name: pay
            request: {{ url: /pay }}
          - name: ship
            request: {{ url: /ship }}
  - group: Each
    for_each: [1, 2]
    steps:
      - name: item
        request: {{ url: "/item/{{{{ item }}}}" }}
  - name: plain
    request: {{ url: /plain }}
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "shop.yaml", "--junit", "j.xml", "--report-json", "r.json"])
        .expect_code(0);
    let expected = [
        "Cart / add",
        "Cart / Checkout / pay",
        "Cart / Checkout / ship",
        "Each [1] / item",
        "Each [2] / item",
        "plain",
    ];
    let names = junit_names(&p.path("j.xml"));
    assert_eq!(names, expected.map(|n| format!("Shop/{n}")));
    let report = json_report(&p.path("r.json"));
    let json_names: Vec<_> = report_steps(&report)
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(json_names, expected);
}

#[test]
fn a_dry_run_writes_no_report_file_and_says_so() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!("steps:\n  - request: {{ url: \"{}/x\" }}\n", server.url()),
    );
    // A report from an earlier run stays as it was.
    p.file("j.xml", "earlier");
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--dry-run",
        "--junit",
        "j.xml",
        "--report-json",
        "r.json",
        "--report-html",
        "r.html",
        "--report-tap",
        "r.tap",
        "--curl",
        "c.sh",
    ]);
    run.expect_code(0);
    run.stderr_has("note: --dry-run writes no --junit, --report-json, --report-html or --report-tap file");
    assert_eq!(p.read("j.xml"), "earlier");
    assert!(!p.path("r.json").exists() && !p.path("r.html").exists() && !p.path("r.tap").exists());
    assert!(p.read("c.sh").contains(&format!("curl -L {}/x", server.url())));
    assert_eq!(server.hits(), 0);
}

/// A report with its times, durations, what is ranked or sized by them and
/// the servers' `Date` headers blanked.
fn without_times(text: &str) -> String {
    let rules = [
        (
            r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
            "[date]",
        ),
        // The console's slowest steps are ranked by time.
        (r"(?m)^(\s*)slowest: .*$", "${1}slowest: [t]"),
        (r#"(time|timestamp|started)="[^"]*""#, "$1=\"\""),
        (
            r#""(duration_ms|started|dns_ms|connect_ms|tls_ms|ttfb_ms|download_ms|total_ms)": ?[^,}\n]*"#,
            "\"$1\":0",
        ),
        (r"\b\d+(\.\d+)?(ms|s)\b", "[t]"),
        (r"(flex-grow|width):[0-9.]+", "$1:0"),
        (r"started \d{4}-[0-9T:.Z+-]+", "started"),
    ];
    rules.iter().fold(text.to_owned(), |text, (re, to)| {
        regex::Regex::new(re).unwrap().replace_all(&text, *to).into_owned()
    })
}

#[test]
fn reports_are_the_same_with_one_job_and_with_four() {
    let server = TestServer::start(Router::new().route(
        "/slow/{ms}",
        get(|UrlPath(ms): UrlPath<u64>| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            axum::Json(serde_json::json!({ "waited": ms }))
        }),
    ));
    let p = Project::new();
    for i in 0..4u64 {
        // The first collection is the slowest: with four jobs it ends last.
        p.file(
            &format!("c{i}.yaml"),
            &format!(
                "name: C{i}\nbase_url: {}\nsteps:\n  - request: {{ url: /slow/{} }}\n  - request: {{ url: /slow/0 }}\n    expect: {{ json: {{ $.waited: 1 }} }}\n",
                server.url(),
                (3 - i) * 60
            ),
        );
    }
    let files = ["j.xml", "r.json", "r.html", "c.sh"];
    let reports = |jobs: &str| -> Vec<String> {
        let dir = format!("out{jobs}");
        let mut args = vec!["run", ".", "-j", jobs];
        let paths: Vec<String> = files.iter().map(|f| format!("{dir}/{f}")).collect();
        for (flag, path) in ["--junit", "--report-json", "--report-html", "--curl"]
            .iter()
            .zip(&paths)
        {
            args.extend([*flag, path.as_str()]);
        }
        let run = p.sortie(&args);
        run.expect_code(1);
        let mut out = vec![without_times(&run.stdout)];
        out.extend(paths.iter().map(|path| without_times(&p.read(path))));
        out
    };
    let one = reports("1");
    let four = reports("4");
    for (i, name) in ["stdout"].iter().chain(&files).enumerate() {
        assert_eq!(one[i], four[i], "{name} differs");
    }
    // The comparison sees what it should: every collection, in path order.
    let names = junit_names(&p.path("out4/j.xml"));
    assert_eq!(names.len(), 8);
    assert!(names[0].starts_with("C0/") && names[7].starts_with("C3/"), "{names:?}");
}

#[test]
fn dash_j_runs_that_many_collections_at_once() {
    // Each request waits for the other three, for up to 10 seconds.
    let arrived = Arc::new(AtomicUsize::new(0));
    let count = arrived.clone();
    let server = TestServer::start(Router::new().route(
        "/together",
        get(move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                let deadline = Instant::now() + Duration::from_secs(10);
                while count.load(Ordering::SeqCst) < 4 && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if count.load(Ordering::SeqCst) >= 4 {
                    "together"
                } else {
                    "alone"
                }
            }
        }),
    ));
    let p = Project::new();
    for i in 0..4 {
        p.file(
            &format!("c{i}.yaml"),
            &format!(
                "steps:\n  - request: {{ url: \"{}/together\" }}\n    expect: {{ body: together }}\n",
                server.url()
            ),
        );
    }
    p.sortie(&["run", ".", "-j", "4"]).expect_code(0);
    assert_eq!(arrived.load(Ordering::SeqCst), 4);
}

#[test]
fn a_step_timeout_beats_the_collection_defaults_which_beat_the_flag_which_beats_the_default() {
    let server = TestServer::start(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "done"
        }),
    ));
    let p = Project::new();
    let url = format!("{}/slow", server.url());
    let collection = |name: &str, defaults: &str, steps: &[(&str, &str)]| {
        let steps: String = steps
            .iter()
            .map(|(step, timeout)| format!("  - name: {step}\n    request: {{ url: \"{url}\"{timeout} }}\n"))
            .collect();
        p.file(
            &format!("{name}.yaml"),
            &format!("name: {name}\n{defaults}steps:\n{steps}"),
        );
    };
    collection(
        "a",
        "",
        &[("the flag", ""), ("the step over the flag", ", timeout: 5s")],
    );
    collection(
        "b",
        "defaults: { timeout: 5s }\n",
        &[
            ("the defaults over the flag", ""),
            ("the step over the defaults", ", timeout: 120ms"),
        ],
    );
    collection(
        "c",
        "defaults: { timeout: { read: 5s } }\n",
        &[("a read timeout leaves the flag's total", "")],
    );
    collection(
        "d",
        "defaults: { timeout: 110ms }\n",
        &[(
            "a step's read timeout leaves the defaults' total",
            ", timeout: { read: 5s }",
        )],
    );
    let run = p.sortie(&["run", ".", "--timeout", "150ms", "--report-json", "r.json"]);
    run.expect_code(1);
    let steps = report_steps(&json_report(&p.path("r.json")));
    let outcome = |name: &str| {
        let s = step(&steps, name);
        (
            s["status"].as_str().unwrap().to_owned(),
            s["message"].as_str().map(str::to_owned),
        )
    };
    let timed_out = |ms: u32| {
        (
            "errored".to_owned(),
            Some(format!("timed out after {ms}ms (total timeout)")),
        )
    };
    let passed = ("passed".to_owned(), None);
    assert_eq!(outcome("the flag"), timed_out(150));
    assert_eq!(outcome("the step over the flag"), passed);
    assert_eq!(outcome("the defaults over the flag"), passed);
    assert_eq!(outcome("the step over the defaults"), timed_out(120));
    assert_eq!(outcome("a read timeout leaves the flag's total"), timed_out(150));
    assert_eq!(
        outcome("a step's read timeout leaves the defaults' total"),
        timed_out(110)
    );

    // A number without a unit is seconds, as in curl: one second is plenty.
    p.file("e.yaml", &format!("steps:\n  - request: {{ url: \"{url}\" }}\n"));
    p.sortie(&["run", "e.yaml", "--timeout", "1"]).expect_code(0);
}

/// Whether the text holds an ANSI color (SGR) sequence. Other escapes, as the
/// progress line's erase-line on a terminal, are not colors.
fn has_ansi(text: &str) -> bool {
    regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap().is_match(text)
}

#[test]
fn color_follows_the_flag_then_the_terminal_and_no_color() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "steps:\n  - request: {{ url: \"{}/\" }}\n    expect: {{ status: 201 }}\n",
            server.url()
        ),
    );
    let piped = |color: &str, no_color: Option<&str>| -> Run {
        let mut cmd = sortie_command(p.dir.path());
        cmd.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let run = run_to_end(cmd, &["run", "c.yaml", "--color", color]);
        run.expect_code(1);
        run
    };
    // Into a pipe: only `always` colors, and NO_COLOR does not stop it.
    assert!(has_ansi(&piped("always", Some("1")).stdout));
    assert!(!has_ansi(&piped("auto", None).stdout));
    assert!(!has_ansi(&piped("never", None).stdout));
    // On a terminal: `auto` colors unless NO_COLOR is set to something.
    let terminal = |color: &str, no_color: Option<&str>| -> String {
        let (code, shown) = p.sortie_on_terminal(no_color, &["run", "c.yaml", "--color", color]);
        assert_eq!(code, 1, "{shown}");
        assert!(shown.contains("1 failed"), "{shown}");
        shown
    };
    assert!(has_ansi(&terminal("auto", None)));
    assert!(has_ansi(&terminal("auto", Some(""))));
    assert!(!has_ansi(&terminal("auto", Some("1"))));
    assert!(!has_ansi(&terminal("never", None)));
    assert!(has_ansi(&terminal("always", Some("1"))));
}

#[test]
fn files_must_resolve_inside_the_file_root_which_defaults_to_the_current_folder() {
    let demo = demo();
    let p = Project::new();
    p.file("outside.txt", "from outside");
    p.file("work/inside.txt", "from inside");
    std::os::unix::fs::symlink(p.path("outside.txt"), p.path("work/link.txt")).unwrap();
    let body_file = |name: &str, file: &str| {
        p.file(
            &format!("work/{name}.yaml"),
            &format!(
                "steps:\n  - request: {{ method: POST, url: \"{}/echo\", body_file: {file} }}\n    expect: {{ json: {{ $.body: {{ starts_with: from }} }} }}\n",
                demo.url()
            ),
        );
    };
    body_file("inside", "inside.txt");
    body_file("up", "../outside.txt");
    body_file("link", "link.txt");
    let in_work = |args: &[&str]| run_to_end(sortie_command(&p.path("work")), args);
    // The default root is the current folder: `work`.
    in_work(&["run", "inside.yaml"]).expect_code(0);
    for name in ["up.yaml", "link.yaml"] {
        for command in ["run", "validate"] {
            in_work(&[command, name])
                .expect_code(2)
                .stderr_has("is outside the file root");
        }
    }
    // A wider root lets them in; a narrower one keeps even `work`'s own file out.
    let parent = p.dir.path().to_str().unwrap();
    for name in ["up.yaml", "link.yaml"] {
        in_work(&["run", name, "--file-root", parent]).expect_code(0);
        in_work(&["validate", name, "--file-root", ".."]).expect_code(0);
    }
    std::fs::create_dir(p.path("work/sub")).unwrap();
    in_work(&["run", "inside.yaml", "--file-root", "sub"])
        .expect_code(2)
        .stderr_has("is outside the file root");
}

#[test]
fn env_files_take_comments_export_and_quotes_and_the_real_environment_wins() {
    let demo = demo();
    let p = Project::new();
    // Read by dotenvy: comments after a value, escapes in double quotes only,
    // `${A}` from the lines above or from the real environment.
    p.file(
        ".env",
        concat!(
            "# a comment\n   # an indented one\n#HIDDEN=1\n\n",
            "export EXPORTED=yes\n",
            "DOUBLE=\"two words\"\n",
            "SINGLE='a # in quotes \\n kept'\n",
            "COMMENTED=value # a comment after the value\n",
            "ESCAPED=\"line\\nbreak \\\"quoted\\\"\"\n",
            "EQUALS=a=b\n",
            "EXPANDED=${COMMENTED}-and-$EXPORTED\n",
            "FROM_ENV=\"${REAL}!\"\n",
            "REAL=from-file\n",
        ),
    );
    let names = [
        "EXPORTED",
        "DOUBLE",
        "SINGLE",
        "COMMENTED",
        "ESCAPED",
        "EQUALS",
        "EXPANDED",
        "FROM_ENV",
        "REAL",
    ];
    let query: String = names.iter().map(|n| format!("{n}: \"{{{{ env.{n} }}}}\", ")).collect();
    p.file(
        "c.yaml",
        &format!(
            r#"steps:
  - request:
      url: "{}/echo"
      query: {{ {query}HIDDEN: "{{{{ env.HIDDEN | default('unset') }}}}" }}
    expect:
      json:
        $.query:
          - [EXPORTED, "yes"]
          - [DOUBLE, two words]
          - [SINGLE, 'a # in quotes \n kept']
          - [COMMENTED, value]
          - [ESCAPED, "line\nbreak \"quoted\""]
          - [EQUALS, a=b]
          - [EXPANDED, value-and-yes]
          - [FROM_ENV, from-env!]
          - [REAL, from-env]
          - [HIDDEN, unset]
"#,
            demo.url()
        ),
    );
    let run = p.sortie_env(&[("REAL", "from-env")], &["run", "c.yaml", "--env-file", ".env"]);
    run.expect_code(0);
    // A line that is no dotenv line is invalid input, at its line, without quoting it
    // (an env file holds secrets).
    p.file("bad.env", "A=1\nNOT A PAIR s3cr3t-value\n");
    p.sortie(&["run", "c.yaml", "--env-file", "bad.env"])
        .expect_code(2)
        .stderr_has("--env-file `bad.env`:2: not a dotenv line")
        .stderr_lacks("s3cr3t");
}

#[test]
fn a_vars_file_keeps_its_types_and_a_var_is_a_string_that_wins() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "vars.json",
        r#"{"n": 7, "x": 1.5, "flag": true, "nothing": null, "list": [1, "a"], "obj": {"k": 2}, "s": "7", "over": 1}"#,
    );
    p.file(
        "vars.yaml",
        "n: 7\nx: 1.5\nflag: true\nnothing: null\nlist: [1, a]\nobj: { k: 2 }\ns: \"7\"\nover: 1\n",
    );
    let fields = ["n", "x", "flag", "nothing", "list", "obj", "s", "over"];
    let json: String = fields.iter().map(|f| format!("{f}: \"{{{{ {f} }}}}\", ")).collect();
    p.file(
        "c.yaml",
        &format!(
            r#"steps:
  - request:
      method: POST
      url: "{}/echo"
      json: {{ {json} }}
    expect:
      json:
        $.json: {{ equals: {{ n: 7, x: 1.5, flag: true, nothing: null, list: [1, a], obj: {{ k: 2 }}, s: "7", over: "2" }} }}
        $.json.n: {{ type: integer }}
        $.json.s: {{ type: string }}
        $.json.over: {{ type: string }}
"#,
            demo.url()
        ),
    );
    for file in ["vars.json", "vars.yaml"] {
        p.sortie(&["run", "c.yaml", "--vars-file", file, "--var", "over=2"])
            .expect_code(0);
    }
}

#[test]
fn filter_is_a_case_sensitive_substring_of_collection_slash_step() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "pets.yaml",
        &format!(
            r#"name: Pets
base_url: {}
steps:
  - name: Read pet
    request: {{ url: /1 }}
  - name: read owner
    request: {{ url: /2 }}
  - group: Admin
    steps:
      - name: Read logs
        request: {{ url: /3 }}
"#,
            server.url()
        ),
    );
    let kept = |filter: &str| {
        p.sortie(&["run", "pets.yaml", "--filter", filter, "--junit", "j.xml"])
            .expect_code(0);
        junit_names(&p.path("j.xml"))
    };
    assert_eq!(kept("Read"), ["Pets/Read pet", "Pets/Admin / Read logs"]);
    assert_eq!(kept("read"), ["Pets/read owner"]);
    assert_eq!(kept("Pets / Read"), ["Pets/Read pet"]);
    assert_eq!(kept("Admin / Read"), ["Pets/Admin / Read logs"]);
    // A filter that keeps nothing is a mistake, not a green run of nothing.
    for filter in ["pets / read", "READ"] {
        p.sortie(&["run", "pets.yaml", "--filter", filter])
            .expect_code(2)
            .stderr_has("--filter is case-sensitive");
    }
    assert_eq!(server.hits(), 5, "the four runs that kept steps, and nothing after");
}
