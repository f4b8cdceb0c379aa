//! A collection's secrets as its run learns them: the names whose values are
//! secret, and the redactor that grows as credentials, secret captures and
//! cookies become known. Shared by every concurrent unit of the collection.

use std::sync::{Mutex, MutexGuard, PoisonError};

use minijinja::Value;

use crate::redact::Redactor;

pub(super) struct Secrets<'a> {
    /// `--secret` names, the collection's `secrets:`, and names a credential reads.
    names: Vec<&'a str>,
    redactor: Mutex<Redactor>,
}

impl<'a> Secrets<'a> {
    pub(super) fn new(names: Vec<&'a str>, redactor: Redactor) -> Self {
        Secrets {
            names,
            redactor: Mutex::new(redactor),
        }
    }

    /// True when a variable of this name holds a secret.
    pub(super) fn named(&self, name: &str) -> bool {
        self.names.contains(&name)
    }

    /// Masks `value` from now on.
    pub(super) fn add(&self, value: &str) {
        self.lock().add(value);
    }

    /// Masks a variable's value from now on (its text, or each string inside it).
    pub(super) fn add_value(&self, value: &Value) {
        add_value(&mut self.lock(), value);
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Redactor> {
        self.redactor.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Adds a variable's value (its text, or each string inside it) as a secret.
pub(super) fn add_value(redactor: &mut Redactor, v: &Value) {
    if let Some(s) = v.as_str() {
        redactor.add(s);
    } else if let Ok(json) = crate::render::to_json(v) {
        match json {
            serde_json::Value::String(s) => redactor.add(&s),
            serde_json::Value::Null => {}
            serde_json::Value::Number(n) => redactor.add(&n.to_string()),
            other => redactor.add(&other.to_string()),
        }
    }
}
