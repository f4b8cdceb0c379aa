//! `expect.snapshot` → where the snapshot lives: `__snapshots__/<file stem>/<slug>`
//! next to the collection, named after the step's `id`, else its name; two steps may
//! not share one, and none may lie outside the file root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::load::compile::Compiler;
use crate::load::read::Errors;
use crate::model::{Snapshot, Step};
use crate::plan::SnapshotPlan;
use crate::source::{Sources, Span, Spanned};

/// The folder, next to a collection, that holds its snapshots.
pub(crate) const FOLDER: &str = "__snapshots__";

/// Compiles a step's `snapshot`; `collection` is the canonical path of the
/// collection file being planned, `taken` the snapshots named so far in it.
pub(crate) fn plan(
    c: &Compiler<'_>,
    errs: &mut Errors,
    sources: &Sources,
    collection: &Path,
    step: &Step,
    snapshot: &Spanned<Snapshot>,
    taken: &mut HashMap<PathBuf, Span>,
) -> Option<SnapshotPlan> {
    let (ignore, headers) = match &snapshot.value {
        Snapshot::Enabled(false) => return None,
        Snapshot::Enabled(true) => (Vec::new(), Vec::new()),
        Snapshot::Options(o) => (
            o.ignore.clone().unwrap_or_default(),
            o.headers.clone().unwrap_or_default(),
        ),
    };
    let ignore = ignore
        .iter()
        .filter_map(|p| match c.jsonpath(&p.value) {
            Ok(path) => Some(path),
            Err(msg) => {
                errs.push(Diagnostic::at(msg, p.span));
                None
            }
        })
        .collect();
    let written = match (&step.id, &step.name, &step.request) {
        (Some(id), _, _) => id.value.clone(),
        (None, Some(name), _) => name.value.clone(),
        (None, None, Some(r)) => {
            let method = r.method.as_ref().map_or("GET", |m| m.value.as_str());
            format!("{method} {}", r.url.value)
        }
        (None, None, None) => String::new(),
    };
    let dir = collection.parent().unwrap_or(Path::new("."));
    let stem = collection
        .file_stem()
        .map_or_else(|| "collection".to_owned(), |s| s.to_string_lossy().into_owned());
    let base = dir.join(FOLDER).join(&stem).join(slug(&written));
    if !base.starts_with(&c.file_root) {
        errs.push(
            Diagnostic::at("this snapshot would be written outside the file root", snapshot.span).with_help(format!(
                "snapshots live next to the collection, in `{FOLDER}/`; run from a folder that contains it, \
                 or widen the root with --file-root"
            )),
        );
        return None;
    }
    if let Some(first) = taken.get(&base) {
        errs.push(
            Diagnostic::at(
                format!(
                    "two steps would share the snapshot `{FOLDER}/{stem}/{}`",
                    slug(&written)
                ),
                snapshot.span,
            )
            .with_help(format!(
                "the step at {} has the same name: give one of them an `id`",
                sources.location(*first)
            )),
        );
        return None;
    }
    taken.insert(base.clone(), snapshot.span);
    Some(SnapshotPlan {
        base,
        root: Arc::from(c.file_root.as_path()),
        ignore,
        headers: headers.into_iter().map(|h| h.value).collect(),
        span: snapshot.span,
    })
}

/// A step's name as a file name: lowercase ASCII letters and digits, other runs
/// of characters as one `-` (`GET /users/{{ id }}` → `get-users-id`).
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() || ch == '_' {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 80 {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "step".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_plain_file_names() {
        assert_eq!(slug("GET /users/{{ id }}"), "get-users-id");
        assert_eq!(slug("Log in"), "log-in");
        assert_eq!(slug("list_pets"), "list_pets");
        assert_eq!(slug("Größe ändern"), "gr-e-ndern");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("***"), "step");
        assert_eq!(slug(&"a".repeat(200)).len(), 80);
    }
}
