//! Read collection files, parse them with spans, resolve includes and paths,
//! validate, and compile them into a [`Plan`].

pub(crate) mod auth;
pub(crate) mod collection;
pub(crate) mod compile;
pub(crate) mod contract;
pub(crate) mod expect;
mod names;
pub(crate) mod planner;
pub(crate) mod read;
pub(crate) mod request;
pub(crate) mod schema;
mod secrets;
pub(crate) mod snapshot;
mod specs;

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::LoadOptions;
use crate::diagnostic::{Diagnostic, Masks};
use crate::files::io_reason;
use crate::plan::Plan;
use crate::render::Renderer;
use crate::source::Sources;

use self::compile::Compiler;
use self::read::Errors;
use crate::yaml;

/// The outcome of loading: a plan, or every error found.
pub struct Loaded {
    pub plan: Plan,
    pub sources: Sources,
    pub errors: Vec<Diagnostic>,
    /// What is shown but does not make the input invalid.
    pub warnings: Vec<Diagnostic>,
    /// The secrets known at load, which errors and warnings must not quote.
    pub masks: Masks,
    /// The number of collection files read.
    pub files: usize,
}

/// Loads, validates and compiles the collections at `files`.
pub fn load(files: &[PathBuf], renderer: &Renderer, options: &LoadOptions) -> Loaded {
    let mut sources = Sources::default();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut plan = Plan::default();
    let file_root = match options.file_root.canonicalize() {
        Ok(root) => root,
        Err(e) => {
            errors.push(Diagnostic::new(format!(
                "the file root `{}` cannot be read: {}",
                options.file_root.display(),
                io_reason(&e)
            )));
            return Loaded {
                plan,
                sources,
                errors,
                warnings,
                masks: Masks::default(),
                files: 0,
            };
        }
    };
    let mut parsed = Vec::new();
    let mut secret_names: std::collections::HashSet<String> = options.secrets.iter().cloned().collect();
    let mut literal_secrets = Vec::new();
    for path in files {
        let display = path.display().to_string();
        let text = match crate::files::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    errors.push(Diagnostic::new(format!("`{display}` is not UTF-8 text")));
                    continue;
                }
            },
            Err(e) => {
                errors.push(Diagnostic::new(format!("cannot read `{display}`: {}", io_reason(&e))));
                continue;
            }
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        let file = sources.add(display.clone(), canonical, Arc::from(text.as_str()));
        let mut errs = Errors::default();
        match yaml::parse(file, &text) {
            Ok(root) => {
                secrets::literals(&root, &secret_names, &mut literal_secrets);
                if let Some(model) = collection::collection(&mut errs, &root) {
                    let base_url_written = collection::names_key(&root, "base_url");
                    secret_names.extend(model.secrets.iter().flatten().map(|s| s.value.clone()));
                    parsed.push((file, display, model, base_url_written));
                }
            }
            Err(d) => errs.push(d),
        }
        errors.extend(errs.0);
    }
    let compiler = Compiler {
        renderer,
        file_root,
        paths: std::cell::RefCell::default(),
        schemas: std::cell::RefCell::default(),
        reads: std::cell::RefCell::default(),
    };
    let contracts = specs::contracts(&parsed, &compiler.file_root, options, &mut sources, &mut errors);
    let mut planner = planner::Planner::new(compiler, &mut sources, options.timeout);
    planner.secret_names = secret_names.clone();
    for ((file, display, model, base_url_written), contract) in parsed.iter().zip(contracts) {
        planner.contract = contract;
        let mut errs = Errors::default();
        let collection = planner.collection(&mut errs, *file, display, model, *base_url_written);
        errors.extend(errs.0);
        warnings.extend(names::undefined(&collection, &options.given_vars, renderer.functions()));
        plan.collections.push(collection);
    }
    literal_secrets.append(&mut planner.literal_secrets);
    let named: Vec<_> = plan
        .collections
        .iter()
        .zip(&parsed)
        .map(|(c, (_, _, model, _))| (c, model.secrets.as_ref()))
        .collect();
    warnings.extend(secrets::unknown_names(
        &named,
        &options.secrets,
        &options.given_vars,
        &options.env_names,
    ));
    warnings.extend(secrets::too_short(&literal_secrets, &options.secret_values));
    let mut masks = Masks {
        keys: secret_names.into_iter().collect(),
        ..Masks::default()
    };
    for value in literal_secrets
        .iter()
        .map(|s| &s.value)
        .chain(options.secret_values.iter().map(|(_, v)| v))
    {
        masks.redactor.add(value);
    }
    // Errors read best in file order, whichever pass found them.
    errors.sort_by_key(|d| d.span.map(|s| (s.file, s.start.line, s.start.col)));
    Loaded {
        plan,
        sources,
        errors,
        warnings,
        masks,
        files: files.len(),
    }
}
