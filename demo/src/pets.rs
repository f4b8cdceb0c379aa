//! `/pets`: a read-only catalogue with nested payloads, for JSON Schema and
//! JSONPath examples. Public: no login needed.

use axum::Json;
use axum::extract::Path;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{error, query_param};

/// The catalogue; built on each call because it is tiny and never changes.
fn catalogue() -> Vec<Value> {
    vec![
        json!({
            "id": 1,
            "name": "Rex",
            "species": "dog",
            "tags": ["good-boy", "fetch"],
            "owner": { "id": 1, "name": "alice" },
            "vaccinated": true,
            "weight_kg": 28.5,
            "born": "2019-04-12"
        }),
        json!({
            "id": 2,
            "name": "Mittens",
            "species": "cat",
            "tags": ["indoor"],
            "owner": { "id": 2, "name": "bob" },
            "vaccinated": true,
            "weight_kg": 4.2,
            "born": "2021-09-30"
        }),
        json!({
            "id": 3,
            "name": "Bubbles",
            "species": "fish",
            "tags": [],
            "owner": { "id": 1, "name": "alice" },
            "vaccinated": false,
            "weight_kg": 0.05,
            "born": "2023-01-15"
        }),
    ]
}

/// `GET /pets?tag=x`: every pet, or those carrying `tag`.
pub(super) async fn list(uri: Uri) -> Json<Value> {
    let tag = query_param(&uri, "tag");
    let pets: Vec<Value> = catalogue()
        .into_iter()
        .filter(|pet| {
            tag.as_ref().is_none_or(|tag| {
                pet["tags"]
                    .as_array()
                    .is_some_and(|tags| tags.iter().any(|t| t == tag.as_str()))
            })
        })
        .collect();
    Json(Value::Array(pets))
}

/// `GET /pets/{id}`: one pet, or 404.
pub(super) async fn get(Path(id): Path<String>) -> Response {
    let pet = id
        .parse::<u64>()
        .ok()
        .and_then(|id| catalogue().into_iter().find(|pet| pet["id"] == id));
    match pet {
        Some(pet) => Json(pet).into_response(),
        None => error(StatusCode::NOT_FOUND, &format!("no pet with id {id}")),
    }
}
