//! Micro benchmarks of the per-step hot paths: template rendering, JSONPath
//! selection, predicate checks, and loading + planning a 1,000-step collection;
//! and of the paths that must stay near linear on hostile input: a YAML map of
//! 100,000 keys (duplicate-key check), 2,000 secrets masked over 1 MiB.
//!
//! `cargo bench --bench micro` (add a name to run only the benchmarks whose name
//! contains it). A plain `Instant` loop with no dependency: each benchmark runs
//! for about half a second after a warm-up and prints the median of five rounds
//! in ns (or µs) per iteration.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde_json::json;
use sortie::{Context, FileId, JsonPath, LoadOptions, Redactor, Renderer, build_predicate, check, parse_yaml, to_mj};

/// Runs `f` in rounds of a calibrated size and prints the median time per call.
fn bench(filter: &Option<String>, name: &str, mut f: impl FnMut()) {
    if filter.as_deref().is_some_and(|w| !name.contains(w)) {
        return;
    }
    // Calibrate: grow the batch until one batch takes at least 100 ms.
    let mut batch: u64 = 1;
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        if t.elapsed() >= Duration::from_millis(100) || batch >= 1 << 30 {
            break;
        }
        batch *= 2;
    }
    let mut rounds: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..batch {
                f();
            }
            t.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    let ns = rounds[2];
    if ns >= 10_000_000.0 {
        println!("{name:<50} {:>10.2} ms/iter", ns / 1e6);
    } else if ns >= 10_000.0 {
        println!("{name:<50} {:>10.1} µs/iter", ns / 1e3);
    } else {
        println!("{name:<50} {ns:>10.1} ns/iter");
    }
}

fn context(dir: &Path) -> Context {
    let mut vars = IndexMap::new();
    vars.insert("name".to_owned(), to_mj(&json!("alice")));
    vars.insert("id".to_owned(), to_mj(&json!(42)));
    vars.insert(
        "user".to_owned(),
        to_mj(&json!({"name": "alice", "roles": ["admin", "dev"]})),
    );
    let item = Context::iteration("item", to_mj(&json!(7)), 6, 1000);
    Context::new(
        vec![Arc::new(item), Arc::new(vars)],
        Arc::new(BTreeMap::new()),
        Arc::from(dir),
    )
}

/// A collection of `n` request steps like the benchmark's W1, in a fresh folder.
fn collection(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut text = String::from("name: micro\nbase_url: \"http://127.0.0.1:1\"\nsteps:\n");
    for i in 1..=n {
        text.push_str(&format!(
            "  - name: pet {i}\n    request: {{ url: \"/pets/{{{{ id }}}}\" }}\n    expect:\n      status: 200\n      json: {{ $.name: Rex, $.weight_kg: {{ gt: 1 }} }}\n"
        ));
    }
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, text).expect("writing the collection");
    (dir, path)
}

fn main() {
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets`) there is nothing
    // to check. Any other argument filters by name.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let here = std::env::current_dir().expect("a current directory");
    let renderer = Renderer::new(here.clone());
    let ctx = context(&here);

    let literal = renderer.compile("/pets/1").expect("literal");
    let text = renderer.compile("/users/{{ id }}/pets").expect("text");
    let expr = renderer
        .compile("{{ user.roles | length + item }}")
        .expect("expression");
    let one_var = renderer.compile("{{ name }}").expect("one variable");
    bench(&filter, "render literal", || {
        black_box(literal.render_string(&renderer, &ctx).ok());
    });
    bench(&filter, "render one-variable expression `{{ name }}`", || {
        black_box(one_var.render(&renderer, &ctx).ok());
    });
    bench(&filter, "render text `/users/{{ id }}/pets`", || {
        black_box(text.render_string(&renderer, &ctx).ok());
    });
    bench(&filter, "render expression (filter, arithmetic)", || {
        black_box(expr.render(&renderer, &ctx).ok());
    });

    let doc: serde_json::Value = json!({
        "id": 1, "name": "Rex", "kind": "dog", "vaccinated": true, "weight_kg": 31.5,
        "tags": ["good-boy", "fetch"], "owner": {"id": 1, "name": "alice"}
    });
    let body = serde_json::to_vec(&doc).expect("JSON");
    let name = JsonPath::parse("$.name").expect("path");
    let filter_path = JsonPath::parse("$.tags[?@ == 'fetch']").expect("path");
    bench(&filter, "parse pet body (serde_json::Value)", || {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(&body)).ok());
    });
    bench(&filter, "jsonpath select `$.name`", || {
        black_box(name.select(&doc).to_value());
    });
    bench(&filter, "jsonpath select filter `$.tags[?@ == 'fetch']`", || {
        black_box(filter_path.select(&doc).to_value());
    });

    let equals = build_predicate("equals", &json!("Rex")).expect("predicate");
    let gt = build_predicate("gt", &json!(20)).expect("predicate");
    let rex = json!("Rex");
    let weight = json!(31.5);
    bench(&filter, "predicate equals (string)", || {
        black_box(check(&equals, Some(black_box(&rex))).is_ok());
    });
    bench(&filter, "predicate gt (number)", || {
        black_box(check(&gt, Some(black_box(&weight))).is_ok());
    });

    let (_dir, path) = collection(1000);
    let options = LoadOptions::checking(path.parent().map(Path::to_path_buf).unwrap_or_default());
    let files = vec![path];
    bench(&filter, "load + plan a 1,000-step collection", || {
        let loaded = sortie::load(&files, &renderer, &options);
        assert!(loaded.errors.is_empty());
        black_box(loaded.plan.collections.len());
    });

    // Quadratic here was 30 s for 50,000 keys.
    let keys: String = (0..100_000).map(|i| format!("k{i}: {i}\n")).collect();
    bench(&filter, "yaml: a map of 100,000 keys", || {
        black_box(parse_yaml(FileId(0), &keys).is_ok());
    });

    // One automaton for every secret: 2,000 searches per form would take seconds.
    let mut redactor = Redactor::default();
    for i in 0..2000 {
        redactor.add(&format!("secret-{i:05}-value"));
    }
    let text = format!("{}secret-01999-value{}", "x%2F\\\"".repeat(50_000), "y".repeat(700_000));
    bench(&filter, "redact: 2,000 secrets over 1 MiB", || {
        black_box(redactor.string(&text).len());
    });
}
