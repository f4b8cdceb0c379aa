//! Files and paths: finding collection files, reading a file named on the
//! command line, and the one rule for every file a collection reads (it must
//! resolve inside the file root). A leaf: the loader, the template functions,
//! the session's bodies and the config all use it.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Finds the collection files named by `paths`: files as given, folders
/// searched recursively for `*.yaml` / `*.yml` (sorted; names starting with
/// `_` or `.` are skipped, so fragments for `include` can live in `_shared/`).
pub(crate) fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| Diagnostic::new(format!("cannot read `{}`: {}", path.display(), io_reason(&e))))?;
        if meta.is_dir() {
            let mut in_dir = Vec::new();
            walk(path, &mut in_dir)
                .map_err(|e| Diagnostic::new(format!("cannot read folder `{}`: {e}", path.display())))?;
            in_dir.sort();
            found.extend(in_dir);
        } else {
            found.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())));
    Ok(found)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// `No such file or directory (os error 2)` → `no such file or directory`.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        // What `read_to_string` says of a file that is not UTF-8.
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// The largest file Sortie reads into memory: a collection, an include, a schema, a file a
/// template reads, a vars, env or report file, a certificate. (A `body_file` is streamed.)
pub(crate) const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Reads a whole file, as `std::fs::read` does, but only a regular file of at most
/// [`MAX_FILE`] bytes: a FIFO would block the run until something writes to it, and
/// `/dev/zero` would fill the memory. The error is one [`io_reason`] can word.
pub(crate) fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading waits for a writer: open without waiting, then refuse it.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "it is not a regular file (a FIFO, a device or a socket)",
        ));
    }
    let too_large = || {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "it is larger than {} MiB, the most Sortie reads from one file",
                MAX_FILE >> 20
            ),
        )
    };
    if meta.len() > MAX_FILE {
        return Err(too_large());
    }
    // The file may grow while it is read: read one byte past the limit to know.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_large());
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text; a file that is not UTF-8 is `InvalidData`, as with `std::fs::read_to_string`.
pub(crate) fn read_to_string(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

/// Reads a text file named on the command line; the error says which option named it.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String, Diagnostic> {
    read_to_string(path)
        .map_err(|e| Diagnostic::new(format!("cannot read {what} `{}`: {}", path.display(), io_reason(&e))))
}

/// A path as a person reads it: relative to the current directory when inside it.
pub(crate) fn display_path(p: &Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| d.canonicalize().ok());
    match cwd.as_ref().and_then(|cwd| p.strip_prefix(cwd).ok()) {
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

/// Why a path named in a collection or a template cannot be read.
pub(crate) enum PathError {
    /// It leaves the file root, as written or once symlinks are followed.
    Outside,
    /// It names no readable file; the path as joined to its folder.
    Io(std::io::Error, PathBuf),
    Folder,
}

/// Resolves `path` against `dir`, following symlinks, and checks it is a file inside
/// `root`: the one rule for every file a collection reads, at load or in a template.
pub(crate) fn resolve_in(root: &Path, dir: &Path, path: &str) -> Result<PathBuf, PathError> {
    let joined = lexical(&dir.join(path));
    // Checked on the written path first, so a path that leaves the root is
    // refused whether or not the file exists (and says nothing about what is there).
    if !joined.starts_with(root) {
        return Err(PathError::Outside);
    }
    let canonical = std::fs::canonicalize(&joined).map_err(|e| PathError::Io(e, joined))?;
    if !canonical.starts_with(root) {
        return Err(PathError::Outside);
    }
    if canonical.is_dir() {
        return Err(PathError::Folder);
    }
    Ok(canonical)
}

/// [`resolve_in`] with the loader's wording. The error has no span yet: the caller
/// knows where the path was written.
pub(crate) fn resolve(root: &Path, dir: &Path, path: &str) -> Result<PathBuf, Diagnostic> {
    resolve_in(root, dir, path).map_err(|e| match e {
        PathError::Outside => Diagnostic::new(format!("`{path}` is outside the file root")).with_help(format!(
            "a collection reads files inside the file root only, here {}; --file-root widens it",
            describe_root(root)
        )),
        PathError::Io(e, joined) => {
            let shown = display_path(&joined);
            let d = Diagnostic::new(match e.kind() {
                std::io::ErrorKind::NotFound => format!("file not found: `{path}`"),
                _ => format!("cannot read `{path}`: {}", io_reason(&e)),
            });
            // Inside an included file, say where the path was looked for.
            if shown == path {
                d
            } else {
                d.with_help(format!(
                    "a relative path starts from the folder of the file that names it: looked for `{shown}`"
                ))
            }
        }
        PathError::Folder => Diagnostic::new(format!("`{path}` is a folder, not a file")),
    })
}

/// The file root as a person reads it.
fn describe_root(root: &Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|d| d.canonicalize().ok());
    if cwd.as_deref() == Some(root) {
        "the current folder".into()
    } else {
        format!("`{}`", root.display())
    }
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
