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

use calamine::{Data, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx, open_workbook_auto_from_rs};
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
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(&file, 0, 0, format!("cannot read the file: {e}")))?;
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
        return Err(Diagnostic::error(file, 0, 0, "the file is empty")
            .expected("an Excel workbook with sheets parks and activity"));
    }
    open_book(file, format, bytes).map_err(|e| {
        Diagnostic::error(file, 0, 0, format!("cannot read the workbook: {e}"))
            .expected("an Excel workbook (.xlsx, .xls) or an OpenDocument sheet (.ods)")
            .hint("save it again from Excel, or export each sheet as CSV (UTF-8)")
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
        let range = book
            .worksheet_range(name)
            .map_err(|e| Diagnostic::error(&origin, 0, 0, format!("cannot read the sheet: {e}")))?;
        out.push((role, sheet_table(&origin, &range)?));
    }
    if !out.iter().any(|(r, _)| *r == SheetRole::Activity)
        && !out.iter().any(|(r, _)| *r == SheetRole::Parks)
    {
        return Err(
            Diagnostic::error(&file, 0, 0, "the workbook has no parks or activity sheet")
                .value(names.join(", "))
                .expected("sheets named parks and activity (or 园区 and 活动数据)")
                .hint("parkbench template --format xlsx writes a workbook to fill in"),
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

/// How many rows above the header may hold titles (merged cells, a programme name).
const HEADER_SEARCH_ROWS: usize = 20;

/// A sheet as a text table. The header is the first row with a `park_id` cell among the first
/// rows (titles above it are skipped); without one, the first non-empty row.
pub fn sheet_table(file: &Origin, range: &Range<Data>) -> Result<Table, Diagnostic> {
    let Some((row0, col0)) = range.start() else {
        return Err(Diagnostic::error(file, 0, 0, "the sheet is empty")
            .expected("a header row and data rows"));
    };
    let (height, width) = range.get_size();
    // Cells as text, by absolute column from A, so column numbers are Excel's.
    let width_abs = col0 as usize + width;
    let text_row = |r: usize| -> Vec<Option<String>> {
        let mut v = vec![None; width_abs];
        for c in 0..width {
            v[col0 as usize + c] = range.get((r, c)).and_then(cell_text);
        }
        v
    };
    let non_empty = |r: usize| (0..width).any(|c| range.get((r, c)).is_some_and(has_value));
    let header_rel = (0..height.min(HEADER_SEARCH_ROWS))
        .find(|&r| {
            (0..width).any(|c| {
                range
                    .get((r, c))
                    .and_then(cell_text)
                    .is_some_and(|s| canonical_header(&s) == "park_id")
            })
        })
        .or_else(|| (0..height).find(|&r| non_empty(r)));
    let Some(header_rel) = header_rel else {
        return Err(Diagnostic::error(file, 0, 0, "the sheet is empty")
            .expected("a header row and data rows"));
    };
    let mut header: Vec<String> = text_row(header_rel)
        .into_iter()
        .map(|h| canonical_header(h.as_deref().unwrap_or("")))
        .collect();
    // Columns right of the last header cell are kept only when they hold data.
    while header.last().is_some_and(String::is_empty) {
        header.pop();
    }
    crate::input::table::duplicate_header(file, &header, row0 + header_rel as u32 + 1)?;
    let ncols = header.len().max(1);
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); ncols];
    let mut lines = Vec::new();
    let mut ragged = Vec::new();
    for r in header_rel + 1..height {
        if !non_empty(r) {
            continue;
        }
        let row = text_row(r);
        let used = row.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
        if used > header.len() {
            ragged.push((lines.len(), used));
        }
        lines.push(row0 + r as u32 + 1);
        for (c, col) in cells.iter_mut().enumerate() {
            col.push(row.get(c).cloned().flatten());
        }
    }
    if header.is_empty() {
        header.push(String::new());
    }
    Ok(Table {
        origin: file.clone(),
        header_line: row0 + header_rel as u32 + 1,
        title_rows: (0..header_rel).filter(|&r| non_empty(r)).count(),
        header,
        columns: cells.into_iter().map(TextColumn::from_cells).collect(),
        lines,
        ragged,
        delimiter: b',',
        encoding: "xlsx",
        decimal: DecimalMark::Point,
    })
}

fn has_value(d: &Data) -> bool {
    cell_text(d).is_some()
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
    fn sheets_are_recognised_by_name() {
        assert_eq!(sheet_role("Parks"), Some(SheetRole::Parks));
        assert_eq!(sheet_role("activity_2024"), Some(SheetRole::Activity));
        assert_eq!(sheet_role("活动数据"), Some(SheetRole::Activity));
        assert_eq!(sheet_role("README"), None);
    }
}
