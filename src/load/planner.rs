//! Collections and their steps → the [`Plan`]: includes loaded and checked
//! for cycles, step ids checked for duplicates, concurrent captures checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::diagnostic::Diagnostic;
use crate::load::collection;
use crate::load::compile::Compiler;
use crate::load::read::Errors;
use crate::load::request::{RequestDefaults, request};
use crate::load::snapshot;
use crate::model::NodeKind;
use crate::model::{Collection, Map, Parallel, Step};
use crate::plan::{CollectionPlan, GroupPlan, IncludePlan, SessionPlan, StepKind, StepPlan, TValue};
use crate::source::{FileId, Sources, Span, Spanned};
use crate::yaml;

/// What `parallel: true` means: all at once, up to this many in flight.
pub(crate) const MAX_IN_FLIGHT: usize = 256;

/// A collection may not expand (includes, groups and steps together) past this many steps:
/// includes multiply like YAML aliases, and 70 lines of nested includes made a million.
pub(crate) const MAX_STEPS: usize = 100_000;

/// Includes may nest this deep (the planner and the executor recurse into them).
pub(crate) const MAX_INCLUDE_DEPTH: usize = 32;

/// Compiles one parsed collection.
pub(crate) struct Planner<'a> {
    pub compiler: Compiler<'a>,
    pub sources: &'a mut Sources,
    pub timeout_override: Option<Duration>,
    /// Canonical paths of the files being included, outermost first.
    include_stack: Vec<PathBuf>,
    ids: HashMap<String, Spanned<String>>,
    /// The snapshots named so far in this collection, where their steps ask for them.
    snapshots: HashMap<PathBuf, Span>,
    /// Every secret name (`--secret`, each collection's `secrets:`), for the included vars it names.
    pub secret_names: std::collections::HashSet<String>,
    /// The secret values written in included files, for diagnostics to mask.
    pub literal_secrets: Vec<Spanned<String>>,
    /// Steps planned so far in this collection, against [`MAX_STEPS`].
    planned: usize,
    /// Set once the collection passes [`MAX_STEPS`]: nothing more is planned. `false`
    /// until the error is pushed, at the outermost include (or the step) that passed it.
    over_budget: Option<bool>,
    /// Included files by canonical path, read and parsed once however often they are
    /// included (and their errors said once); `None` when reading or parsing failed.
    included: HashMap<PathBuf, Option<Included>>,
    /// The OpenAPI contract of the collection being planned.
    pub contract: Option<crate::openapi::Contract>,
}

/// An included file as read: its id, its YAML tree and its steps as written.
type Included = (FileId, Arc<crate::model::Node>, Arc<crate::model::Collection>);

impl<'a> Planner<'a> {
    pub(crate) fn new(compiler: Compiler<'a>, sources: &'a mut Sources, timeout_override: Option<Duration>) -> Self {
        Planner {
            compiler,
            sources,
            timeout_override,
            include_stack: Vec::new(),
            ids: HashMap::new(),
            snapshots: HashMap::new(),
            secret_names: std::collections::HashSet::new(),
            literal_secrets: Vec::new(),
            planned: 0,
            over_budget: None,
            included: HashMap::new(),
            contract: None,
        }
    }

    /// Compiles a collection read from `file`; `base_url_written` says whether
    /// the file has a `base_url` key, or a key misspelling it.
    pub(crate) fn collection(
        &mut self,
        errs: &mut Errors,
        file: FileId,
        path: &str,
        model: &Collection,
        base_url_written: bool,
    ) -> CollectionPlan {
        self.ids.clear();
        self.snapshots.clear();
        self.planned = 0;
        self.over_budget = None;
        self.compiler.reads.borrow_mut().clear();
        self.include_stack = vec![self.sources.get(file).path.clone()];
        let dir: Arc<Path> = Arc::from(self.sources.get(file).dir());
        let c = &self.compiler;
        let name = model.name.as_ref().map_or_else(
            || {
                Path::new(path)
                    .file_stem()
                    .map_or_else(|| path.to_owned(), |s| s.to_string_lossy().into_owned())
            },
            |n| n.value.clone(),
        );
        let base_url = model.base_url.as_ref().and_then(|u| {
            relative_base_url(errs, u);
            c.spanned(errs, u)
        });
        let vars = vars(c, errs, model.vars.as_ref());
        // A `base_url` of the wrong type, or misspelled, is reported already.
        let no_base_url = (!base_url_written).then(|| path.to_owned());
        let defaults = RequestDefaults::new(c, errs, model.defaults.as_ref(), self.timeout_override, no_base_url);
        let session = session(c, errs, &dir, model);
        let setup = self.steps(errs, file, &dir, model.setup.as_deref(), &defaults);
        let steps = self.steps(errs, file, &dir, model.steps.as_deref(), &defaults);
        let teardown = self.steps(errs, file, &dir, model.teardown.as_deref(), &defaults);
        let reads = std::mem::take(&mut *self.compiler.reads.borrow_mut());
        CollectionPlan {
            name,
            path: path.to_owned(),
            file,
            dir,
            tags: strings(model.tags.as_ref()),
            base_url,
            vars,
            secrets: strings(model.secrets.as_ref()),
            session,
            setup,
            steps,
            teardown,
            reads: reads.into_iter().collect(),
            contract: self.contract.clone(),
        }
    }

    fn steps(
        &mut self,
        errs: &mut Errors,
        file: FileId,
        dir: &Arc<Path>,
        steps: Option<&[Step]>,
        d: &RequestDefaults,
    ) -> Vec<StepPlan> {
        steps
            .unwrap_or_default()
            .iter()
            .filter_map(|s| self.step(errs, file, dir, s, d))
            .collect()
    }

    fn step(
        &mut self,
        errs: &mut Errors,
        file: FileId,
        dir: &Arc<Path>,
        s: &Step,
        d: &RequestDefaults,
    ) -> Option<StepPlan> {
        if self.over_budget.is_some() {
            return None;
        }
        self.planned += 1;
        if self.planned > MAX_STEPS {
            // Named here when no include is expanding; else by the outermost include.
            let in_include = self.include_stack.len() > 1;
            if !in_include {
                errs.push(
                    Diagnostic::at(format!("the collection has more than {MAX_STEPS} steps"), s.span)
                        .with_help("split it into several collections"),
                );
            }
            self.over_budget = Some(!in_include);
            return None;
        }
        if let Some(id) = &s.id {
            if let Some(first) = self.ids.get(&id.value) {
                errs.push(
                    Diagnostic::at(format!("duplicate step id `{}`", id.value), id.span).with_help(format!(
                        "`{}` is already used at {}",
                        id.value,
                        self.sources.location(first.span)
                    )),
                );
            } else {
                self.ids.insert(id.value.clone(), id.clone());
            }
        }
        let c = &self.compiler;
        let condition = s.if_.as_ref().and_then(|n| c.condition(errs, n));
        let for_each = s.for_each.as_ref().and_then(|n| {
            if !matches!(n.kind, NodeKind::Seq(_) | NodeKind::Str { .. }) {
                errs.expected("a list or a template giving one", "for_each", n);
                return None;
            }
            if matches!(&n.kind, NodeKind::Seq(items) if items.is_empty()) {
                errs.push(
                    Diagnostic::at("`for_each: []` would run the step zero times", n.span)
                        .with_help("list the items, or remove `for_each` to run the step once"),
                );
                return None;
            }
            c.tvalue(errs, n)
        });
        if let (Some(_), Some(p), None) = (&s.request, &s.parallel, &s.for_each) {
            errs.push(
                Diagnostic::at("`parallel` on a request step needs `for_each`", p.span)
                    .with_help("a request step runs its `for_each` iterations concurrently; a group runs its steps"),
            );
        }
        // The name before the kind, so an error in the request does not hide one in the name.
        let name = match (&s.name, &s.group, &s.request, &s.include) {
            (Some(n), _, _, _) => c.spanned(errs, n),
            (None, Some(g), _, _) => c.spanned(errs, g),
            (None, None, Some(r), _) => {
                let method = r.method.as_ref().map_or("GET", |m| m.value.as_str());
                let text = format!("{method} {}", r.url.value);
                Some(
                    c.tpl(&mut Errors::default(), &text, r.url.span, false)
                        .unwrap_or_else(|| Compiler::literal(&text, r.url.span)),
                )
            }
            (None, None, None, Some(i)) => Some(Compiler::literal(&format!("include {}", i.value), i.span)),
            _ => None,
        };
        // `true` means all at once, bounded so a large loop cannot exhaust file descriptors.
        let parallel = match s.parallel.as_ref().map(|p| p.value) {
            None | Some(Parallel::Enabled(false)) => 1,
            Some(Parallel::Enabled(true)) => MAX_IN_FLIGHT,
            Some(Parallel::Max(n)) => n as usize,
        };
        let kind = if let Some(r) = &s.request {
            let contract = crate::load::contract::request_step(errs, self.contract.as_ref(), s);
            request(c, errs, dir, s, r, d).map(|mut r| {
                r.contract = contract;
                if let Some(snap) = s.expect.as_ref().and_then(|e| e.snapshot.as_ref()) {
                    let collection = &self.include_stack[0];
                    r.snapshot = snapshot::plan(c, errs, self.sources, collection, s, snap, &mut self.snapshots);
                }
                StepKind::Request(Box::new(r))
            })
        } else if s.group.is_some() {
            let steps = self.steps(errs, file, dir, s.steps.as_deref(), d);
            if parallel > 1 && s.for_each.is_none() {
                check_concurrent_captures(errs, self.sources, &steps);
            }
            Some(StepKind::Group(GroupPlan { parallel, steps }))
        } else if let Some(inc) = &s.include {
            self.include(errs, dir, inc, s.vars.as_ref(), d).map(StepKind::Include)
        } else {
            None
        };
        let (name, kind) = (name?, kind?);
        Some(StepPlan {
            name,
            tags: strings(s.tags.as_ref()),
            description: s.description.as_ref().map(|d| Arc::from(d.value.as_str())),
            span: s.span,
            file,
            dir: dir.clone(),
            condition,
            for_each,
            item_name: s.as_.as_ref().map_or_else(|| "item".to_owned(), |a| a.value.clone()),
            delay: s.delay.as_ref().map(|d| d.value.0),
            parallel,
            kind,
        })
    }

    fn include(
        &mut self,
        errs: &mut Errors,
        dir: &Path,
        inc: &Spanned<String>,
        args: Option<&Map<crate::model::Node>>,
        d: &RequestDefaults,
    ) -> Option<IncludePlan> {
        let path = self.compiler.path(errs, dir, inc)?;
        if let Some(pos) = self.include_stack.iter().position(|p| p == &path) {
            let cycle: Vec<String> = self.include_stack[pos..]
                .iter()
                .chain(std::iter::once(&path))
                .map(|p| crate::files::display_path(p))
                .collect();
            errs.push(Diagnostic::at(
                format!("include cycle: {}", cycle.join(" → ")),
                inc.span,
            ));
            return None;
        }
        if self.include_stack.len() > MAX_INCLUDE_DEPTH {
            errs.push(
                Diagnostic::at(format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"), inc.span).with_help(
                    format!(
                        "the chain of includes starts with `{}`",
                        crate::files::display_path(&self.include_stack[1])
                    ),
                ),
            );
            return None;
        }
        let (file, root, model) = match self.included.get(&path) {
            Some(read) => read.clone()?,
            None => {
                let read = read_include(errs, &mut *self.sources, &path, inc);
                self.included.insert(path.clone(), read.clone());
                read?
            }
        };
        super::secrets::literals(&root, &self.secret_names, &mut self.literal_secrets);
        let inc_dir: Arc<Path> = Arc::from(path.parent().unwrap_or(Path::new(".")));
        self.include_stack.push(path);
        let c = &self.compiler;
        let args = vars(c, errs, args);
        let file_vars = vars(c, errs, model.vars.as_ref());
        let mut steps = self.steps(errs, file, &inc_dir, model.setup.as_deref(), d);
        steps.extend(self.steps(errs, file, &inc_dir, model.steps.as_deref(), d));
        steps.extend(self.steps(errs, file, &inc_dir, model.teardown.as_deref(), d));
        self.include_stack.pop();
        if self.over_budget == Some(false) && self.include_stack.len() == 1 {
            errs.push(
                Diagnostic::at(
                    format!("`include: {}` expands past {MAX_STEPS} steps", inc.value),
                    inc.span,
                )
                .with_help("includes multiply: an included file that includes another file N times, itself included N times, makes N² steps"),
            );
            self.over_budget = Some(true);
        }
        Some(IncludePlan {
            args,
            file_vars,
            file,
            steps,
        })
    }
}

/// An included file read, parsed and read as a fragment of a collection; what
/// is wrong with it goes to `errs`.
fn read_include(errs: &mut Errors, sources: &mut Sources, path: &Path, inc: &Spanned<String>) -> Option<Included> {
    let text = match crate::files::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let reason = crate::files::io_reason(&e);
            errs.push(Diagnostic::at(
                format!("cannot read `{}`: {reason}", inc.value),
                inc.span,
            ));
            return None;
        }
    };
    let file = sources.add(
        crate::files::display_path(path),
        path.to_path_buf(),
        Arc::from(text.as_str()),
    );
    let root = match yaml::parse(file, &text) {
        Ok(root) => root,
        Err(d) => {
            errs.push(d);
            return None;
        }
    };
    let model = collection::fragment(errs, &root)?;
    ignored_in_include(errs, &root);
    Some((file, Arc::new(root), Arc::new(model)))
}

/// Keys of an included file that an include does not apply: its steps run
/// with the including collection's session, base URL and secrets. A silent
/// `secrets:` would show a value the author meant to hide.
fn ignored_in_include(errs: &mut Errors, root: &crate::model::Node) {
    let NodeKind::Map(entries) = &root.kind else { return };
    for (key, _) in entries {
        if key.as_str() == Some("openapi") {
            errs.push(
                Diagnostic::at("`openapi` has no effect in an included file", key.span)
                    .with_help("included steps are checked against the including collection's spec: name it there"),
            );
        }
        if let Some(k) = key.as_str().filter(|k| ["base_url", "defaults", "secrets"].contains(k)) {
            errs.push(
                Diagnostic::at(format!("`{k}` has no effect in an included file"), key.span).with_help(format!(
                    "included steps run with the including collection's base_url, defaults and secrets: \
                     move `{k}` there"
                )),
            );
        }
    }
}

/// A `base_url` must be absolute; one that starts with a template
/// (`{{ env.API }}`) is known only at run time.
fn relative_base_url(errs: &mut Errors, url: &Spanned<String>) {
    let text = url.value.trim();
    if crate::text::is_surely_relative_url(text) {
        errs.push(
            Diagnostic::at(format!("`base_url` `{text}` is not an absolute URL"), url.span).with_help(format!(
                "start it with its scheme: `http://{}`",
                text.trim_start_matches('/')
            )),
        );
    }
}

/// Variables: a map of values that may hold templates; `env` is not a name they may take.
fn vars(c: &Compiler, errs: &mut Errors, vars: Option<&Map<crate::model::Node>>) -> Vec<(String, TValue)> {
    for (name, _) in vars.iter().flat_map(|m| m.iter()) {
        if name.value == "env" {
            errs.push(Diagnostic::at(
                "`env` is reserved: templates read the environment as `env.NAME`",
                name.span,
            ));
        }
    }
    c.pairs(errs, vars)
}

fn strings(list: Option<&Vec<Spanned<String>>>) -> Vec<String> {
    list.map(|l| l.iter().map(|s| s.value.clone()).collect())
        .unwrap_or_default()
}

fn session(c: &Compiler, errs: &mut Errors, dir: &Path, model: &Collection) -> SessionPlan {
    let mut s = SessionPlan::default();
    let Some(d) = &model.defaults else { return s };
    s.http2_prior_knowledge = d.http2.unwrap_or(false);
    if let Some(tls) = &d.tls {
        s.insecure = tls.insecure.unwrap_or(false);
        s.cacert = tls.cacert.as_ref().and_then(|p| c.path(errs, dir, p));
        if let (Some(cert), Some(key)) = (&tls.cert, &tls.key) {
            s.client_cert = c.path(errs, dir, cert).zip(c.path(errs, dir, key));
        }
    }
    s
}

/// Two concurrent steps of one group may not capture the same name.
fn check_concurrent_captures(errs: &mut Errors, sources: &Sources, steps: &[StepPlan]) {
    // Name → (the step that captures it first, where).
    let mut seen: HashMap<&str, (usize, Span)> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        let mut names = Vec::new();
        captures_of(step, &mut names);
        for (name, span) in names {
            match seen.get(name) {
                Some(&(first, at)) if first != i => errs.push(
                    Diagnostic::at(format!("two concurrent steps of this group capture `{name}`"), span).with_help(
                        format!(
                            "`{name}` is also captured at {}, and which value wins would depend on timing: \
                             capture different names, or drop `parallel`",
                            sources.location(at)
                        ),
                    ),
                ),
                Some(_) => {}
                None => {
                    seen.insert(name, (i, span));
                }
            }
        }
    }
}

fn captures_of<'a>(step: &'a StepPlan, names: &mut Vec<(&'a str, Span)>) {
    match &step.kind {
        StepKind::Request(r) => names.extend(r.extract.iter().map(|x| (x.name.as_str(), x.span))),
        StepKind::Group(g) => g.steps.iter().for_each(|s| captures_of(s, names)),
        StepKind::Include(i) => i.steps.iter().for_each(|s| captures_of(s, names)),
    }
}
