//! Sortie runs API workflows written as YAML collections.
//!
//! The pipeline: load → validate → render → send → check → report.

pub mod check;
pub mod event;
pub mod jsonpath;
pub mod outcome;
