//! Report files: the one reporter that writes a document of the finished run
//! (JUnit, JSON, HTML), and atomic writes, so that a reader sees the old file
//! or the new one, never half of one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::Reporter;
use crate::event::Event;
use crate::outcome::RunOutcome;

/// A document made from a whole run.
pub(crate) type Render = fn(&RunOutcome) -> io::Result<Vec<u8>>;

/// A report file a flag asks for: the path as given, and the file to write (the
/// target of a symlink; checked before the run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportFile {
    /// `--junit`, `--report-json`, `--report-html`, `--report-tap`, `--curl`.
    pub flag: &'static str,
    pub given: PathBuf,
    pub target: PathBuf,
}

impl ReportFile {
    /// A report written where it is given, unchecked: for tests, and for the reports
    /// a dry run names but does not write.
    pub(crate) fn at(flag: &'static str, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        ReportFile {
            flag,
            given: path.clone(),
            target: path,
        }
    }

    /// True for `-`: the report goes to standard output.
    pub(crate) fn is_stdout(&self) -> bool {
        self.given.as_os_str() == "-"
    }

    /// Writes `bytes` to the target atomically (or to standard output for `-`, where a
    /// reader that went away ends nothing); an error names the flag and the path as
    /// given, never the temporary file.
    pub(crate) fn write(&self, bytes: &[u8]) -> io::Result<()> {
        if self.is_stdout() {
            let mut out = io::stdout().lock();
            return match out.write_all(bytes).and_then(|()| out.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(io::Error::new(
                    e.kind(),
                    format!(
                        "cannot write {} to standard output: {}",
                        self.flag,
                        crate::files::io_reason(&e)
                    ),
                )),
                _ => Ok(()),
            };
        }
        write_atomic(&self.target, bytes).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot write {} `{}`: {}",
                    self.flag,
                    self.given.display(),
                    crate::files::io_reason(os_error(&e).unwrap_or(&e))
                ),
            )
        })
    }
}

/// The OS error under one that `tempfile` wrapped with the temporary file's name.
fn os_error(e: &io::Error) -> Option<&io::Error> {
    e.get_ref()?.source()?.downcast_ref::<io::Error>()
}

/// Writes one report file, rendered from the finished run, on `RunFinished`.
pub(crate) struct FileReporter {
    file: ReportFile,
    render: Render,
}

impl FileReporter {
    /// A reporter that will write `render`'s document to `file` (atomically).
    pub(crate) fn new(file: ReportFile, render: Render) -> Self {
        FileReporter { file, render }
    }
}

impl Reporter for FileReporter {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::RunFinished(run) => self.file.write(&(self.render)(run)?),
            _ => Ok(()),
        }
    }
}

/// Write `bytes` to `path` atomically, creating its parent folder if missing.
///
/// The bytes go to a temporary file in the same folder (so the rename stays on
/// one file system), which is then renamed over `path`. An interrupted run or a
/// full disk leaves the previous report untouched, and a CI step that reads the
/// file while Sortie writes it never sees a truncated document.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let staged = stage(path, bytes)?;
    staged.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Everything but the rename: the new content, complete and synced, beside `path`.
fn stage(path: &Path, bytes: &[u8]) -> io::Result<NamedTempFile> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)?;
    let mut file = NamedTempFile::new_in(parent)?;
    file.write_all(bytes)?;
    file.flush()?;
    keep_permissions(path, &file)?;
    file.as_file().sync_all()?;
    Ok(file)
}

/// A temporary file is created private (0600); a report is not a secret, so
/// keep the permissions of the file being replaced, or use the usual 0644.
#[cfg(unix)]
fn keep_permissions(path: &Path, file: &NamedTempFile) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let permissions = match fs::metadata(path) {
        Ok(metadata) => metadata.permissions(),
        Err(_) => fs::Permissions::from_mode(0o644),
    };
    file.as_file().set_permissions(permissions)
}

#[cfg(not(unix))]
fn keep_permissions(_path: &Path, _file: &NamedTempFile) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn old_file_stays_intact_until_the_rename() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("junit.xml");
        fs::write(&path, "old report").expect("write old");

        let staged = stage(&path, b"new report").expect("stage");
        assert_eq!(fs::read_to_string(&path).expect("read"), "old report");
        assert_eq!(fs::read_to_string(staged.path()).expect("read staged"), "new report");
        assert_eq!(staged.path().parent(), Some(dir.path()));

        staged.persist(&path).expect("persist");
        assert_eq!(fs::read_to_string(&path).expect("read"), "new report");
        assert_eq!(entries(dir.path()), ["junit.xml"]);
    }

    #[test]
    fn creates_the_parent_folder_and_replaces_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reports/ci/junit.xml");
        write_atomic(&path, b"first").expect("first write");
        write_atomic(&path, b"second").expect("second write");
        assert_eq!(fs::read_to_string(&path).expect("read"), "second");
        assert_eq!(entries(&dir.path().join("reports/ci")), ["junit.xml"]);
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("taken");
        fs::create_dir(&path).expect("a folder where the file should go");
        assert!(write_atomic(&path, b"report").is_err());
        assert_eq!(entries(dir.path()), ["taken"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_report_is_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("junit.xml");
        write_atomic(&path, b"report").expect("write");
        let mode = fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }
}
