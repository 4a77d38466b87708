//! `scores.xlsx`: the report's tables as one workbook for a consultant's client. A cover sheet
//! first ([`cover`]: the identification block and what each sheet holds), then a sheet per
//! table (scores, inventory, peers, changes, uncertainty, failures, pathway, needs,
//! provenance), each with its header row frozen and filtered, the park's name beside its id,
//! every number in a format that says what it is ([`columns`]: shares as percentages, tonnes
//! with thousands separators, scores with one decimal), statuses, roles and levels in words,
//! columns as wide as what they show, and a print setup (A4 landscape, one page wide, the
//! header row on every page). Sheet names, headers and words come from the locale files
//! (`xlsx.*`) in the report's language.
//!
//! Cells are read from the CSV tables' text, so the workbook's numbers are the CSV files'
//! (formula-like text is neutralised the same way); the workbook words ids the CSV files keep.

mod columns;
mod cover;

use std::collections::{BTreeMap, HashMap};

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::{ReportError, ReportInput};
use columns::Kind;
use parkbench_core::i18n::{Lang, Locale};

/// What the workbook shows besides its tables, in the report's language.
pub(super) struct Context<'a> {
    words: &'static Locale,
    /// The set's title and document, and the report's footer line, for the cover.
    title: String,
    document: String,
    footer: String,
    /// The identification block, (label, value) lines.
    ident: Vec<(String, String)>,
    issue_date: Option<parkbench_core::identification::NaiveDate>,
    preparer: Option<&'a str>,
    report_id: &'a str,
    park_names: BTreeMap<&'a str, &'a str>,
    /// The set's levels by id, worded.
    levels: BTreeMap<&'a str, String>,
    /// The unit of every indicator and rule id (the `measure` of peers and uncertainty).
    units: BTreeMap<&'a str, &'a str>,
    /// Metric names (the inventory's carrier columns).
    metrics: BTreeMap<&'a str, &'a str>,
    /// Peer groups by (kind, id), worded: the programme, a size band's label, a province's
    /// and a sector's name.
    groups: BTreeMap<(String, String), String>,
    /// Technology fields of the measure catalogue by id, named.
    fields: BTreeMap<&'a str, &'a str>,
}

/// The id of the score rows of a park-year (`rule` in scores.csv, `measure` in peers.csv and
/// uncertainty.csv).
const OVERALL: [&str; 2] = ["overall", "overall_score"];

impl<'a> Context<'a> {
    pub(super) fn new(input: &ReportInput<'a>, lang: Lang, footer: &str) -> Self {
        let words = Locale::get(lang);
        let set = &input.run.set;
        let ident = input.identification;
        let mut levels: BTreeMap<&str, String> = set
            .levels
            .iter()
            .map(|l| (l.id.as_str(), l.label.get(lang).to_string()))
            .collect();
        levels.insert("undetermined", words.word("scoring.level.undetermined"));
        let indicators = input.cat.indicators.iter();
        let mut units: BTreeMap<&str, &str> = indicators
            .map(|i| (i.id.as_str(), i.unit.as_str()))
            .collect();
        for r in &set.rules {
            let base = r.indicator.get_ref().split('.').next().unwrap_or_default();
            if let Some(i) = input.cat.get(base) {
                units.insert(r.id.as_str(), i.unit.as_str());
            }
        }
        units.extend(OVERALL.map(|o| (o, columns::POINTS)));
        let metrics = input.vocab.metrics.values().map(|m| {
            let name = m.name(lang);
            (m.id.as_str(), name)
        });
        Context {
            words,
            title: set.title.get(lang).to_string(),
            document: set.document.clone(),
            footer: footer.to_string(),
            ident: super::ident::lines(ident, lang),
            issue_date: ident.issue.issue_date,
            preparer: ident.issue.preparer.as_deref(),
            report_id: &ident.report_id,
            park_names: (input.data.parks.iter())
                .map(|p| (p.park_id.as_str(), p.name.as_str()))
                .collect(),
            levels,
            units,
            metrics: metrics.collect(),
            groups: peer_groups(input, lang),
            fields: input
                .pathways
                .map(|(_, cat)| {
                    cat.fields
                        .iter()
                        .map(|(id, name)| (id.as_str(), name.get(lang)))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// A sheet's name: its word, else its key.
    fn sheet_name(&self, key: &'static str) -> &'static str {
        self.words
            .lookup(&format!("xlsx.sheet.{key}"))
            .unwrap_or(key)
    }

    /// A column's header: its word, the carrier's name for the inventory's carrier columns,
    /// else the CSV name.
    fn header(&self, name: &str) -> String {
        if let Some(w) = self.words.lookup(&format!("xlsx.column.{name}")) {
            return w.to_string();
        }
        let tce = name.strip_prefix("tce_").map(|m| (m, true));
        let co2 = (name.strip_prefix("co2_"))
            .and_then(|m| m.strip_suffix("_t"))
            .map(|m| (m, false));
        match tce
            .or(co2)
            .and_then(|(m, tce)| Some((*self.metrics.get(m)?, tce)))
        {
            Some((metric, true)) => self.words.text(&t!("xlsx.pattern.tce", metric = metric)),
            Some((metric, false)) => self.words.text(&t!("xlsx.pattern.co2", metric = metric)),
            None => name.to_string(),
        }
    }
}

/// The workbook of `tables` (sheet key, CSV text), with its cover first.
pub(super) fn workbook(
    tables: &[(&'static str, &str)],
    ctx: &Context,
) -> Result<Vec<u8>, ReportError> {
    let xlsx = |e: XlsxError| ReportError::Workbook(e.to_string());
    let mut book = Workbook::new();
    book.set_properties(&properties(ctx).map_err(xlsx)?);
    let mut styles = Styles::new();
    let parsed = (tables.iter())
        .map(|(key, text)| Ok((*key, Table::parse(text)?)))
        .collect::<Result<Vec<_>, ReportError>>()?;
    let keys: Vec<&'static str> = parsed.iter().map(|(k, _)| *k).collect();
    cover::write(book.add_worksheet(), ctx, &keys, &styles).map_err(xlsx)?;
    for (key, table) in &parsed {
        let sheet = book.add_worksheet();
        sheet.set_name(ctx.sheet_name(key)).map_err(xlsx)?;
        table_sheet(sheet, key, table, ctx, &mut styles).map_err(xlsx)?;
    }
    book.save_to_buffer().map_err(xlsx)
}

/// The workbook's properties: title, subject, author (the preparer, when given), the report
/// id as its comment, and the issue date as its creation date (a fixed date without one), so
/// two runs give identical bytes.
fn properties(ctx: &Context) -> Result<DocProperties, XlsxError> {
    use parkbench_core::identification::Datelike;
    const NO_DATE: (u16, u8, u8) = (2000, 1, 1);
    let (y, m, d) = ctx.issue_date.map_or(NO_DATE, |d| {
        let year = u16::try_from(d.year()).unwrap_or(NO_DATE.0);
        (year, d.month() as u8, d.day() as u8)
    });
    let created = ExcelDateTime::from_ymd(y, m, d)?;
    let title = format!("{} · {}", ctx.words.raw("xlsx.cover.title"), ctx.title);
    let props = DocProperties::new()
        .set_title(&title)
        .set_subject(&ctx.document)
        .set_comment(ctx.report_id)
        .set_creation_datetime(&created);
    Ok(match ctx.preparer {
        Some(p) => props.set_author(p),
        None => props,
    })
}

/// A table read from its CSV text: the header and the rows.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn parse(text: &str) -> Result<Table, ReportError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = reader
            .records()
            .map(|r| Ok(r?.iter().map(str::to_string).collect()))
            .collect::<Result<Vec<Vec<String>>, csv::Error>>()
            .map_err(|e| ReportError::Workbook(e.to_string()))?;
        let header = if rows.is_empty() {
            Vec::new()
        } else {
            rows.remove(0)
        };
        Ok(Table { header, rows })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The non-empty cell of `row` in column `name`.
    fn get<'r>(&self, row: &'r [String], name: &str) -> Option<&'r str> {
        let i = self.index(name)?;
        row.get(i).map(String::as_str).filter(|c| !c.is_empty())
    }
}

/// A column of a sheet: a CSV column, or the park's name beside its id.
struct Column {
    name: String,
    /// Its CSV column; None for the park's name.
    at: Option<usize>,
    kind: Kind,
}

/// Columns that name what a row measures (an indicator or rule id), in the order they are
/// asked for a unit.
const MEASURED_BY: [&str; 2] = ["measure", "id"];

/// The column of park ids, and the one a park's name is looked up for.
const PARK_ID: &str = "park_id";
const PARK_NAME: &str = "park_name";

/// The sheet's columns: the CSV's, with the park's name after its id when the CSV has none.
fn plan(key: &str, header: &[String]) -> Vec<Column> {
    let has_names = header.iter().any(|h| h == PARK_NAME);
    let mut out = Vec::with_capacity(header.len() + 1);
    for (i, name) in header.iter().enumerate() {
        out.push(Column {
            name: name.clone(),
            at: Some(i),
            kind: columns::kind(key, name),
        });
        if name == PARK_ID && !has_names {
            out.push(Column {
                name: PARK_NAME.into(),
                at: None,
                kind: Kind::Text,
            });
        }
    }
    out
}

/// A cell as it is written.
enum Cell {
    Empty,
    Text(String),
    Number(f64, &'static str),
}

impl Cell {
    /// How many characters wide it shows (a Chinese character counts two).
    fn width(&self) -> usize {
        match self {
            Cell::Empty => 0,
            Cell::Text(s) => text_width(s),
            Cell::Number(v, f) => columns::shown_width(*v, f),
        }
    }
}

/// The display width of text in characters the width of a digit: two for wide (CJK,
/// full-width) characters, eight tenths for Latin letters and spaces, one for the rest.
pub(super) fn text_width(s: &str) -> usize {
    let tenths: usize = s
        .chars()
        .map(|c| {
            if is_wide(c) {
                WIDE_TENTHS
            } else if c.is_ascii_alphabetic() || c == ' ' {
                LETTER_TENTHS
            } else {
                DIGIT_TENTHS
            }
        })
        .sum();
    tenths.div_ceil(DIGIT_TENTHS)
}

/// Widths of characters in tenths of a digit's width (Calibri and the CJK fonts Excel falls
/// back to).
const DIGIT_TENTHS: usize = 10;
const LETTER_TENTHS: usize = 8;
const WIDE_TENTHS: usize = 20;

/// The ranges of characters drawn two columns wide: CJK, Hangul, full-width forms.
const WIDE: [(char, char); 3] = [
    ('\u{2E80}', '\u{A4CF}'),
    ('\u{AC00}', '\u{D7A3}'),
    ('\u{F900}', '\u{FFEF}'),
];

fn is_wide(c: char) -> bool {
    WIDE.iter().any(|(a, b)| (*a..=*b).contains(&c))
}

impl Context<'_> {
    /// The cell of `row` in `col`.
    fn cell(&self, table: &Table, row: &[String], col: &Column) -> Cell {
        let Some(i) = col.at else {
            let id = table.get(row, PARK_ID).unwrap_or_default();
            return self
                .park_names
                .get(id)
                .map_or(Cell::Empty, |n| Cell::Text(n.to_string()));
        };
        let raw = row.get(i).map(String::as_str).unwrap_or_default();
        if raw.is_empty() {
            return Cell::Empty;
        }
        let text = || Cell::Text(raw.to_string());
        let numeric = |format: &dyn Fn(f64) -> &'static str| {
            number(raw).map_or_else(text, |v| Cell::Number(v, format(v)))
        };
        match col.kind {
            Kind::Text => text(),
            Kind::Auto => numeric(&columns::auto_format),
            Kind::Number(f) => numeric(&|_| f),
            Kind::Measured(unit) => {
                numeric(&|v| columns::unit_format(self.unit_of(table, row, unit), v))
            }
            Kind::Worded(sections) => Cell::Text(self.worded(sections, raw)),
            Kind::Level => self
                .levels
                .get(raw)
                .map_or_else(text, |l| Cell::Text(l.clone())),
            Kind::PeerGroup => {
                let kind = table.get(row, "group_kind").unwrap_or_default();
                self.groups
                    .get(&(kind.to_string(), raw.to_string()))
                    .map_or_else(text, |name| Cell::Text(name.clone()))
            }
            Kind::Province => self
                .groups
                .get(&(
                    parkbench_core::stats::GroupKind::Province
                        .as_str()
                        .to_string(),
                    raw.to_string(),
                ))
                .map_or_else(text, |name| Cell::Text(name.clone())),
            Kind::Fields => Cell::Text(
                raw.split_whitespace()
                    .map(|f| self.fields.get(f).copied().unwrap_or(f))
                    .collect::<Vec<_>>()
                    .join(&self.words.word("report.list_separator")),
            ),
            Kind::PeerNote => match raw.strip_prefix("too_small_") {
                Some(min) => Cell::Text(
                    self.words
                        .text(&t!("report.peer_note_too_small", min = min)),
                ),
                None => text(),
            },
            Kind::LevelShares => Cell::Text(
                raw.split_whitespace()
                    .map(|part| match part.rsplit_once(':') {
                        Some((id, share)) => {
                            let level = self.levels.get(id).map_or(id, String::as_str);
                            match share.parse::<f64>() {
                                Ok(x) => format!("{level} {:.0} %", x * 100.0),
                                Err(_) => format!("{level} {share}"),
                            }
                        }
                        None => part.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(&self.words.word("report.list_separator")),
            ),
        }
    }

    /// The unit of a row's value: its `unit_column`, else the unit of what the row measures
    /// (its `measure`, or the rule a provenance row's `id` names).
    fn unit_of<'r>(&'r self, table: &Table, row: &'r [String], unit_column: &str) -> &'r str {
        let of = |column: &str| {
            let id = table.get(row, column)?;
            self.units.get(id).copied()
        };
        (table.get(row, unit_column))
            .or_else(|| MEASURED_BY.iter().find_map(|c| of(c)))
            .unwrap_or_default()
    }

    /// An id in words: the first of `sections` that has it, else the id.
    fn worded(&self, sections: &[&str], id: &str) -> String {
        sections
            .iter()
            .find_map(|s| self.words.lookup(&format!("{s}{id}")))
            .unwrap_or(id)
            .to_string()
    }
}

/// Every peer group of the programme in words, by (kind, id) as peers.csv writes them.
fn peer_groups(input: &ReportInput, lang: Lang) -> BTreeMap<(String, String), String> {
    use parkbench_core::stats::GroupKind;
    let words = Locale::get(lang);
    let t = super::labels(lang);
    let mut out = BTreeMap::new();
    out.insert(
        (GroupKind::Programme.as_str().to_string(), "all".to_string()),
        t["kind_programme"].to_string(),
    );
    for b in &input.programme.peer_config.size_bands {
        out.insert(
            (GroupKind::Size.as_str().to_string(), b.id.clone()),
            b.label.get(lang).to_string(),
        );
    }
    for p in &input.data.parks {
        if let (Some(id), Some(name)) = (&p.province, &p.province_name) {
            out.insert(
                (GroupKind::Province.as_str().to_string(), id.clone()),
                words.text(name),
            );
        }
        let sector = p.sector.trim().to_lowercase();
        if !sector.is_empty() {
            out.insert(
                (GroupKind::Sector.as_str().to_string(), sector),
                words.text(&p.sector_text()),
            );
        }
    }
    out
}

/// A cell that is a plain number (not an id such as `2024-03` or a code with leading zeros).
fn number(cell: &str) -> Option<f64> {
    let leading_zero = cell.len() > 1 && cell.starts_with('0') && !cell.starts_with("0.");
    if leading_zero {
        return None;
    }
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The formats of the workbook, made once: the header row, text, wrapped text and one per
/// number format.
struct Styles {
    header: Format,
    text: Format,
    wrapped: Format,
    numbers: HashMap<&'static str, Format>,
}

impl Styles {
    fn new() -> Self {
        let top = |f: Format| f.set_align(FormatAlign::Top);
        Styles {
            header: top(Format::new())
                .set_bold()
                .set_text_wrap()
                .set_background_color(HEADER_FILL)
                .set_border_bottom(FormatBorder::Thin),
            text: top(Format::new()),
            wrapped: top(Format::new()).set_text_wrap(),
            numbers: HashMap::new(),
        }
    }

    fn number(&mut self, format: &'static str) -> &Format {
        self.numbers.entry(format).or_insert_with(|| {
            Format::new()
                .set_num_format(format)
                .set_align(FormatAlign::Top)
        })
    }
}

/// The header row's fill (light grey).
const HEADER_FILL: u32 = 0xF2F2F2;
/// Column widths, in characters: no column narrower than `MIN`; a header wraps beyond
/// `HEADER`; a text column is cut to `TEXT` and its cells wrap; `PAD` is the margin.
const MIN_WIDTH: usize = 6;
const HEADER_WIDTH: usize = 18;
const TEXT_WIDTH: usize = 48;
const PAD_WIDTH: usize = 2;
/// Paper size code of A4 in Excel's page setup.
const PAPER_A4: u8 = 9;
/// The printed footer: the sheet's name on the left, "page / pages" on the right.
const PAGE_FOOTER: &str = "&L&A&R&P / &N";

/// Writes a table's sheet: header, cells, widths, row heights, frozen header and id columns,
/// filter, print setup.
fn table_sheet(
    sheet: &mut Worksheet,
    key: &str,
    table: &Table,
    ctx: &Context,
    styles: &mut Styles,
) -> Result<(), XlsxError> {
    let cols = plan(key, &table.header);
    let headers: Vec<String> = cols.iter().map(|c| ctx.header(&c.name)).collect();
    let cells: Vec<Vec<Cell>> = (table.rows.iter())
        .map(|row| cols.iter().map(|c| ctx.cell(table, row, c)).collect())
        .collect();
    let widths = Widths::of(&headers, &cells);
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &styles.header)?;
    }
    for (r, row) in cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            write_cell(
                sheet,
                (r + 1) as u32,
                c as u16,
                cell,
                widths.wrap[c],
                styles,
            )?;
        }
    }
    widths.apply(sheet, &headers, &cells)?;
    let frozen = cols
        .iter()
        .position(|c| c.name == PARK_NAME)
        .map_or(0, |i| i + 1);
    let last = (table.rows.len() as u32, cols.len().saturating_sub(1) as u16);
    finish(sheet, frozen as u16, last, ctx)
}

/// The columns' widths (in characters) and which of them wrap their text.
struct Widths {
    width: Vec<usize>,
    wrap: Vec<bool>,
}

impl Widths {
    /// As wide as the widest cell, within [`MIN_WIDTH`] and [`TEXT_WIDTH`]; a header counts up
    /// to [`HEADER_WIDTH`] (it wraps beyond), a column whose cells are wider wraps them.
    fn of(headers: &[String], cells: &[Vec<Cell>]) -> Widths {
        let natural: Vec<usize> = (0..headers.len())
            .map(|c| {
                let header = text_width(&headers[c]).min(HEADER_WIDTH);
                cells.iter().map(|r| r[c].width()).fold(header, usize::max)
            })
            .collect();
        Widths {
            width: (natural.iter())
                .map(|w| (*w).clamp(MIN_WIDTH, TEXT_WIDTH) + PAD_WIDTH)
                .collect(),
            wrap: natural.iter().map(|w| *w > TEXT_WIDTH).collect(),
        }
    }

    /// Sets the widths, and the height of every row whose text wraps to more than one line
    /// (spreadsheets do not grow a row for wrapped text on their own when they open a file).
    fn apply(
        &self,
        sheet: &mut Worksheet,
        headers: &[String],
        cells: &[Vec<Cell>],
    ) -> Result<(), XlsxError> {
        for (c, w) in self.width.iter().enumerate() {
            sheet.set_column_width(c as u16, *w as f64)?;
        }
        let header_lines = (headers.iter().enumerate())
            .map(|(c, h)| lines(text_width(h), self.width[c]))
            .max()
            .unwrap_or(1);
        set_lines(sheet, 0, header_lines)?;
        for (r, row) in cells.iter().enumerate() {
            let n = (row.iter().enumerate())
                .filter(|(c, _)| self.wrap[*c])
                .map(|(c, cell)| lines(cell.width(), self.width[c]))
                .max()
                .unwrap_or(1);
            set_lines(sheet, (r + 1) as u32, n)?;
        }
        Ok(())
    }
}

/// The lines text `width` characters wide takes in a column `column` characters wide.
pub(super) fn lines(width: usize, column: usize) -> usize {
    let usable = column.saturating_sub(PAD_WIDTH).max(1);
    width.div_ceil(usable).max(1)
}

/// The height of one line of text in points (11-point text), and the most lines a row grows
/// to (a longer text is cut on screen; the cell keeps it whole).
const LINE_HEIGHT: f64 = 15.0;
const MAX_LINES: usize = 12;

/// Makes row `r` tall enough for `n` lines (one line: the default height).
pub(super) fn set_lines(sheet: &mut Worksheet, r: u32, n: usize) -> Result<(), XlsxError> {
    if n > 1 {
        sheet.set_row_height(r, n.min(MAX_LINES) as f64 * LINE_HEIGHT)?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    cell: &Cell,
    wrap: bool,
    styles: &mut Styles,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => {
            let format = if wrap { &styles.wrapped } else { &styles.text };
            sheet.write_string_with_format(r, c, s, format)?;
        }
        Cell::Number(v, f) => {
            sheet.write_number_with_format(r, c, *v, styles.number(f))?;
        }
    }
    Ok(())
}

/// The header row (and the park's id and name) frozen, a filter on the header, and the print
/// setup: A4 landscape, one page wide, the header row on every page, the set and the report id
/// above, the sheet and page number below.
fn finish(
    sheet: &mut Worksheet,
    frozen_columns: u16,
    (last_row, last_col): (u32, u16),
    ctx: &Context,
) -> Result<(), XlsxError> {
    sheet.set_freeze_panes(1, frozen_columns)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_repeat_rows(0, 0)?;
    sheet
        .set_landscape()
        .set_paper_size(PAPER_A4)
        .set_print_fit_to_pages(1, 0)
        .set_header(page_header(ctx))
        .set_footer(PAGE_FOOTER);
    Ok(())
}

/// How many characters of the set's title a printed page header carries (Excel allows 255 in
/// a header).
const HEADER_TITLE_CHARS: usize = 120;

/// The printed page header: the set's title on the left, the report id on the right (`&` is
/// Excel's control character, doubled to print).
fn page_header(ctx: &Context) -> String {
    let title: String = ctx.title.chars().take(HEADER_TITLE_CHARS).collect();
    let id = ctx.words.raw("report.ident_report_id");
    format!(
        "&L{}&R{id} {}",
        title.replace('&', "&&"),
        ctx.report_id.replace('&', "&&")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_numbers_and_ids_stay_text() {
        assert_eq!(number("12.5"), Some(12.5));
        assert_eq!(number("-3"), Some(-3.0));
        assert_eq!(number("0.25"), Some(0.25));
        assert_eq!(number("007"), None);
        assert_eq!(number("2024-03"), None);
        assert_eq!(number("NaN"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn a_park_name_column_follows_the_park_id_unless_the_table_has_one() {
        let header = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cols = plan("scores", &header(&["park_id", "year"]));
        let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["park_id", "park_name", "year"]);
        assert_eq!(cols[1].at, None);
        let cols = plan("needs", &header(&["id", "park_id", "park_name"]));
        assert_eq!(cols.len(), 3);
    }

    #[test]
    fn chinese_text_is_twice_as_wide() {
        assert_eq!(text_width("abcdefghij"), 8);
        assert_eq!(text_width("2024"), 4);
        assert_eq!(text_width("园区"), 4);
        assert_eq!(text_width("（tce）"), 7);
    }
}
