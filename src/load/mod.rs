//! Read collection files, parse them with spans, resolve includes and paths,
//! validate, and compile them into a [`Plan`].

pub mod auth;
pub mod checks;
pub mod collection;
pub mod compile;
pub mod expect;
pub mod plan;
pub mod read;
pub mod request;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::plan::Plan;
use crate::render::Renderer;
use crate::source::Sources;

use self::compile::Compiler;
use self::read::Errors;

/// What loading needs besides the paths.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Files read by a collection must resolve inside this folder.
    pub file_root: PathBuf,
    /// `--timeout`: the default total timeout of every request.
    pub timeout: Option<Duration>,
}

/// The outcome of loading: a plan, or every error found.
pub struct Loaded {
    pub plan: Plan,
    pub sources: Sources,
    pub errors: Vec<Diagnostic>,
    /// The number of collection files read.
    pub files: usize,
}

/// Finds the collection files named by `paths`: files as given, folders
/// searched recursively for `*.yaml` / `*.yml` (sorted; names starting with
/// `_` or `.` are skipped, so fragments for `include` can live in `_shared/`).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Diagnostic> {
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
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        // What `read_to_string` says of a file that is not UTF-8.
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

/// Reads a text file named on the command line; the error says which option named it.
pub fn read_text(path: &Path, what: &str) -> Result<String, Diagnostic> {
    std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::new(format!("cannot read {what} `{}`: {}", path.display(), io_reason(&e))))
}

/// Loads, validates and compiles the collections at `files`.
pub fn load(files: &[PathBuf], renderer: &Renderer, options: &LoadOptions) -> Loaded {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let mut plan = Plan::default();
    let file_root = match options.file_root.canonicalize() {
        Ok(root) => root,
        Err(e) => {
            errors.push(Diagnostic::new(format!(
                "the file root `{}` cannot be read: {}",
                options.file_root.display(),
                io_reason(&e)
            )));
            return Loaded {
                plan,
                sources,
                errors,
                files: 0,
            };
        }
    };
    let mut parsed = Vec::new();
    for path in files {
        let display = path.display().to_string();
        let text = match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    errors.push(Diagnostic::new(format!("`{display}` is not UTF-8 text")));
                    continue;
                }
            },
            Err(e) => {
                errors.push(Diagnostic::new(format!("cannot read `{display}`: {}", io_reason(&e))));
                continue;
            }
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        let file = sources.add(display.clone(), canonical, Arc::from(text.as_str()));
        let mut errs = Errors::default();
        match yaml::parse(file, &text) {
            Ok(root) => {
                if let Some(model) = collection::collection(&mut errs, &root) {
                    parsed.push((file, display, model));
                }
            }
            Err(d) => errs.push(d),
        }
        errors.extend(errs.0);
    }
    let compiler = Compiler {
        renderer,
        file_root,
        paths: std::cell::RefCell::default(),
        schemas: std::cell::RefCell::default(),
    };
    let mut planner = plan::Planner::new(compiler, &mut sources, options.timeout);
    for (file, display, model) in &parsed {
        let mut errs = Errors::default();
        let collection = planner.collection(&mut errs, *file, display, model);
        errors.extend(errs.0);
        plan.collections.push(collection);
    }
    // Errors read best in file order, whichever pass found them.
    errors.sort_by_key(|d| d.span.map(|s| (s.file, s.start.line, s.start.col)));
    Loaded {
        plan,
        sources,
        errors,
        files: files.len(),
    }
}
