//! The flow of a collection: phases, conditions, loops, groups (in order or
//! concurrent), includes, and the order outcomes are reported in.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use indexmap::IndexMap;
use minijinja::Value;

use super::RunContext;
use super::scope::Scope;
use super::secrets::Secrets;
use crate::outcome::{Phase, StepOutcome, StepStatus};
use crate::plan::{CollectionPlan, StepKind, StepPlan, TValue, Tpl};
use crate::render::{Context, RenderError, Renderer, to_mj};
use crate::session::Session;
use crate::source::Sources;

type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Where step outcomes go: straight to the live reporter, or into a buffer
/// while a concurrent unit runs (its parent forwards them in order).
pub(super) struct Out<'a> {
    live: Option<&'a mut dyn FnMut(&StepOutcome)>,
    /// Slim a step once the live reporter has seen it.
    slim: bool,
    steps: Vec<StepOutcome>,
    /// True once a step of this output failed or errored.
    pub failed: bool,
}

impl<'a> Out<'a> {
    /// Outcomes go to `live` as they finish (and, with `slim`, are slimmed after), or,
    /// with None, are kept whole for whoever replays them later (`--jobs`).
    pub(super) fn live(f: Option<&'a mut dyn FnMut(&StepOutcome)>, slim: bool) -> Self {
        Out {
            live: f,
            slim,
            steps: Vec::new(),
            failed: false,
        }
    }

    pub(super) fn push(&mut self, step: StepOutcome) {
        if step.status.is_problem() {
            self.failed = true;
        }
        let mut step = step;
        if let Some(live) = self.live.as_mut() {
            live(&step);
            // Live reporters have seen it whole; keep only what final reports need.
            if self.slim {
                step.slim();
            }
        }
        self.steps.push(step);
    }

    /// Room for `n` more outcomes at once: a long loop's list grows in one step, not
    /// by doublings that each hold the old list and the new one.
    fn reserve(&mut self, n: usize) {
        self.steps.reserve(n);
    }

    fn forward(&mut self, other: Out<'_>) {
        for step in other.steps {
            self.push(step);
        }
    }

    pub(super) fn into_steps(self) -> Vec<StepOutcome> {
        self.steps
    }
}

/// One collection's running state.
pub(super) struct Cx<'a> {
    pub rc: &'a RunContext,
    pub plan: &'a CollectionPlan,
    pub sources: &'a Sources,
    pub session: Session,
    pub base_url: Option<String>,
    /// Grows as credentials and secret captures become known.
    pub secrets: Secrets<'a>,
}

/// One run of a step, as its outcome names it: the step, where it sits, and
/// its display name (`group / step [3]`).
pub(super) struct At<'a> {
    pub step: &'a StepPlan,
    pub place: &'a Place,
    pub name: &'a str,
}

/// Where a step sits: its phase and the names of the groups around it.
#[derive(Clone)]
pub(super) struct Place {
    pub phase: Phase,
    pub prefix: String,
    /// True inside a step that the selection kept whole (by its own tag or name).
    pub whole: bool,
}

impl Cx<'_> {
    /// setup, then steps (skipped when setup failed), then teardown, always. The caller
    /// runs only collections the selection keeps ([`super::has_selected_steps`]).
    pub(super) async fn run_phases(&self, mut scope: Scope, out: &mut Out<'_>) {
        let setup = Place {
            phase: Phase::Setup,
            prefix: String::new(),
            whole: false,
        };
        let before = out.failed;
        self.steps(&self.plan.setup, &mut scope, &setup, out).await;
        let setup_failed = out.failed && !before;
        let main = Place {
            phase: Phase::Steps,
            prefix: String::new(),
            whole: false,
        };
        if setup_failed {
            for step in self.plan.steps.iter().filter(|s| self.selected(s, "")) {
                let name = self.name(step, &scope, &main);
                out.push(self.skipped(
                    &At {
                        step,
                        place: &main,
                        name: &name,
                    },
                    "setup failed",
                ));
            }
        } else {
            self.steps(&self.plan.steps, &mut scope, &main, out).await;
        }
        let teardown = Place {
            phase: Phase::Teardown,
            prefix: String::new(),
            whole: false,
        };
        self.steps_always(&self.plan.teardown, &mut scope, &teardown, out).await;
    }

    fn steps<'s>(
        &'s self,
        steps: &'s [StepPlan],
        scope: &'s mut Scope,
        place: &'s Place,
        out: &'s mut Out<'_>,
    ) -> Fut<'s, ()> {
        Box::pin(async move {
            for step in steps {
                if self.rc.stopped() && place.phase != Phase::Teardown {
                    break;
                }
                self.step(step, scope, place, out).await;
            }
        })
    }

    /// Teardown runs even after `--fail-fast` or Ctrl-C.
    async fn steps_always(&self, steps: &[StepPlan], scope: &mut Scope, place: &Place, out: &mut Out<'_>) {
        for step in steps {
            self.step(step, scope, place, out).await;
        }
    }

    fn selected(&self, step: &StepPlan, prefix: &str) -> bool {
        selected(&self.rc.selection, self.plan, step, prefix)
    }

    fn step<'s>(
        &'s self,
        step: &'s StepPlan,
        scope: &'s mut Scope,
        place: &'s Place,
        out: &'s mut Out<'_>,
    ) -> Fut<'s, ()> {
        Box::pin(async move {
            let skip_tagged = self.rc.selection.skip_tags.iter().any(|t| step.tags.contains(t));
            if place.phase == Phase::Steps && (skip_tagged || !place.whole && !self.selected(step, &place.prefix)) {
                return;
            }
            let name = self.name(step, scope, place);
            if let Some(cond) = &step.condition {
                match self.truthy(cond, scope, &step.dir) {
                    Ok(true) => {}
                    Ok(false) => {
                        out.push(self.skipped(
                            &At {
                                step,
                                place,
                                name: &name,
                            },
                            "condition is false",
                        ));
                        return;
                    }
                    Err(e) => {
                        out.push(self.errored(
                            &At {
                                step,
                                place,
                                name: &name,
                            },
                            &format!("in `if`: {}", self.where_(e, step)),
                        ));
                        return;
                    }
                }
            }
            let Some(for_each) = &step.for_each else {
                self.unit(step, scope, place, &name, out).await;
                return;
            };
            let items = match self.items(for_each, scope, &step.dir) {
                Ok(items) => items,
                Err(msg) => {
                    out.push(self.errored(
                        &At {
                            step,
                            place,
                            name: &name,
                        },
                        &format!("in `for_each`: {msg}"),
                    ));
                    return;
                }
            };
            let parallel = step.parallel;
            let len = items.len();
            out.reserve(len);
            let layer = |i: usize, item: Value| crate::render::Context::iteration(&step.item_name, item, i, len);
            if parallel <= 1 || len <= 1 {
                for (i, item) in items.into_iter().enumerate() {
                    if self.rc.stopped() && place.phase != Phase::Teardown {
                        break;
                    }
                    let mut unit_scope = scope.with_layer(layer(i, item));
                    let unit_name = format!("{name} [{}]", i + 1);
                    self.unit(step, &mut unit_scope, place, &unit_name, out).await;
                    scope.layers[0] = unit_scope.layers[0].clone();
                }
                return;
            }
            // Concurrent iterations: each sees the scope as it was when the step started;
            // outcomes and captures are taken in item order.
            let start = scope.clone();
            let units = items.into_iter().enumerate().map(|(i, item)| {
                let mut unit_scope = start.child().with_layer(layer(i, item));
                let unit_name = format!("{name} [{}]", i + 1);
                async move {
                    let mut buf = Out::live(None, false);
                    self.unit(step, &mut unit_scope, place, &unit_name, &mut buf).await;
                    (unit_scope, buf)
                }
            });
            in_order(units, parallel, |(unit_scope, buf)| {
                scope.merge(&unit_scope);
                out.forward(buf);
            })
            .await;
        })
    }

    /// Runs one unit: a request, a whole group, or an include.
    async fn unit(&self, step: &StepPlan, scope: &mut Scope, place: &Place, name: &str, out: &mut Out<'_>) {
        if let Some(delay) = step.delay.filter(|_| !self.rc.dry_run) {
            self.rc.pause(delay).await;
            // Stopped while it waited: the step is not sent (teardown's steps still are).
            if self.rc.stopped() && place.phase != Phase::Teardown {
                out.push(self.skipped(
                    &At { step, place, name },
                    "not run: the run was stopped during its delay",
                ));
                return;
            }
        }
        match &step.kind {
            StepKind::Request(r) => {
                // Boxed: the request's state (about 4 KiB) would otherwise be part of every
                // unit's future, groups' too, and be copied each time one is moved.
                let outcome = Box::pin(self.request(&At { step, place, name }, r, scope)).await;
                out.push(outcome);
            }
            StepKind::Group(g) => {
                let inner = Place {
                    phase: place.phase,
                    prefix: format!("{name} / "),
                    whole: place.whole || own_selected(&self.rc.selection, self.plan, step, &place.prefix),
                };
                if g.parallel <= 1 || step.for_each.is_some() {
                    self.steps(&g.steps, scope, &inner, out).await;
                    return;
                }
                let start = scope.clone();
                let units = g.steps.iter().map(|s| {
                    let mut unit_scope = start.child();
                    let inner = inner.clone();
                    async move {
                        let mut buf = Out::live(None, false);
                        if !self.rc.stopped() || inner.phase == Phase::Teardown {
                            self.step(s, &mut unit_scope, &inner, &mut buf).await;
                        }
                        (unit_scope, buf)
                    }
                });
                in_order(units, g.parallel, |(unit_scope, buf)| {
                    scope.merge(&unit_scope);
                    out.forward(buf);
                })
                .await;
            }
            StepKind::Include(inc) => {
                let ctx = self.context(scope, &step.dir);
                let mut args = IndexMap::new();
                for (k, v) in &inc.args {
                    match render_value(&self.rc.renderer, v, &ctx) {
                        Ok(json) => {
                            args.insert(k.clone(), to_mj(&json));
                        }
                        Err(e) => {
                            let message = format!("in `vars.{k}`: {}", self.where_(e, step));
                            out.push(self.errored(&At { step, place, name }, &message));
                            return;
                        }
                    }
                }
                // The included file's own vars come last; its args shadow everything.
                let mut file_vars = IndexMap::new();
                for (k, v) in &inc.file_vars {
                    let mut layers = vec![Arc::new(args.clone())];
                    layers.extend(scope.layers.iter().cloned());
                    layers.push(Arc::new(file_vars.clone()));
                    let ctx = Context::new(layers, self.rc.env.clone(), step.dir.clone());
                    // As with a collection's vars, one that does not render is an error
                    // (of the include step): dropped, it would resurface later as an
                    // undefined variable far from its cause.
                    match render_value(&self.rc.renderer, v, &ctx) {
                        Ok(json) => {
                            file_vars.insert(k.clone(), to_mj(&json));
                        }
                        Err(e) => {
                            let file = &self.sources.get(inc.file).display;
                            let message = format!("in `vars.{k}` of `{file}`: {}", self.where_(e, step));
                            out.push(self.errored(&At { step, place, name }, &message));
                            return;
                        }
                    }
                }
                let mut layers = vec![Arc::new(args)];
                layers.extend(scope.layers.iter().cloned());
                layers.push(Arc::new(file_vars));
                let mut inner_scope = Scope::new(layers);
                self.steps(&inc.steps, &mut inner_scope, place, out).await;
                scope.merge(&inner_scope);
            }
        }
    }

    pub(super) fn context(&self, scope: &Scope, dir: &Arc<Path>) -> Context {
        Context::new(scope.layers.clone(), self.rc.env.clone(), dir.clone())
    }

    /// The display name: the rendered `name`, or its source when it cannot render yet.
    fn name(&self, step: &StepPlan, scope: &Scope, place: &Place) -> String {
        let ctx = self.context(scope, &step.dir);
        let base = step
            .name
            .template
            .render_string(&self.rc.renderer, &ctx)
            .unwrap_or_else(|_| step.name.template.source().to_owned());
        let name = format!("{}{base}", place.prefix);
        self.secrets.lock().string(&name)
    }

    fn truthy(&self, t: &Tpl, scope: &Scope, dir: &Arc<Path>) -> Result<bool, RenderError> {
        let v = t.template.render(&self.rc.renderer, &self.context(scope, dir))?;
        Ok(match v {
            serde_json::Value::Null => false,
            serde_json::Value::Bool(b) => b,
            serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
            serde_json::Value::String(s) => {
                let s = s.trim();
                !(s.is_empty() || s.eq_ignore_ascii_case("false") || s == "0" || s.eq_ignore_ascii_case("none"))
            }
            serde_json::Value::Array(a) => !a.is_empty(),
            serde_json::Value::Object(o) => !o.is_empty(),
        })
    }

    fn items(&self, v: &TValue, scope: &Scope, dir: &Arc<Path>) -> Result<Vec<Value>, String> {
        let json = render_value(&self.rc.renderer, v, &self.context(scope, dir)).map_err(|e| e.to_string())?;
        match json {
            serde_json::Value::Array(items) => Ok(items.iter().map(to_mj).collect()),
            other => Err(format!("expected a list, got {}", crate::check::kind(&other))),
        }
    }

    /// A render error with the step and file it happened in.
    pub(super) fn where_(&self, e: RenderError, step: &StepPlan) -> String {
        format!("{e} (step at {})", self.sources.location(step.span))
    }

    /// The outcome of a step run with this status.
    pub(super) fn base(&self, at: &At<'_>, status: StepStatus, message: Option<String>) -> StepOutcome {
        let file = self.sources.get(at.step.file).display.clone();
        StepOutcome::new(
            at.name.to_owned(),
            at.place.phase,
            file,
            at.step.span.line(),
            status,
            message,
        )
    }

    fn skipped(&self, at: &At<'_>, why: &str) -> StepOutcome {
        self.base(at, StepStatus::Skipped, Some(why.to_owned()))
    }

    /// A step that could not run; with `--fail-fast`, the last to start.
    pub(super) fn errored(&self, at: &At<'_>, message: &str) -> StepOutcome {
        let message = self.secrets.lock().string(message);
        if self.rc.fail_fast {
            self.rc.request_stop();
        }
        self.base(at, StepStatus::Errored, Some(message))
    }
}

/// Runs `units` with at most `parallel` in flight and hands their results to `each` in the
/// units' order. A unit that finishes early waits in a buffer, not in one of the `parallel`
/// slots (as with `buffered`): one slow unit does not stall the others.
async fn in_order<T>(units: impl Iterator<Item = impl Future<Output = T>>, parallel: usize, mut each: impl FnMut(T)) {
    let indexed = units.enumerate().map(|(i, unit)| async move { (i, unit.await) });
    let mut running = futures_util::stream::iter(indexed).buffer_unordered(parallel.max(1));
    let mut finished = std::collections::BTreeMap::new();
    let mut next = 0;
    while let Some((i, result)) = running.next().await {
        finished.insert(i, result);
        while let Some(result) = finished.remove(&next) {
            each(result);
            next += 1;
        }
    }
}

/// Renders a value tree to JSON.
pub(super) fn render_value(renderer: &Renderer, v: &TValue, ctx: &Context) -> Result<serde_json::Value, RenderError> {
    Ok(match v {
        TValue::Const(c) => c.clone(),
        TValue::Str(t) => t.template.render(renderer, ctx)?,
        TValue::Seq(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| render_value(renderer, i, ctx))
                .collect::<Result<_, _>>()?,
        ),
        TValue::Map(entries) => {
            let mut map = serde_json::Map::with_capacity(entries.len());
            for (k, v) in entries {
                map.insert(k.clone(), render_value(renderer, v, ctx)?);
            }
            serde_json::Value::Object(map)
        }
    })
}

/// True when `--tag`, `--skip-tag` and `--filter` keep this step, or one
/// step inside it (a group or an include).
pub(super) fn selected(sel: &super::Selection, plan: &CollectionPlan, step: &StepPlan, prefix: &str) -> bool {
    if sel.skip_tags.iter().any(|t| step.tags.contains(t)) {
        return false;
    }
    if own_selected(sel, plan, step, prefix) {
        return true;
    }
    match &step.kind {
        StepKind::Group(g) => {
            let inner = format!("{prefix}{} / ", step.name.template.source());
            g.steps.iter().any(|s| selected(sel, plan, s, &inner))
        }
        StepKind::Include(i) => i.steps.iter().any(|s| selected(sel, plan, s, prefix)),
        StepKind::Request(_) => false,
    }
}

/// True when the step itself matches the selection (its tags and its name).
/// (A skip-tagged step never gets here: `selected` and `step` refuse it first.)
fn own_selected(sel: &super::Selection, plan: &CollectionPlan, step: &StepPlan, prefix: &str) -> bool {
    let collection_tagged = sel.tags.iter().any(|t| plan.tags.contains(t));
    if !sel.tags.is_empty() && !collection_tagged && !sel.tags.iter().any(|t| step.tags.contains(t)) {
        return false;
    }
    if let Some(filter) = &sel.filter {
        let name = format!("{} / {prefix}{}", plan.name, step.name.template.source());
        if !name.contains(filter.as_str()) {
            return false;
        }
    }
    true
}
