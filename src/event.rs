//! Events the executor emits and reporters consume, in declaration order.

use crate::outcome::{RunOutcome, StepOutcome};

/// Something that happened during a run.
#[derive(Debug, Clone)]
pub(crate) enum Event<'a> {
    CollectionStarted {
        name: &'a str,
        path: &'a str,
    },
    StepFinished {
        collection: &'a str,
        step: &'a StepOutcome,
    },
    /// The collection's last step was reported.
    CollectionFinished,
    RunFinished(&'a RunOutcome),
}

/// What a concurrent run is doing right now, as it happens (not in
/// declaration order): for a progress line, never for a report.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Live<'a> {
    /// A collection started (its path).
    Started(&'a str),
    /// A collection finished (its path); its events come later, in order.
    Finished(&'a str),
}

/// Something that shows [`Live`] notices; called from concurrent collections.
pub(crate) trait Watch: Sync {
    fn live(&self, notice: Live<'_>);
}
