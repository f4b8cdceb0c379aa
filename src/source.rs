//! Source files and positions: every node that can fail carries a [`Span`]
//! pointing back at the exact place in the YAML a person wrote.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Identifies one loaded file inside a [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A position: line 1-based, column 0-based in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A range in one file. `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// The line of the start, 1-based.
    pub fn line(&self) -> usize {
        self.start.line as usize
    }

    /// A span of `len` characters starting `offset` characters into this one,
    /// when this span starts and stays on one line (a plain or quoted scalar).
    pub fn sub(&self, offset: usize, len: usize) -> Span {
        if self.start.line != self.end.line {
            return *self;
        }
        let col = self.start.col + offset as u32;
        Span {
            file: self.file,
            start: Pos {
                line: self.start.line,
                col,
            },
            end: Pos {
                line: self.start.line,
                col: col + len.max(1) as u32,
            },
        }
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub(crate) fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as a person named it (relative to the current directory when possible).
    pub display: Arc<str>,
    /// The canonical path, used to resolve relative paths and detect include cycles.
    pub path: PathBuf,
    pub text: Arc<str>,
}

impl SourceFile {
    /// The folder relative paths in this file resolve against.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        self.text
            .split('\n')
            .nth(line.saturating_sub(1))
            .map_or("", |l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Every file read during a run, so diagnostics can quote them.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, display: String, path: PathBuf, text: Arc<str>) -> FileId {
        self.files.push(SourceFile {
            display: display.into(),
            path,
            text,
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file read, in the order read.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// `file:line:col` (column 1-based) for a span.
    pub fn location(&self, span: Span) -> String {
        format!(
            "{}:{}:{}",
            self.get(span.file).display,
            span.start.line,
            span.start.col + 1
        )
    }
}
