//! Variables as the executor sees them: layers looked up first to last, the
//! first always the captures of the running unit.

use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;

type Layer = Arc<IndexMap<String, Value>>;

/// The variables visible to a step.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scope {
    /// `layers[0]` takes captures; the first layer that has a name wins.
    pub layers: Vec<Layer>,
}

impl Scope {
    /// A scope with an empty captures layer in front of `layers`.
    pub(crate) fn new(layers: Vec<Layer>) -> Scope {
        let mut all = vec![Layer::default()];
        all.extend(layers);
        Scope { layers: all }
    }

    /// Records a capture.
    pub(crate) fn set(&mut self, name: String, value: Value) {
        Arc::make_mut(&mut self.layers[0]).insert(name, value);
    }

    /// A scope for a concurrent unit: its own captures, the rest as it is now.
    pub(crate) fn child(&self) -> Scope {
        Scope::new(self.layers.clone())
    }

    /// This scope with `layer` right behind the captures (a loop item).
    pub(crate) fn with_layer(&self, layer: IndexMap<String, Value>) -> Scope {
        let mut layers = self.layers.clone();
        layers.insert(1, Arc::new(layer));
        Scope { layers }
    }

    /// The captures made in this scope's own layer.
    pub(crate) fn captures(&self) -> &IndexMap<String, Value> {
        &self.layers[0]
    }

    /// Takes the captures of `other` (a finished unit) into this scope.
    pub(crate) fn merge(&mut self, other: &Scope) {
        for (k, v) in other.captures() {
            self.set(k.clone(), v.clone());
        }
    }
}
