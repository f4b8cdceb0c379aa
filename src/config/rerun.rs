//! `--rerun-failed REPORT`: the collections that had a failed or errored step
//! in a JSON report (`--report-json`), or a step that a stop left not run,
//! read back with only the fields it needs.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::Diagnostic;

/// The JSON report version this reader understands (the writer's `report::json::VERSION`),
/// and the oldest it still reads: the fields it needs are the same in all.
const VERSION: u32 = 3;
const OLDEST: u32 = 1;

/// A step's status as the report writes it.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Passed,
    Failed,
    Errored,
    Skipped,
}

#[derive(Deserialize)]
struct Rerun {
    version: u32,
    collections: Vec<RerunCollection>,
}

#[derive(Deserialize)]
struct RerunCollection {
    file: String,
    steps: Vec<RerunStep>,
}

#[derive(Deserialize)]
struct RerunStep {
    status: Status,
    #[serde(default)]
    message: Option<String>,
}

impl RerunStep {
    /// Failed, errored, or never run because `--fail-fast` or Ctrl-C stopped the run.
    fn to_rerun(&self) -> bool {
        match self.status {
            Status::Failed | Status::Errored => true,
            Status::Skipped => self.message.as_deref().is_some_and(|m| m.starts_with(NOT_RUN)),
            Status::Passed => false,
        }
    }
}

/// How the report words a step that a stopped run never started.
const NOT_RUN: &str = "not run: ";

/// The collections with a failed or errored step in a JSON report, in report
/// order. With `given` paths, each must be among the collections they hold
/// (a file, or a file inside a folder); the paths are returned as discovered
/// there. Empty when nothing failed.
/// Every path must lie inside `file_root`, as every file a collection reads: a
/// report is input too, and may have been written elsewhere or edited.
pub(super) fn rerun_paths(report: &Path, given: &[PathBuf], file_root: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let text = crate::files::read_text(report, "--rerun-failed report")?;
    let parsed: Rerun = serde_json::from_str(&text).map_err(|e| {
        Diagnostic::new(format!("`{}` is not a sortie JSON report: {e}", report.display()))
            .with_help("pass a file written by `sortie run --report-json FILE`")
    })?;
    if !(OLDEST..=VERSION).contains(&parsed.version) {
        return Err(Diagnostic::new(format!(
            "`{}` is a version {} report; this sortie reads versions {OLDEST} to {VERSION}",
            report.display(),
            parsed.version
        )));
    }
    let mut failed: Vec<PathBuf> = Vec::new();
    for c in parsed.collections {
        let bad = c.steps.iter().any(RerunStep::to_rerun);
        let path = PathBuf::from(c.file);
        if bad {
            inside_root(report, &path, file_root)?;
        }
        if bad && !failed.contains(&path) {
            failed.push(path);
        }
    }
    if given.is_empty() || failed.is_empty() {
        return Ok(failed);
    }
    let found = crate::files::discover(given)?;
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let found: Vec<(PathBuf, PathBuf)> = found.into_iter().map(|p| (canonical(&p), p)).collect();
    failed
        .iter()
        .map(|want| {
            let key = canonical(want);
            found
                .iter()
                .find(|(c, _)| *c == key)
                .map(|(_, p)| p.clone())
                .ok_or_else(|| {
                    Diagnostic::new(format!(
                        "`{}` failed in `{}` but is not among the given paths",
                        want.display(),
                        report.display()
                    ))
                    .with_help("give paths that hold it, or no path to rerun every failed collection")
                })
        })
        .collect()
}

/// A path listed in `report` must resolve inside the file root (a missing file is left to the
/// loader to report).
fn inside_root(report: &Path, path: &Path, file_root: &Path) -> Result<(), Diagnostic> {
    let root = file_root.canonicalize().unwrap_or_else(|_| file_root.to_path_buf());
    let cwd = std::env::current_dir().unwrap_or_default();
    match crate::files::resolve_in(&root, &cwd, &path.to_string_lossy()) {
        Err(crate::files::PathError::Outside) => Err(Diagnostic::new(format!(
            "`{}` lists `{}`, which is outside the file root",
            report.display(),
            path.display()
        ))
        .with_help(format!(
            "--rerun-failed runs collections inside the file root only, here `{}`; --file-root widens it",
            root.display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome;
    use crate::report::fixtures;
    use crate::report::json::from_run;
    use fixtures::run;

    #[test]
    fn reads_the_version_the_json_report_writes() {
        assert_eq!(VERSION, crate::report::json::VERSION);
    }

    #[test]
    fn rerun_takes_the_collections_that_failed_or_errored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut run = run();
        let mut errored_only = fixtures::collection("Users", "collections/users.yaml", vec![fixtures::errored()]);
        errored_only.steps[0].phase = outcome::Phase::Teardown;
        run.collections.push(errored_only);
        let path = dir.path().join("report.json");
        std::fs::write(&path, serde_json::to_string(&from_run(&run)).expect("serializes")).expect("write");
        let paths = rerun_paths(&path, &[], Path::new("/")).expect("reads");
        assert_eq!(
            paths,
            [
                PathBuf::from("collections/pets.yaml"),
                PathBuf::from("collections/users.yaml")
            ]
        );
    }

    #[test]
    fn rerun_takes_the_collections_a_stop_left_not_run_and_no_other_skip() {
        let dir = tempfile::tempdir().expect("temp dir");
        let stop = crate::exec::Stop::default();
        let mut run = fixtures::run();
        run.collections.clear();
        let mut interrupted = fixtures::skipped();
        interrupted.message = Some(stop.not_run());
        stop.fail_fast("'Log in' failed".to_owned());
        let mut after_fail_fast = fixtures::skipped();
        after_fail_fast.message = Some(stop.not_run());
        run.collections
            .push(fixtures::collection("A", "a.yaml", vec![interrupted]));
        run.collections
            .push(fixtures::collection("B", "b.yaml", vec![after_fail_fast]));
        run.collections
            .push(fixtures::collection("C", "c.yaml", vec![fixtures::skipped()]));
        let path = dir.path().join("report.json");
        std::fs::write(&path, serde_json::to_string(&from_run(&run)).expect("serializes")).expect("write");
        let paths = rerun_paths(&path, &[], Path::new("/")).expect("reads");
        assert_eq!(paths, [PathBuf::from("a.yaml"), PathBuf::from("b.yaml")]);
    }

    #[test]
    fn rerun_checks_the_version_and_the_given_paths() {
        let dir = tempfile::tempdir().expect("temp dir");
        let report = dir.path().join("report.json");
        let mut value = serde_json::to_value(from_run(&run())).expect("serializes");
        value["version"] = 7.into();
        std::fs::write(&report, value.to_string()).expect("write");
        let error = rerun_paths(&report, &[], Path::new("/")).expect_err("version 7");
        assert!(error.message.contains("version 7"), "{}", error.message);

        std::fs::write(&report, "{\"not\": \"a report\"}").expect("write");
        assert!(rerun_paths(&report, &[], Path::new("/")).is_err());
        assert!(rerun_paths(&dir.path().join("missing.json"), &[], Path::new("/")).is_err());

        // A failed collection outside the given paths is an error.
        let folder = dir.path().join("other");
        std::fs::create_dir(&folder).expect("mkdir");
        std::fs::write(folder.join("a.yaml"), "steps: []").expect("write");
        std::fs::write(&report, serde_json::to_string(&from_run(&run())).expect("serializes")).expect("write");
        let error = rerun_paths(&report, &[folder], Path::new("/")).expect_err("not among the paths");
        assert!(error.message.contains("collections/pets.yaml"), "{}", error.message);
    }
}
