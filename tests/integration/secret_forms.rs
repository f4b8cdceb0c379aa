//! Secrets in the forms a careless user or a hostile server gives them: maps of
//! credentials, texts cut across a secret, encoded and transformed forms,
//! environment variables, source lines quoted by diagnostics, and secrets too
//! short to mask in free text. Each case sends canaries through every output
//! (console at every verbosity, JUnit, JSON, HTML, curl) and searches all of them.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine as _;

use crate::support::{Project, TestServer, demo};

/// Random lowercase hex: found in an output only if sortie put it there.
fn hex(n: usize) -> String {
    let mut s = uuid::Uuid::new_v4().simple().to_string();
    s.truncate(n);
    s
}

/// Every output of a run: one with every report file, then `-v` and `-vv`, each
/// with its stdout and stderr. `code` is the exit status each must have.
fn every_output(p: &Project, env: &[(&str, &str)], args: &[&str], code: i32) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    let files = [
        "--junit",
        "out.xml",
        "--report-json",
        "out.json",
        "--report-html",
        "out.html",
        "--curl",
        "out.sh",
    ];
    for (label, extra) in [("default", &files[..]), ("-v", &["-v"][..]), ("-vv", &["-vv"][..])] {
        let mut all = args.to_vec();
        all.extend_from_slice(extra);
        let run = p.sortie_env(env, &all);
        run.expect_code(code);
        outputs.push((format!("{label} stdout"), run.stdout));
        outputs.push((format!("{label} stderr"), run.stderr));
    }
    for file in ["out.xml", "out.json", "out.html", "out.sh"] {
        outputs.push((file.to_owned(), p.read(file)));
    }
    outputs
}

/// Fails naming each canary found in an output, and showing them all.
#[track_caller]
fn assert_hidden(outputs: &[(String, String)], canaries: &[(&str, &str)]) {
    let mut leaks = Vec::new();
    for (what, canary) in canaries {
        for (output, text) in outputs {
            if text.contains(canary) {
                leaks.push(format!("{what} (`{canary}`) in {output}"));
            }
        }
    }
    let all: String = outputs.iter().map(|(n, t)| format!("==== {n}\n{t}\n")).collect();
    assert!(leaks.is_empty(), "secrets leaked: {leaks:#?}\n{all}");
}

fn output<'a>(outputs: &'a [(String, String)], name: &str) -> &'a str {
    &outputs.iter().find(|(n, _)| n == name).expect("that output").1
}

#[test]
fn every_leaf_of_a_secret_map_or_list_is_masked() {
    let demo = demo();
    let (password, key, token, item) = (hex(24), hex(24), hex(24), hex(24));
    let number = 100_000_000_000u64 + u64::from_str_radix(&hex(8), 16).expect("hex");
    let p = Project::new();
    p.file(
        "creds.json",
        &format!(r#"{{"creds": {{"user": "ann", "password": "{password}", "keys": ["{key}", {number}]}}}}"#),
    );
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
secrets: [team]
vars:
  team: {{ token: {token}, list: [{item}] }}
steps:
  - name: send
    request:
      method: post
      url: "/echo?p={{{{ creds.password }}}}"
      headers: {{ X-Key: "{{{{ creds.keys[0] }}}}", X-Team: "{{{{ team.token }}}}" }}
      json: {{ n: "{{{{ creds.keys[1] }}}}", t: "{{{{ team.list[0] }}}}", p: "{{{{ creds.password }}}}" }}
    expect:
      json: {{ $.json: {{ n: 0 }} }}
"#,
            demo.url()
        ),
    );
    let outputs = every_output(
        &p,
        &[],
        &["run", "c.yaml", "--vars-file", "creds.json", "--secret", "creds"],
        1,
    );
    let number = number.to_string();
    assert_hidden(
        &outputs,
        &[
            ("a --secret map's string", &password),
            ("a --secret map's list item", &key),
            ("a --secret map's number", &number),
            ("a secrets: map's string", &token),
            ("a secrets: map's list item", &item),
        ],
    );
    // The values were there to leak: the failure shows the echoed body, masked.
    assert!(output(&outputs, "-vv stdout").contains(r#""p":"***""#));
}

/// A token endpoint that refuses with a long error that quotes the secret after 290 characters.
fn refusing_token_server(secret: String) -> TestServer {
    TestServer::start(Router::new().route(
        "/token",
        post(move || {
            let body = format!("{}{secret} was refused", "e".repeat(290));
            async move { (StatusCode::BAD_REQUEST, body) }
        }),
    ))
}

#[test]
fn texts_are_masked_before_they_are_cut() {
    let demo = demo();
    let (got, client_secret, encoded) = (hex(32), hex(32), (hex(8), hex(8)));
    let token = refusing_token_server(client_secret.clone());
    // A body whose 4 KiB excerpt would end inside a lowercase-encoded secret.
    let (a, b) = encoded.clone();
    let body = format!("{}{a}%2f{b} tail", "x".repeat(4090));
    let server = TestServer::start(Router::new().route("/big", get(move || async move { body })));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {demo}
secrets: [got, path]
vars: {{ got: {got}, path: {a}/{b} }}
steps:
  - name: the got of a failed expectation
    request: {{ method: post, url: /echo, json: {{ pad: "{pad}{{{{ got }}}}" }} }}
    expect: {{ json: {{ $.json.pad: nope }} }}
  - name: an excerpt
    request: {{ url: "{big}/big" }}
    expect: {{ status: 299 }}
"#,
            demo = demo.url(),
            pad = "x".repeat(190),
            big = server.url(),
        ),
    );
    p.file(
        "oauth.yaml",
        &format!(
            "base_url: {}\ndefaults:\n  auth: {{ oauth2: {{ token_url: {}/token, client_id: cid-123456, client_secret: {client_secret} }} }}\nsteps:\n  - request: {{ url: /echo }}\n",
            demo.url(),
            token.url()
        ),
    );
    let outputs = every_output(&p, &[], &["run", "c.yaml", "oauth.yaml"], 1);
    // A cut once showed up to nine characters of each: eight tell the leak.
    assert_hidden(
        &outputs,
        &[
            ("the start of a secret cut in a failed expectation", &got[..8]),
            (
                "the start of a secret cut in an OAuth2 token error",
                &client_secret[..8],
            ),
            ("the start of an encoded secret cut in a 4 KiB excerpt", &a[..6]),
        ],
    );
    let vv = output(&outputs, "-vv stdout");
    assert!(vv.contains("the server answered 400: eeee"), "{vv}");
    assert!(
        vv.contains("xxx***…"),
        "the cut values are shown up to the secret: {vv}"
    );
}

/// `/enc/lower` answers with a secret percent-encoded in lowercase; `/enc/json` with
/// one JSON-escaped as PHP and Python do (`\/`, `\u00e4`).
fn encoding_server(lower: String, json: String) -> TestServer {
    TestServer::start(
        Router::new()
            .route(
                "/enc/lower",
                get(move || {
                    let encoded: String = lower
                        .bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02x}")
                            }
                        })
                        .collect();
                    async move { format!("see /next?v={encoded}") }
                }),
            )
            .route(
                "/enc/json",
                get(move || {
                    let escaped = json.replace('/', "\\/").replace('ä', "\\u00e4");
                    async move {
                        (
                            [(header::CONTENT_TYPE, "application/json")],
                            format!(r#"{{"v":"{escaped}"}}"#),
                        )
                    }
                }),
            ),
    )
}

#[test]
fn encoded_forms_of_a_secret_are_masked() {
    let demo = demo();
    let parts: Vec<String> = (0..10).map(|_| hex(10)).collect();
    let lower = format!("{} {}/ä", parts[0], parts[1]);
    let json = format!("{}/{}ä", parts[2], parts[3]);
    let quoted = format!(r#"{}"\{}"#, parts[4], parts[5]);
    let filtered = format!("{} {}/x", parts[6], parts[7]);
    let in_path = format!("{} {}/v", parts[8], parts[9]);
    let enc = encoding_server(lower.clone(), json.clone());
    let p = Project::new();
    p.file(
        "vars.json",
        &serde_json::json!({ "lower": lower, "json": json, "quoted": quoted, "filtered": filtered, "in_path": in_path })
            .to_string(),
    );
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {demo}
secrets: [lower, json, quoted, filtered, in_path]
steps:
  - name: lowercase percent-encoding from a server
    request: {{ url: "{enc}/enc/lower" }}
    expect: {{ status: 299 }}
  - name: JSON escapes from a server
    request: {{ url: "{enc}/enc/json" }}
    expect: {{ json: {{ $.v: nope }} }}
  - name: a body quoted again in an actual text
    request: {{ method: post, url: /echo, json: {{ q: "{{{{ quoted }}}}" }} }}
    expect: {{ body: {{ contains: "not there" }} }}
  - name: urlencode keeps the slash
    request: {{ url: "/echo?q={{{{ filtered | urlencode }}}}" }}
    expect: {{ status: 299 }}
  - name: a secret placed raw in a URL
    request: {{ url: "/echo/{{{{ in_path }}}}" }}
    expect: {{ status: 299 }}
"#,
            demo = demo.url(),
            enc = enc.url(),
        ),
    );
    let outputs = every_output(&p, &[], &["run", "c.yaml", "--vars-file", "vars.json"], 1);
    let labels = [
        "lowercase percent-encoded",
        "lowercase percent-encoded",
        "JSON-escaped with \\/ and \\u00e4",
        "JSON-escaped with \\/ and \\u00e4",
        "quoted a second time",
        "quoted a second time",
        "`urlencode`d",
        "`urlencode`d",
        "raw in a URL path",
        "raw in a URL path",
    ];
    let canaries: Vec<(&str, &str)> = labels.iter().zip(&parts).map(|(l, p)| (*l, p.as_str())).collect();
    assert_hidden(&outputs, &canaries);
    assert!(enc.hits() >= 6, "the encoding server was called");
}

#[test]
fn a_header_made_from_a_secret_does_not_follow_a_redirect_to_another_origin() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let other = TestServer::start(Router::new().route(
        "/land",
        get(move |headers: HeaderMap| {
            let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
            names.sort();
            record.lock().unwrap().push(names.join(","));
            async { "landed" }
        }),
    ));
    let target = format!("{}/land", other.url());
    let start = TestServer::start(Router::new().route(
        "/jump",
        get(move || {
            let target = target.clone();
            async move { (StatusCode::FOUND, [(header::LOCATION, target)]).into_response() }
        }),
    ));
    let (sig, up) = (hex(20), hex(20));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
secrets: [sig]
vars: {{ sig: {sig} }}
steps:
  - name: jump
    request:
      url: /jump
      headers:
        X-Sig: "{{{{ sig | b64encode }}}}"
        X-Part: "{{{{ sig[:8] }}}}"
        X-Up: "{{{{ env.UP_TOKEN | upper }}}}"
        X-Plain: kept
    expect: {{ status: 299 }}
"#,
            start.url()
        ),
    );
    let outputs = every_output(&p, &[("UP_TOKEN", &up)], &["run", "c.yaml", "--secret", "UP_TOKEN"], 1);
    for names in seen.lock().unwrap().iter() {
        assert!(names.contains("x-plain"), "an ordinary header crosses: {names}");
        for credential in ["x-sig", "x-part", "x-up"] {
            assert!(!names.contains(credential), "{credential} crossed origins: {names}");
        }
    }
    assert_eq!(seen.lock().unwrap().len(), 3, "each run landed");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&sig);
    let upper = up.to_uppercase();
    assert_hidden(
        &outputs,
        &[
            ("a secret as base64", &b64),
            ("a slice of a secret", &sig[..8]),
            ("an uppercased secret", &upper),
        ],
    );
    assert!(output(&outputs, "-v stdout").contains("X-Plain: kept"));
}

#[test]
fn secret_names_cover_environment_variables_and_a_name_for_nothing_is_a_warning() {
    let demo = demo();
    let (one, two, three) = (hex(24), hex(24), hex(24));
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
secrets: [API_TOKEN3, nope_name]
steps:
  - name: send
    request:
      method: post
      url: /echo
      json: {{ a: "{{{{ env.API_TOKEN }}}}", b: "{{{{ env.API_TOKEN2 }}}}", c: "{{{{ env.API_TOKEN3 }}}}" }}
    expect: {{ json: {{ $.json.a: nope }} }}
"#,
            demo.url()
        ),
    );
    let env = [
        ("API_TOKEN", one.as_str()),
        ("API_TOKEN2", two.as_str()),
        ("API_TOKEN3", three.as_str()),
    ];
    let args = [
        "run",
        "c.yaml",
        "--secret",
        "API_TOKEN",
        "--secret",
        "env.API_TOKEN2",
        "--secret",
        "nothing_here",
    ];
    let outputs = every_output(&p, &env, &args, 1);
    assert_hidden(
        &outputs,
        &[
            ("--secret NAME of an environment variable", &one),
            ("--secret env.NAME", &two),
            ("secrets: [NAME] of an environment variable", &three),
        ],
    );
    let stderr = output(&outputs, "default stderr");
    assert!(
        stderr.contains("warning: the --secret `nothing_here` names no variable, capture or environment variable"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: the `secrets:` entry `nope_name` names no variable"),
        "{stderr}"
    );
    assert!(
        stderr.contains("c.yaml:2:23"),
        "the warning points at the entry: {stderr}"
    );
    assert_eq!(
        stderr.matches("warning:").count(),
        2,
        "names that match are not warned about: {stderr}"
    );
}

#[test]
fn diagnostics_do_not_quote_secrets() {
    let (first, second, inline, listed, flag) = (hex(20), hex(20), hex(20), hex(20), hex(20));
    let p = Project::new();
    // A duplicate key in a vars file: the file cannot be read, its values are unknown.
    p.file("creds.yaml", &format!("token: {first}\ntoken: {second}\n"));
    let run = p.sortie(&["run", "c.yaml", "--vars-file", "creds.yaml", "--secret", "token"]);
    run.expect_code(2);
    run.stderr_has("creds.yaml");
    for canary in [&first, &second] {
        run.stderr_lacks(canary);
    }
    // Errors on lines that hold an inline password, a `secrets:` var and a --secret value.
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: http://127.0.0.1:1
secrets: [pw]
vars: {{ pw: {listed}, other: 1 }}
steps:
  - {{ request: {{ url: /a, auth: {{ basic: {{ username: u, password: {inline} }} }} }}, bogus: 1 }}
  - {{ request: {{ url: /b, headers: {{ X-A: {listed}, X-B: {flag} }} }}, bogus: 2 }}
"#
        ),
    );
    let var = format!("k={flag}");
    for command in [
        &["validate", "c.yaml"][..],
        &["run", "c.yaml", "--secret", "k", "--var", &var][..],
    ] {
        let run = p.sortie(command);
        run.expect_code(2);
        run.stderr_has("unknown key `bogus`");
        for canary in [&inline, &listed] {
            run.stderr_lacks(canary);
        }
        if command[0] == "run" {
            run.stderr_lacks(&flag);
            run.stderr_has("X-A: ***, X-B: ***");
        }
    }
}

#[test]
fn a_quoted_line_is_cut_around_the_caret() {
    let p = Project::new();
    // 3 MB on one line, with an error at each end.
    let big = "a".repeat(3_000_000);
    p.file(
        "c.yaml",
        &format!("steps: [{{ early: 1, request: {{ url: \"/{big}\" }}, late: 1 }}]\n"),
    );
    let run = p.sortie(&["validate", "c.yaml"]);
    run.expect_code(2);
    run.stderr_has("unknown key `early`").stderr_has("unknown key `late`");
    // Three errors (the URL is also relative with no base_url, and quoted in its message).
    assert!(run.stderr.len() < 5000, "{} bytes of error", run.stderr.len());
    // The caret is under the key in the line as cut.
    let lines: Vec<&str> = run.stderr.lines().collect();
    for key in ["early", "late"] {
        let at = lines
            .iter()
            .position(|l| l.contains(&format!("`{key}`")))
            .expect("the error");
        let (quoted, caret) = (lines[at + 3], lines[at + 4]);
        let col = caret.find('^').expect("a caret");
        assert_eq!(
            quoted.chars().skip(col).take(key.len()).collect::<String>(),
            key,
            "{quoted}\n{caret}"
        );
    }
}

/// `/token` gives a long token to any client.
fn token_server() -> TestServer {
    TestServer::start(Router::new().route(
        "/token",
        post(|| async {
            (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"access_token":"tok-abcdefghijklmnop","token_type":"bearer"}"#,
            )
        }),
    ))
}

#[test]
fn a_short_secret_is_masked_where_it_stands_whole_and_warned_about() {
    let demo = demo();
    let token = token_server();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            r#"base_url: {}
secrets: [pin]
vars: {{ pin: p }}
defaults:
  auth: {{ oauth2: {{ token_url: {}/token, client_id: p, client_secret: long-client-secret }} }}
steps:
  - name: send
    request: {{ method: post, url: "/echo?pin={{{{ pin }}}}&page=help", form: {{ pin: "{{{{ pin }}}}", plan: paper }} }}
    expect: {{ json: {{ $.form.pin: nope }} }}
"#,
            demo.url(),
            token.url()
        ),
    );
    let outputs = every_output(&p, &[], &["run", "c.yaml"], 1);
    // Structure is left alone: every `p` of a URL, a word, a header.
    for (name, text) in &outputs {
        for mangled in ["htt***", "***ost", "***age", "***lan", "***aper"] {
            assert!(!text.contains(mangled), "`{mangled}` in {name}:\n{text}");
        }
    }
    // Where it stands whole, it is masked.
    assert_hidden(
        &outputs,
        &[
            ("a short secret as a parameter value", "pin=p&"),
            ("a short secret as a JSON value", r#""pin":"p""#),
        ],
    );
    let vv = output(&outputs, "-vv stdout");
    assert!(vv.contains("pin=***&page=help"), "{vv}");
    assert!(vv.contains(r#""pin":"***""#), "{vv}");
    assert!(output(&outputs, "out.sh").contains("http://127.0.0.1"));
    let stderr = output(&outputs, "default stderr");
    assert_eq!(
        stderr
            .matches("warning: this secret has 1 character: too short to be masked in free text")
            .count(),
        2,
        "the var and the client id: {stderr}"
    );
}
