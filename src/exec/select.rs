//! Which steps a run keeps: `--tag`, `--skip-tag` and `--filter`.

use super::Selection;
use super::flow::Place;
use crate::outcome::Phase;
use crate::plan::{CollectionPlan, StepKind, StepPlan};

/// True when `--tag`, `--skip-tag` and `--filter` keep this step, or one
/// step inside it (a group or an include).
pub(super) fn selected(sel: &Selection, plan: &CollectionPlan, step: &StepPlan, prefix: &str) -> bool {
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

/// True when the selection leaves `step` out where it is (`--tag`, `--skip-tag` and
/// `--filter` apply to the `steps` phase only).
pub(super) fn excluded(sel: &Selection, plan: &CollectionPlan, step: &StepPlan, place: &Place) -> bool {
    place.phase == Phase::Steps
        && (sel.skip_tags.iter().any(|t| step.tags.contains(t))
            || !place.whole && !selected(sel, plan, step, &place.prefix))
}

/// The flag that leaves an [excluded] step out, as a user wrote it: `--skip-tag slow`,
/// `--tag smoke`, `--filter Who`.
pub(super) fn exclusion(sel: &Selection, plan: &CollectionPlan, step: &StepPlan, place: &Place) -> String {
    if let Some(tag) = sel.skip_tags.iter().find(|t| step.tags.contains(t)) {
        return format!("--skip-tag {tag}");
    }
    let by_tags = super::Selection {
        filter: None,
        ..sel.clone()
    };
    match &sel.filter {
        Some(filter) if selected(&by_tags, plan, step, &place.prefix) => format!("--filter {filter}"),
        _ => format!("--tag {}", sel.tags.join(" --tag ")),
    }
}

/// True when the step itself matches the selection (its tags and its name).
/// (A skip-tagged step never gets here: `selected` and `step` refuse it first.)
pub(super) fn own_selected(sel: &Selection, plan: &CollectionPlan, step: &StepPlan, prefix: &str) -> bool {
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
