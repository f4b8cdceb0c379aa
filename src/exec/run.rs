//! A whole run: the selected collections, one at a time or `--jobs` at once
//! (each on its own session), every event emitted once and in declaration
//! order.

use std::time::Instant;

use futures_util::StreamExt as _;

use super::not_run::unstarted;
use super::{RunContext, run_collection};
use crate::event::{Event, Live, Watch};
use crate::openapi::coverage::Coverage;
use crate::outcome::{CollectionOutcome, RunOutcome, StepOutcome};
use crate::plan::CollectionPlan;
use crate::source::Sources;

/// Runs `collections`, up to `jobs` at once, and returns the run's outcome.
///
/// `emit` sees every event once, in declaration order, whatever the number of
/// jobs: with one job each step as soon as it is final; with more, each
/// collection's events when it is done, in the order given (output never
/// interleaves). `watch` hears what starts and finishes as it happens.
pub(crate) async fn run(
    rc: &RunContext,
    collections: &[&CollectionPlan],
    sources: &Sources,
    jobs: usize,
    watch: &dyn Watch,
    emit: &mut dyn FnMut(&Event<'_>),
) -> RunOutcome {
    let clock = Instant::now();
    let mut outcomes = Vec::with_capacity(collections.len());
    if jobs <= 1 {
        for plan in collections {
            if rc.stopped() {
                // Never started, yet counted: every report shows what did not run.
                let outcome = unstarted(rc, plan, sources);
                replay(&outcome, emit);
                outcomes.push(outcome);
                continue;
            }
            emit(&Event::CollectionStarted {
                name: &plan.name,
                path: &plan.path,
            });
            let mut live = |step: &StepOutcome| {
                emit(&Event::StepFinished {
                    collection: &plan.name,
                    step,
                });
            };
            let outcome = run_collection(rc, plan, sources, Some(&mut live)).await;
            emit(&Event::CollectionFinished);
            outcomes.push(outcome);
        }
    } else {
        let runs = collections.iter().map(|plan| async move {
            if rc.stopped() {
                return unstarted(rc, plan, sources);
            }
            watch.live(Live::Started(&plan.path));
            let outcome = run_collection(rc, plan, sources, None).await;
            watch.live(Live::Finished(&plan.path));
            outcome
        });
        let mut results = futures_util::stream::iter(runs).buffered(jobs);
        while let Some(outcome) = results.next().await {
            replay(&outcome, emit);
            outcomes.push(outcome);
        }
    }
    let openapi = coverage(collections, &outcomes);
    let coverage_failed = rc.min_coverage.and_then(|min| gate(&openapi, min));
    let run = RunOutcome {
        collections: outcomes,
        duration: clock.elapsed(),
        interrupted: rc.interrupted(),
        openapi,
        coverage_failed,
    };
    emit(&Event::RunFinished(&run));
    run
}

/// The events of a collection that ran elsewhere (or never started), in order.
fn replay(outcome: &CollectionOutcome, emit: &mut dyn FnMut(&Event<'_>)) {
    emit(&Event::CollectionStarted {
        name: &outcome.name,
        path: &outcome.path,
    });
    for step in &outcome.steps {
        emit(&Event::StepFinished {
            collection: &outcome.name,
            step,
        });
    }
    emit(&Event::CollectionFinished);
}

/// The coverage of every spec the collections check against, from the steps' outcomes.
fn coverage(collections: &[&CollectionPlan], outcomes: &[CollectionOutcome]) -> Vec<Coverage> {
    let mut specs: Vec<(&crate::openapi::Spec, Vec<usize>)> = Vec::new();
    for c in collections.iter().filter_map(|c| c.contract.as_ref()) {
        match specs.iter_mut().find(|(s, _)| std::ptr::eq(*s, &*c.spec)) {
            Some((_, ignored)) => ignored.extend(&c.ignored),
            None => specs.push((&c.spec, c.ignored.clone())),
        }
    }
    let mut out: Vec<Coverage> = specs.iter().map(|(s, ignored)| Coverage::new(s, ignored)).collect();
    for hit in outcomes
        .iter()
        .flat_map(|c| &c.steps)
        .filter_map(|s| s.contract.as_ref())
    {
        if let Some(c) = out.iter_mut().find(|c| *c.spec == *hit.spec) {
            c.record(hit);
        }
    }
    out
}

/// Why `--min-coverage` fails the run, if it does.
fn gate(coverage: &[Coverage], min: f64) -> Option<String> {
    let low: Vec<String> = coverage
        .iter()
        .filter(|c| c.figures().percent() < min)
        .map(|c| format!("{:.1}% of the operations of {}", c.figures().percent(), c.spec))
        .collect();
    if coverage.is_empty() {
        return Some(format!(
            "--min-coverage {min}% needs an OpenAPI spec: no collection checks against one"
        ));
    }
    (!low.is_empty()).then(|| format!("OpenAPI coverage below --min-coverage {min}%: {}", low.join(", ")))
}
