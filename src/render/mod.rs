//! Templates: the one strict minijinja Environment with Sortie's functions and filters, templates
//! compiled once at load, and native-typed rendering against a layered context.
//!
//! Error text never carries a variable's value (secrets live in the context): only names, paths
//! and minijinja's error kind or detail. minijinja's `debug` feature is off for the same reason;
//! without it minijinja reports an error's line but not its byte range (see `explain.rs`).

mod context;
mod explain;
mod functions;
mod names;
#[cfg(test)]
mod tests;
mod value;

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, Error, UndefinedBehavior, Value};

pub use self::context::Context;
use self::explain::error_range;
pub(crate) use self::value::to_json;
pub use self::value::to_mj;
use self::value::{format_value, native_string};

/// The work one render may do, in minijinja's fuel: about one unit per instruction and
/// per 64 bytes of data made. Every render starts with this much; past it the template
/// fails. It bounds both the time (about 0.1 s in a release build) and the memory (about
/// 64 MiB) of one render: nested loops or a repeated string cannot hold the run.
pub(crate) const FUEL: u64 = 1_000_000;

/// The largest string a template may render to, in bytes.
pub(crate) const MAX_RENDERED: usize = 16 * 1024 * 1024;

/// The template engine of one run: a strict Environment with Sortie's functions and filters.
///
/// Build it once per run. The Environment is leaked (`Box::leak`) so that compiled templates,
/// which borrow it, are `'static`: the plan can store them and clone them cheaply. A CLI builds
/// one Renderer per process, so the leak is one Environment plus the text templates' sources.
pub struct Renderer {
    env: &'static Environment<'static>,
    /// The filters, tests and functions `env` has, for checking templates at load.
    known: names::Known,
}

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer whose file functions may read only inside `file_root` (symlinks followed).
    pub fn new(file_root: PathBuf) -> Renderer {
        // A root that cannot be canonicalized (missing) still confines: nothing canonical is in it.
        let root = std::fs::canonicalize(&file_root).unwrap_or(file_root);
        let mut env = Environment::new();
        // Debug info would attach variable values (secrets) to render errors;
        // the feature is on only for exact error ranges at compile time.
        env.set_debug(false);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_formatter(format_value);
        env.set_fuel(Some(FUEL));
        // What a collection wrote is sent: `body: "b{{ x }}\n"` ends with its newline.
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        functions::register(&mut env, Arc::from(root));
        let known = names::Known::of(&env, functions::FILTERS);
        Renderer {
            env: Box::leak(Box::new(env)),
            known,
        }
    }

    /// Compiles `source` once, at load time.
    ///
    /// No markup gives a [`Template::Literal`]; exactly one `{{ expr }}` gives a
    /// [`Template::Expression`] that keeps the value's type; anything else a [`Template::Text`].
    pub fn compile(&self, source: &str) -> Result<Template, TemplateError> {
        if !has_markup(source) {
            return Ok(Template::Literal(Arc::from(source)));
        }
        if let Some(inner) = single_expression(source) {
            return self.expression(source, inner);
        }
        // A minijinja Template borrows its source for the Environment's lifetime: leak it like
        // the Environment. Templates are compiled once per run, at load.
        let leaked: &'static str = Box::leak(source.into());
        let template = self
            .env
            .template_from_str(leaked)
            .map_err(|e| TemplateError::new(&e, source, 0..source.len()))?;
        if let Some((message, range)) = self.known.unknown(source, 0, false) {
            return Err(TemplateError {
                message,
                range: Some(range),
            });
        }
        let variables = by_position(source, template.undeclared_variables(false));
        Ok(Template::Text(Arc::new(TextTemplate { template, variables })))
    }

    /// The functions templates may call (minijinja's and Sortie's).
    pub(crate) fn functions(&self) -> &[String] {
        self.known.functions()
    }

    /// Compiles a condition (`if:`): one expression, with or without `{{ }}`
    /// around it, as Ansible's `when:` and GitHub Actions' `if:` are written.
    pub fn compile_condition(&self, source: &str) -> Result<Template, TemplateError> {
        let inner = single_expression(source).unwrap_or(0..source.len());
        self.expression(source, inner)
    }

    /// `source[inner]` compiled as one native-typed expression.
    fn expression(&self, source: &str, inner: Range<usize>) -> Result<Template, TemplateError> {
        let text = &source[inner.clone()];
        let expr = self
            .env
            .compile_expression_owned(text.to_owned())
            .map_err(|e| TemplateError::new(&e, source, inner.clone()))?;
        if let Some((message, range)) = self.known.unknown(text, inner.start, true) {
            return Err(TemplateError {
                message,
                range: Some(range),
            });
        }
        let variables = by_position(source, expr.undeclared_variables(false));
        Ok(Template::Expression(Arc::new(ExpressionTemplate {
            source: source.into(),
            inner,
            expr,
            variables,
        })))
    }
}

/// A string value compiled once: a literal, one native-typed expression, or a text template.
#[derive(Clone)]
pub enum Template {
    /// No `{{`, `{%` or `{#`: rendered without minijinja.
    Literal(Arc<str>),
    /// Exactly one `{{ expr }}`: renders to the expression's own type.
    Expression(Arc<ExpressionTemplate>),
    /// Anything else: renders to a string.
    Text(Arc<TextTemplate>),
}

/// A compiled one-expression template (see [`Template::Expression`]).
pub struct ExpressionTemplate {
    source: Box<str>,
    /// Where the expression (what minijinja compiled) lies in `source`.
    inner: Range<usize>,
    expr: minijinja::Expression<'static, 'static>,
    variables: Vec<String>,
}

/// A compiled text template (see [`Template::Text`]).
pub struct TextTemplate {
    template: minijinja::Template<'static, 'static>,
    variables: Vec<String>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Template::Literal(_) => "Literal",
            Template::Expression(_) => "Expression",
            Template::Text(_) => "Text",
        };
        f.debug_tuple(kind).field(&self.source()).finish()
    }
}

impl Template {
    /// True when the string has no template markup at all.
    #[cfg(test)]
    pub fn is_literal(&self) -> bool {
        matches!(self, Template::Literal(_))
    }

    /// The string as written.
    pub fn source(&self) -> &str {
        match self {
            Template::Literal(s) => s,
            Template::Expression(e) => &e.source,
            Template::Text(t) => t.template.source(),
        }
    }

    /// The top-level names the template reads (functions included), in order of appearance.
    pub fn variables(&self) -> Vec<String> {
        match self {
            Template::Literal(_) => Vec::new(),
            Template::Expression(e) => e.variables.clone(),
            Template::Text(t) => t.variables.clone(),
        }
    }

    /// True when the template's source names `word` outside of an attribute (`x.word`),
    /// whether or not it reads it: for a check that must not miss a read, where
    /// [`Template::variables`] may (minijinja 3.1 does not report the value a slice,
    /// `{{ token[:8] }}`, reads).
    pub fn mentions(&self, word: &str) -> bool {
        match self {
            Template::Literal(_) => false,
            _ => find_word(self.source(), word).is_some(),
        }
    }

    /// Renders to JSON: an expression keeps its type, everything else is a string.
    pub fn render(&self, renderer: &Renderer, ctx: &Context) -> Result<serde_json::Value, RenderError> {
        match self {
            Template::Literal(s) => Ok(serde_json::Value::String(s.to_string())),
            Template::Expression(e) => {
                let value = self.eval(e, renderer, ctx)?;
                to_json(&value).map_err(|e| self.named(renderer, ctx, e))
            }
            Template::Text(_) => self.render_string(renderer, ctx).map(serde_json::Value::String),
        }
    }

    /// Renders to a string, for URLs and headers: numbers as written, bools `true` / `false`,
    /// strings as they are, `none` as `null`, lists and maps as compact JSON.
    pub fn render_string(&self, renderer: &Renderer, ctx: &Context) -> Result<String, RenderError> {
        match self {
            Template::Literal(s) => Ok(s.to_string()),
            Template::Expression(e) => {
                let value = self.eval(e, renderer, ctx)?;
                native_string(&value).map_err(|e| self.named(renderer, ctx, e))
            }
            Template::Text(t) => {
                let text = t
                    .template
                    .render(ctx.to_value())
                    .map_err(|e| renderer.explain(self, ctx, &e))?;
                too_large(text.len())?;
                Ok(text)
            }
        }
    }

    fn eval(&self, e: &ExpressionTemplate, renderer: &Renderer, ctx: &Context) -> Result<Value, RenderError> {
        let value = e
            .expr
            .eval(ctx.to_value())
            .map_err(|err| renderer.explain(self, ctx, &err))?;
        // Strict mode still lets an expression *return* undefined (`user.missing`).
        if value.is_undefined() {
            return Err(renderer.undefined(self, ctx, None));
        }
        if let Some(s) = value.as_str() {
            too_large(s.len())?;
        }
        Ok(value)
    }

    /// Replaces an anonymous undefined (found inside a list or map) with a named one.
    fn named(&self, renderer: &Renderer, ctx: &Context, err: RenderError) -> RenderError {
        match err {
            RenderError::Undefined { .. } => renderer.undefined(self, ctx, None),
            other => other,
        }
    }
}

/// A template that does not parse: minijinja's short message and where in the source it points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// Short and human, e.g. "unexpected end of input, expected `}}`".
    pub message: String,
    /// Byte range inside the source string: the error's line, or the very end for "unexpected
    /// end of input".
    pub range: Option<Range<usize>>,
}

impl TemplateError {
    /// `compiled` is the part of `source` that minijinja compiled.
    fn new(err: &Error, source: &str, compiled: Range<usize>) -> TemplateError {
        let start = compiled.start;
        TemplateError {
            message: err.detail().map_or_else(|| err.kind().to_string(), str::to_string),
            range: source
                .get(compiled)
                .and_then(|text| error_range(err, text))
                .map(|r| r.start + start..r.end + start),
        }
    }
}

/// A template that could not render. Never carries a variable's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A name (or `env.NAME`, or `user.field`) that is not defined.
    #[error("undefined variable `{name}`{}", did_you_mean(suggestion.as_deref()))]
    Undefined {
        /// The name as the template wrote it.
        name: String,
        /// A close name that is defined.
        suggestion: Option<String>,
    },
    /// Any other failure: a filter or function error, a file outside the root, bad base64...
    #[error("{message}")]
    Other {
        /// Names, paths and minijinja's error detail only.
        message: String,
    },
}

/// A rendered string longer than [`MAX_RENDERED`] is an error (fuel already bounds what a
/// render can allocate on the way).
fn too_large(len: usize) -> Result<(), RenderError> {
    if len > MAX_RENDERED {
        return Err(RenderError::Other {
            message: format!(
                "template rendered too much: more than {} MiB of text",
                MAX_RENDERED >> 20
            ),
        });
    }
    Ok(())
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

/// True when `source` holds template markup; a string without it is a literal.
pub(crate) fn has_markup(source: &str) -> bool {
    source.contains("{{") || source.contains("{%") || source.contains("{#")
}

/// Where the expression lies when `source` is exactly one `{{ expr }}`, surrounding whitespace
/// and whitespace-control markers (`{{-`, `-}}`) allowed.
fn single_expression(source: &str) -> Option<Range<usize>> {
    let lead = source.len() - source.trim_start().len();
    let body = source.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let (marker, body) = match body.strip_prefix(['-', '+']) {
        Some(rest) => (1, rest),
        None => (0, body),
    };
    let body = body.strip_suffix(['-', '+']).unwrap_or(body);
    if ["{{", "}}", "{%", "{#"].iter().any(|m| body.contains(m)) {
        return None;
    }
    let start = lead + 2 + marker;
    Some(start..start + body.len())
}

/// Names sorted by where they first appear in `source` (ties and misses by name).
fn by_position(source: &str, names: std::collections::HashSet<String>) -> Vec<String> {
    let mut names: Vec<(usize, String)> = names
        .into_iter()
        .map(|n| (find_word(source, &n).unwrap_or(usize::MAX), n))
        .collect();
    names.sort();
    names.into_iter().map(|(_, n)| n).collect()
}

/// The first occurrence of `word` in `haystack` not glued to other identifier characters.
fn find_word(haystack: &str, word: &str) -> Option<usize> {
    words(haystack, word).next()
}

/// Every occurrence of `word` in `haystack` not glued to other identifier characters (nor
/// preceded by a dot: `x.user` is not `user`).
fn words<'a>(haystack: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(word).map(|(i, _)| i).filter(move |&i| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(|c| is_ident(c) || c == '.') && !after.is_some_and(is_ident)
    })
}
