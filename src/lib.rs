//! Sortie runs API workflows written as YAML collections.
//!
//! The pipeline: load → validate → render → send → check → report.

mod app;
mod check;
mod cli;
mod config;
mod diagnostic;
mod event;
mod exec;
mod exit;
mod files;
mod import;
mod jsondoc;
mod jsonpath;
mod load;
mod model;
mod openapi;
mod outcome;
mod plan;
mod preflight;
mod redact;
mod render;
mod report;
mod session;
mod source;
mod text;
mod yaml;

// What callers outside the crate use: the benches run the stages in process,
// the integration tests parse YAML. Everything else is `pub(crate)`.
pub use check::{build_predicate, check};
pub use config::LoadOptions;
pub use jsonpath::JsonPath;
pub use load::load;
pub use model::{Node, NodeKind};
pub use redact::Redactor;

pub use render::{Context, Renderer, to_mj};
pub use source::FileId;
pub use yaml::parse as parse_yaml;

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
