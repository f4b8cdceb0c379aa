//! Variables no one provides: a template that reads a name which no earlier
//! capture, collection var, include argument, loop, `--var` or the
//! environment can give is a warning at load, naming the place. (At run time
//! such a name is an error of its step; the warning says so before anything
//! is sent.)

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::plan::{AuthPlan, BodyPlan, CheckPlan, CollectionPlan, RequestPlan, StepKind, StepPlan, Subject, Tpl};

/// Warnings for the names `plan` reads that nothing provides; `given` are the
/// `--var` and `--vars-file` names, `functions` the template functions (a call
/// reads its name too). `env` is always defined.
pub(crate) fn undefined(plan: &CollectionPlan, given: &[String], functions: &[String]) -> Vec<Diagnostic> {
    let mut known: HashSet<String> = std::iter::once("env".to_owned())
        .chain(given.iter().cloned())
        .chain(functions.iter().cloned())
        .collect();
    let mut out = Vec::new();
    // Vars render top to bottom: each may read the ones before it.
    for (name, value) in &plan.vars {
        value.each_template(&mut |t| check(t, &known, &mut out));
        known.insert(name.clone());
    }
    if let Some(base) = &plan.base_url {
        check(base, &known, &mut out);
    }
    for list in [&plan.setup, &plan.steps, &plan.teardown] {
        steps(list, &mut known, &mut out);
    }
    // A step's default name is its URL: one warning for both.
    out.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    out
}

fn steps(list: &[StepPlan], known: &mut HashSet<String>, out: &mut Vec<Diagnostic>) {
    for step in list {
        if let Some(t) = &step.condition {
            check(t, known, out);
        }
        if let Some(v) = &step.for_each {
            v.each_template(&mut |t| check(t, known, out));
        }
        // The item and `loop` exist inside the step only.
        let mut inner = known.clone();
        if step.for_each.is_some() {
            inner.insert(step.item_name.clone());
            inner.insert("loop".to_owned());
        }
        check(&step.name, &inner, out);
        match &step.kind {
            StepKind::Request(r) => {
                request(r, &mut |t| check(t, &inner, out));
                inner.extend(r.extract.iter().map(|x| x.name.clone()));
                // `expect.vars` is checked once the step's captures are made.
                vars_expected(r, &mut |t| check(t, &inner, out));
            }
            StepKind::Group(g) => steps(&g.steps, &mut inner, out),
            StepKind::Include(i) => {
                for (_, v) in &i.args {
                    v.each_template(&mut |t| check(t, &inner, out));
                }
                inner.extend(i.args.iter().map(|(k, _)| k.clone()));
                for (name, v) in &i.file_vars {
                    v.each_template(&mut |t| check(t, &inner, out));
                    inner.insert(name.clone());
                }
                steps(&i.steps, &mut inner, out);
            }
        }
        // Captures stay visible after the step (a loop item's too).
        inner.remove("loop");
        if step.for_each.is_some() && !known.contains(&step.item_name) {
            inner.remove(&step.item_name);
        }
        *known = inner;
    }
}

/// Every template of a request, in the order a reader meets them.
fn request(r: &RequestPlan, f: &mut dyn FnMut(&Tpl)) {
    f(&r.method);
    f(&r.url);
    for (_, v) in r.query.iter().chain(&r.headers).chain(&r.cookies) {
        v.each_template(f);
    }
    match &r.auth {
        Some(AuthPlan::Basic { username, password } | AuthPlan::Digest { username, password }) => {
            f(username);
            f(password);
        }
        Some(
            AuthPlan::Bearer(t) | AuthPlan::ApiKeyHeader { value: t, .. } | AuthPlan::ApiKeyQuery { value: t, .. },
        ) => {
            f(t);
        }
        Some(AuthPlan::OAuth2 {
            token_url,
            client_id,
            client_secret,
            scope,
        }) => {
            for t in [token_url, client_id, client_secret].into_iter().chain(scope) {
                f(t);
            }
        }
        None => {}
    }
    match &r.body {
        Some(BodyPlan::Json(v)) => v.each_template(f),
        Some(BodyPlan::Form(pairs)) => pairs.iter().for_each(|(_, v)| v.each_template(f)),
        Some(BodyPlan::Raw(t)) => f(t),
        Some(BodyPlan::Multipart(parts)) => {
            for p in parts {
                f(&p.name);
                p.filename.iter().chain(&p.content_type).for_each(&mut *f);
                if let Some(v) = &p.value {
                    v.each_template(f);
                }
            }
        }
        Some(BodyPlan::File(_)) | None => {}
    }
    for e in r.expect.iter().filter(|e| !matches!(e.subject, Subject::Var(_))) {
        for c in &e.checks {
            if let CheckPlan::Render { value, .. } = c {
                value.each_template(f);
            }
        }
    }
}

/// The templates of `expect.vars`: the subjects, then their expected values.
fn vars_expected(r: &RequestPlan, f: &mut dyn FnMut(&Tpl)) {
    for e in &r.expect {
        let Subject::Var(t) = &e.subject else { continue };
        f(t);
        for c in &e.checks {
            if let CheckPlan::Render { value, .. } = c {
                value.each_template(f);
            }
        }
    }
}

/// One warning per name `t` reads that is not known.
fn check(t: &Tpl, known: &HashSet<String>, out: &mut Vec<Diagnostic>) {
    for name in t.template.variables() {
        if known.contains(&name) {
            continue;
        }
        let mut d = Diagnostic::warning_at(
            format!("`{name}` is not defined here: no var, earlier capture or loop provides it"),
            t.span,
        );
        d = match did_you_mean(&name, known.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!(
                "did you mean `{s}`? (a --var or --vars-file value also provides it)"
            )),
            None => d.with_help("define it in `vars`, capture it in an earlier step, or pass --var NAME=VALUE"),
        };
        out.push(d);
    }
}
