//! Reading Excel workbooks (`.xlsx`, `.xlsm`, `.xls`) and OpenDocument sheets (`.ods`) into the
//! same text [`Table`]s as CSV files, so that one validator serves both.
//!
//! A workbook holds a sheet `parks` (or `园区`), one or more sheets whose name starts with
//! `activity` (or `活动数据`), and optionally `waivers`. Cells keep their Excel position:
//! a table's `file` is `book.xlsx!activity` and its line numbers are Excel row numbers, so a
//! diagnostic reads `book.xlsx!activity!C14` (see [`crate::diag::Diagnostic::location`]).
//!
//! Cell values become text the way an operator would have typed them: numbers in their
//! shortest exact form, dates as `YYYY-MM-DD`, formulas as their cached value, Excel errors
//! (`#DIV/0!`) as that text so the validator reports them where they are.

#![allow(clippy::result_large_err)]

use calamine::{Data, DataRef, Ods, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_auto_from_rs};
use std::io::Cursor;
use std::path::Path;

use super::table::TextColumn;
use crate::diag::{Diagnostic, Origin};
use crate::input::table::{Table, canonical_header};
use crate::units::DecimalMark;

/// File extensions read as workbooks.
pub const WORKBOOK_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Is this path a workbook by its extension?
pub fn is_workbook(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        WORKBOOK_EXTENSIONS
            .iter()
            .any(|w| e.eq_ignore_ascii_case(w))
    })
}

/// What a sheet holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetRole {
    Parks,
    Activity,
    Waivers,
}

/// The role of a sheet by its name (case-insensitive; English or Chinese), or None for a sheet
/// parkbench does not read (a README, a metric list, notes).
pub fn sheet_role(name: &str) -> Option<SheetRole> {
    let n = name.trim().to_lowercase();
    if n == "parks" || n == "园区" || n == "园区信息" {
        Some(SheetRole::Parks)
    } else if n.starts_with("activity") || n.starts_with("活动数据") {
        Some(SheetRole::Activity)
    } else if n == "waivers" || n == "豁免" {
        Some(SheetRole::Waivers)
    } else {
        None
    }
}

/// Reads every sheet of a workbook that parkbench uses, in workbook order. A workbook that
/// cannot be opened, or has none of the sheets, is one error.
pub fn read_workbook(path: &Path) -> Result<Vec<(SheetRole, Table)>, Diagnostic> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error(
            &file,
            0,
            0,
            t!("diag.cannot_read_file", error = e.to_string()),
        )
    })?;
    read_workbook_bytes(&file, bytes)
}

/// Opens a workbook from bytes; an empty or unreadable one is one error.
fn open_bytes(file: &str, bytes: Vec<u8>) -> Result<Sheets<Cursor<Vec<u8>>>, Diagnostic> {
    open_as(file, None, bytes)
}

fn open_as(
    file: &str,
    format: Option<&str>,
    bytes: Vec<u8>,
) -> Result<Sheets<Cursor<Vec<u8>>>, Diagnostic> {
    if bytes.is_empty() {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.file_empty"))
            .expected(t!("diag.expected.workbook_sheets")));
    }
    if bytes.starts_with(b"PK") {
        check_inflated(file, &bytes)?;
    }
    open_book(file, format, bytes).map_err(|e| {
        Diagnostic::error(file, 0, 0, t!("diag.cannot_read_workbook", error = e))
            .expected(t!("diag.expected.workbook"))
            .hint(t!("diag.hint.save_workbook_again"))
    })
}

/// The roles of a workbook's sheets, from their names alone (no cell is read): enough to know
/// that the bytes open as this format and whether the workbook brings its own parks sheet.
pub fn workbook_roles(file: &str, bytes: Vec<u8>) -> Result<Vec<SheetRole>, Diagnostic> {
    let book = open_bytes(file, bytes)?;
    Ok(book
        .sheet_names()
        .iter()
        .filter_map(|n| sheet_role(n))
        .collect())
}

/// Like [`read_workbook`] on bytes already in memory (the format is told by the name's
/// extension, else by its content).
pub fn read_workbook_bytes(
    file: &str,
    bytes: Vec<u8>,
) -> Result<Vec<(SheetRole, Table)>, Diagnostic> {
    read_workbook_as(file, None, bytes)
}

/// [`read_workbook_bytes`] in a format known beforehand (`xlsx`, `xls`, `ods` ...): an upload
/// whose name says nothing (or something else) about its content.
pub fn read_workbook_as(
    file: &str,
    format: Option<&str>,
    bytes: Vec<u8>,
) -> Result<Vec<(SheetRole, Table)>, Diagnostic> {
    let file = file.to_string();
    let mut book = open_as(&file, format, bytes)?;
    let names = book.sheet_names();
    let mut out = Vec::new();
    for name in &names {
        let Some(role) = sheet_role(name) else {
            continue;
        };
        let origin = Origin::sheet(&file, name);
        let cells = sheet_cells(&mut book, name, &origin)?;
        out.push((role, sheet_table(&origin, cells)?));
    }
    if !out.iter().any(|(r, _)| *r == SheetRole::Activity)
        && !out.iter().any(|(r, _)| *r == SheetRole::Parks)
    {
        return Err(
            Diagnostic::error(&file, 0, 0, t!("diag.workbook_no_sheets"))
                .value(names.join(", "))
                .expected(t!("diag.expected.sheet_names"))
                .hint(t!("diag.hint.template_xlsx")),
        );
    }
    Ok(out)
}

/// Opens a workbook in the given format, else by its extension (so a damaged .xlsx is reported
/// as a damaged .xlsx), else by its content.
fn open_book(
    file: &str,
    format: Option<&str>,
    bytes: Vec<u8>,
) -> Result<Sheets<Cursor<Vec<u8>>>, String> {
    let ext = format.map(str::to_string).unwrap_or_else(|| {
        Path::new(file)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default()
    });
    let c = Cursor::new(bytes);
    match ext.as_str() {
        "xlsx" | "xlsm" => Xlsx::new(c).map(Sheets::Xlsx).map_err(|e| e.to_string()),
        "xlsb" => Xlsb::new(c).map(Sheets::Xlsb).map_err(|e| e.to_string()),
        "xls" => Xls::new(c).map(Sheets::Xls).map_err(|e| e.to_string()),
        "ods" => Ods::new(c).map(Sheets::Ods).map_err(|e| e.to_string()),
        _ => open_workbook_auto_from_rs(c).map_err(|e| e.to_string()),
    }
}

/// A ZIP-based workbook (.xlsx, .xlsm, .xlsb, .ods) is inflated once, counting, before it is
/// opened: more parts or more inflated bytes than `indicators/limits.toml` allows is one error
/// (a ZIP bomb: 367 KB that inflate to 100 MB, or 1 MB to gigabytes). Memory stays a buffer.
fn check_inflated(file: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    check_inflated_within(file, bytes, &crate::reference::limits().workbook)
}

fn check_inflated_within(
    file: &str,
    bytes: &[u8],
    limits: &crate::reference::WorkbookLimits,
) -> Result<(), Diagnostic> {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // Not a readable ZIP: calamine says what is wrong with it.
        return Ok(());
    };
    let too_big = |what: crate::i18n::Text| {
        Diagnostic::error(file, 0, 0, t!("diag.workbook_too_big", what = what))
            .expected(t!(
                "diag.expected.workbook_limits",
                parts = limits.parts,
                mb = limits.inflated_bytes / 1_000_000
            ))
            .hint(t!("diag.hint.zip_bomb"))
    };
    if zip.len() > limits.parts {
        return Err(too_big(t!("diag.workbook_parts", n = zip.len())));
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 << 10];
    for i in 0..zip.len() {
        let Ok(mut part) = zip.by_index(i) else {
            return Ok(());
        };
        loop {
            match part.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    total += n as u64;
                    if total > limits.inflated_bytes {
                        return Err(too_big(t!(
                            "diag.workbook_inflates",
                            mb = limits.inflated_bytes / 1_000_000
                        )));
                    }
                }
                // A damaged part: calamine reports it when it reads the workbook.
                Err(_) => break,
            }
        }
    }
    Ok(())
}

/// A sheet's non-empty cells as text: (0-based row, 0-based column, text), read as a stream
/// for .xlsx and .xlsb so that a far cell (`XFD1048576`) costs one cell, not the rectangle up
/// to it. Bounded by `indicators/limits.toml`: cells of the sheet, characters of one cell,
/// columns; the first cell past a bound is the error's location.
fn sheet_cells(
    book: &mut Sheets<Cursor<Vec<u8>>>,
    name: &str,
    origin: &Origin,
) -> Result<Vec<(u32, u32, String)>, Diagnostic> {
    let limits = crate::reference::limits().workbook;
    let cannot =
        |e: String| Diagnostic::error(origin, 0, 0, t!("diag.cannot_read_sheet", error = e));
    let mut cells: Vec<(u32, u32, String)> = Vec::new();
    let mut add = |row: u32, col: u32, text: Option<String>| -> Result<(), Diagnostic> {
        let Some(text) = text else {
            return Ok(());
        };
        let at = |msg: crate::i18n::Text, value: String, expected: crate::i18n::Text| {
            Diagnostic::error(origin, row as usize + 1, col as usize + 1, msg)
                .value(value)
                .expected(expected)
        };
        if col as usize >= limits.columns {
            return Err(at(
                t!(
                    "diag.sheet_far_column",
                    column = crate::diag::column_letters(col as usize + 1),
                    n = limits.columns
                ),
                crate::diag::printable(&text),
                t!("diag.expected.first_columns", n = limits.columns),
            )
            .hint(t!("diag.hint.far_cell")));
        }
        if text.chars().count() > limits.cell_chars {
            return Err(at(
                t!("diag.cell_too_long"),
                crate::diag::printable(&text),
                t!("diag.expected.at_most_chars", n = limits.cell_chars),
            ));
        }
        if cells.len() >= limits.cells {
            return Err(at(
                t!("diag.sheet_too_many_cells", n = limits.cells),
                String::new(),
                t!("diag.expected.at_most_cells", n = limits.cells),
            ));
        }
        cells.push((row, col, text));
        Ok(())
    };
    // The .xlsx and .xlsb cell readers are different types with the same calls.
    macro_rules! stream {
        ($book:expr) => {{
            let mut reader = $book
                .worksheet_cells_reader(name)
                .map_err(|e| cannot(e.to_string()))?;
            while let Some(c) = reader.next_cell().map_err(|e| cannot(e.to_string()))? {
                let (r, col) = c.get_position();
                add(r, col, cell_ref_text(c.get_value()))?;
            }
        }};
    }
    match book {
        Sheets::Xlsx(x) => stream!(x),
        Sheets::Xlsb(x) => stream!(x),
        // .xls and .ods are read whole by calamine (an .xls sheet has at most 65,536 x 256
        // cells); their inflated size was bounded above.
        other => {
            let range = other
                .worksheet_range(name)
                .map_err(|e| cannot(e.to_string()))?;
            for (r, col, d) in range.used_cells() {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                add(r0 + r as u32, c0 + col as u32, cell_text(d))?;
            }
        }
    }
    Ok(cells)
}

/// A streamed cell as the text an operator would have typed; None when empty.
fn cell_ref_text(d: &DataRef<'_>) -> Option<String> {
    match d {
        DataRef::SharedString(s) => (!s.trim().is_empty()).then(|| s.to_string()),
        DataRef::Empty => None,
        DataRef::Int(i) => cell_text(&Data::Int(*i)),
        DataRef::Float(f) => cell_text(&Data::Float(*f)),
        DataRef::String(s) => cell_text(&Data::String(s.clone())),
        DataRef::Bool(b) => cell_text(&Data::Bool(*b)),
        DataRef::DateTime(dt) => cell_text(&Data::DateTime(*dt)),
        DataRef::DateTimeIso(s) => cell_text(&Data::DateTimeIso(s.clone())),
        DataRef::DurationIso(s) => cell_text(&Data::DurationIso(s.clone())),
        DataRef::Error(e) => cell_text(&Data::Error(e.clone())),
    }
}

/// How many rows above the header may hold titles (merged cells, a programme name).
const HEADER_SEARCH_ROWS: usize = 20;

/// A sheet as a text table, from its non-empty cells (row, column, text; any order). The
/// header is the first row with a `park_id` cell among the first rows (titles above it are
/// skipped); without one, the first non-empty row. Memory is the cells and one row at a time.
pub fn sheet_table(file: &Origin, mut cells: Vec<(u32, u32, String)>) -> Result<Table, Diagnostic> {
    if cells.is_empty() {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.sheet_empty"))
            .expected(t!("diag.expected.header_and_rows")));
    }
    cells.sort_by_key(|&(r, c, _)| (r, c));
    // Each row's cells: a range into `cells`.
    let mut rows: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
    for (i, &(r, _, _)) in cells.iter().enumerate() {
        match rows.last_mut() {
            Some((last, range)) if *last == r => range.end = i + 1,
            _ => rows.push((r, i..i + 1)),
        }
    }
    let first_row = rows[0].0;
    let header_at = rows
        .iter()
        .position(|(r, range)| {
            *r < first_row + HEADER_SEARCH_ROWS as u32
                && cells[range.clone()]
                    .iter()
                    .any(|(_, _, t)| canonical_header(t) == "park_id")
        })
        .unwrap_or(0);
    let (header_row, header_range) = rows[header_at].clone();
    // Header cells by absolute column from A, so column numbers are Excel's.
    let width = cells[header_range.clone()]
        .iter()
        .map(|&(_, c, _)| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut header = vec![String::new(); width];
    for (_, c, t) in &cells[header_range] {
        header[*c as usize] = canonical_header(t);
    }
    // A wide header may have its units in the next row (as in CSV files).
    let mut body = header_at + 1;
    if let Some(park) = header.iter().position(|h| h == "park_id")
        && !header.iter().any(|h| h == "metric")
        && let Some((_, range)) = rows.get(body)
    {
        let mut row = vec![""; header.len()];
        for (_, c, t) in &cells[range.clone()] {
            if let Some(slot) = row.get_mut(*c as usize) {
                *slot = t.as_str();
            }
        }
        let year = header.iter().position(|h| h == "year");
        if crate::input::table::merge_unit_row(&mut header, park, year, &row) {
            body += 1;
        }
    }
    crate::input::table::duplicate_header(file, &header, header_row + 1)?;
    let ncols = header.len().max(1);
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); ncols];
    let mut lines = Vec::new();
    let mut ragged = Vec::new();
    let mut cells = cells;
    for (r, range) in rows[body..].iter().cloned() {
        let used = cells[range.clone()]
            .iter()
            .map(|&(_, c, _)| c as usize + 1)
            .max()
            .unwrap_or(0);
        if used > header.len() {
            ragged.push((lines.len(), used));
        }
        lines.push(r + 1);
        let mut row: Vec<Option<String>> = vec![None; ncols];
        for (_, c, t) in &mut cells[range] {
            if let Some(slot) = row.get_mut(*c as usize) {
                *slot = Some(std::mem::take(t));
            }
        }
        for (col, v) in columns.iter_mut().zip(row) {
            col.push(v);
        }
    }
    let title_rows = header_at;
    if header.is_empty() {
        header.push(String::new());
    }
    Ok(Table {
        origin: file.clone(),
        header_line: header_row + 1,
        title_rows,
        header,
        columns: columns.into_iter().map(TextColumn::from_cells).collect(),
        lines,
        ragged,
        delimiter: b',',
        encoding: "xlsx",
        decimal: DecimalMark::Point,
    })
}

/// A cell as the text an operator would have typed; None when empty.
fn cell_text(d: &Data) -> Option<String> {
    let s = match d {
        Data::Empty => return None,
        Data::String(s) => s.clone(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => {
                let time = t.format("%H:%M").to_string();
                if time == "00:00" {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%d %H:%M").to_string()
                }
            }
            _ => number_text(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e}"),
    };
    (!s.trim().is_empty()).then_some(s)
}

/// Shortest text that reads back to the same number (`2023`, not `2023.0`).
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::diag::column_letters;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(3), "C");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(702), "ZZ");
        assert_eq!(column_letters(703), "AAA");
    }

    #[test]
    fn cells_read_as_typed() {
        assert_eq!(cell_text(&Data::Float(2023.0)).as_deref(), Some("2023"));
        assert_eq!(cell_text(&Data::Float(0.25)).as_deref(), Some("0.25"));
        assert_eq!(cell_text(&Data::Int(7)).as_deref(), Some("7"));
        assert_eq!(cell_text(&Data::Bool(true)).as_deref(), Some("1"));
        assert_eq!(cell_text(&Data::String("  ".into())), None);
        assert_eq!(cell_text(&Data::Empty), None);
        assert_eq!(
            cell_text(&Data::Error(calamine::CellErrorType::Div0)).as_deref(),
            Some("#DIV/0!")
        );
    }

    #[test]
    fn a_zip_that_inflates_past_the_limit_is_refused_before_it_is_opened() {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        z.write_all(&vec![b' '; 8 << 20]).unwrap();
        let bytes = z.finish().unwrap().into_inner();
        assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
        let mut limits = crate::reference::limits().workbook;
        limits.inflated_bytes = 4 << 20;
        let e = check_inflated_within("bomb.xlsx", &bytes, &limits).unwrap_err();
        assert_eq!(e.file, "bomb.xlsx");
        assert!(e.message.en().contains("inflates to more than 4 MB"), "{e}");
        limits.inflated_bytes = 16 << 20;
        assert!(check_inflated_within("bomb.xlsx", &bytes, &limits).is_ok());
        // The shipped limits parse.
        assert!(crate::reference::limits().workbook.columns >= 100);
    }

    #[test]
    fn sheets_are_recognised_by_name() {
        assert_eq!(sheet_role("Parks"), Some(SheetRole::Parks));
        assert_eq!(sheet_role("activity_2024"), Some(SheetRole::Activity));
        assert_eq!(sheet_role("活动数据"), Some(SheetRole::Activity));
        assert_eq!(sheet_role("README"), None);
    }
}
