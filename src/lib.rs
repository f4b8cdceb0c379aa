//! Sortie runs API workflows written as YAML collections.
//!
//! The pipeline: load → validate → render → send → check → report.

pub mod check;
mod cli_stub;
pub mod demo;
pub mod diagnostic;
pub mod event;
pub mod jsonpath;
pub mod load;
pub mod model;
pub mod outcome;
pub mod plan;
pub mod render;
pub mod report;
pub mod source;

pub use cli_stub::cli_main;
