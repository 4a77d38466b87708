//! Diagnostics: every problem found in the input, with where it is and what was expected.
//!
//! Validation collects [`Diagnostic`]s instead of stopping at the first problem. This module
//! only describes and renders problems; it never decides what is wrong.

use serde::Serialize;
use std::fmt;

use crate::i18n::{Lang, Locale, Text};

/// How bad a problem is: errors stop a park from being scored, warnings do not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Where an input table comes from: a file as the user named it, and for a workbook the sheet.
/// Shown (and serialised) as `file` or `book.xlsx!sheet`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: String,
    pub sheet: Option<String>,
    /// For a table of rows without text lines (Parquet): its column names. Lines are then row
    /// numbers and columns are named: `activity.parquet:row 1234:value`.
    pub fields: Option<std::sync::Arc<[String]>>,
}

impl Origin {
    pub fn file(file: impl Into<String>) -> Self {
        Origin {
            file: file.into(),
            ..Origin::default()
        }
    }

    pub fn sheet(file: impl Into<String>, sheet: impl Into<String>) -> Self {
        Origin {
            file: file.into(),
            sheet: Some(sheet.into()),
            fields: None,
        }
    }

    /// A file of rows with named columns (Parquet).
    pub fn rows(file: impl Into<String>, fields: Vec<String>) -> Self {
        Origin {
            file: file.into(),
            sheet: None,
            fields: Some(fields.into()),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(s) => write!(f, "{}!{s}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl From<&str> for Origin {
    fn from(file: &str) -> Self {
        Origin::file(file)
    }
}

impl From<&String> for Origin {
    fn from(file: &String) -> Self {
        Origin::file(file.as_str())
    }
}

impl From<String> for Origin {
    fn from(file: String) -> Self {
        Origin::file(file)
    }
}

impl From<&Origin> for Origin {
    fn from(o: &Origin) -> Self {
        o.clone()
    }
}

/// One problem in one place of one input file.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// File name as the user gave it (or its name inside the data folder).
    pub file: String,
    /// The sheet, for a workbook: line and column are then Excel's row and column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// For a file of rows (Parquet): line is the row number, and this the column's name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_row: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column (field position); 0 when the problem concerns a whole row or file.
    pub column: usize,
    /// What is wrong, as a message key and its arguments ([`crate::i18n`] words it).
    pub message: Text,
    /// The offending value as written.
    pub value: Option<String>,
    /// What would have been accepted.
    pub expected: Option<Text>,
    pub hint: Option<Text>,
    /// The park the problem belongs to, when known (used to isolate failing parks).
    pub park_id: Option<String>,
}

impl Diagnostic {
    pub fn error(at: impl Into<Origin>, line: usize, column: usize, message: Text) -> Self {
        Self::new(Severity::Error, at.into(), line, column, message)
    }

    pub fn warning(at: impl Into<Origin>, line: usize, column: usize, message: Text) -> Self {
        Self::new(Severity::Warning, at.into(), line, column, message)
    }

    fn new(severity: Severity, at: Origin, line: usize, column: usize, message: Text) -> Self {
        let field = at
            .fields
            .as_ref()
            .and_then(|f| f.get(column.checked_sub(1)?).cloned());
        Diagnostic {
            severity,
            file: at.file,
            sheet: at.sheet,
            by_row: at.fields.is_some(),
            field,
            line,
            column,
            message,
            value: None,
            expected: None,
            hint: None,
            park_id: None,
        }
    }

    /// The offending value as written (cut to `[problems] value_chars` when the problem is
    /// kept: [`Report::push`]).
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }

    pub fn expected(mut self, expected: Text) -> Self {
        self.expected = Some(expected);
        self
    }

    pub fn hint(mut self, hint: Text) -> Self {
        self.hint = Some(hint);
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
    /// workbook sheet, the cell as Excel names it: `book.xlsx!activity!C14`.
    pub fn location(&self) -> String {
        if self.by_row {
            return match (self.line, &self.field, self.column) {
                (0, _, _) => self.file.clone(),
                (l, Some(name), _) => format!("{}:row {l}:{name}", self.file),
                (l, None, 0) => format!("{}:row {l}", self.file),
                (l, None, c) => format!("{}:row {l}:{c}", self.file),
            };
        }
        location(&self.origin(), self.line, self.column)
    }

    /// The file and sheet (column names are not kept).
    pub fn origin(&self) -> Origin {
        Origin {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            fields: None,
        }
    }
}

impl Diagnostic {
    /// `file:line:column: message (value "...", expected ...)` and a `hint:` line, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let l = Locale::get(lang);
        let mut out = format!("{}: {}", self.location(), l.text(&self.message));
        let expected = self.expected.as_ref().map(|e| l.text(e));
        let value = self.value.as_deref().map(printable);
        match (value, expected) {
            (Some(v), Some(e)) => {
                out += &l.text(&t!("diag.value_expected", value = v, expected = e))
            }
            (Some(v), None) => out += &l.text(&t!("diag.value_only", value = v)),
            (None, Some(e)) => out += &l.text(&t!("diag.expected_only", expected = e)),
            (None, None) => {}
        }
        if let Some(h) = &self.hint {
            out += &l.text(&t!("diag.hint_line", hint = l.text(h)));
        }
        out
    }

    /// Does `lang` word every part of this problem without falling back to English?
    pub fn worded_in(&self, lang: Lang) -> bool {
        let l = Locale::get(lang);
        l.covers(&self.message)
            && self.expected.as_ref().is_none_or(|e| l.covers(e))
            && self.hint.as_ref().is_none_or(|h| l.covers(h))
    }
}

impl fmt::Display for Diagnostic {
    /// In English: `file:line:column: message (value "...", expected ...)` and a `hint:` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::EN))
    }
}

/// A place in an input file as [`Diagnostic::location`] prints it.
pub fn location(at: &Origin, line: usize, column: usize) -> String {
    if at.sheet.is_some() {
        return match (line, column) {
            (0, _) => at.to_string(),
            (l, 0) => format!("{at}!{l}"),
            (l, c) => format!("{at}!{}{l}", column_letters(c)),
        };
    }
    match (line, column) {
        (0, _) => at.file.clone(),
        (l, 0) => format!("{}:{l}", at.file),
        (l, c) => format!("{}:{l}:{c}", at.file),
    }
}

/// Excel's column letters for a 1-based column number: 1 -> A, 27 -> AA.
pub fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    while col > 0 {
        let r = (col - 1) % 26;
        out.push(b'A' + r as u8);
        col = (col - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
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

/// Something parkbench did with the input that is no problem but must be said: title rows or
/// notes under a table skipped, a hidden sheet or a file that holds no data left unread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// 1-based line (or sheet row); 0 for the whole file or sheet.
    pub line: usize,
    pub message: Text,
}

impl Notice {
    pub fn new(at: impl Into<Origin>, line: usize, message: Text) -> Self {
        let at = at.into();
        Notice {
            file: at.file,
            sheet: at.sheet,
            line,
            message,
        }
    }

    /// `file:line: what was done`, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let at = Origin {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            fields: None,
        };
        let l = Locale::get(lang);
        format!("{}: {}", location(&at, self.line, 0), l.text(&self.message))
    }
}

/// Bounds on the problems kept while a dataset is read (`indicators/limits.toml`, `[problems]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub struct ProblemLimits {
    /// Problems kept in full per kind (severity and message key); the rest are counted.
    pub per_kind: usize,
    /// Problems kept in full in all.
    pub kept: usize,
    /// Kinds counted one by one; problems of further kinds are counted together.
    pub kinds: usize,
    /// Characters kept of a problem's value and of each of its message's arguments.
    pub value_chars: usize,
}

/// Problems of one kind that were counted, not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Omitted {
    pub severity: Severity,
    /// The kind ([`kind`]); empty for "every other kind" once the kinds bound is reached.
    pub kind: String,
    pub count: u64,
}

/// The kind of a problem, for bounding what is kept: its message key (`diag.unknown_metric`),
/// whatever its arguments; for text stored before messages had keys, the text itself.
pub fn kind(d: &Diagnostic) -> String {
    kind_key(d).into_owned()
}

/// [`kind`] without allocating for a message key written in the code.
fn kind_key(d: &Diagnostic) -> std::borrow::Cow<'static, str> {
    match d.message.key.as_ref() {
        "verbatim" => d.message.en().into(),
        _ => d.message.key.clone(),
    }
}

/// All problems of a run, errors first, each group in file/line/column order.
///
/// Bounded while problems are collected, never after: the first problems of each kind are kept
/// in full (at most [`ProblemLimits`]), the others are only counted by kind, and each kept
/// problem's value is cut to a few hundred characters. What decides which parks are left out
/// (errors by park, errors that belong to no park) is counted for every problem, kept or not.
/// A file of a million bad lines costs the same memory as one of a thousand.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The problems kept in full.
    pub diagnostics: Vec<Diagnostic>,
    #[serde(skip)]
    limits: ProblemLimits,
    /// Problems seen by kind, kept or not (at most `kinds` kinds, then one per severity for
    /// every other kind).
    #[serde(skip)]
    seen: std::collections::BTreeMap<(Severity, std::borrow::Cow<'static, str>), u64>,
    /// Of those, the ones only counted.
    #[serde(skip)]
    omitted: std::collections::BTreeMap<(Severity, std::borrow::Cow<'static, str>), u64>,
    #[serde(skip)]
    errors: usize,
    #[serde(skip)]
    warnings: usize,
    /// Errors by park, all of them.
    #[serde(skip)]
    failed: std::collections::BTreeMap<String, usize>,
    /// Warnings by park, all of them (kept or only counted).
    #[serde(skip)]
    warned: std::collections::BTreeMap<String, usize>,
    /// Errors that name no park, all of them, and the first since [`Report::begin_group`].
    #[serde(skip)]
    parkless: usize,
    #[serde(skip)]
    group_first: Option<Box<Diagnostic>>,
}

/// Where a group of sources began in a [`Report`] ([`Report::begin_group`]).
#[derive(Debug, Clone, Copy)]
pub struct GroupMark {
    parkless: usize,
}

impl Report {
    pub fn with_limits(limits: ProblemLimits) -> Self {
        Report {
            diagnostics: Vec::new(),
            limits,
            seen: Default::default(),
            omitted: Default::default(),
            errors: 0,
            warnings: 0,
            failed: Default::default(),
            warned: Default::default(),
            parkless: 0,
            group_first: None,
        }
    }

    /// Takes a problem: counted always, kept in full while its kind and the report have room.
    pub fn push(&mut self, mut d: Diagnostic) {
        if d.is_error() {
            self.errors += 1;
            match &d.park_id {
                Some(p) => match self.failed.get_mut(p.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.failed.insert(p.clone(), 1);
                    }
                },
                None => {
                    self.parkless += 1;
                    if self.group_first.is_none() {
                        d.bound(self.limits.value_chars);
                        self.group_first = Some(Box::new(d.clone()));
                    }
                }
            }
        } else {
            self.warnings += 1;
            if let Some(p) = &d.park_id {
                match self.warned.get_mut(p.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.warned.insert(p.clone(), 1);
                    }
                }
            }
        }
        self.keep(d);
    }

    /// Keeps a counted problem in full while its kind and the report have room; else counts it
    /// as omitted.
    fn keep(&mut self, mut d: Diagnostic) {
        let l = self.limits;
        let mut key = (d.severity, kind_key(&d));
        if !self.seen.contains_key(&key) && self.seen.len() >= l.kinds {
            key = (d.severity, std::borrow::Cow::Borrowed(""));
        }
        let n = self.seen.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n as usize <= l.per_kind && self.diagnostics.len() < l.kept {
            d.bound(l.value_chars);
            self.diagnostics.push(d);
        } else {
            *self.omitted.entry(key).or_insert(0) += 1;
        }
    }

    /// An empty report with the same limits, for a part of the work done apart (on another
    /// core) and then [absorbed](Report::absorb).
    pub fn part(&self) -> Report {
        Report::with_limits(self.limits)
    }

    /// Can these parts, made with [`Report::part`] from rows that follow each other, be
    /// absorbed in order into this report with the result of pushing their problems here one
    /// by one? Yes unless the kinds counted one by one could run out, which would make which
    /// kinds are counted apart depend on the order they were first seen.
    pub fn absorbs_exactly(&self, parts: &[Report]) -> bool {
        self.seen.len() + parts.iter().map(|p| p.seen.len()).sum::<usize>() < self.limits.kinds
    }

    /// Takes a part's problems as if they had been pushed here one by one, in order (see
    /// [`Report::absorbs_exactly`]). Counts add up; of the problems the part kept in full, this
    /// report keeps those its limits leave room for (a problem the part only counted could
    /// not have been kept here either: the part's limits are the same, and it saw fewer).
    pub fn absorb(&mut self, part: Report) {
        self.errors += part.errors;
        self.warnings += part.warnings;
        self.parkless += part.parkless;
        for (park, n) in part.failed {
            *self.failed.entry(park).or_insert(0) += n;
        }
        for (park, n) in part.warned {
            *self.warned.entry(park).or_insert(0) += n;
        }
        if self.group_first.is_none() {
            self.group_first = part.group_first;
        }
        for d in part.diagnostics {
            self.keep(d);
        }
        for (key, n) in part.omitted {
            *self.seen.entry(key.clone()).or_insert(0) += n;
            *self.omitted.entry(key).or_insert(0) += n;
        }
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        for d in ds {
            self.push(d);
        }
    }

    /// Marks the start of a group of sources, to ask later whether the group had errors that
    /// name no park ([`Report::group_errors`]).
    pub fn begin_group(&mut self) -> GroupMark {
        self.group_first = None;
        GroupMark {
            parkless: self.parkless,
        }
    }

    /// Errors naming no park since `mark`: how many, and the first.
    pub fn group_errors(&self, mark: GroupMark) -> (usize, Option<&Diagnostic>) {
        (self.parkless - mark.parkless, self.group_first.as_deref())
    }

    /// The kept errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The kept warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    /// Every error, kept or only counted.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// Every warning, kept or only counted.
    pub fn warning_count(&self) -> usize {
        self.warnings
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// Parks with at least one error (kept or counted), with the number of errors.
    pub fn failed_parks(&self) -> &std::collections::BTreeMap<String, usize> {
        &self.failed
    }

    /// The warnings about a park's data, every one (also those only counted, beyond the limits
    /// of what is kept in full).
    pub fn warnings_of(&self, park_id: &str) -> usize {
        self.warned.get(park_id).copied().unwrap_or(0)
    }

    /// Is there an error that names no park?
    pub fn has_parkless_errors(&self) -> bool {
        self.parkless > 0
    }

    /// Problems counted but not kept, by kind, most frequent first.
    pub fn omitted(&self) -> Vec<Omitted> {
        let mut out: Vec<Omitted> = self
            .omitted
            .iter()
            .map(|((severity, kind), &count)| Omitted {
                severity: *severity,
                kind: kind.to_string(),
                count,
            })
            .collect();
        out.sort_by(|a, b| {
            (a.severity, std::cmp::Reverse(a.count), &a.kind).cmp(&(
                b.severity,
                std::cmp::Reverse(b.count),
                &b.kind,
            ))
        });
        out
    }

    /// Stable order: severity, file, line, column, message; a problem found twice is kept and
    /// counted once.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (a.severity, &a.file, &a.sheet, a.line, a.column, &a.message)
                .cmp(&(b.severity, &b.file, &b.sheet, b.line, b.column, &b.message))
        });
        let before = self.diagnostics.len();
        let mut removed: Vec<Diagnostic> = Vec::new();
        self.diagnostics.dedup_by(|a, b| {
            let same = a == b;
            if same {
                removed.push(a.clone());
            }
            same
        });
        debug_assert_eq!(before - removed.len(), self.diagnostics.len());
        for d in removed {
            if d.is_error() {
                self.errors -= 1;
                match &d.park_id {
                    Some(p) => {
                        if let Some(n) = self.failed.get_mut(p.as_str()) {
                            *n = (*n).saturating_sub(1).max(1);
                        }
                    }
                    None => self.parkless = self.parkless.saturating_sub(1).max(1),
                }
            } else {
                self.warnings -= 1;
                if let Some(n) = d.park_id.as_deref().and_then(|p| self.warned.get_mut(p)) {
                    *n = n.saturating_sub(1);
                }
            }
            if let Some(n) = self.seen.get_mut(&(d.severity, kind_key(&d))) {
                *n = n.saturating_sub(1);
            }
        }
    }
}

impl Diagnostic {
    /// Cuts the value and every text argument of the message to `chars` characters (a cell may
    /// hold 32,767 characters and a CSV field megabytes; a problem shows the first ones).
    pub fn bound(&mut self, chars: usize) {
        if let Some(v) = &mut self.value {
            crate::i18n::cut(v, chars);
        }
        self.message.bound(chars);
        if let Some(e) = &mut self.expected {
            e.bound(chars);
        }
        if let Some(h) = &mut self.hint {
            h.bound(chars);
        }
    }
}

#[cfg(test)]
mod warned_tests {
    use super::*;

    /// Warnings of a park are all counted, also those beyond what is kept in full (two of
    /// this kind here).
    #[test]
    fn every_warning_of_a_park_is_counted() {
        let mut r = Report::with_limits(ProblemLimits {
            per_kind: 2,
            kept: 10,
            kinds: 5,
            value_chars: 40,
        });
        let w = |line: usize, park: &str| {
            Diagnostic::warning("a.csv", line, 1, t!("diag.no_province")).park(park)
        };
        for line in 1..=7 {
            r.push(w(line, "P1"));
        }
        r.push(w(1, "P1"));
        r.push(w(1, "P2"));
        assert_eq!(r.diagnostics.len(), 2, "only two kept of the kind");
        r.sort();
        assert_eq!(r.warnings_of("P1"), 8);
        assert_eq!(r.warnings_of("P2"), 1);
        assert_eq!(r.warnings_of("P3"), 0);
    }
}
