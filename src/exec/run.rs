//! A whole run: the selected collections, one at a time or `--jobs` at once
//! (each on its own session), every event emitted once and in declaration
//! order.

use std::time::Instant;

use futures_util::StreamExt as _;

use super::not_run::unstarted;
use super::{RunContext, run_collection};
use crate::event::{Event, Live, Watch};
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
    let run = RunOutcome {
        collections: outcomes,
        duration: clock.elapsed(),
        interrupted: rc.interrupted(),
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
