//! Checks added for suites moved over from other tools: `not`, `all`,
//! `format`, `before` / `after`, `type: float`.

use crate::exact::recorder;
use crate::support::Project;

fn answer(path: &str) -> String {
    match path {
        "/user" => serde_json::json!({
            "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
            "email": "ada@example.com",
            "site": "https://example.com/ada",
            "ip": "192.0.2.7",
            "ip6": "2001:db8::1",
            "born": "1815-12-10",
            "created": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            "expires": 4102444800_u64,
            "tags": ["admin", "dev", "ops"],
            "price": 2.50,
            "count": 3,
            "note": "hello world",
        })
        .to_string(),
        _ => "{}".to_owned(),
    }
}

fn run(expect: &str) -> (crate::support::Run, serde_json::Value) {
    let (server, _seen) = recorder(answer);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{}\"\nsteps:\n  - name: s\n    request: {{ url: /user }}\n    expect:\n{expect}",
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    let report = crate::support::json_report(&p.path("r.json"));
    (run, report)
}

#[test]
fn not_all_format_and_dates_hold_on_what_they_describe() {
    let (run, _) = run(r#"      json:
        $.id: { format: uuid, not: { format: email } }
        $.email: { format: email }
        $.site: { format: uri }
        $.ip: { format: ipv4, not: { format: ipv6 } }
        $.ip6: { format: ipv6 }
        $.born: { format: date, before: 1900-01-01, after: "1815-12-09T23:59:59Z" }
        $.created: { format: date-time, after: now - 1d, before: now + 1m }
        $.expires: { after: now + 3650d }
        $.tags: { all: [{ contains: admin }, { contains: dev }, { length: 3 }], not: { contains: root } }
        $.note: { all: [{ starts_with: hello }, { ends_with: world }], not: { matches: '^\d+$' } }
        $.count: { type: integer, not: { type: float } }
        $.price: { type: float, not: { type: integer } }
        $.missing: { not: { exists: true } }
      duration: { not: { gt: 1m }, all: [{ lt: 30s }, { ge: 0ms }] }
"#);
    run.expect_code(0);
}

#[test]
fn each_fails_with_its_own_reason() {
    let (run, report) = run(r#"      json:
        $.id: { format: email }
        $.tags: { all: [{ contains: admin }, { contains: root }] }
        $.count: { not: { type: integer } }
        $.created: { before: now - 1d }
        $.born: { after: now }
        $.note: { format: date }
        $['tags']: { after: now }
"#);
    run.expect_code(1);
    let texts: Vec<String> = report["collections"][0]["steps"][0]["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| format!("{} {}: {}", c["subject"], c["predicate"], c["actual"]))
        .collect();
    assert_eq!(texts.len(), 7, "{texts:#?}\n{}", run.stdout);
    run.stdout_has(r#"json $.id: expected format email, got "67e55044-10b1-426f-9247-bb680e5fe0c8""#);
    run.stdout_has(r#"json $.tags: expected contains "root", got ["admin","dev","ops"]"#);
    run.stdout_has("json $.count: expected not (type integer), got 3");
    run.stdout_has("json $.created: expected before now - 1d, got");
    run.stdout_has(r#"json $.born: expected after now, got "1815-12-10""#);
    run.stdout_has(r#"json $.note: expected format date, got "hello world""#);
    run.stdout_has(
        r#"json $['tags']: expected after now, got ["admin","dev","ops"] (not a date, a date-time or Unix seconds)"#,
    );
}

/// A PNG-ish binary body, a redirect chain and a cookie with every attribute.
fn exchange_router() -> axum::Router {
    use axum::response::Redirect;
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/logo",
            get(|| async { ([("content-type", "image/png")], LOGO.to_vec()) }),
        )
        .route("/r1", get(|| async { Redirect::to("/r2") }))
        .route("/r2", get(|| async { Redirect::to("/done?x=1") }))
        .route("/done", get(|| async { "{}" }))
        .route(
            "/login",
            get(|| async {
                (
                    [(
                        "set-cookie",
                        "sid=abc; Path=/app; Domain=example.test; Max-Age=3600; Secure; HttpOnly; SameSite=Lax",
                    )],
                    "{}",
                )
            }),
        )
}

const LOGO: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff binary \x00 bytes";

const EXCHANGE_STEPS: &str = r#"
  - name: bytes
    request: { url: /logo }
    expect:
      bytes:
        length: 33
        sha256: { matches: '^[0-9a-f]{64}$' }
        md5: { length: 32 }
        file: logo.png
  - name: redirects
    request: { url: /r1 }
    expect:
      url: { ends_with: /done?x=1 }
      redirects: { length: 2, all: [{ contains: "{{ base }}/r2" }, { contains: "{{ base }}/done?x=1" }] }
      version: VERSION
  - name: cookie attributes
    request: { url: /login }
    expect:
      cookies:
        sid: abc
        sid[Path]: /app
        sid[Domain]: example.test
        sid[Max-Age]: { ge: 3600 }
        sid[Secure]: true
        sid[HttpOnly]: { exists: true }
        sid[SameSite]: Lax
        sid[Expires]: { exists: false }
"#;

#[test]
fn bytes_redirects_version_and_cookie_attributes_over_plain_http() {
    let server = crate::support::TestServer::start(exchange_router());
    let p = Project::new();
    std::fs::write(p.path("logo.png"), LOGO).unwrap();
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{0}\"\nvars: {{ base: \"{0}\" }}\nsteps:{1}",
            server.url(),
            EXCHANGE_STEPS.replace("VERSION", "HTTP/1.1")
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    // The same checks fail on another file and version.
    std::fs::write(p.path("logo.png"), b"another file").unwrap();
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{0}\"\nvars: {{ base: \"{0}\" }}\nsteps:{1}",
            server.url(),
            EXCHANGE_STEPS.replace("VERSION", "HTTP/2").replace("/app", "/")
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("bytes (as file logo.png) sha256: expected");
    run.stdout_has(r#"version: expected "HTTP/2", got "HTTP/1.1""#);
    run.stdout_has(r#"cookie sid[Path]: expected "/", got "/app""#);
}

#[test]
fn the_version_is_the_negotiated_one_over_tls() {
    let p = Project::new();
    let pki = crate::tls::pki(&p);
    let server = crate::tls::HttpsServer::start(&pki, false, exchange_router());
    p.file(
        "c.yaml",
        &format!(
            "base_url: \"{}\"\nsteps:\n  - request: {{ url: /done }}\n    expect: {{ version: HTTP/2 }}\n",
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml", "--cacert", "certs/ca.pem"]).expect_code(0);
}

fn shop(path: &str) -> String {
    match path {
        "/cart" => r#"{"items": [{"price": "12.50"}, {"price": "3"}], "total": "15.50", "placed": "07/12/2026 10:30", "sent": "Mon, 07 Dec 2026 10:30:00 GMT"}"#.to_owned(),
        _ => "{}".to_owned(),
    }
}

#[test]
fn expectations_on_variables_see_the_steps_captures_through_filters() {
    let (server, _seen) = recorder(shop);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
vars: {{ limit: 20 }}
steps:
  - name: cart
    request: {{ url: /cart }}
    extract:
      items: $.items
      total: $.total
      placed: $.placed
      sent: $.sent
    expect:
      vars:
        items | length: 2
        total | number: {{ gt: 15, lt: "{{{{ limit }}}}", equals: 15.50 }}
        items[0].price | number: {{ type: float }}
        "placed | date('%d/%m/%Y %H:%M')": "2026-12-07T10:30:00Z"
        sent | date: {{ equals: "2026-12-07T10:30:00Z", after: 2026-01-01 }}
        limit: 20
        nowhere: {{ exists: false }}
  - name: wrong
    request: {{ url: /cart }}
    extract: {{ total: $.total }}
    expect:
      vars:
        total | number: {{ gt: 100 }}
        total: {{ type: number }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    let report = crate::support::json_report(&p.path("r.json"));
    let steps = report["collections"][0]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["status"], "passed", "{}", run.stdout);
    assert_eq!(steps[1]["status"], "failed", "{}", run.stdout);
    run.stdout_has("var total | number: expected > 100, got 15.5");
    run.stdout_has(r#"var total: expected type number, got string "15.50""#);
}

#[test]
fn request_cookies_add_to_the_jar_for_one_request() {
    let (server, seen) = crate::exact::recorder_with_cookie();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
vars: {{ flavour: oat }}
steps:
  - request: {{ url: /login }}
  - request: {{ url: /a, cookies: {{ extra: "{{{{ flavour }}}}", theme: light }} }}
  - request: {{ url: /b }}
  - request: {{ url: /c, headers: {{ Cookie: own=1 }}, cookies: {{ extra: x }} }}
"#,
            server.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    let got = seen.lock().unwrap();
    // One Cookie line; the jar's cookies come in the jar's order.
    let cookie = |i: usize| {
        let lines = got[i].header("cookie");
        assert_eq!(lines.len(), 1, "{lines:?}");
        let mut pairs: Vec<String> = lines[0].split("; ").map(str::to_owned).collect();
        pairs.sort();
        pairs.join("; ")
    };
    assert_eq!(
        cookie(1),
        "extra=oat; sid=s1; theme=light",
        "the jar's, one replaced, one added"
    );
    assert_eq!(cookie(2), "sid=s1; theme=dark", "the jar is as it was");
    assert_eq!(
        got[3].header("cookie"),
        ["own=1; extra=x"],
        "a Cookie header replaces the jar, as without `cookies`"
    );
}

/// A GraphQL endpoint: `/graphql` answers data, `/graphql-errors` an `errors` list with status 200.
fn graphql_router(seen: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>) -> axum::Router {
    use axum::routing::post;
    let (a, b) = (seen.clone(), seen);
    axum::Router::new()
        .route(
            "/graphql",
            post(move |body: axum::Json<serde_json::Value>| async move {
                let id = body["variables"]["id"].clone();
                a.lock().unwrap().push(body.0);
                axum::Json(serde_json::json!({ "data": { "pet": { "id": id, "name": "Rex" } } }))
            }),
        )
        .route(
            "/graphql-errors",
            post(move |body: axum::Json<serde_json::Value>| async move {
                b.lock().unwrap().push(body.0);
                axum::Json(serde_json::json!({ "data": null, "errors": [{ "message": "Cannot query field" }] }))
            }),
        )
}

#[test]
fn a_graphql_body_is_sent_as_json_and_errors_fail_the_step() {
    let seen = std::sync::Arc::default();
    let server = crate::support::TestServer::start(graphql_router(std::sync::Arc::clone(&seen)));
    let p = Project::new();
    p.file("pet.graphql", "query Pet($id: ID!) { pet(id: $id) { id name } }\n");
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
vars: {{ pet_id: 7 }}
steps:
  - name: inline
    request:
      url: /graphql
      graphql:
        query: "query Pet($id: ID!) {{ pet(id: $id) {{ id name }} }}"
        variables: {{ id: "{{{{ pet_id }}}}" }}
        operation_name: Pet
    expect:
      json: {{ $.data.pet.id: 7 }}
  - name: from a file
    request:
      url: /graphql
      graphql: {{ query_file: pet.graphql, variables: {{ id: 8 }} }}
  - name: errors fail by default
    request:
      url: /graphql-errors
      graphql: {{ query: "{{{{ nope }}}}" }}
  - name: unless the step checks them
    request:
      url: /graphql-errors
      graphql: {{ query: "{{{{ nope }}}}" }}
    expect:
      json:
        $.errors[0].message: {{ contains: Cannot }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    let report = crate::support::json_report(&p.path("r.json"));
    let statuses: Vec<&str> = report["collections"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["passed", "passed", "failed", "passed"], "{}", run.stdout);
    run.stdout_has("json $.errors: expected not (length > 0)");
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[0],
        serde_json::json!({
            "query": "query Pet($id: ID!) { pet(id: $id) { id name } }",
            "variables": { "id": 7 },
            "operationName": "Pet",
        })
    );
    assert_eq!(
        seen[1],
        serde_json::json!({ "query": "query Pet($id: ID!) { pet(id: $id) { id name } }\n", "variables": { "id": 8 } })
    );
    assert_eq!(
        seen[2],
        serde_json::json!({ "query": "{{ nope }}" }),
        "a query is sent as written"
    );
}

fn page(path: &str) -> String {
    match path {
        "/form" => r#"<!doctype html><html><head><title>Sign in</title></head><body>
            <form action="/login" method="post">
              <input type="hidden" name="csrf" value="tok-8f2a">
              <input name="user"><button>Go</button>
            </form>
            <ul class="pets"><li>Rex</li><li>Tom</li></ul></body></html>"#
            .to_owned(),
        _ => "{}".to_owned(),
    }
}

#[test]
fn css_selectors_check_and_capture_from_html() {
    let (server, seen) = recorder(page);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
steps:
  - name: form
    request: {{ url: /form }}
    expect:
      html:
        title: Sign in
        "input[name=csrf]::attr(value)": {{ starts_with: tok- }}
        ul.pets li: [Rex, Tom]
        "form::attr(method)": post
        table: {{ exists: false }}
    extract:
      csrf: {{ css: "input[name=csrf]::attr(value)" }}
  - name: login
    request: {{ method: POST, url: /login, form: {{ csrf: "{{{{ csrf }}}}" }} }}
  - name: wrong
    request: {{ url: /form }}
    expect:
      html:
        ul.pets li: {{ length: 3 }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("✓ form");
    run.stdout_has("html ul.pets li: expected length 3, got length 2");
    assert_eq!(
        seen.lock().unwrap()[1].body_text(),
        "csrf=tok-8f2a",
        "the captured token is sent"
    );
}

/// A SOAP-like service: an order is created in an envelope with two namespaces,
/// then read back as plain XML under the id the envelope gave.
fn soap(got: &crate::importers::Got) -> (u16, &'static str, String) {
    let xml = "application/xml";
    match got.target.as_str() {
        "/soap" => (
            200,
            "text/xml; charset=utf-8",
            r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:shop">
  <soap:Body>
    <m:CreateOrderResponse>
      <m:Order id="A-17" status="paid">
        <m:Total currency="EUR">12.50</m:Total>
        <m:Item sku="p-1">pen</m:Item>
        <m:Item sku="i-2">ink</m:Item>
      </m:Order>
    </m:CreateOrderResponse>
  </soap:Body>
</soap:Envelope>"#
                .to_owned(),
        ),
        "/orders/A-17" => (200, xml, "<order id=\"A-17\"><state>shipped</state></order>".to_owned()),
        "/broken" => (200, xml, "<order>\n  <state>shipped</order>".to_owned()),
        _ => (404, xml, "<error/>".to_owned()),
    }
}

#[test]
fn xpath_checks_and_captures_from_xml() {
    let (server, seen) = crate::importers::recorder(soap);
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: "{}"
steps:
  - name: create
    request: {{ method: POST, url: /soap, headers: {{ SOAPAction: CreateOrder }}, body: "<Create/>" }}
    expect:
      xml:
        /soap:Envelope/soap:Body/m:CreateOrderResponse/m:Order/@status: paid
        "//m:Total": "12.50"
        "//m:Total/@currency": EUR
        "//m:Item": [pen, ink]
        "//m:Item/@sku": {{ contains: i-2 }}
        "count(//m:Item)": 2
        "count(//m:Item) = 2": true
        "sum(//m:Total) > 10": true
        "concat(//m:Item[1], '/', //m:Item[2])": pen/ink
        "//m:Refund": {{ exists: false }}
    extract:
      order: {{ xpath: "//m:Order/@id" }}
  - name: follow
    request: {{ url: "/orders/{{{{ order }}}}" }}
    expect:
      xml:
        /order/state: shipped
        /order/@id: "{{{{ order }}}}"
  - name: wrong
    request: {{ url: "/orders/{{{{ order }}}}" }}
    expect:
      xml:
        /order/state: delivered
        "count(/order/state)": 3
        /order/note: {{ exists: true }}
  - name: broken
    request: {{ url: /broken }}
    expect:
      xml:
        /order/state: shipped
        "count(//state)": 1
    extract:
      state: {{ xpath: /order/state }}
"#,
            server.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--report-json", "r.json"]);
    run.expect_code(1);
    run.stdout_has("✓ create");
    run.stdout_has("✓ follow");
    assert_eq!(
        seen.lock().unwrap()[1].target,
        "/orders/A-17",
        "the id captured from the envelope's attribute is sent\n{}",
        run.stdout
    );
    let report = crate::support::json_report(&p.path("r.json"));
    let failed = |step: usize| -> Vec<String> {
        report["collections"][0]["steps"][step]["expectations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["passed"] == false)
            .map(|c| format!("{} | {} | {}", c["subject"], c["expected"], c["actual"]))
            .collect()
    };
    assert_eq!(failed(0), Vec::<String>::new(), "{}", run.stdout);
    let xml_checks = report["collections"][0]["steps"][0]["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["subject"].as_str().is_some_and(|s| s.starts_with("xml ")))
        .count();
    assert_eq!(xml_checks, 10, "every XPath was checked\n{}", run.stdout);
    run.stdout_has(r#"xml /order/state: expected "delivered", got "shipped""#);
    assert_eq!(failed(1), Vec::<String>::new(), "{}", run.stdout);
    assert_eq!(
        failed(2),
        [
            r#""xml /order/state" | "\"delivered\"" | "\"shipped\"""#,
            r#""xml count(/order/state)" | "3" | "1""#,
            r#""xml /order/note" | "a match" | "no match""#,
        ],
        "{}",
        run.stdout
    );
    let broken = failed(3);
    assert_eq!(broken.len(), 3, "both expectations and the capture fail: {broken:#?}");
    for f in &broken {
        assert!(
            f.contains("an XML body") && f.contains("the body is not well-formed XML") && f.contains("at 2:17"),
            "where the tags cross: {f}"
        );
    }
}
