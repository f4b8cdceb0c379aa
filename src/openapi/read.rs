//! A spec's files → a [`Spec`]: the root file and every file its `$ref`s name
//! (inside the file root; nothing is fetched), read with spans; the structure
//! OpenAPI fixes checked where Sortie relies on it; every schema compiled once
//! against one registry of the files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::pointer::{collect_refs, get, pointer};
use super::{Spec, SpecFile};
use crate::diagnostic::Diagnostic;
use crate::files::{display_path, io_reason};
use crate::model::{Node, NodeKind};
use crate::source::{Sources, Span};

/// `$ref`s followed in a row before the chain is called a loop.
const MAX_HOPS: usize = 32;

/// A spec may not be split over more files than this.
const MAX_FILES: usize = 1000;

const ROOT_KEYS: &[&str] = &[
    "openapi",
    "info",
    "jsonSchemaDialect",
    "servers",
    "paths",
    "webhooks",
    "components",
    "security",
    "tags",
    "externalDocs",
];
/// Loads and compiles the spec at `path` (as written, relative to `dir`). `root` is the
/// canonical file root its `$ref`s must stay inside; `written` is where the path was
/// written (None for `--openapi`), for the errors about the file itself.
pub(crate) fn load(
    path: &str,
    dir: &Path,
    root: &Path,
    sources: &mut Sources,
    written: Option<Span>,
) -> Result<Spec, Vec<Diagnostic>> {
    let at = |d: Diagnostic| match written {
        Some(span) => Diagnostic { span: Some(span), ..d },
        None => d,
    };
    let canonical = match written {
        Some(_) => crate::files::resolve(root, dir, path).map_err(|d| vec![at(d)])?,
        None => dir.join(path).canonicalize().map_err(|e| {
            vec![Diagnostic::new(format!(
                "cannot read the OpenAPI document `{path}`: {}",
                io_reason(&e)
            ))]
        })?,
    };
    let mut r = Reader {
        root: root.to_path_buf(),
        docs: Vec::new(),
        by_path: HashMap::new(),
        named: HashMap::new(),
        errs: Vec::new(),
        sources,
    };
    let display = if written.is_some() {
        display_path(&canonical)
    } else {
        path.to_owned()
    };
    let first = r.read(&canonical, display).map_err(|d| vec![at(d)])?;
    let v30 = r.version(first)?;
    r.follow_refs();
    if !r.errs.is_empty() {
        return Err(r.errs);
    }
    r.build(v30)
}

pub(super) struct Doc {
    pub path: PathBuf,
    /// `file:///…`: its id in the schema registry.
    pub uri: String,
    pub display: String,
    pub node: Node,
}

pub(super) struct Reader<'s> {
    root: PathBuf,
    pub docs: Vec<Doc>,
    by_path: HashMap<PathBuf, usize>,
    /// The file a `$ref`'s file part names from a document (by its index): a spec
    /// repeats the same few thousand times, and resolving one is a system call.
    named: HashMap<(usize, String), usize>,
    errs: Vec<Diagnostic>,
    sources: &'s mut Sources,
}

/// A place in the spec: a file, and a JSON pointer in it.
#[derive(Clone)]
pub(super) struct At {
    pub doc: usize,
    pub pointer: String,
}

impl At {
    pub(super) fn child(&self, key: &str) -> At {
        At {
            doc: self.doc,
            pointer: format!("{}/{}", self.pointer, key.replace('~', "~0").replace('/', "~1")),
        }
    }
}

impl Reader<'_> {
    /// Reads and parses one file, once.
    fn read(&mut self, canonical: &Path, display: String) -> Result<usize, Diagnostic> {
        if let Some(&i) = self.by_path.get(canonical) {
            return Ok(i);
        }
        if self.docs.len() >= MAX_FILES {
            return Err(Diagnostic::new(format!(
                "the OpenAPI document refers to more than {MAX_FILES} files"
            )));
        }
        let text = crate::files::read_to_string(canonical).map_err(|e| {
            Diagnostic::new(format!(
                "cannot read the OpenAPI document `{display}`: {}",
                io_reason(&e)
            ))
        })?;
        let file = self
            .sources
            .add(display.clone(), canonical.to_path_buf(), Arc::from(text.as_str()));
        let node = crate::yaml::parse(file, &text)?;
        let uri = url::Url::from_file_path(canonical)
            .map_or_else(|()| format!("file:///{}", canonical.display()), String::from);
        self.docs.push(Doc {
            path: canonical.to_path_buf(),
            uri,
            display,
            node,
        });
        self.by_path.insert(canonical.to_path_buf(), self.docs.len() - 1);
        Ok(self.docs.len() - 1)
    }

    /// The `openapi` version of the root file: true for 3.0. Swagger 2.0 and
    /// anything that is not OpenAPI 3 are refused.
    fn version(&self, doc: usize) -> Result<bool, Vec<Diagnostic>> {
        let node = &self.docs[doc].node;
        let one = |d: Diagnostic| Err(vec![d]);
        if !matches!(node.kind, NodeKind::Map(_)) {
            return one(Diagnostic::at(
                format!(
                    "an OpenAPI document is a map with `openapi` and `paths`, found {}",
                    node.describe()
                ),
                node.span,
            ));
        }
        if let Some(v) = get(node, "swagger") {
            return one(Diagnostic::at(
                "this is a Swagger 2.0 document: Sortie reads OpenAPI 3.0 and 3.1",
                v.span,
            )
            .with_help("convert it to OpenAPI 3, for example with `npx swagger2openapi`"));
        }
        let Some(v) = get(node, "openapi") else {
            return one(
                Diagnostic::at("not an OpenAPI document: it has no `openapi` version", node.span)
                    .with_help("an OpenAPI 3 document starts with `openapi: 3.1.0` (or 3.0.x)"),
            );
        };
        let text = v.as_str().map_or_else(|| v.key_text(), str::to_owned);
        if text.starts_with("3.0") {
            Ok(true)
        } else if text.starts_with("3.1") {
            Ok(false)
        } else {
            let d = Diagnostic::at(
                format!("OpenAPI `{text}` is not supported: Sortie reads OpenAPI 3.0 and 3.1"),
                v.span,
            );
            one(if v.as_str().is_none() {
                d.with_help(format!("write the version as a string: `openapi: \"{text}\"`"))
            } else {
                d
            })
        }
    }

    /// Reads every file a `$ref` names (breadth first) and checks every `$ref`'s target.
    fn follow_refs(&mut self) {
        let mut refs = Vec::new();
        let mut next = 0;
        while next < self.docs.len() {
            let mut found = Vec::new();
            collect_refs(&self.docs[next].node, &mut found);
            for (value, span) in found {
                let (file, fragment) = value.split_once('#').unwrap_or((value.as_str(), ""));
                if file.contains(':') && url::Url::parse(file).is_ok() {
                    self.errs.push(
                        Diagnostic::at(
                            format!(
                                "remote `$ref` `{value}`: a spec is read from local files only, nothing is fetched"
                            ),
                            span,
                        )
                        .with_help("save the document inside the file root and refer to it by a relative path"),
                    );
                    continue;
                }
                let target = if file.is_empty() {
                    next
                } else if let Some(&doc) = self.named.get(&(next, file.to_owned())) {
                    doc
                } else {
                    let dir = self.docs[next].path.parent().unwrap_or(Path::new("/")).to_path_buf();
                    let decoded = percent_encoding::percent_decode_str(file).decode_utf8_lossy();
                    match crate::files::resolve(&self.root, &dir, &decoded) {
                        Ok(path) => {
                            let display = display_path(&path);
                            match self.read(&path, display) {
                                Ok(i) => {
                                    self.named.insert((next, file.to_owned()), i);
                                    i
                                }
                                Err(d) => {
                                    self.errs.push(Diagnostic { span: Some(span), ..d });
                                    continue;
                                }
                            }
                        }
                        Err(d) => {
                            self.errs.push(Diagnostic { span: Some(span), ..d });
                            continue;
                        }
                    }
                };
                refs.push((target, fragment.to_owned(), value, span));
            }
            next += 1;
        }
        for (doc, fragment, value, span) in refs {
            if let Err(missing) = pointer(&self.docs[doc].node, &fragment) {
                self.errs.push(missing.at(&value, span));
            }
        }
    }

    /// The node a `$ref` chain ends at.
    pub(super) fn deref<'n>(&'n self, at: At, node: &'n Node) -> Result<(At, &'n Node), Diagnostic> {
        let (mut at, mut node) = (at, node);
        for _ in 0..MAX_HOPS {
            let Some(r) = get(node, "$ref") else {
                return Ok((at, node));
            };
            let Some(value) = r.as_str() else {
                return Err(Diagnostic::at(
                    format!("expected a string for `$ref`, found {}", r.describe()),
                    r.span,
                ));
            };
            let (file, fragment) = value.split_once('#').unwrap_or((value, ""));
            let doc = if file.is_empty() {
                at.doc
            } else if let Some(&doc) = self.named.get(&(at.doc, file.to_owned())) {
                doc
            } else {
                let dir = self.docs[at.doc].path.parent().unwrap_or(Path::new("/"));
                let decoded = percent_encoding::percent_decode_str(file).decode_utf8_lossy();
                let Some(&doc) = crate::files::resolve(&self.root, dir, &decoded)
                    .ok()
                    .and_then(|p| self.by_path.get(&p))
                else {
                    return Err(Diagnostic::at(format!("cannot follow `$ref` `{value}`"), r.span));
                };
                doc
            };
            node = pointer(&self.docs[doc].node, fragment).map_err(|m| m.at(value, r.span))?;
            at = At {
                doc,
                pointer: percent_encoding::percent_decode_str(fragment)
                    .decode_utf8_lossy()
                    .into_owned(),
            };
        }
        Err(Diagnostic::at(
            "`$ref` loop: these references never reach a value",
            node.span,
        ))
    }

    fn build(mut self, v30: bool) -> Result<Spec, Vec<Diagnostic>> {
        // One registry of every file, as 2020-12 resources: schemas are compiled as a
        // `$ref` into it, so shared components and recursion work as written.
        let mut resources = Vec::with_capacity(self.docs.len());
        let mut jsons = Vec::with_capacity(self.docs.len());
        for doc in &self.docs {
            let mut json = doc.node.to_json();
            super::dialect::translate(&mut json, v30);
            resources.push((
                doc.uri.clone(),
                jsonschema::Draft::Draft202012.create_resource(json.clone()),
            ));
            jsons.push(json);
        }
        let registry = match jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft202012)
            .extend(resources)
            .and_then(jsonschema::RegistryBuilder::prepare)
        {
            Ok(r) => Arc::new(r),
            Err(e) => {
                return Err(vec![Diagnostic::at(
                    format!("the OpenAPI document's schemas cannot be read: {e}"),
                    self.docs[0].node.span,
                )]);
            }
        };
        let root = At {
            doc: 0,
            pointer: String::new(),
        };
        let top = &self.docs[0].node;
        super::build::unknown_keys(&mut self.errs, top, ROOT_KEYS, "the OpenAPI document");
        let prefixes = self.servers(get(top, "servers"));
        let mut b = super::build::Builder {
            reader: &self,
            registry,
            jsons: &jsons,
            compiled: std::collections::HashMap::new(),
            meta_checked: std::collections::HashSet::new(),
            errs: Vec::new(),
            operations: Vec::new(),
            router: super::router::Router::default(),
        };
        match get(top, "paths") {
            Some(paths) => b.paths(&root.child("paths"), paths),
            None if v30 => b.errs.push(Diagnostic::at(
                "an OpenAPI 3.0 document needs `paths`",
                self.docs[0].node.span,
            )),
            None => {}
        }
        let super::build::Builder {
            errs,
            operations,
            router,
            ..
        } = b;
        self.errs.extend(errs);
        if !self.errs.is_empty() {
            return Err(self.errs);
        }
        let name: Arc<str> = self.docs[0].display.as_str().into();
        let files = self
            .docs
            .into_iter()
            .map(|d| {
                (
                    d.uri,
                    SpecFile {
                        display: d.display,
                        root: d.node,
                    },
                )
            })
            .collect::<HashMap<_, _>>();
        Ok(Spec {
            name,
            operations,
            router,
            prefixes,
            files,
        })
    }

    /// The path parts of the `servers` URLs, with variables at their defaults.
    fn servers(&self, servers: Option<&Node>) -> Vec<String> {
        let mut out = Vec::new();
        let Some(NodeKind::Seq(items)) = servers.map(|s| &s.kind) else {
            return out;
        };
        for server in items {
            let Some(url) = get(server, "url").and_then(Node::as_str) else {
                continue;
            };
            let mut url = url.to_owned();
            if let Some(NodeKind::Map(vars)) = get(server, "variables").map(|v| &v.kind) {
                for (name, var) in vars {
                    let default = get(var, "default").map(Node::key_text).unwrap_or_default();
                    url = url.replace(&format!("{{{}}}", name.key_text()), &default);
                }
            }
            let path = match url.split_once("://") {
                Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]).to_owned(),
                None => url,
            };
            let path = path.trim_end_matches('/').to_owned();
            if path.starts_with('/') && !out.contains(&path) {
                out.push(path);
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.len()));
        out
    }
}
