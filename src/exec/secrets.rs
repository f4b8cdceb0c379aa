//! A collection's secrets as its run learns them: the names whose values are
//! secret, and the redactor that grows as credentials, secret captures and
//! cookies become known. Shared by every concurrent unit of the collection.

use std::sync::{Mutex, MutexGuard, PoisonError};

use minijinja::Value;

use crate::redact::Redactor;
use crate::render::Template;

/// The environment variable a secret name covers: a secret name covers the variable and
/// the environment variable it names (`API_TOKEN`), `env.NAME` the environment variable only.
pub(crate) fn env_name(name: &str) -> &str {
    name.strip_prefix("env.").unwrap_or(name)
}

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

    /// The names whose values are secret.
    pub(super) fn names(&self) -> &[&'a str] {
        &self.names
    }

    /// True when a variable of this name holds a secret.
    pub(super) fn named(&self, name: &str) -> bool {
        self.names.contains(&name)
    }

    /// True when the template reads a secret: what it makes of it (`|b64encode`,
    /// `|upper`, a slice) is a credential too, though no redactor could know its form.
    /// Read from the source: a name mentioned counts, read or not.
    pub(super) fn read_by(&self, t: &Template) -> bool {
        if self.names.iter().any(|n| t.mentions(n)) {
            return true;
        }
        t.mentions("env") && self.names.iter().any(|n| t.source().contains(env_name(n)))
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

/// Adds a variable's value as a secret: its text, or every string and number
/// inside it (a map of credentials read as `{{ creds.password }}`).
pub(super) fn add_value(redactor: &mut Redactor, v: &Value) {
    if let Some(s) = v.as_str() {
        redactor.add(s);
    } else if let Ok(json) = crate::render::to_json(v) {
        add_json(redactor, &json);
    }
}

fn add_json(redactor: &mut Redactor, v: &serde_json::Value) {
    match v {
        serde_json::Value::String(s) => redactor.add(s),
        serde_json::Value::Number(n) => redactor.add(&n.to_string()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| add_json(redactor, i)),
        serde_json::Value::Object(map) => map.values().for_each(|i| add_json(redactor, i)),
        serde_json::Value::Null | serde_json::Value::Bool(_) => {}
    }
}
