//! Events the executor emits and reporters consume, in declaration order.

use crate::outcome::{CollectionOutcome, RunOutcome, StepOutcome};

/// Something that happened during a run.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    CollectionStarted { name: &'a str, path: &'a str },
    StepFinished { collection: &'a str, step: &'a StepOutcome },
    CollectionFinished(&'a CollectionOutcome),
    RunFinished(&'a RunOutcome),
}
