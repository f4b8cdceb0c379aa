//! Report paths are checked before anything is sent: a report never replaces a
//! device, a FIFO, an input of the run or another report, and writes through a
//! symlink. A report that cannot be written after the run names its flag and
//! path, and the run's requests were sent: exit 1, never 2.

use std::path::Path;

use crate::support::{Project, TestServer, junit};

fn collection(p: &Project, url: &str) {
    p.file(
        "c.yaml",
        &format!("base_url: {url}\nsteps:\n  - name: one\n    request: {{ url: /one }}\n"),
    );
}

#[test]
fn a_report_path_that_is_not_a_regular_file_is_refused_before_sending() {
    let server = TestServer::ok();
    let p = Project::new();
    collection(&p, &server.url());
    let status = std::process::Command::new("mkfifo")
        .arg(p.path("pipe"))
        .status()
        .expect("mkfifo");
    assert!(status.success());
    std::fs::create_dir(p.path("folder")).expect("mkdir");
    p.sortie(&["run", "c.yaml", "--junit", "pipe"])
        .expect_code(2)
        .stderr_has("cannot write --junit `pipe`: it is not a regular file (a FIFO, a device or a socket)");
    p.sortie(&["run", "c.yaml", "--report-html", "folder"])
        .expect_code(2)
        .stderr_has("cannot write --report-html `folder`: it is a folder");
    // A folder that cannot be made (its parent is a file): said before sending, with the flag.
    p.sortie(&["run", "c.yaml", "--report-json", "c.yaml/report.json"])
        .expect_code(2)
        .stderr_has("cannot write --report-json `c.yaml/report.json`:");
    assert!(
        p.path("pipe").exists() && !p.path("pipe").is_file(),
        "the FIFO is left alone"
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_report_path_that_is_an_input_or_another_report_is_refused_before_sending() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!("base_url: {}\nsteps:\n  - include: _inc.yaml\n", server.url()),
    );
    p.file("_inc.yaml", "steps:\n  - name: one\n    request: { url: /one }\n");
    p.file("vars.yaml", "a: 1\n");
    let collection = p.read("c.yaml");
    p.sortie(&["run", "c.yaml", "--report-json", "c.yaml"])
        .expect_code(2)
        .stderr_has("--report-json `c.yaml` is the collection `c.yaml`, which the run reads");
    p.sortie(&["run", "c.yaml", "--junit", "./sub/../_inc.yaml"])
        .expect_code(2)
        .stderr_has("--junit `./sub/../_inc.yaml` is `_inc.yaml`, which the run reads");
    p.sortie(&["run", "c.yaml", "--vars-file", "vars.yaml", "--curl", "vars.yaml"])
        .expect_code(2)
        .stderr_has("--curl `vars.yaml` is the --vars-file file, which the run reads");
    p.sortie(&["run", "c.yaml", "--junit", "out.xml", "--report-json", "./out.xml"])
        .expect_code(2)
        .stderr_has("--junit and --report-json name the same file `./out.xml`");
    assert_eq!(p.read("c.yaml"), collection);
    assert_eq!(
        p.read("_inc.yaml"),
        "steps:\n  - name: one\n    request: { url: /one }\n"
    );
    assert!(!p.path("out.xml").exists());
    assert_eq!(server.hits(), 0);
}

#[cfg(unix)]
#[test]
fn a_report_path_that_is_a_symlink_is_written_through_to_its_target() {
    let server = TestServer::ok();
    let p = Project::new();
    collection(&p, &server.url());
    std::fs::create_dir(p.path("reports")).expect("mkdir");
    p.file("reports/junit.xml", "old");
    std::os::unix::fs::symlink("reports/junit.xml", p.path("link.xml")).expect("symlink");
    p.sortie(&["run", "c.yaml", "--junit", "link.xml"]).expect_code(0);
    let link = std::fs::symlink_metadata(p.path("link.xml")).expect("link");
    assert!(link.file_type().is_symlink(), "the symlink is kept");
    assert_eq!(junit(&p.path("reports/junit.xml")).tests, 1);
    // A symlink to nothing is refused before sending.
    std::os::unix::fs::symlink("missing/x.xml", p.path("dangling.xml")).expect("symlink");
    p.sortie(&["run", "c.yaml", "--junit", "dangling.xml"])
        .expect_code(2)
        .stderr_has("cannot write --junit `dangling.xml`: it is a symlink to a missing file or folder");
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_report_that_cannot_be_written_after_the_run_names_the_flag_and_fails_the_run() {
    // The step's server replaces the report's folder with a file while the run goes on.
    let p = Project::new();
    let dir = p.path("out");
    let app = axum::Router::new().fallback(move || {
        let dir = dir.clone();
        async move {
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::write(&dir, "now a file").expect("write");
            "ok"
        }
    });
    let server = TestServer::start(app);
    collection(&p, &server.url());
    let run = p.sortie(&["run", "c.yaml", "--junit", "out/junit.xml"]);
    run.expect_code(1)
        .stdout_has("✓ one")
        .stderr_has("error: cannot write --junit `out/junit.xml`: ")
        .stderr_lacks(".tmp");
    assert_eq!(server.hits(), 1);
}

#[test]
fn a_closed_standard_output_ends_nothing() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: many\n    for_each: \"{{{{ range(200) }}}}\"\n    request: {{ url: /one }}\n",
            server.url()
        ),
    );
    let mut child = crate::support::sortie_command(p.dir.path())
        .args(["run", "c.yaml", "--junit", "junit.xml"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sortie starts");
    // As `sortie run … | head -0`: the reader is gone before the first line.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(junit(&p.path("junit.xml")).tests, 200);
    assert_eq!(server.hits(), 200);
}

#[test]
fn rerun_failed_holds_the_listed_paths_to_the_file_root() {
    let p = Project::new();
    std::fs::create_dir(p.path("work")).expect("mkdir");
    p.file(
        "work/last.json",
        r#"{"version": 1, "collections": [{"file": "../../../../../../../etc/passwd", "steps": [{"status": "failed"}]}]}"#,
    );
    let run = crate::support::run_to_end(
        crate::support::sortie_command(&p.path("work")),
        &["run", "--rerun-failed", "last.json"],
    );
    run.expect_code(2)
        .stderr_has("`last.json` lists `../../../../../../../etc/passwd`, which is outside the file root")
        .stderr_lacks("root:");
    assert!(Path::new("/etc/passwd").exists());
}
