//! The check stage: predicates on values a JSONPath selected, Sortie's JSON
//! equality, diffs for failures, and JSON Schema. Pure functions, no HTTP.

pub mod build;
pub mod diff;
pub mod equal;
pub mod predicate;
pub mod schema;

pub use build::{build_predicate, kind, regex_error};
pub use diff::diff;
pub use equal::json_equal;
pub use predicate::{JsonType, Mismatch, Predicate, check, predicate_names};
pub use schema::Schema;

/// Checks every predicate of one expectation (all must hold) and returns the
/// ones that did not, in order: a report shows each failing predicate.
#[cfg(test)]
pub fn check_all(predicates: &[Predicate], actual: Option<&serde_json::Value>) -> Vec<Mismatch> {
    predicates.iter().filter_map(|p| check(p, actual).err()).collect()
}
