//! Running collections end to end against the demo API.

use crate::support::{Project, TestServer, demo, normalize};

/// The demo serves the OpenAPI document the fifth onboarding collection names.
#[test]
fn the_demo_serves_its_openapi_document() {
    let demo = demo();
    let p = Project::new();
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/collections/specs/demo-api.json"))
        .expect("the demo spec");
    p.file("spec.json", &spec);
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - request: {{ url: /openapi.json }}\n    expect:\n      headers: {{ Content-Type: application/json }}\n      json:\n        $.openapi: 3.1.0\n        $.paths: {{ contains: \"/pets/{{id}}\" }}\n",
            demo.url()
        ),
    );
    // The document itself is not an operation of the API it describes.
    p.sortie(&["run", "c.yaml", "--openapi", "spec.json"])
        .expect_code(2)
        .stderr_has("`GET /openapi.json` matches no operation of `spec.json`");
    p.sortie(&["run", "c.yaml"]).expect_code(0);
}

#[test]
fn the_onboarding_collections_pass() {
    let demo = demo();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = crate::support::sortie_command(root)
        .env("SORTIE_DEMO_URL", demo.url())
        .env_remove("SORTIE_TUTORIAL_SLOW")
        .args(["run", "collections/"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Every step passes but one: the tutorial's `if` example, off unless asked for.
    assert!(stdout.contains(" passed, 0 failed, 0 errored, 1 skipped"), "{stdout}");
    // The fifth checks every exchange against the demo's own OpenAPI document.
    assert!(
        stdout.ends_with("OpenAPI coverage: 3/5 operations, 5/7 responses\n"),
        "{stdout}"
    );
    let skipped: Vec<&str> = stdout.lines().filter(|l| l.contains("skipped:")).collect();
    assert_eq!(
        skipped,
        ["  - Only when asked for  skipped: condition is false"],
        "{stdout}"
    );
    // Asked for, it runs and passes too.
    let run = crate::support::sortie_command(root)
        .env("SORTIE_DEMO_URL", demo.url())
        .env("SORTIE_TUTORIAL_SLOW", "1")
        .args(["run", "collections/03-data-and-loops.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("✓ Only when asked for"), "{stdout}");
    assert!(stdout.contains(" passed, 0 failed, 0 errored, 0 skipped"), "{stdout}");
}

#[test]
fn captures_flow_into_later_steps_and_failures_are_explained() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "login.yaml",
        r#"
name: Login flow
base_url: "{{ env.DEMO }}"
vars:
  user: alice
steps:
  - name: Log in
    request:
      method: post
      url: /login
      json: { username: "{{ user }}", password: wonderland }
    expect:
      status: 200
      json:
        $.user.name: "{{ user }}"
        $.token: { type: string, length: { gt: 10 } }
    extract:
      token: $.token
      uid: $.user.id
  - name: Who am I
    request:
      url: /me
      auth: { bearer: "{{ token }}" }
    expect:
      json:
        $.id: "{{ uid }}"
        $.name: bob
"#,
    );
    let run = p.sortie_env(&[("DEMO", &demo.url())], &["run", "login.yaml"]);
    run.expect_code(1);
    let stdout = normalize(&run.stdout);
    assert!(stdout.contains("✓ Log in  200"), "{stdout}");
    assert!(stdout.contains("✗ Who am I  200"), "{stdout}");
    assert!(
        stdout.contains(r#"json $.name: expected "bob", got "alice""#),
        "{stdout}"
    );
    assert!(stdout.contains("curl -L http://127.0.0.1:"), "{stdout}");
    // The bearer token is a credential: never printed.
    assert!(stdout.contains(r#"-H 'authorization: ''Bearer '"$SORTIE_"#), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn setup_failure_skips_steps_but_teardown_runs() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {}
setup:
  - name: broken setup
    request: {{ url: /status/500 }}
steps:
  - name: main step
    request: {{ url: /health }}
teardown:
  - name: cleanup
    request: {{ url: /health }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml"]);
    run.expect_code(1);
    run.stdout_has("✗ broken setup");
    run.stdout_has("- main step  skipped: setup failed");
    run.stdout_has("✓ cleanup");
}

#[test]
fn for_each_names_items_and_fail_fast_stops_new_steps() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {}
steps:
  - name: pet
    for_each: [1, 2, 404]
    request: {{ url: "/pets/{{{{ item }}}}" }}
    expect: {{ json: {{ $.id: "{{{{ item }}}}" }} }}
  - name: never reached
    request: {{ url: /health }}
teardown:
  - name: cleanup
    request: {{ url: /health }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "--fail-fast"]);
    run.expect_code(1);
    run.stdout_has("✓ pet [1]");
    run.stdout_has("✓ pet [2]");
    run.stdout_has("✗ pet [3]  404");
    run.stdout_has("- never reached  skipped: not run: --fail-fast after 'pet [3]' failed");
    run.stdout_has("✓ cleanup");
}

#[test]
fn vars_files_env_files_and_cli_vars_take_precedence_in_order() {
    let demo = demo();
    let p = Project::new();
    p.file("vars.yaml", "n: 2\nword: from-file\n");
    p.file(".env", "# comment\nGREETING=hello\n");
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {}
vars:
  word: from-collection
  phrase: "{{{{ word }}}}!"
steps:
  - request:
      url: /echo
      query: {{ n: "{{{{ n }}}}", phrase: "{{{{ phrase }}}}", greet: "{{{{ env.GREETING }}}}" }}
    expect:
      json:
        $.query: [[n, "2"], [phrase, "from-cli!"], [greet, hello]]
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&[
        "run",
        "c.yaml",
        "--vars-file",
        "vars.yaml",
        "--env-file",
        ".env",
        "--var",
        "word=from-cli",
    ]);
    run.expect_code(0);
}

#[test]
fn a_native_template_keeps_its_type_in_json_bodies() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"
base_url: {}
vars: {{ id: 7, tags: [a, b], on: true }}
steps:
  - request:
      method: POST
      url: /echo
      json: {{ id: "{{{{ id }}}}", label: "id-{{{{ id }}}}", tags: "{{{{ tags }}}}", on: "{{{{ on }}}}" }}
    expect:
      json:
        $.json: {{ equals: {{ id: 7, label: id-7, tags: [a, b], on: true }} }}
        $.json.id: {{ type: integer }}
"#,
            demo.url()
        ),
    );
    p.sortie(&["run", "c.yaml"]).expect_code(0);
}

#[test]
fn validate_and_list_send_nothing() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "name: Listed\ntags: [smoke]\nbase_url: {}\ndefaults:\n  auth: {{ oauth2: {{ token_url: /token, client_id: c, client_secret: s }} }}\nsetup:\n  - name: zero\n    request: {{ url: /setup, auth: none }}\nsteps:\n  - name: one\n    tags: [fast]\n    request: {{ url: /a, auth: none }}\nteardown:\n  - name: last\n    request: {{ url: /teardown, auth: none }}\n",
            server.url()
        ),
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(run.stdout, "ok: 1 collection, 3 steps\n");
    let run = p.sortie(&["list", "c.yaml"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "Listed (c.yaml)  [smoke]\n  setup:\n    - zero\n  - one  [fast]\n  teardown:\n    - last\n"
    );
    assert_eq!(server.hits(), 0, "validate and list send nothing");
    // The same collection, run, reaches the server: the count above could have moved.
    p.sortie(&["run", "c.yaml"]).expect_code(0);
    assert_eq!(server.hits(), 3);
}

#[test]
fn the_schema_file_matches_the_types() {
    let p = Project::new();
    let run = p.sortie(&["schema"]);
    run.expect_code(0);
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/collection.schema.json"))
        .expect("schemas/collection.schema.json");
    assert_eq!(
        run.stdout.trim_end(),
        committed.trim_end(),
        "schemas/collection.schema.json is stale: run `cargo run -- schema > schemas/collection.schema.json`"
    );
}

#[test]
fn a_captured_value_used_as_a_credential_is_never_shown() {
    let demo = demo();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
defaults:
  auth: {{ bearer: "{{{{ token }}}}" }}
steps:
  - name: log in
    request:
      method: POST
      url: /login
      auth: none
      json: {{ username: alice, password: wonderland }}
    extract: {{ token: $.token, sid: {{ cookie: session }} }}
  - name: echo it back
    request: {{ url: "/echo?t={{{{ token }}}}" }}
    expect: {{ json: {{ $.path: wrong }} }}
"#,
            demo.url()
        ),
    );
    let run = p.sortie(&["run", "c.yaml", "-vv"]);
    run.expect_code(1);
    run.stdout_has("captured token = ***");
    run.stdout_has("captured sid = ***");
    // The echoed body holds the token in the query and the header: all masked.
    let token_like = regex::Regex::new(r"[A-Za-z0-9]{32}").unwrap();
    assert!(!token_like.is_match(&run.stdout), "{}", run.stdout);
}
