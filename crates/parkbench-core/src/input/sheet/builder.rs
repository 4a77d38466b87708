//! Turns a sheet's cells, as a stream in row order, into a text [`Table`], with every bound of
//! `indicators/limits.toml` applied as the cells arrive: a cell's text, the cells and text of
//! the sheet, the columns, the table's size (rows x columns). Memory is the table itself (about
//! the text plus 4 bytes a cell) and the first rows while the header is looked for.
//!
//! What the file says about a cell is used here, where the header is known: a formula without
//! a computed value is an error at its cell (never a zero, never "not used"); a number typed in
//! the period column is an error (Excel keeps `2022.10` as 2022.1); merged cells carry their
//! value over the range they cover (a park id merged down over its rows); rows of empty cells
//! are no rows; notes and signatures under the table (`注：...`, `填表人：...`) are said once, not
//! read as parks; group headings merged over a second header row name nothing.

use crate::diag::{Diagnostic, Notice, Origin, Report};
use crate::input::table::{Table, TextColumn};
use crate::reference::ColumnWords;
use crate::reference::WorkbookLimits;
use crate::units::DecimalMark;

/// How many rows above the header may hold titles (merged cells, a programme name).
const HEADER_SEARCH_ROWS: u32 = 20;

/// Formula texts kept for messages (the rest are counted by the report's bound anyway).
const FORMULA_TEXTS: usize = 200;

/// What a cell held, as far as reading it as text needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    /// A number (a percentage is text such as `96%` by now).
    Number,
    /// A date or time (text such as `2024-03-01` by now).
    Date,
    /// A boolean or an error value (`#DIV/0!`).
    Other,
    /// A formula whose value was not computed (the text is the formula).
    Formula,
    /// A formula whose stored value is 0 (the text is `0`): a real 0, or the placeholder a
    /// program wrote that was never recalculated (xlsxwriter's 0, kept by a LibreOffice that
    /// saved without recalculating). Read as 0, with a warning at the cell.
    FormulaZero,
}

/// A sheet read: its table, and the notices of what was skipped.
pub(crate) struct Sheet {
    pub table: Table,
    pub notices: Vec<Notice>,
}

struct Row {
    row: u32,
    cells: Vec<(u32, Kind, String)>,
}

impl Row {
    fn text(&self, col: usize) -> &str {
        self.cells
            .iter()
            .find(|(c, _, _)| *c as usize == col)
            .map_or("", |(_, _, t)| t.as_str())
    }
}

/// The table being built, once the header is known.
struct Body {
    header: Vec<String>,
    header_line: u32,
    title_rows: usize,
    columns: Vec<TextColumn>,
    lines: Vec<u32>,
    ragged: Vec<(usize, usize)>,
    park: Option<usize>,
    period: Option<usize>,
    /// Cells that were formulas without a value: (row in the table, column).
    formulas: Vec<(u32, u32)>,
    formula_texts: Vec<String>,
    /// Numbers in the period column: (row in the table, column).
    period_numbers: Vec<(u32, u32)>,
    /// Formulas whose stored value is 0: (row in the table, column).
    zeros: Vec<(u32, u32)>,
    /// The trailing run of note rows: (first row in the table, texts of the first ones).
    notes: Option<(usize, Vec<(u32, String)>)>,
    slots: usize,
}

/// Builds a [`Table`] from cells given in row order (and, within a row, column order).
pub(crate) struct Builder<'w> {
    origin: Origin,
    limits: WorkbookLimits,
    /// Header aliases and note words.
    words: &'w ColumnWords,
    first_row: Option<u32>,
    pending: Vec<Row>,
    header_at: Option<usize>,
    body: Option<Body>,
    current: Option<Row>,
    cells: usize,
    text_bytes: usize,
    merges: Vec<[u32; 4]>,
}

impl<'w> Builder<'w> {
    pub(crate) fn new(origin: Origin, limits: WorkbookLimits, words: &'w ColumnWords) -> Self {
        Builder {
            origin,
            limits,
            words,
            first_row: None,
            pending: Vec::new(),
            header_at: None,
            body: None,
            current: None,
            cells: 0,
            text_bytes: 0,
            merges: Vec::new(),
        }
    }

    /// The sheet being read.
    pub(crate) fn origin(&self) -> &Origin {
        &self.origin
    }

    fn at(&self, row: u32, col: u32, msg: crate::i18n::Text) -> Diagnostic {
        Diagnostic::error(&self.origin, row as usize + 1, col as usize + 1, msg)
    }

    /// The next cell (0-based row and column); empty text is no cell. Refused past a bound,
    /// before its text is kept.
    pub(crate) fn cell(
        &mut self,
        row: u32,
        col: u32,
        kind: Kind,
        text: &str,
    ) -> Result<(), Diagnostic> {
        if kind != Kind::Formula && text.trim().is_empty() {
            return Ok(());
        }
        let l = self.limits;
        if col as usize >= l.columns {
            return Err(self
                .at(
                    row,
                    col,
                    t!(
                        "diag.sheet_far_column",
                        column = crate::diag::column_letters(col as usize + 1),
                        n = l.columns
                    ),
                )
                .value(crate::diag::printable(text))
                .expected(t!("diag.expected.first_columns", n = l.columns))
                .hint(t!("diag.hint.far_cell")));
        }
        if text.len() > l.cell_chars && text.chars().count() > l.cell_chars {
            return Err(self
                .at(row, col, t!("diag.cell_too_long"))
                .value(crate::diag::printable(text))
                .expected(t!("diag.expected.at_most_chars", n = l.cell_chars)));
        }
        self.cells += 1;
        self.text_bytes += text.len();
        if self.cells > l.cells {
            return Err(self
                .at(row, col, t!("diag.sheet_too_many_cells", n = l.cells))
                .expected(t!("diag.expected.at_most_cells", n = l.cells)));
        }
        if self.text_bytes as u64 > l.text_bytes {
            return Err(self
                .at(
                    row,
                    col,
                    t!("diag.sheet_too_much_text", mb = l.text_bytes / 1_000_000),
                )
                .expected(t!(
                    "diag.expected.sheet_text",
                    mb = l.text_bytes / 1_000_000
                )));
        }
        match &mut self.current {
            Some(r) if r.row == row => {
                if r.cells.last().is_some_and(|&(c, _, _)| c >= col) {
                    return Err(self.out_of_order(row, col));
                }
                r.cells.push((col, kind, text.to_string()));
            }
            Some(r) if r.row > row => return Err(self.out_of_order(row, col)),
            _ => {
                self.end_row()?;
                self.current = Some(Row {
                    row,
                    cells: vec![(col, kind, text.to_string())],
                });
            }
        }
        Ok(())
    }

    fn out_of_order(&self, row: u32, col: u32) -> Diagnostic {
        self.at(row, col, t!("diag.sheet_cells_out_of_order"))
            .hint(t!("diag.hint.save_workbook_again"))
    }

    /// A merged range (0-based, inclusive): its first cell's value counts for every cell of it.
    pub(crate) fn merge(&mut self, r0: u32, c0: u32, r1: u32, c1: u32) -> Result<(), Diagnostic> {
        if self.merges.len() >= self.limits.merged_ranges {
            return Err(self
                .at(
                    r0,
                    c0,
                    t!("diag.sheet_too_many_merges", n = self.limits.merged_ranges),
                )
                .hint(t!("diag.hint.unmerge")));
        }
        if r1 > r0 || c1 > c0 {
            self.merges.push([r0, c0, r1.max(r0), c1.max(c0)]);
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), Diagnostic> {
        let Some(row) = self.current.take() else {
            return Ok(());
        };
        if self.body.is_some() {
            return self.push_body(row);
        }
        let first = *self.first_row.get_or_insert(row.row);
        if self.header_at.is_none()
            && row.row < first + HEADER_SEARCH_ROWS
            && row
                .cells
                .iter()
                .any(|(_, _, t)| self.words.canonical(t) == "park_id")
        {
            self.header_at = Some(self.pending.len());
        }
        let last = row.row;
        self.pending.push(row);
        // The header and the two rows under it (units, or names under group headings) decide
        // the header; then the rows stream into the table.
        let ready = match self.header_at {
            Some(h) => self.pending.len() >= h + 3,
            None => last >= first + HEADER_SEARCH_ROWS + 2,
        };
        if ready {
            self.commit()?;
        }
        Ok(())
    }

    /// The header is known: build it and stream the rows held so far into the table.
    fn commit(&mut self) -> Result<(), Diagnostic> {
        let mut pending = std::mem::take(&mut self.pending);
        let h = self.header_at.unwrap_or(0);
        let header_row = pending[h].row;
        let width = pending[h]
            .cells
            .iter()
            .map(|&(c, _, _)| c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut header = vec![String::new(); width];
        for (c, _, t) in &pending[h].cells {
            header[*c as usize] = self.words.canonical(t);
        }
        let mut next = h + 1;
        let park = header.iter().position(|x| x == "park_id");
        let year = header.iter().position(|x| x == "year");
        if let Some(p) = park
            && let Some(sub) = pending.get(next)
            && names_under_group_headings(&header, p, year, sub)
        {
            for (c, _, t) in &sub.cells {
                let c = *c as usize;
                if c >= header.len() {
                    header.resize(c + 1, String::new());
                }
                header[c] = self.words.canonical(t);
            }
            next += 1;
        }
        // A wide header may have its units in the next row (as in CSV files).
        if let Some(p) = park
            && !header.iter().any(|x| x == "metric")
            && let Some(units) = pending.get(next)
        {
            let mut row = vec![""; header.len()];
            for (c, _, t) in &units.cells {
                if let Some(slot) = row.get_mut(*c as usize) {
                    *slot = t.as_str();
                }
            }
            if crate::input::table::merge_unit_row(&mut header, p, year, &row) {
                next += 1;
            }
        }
        crate::input::table::duplicate_header(&self.origin, &header, header_row + 1)?;
        if header.is_empty() {
            header.push(String::new());
        }
        let ncols = header.len();
        self.body = Some(Body {
            park,
            period: header.iter().position(|x| x == "period"),
            columns: vec![TextColumn::empty(); ncols],
            header,
            header_line: header_row + 1,
            title_rows: h,
            lines: Vec::new(),
            ragged: Vec::new(),
            formulas: Vec::new(),
            formula_texts: Vec::new(),
            period_numbers: Vec::new(),
            zeros: Vec::new(),
            notes: None,
            slots: 0,
        });
        for row in pending.drain(next.min(pending.len())..) {
            self.push_body(row)?;
        }
        Ok(())
    }

    fn push_body(&mut self, row: Row) -> Result<(), Diagnostic> {
        let cells_limit = self.limits.cells;
        let words = self.words;
        let origin = self.origin.clone();
        let Some(b) = self.body.as_mut() else {
            return Ok(());
        };
        let ncols = b.columns.len();
        let used = row.cells.last().map_or(0, |&(c, _, _)| c as usize + 1);
        b.slots += ncols.max(used);
        if b.slots > cells_limit {
            return Err(Diagnostic::error(
                &origin,
                row.row as usize + 1,
                0,
                t!("diag.sheet_table_too_big", n = cells_limit),
            )
            .expected(t!("diag.expected.at_most_cells", n = cells_limit)));
        }
        let index = b.lines.len() as u32;
        // A note under the table, or a signature row: every cell starts with a note word.
        let note = row
            .cells
            .iter()
            .all(|(_, _, t)| words.is_note_text(t))
            .then(|| row.cells[0].2.clone());
        match (&mut b.notes, note) {
            (Some((_, texts)), Some(t)) => {
                if texts.len() < 3 {
                    texts.push((row.row + 1, t));
                }
            }
            (None, Some(t)) => b.notes = Some((index as usize, vec![(row.row + 1, t)])),
            (notes, None) => *notes = None,
        }
        if used > ncols {
            b.ragged.push((index as usize, used));
        }
        b.lines.push(row.row + 1);
        let mut cells = row.cells.into_iter().peekable();
        for (c, column) in b.columns.iter_mut().enumerate() {
            match cells.peek() {
                Some((col, _, _)) if *col as usize == c => {
                    let (col, kind, text) = cells.next().unwrap_or((0, Kind::Text, String::new()));
                    match kind {
                        Kind::Formula => {
                            b.formulas.push((index, col));
                            if b.formula_texts.len() < FORMULA_TEXTS {
                                b.formula_texts.push(text);
                            }
                            column.push("");
                        }
                        Kind::FormulaZero => {
                            b.zeros.push((index, col));
                            column.push(&text);
                        }
                        Kind::Number if Some(c) == b.period => {
                            b.period_numbers.push((index, col));
                            column.push(&text);
                        }
                        _ => column.push(&text),
                    }
                }
                _ => column.push(""),
            }
        }
        Ok(())
    }

    /// The table, with merged ranges filled; problems of single cells go to `problems`.
    pub(crate) fn finish(mut self, problems: &mut Report) -> Result<Sheet, Diagnostic> {
        self.end_row()?;
        if self.body.is_none() {
            if self.pending.is_empty() {
                return Err(
                    Diagnostic::error(&self.origin, 0, 0, t!("diag.sheet_empty"))
                        .expected(t!("diag.expected.header_and_rows")),
                );
            }
            self.commit()?;
        }
        let merges = std::mem::take(&mut self.merges);
        let Some(mut b) = self.body.take() else {
            return Err(Diagnostic::error(
                &self.origin,
                0,
                0,
                t!("diag.sheet_empty"),
            ));
        };
        let notices: Vec<Notice> = b.strip_notes(&self.origin).into_iter().collect();
        fill_merges(&mut b, &merges, self.limits.cells, &self.origin)?;
        b.cell_problems(&self.origin, problems);
        Ok(Sheet {
            table: Table {
                origin: self.origin,
                header_line: b.header_line,
                title_rows: b.title_rows,
                header: b.header,
                columns: b.columns,
                lines: b.lines,
                ragged: b.ragged,
                ragged_dropped: 0,
                delimiter: b',',
                encoding: "xlsx",
                decimal: DecimalMark::Point,
                notices: Vec::new(),
            },
            notices,
        })
    }
}

impl Body {
    /// Takes the notes under the table (and their rows' records) off it; the notice that says
    /// so, with the first note.
    fn strip_notes(&mut self, origin: &Origin) -> Option<Notice> {
        let (from, texts) = self.notes.take()?;
        let n = self.lines.len() - from;
        self.lines.truncate(from);
        for c in &mut self.columns {
            c.truncate(from);
        }
        self.ragged.retain(|&(r, _)| r < from);
        self.formulas.retain(|&(r, _)| (r as usize) < from);
        self.period_numbers.retain(|&(r, _)| (r as usize) < from);
        self.zeros.retain(|&(r, _)| (r as usize) < from);
        let (line, first) = texts.into_iter().next().unwrap_or_default();
        Some(Notice::new(
            origin,
            line as usize,
            t!(
                "diag.notes_skipped",
                n = n,
                first = crate::diag::printable(&first)
            ),
        ))
    }

    /// The park of a row, when the table has a park column and the row's cell is filled.
    fn park_at(&self, r: u32) -> Option<String> {
        self.park
            .and_then(|p| self.columns[p].get(r as usize))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The problems of single cells: formulas without a computed value, formulas computed as
    /// zero, periods typed as numbers (`2022.1`), each with its row's park.
    fn cell_problems(&self, origin: &Origin, problems: &mut Report) {
        let at = |d: Diagnostic, r: u32| match self.park_at(r) {
            Some(p) => d.park(p),
            None => d,
        };
        let line = |r: u32| self.lines[r as usize] as usize;
        for (i, &(r, c)) in self.formulas.iter().enumerate() {
            let mut d = Diagnostic::error(
                origin,
                line(r),
                c as usize + 1,
                t!("diag.formula_not_computed"),
            )
            .expected(t!("diag.expected.computed_value"))
            .hint(t!("diag.hint.recalculate"));
            if let Some(f) = self.formula_texts.get(i) {
                d = d.value(f.as_str());
            }
            problems.push(at(d, r));
        }
        for &(r, c) in &self.zeros {
            let d = Diagnostic::warning(origin, line(r), c as usize + 1, t!("diag.formula_zero"))
                .hint(t!("diag.hint.recalculate"));
            problems.push(at(d, r));
        }
        for &(r, c) in &self.period_numbers {
            let text = self.columns[c as usize].get(r as usize).unwrap_or("");
            // 202403 is a month; 2022.1 may have been typed 2022.10 (October) or 2022.1.
            if text.len() == 6 && text.bytes().all(|x| x.is_ascii_digit()) {
                continue;
            }
            let d = Diagnostic::error(
                origin,
                line(r),
                c as usize + 1,
                t!("diag.period_typed_as_number"),
            )
            .value(text)
            .expected(t!("diag.expected.period"))
            .hint(t!("diag.hint.period_as_text"));
            problems.push(at(d, r));
        }
    }
}

/// Is `sub`, the row under a header, a row of names under group headings merged above them
/// (`能源消费` over the carrier columns, their names in the row below)? Its park and year cells
/// are empty, its cells are text, and it names columns the header row leaves empty.
fn names_under_group_headings(
    header: &[String],
    park: usize,
    year: Option<usize>,
    sub: &Row,
) -> bool {
    let empty = |i: Option<usize>| i.is_none_or(|i| sub.text(i).trim().is_empty());
    let fills_gap = sub
        .cells
        .iter()
        .any(|&(c, _, _)| header.get(c as usize).is_none_or(|h| h.is_empty()));
    empty(Some(park))
        && empty(year)
        && fills_gap
        && sub.cells.iter().all(|&(_, k, _)| k == Kind::Text)
}

/// Gives every empty cell of a merged range in the table its first cell's value. The work is
/// bounded by the table's size: ranges are clipped to its rows and columns.
fn fill_merges(
    b: &mut Body,
    merges: &[[u32; 4]],
    limit: usize,
    origin: &Origin,
) -> Result<(), Diagnostic> {
    let mut fills: Vec<(usize, usize, String)> = Vec::new();
    let mut work = 0usize;
    for &[r0, c0, r1, c1] in merges {
        // The range's first cell must be a cell of the table (not of the header).
        let Ok(first) = b.lines.binary_search(&(r0 + 1)) else {
            continue;
        };
        let Some(value) = b
            .columns
            .get(c0 as usize)
            .and_then(|c| c.get(first))
            .map(str::to_string)
        else {
            continue;
        };
        let end = b.lines.partition_point(|&l| l <= r1 + 1);
        let cols = c0 as usize..=(c1 as usize).min(b.columns.len() - 1);
        work += (end - first) * cols.clone().count();
        if work > limit {
            return Err(Diagnostic::error(
                origin,
                r0 as usize + 1,
                c0 as usize + 1,
                t!("diag.sheet_table_too_big", n = limit),
            ));
        }
        for r in first..end {
            for c in cols.clone() {
                if (r, c) != (first, c0 as usize) && b.columns[c].get(r).is_none() {
                    fills.push((c, r, value.clone()));
                }
            }
        }
    }
    if fills.is_empty() {
        return Ok(());
    }
    fills.sort_by_key(|&(c, r, _)| (c, r));
    let mut i = 0;
    while i < fills.len() {
        let c = fills[i].0;
        let j = i + fills[i..].iter().take_while(|f| f.0 == c).count();
        let column = &b.columns[c];
        let mut rebuilt = TextColumn::empty();
        let mut k = i;
        for r in 0..column.cells_len() {
            if k < j && fills[k].1 == r {
                rebuilt.push(&fills[k].2);
                k += 1;
            } else {
                rebuilt.push(column.get(r).unwrap_or(""));
            }
        }
        b.columns[c] = rebuilt;
        i = j;
    }
    Ok(())
}
