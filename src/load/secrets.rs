//! Secrets as loading sees them: the values already known (written in a
//! collection, or given on the command line), which diagnostics must not
//! quote; a secret name that names nothing; a secret too short to be masked in
//! free text. Each of the last two is a warning: the run goes on, masking less
//! than its author may think.

use std::collections::{BTreeSet, HashSet};

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::{Node, NodeKind};
use crate::plan::{CollectionPlan, StepKind, StepPlan};
use crate::redact::MIN_FREE_TEXT;
use crate::render::has_markup;
use crate::source::{Span, Spanned};

/// The secret values written literally in `root` (a collection or an included
/// file), with where: the leaves of its `vars` that `names` or its own
/// `secrets:` name, and every auth credential (a basic or digest password, a
/// bearer token, an api_key value, an OAuth2 client id and secret).
/// Read from the YAML tree, so an invalid file has its secrets masked too.
pub(crate) fn literals(root: &Node, names: &HashSet<String>, out: &mut Vec<Spanned<String>>) {
    let NodeKind::Map(entries) = &root.kind else { return };
    let own: Vec<&str> = entries
        .iter()
        .filter(|(k, _)| k.as_str() == Some("secrets"))
        .flat_map(|(_, v)| match &v.kind {
            NodeKind::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        })
        .collect();
    for (key, value) in entries {
        if key.as_str() != Some("vars") {
            continue;
        }
        let NodeKind::Map(vars) = &value.kind else { continue };
        for (name, v) in vars {
            let name = name.key_text();
            if names.contains(&name) || own.contains(&name.as_str()) {
                leaves(v, out);
            }
        }
    }
    auth_anywhere(root, out);
}

/// The auth credentials of every `auth:` map in the tree.
fn auth_anywhere(node: &Node, out: &mut Vec<Spanned<String>>) {
    match &node.kind {
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                if k.as_str() == Some("auth") {
                    auth(v, out);
                } else {
                    auth_anywhere(v, out);
                }
            }
        }
        NodeKind::Seq(items) => items.iter().for_each(|i| auth_anywhere(i, out)),
        _ => {}
    }
}

fn auth(node: &Node, out: &mut Vec<Spanned<String>>) {
    let NodeKind::Map(kinds) = &node.kind else { return };
    for (kind, v) in kinds {
        let fields: &[&str] = match kind.as_str() {
            Some("bearer") => {
                leaves(v, out);
                continue;
            }
            Some("basic" | "digest") => &["password"],
            Some("api_key") => &["value"],
            Some("oauth2") => &["client_id", "client_secret"],
            _ => continue,
        };
        let NodeKind::Map(entries) = &v.kind else { continue };
        for (k, v) in entries {
            if k.as_str().is_some_and(|k| fields.contains(&k)) {
                leaves(v, out);
            }
        }
    }
}

/// The strings (templates aside) and numbers inside `node`.
fn leaves(node: &Node, out: &mut Vec<Spanned<String>>) {
    let text = match &node.kind {
        NodeKind::Str { value, .. } if !has_markup(value) => value.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(_, text) => text.to_string(),
        NodeKind::Seq(items) => return items.iter().for_each(|i| leaves(i, out)),
        NodeKind::Map(entries) => return entries.iter().for_each(|(_, v)| leaves(v, out)),
        _ => return,
    };
    if !text.is_empty() {
        out.push(Spanned::new(text, node.span));
    }
}

/// A warning for each secret too short to be masked in free text: the values
/// written in the collections (at their place) and those given for a
/// `--secret` (`label` names where from).
pub(crate) fn too_short(literals: &[Spanned<String>], given: &[(String, String)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen: HashSet<Span> = HashSet::new();
    let help = format!(
        "a secret is masked in any text from {MIN_FREE_TEXT} characters; a shorter one only where it stands \
         whole (a header, query or form parameter, or JSON value), since masking it everywhere would hide \
         every place those characters appear"
    );
    let message = |n: usize, what: &str| {
        format!(
            "{what} has {}: too short to be masked in free text",
            crate::text::count(n, "character")
        )
    };
    for s in literals {
        let n = s.value.chars().count();
        if n < MIN_FREE_TEXT && seen.insert(s.span) {
            out.push(Diagnostic::warning_at(message(n, "this secret"), s.span).with_help(help.clone()));
        }
    }
    for (label, value) in given {
        let n = value.chars().count();
        if n < MIN_FREE_TEXT {
            out.push(warning(message(n, &format!("the value of {label}"))).with_help(help.clone()));
        }
    }
    out
}

/// Warnings for secret names that name nothing: a collection's `secrets:` entry
/// that is no var, capture or loop item of it, no `--var` and no environment
/// variable; and a `--secret` that names none in any collection.
pub(crate) fn unknown_names(
    collections: &[(&CollectionPlan, Option<&Vec<Spanned<String>>>)],
    cli: &[String],
    given: &[String],
    env: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut all: HashSet<String> = given.iter().cloned().collect();
    for (plan, secrets) in collections {
        let mut names = provided(plan);
        names.extend(given.iter().cloned());
        for name in secrets.iter().flat_map(|s| s.iter()) {
            if !names_something(&name.value, &names, env) {
                out.push(unknown(&name.value, &names, Some(name.span), "`secrets:` entry"));
            }
        }
        all.extend(names);
    }
    for name in cli {
        if !names_something(name, &all, env) {
            out.push(unknown(name, &all, None, "--secret"));
        }
    }
    out
}

fn names_something(name: &str, vars: &HashSet<String>, env: &BTreeSet<String>) -> bool {
    match name.strip_prefix("env.") {
        Some(var) => env.contains(var),
        None => vars.contains(name) || env.contains(name),
    }
}

fn unknown(name: &str, vars: &HashSet<String>, span: Option<Span>, what: &str) -> Diagnostic {
    let message =
        format!("the {what} `{name}` names no variable, capture or environment variable: nothing is masked for it");
    let d = match span {
        Some(span) => Diagnostic::warning_at(message, span),
        None => warning(message),
    };
    match did_you_mean(name, vars.iter().map(String::as_str)) {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d.with_help("name a var, a capture, or an environment variable (`NAME` or `env.NAME`)"),
    }
}

fn warning(message: String) -> Diagnostic {
    Diagnostic {
        warning: true,
        ..Diagnostic::new(message)
    }
}

/// The names a collection's templates can read besides `--var`s and the
/// environment: its vars, every capture, include argument and included var,
/// and loop items.
fn provided(plan: &CollectionPlan) -> HashSet<String> {
    fn steps(list: &[StepPlan], out: &mut HashSet<String>) {
        for s in list {
            if s.for_each.is_some() {
                out.insert(s.item_name.clone());
            }
            match &s.kind {
                StepKind::Request(r) => out.extend(r.extract.iter().map(|x| x.name.clone())),
                StepKind::Group(g) => steps(&g.steps, out),
                StepKind::Include(i) => {
                    out.extend(i.args.iter().chain(&i.file_vars).map(|(k, _)| k.clone()));
                    steps(&i.steps, out);
                }
            }
        }
    }
    let mut out: HashSet<String> = plan.vars.iter().map(|(k, _)| k.clone()).collect();
    for list in [&plan.setup, &plan.steps, &plan.teardown] {
        steps(list, &mut out);
    }
    out
}
