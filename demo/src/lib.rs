//! The bundled demo API: a small loopback HTTP service that the onboarding
//! collections and the integration tests run against.
//!
//! Every route is documented in its handler. State lives in memory, fresh for
//! each server, behind one mutex: the routes are tiny, so a lock held for a few
//! microseconds is simpler than anything finer-grained.

mod accounts;
mod echo;
mod misc;
mod oauth;
mod pets;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Map, Value, json};
use tokio::sync::oneshot;

/// Serves the demo API on `listener` until the future is dropped.
///
/// # Errors
///
/// Only when the listener itself fails; a bad request never ends the server.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router()).await
}

/// A demo API running on its own thread and runtime; dropping it stops the
/// server and closes the port before `drop` returns.
#[derive(Debug)]
pub struct DemoServer {
    /// The address the server listens on (always loopback).
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DemoServer {
    /// Starts the demo API on an already bound listener, on a new thread with
    /// its own Tokio runtime, so it works from sync code and from inside
    /// another runtime alike. The socket is listening when this returns.
    ///
    /// # Errors
    ///
    /// When the listener cannot be made non-blocking or the runtime or thread
    /// cannot be created.
    pub fn start(listener: std::net::TcpListener) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        // Registering the socket needs a runtime context; doing it here lets
        // every error reach the caller instead of dying on the server thread.
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("sortie-demo-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async {
                    // Dropping `serve` on shutdown stops accepting at once; the
                    // runtime's drop below then cancels in-flight connections
                    // (a pending /slow included), so shutdown never waits.
                    tokio::select! {
                        _ = serve(listener) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(Self {
            addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The receiver is gone only if the server already stopped.
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic on the server thread has already been reported there.
            let _ = thread.join();
        }
    }
}

/// Starts the demo API on `127.0.0.1:0` in the background; see
/// [`DemoServer::start`].
///
/// # Errors
///
/// When no loopback port can be bound or the server thread cannot start.
pub fn start_background() -> std::io::Result<DemoServer> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    DemoServer::start(listener)
}

/// The whole API. Public routes first, then the bearer-protected ones.
fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .route("/login", post(accounts::login))
        .route("/me", get(accounts::me))
        .route("/users", get(accounts::list_users).post(accounts::create_user))
        .route(
            "/users/{id}",
            get(accounts::get_user)
                .put(accounts::update_user)
                .delete(accounts::delete_user),
        )
        .route("/pets", get(pets::list))
        .route("/pets/{id}", get(pets::get))
        .route("/echo", any(echo::echo))
        .route("/echo/{*rest}", any(echo::echo))
        .route("/cookies", get(echo::cookies))
        .route("/cookies/set", get(echo::set_cookies))
        .route("/slow", get(misc::slow))
        .route("/flaky", get(misc::flaky))
        .route("/limited", get(misc::limited))
        .route("/redirect", get(misc::redirect))
        .route("/redirect/loop", get(misc::redirect_loop))
        .route("/status/{code}", get(misc::status))
        .route("/gzip", get(misc::gzip))
        .route("/bulk", get(misc::bulk))
        .route("/html", get(misc::html))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/resource", get(oauth::resource))
        .fallback(not_found)
        .with_state(Shared::default())
}

/// The server's in-memory state, shared by every handler.
type Shared = Arc<Mutex<Db>>;

/// Everything the demo remembers between requests.
#[derive(Debug)]
struct Db {
    /// Bearer token → the account it was issued to and when.
    sessions: HashMap<String, Session>,
    users: BTreeMap<u64, accounts::User>,
    next_user_id: u64,
    /// `/flaky` calls seen per key.
    flaky_calls: HashMap<String, u64>,
    /// `/limited` keys that have already been refused once.
    limited_seen: HashSet<String>,
    /// OAuth2 access token → what it grants.
    grants: HashMap<String, oauth::Grant>,
    /// Tokens `/oauth/token` has issued since the server started.
    tokens_issued: u64,
}

impl Default for Db {
    fn default() -> Self {
        let users: BTreeMap<u64, accounts::User> =
            accounts::seed_users().into_iter().map(|user| (user.id, user)).collect();
        let next_user_id = users.keys().max().map_or(1, |id| id + 1);
        Self {
            sessions: HashMap::new(),
            users,
            next_user_id,
            flaky_calls: HashMap::new(),
            limited_seen: HashSet::new(),
            grants: HashMap::new(),
            tokens_issued: 0,
        }
    }
}

/// A logged-in account.
#[derive(Debug, Clone)]
struct Session {
    account_id: u64,
    issued: Instant,
}

/// Per-key tables (flaky, limited, sessions) are emptied past this size so a
/// loop over random keys cannot grow the demo's memory without bound.
const MAX_KEYS: usize = 10_000;

/// Locks the state; a handler that panicked mid-update cannot leave anything
/// half-done that matters for a demo, so a poisoned lock is simply reused.
fn lock(state: &Shared) -> MutexGuard<'_, Db> {
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A JSON error body, `{"error": message}`, with `status`.
fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// The query string as decoded pairs, repeated keys kept in order.
fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The first value of query parameter `name`.
fn query_param(uri: &Uri, name: &str) -> Option<String> {
    query_pairs(uri)
        .into_iter()
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// Query parameter `name` as a number: `default` when absent, a 400 answer when it
/// is not a non-negative integer.
// The error is the handler's answer, returned at once; its size does not matter.
#[allow(clippy::result_large_err)]
fn query_number<T: std::str::FromStr>(uri: &Uri, name: &str, default: T) -> Result<T, Response> {
    match query_param(uri, name).map(|v| v.parse::<T>()) {
        None => Ok(default),
        Some(Ok(v)) => Ok(v),
        Some(Err(_)) => Err(error(
            StatusCode::BAD_REQUEST,
            &format!("{name} must be a non-negative integer"),
        )),
    }
}

/// The request's cookies, from every `Cookie` header, in the order sent.
fn request_cookies(headers: &HeaderMap) -> Map<String, Value> {
    let mut cookies = Map::new();
    for value in headers.get_all(header::COOKIE) {
        let text = String::from_utf8_lossy(value.as_bytes());
        for pair in text.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                cookies.insert(name.trim().to_owned(), Value::from(value.trim()));
            }
        }
    }
    cookies
}

/// `len` random alphanumeric characters, for tokens and session ids.
fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `GET /`: what this server offers, for someone exploring it with curl.
async fn index() -> Json<Value> {
    Json(json!({
        "name": "Sortie demo API",
        "docs": "Every route answers JSON unless it says otherwise.",
        "public": [
            "POST /login", "GET /health", "GET /openapi.json", "GET /pets", "GET /pets/{id}",
            "ANY /echo[/...]", "GET /cookies", "GET /cookies/set?name=value",
            "GET /slow?ms=N", "GET /flaky?key=K&fail=N", "GET /limited?key=K",
            "GET /redirect?to=/path", "GET /redirect/loop", "GET /status/{code}",
            "GET /gzip", "GET /html", "GET /bulk?items=N",
            "POST /oauth/token (client demo-client / demo-secret)"
        ],
        "oauth2": ["GET /oauth/resource"],
        "bearer": [
            "GET /me", "GET /users?limit=N&name=x", "POST /users",
            "GET /users/{id}", "PUT /users/{id}", "DELETE /users/{id}"
        ]
    }))
}

/// `GET /health`: always up.
/// The OpenAPI document of the public routes, as the fifth onboarding collection reads it.
const OPENAPI: &str = include_str!("../../collections/specs/demo-api.json");

async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Any unknown path: a JSON 404, like the rest of the API.
async fn not_found(uri: Uri) -> Response {
    let message = format!("no route for {}", uri.path());
    error(StatusCode::NOT_FOUND, &message)
}
