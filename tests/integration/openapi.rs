//! OpenAPI contract mode: every exchange checked against a spec, against
//! loopback servers that answer both what the spec says and deliberately
//! wrong responses; the static match in `validate`; coverage and its gate.

use axum::extract::Path as UrlPath;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::support::{Project, TestServer, json_report};

const INVENTORY: &str = include_str!("../fixtures/openapi/inventory/openapi.yaml");
const INVENTORY_SCHEMAS: &str = include_str!("../fixtures/openapi/inventory/schemas.yaml");
const LEGACY: &str = include_str!("../fixtures/openapi/legacy.yaml");
const PETSTORE: &str = include_str!("../fixtures/openapi/petstore/openapi.yaml");

const REQUEST_ID: &str = "x-request-id";
const UUID: &str = "5f0c6a0e-8d1a-4c55-9a77-2f4c9f7d3b10";

fn json_response(status: StatusCode, body: Value, request_id: bool) -> Response {
    let mut r = (status, axum::Json(body)).into_response();
    if request_id {
        r.headers_mut().insert(REQUEST_ID, UUID.parse().expect("header"));
    }
    r
}

/// The inventory API: item N answers as the spec says (1) or wrong in one way each.
fn inventory_server() -> TestServer {
    let item = |id: u32| -> Response {
        let valid = json!({"id": 1, "name": "lamp", "price": null, "tags": ["home"]});
        let mut body = valid.clone();
        match id {
            1 => json_response(StatusCode::OK, valid, true),
            2 => {
                body["id"] = json!("two");
                json_response(StatusCode::OK, body, true)
            }
            3 => {
                body.as_object_mut().expect("object").remove("name");
                json_response(StatusCode::OK, body, true)
            }
            4 => {
                body["colour"] = json!("red");
                json_response(StatusCode::OK, body, true)
            }
            5 => (
                StatusCode::OK,
                [("content-type", "text/plain"), (REQUEST_ID, UUID)],
                "lamp",
            )
                .into_response(),
            6 => json_response(StatusCode::OK, valid, false),
            7 => json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": "boom"}), true),
            8 => (
                StatusCode::OK,
                [("content-type", "application/json"), (REQUEST_ID, UUID)],
                "lamp",
            )
                .into_response(),
            9 => {
                body["id"] = json!(3_000_000_000_u64);
                json_response(StatusCode::OK, body, true)
            }
            10 => {
                body["parent"] = json!({"id": 2, "name": 5, "price": 1.5, "tags": []});
                json_response(StatusCode::OK, body, true)
            }
            _ => StatusCode::NOT_FOUND.into_response(),
        }
    };
    let router = axum::Router::new()
        .route(
            "/api/items/{id}",
            get(move |UrlPath(id): UrlPath<u32>| async move { item(id) }),
        )
        .route(
            "/api/items",
            post(|headers: HeaderMap, body: String| async move {
                let tenant = headers.get("x-tenant").is_some();
                let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                if tenant && parsed["name"].is_string() {
                    json_response(
                        StatusCode::CREATED,
                        json!({"id": 7, "name": parsed["name"], "price": null, "tags": []}),
                        false,
                    )
                } else {
                    (
                        StatusCode::BAD_REQUEST,
                        [(header::CONTENT_TYPE, "application/problem+json")],
                        r#"{"title":"bad item"}"#,
                    )
                        .into_response()
                }
            }),
        );
    TestServer::start(router)
}

fn inventory_project(steps: &str, server: &TestServer) -> Project {
    let p = Project::new();
    p.file("specs/inventory.yaml", INVENTORY);
    p.file("specs/schemas.yaml", INVENTORY_SCHEMAS);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}/api\nopenapi: specs/inventory.yaml\nsteps:\n{steps}",
            server.url()
        ),
    );
    p
}

/// The failed expectations of each step of a JSON report, by step name.
fn failures(report: &Value) -> Vec<(String, Vec<Value>)> {
    report["collections"][0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            let failed = s["expectations"]
                .as_array()
                .map(|e| e.iter().filter(|x| x["passed"] == json!(false)).cloned().collect())
                .unwrap_or_default();
            (s["name"].as_str().unwrap_or_default().to_owned(), failed)
        })
        .collect()
}

/// A failed expectation as (subject, expected, actual).
type Failed = (String, String, String);

/// The failed expectations of each step, by step name, as (subject, expected, actual).
fn failed(report: &Value) -> Vec<(String, Vec<Failed>)> {
    let field = |e: &Value, k: &str| e[k].as_str().unwrap_or_default().to_owned();
    failures(report)
        .into_iter()
        .map(|(name, failed)| {
            let failed = failed
                .iter()
                .map(|e| (field(e, "subject"), field(e, "expected"), field(e, "actual")))
                .collect();
            (name, failed)
        })
        .collect()
}

fn steps_for(ids: &[(u32, &str)]) -> String {
    ids.iter()
        .map(|(id, name)| {
            format!("  - name: {name}\n    request: {{ url: /items/{id} }}\n    expect: {{ status: [200, 500] }}\n")
        })
        .collect()
}

#[test]
fn each_wrong_response_is_one_failed_expectation_naming_the_pointer_and_the_schema_line() {
    let server = inventory_server();
    let cases = [
        (1, "valid"),
        (2, "wrong type"),
        (3, "missing required field"),
        (4, "extra item in a closed object"),
        (5, "wrong content type"),
        (6, "missing required header"),
        (7, "undeclared status"),
        (8, "not JSON"),
        (9, "int32 out of range"),
        (10, "wrong type in a recursive schema"),
    ];
    let p = inventory_project(&steps_for(&cases), &server);
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    assert_eq!(server.hits(), cases.len());
    let report = json_report(&p.path("r.json"));
    let by_name = failed(&report);
    let find = |name: &str| -> Vec<Failed> {
        by_name
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("step {name}"))
            .1
            .clone()
    };
    assert_eq!(find("valid"), vec![], "a response as the spec says passes");
    // schemas.yaml line 6 is `id`'s schema, 3 the closed object's `additionalProperties`.
    assert_eq!(
        find("wrong type"),
        vec![(
            "openapi body /id".into(),
            "the schema at specs/schemas.yaml:6".into(),
            r#""two" is not of type "integer""#.into()
        )]
    );
    let missing = find("missing required field");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].0, "openapi body /");
    assert_eq!(missing[0].1, "the schema at specs/schemas.yaml:4");
    assert!(missing[0].2.contains("\"name\" is a required property"), "{missing:?}");
    let extra = find("extra item in a closed object");
    assert_eq!(extra.len(), 1, "{extra:?}");
    assert_eq!(extra[0].1, "the schema at specs/schemas.yaml:3");
    assert!(extra[0].2.contains("colour"), "{extra:?}");
    assert_eq!(
        find("wrong content type"),
        vec![(
            "openapi Content-Type".into(),
            "a declared content type: application/json".into(),
            "text/plain".into()
        )]
    );
    assert_eq!(
        find("missing required header"),
        vec![(
            "openapi header X-Request-Id".into(),
            "present: GET /items/{id} 200 requires it".into(),
            "absent".into()
        )]
    );
    assert_eq!(
        find("undeclared status"),
        vec![(
            "openapi status".into(),
            "a status GET /items/{id} declares: 200, 404".into(),
            "500".into()
        )]
    );
    let not_json = find("not JSON");
    assert_eq!(not_json.len(), 1);
    assert_eq!(not_json[0].0, "openapi body");
    assert!(not_json[0].2.contains("not JSON"), "{not_json:?}");
    let range = find("int32 out of range");
    assert_eq!(range[0].0, "openapi body /id");
    assert!(
        range[0]
            .2
            .contains("3000000000 is greater than the maximum of 2147483647"),
        "{range:?}"
    );
    let nested = find("wrong type in a recursive schema");
    assert_eq!(nested[0].0, "openapi body /parent/name");
    assert_eq!(nested[0].1, "the schema at specs/schemas.yaml:7");
    // The console shows the same failures, at the step's line.
    run.stdout_has("openapi body /id")
        .stdout_has("the schema at specs/schemas.yaml:6");
}

#[test]
fn requests_are_checked_unless_the_step_says_requests_false() {
    let server = inventory_server();
    let steps = r#"  - name: good
    request: { method: POST, url: "/items?dry_run=true", headers: { X-Tenant: acme }, json: { name: lamp } }
    expect: { status: 201 }
  - name: bad query, no tenant, wrong body
    request: { method: POST, url: "/items?dry_run=maybe", json: { name: 42 } }
    expect: { status: 400 }
  - name: negative test
    openapi: { requests: false }
    request: { method: POST, url: /items, json: { name: 42 } }
    expect: { status: 400 }
  - name: not checked at all
    openapi: false
    request: { url: /items/99 }
    expect: { status: 404 }
"#;
    let p = inventory_project(steps, &server);
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    let report = json_report(&p.path("r.json"));
    let by_name = failures(&report);
    assert!(by_name[0].1.is_empty(), "{:?}", by_name[0]);
    let subjects: Vec<&str> = by_name[1].1.iter().filter_map(|e| e["subject"].as_str()).collect();
    assert_eq!(
        subjects,
        vec![
            "openapi request query dry_run",
            "openapi request header X-Tenant",
            "openapi request body /name"
        ],
        "{:?}",
        by_name[1]
    );
    assert!(
        by_name[2].1.is_empty(),
        "the 400 is declared (4XX), the bad body not checked: {:?}",
        by_name[2]
    );
    assert!(by_name[3].1.is_empty(), "{:?}", by_name[3]);
}

#[test]
fn validate_matches_each_request_to_an_operation_and_suggests_the_closest() {
    let server = inventory_server();
    let steps = r#"  - request: { url: "/items/{{ id }}" }
  - request: { url: /items/special }
  - request: { url: "{{ base }}/items/3" }
  - request: { url: /itemz/3 }
  - request: { method: DELETE, url: /items/3 }
"#;
    let p = inventory_project(steps, &server);
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2)
        .stderr_has("`GET /itemz/3` matches no operation of `specs/inventory.yaml`")
        .stderr_has("did you mean `GET /items/{id}`?")
        .stderr_has("`DELETE /items/3` matches no operation")
        .stderr_has("2 problems found");
    // `run` validates first: nothing is sent.
    p.sortie(&["run", "c.yaml"]).expect_code(2);
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_literal_path_wins_over_a_template_at_run_time() {
    let server = TestServer::start(axum::Router::new().fallback(|| async { "plain" }));
    let p = Project::new();
    p.file("specs/inventory.yaml", INVENTORY);
    p.file("specs/schemas.yaml", INVENTORY_SCHEMAS);
    // `/items/special` declares no content: its text body is not checked against `Item`.
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}/api\nopenapi: specs/inventory.yaml\nsteps:\n  - request: {{ url: /items/special }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(0)
        .stdout_has("OpenAPI coverage: 1/3 operations, 1/5 responses");
}

#[test]
fn openapi_30_nullable_and_exclusive_minimum_are_json_schema() {
    let server = TestServer::start(axum::Router::new().route(
        "/things/{id}",
        get(|UrlPath(id): UrlPath<u32>| async move {
            let body = match id {
                1 => json!({"note": null, "count": 1}),
                2 => json!({"note": "hi", "count": 0}),
                _ => json!({"note": 5, "count": 2}),
            };
            axum::Json(body)
        }),
    ));
    let p = Project::new();
    p.file("legacy.yaml", LEGACY);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nopenapi: legacy.yaml\nsteps:\n  - request: {{ url: /things/1 }}\n  - request: {{ url: /things/2 }}\n  - request: {{ url: /things/3 }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    let report = json_report(&p.path("r.json"));
    let by_name = failures(&report);
    assert!(by_name[0].1.is_empty(), "null is allowed by nullable: {:?}", by_name[0]);
    assert_eq!(by_name[1].1.len(), 1, "{:?}", by_name[1]);
    assert_eq!(by_name[1].1[0]["subject"], "openapi body /count");
    assert_eq!(by_name[2].1[0]["subject"], "openapi body /note");
    assert!(
        by_name[2].1[0]["actual"]
            .as_str()
            .unwrap_or_default()
            .contains(r#"is not of type "string", "null""#)
            || by_name[2].1[0]["actual"]
                .as_str()
                .unwrap_or_default()
                .contains("is not of types"),
        "{:?}",
        by_name[2]
    );
}

/// The Swagger Petstore 3 spec, vendored unchanged, against a server that answers its
/// `getPetById` right and wrong.
#[test]
fn the_petstore_spec_checks_real_responses() {
    let server = TestServer::start(axum::Router::new().route(
        "/api/v3/pet/{id}",
        get(|UrlPath(id): UrlPath<u32>| async move {
            match id {
                1 => axum::Json(json!({"id": 1, "name": "doggie", "photoUrls": [], "status": "available"}))
                    .into_response(),
                2 => {
                    axum::Json(json!({"id": 2, "name": "doggie", "photoUrls": [], "status": "asleep"})).into_response()
                }
                _ => axum::Json(json!({"id": 3, "photoUrls": "none"})).into_response(),
            }
        }),
    ));
    let p = Project::new();
    p.file("petstore.yaml", PETSTORE);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}/api/v3\nopenapi: petstore.yaml\nsteps:\n  - request: {{ url: /pet/1 }}\n  - request: {{ url: /pet/2 }}\n  - request: {{ url: /pet/3 }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1).stdout_has("OpenAPI coverage: 1/19 operations, 1/");
    let report = json_report(&p.path("r.json"));
    let by_name = failures(&report);
    assert!(by_name[0].1.is_empty(), "{:?}", by_name[0]);
    assert_eq!(by_name[1].1.len(), 1);
    assert_eq!(by_name[1].1[0]["subject"], "openapi body /status");
    let subjects: Vec<&str> = by_name[2].1.iter().filter_map(|e| e["subject"].as_str()).collect();
    assert_eq!(
        subjects,
        vec!["openapi body /", "openapi body /photoUrls"],
        "{:?}",
        by_name[2]
    );
}

#[test]
fn undeclared_status_warn_passes_the_step_and_shows_the_warning() {
    let server = inventory_server();
    let p = Project::new();
    p.file("specs/inventory.yaml", INVENTORY);
    p.file("specs/schemas.yaml", INVENTORY_SCHEMAS);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}/api\nopenapi: {{ spec: specs/inventory.yaml, undeclared_status: warn }}\nsteps:\n  - request: {{ url: /items/7 }}\n    expect: {{ status: 500 }}\n",
            server.url()
        ),
    );
    p.sortie(&[
        "run",
        "c.yaml",
        "--report-json",
        "r.json",
        "--junit",
        "j.xml",
        "--report-html",
        "r.html",
        "--report-tap",
        "r.tap",
    ])
    .expect_code(0)
    .stdout_has("warning: OpenAPI: status 500 is not declared");
    let warning = "OpenAPI: status 500 is not declared";
    let report = json_report(&p.path("r.json"));
    let warnings = &report["collections"][0]["steps"][0]["warnings"];
    assert!(
        warnings[0].as_str().is_some_and(|w| w.starts_with(warning)),
        "{warnings}"
    );
    // JUnit: in the passed testcase's system-out.
    let junit = p.read("j.xml");
    let case = junit.split("<testcase").nth(1).expect("a testcase");
    assert!(!case.contains("<failure"), "{junit}");
    assert!(case.contains(&format!("<system-out>warning: {warning}")), "{junit}");
    // HTML: under the step, which opens to show it.
    let html = p.read("r.html");
    let step = html
        .split("<details class=\"step passed\"")
        .nth(1)
        .and_then(|s| s.split("</details>").next())
        .expect("the step");
    assert!(step.starts_with(" id=") && step.contains(" open>"), "{step}");
    assert!(
        step.contains(&format!("<pre class=\"message warning\">warning: {warning}")),
        "{step}"
    );
    // TAP: a diagnostic line after the test point.
    let tap = p.read("r.tap");
    let lines: Vec<&str> = tap.lines().collect();
    let point = lines.iter().position(|l| l.starts_with("ok 1 - ")).expect("ok 1");
    assert!(lines[point + 1].starts_with(&format!("# warning: {warning}")), "{tap}");
}

#[test]
fn secrets_stay_redacted_in_contract_failures() {
    let server = TestServer::start(axum::Router::new().route(
        "/api/items/{id}",
        get(|| async {
            json_response(
                StatusCode::OK,
                json!({"id": "hunter2-secret-token", "name": "x", "price": 1, "tags": []}),
                true,
            )
        }),
    ));
    let steps = "  - request: { url: /items/1 }\n";
    let p = inventory_project(steps, &server);
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--var",
        "token=hunter2-secret-token",
        "--secret",
        "token",
        "--report-json",
        "r.json",
        "--junit",
        "j.xml",
    ]);
    run.expect_code(1)
        .stdout_has("openapi body /id")
        .stdout_lacks("hunter2");
    let json = p.read("r.json");
    assert!(json.contains("openapi body /id") && !json.contains("hunter2"), "{json}");
    let junit = p.read("j.xml");
    assert!(
        junit.contains("openapi body /id") && !junit.contains("hunter2"),
        "{junit}"
    );
}

#[test]
fn coverage_is_reported_gated_and_merged_across_reports() {
    let server = inventory_server();
    let p = Project::new();
    p.file("specs/inventory.yaml", INVENTORY);
    p.file("specs/schemas.yaml", INVENTORY_SCHEMAS);
    let collection = |name: &str, steps: &str| {
        p.file(
            name,
            &format!(
                "base_url: {}/api\nopenapi: specs/inventory.yaml\nsteps:\n{steps}",
                server.url()
            ),
        );
    };
    collection(
        "a.yaml",
        "  - request: { url: /items/1 }\n  - request: { url: /items/99 }\n    expect: { status: 404 }\n",
    );
    collection(
        "b.yaml",
        "  - request: { method: POST, url: /items, headers: { X-Tenant: acme }, json: { name: lamp } }\n    expect: { status: 201 }\n",
    );
    let a = p.sortie(&["run", "a.yaml", "--report-json", "a.json", "--report-html", "a.html"]);
    a.expect_code(0)
        .stdout_has("OpenAPI coverage: 1/3 operations, 2/5 responses");
    let report = json_report(&p.path("a.json"));
    let section = &report["openapi"][0];
    assert_eq!(section["spec"], "specs/inventory.yaml");
    let ops = section["operations"].as_array().expect("operations");
    assert_eq!(ops.len(), 3);
    assert_eq!(ops[0]["operation"], "GET /items/{id}");
    assert_eq!(ops[0]["covered"], true);
    let html = p.read("a.html");
    assert!(
        html.contains("OpenAPI coverage") && html.contains("POST /items"),
        "uncovered operations listed"
    );
    // The gate: below it the run fails and says why.
    p.sortie(&["run", "a.yaml", "--min-coverage", "50"])
        .expect_code(1)
        .stdout_has("coverage gate failed: OpenAPI coverage below --min-coverage 50%: 33.3% of the operations of specs/inventory.yaml");
    p.sortie(&["run", "a.yaml", "--min-coverage", "30"]).expect_code(0);
    // Sharded runs merge.
    p.sortie(&["run", "b.yaml", "--report-json", "b.json"]).expect_code(0);
    p.sortie(&["coverage", "a.json", "b.json"])
        .expect_code(0)
        .stdout_has("OpenAPI coverage: 2/3 operations, 3/5 responses (specs/inventory.yaml)")
        .stdout_has("not covered: GET /items/special");
    p.sortie(&["coverage", "a.json", "b.json", "--min-coverage", "90"])
        .expect_code(1)
        .stdout_has("coverage gate failed");
    // A report of a run without a spec has nothing to merge; a missing one is invalid input.
    p.file(
        "plain.yaml",
        &format!(
            "base_url: {}/api\nsteps:\n  - request: {{ url: /items/1 }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "plain.yaml", "--report-json", "plain.json"])
        .expect_code(0);
    p.sortie(&["coverage", "plain.json"])
        .expect_code(2)
        .stderr_has("no OpenAPI coverage in these reports");
    p.sortie(&["coverage", "nope.json"])
        .expect_code(2)
        .stderr_has("cannot read the report `nope.json`");
}

#[test]
fn the_openapi_flag_applies_to_collections_without_their_own() {
    let server = inventory_server();
    let p = Project::new();
    p.file("specs/inventory.yaml", INVENTORY);
    p.file("specs/schemas.yaml", INVENTORY_SCHEMAS);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}/api\nsteps:\n  - request: {{ url: /items/2 }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(0)
        .stdout_lacks("OpenAPI coverage");
    // A coverage gate with nothing to measure fails rather than passing silently.
    p.sortie(&["run", "c.yaml", "--min-coverage", "10"])
        .expect_code(1)
        .stdout_has("coverage gate failed: --min-coverage 10% needs an OpenAPI spec");
    p.sortie(&["run", "c.yaml", "--openapi", "specs/inventory.yaml"])
        .expect_code(1)
        .stdout_has("openapi body /id");
    p.sortie(&["validate", "c.yaml", "--openapi", "specs/inventory.yaml"])
        .expect_code(0);
    p.sortie(&["run", "c.yaml", "--openapi", "specs/nope.yaml"])
        .expect_code(2)
        .stderr_has("cannot read the OpenAPI document `specs/nope.yaml`");
}

/// A base URL whose path is not the spec's `servers` path (a gateway prefix): the step
/// is matched after it, at run time as in `validate`.
#[test]
fn a_base_url_path_other_than_the_servers_one_is_taken_off_before_matching() {
    let server = TestServer::start(axum::Router::new().route(
        "/gateway/items/{id}",
        get(|| async {
            json_response(
                StatusCode::OK,
                json!({"id": "one", "name": "lamp", "price": 1, "tags": []}),
                true,
            )
        }),
    ));
    let p = Project::new();
    p.file("specs/inventory.yaml", INVENTORY);
    p.file("specs/schemas.yaml", INVENTORY_SCHEMAS);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}/gateway\nopenapi: specs/inventory.yaml\nsteps:\n  - request: {{ url: /items/1 }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"])
        .expect_code(1)
        .stdout_has("openapi body /id")
        .stdout_lacks("no operation matches")
        .stdout_has("OpenAPI coverage: 1/3 operations, 1/5 responses");
}

const FORMS: &str = include_str!("../fixtures/openapi/forms.yaml");

/// A server that answers 204 to every request of the forms spec, whatever was sent:
/// what these tests check is the request.
fn forms_project(steps: &str) -> (TestServer, Project) {
    let ok = || async { StatusCode::NO_CONTENT };
    // Note 1 as the spec says, 2 with a wrong field, 3 empty and 4 text, both without a Content-Type.
    let note = |id: u32| -> Response {
        let bare = |body: &'static str| Response::new(axum::body::Body::from(body));
        match id {
            1 => (StatusCode::OK, axum::Json(json!({"text": "hi"}))).into_response(),
            2 => (StatusCode::OK, axum::Json(json!({"text": 5}))).into_response(),
            3 => bare(""),
            _ => bare("hello"),
        }
    };
    let server = TestServer::start(
        axum::Router::new()
            .route("/login", post(ok))
            .route("/upload", post(ok))
            .route("/search", get(ok))
            .route("/point", get(ok))
            .route("/notes", post(ok))
            .route(
                "/notes/{id}",
                get(move |UrlPath(id): UrlPath<u32>| async move { note(id) }),
            )
            .route("/legacy/note", get(move || async move { note(1) })),
    );
    let p = Project::new();
    p.file("specs/forms.yaml", FORMS);
    p.file("lamp.txt", "a lamp\n");
    p.file(
        "c.yaml",
        &format!("base_url: {}\nopenapi: specs/forms.yaml\nsteps:\n{steps}", server.url()),
    );
    (server, p)
}

/// Each step's failed expectations' subjects, sorted and without repeats.
fn subjects(report: &Value) -> Vec<(String, Vec<String>)> {
    failures(report)
        .into_iter()
        .map(|(name, failed)| {
            let mut s: Vec<String> = failed
                .iter()
                .filter_map(|e| e["subject"].as_str().map(str::to_owned))
                .collect();
            s.sort();
            s.dedup();
            (name, s)
        })
        .collect()
}

#[test]
fn form_and_multipart_bodies_are_checked_against_their_media_types_schema() {
    let steps = r#"  - name: good form
    request: { method: POST, url: /login, form: { user: ann, remember: "true", age: "30", code: "007", roles: "12", codes: "7" } }
  - name: bad form
    request: { method: POST, url: /login, form: { user: a, remember: maybe, age: "3.5" } }
  - name: form missing a field
    request: { method: POST, url: /login, form: { user: ann } }
  - name: good multipart
    request: { method: POST, url: /upload, multipart: [{ name: title, value: "1984" }, { name: count, value: "3" }, { name: file, file: lamp.txt }] }
  - name: bad multipart
    request: { method: POST, url: /upload, multipart: [{ name: title, value: Lamp }, { name: count, value: many }] }
  - name: undeclared media type
    request: { method: POST, url: /login, json: { user: ann, remember: true } }
"#;
    let (_server, p) = forms_project(steps);
    p.sortie(&["run", "c.yaml", "--report-json", "r.json"]).expect_code(1);
    let report = json_report(&p.path("r.json"));
    let got = subjects(&report);
    // A field no reading satisfies is shown as read first: the number it spells.
    let age = failures(&report)[1]
        .1
        .iter()
        .find(|e| e["subject"] == "openapi request body /age")
        .map(|e| e["actual"].clone());
    assert_eq!(age, Some(json!("3.5 is not of type \"integer\"")));
    let want: Vec<(&str, Vec<&str>)> = vec![
        // Text fields read as the boolean, number or text their property's type says.
        ("good form", vec![]),
        (
            "bad form",
            vec![
                "openapi request body /age",
                "openapi request body /remember",
                "openapi request body /user",
            ],
        ),
        // `remember` is required: the object's own failure.
        ("form missing a field", vec!["openapi request body /"]),
        // A file part is a string; a text part read as the integer it spells, or as
        // text (`1984`) where its property is a string.
        ("good multipart", vec![]),
        (
            "bad multipart",
            vec!["openapi request body /", "openapi request body /count"],
        ),
        ("undeclared media type", vec!["openapi request Content-Type"]),
    ];
    let want: Vec<(String, Vec<String>)> = want
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s.into_iter().map(str::to_owned).collect()))
        .collect();
    assert_eq!(got, want);
    let report = p.read("r.json");
    assert!(
        report.contains("application/x-www-form-urlencoded") && report.contains("the schema at specs/forms.yaml:"),
        "{report}"
    );
}

#[test]
fn deep_object_delimited_object_and_cookie_parameters_are_read_as_their_style_writes_them() {
    let steps = r#"  - name: good styles
    request: { url: "/search?filter[name]=ann&filter[age]=30&tags=red%20blue&ids=1|2|3&range=from,1,to,5", cookies: { session: "1234", theme: dark, prefs: "1,2" } }
  - name: bad styles
    request: { url: "/search?filter[age]=old&filter[colour]=red&tags=red%20green&ids=1|x&range=from,1", cookies: { session: abc, theme: pink } }
  - name: no session cookie
    request: { url: /search }
  - name: numeric session too short
    request: { url: /search, cookies: { session: "12" } }
  - name: names that spell numbers
    request: { url: "/search?names=12", cookies: { session: "1234" } }
  - name: repeated names that spell numbers
    request: { url: "/search?names=12&names=x&names=34", cookies: { session: "1234" } }
  - name: exploded object
    request: { url: "/point?x=1&y=2&verbose=true&opts[unit]=cm" }
  - name: exploded object, wrong
    request: { url: "/point?x=1&y=b&verbose=true" }
  - name: exploded object, absent
    request: { url: "/point?verbose=true" }
"#;
    let (_server, p) = forms_project(steps);
    p.sortie(&["run", "c.yaml", "--report-json", "r.json"]).expect_code(1);
    let got = subjects(&json_report(&p.path("r.json")));
    let want: Vec<(&str, Vec<&str>)> = vec![
        ("good styles", vec![]),
        (
            "bad styles",
            vec![
                "openapi request cookie session",
                "openapi request cookie theme",
                // `colour` is not a property of the closed object; `age` is not an integer.
                "openapi request query filter /",
                "openapi request query filter /age",
                "openapi request query ids",
                "openapi request query range /",
                "openapi request query tags",
            ],
        ),
        ("no session cookie", vec!["openapi request cookie session"]),
        // `1234` above passes as the text it also is; `12` is too short as text and not a string as a number.
        ("numeric session too short", vec!["openapi request cookie session"]),
        // An array of strings takes texts that spell numbers, alone or repeated.
        ("names that spell numbers", vec![]),
        ("repeated names that spell numbers", vec![]),
        // The object's fields are the query fields no other parameter declares.
        ("exploded object", vec![]),
        ("exploded object, wrong", vec!["openapi request query point /y"]),
        ("exploded object, absent", vec!["openapi request query point"]),
    ];
    let want: Vec<(String, Vec<String>)> = want
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s.into_iter().map(str::to_owned).collect()))
        .collect();
    assert_eq!(got, want);
}

/// What decides whether a body is there, read, or parsed as JSON, on both sides.
#[test]
fn bodies_missing_streamed_hand_written_or_under_a_wildcard_type_are_judged_as_sent() {
    let steps = r#"  - name: required body missing
    request: { method: POST, url: /login }
  - name: streamed body
    request: { method: POST, url: /login, headers: { Content-Type: application/x-www-form-urlencoded }, body_file: lamp.txt }
  - name: streamed body of an undeclared type
    request: { method: POST, url: /login, headers: { Content-Type: text/plain }, body_file: lamp.txt }
  - name: hand-written multipart
    request:
      method: POST
      url: /upload
      headers: { Content-Type: "multipart/form-data; boundary=xyz" }
      body: "--xyz\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\nmany\r\n--xyz--\r\n"
  - name: optional body absent
    request: { method: POST, url: /notes, headers: { Content-Type: text/plain } }
  - name: JSON under a wildcard
    request: { method: POST, url: /notes, json: { text: 5 } }
  - name: JSON answer under a wildcard
    request: { url: /notes/1 }
  - name: wrong JSON answer under a wildcard
    request: { url: /notes/2 }
  - name: empty answer without a type
    request: { url: /notes/3 }
  - name: answer without a type
    request: { url: /notes/4 }
  - name: operation named, path not its own
    operation: getNote
    request: { url: /legacy/note }
"#;
    let (server, p) = forms_project(steps);
    p.sortie(&["run", "c.yaml", "--report-json", "r.json"]).expect_code(1);
    let report = json_report(&p.path("r.json"));
    let got = failed(&report);
    let one = |subject: &str, expected: &str, actual: &str| vec![(subject.into(), expected.into(), actual.into())];
    let want: Vec<(String, Vec<Failed>)> = vec![
        (
            "required body missing".into(),
            one("openapi request body", "a body: POST /login requires one", "no body"),
        ),
        // Sent but not read: its type is checked, its content is not.
        ("streamed body".into(), vec![]),
        (
            "streamed body of an undeclared type".into(),
            one(
                "openapi request Content-Type",
                "a declared content type: application/x-www-form-urlencoded",
                "text/plain",
            ),
        ),
        // Only the parts Sortie builds are known: a body written by hand is not parsed.
        ("hand-written multipart".into(), vec![]),
        ("optional body absent".into(), vec![]),
        (
            "JSON under a wildcard".into(),
            one(
                "openapi request body /text",
                "the schema at specs/forms.yaml:111",
                "5 is not of type \"string\"",
            ),
        ),
        ("JSON answer under a wildcard".into(), vec![]),
        (
            "wrong JSON answer under a wildcard".into(),
            one(
                "openapi body /text",
                "the schema at specs/forms.yaml:111",
                "5 is not of type \"string\"",
            ),
        ),
        ("empty answer without a type".into(), vec![]),
        (
            "answer without a type".into(),
            one(
                "openapi Content-Type",
                "a declared content type: application/*",
                "no Content-Type",
            ),
        ),
        // The operation's path parameter is not looked for in another path.
        ("operation named, path not its own".into(), vec![]),
    ];
    assert_eq!(got, want);
    assert_eq!(server.hits(), 11, "every step was sent");
}
