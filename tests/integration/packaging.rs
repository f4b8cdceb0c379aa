//! What ships: the crate without the demo API, the release configuration, the
//! GitHub Action. The release workflow and the Action run only on GitHub; here
//! their files are read and their shell scripts checked by bash.

use std::path::Path;

use serde_json::Value;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A YAML file as JSON, read by Sortie's own YAML reader (duplicate keys are errors).
fn yaml(name: &str) -> Value {
    sortie::parse_yaml(sortie::FileId(0), &read(name))
        .unwrap_or_else(|d| panic!("{name}: {}", d.message))
        .to_json()
}

#[test]
fn the_sortie_crate_does_not_depend_on_the_demo_api_or_axum() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(ROOT)
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let nodes = metadata["resolve"]["nodes"].as_array().expect("a resolve graph");
    let sortie = nodes
        .iter()
        .find(|n| n["id"].as_str().is_some_and(|id| id.contains("#sortie@")))
        .expect("the sortie package");
    let normal: Vec<&str> = sortie["deps"]
        .as_array()
        .expect("deps")
        .iter()
        .filter(|d| {
            d["dep_kinds"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k["kind"].is_null()))
        })
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert!(
        normal.contains(&"reqwest") && normal.contains(&"clap_complete"),
        "{normal:?}"
    );
    for absent in ["axum", "sortie_demo"] {
        assert!(
            !normal.contains(&absent),
            "`cargo install sortie` would build {absent}: {normal:?}"
        );
    }
}

#[test]
fn releases_cover_the_five_targets_and_binstall_points_at_their_archives() {
    let dist = read("dist-workspace.toml");
    for target in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            dist.contains(&format!("\"{target}\"")),
            "dist-workspace.toml lacks {target}"
        );
    }
    let workflow = yaml(".github/workflows/release.yml");
    assert_eq!(workflow["on"]["push"]["tags"][0], "**[0-9]+.[0-9]+.[0-9]+*");
    for job in ["plan", "build-local-artifacts", "build-global-artifacts", "host"] {
        assert!(workflow["jobs"][job].is_object(), "release.yml has no `{job}` job");
    }
    let cargo = read("Cargo.toml");
    assert!(
        cargo.contains("pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-{ target }{ archive-suffix }\""),
        "binstall metadata"
    );
}

#[test]
fn the_action_installs_a_release_and_runs_sortie_with_junit() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["paths", "args", "junit", "version"] {
        assert!(action["inputs"][input]["description"].is_string(), "input {input}");
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    for step in steps {
        let script = step["run"].as_str().expect("a run step");
        assert_eq!(step["shell"], "bash");
        // bash reads the script: no syntax error waits for the first run on GitHub.
        let mut bash = std::process::Command::new("bash")
            .arg("-n")
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("bash runs");
        std::io::Write::write_all(bash.stdin.as_mut().expect("stdin"), script.as_bytes()).expect("bash reads");
        let out = bash.wait_with_output().expect("bash ends");
        assert!(
            out.status.success(),
            "{}: {}",
            step["name"],
            String::from_utf8_lossy(&out.stderr)
        );
        // Inputs reach the scripts through the environment, never pasted into them.
        assert!(
            !script.contains("${{"),
            "{}: an expression inside the script",
            step["name"]
        );
    }
    let run = steps[1]["run"].as_str().expect("the run step");
    assert!(
        run.contains("sortie run $SORTIE_PATHS --junit \"$SORTIE_JUNIT\" $SORTIE_ARGS"),
        "{run}"
    );
    assert!(
        steps[0]["run"].as_str().expect("install").contains(".sha256"),
        "checksums are checked"
    );
}

#[test]
fn the_dockerfile_builds_only_sortie_static_on_musl_into_scratch() {
    let dockerfile = read("Dockerfile");
    for line in [
        "FROM rust:1.95-alpine AS build",
        "cargo build --release --locked -p sortie --bin sortie",
        "FROM scratch",
        "ENTRYPOINT [\"/usr/local/bin/sortie\"]",
    ] {
        assert!(dockerfile.contains(line), "Dockerfile lacks `{line}`");
    }
    assert!(read(".dockerignore").lines().any(|l| l == "target/"));
}
