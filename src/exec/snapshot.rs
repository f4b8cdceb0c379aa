//! `expect.snapshot`: the response, redacted and with its ignored nodes
//! replaced, against the stored snapshot. The comparison happens here; what
//! to write is handed to the snapshot writer (`report/snapshots.rs`) through
//! the step's outcome, so the executor writes no file.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::verify::{Checks, Received, header_value};
use crate::check::diff::diff;
use crate::check::equal::json_equal;
use crate::files::{PathError, display_path, io_reason};
use crate::outcome::{SnapshotAction, SnapshotWrite};
use crate::plan::SnapshotPlan;
use crate::redact::Redactor;

/// What an ignored node is stored as.
pub(crate) const IGNORED: &str = "[ignored]";

/// Compares the response with the snapshot of this loop item (`items`, 1-based,
/// outermost first) and records the result in `checks`.
pub(super) fn check(
    plan: &SnapshotPlan,
    items: &[usize],
    received: &Received,
    update: bool,
    checks: &mut Checks,
) -> SnapshotWrite {
    let path = file(plan, items);
    let shown = display_path(&path);
    let actual = document(plan, received, &checks.redactor);
    let content = format!("{}\n", serde_json::to_string_pretty(&actual).unwrap_or_default());
    let line = plan.span.line();
    let write = |action| SnapshotWrite {
        path: path.clone(),
        root: plan.root.clone(),
        action,
    };
    let stored = match read(plan, &path) {
        Ok(stored) => stored,
        Err(Stored::Missing) if update => {
            checks.pass("snapshot", "equals", &shown, "written (--update-snapshots)", line);
            return write(SnapshotAction::Accept(content));
        }
        Err(Stored::Missing) => {
            let actual =
                format!("no snapshot yet: wrote `{shown}.new`; review it, then accept it with --update-snapshots");
            checks.fail(
                "snapshot",
                "exists",
                &format!("a snapshot at `{shown}`"),
                &actual,
                None,
                line,
            );
            return write(SnapshotAction::Propose(content));
        }
        // A snapshot that is not JSON (a merge conflict, a hand edit) is replaced when accepting.
        Err(Stored::NotJson(_)) if update => {
            checks.pass("snapshot", "equals", &shown, "rewritten (--update-snapshots)", line);
            return write(SnapshotAction::Accept(content));
        }
        Err(Stored::Unreadable(why) | Stored::NotJson(why)) => {
            checks.fail(
                "snapshot",
                "equals",
                &format!("a snapshot at `{shown}`"),
                &why,
                None,
                line,
            );
            return write(SnapshotAction::Matched);
        }
    };
    // Paths ignored since the snapshot was written are ignored in it too.
    let stored = ignore(plan, stored);
    if json_equal(&stored, &actual) {
        checks.pass("snapshot", "equals", &shown, "the same response", line);
        return write(SnapshotAction::Matched);
    }
    if update {
        checks.pass("snapshot", "equals", &shown, "updated (--update-snapshots)", line);
        return write(SnapshotAction::Accept(content));
    }
    let changes = diff(&stored, &actual);
    let expected = format!("the response stored in `{shown}`");
    let actual = format!("a different response: wrote `{shown}.new`; accept it with --update-snapshots");
    checks.fail("snapshot", "equals", &expected, &actual, changes.as_deref(), line);
    write(SnapshotAction::Propose(content))
}

/// `<base>[-<item>...].json`.
fn file(plan: &SnapshotPlan, items: &[usize]) -> PathBuf {
    let mut name = plan
        .base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for i in items {
        name.push('-');
        name.push_str(&i.to_string());
    }
    name.push_str(".json");
    plan.base.with_file_name(name)
}

enum Stored {
    Missing,
    Unreadable(String),
    NotJson(String),
}

/// The stored snapshot; read only inside the file root, symlinks followed.
fn read(plan: &SnapshotPlan, path: &std::path::Path) -> Result<Value, Stored> {
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let resolved = match crate::files::resolve_in(&plan.root, dir, &name) {
        Ok(p) => p,
        Err(PathError::Io(e, _)) if e.kind() == std::io::ErrorKind::NotFound => return Err(Stored::Missing),
        Err(PathError::Io(e, _)) => return Err(Stored::Unreadable(format!("it cannot be read: {}", io_reason(&e)))),
        Err(PathError::Outside) => return Err(Stored::Unreadable("it resolves outside the file root".to_owned())),
        Err(PathError::Folder) => return Err(Stored::Unreadable("it is a folder".to_owned())),
    };
    let text = crate::files::read_to_string(&resolved)
        .map_err(|e| Stored::Unreadable(format!("it cannot be read: {}", io_reason(&e))))?;
    serde_json::from_str(&text).map_err(|e| {
        Stored::NotJson(format!(
            "it is not JSON (line {}, column {}): fix it, or rewrite it with --update-snapshots",
            e.line(),
            e.column()
        ))
    })
}

/// What a snapshot holds: the listed headers, then the body as JSON (`json`)
/// or as text (`text`); secrets masked, ignored nodes replaced.
fn document(plan: &SnapshotPlan, received: &Received, redactor: &Redactor) -> Value {
    let mut doc = Map::new();
    if !plan.headers.is_empty() {
        let headers = plan
            .headers
            .iter()
            .map(|name| {
                let value = match header_value(&received.resp, name) {
                    Some(Value::String(v)) => Value::String(redactor.header(name, &v)),
                    Some(Value::Array(vs)) => Value::Array(
                        vs.iter()
                            .map(|v| Value::String(redactor.header(name, v.as_str().unwrap_or_default())))
                            .collect(),
                    ),
                    _ => Value::Null,
                };
                (name.clone(), value)
            })
            .collect();
        doc.insert("headers".into(), Value::Object(headers));
    }
    match received.json() {
        Ok(body) => {
            doc.insert("json".into(), redact(body, redactor));
        }
        Err(_) => {
            let text = String::from_utf8_lossy(&received.resp.body);
            doc.insert("text".into(), Value::String(redactor.string(&text)));
        }
    }
    ignore(plan, Value::Object(doc))
}

/// The document with every ignored node of its JSON body replaced.
fn ignore(plan: &SnapshotPlan, mut doc: Value) -> Value {
    if let Some(body) = doc.get_mut("json") {
        let ignored = Value::String(IGNORED.to_owned());
        for path in &plan.ignore {
            path.replace_all(body, &ignored);
        }
    }
    doc
}

/// A JSON value with every secret masked, in keys and in strings.
fn redact(value: &Value, redactor: &Redactor) -> Value {
    match value {
        Value::String(s) => Value::String(redactor.string(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| redact(v, redactor)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (redactor.string(k), redact(v, redactor)))
                .collect(),
        ),
        other => other.clone(),
    }
}
