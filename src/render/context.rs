//! The render context: layered variables, the environment as `env`, and the template's folder.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

use super::functions::{DIR_KEY, TemplateDir};

/// What a template sees: layers of variables, the environment as `env`, and the folder of the
/// file holding the template (for `read_file` and friends).
///
/// It is a minijinja [`Object`], so a render looks names up lazily instead of building a map.
/// `env` always means the environment: a layer key named `env` is never seen. For `for_each`,
/// the executor pushes a front layer with the item and `loop` (see [`Context::iteration`]).
#[derive(Clone)]
pub struct Context {
    /// Searched first to last: the first layer that has a name wins.
    pub layers: Vec<Arc<IndexMap<String, Value>>>,
    /// The environment, read as `env.NAME`; a missing key is undefined.
    pub env: Arc<BTreeMap<String, String>>,
    /// The folder of the file that holds the template.
    pub dir: Arc<Path>,
}

impl fmt::Debug for Context {
    // Names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("names", &self.names().collect::<Vec<_>>())
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context from its parts.
    pub fn new(
        layers: Vec<Arc<IndexMap<String, Value>>>,
        env: Arc<BTreeMap<String, String>>,
        dir: Arc<Path>,
    ) -> Context {
        Context { layers, env, dir }
    }

    /// This context with `layer` in front of the others.
    #[cfg(test)]
    pub fn with_front_layer(&self, layer: Arc<IndexMap<String, Value>>) -> Context {
        let mut layers = Vec::with_capacity(self.layers.len() + 1);
        layers.push(layer);
        layers.extend(self.layers.iter().cloned());
        Context {
            layers,
            env: self.env.clone(),
            dir: self.dir.clone(),
        }
    }

    /// The front layer of one `for_each` iteration: the item under `name`, and `loop` with
    /// `index` (1-based), `index0`, `first`, `last` and `length`.
    pub fn iteration(name: &str, item: Value, index0: usize, length: usize) -> IndexMap<String, Value> {
        let info = Value::from_object(LoopInfo { index0, length });
        let mut layer = IndexMap::with_capacity(2);
        layer.insert(name.to_string(), item);
        layer.insert("loop".to_string(), info);
        layer
    }

    /// The value of a top-level name: `env`, else the first layer that has it.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if name == "env" {
            return Some(Value::from_dyn_object(self.env.clone()));
        }
        self.layers.iter().find_map(|l| l.get(name).cloned())
    }

    /// Every top-level name, `env` first (duplicates across layers included).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once("env").chain(self.layers.iter().flat_map(|l| l.keys().map(String::as_str)))
    }

    pub(super) fn to_value(&self) -> Value {
        Value::from_object(self.clone())
    }
}

impl Object for Context {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        if key == DIR_KEY {
            return Some(Value::from_object(TemplateDir(self.dir.clone())));
        }
        self.lookup(key)
    }
}

/// `loop` of one `for_each` iteration: a map of five keys, computed on lookup (building a
/// minijinja map per iteration cost more than the rest of preparing a request).
#[derive(Debug)]
struct LoopInfo {
    index0: usize,
    length: usize,
}

impl Object for LoopInfo {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "index" => Value::from(self.index0 + 1),
            "index0" => Value::from(self.index0),
            "first" => Value::from(self.index0 == 0),
            "last" => Value::from(self.index0 + 1 == self.length),
            "length" => Value::from(self.length),
            _ => return None,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["index", "index0", "first", "last", "length"])
    }
}
