//! `.xls` (Excel 97-2003, BIFF8, as statistics offices and LibreOffice still write it): the
//! sheets parkbench reads, from the records of the `Workbook` stream ([MS-XLS]).
//!
//! Read here: sheet visibility (`BoundSheet8.hsState`), each cell's format (`XF` and `Format`
//! records: a percentage, a date), shared strings (`SST` and its `Continue` records), numbers
//! (`Number`, `RK`, `MulRk`), text (`LabelSst`, `Label`), formulas with their cached values
//! (`Formula`, `String`), booleans and errors (`BoolErr`), merged ranges (`MergeCells`), the 1904
//! date system (`Date1904`). An encrypted workbook (`FilePass`) is refused. Cells are kept
//! compactly (16 bytes and their text) and handed to the builder in row order; a far cell costs
//! one cell.
//!
//! [MS-XLS]: https://learn.microsoft.com/en-us/openspecs/office_file_formats/ms-xls/

use std::io::{Cursor, Read};

use super::builder::{Builder, Kind};
use super::numfmt::{self, NumClass};
use super::xlsx::hidden;
use super::{Book, sheet_role};
use crate::diag::{Diagnostic, Origin, Report};
use crate::reference::ColumnWords;
use crate::reference::WorkbookLimits;

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FILEPASS: u16 = 0x002F;
const DATE1904: u16 = 0x0022;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const BOUNDSHEET: u16 = 0x0085;
const SST: u16 = 0x00FC;
const CONTINUE: u16 = 0x003C;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const MULRK: u16 = 0x00BD;
const LABELSST: u16 = 0x00FD;
const LABEL: u16 = 0x0204;
const FORMULA: u16 = 0x0006;
const STRING: u16 = 0x0207;
const BOOLERR: u16 = 0x0205;
const MERGECELLS: u16 = 0x00E5;

fn damaged(file: &str, what: &str) -> Diagnostic {
    super::zipped::unreadable(file, "", what)
}

/// A sheet as the workbook lists it.
pub(crate) struct SheetRef {
    pub name: String,
    offset: usize,
    pub hidden: bool,
    worksheet: bool,
}

struct Globals {
    sheets: Vec<SheetRef>,
    xf_class: Vec<NumClass>,
    date1904: bool,
    strings: Vec<Box<str>>,
}

/// The `Workbook` stream of the compound file.
fn stream(file: &str, bytes: &[u8]) -> Result<Vec<u8>, Diagnostic> {
    let mut cf =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| damaged(file, &e.to_string()))?;
    if cf.exists("EncryptionInfo") || cf.exists("EncryptedPackage") {
        return Err(encrypted(file));
    }
    let name = ["Workbook", "WORKBOOK", "workbook", "Book"]
        .into_iter()
        .find(|n| cf.is_stream(n))
        .ok_or_else(|| damaged(file, "no Workbook stream"))?;
    if name == "Book" {
        return Err(Diagnostic::error(file, 0, 0, t!("diag.xls_too_old"))
            .hint(t!("diag.hint.save_workbook_again")));
    }
    let s = cf
        .open_stream(name)
        .map_err(|e| damaged(file, &e.to_string()))?;
    // A stream is made of the file's sectors: it is never longer than the file.
    let mut out = Vec::new();
    s.take(bytes.len() as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| damaged(file, &e.to_string()))?;
    if out.len() > bytes.len() {
        return Err(damaged(file, "stream longer than the file"));
    }
    Ok(out)
}

fn encrypted(file: &str) -> Diagnostic {
    Diagnostic::error(file, 0, 0, t!("diag.workbook_encrypted"))
        .expected(t!("diag.expected.workbook"))
        .hint(t!("diag.hint.workbook_encrypted"))
}

/// Records from an offset: (type, data), until the data ends.
struct Records<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let head = self.data.get(self.pos..self.pos + 4)?;
        let ty = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let body = self.data.get(self.pos + 4..self.pos + 4 + len)?;
        self.pos += 4 + len;
        Some((ty, body))
    }
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

fn f64_at(b: &[u8], i: usize) -> Option<f64> {
    Some(f64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

/// Characters of a BIFF8 string (1 byte each, Latin-1, or UTF-16LE).
fn chars(b: &[u8], n: usize, wide: bool) -> (String, usize) {
    if wide {
        let take = (n * 2).min(b.len() / 2 * 2);
        let units: Vec<u16> = b[..take]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        (String::from_utf16_lossy(&units), take)
    } else {
        let take = n.min(b.len());
        (b[..take].iter().map(|&c| char::from(c)).collect(), take)
    }
}

/// An `XLUnicodeString` (16-bit length) within one record: its text.
fn unicode_string(b: &[u8]) -> Option<String> {
    let n = u16_at(b, 0)? as usize;
    let flags = *b.get(2)?;
    Some(chars(b.get(3..)?, n, flags & 1 == 1).0)
}

/// The SST's strings, which may run on over `Continue` records (a new flags byte starts each).
struct Pieces<'a> {
    parts: Vec<&'a [u8]>,
    part: usize,
    pos: usize,
}

impl Pieces<'_> {
    fn byte(&mut self) -> Option<u8> {
        loop {
            let p = self.parts.get(self.part)?;
            if let Some(&b) = p.get(self.pos) {
                self.pos += 1;
                return Some(b);
            }
            self.part += 1;
            self.pos = 0;
        }
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }

    fn skip(&mut self, mut n: usize) -> Option<()> {
        while n > 0 {
            let p = self.parts.get(self.part)?;
            let left = p.len() - self.pos.min(p.len());
            if left == 0 {
                self.part += 1;
                self.pos = 0;
                continue;
            }
            let k = left.min(n);
            self.pos += k;
            n -= k;
        }
        Some(())
    }

    /// One `XLUnicodeRichExtendedString`.
    fn string(&mut self) -> Option<String> {
        let n = self.u16()? as usize;
        let flags = self.byte()?;
        let mut wide = flags & 0x01 != 0;
        let runs = if flags & 0x08 != 0 {
            self.u16()? as usize
        } else {
            0
        };
        let ext = if flags & 0x04 != 0 {
            self.u32()? as usize
        } else {
            0
        };
        let mut out = String::new();
        let mut left = n;
        while left > 0 {
            let p = self.parts.get(self.part)?;
            if self.pos >= p.len() {
                // The characters go on in the next record, after a flags byte of their own.
                self.part += 1;
                self.pos = 0;
                wide = self.byte()? & 0x01 != 0;
                continue;
            }
            let (s, used) = chars(&p[self.pos..], left, wide);
            if used == 0 {
                return None;
            }
            left -= if wide { used / 2 } else { used };
            out.push_str(&s);
            self.pos += used;
        }
        self.skip(runs * 4)?;
        self.skip(ext)?;
        Some(out)
    }
}

fn globals(file: &str, data: &[u8], limits: &WorkbookLimits) -> Result<Globals, Diagnostic> {
    let mut g = Globals {
        sheets: Vec::new(),
        xf_class: Vec::new(),
        date1904: false,
        strings: Vec::new(),
    };
    let mut formats: Vec<(u16, NumClass)> = Vec::new();
    let mut xf_formats: Vec<u16> = Vec::new();
    let mut records = Records { data, pos: 0 }.peekable();
    match records.next() {
        Some((BOF, b)) if u16_at(b, 0) == Some(0x0600) => {}
        Some((BOF, _)) => {
            return Err(Diagnostic::error(file, 0, 0, t!("diag.xls_too_old"))
                .hint(t!("diag.hint.save_workbook_again")));
        }
        _ => return Err(damaged(file, "no BOF record")),
    }
    while let Some((ty, b)) = records.next() {
        match ty {
            EOF => break,
            FILEPASS => return Err(encrypted(file)),
            DATE1904 => g.date1904 = u16_at(b, 0) == Some(1),
            FORMAT => {
                if let (Some(id), Some(code)) = (u16_at(b, 0), b.get(2..).and_then(unicode_string))
                {
                    formats.push((id, numfmt::custom(&code)));
                }
            }
            XF => xf_formats.push(u16_at(b, 2).unwrap_or(0)),
            BOUNDSHEET => {
                let offset = u32_at(b, 0).unwrap_or(0) as usize;
                let state = b.get(4).copied().unwrap_or(0) & 0x03;
                let kind = b.get(5).copied().unwrap_or(0);
                let n = b.get(6).copied().unwrap_or(0) as usize;
                let wide = b.get(7).copied().unwrap_or(0) & 1 == 1;
                let name = chars(b.get(8..).unwrap_or(&[]), n, wide).0;
                g.sheets.push(SheetRef {
                    name,
                    offset,
                    hidden: state != 0,
                    worksheet: kind == 0,
                });
            }
            SST => {
                let mut parts = vec![b.get(8..).unwrap_or(&[])];
                while let Some((CONTINUE, c)) = records.peek() {
                    parts.push(c);
                    records.next();
                }
                let mut p = Pieces {
                    parts,
                    part: 0,
                    pos: 0,
                };
                let unique = u32_at(b, 4).unwrap_or(0) as usize;
                let mut bytes = 0u64;
                for _ in 0..unique.min(limits.cells) {
                    let Some(s) = p.string() else { break };
                    bytes += s.len() as u64;
                    if bytes > limits.shared_strings_bytes {
                        return Err(Diagnostic::error(
                            file,
                            0,
                            0,
                            t!(
                                "diag.shared_strings_too_big",
                                mb = limits.shared_strings_bytes / 1_000_000
                            ),
                        ));
                    }
                    g.strings.push(s.into_boxed_str());
                }
            }
            _ => {}
        }
    }
    g.xf_class = xf_formats
        .iter()
        .map(|&id| {
            formats
                .iter()
                .rev()
                .find(|(i, _)| *i == id)
                .map_or_else(|| numfmt::builtin(u32::from(id)), |(_, c)| *c)
        })
        .collect();
    Ok(g)
}

/// The sheets of a workbook (nothing else is read).
pub(crate) fn sheets(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
) -> Result<Vec<SheetRef>, Diagnostic> {
    let data = stream(file, bytes)?;
    Ok(globals(file, &data, &limits)?.sheets)
}

/// Cells of one sheet, compactly: (row, column, kind, start and end of its text).
struct Cells {
    text: String,
    cells: Vec<(u32, u16, Kind, u32, u32)>,
}

impl Cells {
    /// The numbers of a `MulRk` record: cells in a row from `col` on, each with its format.
    fn mulrk(&mut self, g: &Globals, (row, col): (u16, u16), b: &[u8]) {
        let mut i = 4;
        let mut c = col;
        while i + 6 <= b.len().saturating_sub(2) {
            let xf = u16_at(b, i).unwrap_or(0);
            if let Some(v) = u32_at(b, i + 2) {
                let (k, t) = number(g, xf, rk(v));
                self.push(row, c, k, &t);
            }
            c = c.saturating_add(1);
            i += 6;
        }
    }

    /// A formula's cached value (a number, a Boolean or an error); its cell when its value is
    /// a string, which the `String` record after it holds.
    fn formula(
        &mut self,
        g: &Globals,
        (row, col): (u16, u16),
        xf: u16,
        b: &[u8],
    ) -> Option<(u16, u16)> {
        let v = b.get(6..14).unwrap_or(&[0; 8]);
        if v[6] == 0xFF && v[7] == 0xFF {
            match v[0] {
                0 => return Some((row, col)),
                1 => self.push(row, col, Kind::Other, flag(v[2])),
                2 => self.push(row, col, Kind::Other, error_text(v[2])),
                _ => {}
            }
        } else if let Some(f) = f64_at(b, 6) {
            let (k, t) = if f == 0.0 {
                (Kind::FormulaZero, "0".to_string())
            } else {
                number(g, xf, f)
            };
            self.push(row, col, k, &t);
        }
        None
    }

    /// The sheet: its merges, then its cells in order (BIFF writes cells row by row, but not
    /// always in order within a block; a cell written twice counts once).
    fn build(
        mut self,
        mut b: Builder,
        merges: Vec<[u32; 4]>,
        problems: &mut Report,
    ) -> Result<super::builder::Sheet, Diagnostic> {
        self.cells.sort_by_key(|&(r, c, ..)| (r, c));
        self.cells.dedup_by_key(|&mut (r, c, ..)| (r, c));
        for [r0, c0, r1, c1] in merges {
            b.merge(r0, c0, r1, c1)?;
        }
        for &(r, c, k, s, e) in &self.cells {
            b.cell(r, u32::from(c), k, &self.text[s as usize..e as usize])?;
        }
        b.finish(problems)
    }

    fn push(&mut self, row: u16, col: u16, kind: Kind, text: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        self.cells
            .push((u32::from(row), col, kind, start, self.text.len() as u32));
    }
}

fn rk(v: u32) -> f64 {
    let n = if v & 0x02 != 0 {
        f64::from((v as i32) >> 2)
    } else {
        f64::from_bits(u64::from(v & 0xFFFF_FFFC) << 32)
    };
    if v & 0x01 != 0 { n / 100.0 } else { n }
}

/// A number cell as typed, by its format.
fn number(g: &Globals, xf: u16, f: f64) -> (Kind, String) {
    match g.xf_class.get(xf as usize).copied().unwrap_or_default() {
        NumClass::Percent => (Kind::Number, numfmt::percent_text(f)),
        NumClass::Date => match numfmt::serial_date(f, g.date1904) {
            Some(d) => (Kind::Date, d),
            None => (Kind::Number, numfmt::number_text(f)),
        },
        NumClass::Plain => (Kind::Number, numfmt::number_text(f)),
    }
}

const ERRORS: [(u8, &str); 7] = [
    (0x00, "#NULL!"),
    (0x07, "#DIV/0!"),
    (0x0F, "#VALUE!"),
    (0x17, "#REF!"),
    (0x1D, "#NAME?"),
    (0x24, "#NUM!"),
    (0x2A, "#N/A"),
];

fn error_text(code: u8) -> &'static str {
    ERRORS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("#N/A", |(_, t)| t)
}

fn read_sheet(
    data: &[u8],
    g: &Globals,
    s: &SheetRef,
    origin: Origin,
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<super::builder::Sheet, Diagnostic> {
    let mut cells = Cells {
        text: String::new(),
        cells: Vec::new(),
    };
    let mut merges: Vec<[u32; 4]> = Vec::new();
    let mut records = Records {
        data,
        pos: s.offset,
    }
    .peekable();
    // A formula's string value is in the String record after it.
    let mut pending_string: Option<(u16, u16)> = None;
    let mut first = true;
    while let Some((ty, b)) = records.next() {
        if first {
            first = false;
            if ty != BOF {
                return Err(damaged(&origin.file, "sheet without BOF"));
            }
            continue;
        }
        if cells.cells.len() > limits.cells {
            let (r, c, ..) = cells.cells[cells.cells.len() - 1];
            return Err(too_many(&origin, (r as u16, c), limits.cells));
        }
        let (row, col) = (u16_at(b, 0).unwrap_or(0), u16_at(b, 2).unwrap_or(0));
        let xf = u16_at(b, 4).unwrap_or(0);
        match ty {
            EOF => break,
            BOF => {
                // An embedded chart's substream: skip to its end.
                for (t, _) in records.by_ref() {
                    if t == EOF {
                        break;
                    }
                }
            }
            NUMBER => {
                if let Some(f) = f64_at(b, 6) {
                    let (k, t) = number(g, xf, f);
                    cells.push(row, col, k, &t);
                }
            }
            RK => {
                if let Some(v) = u32_at(b, 6) {
                    let (k, t) = number(g, xf, rk(v));
                    cells.push(row, col, k, &t);
                }
            }
            MULRK => cells.mulrk(g, (row, col), b),
            LABELSST => {
                let i = u32_at(b, 6).unwrap_or(u32::MAX) as usize;
                let t = g.strings.get(i).map_or("", |s| s);
                cells.push(row, col, Kind::Text, t);
            }
            LABEL => {
                if let Some(t) = b.get(6..).and_then(unicode_string) {
                    cells.push(row, col, Kind::Text, &t);
                }
            }
            // A string result waits for its String record.
            FORMULA => pending_string = cells.formula(g, (row, col), xf, b).or(pending_string),
            STRING => {
                if let Some((r, c)) = pending_string.take() {
                    let t = string_record(b, &mut records);
                    cells.push(r, c, Kind::Text, &t);
                }
            }
            BOOLERR => {
                let (v, is_error) = (b.get(6).copied().unwrap_or(0), b.get(7) == Some(&1));
                let t = if is_error { error_text(v) } else { flag(v) };
                cells.push(row, col, Kind::Other, t);
            }
            MERGECELLS => merge_ranges(b, &mut merges),
            _ => {}
        }
    }
    cells.build(Builder::new(origin, limits, words), merges, problems)
}

/// The error of a sheet with more cells than `cells`, at the cell past the bound.
fn too_many(origin: &Origin, (row, col): (u16, u16), cells: usize) -> Diagnostic {
    Diagnostic::error(
        origin,
        usize::from(row) + 1,
        usize::from(col) + 1,
        t!("diag.sheet_too_many_cells", n = cells),
    )
    .expected(t!("diag.expected.at_most_cells", n = cells))
}

/// A formula's string value: the `String` record `b` and the `Continue` records after it.
fn string_record<'a>(b: &'a [u8], records: &mut std::iter::Peekable<Records<'a>>) -> String {
    let mut parts = vec![b];
    while let Some((CONTINUE, more)) = records.peek() {
        parts.push(more);
        records.next();
    }
    let mut p = Pieces {
        parts,
        part: 0,
        pos: 0,
    };
    string_value(&mut p).unwrap_or_default()
}

/// A Boolean cell's text: `1` or `0`.
fn flag(v: u8) -> &'static str {
    if v != 0 { "1" } else { "0" }
}

/// The ranges of a `MergeCells` record, added to `merges` as [first row, first column, last
/// row, last column].
fn merge_ranges(b: &[u8], merges: &mut Vec<[u32; 4]>) {
    let n = u16_at(b, 0).unwrap_or(0) as usize;
    for k in 0..n {
        let at = 2 + k * 8;
        if let (Some(r0), Some(r1), Some(c0), Some(c1)) = (
            u16_at(b, at),
            u16_at(b, at + 2),
            u16_at(b, at + 4),
            u16_at(b, at + 6),
        ) {
            merges.push([r0.into(), c0.into(), r1.into(), c1.into()]);
        }
    }
}

/// A formula's string result (`String` record): an `XLUnicodeString` that may run on.
fn string_value(p: &mut Pieces<'_>) -> Option<String> {
    let n = p.u16()? as usize;
    let flags = p.byte()?;
    let mut wide = flags & 1 != 0;
    let mut out = String::new();
    let mut left = n;
    while left > 0 {
        let part = p.parts.get(p.part)?;
        if p.pos >= part.len() {
            p.part += 1;
            p.pos = 0;
            wide = p.byte()? & 1 != 0;
            continue;
        }
        let (s, used) = chars(&part[p.pos..], left, wide);
        if used == 0 {
            return None;
        }
        left -= if wide { used / 2 } else { used };
        out.push_str(&s);
        p.pos += used;
    }
    Some(out)
}

/// Reads the sheets whose names give them a role; hidden ones are skipped and said so.
pub(crate) fn read(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    let data = stream(file, bytes)?;
    let g = globals(file, &data, &limits)?;
    let mut book = Book {
        names: g.sheets.iter().map(|s| s.name.clone()).collect(),
        ..Book::default()
    };
    for s in g.sheets.iter().filter(|s| s.worksheet) {
        let Some(role) = sheet_role(&s.name) else {
            continue;
        };
        if s.hidden {
            book.notices.push(hidden(file, &s.name));
            continue;
        }
        let sheet = read_sheet(
            &data,
            &g,
            s,
            Origin::sheet(file, &s.name),
            limits,
            words,
            problems,
        )?;
        book.notices.extend(sheet.notices);
        book.sheets.push((role, sheet.table));
    }
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rk_numbers_decode() {
        // Integer 7, flags: integer.
        assert_eq!(rk((7 << 2) | 0x02), 7.0);
        // Integer 12345, divided by 100.
        assert_eq!(rk((12345 << 2) | 0x03), 123.45);
        // 1.0 as the top 30 bits of a double.
        assert_eq!(rk(0x3FF0_0000), 1.0);
    }

    #[test]
    fn strings_run_on_over_continue_records() {
        // "abcdef" as 8-bit characters, split after "abc"; the rest is 16-bit.
        let first: &[u8] = &[6, 0, 0, b'a', b'b', b'c'];
        let second: &[u8] = &[1, b'd', 0, b'e', 0, b'f', 0];
        let mut p = Pieces {
            parts: vec![first, second],
            part: 0,
            pos: 0,
        };
        assert_eq!(p.string().as_deref(), Some("abcdef"));
    }
}
