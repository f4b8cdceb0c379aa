//! The check stage: predicates on values a JSONPath selected, Sortie's JSON
//! equality, diffs for failures, and JSON Schema. Pure functions, no HTTP.

pub(crate) mod build;
pub(crate) mod contract;
pub(crate) mod css;
pub(crate) mod diff;
pub(crate) mod equal;
pub(crate) mod moment;
pub(crate) mod predicate;
pub(crate) mod schema;
pub(crate) mod xpath;

pub use build::build_predicate;
pub(crate) use build::{kind, regex_error};
pub use predicate::check;
pub(crate) use predicate::{JsonType, Mismatch, Predicate, predicate_names};
pub(crate) use schema::Schema;
