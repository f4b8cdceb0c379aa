//! What every integration test needs: a temporary project folder, the
//! `sortie` binary, in-process loopback servers, and report parsers.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;

/// A temporary folder holding collection files; sortie runs inside it.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, text).expect("write file");
        path
    }

    /// `sortie ARGS...` run in the project folder, without color.
    pub fn sortie(&self, args: &[&str]) -> Run {
        self.sortie_env(&[], args)
    }

    /// `sortie ARGS...` with these environment variables set.
    pub fn sortie_env(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd = sortie_command(self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_to_end(cmd, args)
    }

    /// `sortie ARGS...` started in the project folder and left running, its output
    /// piped: for tests that signal it or watch it while it runs.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        sortie_command(self.dir.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("sortie starts")
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }
}

/// The `sortie` binary to run in `dir`, without color. The machine's proxy variables,
/// GitHub Actions variables and demo URL are removed: loopback tests must not go through a proxy.
pub fn sortie_command(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("sortie"));
    cmd.current_dir(dir).env("NO_COLOR", "1").env_remove("SORTIE_DEMO_URL");
    // A test run on GitHub Actions must not turn on the annotations of every test.
    cmd.env_remove("GITHUB_ACTIONS").env_remove("GITHUB_STEP_SUMMARY");
    for name in PROXY_VARS {
        cmd.env_remove(name);
    }
    cmd
}

/// Runs `cmd ARGS...` to its end, within 60 seconds.
pub fn run_to_end(cmd: std::process::Command, args: &[&str]) -> Run {
    let output = Command::from_std(cmd)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("sortie runs");
    Run::from(output)
}

/// A port on 127.0.0.1 that nothing listens on.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// The environment variables reqwest reads a proxy from.
pub const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A finished `sortie` process.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Fails, showing stdout, unless stdout contains `text`.
    #[track_caller]
    pub fn stdout_has(&self, text: impl AsRef<str>) -> &Run {
        assert!(self.stdout.contains(text.as_ref()), "{}", self.stdout);
        self
    }

    /// Fails, showing stdout, when stdout contains `text`.
    #[track_caller]
    pub fn stdout_lacks(&self, text: impl AsRef<str>) -> &Run {
        assert!(!self.stdout.contains(text.as_ref()), "{}", self.stdout);
        self
    }

    /// Fails, showing stderr, unless stderr contains `text`.
    #[track_caller]
    pub fn stderr_has(&self, text: impl AsRef<str>) -> &Run {
        assert!(self.stderr.contains(text.as_ref()), "{}", self.stderr);
        self
    }

    /// Fails, showing stderr, when stderr contains `text`.
    #[track_caller]
    pub fn stderr_lacks(&self, text: impl AsRef<str>) -> &Run {
        assert!(!self.stderr.contains(text.as_ref()), "{}", self.stderr);
        self
    }

    /// Fails with the whole output when the exit status is not `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// The bundled demo API, on 127.0.0.1 and a free port.
pub fn demo() -> sortie_demo::DemoServer {
    sortie_demo::start_background().expect("the demo API starts")
}

/// What an in-process server needs: a runtime of its own (one worker), and a
/// listener on 127.0.0.1 and a free port.
pub fn loopback() -> (tokio::runtime::Runtime, tokio::net::TcpListener, SocketAddr) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    (runtime, listener, addr)
}

/// A loopback server with routes of a test's own; counts the requests it got.
pub struct TestServer {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl TestServer {
    pub fn start(router: axum::Router) -> TestServer {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let router = router.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { next.run(req).await }
        }));
        let (runtime, listener, addr) = loopback();
        runtime.spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        TestServer {
            addr,
            hits,
            _runtime: runtime,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// A server that answers `ok` to every request.
    pub fn ok() -> TestServer {
        TestServer::start(axum::Router::new().fallback(|| async { "ok" }))
    }
}

/// A raw TCP server: each connection is handed to `handle` on its own thread.
/// For servers that misbehave below HTTP (resets, stalls, lies about length).
pub struct RawServer {
    pub addr: SocketAddr,
    pub hits: Arc<AtomicUsize>,
}

impl RawServer {
    pub fn start(handle: impl Fn(std::net::TcpStream) + Send + Sync + 'static) -> RawServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let handle = Arc::new(handle);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let handle = handle.clone();
                std::thread::spawn(move || handle(stream));
            }
        });
        RawServer { addr, hits }
    }

    /// A server that reads each request's head, writes `answer` and hangs up.
    pub fn answer(answer: &'static [u8]) -> RawServer {
        RawServer::start(move |mut s| {
            let _ = read_head(&mut s);
            let _ = std::io::Write::write_all(&mut s, answer);
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections it accepted.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// Reads an HTTP request head from a raw stream (up to the blank line).
pub fn read_head(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Parses a JUnit file with an independent reader.
pub fn junit(path: &Path) -> quick_junit::Report {
    let xml = std::fs::read_to_string(path).expect("the JUnit file exists");
    quick_junit::Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("well-formed JUnit: {e}\n{xml}"))
}

/// Lines of console output with timings replaced by `[t]`.
pub fn normalize(text: &str) -> String {
    let re = regex::Regex::new(r"\b\d+(\.\d+)?(ms|s)\b").expect("regex");
    re.replace_all(text, "[t]").into_owned()
}

/// Reads a JSON report and checks it against `schemas/report.schema.json`:
/// every report a test writes goes through here.
pub fn json_report(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let report: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("JSON report: {e}\n{text}"));
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../schemas/report.schema.json")).expect("the report schema is JSON");
    let validator = jsonschema::options()
        .build(&schema)
        .expect("the report schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the report does not match its schema: {errors:#?}\n{text}"
    );
    report
}

/// A forwarding HTTP proxy on 127.0.0.1: it relays absolute-form requests
/// (`GET http://127.0.0.1:PORT/path HTTP/1.1`) to the origin they name, adding
/// `Via: 1.1 sortie-test-proxy` as real proxies do, and tunnels `CONNECT`. It
/// reaches loopback origins only. With credentials, a request whose
/// `Proxy-Authorization` is not their `Basic` form gets a 407. One request per
/// connection: it answers `Connection: close`.
pub struct Proxy {
    pub addr: SocketAddr,
    heads: Arc<std::sync::Mutex<Vec<String>>>,
}

/// The `Via` value the test proxy adds to what it forwards.
pub const VIA: &str = "1.1 sortie-test-proxy";

impl Proxy {
    /// A proxy that asks for no credentials.
    pub fn open() -> Proxy {
        Proxy::start(None)
    }

    /// A proxy that wants `Proxy-Authorization: Basic base64(user:password)`.
    pub fn with_credentials(user: &str, password: &str) -> Proxy {
        Proxy::start(Some(format!("{user}:{password}")))
    }

    fn start(credentials: Option<String>) -> Proxy {
        use base64::Engine as _;
        let expected = credentials.map(|c| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(c)));
        let heads: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let seen = heads.clone();
        let server = RawServer::start(move |client| proxy_connection(client, expected.as_deref(), &seen));
        Proxy {
            addr: server.addr,
            heads,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// This proxy's URL with `user:password@` in it.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.addr)
    }

    /// The request heads the proxy got, in order of arrival.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// How many requests (or tunnels) it got.
    pub fn hits(&self) -> usize {
        self.heads.lock().unwrap().len()
    }
}

/// The value of header `name` in a request or response head.
pub fn head_value<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn proxy_connection(mut client: std::net::TcpStream, expected: Option<&str>, seen: &std::sync::Mutex<Vec<String>>) {
    use std::io::{Read, Write};
    let head = read_head(&mut client);
    if head.is_empty() {
        return;
    }
    seen.lock().unwrap().push(head.clone());
    let mut request_line = head.lines().next().unwrap_or_default().split_whitespace();
    let (Some(method), Some(target)) = (request_line.next(), request_line.next()) else {
        return refuse(&mut client, "400 Bad Request");
    };
    if expected.is_some() && head_value(&head, "proxy-authorization") != expected {
        return refuse(&mut client, "407 Proxy Authentication Required");
    }
    let (authority, path) = if method == "CONNECT" {
        (target, "")
    } else if let Some(rest) = target.strip_prefix("http://") {
        rest.split_at(rest.find('/').unwrap_or(rest.len()))
    } else {
        return refuse(&mut client, "400 Bad Request");
    };
    let loopback = authority.starts_with("127.0.0.1:") || authority.starts_with("localhost:");
    let Some(mut upstream) = loopback.then(|| std::net::TcpStream::connect(authority).ok()).flatten() else {
        return refuse(&mut client, "502 Bad Gateway");
    };
    if method == "CONNECT" {
        let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
        let up = std::thread::spawn(move || std::io::copy(&mut c2, &mut u2));
        let _ = std::io::copy(&mut upstream, &mut client);
        let _ = client.shutdown(std::net::Shutdown::Both);
        let _ = up.join();
        return;
    }
    // The request in origin form, without the hop-by-hop headers meant for the proxy.
    let path = if path.is_empty() { "/" } else { path };
    let mut forward = format!("{method} {path} HTTP/1.1\r\n");
    for line in head.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or_default().trim().to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "keep-alive"
        ) {
            forward.push_str(line);
            forward.push_str("\r\n");
        }
    }
    forward.push_str(&format!("Via: {VIA}\r\nConnection: close\r\n\r\n"));
    let length: u64 = head_value(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if upstream.write_all(forward.as_bytes()).is_err()
        || std::io::copy(&mut (&mut client).take(length), &mut upstream).is_err()
    {
        return refuse(&mut client, "502 Bad Gateway");
    }
    // The origin's answer, with the proxy's own `Connection: close`, then its body to the end.
    let answer = read_head(&mut upstream);
    let mut lines = answer.split("\r\n").filter(|l| !l.is_empty());
    let mut relayed = format!("{}\r\n", lines.next().unwrap_or_default());
    for line in lines.filter(|l| !l.to_ascii_lowercase().starts_with("connection:")) {
        relayed.push_str(line);
        relayed.push_str("\r\n");
    }
    relayed.push_str("Connection: close\r\n\r\n");
    if client.write_all(relayed.as_bytes()).is_ok() {
        let _ = std::io::copy(&mut upstream, &mut client);
    }
    let _ = client.shutdown(std::net::Shutdown::Both);
}

/// A proxy's own answer, with no body, closing the connection.
fn refuse(client: &mut std::net::TcpStream, status: &str) {
    let challenge = if status.starts_with("407") {
        "Proxy-Authenticate: Basic realm=\"sortie-test-proxy\"\r\n"
    } else {
        ""
    };
    let _ = std::io::Write::write_all(
        client,
        format!("HTTP/1.1 {status}\r\n{challenge}Content-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
    );
}

/// The Python with the test tools (httpbin, jsonschema): `SORTIE_TEST_PYTHON`
/// (`.ci/run` sets it to the virtual environment it makes), else `python3`.
pub fn python() -> String {
    std::env::var("SORTIE_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

/// Whether this is a CI run (`CI` set, as CI services and `.ci/run` do).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// A tool `test` needs is missing (`why`, and `how` to get it): with `CI` set
/// the test fails, since a skipped test would pass for one that ran; elsewhere
/// a `SKIPPED:` line shows in the test output and the test returns early.
pub fn missing_tool(test: &str, why: &str, how: &str) {
    assert!(!in_ci(), "{test}: required in CI (CI is set): {why}; {how}");
    // Straight to stderr: the test harness captures `eprintln!`, and a skip must be seen.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("SKIPPED: {test} ({why}; {how})\n").as_bytes(),
    );
}

/// libfaketime for `test`: it runs a process on a clock that goes faster than
/// the wall clock, which is how a test proves a default of 30 or 60 seconds in
/// a fraction of a second. When it is missing: with `CI` set the test fails
/// (`.ci/run` installs it); elsewhere it is skipped with a `SKIPPED:` line in
/// the test output, and `None`.
pub fn faketime(test: &str) -> Option<PathBuf> {
    let found = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
    ]
    .iter()
    .map(|dir| Path::new(dir).join("faketime/libfaketime.so.1"))
    .find(|lib| lib.exists());
    if found.is_none() {
        missing_tool(
            test,
            "libfaketime is missing",
            "`.ci/run` installs it: apt-get install faketime",
        );
    }
    found
}

impl Project {
    /// `sortie ARGS...` on a clock `speed` times as fast as the wall clock
    /// (libfaketime): its timers, sleeps and measured times all run fast.
    pub fn sortie_fast_clock(&self, lib: &Path, speed: u32, args: &[&str]) -> Run {
        let speed = format!("+0 x{speed}");
        self.sortie_env(
            &[
                ("LD_PRELOAD", lib.to_str().expect("a UTF-8 path")),
                ("FAKETIME", &speed),
            ],
            args,
        )
    }

    /// `sortie ARGS...` with its standard output and error on a terminal (a
    /// pseudo-terminal), and `NO_COLOR` set as given rather than to `1`: for
    /// what `--color auto` decides. Returns the exit status and what the
    /// terminal showed.
    pub fn sortie_on_terminal(&self, no_color: Option<&str>, args: &[&str]) -> (i32, String) {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname(&master, Vec::new()).expect("ptsname");
        let terminal = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().expect("a UTF-8 name"))
            .expect("open the terminal");
        let mut cmd = sortie_command(self.dir.path());
        cmd.env_remove("NO_COLOR");
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        let mut child = cmd
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(terminal.try_clone().expect("clone"))
            .stderr(terminal)
            .spawn()
            .expect("sortie starts");
        // Read until the terminal closes (EIO once the child's copies are gone).
        let reader = std::thread::spawn(move || {
            let mut master = std::fs::File::from(master);
            let mut out = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                match std::io::Read::read(&mut master, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                }
            }
            String::from_utf8_lossy(&out).into_owned()
        });
        let status = child.wait().expect("sortie ends");
        // The command still holds copies of the terminal until it is dropped.
        drop(cmd);
        let shown = reader.join().expect("the reader");
        (status.code().unwrap_or(-1), shown)
    }
}
