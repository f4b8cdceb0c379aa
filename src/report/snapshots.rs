//! The snapshot writer: persists what the executor decided for each step's
//! snapshot (propose `.json.new`, accept it, or tidy a stale one), inside the
//! file root only, and says at the end what it wrote.

use std::io;
use std::path::{Path, PathBuf};

use super::Reporter;
use super::write::write_atomic;
use crate::event::Event;
use crate::files::{display_path, io_reason};
use crate::outcome::{SnapshotAction, SnapshotWrite};

/// Writes snapshot files as step outcomes arrive, in declaration order.
#[derive(Default)]
pub(crate) struct SnapshotWriter {
    proposed: usize,
    accepted: usize,
}

impl Reporter for SnapshotWriter {
    fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::StepFinished { step, .. } => match &step.snapshot {
                Some(write) => self.persist(write),
                None => Ok(()),
            },
            Event::RunFinished(_) => {
                if self.accepted > 0 {
                    eprintln!("snapshots: {} written", self.accepted);
                }
                if self.proposed > 0 {
                    eprintln!(
                        "snapshots: {} new or changed, written beside them as `.json.new`; \
                         review them, then accept with `sortie run --update-snapshots`",
                        self.proposed
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

impl SnapshotWriter {
    fn persist(&mut self, write: &SnapshotWrite) -> io::Result<()> {
        let new = proposal(&write.path);
        let failed = |e: io::Error, path: &Path| {
            io::Error::new(
                e.kind(),
                format!("cannot write snapshot `{}`: {}", display_path(path), io_reason(&e)),
            )
        };
        match &write.action {
            SnapshotAction::Matched => remove(&new).map_err(|e| failed(e, &new)),
            SnapshotAction::Propose(content) => {
                inside_root(write, &new).map_err(|e| failed(e, &new))?;
                write_atomic(&new, content.as_bytes()).map_err(|e| failed(e, &new))?;
                self.proposed += 1;
                Ok(())
            }
            SnapshotAction::Accept(content) => {
                inside_root(write, &write.path).map_err(|e| failed(e, &write.path))?;
                write_atomic(&write.path, content.as_bytes()).map_err(|e| failed(e, &write.path))?;
                remove(&new).map_err(|e| failed(e, &new))?;
                self.accepted += 1;
                Ok(())
            }
        }
    }
}

/// `x.json` → `x.json.new`.
fn proposal(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Creates the snapshot's folder and checks it lies inside the file root once
/// symlinks are followed (the planner checked the path as written).
fn inside_root(write: &SnapshotWrite, path: &Path) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let outside = || io::Error::other("it resolves outside the file root");
    // Checked before any folder is made, so none is made outside the root either.
    let existing = dir.ancestors().find(|a| a.exists()).unwrap_or(dir);
    if !existing.canonicalize()?.starts_with(&*write.root) {
        return Err(outside());
    }
    std::fs::create_dir_all(dir)?;
    if !dir.canonicalize()?.starts_with(&*write.root) {
        return Err(outside());
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other(
            "it is a symbolic link; snapshots are written as plain files",
        ));
    }
    Ok(())
}

fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
