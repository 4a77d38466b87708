//! Diagnostics: every problem found in the input, with where it is and what was expected.
//!
//! Validation collects [`Diagnostic`]s instead of stopping at the first problem. This module
//! only describes and renders problems; it never decides what is wrong.

use serde::Serialize;
use std::fmt;

/// How bad a problem is: errors stop a park from being scored, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one place of one input file.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// File name as the user gave it (or its name inside the data folder).
    pub file: String,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column (field position); 0 when the problem concerns a whole row or file.
    pub column: usize,
    pub message: String,
    /// The offending value as written.
    pub value: Option<String>,
    /// What would have been accepted.
    pub expected: Option<String>,
    pub hint: Option<String>,
    /// The park the problem belongs to, when known (used to isolate failing parks).
    pub park_id: Option<String>,
}

impl Diagnostic {
    pub fn error(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, line, column, message)
    }

    pub fn warning(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, line, column, message)
    }

    fn new(
        severity: Severity,
        file: &str,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            file: file.to_string(),
            line,
            column,
            message: message.into(),
            value: None,
            expected: None,
            hint: None,
            park_id: None,
        }
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn park(mut self, park_id: impl Into<String>) -> Self {
        self.park_id = Some(park_id.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column` as compilers print it (line and column left out when 0); for a
    /// workbook sheet (`book.xlsx!activity`), the cell as Excel names it: `book.xlsx!activity!C14`.
    pub fn location(&self) -> String {
        location(&self.file, self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: message (value "...", expected ...)` and a `hint:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)?;
        match (&self.value, &self.expected) {
            (Some(v), Some(e)) => write!(f, " (value \"{}\", expected {})", printable(v), e)?,
            (Some(v), None) => write!(f, " (value \"{}\")", printable(v))?,
            (None, Some(e)) => write!(f, " (expected {})", e)?,
            (None, None) => {}
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// A place in an input file as [`Diagnostic::location`] prints it.
pub fn location(file: &str, line: usize, column: usize) -> String {
    if is_sheet(file) {
        return match (line, column) {
            (0, _) => file.to_string(),
            (l, 0) => format!("{file}!{l}"),
            (l, c) => format!("{file}!{}{l}", crate::input::sheet::column_letters(c)),
        };
    }
    match (line, column) {
        (0, _) => file.to_string(),
        (l, 0) => format!("{file}:{l}"),
        (l, c) => format!("{file}:{l}:{c}"),
    }
}

/// Does this file name a sheet of a workbook (`book.xlsx!activity`)?
fn is_sheet(file: &str) -> bool {
    file.split_once('!')
        .is_some_and(|(book, _)| crate::input::sheet::is_workbook(std::path::Path::new(book)))
}

/// Shows a value so that control characters and very long values cannot garble a terminal.
pub fn printable(s: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// All problems of a run, errors first, each group in file/line/column order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.diagnostics.extend(ds);
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    pub fn error_count(&self) -> usize {
        self.errors().count()
    }

    pub fn warning_count(&self) -> usize {
        self.warnings().count()
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }

    /// Stable order: severity, file, line, column, message.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (a.severity, &a.file, a.line, a.column, &a.message)
                .cmp(&(b.severity, &b.file, b.line, b.column, &b.message))
        });
        self.diagnostics.dedup();
    }
}
