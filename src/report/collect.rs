//! What the file reporters that write at the end share: collecting the
//! collections as they finish, so the run they write is the one the console saw.

use std::borrow::Cow;
use std::mem;

use crate::event::Event;
use crate::outcome::{CollectionOutcome, RunOutcome, StepOutcome};

/// Collects a run from its events.
pub struct Collector {
    collections: Vec<CollectionOutcome>,
    /// The running collection's steps as they finished, whole: the executor
    /// slims passed steps afterwards, and some reports show their details.
    steps: Vec<StepOutcome>,
    whole_steps: bool,
}

impl Collector {
    /// `whole_steps`: keep every step as it was when it finished (headers,
    /// bodies, curl), not the slimmed copy of the collection's outcome.
    pub fn new(whole_steps: bool) -> Self {
        Collector {
            collections: Vec::new(),
            steps: Vec::new(),
            whole_steps,
        }
    }

    /// Takes an event in; on `RunFinished`, returns the run to write: the
    /// collections collected, or the event's own when none came.
    pub fn feed<'e>(&mut self, event: &'e Event<'_>) -> Option<Cow<'e, RunOutcome>> {
        match event {
            Event::CollectionStarted { .. } => self.steps.clear(),
            Event::StepFinished { step, .. } => {
                if self.whole_steps {
                    self.steps.push((*step).clone());
                }
            }
            Event::CollectionFinished(c) => {
                let mut collection = (*c).clone();
                if self.whole_steps && self.steps.len() == c.steps.len() {
                    collection.steps = mem::take(&mut self.steps);
                }
                self.steps.clear();
                self.collections.push(collection);
            }
            Event::RunFinished(run) => {
                if self.collections.is_empty() {
                    return Some(Cow::Borrowed(*run));
                }
                return Some(Cow::Owned(RunOutcome {
                    collections: mem::take(&mut self.collections),
                    duration: run.duration,
                    interrupted: run.interrupted,
                }));
            }
        }
        None
    }
}
