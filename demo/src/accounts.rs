//! Demo accounts: `/login`, bearer authentication, `/me` and the `/users` CRUD.

use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Db, MAX_KEYS, Session, Shared, error, lock, query_number, query_param, random_token};

/// How long a token from `/login` stays valid, in seconds.
const TOKEN_LIFETIME_SECS: u64 = 3600;

/// A login the demo accepts.
struct Account {
    id: u64,
    name: &'static str,
    password: &'static str,
    email: &'static str,
    roles: &'static [&'static str],
}

/// The two demo logins; their ids match the seeded users.
const ACCOUNTS: [Account; 2] = [
    Account {
        id: 1,
        name: "alice",
        password: "wonderland",
        email: "alice@example.com",
        roles: &["admin", "dev"],
    },
    Account {
        id: 2,
        name: "bob",
        password: "builder",
        email: "bob@example.com",
        roles: &["dev"],
    },
];

/// A user resource of `/users`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct User {
    pub(super) id: u64,
    name: String,
    email: String,
}

/// The users every fresh server starts with: one per account.
pub(super) fn seed_users() -> Vec<User> {
    ACCOUNTS
        .iter()
        .map(|account| User {
            id: account.id,
            name: account.name.to_owned(),
            email: account.email.to_owned(),
        })
        .collect()
}

/// `POST /login` `{"username", "password"}`: 200 with a bearer token and a
/// `session` cookie; 401 `{"error": "invalid credentials"}` otherwise.
pub(super) async fn login(State(state): State<Shared>, body: Bytes) -> Response {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected a JSON object with username and password",
        );
    };
    let username = fields.get("username").and_then(Value::as_str);
    let password = fields.get("password").and_then(Value::as_str);
    let Some(account) = ACCOUNTS
        .iter()
        .find(|a| Some(a.name) == username && Some(a.password) == password)
    else {
        return error(StatusCode::UNAUTHORIZED, "invalid credentials");
    };

    let token = random_token(32);
    {
        let mut db = lock(&state);
        db.sessions.retain(|_, s| !expired(s));
        if db.sessions.len() >= MAX_KEYS {
            db.sessions.clear();
        }
        let session = Session {
            account_id: account.id,
            issued: Instant::now(),
        };
        db.sessions.insert(token.clone(), session);
    }
    let cookie = format!("session={}; Path=/; HttpOnly", random_token(24));
    (
        [(header::SET_COOKIE, cookie)],
        Json(json!({
            "token": token,
            "user": { "id": account.id, "name": account.name },
            "expires_in": TOKEN_LIFETIME_SECS,
        })),
    )
        .into_response()
}

/// `GET /me` (bearer): the logged-in account.
pub(super) async fn me(Bearer(account): Bearer) -> Json<Value> {
    Json(json!({
        "id": account.id,
        "name": account.name,
        "email": account.email,
        "roles": account.roles,
    }))
}

/// `GET /users?limit=N&name=x` (bearer): the users by id; `name` keeps those
/// whose name contains it (case-insensitive), `limit` keeps the first N.
pub(super) async fn list_users(State(state): State<Shared>, _: Bearer, uri: Uri) -> Response {
    let limit = match query_number(&uri, "limit", usize::MAX) {
        Ok(limit) => limit,
        Err(answer) => return answer,
    };
    let name = query_param(&uri, "name").map(|n| n.to_lowercase());
    let db = lock(&state);
    let users: Vec<&User> = db
        .users
        .values()
        .filter(|u| name.as_ref().is_none_or(|n| u.name.to_lowercase().contains(n.as_str())))
        .take(limit)
        .collect();
    Json(json!(users)).into_response()
}

/// `POST /users` `{"name", "email"}` (bearer): 201 with the user, a
/// `Location` header and a `last_created` cookie; 422 with `fields` errors.
pub(super) async fn create_user(
    State(state): State<Shared>,
    _: Bearer,
    UserInput { name, email }: UserInput,
) -> Response {
    let user = {
        let mut db = lock(&state);
        let id = db.next_user_id;
        db.next_user_id += 1;
        let user = User { id, name, email };
        db.users.insert(id, user.clone());
        user
    };
    (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/users/{}", user.id)),
            (header::SET_COOKIE, format!("last_created={}; Path=/", user.id)),
            (header::ETAG, etag(&user)),
        ],
        Json(json!(user)),
    )
        .into_response()
}

/// `GET /users/{id}` (bearer): the user with an `ETag`; 304 when
/// `If-None-Match` holds that tag; 404 when absent.
pub(super) async fn get_user(
    State(state): State<Shared>,
    _: Bearer,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(user) = find(&lock(&state), &id) else {
        return no_such_user(&id);
    };
    let tag = etag(&user);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == tag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    ([(header::ETAG, tag)], Json(json!(user))).into_response()
}

/// `PUT /users/{id}` `{"name", "email"}` (bearer): replaces the user; 412
/// when `If-Match` is sent and is not the current tag; 404 when absent.
pub(super) async fn update_user(
    State(state): State<Shared>,
    _: Bearer,
    headers: HeaderMap,
    Path(id): Path<String>,
    UserInput { name, email }: UserInput,
) -> Response {
    let mut db = lock(&state);
    let Some(current) = find(&db, &id) else {
        return no_such_user(&id);
    };
    if let Some(wanted) = headers.get(header::IF_MATCH)
        && wanted.as_bytes() != etag(&current).as_bytes()
    {
        return error(StatusCode::PRECONDITION_FAILED, "the user has changed");
    }
    let user = User {
        id: current.id,
        name,
        email,
    };
    db.users.insert(user.id, user.clone());
    ([(header::ETAG, etag(&user))], Json(json!(user))).into_response()
}

/// `DELETE /users/{id}` (bearer): 204, or 404 when absent.
pub(super) async fn delete_user(State(state): State<Shared>, _: Bearer, Path(id): Path<String>) -> Response {
    let mut db = lock(&state);
    match find(&db, &id) {
        Some(user) => {
            db.users.remove(&user.id);
            StatusCode::NO_CONTENT.into_response()
        }
        None => no_such_user(&id),
    }
}

/// The account behind `Authorization: Bearer <token>`; a handler that takes
/// it answers 401 with `WWW-Authenticate` when there is none.
pub(super) struct Bearer(&'static Account);

impl FromRequestParts<Shared> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            // The scheme is case-insensitive (RFC 9110, section 11.1).
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(token) = token else {
            return Err(unauthorized("Bearer", "missing bearer token"));
        };
        let account_id = lock(state)
            .sessions
            .get(token)
            .filter(|s| !expired(s))
            .map(|s| s.account_id);
        account_id
            .and_then(|id| ACCOUNTS.iter().find(|a| a.id == id))
            .map(Bearer)
            .ok_or_else(|| unauthorized("Bearer error=\"invalid_token\"", "invalid or expired token"))
    }
}

pub(super) fn unauthorized(challenge: &'static str, message: &str) -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, message);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    response
}

fn expired(session: &Session) -> bool {
    session.issued.elapsed() > Duration::from_secs(TOKEN_LIFETIME_SECS)
}

/// A user body `{"name", "email"}`, both required; a handler that takes it
/// answers 400 for a body that is not a JSON object and 422 with `fields`
/// naming each problem.
pub(super) struct UserInput {
    name: String,
    email: String,
}

impl FromRequest<Shared> for UserInput {
    type Rejection = Response;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, Response> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "expected a JSON object with name and email",
            ));
        };
        let mut problems = Map::new();
        let name = match fields.get("name") {
            None | Some(Value::Null) => {
                problems.insert("name".into(), "is required".into());
                None
            }
            Some(Value::String(name)) if name.trim().is_empty() => {
                problems.insert("name".into(), "must not be empty".into());
                None
            }
            Some(Value::String(name)) => Some(name.clone()),
            Some(_) => {
                problems.insert("name".into(), "must be a string".into());
                None
            }
        };
        let email = match fields.get("email") {
            None | Some(Value::Null) => {
                problems.insert("email".into(), "is required".into());
                None
            }
            Some(Value::String(email)) if email.contains('@') => Some(email.clone()),
            Some(_) => {
                problems.insert("email".into(), "must be an email address".into());
                None
            }
        };
        match (name, email) {
            (Some(name), Some(email)) => Ok(Self { name, email }),
            _ => Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": "validation failed", "fields": problems })),
            )
                .into_response()),
        }
    }
}

fn find(db: &Db, id: &str) -> Option<User> {
    let id = id.parse::<u64>().ok()?;
    db.users.get(&id).cloned()
}

fn no_such_user(id: &str) -> Response {
    error(StatusCode::NOT_FOUND, &format!("no user with id {id}"))
}

/// A strong tag that changes whenever the user's representation does.
fn etag(user: &User) -> String {
    let digest = Sha256::digest(json!(user).to_string().as_bytes());
    format!("\"{}\"", &hex::encode(digest)[..16])
}
