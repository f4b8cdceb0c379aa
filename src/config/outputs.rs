//! Report paths, checked before anything is sent: each names a regular file (or
//! none yet) that can be written, no two name the same file, and none names a
//! file the run reads. A symlink is written through, to its target.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::files::io_reason;
use crate::report::write::ReportFile;

/// Checks each `(flag, path)` and returns where each report will be written.
/// `inputs` are the files the run reads (as given; compared once resolved).
pub(super) fn check(
    asked: &[(&'static str, Option<&PathBuf>)],
    inputs: &[(String, &Path)],
) -> Result<Vec<Option<ReportFile>>, Diagnostic> {
    let inputs: Vec<(&str, PathBuf)> = inputs
        .iter()
        .filter_map(|(what, p)| Some((what.as_str(), p.canonicalize().ok()?)))
        .collect();
    let mut out: Vec<Option<ReportFile>> = Vec::with_capacity(asked.len());
    for &(flag, path) in asked {
        let Some(given) = path else {
            out.push(None);
            continue;
        };
        let refuse = |reason: String| Diagnostic::new(format!("cannot write {flag} `{}`: {reason}", given.display()));
        let target = target(given).map_err(refuse)?;
        if let Some(other) = out.iter().flatten().find(|r| r.target == target) {
            return Err(Diagnostic::new(format!(
                "{} and {flag} name the same file `{}`",
                other.flag,
                given.display()
            ))
            .with_help("give each report its own file: one would overwrite the other"));
        }
        if let Some((what, _)) = inputs.iter().find(|(_, p)| *p == target) {
            return Err(
                Diagnostic::new(format!("{flag} `{}` is {what}, which the run reads", given.display()))
                    .with_help("a report would overwrite it: choose another path"),
            );
        }
        writable(&target).map_err(refuse)?;
        out.push(Some(ReportFile {
            flag,
            given: given.clone(),
            target,
        }));
    }
    Ok(out)
}

/// The file a report at `path` replaces: the path itself, or the target of a symlink.
/// The file must be a regular file or not exist yet; missing folders are created.
fn target(path: &Path) -> Result<PathBuf, String> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = path
                .canonicalize()
                .map_err(|_| "it is a symlink to a missing file or folder".to_owned())?;
            match std::fs::metadata(&target) {
                Ok(m) if m.is_file() => Ok(target),
                Ok(m) if m.is_dir() => Err("it is a symlink to a folder".into()),
                Ok(_) => Err("it is a symlink to something that is not a regular file".into()),
                Err(e) => Err(io_reason(&e)),
            }
        }
        Ok(meta) if meta.is_file() => path.canonicalize().map_err(|e| io_reason(&e)),
        Ok(meta) if meta.is_dir() => Err("it is a folder".into()),
        Ok(_) => Err("it is not a regular file (a FIFO, a device or a socket)".into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = path.file_name().ok_or_else(|| "it names no file".to_owned())?;
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            std::fs::create_dir_all(parent).map_err(|e| io_reason(&e))?;
            let parent = parent.canonicalize().map_err(|e| io_reason(&e))?;
            Ok(parent.join(name))
        }
        Err(e) => Err(io_reason(&e)),
    }
}

/// A report is written to a temporary file beside its target, then renamed: try that now.
fn writable(target: &Path) -> Result<(), String> {
    let parent = target.parent().unwrap_or(Path::new("."));
    tempfile::NamedTempFile::new_in(parent)
        .map(drop)
        .map_err(|e| io_reason(&e.kind().into()))
}
