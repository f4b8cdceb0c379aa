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
