//! Sortie runs API workflows written as YAML collections.
//!
//! The pipeline: load → validate → render → send → check → report.

pub mod event;
pub mod outcome;
pub mod render;
pub mod report;
