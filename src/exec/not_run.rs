//! Steps that never ran are reported as skipped, with the reason, so that every report counts
//! them: the rest of a run stopped by `--fail-fast` or Ctrl-C, the steps after a failed setup,
//! and the collections a stopped run never started.

use std::time::{Duration, SystemTime};

use super::flow::Place;
use super::select::{excluded, own_selected};
use super::{RunContext, Selection};
use crate::outcome::{CollectionOutcome, Phase, StepOutcome, StepStatus};
use crate::plan::{CollectionPlan, StepKind, StepPlan};
use crate::source::Sources;

/// Walks `steps` as the run would have reached them, leaving out what the selection leaves
/// out: a group's and an include's steps one by one, a step with `for_each` as one (its list was
/// never rendered). `name` gives a step's display name in its place; `each` gets every step to
/// report, its place and that name.
pub(super) fn walk(
    sel: &Selection,
    plan: &CollectionPlan,
    steps: &[StepPlan],
    place: &Place,
    name: &mut dyn FnMut(&StepPlan, &Place) -> String,
    each: &mut dyn FnMut(&StepPlan, &Place, String),
) {
    for step in steps {
        if excluded(sel, plan, step, place) {
            continue;
        }
        let display = name(step, place);
        if step.for_each.is_some() {
            each(step, place, display);
        } else {
            unit(sel, plan, step, place, display, name, each);
        }
    }
}

/// One unit that never started (a step, or one item of a loop, named `display`): a request
/// step as itself, a group's or an include's steps one by one.
pub(super) fn unit(
    sel: &Selection,
    plan: &CollectionPlan,
    step: &StepPlan,
    place: &Place,
    display: String,
    name: &mut dyn FnMut(&StepPlan, &Place) -> String,
    each: &mut dyn FnMut(&StepPlan, &Place, String),
) {
    match &step.kind {
        StepKind::Request(_) => each(step, place, display),
        StepKind::Group(g) => {
            let inner = Place {
                phase: place.phase,
                whole: place.whole || own_selected(sel, plan, step, &place.prefix),
                prefix: format!("{display} / "),
                items: place.items.clone(),
            };
            walk(sel, plan, &g.steps, &inner, name, each);
        }
        StepKind::Include(i) => walk(sel, plan, &i.steps, place, name, each),
    }
}

/// The outcome of a selected collection that a stopped run never started: every step
/// skipped, setup and teardown included (they never ran either).
pub(super) fn unstarted(rc: &RunContext, plan: &CollectionPlan, sources: &Sources) -> CollectionOutcome {
    let why = rc.not_run();
    let mut steps = Vec::new();
    for (phase, list) in [
        (Phase::Setup, &plan.setup),
        (Phase::Steps, &plan.steps),
        (Phase::Teardown, &plan.teardown),
    ] {
        let place = Place {
            phase,
            prefix: String::new(),
            whole: false,
            items: Vec::new(),
        };
        // Names as written: the collection's vars were never rendered.
        let mut name = |step: &StepPlan, place: &Place| format!("{}{}", place.prefix, step.name.template.source());
        let mut each = |step: &StepPlan, place: &Place, display: String| {
            let mut outcome = StepOutcome::new(
                display,
                place.phase,
                sources.get(step.file).display.clone(),
                step.span.line(),
                StepStatus::Skipped,
                Some(why.clone()),
            );
            outcome.description.clone_from(&step.description);
            steps.push(outcome);
        };
        walk(&rc.selection, plan, list, &place, &mut name, &mut each);
    }
    CollectionOutcome {
        name: plan.name.clone(),
        path: plan.path.clone(),
        tags: plan.tags.clone(),
        steps,
        started: SystemTime::now(),
        duration: Duration::ZERO,
    }
}
