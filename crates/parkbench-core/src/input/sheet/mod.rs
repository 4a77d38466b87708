//! Reading Excel workbooks (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`) and OpenDocument sheets (`.ods`)
//! into the same text [`Table`]s as CSV files, so that one validator serves both.
//!
//! A workbook holds a sheet `parks` (or `园区`), one or more sheets whose name starts with
//! `activity` (or `活动数据`), and optionally `waivers`. Cells keep their Excel position:
//! a table's `file` is `book.xlsx!activity` and its line numbers are Excel row numbers, so a
//! diagnostic reads `book.xlsx!activity!C14` (see [`crate::diag::Diagnostic::location`]).
//!
//! Cells are read as their writer meant them, from what the file says about each: numbers in
//! their shortest exact form, a percentage cell as the percentage typed (`96%`, whatever its
//! stored 0.96), dates as `YYYY-MM-DD`, formulas as their computed value (a formula without
//! one, or in a workbook that asks to be recalculated on opening, is an error at its cell),
//! Excel errors (`#DIV/0!`) as that text so the validator reports them where they are, merged
//! cells over their whole range; hidden sheets are skipped and said so.
//!
//! The readers are parkbench's own for `.xlsx` (`xlsx`), `.ods` (`ods`) and `.xls` (`xls`),
//! so that every bound of `indicators/limits.toml` applies while a part is read, never after it
//! is held (`zipped`, `builder`); `.xlsb` is streamed by calamine.

#![allow(clippy::result_large_err)]

pub(crate) mod builder;
pub(crate) mod numfmt;
mod ods;
mod xls;
mod xlsx;
pub(crate) mod zipped;

use std::path::Path;

use crate::diag::{Diagnostic, Notice, Origin, Report};
use crate::input::table::Table;
use crate::reference::ColumnWords;
use crate::reference::WorkbookLimits;

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
    Certificates,
    Enterprises,
    Products,
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
    } else if n.starts_with("certificate") || n.starts_with("绿证") || n.starts_with("证书") {
        Some(SheetRole::Certificates)
    } else if n.starts_with("enterprise")
        || n == "企业"
        || n.starts_with("企业名单")
        || n.starts_with("入园企业")
    {
        Some(SheetRole::Enterprises)
    } else if n.starts_with("product") || n == "产品" || n.starts_with("产品能耗") {
        Some(SheetRole::Products)
    } else {
        None
    }
}

/// What a workbook gave: the tables of the sheets parkbench reads, what was skipped and why,
/// and the names of all its sheets.
#[derive(Default)]
pub struct Book {
    pub sheets: Vec<(SheetRole, Table)>,
    pub notices: Vec<Notice>,
    pub names: Vec<String>,
}

/// Reads every sheet of a workbook that parkbench uses, in workbook order. A workbook that
/// cannot be read, or has none of the sheets, is one error; problems of single cells (a formula
/// without a value) go to `problems`.
pub fn read_workbook(
    files: &dyn crate::world::Files,
    path: &Path,
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    let file = path.display().to_string();
    let bytes = files.read(path).map_err(|e| {
        Diagnostic::error(
            &file,
            0,
            0,
            t!("diag.cannot_read_file", error = e.to_string()),
        )
    })?;
    read_workbook_as(&file, None, &bytes, limits, words, problems)
}

/// Like [`read_workbook`] on bytes already in memory (the format is told by the content, else by
/// the name's extension).
pub fn read_workbook_bytes(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    read_workbook_as(file, None, bytes, limits, words, problems)
}

/// The format of a workbook: told by the caller, else by its content (a ZIP with `mimetype` is
/// an `.ods`, with `xl/workbook.bin` an `.xlsb`), else by the name's extension.
fn format_of(file: &str, format: Option<&str>, bytes: &[u8]) -> String {
    let ext = format.map(str::to_string).unwrap_or_else(|| {
        Path::new(file)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default()
    });
    if bytes.starts_with(b"PK")
        && let Ok(z) = zip::ZipArchive::new(std::io::Cursor::new(bytes))
    {
        let has = |n: &str| z.file_names().flatten().any(|f| f.eq_ignore_ascii_case(n));
        if has("mimetype") && has("content.xml") {
            return "ods".into();
        }
        if has("xl/workbook.bin") {
            return "xlsb".into();
        }
        if has("xl/workbook.xml") || has("_rels/.rels") {
            return if ext == "xlsm" { ext } else { "xlsx".into() };
        }
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return "xls".into();
    }
    ext
}

/// [`read_workbook_bytes`] in a format known beforehand (`xlsx`, `xls`, `ods` ...): an upload
/// whose name says nothing (or something else) about its content.
pub fn read_workbook_as(
    file: &str,
    format: Option<&str>,
    bytes: &[u8],
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    if bytes.is_empty() {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.file_empty"))
            .expected(t!("diag.expected.workbook_sheets")));
    }
    let book = match format_of(file, format, bytes).as_str() {
        "xlsx" | "xlsm" => xlsx::read(file, bytes, limits, words, problems)?,
        "ods" => ods::read(file, bytes, limits, words, problems)?,
        "xls" => xls::read(file, bytes, limits, words, problems)?,
        "xlsb" => xlsb(file, bytes, limits, words, problems)?,
        _ => {
            return Err(Diagnostic::error(
                file,
                0,
                0,
                t!("diag.cannot_read_workbook", error = "not a workbook"),
            )
            .expected(t!("diag.expected.workbook"))
            .hint(t!("diag.hint.save_workbook_again")));
        }
    };
    let has = |role| book.sheets.iter().any(|(r, _)| *r == role);
    // A workbook of the certificate ledger alone is one of a folder's files.
    if !has(SheetRole::Activity) && !has(SheetRole::Parks) && !has(SheetRole::Certificates) {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.workbook_no_sheets"))
            .value(book.names.join(", "))
            .expected(t!("diag.expected.sheet_names"))
            .hint(t!("diag.hint.template_xlsx")));
    }
    Ok(book)
}

/// The roles of a workbook's visible sheets, from their names alone (no cell is read): enough to
/// know that the bytes open as this format and whether the workbook brings its own parks sheet.
pub fn workbook_roles(
    file: &str,
    format: Option<&str>,
    bytes: &[u8],
    limits: WorkbookLimits,
) -> Result<Vec<SheetRole>, Diagnostic> {
    let names: Vec<(String, bool)> = match format_of(file, format, bytes).as_str() {
        "xlsx" | "xlsm" => xlsx::sheets(file, bytes, limits)?
            .into_iter()
            .map(|s| (s.name, s.hidden))
            .collect(),
        "ods" => ods::sheets(file, bytes, limits)?,
        "xls" => xls::sheets(file, bytes, limits)?
            .into_iter()
            .map(|s| (s.name, s.hidden))
            .collect(),
        "xlsb" => {
            zipped::Archive::open(file, bytes, limits)?;
            let book = <calamine::Xlsb<_> as calamine::Reader<_>>::new(std::io::Cursor::new(bytes))
                .map_err(|e| zipped::unreadable(file, "", &e.to_string()))?;
            calamine::Reader::sheets_metadata(&book)
                .iter()
                .map(|s| (s.name.clone(), s.visible != calamine::SheetVisible::Visible))
                .collect()
        }
        _ => return Err(zipped::unreadable(file, "", "not a workbook")),
    };
    Ok(names
        .into_iter()
        .filter(|(_, hidden)| !hidden)
        .filter_map(|(n, _)| sheet_role(&n))
        .collect())
}

/// `.xlsb` (Excel binary): streamed by calamine, cell by cell, through the same bounds. Its
/// parts are inflated once, counting, before calamine opens them (calamine reads a part whole).
fn xlsb(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    use calamine::{DataRef, Reader, SheetVisible, Xlsb};
    inflate_counting(file, bytes, limits)?;
    let mut wb = Xlsb::new(std::io::Cursor::new(bytes))
        .map_err(|e| zipped::unreadable(file, "", &e.to_string()))?;
    let meta: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
        .collect();
    let mut book = Book {
        names: meta.iter().map(|(n, _)| n.clone()).collect(),
        ..Book::default()
    };
    for (name, hidden) in meta {
        let Some(role) = sheet_role(&name) else {
            continue;
        };
        if hidden {
            book.notices.push(xlsx::hidden(file, &name));
            continue;
        }
        let origin = Origin::sheet(file, &name);
        let cannot =
            |e: String| Diagnostic::error(&origin, 0, 0, t!("diag.cannot_read_sheet", error = e));
        let mut b = builder::Builder::new(origin.clone(), limits, words);
        let mut reader = wb
            .worksheet_cells_reader(&name)
            .map_err(|e| cannot(e.to_string()))?;
        while let Some(c) = reader.next_cell().map_err(|e| cannot(e.to_string()))? {
            let (r, col) = c.get_position();
            let (kind, text) = match c.get_value() {
                DataRef::Empty => continue,
                DataRef::SharedString(s) => (builder::Kind::Text, s.to_string()),
                DataRef::String(s) => (builder::Kind::Text, s.clone()),
                DataRef::Float(f) => (builder::Kind::Number, numfmt::number_text(*f)),
                DataRef::Int(i) => (builder::Kind::Number, i.to_string()),
                DataRef::Bool(x) => (builder::Kind::Other, if *x { "1" } else { "0" }.into()),
                DataRef::DateTime(dt) => match numfmt::serial_date(dt.as_f64(), false) {
                    Some(d) if dt.is_datetime() => (builder::Kind::Date, d),
                    _ => (builder::Kind::Number, numfmt::number_text(dt.as_f64())),
                },
                DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                    (builder::Kind::Date, numfmt::iso_date(s))
                }
                DataRef::Error(e) => (builder::Kind::Other, e.to_string()),
            };
            b.cell(r, col, kind, &text)?;
        }
        drop(reader);
        let sheet = b.finish(problems)?;
        book.notices.extend(sheet.notices);
        book.sheets.push((role, sheet.table));
    }
    Ok(book)
}

/// Inflates every part once, counting, without keeping it: more than `inflated_bytes` is one
/// error (a ZIP bomb); an entry that cannot be read refuses the file.
fn inflate_counting(file: &str, bytes: &[u8], limits: WorkbookLimits) -> Result<(), Diagnostic> {
    use std::io::Read;
    zipped::Archive::open(file, bytes, limits)?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| zipped::unreadable(file, "", &e.to_string()))?;
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 << 10];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| zipped::unreadable(file, "", &e.to_string()))?;
        loop {
            let n = part.read(&mut buf).map_err(|e| {
                zipped::unreadable(file, &part.name().unwrap_or_default(), &e.to_string())
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limits.inflated_bytes {
                return Err(Diagnostic::error(
                    file,
                    0,
                    0,
                    t!(
                        "diag.workbook_too_big",
                        what = t!(
                            "diag.workbook_inflates",
                            mb = limits.inflated_bytes / 1_000_000
                        )
                    ),
                )
                .hint(t!("diag.hint.zip_bomb")));
            }
        }
    }
    Ok(())
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
    fn a_zip_that_inflates_past_the_limit_is_refused() {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        z.write_all(&vec![b' '; 8 << 20]).unwrap();
        let bytes = z.finish().unwrap().into_inner();
        assert!(bytes.len() < 100_000, "{} bytes", bytes.len());
        let shipped = crate::reference::Limits::embedded().unwrap().workbook;
        let mut limits = shipped;
        limits.inflated_bytes = 4 << 20;
        let e = inflate_counting("bomb.xlsx", &bytes, limits).unwrap_err();
        assert_eq!(e.file, "bomb.xlsx");
        assert!(e.message.en().contains("inflates to more than 4 MB"), "{e}");
        limits.inflated_bytes = 16 << 20;
        assert!(inflate_counting("bomb.xlsx", &bytes, limits).is_ok());
        // The shipped limits parse.
        assert!(shipped.columns >= 100);
    }

    #[test]
    fn sheets_are_recognised_by_name() {
        assert_eq!(sheet_role("Parks"), Some(SheetRole::Parks));
        assert_eq!(sheet_role("activity_2024"), Some(SheetRole::Activity));
        assert_eq!(sheet_role("活动数据"), Some(SheetRole::Activity));
        assert_eq!(sheet_role("README"), None);
    }
}
