//! Tables as CSV text: cells that a spreadsheet cannot run as formulas, numbers with their
//! decimals, rows with their header, and the byte-order mark of files meant for people. Text
//! only: writing files is the caller's.

/// The UTF-8 byte-order mark. Excel opens a CSV file by double-click in the system's code
/// page (GBK on a Chinese Windows) unless the file starts with it; some machine readers take
/// it for part of the first column's name, so only files meant for people carry it.
pub const UTF8_BOM: &str = "\u{feff}";

/// A CSV table as the bytes of a file meant for people: [`UTF8_BOM`], then the text.
pub fn for_people(csv: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(UTF8_BOM.len() + csv.len());
    bytes.extend_from_slice(UTF8_BOM.as_bytes());
    bytes.extend_from_slice(csv.as_bytes());
    bytes
}

/// CSV text without a leading [`UTF8_BOM`] (a file parkbench wrote for people, or one a
/// spreadsheet saved as "CSV UTF-8").
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix(UTF8_BOM).unwrap_or(text)
}

/// Neutralises a text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` ...),
/// leaving numbers as they are.
pub fn csv_safe(s: &str) -> String {
    csv_safe_cell(s).into_owned()
}

/// [`csv_safe`] borrowing the text when it is safe as it is (most cells: no copy is made).
pub fn csv_safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A number for an output table: up to `decimals` decimals, trailing zeros dropped, empty
/// when missing.
pub fn num(v: Option<f64>, decimals: usize) -> String {
    num_cell(v, decimals).as_str().to_string()
}

/// [`num`] as a cell that holds its text in place (no allocation for a number of up to
/// [`NumCell::PLACE`] bytes, which every number written through an integer is): the cells of
/// the largest tables (hundreds of thousands of rows of numbers).
pub fn num_cell(v: Option<f64>, decimals: usize) -> NumCell {
    match v {
        None => NumCell::default(),
        Some(x) => {
            let mut place = [0u8; NumCell::PLACE];
            match scaled(x, decimals, &mut place) {
                Some(len) => NumCell::Short { place, len },
                None => NumCell::Long(formatted(x, decimals)),
            }
        }
    }
}

/// The text of a number ([`num_cell`]): in place, or on the heap when longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumCell {
    /// ASCII text, the first `len` bytes of `place`.
    Short {
        place: [u8; NumCell::PLACE],
        len: u8,
    },
    Long(String),
}

impl NumCell {
    /// The bytes a number's text is held in in place.
    pub const PLACE: usize = 24;

    pub fn as_str(&self) -> &str {
        match self {
            // ASCII digits, a sign and a point.
            NumCell::Short { place, len } => {
                std::str::from_utf8(&place[..*len as usize]).unwrap_or_default()
            }
            NumCell::Long(s) => s,
        }
    }
}

impl Default for NumCell {
    /// Empty: a missing number.
    fn default() -> Self {
        NumCell::Short {
            place: [0; NumCell::PLACE],
            len: 0,
        }
    }
}

impl serde::Serialize for NumCell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// [`num`] of a number by Rust's exact formatting: rounded from the number's exact binary
/// value.
fn formatted(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Powers of ten a number is scaled by in [`scaled`]: each is exact in binary.
const TENS: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/// [`formatted`] by an integer, when that is sure to give the same text: the number times
/// 10^`decimals` is within half a unit in the last place of its exact value, so it rounds to
/// the same integer unless it lies that close to a half, when None is given (as for numbers too
/// large for an integer, infinities and NaN). Exact formatting is most of the time of writing a
/// programme's tables of numbers. The text is written to the start of `out`; its length is
/// given.
fn scaled(x: f64, decimals: usize, out: &mut [u8; NumCell::PLACE]) -> Option<u8> {
    let y = x * TENS.get(decimals)?;
    // Below 2^52 every half is representable, so `y - y.round()` is exact (NaN is not below).
    if y.is_nan() || y.abs() >= (1u64 << 52) as f64 {
        return None;
    }
    let r = y.round();
    let off = (y - r).abs();
    if (0.5 - off).abs() <= y.abs() * f64::EPSILON {
        return None;
    }
    let n = r.abs() as u64;
    if n == 0 {
        out[0] = b'0';
        return Some(1);
    }
    // The digits of `n`, at least one before the point: below 2^52, 16 digits at most.
    let mut digits = [b'0'; 24];
    let mut at = digits.len();
    let mut rest = n;
    while rest > 0 {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    let digits = &digits[at.min(digits.len() - decimals - 1)..];
    let (whole, fraction) = digits.split_at(digits.len() - decimals);
    let fraction = &fraction[..fraction
        .iter()
        .rposition(|&d| d != b'0')
        .map_or(0, |i| i + 1)];
    // A sign, 16 digits and a point at most (below 2^52, at most 9 decimals): in place.
    let mut len = 0;
    let mut put = |bytes: &[u8]| {
        out[len..len + bytes.len()].copy_from_slice(bytes);
        len += bytes.len();
    };
    if r < 0.0 {
        put(b"-");
    }
    put(whole);
    if !fraction.is_empty() {
        put(b".");
        put(fraction);
    }
    Some(len as u8)
}

/// Rows as CSV with their header (the header alone when there are no rows).
pub fn rows_csv<T: serde::Serialize + Default>(rows: impl IntoIterator<Item = T>) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only on a row serde cannot write as CSV, which the row types
    // of this crate are not.
    let _ = write_rows(&mut out, rows);
    String::from_utf8(out).unwrap_or_default()
}

/// [`rows_csv`] written to `w` as the rows come, without the table in memory (a table of
/// hundreds of thousands of rows goes to its file a buffer at a time).
pub fn write_rows<T: serde::Serialize + Default>(
    w: impl std::io::Write,
    rows: impl IntoIterator<Item = T>,
) -> std::io::Result<()> {
    let mut out = RowWriter::new(w);
    for r in rows {
        out.push(r)?;
    }
    out.finish()
}

/// A CSV table written a row at a time, as the rows are made (in batches, by a caller that
/// makes them in parts); [`RowWriter::finish`] writes the header of a table without rows.
pub struct RowWriter<W: std::io::Write, T> {
    w: csv::Writer<W>,
    any: bool,
    row: std::marker::PhantomData<fn(T)>,
}

impl<W: std::io::Write, T: serde::Serialize + Default> RowWriter<W, T> {
    pub fn new(w: W) -> Self {
        RowWriter {
            w: csv::Writer::from_writer(w),
            any: false,
            row: std::marker::PhantomData,
        }
    }

    /// Writes a row (the header with the first).
    pub fn push(&mut self, row: T) -> std::io::Result<()> {
        self.any = true;
        Ok(self.w.serialize(row)?)
    }

    /// Flushes the table; a table without rows gets its header.
    pub fn finish(self) -> std::io::Result<()> {
        let mut w = self.w;
        if self.any {
            return w.flush();
        }
        let mut w = w.into_inner().map_err(|e| e.into_error())?;
        w.write_all(&header::<T>()?)?;
        w.flush()
    }
}

/// The header line of a table of `T` rows, as the csv crate writes it with the first row.
fn header<T: serde::Serialize + Default>() -> std::io::Result<Vec<u8>> {
    let mut h = csv::Writer::from_writer(Vec::new());
    h.serialize(T::default())?;
    let mut text = h.into_inner().map_err(|e| e.into_error())?;
    let end = text
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| i + 1);
    text.truncate(end);
    Ok(text)
}

/// Chunks of a table made and written as CSV at once ([`write_chunks`]), per core.
const CHUNKS_PER_CORE: usize = 4;

/// [`write_rows`] for a table in chunks: each chunk's rows are made by `rows` and written as
/// CSV text on every core, and the texts go to `w` in the chunks' order, a few chunks per core
/// at a time. The bytes are those of [`write_rows`] on the rows in order (a CSV cell is quoted
/// by its own text only), made on both cores: for the largest tables (a row per park, year,
/// measure and peer group), whose numbers and quoting are most of their writing.
pub fn write_chunks<C: Send, I: IntoIterator<Item = T>, T: serde::Serialize + Default>(
    mut w: impl std::io::Write,
    chunks: impl IntoIterator<Item = C>,
    rows: impl Fn(C) -> I + Sync,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    w.write_all(&header::<T>()?)?;
    // Each chunk's text made with the room of the largest before it (chunks are alike): not
    // grown by doubling, a copy and fresh pages each time.
    let largest = std::sync::atomic::AtomicUsize::new(0);
    let text = |chunk: C| -> std::io::Result<Vec<u8>> {
        let room = largest.load(std::sync::atomic::Ordering::Relaxed);
        let mut out = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(room));
        for row in rows(chunk) {
            out.serialize(row)?;
        }
        let text = out.into_inner().map_err(|e| e.into_error())?;
        largest.fetch_max(text.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(text)
    };
    let at_once = CHUNKS_PER_CORE * rayon::current_num_threads().max(1);
    let mut chunks = chunks.into_iter().peekable();
    while chunks.peek().is_some() {
        let window: Vec<C> = chunks.by_ref().take(at_once).collect();
        let texts: Vec<std::io::Result<Vec<u8>>> = window.into_par_iter().map(text).collect();
        for t in texts {
            w.write_all(&t?)?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, Default)]
    struct Row {
        park_id: String,
        value: String,
    }

    /// The quick way gives Rust's exact formatting's text, or leaves the number to it: ties and
    /// numbers next to them in binary, negative zeros, the largest integers, too many decimals.
    #[test]
    fn numbers_by_integer_are_numbers_by_exact_formatting() {
        let cases = [
            (0.125, 2),
            (0.375, 2),
            (2.5, 0),
            (-2.5, 0),
            (1.005, 2),
            (-0.000_04, 4),
            (-0.000_05, 4),
            (-0.0, 3),
            (0.0, 0),
            (1e-300, 6),
            (4_503_599_627_370_495.0, 0),
            (4_503_599_627_370_497.0, 1),
            (123_456.789, 9),
            (0.1, 10),
            (f64::NAN, 2),
            (f64::INFINITY, 2),
            (f64::NEG_INFINITY, 0),
            (41.999_999_999_999_99, 4),
            (4.137_88, 5),
        ];
        for (x, d) in cases {
            assert_eq!(num(Some(x), d), formatted(x, d), "{x:e} to {d} decimals");
        }
        // An exact tie goes to the even digit, as Rust formats it.
        assert_eq!(num(Some(0.125), 2), "0.12");
        assert_eq!(num(Some(-0.000_04), 4), "0");
        assert_eq!(num(Some(1_234.5), 4), "1234.5");
        assert_eq!(num(Some(-3.0), 2), "-3");
        assert_eq!(num(Some(0.000_7), 3), "0.001");
        assert_eq!(num(None, 2), "");
        // The quick way is taken for ordinary figures (else this test would test nothing),
        // and its text is held in place.
        let quick = |x: f64, d: usize| {
            let mut place = [0; NumCell::PLACE];
            scaled(x, d, &mut place).map(|n| String::from_utf8(place[..n as usize].to_vec()))
        };
        assert_eq!(quick(4.137_88, 5), Some(Ok("4.13788".to_string())));
        assert_eq!(quick(-1_234_567.25, 9), Some(Ok("-1234567.25".into())));
        assert_eq!(quick(0.125, 2), None);
        assert!(matches!(
            num_cell(Some(4.137_88), 5),
            NumCell::Short { len: 7, .. }
        ));
        assert_eq!(num_cell(Some(0.125), 2), NumCell::Long("0.12".into()));
        assert_eq!(num_cell(None, 2).as_str(), "");
    }

    proptest::proptest! {
        /// Any number at any number of decimals: the same text either way.
        #[test]
        fn any_number_by_integer_is_its_exact_formatting(bits: u64, d in 0usize..12) {
            let x = f64::from_bits(bits);
            proptest::prop_assert_eq!(num(Some(x), d), formatted(x, d));
        }

        /// Figures as tables hold them (a few digits either side of the point), where the
        /// quick way is taken.
        #[test]
        fn table_figures_by_integer_are_their_exact_formatting(
            m in -10_000_000i64..10_000_000,
            e in -9i32..9,
            d in 0usize..10,
        ) {
            let x = m as f64 * 10f64.powi(e) / 7.0;
            proptest::prop_assert_eq!(num(Some(x), d), formatted(x, d));
        }
    }

    /// A table with no rows is its header; rows come after it, quoted where they must be; the
    /// text and the streamed bytes are the same.
    #[test]
    fn rows_are_written_with_their_header_and_an_empty_table_is_its_header() {
        assert_eq!(rows_csv(Vec::<Row>::new()), "park_id,value\n");
        let rows = || {
            [("P1", "1.5"), ("P,2", "say \"x\"")].map(|(p, v)| Row {
                park_id: p.into(),
                value: v.into(),
            })
        };
        let text = rows_csv(rows());
        assert_eq!(text, "park_id,value\nP1,1.5\n\"P,2\",\"say \"\"x\"\"\"\n");
        let mut streamed = Vec::new();
        write_rows(&mut streamed, rows()).unwrap();
        assert_eq!(streamed, text.as_bytes());
        let mut empty = Vec::new();
        write_rows(&mut empty, Vec::<Row>::new()).unwrap();
        assert_eq!(empty, b"park_id,value\n");
    }

    /// A table written in chunks on every core is the table written row by row, whatever the
    /// chunks (empty ones, one row, more chunks than are written at once), and a table of no
    /// chunks or only empty ones is its header.
    #[test]
    fn a_table_written_in_chunks_is_the_table_written_row_by_row() {
        let row = |i: usize| Row {
            park_id: format!("P{i}"),
            value: match i % 4 {
                0 => "1.5".into(),
                1 => "a,b".into(),
                2 => "say \"x\"".into(),
                _ => String::new(),
            },
        };
        let whole = rows_csv((0..100).map(row));
        for size in [1, 3, 7, 100, 1000] {
            let mut chunked = Vec::new();
            let starts = (0..100).step_by(size);
            write_chunks(&mut chunked, starts, |s| (s..(s + size).min(100)).map(row)).unwrap();
            assert_eq!(
                String::from_utf8(chunked).unwrap(),
                whole,
                "chunks of {size}"
            );
        }
        let mut gaps = Vec::new();
        let chunks = [0..0, 0..10, 10..10, 10..60, 60..100, 100..100];
        write_chunks(&mut gaps, chunks, |r| r.map(row)).unwrap();
        assert_eq!(String::from_utf8(gaps).unwrap(), whole);
        for none in [vec![], vec![0..0, 5..5]] {
            let mut empty = Vec::new();
            write_chunks(&mut empty, none, |r| r.map(row)).unwrap();
            assert_eq!(empty, b"park_id,value\n");
        }
    }
}
