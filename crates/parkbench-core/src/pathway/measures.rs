//! The measure catalogue (`indicators/measures.toml`) and carrier prices
//! (`indicators/prices.csv`): read, checked (every parameter has the unit its kind expects, a
//! source and a status; every carrier and price a measure names exists) and turned into numbers
//! in CNY and canonical units. Nothing here is a number of its own: all come from the files.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::benchmark::{Bilingual, Label, SourceStatus};
use crate::reference::{ReferenceError, Vocabulary, line_col, parse_toml, read_text};

/// A number of the measure file with where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub value: f64,
    pub unit: String,
    pub source: String,
    pub status: SourceStatus,
    #[serde(default)]
    pub note: Option<Label>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    finance: Finance,
    #[serde(default)]
    currency: BTreeMap<String, Param>,
    plan: PlanSettings,
    #[serde(default)]
    fields: BTreeMap<String, Bilingual>,
    #[serde(default)]
    hours: Vec<Hours>,
    #[serde(default)]
    measure: Vec<RawMeasure>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Finance {
    discount_rate: Param,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanSettings {
    horizon_years: Param,
}

/// Full-load hours of a technology in a province (`*`: national).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    pub tech: String,
    pub province: String,
    pub value: f64,
    pub unit: String,
    pub year: i32,
    pub source: String,
    pub status: SourceStatus,
    #[serde(default)]
    pub note: Option<Label>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    GreenPurchase,
    OnsiteRenewable,
    Substitute,
    Efficiency,
    WasteHeat,
    Capture,
    Resource,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    id: String,
    field: String,
    kind: KindName,
    name: Bilingual,
    what: Bilingual,
    #[serde(default)]
    tech: Option<String>,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    carriers: Vec<String>,
    #[serde(default)]
    displaces: Vec<String>,
    #[serde(default)]
    numerator: Option<String>,
    #[serde(default)]
    denominator: Option<String>,
    #[serde(default)]
    offsets: Option<String>,
    #[serde(default)]
    price: Option<String>,
    params: BTreeMap<String, toml::Spanned<Param>>,
}

/// What a measure does, with its numbers in CNY and canonical units (GJ for energy, MWh for
/// electricity, t, m3).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// Moves up to `max_share` of grid electricity to green electricity of the class of the
    /// metric `to` (certificates, green power trading) at `price`.
    GreenPurchase {
        max_share: f64,
        price: String,
        to: String,
    },
    /// PV or wind on site, replacing grid electricity.
    OnsiteRenewable {
        tech: String,
        /// Largest share of the grid electricity left that its output may replace.
        max_share: f64,
        capex_per_kw: f64,
        fixed_om: f64,
        lifetime: f64,
        limit: SiteLimit,
    },
    /// A share of `from` carriers replaced by `to` at equal useful heat.
    Substitute {
        from: Vec<String>,
        to: String,
        max_share: f64,
        efficiency_from: f64,
        efficiency_to: f64,
        capex_per_kw: f64,
        fixed_om: f64,
        /// CNY per GJ of useful heat.
        variable_om_per_gj: f64,
        lifetime: f64,
        operating_hours: f64,
    },
    /// A share of `carriers` saved.
    Efficiency {
        carriers: Vec<String>,
        max_share: f64,
        /// CNY per GJ/yr saved.
        capex_per_gj: f64,
        lifetime: f64,
    },
    /// More waste heat recovered, displacing `displaces` in order.
    WasteHeat {
        displaces: Vec<String>,
        max_rate: f64,
        efficiency_displaced: f64,
        /// CNY per GJ/yr recovered.
        capex_per_gj: f64,
        fixed_om: f64,
        lifetime: f64,
    },
    /// Capture of process CO2.
    Capture {
        max_share: f64,
        capture_rate: f64,
        /// CNY per t/h of capture capacity.
        capex_per_t_h: f64,
        variable_om_per_t: f64,
        heat_gj_per_t: f64,
        electricity_mwh_per_t: f64,
        lifetime: f64,
        operating_hours: f64,
    },
    /// A resource rate raised towards `max_rate`.
    Resource {
        numerator: String,
        denominator: String,
        offsets: Option<String>,
        max_rate: f64,
        /// CNY per unit of the numerator added per year.
        cost_per_unit: f64,
    },
}

/// What bounds on-site renewables at a park.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteLimit {
    /// PV on roofs: kW per m2 of module, usable share of a roof, roof share of land when the
    /// park gives no roof area.
    Roof {
        kw_per_m2: f64,
        usable_share: f64,
        land_roof_share: f64,
    },
    /// Wind on land: MW per km2 of park land.
    Land { mw_per_km2: f64 },
}

/// A measure of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub id: String,
    /// Its technology field (an id of the file's `[fields]`).
    pub field: String,
    pub name: Bilingual,
    pub what: Bilingual,
    pub kind: Kind,
    /// The parameters as written, with sources (shown in reports).
    pub params: BTreeMap<String, Param>,
}

impl Measure {
    pub fn kind_name(&self) -> KindName {
        match self.kind {
            Kind::GreenPurchase { .. } => KindName::GreenPurchase,
            Kind::OnsiteRenewable { .. } => KindName::OnsiteRenewable,
            Kind::Substitute { .. } => KindName::Substitute,
            Kind::Efficiency { .. } => KindName::Efficiency,
            Kind::WasteHeat { .. } => KindName::WasteHeat,
            Kind::Capture { .. } => KindName::Capture,
            Kind::Resource { .. } => KindName::Resource,
        }
    }

    /// The unit a size of this measure is given in (scenario files, plan tables).
    pub fn size_unit(&self) -> &'static str {
        match self.kind {
            Kind::OnsiteRenewable { .. } => "MW",
            Kind::WasteHeat { .. } | Kind::Resource { .. } => "rate",
            _ => "share",
        }
    }

    /// Does it act on CO2 (false: resource measures, which move guiding indicators only)?
    pub fn abates(&self) -> bool {
        !matches!(self.kind, Kind::Resource { .. })
    }

    /// The status of its weakest parameter (what a reader should trust it as).
    pub fn weakest_status(&self) -> SourceStatus {
        let rank = |s: SourceStatus| match s {
            SourceStatus::Confirmed => 0,
            SourceStatus::Secondary => 1,
            SourceStatus::Unconfirmed => 2,
        };
        self.params
            .values()
            .map(|p| p.status)
            .max_by_key(|s| rank(*s))
            .unwrap_or(SourceStatus::Confirmed)
    }
}

/// A price of `indicators/prices.csv`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Price {
    pub item: String,
    pub province: String,
    pub value: f64,
    pub unit: String,
    pub year: i32,
    pub source: String,
    pub status: SourceStatus,
    #[serde(default)]
    pub note: String,
}

/// The measure catalogue with its finance settings, hours and prices.
#[derive(Debug, Clone, Serialize)]
pub struct MeasureCatalogue {
    /// The file it was read from, as named to the user.
    pub file: String,
    pub discount_rate: Param,
    /// CNY per unit of each other currency.
    pub currency: BTreeMap<String, Param>,
    pub horizon_years: Param,
    /// Technology fields by id, named in both languages.
    pub fields: BTreeMap<String, Bilingual>,
    pub hours: Vec<Hours>,
    pub measures: Vec<Measure>,
    pub prices: Vec<Price>,
    pub prices_file: String,
}

impl MeasureCatalogue {
    /// The shipped catalogue, or the user's files (`measures`, `prices`: each a name and its
    /// text, read by the caller with [`crate::world::read_text`]) in its place.
    pub fn load(
        measures: Option<(String, String)>,
        prices: Option<(String, String)>,
        vocab: &Vocabulary,
    ) -> Result<Self, ReferenceError> {
        let (file, text) = match measures {
            Some(named) => named,
            None => read_text("measures.toml", None)?,
        };
        let (prices_file, prices_text) = match prices {
            Some(named) => named,
            None => read_text("prices.csv", None)?,
        };
        let prices = parse_prices(&prices_file, &prices_text, vocab)?;
        Self::from_text(&file, &text, prices, &prices_file, vocab)
    }

    fn from_text(
        file: &str,
        text: &str,
        prices: Vec<Price>,
        prices_file: &str,
        vocab: &Vocabulary,
    ) -> Result<Self, ReferenceError> {
        let raw: File = parse_toml(file, text)?;
        let mut problems = check_settings(&raw);
        let mut seen = std::collections::BTreeSet::new();
        let mut measures = Vec::new();
        for m in raw.measure {
            if !seen.insert(m.id.clone()) {
                problems.push(format!("measure {}: defined twice", m.id));
                continue;
            }
            if !raw.fields.contains_key(&m.field) {
                problems.push(format!(
                    "{file}: measure {}: field \"{}\" is not in [fields] ({})",
                    m.id,
                    m.field,
                    raw.fields.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            let mut ctx = Check {
                file,
                text,
                id: &m.id,
                params: &m.params,
                currency: &raw.currency,
                vocab,
                problems: &mut problems,
            };
            if let Some(kind) = ctx.kind(&m, &raw.hours, &prices) {
                measures.push(Measure {
                    id: m.id.clone(),
                    field: m.field.clone(),
                    name: m.name,
                    what: m.what,
                    kind,
                    params: m
                        .params
                        .iter()
                        .map(|(k, v)| (k.clone(), v.get_ref().clone()))
                        .collect(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(ReferenceError::Parse {
                file: file.to_string(),
                message: problems.join("\n"),
            });
        }
        Ok(MeasureCatalogue {
            file: file.to_string(),
            discount_rate: raw.finance.discount_rate,
            currency: raw.currency,
            horizon_years: raw.plan.horizon_years,
            fields: raw.fields,
            hours: raw.hours,
            measures,
            prices,
            prices_file: prices_file.to_string(),
        })
    }

    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }

    /// Full-load hours of a technology in a province (falling back to the national row).
    pub fn hours(&self, tech: &str, province: Option<&str>) -> Option<&Hours> {
        let of = |p: &str| {
            self.hours
                .iter()
                .find(|h| h.tech == tech && h.province == p)
        };
        province.and_then(of).or_else(|| of("*"))
    }

    /// The price of an item in a province (falling back to the national row).
    pub fn price(&self, item: &str, province: Option<&str>) -> Option<&Price> {
        let of = |p: &str| {
            self.prices
                .iter()
                .find(|x| x.item == item && x.province == p)
        };
        province.and_then(of).or_else(|| of("*"))
    }
}

/// Items of prices.csv that are not carriers, priced per MWh of electricity.
const CERTIFICATE_ITEMS: [&str; 2] = ["green_certificate", "green_power_premium"];

fn parse_prices(file: &str, text: &str, vocab: &Vocabulary) -> Result<Vec<Price>, ReferenceError> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut out: Vec<Price> = Vec::new();
    let mut problems = Vec::new();
    for rec in rdr.deserialize::<Price>() {
        let p = match rec {
            Ok(p) => p,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let expected = if CERTIFICATE_ITEMS.contains(&p.item.as_str()) {
            Some("CNY/MWh".to_string())
        } else {
            vocab
                .metrics
                .get(&p.item)
                .filter(|m| m.is_carrier())
                .map(|m| format!("CNY/{}", m.canonical))
        };
        match expected {
            None => problems.push(format!(
                "{}: not a carrier metric id nor one of {}",
                p.item,
                CERTIFICATE_ITEMS.join(", ")
            )),
            Some(u) if u != p.unit => problems.push(format!(
                "{} ({}): unit \"{}\"; expected \"{u}\"",
                p.item, p.province, p.unit
            )),
            Some(_) if !p.value.is_finite() || p.value < 0.0 => problems.push(format!(
                "{} ({}): price {}; expected a number of 0 or more",
                p.item, p.province, p.value
            )),
            Some(_) => {}
        }
        if out
            .iter()
            .any(|q| q.item == p.item && q.province == p.province)
        {
            problems.push(format!("{} ({}): priced twice", p.item, p.province));
        }
        out.push(p);
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ReferenceError::Parse {
            file: file.to_string(),
            message: problems.join("\n"),
        })
    }
}

/// The problems of the file's settings: currencies, finance, plan and full-load hours.
fn check_settings(raw: &File) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, p) in &raw.currency {
        if p.unit != format!("CNY/{name}") || p.value <= 0.0 {
            problems.push(format!(
                "[currency] {name}: unit \"{}\" value {}; expected unit \"CNY/{name}\" and a positive value",
                p.unit, p.value
            ));
        }
    }
    let checked = |p: &Param, unit: &str, what: &str, problems: &mut Vec<String>| {
        if p.unit != unit {
            problems.push(format!("{what}: unit \"{}\"; expected \"{unit}\"", p.unit));
        }
        p.value
    };
    let rate = checked(
        &raw.finance.discount_rate,
        "1/yr",
        "[finance] discount_rate",
        &mut problems,
    );
    if !(0.0..1.0).contains(&rate) {
        problems.push(format!(
            "[finance] discount_rate: {rate}; expected a fraction per year from 0 to 1 (0.08 = 8 %)"
        ));
    }
    checked(
        &raw.plan.horizon_years,
        "yr",
        "[plan] horizon_years",
        &mut problems,
    );
    for h in &raw.hours {
        if h.unit != "h/yr" || !(0.0..=8784.0).contains(&h.value) {
            problems.push(format!(
                "[[hours]] {} {}: {} {}; expected h/yr between 0 and 8784",
                h.tech, h.province, h.value, h.unit
            ));
        }
    }
    problems
}

/// Checks one measure's fields and parameters, collecting every problem.
struct Check<'a> {
    file: &'a str,
    text: &'a str,
    id: &'a str,
    params: &'a BTreeMap<String, toml::Spanned<Param>>,
    currency: &'a BTreeMap<String, Param>,
    vocab: &'a Vocabulary,
    problems: &'a mut Vec<String>,
}

impl Check<'_> {
    fn at(&self, name: &str) -> String {
        match self.params.get(name) {
            Some(p) => {
                let (l, c) = line_col(self.text, p.span().start);
                format!("{}:{l}:{c}: measure {}, {name}", self.file, self.id)
            }
            None => format!("measure {}, {name}", self.id),
        }
    }

    fn param(&mut self, name: &str) -> Option<&Param> {
        match self.params.get(name) {
            Some(p) => Some(p.get_ref()),
            None => {
                self.problems
                    .push(format!("measure {}: parameter {name} is missing", self.id));
                None
            }
        }
    }

    /// A parameter in exactly `unit`; `range` bounds it.
    fn plain(&mut self, name: &str, unit: &str, range: std::ops::RangeInclusive<f64>) -> f64 {
        let Some(p) = self.param(name).cloned() else {
            return f64::NAN;
        };
        if p.unit != unit {
            let at = self.at(name);
            self.problems
                .push(format!("{at}: unit \"{}\"; expected \"{unit}\"", p.unit));
        } else if !range.contains(&p.value) {
            let at = self.at(name);
            self.problems.push(format!(
                "{at}: {}; expected a value from {} to {}",
                p.value,
                range.start(),
                range.end()
            ));
        }
        p.value
    }

    /// An optional parameter in `unit` (0 when absent).
    fn optional(&mut self, name: &str, unit: &str) -> f64 {
        if self.params.contains_key(name) {
            self.plain(name, unit, 0.0..=f64::MAX)
        } else {
            0.0
        }
    }

    /// A money parameter `<currency>/<per>` in CNY per canonical unit: `per` lists the units
    /// accepted and what one of them is in the canonical unit.
    fn money(&mut self, name: &str, per: &[(&str, f64)]) -> f64 {
        let Some(p) = self.param(name).cloned() else {
            return f64::NAN;
        };
        let (cur, rest) = p.unit.split_once('/').unwrap_or((p.unit.as_str(), ""));
        let rate = if cur == "CNY" {
            Some(1.0)
        } else {
            self.currency.get(cur).map(|c| c.value)
        };
        let unit = per.iter().find(|(u, _)| *u == rest);
        match (rate, unit) {
            (Some(r), Some((_, k))) if p.value >= 0.0 => p.value * r / k,
            _ => {
                let at = self.at(name);
                let units: Vec<String> = per.iter().map(|(u, _)| format!("CNY/{u}")).collect();
                let currencies: Vec<&str> = std::iter::once("CNY")
                    .chain(self.currency.keys().map(String::as_str))
                    .collect();
                self.problems.push(format!(
                    "{at}: {} {}; expected a value of 0 or more in {} (currency one of {})",
                    p.value,
                    p.unit,
                    units.join(" or "),
                    currencies.join(", ")
                ));
                f64::NAN
            }
        }
    }

    fn share(&mut self, name: &str) -> f64 {
        self.plain(name, "fraction", 0.0..=1.0)
    }

    fn efficiency(&mut self, name: &str) -> f64 {
        self.plain(name, "fraction", f64::MIN_POSITIVE..=10.0)
    }

    fn years(&mut self) -> f64 {
        self.plain("lifetime", "yr", 1.0..=100.0)
    }

    fn hours(&mut self) -> f64 {
        self.plain("operating_hours", "h/yr", 1.0..=8784.0)
    }

    fn carrier(&mut self, id: &str, field: &str) -> String {
        match self.vocab.metrics.get(id) {
            Some(m) if m.is_carrier() && m.group != "process" => {}
            _ => self.problems.push(format!(
                "{}: measure {}, {field}: \"{id}\" is not an energy carrier of metrics.toml",
                self.file, self.id
            )),
        }
        id.to_string()
    }

    fn metric(&mut self, id: Option<&String>, field: &str) -> String {
        match id {
            Some(id) if self.vocab.metrics.contains_key(id) => id.clone(),
            Some(id) => {
                self.problems.push(format!(
                    "{}: measure {}, {field}: \"{id}\" is not a metric of metrics.toml",
                    self.file, self.id
                ));
                id.clone()
            }
            None => {
                self.problems.push(format!(
                    "{}: measure {}: {field} is missing",
                    self.file, self.id
                ));
                String::new()
            }
        }
    }

    /// The metric green power bought is moved to: one with a green class bought over the grid
    /// (`electricity_green_certificates`, `electricity_green_traded`); without `to`, the
    /// unclassified `electricity_green_purchased` (measure files written before the classes).
    fn green_metric(&mut self, to: Option<&String>) -> String {
        let id = to.map_or("electricity_green_purchased", String::as_str);
        let class = self.vocab.metrics.get(id).and_then(|m| m.green_class);
        if !class.is_some_and(|c| c.over_the_grid()) {
            let choices: Vec<&str> = self
                .vocab
                .order
                .iter()
                .filter(|m| {
                    self.vocab.metrics[*m]
                        .green_class
                        .is_some_and(|c| c.over_the_grid())
                })
                .map(String::as_str)
                .collect();
            self.problems.push(format!(
                "{}: measure {}, to: \"{id}\" is not green electricity bought over the grid (expected one of {})",
                self.file,
                self.id,
                choices.join(", ")
            ));
        }
        id.to_string()
    }

    fn unit_per(&self, metric: &str) -> Vec<(String, f64)> {
        let Some(m) = self.vocab.metrics.get(metric) else {
            return Vec::new();
        };
        let canonical = self.vocab.units.find(&m.dimension, &m.canonical);
        self.vocab
            .units
            .ids_of(&m.dimension)
            .into_iter()
            .filter_map(|u| {
                let unit = self.vocab.units.find(&m.dimension, u)?;
                let c = canonical?;
                Some((u.to_string(), unit.to_canonical / c.to_canonical))
            })
            .collect()
    }

    fn kind(&mut self, m: &RawMeasure, hours: &[Hours], prices: &[Price]) -> Option<Kind> {
        let kind = match m.kind {
            KindName::GreenPurchase => self.green_purchase(m, prices),
            KindName::OnsiteRenewable => self.onsite_renewable(m, hours),
            KindName::Substitute => self.substitute(m),
            KindName::Efficiency => self.efficiency_kind(m),
            KindName::WasteHeat => self.waste_heat(m),
            KindName::Capture => self.capture(),
            KindName::Resource => self.resource(m),
        };
        Some(kind)
    }

    /// GJ and MWh, in GJ: the units an energy-based cost may be per.
    fn energy_units(&self) -> [(&'static str, f64); 2] {
        [("GJ", 1.0), ("MWh", self.gj_per("MWh"))]
    }

    fn green_purchase(&mut self, m: &RawMeasure, prices: &[Price]) -> Kind {
        let price = m.price.clone().unwrap_or_default();
        if !prices.iter().any(|p| p.item == price) {
            self.problems.push(format!(
                "{}: measure {}: price \"{price}\" is not an item of prices.csv",
                self.file, self.id
            ));
        }
        let to = self.green_metric(m.to.as_ref());
        Kind::GreenPurchase {
            max_share: self.share("max_share"),
            price,
            to,
        }
    }

    fn onsite_renewable(&mut self, m: &RawMeasure, hours: &[Hours]) -> Kind {
        let tech = m.tech.clone().unwrap_or_default();
        if !hours.iter().any(|h| h.tech == tech) {
            self.problems.push(format!(
                "{}: measure {}: tech \"{tech}\" has no [[hours]] row",
                self.file, self.id
            ));
        }
        let limit = if self.params.contains_key("mw_per_km2") {
            SiteLimit::Land {
                mw_per_km2: self.plain("mw_per_km2", "MW/km2", 0.0..=1000.0),
            }
        } else {
            SiteLimit::Roof {
                kw_per_m2: self.plain("power_density", "kW/m2", 0.0..=1.0),
                usable_share: self.share("roof_usable_share"),
                land_roof_share: self.share("land_roof_share"),
            }
        };
        Kind::OnsiteRenewable {
            tech,
            max_share: self.share("max_share"),
            capex_per_kw: self.money("capex", &[("kW", 1.0)]),
            fixed_om: self.optional("fixed_om", "1/yr"),
            lifetime: self.years(),
            limit,
        }
    }

    fn substitute(&mut self, m: &RawMeasure) -> Kind {
        let energy = self.energy_units();
        let from: Vec<String> = m.from.iter().map(|c| self.carrier(c, "from")).collect();
        if from.is_empty() {
            self.problems.push(format!(
                "{}: measure {}: from names no carrier",
                self.file, self.id
            ));
        }
        let to = self.carrier(m.to.as_deref().unwrap_or(""), "to");
        let variable_om_per_gj = if self.params.contains_key("variable_om") {
            self.money("variable_om", &energy)
        } else {
            0.0
        };
        Kind::Substitute {
            from,
            to,
            max_share: self.share("max_share"),
            efficiency_from: self.efficiency("efficiency_from"),
            efficiency_to: self.efficiency("efficiency_to"),
            capex_per_kw: self.money("capex", &[("kW", 1.0)]),
            fixed_om: self.optional("fixed_om", "1/yr"),
            variable_om_per_gj,
            lifetime: self.years(),
            operating_hours: self.hours(),
        }
    }

    fn efficiency_kind(&mut self, m: &RawMeasure) -> Kind {
        let energy = self.energy_units();
        let carriers: Vec<String> = m
            .carriers
            .iter()
            .map(|c| self.carrier(c, "carriers"))
            .collect();
        Kind::Efficiency {
            carriers,
            max_share: self.share("max_share"),
            capex_per_gj: self.money("capex", &energy),
            lifetime: self.years(),
        }
    }

    fn waste_heat(&mut self, m: &RawMeasure) -> Kind {
        let energy = self.energy_units();
        let displaces: Vec<String> = m
            .displaces
            .iter()
            .map(|c| self.carrier(c, "displaces"))
            .collect();
        Kind::WasteHeat {
            displaces,
            max_rate: self.share("max_rate"),
            efficiency_displaced: self.efficiency("efficiency_displaced"),
            capex_per_gj: self.money("capex", &energy),
            fixed_om: self.optional("fixed_om", "1/yr"),
            lifetime: self.years(),
        }
    }

    fn capture(&mut self) -> Kind {
        let gj_per_mwh = self.gj_per("MWh");
        let heat = if self
            .params
            .get("heat")
            .is_some_and(|p| p.get_ref().unit == "GJ/t")
        {
            self.plain("heat", "GJ/t", 0.0..=100.0)
        } else {
            self.plain("heat", "MWh/t", 0.0..=100.0) * gj_per_mwh
        };
        let variable_om_per_t = if self.params.contains_key("variable_om") {
            self.money("variable_om", &[("t", 1.0)])
        } else {
            0.0
        };
        Kind::Capture {
            max_share: self.share("max_share"),
            capture_rate: self.share("capture_rate"),
            capex_per_t_h: self.money("capex", &[("(t/h)", 1.0)]),
            variable_om_per_t,
            heat_gj_per_t: heat,
            electricity_mwh_per_t: self.plain("electricity", "MWh/t", 0.0..=100.0),
            lifetime: self.years(),
            operating_hours: self.hours(),
        }
    }

    fn resource(&mut self, m: &RawMeasure) -> Kind {
        let numerator = self.metric(m.numerator.as_ref(), "numerator");
        let denominator = self.metric(m.denominator.as_ref(), "denominator");
        let offsets = m.offsets.as_ref().map(|o| self.metric(Some(o), "offsets"));
        let per = self.unit_per(&numerator);
        let per: Vec<(&str, f64)> = per.iter().map(|(u, k)| (u.as_str(), *k)).collect();
        Kind::Resource {
            numerator,
            denominator,
            offsets,
            max_rate: self.share("max_rate"),
            cost_per_unit: self.money("cost", &per),
        }
    }

    fn gj_per(&self, unit: &str) -> f64 {
        self.vocab
            .units
            .find("energy", unit)
            .map_or(f64::NAN, |u| u.to_canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocabulary {
        Vocabulary::embedded().unwrap()
    }

    #[test]
    fn the_shipped_catalogue_loads_and_every_number_has_a_source() {
        let v = vocab();
        let c = MeasureCatalogue::load(None, None, &v).unwrap();
        assert!(c.measures.len() >= 10);
        for m in &c.measures {
            assert!(!m.name.zh.is_empty() && !m.what.zh.is_empty(), "{}", m.id);
            for (k, p) in &m.params {
                assert!(!p.source.trim().is_empty(), "{} {k}", m.id);
                if p.status == SourceStatus::Unconfirmed {
                    assert!(p.note.is_some(), "{} {k}: unconfirmed without a note", m.id);
                }
            }
        }
        for p in &c.prices {
            assert!(!p.source.is_empty());
            if p.status == SourceStatus::Unconfirmed {
                assert!(!p.note.is_empty(), "{}: unconfirmed without a note", p.item);
            }
        }
        // Money is converted: 825 EUR/kW at 7.8 CNY/EUR.
        let hp = c.measure("coal_boiler_to_heat_pump").unwrap();
        let Kind::Substitute { capex_per_kw, .. } = hp.kind else {
            panic!()
        };
        assert!((capex_per_kw - 825.0 * 7.8).abs() < 1e-9);
    }

    #[test]
    fn a_wrong_unit_is_named_with_line_and_column_and_every_problem_is_told() {
        let v = vocab();
        let (_, text) = read_text("measures.toml", None).unwrap();
        let bad = text
            .replacen("unit = \"CNY/kW\"", "unit = \"CNY/MW\"", 1)
            .replacen(
                "unit = \"h/yr\", source = \"parkbench assumption\"",
                "unit = \"h\", source = \"parkbench assumption\"",
                1,
            );
        let (pf, pt) = read_text("prices.csv", None).unwrap();
        let prices = parse_prices(&pf, &pt, &v).unwrap();
        let e = MeasureCatalogue::from_text("m.toml", &bad, prices, &pf, &v)
            .unwrap_err()
            .to_string();
        assert!(e.contains("measure rooftop_pv, capex"), "{e}");
        assert!(e.contains("CNY/MW"), "{e}");
        assert!(
            e.contains("operating_hours: unit \"h\"; expected \"h/yr\""),
            "{e}"
        );
        assert!(e.contains("m.toml:"), "{e}");
    }

    #[test]
    fn a_price_in_the_wrong_unit_is_refused() {
        let v = vocab();
        let text = "item,province,value,unit,year,source,status,note\nnatural_gas,*,3.5,CNY/t,2024,x,unconfirmed,y\nfoo,*,1,CNY/MWh,2024,x,secondary,\n";
        let e = parse_prices("p.csv", text, &v).unwrap_err().to_string();
        assert!(
            e.contains("natural_gas (*): unit \"CNY/t\"; expected \"CNY/m3\""),
            "{e}"
        );
        assert!(e.contains("foo: not a carrier"), "{e}");
    }
}
