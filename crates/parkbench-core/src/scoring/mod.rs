//! Scoring a park-year against a benchmark set: per-rule status, points and gap; category and
//! overall scores with coverage; gates; readiness level with its reason; trajectories to the
//! set's milestones.
//!
//! Missing never counts as 0: a rule without a value is `missing`, leaves the weighted means,
//! and lowers coverage. Every threshold applied carries its source and status.

mod aggregate;
mod gap;
mod judge;
mod trajectory;

pub use aggregate::{gate_state, level_index, part_of};
use aggregate::{level, part};
use gap::gap;
pub use gap::{fmt_energy, fmt_indicator, fmt_qty};
pub use judge::{Judgement, Place, Why, judge, pick_threshold, points};
use judge::{change_name, low_grade_share, missing_inputs};
use trajectory::trajectories;

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::benchmark::{BandChoice, BenchmarkSet, Method, Role, Rule, SourceStatus, Threshold};
use crate::i18n::Lang;
use crate::i18n::{Locale, Text};
use crate::indicators::{self, Direction, GreenMwh, Indicator, IndicatorCatalogue, Values};
use crate::inventory::{Inventory, ParkYear};

/// A set's results: the inventory under its accounting, indicator values and scores.
#[derive(Debug, Clone)]
pub struct SetRun {
    pub set: BenchmarkSet,
    pub inventory: Inventory,
    pub values: Values,
    pub scores: Vec<Score>,
    /// The scored park-years under each of the set's alternative readings, in its order.
    pub alternatives: Vec<AlternativeRun>,
    /// Each enterprise's share of its park-year under the set's accounting (empty when no park
    /// reports by enterprise).
    pub enterprises: Vec<crate::inventory::EnterpriseYear>,
    /// The enterprises' products as graded against their limit standards.
    pub products: Vec<crate::products::Graded>,
    /// Earlier years' indicator values restated on later boundaries (changes over time and
    /// trajectories read them).
    pub restated: indicators::Restated,
    /// What each restatement did: the firms left out, brought in, counted as not operating.
    pub restatements: Vec<crate::restate::Restatement>,
}

/// The scored park-years under one alternative reading of a set's accounting.
#[derive(Debug, Clone, Serialize)]
pub struct AlternativeRun {
    pub id: String,
    pub label: crate::benchmark::Bilingual,
    /// Sorted by park and year.
    pub readings: Vec<Reading>,
}

impl AlternativeRun {
    /// A park-year's reading.
    pub fn get(&self, park_id: &str, year: i32) -> Option<&Reading> {
        self.readings
            .binary_search_by(|r| (r.park_id.as_str(), r.year).cmp(&(park_id, year)))
            .ok()
            .map(|i| &self.readings[i])
    }
}

/// A park-year under an alternative reading: the totals, the core value, the gate and level.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub park_id: String,
    pub year: i32,
    pub energy_tce: Option<f64>,
    pub co2_t: Option<f64>,
    pub co2_per_tce: Option<f64>,
    /// The band the park falls in under this reading (its size may change with the tce basis).
    pub band: BandChoice,
    pub gate: GateState,
    pub level: String,
    pub level_name: Text,
}

impl Serialize for Reading {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Reading", 10)?;
        st.serialize_field("park_id", &self.park_id)?;
        st.serialize_field("year", &self.year)?;
        st.serialize_field("energy_tce", &self.energy_tce)?;
        st.serialize_field("co2_t", &self.co2_t)?;
        st.serialize_field("co2_per_tce", &self.co2_per_tce)?;
        st.serialize_field("band", &self.band)?;
        st.serialize_field("gate", &self.gate)?;
        st.serialize_field("level", &self.level)?;
        let (level_en, level_zh) = self.level_name.sides();
        st.serialize_field("level_en", &level_en)?;
        st.serialize_field("level_zh", &level_zh)?;
        st.end()
    }
}

impl RuleResult {
    /// Its name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_en, &self.name_zh)
    }
}

impl SetRun {
    /// A park's rows of `enterprises` (sorted by park, enterprise and year), without a scan.
    pub fn enterprises_of(&self, park_id: &str) -> &[crate::inventory::EnterpriseYear] {
        let e = &self.enterprises;
        let from = e.partition_point(|x| x.park_id.as_str() < park_id);
        let to = e.partition_point(|x| x.park_id.as_str() <= park_id);
        &e[from..to]
    }

    /// A park's graded products (sorted by park and year), without a scan.
    pub fn products_of(&self, park_id: &str) -> &[crate::products::Graded] {
        let p = &self.products;
        let from = p.partition_point(|x| x.park_id.as_str() < park_id);
        let to = p.partition_point(|x| x.park_id.as_str() <= park_id);
        &p[from..to]
    }

    /// Each park's latest scored year (of the years scored), in park order.
    pub fn latest(&self) -> Vec<&Score> {
        let mut latest: BTreeMap<&str, &Score> = BTreeMap::new();
        for s in &self.scores {
            let e = latest.entry(s.park_id.as_str()).or_insert(s);
            if s.year > e.year {
                *e = s;
            }
        }
        latest.into_values().collect()
    }
}

/// A rule's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Meets,
    Fails,
    Missing,
    NotApplicable,
    Waived,
    /// The value meets, but too much of it rests on estimates (evidence C or D) for the set's
    /// acceptance: never "meets" until verified.
    ToVerify,
    /// The park is outside the set's size bands and the set publishes no threshold for it:
    /// the value is shown, neither meets nor fails.
    TierUnconfirmed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Meets => "meets",
            Status::Fails => "fails",
            Status::Missing => "missing",
            Status::NotApplicable => "not_applicable",
            Status::Waived => "waived",
            Status::ToVerify => "to_verify",
            Status::TierUnconfirmed => "tier_unconfirmed",
        }
    }

    /// In words (the locale files' `scoring.status` section).
    pub fn label(self, lang: Lang) -> &'static str {
        Locale::get(lang).raw(match self {
            Status::Meets => "scoring.status.meets",
            Status::Fails => "scoring.status.fails",
            Status::Missing => "scoring.status.missing",
            Status::NotApplicable => "scoring.status.not_applicable",
            Status::Waived => "scoring.status.waived",
            Status::ToVerify => "scoring.status.to_verify",
            Status::TierUnconfirmed => "scoring.status.tier_unconfirmed",
        })
    }
}

/// The threshold that applied to a park, and why that one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub value: f64,
    pub band: Option<Arc<str>>,
    pub country: Option<Arc<str>>,
    /// The milestone year, when the rule has milestones.
    pub milestone: Option<i32>,
    pub source: Arc<str>,
    pub status: SourceStatus,
    /// The park is outside the set's size bands and the nearest band's threshold is used.
    pub outside_bands: bool,
}

/// What it takes to meet a failing rule, in physical terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Distance in the indicator's unit (threshold - value), signed.
    pub indicator_gap: f64,
    /// Quantity of the numerator to cut (lower is better) or add (higher), at today's denominator.
    pub quantity: Option<f64>,
    pub quantity_unit: Option<String>,
    /// Grid electricity (MWh) that would have to become green to close the gap.
    pub green_mwh: Option<f64>,
    /// Grid electricity the park uses today (MWh).
    pub grid_mwh: Option<f64>,
    /// Can greening grid electricity alone close the gap?
    pub electricity_can_close: Option<bool>,
    /// The gap in words (serialised worded, as `text_en` and `text_zh`).
    pub text: Text,
}

impl Serialize for Gap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Gap", 8)?;
        st.serialize_field("indicator_gap", &self.indicator_gap)?;
        st.serialize_field("quantity", &self.quantity)?;
        st.serialize_field("quantity_unit", &self.quantity_unit)?;
        st.serialize_field("green_mwh", &self.green_mwh)?;
        st.serialize_field("grid_mwh", &self.grid_mwh)?;
        st.serialize_field("electricity_can_close", &self.electricity_can_close)?;
        let (text_en, text_zh) = self.text.sides();
        st.serialize_field("text_en", &text_en)?;
        st.serialize_field("text_zh", &text_zh)?;
        st.end()
    }
}

/// One rule's result.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub rule: Arc<str>,
    pub indicator: Arc<str>,
    pub name_en: Arc<str>,
    pub name_zh: Arc<str>,
    pub role: Role,
    pub category: Arc<str>,
    pub method: Method,
    pub weight: f64,
    pub unit: Arc<str>,
    pub value: Option<f64>,
    pub threshold: Option<Applied>,
    pub status: Status,
    /// 0-100; None unless assessed.
    pub points: Option<f64>,
    /// Boxed: most results meet or are missing, and a programme holds one per rule per park-year.
    pub gap: Option<Box<Gap>>,
    /// Why it is missing / not applicable / waived (serialised in English).
    #[serde(serialize_with = "crate::i18n::english_opt")]
    pub note: Option<Text>,
    /// Metrics whose data would let the rule be assessed (when missing).
    pub needs: Vec<String>,
    /// Some inputs were estimates.
    pub estimated: bool,
    /// The share of the value resting on estimates, proxies or gaps (evidence C or D): the
    /// largest over its inputs, energy carriers weighed by their energy and CO2.
    pub low_grade_share: Option<f64>,
}

/// A weighted score with the share of weight it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Part {
    pub score: Option<f64>,
    /// Assessed weight / applicable weight, 0-1.
    pub coverage: f64,
}

/// Gates at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateState {
    /// The set has no gate.
    None,
    Passed,
    Failed,
    Missing,
    /// Every gate meets, but some rest on estimates: to be verified.
    ToVerify,
    /// A gate's tier is unconfirmed (the park is outside the set's size bands).
    TierUnconfirmed,
}

/// A projection of an indicator to a milestone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MilestoneProjection {
    pub year: i32,
    pub projected: f64,
    pub target: f64,
    pub on_track: bool,
}

/// An indicator's course over the years.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trajectory {
    pub rule: String,
    pub indicator: String,
    pub points: Vec<(i32, f64)>,
    /// Least-squares change per year, in the indicator's unit.
    pub slope_per_year: Option<f64>,
    /// Compound annual rate of change between the first and last year.
    pub annual_rate: Option<f64>,
    pub projections: Vec<MilestoneProjection>,
}

/// A park-year scored against a set: ids and numbers, and the level's name and reason as
/// messages ([`crate::i18n`] words them; serialised in both languages as `level_en`,
/// `level_zh`, `reason_en`, `reason_zh`).
#[derive(Debug, Clone)]
pub struct Score {
    pub park_id: String,
    pub park_name: String,
    pub year: i32,
    pub benchmark: String,
    pub band: BandChoice,
    pub overall: Part,
    pub categories: BTreeMap<Arc<str>, Part>,
    pub gate: GateState,
    /// The level's id (`undetermined` when none can be set).
    pub level: String,
    pub level_name: Text,
    /// Why this level, with the score, coverage and gate.
    pub reason: Text,
    pub rules: Vec<RuleResult>,
    pub trajectories: Vec<Trajectory>,
    pub assumptions: Vec<Text>,
}

impl Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Score", 17)?;
        st.serialize_field("park_id", &self.park_id)?;
        st.serialize_field("park_name", &self.park_name)?;
        st.serialize_field("year", &self.year)?;
        st.serialize_field("benchmark", &self.benchmark)?;
        st.serialize_field("band", &self.band)?;
        st.serialize_field("overall", &self.overall)?;
        st.serialize_field("categories", &self.categories)?;
        st.serialize_field("gate", &self.gate)?;
        st.serialize_field("level", &self.level)?;
        let (level_en, level_zh) = self.level_name.sides();
        st.serialize_field("level_en", &level_en)?;
        st.serialize_field("level_zh", &level_zh)?;
        let (reason_en, reason_zh) = self.reason.sides();
        st.serialize_field("reason_en", &reason_en)?;
        st.serialize_field("reason_zh", &reason_zh)?;
        st.serialize_field("rules", &self.rules)?;
        st.serialize_field("trajectories", &self.trajectories)?;
        let assumptions: Vec<String> = self.assumptions.iter().map(Text::en).collect();
        st.serialize_field("assumptions", &assumptions)?;
        st.end()
    }
}

/// A justified waiver of a rule for a park: the row of `waivers.csv` that asks for it (one
/// model, read by `input` and applied here).
pub use crate::input::Waiver;

/// Scoring choices made by the user.
#[derive(Debug, Clone, Default)]
pub struct ScoreOptions {
    /// Use this milestone year instead of the next one after the data year.
    pub milestone: Option<i32>,
    pub waivers: Vec<Waiver>,
}

/// What scoring against one set reads besides the park-year: the set, the indicator catalogue,
/// every park-year's indicator values (rules on change over time read earlier years) and the
/// options.
#[derive(Clone, Copy)]
pub struct Scorer<'a> {
    pub set: &'a BenchmarkSet,
    pub cat: &'a IndicatorCatalogue,
    pub values: &'a Values,
    /// Earlier years restated on a later boundary, read by changes over time and trajectories.
    pub restated: &'a indicators::Restated,
    pub opts: &'a ScoreOptions,
    /// Names the metrics a rule lacks.
    pub vocab: &'a crate::reference::Vocabulary,
    /// The set's rules' ids and names, made once ([`RuleHeads::of`]).
    pub heads: &'a RuleHeads,
}

/// What every result of one rule shares, whatever the park-year: its ids, names and unit,
/// made once per set and shared (a programme holds a result per rule per park-year).
#[derive(Debug)]
struct RuleHead {
    rule: Arc<str>,
    indicator: Arc<str>,
    name_en: Arc<str>,
    name_zh: Arc<str>,
    category: Arc<str>,
    unit: Arc<str>,
}

/// The heads of a set's rules, in the set's order.
#[derive(Debug)]
pub struct RuleHeads(Vec<RuleHead>);

impl RuleHeads {
    /// The heads of `set`'s rules, their indicators read from `cat` (checked when the set was
    /// loaded).
    pub fn of(set: &BenchmarkSet, cat: &IndicatorCatalogue) -> Self {
        let heads = set.rules.iter().map(|rule| {
            let iref = rule.indicator_ref();
            let ind = cat
                .get(&iref.base)
                .expect("checked when the set was loaded");
            let unit = match iref.change {
                None => ind.unit.as_str(),
                Some(_) => "share/yr",
            };
            let (name_en, name_zh) = crate::i18n::both_sides(|lang| match &rule.label {
                Some(l) => l.get(lang).to_string(),
                None => change_name(ind, iref.change, lang),
            });
            RuleHead {
                rule: rule.id.as_str().into(),
                indicator: iref.key().into(),
                name_en: name_en.into(),
                name_zh: name_zh.into(),
                category: ind.category.as_str().into(),
                unit: unit.into(),
            }
        });
        RuleHeads(heads.collect())
    }
}

/// The park-year scored, with its park's name and country.
#[derive(Clone, Copy)]
pub struct Subject<'a> {
    pub py: &'a ParkYear,
    pub name: &'a str,
    pub country: &'a str,
}

/// Scores one park-year against a set.
pub fn score(s: Scorer<'_>, subject: Subject<'_>) -> Score {
    let Scorer {
        set,
        cat,
        values,
        restated,
        ..
    } = s;
    let Subject {
        py,
        name: park_name,
        country,
    } = subject;
    let key = (py.park_id.clone(), py.year);
    let empty = BTreeMap::new();
    let vals = values.get(&key).unwrap_or(&empty);
    let size = vals
        .get(set.accounting.size_indicator.as_str())
        .and_then(|v| v.value);
    let band = set.band_for(size);
    // Heads made for another set would pair rules with the wrong names (or, zipped, drop some).
    assert_eq!(
        s.heads.0.len(),
        set.rules.len(),
        "rule heads of another set"
    );
    // Collected to its exact length: a programme holds one of these lists per park-year.
    let rules: Vec<RuleResult> = set
        .rules
        .iter()
        .zip(&s.heads.0)
        .map(|(rule, head)| score_rule(&s, (rule, head), subject, vals, &band))
        .collect();
    let overall = part(rules.iter());
    let mut categories: BTreeMap<Arc<str>, Part> = BTreeMap::new();
    let cats: std::collections::BTreeSet<&Arc<str>> = rules.iter().map(|r| &r.category).collect();
    for c in cats {
        categories.insert(c.clone(), part(rules.iter().filter(|r| &r.category == c)));
    }
    let gates: Vec<&RuleResult> = rules.iter().filter(|r| r.role == Role::Gate).collect();
    let gate = gate_state(gates.iter().map(|g| g.status));
    let (level, level_name, reason) = level(set, overall, gate, &gates);
    let trajectories = trajectories(
        set,
        cat,
        Subject {
            py,
            name: park_name,
            country,
        },
        (values, restated),
        &band,
    );
    let mut assumptions = py.assumptions.clone();
    if let BandChoice::Outside(b) = &band {
        let note = set
            .accounting
            .outside_bands_note
            .as_ref()
            .map_or_else(|| t!("scoring.note.outside_bands"), |n| n.text());
        assumptions.push(match b {
            Some(b) => {
                let band = set
                    .bands
                    .iter()
                    .find(|x| &x.id == b)
                    .map_or_else(|| Text::verbatim(b), |x| x.label.text());
                t!("assumption.band_applied", note = note, band = band)
            }
            None => t!("assumption.banded_not_applicable", note = note),
        });
    }
    Score {
        park_id: py.park_id.clone(),
        park_name: park_name.to_string(),
        year: py.year,
        benchmark: set.id.clone(),
        band,
        overall,
        categories,
        gate,
        level,
        level_name,
        reason,
        rules,
        trajectories,
        assumptions,
    }
}

fn score_rule(
    s: &Scorer<'_>,
    (rule, head): (&Rule, &RuleHead),
    subject: Subject<'_>,
    vals: &indicators::YearValues,
    band: &BandChoice,
) -> RuleResult {
    debug_assert_eq!(
        *head.rule, *rule.id,
        "a rule paired with another rule's head"
    );
    let (set, cat, all, opts) = (s.set, s.cat, s.values, s.opts);
    let (py, country) = (subject.py, subject.country);
    let iref = rule.indicator_ref();
    let ind = cat
        .get(&iref.base)
        .expect("checked when the set was loaded");
    let base_value = vals.get(iref.base.as_str()).copied().unwrap_or_default();
    let value = match iref.change {
        None => base_value.value,
        Some(c) => indicators::change(all, s.restated, &py.park_id, &iref.base, c, py.year),
    };
    let mut r = RuleResult {
        rule: head.rule.clone(),
        indicator: head.indicator.clone(),
        name_en: head.name_en.clone(),
        name_zh: head.name_zh.clone(),
        role: rule.role,
        category: head.category.clone(),
        method: rule.method,
        weight: rule.weight,
        unit: head.unit.clone(),
        value,
        threshold: None,
        status: Status::Missing,
        points: None,
        gap: None,
        note: None,
        needs: Vec::new(),
        estimated: ind
            .supplied_by
            .iter()
            .any(|m| py.metrics.get(m).is_some_and(|x| x.estimated)),
        low_grade_share: low_grade_share(ind, py),
    };
    let place = Place {
        park_id: &py.park_id,
        year: py.year,
        country,
    };
    let mut j = judge(set, rule, ind.direction, place, value, band, opts);
    if j.status == Status::Meets
        && rule.role == Role::Gate
        && let (Some(e), Some(low)) = (&set.evidence, r.low_grade_share)
        && low > e.max_low_grade_share + 1e-12
    {
        j.status = Status::ToVerify;
        j.why = Some(Why::LowEvidence);
    }
    r.threshold = j.threshold.map(|(t, milestone)| Applied {
        value: t.value,
        band: t.band.clone(),
        country: t.country.clone(),
        milestone,
        source: t.source.clone(),
        status: t.status,
        outside_bands: matches!(band, BandChoice::Outside(Some(_))) && t.band.is_some(),
    });
    r.status = j.status;
    r.points = j.points;
    r.note = why_note(s, rule, py, (ind, iref.change), j.why, &mut r);
    if r.status == Status::Fails
        && let (Some(v), Some((t, _))) = (value, j.threshold)
    {
        r.gap = Some(Box::new(gap(
            ind,
            iref.change.is_some(),
            v,
            t.value,
            base_value,
            py,
        )));
    }
    r
}

/// The note of a rule's result: why it has the status it has (and, when it has no value, the
/// inputs it needs, recorded in `r`).
fn why_note(
    s: &Scorer<'_>,
    rule: &Rule,
    py: &ParkYear,
    (ind, change): (&Indicator, Option<indicators::Change>),
    why: Option<Why>,
    r: &mut RuleResult,
) -> Option<Text> {
    match why {
        None => None,
        Some(Why::OutsideBands) => Some(t!("scoring.note.outside_bands")),
        Some(Why::TierUnconfirmed) => Some(
            s.set
                .accounting
                .outside_bands_note
                .as_ref()
                .map_or_else(|| t!("scoring.note.tier_unconfirmed"), |n| n.text()),
        ),
        Some(Why::LowEvidence) => s.set.evidence.as_ref().map(|e| {
            t!(
                "scoring.note.to_verify",
                share = format!("{:.0} %", r.low_grade_share.unwrap_or(0.0) * 100.0),
                max = format!("{:.0} %", e.max_low_grade_share * 100.0)
            )
        }),
        Some(Why::Waived) => s
            .opts
            .waivers
            .iter()
            .find(|w| w.park_id == py.park_id && w.benchmark == s.set.id && w.rule == rule.id)
            .map(|w| t!("scoring.note.waived", justification = &w.justification)),
        Some(Why::WaiverRefused) => Some(t!("scoring.note.waiver_refused")),
        Some(Why::NoValue) => {
            r.needs = missing_inputs(ind, py);
            Some(match change {
                Some(_) => t!("scoring.note.needs_earlier_years"),
                None if r.needs.is_empty() => t!("scoring.note.no_value"),
                None => t!(
                    "scoring.note.needs_data",
                    metrics = s.vocab.metric_list(&r.needs)
                ),
            })
        }
        Some(Why::UnknownBand) => Some(t!("scoring.note.unknown_band")),
        Some(Why::NoThreshold) => Some(t!("scoring.note.no_threshold")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_well() {
        assert_eq!(fmt_qty(312_345.0), "312,000");
        assert_eq!(fmt_qty(540.4), "540");
        assert_eq!(fmt_qty(12.345), "12.3");
        assert_eq!(fmt_energy(540_000.0), "540 GWh");
    }
}
