//! Scoring a park-year against a benchmark set: per-rule status, points and gap; category and
//! overall scores with coverage; gates; readiness level with its reason; trajectories to the
//! set's milestones.
//!
//! Missing never counts as 0: a rule without a value is `missing`, leaves the weighted means,
//! and lowers coverage. Every threshold applied carries its source and status.

use serde::Serialize;
use std::collections::BTreeMap;

use crate::benchmark::{BandChoice, BenchmarkSet, Method, Role, Rule, SourceStatus, Threshold};
use crate::i18n::{Locale, Text};
use crate::indicators::{self, Catalogue, Direction, GreenMwh, Indicator, Lang, Values};
use crate::inventory::{Inventory, ParkYear};

/// An optional message in English, for the JSON outputs that predate worded messages.
fn english<S: serde::Serializer>(t: &Option<Text>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&Locale::get(Lang::En).text(t)),
        None => s.serialize_none(),
    }
}

/// A set's results: the inventory under its accounting, indicator values and scores.
#[derive(Debug, Clone)]
pub struct SetRun {
    pub set: BenchmarkSet,
    pub inventory: Inventory,
    pub values: Values,
    pub scores: Vec<Score>,
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
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Meets => "meets",
            Status::Fails => "fails",
            Status::Missing => "missing",
            Status::NotApplicable => "not_applicable",
            Status::Waived => "waived",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Meets, Lang::En) => "meets",
            (Status::Fails, Lang::En) => "fails",
            (Status::Missing, Lang::En) => "missing",
            (Status::NotApplicable, Lang::En) => "not applicable",
            (Status::Waived, Lang::En) => "waived",
            (Status::Meets, Lang::Zh) => "达标",
            (Status::Fails, Lang::Zh) => "未达标",
            (Status::Missing, Lang::Zh) => "数据缺失",
            (Status::NotApplicable, Lang::Zh) => "不适用",
            (Status::Waived, Lang::Zh) => "豁免",
        }
    }
}

/// The threshold that applied to a park, and why that one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub value: f64,
    pub band: Option<String>,
    pub country: Option<String>,
    /// The milestone year, when the rule has milestones.
    pub milestone: Option<i32>,
    pub source: String,
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
        st.serialize_field("text_en", &Locale::get(Lang::En).text(&self.text))?;
        st.serialize_field("text_zh", &Locale::get(Lang::Zh).text(&self.text))?;
        st.end()
    }
}

/// One rule's result.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub rule: String,
    pub indicator: String,
    pub name_en: String,
    pub name_zh: String,
    pub role: Role,
    pub category: String,
    pub method: Method,
    pub weight: f64,
    pub unit: String,
    pub value: Option<f64>,
    pub threshold: Option<Applied>,
    pub status: Status,
    /// 0-100; None unless assessed.
    pub points: Option<f64>,
    pub gap: Option<Gap>,
    /// Why it is missing / not applicable / waived (serialised in English).
    #[serde(serialize_with = "english")]
    pub note: Option<Text>,
    /// Metrics whose data would let the rule be assessed (when missing).
    pub needs: Vec<String>,
    /// Some inputs were estimates.
    pub estimated: bool,
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
}

/// A projection of an indicator to a milestone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
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
    pub projections: Vec<Projection>,
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
    pub categories: BTreeMap<String, Part>,
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
        let (en, zh) = (Locale::get(Lang::En), Locale::get(Lang::Zh));
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
        st.serialize_field("level_en", &en.text(&self.level_name))?;
        st.serialize_field("level_zh", &zh.text(&self.level_name))?;
        st.serialize_field("reason_en", &en.text(&self.reason))?;
        st.serialize_field("reason_zh", &zh.text(&self.reason))?;
        st.serialize_field("rules", &self.rules)?;
        st.serialize_field("trajectories", &self.trajectories)?;
        let assumptions: Vec<String> = self.assumptions.iter().map(|a| en.text(a)).collect();
        st.serialize_field("assumptions", &assumptions)?;
        st.end()
    }
}

/// A justified waiver of a rule for a park.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiver {
    pub park_id: String,
    pub benchmark: String,
    pub rule: String,
    pub justification: String,
}

/// Scoring choices made by the user.
#[derive(Debug, Clone, Default)]
pub struct ScoreOptions {
    /// Use this milestone year instead of the next one after the data year.
    pub milestone: Option<i32>,
    pub waivers: Vec<Waiver>,
}

/// Picks the threshold for a park: milestones first (the chosen year), then band/country match,
/// the most specific entry winning.
pub fn pick_threshold<'a>(
    rule: &'a Rule,
    band: &BandChoice,
    country: &str,
    data_year: i32,
    milestone: Option<i32>,
) -> Option<(&'a Threshold, Option<i32>)> {
    let fits = |t: &Threshold| {
        let band_ok = match &t.band {
            None => true,
            Some(b) => band.band() == Some(b.as_str()),
        };
        let country_ok = t
            .country
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(country));
        band_ok && country_ok
    };
    let specificity = |t: &Threshold| (t.country.is_some() as u8) * 2 + t.band.is_some() as u8;
    if !rule.milestones.is_empty() {
        let mut years: Vec<i32> = rule
            .milestones
            .iter()
            .filter(|t| fits(t))
            .filter_map(|t| t.year)
            .collect();
        years.sort();
        years.dedup();
        let year = match milestone {
            Some(m) if years.contains(&m) => Some(m),
            Some(_) => None,
            None => years
                .iter()
                .copied()
                .find(|y| *y >= data_year)
                .or(years.last().copied()),
        };
        if let Some(y) = year
            && let Some(t) = rule
                .milestones
                .iter()
                .filter(|t| t.year == Some(y) && fits(t))
                .max_by_key(|t| specificity(t))
        {
            return Some((t, Some(y)));
        }
    }
    rule.thresholds
        .iter()
        .filter(|t| fits(t))
        .max_by_key(|t| specificity(t))
        .map(|t| (t, None))
}

/// Points 0-100 for a value under a rule's method.
pub fn points(rule: &Rule, dir: Direction, value: f64, threshold: Option<f64>) -> Option<f64> {
    let clamp = |x: f64| x.clamp(0.0, 100.0);
    match rule.method {
        Method::Threshold => Some(if dir.meets(value, threshold?) {
            100.0
        } else {
            0.0
        }),
        Method::Linear => {
            let r = rule.reference.as_ref()?.value;
            let t = threshold?;
            if (r - t).abs() < f64::EPSILON {
                return Some(if dir.meets(value, t) { 100.0 } else { 0.0 });
            }
            Some(clamp(100.0 * (r - value) / (r - t)))
        }
        Method::Tiers => Some(
            rule.tiers
                .iter()
                .filter(|t| dir.meets(value, t.value))
                .map(|t| t.points)
                .fold(0.0, f64::max)
                .clamp(0.0, 100.0),
        ),
        Method::Ratio => {
            let lead = rule.leading.as_ref()?.value;
            let cap = rule.cap.unwrap_or(1.0);
            let ratio = match dir {
                Direction::Higher if lead != 0.0 => value / lead,
                Direction::Lower if value > 0.0 => lead / value,
                Direction::Lower => cap,
                Direction::Higher => return None,
            };
            Some(clamp(100.0 * ratio.min(cap)))
        }
    }
}

/// Scores one park-year against a set.
#[allow(clippy::too_many_arguments)]
pub fn score(
    set: &BenchmarkSet,
    cat: &Catalogue,
    py: &ParkYear,
    park_name: &str,
    country: &str,
    values: &Values,
    opts: &ScoreOptions,
) -> Score {
    let key = (py.park_id.clone(), py.year);
    let empty = BTreeMap::new();
    let vals = values.get(&key).unwrap_or(&empty);
    let size = vals
        .get(&set.accounting.size_indicator)
        .and_then(|v| v.value);
    let band = set.band_for(size);
    let mut rules = Vec::new();
    for rule in &set.rules {
        rules.push(score_rule(
            set, cat, rule, py, country, vals, values, &band, opts,
        ));
    }
    let overall = part(rules.iter());
    let mut categories: BTreeMap<String, Part> = BTreeMap::new();
    let cats: std::collections::BTreeSet<&String> = rules.iter().map(|r| &r.category).collect();
    for c in cats {
        categories.insert(c.clone(), part(rules.iter().filter(|r| &r.category == c)));
    }
    let gates: Vec<&RuleResult> = rules.iter().filter(|r| r.role == Role::Gate).collect();
    let gate = gate_state(gates.iter().map(|g| g.status));
    let (level, level_name, reason) = level(set, overall, gate, &gates);
    let trajectories = trajectories(set, cat, py, country, values, &band);
    let mut assumptions = py.assumptions.clone();
    if let BandChoice::Outside(b) = &band {
        let note = set.accounting.outside_bands_note.as_ref().map_or_else(
            || t!("scoring.note.outside_bands"),
            |n| Text::both(n.get(Lang::En), n.get(Lang::Zh)),
        );
        assumptions.push(match b {
            Some(b) => {
                let band = set.bands.iter().find(|x| &x.id == b).map_or_else(
                    || Text::verbatim(b),
                    |x| Text::both(x.label.get(Lang::En), x.label.get(Lang::Zh)),
                );
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

#[allow(clippy::too_many_arguments)]
fn score_rule(
    set: &BenchmarkSet,
    cat: &Catalogue,
    rule: &Rule,
    py: &ParkYear,
    country: &str,
    vals: &BTreeMap<String, indicators::Value>,
    all: &Values,
    band: &BandChoice,
    opts: &ScoreOptions,
) -> RuleResult {
    let iref = rule.indicator_ref();
    let ind = cat
        .get(&iref.base)
        .expect("checked when the set was loaded");
    let base_value = vals.get(&iref.base).copied().unwrap_or_default();
    let value = match iref.change {
        None => base_value.value,
        Some(c) => indicators::change(all, &py.park_id, &iref.base, c, py.year),
    };
    let unit = match iref.change {
        None => ind.unit.clone(),
        Some(_) => "share/yr".to_string(),
    };
    let label = rule.label.clone();
    let mut r = RuleResult {
        rule: rule.id.clone(),
        indicator: iref.key(),
        name_en: label
            .as_ref()
            .map_or_else(|| change_name(ind, iref.change, Lang::En), |l| l.en.clone()),
        name_zh: label.as_ref().map_or_else(
            || change_name(ind, iref.change, Lang::Zh),
            |l| {
                if l.zh.is_empty() {
                    l.en.clone()
                } else {
                    l.zh.clone()
                }
            },
        ),
        role: rule.role,
        category: ind.category.clone(),
        method: rule.method,
        weight: rule.weight,
        unit,
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
    };
    let j = judge(
        set,
        rule,
        ind.direction,
        &py.park_id,
        py.year,
        country,
        value,
        band,
        opts,
    );
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
    r.note = match j.why {
        None => None,
        Some(Why::OutsideBands) => Some(t!("scoring.note.outside_bands")),
        Some(Why::Waived) => opts
            .waivers
            .iter()
            .find(|w| w.park_id == py.park_id && w.benchmark == set.id && w.rule == rule.id)
            .map(|w| t!("scoring.note.waived", justification = &w.justification)),
        Some(Why::WaiverRefused) => Some(t!("scoring.note.waiver_refused")),
        Some(Why::NoValue) => {
            r.needs = missing_inputs(ind, py);
            Some(match iref.change {
                Some(_) => t!("scoring.note.needs_earlier_years"),
                None if r.needs.is_empty() => t!("scoring.note.no_value"),
                None => t!("scoring.note.needs_data", metrics = r.needs.join(", ")),
            })
        }
        Some(Why::UnknownBand) => Some(t!("scoring.note.unknown_band")),
        Some(Why::NoThreshold) => Some(t!("scoring.note.no_threshold")),
    };
    if r.status == Status::Fails
        && let (Some(v), Some((t, _))) = (value, j.threshold)
    {
        r.gap = Some(gap(ind, iref.change.is_some(), v, t.value, base_value, py));
    }
    r
}

/// Why a rule was not assessed, or was assessed with a caveat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    OutsideBands,
    Waived,
    WaiverRefused,
    NoValue,
    UnknownBand,
    NoThreshold,
}

/// A rule's verdict in numbers, without words: the scorecard adds the words, the uncertainty
/// analysis re-judges every draw with it.
#[derive(Debug, Clone, Copy)]
pub struct Judgement<'a> {
    pub status: Status,
    pub points: Option<f64>,
    pub threshold: Option<(&'a Threshold, Option<i32>)>,
    pub why: Option<Why>,
}

/// Judges a rule for a value (the indicator's, or its change over time).
#[allow(clippy::too_many_arguments)]
pub fn judge<'a>(
    set: &BenchmarkSet,
    rule: &'a Rule,
    direction: Direction,
    park_id: &str,
    year: i32,
    country: &str,
    value: Option<f64>,
    band: &BandChoice,
    opts: &ScoreOptions,
) -> Judgement<'a> {
    let mut j = Judgement {
        status: Status::Missing,
        points: None,
        threshold: None,
        why: None,
    };
    let picked = pick_threshold(rule, band, country, year, opts.milestone);
    let banded = rule
        .thresholds
        .iter()
        .chain(&rule.milestones)
        .all(|t| t.band.is_some())
        && !(rule.thresholds.is_empty() && rule.milestones.is_empty());
    if banded && matches!(band, BandChoice::Outside(None)) {
        j.status = Status::NotApplicable;
        j.why = Some(Why::OutsideBands);
        return j;
    }
    j.threshold = picked;
    if opts
        .waivers
        .iter()
        .any(|w| w.park_id == park_id && w.benchmark == set.id && w.rule == rule.id)
    {
        if rule.waivable {
            j.status = Status::Waived;
            j.why = Some(Why::Waived);
            return j;
        }
        j.why = Some(Why::WaiverRefused);
    }
    let Some(v) = value else {
        j.why = Some(Why::NoValue);
        return j;
    };
    if banded && picked.is_none() && matches!(band, BandChoice::Unknown) {
        j.why = Some(Why::UnknownBand);
        return j;
    }
    let threshold = picked.map(|(t, _)| t.value);
    let Some(p) = points(rule, direction, v, threshold) else {
        j.why = Some(Why::NoThreshold);
        return j;
    };
    j.points = Some(p);
    let meets = match threshold {
        Some(t) => direction.meets(v, t),
        None => p >= 100.0,
    };
    j.status = if meets { Status::Meets } else { Status::Fails };
    j
}

fn change_name(ind: &Indicator, change: Option<indicators::Change>, lang: Lang) -> String {
    let base = ind.name(lang);
    match (change, lang) {
        (None, _) => base.to_string(),
        (Some(indicators::Change::Yoy), Lang::En) => format!("{base}: change from previous year"),
        (Some(indicators::Change::Cagr), Lang::En) => format!("{base}: compound annual change"),
        (Some(indicators::Change::LinearChange), Lang::En) => {
            format!("{base}: average annual change")
        }
        (Some(indicators::Change::Yoy), Lang::Zh) => format!("{base}（同比变化）"),
        (Some(indicators::Change::Cagr), Lang::Zh) => format!("{base}（年均复合变化率）"),
        (Some(indicators::Change::LinearChange), Lang::Zh) => format!("{base}（年均变化率）"),
    }
}

/// The metrics behind an indicator that this park-year lacks.
fn missing_inputs(ind: &Indicator, py: &ParkYear) -> Vec<String> {
    let mut out: Vec<String> = ind
        .supplied_by
        .iter()
        .filter(|m| py.metrics.get(*m).is_none_or(|x| x.value.is_none()))
        .cloned()
        .collect();
    if ind.denominator.as_deref() == Some("land_area_km2") && py.land_area_km2.is_none() {
        out.push("land_area (parks.csv)".into());
    }
    // Carriers absent from the data count as 0, so an energy-based indicator lacks data only
    // when no energy was reported at all.
    if py.energy_tce.is_none()
        && ind
            .supplied_by
            .iter()
            .any(|m| m.starts_with("electricity") || m == "natural_gas")
    {
        out.retain(|m| {
            !m.starts_with("electricity")
                && m != "natural_gas"
                && m != "raw_coal"
                && m != "heat_purchased"
        });
        out.insert(0, "energy use (electricity and fuels)".into());
    }
    out
}

fn gap(
    ind: &Indicator,
    is_change: bool,
    v: f64,
    t: f64,
    parts: indicators::Value,
    py: &ParkYear,
) -> Gap {
    let indicator_gap = t - v;
    let mut g = Gap {
        indicator_gap,
        quantity: None,
        quantity_unit: None,
        green_mwh: None,
        grid_mwh: py
            .metrics
            .get("electricity_grid")
            .and_then(|m| m.value)
            .or(Some(0.0)),
        electricity_can_close: None,
        text: Text::verbatim(""),
    };
    let fmt_v = |x: f64| fmt_indicator(ind, x, is_change);
    if is_change {
        g.text = t!("scoring.gap.change", target = fmt_v(t), now = fmt_v(v));
        return g;
    }
    match (parts.numerator, parts.denominator, &ind.gap_unit) {
        (Some(n), Some(d), Some(unit)) => {
            let (q, key) = match ind.direction {
                Direction::Lower => (n - t * d, "scoring.gap.cut"),
                Direction::Higher => (t * d - n, "scoring.gap.add"),
            };
            g.quantity = Some(q);
            g.quantity_unit = Some(unit.clone());
            // The catalogue says how to put the gap; a generic sentence otherwise.
            let base = match (&ind.gap_en, &ind.gap_zh) {
                (Some(en), Some(zh)) => Text::both(
                    en.replace("{q}", &fmt_qty(q)),
                    zh.replace("{q}", &fmt_qty(q)),
                ),
                _ => Text::new(key)
                    .arg("q", fmt_qty(q))
                    .arg("unit", unit)
                    .arg("denominator", denominator_words(ind)),
            };
            g.text = base.clone();
            let per_mwh = match ind.green_mwh {
                Some(GreenMwh::Co2) => py.grid_factor_t_per_mwh,
                Some(GreenMwh::Tce) => Some(py.electricity_tce_per_mwh),
                None => None,
            };
            if let (Some(per), Some(grid)) = (per_mwh, g.grid_mwh)
                && per > 0.0
            {
                let mwh = q / per;
                g.green_mwh = Some(mwh);
                let can = mwh <= grid;
                g.electricity_can_close = Some(can);
                g.text = if can {
                    t!("scoring.gap.or_green", gap = base, mwh = fmt_energy(mwh))
                } else if grid <= 0.0 {
                    t!("scoring.gap.no_grid", gap = base)
                } else {
                    t!(
                        "scoring.gap.green_not_enough",
                        gap = base,
                        grid = fmt_energy(grid),
                        mwh = fmt_energy(mwh)
                    )
                };
            }
        }
        _ => {
            let name = Text::both(&ind.name_en, &ind.name_zh);
            g.text = if ind.unit == "yes/no" {
                t!(
                    "scoring.gap.put_in_place",
                    name = Text::both(ind.name_en.to_lowercase(), &ind.name_zh)
                )
            } else {
                let key = match ind.direction {
                    Direction::Lower => "scoring.gap.lower",
                    Direction::Higher => "scoring.gap.raise",
                };
                Text::new(key)
                    .arg("name", name)
                    .arg("by", fmt_v(indicator_gap.abs()))
            };
        }
    }
    g
}

/// What a gap quantity is measured against ("at today's energy use").
fn denominator_words(ind: &Indicator) -> Text {
    match ind.denominator.as_deref().unwrap_or("") {
        "energy_tce" => t!("scoring.denominator.energy_tce"),
        "industrial_value_added" => t!("scoring.denominator.industrial_value_added"),
        d => Text::verbatim(d.replace('_', " ")),
    }
}

/// A quantity with thousands separators, rounded to 3 significant figures.
pub fn fmt_qty(x: f64) -> String {
    let a = x.abs();
    let rounded = if a >= 1000.0 {
        let mag = 10f64.powi(a.log10().floor() as i32 - 2);
        (x / mag).round() * mag
    } else {
        x
    };
    let dec = if a >= 100.0 {
        0
    } else if a >= 1.0 {
        1
    } else {
        3
    };
    let s = format!("{:.dec$}", rounded.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// MWh as MWh or GWh.
pub fn fmt_energy(mwh: f64) -> String {
    if mwh.abs() >= 10_000.0 {
        format!("{} GWh", fmt_qty(mwh / 1000.0))
    } else {
        format!("{} MWh", fmt_qty(mwh))
    }
}

/// An indicator value with its unit (shares and changes as %).
pub fn fmt_indicator(ind: &Indicator, x: f64, is_change: bool) -> String {
    if is_change {
        format!("{:.1} %/yr", x * 100.0)
    } else if ind.is_share() {
        format!("{:.1} %", x * 100.0)
    } else if ind.unit == "yes/no" {
        if x >= 0.5 { "yes".into() } else { "no".into() }
    } else {
        let a = x.abs();
        let s = if a >= 100.0 {
            fmt_qty(x)
        } else if a >= 1.0 {
            format!("{x:.2}")
        } else {
            format!("{x:.3}")
        };
        format!("{s} {}", ind.unit)
    }
}

fn part<'a>(rules: impl Iterator<Item = &'a RuleResult>) -> Part {
    part_of(rules.map(|r| (r.status, r.role, r.weight, r.points)))
}

/// The weighted mean of assessed rules' points and the share of applicable weight assessed,
/// from (status, role, weight, points) of each rule.
pub fn part_of(rules: impl Iterator<Item = (Status, Role, f64, Option<f64>)>) -> Part {
    let mut assessed_w = 0.0;
    let mut applicable_w = 0.0;
    let mut sum = 0.0;
    for (status, role, weight, points) in rules {
        match status {
            Status::Meets | Status::Fails => {
                assessed_w += weight;
                applicable_w += weight;
                sum += weight * points.unwrap_or(0.0);
            }
            Status::Missing if role != Role::Optional => applicable_w += weight,
            _ => {}
        }
    }
    Part {
        score: (assessed_w > 0.0).then(|| sum / assessed_w),
        coverage: if applicable_w > 0.0 {
            assessed_w / applicable_w
        } else {
            0.0
        },
    }
}

/// The gates at a glance, from the gate rules' statuses.
pub fn gate_state(gates: impl Iterator<Item = Status>) -> GateState {
    let mut any = false;
    let (mut missing, mut failed) = (false, false);
    for s in gates {
        any = true;
        missing |= s == Status::Missing;
        failed |= s == Status::Fails;
    }
    match (any, missing, failed) {
        (false, _, _) => GateState::None,
        (_, true, _) => GateState::Missing,
        (_, _, true) => GateState::Failed,
        _ => GateState::Passed,
    }
}

/// The readiness level reached (index into `set.levels`), or None when undetermined.
pub fn level_index(set: &BenchmarkSet, overall: Part, gate: GateState) -> Option<usize> {
    if gate == GateState::Missing {
        return None;
    }
    let score = overall.score?;
    set.levels.iter().position(|l| {
        score + 1e-9 >= l.min_score
            && overall.coverage + 1e-9 >= l.min_coverage
            && !(l.requires_gates && gate == GateState::Failed)
    })
}

fn level(
    set: &BenchmarkSet,
    overall: Part,
    gate: GateState,
    gates: &[&RuleResult],
) -> (String, Text, Text) {
    let gate_names = Text::both(
        gates
            .iter()
            .map(|g| g.name_en.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        gates
            .iter()
            .map(|g| g.name_zh.as_str())
            .collect::<Vec<_>>()
            .join("、"),
    );
    let undetermined = |reason: Text| {
        (
            "undetermined".to_string(),
            t!("scoring.level.undetermined"),
            reason,
        )
    };
    if gate == GateState::Missing {
        return undetermined(t!("scoring.reason.gate_missing", gates = gate_names));
    }
    let Some(score) = overall.score else {
        return undetermined(t!("scoring.reason.nothing_assessed"));
    };
    let score_text = format!("{score:.0}");
    let cov = format!("{:.0} %", overall.coverage * 100.0);
    let label = |l: &crate::benchmark::Level| Text::both(&l.label.en, &l.label.zh);
    let top = &set.levels[0];
    if let Some(i) = level_index(set, overall, gate) {
        let l = &set.levels[i];
        let reason = if gate == GateState::Failed && top.requires_gates {
            t!(
                "scoring.reason.gate_failed",
                score = score_text,
                coverage = cov,
                gates = gate_names,
                top = label(top)
            )
        } else {
            t!(
                "scoring.reason.band",
                score = score_text,
                coverage = cov,
                level = label(l),
                min = l.min_score
            )
        };
        return (l.id.clone(), label(l), reason);
    }
    undetermined(t!(
        "scoring.reason.too_little",
        coverage = format!("{:.0}", overall.coverage * 100.0)
    ))
}

fn trajectories(
    set: &BenchmarkSet,
    cat: &Catalogue,
    py: &ParkYear,
    country: &str,
    values: &Values,
    band: &BandChoice,
) -> Vec<Trajectory> {
    let mut out = Vec::new();
    for rule in &set.rules {
        let iref = rule.indicator_ref();
        if iref.change.is_some() {
            continue;
        }
        let Some(ind) = cat.get(&iref.base) else {
            continue;
        };
        let points: Vec<(i32, f64)> = values
            .range((py.park_id.clone(), i32::MIN)..=(py.park_id.clone(), py.year))
            .filter_map(|((_, y), m)| Some((*y, m.get(&iref.base)?.value?)))
            .collect();
        if points.len() < 2 {
            continue;
        }
        let fit = indicators::linear_fit(&points);
        let (y0, v0) = points[0];
        let (y1, v1) = points[points.len() - 1];
        let annual_rate = (v0 > 0.0 && v1 >= 0.0 && y1 > y0)
            .then(|| (v1 / v0).powf(1.0 / f64::from(y1 - y0)) - 1.0);
        let mut years: Vec<i32> = rule
            .milestones
            .iter()
            .filter_map(|m| m.year)
            .filter(|y| *y > py.year)
            .collect();
        years.sort();
        years.dedup();
        let projections = years
            .into_iter()
            .filter_map(|y| {
                let (t, _) = pick_threshold(rule, band, country, py.year, Some(y))?;
                let (slope, intercept) = fit?;
                let projected = slope * f64::from(y) + intercept;
                Some(Projection {
                    year: y,
                    projected,
                    target: t.value,
                    on_track: ind.direction.meets(projected, t.value),
                })
            })
            .collect();
        out.push(Trajectory {
            rule: rule.id.clone(),
            indicator: iref.base.clone(),
            points,
            slope_per_year: fit.map(|f| f.0),
            annual_rate,
            projections,
        });
    }
    out
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
