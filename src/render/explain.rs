//! Turning minijinja failures into [`RenderError`]s: naming the undefined variable (with a
//! did-you-mean), locating errors in the source, and keeping values out of every message.

use std::ops::Range;

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value};

use super::{Context, RenderError, Renderer, Template, by_position, find_word, words};

impl Renderer {
    /// Turns a minijinja failure into a [`RenderError`] that names what was undefined.
    pub(super) fn explain(&self, template: &Template, ctx: &Context, err: &Error) -> RenderError {
        let range = template.error_range(err);
        if err.kind() == ErrorKind::UndefinedError {
            return self.undefined(template, ctx, range);
        }
        if err.kind() == ErrorKind::OutOfFuel {
            return RenderError::Other {
                message: format!("template took too long: more than {} steps of work (fuel)", super::FUEL),
            };
        }
        let message = match err.detail() {
            // Arithmetic overflow messages print both operands: they could be secrets.
            Some(d) if d.starts_with("unable to calculate") => "arithmetic overflow".to_string(),
            Some(d) => d.to_string(),
            // A bare kind ("missing argument") says nothing of where: add the template text,
            // which is not secret.
            None => match range.and_then(|r| snippet(template.source(), r)) {
                Some(snippet) => format!("{} in `{snippet}`", err.kind()),
                None => err.kind().to_string(),
            },
        };
        RenderError::Other { message }
    }

    /// Finds the name that is undefined: minijinja's strict errors do not always say.
    ///
    /// Candidates are the template's variable paths (`user`, `user.name`, `env.KEY`), those inside
    /// the error's range first, each resolved against the context until one step is missing.
    pub(super) fn undefined(&self, template: &Template, ctx: &Context, range: Option<Range<usize>>) -> RenderError {
        let source = template.source();
        let paths = by_position(source, template.nested_variables());
        let in_range = |p: &String| {
            range.clone().is_some_and(|r| {
                let first = p.split('.').next().unwrap_or(p);
                source.get(r).is_some_and(|s| find_word(s, first).is_some())
            })
        };
        let mut paths: Vec<&String> = paths.iter().collect();
        // A lookup guarded by `default` or `is defined` is rarely the culprit: try it last.
        paths.sort_by_key(|p| (!in_range(p), is_guarded(source, p)));
        for path in paths {
            if let Some(err) = self.missing(ctx, path) {
                return err;
            }
        }
        RenderError::Undefined {
            name: template.culprit(range),
            suggestion: None,
        }
    }

    /// The first undefined step of `path` (`a.b.c`) in `ctx`, if any.
    fn missing(&self, ctx: &Context, path: &str) -> Option<RenderError> {
        let mut segments = path.split('.');
        let first = segments.next()?;
        let mut current = match ctx.lookup(first) {
            Some(v) => v,
            None if self.env.globals().any(|(name, _)| name == first) => return None,
            None => {
                return Some(RenderError::Undefined {
                    name: first.to_string(),
                    suggestion: suggest(first, ctx.names()),
                });
            }
        };
        let mut walked = first.to_string();
        for segment in segments {
            let next = current.get_attr(segment).unwrap_or(Value::UNDEFINED);
            walked = format!("{walked}.{segment}");
            if next.is_undefined() {
                let keys: Vec<String> = match current.kind() {
                    ValueKind::Map => current
                        .try_iter()
                        .map(|it| it.filter_map(|k| k.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                return Some(RenderError::Undefined {
                    name: walked,
                    suggestion: suggest(segment, keys.iter().map(String::as_str)),
                });
            }
            current = next;
        }
        None
    }
}

impl Template {
    /// Variable paths with their trivial attribute lookups (`user.name`): only on error paths.
    fn nested_variables(&self) -> std::collections::HashSet<String> {
        match self {
            Template::Literal(_) => Default::default(),
            Template::Expression(e) => e.expr.undeclared_variables(true),
            Template::Text(t) => t.template.undeclared_variables(true),
        }
    }

    /// The text to name when no variable path is the undefined one (`items[7]`): the expression,
    /// or the one `{{ }}` (else the one `{% %}`) on the error's line, or that line.
    fn culprit(&self, range: Option<Range<usize>>) -> String {
        let text = match (self, range) {
            (Template::Expression(e), _) => &self.source()[e.inner.clone()],
            (_, Some(r)) => self.source().get(r).unwrap_or_default(),
            (_, None) => "",
        };
        let only = |open: &str, close: &str| -> Option<&str> {
            let mut blocks = text.match_indices(open).filter_map(|(i, _)| {
                let body = &text[i + open.len()..];
                Some(body[..body.find(close)?].trim_matches(['-', '+']))
            });
            let first = blocks.next()?;
            blocks.next().is_none().then_some(first)
        };
        let text = only("{{", "}}").or_else(|| only("{%", "%}")).unwrap_or(text);
        snippet(text, 0..text.len()).unwrap_or_else(|| "a value".to_string())
    }

    /// Where in [`source`](Self::source) a minijinja error points.
    pub(super) fn error_range(&self, err: &Error) -> Option<Range<usize>> {
        match self {
            Template::Expression(e) => error_range(err, &self.source()[e.inner.clone()])
                .map(|r| r.start + e.inner.start..r.end + e.inner.start),
            _ => error_range(err, self.source()),
        }
    }
}

/// Where in `compiled` (the text minijinja compiled) an error points.
///
/// minijinja gives the exact byte range (`Error::range`) with its `debug` feature (on, with
/// debug info switched off at run time so no value is ever attached). When an error has no
/// range it still knows its line: the range is that line, narrowed to the very end for
/// "unexpected end of input" (where minijinja points).
pub(super) fn error_range(err: &Error, compiled: &str) -> Option<Range<usize>> {
    if err.detail().is_some_and(|d| d.starts_with("unexpected end of input")) {
        return Some(compiled.len()..compiled.len());
    }
    if let Some(range) = err.range().filter(|r| r.end <= compiled.len()) {
        return Some(range);
    }
    let line = err.line()?;
    let mut start = 0;
    for (index, text) in compiled.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let content = text.trim_end_matches(['\n', '\r']);
            let lead = content.len() - content.trim_start().len();
            return Some(start + lead..start + content.len());
        }
        start += text.len();
    }
    None
}

/// True when every use of `path` is followed by `| default`, `| d(` or an `is` test.
fn is_guarded(source: &str, path: &str) -> bool {
    let mut uses = words(source, path).peekable();
    if uses.peek().is_none() {
        return false;
    }
    uses.all(|i| {
        let rest = source[i + path.len()..].trim_start();
        if let Some(filter) = rest.strip_prefix('|') {
            let filter = filter.trim_start();
            filter.starts_with("default") || filter.starts_with("d(") || filter.starts_with("d ")
        } else {
            rest.starts_with("is ")
        }
    })
}

/// The template text at `range`, shortened for a message.
fn snippet(source: &str, range: Range<usize>) -> Option<String> {
    let text = source.get(range)?.trim();
    if text.is_empty() {
        return None;
    }
    Some(if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text.to_string()
    })
}

/// The closest of `candidates` to `name`, if close enough to be a likely typo.
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    // One edit for names of 3 to 5 characters, two from 6; a swap of neighbours is one edit.
    let limit = (name.chars().count() / 3).min(2);
    candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::osa_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}
