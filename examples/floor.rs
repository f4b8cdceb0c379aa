//! The floor for `bench/run.sh`: the same HTTP work as the Sortie collections of
//! the benchmark, done by a bare reqwest loop with no YAML, templates, reports or
//! redaction. Sortie's overhead is measured against this program.
//!
//! It uses Sortie's client settings (one client, cookie jar, keep-alive, no
//! redirects, the same timeouts, TCP_NODELAY, rustls with the ring provider) and
//! the same multi-threaded tokio runtime, and does the same checks: the status,
//! then the JSON body parsed and one value read.
//!
//! ```text
//! floor seq   BASE N     N sequential GETs of BASE/pets/1: status 200, $.name == "Rex"
//! floor chain BASE N     N × (POST BASE/login → $.token; GET BASE/me with the bearer: $.name == "alice")
//! floor par   BASE N C   N GETs of BASE/pets/1, at most C in flight, same checks as `seq`
//! floor hyper BASE N C   the same as `par` over C kept-alive connections of bare hyper:
//!                        the transport Sortie uses for plain http, without Sortie
//! ```
//!
//! Exits 1 (with a message) when a check fails, so a broken floor never looks fast.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn client() -> Result<reqwest::Client, Error> {
    Ok(reqwest::Client::builder()
        .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(30))
        .user_agent("floor/1")
        .tcp_nodelay(true)
        .pool_max_idle_per_host(256)
        .build()?)
}

/// GET `url`, check the status, parse the body and read `$.<field>`.
async fn get_check(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    field: &str,
    want: &str,
) -> Result<(), Error> {
    let mut req = client.get(url);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await?;
    if resp.status() != 200 {
        return Err(format!("GET {url}: status {}", resp.status()).into());
    }
    let body = resp.bytes().await?;
    let doc: Value = serde_json::from_slice(&body)?;
    if doc.get(field).and_then(Value::as_str) != Some(want) {
        return Err(format!("GET {url}: $.{field} is not {want:?}").into());
    }
    Ok(())
}

async fn seq(client: &reqwest::Client, base: &str, n: usize) -> Result<(), Error> {
    let url = format!("{base}/pets/1");
    for _ in 0..n {
        get_check(client, &url, None, "name", "Rex").await?;
    }
    Ok(())
}

async fn chain(client: &reqwest::Client, base: &str, n: usize) -> Result<(), Error> {
    let login = format!("{base}/login");
    let me = format!("{base}/me");
    for _ in 0..n {
        let body = serde_json::to_vec(&serde_json::json!({"username": "alice", "password": "wonderland"}))?;
        let resp = client
            .post(&login)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        if resp.status() != 200 {
            return Err(format!("POST {login}: status {}", resp.status()).into());
        }
        let body = resp.bytes().await?;
        let doc: Value = serde_json::from_slice(&body)?;
        let token = doc
            .get("token")
            .and_then(Value::as_str)
            .ok_or("POST /login: no $.token")?
            .to_owned();
        get_check(client, &me, Some(&token), "name", "alice").await?;
    }
    Ok(())
}

async fn par(client: &reqwest::Client, base: &str, n: usize, c: usize) -> Result<(), Error> {
    let url = format!("{base}/pets/1");
    let mut results = futures_util::stream::iter((0..n).map(|_| get_check(client, &url, None, "name", "Rex")))
        .buffer_unordered(c.max(1));
    while let Some(r) = results.next().await {
        r?;
    }
    Ok(())
}

/// `par` on hyper's connection API: C connections, each sending GETs one after
/// another until N have been sent in all.
async fn par_hyper(base: &str, n: usize, c: usize) -> Result<(), Error> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let url = reqwest::Url::parse(base)?;
    let host = url.host_str().ok_or("no host")?.to_owned();
    let port = url.port_or_known_default().ok_or("no port")?;
    let left = Arc::new(AtomicUsize::new(n));
    let mut tasks = Vec::new();
    for _ in 0..c.max(1) {
        let (host, left) = (host.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) = hyper::client::conn::http1::handshake::<
                _,
                http_body_util::Empty<bytes::Bytes>,
            >(hyper_util::rt::TokioIo::new(stream))
            .await?;
            tokio::spawn(connection);
            let authority = format!("{host}:{port}");
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| v.checked_sub(1))
                .is_ok()
            {
                sender.ready().await?;
                let req = hyper::Request::get("/pets/1")
                    .header("host", &authority)
                    .header("user-agent", "floor/1")
                    .body(http_body_util::Empty::new())?;
                let resp = sender.send_request(req).await?;
                if resp.status() != 200 {
                    return Err(format!("GET /pets/1: status {}", resp.status()).into());
                }
                let body = http_body_util::BodyExt::collect(resp.into_body()).await?.to_bytes();
                let doc: Value = serde_json::from_slice(&body)?;
                if doc.get("name").and_then(Value::as_str) != Some("Rex") {
                    return Err("GET /pets/1: $.name is not \"Rex\"".into());
                }
            }
            Ok::<(), Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args.get(i).and_then(|s| s.parse::<usize>().ok());
    let (Some(mode), Some(base), Some(n)) = (args.first(), args.get(1), number(2)) else {
        eprintln!("usage: floor seq|chain BASE N | floor par|hyper BASE N C");
        return ExitCode::from(2);
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    // FLOOR_RT=multi: tokio's multi-threaded runtime, `block_on` from main (what
    // `#[tokio::main]` does); default: the current-thread runtime, the faster of the two here.
    let multi = std::env::var("FLOOR_RT").is_ok_and(|v| v == "multi");
    let mut builder = if multi {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("floor: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let result = runtime.block_on(async {
        let client = client()?;
        match mode.as_str() {
            "seq" => seq(&client, base, n).await,
            "chain" => chain(&client, base, n).await,
            "par" => par(&client, base, n, number(3).unwrap_or(64)).await,
            "hyper" => par_hyper(base, n, number(3).unwrap_or(64)).await,
            other => Err(format!("unknown mode `{other}`").into()),
        }
    });
    match result {
        Ok(()) => {
            eprintln!(
                "floor {mode}: {n} in {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("floor {mode}: {e}");
            ExitCode::FAILURE
        }
    }
}
