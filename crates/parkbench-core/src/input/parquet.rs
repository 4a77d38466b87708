//! Parquet activity files (`activity*.parquet`), as data teams export them: the columns of
//! `activity.csv` (long layout, or wide), read with polars' Parquet reader a piece of rows at a
//! time. Each piece becomes the same text [`Table`] a CSV file gives, so one validator checks
//! every cell; diagnostics name the row and column: `activity.parquet:row 1234:value`.
//!
//! Types are checked first, for every column at once: `year` and `value` must be numbers,
//! the text columns (`park_id`, `metric`, `unit`, `period`, `quality`, `note`) text or
//! integers. Numbers become the shortest text that reads back to the same value.

use super::table::{Table, TextColumn, canonical_header};
use crate::diag::{Diagnostic, Origin};
use crate::frame::{self, Cells};
use crate::units::DecimalMark;

/// Rows per piece: a piece's text cells stay in the tens of megabytes.
pub const PIECE_ROWS: usize = 1 << 20;

/// Columns that hold numbers.
const NUMBER_COLUMNS: [&str; 2] = ["year", "value"];
/// Columns that hold text (integers are taken as their digits).
const TEXT_COLUMNS: [&str; 9] = [
    "park_id",
    "metric",
    "unit",
    "period",
    "quality",
    "evidence",
    "enterprise_id",
    "note",
    "name",
];

/// Is this the start of a Parquet file (`PAR1`)?
pub fn is_parquet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PAR1")
}

/// Reads a Parquet file (`reader`, named `file`) in pieces of `piece_rows` rows and hands each
/// piece to `each` as a table; `each` returns false to stop. Returns the rows read, or every
/// problem that makes the file unreadable (damaged, or columns of the wrong type).
pub fn read_pieces<R: polars_io::mmap::MmapBytesReader>(
    file: &str,
    mut reader: R,
    piece_rows: usize,
    mut each: impl FnMut(Table) -> bool,
) -> Result<usize, Vec<Diagnostic>> {
    let unreadable = |e: frame::FrameError| {
        let e = e.to_string();
        vec![
            Diagnostic::error(
                file,
                0,
                0,
                t!(
                    "diag.cannot_read_parquet",
                    error = e.lines().next().unwrap_or_default()
                ),
            )
            .expected(t!("diag.expected.parquet"))
            .hint(t!("diag.hint.parquet_write_again")),
        ]
    };
    let rows = frame::parquet_rows(&mut reader).map_err(unreadable)?;
    let piece_rows = piece_rows.max(1);
    let mut offset = 0;
    loop {
        let columns = frame::read_parquet(&mut reader, offset, piece_rows).map_err(unreadable)?;
        let n = columns.first().map_or(0, |(_, c)| cells_len(c));
        let t = table(file, columns, offset)?;
        offset += n;
        if !each(t) || n == 0 || offset >= rows {
            return Ok(offset);
        }
    }
}

fn cells_len(c: &Cells) -> usize {
    match c {
        Cells::Text(v) => v.len(),
        Cells::Int(v) => v.len(),
        Cells::Float(v) => v.len(),
        Cells::Days(v) => v.len(),
        Cells::Unsupported(_) => 0,
    }
}

/// One piece as a text table; rows are numbered from `offset + 1`. Columns of the wrong type
/// are every one reported.
fn table(
    file: &str,
    columns: Vec<(String, Cells)>,
    offset: usize,
) -> Result<Table, Vec<Diagnostic>> {
    let header: Vec<String> = columns.iter().map(|(n, _)| canonical_header(n)).collect();
    let origin = Origin::rows(file, header.clone());
    let mut problems = Vec::new();
    let mut text_columns = Vec::with_capacity(columns.len());
    let mut height = 0;
    for (i, ((raw, cells), name)) in columns.into_iter().zip(&header).enumerate() {
        let number = NUMBER_COLUMNS.contains(&name.as_str());
        let text = TEXT_COLUMNS.contains(&name.as_str());
        let kind = match &cells {
            Cells::Text(_) => t!("diag.kind.text"),
            Cells::Int(_) => t!("diag.kind.integers"),
            Cells::Float(_) => t!("diag.kind.floats"),
            Cells::Days(_) => t!("diag.kind.dates"),
            Cells::Unsupported(t) => crate::i18n::Text::verbatim(t.as_str()),
        };
        let fits = match &cells {
            Cells::Text(_) => !number,
            Cells::Int(_) => true,
            Cells::Float(_) => !text,
            // A period as a date (a month's first or last day) or timestamp.
            Cells::Days(_) => name == "period",
            Cells::Unsupported(_) => false,
        };
        if !fits {
            let expected = if number {
                t!("diag.expected.numbers_column")
            } else if text {
                t!("diag.expected.text_column")
            } else {
                t!("diag.expected.text_or_numbers")
            };
            problems.push(
                Diagnostic::error(
                    &origin,
                    0,
                    i + 1,
                    t!("diag.column_holds", column = &raw, kind = kind.clone()),
                )
                .value(kind.en())
                .expected(expected)
                .hint(t!("diag.hint.cast_column")),
            );
            continue;
        }
        let column = match cells {
            Cells::Text(v) => TextColumn::from_cells(v),
            Cells::Int(v) => {
                TextColumn::from_cells(v.into_iter().map(|x| x.map(|x| x.to_string())).collect())
            }
            Cells::Float(v) => {
                TextColumn::from_cells(v.into_iter().map(|x| x.map(number_text)).collect())
            }
            Cells::Days(v) => {
                TextColumn::from_cells(v.into_iter().map(|x| x.map(month_text)).collect())
            }
            Cells::Unsupported(_) => TextColumn::empty(),
        };
        height = height.max(column.cells_len());
        text_columns.push(column);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Table {
        origin,
        header,
        header_line: 0,
        title_rows: 0,
        columns: text_columns,
        lines: (offset as u32 + 1..=(offset + height) as u32).collect(),
        ragged: Vec::new(),
        ragged_dropped: 0,
        delimiter: b',',
        encoding: "Parquet",
        decimal: DecimalMark::Point,
        notices: Vec::new(),
    })
}

/// A date or timestamp of a period column as the date (and time) it holds; the validator reads
/// a month's first day at midnight or its last day as that month (month starts, as pandas writes
/// them, and month ends, as polars' `month_end` gives them) and reports any other day.
fn month_text((days, secs): (i64, u32)) -> String {
    let (y, m, d) = crate::input::sheet::numfmt::civil(days);
    if secs == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// The shortest text that reads back to the same number (`2024`, not `2024.0`).
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
