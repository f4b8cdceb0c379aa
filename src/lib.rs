//! Sortie runs API workflows written as YAML collections.
//!
//! The pipeline: load → validate → render → send → check → report.

mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod demo;
pub mod diagnostic;
pub mod event;
pub mod exec;
pub mod exit;
pub mod files;
pub mod jsonpath;
pub mod load;
pub mod model;
pub mod outcome;
pub mod plan;
pub mod redact;
pub mod render;
pub mod report;
pub mod session;
pub mod source;
pub mod text;
pub mod yaml;

use std::ffi::OsString;
use std::process::ExitCode;

/// Runs the `sortie` command line with these arguments (the first is the program name).
pub fn cli_main(args: Vec<OsString>) -> ExitCode {
    use clap::Parser as _;
    match cli::Cli::try_parse_from(args) {
        Ok(cli) => exit::code(app::main(cli.command)),
        Err(e) => {
            let _ = e.print();
            exit::code(if e.use_stderr() { exit::INVALID } else { exit::PASSED })
        }
    }
}

/// The JSON Schema of the collection format, as `sortie schema` prints it.
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(model::Collection).to_value();
    // An absent key and `null` are not the same to the loader: optional keys are not nullable.
    model::strip_null(&mut schema);
    if let Some(map) = schema.as_object_mut() {
        map.insert("$id".into(), "https://sortie.dev/schemas/collection.schema.json".into());
    }
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
