//! Scenario files: a consultant's own measures, sizes and start years, with optional activity
//! growth, projected year by year to the set's milestones (or the catalogue's horizon).
//!
//! ```toml
//! name = "PV first, then heat pumps"
//! park = "P001"        # optional: only this park (else every selected park)
//! base_year = 2024     # optional: the data year projected from (else each park's latest)
//! growth = 0.02        # optional: yearly growth of every quantity (energy, mass, volume, money)
//! [growth_by_metric]   # optional: a metric's own growth
//! natural_gas = -0.05
//! [[measure]]
//! id = "rooftop_pv"    # a measure of the catalogue
//! size = 12            # in its size unit: MW, a share (0-1) or a rate (0-1)
//! start = 2026         # first year it works
//! ```

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{MeasureCatalogue, Planner, apply};
use crate::i18n::Text;
use crate::input::MetricYear;
use crate::inventory::ParkYear;
use crate::reference::{ReferenceError, Vocabulary, line_col, toml_error_message};
use crate::scoring::{GateState, Score, Status, fmt_qty};

/// A scenario as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name: one string, or `{ en = "...", zh = "..." }`.
    #[serde(default)]
    pub name: crate::benchmark::Label,
    #[serde(default)]
    pub park: Option<String>,
    #[serde(default)]
    pub base_year: Option<i32>,
    #[serde(default)]
    pub growth: f64,
    #[serde(default)]
    pub growth_by_metric: BTreeMap<String, f64>,
    #[serde(default)]
    pub measure: Vec<ScenarioMeasure>,
}

/// A measure of a scenario.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeasure {
    pub id: String,
    pub size: f64,
    pub start: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    name: crate::benchmark::Label,
    #[serde(default)]
    park: Option<String>,
    #[serde(default)]
    base_year: Option<i32>,
    #[serde(default)]
    growth: f64,
    #[serde(default)]
    growth_by_metric: BTreeMap<String, toml::Spanned<f64>>,
    #[serde(default)]
    measure: Vec<toml::Spanned<ScenarioMeasure>>,
}

/// Dimensions whose quantities grow with activity (shares, flags, bands and counts do not).
const GROWING: [&str; 4] = ["energy", "mass", "volume", "money"];

impl Scenario {
    /// Reads a scenario, checking every measure id, size and growth against the catalogue;
    /// every problem is told at once with its line and column.
    pub fn parse(
        file: &str,
        text: &str,
        measures: &MeasureCatalogue,
        vocab: &Vocabulary,
    ) -> Result<Scenario, ReferenceError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| ReferenceError::Parse {
            file: file.to_string(),
            message: toml_error_message(text, &e),
        })?;
        let mut problems = Vec::new();
        let at = |span: std::ops::Range<usize>| {
            let (l, c) = line_col(text, span.start);
            format!("{file}:{l}:{c}")
        };
        let growth_ok = |g: f64| (-0.5..=1.0).contains(&g);
        if !growth_ok(raw.growth) {
            problems.push(format!(
                "{file}: growth {}: expected a yearly fraction from -0.5 to 1 (0.02 = 2 %/yr)",
                raw.growth
            ));
        }
        for (id, g) in &raw.growth_by_metric {
            if !vocab.metrics.contains_key(id) {
                problems.push(format!(
                    "{}: growth_by_metric: \"{id}\" is not a metric of metrics.toml",
                    at(g.span())
                ));
            } else if !growth_ok(*g.get_ref()) {
                problems.push(format!(
                    "{}: growth_by_metric.{id} {}: expected a yearly fraction from -0.5 to 1",
                    at(g.span()),
                    g.get_ref()
                ));
            }
        }
        for m in &raw.measure {
            let sm = m.get_ref();
            match measures.measure(&sm.id) {
                None => problems.push(format!(
                    "{}: measure \"{}\" is not in {}; one of {}",
                    at(m.span()),
                    sm.id,
                    measures.file,
                    measures
                        .measures
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Some(x) => {
                    let unit = x.size_unit();
                    let ok =
                        sm.size.is_finite() && sm.size >= 0.0 && (unit == "MW" || sm.size <= 1.0);
                    if !ok {
                        problems.push(format!(
                            "{}: measure {} size {}: expected {}",
                            at(m.span()),
                            sm.id,
                            sm.size,
                            if unit == "MW" {
                                "MW, 0 or more"
                            } else {
                                "a fraction from 0 to 1"
                            }
                        ));
                    }
                }
            }
            if !(1900..=2200).contains(&sm.start) {
                problems.push(format!(
                    "{}: measure {} start {}: expected a year",
                    at(m.span()),
                    sm.id,
                    sm.start
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ReferenceError::Parse {
                file: file.to_string(),
                message: problems.join("\n"),
            });
        }
        Ok(Scenario {
            name: raw.name,
            park: raw.park,
            base_year: raw.base_year,
            growth: raw.growth,
            growth_by_metric: raw
                .growth_by_metric
                .into_iter()
                .map(|(k, v)| (k, v.into_inner()))
                .collect(),
            measure: raw.measure.into_iter().map(|m| m.into_inner()).collect(),
        })
    }
}

/// One projected year.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectedYear {
    pub year: i32,
    /// A milestone year of the set.
    pub milestone: bool,
    /// The scenario's measures working this year.
    pub measures: Vec<String>,
    pub co2_total_t: Option<f64>,
    pub energy_tce: Option<f64>,
    /// Each rule's indicator value and status, in the set's order.
    pub rules: Vec<(String, Option<f64>, Status)>,
    pub level: String,
    pub gate: GateState,
    pub overall: Option<f64>,
    #[serde(skip)]
    pub score: Score,
}

/// A park's scenario projected to the set's milestones.
#[derive(Debug, Clone, Serialize)]
pub struct Projection {
    pub park_id: String,
    pub park_name: String,
    pub benchmark: String,
    pub scenario: crate::benchmark::Label,
    pub base_year: i32,
    pub years: Vec<ProjectedYear>,
    /// The first projected year every gate is met (None: not within the projection).
    pub first_gate_year: Option<i32>,
    #[serde(serialize_with = "crate::i18n::english_all")]
    pub notes: Vec<Text>,
}

/// The years a set is projected to: base + 1 to its last milestone year (thresholds with a
/// year), or to base + `horizon` when it has none.
pub fn years_to(
    set: &crate::benchmark::BenchmarkSet,
    base: i32,
    horizon: i32,
) -> (Vec<i32>, Vec<i32>) {
    let mut milestones: Vec<i32> = set
        .rules
        .iter()
        .flat_map(|r| r.thresholds.iter().filter_map(|t| t.year))
        .filter(|y| *y > base)
        .collect();
    milestones.sort_unstable();
    milestones.dedup();
    let end = milestones.last().copied().unwrap_or(base + horizon.max(1));
    ((base + 1..=end).collect(), milestones)
}

/// Projects one park under a scenario from its `base` metrics of `base_year`.
pub fn project(
    planner: &Planner,
    scenario: &Scenario,
    base: &apply::Metrics,
    base_year: i32,
) -> Result<Projection, crate::frame::FrameError> {
    let horizon = planner.measures.horizon_years.value.round() as i32;
    let (years, milestones) = years_to(planner.set, base_year, horizon);
    let mut notes: Vec<Text> = Vec::new();
    let mut states = Vec::new();
    let mut active_by_year = Vec::new();
    for &y in &years {
        let mut state = grown(planner, scenario, base, f64::from(y - base_year));
        let active = take_measures(planner, scenario, y, &mut state, &mut notes);
        states.push(planner.acc.account(planner.park, y, &state));
        active_by_year.push(active);
    }
    let scores = planner.score_series(&states)?;
    let out_years: Vec<ProjectedYear> = states
        .iter()
        .zip(scores)
        .zip(active_by_year)
        .map(|((py, score), active)| projected_year(py, score, active, &milestones))
        .collect();
    // The first and last projected years' assumptions (the years between repeat them, e.g. the
    // latest published grid factor used for each later year).
    for py in states.first().into_iter().chain(states.last()) {
        for a in &py.assumptions {
            note_once(&mut notes, a.clone());
        }
    }
    let first_gate_year = out_years
        .iter()
        .find(|y| y.gate == GateState::Passed)
        .map(|y| y.year);
    Ok(Projection {
        park_id: planner.park.park_id.clone(),
        park_name: planner.park.name.clone(),
        benchmark: planner.set.id.clone(),
        scenario: scenario.name.clone(),
        base_year,
        years: out_years,
        first_gate_year,
        notes,
    })
}

fn note_once(notes: &mut Vec<Text>, note: Text) {
    if !notes.contains(&note) {
        notes.push(note);
    }
}

/// The base metrics grown for `n` years at the scenario's rates (quantities of the growing
/// dimensions only).
fn grown(planner: &Planner, scenario: &Scenario, base: &apply::Metrics, n: f64) -> apply::Metrics {
    base.iter()
        .map(|(id, m)| {
            let grows = planner
                .vocab
                .metrics
                .get(id)
                .is_some_and(|x| GROWING.contains(&x.dimension.as_str()));
            let g = scenario
                .growth_by_metric
                .get(id)
                .copied()
                .unwrap_or(scenario.growth);
            let k = if grows { (1.0 + g).powf(n) } else { 1.0 };
            (
                id.clone(),
                MetricYear {
                    value: m.value.map(|v| v * k),
                    ..*m
                },
            )
        })
        .collect()
}

/// Applies the scenario's measures started by year `y` to `state`: the ids of those that
/// applied (what was capped or skipped, and the measures' notes, go to `notes`).
fn take_measures(
    planner: &Planner,
    scenario: &Scenario,
    y: i32,
    state: &mut apply::Metrics,
    notes: &mut Vec<Text>,
) -> Vec<String> {
    let ctx = planner.ctx(y);
    let mut active = Vec::new();
    for sm in scenario.measure.iter().filter(|m| m.start <= y) {
        let Some(m) = planner.measures.measure(&sm.id) else {
            continue;
        };
        match apply::max_size(m, &ctx, state) {
            Ok(max) => {
                let floor = apply::size_at(m, state, max, 0.0);
                if sm.size > max + 1e-12 {
                    let note = t!(
                        "plan.note.size_capped",
                        measure = &sm.id,
                        asked = fmt_qty(sm.size),
                        max = fmt_qty(max),
                        unit = m.size_unit()
                    );
                    note_once(notes, note);
                }
                if let Ok(e) = apply::apply(m, &ctx, state, sm.size.min(max).max(floor)) {
                    for n in e.notes {
                        note_once(notes, n);
                    }
                    active.push(sm.id.clone());
                }
            }
            Err(why) => {
                let note = t!("plan.note.scenario_skip", measure = &sm.id, why = why);
                note_once(notes, note);
            }
        }
    }
    active
}

fn projected_year(
    py: &ParkYear,
    score: Score,
    active: Vec<String>,
    milestones: &[i32],
) -> ProjectedYear {
    ProjectedYear {
        year: py.year,
        milestone: milestones.contains(&py.year),
        measures: active,
        co2_total_t: py.co2_total_t,
        energy_tce: py.energy_tce,
        rules: score
            .rules
            .iter()
            .map(|r| (r.rule.to_string(), r.value, r.status))
            .collect(),
        level: score.level.clone(),
        gate: score.gate,
        overall: score.overall.score,
        score,
    }
}

/// Reads a scenario file the caller offers.
pub fn read(
    files: &dyn crate::world::Files,
    path: &std::path::Path,
    measures: &MeasureCatalogue,
    vocab: &Vocabulary,
) -> Result<Scenario, ReferenceError> {
    let (file, text) = crate::world::read_text(files, path)?;
    Scenario::parse(&file, &text, measures, vocab)
}
