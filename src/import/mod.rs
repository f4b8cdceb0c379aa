//! Importers: curl command lines, HAR files, Postman collections and OpenAPI
//! documents → a draft collection → YAML. A front end: it depends on nothing
//! that runs. Whatever an input holds that the format cannot say is listed
//! (on standard error, and as a comment where it was), never dropped silently.

pub(crate) mod curl;
pub(crate) mod emit;
pub(crate) mod har;
pub(crate) mod openapi;
pub(crate) mod postman;

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::source::Sources;

/// A collection being built: top-level keys in order, then the steps.
#[derive(Debug, Default)]
pub(crate) struct Draft {
    /// Comment lines under the schema header.
    pub header: Vec<String>,
    /// `name`, `base_url`, `vars`, `secrets`, `defaults`, in the order written.
    pub top: Vec<(String, Value)>,
    pub steps: Vec<DraftStep>,
    /// What the input held that the collection does not: printed as warnings.
    pub notes: Vec<String>,
}

/// One step: its keys in order, comments above it, and a group's steps.
#[derive(Debug, Default)]
pub(crate) struct DraftStep {
    pub comments: Vec<String>,
    pub fields: Vec<(String, Value)>,
    pub steps: Option<Vec<DraftStep>>,
}

impl DraftStep {
    pub(crate) fn set(&mut self, key: &str, value: Value) {
        self.fields.push((key.to_owned(), value));
    }
}

impl Draft {
    /// Request steps, groups' steps included.
    pub(crate) fn step_count(&self) -> usize {
        fn count(steps: &[DraftStep]) -> usize {
            steps.iter().map(|s| s.steps.as_deref().map_or(1, count)).sum()
        }
        count(&self.steps)
    }

    pub(crate) fn set(&mut self, key: &str, value: Value) {
        match self.top.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.top.push((key.to_owned(), value)),
        }
    }

    /// Adds `secrets`/`vars` entries for the credentials that were found.
    pub(crate) fn add_credentials(&mut self, creds: &Credentials) {
        if creds.vars.is_empty() {
            return;
        }
        let mut vars = match self.top.iter().find(|(k, _)| k == "vars") {
            Some((_, Value::Object(m))) => m.clone(),
            _ => Map::new(),
        };
        for (name, env) in &creds.vars {
            vars.insert(name.clone(), Value::String(format!("{{{{ env.{env} }}}}")));
        }
        self.set("vars", Value::Object(vars));
        let mut secrets: Vec<Value> = match self.top.iter().find(|(k, _)| k == "secrets") {
            Some((_, Value::Array(a))) => a.clone(),
            _ => Vec::new(),
        };
        for (name, _) in &creds.vars {
            secrets.push(Value::String(name.clone()));
        }
        self.set("secrets", Value::Array(secrets));
        let list = creds
            .vars
            .iter()
            .map(|(_, env)| env.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        self.header.push(format!(
            "Credentials are read from the environment, never written here: set {list}."
        ));
    }
}

/// Credentials moved out of the collection: each becomes a variable read from
/// the environment and listed in `secrets`.
#[derive(Debug, Default)]
pub(crate) struct Credentials {
    /// (variable name, environment variable), in the order found.
    pub vars: Vec<(String, String)>,
    /// The literal values already moved, by variable: the same value is one variable.
    seen: Vec<(String, String)>,
}

impl Credentials {
    /// The template that reads this credential (`{{ token }}`), for a value
    /// found under `hint` (`token`, `password`, `cookie`, a header's name).
    pub(crate) fn variable(&mut self, hint: &str, value: &str) -> String {
        // A masked value (`***`, as Sortie's own curl output has it) is no value to share.
        let masked = value.trim_start_matches("Bearer ").trim_start_matches("Basic ") == "***";
        if let Some((_, name)) = self.seen.iter().find(|(v, _)| v == value && !masked) {
            return format!("{{{{ {name} }}}}");
        }
        let base: String = hint
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_matches('_')
            .to_owned();
        let base = if base.is_empty() { "secret".to_owned() } else { base };
        let mut name = base.clone();
        let mut n = 2;
        while self.vars.iter().any(|(v, _)| *v == name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.vars.push((name.clone(), name.to_ascii_uppercase()));
        self.seen.push((value.to_owned(), name.clone()));
        format!("{{{{ {name} }}}}")
    }
}

impl Credentials {
    /// The variable a value was moved to already, if any.
    pub(crate) fn known(&self, value: &str) -> Option<&str> {
        self.seen
            .iter()
            .find(|(v, _)| v == value)
            .map(|(_, name)| name.as_str())
    }

    /// The template for a credential the input already reads from the environment (`$TOKEN`).
    pub(crate) fn variable_from_env(&mut self, name: &str, env: &str) -> String {
        if !self.vars.iter().any(|(v, _)| v == name) {
            self.vars.push((name.to_owned(), env.to_owned()));
        }
        format!("{{{{ {name} }}}}")
    }
}

/// Header names whose values are credentials: moved into `secrets`.
pub(crate) fn is_credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(n.as_str(), "authorization" | "proxy-authorization" | "cookie")
        || [
            "token", "api-key", "apikey", "api_key", "secret", "session", "csrf", "xsrf", "auth",
        ]
        .iter()
        .any(|w| n.contains(w))
}

/// Every string of an imported literal is a template in Sortie: text that
/// minijinja would read (`{{`, `{%`, `{#`) is written so that it stays text.
pub(crate) fn literal(s: &str) -> String {
    if !s.contains("{{") && !s.contains("{%") && !s.contains("{#") {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let (before, after) = rest.split_at(i);
        out.push_str(before);
        match after.as_bytes().get(1) {
            Some(b'{' | b'%' | b'#') => {
                out.push_str(&format!("{{{{ '{}' }}}}", &after[..2]));
                rest = &after[2..];
            }
            _ => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// [`literal`] on every string of a JSON value (not on keys: keys are not templates).
pub(crate) fn literal_json(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(literal(s)),
        Value::Array(items) => Value::Array(items.iter().map(literal_json).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), literal_json(v))).collect()),
        other => other.clone(),
    }
}

/// An importer's error, with the sources its spans point into.
pub(crate) struct Failure {
    pub diagnostic: Box<Diagnostic>,
    pub sources: Sources,
}

impl From<Diagnostic> for Failure {
    fn from(diagnostic: Diagnostic) -> Self {
        Failure {
            diagnostic: Box::new(diagnostic),
            sources: Sources::default(),
        }
    }
}

/// Reads a JSON input file; a syntax error points at its line and column.
pub(crate) fn read_json(path: &std::path::Path, what: &str) -> Result<(Value, Sources), Failure> {
    let text = crate::files::read_text(path, what)?;
    let mut sources = Sources::default();
    let display = path.display().to_string();
    let file = sources.add(display.clone(), path.to_path_buf(), std::sync::Arc::from(text.as_str()));
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => Ok((v, sources)),
        Err(e) => {
            let at = crate::source::Pos {
                line: e.line() as u32,
                col: e.column().saturating_sub(1) as u32,
            };
            let span = crate::source::Span {
                file,
                start: at,
                end: crate::source::Pos { col: at.col + 1, ..at },
            };
            let reason = e.to_string();
            let reason = reason.split(" at line").next().unwrap_or(&reason).to_owned();
            Err(Failure {
                diagnostic: Box::new(Diagnostic::at(
                    format!("{what} `{display}` is not JSON: {reason}"),
                    span,
                )),
                sources,
            })
        }
    }
}

/// `base_url` for an origin found in the input: overridable by the environment
/// (`BASE_URL=http://127.0.0.1:8080 sortie run …`), the origin by default.
pub(crate) fn base_url(origin: &str) -> String {
    format!("{{{{ env.BASE_URL | default({}) }}}}", quote(origin))
}

/// A string as a template string literal: `'text'`.
pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `scheme://host[:port]` of an absolute http(s) URL, and the rest (path,
/// query) exactly as written: docs put `$VARS` and `{placeholders}` there.
pub(crate) fn split_origin(url: &str) -> Option<(String, String)> {
    let (scheme, after) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.is_empty() {
        return None;
    }
    let rest = rest.split('#').next().unwrap_or_default();
    let rest = if rest.starts_with('?') || rest.is_empty() {
        format!("/{rest}")
    } else {
        rest.to_owned()
    };
    Some((format!("{scheme}://{}", authority.to_ascii_lowercase()), rest))
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn template_syntax_in_imported_text_stays_text() {
        assert_eq!(literal("plain {x}"), "plain {x}");
        assert_eq!(literal("a {{b}} c"), "a {{ '{{' }}b}} c");
        assert_eq!(literal("{%x{#"), "{{ '{%' }}x{{ '{#' }}");
    }
}
