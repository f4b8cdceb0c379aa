//! Causes that outlive the step they happened in, so that what follows can name them.
//!
//! A capture an earlier step did not make: a later step's "undefined variable" then says which
//! step would have made it and why it did not (filtered out, skipped, failed, errored). A server
//! found unreachable: later requests to it are skipped with that reason rather than each failing
//! with its own "connection refused".

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::plan::{StepKind, StepPlan};
use crate::render::RenderError;
use crate::session::Origin;

/// The step that would have made a capture, and why it did not.
#[derive(Debug, Clone)]
struct Producer {
    /// `step 'Log in' (login.yaml:12)`
    step: String,
    /// What became of it, completing "but …": `it was filtered out by `--filter Who``.
    fate: String,
    /// Set when an unreachable server kept the step from capturing: the reason a step that
    /// needs the capture is skipped with (its cause is reported once, where it happened).
    unreachable: Option<Arc<str>>,
}

/// What one collection's run has learnt so far. Shared by concurrent units.
#[derive(Debug, Default)]
pub(super) struct Causes {
    /// Capture name → the last step that would have made it and did not.
    unmade: Mutex<HashMap<String, Producer>>,
    /// Origins found unreachable, with the reason later requests to them are skipped with.
    down: Mutex<Vec<(Origin, Arc<str>)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Causes {
    /// `name` was not captured by `step` (`step 'Log in' (c.yaml:12)`) because of `fate`.
    pub(super) fn missed(&self, name: &str, step: String, fate: String, unreachable: Option<Arc<str>>) {
        lock(&self.unmade).insert(
            name.to_owned(),
            Producer {
                step,
                fate,
                unreachable,
            },
        );
    }

    /// `name` was captured: no earlier miss explains its absence any more.
    pub(super) fn made(&self, name: &str) {
        let mut unmade = lock(&self.unmade);
        if !unmade.is_empty() {
            unmade.remove(name);
        }
    }

    /// For a variable that is undefined because an earlier step did not capture it: which step
    /// would have, and why it did not.
    pub(super) fn explain(&self, e: &RenderError) -> Option<String> {
        let p = self.producer(e)?;
        Some(format!("{} would capture it, but {}", p.step, p.fate))
    }

    /// For a variable that is undefined because an unreachable server kept its step from
    /// capturing it: the reason a step that needs it is skipped with.
    pub(super) fn unreachable(&self, e: &RenderError) -> Option<Arc<str>> {
        self.producer(e)?.unreachable
    }

    fn producer(&self, e: &RenderError) -> Option<Producer> {
        let RenderError::Undefined { name, .. } = e else {
            return None;
        };
        let unmade = lock(&self.unmade);
        if unmade.is_empty() {
            return None;
        }
        unmade.get(root(name)).cloned()
    }

    /// Why requests to `origin` are not sent any more, when it was found unreachable.
    pub(super) fn down(&self, origin: &Origin) -> Option<Arc<str>> {
        let down = lock(&self.down);
        down.iter().find(|(o, _)| o == origin).map(|(_, why)| why.clone())
    }

    /// `origin` could not be reached: later requests to it are skipped with `why`.
    pub(super) fn set_down(&self, origin: Origin, why: Arc<str>) {
        let mut down = lock(&self.down);
        if !down.iter().any(|(o, _)| *o == origin) {
            down.push((origin, why));
        }
    }

    /// Teardown tries every server again: it may be back, and clean-up matters.
    pub(super) fn forget_down(&self) {
        lock(&self.down).clear();
    }
}

/// The variable an undefined name belongs to: `user` for `user.id` and `user["id"]`.
fn root(name: &str) -> &str {
    name.split(['.', '[']).next().unwrap_or(name).trim()
}

/// `host:port` of an origin, as messages name it.
pub(super) fn authority(origin: &Origin) -> String {
    let (_, host, port) = origin;
    match port {
        Some(port) => format!("{}:{port}", host.as_deref().unwrap_or("?")),
        None => host.clone().unwrap_or_default(),
    }
}

/// Every capture made by `step` or the steps inside it: `f` gets the name, the request step
/// that captures it and that step's display name. `name` is `step`'s display name and
/// `prefix` the names of the groups around it (`group / `).
pub(super) fn captures<'s>(
    step: &'s StepPlan,
    name: &str,
    prefix: &str,
    f: &mut dyn FnMut(&'s str, &'s StepPlan, &str),
) {
    match &step.kind {
        StepKind::Request(r) => {
            for x in &r.extract {
                f(&x.name, step, name);
            }
        }
        StepKind::Group(g) => {
            let inner = format!("{name} / ");
            for s in &g.steps {
                captures(s, &format!("{inner}{}", s.name.template.source()), &inner, f);
            }
        }
        StepKind::Include(i) => {
            for s in &i.steps {
                captures(s, &format!("{prefix}{}", s.name.template.source()), prefix, f);
            }
        }
    }
}

/// True when `step` or a step inside it captures something.
pub(super) fn has_captures(step: &StepPlan) -> bool {
    match &step.kind {
        StepKind::Request(r) => !r.extract.is_empty(),
        StepKind::Group(g) => g.steps.iter().any(has_captures),
        StepKind::Include(i) => i.steps.iter().any(has_captures),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undefined_field_belongs_to_its_variable() {
        assert_eq!(root("user.id"), "user");
        assert_eq!(root("user[\"id\"]"), "user");
        assert_eq!(root("token"), "token");
    }

    #[test]
    fn a_capture_made_later_clears_the_explanation() {
        let causes = Causes::default();
        let undefined = RenderError::Undefined {
            name: "token".into(),
            suggestion: None,
        };
        assert_eq!(causes.explain(&undefined), None);
        causes.missed("token", "step 'Log in' (c.yaml:3)".into(), "it failed".into(), None);
        assert_eq!(
            causes.explain(&undefined).as_deref(),
            Some("step 'Log in' (c.yaml:3) would capture it, but it failed")
        );
        assert_eq!(causes.unreachable(&undefined), None);
        causes.made("token");
        assert_eq!(causes.explain(&undefined), None);
    }

    #[test]
    fn an_origin_is_down_until_teardown() {
        let causes = Causes::default();
        let origin: Origin = ("http".into(), Some("127.0.0.1".into()), Some(8080));
        assert_eq!(authority(&origin), "127.0.0.1:8080");
        assert!(causes.down(&origin).is_none());
        causes.set_down(origin.clone(), "why".into());
        assert_eq!(causes.down(&origin).as_deref(), Some("why"));
        causes.forget_down();
        assert!(causes.down(&origin).is_none());
    }
}
