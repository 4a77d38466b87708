//! Benchmark sets (`indicators/benchmarks/*.toml`, or a user's file with `--set`): the model,
//! loading with errors that point at line and column, and the checks that every rule refers to
//! a known indicator and band and carries a source and status on every number.
//!
//! The set is data; this module interprets nothing beyond its structure. Scoring lives in
//! `scoring`.

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;

use crate::factors::{ElectricityBasis, FuelFactorSet, GridVariant};
use crate::i18n::Lang;
use crate::indicators::{IndicatorCatalogue, IndicatorRef};
use crate::inventory::AccountingOptions;
use crate::reference::{
    GreenClass, GreenClasses, ReferenceError, embedded_sets, line_col, toml_error_message,
};

/// Text in English and Chinese (reference data given in both languages).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Bilingual {
    pub en: String,
    #[serde(default)]
    pub zh: String,
}

impl Bilingual {
    /// The side `lang` shows (English where the other side is empty).
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick_filled(&self.en, &self.zh)
    }

    /// As a message: each language shows its side (English where the other side is empty).
    pub fn text(&self) -> crate::i18n::Text {
        let (en, zh) = crate::i18n::both_sides(|lang| self.get(lang).to_string());
        crate::i18n::Text::both(en, zh)
    }
}

/// Text written either as one string or as `{ en, zh }`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Label {
    Plain(String),
    Both(Bilingual),
}

impl Default for Label {
    fn default() -> Self {
        Label::Plain(String::new())
    }
}

impl Label {
    pub fn get(&self, lang: Lang) -> &str {
        match self {
            Label::Plain(s) => s,
            Label::Both(t) => t.get(lang),
        }
    }

    /// The side `lang` shows, where the text has it: a plain string is English only.
    pub fn written_in(&self, lang: Lang) -> Option<&str> {
        match self {
            Label::Plain(s) => *lang.pick(&Some(s.as_str()), &None),
            Label::Both(t) => Some(t.get(lang)),
        }
    }

    /// As a message: each language shows its side (a plain string in every language).
    pub fn text(&self) -> crate::i18n::Text {
        let (en, zh) = crate::i18n::both_sides(|lang| self.get(lang).to_string());
        crate::i18n::Text::both(en, zh)
    }
}

/// How solid a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceStatus {
    Confirmed,
    Secondary,
    Unconfirmed,
}

impl SourceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceStatus::Confirmed => "confirmed",
            SourceStatus::Secondary => "secondary",
            SourceStatus::Unconfirmed => "unconfirmed",
        }
    }
}

/// A number with where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: f64,
    pub source: String,
    pub status: SourceStatus,
    /// One string, or `{ en, zh }` where it is shown on pages in both languages.
    #[serde(default)]
    pub note: Option<Label>,
}

/// A threshold, optionally for one band, country or milestone year.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub value: f64,
    #[serde(default)]
    pub band: Option<Arc<str>>,
    #[serde(default)]
    pub country: Option<Arc<str>>,
    #[serde(default)]
    pub year: Option<i32>,
    /// Shared with every result that applies it.
    pub source: Arc<str>,
    pub status: SourceStatus,
    /// One string, or `{ en, zh }` where it is shown on pages in both languages.
    #[serde(default)]
    pub note: Option<Label>,
}

/// A tier of the `tiers` method.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub value: f64,
    pub points: f64,
    #[serde(default)]
    pub label: Option<String>,
    pub source: String,
    pub status: SourceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Gate,
    Core,
    Guiding,
    Optional,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Gate => "gate",
            Role::Core => "core",
            Role::Guiding => "guiding",
            Role::Optional => "optional",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Threshold,
    Linear,
    Tiers,
    Ratio,
}

/// A rule of a set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub indicator: toml::Spanned<String>,
    pub role: Role,
    pub method: Method,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub waivable: bool,
    #[serde(default)]
    pub label: Option<Bilingual>,
    #[serde(default)]
    pub reference: Option<Sourced>,
    #[serde(default)]
    pub leading: Option<Sourced>,
    #[serde(default)]
    pub cap: Option<f64>,
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
    #[serde(default)]
    pub milestones: Vec<Threshold>,
    #[serde(default)]
    pub tiers: Vec<Tier>,
    #[serde(default)]
    pub note: Option<String>,
}

fn one() -> f64 {
    1.0
}

impl Rule {
    pub fn indicator_ref(&self) -> IndicatorRef {
        IndicatorRef::parse(self.indicator.get_ref()).unwrap_or(IndicatorRef {
            base: self.indicator.get_ref().clone(),
            change: None,
        })
    }
}

/// A size band on the set's size indicator, `[min, max)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub id: String,
    #[serde(default)]
    pub label: Label,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
}

impl Band {
    /// Is `x` in [min, max)? A sum of products that should land on a bound (200,000 tce made
    /// of 1,627,230 MWh x 0.1229 and gas) may fall a few ulps short of it: within a relative
    /// 1e-9 it is on the bound.
    pub fn contains(&self, x: f64) -> bool {
        let tol = 1e-9 * x.abs().max(1.0);
        self.min.is_none_or(|m| x + tol >= m) && self.max.is_none_or(|m| x + tol < m)
    }

    /// Distance from `x` to the band (0 inside).
    pub fn distance(&self, x: f64) -> f64 {
        match (self.min, self.max) {
            (Some(m), _) if x < m => m - x,
            (_, Some(m)) if x >= m => x - m,
            _ => 0.0,
        }
    }
}

/// A readiness level.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub id: String,
    pub label: Bilingual,
    pub min_score: f64,
    #[serde(default)]
    pub requires_gates: bool,
    #[serde(default)]
    pub min_coverage: f64,
    #[serde(default)]
    pub description: Option<Bilingual>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OutsideBands {
    /// The nearest band's thresholds apply (and the report says so).
    #[default]
    Nearest,
    /// Banded rules are not applicable.
    NotApplicable,
    /// The value is shown, the banded rules read "tier unconfirmed" (neither meets nor
    /// fails) and the level says why: for a set whose source publishes no threshold for such
    /// parks.
    Unconfirmed,
}

/// What evidence a gate's value must rest on (the `[evidence]` table of a set): a gate that
/// would meet reads "to be verified" when more than `max_low_grade_share` of its value rests
/// on estimates, proxies or gaps (grades C and D).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub max_low_grade_share: f64,
    pub source: String,
    pub status: SourceStatus,
}

/// How the set wants the inventory made.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounting {
    #[serde(default)]
    pub electricity_tce_basis: ElectricityBasis,
    #[serde(default)]
    pub grid_factor_variant: GridVariant,
    /// The classes of green electricity that count at zero CO2 (all four by default); power of
    /// a class left out counts at `grid_factor_variant`.
    #[serde(default = "all_green")]
    pub green_at_zero: Vec<GreenClass>,
    #[serde(default = "yes")]
    pub natural_gas_clean: bool,
    #[serde(default = "yes")]
    pub include_process_co2: bool,
    #[serde(default = "energy_tce")]
    pub size_indicator: String,
    #[serde(default)]
    pub outside_bands: OutsideBands,
    #[serde(default)]
    pub outside_bands_note: Option<Label>,
    /// Other readings of the set's open points, computed beside its own and printed in
    /// reports, so a reader sees how much hangs on them.
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
}

/// Another reading of a set's accounting: what it changes, the rest as the set reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    pub id: String,
    pub label: Bilingual,
    #[serde(default)]
    pub electricity_tce_basis: Option<ElectricityBasis>,
    #[serde(default)]
    pub grid_factor_variant: Option<GridVariant>,
    #[serde(default)]
    pub green_at_zero: Option<Vec<GreenClass>>,
}

impl Accounting {
    /// The inventory's accounting options this set asks for, with the fuel factor table chosen
    /// (China's by default).
    pub fn options(&self, fuel: Option<FuelFactorSet>) -> AccountingOptions {
        AccountingOptions {
            electricity_basis: self.electricity_tce_basis,
            grid_variant: self.grid_factor_variant,
            green_at_zero: GreenClasses::of(&self.green_at_zero),
            fuel_factors: fuel.unwrap_or(FuelFactorSet::Cn),
            include_process_co2: self.include_process_co2,
        }
    }

    /// The accounting options of an alternative reading: the set's own, with what the
    /// alternative changes.
    pub fn alternative_options(
        &self,
        alt: &Alternative,
        fuel: Option<FuelFactorSet>,
    ) -> AccountingOptions {
        let mut o = self.options(fuel);
        if let Some(b) = alt.electricity_tce_basis {
            o.electricity_basis = b;
        }
        if let Some(v) = alt.grid_factor_variant {
            o.grid_variant = v;
        }
        if let Some(g) = &alt.green_at_zero {
            o.green_at_zero = GreenClasses::of(g);
        }
        o
    }

    /// The set's accounting switches as formula variables (`natural_gas_clean`).
    pub fn settings(&self) -> std::collections::BTreeMap<String, f64> {
        let gas = if self.natural_gas_clean { 1.0 } else { 0.0 };
        std::collections::BTreeMap::from([("natural_gas_clean".to_string(), gas)])
    }
}

fn yes() -> bool {
    true
}

fn all_green() -> Vec<GreenClass> {
    GreenClasses::PROVEN.to_vec()
}

fn energy_tce() -> String {
    "energy_tce".into()
}

impl Default for Accounting {
    fn default() -> Self {
        Accounting {
            electricity_tce_basis: ElectricityBasis::Equivalent,
            grid_factor_variant: GridVariant::Average,
            green_at_zero: all_green(),
            natural_gas_clean: true,
            include_process_co2: true,
            size_indicator: energy_tce(),
            outside_bands: OutsideBands::Nearest,
            outside_bands_note: None,
            alternatives: Vec::new(),
        }
    }
}

/// A benchmark set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkSet {
    pub id: String,
    pub title: Bilingual,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub notes: Option<Label>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub accounting: Accounting,
    #[serde(default)]
    pub evidence: Option<Evidence>,
    #[serde(default)]
    pub bands: Vec<Band>,
    pub levels: Vec<Level>,
    pub rules: Vec<Rule>,
    /// Where the set was read from.
    #[serde(skip)]
    pub file: String,
}

impl BenchmarkSet {
    /// Parses and checks a set file. Errors name the file, line and column.
    pub fn parse(
        file: &str,
        text: &str,
        cat: &IndicatorCatalogue,
    ) -> Result<BenchmarkSet, ReferenceError> {
        let mut set: BenchmarkSet = toml::from_str(text).map_err(|e| ReferenceError::Parse {
            file: file.to_string(),
            message: toml_error_message(text, &e),
        })?;
        set.file = file.to_string();
        let err = |span: Option<std::ops::Range<usize>>, message: String| {
            let at = span
                .map(|s| {
                    let (l, c) = line_col(text, s.start);
                    format!("{l}:{c}: ")
                })
                .unwrap_or_default();
            ReferenceError::Parse {
                file: file.to_string(),
                message: format!("{at}{message}"),
            }
        };
        if set.levels.is_empty() {
            return Err(err(None, "the set defines no [[levels]]".into()));
        }
        if let Some(e) = &set.evidence
            && !(0.0..=1.0).contains(&e.max_low_grade_share)
        {
            return Err(err(
                None,
                format!(
                    "[evidence] max_low_grade_share is {}, expected a share from 0 to 1",
                    e.max_low_grade_share
                ),
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for r in &set.rules {
            let span = Some(r.indicator.span());
            if !ids.insert(r.id.clone()) {
                return Err(err(span, format!("rule id \"{}\" is used twice", r.id)));
            }
            r.check(&set.bands, cat)
                .map_err(|m| err(span, format!("rule {}: {m}", r.id)))?;
        }
        Ok(set)
    }

    /// Reads a set file the caller offers.
    pub fn from_file(
        files: &dyn crate::world::Files,
        path: &Path,
        cat: &IndicatorCatalogue,
    ) -> Result<BenchmarkSet, ReferenceError> {
        let (file, text) = crate::world::read_text(files, path)?;
        Self::parse(&file, &text, cat)
    }

    /// The band a size falls in, or the nearest (flagged outside) per the set's policy.
    pub fn band_for(&self, size: Option<f64>) -> BandChoice {
        let Some(x) = size else {
            return BandChoice::Unknown;
        };
        if self.bands.is_empty() {
            return BandChoice::NoBands;
        }
        if let Some(b) = self.bands.iter().find(|b| b.contains(x)) {
            return BandChoice::Inside(b.id.clone());
        }
        match self.accounting.outside_bands {
            OutsideBands::NotApplicable | OutsideBands::Unconfirmed => BandChoice::Outside(None),
            OutsideBands::Nearest => BandChoice::Outside(
                self.bands
                    .iter()
                    .min_by(|a, b| a.distance(x).total_cmp(&b.distance(x)))
                    .map(|b| b.id.clone()),
            ),
        }
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Which band applies to a park.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "band")]
pub enum BandChoice {
    /// The set has no bands.
    NoBands,
    /// The size is unknown (energy use missing).
    Unknown,
    Inside(String),
    /// Outside every band; Some(nearest band applied) or None (rules are not applicable).
    Outside(Option<String>),
}

impl BandChoice {
    pub fn band(&self) -> Option<&str> {
        match self {
            BandChoice::Inside(b) | BandChoice::Outside(Some(b)) => Some(b),
            _ => None,
        }
    }
}

/// All shipped sets.
pub fn shipped(cat: &IndicatorCatalogue) -> Result<Vec<BenchmarkSet>, ReferenceError> {
    embedded_sets()
        .iter()
        .map(|(f, t)| BenchmarkSet::parse(f, t, cat))
        .collect()
}
impl Rule {
    /// Checks a rule against the set's bands and the catalogue: a known indicator (with a
    /// known suffix), known bands, milestones with a year, what its method needs, a linear
    /// reference at the worse end, a weight of at least 0. The problem, without the rule's id.
    fn check(&self, bands: &[Band], cat: &IndicatorCatalogue) -> Result<(), String> {
        let written = self.indicator.get_ref();
        let Some(iref) = IndicatorRef::parse(written) else {
            return Err(format!(
                "\"{written}\" has an unknown suffix (expected .yoy, .cagr or .linear_change)"
            ));
        };
        let Some(ind) = cat.get(&iref.base) else {
            let hint =
                crate::reference::nearest(&iref.base, cat.indicators.iter().map(|i| i.id.as_str()))
                    .map(|n| format!("; did you mean \"{n}\"?"))
                    .unwrap_or_default();
            return Err(format!("unknown indicator \"{}\"{hint}", iref.base));
        };
        for t in self.thresholds.iter().chain(&self.milestones) {
            if let Some(b) = &t.band
                && !bands.iter().any(|x| *x.id == **b)
            {
                return Err(format!("band \"{b}\" is not defined in [[bands]]"));
            }
        }
        if self.milestones.iter().any(|m| m.year.is_none()) {
            return Err("every milestone needs a year".into());
        }
        if let Some(n) = self.method_lacks() {
            return Err(format!("method {n}"));
        }
        if let (Method::Linear, Some(reference)) = (self.method, &self.reference) {
            let dir = ind.direction;
            if let Some(t) = self
                .thresholds
                .iter()
                .chain(&self.milestones)
                .find(|t| dir.meets(reference.value, t.value))
            {
                return Err(format!(
                    "the linear reference {} already meets the target {} ({} is better): the reference must be the worse end",
                    reference.value,
                    t.value,
                    match dir {
                        crate::indicators::Direction::Lower => "lower",
                        crate::indicators::Direction::Higher => "higher",
                    }
                ));
            }
        }
        if self.weight < 0.0 || !self.weight.is_finite() {
            return Err("weight must be a non-negative number".into());
        }
        Ok(())
    }

    /// What the rule's method needs and the rule lacks.
    fn method_lacks(&self) -> Option<&'static str> {
        match self.method {
            Method::Linear if self.reference.is_none() => {
                Some("linear needs reference = { value, source, status }")
            }
            Method::Ratio if self.leading.is_none() => {
                Some("ratio needs leading = { value, source, status }")
            }
            Method::Tiers if self.tiers.is_empty() => Some("tiers needs [[rules.tiers]]"),
            Method::Threshold | Method::Linear
                if self.thresholds.is_empty() && self.milestones.is_empty() =>
            {
                Some("needs at least one [[rules.thresholds]] or [[rules.milestones]]")
            }
            _ => None,
        }
    }
}
