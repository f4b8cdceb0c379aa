//! The flow of a collection: phases, conditions, loops, groups (in order or
//! concurrent), includes, and the order outcomes are reported in.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use indexmap::IndexMap;

use super::RunContext;
use super::causes::{Causes, captures, has_captures};
use super::not_run;
use super::scope::Scope;
use super::secrets::Secrets;
use super::select::{excluded, exclusion, own_selected};
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
    /// Captures not made and servers not reached, for the steps that follow.
    pub causes: Causes,
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
    /// The 1-based loop items around the step, outermost first: a snapshot's name ends with them.
    pub items: Vec<usize>,
}

impl Place {
    /// The place of one loop item (1-based).
    fn item(&self, n: usize) -> Place {
        let mut place = self.clone();
        place.items.push(n);
        place
    }
}

impl Cx<'_> {
    /// setup, then steps (skipped when setup failed), then teardown, always. The caller
    /// runs only collections the selection keeps ([`super::has_selected_steps`]).
    pub(super) async fn run_phases(&self, mut scope: Scope, out: &mut Out<'_>) {
        let setup = Place {
            phase: Phase::Setup,
            prefix: String::new(),
            whole: false,
            items: Vec::new(),
        };
        let before = out.failed;
        self.steps(&self.plan.setup, &mut scope, &setup, out).await;
        let setup_failed = out.failed && !before;
        let main = Place {
            phase: Phase::Steps,
            prefix: String::new(),
            whole: false,
            items: Vec::new(),
        };
        if setup_failed {
            self.not_run(&self.plan.steps, &scope, &main, "setup failed", out);
        } else {
            self.steps(&self.plan.steps, &mut scope, &main, out).await;
        }
        let teardown = Place {
            phase: Phase::Teardown,
            prefix: String::new(),
            whole: false,
            items: Vec::new(),
        };
        self.causes.forget_down();
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
            for (i, step) in steps.iter().enumerate() {
                if self.rc.stopped() && place.phase != Phase::Teardown {
                    self.not_run(&steps[i..], scope, place, &self.rc.not_run(), out);
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

    /// Reports `steps`, which will not run, as skipped with `why` (see [`not_run::walk`]).
    fn not_run(&self, steps: &[StepPlan], scope: &Scope, place: &Place, why: &str, out: &mut Out<'_>) {
        let mut name = |step: &StepPlan, place: &Place| self.name(step, scope, place);
        not_run::walk(
            &self.rc.selection,
            self.plan,
            steps,
            place,
            &mut name,
            &mut self.skip(why, out),
        );
    }

    /// Reports one unit that will not run (a loop item named `display`) as skipped with `why`.
    fn not_run_unit(
        &self,
        step: &StepPlan,
        display: String,
        scope: &Scope,
        place: &Place,
        why: &str,
        out: &mut Out<'_>,
    ) {
        let mut name = |step: &StepPlan, place: &Place| self.name(step, scope, place);
        let mut skip = self.skip(why, out);
        not_run::unit(
            &self.rc.selection,
            self.plan,
            step,
            place,
            display,
            &mut name,
            &mut skip,
        );
    }

    /// Pushes a step, in its place and with its name, as skipped with `why`.
    fn skip<'x>(&'x self, why: &'x str, out: &'x mut Out<'_>) -> impl FnMut(&StepPlan, &Place, String) + 'x {
        move |step, place, name| {
            out.push(self.skipped(
                &At {
                    step,
                    place,
                    name: &name,
                },
                why,
            ));
        }
    }

    fn step<'s>(
        &'s self,
        step: &'s StepPlan,
        scope: &'s mut Scope,
        place: &'s Place,
        out: &'s mut Out<'_>,
    ) -> Fut<'s, ()> {
        Box::pin(async move {
            if excluded(&self.rc.selection, self.plan, step, place) {
                // Nothing is reported, but a later step that needs its captures says why.
                if has_captures(step) {
                    let name = self.name(step, scope, place);
                    let how = exclusion(&self.rc.selection, self.plan, step, place);
                    let at = At {
                        step,
                        place,
                        name: &name,
                    };
                    self.missed(&at, &format!("it was filtered out by `{how}`"), None);
                }
                return;
            }
            let name = self.name(step, scope, place);
            let at = At {
                step,
                place,
                name: &name,
            };
            if let Some(cond) = &step.condition {
                match self.truthy(cond, scope, &step.dir) {
                    Ok(true) => {}
                    Ok(false) => {
                        out.push(self.skipped(&at, "condition is false"));
                        return;
                    }
                    Err(e) => {
                        out.push(self.unrendered(&at, "in `if`", e));
                        return;
                    }
                }
            }
            let Some(for_each) = &step.for_each else {
                self.unit(step, scope, place, &name, out).await;
                return;
            };
            let items = match render_value(&self.rc.renderer, for_each, &self.context(scope, &step.dir)) {
                Ok(serde_json::Value::Array(items)) => items,
                Ok(other) => {
                    let message = format!("in `for_each`: expected a list, got {}", crate::check::kind(&other));
                    out.push(self.errored(&at, &message));
                    return;
                }
                Err(e) => {
                    out.push(self.unrendered(&at, "in `for_each`", e));
                    return;
                }
            };
            // A loop over nothing is one skipped step, not a silent absence; a capture it
            // would have made names the empty list as its cause.
            if items.is_empty() {
                self.missed(&at, "its `for_each` list was empty", None);
                out.push(self.base(&at, StepStatus::Skipped, Some("for_each list is empty".to_owned())));
                return;
            }
            let parallel = step.parallel;
            let len = items.len();
            out.reserve(len);
            let layer = |i: usize, item: &serde_json::Value| {
                crate::render::Context::iteration(&step.item_name, to_mj(item), i, len)
            };
            if parallel <= 1 || len <= 1 {
                for (i, item) in items.iter().enumerate() {
                    if self.rc.stopped() && place.phase != Phase::Teardown {
                        let why = self.rc.not_run();
                        for k in i..len {
                            self.not_run_unit(step, format!("{name} [{}]", k + 1), scope, place, &why, out);
                        }
                        break;
                    }
                    let mut unit_scope = scope.with_layer(layer(i, item));
                    let unit_name = format!("{name} [{}]", i + 1);
                    self.unit(step, &mut unit_scope, &place.item(i + 1), &unit_name, out)
                        .await;
                    scope.layers[0] = unit_scope.layers[0].clone();
                }
                return;
            }
            // Concurrent iterations: each sees the scope as it was when the step started;
            // outcomes and captures are taken in item order.
            let start = scope.clone();
            let units = items.iter().enumerate().map(|(i, item)| {
                let mut unit_scope = start.child().with_layer(layer(i, item));
                let unit_name = format!("{name} [{}]", i + 1);
                let unit_place = place.item(i + 1);
                async move {
                    let mut buf = Out::live(None, false);
                    if self.rc.stopped() && place.phase != Phase::Teardown {
                        self.not_run_unit(step, unit_name, &unit_scope, place, &self.rc.not_run(), &mut buf);
                    } else {
                        self.unit(step, &mut unit_scope, &unit_place, &unit_name, &mut buf)
                            .await;
                    }
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
                let why = format!("{} (during its delay)", self.rc.not_run());
                out.push(self.skipped(&At { step, place, name }, &why));
                return;
            }
        }
        match &step.kind {
            StepKind::Request(r) => {
                // Boxed: the request's state (under 3 KiB, sending boxed apart) would otherwise be part of every
                // unit's future, groups' too, and be copied each time one is moved.
                let outcome = Box::pin(self.request(&At { step, place, name }, r, scope)).await;
                out.push(outcome);
            }
            StepKind::Group(g) => {
                let inner = Place {
                    phase: place.phase,
                    prefix: format!("{name} / "),
                    whole: place.whole || own_selected(&self.rc.selection, self.plan, step, &place.prefix),
                    items: place.items.clone(),
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
                        } else {
                            let why = self.rc.not_run();
                            self.not_run(std::slice::from_ref(s), &unit_scope, &inner, &why, &mut buf);
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
                            out.push(self.unrendered(&At { step, place, name }, &format!("in `vars.{k}`"), e));
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
                            let context = format!("in `vars.{k}` of `{file}`");
                            out.push(self.unrendered(&At { step, place, name }, &context, e));
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

    /// A render error with the step and file it happened in and, for a variable an earlier
    /// step would have captured, which step and why it did not.
    pub(super) fn where_(&self, e: RenderError, step: &StepPlan) -> String {
        let at = self.sources.location(step.span);
        match self.causes.explain(&e) {
            Some(why) => format!("{e} (step at {at}): {why}"),
            None => format!("{e} (step at {at})"),
        }
    }

    /// The outcome of a step whose template did not render (`context` says which:
    /// ``in `if` ``): an error, or a skip when it needs a capture that an unreachable server
    /// kept from being made (that server's error is reported once, where it happened).
    pub(super) fn unrendered(&self, at: &At<'_>, context: &str, e: RenderError) -> StepOutcome {
        if let Some(why) = self.causes.unreachable(&e) {
            return self.skipped_unreachable(at, &why);
        }
        self.errored(at, &format!("{context}: {}", self.where_(e, at.step)))
    }

    /// Records that the captures of `at`'s step (and of the steps inside it) were not made,
    /// because of `fate` (completing "but …").
    pub(super) fn missed(&self, at: &At<'_>, fate: &str, unreachable: Option<&Arc<str>>) {
        captures(at.step, at.name, &at.place.prefix, &mut |capture, producer, name| {
            let file = &self.sources.get(producer.file).display;
            let step = format!("step '{name}' ({file}:{})", producer.span.line());
            self.causes.missed(capture, step, fate.to_owned(), unreachable.cloned());
        });
    }

    /// The outcome of a step run with this status.
    pub(super) fn base(&self, at: &At<'_>, status: StepStatus, message: Option<String>) -> StepOutcome {
        let file = self.sources.get(at.step.file).display.clone();
        let mut outcome = StepOutcome::new(
            at.name.to_owned(),
            at.place.phase,
            file,
            at.step.span.line(),
            status,
            message,
        );
        outcome.description.clone_from(&at.step.description);
        outcome
    }

    pub(super) fn skipped(&self, at: &At<'_>, why: &str) -> StepOutcome {
        self.missed(at, &format!("it was skipped ({why})"), None);
        self.base(at, StepStatus::Skipped, Some(why.to_owned()))
    }

    /// A step skipped because a server it needs was found unreachable (`why` names it and the
    /// step that found it); the steps that need its captures are skipped for the same reason.
    pub(super) fn skipped_unreachable(&self, at: &At<'_>, why: &Arc<str>) -> StepOutcome {
        self.missed(at, &format!("it was skipped ({why})"), Some(why));
        self.base(at, StepStatus::Skipped, Some(why.to_string()))
    }

    /// A step that could not run; with `--fail-fast`, the last to start.
    pub(super) fn errored(&self, at: &At<'_>, message: &str) -> StepOutcome {
        let message = self.secrets.lock().string(message);
        self.missed(at, "it errored", None);
        self.rc.fail_fast(at.name, StepStatus::Errored);
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
