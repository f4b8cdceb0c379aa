//! Shared compiling helpers: templates with their spans, value trees, file
//! paths that must stay inside the file root.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::load::read::Errors;
use crate::model::{Node, NodeKind};
use crate::plan::{TValue, Tpl};
use crate::render::{Renderer, Template, TemplateError};
use crate::source::{Span, Spanned};

/// What every compile step needs.
pub(crate) struct Compiler<'a> {
    pub renderer: &'a Renderer,
    /// Canonical; files read by a collection must resolve inside it.
    pub file_root: PathBuf,
    /// JSONPaths compiled so far, by their text: long collections repeat the
    /// same few paths, and a compiled path is shared (an `Arc` inside).
    pub paths: std::cell::RefCell<std::collections::HashMap<String, crate::jsonpath::JsonPath>>,
    /// Schema files compiled so far, by canonical path (only the ones that compiled).
    pub schemas: std::cell::RefCell<std::collections::HashMap<PathBuf, std::sync::Arc<crate::check::Schema>>>,
    /// The top-level names read by the templates compiled since the collection began.
    pub reads: std::cell::RefCell<std::collections::BTreeSet<String>>,
}

impl Compiler<'_> {
    /// Compiles a JSONPath once per distinct text.
    pub(crate) fn jsonpath(&self, text: &str) -> Result<crate::jsonpath::JsonPath, String> {
        if let Some(p) = self.paths.borrow().get(text) {
            return Ok(p.clone());
        }
        let p = crate::jsonpath::JsonPath::parse(text)?;
        self.paths.borrow_mut().insert(text.to_owned(), p.clone());
        Ok(p)
    }

    /// Compiles a template, pointing a syntax error at its exact character.
    pub(crate) fn tpl(&self, errs: &mut Errors, text: &str, span: Span, quoted: bool) -> Option<Tpl> {
        self.reading(compiled(errs, self.renderer.compile(text), text, span, quoted))
    }

    /// Compiles a condition (`if:`): an expression, `{{ }}` around it optional.
    pub(crate) fn condition(&self, errs: &mut Errors, node: &Node) -> Option<Tpl> {
        let (text, quoted) = match &node.kind {
            NodeKind::Str { value, plain } => (value.clone(), !plain),
            _ => (node.key_text(), false),
        };
        self.reading(compiled(
            errs,
            self.renderer.compile_condition(&text),
            &text,
            node.span,
            quoted,
        ))
    }

    /// Records the names a compiled template reads.
    fn reading(&self, tpl: Option<Tpl>) -> Option<Tpl> {
        if let Some(t) = &tpl {
            self.reads.borrow_mut().extend(t.template.variables());
        }
        tpl
    }

    pub(crate) fn spanned(&self, errs: &mut Errors, s: &Spanned<String>) -> Option<Tpl> {
        // A quoted scalar's span holds its quotes too; a plain one's is exactly its text.
        let width = (s.span.end.col as usize).saturating_sub(s.span.start.col as usize);
        let quoted = s.span.start.line == s.span.end.line && width >= s.value.chars().count() + 2;
        self.tpl(errs, &s.value, s.span, quoted)
    }

    /// Compiles a string node, knowing whether it was quoted.
    pub(crate) fn node_tpl(&self, errs: &mut Errors, node: &Node) -> Option<Tpl> {
        match &node.kind {
            NodeKind::Str { value, plain } => self.tpl(errs, value, node.span, !plain),
            _ => self.tpl(errs, &node.key_text(), node.span, false),
        }
    }

    /// A text shown as it is, whatever it holds.
    pub(crate) fn literal(text: &str, span: Span) -> Tpl {
        Tpl {
            template: crate::render::Template::Literal(text.into()),
            span,
        }
    }

    /// A value tree; subtrees without templates become one constant.
    pub(crate) fn tvalue(&self, errs: &mut Errors, node: &Node) -> Option<TValue> {
        let value = match &node.kind {
            NodeKind::Str { value, .. } if crate::render::has_markup(value) => TValue::Str(self.node_tpl(errs, node)?),
            // A tree whose parts are all constant is one constant, built from the parts
            // (not converted again from the node at every level).
            NodeKind::Seq(items) => {
                let items: Vec<TValue> = items.iter().filter_map(|n| self.tvalue(errs, n)).collect();
                if items.iter().all(|v| matches!(v, TValue::Const(_))) {
                    TValue::Const(serde_json::Value::Array(
                        items.into_iter().filter_map(TValue::into_const).collect(),
                    ))
                } else {
                    TValue::Seq(items)
                }
            }
            NodeKind::Map(entries) => {
                let items: Vec<(String, TValue)> = entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.key_text(), self.tvalue(errs, v)?)))
                    .collect();
                if items.iter().all(|(_, v)| matches!(v, TValue::Const(_))) {
                    TValue::Const(serde_json::Value::Object(
                        items
                            .into_iter()
                            .filter_map(|(k, v)| Some((k, v.into_const()?)))
                            .collect(),
                    ))
                } else {
                    TValue::Map(items)
                }
            }
            _ => TValue::Const(node.to_json()),
        };
        Some(value)
    }

    /// A map whose values may hold templates (headers, query, form, vars), in order.
    pub(crate) fn pairs(&self, errs: &mut Errors, map: Option<&crate::model::Map<Node>>) -> Vec<(String, TValue)> {
        map.map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.value.clone(), self.tvalue(errs, v)?)))
                .collect()
        })
        .unwrap_or_default()
    }

    /// Resolves a relative path against `dir`; it must exist and stay inside the file root.
    pub(crate) fn path(&self, errs: &mut Errors, dir: &Path, path: &Spanned<String>) -> Option<PathBuf> {
        match crate::files::resolve(&self.file_root, dir, &path.value) {
            Ok(p) => Some(p),
            Err(d) => {
                errs.push(Diagnostic {
                    span: Some(path.span),
                    ..d
                });
                None
            }
        }
    }
}

/// A compiled template, or its error pointed at the exact character.
fn compiled(
    errs: &mut Errors,
    compiled: Result<Template, TemplateError>,
    text: &str,
    span: Span,
    quoted: bool,
) -> Option<Tpl> {
    match compiled {
        Ok(template) => Some(Tpl { template, span }),
        Err(e) => {
            let at = match e.range {
                Some(r) if span.start.line == span.end.line => {
                    let start = text.get(..r.start).map_or(0, |s| s.chars().count());
                    let len = text.get(r.clone()).map_or(1, |s| s.chars().count());
                    span.sub(start + usize::from(quoted), len)
                }
                _ => span,
            };
            errs.push(Diagnostic::at(format!("invalid template: {}", e.message), at));
            None
        }
    }
}
