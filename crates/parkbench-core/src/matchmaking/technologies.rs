//! A technology catalogue: a CSV file, one row per technology (format in the README), read with
//! every problem located by file, line and column, all at once, like the data files.

use serde::Serialize;

use crate::diag::{Diagnostic, Origin};
use crate::i18n::Lang;
use crate::pathway::{self, Measure, Step};

/// How a technology is offered.
pub const OFFERS: [&str; 5] = [
    "licence",
    "sale",
    "collaboration",
    "joint_venture",
    "service",
];

/// Units a capacity may be given in: per installation and year (MWh, GJ, t, m3) or in MW.
pub const CAPACITY_UNITS: [&str; 5] = ["MW", "MWh", "GJ", "t", "m3"];

/// The columns of a catalogue, in order.
pub const COLUMNS: [&str; 18] = [
    "id",
    "title_en",
    "title_zh",
    "provider",
    "field",
    "implements",
    "trl",
    "countries",
    "offer",
    "capacity",
    "capacity_unit",
    "cost_low",
    "cost_high",
    "cost_unit",
    "source",
    "url",
    "note",
    "sectors",
];

/// A technology a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Technology {
    pub id: String,
    pub title_en: String,
    pub title_zh: String,
    pub provider: String,
    /// A technology field of the measure file.
    pub field: String,
    /// Measure ids or measure kinds it implements.
    pub implements: Vec<String>,
    /// Technology readiness level, 1-9.
    pub trl: u8,
    /// ISO 3166-1 alpha-2 codes of countries where it is deployed.
    pub countries: Vec<String>,
    pub offer: String,
    /// What one installation delivers (per year for MWh, GJ, t, m3), in `capacity_unit`.
    pub capacity: Option<f64>,
    pub capacity_unit: String,
    pub cost_low: Option<f64>,
    pub cost_high: Option<f64>,
    pub cost_unit: String,
    pub source: String,
    pub url: String,
    pub note: String,
    /// The park sectors it is built for (ids of `indicators/sectors.toml`); empty: any sector.
    pub sectors: Vec<String>,
}

impl Technology {
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick_filled(&self.title_en, &self.title_zh)
    }

    /// Is it built for a park of this sector (as parks.csv writes it)? A technology that names
    /// no sector serves any; one that names some never serves a park whose sector is unknown.
    pub fn serves_sector(&self, written: &str, sectors: &crate::reference::Sectors) -> bool {
        self.sectors.is_empty()
            || sectors
                .find(written)
                .is_some_and(|s| self.sectors.contains(&s.id))
    }

    /// Does it implement this measure (named by id, or by its kind)?
    pub fn implements(&self, m: &Measure) -> bool {
        let kind = serde_json::to_value(m.kind_name())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        self.implements.iter().any(|x| *x == m.id || *x == kind)
    }

    /// The share of a plan step one installation covers (capped at 1), when the capacity is
    /// in the step's size unit (MW) or amount unit (MWh, GJ, t, m3).
    pub fn coverage(&self, s: &Step, units: &crate::units::Units) -> Option<f64> {
        let cap = self.capacity?;
        let need = if self.capacity_unit == "MW" {
            (s.size_unit == "MW").then_some(s.size)?
        } else {
            // Amounts in units of one dimension compare (MWh and GJ) through units.toml.
            let dims = units.dimensions_of(&self.capacity_unit);
            let dim = dims.first()?;
            let from = units.find(dim, s.effect.amount_unit)?;
            let to = units.find(dim, &self.capacity_unit)?;
            units.convert(s.effect.amount, from, to)
        };
        (need > 0.0).then(|| (cap / need).min(1.0))
    }
}

/// A technology catalogue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TechnologyCatalogue {
    /// The file, as named to the user.
    pub file: String,
    pub technologies: Vec<Technology>,
}

impl TechnologyCatalogue {
    pub fn get(&self, id: &str) -> Option<&Technology> {
        self.technologies.iter().find(|t| t.id == id)
    }

    /// Reads a catalogue from its bytes (UTF-8, a BOM allowed). Every problem is returned at
    /// once; a catalogue with errors is not used.
    pub fn parse(
        name: &str,
        bytes: &[u8],
        measures: &pathway::MeasureCatalogue,
        vocab: &crate::reference::Vocabulary,
    ) -> Result<TechnologyCatalogue, Vec<Diagnostic>> {
        let max_rows = vocab.limits.technologies.max_rows;
        let origin = Origin::file(name);
        let Opened { mut reader, header } = open(&origin, bytes)?;
        let mut problems = Vec::new();
        let mut out: Vec<Technology> = Vec::new();
        for (i, rec) in reader.records().enumerate() {
            if i >= max_rows {
                problems.push(
                    Diagnostic::error(&origin, 0, 0, t!("tech.too_many_rows"))
                        .value(max_rows.to_string()),
                );
                break;
            }
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    problems.push(
                        Diagnostic::error(&origin, line, 0, t!("tech.unreadable"))
                            .value(e.to_string()),
                    );
                    continue;
                }
            };
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut row = Row {
                origin: &origin,
                header: &header,
                rec: &rec,
                line: rec.position().map_or(i + 2, |p| p.line() as usize),
                problems: &mut problems,
                known_sectors: &vocab.sectors,
            };
            let technology = row.technology(&out, measures);
            out.push(technology);
        }
        if problems.is_empty() {
            Ok(TechnologyCatalogue {
                file: name.to_string(),
                technologies: out,
            })
        } else {
            Err(problems)
        }
    }
}

/// A catalogue's CSV reader, past its header.
struct Opened<'b> {
    reader: csv::Reader<&'b [u8]>,
    /// The column names, trimmed, in lower case.
    header: Vec<String>,
}

/// The catalogue's CSV reader, or why there is none: not UTF-8, no readable header, or a
/// required column missing.
fn open<'b>(origin: &Origin, bytes: &'b [u8]) -> Result<Opened<'b>, Vec<Diagnostic>> {
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)) {
        Ok(t) => t,
        Err(e) => {
            return Err(vec![
                Diagnostic::error(origin, 0, 0, t!("tech.not_utf8"))
                    .value(format!("byte {}", e.valid_up_to())),
            ]);
        }
    };
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match r.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            return Err(vec![
                Diagnostic::error(origin, 1, 0, t!("tech.unreadable")).value(e.to_string()),
            ]);
        }
    };
    let problems: Vec<Diagnostic> = ["id", "title_en", "field", "implements", "trl"]
        .into_iter()
        .filter(|c| !header.iter().any(|h| h == c))
        .map(|c| {
            Diagnostic::error(origin, 1, 0, t!("tech.missing_column", column = c))
                .expected(t!("tech.expected_columns", list = COLUMNS.join(",")))
        })
        .collect();
    if problems.is_empty() {
        Ok(Opened { reader: r, header })
    } else {
        Err(problems)
    }
}

/// The measure kinds a technology may implement (besides measure ids).
const KINDS: [&str; 7] = [
    "green_purchase",
    "onsite_renewable",
    "substitute",
    "efficiency",
    "waste_heat",
    "capture",
    "resource",
];

/// One record of a catalogue being read: its cells by column name, and where its problems go.
struct Row<'r> {
    origin: &'r Origin,
    header: &'r [String],
    rec: &'r csv::StringRecord,
    line: usize,
    problems: &'r mut Vec<Diagnostic>,
    /// The sectors a technology may name.
    known_sectors: &'r crate::reference::Sectors,
}

impl<'r> Row<'r> {
    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// A cell, trimmed ("" when the column or the cell is absent).
    fn cell(&self, name: &str) -> &'r str {
        let rec = self.rec;
        self.col(name).and_then(|c| rec.get(c)).unwrap_or("").trim()
    }

    /// The column's number, counted from 1 (0 when absent).
    fn at(&self, name: &str) -> usize {
        self.col(name).map_or(0, |c| c + 1)
    }

    fn bad(&mut self, name: &str, value: &str, msg: crate::i18n::Text, exp: crate::i18n::Text) {
        let at = self.at(name);
        self.problems.push(
            Diagnostic::error(self.origin, self.line, at, msg)
                .value(value)
                .expected(exp),
        );
    }

    /// The row as a technology; its problems, in column order, go to `problems`.
    fn technology(
        &mut self,
        earlier: &[Technology],
        measures: &pathway::MeasureCatalogue,
    ) -> Technology {
        let id = self.id(earlier);
        if self.cell("title_en").is_empty() {
            self.bad("title_en", "", t!("tech.empty"), t!("tech.expected_title"));
        }
        let field = self.field(measures);
        let implements = self.implements(measures);
        let trl = self.trl();
        let countries = self.countries();
        let sectors = self.sectors();
        let offer = self.offer();
        let capacity = self.number("capacity");
        let cost_low = self.number("cost_low");
        let cost_high = self.number("cost_high");
        let capacity_unit = self.capacity_unit(capacity);
        self.check_cost_order(cost_low, cost_high);
        Technology {
            id,
            title_en: self.cell("title_en").to_string(),
            title_zh: self.cell("title_zh").to_string(),
            provider: self.cell("provider").to_string(),
            field,
            implements,
            trl,
            countries,
            offer,
            capacity,
            capacity_unit,
            cost_low,
            cost_high,
            cost_unit: self.cell("cost_unit").to_string(),
            source: self.cell("source").to_string(),
            url: self.cell("url").to_string(),
            note: self.cell("note").to_string(),
            sectors,
        }
    }

    fn id(&mut self, earlier: &[Technology]) -> String {
        let id = self.cell("id").to_string();
        if id.is_empty() || !crate::input::parks::valid_park_id(&id) {
            self.bad("id", &id, t!("tech.bad_id"), t!("tech.expected_id"));
        } else if earlier.iter().any(|t| t.id == id) {
            self.bad("id", &id, t!("tech.duplicate_id"), t!("tech.expected_id"));
        }
        id
    }

    fn field(&mut self, measures: &pathway::MeasureCatalogue) -> String {
        let field = self.cell("field").to_string();
        if !measures.fields.contains_key(&field) {
            self.bad(
                "field",
                &field,
                t!("tech.unknown_field"),
                t!(
                    "diag.expected.one_of",
                    list = measures
                        .fields
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        field
    }

    fn implements(&mut self, measures: &pathway::MeasureCatalogue) -> Vec<String> {
        let written = self.cell("implements");
        let implements: Vec<String> = written
            .split([' ', ';', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let unknown = implements
            .iter()
            .any(|x| measures.measure(x).is_none() && !KINDS.contains(&x.as_str()));
        if implements.is_empty() || unknown {
            self.bad(
                "implements",
                written,
                t!("tech.unknown_measure"),
                t!(
                    "tech.expected_measures",
                    list = measures
                        .measures
                        .iter()
                        .map(|m| m.id.as_str())
                        .chain(KINDS)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        implements
    }

    fn trl(&mut self) -> u8 {
        let written = self.cell("trl");
        match written.parse::<u8>() {
            Ok(n) if (1..=9).contains(&n) => n,
            _ => {
                self.bad("trl", written, t!("tech.bad_trl"), t!("tech.expected_trl"));
                0
            }
        }
    }

    fn countries(&mut self) -> Vec<String> {
        let written = self.cell("countries");
        let countries: Vec<String> = written
            .split([' ', ';', ','])
            .filter(|s| !s.is_empty())
            .map(|s| s.to_uppercase())
            .collect();
        if countries
            .iter()
            .any(|c| c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()))
        {
            self.bad(
                "countries",
                written,
                t!("tech.bad_countries"),
                t!("tech.expected_countries"),
            );
        }
        countries
    }

    fn sectors(&mut self) -> Vec<String> {
        let mut sectors = Vec::new();
        for written in self
            .cell("sectors")
            .split([' ', ';', ','])
            .filter(|s| !s.is_empty())
        {
            match self.known_sectors.find(written) {
                Some(s) => sectors.push(s.id.clone()),
                None => self.bad(
                    "sectors",
                    written,
                    t!("tech.bad_sector"),
                    t!(
                        "diag.expected.one_of",
                        list = self
                            .known_sectors
                            .list()
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        sectors
    }

    fn offer(&mut self) -> String {
        let offer = self.cell("offer").to_lowercase();
        if !offer.is_empty() && !OFFERS.contains(&offer.as_str()) {
            self.bad(
                "offer",
                &offer,
                t!("tech.bad_offer"),
                t!("diag.expected.one_of", list = OFFERS.join(", ")),
            );
        }
        offer
    }

    /// A non-negative number (thousands separators allowed), None when empty or bad.
    fn number(&mut self, name: &str) -> Option<f64> {
        let v = self.cell(name);
        if v.is_empty() {
            return None;
        }
        match v.replace(',', "").parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                let at = self.at(name);
                self.problems.push(
                    Diagnostic::error(self.origin, self.line, at, t!("tech.bad_number"))
                        .value(v)
                        .expected(t!("diag.expected.number_example")),
                );
                None
            }
        }
    }

    /// The capacity's unit, checked when a capacity is given.
    fn capacity_unit(&mut self, capacity: Option<f64>) -> String {
        let unit = self.cell("capacity_unit").to_string();
        if capacity.is_some() && !CAPACITY_UNITS.contains(&unit.as_str()) {
            let at = self.at("capacity_unit");
            self.problems.push(
                Diagnostic::error(self.origin, self.line, at, t!("tech.bad_unit"))
                    .value(unit.clone())
                    .expected(t!("diag.expected.one_of", list = CAPACITY_UNITS.join(", "))),
            );
        }
        unit
    }

    fn check_cost_order(&mut self, cost_low: Option<f64>, cost_high: Option<f64>) {
        if let (Some(l), Some(h)) = (cost_low, cost_high)
            && l > h
        {
            let at = self.at("cost_high");
            self.problems.push(
                Diagnostic::error(self.origin, self.line, at, t!("tech.cost_order"))
                    .value(format!("{l} > {h}")),
            );
        }
    }
}
