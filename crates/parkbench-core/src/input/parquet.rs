//! Parquet activity files (`activity*.parquet`), as data teams export them: the columns of
//! `activity.csv` (long layout, or wide), read with polars' Parquet reader a piece of rows at a
//! time. Each piece becomes the same [`Table`] a CSV file gives, so one validator checks every
//! cell; diagnostics name the row and column: `activity.parquet:row 1234:value`.
//!
//! Types are checked first, for every column at once: `year` and `value` must be numbers,
//! the text columns (`park_id`, `metric`, `unit`, `period`, `quality`, `note`) text or
//! integers. Text stays where polars holds it; numbers stay numbers, read as the validator
//! would read their shortest text (which is written only for a problem's message); integers of
//! a text column, and dates, become their text.

use super::hive::{self, Filter};
use super::table::{NumberCells, Table, TextColumn};
use crate::diag::{Diagnostic, Origin};
use crate::frame::{self, Cells};
use crate::reference::ColumnWords;
use crate::units::DecimalMark;
use std::fmt::Write;

/// Rows per piece (at most; a piece ends where a row group does): a piece's text cells stay
/// in the tens of megabytes. Measured on the national year's tree (row groups of 122,880 rows,
/// python-polars' own; median of three in turn): `score` 2^19 / 2^18 / 2^17 rows 8.48 / 8.12 /
/// 7.99 s, CPU 14.2 / 13.1 / 12.3 s (smaller pieces' cells are still in the caches when
/// checked); 2^16 rows would cut each such group in two, decompressed twice.
pub const PIECE_ROWS: usize = 1 << 17;

/// The stack of the thread a piece is read ahead on: the main thread's, where pieces were read.
const READING_STACK: usize = 8 << 20;

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
    reader: R,
    piece_rows: usize,
    words: &ColumnWords,
    each: impl FnMut(Table) -> bool,
) -> Result<usize, Vec<Diagnostic>> {
    read_pieces_of(file, reader, piece_rows, &Filter::default(), words, each).map(|r| r.rows)
}

/// What [`read_pieces_of`] read of a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Read {
    /// Rows of the row groups read.
    pub rows: usize,
    /// Row groups of the file, and those left unread by their statistics.
    pub groups: usize,
    pub groups_skipped: usize,
}

/// [`read_pieces`], reading only the row groups whose statistics (least and greatest `year` and
/// `park_id`) say they may hold a row `filter` keeps; the others are never decoded. Rows keep
/// their numbers in the file, so a diagnostic names the same row with or without a filter.
pub fn read_pieces_of<R: polars_io::mmap::MmapBytesReader>(
    file: &str,
    mut reader: R,
    piece_rows: usize,
    filter: &Filter,
    words: &ColumnWords,
    mut each: impl FnMut(Table) -> bool,
) -> Result<Read, Vec<Diagnostic>> {
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
    let groups = frame::parquet_row_groups(&mut reader).map_err(unreadable)?;
    let ranges = kept_ranges(&groups, filter, words);
    let mut read = Read {
        rows: 0,
        groups: groups.len(),
        groups_skipped: groups.iter().filter(|g| !keeps(filter, g, words)).count(),
    };
    let piece_rows = piece_rows.max(1);
    let Some(&(first, _)) = ranges.first() else {
        // No group the filter keeps: the file is not looked into further.
        return Ok(read);
    };
    // The columns to decode, decided before the first piece is read.
    let every = frame::parquet_columns(&mut reader).map_err(unreadable)?;
    let projection = used_columns(&every, words);
    let ends = group_ends(&groups);
    let piece = |reader: &mut R, (range, offset): (usize, usize)| {
        let len = piece_len(&ends, ranges[range].1, offset, piece_rows);
        frame::read_parquet(reader, offset, len, projection.as_deref())
    };
    // Where the piece after one of `n` rows at `a` starts: the rest of its range, else the next
    // range (a piece of no rows ends its range).
    let after = |(range, offset): Position, n: usize| {
        if n > 0 && offset + n < ranges[range].1 {
            Some((range, offset + n))
        } else {
            ranges.get(range + 1).map(|&(start, _)| (range + 1, start))
        }
    };
    let rows_of = |c: &Decoded| {
        c.as_ref()
            .map_or(0, |c| c.first().map_or(0, |(_, c)| cells_len(c)))
    };
    // A decoded piece to `each`: Ok(false) when it stops.
    let mut consume = |(a, columns): (Position, Decoded), read: &mut Read| {
        let n = rows_of(&columns);
        let columns = columns.map_err(unreadable)?;
        let columns = match projection {
            Some(_) => with_unread(&every, columns),
            None => columns,
        };
        let t = table(file, columns, a.1, words)?;
        read.rows += n;
        Ok::<bool, Vec<Diagnostic>>(each(t))
    };
    // The pieces are decoded (by polars, on its threads) on a thread of their own, up to
    // [`PIECES_AHEAD`] and the one being decoded ahead of the one checked: decoding only the
    // next piece while this one was checked left the cores idle whenever one took longer. A
    // file of one piece has nothing to decode ahead: it is read here, below.
    let (end, last) = (ranges[0].1, ranges.len() == 1);
    let one_piece = last && first + piece_len(&ends, end, first, piece_rows) >= end;
    let started = (!one_piece).then(|| {
        std::thread::scope(|s| {
            let (to_check, decoded) =
                std::sync::mpsc::sync_channel::<(Position, Decoded)>(PIECES_AHEAD);
            let reader = &mut reader;
            let (piece, after, rows_of) = (&piece, &after, &rows_of);
            let reading = std::thread::Builder::new()
                .stack_size(READING_STACK)
                .spawn_scoped(s, move || {
                    let mut at = Some((0, first));
                    while let Some(a) = at {
                        let columns = piece(reader, a);
                        // A piece that cannot be decoded is the last sent.
                        let next = columns
                            .is_ok()
                            .then(|| after(a, rows_of(&columns)))
                            .flatten();
                        if to_check.send((a, columns)).is_err() {
                            return;
                        }
                        at = next;
                    }
                });
            // No thread to read on: read here, after (below).
            let Ok(reading) = reading else {
                return None;
            };
            let mut outcome = Ok(true);
            for d in &decoded {
                outcome = consume(d, &mut read);
                if !matches!(outcome, Ok(true)) {
                    break;
                }
            }
            drop(decoded);
            // A piece read ahead and not wanted (`each` stopped, or a piece before could not be
            // read) is let go, whatever became of its reading, a panic too: the file was read as
            // far as it was asked.
            match reading.join() {
                Err(panic) if matches!(outcome, Ok(true)) => std::panic::resume_unwind(panic),
                _ => Some(outcome),
            }
        })
    });
    match started.flatten() {
        Some(outcome) => outcome.map(|_| read),
        None => {
            let mut at = Some((0, first));
            while let Some(a) = at {
                let columns = piece(&mut reader, a);
                at = after(a, rows_of(&columns));
                if !consume((a, columns), &mut read)? {
                    break;
                }
            }
            Ok(read)
        }
    }
}

/// Where a piece starts: its kept range (by number) and its first row in the file.
type Position = (usize, usize);

/// A piece's columns as polars decoded them.
type Decoded = Result<Vec<(String, Cells)>, frame::FrameError>;

/// Pieces decoded and waiting to be checked, besides the one being decoded: one more piece's
/// cells held (some 15 MB) for the decoding to go on while a piece takes long to check.
const PIECES_AHEAD: usize = 1;

/// The row after each row group (the first row of the next), in order.
fn group_ends(groups: &[frame::RowGroup]) -> Vec<usize> {
    groups
        .iter()
        .scan(0, |end, g| {
            *end += g.rows;
            Some(*end)
        })
        .collect()
}

/// The rows of the piece from `offset` in a range that ends at `end`: up to the last row group
/// end within `piece_rows` rows, so that no row group is decoded in two pieces (polars
/// decompresses a group's pages for each slice of it read: pieces cut across groups, of the
/// national tree's groups of 122,880 rows, decompressed a group in three twice); a group of more
/// than `piece_rows` rows is read `piece_rows` at a time. At least one row (an empty range gives
/// the file's columns, with no rows).
fn piece_len(ends: &[usize], end: usize, offset: usize, piece_rows: usize) -> usize {
    let limit = end.min(offset.saturating_add(piece_rows));
    let within = ends.partition_point(|&e| e <= limit);
    let len = match within.checked_sub(1).map(|i| ends[i]) {
        Some(e) if e > offset => e - offset,
        _ => limit - offset,
    };
    len.max(1)
}

/// The columns to decode (numbers from 0, in the file's order), when not all: a long table's
/// (it has a `metric` column) are those the rows are checked by
/// ([`LONG_COLUMNS`](super::activity::LONG_COLUMNS)); a note,
/// a name, a partition's own column, or any other, is not read (a national tree's `note` and
/// `province` were a quarter of the text decoded), when its type is a plain one (it is still
/// checked). A wide table's every column may be a metric's; a table with a column not read of
/// another type is read whole, as its type is known by reading it.
fn used_columns(every: &[(String, Option<Cells>)], words: &ColumnWords) -> Option<Vec<usize>> {
    let names: Vec<String> = every.iter().map(|(n, _)| words.canonical(n)).collect();
    let is = |name: &str, key: &str| name.eq_ignore_ascii_case(key);
    if !names.iter().any(|n| is(n, "metric")) {
        return None;
    }
    let used = |i: usize| {
        super::activity::LONG_COLUMNS
            .iter()
            .any(|k| is(&names[i], k))
    };
    if (0..names.len()).any(|i| !used(i) && every[i].1.is_none()) {
        return None;
    }
    let read: Vec<usize> = (0..names.len()).filter(|&i| used(i)).collect();
    (read.len() < names.len()).then_some(read)
}

/// The columns of a piece read with a projection, every column of the file in its place: a
/// column not read is its type's cells with no rows (its type is still checked; its cells read
/// as empty, and no check reads them).
fn with_unread(
    every: &[(String, Option<Cells>)],
    read: Vec<(String, Cells)>,
) -> Vec<(String, Cells)> {
    let mut read = read.into_iter().peekable();
    every
        .iter()
        .map(
            |(name, empty)| match (read.next_if(|(n, _)| n == name), empty) {
                (Some(column), _) => column,
                (None, Some(empty)) => (name.clone(), empty.clone()),
                // Not reached: a column of another type is always read (`used_columns`).
                (None, None) => (name.clone(), Cells::Unsupported(String::new())),
            },
        )
        .collect()
}

/// The row ranges `start..end` of the groups `filter` keeps, neighbours merged; a file without
/// row groups is one empty range (its header is still read and checked).
fn kept_ranges(
    groups: &[frame::RowGroup],
    filter: &Filter,
    words: &ColumnWords,
) -> Vec<(usize, usize)> {
    // A file of no rows is read for its columns.
    if groups.iter().all(|g| g.rows == 0) {
        return vec![(0, 0)];
    }
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for g in groups {
        let end = start + g.rows;
        // A group of no rows holds nothing to read (kept, before a group left out, it made a
        // range of no rows, and the piece of at least one row read the left-out group's first).
        if g.rows > 0 && keeps(filter, g, words) {
            match ranges.last_mut() {
                Some(last) if last.1 == start => last.1 = end,
                _ => ranges.push((start, end)),
            }
        }
        start = end;
    }
    ranges
}

/// May a row group hold a row `filter` keeps, by the bounds of its `year` and `park_id`
/// columns (named as the contract names them, aliases included)?
fn keeps(filter: &Filter, g: &frame::RowGroup, words: &ColumnWords) -> bool {
    if filter.years.is_empty() && filter.parks.is_empty() {
        return true;
    }
    let of = |key: &str| {
        g.bounds
            .iter()
            .find(|(name, _)| words.canonical(name) == key)
            .map(|(_, b)| b)
    };
    let years = match of(hive::YEAR_KEY) {
        Some(frame::Bounds::Number(lo, hi)) => Some((*lo, *hi)),
        _ => None,
    };
    let parks = match of(hive::PARK_KEY) {
        Some(frame::Bounds::Text(lo, hi)) => Some((lo.as_str(), hi.as_str())),
        _ => None,
    };
    filter.keeps_group(years, parks)
}

fn cells_len(c: &Cells) -> usize {
    match c {
        Cells::Text(s) => s.len(),
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
    words: &ColumnWords,
) -> Result<Table, Vec<Diagnostic>> {
    let header: Vec<String> = columns.iter().map(|(n, _)| words.canonical(n)).collect();
    let origin = Origin::rows(file, header.clone());
    let mut problems = Vec::new();
    let mut fitting = Vec::with_capacity(columns.len());
    for (i, ((raw, cells), name)) in columns.into_iter().zip(&header).enumerate() {
        // Named in any case, as `Table::col` finds them.
        let number = NUMBER_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name));
        let text = TEXT_COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(name));
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
        fitting.push((text, cells));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Column by column on every core.
    use rayon::prelude::*;
    let text_columns: Vec<TextColumn> = fitting
        .into_par_iter()
        .map(|(of_text, cells)| match cells {
            Cells::Text(s) => TextColumn::from_strings(s),
            // Numbers stay numbers: the validator reads them so, with no text written and read
            // back (the messy national 10 % tree: `score` 5.28 -> 4.17 s, median of five in
            // turn, with the short paths for plain numbers and enterprise ids).
            Cells::Int(v) if !of_text => TextColumn::from_numbers(NumberCells::Int(v)),
            Cells::Float(v) => TextColumn::from_numbers(NumberCells::Float(v)),
            // Integers of a text column (`park_id` 1001) are its text.
            Cells::Int(v) => written_in_chunks(&v.to_vec(), |b, x| write!(b, "{x}")),
            Cells::Days(v) => written_in_chunks(&v, |b, &x| month_text(b, x)),
            Cells::Unsupported(_) => TextColumn::empty(),
        })
        .collect();
    let height = text_columns
        .iter()
        .map(TextColumn::cells_len)
        .max()
        .unwrap_or(0);
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

/// Values of a column written as text together on one core ([`written_in_chunks`]).
const WRITTEN_CHUNK: usize = 1 << 16;

/// [`written`] in chunks on every core, joined in order: a piece's numbers (`value`, `year`)
/// were written a column per core, and the floats took longest while the other core waited
/// (the messy national 10 % tree: `score` 5.6 -> 5.4 s, median of four in turn).
fn written_in_chunks<T: Sync>(
    values: &[Option<T>],
    write: impl Fn(&mut String, &T) -> std::fmt::Result + Sync,
) -> TextColumn {
    use rayon::prelude::*;
    if values.len() <= WRITTEN_CHUNK {
        return written(values, write);
    }
    let chunks: Vec<TextColumn> = values
        .par_chunks(WRITTEN_CHUNK)
        .map(|chunk| written(chunk, &write))
        .collect();
    let mut column =
        TextColumn::with_room(chunks.iter().map(TextColumn::text_len).sum(), values.len());
    for chunk in &chunks {
        column.append(chunk);
    }
    column
}

/// A column of values as text cells, each written by `write` (null as an empty cell), with no
/// string per cell.
fn written<T>(
    values: &[Option<T>],
    write: impl Fn(&mut String, &T) -> std::fmt::Result,
) -> TextColumn {
    let mut column = TextColumn::empty();
    let mut cell = String::new();
    for v in values {
        cell.clear();
        if let Some(v) = v {
            // Writing to a String cannot fail.
            let _ = write(&mut cell, v);
        }
        column.push(&cell);
    }
    column
}

/// A date or timestamp of a period column as the date (and time) it holds; the validator reads
/// a month's first day at midnight or its last day as that month (month starts, as pandas writes
/// them, and month ends, as polars' `month_end` gives them) and reports any other day.
fn month_text(out: &mut String, (days, secs): (i64, u32)) -> std::fmt::Result {
    let (y, m, d) = crate::input::sheet::numfmt::civil(days);
    if secs == 0 {
        write!(out, "{y:04}-{m:02}-{d:02}")
    } else {
        write!(
            out,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::table::number_text;

    fn cells(c: &TextColumn) -> Vec<Option<&str>> {
        (0..c.cells_len()).map(|r| c.get(r)).collect()
    }

    /// Pieces end where row groups end, as many whole groups as fit; a group bigger than a
    /// piece is read a piece at a time, and the piece after starts inside it (its rest goes to
    /// the next group end that fits). Kept ranges are whole groups; `piece_len` also keeps to
    /// an end inside a group.
    #[test]
    fn pieces_end_at_row_group_ends() {
        let groups = |rows: &[usize]| -> Vec<frame::RowGroup> {
            rows.iter()
                .map(|&rows| frame::RowGroup {
                    rows,
                    bounds: Vec::new(),
                })
                .collect()
        };
        // Groups of 3, 3, 10 and 2 rows: ends 3, 6, 16, 18.
        let ends = group_ends(&groups(&[3, 3, 10, 2]));
        assert_eq!(ends, [3, 6, 16, 18]);
        let pieces = |end: usize, mut offset: usize, rows: usize| {
            let mut out = Vec::new();
            while offset < end {
                let len = piece_len(&ends, end, offset, rows);
                out.push((offset, len));
                offset += len;
            }
            out
        };
        // Two groups fit in seven rows; the big group goes seven rows at a time, then its rest
        // with the last group.
        assert_eq!(pieces(18, 0, 7), [(0, 6), (6, 7), (13, 5)]);
        // One row at a time, and every group whole when a piece holds the file.
        assert_eq!(pieces(3, 0, 1), [(0, 1), (1, 1), (2, 1)]);
        assert_eq!(pieces(18, 0, 100), [(0, 18)]);
        // A range from inside a group to inside another.
        assert_eq!(pieces(12, 4, 5), [(4, 2), (6, 5), (11, 1)]);
        // An empty range still reads one row's place (the columns).
        assert_eq!(piece_len(&[], 0, 0, 7), 1);
    }

    /// A filter keeps the row groups that may hold its rows, adjacent ones as one range; a group
    /// of no rows is no range (kept between groups left out, it was a range of no rows, whose
    /// piece of at least one row read a row of the group after it), and a file of no rows is
    /// one empty range, read for its columns.
    #[test]
    fn kept_ranges_are_whole_groups_with_rows() {
        let words = crate::reference::Vocabulary::embedded().unwrap().columns;
        let group = |rows: usize, lo: &str, hi: &str| frame::RowGroup {
            rows,
            bounds: vec![(
                "park_id".to_string(),
                frame::Bounds::Text(lo.to_string(), hi.to_string()),
            )],
        };
        let filter = Filter {
            parks: vec!["p1".into(), "p7".into()],
            ..Filter::default()
        };
        let groups = [
            group(3, "p3", "p5"),
            group(0, "p1", "p1"),
            group(3, "p3", "p5"),
            group(3, "p0", "p2"),
            group(3, "p6", "p8"),
            group(0, "p7", "p7"),
            group(3, "p9", "p9"),
        ];
        assert_eq!(kept_ranges(&groups, &filter, &words), [(6, 12)]);
        let all = Filter::default();
        assert_eq!(kept_ranges(&groups, &all, &words), [(0, 15)]);
        let empty = [group(0, "p1", "p1"), group(0, "p7", "p7")];
        assert_eq!(kept_ranges(&empty, &filter, &words), [(0, 0)]);
        assert_eq!(kept_ranges(&[], &filter, &words), [(0, 0)]);
    }

    /// Pieces decoded ahead on their own thread come to `each` in order, every row once,
    /// numbered from the file's first; a stop is the last piece given, and the rows read are
    /// those of the pieces given (not of those decoded ahead and let go).
    #[test]
    fn pieces_decoded_ahead_come_in_order_and_a_stop_ends_them() {
        let words = crate::reference::Vocabulary::embedded().unwrap().columns;
        let rows = 10;
        let parks: Vec<Option<String>> = (0..rows).map(|i| Some(format!("p{i}"))).collect();
        let values: Vec<Option<f64>> = (0..rows).map(|i| Some(i as f64)).collect();
        let file = frame::parquet_of(&[("park_id", parks)], (&[], &[("value", values)]), 3);
        let pieces = |stop_after: usize| {
            let mut given: Vec<(u32, usize, Vec<String>)> = Vec::new();
            let read = read_pieces(
                "a.parquet",
                std::io::Cursor::new(file.as_slice()),
                2,
                &words,
                |t| {
                    let c = t.col("park_id").unwrap();
                    let cells = (0..t.rows())
                        .map(|r| t.columns[c].get(r).unwrap().to_string())
                        .collect();
                    given.push((t.line(0) as u32, t.rows(), cells));
                    given.len() < stop_after
                },
            )
            .unwrap();
            (read, given)
        };
        let (read, given) = pieces(usize::MAX);
        assert_eq!(read, rows);
        // Groups of 3, 3 and 4 rows (polars writes the last row with the group before) read 2
        // at a time: a group's rest is a piece of its own, a bigger group 2 rows at a time.
        let starts: Vec<(u32, usize)> = given.iter().map(|(l, n, _)| (*l, *n)).collect();
        assert_eq!(starts, [(1, 2), (3, 1), (4, 2), (6, 1), (7, 2), (9, 2)]);
        let cells: Vec<String> = given.into_iter().flat_map(|(_, _, c)| c).collect();
        assert_eq!(
            cells,
            (0..rows).map(|i| format!("p{i}")).collect::<Vec<_>>()
        );
        let (read, given) = pieces(3);
        assert_eq!(given.len(), 3);
        assert_eq!(read, 5);
        // Ranges apart (a filter keeps the first and last groups): the reading thread goes on
        // from one to the next, the rows keep their numbers in the file.
        let filter = Filter {
            parks: vec!["p1".into(), "p7".into()],
            ..Filter::default()
        };
        let mut given = Vec::new();
        let cursor = std::io::Cursor::new(file.as_slice());
        let read = read_pieces_of("a.parquet", cursor, 2, &filter, &words, |t| {
            given.push((t.line(0), t.rows()));
            true
        })
        .unwrap();
        assert_eq!((read.rows, read.groups, read.groups_skipped), (7, 3, 1));
        assert_eq!(given, [(1, 2), (3, 1), (7, 2), (9, 2)]);
    }

    /// A long table reads the columns its rows are checked by (named in any case, or by an
    /// alias), a wide table or a long one of those only reads every column, and so does a long
    /// table with a column not read of a type only reading tells; a column not read is its type
    /// with no rows, in its place.
    #[test]
    fn a_long_table_reads_only_the_columns_checked_in_their_place() {
        let words = crate::reference::Vocabulary::embedded().unwrap().columns;
        let text = || Some(Cells::Text(text_cells()));
        let floats = |v: Vec<Option<f64>>| Cells::Float(frame::Floats::from_options(v));
        let column = |name: &str, cells: Option<Cells>| (name.to_string(), cells);
        let every = vec![
            column("name", text()),
            column("Park_ID", text()),
            column("year", text()),
            column("指标", text()),
            column("value", Some(floats(vec![]))),
            column("province", text()),
            column("unit", text()),
            column("note", Some(floats(vec![]))),
        ];
        assert_eq!(words.canonical("指标"), "metric");
        assert_eq!(used_columns(&every, &words), Some(vec![1, 2, 3, 4, 6]));
        assert_eq!(used_columns(&every[1..5], &words), None);
        let wide = vec![column("park_id", text()), column("natural_gas [t]", text())];
        assert_eq!(used_columns(&wide, &words), None);
        let mut exotic = every.clone();
        exotic[7].1 = None;
        assert_eq!(used_columns(&exotic, &words), None);
        exotic[7].1 = text();
        exotic[4].1 = None;
        assert_eq!(used_columns(&exotic, &words), Some(vec![1, 2, 3, 4, 6]));
        let piece = vec![
            ("Park_ID".to_string(), Cells::Text(text_cells())),
            ("value".to_string(), floats(vec![Some(1.0), None])),
        ];
        let placed = with_unread(&every, piece);
        let names: Vec<&str> = placed.iter().map(|(n, _)| n.as_str()).collect();
        let every_names: Vec<&str> = every.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, every_names);
        let lens: Vec<usize> = placed.iter().map(|(_, c)| cells_len(c)).collect();
        assert_eq!(lens, [0, 0, 0, 0, 2, 0, 0, 0]);
        assert!(matches!(placed[0].1, Cells::Text(_)));
        assert!(matches!(placed[7].1, Cells::Float(_)));
    }

    /// An empty text column, as [`frame::parquet_columns`] gives one.
    fn text_cells() -> frame::Strings {
        match frame::empty_cells_of_text() {
            Cells::Text(s) => s,
            _ => unreachable!(),
        }
    }

    /// Written in chunks on every core, a column has the cells written one by one, in order,
    /// at every length around the chunk's (nulls and numbers of every length of text).
    #[test]
    fn numbers_written_in_chunks_are_the_numbers_written_one_by_one() {
        let at = |i: usize| match i % 7 {
            0 => None,
            1 => Some(i as f64),
            2 => Some(-0.1 * i as f64),
            3 => Some(1e20 + i as f64),
            4 => Some(1.0 / (i as f64 + 3.0)),
            5 => Some(2024.0),
            _ => Some(f64::from(i as u32) * 1e-9),
        };
        let n = WRITTEN_CHUNK;
        for len in [0, 1, n - 1, n, n + 1, 3 * n + 5] {
            let values: Vec<Option<f64>> = (0..len).map(at).collect();
            let write = |b: &mut String, &x: &f64| number_text(b, x);
            let chunked = written_in_chunks(&values, write);
            let one_by_one = written(&values, write);
            assert_eq!(chunked.cells_len(), len);
            assert_eq!(cells(&chunked), cells(&one_by_one), "{len} values");
        }
    }
}
