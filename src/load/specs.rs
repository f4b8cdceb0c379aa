//! The OpenAPI specs the collections name (or `--openapi` gives them), each
//! loaded and compiled once however many collections share it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::LoadOptions;
use crate::diagnostic::Diagnostic;
use crate::load::read::Errors;
use crate::model::Collection;
use crate::openapi::{Contract, Spec};
use crate::source::{FileId, Sources};

/// Each parsed collection's contract, in order; errors go to `errors`.
pub(super) fn contracts(
    parsed: &[(FileId, String, Collection, bool)],
    file_root: &Path,
    options: &LoadOptions,
    sources: &mut Sources,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Option<Contract>> {
    // By canonical path; None when it failed (its errors are reported once).
    let mut loaded: HashMap<PathBuf, Option<Arc<Spec>>> = HashMap::new();
    let mut from_flag: Option<Option<Arc<Spec>>> = None;
    let mut out = Vec::with_capacity(parsed.len());
    for (file, _, model, _) in parsed {
        let spec = match &model.openapi {
            Some(o) => {
                let dir = sources.get(*file).dir().to_path_buf();
                let key = crate::files::resolve(file_root, &dir, &o.spec.value).ok();
                match key.as_ref().and_then(|k| loaded.get(k)) {
                    Some(s) => s.clone(),
                    None => {
                        let spec =
                            match crate::openapi::load(&o.spec.value, &dir, file_root, sources, Some(o.spec.span)) {
                                Ok(s) => Some(Arc::new(s)),
                                Err(e) => {
                                    errors.extend(e);
                                    None
                                }
                            };
                        if let Some(k) = key {
                            loaded.insert(k, spec.clone());
                        }
                        spec
                    }
                }
            }
            None => match &options.openapi {
                None => None,
                Some(path) => from_flag
                    .get_or_insert_with(|| {
                        let cwd = std::env::current_dir().unwrap_or_default();
                        let text = path.to_string_lossy();
                        match crate::openapi::load(&text, &cwd, file_root, sources, None) {
                            Ok(s) => Some(Arc::new(s)),
                            Err(e) => {
                                errors.extend(e);
                                None
                            }
                        }
                    })
                    .clone(),
            },
        };
        out.push(spec.map(|spec| {
            let mut errs = Errors::default();
            let (requests, warn_undeclared, ignored) = match &model.openapi {
                Some(o) => (
                    o.requests.unwrap_or(true),
                    o.warn_undeclared,
                    crate::load::contract::ignored(&mut errs, &spec, o),
                ),
                None => (true, false, Vec::new()),
            };
            errors.extend(errs.0);
            Contract {
                spec,
                requests,
                warn_undeclared,
                ignored,
            }
        }));
    }
    out
}
