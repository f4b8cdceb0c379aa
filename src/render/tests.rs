use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::json;

use super::*;

fn renderer() -> Renderer {
    Renderer::new(std::env::temp_dir())
}

fn layer(vars: serde_json::Value) -> Arc<IndexMap<String, Value>> {
    let serde_json::Value::Object(map) = vars else {
        panic!("a layer is a JSON object");
    };
    Arc::new(map.iter().map(|(k, v)| (k.clone(), to_mj(v))).collect())
}

fn ctx(vars: serde_json::Value) -> Context {
    ctx_in(vars, &std::env::temp_dir())
}

fn ctx_in(vars: serde_json::Value, dir: &Path) -> Context {
    let mut env = BTreeMap::new();
    env.insert("HOME_URL".to_string(), "http://h".to_string());
    Context::new(vec![layer(vars)], Arc::new(env), Arc::from(dir))
}

fn render(source: &str, vars: serde_json::Value) -> Result<serde_json::Value, RenderError> {
    let r = renderer();
    r.compile(source).unwrap().render(&r, &ctx(vars))
}

fn render_str(source: &str, vars: serde_json::Value) -> Result<String, RenderError> {
    let r = renderer();
    r.compile(source).unwrap().render_string(&r, &ctx(vars))
}

fn undefined(name: &str, suggestion: Option<&str>) -> RenderError {
    RenderError::Undefined {
        name: name.to_string(),
        suggestion: suggestion.map(String::from),
    }
}

fn other_message(result: Result<impl std::fmt::Debug, RenderError>) -> String {
    match result {
        Err(RenderError::Other { message }) => message,
        other => panic!("expected RenderError::Other, got {other:?}"),
    }
}

#[test]
fn compile_picks_the_kind() {
    let r = renderer();
    assert!(r.compile("plain /users?x=1").unwrap().is_literal());
    assert!(r.compile("").unwrap().is_literal());
    assert!(matches!(r.compile("{{ n }}").unwrap(), Template::Expression(_)));
    assert!(matches!(r.compile("  {{n}}\n").unwrap(), Template::Expression(_)));
    assert!(matches!(r.compile("{{- n -}}").unwrap(), Template::Expression(_)));
    assert!(matches!(r.compile("{{ a }}{{ b }}").unwrap(), Template::Text(_)));
    assert!(matches!(r.compile("id-{{ n }}").unwrap(), Template::Text(_)));
    assert!(matches!(
        r.compile("{% if a %}x{% endif %}").unwrap(),
        Template::Text(_)
    ));
    assert!(matches!(r.compile("{{ '}}' }}").unwrap(), Template::Text(_)));
    assert_eq!(r.compile(" {{ n }} ").unwrap().source(), " {{ n }} ");
}

#[test]
fn literal_fast_path() {
    assert_eq!(render("hello", json!({})).unwrap(), json!("hello"));
    assert_eq!(render_str("hello", json!({})).unwrap(), "hello");
}

#[test]
fn one_expression_keeps_its_type() {
    let vars =
        json!({"n": 3, "f": 1.5, "flag": true, "list": [1, "a"], "map": {"b": 1, "a": [2]}, "s": "x", "nil": null});
    assert_eq!(render("{{ n }}", vars.clone()).unwrap(), json!(3));
    assert_eq!(render("{{ f }}", vars.clone()).unwrap(), json!(1.5));
    assert_eq!(render("{{ flag }}", vars.clone()).unwrap(), json!(true));
    assert_eq!(render("{{ list }}", vars.clone()).unwrap(), json!([1, "a"]));
    // Key order is kept.
    let map = render("{{ map }}", vars.clone()).unwrap();
    assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"b":1,"a":[2]}"#);
    assert_eq!(render("{{ s }}", vars.clone()).unwrap(), json!("x"));
    assert_eq!(render("{{ nil }}", vars.clone()).unwrap(), json!(null));
    assert_eq!(render("{{ n + 1 }}", vars.clone()).unwrap(), json!(4));
    assert_eq!(render("{{ range(1, 4) }}", vars.clone()).unwrap(), json!([1, 2, 3]));
    assert_eq!(render("{{ n > 2 }}", vars.clone()).unwrap(), json!(true));
    for spaced in ["{{n}}", "  {{ n }}  ", "\n{{\n  n\n}}\n", "{{- n -}}", "{{+ n +}}"] {
        assert_eq!(render(spaced, vars.clone()).unwrap(), json!(3), "{spaced:?}");
    }
}

#[test]
fn anything_else_is_text() {
    let vars = json!({"n": 3, "a": 1, "b": 2, "list": [1, 2], "map": {"k": "v"}, "nil": null, "flag": false});
    assert_eq!(render("id-{{ n }}", vars.clone()).unwrap(), json!("id-3"));
    assert_eq!(render("{{ a }}{{ b }}", vars.clone()).unwrap(), json!("12"));
    assert_eq!(render("{% if a %}yes{% endif %}", vars.clone()).unwrap(), json!("yes"));
    // Lists, maps and none print as JSON inside text, like render_string prints them.
    assert_eq!(
        render("l={{ list }} m={{ map }} n={{ nil }} f={{ flag }}", vars).unwrap(),
        json!(r#"l=[1,2] m={"k":"v"} n=null f=false"#)
    );
}

#[test]
fn render_string_formats_native_values() {
    let vars = json!({"n": 3, "f": 2.5, "flag": true, "s": "a b", "list": [1, "x"], "map": {"k": 1}, "nil": null});
    assert_eq!(render_str("{{ n }}", vars.clone()).unwrap(), "3");
    assert_eq!(render_str("{{ f }}", vars.clone()).unwrap(), "2.5");
    assert_eq!(render_str("{{ flag }}", vars.clone()).unwrap(), "true");
    assert_eq!(render_str("{{ s }}", vars.clone()).unwrap(), "a b");
    assert_eq!(render_str("{{ list }}", vars.clone()).unwrap(), r#"[1,"x"]"#);
    assert_eq!(render_str("{{ map }}", vars.clone()).unwrap(), r#"{"k":1}"#);
    assert_eq!(render_str("{{ nil }}", vars.clone()).unwrap(), "null");
    assert_eq!(render_str("/users/{{ n }}", vars).unwrap(), "/users/3");
}

#[test]
fn layers_first_wins_and_env_is_a_map() {
    let r = renderer();
    let mut c = ctx(json!({"user": "capture", "only_low": 1}));
    c.layers.insert(0, layer(json!({"user": "front"})));
    let t = r.compile("{{ user }}-{{ only_low }}-{{ env.HOME_URL }}").unwrap();
    assert_eq!(t.render(&r, &c).unwrap(), json!("front-1-http://h"));
    let t = r.compile("{{ env.MISSING | default('y') }}").unwrap();
    assert_eq!(t.render(&r, &c).unwrap(), json!("y"));
    let t = r.compile("{{ env.HOME_URL | default('y') }}").unwrap();
    assert_eq!(t.render(&r, &c).unwrap(), json!("http://h"));
    let t = r.compile("{{ env.MISSING }}").unwrap();
    assert_eq!(t.render(&r, &c).unwrap_err(), undefined("env.MISSING", None));
    let t = r.compile("url={{ env.HOME_UR }}").unwrap();
    assert_eq!(
        t.render(&r, &c).unwrap_err(),
        undefined("env.HOME_UR", Some("HOME_URL"))
    );
}

#[test]
fn iteration_layer_gives_item_and_loop() {
    let r = renderer();
    let c = ctx(json!({"base": "b"}));
    let c = c.with_front_layer(Arc::new(Context::iteration("user", Value::from("ann"), 2, 3)));
    let t = r
        .compile("{{ base }}/{{ user }}/{{ loop.index }}/{{ loop.last }}")
        .unwrap();
    assert_eq!(t.render(&r, &c).unwrap(), json!("b/ann/3/true"));
    assert_eq!(
        r.compile("{{ loop.index0 }}").unwrap().render(&r, &c).unwrap(),
        json!(2)
    );
    // `loop` is a map like any other: whole, iterated, serialized, and strict on a missing key.
    let whole = json!({"index": 3, "index0": 2, "first": false, "last": true, "length": 3});
    assert_eq!(r.compile("{{ loop }}").unwrap().render(&r, &c).unwrap(), whole);
    let text = r.compile("{{ loop | tojson }}").unwrap().render_string(&r, &c).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), whole);
    assert_eq!(
        r.compile("{% for k in loop %}{{ k }},{% endfor %}")
            .unwrap()
            .render(&r, &c)
            .unwrap(),
        json!("index,index0,first,last,length,")
    );
    assert_eq!(
        r.compile("{{ loop | length }}").unwrap().render(&r, &c).unwrap(),
        json!(5)
    );
    assert!(r.compile("{{ loop.nope }}").unwrap().render(&r, &c).is_err());
}

#[test]
fn undefined_names_the_variable_with_a_suggestion() {
    let vars = json!({"user": "alice", "token": "t"});
    assert_eq!(
        render("{{ usr }}", vars.clone()).unwrap_err(),
        undefined("usr", Some("user"))
    );
    assert_eq!(
        render("hi {{ usr }}!", vars.clone()).unwrap_err(),
        undefined("usr", Some("user"))
    );
    assert_eq!(
        render("{{ zzzzzz }}", vars.clone()).unwrap_err(),
        undefined("zzzzzz", None)
    );
    assert_eq!(
        render("{{ tokn | upper }}", vars.clone()).unwrap_err(),
        undefined("tokn", Some("token"))
    );
    assert_eq!(
        render("{% if nope %}x{% endif %}", vars.clone()).unwrap_err(),
        undefined("nope", None)
    );
    // The guarded lookup comes first but is not the culprit.
    assert_eq!(
        render("{{ env.X | default('y') }}-{{ missing }}", vars.clone()).unwrap_err(),
        undefined("missing", None)
    );
    assert_eq!(
        render("{{ user }} {{ missing }}", vars.clone()).unwrap_err(),
        undefined("missing", None)
    );
    assert_eq!(
        render_str("{{ missing }}", vars.clone()).unwrap_err(),
        undefined("missing", None)
    );
    let message = render("{{ usr }}", vars).unwrap_err().to_string();
    assert_eq!(message, "undefined variable `usr` (did you mean `user`?)");
}

#[test]
fn undefined_attributes_are_named_too() {
    let vars = json!({"user": {"name": "a", "id": 1}});
    // An expression may *return* undefined without a minijinja error: still an error here.
    assert_eq!(
        render("{{ user.nmae }}", vars.clone()).unwrap_err(),
        undefined("user.nmae", Some("name"))
    );
    assert_eq!(
        render("x {{ user.nmae }}", vars.clone()).unwrap_err(),
        undefined("user.nmae", Some("name"))
    );
    assert_eq!(
        render("{{ [user.nope] }}", vars.clone()).unwrap_err(),
        undefined("user.nope", None)
    );
    assert_eq!(
        render("{{ [user.nmae] }}", vars.clone()).unwrap_err(),
        undefined("user.nmae", Some("name"))
    );
    assert_eq!(
        render("{{ {'a': user.nope} }}", vars.clone()).unwrap_err(),
        undefined("user.nope", None)
    );
    assert_eq!(render("{{ user.name }}", vars.clone()).unwrap(), json!("a"));
    // Not a variable path: the expression itself is named.
    assert_eq!(
        render("{{ user['id'] and [1][5] }}", vars.clone()).unwrap_err(),
        undefined("user['id'] and [1][5]", None)
    );
    assert_eq!(
        render("x {{ [1][5] }} y", vars.clone()).unwrap_err(),
        undefined("[1][5]", None)
    );
    assert_eq!(
        render("{% for u in [user] %}{{ u.nmae }}{% endfor %}", vars).unwrap_err(),
        undefined("u.nmae", None)
    );
}

#[test]
fn functions_and_globals_are_not_undefined_names() {
    let r = renderer();
    let t = r.compile("{{ uuid() }} {{ range(2) | length }} {{ missing }}").unwrap();
    assert_eq!(t.variables(), ["uuid", "range", "missing"]);
    assert_eq!(t.render(&r, &ctx(json!({}))).unwrap_err(), undefined("missing", None));
}

#[test]
fn variables_in_order_of_appearance() {
    let r = renderer();
    assert_eq!(r.compile("{{ b }}{{ a }}{{ b }}").unwrap().variables(), ["b", "a"]);
    assert_eq!(
        r.compile("{{ user.name ~ env.X }}").unwrap().variables(),
        ["user", "env"]
    );
    let t = r.compile("{% for x in items %}{{ x }}{{ y }}{% endfor %}").unwrap();
    assert_eq!(t.variables(), ["items", "y"]);
    assert!(r.compile("plain").unwrap().variables().is_empty());
}

#[test]
fn secrets_never_reach_error_messages() {
    const SECRET: &str = "s3cr3t-VALUE-123";
    let vars = json!({"password": SECRET, "count": 9_223_372_036_854_775_807_i64, "obj": {"k": SECRET}});
    let texts = [
        "{{ pasword }}",
        "{{ password }}{{ pasword }}",
        "{{ password | b64decode }}",
        "{{ password + 1 }}",
        "{{ password * obj }}",
        "{{ obj.k.nope }}",
        "{{ random_int(password, 1) }}",
        "{{ count * count * count }}",
        "{{ -count * count * count }}",
        "x {{ password | int }}",
        "x {{ password[99] }}",
        "{{ password | hmac_sha256 }}",
        "{{ password.foo.bar }}",
        "{{ obj | b64decode }}",
    ];
    for text in texts {
        let err = render(text, vars.clone()).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(SECRET), "{text}: {shown}");
        assert!(!shown.contains("9223372036854775807"), "{text}: {shown}");
    }
    assert!(!format!("{:?}", ctx(vars)).contains(SECRET));
}

#[test]
fn unknown_filters_tests_and_functions_fail_to_compile_with_the_closest_name() {
    let r = renderer();
    let message = |source: &str| r.compile(source).unwrap_err().message;
    // A function used as a filter: caught at load, before any value is near it.
    assert_eq!(message("{{ password | random_int }}"), "unknown filter `random_int`");
    assert_eq!(
        message("{{ user | uper }}"),
        "unknown filter `uper` (did you mean `upper`?)"
    );
    assert_eq!(
        message("x {{ user | b64encod }}"),
        "unknown filter `b64encod` (did you mean `b64encode`?)"
    );
    assert_eq!(
        message("{{ x is defind }}"),
        "unknown test `defind` (did you mean `defined`?)"
    );
    assert_eq!(
        message("{{ x is not nonee }}"),
        "unknown test `nonee` (did you mean `none`?)"
    );
    assert_eq!(
        message("{{ uuidd() }}"),
        "unknown function `uuidd` (did you mean `uuid`?)"
    );
    assert_eq!(
        message("{{ user() }}"),
        "unknown function `user` (a variable is not called with `()`)"
    );
    let range = r.compile("ab {{ user | uper }}").unwrap_err().range;
    assert_eq!(range, Some(13..17), "the range is the name's");
    // What exists compiles: built-ins, Sortie's own, attribute calls, loops.
    for ok in [
        "{{ x | default('a') | upper | tojson }}",
        "{{ x | hmac_sha256('k') | b64encode }}",
        "{{ x is defined and y is not none }}",
        "{{ d.items() | list }}",
        "{% for i in range(3) %}{{ loop.index }}{% endfor %}",
        "{% filter upper %}x{% endfilter %}",
        "{{ read_json('a.json').x | string }}",
    ] {
        assert!(r.compile(ok).is_ok(), "{ok}: {:?}", r.compile(ok).err());
    }
    // A condition is one expression, braces optional.
    assert!(r.compile_condition("run_it").is_ok());
    assert!(r.compile_condition("{{ run_it }}").is_ok());
    assert!(r.compile_condition("x | uper").is_err());
}

#[test]
fn time_and_random_functions() {
    let id = render("{{ uuid() }}", json!({})).unwrap();
    let id = id.as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);

    let now = render("{{ now() }}", json!({})).unwrap();
    let now = now.as_str().unwrap();
    assert!(now.ends_with('Z'), "{now}");
    humantime::parse_rfc3339(now).unwrap();

    let ts = render("{{ timestamp() }}", json!({})).unwrap();
    assert!(ts.is_i64() && ts.as_i64().unwrap() > 1_700_000_000, "{ts}");

    let r = renderer();
    let t = r.compile("{{ random_int(1, 3) }}").unwrap();
    let c = ctx(json!({}));
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..300 {
        let n = t.render(&r, &c).unwrap().as_i64().unwrap();
        assert!((1..=3).contains(&n));
        seen.insert(n);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(render("{{ random_int(5, 5) }}", json!({})).unwrap(), json!(5));
    assert!(other_message(render("{{ random_int(2, 1) }}", json!({}))).contains("random_int"));

    let s = render("{{ random_string(24) }}", json!({})).unwrap();
    let s = s.as_str().unwrap();
    assert_eq!(s.len(), 24);
    assert!(s.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(render("{{ random_string(0) }}", json!({})).unwrap(), json!(""));
    assert!(other_message(render("{{ random_string(100000000) }}", json!({}))).contains("at most"));
}

#[test]
fn filters() {
    let v = json!({"s": "hello world", "empty": ""});
    assert_eq!(
        render("{{ s | b64encode }}", v.clone()).unwrap(),
        json!("aGVsbG8gd29ybGQ=")
    );
    assert_eq!(
        render("{{ s | b64encode | b64decode }}", v.clone()).unwrap(),
        json!("hello world")
    );
    assert_eq!(
        render("{{ 'aGVsbG8gd29ybGQ' | b64decode }}", v.clone()).unwrap(),
        json!("hello world")
    );
    assert_eq!(
        render("{{ '_-8' | b64decode }}", v.clone()).unwrap_err(),
        RenderError::Other {
            message: "b64decode: the decoded bytes are not UTF-8 text".into()
        }
    );
    assert!(other_message(render("{{ 'not base64!' | b64decode }}", v.clone())).contains("not valid base64"));
    assert_eq!(render("{{ empty | b64encode }}", v.clone()).unwrap(), json!(""));
    assert_eq!(
        render("{{ 'abc' | sha256 }}", v.clone()).unwrap(),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    // RFC 4231, test case 2.
    assert_eq!(
        render("{{ 'what do ya want for nothing?' | hmac_sha256('Jefe') }}", v.clone()).unwrap(),
        json!("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    assert_eq!(
        render("{{ s | urlencode }}", v.clone()).unwrap(),
        json!("hello%20world")
    );
    assert_eq!(
        render("{{ {'a': 'x y', 'b': 1} | urlencode }}", v.clone()).unwrap(),
        json!("a=x%20y&b=1")
    );
    assert_eq!(render("{{ s | upper }}", v.clone()).unwrap(), json!("HELLO WORLD"));
    assert_eq!(render("{{ s | length }}", v.clone()).unwrap(), json!(11));
    assert_eq!(render("{{ nope | default('d') }}", v.clone()).unwrap(), json!("d"));
    assert_eq!(render("{{ {'a': 1} | tojson }}", v).unwrap(), json!(r#"{"a": 1}"#));
}

/// A file root with `data/` inside it, and a file outside it.
struct Files {
    _outside: tempfile::TempDir,
    root: tempfile::TempDir,
    outside_file: std::path::PathBuf,
}

fn files() -> Files {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("note.txt"), "hi there\n").unwrap();
    std::fs::write(
        data.join("user.json"),
        r#"{"name": "ann", "ids": [1, 2], "z": 0, "a": 1}"#,
    )
    .unwrap();
    std::fs::write(data.join("users.csv"), "name,age\nann,31\nbob,27\n").unwrap();
    std::fs::write(data.join("bad.json"), "{ nope").unwrap();
    std::fs::write(root.path().join("top.txt"), "top").unwrap();
    let outside_file = outside.path().join("secret.txt");
    std::fs::write(&outside_file, "outside").unwrap();
    Files {
        _outside: outside,
        root,
        outside_file,
    }
}

#[test]
fn file_functions_resolve_against_the_template_folder() {
    let f = files();
    let r = Renderer::new(f.root.path().to_path_buf());
    let c = ctx_in(json!({}), &f.root.path().join("data"));
    let run = |s: &str| r.compile(s).unwrap().render(&r, &c);
    assert_eq!(run("{{ read_file('note.txt') }}").unwrap(), json!("hi there\n"));
    assert_eq!(run("{{ read_file('../top.txt') }}").unwrap(), json!("top"));
    assert_eq!(
        run("{% for f in ['note.txt'] %}{{ read_file(f) | trim }}{% endfor %}").unwrap(),
        json!("hi there")
    );
    let user = run("{{ read_json('user.json') }}").unwrap();
    assert_eq!(
        serde_json::to_string(&user).unwrap(),
        r#"{"name":"ann","ids":[1,2],"z":0,"a":1}"#
    );
    assert_eq!(run("{{ read_json('user.json').ids[1] }}").unwrap(), json!(2));
    assert_eq!(
        run("{{ read_csv('users.csv') }}").unwrap(),
        json!([{"name": "ann", "age": "31"}, {"name": "bob", "age": "27"}])
    );
    let csv_keys = run("{{ read_csv('users.csv')[0] }}").unwrap();
    assert_eq!(
        serde_json::to_string(&csv_keys).unwrap(),
        r#"{"name":"ann","age":"31"}"#
    );

    let missing = other_message(run("{{ read_file('nope.txt') }}"));
    assert!(
        missing.contains("`nope.txt`") && missing.contains("no such file"),
        "{missing}"
    );
    let bad = other_message(run("{{ read_json('bad.json') }}"));
    assert!(bad.contains("`bad.json` is not valid JSON"), "{bad}");
}

#[test]
fn file_functions_stay_inside_the_file_root() {
    let f = files();
    let r = Renderer::new(f.root.path().to_path_buf());
    let c = ctx_in(json!({}), &f.root.path().join("data"));
    let outside = f.outside_file.display().to_string();
    for call in [
        format!("{{{{ read_file('{outside}') }}}}"),
        format!("{{{{ read_json('{outside}') }}}}"),
        format!("{{{{ read_csv('{outside}') }}}}"),
        "{{ read_file('../../../../../../../../etc/hostname') }}".to_string(),
    ] {
        let message = other_message(r.compile(&call).unwrap().render(&r, &c));
        assert!(
            message.contains("outside the file root") || message.contains("no such file"),
            "{message}"
        );
    }
    let message = other_message(
        r.compile(&format!("{{{{ read_file('{outside}') }}}}"))
            .unwrap()
            .render(&r, &c),
    );
    assert!(
        message.contains("is outside the file root") && message.contains(&outside),
        "{message}"
    );

    // A symlink inside the root that points outside it is refused too.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&f.outside_file, f.root.path().join("data/link.txt")).unwrap();
        let message = other_message(r.compile("{{ read_file('link.txt') }}").unwrap().render(&r, &c));
        assert!(
            message.contains("`link.txt`") && message.contains("outside the file root"),
            "{message}"
        );
    }
}

#[test]
fn syntax_errors_point_into_the_source() {
    let r = renderer();
    let err = r.compile("{{ user").unwrap_err();
    assert!(err.message.starts_with("unexpected end of input"), "{}", err.message);
    assert_eq!(err.range, Some(7..7));

    // In the one-expression case the range is shifted back onto the original string.
    let err = r.compile("  {{ a | }}").unwrap_err();
    assert!(err.message.starts_with("unexpected end of input"), "{}", err.message);
    assert_eq!(err.range, Some(9..9));

    let source = "line one\n{% if x %}\n{{ a b }}\n{% endif %}";
    let err = r.compile(source).unwrap_err();
    let range = err.range.clone().unwrap();
    assert_eq!(&source[range], "b", "{}", err.message);
    assert!(!err.message.contains("(in "), "{}", err.message);

    let err = r.compile("{{ }}").unwrap_err();
    assert_eq!(err.range, Some(3..3), "{}", err.message);

    let err = r.compile("{% for x in %}{% endfor %}").unwrap_err();
    assert!(!err.message.is_empty());
}

#[test]
fn to_json_and_to_mj_round_trip() {
    let doc = json!({"b": [1, 2.5, "x", null, true, {"n": -3}], "a": 18446744073709551615_u64});
    assert_eq!(to_json(&to_mj(&doc)).unwrap(), doc);
    assert!(matches!(to_json(&Value::UNDEFINED), Err(RenderError::Undefined { .. })));
    assert!(matches!(
        to_json(&Value::from_function(|| 1)),
        Err(RenderError::Other { .. })
    ));
}

#[test]
fn renderer_and_templates_are_shareable() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    fn shared<T: Send + Sync + 'static>() {}
    shareable::<Template>();
    shareable::<Context>();
    shared::<Renderer>();
}

/// `cargo test --lib render::tests::measure -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check"]
fn measure() {
    let r = renderer();
    let c = ctx(json!({"user": "alice", "n": 42}));
    let cases = [
        ("literal", r.compile("/users/all").unwrap()),
        ("text, one variable", r.compile("/users/{{ user }}").unwrap()),
        ("expression", r.compile("{{ n }}").unwrap()),
    ];
    for (name, t) in cases {
        let rounds = 200_000u32;
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(t.render(&r, &c).unwrap());
        }
        println!("{name}: {:?} a render", start.elapsed() / rounds);
    }
}

#[test]
fn a_mention_is_found_where_minijinja_reports_no_read() {
    let r = renderer();
    let t = r.compile("{{ sig[:8] }}").unwrap();
    assert!(t.mentions("sig"));
    assert!(!t.mentions("si"));
    let t = r.compile("x-{{ user.sig }}").unwrap();
    assert!(!t.mentions("sig"), "an attribute is not the variable");
    assert!(!r.compile("sig").unwrap().mentions("sig"), "a literal reads nothing");
}
