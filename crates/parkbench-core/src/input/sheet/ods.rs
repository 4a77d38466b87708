//! `.ods` (OpenDocument spreadsheet): the sheets parkbench reads, as a stream of cells from
//! `content.xml`.
//!
//! What the file says is used: `office:value-type` (a `percentage` cell holds 0.96 for 96 %, a
//! `date` its date), `table:formula` without a value, `calcext:value-type="error"`, hidden
//! sheets (a table style with `table:display="false"`), merged cells (`number-columns-spanned`,
//! `number-rows-spanned`). Repeated rows and columns (`number-rows-repeated="1048576"`, as
//! LibreOffice writes a formatted sheet) are counted, never expanded: an empty repeat costs
//! nothing, a repeat of values counts every cell it stands for against the bounds first.

use quick_xml::events::{BytesStart, Event};
use std::collections::HashSet;

use super::builder::{Builder, Kind};
use super::numfmt;
use super::xlsx::{attr, entity, hidden};
use super::zipped::Archive;
use super::{Book, sheet_role};
use crate::diag::{Diagnostic, Origin, Report};
use crate::reference::ColumnWords;
use crate::reference::WorkbookLimits;

/// The sheets of the workbook by name, and whether each is hidden (no cell is read).
pub(crate) fn sheets(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
) -> Result<Vec<(String, bool)>, Diagnostic> {
    let mut out = Vec::new();
    let mut ar = Archive::open(file, bytes, limits)?;
    walk(&mut ar, &mut |_, name, hidden| {
        out.push((name.to_string(), hidden));
        Ok(false)
    })?;
    Ok(out)
}

/// Reads the sheets whose names give them a role; hidden ones are skipped and said so.
pub(crate) fn read(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    let mut ar = Archive::open(file, bytes, limits)?;
    let mut book = Book::default();
    let mut read =
        |r: &mut Rows<'_, '_>, name: &str, is_hidden: bool| -> Result<bool, Diagnostic> {
            book.names.push(name.to_string());
            let Some(role) = sheet_role(name) else {
                return Ok(false);
            };
            if is_hidden {
                book.notices.push(hidden(file, name));
                return Ok(false);
            }
            let origin = Origin::sheet(file, name);
            let mut b = Builder::new(origin, limits, words);
            r.cells(&mut b)?;
            let sheet = b.finish(problems)?;
            book.notices.extend(sheet.notices);
            book.sheets.push((role, sheet.table));
            Ok(true)
        };
    walk(&mut ar, &mut read)?;
    Ok(book)
}

/// The reader positioned at a table's first row.
pub(crate) struct Rows<'r, 'a> {
    r: &'r mut quick_xml::Reader<Box<dyn std::io::BufRead + 'a>>,
    buf: &'r mut Vec<u8>,
    limits: WorkbookLimits,
    origin_file: String,
}

type Visit<'v> = dyn FnMut(&mut Rows<'_, '_>, &str, bool) -> Result<bool, Diagnostic> + 'v;

/// Goes through `content.xml`: the automatic table styles (which hide a sheet), then each
/// table; `visit` reads a table's rows (returns true) or leaves them to be skipped.
fn walk(ar: &mut Archive<'_>, visit: &mut Visit<'_>) -> Result<(), Diagnostic> {
    let file = ar.file().to_string();
    let limits = ar.limits();
    let Some(r) = ar.xml("content.xml")? else {
        return Err(super::zipped::unreadable(
            &file,
            "content.xml",
            "no such part",
        ));
    };
    let inner: Box<dyn std::io::BufRead + '_> = Box::new(r.into_inner());
    let mut r = quick_xml::Reader::from_reader(inner);
    r.config_mut().trim_text(false);
    r.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut hidden_styles: HashSet<String> = HashSet::new();
    let mut style: Option<String> = None;
    let result: Result<(), Diagnostic> = loop {
        let ev = match r.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                break Err(super::zipped::failed(
                    &file,
                    &limits,
                    "content.xml",
                    None,
                    &e,
                ));
            }
        };
        let start_tag = matches!(ev, Event::Start(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "style" => {
                    style = (attr(&e, "family").as_deref() == Some("table"))
                        .then(|| attr(&e, "name"))
                        .flatten();
                }
                "table-properties" => {
                    if let Some(s) = &style
                        && attr(&e, "display").as_deref() == Some("false")
                        && hidden_styles.len() < 10_000
                    {
                        hidden_styles.insert(s.clone());
                    }
                }
                "table" if start_tag => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let is_hidden =
                        attr(&e, "style-name").is_some_and(|s| hidden_styles.contains(&s));
                    buf.clear();
                    let mut rows = Rows {
                        r: &mut r,
                        buf: &mut buf,
                        limits,
                        origin_file: file.clone(),
                    };
                    let was_read = visit(&mut rows, &name, is_hidden)?;
                    if !was_read {
                        rows.skip_table()?;
                    }
                }
                _ => {}
            },
            Event::Eof => break Ok(()),
            _ => {}
        }
        buf.clear();
    };
    result
}

/// A cell of a row being read, before the row's repeat is known.
struct OdsCell {
    col: u32,
    repeat: u32,
    kind: Kind,
    text: String,
    /// The text of the cell's paragraphs is its value (no value in its attributes).
    from_paragraphs: bool,
    span: (u32, u32),
}

impl Rows<'_, '_> {
    fn failed(&self, e: &quick_xml::Error) -> Diagnostic {
        super::zipped::failed(&self.origin_file, &self.limits, "content.xml", None, e)
    }

    /// Reads events to the end of the current table without keeping anything.
    fn skip_table(&mut self) -> Result<(), Diagnostic> {
        let mut depth = 1u32;
        loop {
            self.buf.clear();
            match self.r.read_event_into(self.buf) {
                Ok(Event::Start(e)) if e.local_name().as_ref() == "table" => depth += 1,
                Ok(Event::End(e)) if e.local_name().as_ref() == "table" => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Ok(Event::Eof) => return Ok(()),
                Err(e) => return Err(self.failed(&e)),
                _ => {}
            }
        }
    }

    /// Streams the table's cells into `b`, row by row, up to the end of the table.
    fn cells(&mut self, b: &mut Builder) -> Result<(), Diagnostic> {
        let l = self.limits;
        let mut t = TableState::new();
        loop {
            self.buf.clear();
            let ev = match self.r.read_event_into(self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(self.failed(&e)),
            };
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let empty_tag = matches!(ev, Event::Empty(_));
                    match e.local_name().as_ref() {
                        "table-row" => t.start_row(e, empty_tag),
                        "table-cell" | "covered-table-cell" => t.start_cell(e, empty_tag),
                        "p" if !empty_tag => t.paragraph(),
                        "s" => {
                            let n = attr(e, "c")
                                .and_then(|v| v.parse::<usize>().ok())
                                .unwrap_or(1);
                            t.push_written(|text| {
                                text.extend(std::iter::repeat_n(' ', n.min(l.cell_chars)))
                            });
                        }
                        "tab" => t.push_written(|text| text.push('\t')),
                        "line-break" => t.push_written(|text| text.push('\n')),
                        _ => {}
                    }
                }
                Event::Text(e) => {
                    if let Some(c) = t.in_paragraph() {
                        c.text.push_str(&e.xml10_content());
                    }
                }
                Event::GeneralRef(e) => {
                    if let Some(c) = t.in_paragraph()
                        && let Some(ch) = entity(&e)
                    {
                        c.text.push(ch);
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    "table-cell" | "covered-table-cell" => {
                        if let Some(c) = t.cell.take() {
                            keep(&mut t.cells, c);
                        }
                    }
                    "table-row" => t.end_row(b, &l)?,
                    "table" => return Ok(()),
                    _ => {}
                },
                Event::Eof => return Ok(()),
                _ => {}
            }
            t.check_cell_length(b, &l)?;
        }
    }
}

/// Where the reading of a table stands: the row, how many times it repeats, the next column,
/// the row's cells kept so far, the cell being read and its paragraphs, and the cells counted.
struct TableState {
    row: u64,
    row_repeat: u64,
    col: u64,
    cells: Vec<OdsCell>,
    cell: Option<OdsCell>,
    paragraphs: u32,
    counted: u64,
}

/// Rows beyond this one are far rows (an error): a sheet this long is no data sheet.
const MAX_ROWS: u64 = 1 << 24;

impl TableState {
    fn new() -> Self {
        TableState {
            row: 0,
            row_repeat: 1,
            col: 0,
            cells: Vec::new(),
            cell: None,
            paragraphs: 0,
            counted: 0,
        }
    }

    /// A row starts (an empty tag: a row of nothing, repeated).
    fn start_row(&mut self, e: &BytesStart<'_>, empty_tag: bool) {
        self.row_repeat = attr(e, "number-rows-repeated")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1)
            .max(1);
        self.col = 0;
        self.cells.clear();
        if empty_tag {
            self.row = self.row.saturating_add(self.row_repeat);
        }
    }

    /// A cell starts: its value and type from its attributes (or its paragraphs, to come), its
    /// repeat and span; an empty tag is the whole cell.
    fn start_cell(&mut self, e: &BytesStart<'_>, empty_tag: bool) {
        let repeat = attr(e, "number-columns-repeated")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1)
            .clamp(1, u64::from(u32::MAX));
        let covered = e.local_name().as_ref() == "covered-table-cell";
        // A covered cell (under a merge) keeps an old value nobody sees.
        let (kind, value) = if covered {
            (Kind::Text, Some(String::new()))
        } else {
            typed_value(e)
        };
        let span = (
            attr(e, "number-rows-spanned")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1u32),
            attr(e, "number-columns-spanned")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1u32),
        );
        let c = OdsCell {
            col: self.col.min(u64::from(u32::MAX)) as u32,
            repeat: repeat as u32,
            kind,
            from_paragraphs: value.is_none(),
            text: value.unwrap_or_default(),
            span,
        };
        self.col = self.col.saturating_add(repeat);
        self.paragraphs = 0;
        if empty_tag {
            keep(&mut self.cells, c);
        } else {
            self.cell = Some(c);
        }
    }

    /// A paragraph of the cell starts (a new line after the first).
    fn paragraph(&mut self) {
        if let Some(c) = &mut self.cell {
            self.paragraphs += 1;
            if self.paragraphs > 1 && c.from_paragraphs {
                c.text.push('\n');
            }
        }
    }

    /// Adds to the text of a cell whose value is its paragraphs (spaces, a tab, a line break).
    fn push_written(&mut self, add: impl FnOnce(&mut String)) {
        if let Some(c) = &mut self.cell
            && c.from_paragraphs
        {
            add(&mut c.text);
        }
    }

    /// The cell whose paragraphs are being read, when its value is their text.
    fn in_paragraph(&mut self) -> Option<&mut OdsCell> {
        let paragraphs = self.paragraphs;
        self.cell
            .as_mut()
            .filter(|c| c.from_paragraphs && paragraphs > 0)
    }

    /// A row ends: its cells, as many times as it repeats, go to `b`, every cell it stands for
    /// counted against the bound first.
    fn end_row(&mut self, b: &mut Builder, l: &WorkbookLimits) -> Result<(), Diagnostic> {
        let (row, row_repeat) = (self.row, self.row_repeat);
        let per_row: u64 = self.cells.iter().map(|c| u64::from(c.repeat)).sum();
        if per_row > 0 {
            self.counted = self
                .counted
                .saturating_add(per_row.saturating_mul(row_repeat));
            if self.counted > l.cells as u64 {
                return Err(Diagnostic::error(
                    b.origin(),
                    (row + 1).min(u64::from(u32::MAX)) as usize,
                    0,
                    t!("diag.sheet_too_many_cells", n = l.cells),
                )
                .expected(t!("diag.expected.at_most_cells", n = l.cells)));
            }
            if row + row_repeat > MAX_ROWS {
                return Err(far_row(b, row));
            }
            for k in 0..row_repeat {
                emit(b, (row + k) as u32, &self.cells)?;
            }
        }
        self.row = row.saturating_add(row_repeat);
        self.cells.clear();
        Ok(())
    }

    /// The cell being read may hold at most four times a cell's characters in bytes.
    fn check_cell_length(&self, b: &Builder, l: &WorkbookLimits) -> Result<(), Diagnostic> {
        match &self.cell {
            Some(c) if c.text.len() > l.cell_chars * 4 => Err(Diagnostic::error(
                b.origin(),
                (self.row + 1).min(u64::from(u32::MAX)) as usize,
                c.col as usize + 1,
                t!("diag.cell_too_long"),
            )
            .expected(t!("diag.expected.at_most_chars", n = l.cell_chars))),
            _ => Ok(()),
        }
    }
}

fn far_row(b: &Builder, row: u64) -> Diagnostic {
    Diagnostic::error(b.origin(), 0, 0, t!("diag.sheet_far_row", row = row + 1))
        .hint(t!("diag.hint.far_cell"))
}

/// Keeps a cell of the row if it has something to say (a value, a formula, a merge).
fn keep(cells: &mut Vec<OdsCell>, c: OdsCell) {
    if !c.text.trim().is_empty() || c.kind == Kind::Formula || c.span != (1, 1) {
        // A kept cell; FormulaZero has the text `0`.
        cells.push(c);
    }
}

/// A row's cells into the builder (repeated cells as many times), with its merges.
fn emit(b: &mut Builder, row: u32, cells: &[OdsCell]) -> Result<(), Diagnostic> {
    for c in cells {
        for k in 0..c.repeat {
            let col = c.col.saturating_add(k);
            if c.span != (1, 1) {
                b.merge(
                    row,
                    col,
                    row.saturating_add(c.span.0.saturating_sub(1)),
                    col.saturating_add(c.span.1.saturating_sub(1)),
                )?;
            }
            b.cell(row, col, c.kind, &c.text)?;
        }
    }
    Ok(())
}

/// The value a cell's attributes give (None: the text of its paragraphs is the value).
fn typed_value(e: &BytesStart<'_>) -> (Kind, Option<String>) {
    let formula = attr(e, "formula");
    let mut value_type = None;
    let mut calc_error = false;
    for a in e.attributes().with_checks(false).flatten() {
        if a.key.local_name().as_ref() != "value-type" {
            continue;
        }
        match a.key.prefix().map(|p| p.as_ref().to_string()) {
            Some(p) if p == "calcext" => calc_error = a.value.as_ref() == "error",
            _ => {
                value_type = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            }
        }
    }
    if calc_error {
        // `#DIV/0!` shown in the paragraphs: reported as the error it is.
        return (Kind::Other, None);
    }
    let Some(ty) = value_type else {
        return match formula {
            Some(f) => (Kind::Formula, Some(f)),
            None => (Kind::Text, None),
        };
    };
    let number = || {
        attr(e, "value")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite())
    };
    if formula.is_some()
        && matches!(ty.as_str(), "float" | "currency" | "percentage")
        && number() == Some(0.0)
    {
        return (Kind::FormulaZero, Some("0".into()));
    }
    match ty.as_str() {
        "float" | "currency" => match number() {
            Some(f) => (Kind::Number, Some(numfmt::number_text(f))),
            None => (Kind::Text, None),
        },
        "percentage" => match number() {
            Some(f) => (Kind::Number, Some(numfmt::percent_text(f))),
            None => (Kind::Text, None),
        },
        "date" => match attr(e, "date-value") {
            Some(d) => (Kind::Date, Some(numfmt::iso_date(&d))),
            None => (Kind::Text, None),
        },
        "boolean" => {
            let v = attr(e, "boolean-value").unwrap_or_default();
            (
                Kind::Other,
                Some(if v == "true" { "1" } else { "0" }.to_string()),
            )
        }
        "string" => match attr(e, "string-value") {
            Some(s) => (Kind::Text, Some(s)),
            None => (Kind::Text, None),
        },
        _ => (Kind::Text, None),
    }
}
