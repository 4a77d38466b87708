//! Reading one tabular file into text cells: encoding and delimiter detection, the header, and
//! the line number of every record. One reader (the `csv` crate) reads every record once, with
//! its line and field count; cells go straight into compact text columns.
//!
//! Every cell stays text here; `input::parks` and `input::activity` decide what the text means.
//! (A Parquet file's columns are the same [`TextColumn`]s, holding polars' text or numbers.)

// A file-level error is one per file and is reported, not passed around in a loop: its size
// does not matter, so the Diagnostic stays unboxed.
#![allow(clippy::result_large_err)]

use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
use std::path::Path;

use crate::diag::{Diagnostic, Origin};
use crate::reference::{ColumnWords, Vocabulary};
use crate::units::DecimalMark;
use crate::world::Files;

/// One column of text cells, stored as one string and the end of each cell (about the size of
/// the text itself, plus 4 bytes a cell); or a column of a Parquet file as polars read it: text
/// read where polars holds it (no copy), or numbers read as numbers ([`TextColumn::number`])
/// whose text is written only when asked for (a problem's value names one cell;
/// [`TextColumn::get`] writes the whole column's once).
#[derive(Debug, Clone)]
pub struct TextColumn(Cells);

#[derive(Debug, Clone)]
enum Cells {
    Text { text: String, ends: Vec<u32> },
    Strings(crate::frame::Strings),
    Numbers(Box<Numbers>),
}

impl Default for TextColumn {
    fn default() -> Self {
        TextColumn::from_text(String::new(), Vec::new())
    }
}

/// A column of numbers, and its text once written.
#[derive(Debug, Clone)]
struct Numbers {
    cells: NumberCells,
    text: std::sync::OnceLock<TextColumn>,
}

/// The numbers of a column as the file typed them; None for an empty (null) cell.
#[derive(Debug, Clone)]
pub(crate) enum NumberCells {
    Int(crate::frame::Ints),
    Float(crate::frame::Floats),
}

impl NumberCells {
    fn len(&self) -> usize {
        match self {
            NumberCells::Int(v) => v.len(),
            NumberCells::Float(v) => v.len(),
        }
    }

    /// The text of a cell: an integer's digits, a float's shortest text ([`number_text`]).
    fn write(&self, row: usize, out: &mut String) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = match self {
            NumberCells::Int(v) => match v.get(row) {
                Some(x) => write!(out, "{x}"),
                None => Ok(()),
            },
            NumberCells::Float(v) => match v.get(row) {
                Some(x) => number_text(out, x),
                None => Ok(()),
            },
        };
    }

    /// The cells' text, written one after another.
    fn text(&self) -> TextColumn {
        let mut column = TextColumn::empty();
        let mut cell = String::new();
        for r in 0..self.len() {
            cell.clear();
            self.write(r, &mut cell);
            column.push(&cell);
        }
        column
    }
}

/// A float cell as [`TextColumn::number`] reads it: the shortest text reads back to the same
/// float, and a whole number is written as an integer (`-0` as `0`); None when not finite.
fn float_number(f: f64) -> Option<f64> {
    f.is_finite().then(|| whole(f).map_or(f, |i| i as f64))
}

/// The integer `f` is, when it is a whole number below 10^15 in size (`-0` is 0). Found by a
/// cast and back: `f.fract()` is a call into software on baseline x86-64 (no rounding
/// instruction), and this is asked of every number cell.
pub(crate) fn whole(f: f64) -> Option<i64> {
    const DIGITS: f64 = 1e15;
    if f.abs() < DIGITS {
        let i = f as i64;
        (i as f64 == f).then_some(i)
    } else {
        None
    }
}

/// The shortest text that reads back to the same number (`2024`, not `2024.0`).
pub(crate) fn number_text(out: &mut String, f: f64) -> std::fmt::Result {
    use std::fmt::Write;
    match whole(f) {
        Some(i) => write!(out, "{i}"),
        None => write!(out, "{f}"),
    }
}

impl TextColumn {
    pub fn empty() -> Self {
        TextColumn::default()
    }

    /// A column from cells already read (a workbook sheet); None for an empty cell.
    pub fn from_cells(cells: Vec<Option<String>>) -> Self {
        let mut c = TextColumn::default();
        for cell in &cells {
            c.push(cell.as_deref().unwrap_or(""));
        }
        c
    }

    /// A column from its cells' text one after another and the end of each.
    pub(crate) fn from_text(text: String, ends: Vec<u32>) -> Self {
        TextColumn(Cells::Text { text, ends })
    }

    /// A text column of a Parquet file, read where polars holds it.
    pub(crate) fn from_strings(strings: crate::frame::Strings) -> Self {
        TextColumn(Cells::Strings(strings))
    }

    /// A column of numbers as a file typed them; no text is written.
    pub(crate) fn from_numbers(cells: NumberCells) -> Self {
        TextColumn(Cells::Numbers(Box::new(Numbers {
            cells,
            text: std::sync::OnceLock::new(),
        })))
    }

    /// Makes the column one of text (its cells' text one after another), if it is not, and
    /// gives that text and the end of each cell.
    fn make_text(&mut self) -> (&mut String, &mut Vec<u32>) {
        let text = match &mut self.0 {
            Cells::Text { .. } => None,
            Cells::Numbers(n) => Some(
                std::mem::take(&mut n.text)
                    .into_inner()
                    .unwrap_or_else(|| n.cells.text()),
            ),
            Cells::Strings(s) => {
                let mut column = TextColumn::empty();
                for r in 0..s.len() {
                    column.push(s.get(r).unwrap_or(""));
                }
                Some(column)
            }
        };
        if let Some(text) = text {
            *self = text;
        }
        match &mut self.0 {
            Cells::Text { text, ends } => (text, ends),
            _ => unreachable!("made text above"),
        }
    }

    pub(crate) fn push(&mut self, cell: &str) {
        let (text, ends) = self.make_text();
        text.push_str(cell);
        ends.push(text.len() as u32);
    }

    /// An empty column with room for `bytes` of text in `cells` cells.
    pub(crate) fn with_room(bytes: usize, cells: usize) -> Self {
        TextColumn::from_text(String::with_capacity(bytes), Vec::with_capacity(cells))
    }

    /// Room for `bytes` of text in `cells` cells in all (a column of text).
    pub(crate) fn reserve(&mut self, bytes: usize, cells: usize) {
        let (text, ends) = self.make_text();
        text.reserve(bytes.saturating_sub(text.len()));
        ends.reserve(cells.saturating_sub(ends.len()));
    }

    /// Bytes of the cells' text.
    pub(crate) fn text_len(&self) -> usize {
        match &self.0 {
            Cells::Text { text, .. } => text.len(),
            _ => self.cells().map(str::len).sum(),
        }
    }

    /// Adds another column's cells after this one's.
    pub(crate) fn append(&mut self, other: &TextColumn) {
        let (text, ends) = self.make_text();
        match &other.0 {
            Cells::Text {
                text: more,
                ends: more_ends,
            } => {
                let base = text.len() as u32;
                ends.extend(more_ends.iter().map(|e| e + base));
                text.push_str(more);
            }
            _ => {
                for r in 0..other.cells_len() {
                    text.push_str(other.get(r).unwrap_or(""));
                    ends.push(text.len() as u32);
                }
            }
        }
    }

    /// Keeps the first `rows` cells.
    pub(crate) fn truncate(&mut self, rows: usize) {
        let (text, ends) = self.make_text();
        if rows < ends.len() {
            ends.truncate(rows);
            let end = ends.last().copied().unwrap_or(0) as usize;
            text.truncate(end);
        }
    }

    /// Keeps the cells where `keep` is true (a column of numbers stays numbers).
    pub(crate) fn retain(&mut self, keep: &[bool]) {
        let kept = |r: &usize| keep.get(*r).copied().unwrap_or(false);
        if let Cells::Numbers(n) = &self.0 {
            let cells = match &n.cells {
                NumberCells::Int(v) => NumberCells::Int(crate::frame::Ints::from_options(
                    (0..v.len()).filter(kept).map(|r| v.get(r)).collect(),
                )),
                NumberCells::Float(v) => NumberCells::Float(crate::frame::Floats::from_options(
                    (0..v.len()).filter(kept).map(|r| v.get(r)).collect(),
                )),
            };
            *self = TextColumn::from_numbers(cells);
            return;
        }
        let mut column = TextColumn::empty();
        for r in (0..self.cells_len()).filter(kept) {
            column.push(self.get(r).unwrap_or(""));
        }
        *self = column;
    }

    /// The cell at `row`; None when empty or beyond the column. Constant time (a column of
    /// numbers has its text written the first time).
    pub fn get(&self, row: usize) -> Option<&str> {
        let (text, ends) = match &self.0 {
            Cells::Text { text, ends } => (text, ends),
            Cells::Strings(s) => return s.get(row).filter(|c| !c.is_empty()),
            Cells::Numbers(n) => return n.text.get_or_init(|| n.cells.text()).get(row),
        };
        let end = *ends.get(row)? as usize;
        let start = if row == 0 { 0 } else { ends[row - 1] as usize };
        (end > start).then(|| &text[start..end])
    }

    /// The cell at `row` as [`TextColumn::get`] gives it, without writing a column of numbers'
    /// text (the one cell's is written).
    pub fn text(&self, row: usize) -> Option<std::borrow::Cow<'_, str>> {
        match &self.0 {
            Cells::Numbers(n) => {
                let mut cell = String::new();
                n.cells.write(row, &mut cell);
                (!cell.is_empty()).then_some(std::borrow::Cow::Owned(cell))
            }
            _ => self.get(row).map(std::borrow::Cow::Borrowed),
        }
    }

    /// The cell at `row` of a column of numbers as the number its text reads as
    /// ([`crate::units::parse_number`] of [`TextColumn::text`], to the bit); None for a text
    /// column, an empty cell, and a number no text reads as (not a number, infinite).
    pub fn number(&self, row: usize) -> Option<f64> {
        let Cells::Numbers(n) = &self.0 else {
            return None;
        };
        match &n.cells {
            // Read as text, the digits round to the nearest float, as the conversion does.
            NumberCells::Int(v) => v.get(row).map(|x| x as f64),
            NumberCells::Float(v) => v.get(row).and_then(float_number),
        }
    }

    /// Whether `f` holds for [`TextColumn::number`] of each cell, in order, for a column of
    /// numbers (None for a text column): read in one pass, without finding each cell.
    pub fn numbers_where(&self, f: impl Fn(Option<f64>) -> bool) -> Option<Vec<bool>> {
        let Cells::Numbers(n) = &self.0 else {
            return None;
        };
        let mut out = Vec::with_capacity(n.cells.len());
        match &n.cells {
            NumberCells::Int(v) => out.extend(v.iter().map(|x| f(x.map(|x| x as f64)))),
            NumberCells::Float(v) => out.extend(v.iter().map(|x| f(x.and_then(float_number)))),
        }
        Some(out)
    }

    /// Clears `same[i]` for each row `rows.start + i` whose cell is not surely the row
    /// before's (a flag left set says it is): a Parquet column's cells are compared by where
    /// they are held ([`crate::frame::Strings::repeats`]), numbers to the bit, text by its bytes.
    /// The first row of a column is never the same, nor a row beyond its cells.
    pub(crate) fn repeats(&self, rows: std::ops::Range<usize>, same: &mut [bool]) {
        let len = self.cells_len();
        let within = rows.start..rows.end.min(len);
        match &self.0 {
            Cells::Strings(s) => s.repeats(within, same),
            Cells::Numbers(n) => match &n.cells {
                NumberCells::Int(v) => v.repeats(within, same),
                NumberCells::Float(v) => v.repeats(within, same),
            },
            Cells::Text { .. } => {
                for r in within {
                    let i = r - rows.start;
                    if same[i] && (r == 0 || self.get(r) != self.get(r - 1)) {
                        same[i] = false;
                    }
                }
            }
        }
        for r in rows.start.max(len)..rows.end {
            same[r - rows.start] = false;
        }
    }

    /// Do cells of the same text share it (one copy, at one address)? A Parquet text column's
    /// do, most of the time (a dictionary's values); each cell of a CSV file has its own.
    pub fn shares_text(&self) -> bool {
        matches!(self.0, Cells::Strings(_))
    }

    /// Number of cells, empty ones included.
    pub fn cells_len(&self) -> usize {
        match &self.0 {
            Cells::Text { ends, .. } => ends.len(),
            Cells::Strings(s) => s.len(),
            Cells::Numbers(n) => n.cells.len(),
        }
    }

    /// Non-empty cells, in order, as [`TextColumn::get`] gives each (a Parquet column's are
    /// taken chunk by chunk, not each found by its row).
    pub fn cells(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match &self.0 {
            Cells::Strings(s) => Box::new(s.iter().flatten().filter(|c| !c.is_empty())),
            Cells::Text { text, ends } => Box::new(
                ends.iter()
                    .scan(0, |start, &end| {
                        let cell = &text[*start..end as usize];
                        *start = end as usize;
                        Some(cell)
                    })
                    .filter(|c| !c.is_empty()),
            ),
            Cells::Numbers(_) => Box::new((0..self.cells_len()).filter_map(|r| self.get(r))),
        }
    }
}

/// A file read as text cells, with enough position information for diagnostics.
pub struct Table {
    /// The file as the user named it (and the sheet of a workbook).
    pub origin: Origin,
    /// Header cells, trimmed, with Chinese and other aliases replaced by the contract's names.
    pub header: Vec<String>,
    /// 1-based line (or sheet row) of the header.
    pub header_line: u32,
    /// Rows above the header that were skipped as titles.
    pub title_rows: usize,
    /// Body cells by column; None for an empty or absent cell.
    pub columns: Vec<TextColumn>,
    /// 1-based line of each record.
    pub lines: Vec<u32>,
    /// Number of fields of each record, where it differs from the header.
    pub ragged: Vec<(usize, usize)>,
    /// Records of a different width beyond the first ones: counted, not read (each is an
    /// error of its own; a million junk lines are not held).
    pub ragged_dropped: usize,
    pub delimiter: u8,
    pub encoding: &'static str,
    pub decimal: DecimalMark,
    /// What was skipped and why (notes under the table).
    pub notices: Vec<crate::diag::Notice>,
}

impl Table {
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// 0-based index of a column by (case-insensitive) name.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// The positions of `names` in the header. When a column not in `optional` is missing: an
    /// error at the header naming every one missing (the message `key` with `{columns}`, and
    /// `expected`), and None.
    pub fn columns_of(
        &self,
        names: &[&str],
        optional: &[&str],
        key: &'static str,
        expected: crate::i18n::Text,
        diags: &mut crate::diag::Report,
    ) -> Option<Vec<Option<usize>>> {
        let cols: Vec<Option<usize>> = names.iter().map(|c| self.col(c)).collect();
        let missing: Vec<&str> = names
            .iter()
            .zip(&cols)
            .filter(|(name, c)| c.is_none() && !optional.contains(name))
            .map(|(n, _)| *n)
            .collect();
        if missing.is_empty() {
            return Some(cols);
        }
        diags.push(
            Diagnostic::error(
                &self.origin,
                self.header_line as usize,
                0,
                crate::i18n::Text::new(key).arg("columns", missing.join(", ")),
            )
            .value(self.header.join(","))
            .expected(expected),
        );
        None
    }

    pub fn line(&self, row: usize) -> usize {
        self.lines[row] as usize
    }
}

/// Names a delimiter in messages.
pub fn delimiter_name(d: u8) -> crate::i18n::Text {
    match d {
        b',' => t!("diag.delimiter.comma"),
        b';' => t!("diag.delimiter.semicolon"),
        b'\t' => t!("diag.delimiter.tab"),
        _ => t!("diag.delimiter.other"),
    }
}

/// Reads and decodes a CSV file the caller offers. Problems that make the whole file unreadable
/// come back as one error diagnostic.
pub fn read_csv(files: &dyn Files, path: &Path, vocab: &Vocabulary) -> Result<Table, Diagnostic> {
    let file = path.display().to_string();
    let bytes = files.read(path).map_err(|e| cannot_read(&file, e))?;
    read_csv_bytes(&file, &bytes, vocab)
}

/// Like [`read_csv`] on bytes already in memory.
pub fn read_csv_bytes(file: &str, bytes: &[u8], vocab: &Vocabulary) -> Result<Table, Diagnostic> {
    read_csv_bytes_as(file, bytes, None, vocab)
}

/// [`read_csv_bytes`] with the decimal mark said by the user (`--decimal`), else decided from
/// the file (by its number columns: see the data contract in the README).
pub fn read_csv_bytes_as(
    file: &str,
    bytes: &[u8],
    decimal: Option<DecimalMark>,
    vocab: &Vocabulary,
) -> Result<Table, Diagnostic> {
    sniff_binary(file, bytes)?;
    let (text, encoding) = decode(file, bytes)?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.file_empty"))
            .expected(t!("diag.expected.header_and_rows")));
    }
    let text = normalise_line_ends(text);
    let fixed = decimal.map(|d| Fixed {
        delimiter: sniff_delimiter(&text),
        header_line: 0,
        decimal: Some(d),
    });
    parse_text(file, &text, encoding, fixed, vocab)
}

/// The header of CSV bytes as a table without rows: only the first record is decoded and read
/// (all of a UTF-16 file). For telling what a file is before reading it.
pub fn read_csv_head(file: &str, bytes: &[u8], vocab: &Vocabulary) -> Result<Table, Diagnostic> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(bytes).is_some();
    let end = if utf16 {
        bytes.len()
    } else {
        first_record_end(bytes)
    };
    read_csv_bytes(file, &bytes[..end], vocab)
}

/// Files larger than two pieces of this size are read piece by piece by [`read_csv_pieces`].
pub const PIECE_BYTES: usize = 8 << 20;

/// Reads a CSV file as a run of tables, each with the header and the whole records of about
/// `piece` bytes of the file, and hands them to `each` in order; `each` returns false to stop.
/// Memory stays bounded by the piece, not the file: this is how a 2 GB activity file is read.
/// Line numbers are those of the whole file. A file of at most two pieces, or a UTF-16 file,
/// is read whole (one table), and so, in effect, is a file with CR-only line ends (pieces end
/// at a line feed). Returns the number of records read.
pub fn read_csv_pieces(
    files: &dyn Files,
    path: &Path,
    piece: usize,
    decimal: Option<DecimalMark>,
    vocab: &Vocabulary,
    each: impl FnMut(Table) -> bool,
) -> Result<usize, Diagnostic> {
    let file = path.display().to_string();
    let cannot = |e| cannot_read(&file, e);
    let (f, len) = files.open(path).map_err(cannot)?;
    read_pieces(
        &file,
        Stream::new(f, len, piece),
        piece,
        decimal,
        vocab,
        each,
    )
}

/// [`read_csv_pieces`] on bytes in memory named `file` (an upload): the decoded text is held a
/// piece at a time.
pub fn read_csv_pieces_from(
    file: &str,
    bytes: &[u8],
    piece: usize,
    decimal: Option<DecimalMark>,
    vocab: &Vocabulary,
    each: impl FnMut(Table) -> bool,
) -> Result<usize, Diagnostic> {
    read_pieces(file, Slice::new(bytes), piece, decimal, vocab, each)
}

/// The bytes of a file as [`read_pieces`] takes them: a window on the part read and not yet
/// used.
trait Window: Send {
    /// The file's length.
    fn len(&self) -> u64;
    /// The bytes read and not yet used.
    fn bytes(&self) -> &[u8];
    /// Reads until [`Window::bytes`] holds `want` bytes or the file ends; true at the end.
    fn fill(&mut self, want: usize) -> std::io::Result<bool>;
    /// The first `n` bytes are used.
    fn consume(&mut self, n: usize);
    /// Reads to the end; [`Window::bytes`] is then the rest of the file.
    fn fill_all(&mut self) -> std::io::Result<()>;
    /// Every byte read is used and its memory let go (a file read whole).
    fn release(&mut self);
}

/// A file read from a stream into a buffer of its own (reused from piece to piece).
struct Stream<R> {
    f: R,
    len: u64,
    buf: Vec<u8>,
}

impl<R: std::io::Read + Send> Stream<R> {
    fn new(f: R, len: u64, piece: usize) -> Self {
        // A small file is read whole into a buffer of its own size.
        let room = if len <= 2 * piece.max(1) as u64 {
            0
        } else {
            piece + piece / 4
        };
        Stream {
            f,
            len,
            buf: Vec::with_capacity(room),
        }
    }
}

impl<R: std::io::Read + Send> Window for Stream<R> {
    fn len(&self) -> u64 {
        self.len
    }
    fn bytes(&self) -> &[u8] {
        &self.buf
    }
    fn fill(&mut self, want: usize) -> std::io::Result<bool> {
        use std::io::Read;
        let need = want.saturating_sub(self.buf.len());
        let got = (&mut self.f).take(need as u64).read_to_end(&mut self.buf)?;
        Ok(got < need)
    }
    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
    }
    fn fill_all(&mut self) -> std::io::Result<()> {
        self.f.read_to_end(&mut self.buf).map(|_| ())
    }
    fn release(&mut self) {
        self.buf = Vec::new();
    }
}

/// A file whose bytes are all in memory (an upload): the window moves over them, nothing is
/// copied.
struct Slice<'a> {
    all: &'a [u8],
    /// Where the window starts and ends in `all`.
    start: usize,
    end: usize,
}

impl<'a> Slice<'a> {
    fn new(all: &'a [u8]) -> Self {
        Slice {
            all,
            start: 0,
            end: 0,
        }
    }
}

impl Window for Slice<'_> {
    fn len(&self) -> u64 {
        self.all.len() as u64
    }
    fn bytes(&self) -> &[u8] {
        &self.all[self.start..self.end]
    }
    fn fill(&mut self, want: usize) -> std::io::Result<bool> {
        // As a stream reads: short of `want` only at the end.
        let need = want.saturating_sub(self.end - self.start);
        let left = self.all.len() - self.end;
        self.end += need.min(left);
        Ok(left < need)
    }
    fn consume(&mut self, n: usize) {
        self.start += n;
    }
    fn fill_all(&mut self) -> std::io::Result<()> {
        self.end = self.all.len();
        Ok(())
    }
    fn release(&mut self) {
        self.start = self.end;
    }
}

fn read_pieces(
    file: &str,
    mut w: impl Window,
    piece: usize,
    decimal: Option<DecimalMark>,
    vocab: &Vocabulary,
    mut each: impl FnMut(Table) -> bool,
) -> Result<usize, Diagnostic> {
    let cannot = |e| cannot_read(file, e);
    let piece = piece.max(1);
    // The whole file as one table (with what was read of it already).
    let whole = |w: &mut dyn Window, each: &mut dyn FnMut(Table) -> bool| {
        w.fill_all().map_err(cannot)?;
        let t = read_csv_bytes_as(file, w.bytes(), decimal, vocab)?;
        // The bytes are in the table: not held while it is checked.
        w.release();
        let n = t.rows();
        each(t);
        Ok(n)
    };
    if w.len() <= 2 * piece as u64 {
        return whole(&mut w, &mut each);
    }
    // Enough of the start to see a byte order mark or UTF-16 without one.
    let eof = w.fill(piece.max(4096)).map_err(cannot)?;
    sniff_binary(file, w.bytes())?;
    {
        let buf = w.bytes();
        if buf.starts_with(&[0xFF, 0xFE])
            || buf.starts_with(&[0xFE, 0xFF])
            || utf16_without_bom(buf).is_some()
        {
            return whole(&mut w, &mut each);
        }
    }
    let decoder = PieceDecoder::start(&mut w);
    let mut pieces = Pieces {
        file,
        w,
        eof,
        piece,
        decimal,
        vocab,
        decoder,
        first: None,
        base_line: 1,
    };
    let mut t = pieces.next()?;
    let mut rows = 0;
    loop {
        rows += t.rows();
        if pieces.eof {
            // At the end the piece took every byte left.
            each(t);
            return Ok(rows);
        }
        // The next piece is read, decoded and cut into records while this one's rows are
        // checked and added: the piece's bytes are in its table now.
        let (go_on, next) = std::thread::scope(|s| {
            let pieces = &mut pieces;
            // No thread to read on: read after.
            let reading = std::thread::Builder::new()
                .spawn_scoped(s, move || pieces.fill().and_then(|()| pieces.next_within()))
                .ok();
            let go_on = each(t);
            let next = reading.map(|r| r.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            (go_on, next)
        });
        // A piece read ahead of a stop is let go, and its problems with it (as when it was
        // not read).
        if !go_on {
            return Ok(rows);
        }
        t = match next {
            Some(next) => match next? {
                Some(t) => t,
                // No record ends in the piece read ahead: read on now that it is wanted.
                None => pieces.next()?,
            },
            None => {
                pieces.fill()?;
                pieces.next()?
            }
        };
    }
}

/// A file read a piece at a time ([`read_pieces`]): what is read of it, how it is decoded,
/// its header (set by the first piece) and the line the next piece starts on.
struct Pieces<'a, W> {
    file: &'a str,
    w: W,
    /// The window holds the rest of the file.
    eof: bool,
    piece: usize,
    decimal: Option<DecimalMark>,
    vocab: &'a Vocabulary,
    decoder: PieceDecoder,
    /// The header's cells and how the file is written, from the first piece.
    first: Option<(Vec<String>, Fixed)>,
    base_line: u32,
}

/// The error of a file that could not be read.
fn cannot_read(file: &str, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(
        file,
        0,
        0,
        t!("diag.cannot_read_file", error = e.to_string()),
    )
}

impl<W: Window> Pieces<'_, W> {
    /// Reads a piece more.
    fn fill(&mut self) -> Result<(), Diagnostic> {
        self.eof = self
            .w
            .fill(self.piece)
            .map_err(|e| cannot_read(self.file, e))?;
        Ok(())
    }

    /// The table of the records read so far up to the last that ends (reading on while none
    /// does: one record longer than a piece, or a quote never closed); all of them at the end.
    fn next(&mut self) -> Result<Table, Diagnostic> {
        let cut = loop {
            if let Some(cut) = self.cut() {
                break cut;
            }
            let want = self.w.bytes().len() + self.piece;
            self.eof = self.w.fill(want).map_err(|e| cannot_read(self.file, e))?;
        };
        self.table_to(cut)
    }

    /// [`Pieces::next`] without reading on: None when no record ends in what is read (a piece
    /// read ahead of its need reads no further, should the reading stop before it: a quote
    /// never closed would otherwise read the rest of the file).
    fn next_within(&mut self) -> Result<Option<Table>, Diagnostic> {
        self.cut().map(|cut| self.table_to(cut)).transpose()
    }

    /// Where the records read so far end: the last record's end, or every byte at the end.
    fn cut(&self) -> Option<usize> {
        if self.eof {
            Some(self.w.bytes().len())
        } else {
            last_record_end(self.w.bytes())
        }
    }

    /// The table of the records read so far up to byte `cut`, which are then used.
    fn table_to(&mut self, cut: usize) -> Result<Table, Diagnostic> {
        let text = self
            .decoder
            .decode(self.file, &self.w.bytes()[..cut], self.base_line)?;
        let text = normalise_line_ends(&text);
        let lines_here = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u32;
        let t = parse_piece(
            self.file,
            text,
            self.decoder.encoding,
            self.decimal,
            &mut self.first,
            self.base_line,
            self.vocab,
        )?;
        self.base_line += lines_here;
        self.w.consume(cut);
        Ok(t)
    }
}

/// How a file read in pieces is decoded: UTF-8 until a piece shows otherwise after plain
/// ASCII (then GB18030, as the whole-file reader would have decided).
struct PieceDecoder {
    utf8: bool,
    ascii_so_far: bool,
    encoding: &'static str,
}

impl PieceDecoder {
    /// The decoder of a file whose first bytes are in `buf`: a UTF-8 byte order mark is taken
    /// off and said.
    fn start(w: &mut dyn Window) -> Self {
        let mut decoder = PieceDecoder {
            utf8: true,
            ascii_so_far: true,
            encoding: "UTF-8",
        };
        if w.bytes().starts_with(&[0xEF, 0xBB, 0xBF]) {
            w.consume(3);
            decoder.encoding = "UTF-8 (BOM)";
            decoder.ascii_so_far = false;
        }
        decoder
    }

    /// A piece's text (its first line is `base_line` of the file); NUL bytes and a second
    /// encoding are errors at their line.
    fn decode<'b>(
        &mut self,
        file: &str,
        bytes: &'b [u8],
        base_line: u32,
    ) -> Result<std::borrow::Cow<'b, str>, Diagnostic> {
        if let Some(pos) = memchr::memchr(0, bytes) {
            let line = base_line as usize + memchr::memchr_iter(b'\n', &bytes[..pos]).count();
            return Err(Diagnostic::error(file, line, 0, t!("diag.nul_bytes")));
        }
        let at_line = |d: Diagnostic| Diagnostic {
            line: d.line + base_line as usize - 1,
            ..d
        };
        if !self.utf8 {
            return Ok(gb18030(file, bytes).map_err(at_line)?.into());
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                self.ascii_so_far &= s.is_ascii();
                Ok(s.into())
            }
            // Plain ASCII so far and no valid UTF-8 here: the file is GBK, as the whole-file
            // reader would have decided.
            Err(e) if self.ascii_so_far && !utf8_lines_before(bytes, e.valid_up_to()) => {
                self.utf8 = false;
                self.encoding = "GB18030";
                Ok(gb18030(file, bytes).map_err(at_line)?.into())
            }
            Err(e) => {
                let mut d = bad_encoding(
                    file,
                    bytes,
                    e.valid_up_to(),
                    t!("diag.expected.one_encoding"),
                );
                d.message = t!("diag.mixed_encodings", first = d.message);
                Err(at_line(d))
            }
        }
    }
}

/// Parses a piece's text: the first piece finds the header and how the file is written
/// (`first`), later ones are read as records under that header (not copied below it to be
/// found again).
fn parse_piece(
    file: &str,
    text: std::borrow::Cow<'_, str>,
    encoding: &'static str,
    decimal: Option<DecimalMark>,
    first: &mut Option<(Vec<String>, Fixed)>,
    base_line: u32,
    vocab: &Vocabulary,
) -> Result<Table, Diagnostic> {
    let t = match first {
        None => {
            if text.trim().is_empty() {
                return Err(Diagnostic::error(file, 0, 0, t!("diag.file_empty"))
                    .expected(t!("diag.expected.header_and_rows")));
            }
            let said = decimal.map(|d| Fixed {
                delimiter: sniff_delimiter(&text),
                header_line: 0,
                decimal: Some(d),
            });
            let t = parse_text(file, &text, encoding, said, vocab)?;
            // Decided by a piece with records, unless the user said it.
            let decimal = (t.rows() > 0 || decimal.is_some()).then_some(t.decimal);
            *first = Some((
                t.header.clone(),
                Fixed {
                    delimiter: t.delimiter,
                    decimal,
                    header_line: t.header_line,
                },
            ));
            t
        }
        Some((header, fixed)) => {
            // The piece's first line is `base_line` of the file.
            let t = parse_body(file, &text, encoding, *fixed, header, base_line - 1, vocab)?;
            if fixed.decimal.is_none() && t.rows() > 0 {
                fixed.decimal = Some(t.decimal);
            }
            t
        }
    };
    Ok(t)
}

/// How a file read in pieces is written, as its first piece showed.
#[derive(Clone, Copy)]
struct Fixed {
    delimiter: u8,
    /// The header's line in the file (title rows may stand above it).
    header_line: u32,
    /// Decided by the first piece with records.
    decimal: Option<DecimalMark>,
}

/// The end (after its newline) of the last whole record in `bytes`, quotes respected.
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    let mut in_quotes = false;
    let mut last = None;
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[i] == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            last = Some(i + 1);
        }
    }
    last
}

/// The end (after its newline) of the first record in `bytes`, quotes respected.
fn first_record_end(bytes: &[u8]) -> usize {
    let mut in_quotes = false;
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[i] == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            return i + 1;
        }
    }
    bytes.len()
}

fn gb18030(file: &str, bytes: &[u8]) -> Result<String, Diagnostic> {
    GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(std::borrow::Cow::into_owned)
        .ok_or_else(|| {
            let at = std::str::from_utf8(bytes)
                .err()
                .map_or(0, |e| e.valid_up_to());
            bad_encoding(file, bytes, at, t!("diag.expected.utf8_or_gbk"))
        })
}

/// CR LF and CR-only (old Mac Excel) line ends as LF, so every file reads alike.
fn normalise_line_ends(text: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// How many records above the header may be titles (a report name, a unit line, a date).
pub const TITLE_ROWS_MAX: usize = 20;

/// Where a table's header is in its text.
struct Header {
    /// Cells, as contract names, units of a unit row merged in (`天然气 [万立方米]`).
    cells: Vec<String>,
    /// Records above it (title rows).
    title_rows: usize,
    /// Records it takes: 1, or 2 with a unit row.
    records: usize,
    /// 1-based line of its first record.
    line: u32,
}

/// A wide header's unit row, as statistics forms print it (metric names in one row, units in
/// the next): its park_id and year cells are empty and some other cell holds a unit. Merges
/// each unit into its column's name (`天然气 [万立方米]`) and says whether the row was one.
pub fn merge_unit_row(
    cells: &mut [String],
    park: usize,
    year: Option<usize>,
    row: &[&str],
) -> bool {
    let empty = |i: Option<usize>| i.is_none_or(|i| row.get(i).is_none_or(|s| s.trim().is_empty()));
    let has_units = row
        .iter()
        .enumerate()
        .any(|(i, u)| i != park && Some(i) != year && !u.trim().is_empty());
    if !(empty(Some(park)) && empty(year) && has_units) {
        return false;
    }
    for (c, u) in cells.iter_mut().zip(row) {
        let u = u.trim();
        if !u.is_empty() && !c.is_empty() {
            *c = format!("{c} [{u}]");
        }
    }
    true
}

/// The header among the first records of a text: the first that names `park_id` (in any of its
/// aliases), so title rows above it are skipped, else the first record. A wide header (no
/// `metric` column) may have its units in the next row, whose park_id and year cells are empty
/// (metric names in one row, units in the next, as statistics forms print them).
fn find_header(
    file: &str,
    text: &str,
    delimiter: u8,
    words: &ColumnWords,
) -> Result<Header, Diagnostic> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut first = None;
    let mut record = csv::StringRecord::new();
    for index in 0..TITLE_ROWS_MAX {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(Diagnostic::error(
                    file,
                    1,
                    0,
                    t!("diag.cannot_read_header", error = e.to_string()),
                ));
            }
        }
        let mut cells: Vec<String> = record.iter().map(|h| words.canonical(h)).collect();
        let (line, _) = record_start(text, record.position());
        let park = cells.iter().position(|c| c == "park_id");
        let Some(park) = park else {
            first.get_or_insert(Header {
                cells,
                title_rows: 0,
                records: 1,
                line,
            });
            continue;
        };
        let mut records = 1;
        let year = cells.iter().position(|c| c == "year");
        let wide = !cells.iter().any(|c| c == "metric");
        if wide
            && let Ok(true) = reader.read_record(&mut record)
            && merge_unit_row(&mut cells, park, year, &record.iter().collect::<Vec<_>>())
        {
            records = 2;
        }
        return Ok(Header {
            cells,
            title_rows: index,
            records,
            line,
        });
    }
    first.ok_or_else(|| Diagnostic::error(file, 0, 0, t!("diag.no_header")))
}

/// The 1-based line and byte offset where a record starts: its reader's position is before
/// the blank lines it skipped.
fn record_start(text: &str, p: Option<&csv::Position>) -> (u32, usize) {
    let (mut line, mut at) = p.map_or((1, 0), |p| (p.line() as u32, p.byte() as usize));
    while text.as_bytes().get(at) == Some(&b'\n') {
        line += 1;
        at += 1;
    }
    (line, at)
}

/// Parses decoded text (LF line ends) into a table; title rows above the header are skipped.
/// `said` carries the delimiter and the decimal mark a user said (its header line is not
/// read); a file read in pieces has its later pieces read by [`parse_body`].
fn parse_text(
    file: &str,
    text: &str,
    encoding: &'static str,
    said: Option<Fixed>,
    vocab: &Vocabulary,
) -> Result<Table, Diagnostic> {
    let delimiter = said.map_or_else(|| sniff_delimiter(text), |f| f.delimiter);
    let Header {
        cells: header,
        title_rows,
        records,
        line: header_line,
    } = find_header(file, text, delimiter, &vocab.columns)?;
    duplicate_header(&Origin::file(file), &header, header_line)?;
    let under = Under {
        header,
        header_line,
        title_rows,
        skip: Some(title_rows + records - 1),
        delimiter,
        decimal: said.and_then(|f| f.decimal),
        offset: 0,
    };
    records_under(file, text, encoding, under, vocab)
}

/// A piece after the first: records only, under the first piece's `header` cells, read as it
/// showed the file is written; its first line is line `offset + 1` of the file. The same table
/// as [`parse_text`] gives with the header's text put above the records.
fn parse_body(
    file: &str,
    text: &str,
    encoding: &'static str,
    fixed: Fixed,
    header: &[String],
    offset: u32,
    vocab: &Vocabulary,
) -> Result<Table, Diagnostic> {
    let under = Under {
        header: header.to_vec(),
        header_line: fixed.header_line,
        title_rows: 0,
        skip: None,
        delimiter: fixed.delimiter,
        decimal: fixed.decimal,
        offset,
    };
    records_under(file, text, encoding, under, vocab)
}

/// What the records of a text are read under: the header's cells and line, the title rows
/// above it, the record the body starts after (every record when None), the delimiter, the
/// decimal mark when known, and the number added to every line.
struct Under {
    header: Vec<String>,
    header_line: u32,
    title_rows: usize,
    skip: Option<usize>,
    delimiter: u8,
    decimal: Option<DecimalMark>,
    offset: u32,
}

/// The records of decoded text as a table under `under`: a quote never closed is an error at
/// its line; notes under the last records are skipped and said.
fn records_under(
    file: &str,
    text: &str,
    encoding: &'static str,
    under: Under,
    vocab: &Vocabulary,
) -> Result<Table, Diagnostic> {
    let Under {
        header,
        header_line,
        title_rows,
        skip,
        delimiter,
        decimal,
        offset,
    } = under;
    if let Some((line, field)) = unclosed_quote(text.as_bytes(), delimiter) {
        return Err(Diagnostic::error(
            file,
            line + offset as usize,
            field,
            t!("diag.unclosed_quote"),
        )
        .expected(t!("diag.expected.closing_quote")));
    }
    let (columns, lines, ragged, ragged_dropped) = read_body(
        text,
        skip,
        header.len(),
        delimiter,
        offset,
        vocab.limits.problems.per_kind,
    )
    .map_err(|e| csv_error(file, e))?;
    let (decimal, told) = match decimal {
        Some(d) => (d, None),
        None => decimal_mark(file, &header, &columns, &lines, delimiter)?,
    };
    let mut table = Table {
        origin: Origin::file(file),
        header,
        header_line,
        title_rows,
        columns,
        lines,
        ragged,
        ragged_dropped,
        delimiter,
        encoding,
        decimal,
        notices: told.into_iter().collect(),
    };
    strip_trailing_notes(&mut table, &vocab.columns);
    Ok(table)
}

/// The CSV reader's error about a file, its first line.
fn csv_error(file: &str, e: csv::Error) -> Diagnostic {
    let e = e.to_string();
    let first = e.lines().next().unwrap_or_default();
    Diagnostic::error(file, 0, 0, t!("diag.cannot_parse_csv", error = first))
}

/// Cells, lines and field counts of a table's records, and the records of a different width
/// that were counted, not read.
type Body = (Vec<TextColumn>, Vec<u32>, Vec<(usize, usize)>, usize);

/// How many more rows than the lines of its own part per byte the first part's columns make
/// room for, for the parts after it.
const ROOM_SLACK: f64 = 1.25;

/// Up to this many columns, each column's text has room for all of its part's bytes; past it,
/// each has its share of this many times them.
const ROOM_COLUMNS: usize = 8;

/// Room is made for a column's text or cell ends only when it is at least this many bytes
/// (a block the allocator takes from the system whole, whose unwritten pages stay unused).
const ROOM_MIN_BYTES: usize = 256 << 10;

/// Bytes of a table's body read together on one core: a longer body is cut at record ends
/// into parts of at least this size, read on every core.
pub const PART_BYTES: usize = 4 << 20;

/// Reads every record after the header (record `header` counting from 0: title rows stand
/// above it; every record when None, a piece after the first) of decoded text (LF line ends)
/// once: the cells of the header's `ncols` columns (extra fields are dropped, missing ones
/// empty), the 1-based line of each record plus `offset`, and the records whose field count
/// differs from the header's. Blank lines are no records. A text column is limited to 4 GiB
/// (cell ends are 32-bit); large files are read in pieces of [`PIECE_BYTES`].
///
/// A long body is read in parts on every core and joined in order: the same cells, lines and
/// records as one pass, which is what is done when that could differ (a quote that does not
/// open or close a field, which could hide where records end, or more records of a different
/// width than are kept).
fn read_body(
    text: &str,
    header: Option<usize>,
    ncols: usize,
    delimiter: u8,
    offset: u32,
    kept: usize,
) -> Result<Body, csv::Error> {
    let start = match header {
        Some(header) => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(text.as_bytes());
            let mut record = csv::ByteRecord::new();
            for _ in 0..=header {
                if !reader.read_byte_record(&mut record)? {
                    break;
                }
            }
            reader.position().byte() as usize
        }
        None => 0,
    };
    let threads = rayon::current_num_threads();
    let part = PART_BYTES.max((text.len() - start) / (2 * threads));
    let how = Records {
        ncols,
        delimiter,
        offset,
        kept,
    };
    if threads < 2 {
        return read_records(text, start, how);
    }
    read_in_parts(text, start, part, how)
}

/// How the records of a body are read: the header's width, the delimiter, the number added to
/// every line, and how many records of another width are kept.
#[derive(Clone, Copy)]
struct Records {
    ncols: usize,
    delimiter: u8,
    offset: u32,
    kept: usize,
}

/// Reads the records from byte `start` in parts of about `part` bytes on every core, joined in
/// order; in one pass when that could differ ([`read_body`]).
fn read_in_parts(text: &str, start: usize, part: usize, how: Records) -> Result<Body, csv::Error> {
    let Records {
        ncols,
        delimiter,
        kept,
        ..
    } = how;
    let cuts = match record_cuts(text.as_bytes(), start, part, delimiter) {
        Some(cuts) if cuts.len() > 2 => cuts,
        _ => return read_records(text, start, how),
    };
    use rayon::prelude::*;
    // The first part's columns have room for every part's cells: the others are appended to
    // them (`join_parts`) without a copy of the first.
    let end = text.len();
    let parts: Vec<Result<Body, csv::Error>> = cuts
        .par_windows(2)
        .map(|w| {
            let room = if w[0] == start { end } else { w[1] };
            read_records_with_room(&text[..w[1]], w[0], how, room)
        })
        .collect();
    let mut parts = parts.into_iter().collect::<Result<Vec<Body>, _>>()?;
    let ragged: usize = parts.iter().map(|p| p.2.len() + p.3).sum();
    if ragged > kept {
        return read_records(text, start, how);
    }
    Ok(join_parts(&mut parts, ncols))
}

/// Reads the records of `text` from byte `start` (a record's start) to its end, as
/// [`read_body`] says.
fn read_records(text: &str, start: usize, how: Records) -> Result<Body, csv::Error> {
    read_records_with_room(text, start, how, text.len())
}

/// [`read_records`], the columns made with room for the cells of the text's bytes from
/// `start` to `room` (`text`'s own, or more for parts to be appended): a column's cells are
/// at most those bytes and its rows at most their lines, so the columns seldom grow (a copy and
/// fresh pages each time) and a capacity never written is never resident. A table of more than
/// [`ROOM_COLUMNS`] columns gives each its share of that many times the bytes, so that what is
/// reserved stays a few times the text, whatever the width, and room under [`ROOM_MIN_BYTES`]
/// is not made.
fn read_records_with_room(
    text: &str,
    start: usize,
    how: Records,
    room: usize,
) -> Result<Body, csv::Error> {
    read_records_as(text, start, how, room, Cut::Lines)
}

/// How [`read_records_as`] finds records: by the text's line ends and delimiters when it has no
/// quote or carriage return (the CSV reader's records, found in one pass), or always by the
/// CSV reader (the tests compare the two).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cut {
    Lines,
    /// Asked for by the tests only.
    #[cfg_attr(not(test), allow(dead_code))]
    Reader,
}

/// [`read_records_with_room`], the records found as `cut` says.
fn read_records_as(
    text: &str,
    start: usize,
    how: Records,
    room: usize,
    cut: Cut,
) -> Result<Body, csv::Error> {
    let Records {
        ncols,
        delimiter,
        offset,
        kept,
    } = how;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(&text.as_bytes()[start..]);
    let mut record = csv::ByteRecord::new();
    let (bytes_room, rows_room) = {
        let here = text.len().min(room).saturating_sub(start);
        let lines = memchr::memchr_iter(b'\n', &text.as_bytes()[start..start + here]).count();
        // Beyond the text (room for parts read elsewhere): as many lines per byte as here.
        let beyond = room.saturating_sub(text.len());
        let per_byte = (lines + 1) as f64 / here.max(1) as f64;
        let rows = lines + 1 + (beyond as f64 * per_byte * ROOM_SLACK) as usize;
        (room.saturating_sub(start), rows)
    };
    let column_room = bytes_room.min(bytes_room.saturating_mul(ROOM_COLUMNS) / ncols.max(1));
    // Small room is not made: the allocator writes into every small block it hands out, so
    // room never used would be resident (a table of 100,000 columns went from 123 to 306 MiB).
    let worth = |n: usize, size: usize| {
        if n.saturating_mul(size) >= ROOM_MIN_BYTES {
            n
        } else {
            0
        }
    };
    let (column_room, ends_room) = (worth(column_room, 1), worth(rows_room, 4));
    let mut bytes: Vec<(Vec<u8>, Vec<u32>)> = (0..ncols)
        .map(|_| {
            (
                Vec::with_capacity(column_room),
                Vec::with_capacity(ends_room),
            )
        })
        .collect();
    let mut lines = Vec::with_capacity(rows_room);
    let mut ragged = Vec::new();
    let mut dropped = 0;
    // Lines before `start`: the reader counts from its own first line.
    let before = memchr::memchr_iter(b'\n', &text.as_bytes()[..start]).count() as u32;
    let rest = &text[start..];
    if cut == Cut::Lines && cut_at_lines(rest) {
        let mut fields = Vec::with_capacity(ncols + 1);
        let body = rest.as_bytes();
        let (mut at, mut line) = (0, 1);
        while at < body.len() {
            let end = memchr::memchr(b'\n', &body[at..]).map_or(body.len(), |i| at + i);
            let record = &body[at..end];
            let this_line = line;
            (at, line) = (end + 1, line + 1);
            // Empty lines, and records of empty cells (a sheet's used range, `,,,,`), are no
            // records.
            if record
                .iter()
                .all(|&b| b == delimiter || b.is_ascii_whitespace())
            {
                continue;
            }
            // Where each cell ends (the delimiters, then the record's end).
            fields.clear();
            fields.extend(memchr::memchr_iter(delimiter, record));
            fields.push(record.len());
            if fields.len() != ncols {
                if ragged.len() >= kept {
                    dropped += 1;
                    continue;
                }
                ragged.push((lines.len(), fields.len()));
            }
            lines.push(this_line + before + offset);
            let mut from = 0;
            for (c, (text, ends)) in bytes.iter_mut().enumerate() {
                if let Some(&to) = fields.get(c) {
                    text.extend_from_slice(&record[from..to]);
                    from = to + 1;
                }
                ends.push(text.len() as u32);
            }
        }
        return Ok((text_columns(bytes), lines, ragged, dropped));
    }
    while reader.read_byte_record(&mut record)? {
        // A record of empty cells (a sheet's used range, `,,,,`) is no record.
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        if record.len() != ncols {
            if ragged.len() >= kept {
                dropped += 1;
                continue;
            }
            ragged.push((lines.len(), record.len()));
        }
        let (line, _) = record_start(rest, record.position());
        lines.push(line + before + offset);
        for (c, (text, ends)) in bytes.iter_mut().enumerate() {
            if let Some(cell) = record.get(c) {
                text.extend_from_slice(cell);
            }
            ends.push(text.len() as u32);
        }
    }
    Ok((text_columns(bytes), lines, ragged, dropped))
}

/// Can these records be cut at their line ends and delimiters as the CSV reader cuts them, in
/// one pass? Text without a quote or a carriage return: no cell is quoted, every line end ends
/// a record. (A text that starts with a byte order mark is left to the reader, which drops it
/// there.)
fn cut_at_lines(rest: &str) -> bool {
    !rest.starts_with('\u{feff}') && memchr::memchr2(b'"', b'\r', rest.as_bytes()).is_none()
}

/// Columns of cells (their bytes, each cell's end).
fn text_columns(bytes: Vec<(Vec<u8>, Vec<u32>)>) -> Vec<TextColumn> {
    bytes
        .into_iter()
        .map(|(text, ends)| {
            TextColumn::from_text(
                // Cells are cut from valid UTF-8 at ASCII delimiters and quotes: still valid.
                String::from_utf8(text)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                ends,
            )
        })
        .collect()
}

/// Where to cut `text` from `start` into parts of about `part` bytes, each ending at a
/// record's end: `start`, the cuts, and the text's end. None when a quote does not open or
/// close a field (`5"`, `a"b`): where records end is then only known to the CSV reader.
fn record_cuts(text: &[u8], start: usize, part: usize, delimiter: u8) -> Option<Vec<usize>> {
    let mut cuts = vec![start];
    let mut next = start + part;
    let mut in_quotes = false;
    for i in memchr::memchr2_iter(b'"', b'\n', &text[start..]).map(|i| i + start) {
        if text[i] == b'\n' {
            if !in_quotes && i + 1 >= next && i + 1 < text.len() {
                cuts.push(i + 1);
                next = i + 1 + part;
            }
            continue;
        }
        let before = (i > start).then(|| text[i - 1]);
        let after = text.get(i + 1).copied();
        if in_quotes {
            // Closes the field (or is the first of a doubled quote, which reopens at once).
            if !matches!(after, None | Some(b'\n' | b'"')) && after != Some(delimiter) {
                return None;
            }
        } else if !matches!(before, None | Some(b'\n' | b'"')) && before != Some(delimiter) {
            return None;
        }
        in_quotes = !in_quotes;
    }
    if in_quotes {
        return None;
    }
    cuts.push(text.len());
    Some(cuts)
}

/// Joins the bodies of consecutive parts of a text into one, as one pass would have read it.
fn join_parts(parts: &mut [Body], ncols: usize) -> Body {
    let rows: usize = parts.iter().map(|p| p.1.len()).sum();
    let mut lines = Vec::with_capacity(rows);
    let mut ragged = Vec::new();
    for (_, l, r, _) in parts.iter_mut() {
        ragged.extend(r.iter().map(|&(row, n)| (row + lines.len(), n)));
        lines.append(l);
    }
    // Onto the first part's columns (made with room for the rest: `read_in_parts`), a
    // column on each core.
    let mut by_column: Vec<Vec<TextColumn>> = (0..ncols)
        .map(|c| {
            parts
                .iter_mut()
                .map(|p| std::mem::take(&mut p.0[c]))
                .collect()
        })
        .collect();
    use rayon::prelude::*;
    let columns = by_column
        .par_iter_mut()
        .map(|parts| {
            let bytes: usize = parts.iter().map(|p| p.text_len()).sum();
            let mut parts = parts.drain(..);
            let mut column = parts.next().unwrap_or_default();
            column.reserve(bytes, rows);
            for col in parts {
                column.append(&col);
            }
            column
        })
        .collect();
    (columns, lines, ragged, 0)
}

/// Refuses files that are clearly not text tables, saying what they look like.
fn sniff_binary(file: &str, bytes: &[u8]) -> Result<(), Diagnostic> {
    let looks_like = if bytes.starts_with(b"%PDF") {
        Some((t!("diag.looks.pdf"), t!("diag.hint.pdf")))
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some((t!("diag.looks.zip"), t!("diag.hint.zip")))
    } else if bytes.starts_with(b"PAR1") {
        Some((t!("diag.looks.parquet"), t!("diag.hint.parquet")))
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Some((t!("diag.looks.xls"), t!("diag.hint.xls")))
    } else {
        None
    };
    if let Some((what, hint)) = looks_like {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.not_csv", what = what)).hint(hint));
    }
    let is_utf16 = bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || utf16_without_bom(bytes).is_some();
    if !is_utf16 && let Some(pos) = memchr::memchr(0, bytes) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(Diagnostic::error(file, line, 0, t!("diag.nul_bytes")));
    }
    Ok(())
}

/// UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK, in that order.
fn decode<'b>(
    file: &str,
    bytes: &'b [u8],
) -> Result<(std::borrow::Cow<'b, str>, &'static str), Diagnostic> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((s.into(), "UTF-8 (BOM)")),
            Err(e) => Err(bad_encoding(
                file,
                rest,
                e.valid_up_to(),
                t!("diag.expected.utf8_bom"),
            )),
        };
    }
    for (bom, enc, name) in [
        (&[0xFF, 0xFE][..], UTF_16LE, "UTF-16LE"),
        (&[0xFE, 0xFF][..], UTF_16BE, "UTF-16BE"),
    ] {
        if bytes.starts_with(bom) {
            let (s, had_errors) = enc.decode_with_bom_removal(bytes);
            if had_errors {
                return Err(Diagnostic::error(
                    file,
                    0,
                    0,
                    t!("diag.not_valid_encoding", encoding = name),
                ));
            }
            return Ok((s.into_owned().into(), name));
        }
    }
    if let Some((enc, name)) = utf16_without_bom(bytes) {
        let (s, had_errors) = enc.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok((s.into_owned().into(), name));
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.into(), "UTF-8")),
        // Whole lines of Chinese text as UTF-8 before the first invalid byte: the file mixes
        // encodings (rows pasted from another export); reading it as GBK would garble the UTF-8
        // part silently.
        Err(utf8_err) if utf8_lines_before(bytes, utf8_err.valid_up_to()) => {
            let mut d = bad_encoding(
                file,
                bytes,
                utf8_err.valid_up_to(),
                t!("diag.expected.one_encoding"),
            );
            d.message = t!("diag.mixed_encodings", first = d.message);
            Err(d)
        }
        Err(utf8_err) => match GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
            Some(s) => Ok((s.into_owned().into(), "GB18030")),
            None => Err(bad_encoding(
                file,
                bytes,
                utf8_err.valid_up_to(),
                t!("diag.expected.utf8_or_gbk"),
            )),
        },
    }
}

/// Do whole lines of non-ASCII UTF-8 come before `valid_up_to`, the first byte that is not
/// UTF-8? Then the text is UTF-8 and what follows is another encoding. A GBK line can start
/// with bytes that happen to be valid UTF-8 (`园` is D4 B0), but not run to its end as UTF-8.
fn utf8_lines_before(bytes: &[u8], valid_up_to: usize) -> bool {
    let valid = &bytes[..valid_up_to];
    let whole_lines = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    !valid[..whole_lines].is_ascii()
}

/// UTF-16 saved without a byte order mark: ASCII text shows as every other byte zero.
fn utf16_without_bom(bytes: &[u8]) -> Option<(&'static encoding_rs::Encoding, &'static str)> {
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let zero_at = |odd: bool| {
        head.chunks_exact(2)
            .filter(|p| (p[usize::from(odd)] == 0) && p[usize::from(!odd)] != 0)
            .count()
    };
    // At least nine in ten characters ASCII, zero on the same side.
    if zero_at(true) * 10 >= pairs * 9 {
        Some((UTF_16LE, "UTF-16LE (no BOM)"))
    } else if zero_at(false) * 10 >= pairs * 9 {
        Some((UTF_16BE, "UTF-16BE (no BOM)"))
    } else {
        None
    }
}

fn bad_encoding(file: &str, bytes: &[u8], at: usize, expected: crate::i18n::Text) -> Diagnostic {
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    let bad: String = bytes[at..bytes.len().min(at + 4)]
        .iter()
        .map(|b| format!("\\x{b:02X}"))
        .collect();
    Diagnostic::error(file, line, 0, t!("diag.encoding_unknown"))
        .value(bad)
        .expected(expected)
        .hint(t!("diag.hint.save_utf8"))
}

/// The delimiter of the first line that has one (a title row above the header may have
/// none): the most frequent of `,` `;` tab outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .take(TITLE_ROWS_MAX)
        .find(|l| l.contains([',', ';', '\t']))
        .unwrap_or("");
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for b in header.bytes() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let delims = [b',', b';', b'\t'];
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    if counts[best] == 0 {
        b','
    } else {
        delims[best]
    }
}

/// The line and field of a quote that is never closed, if any (a file cut short, a stray `"`).
fn unclosed_quote(bytes: &[u8], delimiter: u8) -> Option<(usize, usize)> {
    memchr::memchr(b'"', bytes)?;
    let mut line = 1;
    let mut field = 1;
    let mut open: Option<(usize, usize)> = None;
    for &b in bytes {
        match b {
            b'"' => {
                open = if open.is_some() {
                    None
                } else {
                    Some((line, field))
                }
            }
            b'\n' => {
                line += 1;
                if open.is_none() {
                    field = 1;
                }
            }
            d if d == delimiter && open.is_none() => field += 1,
            _ => {}
        }
    }
    open
}

/// Two header cells with the same name: which one counts would be a guess. Linear in the
/// number of columns (a header of a million columns is checked in one pass).
pub(crate) fn duplicate_header(
    file: &Origin,
    header: &[String],
    line: u32,
) -> Result<(), Diagnostic> {
    let mut seen: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(&first) = seen.get(&h.to_ascii_lowercase()) {
            return Err(Diagnostic::error(
                file,
                line as usize,
                i + 1,
                t!("diag.duplicate_column", column = h, first = first + 1),
            )
            .value(h.clone())
            .expected(t!("diag.expected.each_column_once"))
            .hint(t!("diag.hint.duplicate_column")));
        }
        seen.insert(h.to_ascii_lowercase(), i);
    }
    Ok(())
}

/// Columns of the contract that hold no numbers to tell a decimal mark by (a period such as
/// `2022.10`, an id, a name).
const NOT_NUMBERS: [&str; 18] = [
    "park_id",
    "name",
    "country",
    "province",
    "sector",
    "grid_region",
    "year",
    "period",
    "metric",
    "unit",
    "quality",
    "evidence",
    "enterprise_id",
    "note",
    "benchmark",
    "rule",
    "justification",
    "land_area_unit",
];

/// What one number cell says about the file's decimal mark.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Says {
    Nothing,
    Point,
    Comma,
    /// `1.234`: a decimal point, or `.` grouping thousands.
    DotOf3,
    /// `1,234`: `,` grouping thousands, or a decimal comma.
    CommaOf3,
    /// `45876`: a whole number of four digits or more without a mark, so its writer does not
    /// group thousands.
    Ungrouped,
}

fn says(cell: &str) -> Says {
    let s = cell.trim().trim_start_matches(['-', '+']);
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\'' | '\u{a0}')))
        .unwrap_or(s.len());
    let n = s[..end].trim_end();
    if n.is_empty() || !n.starts_with(|c: char| c.is_ascii_digit()) {
        return Says::Nothing;
    }
    let (dots, commas) = (n.matches('.').count(), n.matches(',').count());
    if dots + commas == 0 {
        let digits = n.bytes().take_while(u8::is_ascii_digit).count();
        return if digits >= 4 && digits == n.len() {
            Says::Ungrouped
        } else {
            Says::Nothing
        };
    }
    // `0.123` or `0,123`: no group of thousands starts with a zero, so the mark is decimal.
    if let Some(rest) = n.strip_prefix('0')
        && let Some(mark) = rest.chars().next()
        && dots + commas == 1
        && matches!(mark, '.' | ',')
    {
        return if mark == '.' {
            Says::Point
        } else {
            Says::Comma
        };
    }
    let digits_after = |sep: char| {
        n.rsplit(sep)
            .next()
            .map_or(0, |t| t.chars().take_while(char::is_ascii_digit).count())
    };
    match (dots, commas) {
        (0, 0) => Says::Nothing,
        (_, 0) if dots > 1 => Says::Comma,
        (1, 0) if digits_after('.') == 3 => Says::DotOf3,
        (1, 0) => Says::Point,
        (0, _) if commas > 1 => Says::Point,
        (0, 1) if digits_after(',') == 3 => Says::CommaOf3,
        (0, 1) => Says::Comma,
        _ => {
            if n.rfind(',') > n.rfind('.') {
                Says::Comma
            } else {
                Says::Point
            }
        }
    }
}

/// The file's decimal mark, from its number columns as a whole, never guessed silently:
/// `3,5` or `1.234,5` say comma; `3.5` or `1,234.5` say point; numbers that say both are an
/// error at an example cell (with `--decimal`). When no number decides (only `1.234`- or
/// `1,234`-like ones), the delimiter's custom does: a `;` file groups thousands with `.` (as
/// LibreOffice in German writes `22.762`), a `,` file with `,` (`"1,234"`, as Excel writes it);
/// `1.234` in a `,` file, or any of them in a tab file, is an error (LibreOffice in German
/// writes `22.762` for 22,762 in a comma file too) unless a whole number of four digits or more
/// without a mark (`45876`) shows that the writer does not group thousands.
/// A mark read against the delimiter's custom, or decided by the custom where `.` groups, is
/// said as a notice that names the number that showed it.
fn decimal_mark(
    file: &str,
    header: &[String],
    columns: &[TextColumn],
    lines: &[u32],
    delimiter: u8,
) -> Result<(DecimalMark, Option<crate::diag::Notice>), Diagnostic> {
    const LOOKED_AT: usize = 100_000;
    let mut first: [Option<(usize, usize, String)>; 6] = Default::default();
    let slot = |s: Says| match s {
        Says::Nothing => 0,
        Says::Point => 1,
        Says::Comma => 2,
        Says::DotOf3 => 3,
        Says::CommaOf3 => 4,
        Says::Ungrouped => 5,
    };
    for (c, col) in columns.iter().enumerate() {
        if header
            .get(c)
            .is_some_and(|h| NOT_NUMBERS.contains(&h.as_str()))
        {
            continue;
        }
        for r in 0..col.cells_len().min(LOOKED_AT) {
            let Some(cell) = col.get(r) else { continue };
            let k = slot(says(cell));
            if k > 0 && first[k].is_none() {
                first[k] = Some((r, c, cell.to_string()));
            }
        }
    }
    let line = |r: usize| lines.get(r).copied().unwrap_or(0) as usize;
    let at = |(r, c, v): &(usize, usize, String), msg| {
        Diagnostic::error(file, line(*r), c + 1, msg)
            .value(v.as_str())
            .hint(t!("diag.hint.decimal_option"))
    };
    let said = |(r, c, v): &(usize, usize, String), key: &'static str| {
        Some(crate::diag::Notice::new(
            file,
            line(*r),
            crate::i18n::Text::new(key)
                .arg("value", crate::diag::printable(v))
                .arg("column", (c + 1).to_string()),
        ))
    };
    let custom_comma = delimiter == b';';
    match (&first[1], &first[2]) {
        (Some(p), Some(c)) => {
            let other = crate::diag::location(&Origin::file(file), line(c.0), c.1 + 1);
            Err(at(
                p,
                t!(
                    "diag.decimal_marks_mixed",
                    other = other,
                    other_value = c.2.as_str()
                ),
            ))
        }
        (Some(p), None) if custom_comma => {
            Ok((DecimalMark::Point, said(p, "diag.decimal_point_read")))
        }
        (Some(_), None) => Ok((DecimalMark::Point, None)),
        (None, Some(c)) if !custom_comma => {
            Ok((DecimalMark::Comma, said(c, "diag.decimal_comma_read")))
        }
        (None, Some(_)) => Ok((DecimalMark::Comma, None)),
        (None, None) => match (&first[3], &first[4], delimiter) {
            (None, None, _) => Ok((DecimalMark::Point, None)),
            (Some(x), _, b';') => Ok((DecimalMark::Comma, said(x, "diag.dot_groups_read"))),
            (None, Some(_), b';') => Ok((DecimalMark::Comma, None)),
            // `"1,234"` quoted in a comma file groups thousands, as Excel writes them.
            (None, Some(_), b',') => Ok((DecimalMark::Point, None)),
            // `1.234` beside `45876`: a writer that groups would have written `45.876`.
            (Some(_), _, b',' | b'\t') if first[5].is_some() => Ok((DecimalMark::Point, None)),
            (Some(x), _, _) | (None, Some(x), _) => Err(at(x, t!("diag.decimal_mark_ambiguous"))),
        },
    }
}

/// The errors of records of a different width than the header: one each for the first ones,
/// one for all those counted beyond.
pub(crate) fn ragged_rows(t: &Table, diags: &mut crate::diag::Report) {
    for (row, n) in &t.ragged {
        diags.push(Diagnostic::error(
            &t.origin,
            t.line(*row),
            0,
            t!("diag.row_fields", n = *n, header = t.header.len()),
        ));
    }
    if t.ragged_dropped > 0 {
        let after = t.ragged.last().map_or(0, |&(r, _)| t.line(r));
        diags.push(
            Diagnostic::error(
                &t.origin,
                after,
                0,
                t!("diag.rows_fields_more", n = t.ragged_dropped),
            )
            .hint(t!(
                "diag.hint.read_as",
                encoding = t.encoding,
                delimiter = delimiter_name(t.delimiter)
            )),
        );
    }
}

/// Notes under a table (`注：...`, `填表人：张三`): trailing rows whose only cell starts with a
/// note word are no data; they are taken off the table and said once.
pub(crate) fn strip_trailing_notes(t: &mut Table, words: &ColumnWords) {
    let mut from = t.rows();
    while from > 0 {
        let r = from - 1;
        let mut cells = t
            .columns
            .iter()
            .filter_map(|c| c.get(r))
            .filter(|s| !s.trim().is_empty())
            .peekable();
        // A note, or a signature row: every cell starts with a note word.
        if cells.peek().is_none() || !cells.all(|c| words.is_note_text(c)) {
            break;
        }
        from = r;
    }
    if from == t.rows() {
        return;
    }
    let first = t
        .columns
        .iter()
        .find_map(|c| c.get(from))
        .map(crate::diag::printable)
        .unwrap_or_default();
    t.notices.push(crate::diag::Notice::new(
        &t.origin,
        t.line(from),
        t!("diag.notes_skipped", n = t.rows() - from, first = first),
    ));
    for c in &mut t.columns {
        c.truncate(from);
    }
    t.lines.truncate(from);
    t.ragged.retain(|&(r, _)| r < from);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Memory;

    fn vocab() -> Vocabulary {
        Vocabulary::embedded().unwrap()
    }

    /// What a column of numbers says of a cell is what its text says: `number` is the text read
    /// as a number (to the bit; None where the text is no number or empty), `text` is `get`'s
    /// cell, and the column's cells as text are the cells written one by one.
    fn numbers_agree_with_their_text(column: TextColumn, len: usize) {
        use crate::units::{DecimalMark, parse_number};
        for r in 0..len {
            let text = column.text(r).map(|t| t.into_owned());
            let read = text
                .as_deref()
                .and_then(|t| parse_number(t, DecimalMark::Point).ok());
            assert_eq!(
                column.number(r).map(f64::to_bits),
                read.map(f64::to_bits),
                "{text:?}"
            );
            assert_eq!(column.get(r), text.as_deref());
        }
        assert_eq!(column.cells_len(), len);
        // In one pass, the numbers are the cells' one by one.
        let seen = std::cell::RefCell::new(Vec::new());
        let positive = column.numbers_where(|v| {
            seen.borrow_mut().push(v.map(f64::to_bits));
            v.is_some_and(|v| v > 0.0)
        });
        let by_row: Vec<_> = (0..len).map(|r| column.number(r)).collect();
        let want: Vec<bool> = by_row.iter().map(|v| v.is_some_and(|v| v > 0.0)).collect();
        assert_eq!(positive, Some(want));
        let bits: Vec<_> = by_row.iter().map(|v| v.map(f64::to_bits)).collect();
        assert_eq!(seen.into_inner(), bits);
    }

    proptest::proptest! {
        /// A whole number found by a cast is the one `fract` finds, for every float.
        #[test]
        fn whole_numbers_are_found_as_fract_finds_them(
            f in proptest::prop_oneof![
                proptest::num::f64::ANY,
                proptest::strategy::Strategy::prop_map(-1e16f64..1e16, f64::trunc),
                proptest::strategy::Just(-0.0),
                proptest::strategy::Just(1e15),
                proptest::strategy::Just(-1e15 + 1.0),
            ]
        ) {
            let want = (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64);
            proptest::prop_assert_eq!(whole(f), want);
        }

        /// A column's cells in order are its non-empty cells by row, whatever holds them: text
        /// read from a file, or a Parquet column of many chunks (empty ones among them).
        #[test]
        fn cells_in_order_are_the_cells_by_row(
            chunks in proptest::collection::vec(
                proptest::collection::vec(proptest::option::of("[a-z ]{0,3}"), 0..6),
                0..8,
            )
        ) {
            let flat: Vec<Option<String>> = chunks.concat();
            let strings = TextColumn::from_strings(crate::frame::Strings::of_chunks(&chunks));
            let text = TextColumn::from_cells(flat.clone());
            for column in [strings, text] {
                let by_row: Vec<&str> = (0..column.cells_len()).filter_map(|r| column.get(r)).collect();
                let want: Vec<&str> = flat.iter().flatten().map(String::as_str).filter(|c| !c.is_empty()).collect();
                proptest::prop_assert_eq!(&by_row, &want);
                proptest::prop_assert_eq!(column.cells().collect::<Vec<_>>(), want);
            }
        }

        #[test]
        fn a_column_of_numbers_reads_as_its_text_reads(
            floats in proptest::collection::vec(proptest::option::of(proptest::num::f64::ANY), 0..8),
            ints in proptest::collection::vec(proptest::option::of(proptest::num::i64::ANY), 0..8),
        ) {
            let n = floats.len();
            numbers_agree_with_their_text(TextColumn::from_numbers(NumberCells::Float(crate::frame::Floats::from_options(floats))), n);
            let n = ints.len();
            numbers_agree_with_their_text(TextColumn::from_numbers(NumberCells::Int(crate::frame::Ints::from_options(ints))), n);
        }
    }

    /// Numbers of every kind a writer gives (whole, negative zero, tiny, huge, not a number) and
    /// a column of numbers kept in part, appended to, and cut, as a text column would be.
    #[test]
    fn a_column_of_numbers_is_a_column_of_their_text() {
        let floats = vec![
            Some(2024.0),
            Some(-0.0),
            None,
            Some(0.1 + 0.2),
            Some(1e300),
            Some(-1e-300),
            Some(f64::NAN),
            Some(f64::INFINITY),
            Some(9_007_199_254_740_993.0),
            Some(1e15),
        ];
        let texts = [
            Some("2024"),
            Some("0"),
            None,
            Some("0.30000000000000004"),
            None,
            None,
            Some("NaN"),
            Some("inf"),
            Some("9007199254740992"),
            Some("1000000000000000"),
        ];
        let n = floats.len();
        let column = TextColumn::from_numbers(NumberCells::Float(
            crate::frame::Floats::from_options(floats),
        ));
        numbers_agree_with_their_text(column.clone(), n);
        for (r, want) in texts.iter().enumerate() {
            if want.is_some() {
                assert_eq!(column.get(r), *want, "row {r}");
            }
        }
        assert_eq!(column.get(4).map(str::len), Some(301));
        assert_eq!(column.number(6), None);
        assert_eq!(column.number(7), None);
        let ints =
            TextColumn::from_numbers(NumberCells::Int(crate::frame::Ints::from_options(vec![
                Some(i64::MAX),
                None,
                Some(-7),
            ])));
        numbers_agree_with_their_text(ints.clone(), 3);
        assert_eq!(ints.get(0), Some("9223372036854775807"));
        // Kept in part, a column of numbers stays one.
        let mut kept = ints.clone();
        kept.retain(&[false, true, true]);
        assert_eq!(kept.number(1), Some(-7.0));
        assert_eq!(kept.cells().collect::<Vec<_>>(), ["-7"]);
        // Appended to or cut, it becomes text.
        let mut grown = ints.clone();
        grown.push("x");
        grown.append(&kept);
        assert_eq!(
            (0..grown.cells_len())
                .map(|r| grown.get(r))
                .collect::<Vec<_>>(),
            [
                Some("9223372036854775807"),
                None,
                Some("-7"),
                Some("x"),
                None,
                Some("-7")
            ]
        );
        assert_eq!(grown.number(2), None);
        let mut cut = ints;
        cut.truncate(1);
        assert_eq!(cut.cells().collect::<Vec<_>>(), ["9223372036854775807"]);
    }

    #[test]
    fn lines_skip_blank_lines_and_keep_quoted_newlines() {
        let (columns, lines, ragged, _) = read_body(
            "a,b\n1,\"x\ny\"\n\n2,3\n4\n5,6,7\n",
            Some(0),
            2,
            b',',
            0,
            vocab().limits.problems.per_kind,
        )
        .unwrap();
        assert_eq!(lines, vec![2, 5, 6, 7]);
        assert_eq!(ragged, vec![(2, 1), (3, 3)]);
        assert_eq!(columns[1].get(0), Some("x\ny"));
        assert_eq!(columns[1].get(2), None);
        assert_eq!(columns[1].get(3), Some("6"));
        assert_eq!(
            columns[0].cells().collect::<Vec<_>>(),
            vec!["1", "2", "4", "5"]
        );
    }

    proptest::proptest! {
        /// Read in parts of any size, a body gives the cells, lines and records of one pass,
        /// whatever its quotes, blank lines and ragged records.
        #[test]
        fn a_body_read_in_parts_is_the_body_read_at_once(
            text in "[a1,\"\n é;]{0,300}",
            part in 1usize..40,
            kept in 0usize..4,
        ) {
            let how = Records { ncols: 3, delimiter: b',', offset: 7, kept };
            let once = read_records(&text, 0, how).map_err(|e| e.to_string());
            let parts = read_in_parts(&text, 0, part, how).map_err(|e| e.to_string());
            let view = |b: Result<Body, String>| b.map(|(c, l, r, d)| {
                let cells: Vec<Vec<Option<String>>> = c
                    .iter()
                    .map(|c| (0..c.cells_len()).map(|i| c.get(i).map(str::to_string)).collect())
                    .collect();
                (cells, l, r, d)
            });
            proptest::prop_assert_eq!(view(once), view(parts));
        }

        /// A text without quotes, cut at its line ends and delimiters, gives the cells, lines
        /// and records the CSV reader gives: blank and whitespace lines, empty and missing
        /// cells, ragged records kept and dropped, non-ASCII text, with or without a last
        /// line end, read from any record's start.
        #[test]
        fn a_plain_body_cut_at_lines_is_the_body_the_reader_gives(
            lines in proptest::collection::vec("[a1 \t,;é中\u{feff}]{0,12}", 0..40),
            last_end: bool,
            delimiter in proptest::sample::select(vec![b',', b';', b'\t']),
            ncols in 1usize..5,
            kept in 0usize..4,
            from in 0usize..40,
        ) {
            let mut text = lines.join("\n");
            if last_end && !text.is_empty() {
                text.push('\n');
            }
            // A record's start: after the `from`th line end, if there is one.
            let start = memchr::memchr_iter(b'\n', text.as_bytes())
                .nth(from)
                .map_or(0, |i| i + 1);
            let how = Records { ncols, delimiter, offset: 3, kept };
            let view = |b: Result<Body, csv::Error>| b.map_err(|e| e.to_string()).map(
                |(c, l, r, d)| {
                    let cells: Vec<Vec<Option<String>>> = c
                        .iter()
                        .map(|c| (0..c.cells_len()).map(|i| c.get(i).map(str::to_string)).collect())
                        .collect();
                    (cells, l, r, d)
                },
            );
            let reader = view(read_records_as(&text, start, how, text.len(), Cut::Reader));
            let quick = view(read_records_as(&text, start, how, text.len(), Cut::Lines));
            proptest::prop_assert_eq!(&reader, &quick);
            // The cut at lines was taken (the text has no quote), unless a mark starts it.
            proptest::prop_assert_eq!(
                cut_at_lines(&text[start..]),
                !text[start..].starts_with('\u{feff}')
            );
            // Not vacuous: a text with a cell that is not blank has records (kept or dropped).
            if text[start..].contains(['a', '1', 'é', '中']) {
                let (_, lines, _, dropped) = reader.unwrap();
                proptest::prop_assert!(lines.len() + dropped > 0);
            }
        }
    }

    /// Lines of cells with the delimiter inside whitespace, a line of delimiters only, a
    /// record wider and one narrower than the header: the same cut at lines as by the reader,
    /// and the fast cut is taken for such a text (no quote, no carriage return).
    #[test]
    fn plain_records_are_cut_as_the_reader_cuts_them() {
        let text = "x,y\n1,2\n \n,,\n\t, \n3,4,5\n6\n中,é\n";
        assert!(cut_at_lines(&text[4..]));
        assert!(!cut_at_lines("1,\"2\"\n") && !cut_at_lines("1,2\r\n"));
        let how = Records {
            ncols: 2,
            delimiter: b',',
            offset: 0,
            kept: 1,
        };
        let (columns, lines, ragged, dropped) =
            read_records_as(text, 4, how, text.len(), Cut::Lines).unwrap();
        assert_eq!(lines, vec![2, 6, 8]);
        assert_eq!(ragged, vec![(1, 3)]);
        assert_eq!(dropped, 1);
        assert_eq!(columns[0].cells().collect::<Vec<_>>(), ["1", "3", "中"]);
        assert_eq!(columns[1].cells().collect::<Vec<_>>(), ["2", "4", "é"]);
        let by_reader = read_records_as(text, 4, how, text.len(), Cut::Reader).unwrap();
        assert_eq!(
            (by_reader.1, by_reader.2, by_reader.3),
            (lines, ragged, dropped)
        );
        // A part that starts with a byte order mark (files joined one after another): the
        // reader drops it there, and so its line is blank either way.
        let joined = "x,y\n1,2\n\u{feff}\n3,4\n";
        let at = joined.find('\u{feff}').unwrap();
        assert!(!cut_at_lines(&joined[at..]));
        let cells = |b: Body| {
            (
                b.0[0].cells().map(str::to_string).collect::<Vec<_>>(),
                b.1,
                b.2,
            )
        };
        let quick = read_records_as(joined, at, how, joined.len(), Cut::Lines).unwrap();
        let reader = read_records_as(joined, at, how, joined.len(), Cut::Reader).unwrap();
        assert_eq!(cells(quick), cells(reader));
        let reader = read_records_as(joined, at, how, joined.len(), Cut::Reader).unwrap();
        assert_eq!(reader.0[0].cells().collect::<Vec<_>>(), ["3"]);
        assert!(reader.2.is_empty());
    }

    /// A piece read ahead of a stop reads no further than a piece, even when no record ends in
    /// it (a quote never closed): the reading stopped is not the rest of the file read.
    #[test]
    fn a_piece_read_ahead_of_a_stop_reads_no_further() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        struct Counting<'a> {
            inner: Slice<'a>,
            most: &'a AtomicUsize,
        }
        impl Window for Counting<'_> {
            fn len(&self) -> u64 {
                self.inner.len()
            }
            fn bytes(&self) -> &[u8] {
                self.inner.bytes()
            }
            fn fill(&mut self, want: usize) -> std::io::Result<bool> {
                let eof = self.inner.fill(want);
                self.most.fetch_max(self.inner.end, Ordering::SeqCst);
                eof
            }
            fn consume(&mut self, n: usize) {
                self.inner.consume(n);
            }
            fn fill_all(&mut self) -> std::io::Result<()> {
                self.inner.fill_all()
            }
            fn release(&mut self) {
                self.inner.release();
            }
        }
        let piece = 4096;
        // The first piece's last record ends just before the quote: the piece after it starts
        // with the quote.
        let mut text = String::from("park_id,year\n");
        while text.len() + 2 * "p,2024\n".len() <= piece {
            text.push_str("p,2024\n");
        }
        text.push_str("\"never closed,2024\n");
        while text.len() < 40 * piece {
            text.push_str("p,2024\n");
        }
        let most = AtomicUsize::new(0);
        let w = Counting {
            inner: Slice::new(text.as_bytes()),
            most: &most,
        };
        let mut pieces = 0;
        let read = read_pieces("t.csv", w, piece, None, &vocab(), |_| {
            pieces += 1;
            false
        });
        assert!(read.is_ok());
        assert_eq!(pieces, 1);
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 3 * piece, "{most} bytes read of {}", text.len());
        // Read on, the same file is read to its end (the quote takes the rest of it).
        let most = AtomicUsize::new(0);
        let w = Counting {
            inner: Slice::new(text.as_bytes()),
            most: &most,
        };
        let whole = read_pieces("t.csv", w, piece, None, &vocab(), |_| true);
        assert_eq!(most.load(Ordering::SeqCst), text.len(), "{whole:?}");
    }

    #[test]
    fn a_long_body_is_cut_at_record_ends_outside_quotes() {
        let text = b"a,b\n1,\"x\ny\"\n2,3\n4,\"\"\"q\"\"\"\n5,6\n";
        assert_eq!(
            record_cuts(text, 4, 1, b','),
            Some(vec![4, 12, 16, 26, text.len()])
        );
        // A quote inside an unquoted field: where records end is left to the CSV reader.
        assert_eq!(record_cuts(b"a,b\n5\",x\n", 4, 1, b','), None);
    }

    #[test]
    fn blank_lines_are_skipped() {
        for text in [
            &b"a,b\n1,2\n\n3,4\n"[..],
            b"a,b\n1,2\n\n3,4\n\n\n",
            b"a,b\n\n1,2\n\n3,4",
        ] {
            let t = read_csv_bytes("t.csv", text, &vocab()).unwrap();
            assert_eq!(t.rows(), 2, "{}", String::from_utf8_lossy(text));
            assert_eq!(t.columns[0].get(1), Some("3"));
            assert_eq!(
                *t.lines.last().unwrap(),
                4 + u32::from(text.starts_with(b"a,b\n\n"))
            );
        }
    }

    #[test]
    fn delimiters_and_encodings() {
        let t = read_csv_bytes("t.csv", "a;b\n1,5;2\n".as_bytes(), &vocab()).unwrap();
        assert_eq!(t.delimiter, b';');
        assert_eq!(t.decimal, DecimalMark::Comma);
        let (gbk, _, _) = GB18030.encode("名称,省份\n园区,江苏\n");
        let t = read_csv_bytes("t.csv", &gbk, &vocab()).unwrap();
        assert_eq!(t.encoding, "GB18030");
        // Chinese column names become the contract's names.
        assert_eq!(t.header, vec!["name", "province"]);
        assert_eq!(t.columns[1].get(0), Some("江苏"));
    }

    /// Every cell and line of a table, for comparing the whole read with the piecewise one.
    fn cells(t: &Table) -> Vec<(u32, Vec<Option<String>>)> {
        (0..t.rows())
            .map(|r| {
                let row = t
                    .columns
                    .iter()
                    .map(|c| c.get(r).map(str::to_string))
                    .collect();
                (t.lines[r], row)
            })
            .collect()
    }

    fn pieces(
        files: &Memory,
        path: &Path,
        piece: usize,
    ) -> Result<(Vec<Table>, usize), Diagnostic> {
        let mut out = Vec::new();
        let n = read_csv_pieces(files, path, piece, None, &vocab(), |t| {
            out.push(t);
            true
        })?;
        Ok((out, n))
    }

    /// Read from a stream and from bytes in memory (an upload), a file gives the same tables
    /// piece for piece.
    #[test]
    fn in_memory_pieces_read_like_a_stream() {
        let mut text = String::from("park_id,year,metric,value,unit,note\n");
        for i in 0..3_000 {
            let note = if i % 11 == 0 {
                "\"a, \"\"b\"\"\nc\""
            } else {
                ""
            };
            text.push_str(&format!("P{},2024,electricity,{i}.5,MWh,{note}\n", i % 97));
        }
        let bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        for (name, bytes) in [("plain.csv", text.as_bytes()), ("bom.csv", &bom[..])] {
            let path = Path::new(name);
            let mut memory = Memory::new();
            memory.insert(path, bytes.to_vec());
            for piece in [4096, 20_000, bytes.len() / 2 - 1, bytes.len()] {
                let (streamed, n) = pieces(&memory, path, piece).unwrap();
                assert!(
                    streamed.len() > 1 || piece == bytes.len(),
                    "{name} piece {piece}"
                );
                let mut in_memory = Vec::new();
                let k = read_csv_pieces_from(name, bytes, piece, None, &vocab(), |t| {
                    in_memory.push(t);
                    true
                })
                .unwrap();
                assert_eq!(k, n, "{name} piece {piece}");
                let each = |ts: &[Table]| ts.iter().map(cells).collect::<Vec<_>>();
                assert_eq!(each(&in_memory), each(&streamed), "{name} piece {piece}");
                for (a, b) in in_memory.iter().zip(&streamed) {
                    assert_eq!((&a.header, a.encoding), (&b.header, b.encoding));
                }
            }
        }
    }

    /// A later piece is read under the first piece's header, not below a copy of its text: a
    /// statistics form's title rows, wide header and unit row, notes under the last records,
    /// and a quote left open far down the file read in pieces as read whole.
    #[test]
    fn later_pieces_are_read_under_the_first_pieces_header() {
        let mut text = String::from(
            "园区能耗月报,,\n2024年,,\n园区编号,年份,天然气,电网购电\n,,万立方米,MWh\n",
        );
        for i in 0..600 {
            text.push_str(&format!("P{},2024,{i}.5,{i}.25\n", i % 9));
        }
        text.push_str("注：数据为初步统计,,,\n");
        let path = Path::new("form.csv");
        let mut files = Memory::new();
        files.insert(path, text.clone().into_bytes());
        let whole = read_csv(&files, path, &vocab()).unwrap();
        assert_eq!(whole.title_rows, 2);
        assert!(whole.header[2].contains("[万立方米]"), "{:?}", whole.header);
        for piece in [64, 1000, 4000] {
            let (tables, n) = pieces(&files, path, piece).unwrap();
            assert!(tables.len() > 2, "piece {piece}");
            assert_eq!(n, whole.rows(), "piece {piece}");
            let got: Vec<_> = tables.iter().flat_map(cells).collect();
            assert_eq!(got, cells(&whole), "piece {piece}");
            for t in &tables {
                assert_eq!(
                    (&t.header, t.header_line),
                    (&whole.header, whole.header_line)
                );
                assert_eq!(t.decimal, whole.decimal);
            }
            let said = |t: &Table| t.notices.iter().map(|n| n.line).collect::<Vec<_>>();
            assert_eq!(said(tables.last().unwrap()), said(&whole), "piece {piece}");
        }
        // A quote opened on line 500 and never closed: the same error, at the same line.
        let broken = text.replacen("P0,2024,495.5,", "P0,2024,\"495.5,", 1);
        files.insert(path, broken.into_bytes());
        let Err(whole) = read_csv(&files, path, &vocab()) else {
            panic!("an open quote is an error");
        };
        assert_eq!((whole.line, whole.column), (500, 3), "{whole:?}");
        for piece in [64, 1000, 4000] {
            let Err(e) = pieces(&files, path, piece) else {
                panic!("piece {piece}: an open quote is an error");
            };
            assert_eq!(
                (e.line, e.column, &e.message),
                (500, 3, &whole.message),
                "{piece}"
            );
        }
    }

    /// A record with empty park and year cells at the start of a later piece of a wide file is
    /// a record, as when the file is read whole (it was once taken for a unit row under a copy
    /// of the header); a decimal mark the user said holds for every piece, even when the first
    /// has no records.
    #[test]
    fn a_later_piece_keeps_its_first_record_and_the_said_decimal_mark() {
        let mut text = String::from("park_id,year,electricity_grid\n");
        for i in 0..40 {
            text.push_str(&format!("P{i},2024,{i}\n"));
            if i % 10 == 3 {
                text.push_str(",,5\n");
            }
        }
        let path = Path::new("wide.csv");
        let mut files = Memory::new();
        files.insert(path, text.clone().into_bytes());
        let whole = read_csv(&files, path, &vocab()).unwrap();
        assert_eq!(whole.header, ["park_id", "year", "electricity_grid"]);
        for piece in 8..80 {
            let (tables, _) = pieces(&files, path, piece).unwrap();
            let got: Vec<_> = tables.iter().flat_map(cells).collect();
            assert_eq!(got, cells(&whole), "piece {piece}");
            assert!(
                tables.iter().all(|t| t.header == whole.header),
                "piece {piece}"
            );
        }
        // A first piece of empty records only; then values whose `.` is a thousands mark.
        let mut text = String::from("park_id;year;metric;value;unit\n");
        text.push_str(&";;;;\n".repeat(1200));
        for i in 0..200 {
            text.push_str(&format!("P{i};2024;electricity_grid;1.234;MWh\n"));
        }
        let path = Path::new("said.csv");
        files.insert(path, text.into_bytes());
        for piece in [500, 900, 3000] {
            let mut tables = Vec::new();
            read_csv_pieces(
                &files,
                path,
                piece,
                Some(DecimalMark::Comma),
                &vocab(),
                |t| {
                    tables.push(t);
                    true
                },
            )
            .unwrap();
            assert_eq!(tables[0].rows(), 0, "piece {piece}");
            assert!(tables.len() > 2, "piece {piece}");
            for t in &tables {
                assert_eq!(t.decimal, DecimalMark::Comma, "piece {piece}");
            }
        }
    }

    #[test]
    fn pieces_read_like_the_whole_file() {
        let mut files = Memory::new();
        let mut text = String::from("park_id;year;metric;value;unit;note\r\n");
        for i in 0..400 {
            // Quoted newlines and delimiters, blank lines, decimal commas, CR LF.
            let note = if i % 7 == 0 {
                "\"two\r\nlines; \"\"quoted\"\"\""
            } else {
                ""
            };
            text.push_str(&format!("P{i};2024;electricity;{i},5;MWh;{note}\r\n"));
            if i % 50 == 0 {
                text.push_str("\r\n");
            }
        }
        for (name, bytes) in [
            ("utf8.csv", text.clone().into_bytes()),
            (
                "bom.csv",
                [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
            ),
            (
                "gbk.csv",
                GB18030.encode(&text.replace("two", "两行")).0.into_owned(),
            ),
        ] {
            let path = Path::new(name);
            files.insert(path, bytes.clone());
            let whole = read_csv(&files, path, &vocab()).unwrap();
            for piece in [1, 100, 1000, 5000] {
                let (tables, n) = pieces(&files, path, piece).unwrap();
                assert_eq!(n, whole.rows(), "{name} piece {piece}");
                assert!(tables.len() > 1 || piece == 5000, "{name} piece {piece}");
                let got: Vec<_> = tables.iter().flat_map(cells).collect();
                assert_eq!(got, cells(&whole), "{name} piece {piece}");
                for t in &tables {
                    assert_eq!(t.header, whole.header);
                    assert_eq!(t.delimiter, b';');
                    assert!(t.rows() == 0 || t.decimal == DecimalMark::Comma);
                    assert_eq!(t.encoding, whole.encoding);
                }
            }
        }
    }

    #[test]
    fn pieces_report_problems_at_their_line_in_the_file() {
        let mut files = Memory::new();
        let mut text = String::from("park_id,year,metric,value,unit\n");
        for i in 0..300 {
            text.push_str(&format!("P{i},2024,electricity,{i},MWh\n"));
        }
        // Line 302: Chinese in UTF-8, then a GBK line: mixed encodings.
        text.push_str("园区,2024,electricity,1,MWh\n");
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&GB18030.encode("园区,2024,electricity,1,MWh\n").0);
        let path = Path::new("mixed.csv");
        files.insert(path, bytes.clone());
        let e = pieces(&files, path, 500).err().unwrap();
        assert_eq!(e.line, 303, "{e:?}");
        assert!(e.message.en().contains("mixes encodings"), "{e:?}");

        // A quote opened on line 250 and never closed.
        let mut text = String::from("park_id,year,metric,value,unit\n");
        for i in 0..300 {
            let q = if i == 248 { "\"" } else { "" };
            text.push_str(&format!("P{i},2024,electricity,{q}{i},MWh\n"));
        }
        let path = Path::new("quote.csv");
        files.insert(path, text.clone());
        let e = pieces(&files, path, 500).err().unwrap();
        assert_eq!((e.line, e.column), (250, 4), "{e:?}");
        assert_eq!(read_csv(&files, path, &vocab()).err().unwrap().line, 250);

        // NUL bytes deep in the file.
        let mut bytes = b"park_id,year,metric,value,unit\n".to_vec();
        for i in 0..300 {
            bytes.extend_from_slice(format!("P{i},2024,electricity,{i},MWh\n").as_bytes());
        }
        bytes.extend_from_slice(b"P1,2024,\0\n");
        let path = Path::new("nul.csv");
        files.insert(path, bytes.clone());
        let e = pieces(&files, path, 500).err().unwrap();
        assert_eq!(e.line, 302, "{e:?}");
    }

    #[test]
    fn the_head_of_a_file_is_its_header_alone() {
        let mut bytes = "\"park_id\",\"metric\nname\",年份\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"P1,electricity,2024\n\0garbage\n");
        let t = read_csv_head("a.csv", &bytes, &vocab()).unwrap();
        assert_eq!(t.header, vec!["park_id", "metric\nname", "year"]);
        assert_eq!(t.rows(), 0);
        let (gbk, _, _) = GB18030.encode("园区编号,名称\n园区,江苏\n");
        assert_eq!(
            read_csv_head("g.csv", &gbk, &vocab()).unwrap().header,
            vec!["park_id", "name"]
        );
        assert!(read_csv_head("p.csv", b"%PDF-1.7\n", &vocab()).is_err());
    }
}
