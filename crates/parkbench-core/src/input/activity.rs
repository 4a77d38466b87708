//! Activity files, long (`park_id, year, metric, value, unit[, period, quality, note]`) or wide
//! (`park_id, year[, period], <metric> [<unit>], ...`): each cell checked and converted to the
//! metric's canonical unit. Both layouts produce the same [`Row`]s.

use super::is_missing_token;
use super::table::{Table, TextColumn};
use crate::diag::Diagnostic;
use crate::reference::{Metric, Vocabulary};
use crate::units::{NumberError, Unit, parse_number, unit_key};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// One activity quantity, converted to the metric's canonical unit. Its park and enterprise
/// are named by number in its [`Part`]'s lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Index into the part's [`Part::parks`].
    pub park: u32,
    pub year: i32,
    /// Index into [`Vocabulary::order`].
    pub metric: u16,
    /// None when the operator wrote a missing-value token.
    pub value: Option<f64>,
    /// 1-12 for monthly rows.
    pub month: Option<u8>,
    /// The evidence the value rests on (the `evidence` column, else `quality`).
    pub grade: Grade,
    /// The enterprise the row is of (the `enterprise_id` column): 1 + index into the part's
    /// [`Part::enterprises`]; 0: the park's own row.
    pub enterprise: u32,
    /// 1-based column of the enterprise cell (0 without one).
    pub enterprise_column: u16,
    /// Index of the file in the dataset's file list.
    pub file: u16,
    pub line: u32,
    /// 1-based column of the value cell.
    pub column: u16,
}

/// The evidence a value rests on, as the national programme's acceptance grades it: `A`
/// metered or invoiced, `B` recomputed from metered data, `C` an estimate or proxy, `D` missing
/// (a gap filled without data). The `quality` column maps to it: measured -> A, estimated -> C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub enum Grade {
    #[default]
    A,
    B,
    C,
    D,
}

impl Grade {
    pub const ALL: [Grade; 4] = [Grade::A, Grade::B, Grade::C, Grade::D];

    /// `A`-`D`.
    pub fn id(self) -> &'static str {
        ["A", "B", "C", "D"][self as usize]
    }

    /// An estimate, a proxy or a gap (C or D): what acceptance does not take as proof.
    pub fn low(self) -> bool {
        self >= Grade::C
    }

    /// `A`-`D` (either case, full-width too), or None.
    pub fn parse(raw: &str) -> Option<Grade> {
        let t = raw.trim();
        let t = t
            .strip_suffix('级')
            .or_else(|| t.strip_suffix("类"))
            .unwrap_or(t);
        match t {
            "A" | "a" | "Ａ" | "ａ" => Some(Grade::A),
            "B" | "b" | "Ｂ" | "ｂ" => Some(Grade::B),
            "C" | "c" | "Ｃ" | "ｃ" => Some(Grade::C),
            "D" | "d" | "Ｄ" | "ｄ" => Some(Grade::D),
            _ => None,
        }
    }
}

/// The rows of a part of a table and the parks and enterprises they name, by number: a row
/// holds two numbers where it held two shared strings, whose counts every row changed (on
/// each core that made or dropped it) and whose addresses were hashed to find their park.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Part {
    pub rows: Vec<Row>,
    /// Parks named by [`Row::park`] (a park whose rows are not together may be named twice).
    pub parks: Vec<std::sync::Arc<str>>,
    /// Enterprises named by [`Row::enterprise`] (each cell text once: cells that differ, such as
    /// a code in either case, may name the same id).
    pub enterprises: Vec<std::sync::Arc<str>>,
}

impl Part {
    /// The park of a row of this part.
    pub fn park(&self, r: &Row) -> &std::sync::Arc<str> {
        &self.parks[r.park as usize]
    }

    /// The enterprise of a row of this part (None: the park's own row).
    pub fn enterprise(&self, r: &Row) -> Option<&std::sync::Arc<str>> {
        (r.enterprise as usize)
            .checked_sub(1)
            .map(|e| &self.enterprises[e])
    }

    /// Parts one after another, as one (their rows renumbered into the joined lists).
    pub fn concat(parts: Vec<Part>) -> Part {
        let mut all = Part::default();
        for p in parts {
            let (parks, firms) = (all.parks.len() as u32, all.enterprises.len() as u32);
            all.rows.extend(p.rows.into_iter().map(|mut r| {
                r.park += parks;
                if r.enterprise > 0 {
                    r.enterprise += firms;
                }
                r
            }));
            all.parks.extend(p.parks);
            all.enterprises.extend(p.enterprises);
        }
        all
    }

    /// Each row with its park's and enterprise's text (its numbers set to 0): rows compared
    /// whatever parts they came in.
    #[cfg(test)]
    pub(crate) fn named(&self) -> Vec<(String, Option<String>, Row)> {
        self.rows
            .iter()
            .map(|r| {
                let names = (
                    self.park(r).to_string(),
                    self.enterprise(r).map(|e| e.to_string()),
                );
                (
                    names.0,
                    names.1,
                    Row {
                        park: 0,
                        enterprise: 0,
                        ..r.clone()
                    },
                )
            })
            .collect()
    }
}

/// The enterprises of a part's rows: each cell's text made an id once, and rows naming the same
/// enterprise share its number in the part's list (rows of an enterprise often come in runs,
/// and a park's rows name its enterprises in turn, month by month).
#[derive(Default)]
struct Enterprises<'t> {
    /// The ids, in the order first named.
    ids: Vec<std::sync::Arc<str>>,
    /// The last cell's text and the number it gave (1 + index into `ids`).
    last: Option<(&'t str, u32)>,
    seen: FxHashMap<&'t str, u32>,
    /// Ids by the address and length of their cell's text, for a column whose cells of the same
    /// text share it ([`TextColumn::shares_text`]): found without hashing the text (a national
    /// tree's rows name a new enterprise on nearly every row). Equal addresses and lengths are
    /// the same bytes while the table lives, which the cells' lifetime guarantees.
    by_address: Option<FxHashMap<(usize, usize), u32>>,
}

/// Addresses kept per enterprise id seen, and at least, before [`Enterprises`] stops finding
/// ids by address (a column whose cells do not share their text). Memory tuning, not a domain
/// figure: a dictionary column has one address per id.
const ADDRESSES_PER_ENTERPRISE: usize = 4;
const ADDRESSES_AT_LEAST: usize = 1024;

impl<'t> Enterprises<'t> {
    /// For the cells of `column` (None: the table has no enterprise column).
    fn of_column(column: Option<&TextColumn>) -> Self {
        Enterprises {
            by_address: column
                .is_some_and(TextColumn::shares_text)
                .then(FxHashMap::default),
            ..Enterprises::default()
        }
    }

    /// The enterprise of a cell, as [`Row::enterprise`] numbers it (0: the park's own row).
    fn of(&mut self, raw: &'t str) -> u32 {
        let address = (raw.as_ptr() as usize, raw.len());
        if let Some(&id) = self.by_address.as_ref().and_then(|m| m.get(&address)) {
            return id;
        }
        let raw = raw.trim();
        if raw.is_empty() {
            return 0;
        }
        let id = match self.last {
            Some((cell, id)) if cell == raw => id,
            _ => {
                let ids = &mut self.ids;
                let id = *self.seen.entry(raw).or_insert_with(|| {
                    ids.push(enterprise_id(raw).into());
                    ids.len() as u32
                });
                self.last = Some((raw, id));
                id
            }
        };
        if let Some(m) = &mut self.by_address {
            m.insert(address, id);
            // Cells that do not share their text (short ones, which polars keeps in the cell
            // itself, or a column written without a dictionary) each add an address: past a
            // few per enterprise the addresses are let go and the text look-up alone is used.
            if m.len() > ADDRESSES_PER_ENTERPRISE * self.seen.len() + ADDRESSES_AT_LEAST {
                self.by_address = None;
            }
        }
        id
    }
}

/// An enterprise id as a cell writes it; an 18-character code in upper case (codes are
/// written in either case; the check is on the upper case).
fn enterprise_id(raw: &str) -> String {
    if raw.len() == 18 && raw.is_ascii() {
        raw.to_ascii_uppercase()
    } else {
        raw.to_string()
    }
}

/// The warning for a totals row (a row whose park or metric is 合计, Total ...).
pub fn totals_warning(
    at: &crate::diag::Origin,
    line: usize,
    column: usize,
    raw: &str,
) -> Diagnostic {
    Diagnostic::warning(at, line, column, t!("diag.totals_row"))
        .value(raw)
        .expected(t!("diag.expected.one_row_per_metric"))
        .hint(t!("diag.hint.totals_row"))
}

/// Reporting years accepted, in activity files and in the portal.
pub const YEARS: std::ops::RangeInclusive<i32> = 1990..=2100;

/// Is this table in the wide layout (no `metric` column)?
pub fn is_wide(t: &Table) -> bool {
    t.col("metric").is_none() && t.header.iter().any(|h| split_wide_header(h).is_some())
}

/// `natural_gas [万m3]`, `natural_gas (万m3)`, `天然气（万立方米）` -> (name, unit): the unit is
/// the last bracketed group, so a name with brackets of its own keeps them
/// (`电网购电（不含绿电属性）（万kWh）`).
pub fn split_wide_header(h: &str) -> Option<(&str, &str)> {
    let h = h.trim();
    let close = h.chars().last()?;
    let open = match close {
        ']' => '[',
        ')' => '(',
        '）' => '（',
        '】' => '【',
        _ => return None,
    };
    let body = &h[..h.len() - close.len_utf8()];
    // The opening bracket that matches the last closing one.
    let mut depth = 0;
    for (i, c) in body.char_indices().rev() {
        if c == close {
            depth += 1;
        } else if c == open {
            if depth == 0 {
                let name = body[..i].trim();
                return (!name.is_empty()).then(|| (name, body[i + open.len_utf8()..].trim()));
            }
            depth -= 1;
        }
    }
    None
}

/// A wide header cell as (metric name, unit): the whole cell when it names a metric (a unit
/// row below gives the unit, else there is none), else split at its last bracketed group.
fn wide_header<'h>(h: &'h str, vocab: &Vocabulary) -> (&'h str, &'h str) {
    if vocab.metric_index(h).is_some() {
        return (h.trim(), "");
    }
    split_wide_header(h).unwrap_or((h, ""))
}

/// The required columns the table lacks (for its layout).
pub fn missing_columns(t: &Table) -> Vec<&'static str> {
    let mut required = vec!["park_id", "year"];
    if !is_wide(t) {
        required.extend(["metric", "value", "unit"]);
    }
    required.retain(|c| t.col(c).is_none());
    required
}

/// What a row's cells but its value and enterprise resolved to.
#[derive(Clone, Copy)]
struct Resolved<'c> {
    park: &'c str,
    park_id: u32,
    year: i32,
    metric: (u16, &'c Metric),
    unit: &'c Unit,
    month: Option<u8>,
    grade: Option<Grade>,
}

struct Ctx<'a> {
    t: &'a Table,
    vocab: &'a Vocabulary,
    file_index: u16,
    /// The canonical unit of each metric, by index into [`Vocabulary::order`].
    canonical: Vec<Option<&'a Unit>>,
    /// How the period column writes dates with the year last: decided from the whole column
    /// the first time a cell has a slash (most columns have none, and are never looked over).
    slash: std::sync::OnceLock<SlashDates>,
    /// Parts, and repeated rows ([`Checking`]).
    checking: Checking,
    /// Where each part's row vector comes from.
    spare: &'a SpareRows,
}

/// Row vectors whose rows were taken (added to the collector), kept for the next parts to
/// fill: a part's rows are then written into memory the process already has, instead of pages
/// the system must give and zero for each part (a quarter of the CPU of `score` on a national
/// tree was the system zeroing pages, a third of that for new row vectors). Holds at most its
/// bound, of vectors of at most [`SpareRows::LARGEST`] rows (a wide table's part, or a piece
/// checked in one pass, is let go); a vector too small for the part asked for is not used.
pub struct SpareRows {
    held: std::sync::Mutex<Vec<Vec<Row>>>,
    bound: usize,
}

impl SpareRows {
    /// Rows of the largest vector kept: twice a part's.
    pub const LARGEST: usize = 2 * PART_ROWS;

    /// Keeps at most `bound` vectors (0: none, every part's vector is new).
    pub fn holding(bound: usize) -> Self {
        SpareRows {
            held: std::sync::Mutex::new(Vec::with_capacity(bound)),
            bound,
        }
    }

    /// An empty vector with room for `rows` rows: a spare one when one is that large.
    pub fn take(&self, rows: usize) -> Vec<Row> {
        let spare = self.held.lock().ok().and_then(|mut held| held.pop());
        match spare {
            Some(v) if v.capacity() >= rows => v,
            _ => Vec::with_capacity(rows),
        }
    }

    /// Keeps `rows`' memory (its rows dropped) for a later [`SpareRows::take`], when fewer
    /// than the bound are held and it is no larger than [`SpareRows::LARGEST`].
    pub fn give(&self, mut rows: Vec<Row>) {
        if rows.capacity() > Self::LARGEST {
            return;
        }
        rows.clear();
        if let Ok(mut held) = self.held.lock()
            && held.len() < self.bound
        {
            held.push(rows);
        }
    }

    /// Vectors held.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.lock().map_or(0, |held| held.len())
    }

    /// Lets every held vector go (when reading is over).
    pub fn clear(&self) {
        if let Ok(mut held) = self.held.lock() {
            *held = Vec::new();
        }
    }
}

/// How a period column writes dates with the year last (`1/31/2022`, `31/1/2022`, as
/// spreadsheets in the United States and Britain export date cells): decided from the whole
/// column, never from one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashDates {
    /// `3/1/2022` is March (a day above 12 in the second place, or every day the 1st).
    MonthFirst,
    /// `1/3/2022` is March.
    DayFirst,
    /// Nothing in the column tells (`2/1/2022` and `3/4/2022`), or it says both.
    Unknown,
}

impl SlashDates {
    /// Looks at every `a/b/yyyy` cell of a column.
    pub fn of<'c>(cells: impl Iterator<Item = &'c str>) -> SlashDates {
        let (mut a_big, mut b_big, mut b_one, mut a_one, mut any) =
            (false, false, true, true, false);
        for c in cells {
            // Most cells are no such date (`2024-01`); they are passed over without splitting.
            if memchr::memchr(b'/', c.as_bytes()).is_none() {
                continue;
            }
            let mut p = c.trim().split(' ').next().unwrap_or("").split('/');
            let (Some(a), Some(b), Some(y), None) = (p.next(), p.next(), p.next(), p.next()) else {
                continue;
            };
            let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else {
                continue;
            };
            if y.len() != 4 {
                continue;
            }
            any = true;
            a_big |= a > 12;
            b_big |= b > 12;
            b_one &= b == 1;
            a_one &= a == 1;
        }
        match (a_big, b_big) {
            (true, false) => SlashDates::DayFirst,
            (false, true) => SlashDates::MonthFirst,
            (true, true) => SlashDates::Unknown,
            (false, false) if !any || b_one => SlashDates::MonthFirst,
            (false, false) if a_one => SlashDates::DayFirst,
            (false, false) => SlashDates::Unknown,
        }
    }

    /// `3/1/2022` as `2022-03-01` in this column's order; None when the cell is no such date.
    fn reorder(self, raw: &str) -> Option<Result<String, ()>> {
        let (date, time) = match raw.trim().split_once(' ') {
            Some((d, t)) => (d, Some(t)),
            None => (raw.trim(), None),
        };
        let mut p = date.split('/');
        let (Some(a), Some(b), Some(y), None) = (p.next(), p.next(), p.next(), p.next()) else {
            return None;
        };
        if y.len() != 4 {
            return None;
        }
        let (m, d) = match self {
            SlashDates::MonthFirst => (a, b),
            SlashDates::DayFirst => (b, a),
            SlashDates::Unknown => return Some(Err(())),
        };
        let time = time.map(|t| format!(" {t}")).unwrap_or_default();
        Some(Ok(format!("{y}-{m:0>2}-{d:0>2}{time}")))
    }
}

/// `s.trim()`, without looking at characters when both ends are visible ASCII (most cells):
/// such an end cannot be, or be part of, white space.
fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// A cell's text for a problem's message: as read, or a typed number's cell (written when a
/// message needs it).
#[derive(Clone, Copy)]
enum Raw<'t> {
    Text(&'t str),
    Cell(Option<usize>, usize),
}

impl Raw<'_> {
    fn text(self, ctx: &Ctx<'_>) -> String {
        match self {
            Raw::Text(s) => s.to_string(),
            Raw::Cell(col, row) => ctx.cell_text(col, row).into_owned(),
        }
    }
}

/// Answers found for keys (a cell's text), the last one asked first: cells of a column come in
/// runs (a national tree's metric, unit and period change every few hundred rows), and a run is
/// then passed with one comparison per row instead of a hash and a look-up.
struct Known<K, V> {
    last: Option<(K, V)>,
    all: FxHashMap<K, V>,
}

impl<K, V> Default for Known<K, V> {
    fn default() -> Self {
        Known {
            last: None,
            all: FxHashMap::default(),
        }
    }
}

impl<K: Copy + Eq + std::hash::Hash, V: Copy> Known<K, V> {
    fn get(&mut self, key: K) -> Option<V> {
        if let Some((k, v)) = self.last
            && k == key
        {
            return Some(v);
        }
        let v = *self.all.get(&key)?;
        self.last = Some((key, v));
        Some(v)
    }

    fn insert(&mut self, key: K, value: V) {
        self.all.insert(key, value);
        self.last = Some((key, value));
    }
}

/// The parks of a part's rows, in the order named (a park named again after another is named
/// twice), and the last park cell's text and number.
#[derive(Default)]
struct Parks<'t> {
    ids: Vec<std::sync::Arc<str>>,
    last: Option<(&'t str, u32)>,
}

impl Parks<'_> {
    /// Is `raw` the last park cell's text?
    fn is_last(&self, raw: &str) -> bool {
        matches!(self.last, Some((cell, _)) if cell == raw)
    }
}

/// Where a cell is: its line, column and the park of its row.
#[derive(Clone, Copy)]
struct At<'p> {
    line: usize,
    col: Option<usize>,
    park: &'p str,
}

/// Reads every row of an activity table, pushing every problem to `diags`. A table of many
/// rows is checked in parts of [`PART_ROWS`] on every core, with the rows and problems of one
/// pass.
pub fn read_activity(
    t: &Table,
    file_index: u16,
    vocab: &Vocabulary,
    diags: &mut crate::diag::Report,
) -> Part {
    let none = SpareRows::holding(0);
    Part::concat(read_activity_in_parts(
        t,
        file_index,
        vocab,
        diags,
        Checking::default(),
        &none,
    ))
}

/// [`read_activity`] as the rows of its parts, in order: for a caller that takes them a part
/// at a time, so that no copy of all the rows is ever made. Each part's vector is taken from
/// `spare` when it holds one large enough (the caller may give it back once its rows are
/// taken).
pub fn read_activity_parts(
    t: &Table,
    file_index: u16,
    vocab: &Vocabulary,
    diags: &mut crate::diag::Report,
    spare: &SpareRows,
) -> Vec<Part> {
    read_activity_in_parts(t, file_index, vocab, diags, Checking::default(), spare)
}

/// How a table's rows are checked.
#[derive(Debug, Clone, Copy)]
struct Checking {
    /// Rows checked together on one core.
    part_rows: usize,
    /// A row whose cells but its value and enterprise are surely the row before's, after a row
    /// those cells made no problem for, is taken as that row's again (always; tests hold the
    /// two ways equal).
    repeats: bool,
}

impl Default for Checking {
    fn default() -> Self {
        Checking {
            part_rows: PART_ROWS,
            repeats: true,
        }
    }
}

fn read_activity_in_parts(
    t: &Table,
    file_index: u16,
    vocab: &Vocabulary,
    diags: &mut crate::diag::Report,
    checking: Checking,
    spare: &SpareRows,
) -> Vec<Part> {
    let canonical = vocab
        .order
        .iter()
        .map(|id| {
            let m = &vocab.metrics[id];
            vocab.units.find(&m.dimension, &m.canonical)
        })
        .collect();
    let cx = Ctx {
        t,
        vocab,
        file_index,
        canonical,
        slash: std::sync::OnceLock::new(),
        checking,
        spare,
    };
    super::table::ragged_rows(t, diags);
    let wide = is_wide(t);
    let missing = missing_columns(t);
    if !missing.is_empty() {
        diags.push(
            Diagnostic::error(
                &t.origin,
                t.header_line as usize,
                0,
                t!(
                    "diag.missing_columns",
                    n = missing.len(),
                    columns = missing
                        .iter()
                        .map(|m| format!("\"{m}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .expected(t!("diag.expected.activity_header"))
            .value(t.header.join(&*String::from(t.delimiter as char)))
            .hint(t!(
                "diag.hint.read_as",
                encoding = t.encoding,
                delimiter = super::table::delimiter_name(t.delimiter)
            )),
        );
        return Vec::new();
    }
    if wide {
        let columns = cx.metric_columns(diags);
        cx.in_parts(diags, |rows, d| cx.wide(&columns, rows, d))
    } else {
        cx.in_parts(diags, |rows, d| cx.long(rows, d))
    }
}

/// The columns a long table's rows are checked by, in the order the check takes them: the
/// only ones a long Parquet table decodes (`parquet::read_pieces_of`).
pub const LONG_COLUMNS: [&str; 9] = [
    "park_id",
    "year",
    "metric",
    "value",
    "unit",
    "period",
    "quality",
    "evidence",
    "enterprise_id",
];

/// Rows of a table checked together on one core; a bigger table is checked in parts of about
/// this many rows on every core.
pub const PART_ROWS: usize = 1 << 16;

/// The metric columns of a wide table: column, metric number, metric and unit.
type MetricColumns<'v> = Vec<(usize, u16, &'v Metric, &'v Unit)>;

impl<'a> Ctx<'a> {
    /// Runs `check` over the rows of the table, in parts on every core when there are many,
    /// and gives the rows and problems in the table's order, the same as one pass would: each
    /// part's problems are absorbed into `diags` in order ([`crate::diag::Report::absorb`]).
    /// When that could not be exact (more kinds of problem than are counted apart), the table
    /// is checked again in one pass.
    fn in_parts(
        &self,
        diags: &mut crate::diag::Report,
        check: impl Fn(std::ops::Range<usize>, &mut crate::diag::Report) -> Part + Sync,
    ) -> Vec<Part> {
        use rayon::prelude::*;
        let (n, size) = (self.t.rows(), self.checking.part_rows.max(1));
        let parts = n.div_ceil(size);
        if parts < 2 || rayon::current_num_threads() < 2 {
            return vec![check(0..n, diags)];
        }
        let done: Vec<(Part, crate::diag::Report)> = (0..parts)
            .into_par_iter()
            .map(|p| {
                let mut d = diags.part();
                let rows = check(p * size..((p + 1) * size).min(n), &mut d);
                (rows, d)
            })
            .collect();
        let (rows, reports): (Vec<Part>, Vec<crate::diag::Report>) = done.into_iter().unzip();
        if !diags.absorbs_exactly(&reports) {
            rows.into_iter().for_each(|p| self.spare.give(p.rows));
            return vec![check(0..n, diags)];
        }
        for r in reports {
            diags.absorb(r);
        }
        rows
    }

    fn cell(&self, col: Option<usize>, row: usize) -> &str {
        col.and_then(|c| self.t.columns[c].get(row))
            .map(trimmed)
            .unwrap_or("")
    }

    /// The cell as [`Ctx::cell`] gives it, without writing the text of a column of numbers
    /// (the one cell's is written).
    fn cell_text(&self, col: Option<usize>, row: usize) -> Cow<'_, str> {
        match col.and_then(|c| self.t.columns[c].text(row)) {
            Some(Cow::Borrowed(s)) => Cow::Borrowed(trimmed(s)),
            Some(Cow::Owned(s)) => Cow::Owned(s),
            None => Cow::Borrowed(""),
        }
    }

    /// The number a cell of a column of numbers reads as ([`TextColumn::number`]); None for
    /// text, which is read as text.
    fn number(&self, col: Option<usize>, row: usize) -> Option<f64> {
        // A number is what its text reads as with the decimal point (Parquet's tables have it).
        debug_assert!(
            col.is_none_or(|c| self.t.columns[c].number(row).is_none())
                || self.t.decimal == crate::units::DecimalMark::Point
        );
        col.and_then(|c| self.t.columns[c].number(row))
    }

    /// [`Ctx::year`] of the cell at `row` of `col`: a number typed as one is taken as it is when
    /// it is a year read (the answer its text would give); otherwise its text is read.
    fn year_at(
        &self,
        (col, row): (Option<usize>, usize),
        line: usize,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<i32> {
        if let Some(y) = self.number(col, row).and_then(super::table::whole)
            && let Ok(y) = i32::try_from(y)
            && YEARS.contains(&y)
        {
            return Some(y);
        }
        self.year(&self.cell_text(col, row), line, col, park, diags)
    }

    /// [`Ctx::value`] of the cell at `at`'s row: a number typed as one is checked as it is (its
    /// text is written only for a problem's message).
    fn value_at(
        &self,
        row: usize,
        metric: (u16, &Metric, &Unit),
        at: At<'_>,
        diags: &mut crate::diag::Report,
    ) -> Option<Option<f64>> {
        match self.number(at.col, row) {
            Some(v) => self.checked(v, Raw::Cell(at.col, row), metric, at, diags),
            None => self.value(&self.cell_text(at.col, row), metric, at, diags),
        }
    }

    fn long(&self, range: std::ops::Range<usize>, diags: &mut crate::diag::Report) -> Part {
        let t = self.t;
        // Every column read here is named by LONG_COLUMNS (a Parquet file decodes no other).
        let [
            c_park,
            c_year,
            c_metric,
            c_value,
            c_unit,
            c_period,
            c_quality,
            c_evidence,
            c_enterprise,
        ] = LONG_COLUMNS.map(|c| t.col(c));
        let mut enterprises = Enterprises::of_column(c_enterprise.map(|c| &t.columns[c]));
        let mut periods = Known::default();
        let mut rows = self.spare.take(range.len());
        // Metric names and units repeat on every row: each distinct cell text that resolves is
        // looked up once (text that does not resolve takes the full path, for its diagnostic).
        let mut metrics: Known<&str, (u16, &Metric)> = Known::default();
        let mut units: Known<(u16, &str), &Unit> = Known::default();
        let mut parks = Parks::default();
        // Rows whose cells other than the value and the enterprise are surely the row before's
        // (a national tree's rows differ by enterprise, row after row): such a row after one
        // those cells made no problem for is that row's again, with its own value.
        // (The period first: where it changes row after row, as in a file of a park's months,
        // one pass finds no row the same.)
        let key = [
            c_period, c_metric, c_park, c_year, c_unit, c_quality, c_evidence,
        ];
        let start = range.start;
        let mut same = vec![self.checking.repeats; range.len()];
        if let Some(first) = same.first_mut() {
            *first = false;
        }
        for &c in key.iter().flatten() {
            if !same.contains(&true) {
                break;
            }
            t.columns[c].repeats(range.clone(), &mut same);
        }
        // What the row before resolved to, when its cells made no problem but its value.
        let mut last: Option<Resolved<'_>> = None;
        for r in range {
            let line = t.line(r);
            if let Some(k) = last.filter(|_| same[r - start]) {
                let errors = diags.error_count();
                let at = At {
                    line,
                    col: c_value,
                    park: k.park,
                };
                let (mi, m) = k.metric;
                let value = self.value_at(r, (mi, m, k.unit), at, diags);
                if diags.error_count() > errors {
                    continue;
                }
                if let Some(v) = value {
                    let enterprise = enterprises.of(self.cell(c_enterprise, r));
                    rows.push(self.row(&k, line, v, (enterprise, c_enterprise, c_value)));
                }
                continue;
            }
            last = None;
            let problems = diags.error_count() + diags.warning_count();
            let park = self.cell(c_park, r);
            let metric_raw = self.cell(c_metric, r);
            let known_metric = metrics.get(metric_raw);
            // A totals row has a word such as 合计 for park or metric; a park and a metric seen
            // on an earlier row are no such words, so most rows skip the check.
            let seen = parks.is_last(park) && known_metric.is_some();
            if !seen && self.totals_row(r, line, &[c_park, c_metric], diags) {
                continue;
            }
            let before = diags.error_count();
            let Some(park_id) = self.park_at(park, (line, c_park), &mut parks, diags) else {
                continue;
            };
            let year = self.year_at((c_year, r), line, park, diags);
            let metric = match known_metric {
                Some(m) => Some(m),
                None => {
                    let m = self.metric(metric_raw, line, c_metric, park, diags);
                    if let Some(m) = m {
                        metrics.insert(metric_raw, m);
                    }
                    m
                }
            };
            let unit = metric.and_then(|(mi, m)| {
                let raw = self.cell(c_unit, r);
                if let Some(u) = units.get((mi, raw)) {
                    return Some(u);
                }
                let u = self.unit(m, raw, line, c_unit, park, diags);
                if let Some(u) = u {
                    units.insert((mi, raw), u);
                }
                u
            });
            let month = year
                .and_then(|y| self.period_at((c_period, r), y, line, park, &mut periods, diags));
            let grade = self.grade((c_quality, c_evidence), r, line, park, diags);
            let resolved = match (year, metric, unit, month) {
                (Some(year), Some(metric), Some(unit), Some(month)) => Some(Resolved {
                    park,
                    park_id,
                    year,
                    metric,
                    unit,
                    month,
                    grade,
                }),
                _ => None,
            };
            // Nothing said of the row but of its value: a next row of the same cells is this
            // one's again.
            if diags.error_count() + diags.warning_count() == problems {
                last = resolved;
            }
            let at = At {
                line,
                col: c_value,
                park,
            };
            let value = match (metric, unit) {
                (Some((mi, m)), Some(u)) => self.value_at(r, (mi, m, u), at, diags),
                _ => None,
            };
            if diags.error_count() > before {
                continue;
            }
            if let (Some(k), Some(v)) = (resolved, value) {
                let enterprise = enterprises.of(self.cell(c_enterprise, r));
                rows.push(self.row(&k, line, v, (enterprise, c_enterprise, c_value)));
            }
        }
        Part {
            rows,
            parks: parks.ids,
            enterprises: enterprises.ids,
        }
    }

    /// The checked row at `line` of what its cells resolved to, its value and its enterprise
    /// (by its number in the part; its column and the value's).
    fn row(
        &self,
        k: &Resolved<'_>,
        line: usize,
        value: Option<f64>,
        (enterprise, c_enterprise, c_value): (u32, Option<usize>, Option<usize>),
    ) -> Row {
        Row {
            enterprise,
            enterprise_column: c_enterprise.map_or(0, |c| c + 1) as u16,
            park: k.park_id,
            year: k.year,
            metric: k.metric.0,
            value,
            month: k.month,
            grade: k.grade.unwrap_or_default(),
            file: self.file_index,
            line: line as u32,
            column: c_value.map(|c| c + 1).unwrap_or(0) as u16,
        }
    }

    /// Resolves every metric column of a wide table once, from the header (its problems are
    /// the header's).
    fn metric_columns(&self, diags: &mut crate::diag::Report) -> MetricColumns<'a> {
        let t = self.t;
        let known = [
            "park_id",
            "year",
            "period",
            "quality",
            "evidence",
            "enterprise_id",
            "note",
            "name",
        ];
        // Resolve every metric column once, from the header.
        let mut metric_cols: MetricColumns<'a> = Vec::new();
        for (c, h) in t.header.iter().enumerate() {
            if known.iter().any(|k| h.eq_ignore_ascii_case(k)) {
                continue;
            }
            let (name, unit_raw) = wide_header(h, self.vocab);
            let Some((mi, m)) = self.metric(name, t.header_line as usize, Some(c), "", diags)
            else {
                continue;
            };
            if let Some(u) = self.unit(m, unit_raw, t.header_line as usize, Some(c), "", diags) {
                metric_cols.push((c, mi, m, u));
            }
        }
        metric_cols
    }

    fn wide(
        &self,
        metric_cols: &MetricColumns<'a>,
        range: std::ops::Range<usize>,
        diags: &mut crate::diag::Report,
    ) -> Part {
        let t = self.t;
        let c_park = t.col("park_id");
        let c_year = t.col("year");
        let c_period = t.col("period");
        let c_quality = t.col("quality");
        let c_evidence = t.col("evidence");
        let c_enterprise = t.col("enterprise_id");
        let mut enterprises = Enterprises::of_column(c_enterprise.map(|c| &t.columns[c]));
        let mut periods = Known::default();
        let mut rows = self.spare.take(range.len());
        let mut last_park = None;
        let mut parks = Parks::default();
        for r in range {
            let line = t.line(r);
            let park = self.cell(c_park, r);
            if last_park != Some(park) && self.totals_row(r, line, &[c_park], diags) {
                continue;
            }
            last_park = Some(park);
            let before = diags.error_count();
            let Some(park_id) = self.park_at(park, (line, c_park), &mut parks, diags) else {
                continue;
            };
            let year = self.year_at((c_year, r), line, park, diags);
            let month = year
                .and_then(|y| self.period_at((c_period, r), y, line, park, &mut periods, diags));
            let grade = self.grade((c_quality, c_evidence), r, line, park, diags);
            let mut row_values = Vec::new();
            for &(c, mi, m, u) in metric_cols {
                // An empty cell is a metric the park did not report, as an absent row of the
                // long layout (a carrier left empty is not used); NA, - and the like are
                // reported as unknown.
                if self.number(Some(c), r).is_none() && self.cell_text(Some(c), r).is_empty() {
                    continue;
                }
                let at = At {
                    line,
                    col: Some(c),
                    park,
                };
                let v = self.value_at(r, (mi, m, u), at, diags);
                row_values.push((c, mi, v));
            }
            if diags.error_count() > before {
                continue;
            }
            let (Some(y), Some(mo)) = (year, month) else {
                continue;
            };
            let enterprise = enterprises.of(self.cell(c_enterprise, r));
            for (c, mi, v) in row_values {
                if let Some(v) = v {
                    rows.push(Row {
                        enterprise,
                        enterprise_column: c_enterprise.map_or(0, |c| c + 1) as u16,
                        park: park_id,
                        year: y,
                        metric: mi,
                        value: v,
                        month: mo,
                        grade: grade.unwrap_or_default(),
                        file: self.file_index,
                        line: line as u32,
                        column: (c + 1) as u16,
                    });
                }
            }
        }
        Part {
            rows,
            parks: parks.ids,
            enterprises: enterprises.ids,
        }
    }

    /// Is row `r` a totals row (its park_id or metric a word such as 合计)? Then it is reported
    /// and left out.
    fn totals_row(
        &self,
        r: usize,
        line: usize,
        cols: &[Option<usize>],
        diags: &mut crate::diag::Report,
    ) -> bool {
        let Some(&c) = cols
            .iter()
            .flatten()
            .find(|&&c| self.vocab.columns.is_totals_word(self.cell(Some(c), r)))
        else {
            return false;
        };
        diags.push(totals_warning(
            &self.t.origin,
            line,
            c + 1,
            self.cell(Some(c), r),
        ));
        true
    }

    /// [`Ctx::park`] of a row's park cell `raw`, as [`Row::park`] numbers it: the number of
    /// the row before when its cell is the same (rows of a park come together).
    fn park_at<'c>(
        &self,
        raw: &'c str,
        (line, col): (usize, Option<usize>),
        parks: &mut Parks<'c>,
        diags: &mut crate::diag::Report,
    ) -> Option<u32> {
        if let Some((cell, id)) = parks.last
            && cell == raw
        {
            return Some(id);
        }
        let id = self.park(raw, line, col, diags)?;
        parks.ids.push(id.into());
        let n = parks.ids.len() as u32 - 1;
        parks.last = Some((raw, n));
        Some(n)
    }

    fn park(
        &self,
        raw: &str,
        line: usize,
        col: Option<usize>,
        diags: &mut crate::diag::Report,
    ) -> Option<String> {
        if raw.is_empty() {
            diags.push(
                Diagnostic::error(
                    &self.t.origin,
                    line,
                    col.map_or(0, |c| c + 1),
                    t!("diag.park_id_empty"),
                )
                .expected(t!("diag.expected.park_of_parks_csv")),
            );
            return None;
        }
        Some(raw.to_string())
    }

    fn year(
        &self,
        raw: &str,
        line: usize,
        col: Option<usize>,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<i32> {
        let s = raw.strip_suffix('年').unwrap_or(raw);
        let s = s.strip_suffix(".0").unwrap_or(s);
        if s.len() == 4
            && s.bytes().all(|b| b.is_ascii_digit())
            && let Ok(y) = s.parse::<i32>()
            && YEARS.contains(&y)
        {
            return Some(y);
        }
        diags.push(
            Diagnostic::error(
                &self.t.origin,
                line,
                col.map_or(0, |c| c + 1),
                t!("diag.year_not_4_digits"),
            )
            .value(raw)
            .expected(t!(
                "diag.expected.year",
                from = *YEARS.start(),
                to = *YEARS.end()
            ))
            .park(park),
        );
        None
    }

    fn metric(
        &self,
        raw: &str,
        line: usize,
        col: Option<usize>,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<(u16, &'a Metric)> {
        if let Some(i) = self.vocab.metric_index(raw) {
            return Some((i, &self.vocab.metrics[&self.vocab.order[i as usize]]));
        }
        let mut d = Diagnostic::error(
            &self.t.origin,
            line,
            col.map_or(0, |c| c + 1),
            t!("diag.unknown_metric"),
        )
        .value(raw)
        .expected(t!("diag.expected.metric"));
        if let Some(n) = self.vocab.nearest_metric(raw.trim()) {
            d = d.hint(if raw.is_ascii() {
                t!("diag.hint.did_you_mean_quoted", name = n)
            } else {
                t!("diag.hint.did_you_mean", name = n)
            });
        }
        if !park.is_empty() {
            d = d.park(park);
        }
        diags.push(d);
        None
    }

    fn unit(
        &self,
        m: &Metric,
        raw: &str,
        line: usize,
        col: Option<usize>,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<&'a Unit> {
        if let Some(u) = self.vocab.units.find(&m.dimension, raw) {
            return Some(u);
        }
        let dims = self.vocab.units.dimensions_of(raw);
        let msg = if raw.is_empty() {
            t!("diag.unit_empty", metric = &m.id)
        } else if dims.is_empty() {
            t!("diag.unit_unknown", metric = &m.id)
        } else {
            t!(
                "diag.unit_wrong_dimension",
                dimensions = dims.join("/"),
                metric = &m.id,
                dimension = &m.dimension
            )
        };
        let mut d = Diagnostic::error(&self.t.origin, line, col.map_or(0, |c| c + 1), msg)
            .value(raw)
            .expected(t!("diag.expected.one_of", list = m.units.join(", ")));
        if !park.is_empty() {
            d = d.park(park);
        }
        diags.push(d);
        None
    }

    /// [`Ctx::period`] of the cell at `row` of `col` in `year`, each (text, year) read once:
    /// `read` holds the months read so far (a cell with a problem is read, and said, each time).
    fn period_at<'c>(
        &'c self,
        (col, row): (Option<usize>, usize),
        year: i32,
        line: usize,
        park: &str,
        read: &mut Known<(&'c str, i32), Option<u8>>,
        diags: &mut crate::diag::Report,
    ) -> Option<Option<u8>> {
        let raw = self.cell(col, row);
        if let Some(month) = read.get((raw, year)) {
            return Some(month);
        }
        let month = self.period(raw, year, line, col, park, diags)?;
        read.insert((raw, year), month);
        Some(month)
    }

    /// Some(None) = annual row, Some(Some(m)) = monthly row, None = error.
    fn period(
        &self,
        raw: &str,
        year: i32,
        line: usize,
        col: Option<usize>,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<Option<u8>> {
        if raw.is_empty() || raw.eq_ignore_ascii_case("year") || raw == "全年" {
            return Some(None);
        }
        let column = col.map_or(0, |c| c + 1);
        // Only a cell with a slash can be a date with the year last.
        let slashed = memchr::memchr(b'/', raw.as_bytes()).is_some();
        let reordered = match slashed.then(|| self.slash_dates().reorder(raw)).flatten() {
            Some(Ok(iso)) => Some(iso),
            Some(Err(())) => {
                diags.push(
                    Diagnostic::error(&self.t.origin, line, column, t!("diag.period_slash_order"))
                        .value(raw)
                        .expected(t!("diag.expected.period"))
                        .hint(t!("diag.hint.period_slash_order"))
                        .park(park),
                );
                return None;
            }
            None => None,
        };
        let parsed = parse_period(reordered.as_deref().unwrap_or(raw));
        match parsed {
            Some((y, m)) if y == year => Some(Some(m)),
            Some((y, _)) => {
                diags.push(
                    Diagnostic::error(
                        &self.t.origin,
                        line,
                        column,
                        t!("diag.period_other_year", year = year),
                    )
                    .value(raw)
                    .expected(t!("diag.expected.month_of", year = year))
                    .hint(t!("diag.hint.period_year", year = year, other = y))
                    .park(park),
                );
                None
            }
            None => {
                diags.push(
                    Diagnostic::error(&self.t.origin, line, column, t!("diag.period_not_month"))
                        .value(raw)
                        .expected(t!("diag.expected.period"))
                        .park(park),
                );
                None
            }
        }
    }

    /// How the table's period column writes dates with the year last ([`SlashDates::of`] the
    /// whole column, looked over once).
    fn slash_dates(&self) -> SlashDates {
        *self.slash.get_or_init(|| match self.t.col("period") {
            Some(c) => SlashDates::of(self.t.columns[c].cells()),
            None => SlashDates::MonthFirst,
        })
    }

    /// The `%` unit, when `text` is a percent sign after a number of a share metric.
    fn percent_of(&self, text: &str, m: &Metric) -> Option<&Unit> {
        (text.trim() == "%" && m.dimension == "share")
            .then(|| self.vocab.units.find(&m.dimension, "%"))
            .flatten()
    }

    /// The grade of row `r` from its `evidence` cell, else its `quality` cell (measured -> A,
    /// estimated -> C); None = an error (an unknown word, or the two cells disagreeing).
    fn grade(
        &self,
        (c_quality, c_evidence): (Option<usize>, Option<usize>),
        r: usize,
        line: usize,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<Grade> {
        let estimated = self.quality(self.cell(c_quality, r), line, c_quality, park, diags);
        let raw = self.cell(c_evidence, r);
        if raw.is_empty() {
            return estimated.map(|e| if e { Grade::C } else { Grade::A });
        }
        let col = c_evidence.map_or(0, |c| c + 1);
        let Some(g) = Grade::parse(raw) else {
            diags.push(
                Diagnostic::error(&self.t.origin, line, col, t!("diag.evidence_unknown"))
                    .value(raw)
                    .expected(t!("diag.expected.evidence"))
                    .park(park),
            );
            return None;
        };
        // A quality cell that says otherwise: which one is right is the operator's to say.
        if !self.cell(c_quality, r).is_empty() && estimated.is_some_and(|e| e != g.low()) {
            diags.push(
                Diagnostic::error(&self.t.origin, line, col, t!("diag.evidence_contradicts"))
                    .value(raw)
                    .expected(t!(
                        "diag.expected.evidence_for_quality",
                        quality = self.cell(c_quality, r)
                    ))
                    .park(park),
            );
            return None;
        }
        Some(g)
    }

    /// Some(true) estimated, Some(false) measured, None = error.
    fn quality(
        &self,
        raw: &str,
        line: usize,
        col: Option<usize>,
        park: &str,
        diags: &mut crate::diag::Report,
    ) -> Option<bool> {
        match raw {
            "" | "measured" => return Some(false),
            "estimated" => return Some(true),
            _ => {}
        }
        match raw.to_lowercase().as_str() {
            "" | "measured" | "实测" | "计量" => Some(false),
            "estimated" | "estimate" | "估算" | "估计" => Some(true),
            _ => {
                diags.push(
                    Diagnostic::error(
                        &self.t.origin,
                        line,
                        col.map_or(0, |c| c + 1),
                        t!("diag.quality_unknown"),
                    )
                    .value(raw)
                    .expected(t!("diag.expected.quality"))
                    .park(park),
                );
                None
            }
        }
    }

    /// Some(Some(v)) a number in canonical units, Some(None) a missing token, None an error.
    fn value(
        &self,
        raw: &str,
        (mi, m, u): (u16, &Metric, &Unit),
        at: At<'_>,
        diags: &mut crate::diag::Report,
    ) -> Option<Option<f64>> {
        let At { line, col, park } = at;
        if is_missing_token(raw) {
            return Some(None);
        }
        let f = &self.t.origin;
        let column = col.map_or(0, |c| c + 1);
        let number = match parse_number(raw, self.t.decimal) {
            Ok(v) => v,
            Err(NumberError::TrailingText { number, text }) => {
                if unit_key(&text) == unit_key(&u.id)
                    || self
                        .vocab
                        .units
                        .find(&m.dimension, &text)
                        .is_some_and(|t| t.id == u.id)
                {
                    number
                } else if let Some(pct) = self.percent_of(&text, m) {
                    // `96%` (a percent cell, or typed so) is a share whatever the unit column
                    // says: 96 % in the row's unit (0.96 when it says fraction).
                    self.vocab.units.convert(number, pct, u)
                } else {
                    diags.push(
                        Diagnostic::error(
                            f,
                            line,
                            column,
                            t!("diag.value_unit_text", text = text, unit = &u.id),
                        )
                        .value(raw)
                        .expected(t!("diag.expected.number_in", unit = &u.id))
                        .park(park),
                    );
                    return None;
                }
            }
            Err(NumberError::NotANumber) => {
                diags.push(
                    Diagnostic::error(f, line, column, t!("diag.value_not_number", metric = &m.id))
                        .value(raw)
                        .expected(t!("diag.expected.number_or_unknown"))
                        .park(park),
                );
                return None;
            }
        };
        self.checked(number, Raw::Text(raw), (mi, m, u), at, diags)
    }

    /// A cell's number (`raw` its text) in canonical units, checked against the metric's
    /// bounds: Some(Some(v)), or None after an error.
    fn checked(
        &self,
        number: f64,
        raw: Raw<'_>,
        (mi, m, u): (u16, &Metric, &Unit),
        at: At<'_>,
        diags: &mut crate::diag::Report,
    ) -> Option<Option<f64>> {
        let At { line, col, park } = at;
        let f = &self.t.origin;
        let column = col.map_or(0, |c| c + 1);
        let raw = || raw.text(self);
        let canonical_unit = self.canonical[usize::from(mi)]?;
        let v = self.vocab.units.convert(number, u, canonical_unit);
        if let Some(min) = m.min
            && v < min
        {
            diags.push(
                Diagnostic::error(f, line, column, t!("diag.value_negative", metric = &m.id))
                    .value(raw())
                    .expected(t!("diag.expected.at_least", min = min, unit = &u.id))
                    .park(park),
            );
            return None;
        }
        if let Some(max) = m.max
            && v > max + 1e-9
        {
            let (what, expected) = match m.dimension.as_str() {
                "share" => (
                    t!("diag.share_outside"),
                    t!("diag.expected.share", unit = &u.id),
                ),
                _ => (
                    t!("diag.value_above_max", metric = &m.id),
                    t!("diag.expected.at_most", max = max),
                ),
            };
            diags.push(
                Diagnostic::error(f, line, column, what)
                    .value(raw())
                    .expected(expected)
                    .park(park),
            );
            return None;
        }
        if matches!(m.dimension.as_str(), "flag") && v != 0.0 && v != 1.0 {
            diags.push(
                Diagnostic::error(f, line, column, t!("diag.flag_not_01", metric = &m.id))
                    .value(raw())
                    .expected(t!("diag.expected.flag"))
                    .park(park),
            );
            return None;
        }
        Some(Some(v))
    }
}

/// `2024-03`, `2024/3`, `2024.03`, `202403`, `2024年3月` -> (2024, 3); a month's first or last
/// day names its month: `2024-03-01` (as Excel stores a typed `2024-03`), `2024/3/1` (as
/// Chinese Excel writes dates in CSV), `2024年3月1日`, `01.03.2024` (day first, as German
/// LibreOffice writes them), `2024-03-31`, at midnight or without a time. Another day of the
/// month, or a time of day, is no month (daily data, or a reading date?); `3/1/2024` is read by
/// [`SlashDates`], which looks at the whole column.
pub fn parse_period(raw: &str) -> Option<(i32, u8)> {
    let s = raw.trim();
    // Midnight after the date (`2024-03-01 00:00:00`, `2024-03-01T00:00`), or the month's end.
    let s = match s.split_once([' ', 'T']) {
        Some((date, time)) if time.contains(':') => {
            let t = time.trim_end_matches('Z');
            if !matches!(
                t,
                "00:00" | "00:00:00" | "0:00" | "0:00:00" | "23:59" | "23:59:59"
            ) {
                return None;
            }
            date
        }
        _ => s,
    };
    let s = s.trim_end_matches(['日', '号', '月']);
    let parts: Vec<&str> = s
        .split(['-', '/', '.', '年', '月'])
        .map(str::trim)
        .collect();
    let digits = |p: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let (y, m, d) = match parts.as_slice() {
        [ym] if digits(ym, 6..=6) => (&ym[..4], &ym[4..], None),
        [y, m] => (*y, *m, None),
        [y, m, d] if digits(y, 4..=4) => (*y, *m, Some(*d)),
        // Day first, with dots only (`01.03.2024`).
        [d, m, y]
            if digits(y, 4..=4) && digits(d, 1..=2) && s.contains('.') && !s.contains('/') =>
        {
            (*y, *m, Some(*d))
        }
        _ => return None,
    };
    if !digits(y, 4..=4) || !digits(m, 1..=2) {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let month: u8 = m.parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    if let Some(d) = d {
        let day: u8 = d.parse().ok().filter(|_| digits(d, 1..=2))?;
        if day != 1 && day != days_in_month(year, month) {
            return None;
        }
    }
    Some((year, month))
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::table::NumberCells;

    proptest::proptest! {
        /// The fast path of `trimmed` is `str::trim` for any text (ASCII, Chinese, full-width
        /// and other Unicode spaces at either end).
        #[test]
        fn trimmed_is_trim(s in "[ \t\u{3000}\u{a0}]{0,2}[a-z0-9 ,.\u{4e00}-\u{4e10}\u{3000}]{0,6}[ \t\u{3000}\u{2003}]{0,2}") {
            proptest::prop_assert_eq!(trimmed(&s), s.trim());
        }

        /// A missing-value token is known in any case and with spaces around, as the lower-cased
        /// copy of the cell found it.
        #[test]
        fn missing_tokens_are_the_lower_cased_cell_in_the_list(
            s in "[ \u{3000}]{0,1}(na|Na|N/A|n/A|-|—|无|不详|未知|NULL|nUll|None|#N/A|#n/a|0|1.5|nan|Ｎａ|ǸA|x)?[ \u{3000}]{0,1}",
        ) {
            let lower = s.trim().to_lowercase();
            proptest::prop_assert_eq!(
                is_missing_token(&s),
                super::super::MISSING_TOKENS.contains(&lower.as_str()),
                "{:?}", s
            );
        }
    }

    /// Enterprise ids share one `Arc` for the same cell text, near or far, and an 18-character
    /// code is kept in upper case (it may be written in either case).
    #[test]
    fn enterprise_ids_share_one_arc_and_codes_are_upper_case() {
        let mut e = Enterprises::default();
        let code = "91320500MA1XYZ123a";
        let a = e.id(code).unwrap();
        assert_eq!(&*a, "91320500MA1XYZ123A");
        assert_eq!(
            &*e.id(" 91320500ma1xyz123A ").unwrap(),
            "91320500MA1XYZ123A"
        );
        let c = e.id("firm-1").unwrap();
        assert_eq!(&*c, "firm-1");
        assert!(std::sync::Arc::ptr_eq(&c, &e.id("firm-1").unwrap()));
        assert!(std::sync::Arc::ptr_eq(&a, &e.id(code).unwrap()));
        assert!(std::sync::Arc::ptr_eq(&c, &e.id(" firm-1").unwrap()));
        assert_eq!(&*e.id("FIRM-1").unwrap(), "FIRM-1");
        assert_eq!(e.id("  "), None);
        let long = "统一社会信用代码统一社会信用代码12";
        assert_eq!(&*e.id(long).unwrap(), long);
    }

    impl<'t> Enterprises<'t> {
        /// The id [`Enterprises::of`] numbers (None: the park's own row).
        fn id(&mut self, raw: &'t str) -> Option<std::sync::Arc<str>> {
            let n = self.of(raw) as usize;
            n.checked_sub(1).map(|i| self.ids[i].clone())
        }
    }

    /// The last answer is given first, any other from the map, and a key not found is none.
    #[test]
    fn known_answers_the_last_key_first_and_others_from_all() {
        let mut k: Known<&str, u8> = Known::default();
        assert_eq!(k.get("a"), None);
        k.insert("a", 1);
        k.insert("b", 2);
        assert_eq!(k.last, Some(("b", 2)));
        assert_eq!(k.get("a"), Some(1));
        assert_eq!(k.last, Some(("a", 1)));
        assert_eq!(k.get("b"), Some(2));
        assert_eq!(k.get("c"), None);
        assert_eq!(k.last, Some(("b", 2)));
    }

    /// Found by its cell's address (a column whose equal cells share their text), an
    /// enterprise is the one its text gives: a cell at the same address but shorter is another
    /// text, and equal text elsewhere is the same enterprise.
    #[test]
    fn enterprises_found_by_address_are_the_ones_their_text_gives() {
        let mut e = Enterprises {
            by_address: Some(FxHashMap::default()),
            ..Enterprises::default()
        };
        let text = String::from("91320500ma1xyz123a firm-1");
        let (code, prefix, firm) = (&text[..18], &text[..6], &text[19..]);
        let a = e.id(code).unwrap();
        assert_eq!(&*a, "91320500MA1XYZ123A");
        assert!(std::sync::Arc::ptr_eq(&a, &e.id(code).unwrap()));
        assert_eq!(&*e.id(prefix).unwrap(), "913205");
        assert!(std::sync::Arc::ptr_eq(&a, &e.id(code).unwrap()));
        let f = e.id(firm).unwrap();
        assert_eq!(&*f, "firm-1");
        let elsewhere = String::from(" firm-1");
        assert!(std::sync::Arc::ptr_eq(&f, &e.id(&elsewhere).unwrap()));
        assert_eq!(e.id(&text[18..19]), None);
        assert_eq!(e.by_address.as_ref().map(|m| m.len()), Some(4));
    }

    /// Cells that do not share their text each add an address until there are too many for
    /// the ids seen; then the addresses are let go and ids are still the ones the text gives.
    #[test]
    fn enterprises_stop_finding_by_address_when_cells_do_not_share_text() {
        let mut e = Enterprises {
            by_address: Some(FxHashMap::default()),
            ..Enterprises::default()
        };
        let cells: Vec<String> = (0..3000).map(|i| format!("firm-{}", i % 2)).collect();
        let first = e.id(&cells[0]).unwrap();
        for (i, cell) in cells.iter().enumerate() {
            let id = e.id(cell).unwrap();
            assert_eq!(&*id, format!("firm-{}", i % 2));
            if i % 2 == 0 {
                assert!(std::sync::Arc::ptr_eq(&id, &first));
            }
        }
        assert!(e.by_address.is_none());
        assert_eq!(e.seen.len(), 2);
    }

    /// Checked in parts of `part_rows`, repeated rows taken as the row before's.
    fn parts(part_rows: usize) -> Checking {
        Checking {
            part_rows,
            repeats: true,
        }
    }

    /// A table whose rows repeat the row before's cells but the value and the enterprise, in
    /// runs, with problems of every cell among them (a totals word, an empty park, years,
    /// metrics, units, periods, quality and evidence that are wrong, values that are), reads
    /// the same whether repeated rows are taken as the row before's or each is checked: as
    /// text, and as a Parquet file's columns of many chunks.
    #[test]
    fn rows_that_repeat_the_row_before_read_as_when_each_is_checked() {
        use crate::input::table::TextColumn;
        let vocab = Vocabulary::embedded().unwrap();
        let mut text =
            String::from("park_id,year,metric,value,unit,period,quality,evidence,enterprise_id\n");
        let pick = |i: usize, run: usize, of: &[&'static str]| of[(i / run) % of.len()];
        for i in 0..3_000 {
            // Park ids and a metric longer than a view holds inline: a Parquet file's are found
            // in its buffers.
            let park = pick(
                i,
                61,
                &["park-number-1", "park-number-2", "park-number-1", "合计"],
            );
            let park = if i % 613 < 40 { "" } else { park };
            let year = pick(
                i,
                97,
                &["2024", "2024", "2024", "1800", "2024", "2024", "x"],
            );
            let metrics = [
                "electricity_grid",
                "natural_gas",
                "electricity_grid",
                "steam?",
            ];
            let metric = pick(i, 43, &[&metrics[..], &metrics[..3]].concat());
            let unit = match metric {
                "electricity_grid" => pick(i, 29, &["MWh", "MWh", "kWh", "t", "MWh", "MWh"]),
                "natural_gas" => "m3",
                _ => "t",
            };
            let months = [
                "2024-01", "2024-02", "2023-05", "2024-03", "2024-04", "13", "2024-05",
            ];
            let period = pick(i, 17, &[&months[..], &months[..2]].concat());
            let quality = pick(
                i,
                53,
                &["measured", "measured", "estimated", "", "bogus", ""],
            );
            let evidence = pick(i, 71, &["", "", "A", "", "C", "Z", "", "B", ""]);
            let value = pick(i, 1, &["12.5", "3", "-5", "7.25", "n/a", "4", "", "x", "9"]);
            let firm = pick(i, 1, &["F1", "F2", "", "F3", "F1", "F4", "F5"]);
            text.push_str(&format!(
                "{park},{year},{metric},{value},{unit},{period},{quality},{evidence},{firm}\n"
            ));
        }
        let csv = super::super::table::read_csv_bytes("a.csv", text.as_bytes(), &vocab).unwrap();
        // The same cells as a Parquet file's text columns, in chunks of uneven sizes.
        let mut parquet =
            super::super::table::read_csv_bytes("a.csv", text.as_bytes(), &vocab).unwrap();
        for column in &mut parquet.columns {
            let cells: Vec<Option<String>> = (0..column.cells_len())
                .map(|r| column.get(r).map(str::to_string))
                .collect();
            let mut chunks = Vec::new();
            let mut rest = &cells[..];
            for size in [1, 0, 7, 64, 300, 2].into_iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (chunk, more) = rest.split_at(size.min(rest.len()));
                chunks.push(chunk.to_vec());
                rest = more;
            }
            *column = TextColumn::from_strings(crate::frame::Strings::of_chunks(&chunks));
        }
        // And as a Parquet file written by polars (text of few values dictionary-encoded, the
        // year typed), in row groups of 250 rows read in pieces of 1,000.
        let text_of = |name: &'static str| {
            let c = &csv.columns[csv.col(name).unwrap()];
            let cells = (0..csv.rows())
                .map(|r| c.get(r).map(str::to_string))
                .collect();
            (name, cells)
        };
        let text: Vec<(&str, Vec<Option<String>>)> = LONG_COLUMNS
            .iter()
            .filter(|&&c| c != "year" && c != "value")
            .map(|&c| text_of(c))
            .collect();
        let cell = |name: &str, r: usize| csv.columns[csv.col(name).unwrap()].get(r);
        let years = (0..csv.rows())
            .map(|r| cell("year", r).and_then(|y| y.parse().ok()))
            .collect();
        let values = (0..csv.rows())
            .map(|r| cell("value", r).and_then(|v| v.parse().ok()))
            .collect();
        let typed = (&[("year", years)][..], &[("value", values)][..]);
        let file = crate::frame::parquet_of(&text, typed, 250);
        let mut pieces = Vec::new();
        let filter = super::super::hive::Filter::default();
        let cursor = std::io::Cursor::new(file);
        super::super::parquet::read_pieces_of(
            "a.parquet",
            cursor,
            1_000,
            &filter,
            &vocab.columns,
            |t| {
                pieces.push(t);
                true
            },
        )
        .unwrap();
        assert_eq!(pieces.len(), 3);
        // Long park ids repeat where a dictionary holds them, within a row group: row 250
        // begins the piece's second (the same park as row 249, which repeats row 248).
        let park = pieces[0].col("park_id").unwrap();
        let mut same = vec![true; 1_000];
        pieces[0].columns[park].repeats(0..1_000, &mut same);
        assert!(same.iter().filter(|&&s| s).count() > 900);
        assert!(same[249] && !same[250]);
        let limits = crate::diag::ProblemLimits {
            per_kind: 1000,
            kept: 5000,
            kinds: 100,
            value_chars: 400,
        };
        let none = SpareRows::holding(0);
        for t in [&csv, &parquet].into_iter().chain(&pieces) {
            // Most rows repeat the row before's cells but value and enterprise (so the rows
            // taken as the row before's are many; not in the columns of chunks, whose long park
            // ids are each held apart).
            let mut same = vec![true; t.rows()];
            for c in LONG_COLUMNS
                .iter()
                .filter(|&&c| c != "value" && c != "enterprise_id")
            {
                if let Some(c) = t.col(c) {
                    t.columns[c].repeats(0..t.rows(), &mut same);
                }
            }
            let repeated = same.iter().filter(|&&s| s).count();
            assert!(
                std::ptr::eq(t, &parquet) || repeated > t.rows() * 2 / 3,
                "{repeated}"
            );
            let each = Checking {
                part_rows: 7,
                repeats: false,
            };
            let mut want = crate::diag::Report::with_limits(limits);
            let rows = Part::concat(read_activity_in_parts(t, 0, &vocab, &mut want, each, &none));
            let rows = rows.named();
            let counts = (want.error_count(), want.warning_count(), rows.len());
            let n = t.rows();
            assert!(
                counts.0 > n / 5 && counts.1 > n / 20 && counts.2 > n / 10,
                "{counts:?}"
            );
            for part in [7, 64, usize::MAX] {
                let mut got = crate::diag::Report::with_limits(limits);
                let read = read_activity_in_parts(t, 0, &vocab, &mut got, parts(part), &none);
                assert_eq!(Part::concat(read).named(), rows, "parts of {part}");
                assert_eq!(format!("{got:?}"), format!("{want:?}"), "parts of {part}");
            }
        }
    }

    /// A messy table (unknown parks and metrics, bad numbers and units, totals rows, months
    /// out of their year) checked in parts of every size gives the rows and the report of one
    /// pass: the same problems kept in full, in the same order, and the same counts.
    #[test]
    fn a_table_checked_in_parts_is_the_table_checked_at_once() {
        let vocab = Vocabulary::embedded().unwrap();
        let mut text = String::from("park_id,year,metric,value,unit,period,enterprise_id\n");
        for i in 0..600 {
            let park = match i % 97 {
                0 => "合计".to_string(),
                5 => String::new(),
                _ => format!("P{}", i / 40),
            };
            let metric = ["electricity", "natural_gas", "coal", "steam?"][i % 4];
            let unit = ["MWh", "m3", "t", "GJ"][(i + usize::from(i % 13 == 0)) % 4];
            let value = match i % 17 {
                0 => "n/a".to_string(),
                3 => "-5".to_string(),
                _ => format!("{}.5", i * 7),
            };
            let month = if i % 29 == 0 { 13 } else { 1 + i % 12 };
            let firm = if i % 3 == 0 { "" } else { "F1" };
            text.push_str(&format!(
                "{park},2024,{metric},{value},{unit},2024-{month:02},{firm}\n"
            ));
        }
        let t = super::super::table::read_csv_bytes("a.csv", text.as_bytes(), &vocab).unwrap();
        // Kinds enough to absorb the parts' problems, and too few (checked again in one pass).
        for kinds in [500, 5] {
            let limits = crate::diag::ProblemLimits {
                per_kind: 3,
                kept: 20,
                kinds,
                value_chars: 40,
            };
            let mut once = crate::diag::Report::with_limits(limits);
            let none = SpareRows::holding(0);
            let rows = read_activity_in_parts(&t, 0, &vocab, &mut once, parts(usize::MAX), &none);
            let rows = Part::concat(rows).named();
            assert!(once.error_count() > 50 && !rows.is_empty());
            // Each size's vectors go back to be filled by the next size's parts (some of them
            // too small for it), as the collector gives them back.
            let spare = SpareRows::holding(4);
            for part in [1, 2, 7, 64, 599, 3] {
                let mut parts = crate::diag::Report::with_limits(limits);
                let held = spare.held.lock().unwrap().len();
                let each =
                    read_activity_in_parts(&t, 0, &vocab, &mut parts, self::parts(part), &spare);
                // The parts took the vectors given back (every one, when they are as many).
                let left = spare.held.lock().unwrap().len();
                assert!(left < held || held == 0, "{part}: {left} of {held} left");
                let got = Part::concat(each.clone()).named();
                each.into_iter().for_each(|p| spare.give(p.rows));
                assert_eq!(got, rows, "parts of {part}");
                assert_eq!(format!("{parts:?}"), format!("{once:?}"), "parts of {part}");
            }
        }
    }

    #[test]
    fn spare_row_vectors_are_kept_to_their_bound_and_used_when_large_enough() {
        let spare = SpareRows::holding(2);
        let row = Row {
            park: 0,
            year: 2024,
            metric: 0,
            value: Some(1.0),
            month: None,
            grade: Grade::A,
            enterprise: 0,
            enterprise_column: 0,
            file: 0,
            line: 2,
            column: 4,
        };
        let mut a = spare.take(100);
        assert!(a.capacity() >= 100 && a.is_empty());
        a.push(row.clone());
        let at = a.as_ptr();
        spare.give(a);
        // Given back empty, and its memory is the next vector of that size or less.
        let b = spare.take(50);
        assert!(b.is_empty() && b.capacity() >= 100);
        assert_eq!(b.as_ptr(), at);
        spare.give(b);
        // Too small for 1,000 rows: a new vector (the small one is let go).
        assert!(spare.take(1000).capacity() >= 1000);
        assert!(spare.held.lock().unwrap().is_empty());
        // Larger than the largest kept: let go.
        spare.give(Vec::with_capacity(SpareRows::LARGEST + 1));
        assert!(spare.held.lock().unwrap().is_empty());
        // At most two are held.
        for _ in 0..5 {
            spare.give(vec![row.clone(); 3]);
        }
        assert_eq!(spare.held.lock().unwrap().len(), 2);
        assert!(spare.held.lock().unwrap().iter().all(Vec::is_empty));
        spare.clear();
        assert!(spare.held.lock().unwrap().is_empty());
        // Holding none: nothing is kept.
        let none = SpareRows::holding(0);
        none.give(Vec::with_capacity(10));
        assert!(none.held.lock().unwrap().is_empty());
    }

    /// The text a Parquet number is read as (an empty cell for a null).
    fn float_text(v: Option<f64>) -> String {
        let mut out = String::new();
        if let Some(v) = v {
            crate::input::table::number_text(&mut out, v).unwrap();
        }
        out
    }

    /// Checks `typed` (a table whose columns `numbers` are numbers, as a Parquet file gives
    /// them) against its twin read from `csv` (the same cells written as text): the same rows,
    /// and the same problems with the same values, counts and order.
    fn reads_as_its_twin(csv: &str, numbers: &[(&str, NumberCells)], vocab: &Vocabulary) {
        use crate::input::table::TextColumn;
        let twin = super::super::table::read_csv_bytes("a.csv", csv.as_bytes(), vocab).unwrap();
        assert_eq!(twin.decimal, crate::units::DecimalMark::Point);
        let mut typed =
            super::super::table::read_csv_bytes("a.csv", csv.as_bytes(), vocab).unwrap();
        for (name, cells) in numbers {
            let c = typed.col(name).unwrap();
            typed.columns[c] = TextColumn::from_numbers(cells.clone());
            assert_eq!(
                typed.columns[c].cells_len(),
                twin.columns[c].cells_len(),
                "{name}"
            );
        }
        let limits = crate::diag::ProblemLimits {
            per_kind: 1000,
            kept: 1000,
            kinds: 100,
            value_chars: 400,
        };
        let (mut a, mut b) = (
            crate::diag::Report::with_limits(limits),
            crate::diag::Report::with_limits(limits),
        );
        let none = SpareRows::holding(0);
        let rows = Part::concat(read_activity_in_parts(
            &twin,
            0,
            vocab,
            &mut a,
            parts(7),
            &none,
        ))
        .named();
        let got = Part::concat(read_activity_in_parts(
            &typed,
            0,
            vocab,
            &mut b,
            parts(7),
            &none,
        ))
        .named();
        assert!(a.error_count() > 10 && !rows.is_empty(), "{a:?}");
        assert_eq!(got, rows);
        assert_eq!(format!("{b:?}"), format!("{a:?}"));
    }

    /// Values of every kind: negative, above a share's bound, a flag of 0.5, not a number,
    /// infinite, -0, huge, tiny, past 2^53, null.
    const TYPED_VALUES: [Option<f64>; 13] = [
        Some(12.5),
        None,
        Some(-5.0),
        Some(f64::NAN),
        Some(f64::INFINITY),
        Some(-0.0),
        Some(1e300),
        Some(1.5),
        Some(0.5),
        Some(85.0),
        Some(2e-9),
        Some(9_007_199_254_740_993.0),
        Some(f64::NEG_INFINITY),
    ];

    /// Integer years of every kind: the bounds and past them, two digits, negative, huge, null.
    const TYPED_YEARS: [Option<i64>; 11] = [
        Some(2024),
        Some(1989),
        Some(1990),
        Some(2100),
        Some(2101),
        Some(20),
        None,
        Some(i64::MAX),
        Some(-2024),
        Some(2024),
        Some(2024),
    ];

    /// Rows of [`TYPED_VALUES`] in turn.
    fn typed_value(i: usize) -> Option<f64> {
        TYPED_VALUES[i % TYPED_VALUES.len()]
    }

    /// Rows of [`TYPED_YEARS`] in turn.
    fn typed_year(i: usize) -> Option<i64> {
        TYPED_YEARS[i % TYPED_YEARS.len()]
    }

    /// Typed numbers and years (integers and floats, not whole too) of a long table read as
    /// their text does.
    #[test]
    fn a_table_of_numbers_reads_as_its_text_twin() {
        use crate::frame::{Floats, Ints};
        let vocab = Vocabulary::embedded().unwrap();
        let float_years = [
            Some(2024.0),
            Some(2024.5),
            Some(1989.0),
            Some(-0.0),
            Some(1e10),
            Some(f64::NAN),
            None,
            Some(2100.0),
            Some(2024.0),
        ];
        let kinds = [
            ("electricity", "MWh"),
            ("metering_coverage", "%"),
            ("metering_coverage", "fraction"),
            ("energy_platform", "flag"),
        ];
        let n = 400;
        let float_year = |i: usize| float_years[i % float_years.len()];
        for float in [false, true] {
            let mut csv = String::from("park_id,year,metric,value,unit,period,enterprise_id\n");
            for i in 0..n {
                let (metric, unit) = kinds[i % kinds.len()];
                let year = if float {
                    float_text(float_year(i))
                } else {
                    typed_year(i).map(|y| y.to_string()).unwrap_or_default()
                };
                let value = float_text(typed_value(i));
                let month = 1 + i % 12;
                let firm = if i % 3 == 0 { "" } else { "F1" };
                csv.push_str(&format!(
                    "P{},{year},{metric},{value},{unit},2024-{month:02},{firm}\n",
                    i / 40
                ));
            }
            let years = if float {
                NumberCells::Float(Floats::from_options((0..n).map(float_year).collect()))
            } else {
                NumberCells::Int(Ints::from_options((0..n).map(typed_year).collect()))
            };
            let values =
                NumberCells::Float(Floats::from_options((0..n).map(typed_value).collect()));
            reads_as_its_twin(&csv, &[("year", years), ("value", values)], &vocab);
        }
    }

    /// A wide table's typed metric columns read as their text does; an empty cell is a metric
    /// not reported.
    #[test]
    fn a_wide_table_of_numbers_reads_as_its_text_twin() {
        use crate::frame::{Floats, Ints};
        let vocab = Vocabulary::embedded().unwrap();
        let n = 400;
        let mut csv = String::from(
            "park_id,year,period,electricity (MWh),metering_coverage (%),energy_platform (flag)\n",
        );
        let columns: Vec<Vec<Option<f64>>> = (0..3)
            .map(|k| (0..n).map(|i| typed_value(i * 3 + k)).collect())
            .collect();
        for i in 0..n {
            let cells: Vec<String> = columns.iter().map(|c| float_text(c[i])).collect();
            let year = typed_year(i).map(|y| y.to_string()).unwrap_or_default();
            csv.push_str(&format!(
                "P{},{year},2024-{:02},{}\n",
                i / 40,
                1 + i % 12,
                cells.join(",")
            ));
        }
        let numbers: Vec<(&str, NumberCells)> = [
            "electricity (MWh)",
            "metering_coverage (%)",
            "energy_platform (flag)",
        ]
        .into_iter()
        .zip(&columns)
        .map(|(name, c)| (name, NumberCells::Float(Floats::from_options(c.clone()))))
        .chain([(
            "year",
            NumberCells::Int(Ints::from_options((0..n).map(typed_year).collect())),
        )])
        .collect();
        reads_as_its_twin(&csv, &numbers, &vocab);
    }

    #[test]
    fn periods_are_months_or_a_months_first_or_last_day() {
        for (raw, want) in [
            ("2024-03", Some((2024, 3))),
            ("2024/3", Some((2024, 3))),
            ("202403", Some((2024, 3))),
            ("2024年3月", Some((2024, 3))),
            ("2024-03-01", Some((2024, 3))),
            ("2024-03-31", Some((2024, 3))),
            ("2024-02-29", Some((2024, 2))),
            ("2023-02-28", Some((2023, 2))),
            ("2024/3/1", Some((2024, 3))),
            ("2024年3月1日", Some((2024, 3))),
            ("01.03.2024", Some((2024, 3))),
            ("2024-03-01 00:00:00", Some((2024, 3))),
            ("2024-03-31T23:59:59", Some((2024, 3))),
            // A day within the month, a time of day: no month.
            ("2024-03-15", None),
            ("2023-02-29", None),
            ("2024-03-01 10:30", None),
            ("2024-13", None),
            ("3/1/2024", None),
            ("24-03", None),
        ] {
            assert_eq!(parse_period(raw), want, "{raw}");
        }
    }

    #[test]
    fn slash_dates_take_their_order_from_the_whole_column() {
        let us = ["1/1/2022", "2/1/2022", "12/1/2022"];
        assert_eq!(SlashDates::of(us.into_iter()), SlashDates::MonthFirst);
        let uk = ["1/1/2022", "1/2/2022", "1/12/2022"];
        assert_eq!(SlashDates::of(uk.into_iter()), SlashDates::DayFirst);
        let month_ends = ["1/31/2022", "2/28/2022"];
        assert_eq!(
            SlashDates::of(month_ends.into_iter()),
            SlashDates::MonthFirst
        );
        let unknown = ["2/1/2022", "3/4/2022"];
        assert_eq!(SlashDates::of(unknown.into_iter()), SlashDates::Unknown);
        assert_eq!(
            SlashDates::MonthFirst.reorder("3/1/2022"),
            Some(Ok("2022-03-01".into()))
        );
        assert_eq!(
            SlashDates::DayFirst.reorder("1/3/2022 0:00:00"),
            Some(Ok("2022-03-01 0:00:00".into()))
        );
        assert_eq!(SlashDates::Unknown.reorder("1/3/2022"), Some(Err(())));
        assert_eq!(SlashDates::MonthFirst.reorder("2022-03"), None);
    }
}
