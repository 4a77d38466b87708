//! How sure is each verdict? A Monte Carlo over factor and activity-data uncertainty.
//!
//! Each draw re-accounts every park with multiplied factors and quantities (ranges from
//! `indicators/uncertainty.toml`), re-evaluates the indicators and re-judges every rule with the
//! same code as the scorecard. Factor errors are systematic (one multiplier per factor and draw,
//! shared by all parks and years using it); data errors are random (one per park, year, metric
//! and draw; `quality = estimated` rows get the wider spread).
//!
//! Reproducible: the draws depend only on the seed, the factor key or park id, never on thread
//! scheduling or on which other parks are in the programme.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::benchmark::{BenchmarkSet, Role, SourceStatus};
use crate::indicators::{Compiled, Direction, IndicatorCatalogue, IndicatorRef, change_of};
use crate::input::Dataset;
use crate::inventory::{ParkYear, Prepared, VarIndex};
use crate::reference::{ReferenceError, Vocabulary, parse_toml, read_text};
use crate::scoring::{self, GateState, ScoreOptions, SetRun, Status};
use crate::stats::percentile_inc;

/// Spread of reported quantities by data quality.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DataQuality {
    pub groups: Vec<String>,
    pub measured: f64,
    pub measured_source: String,
    pub measured_status: SourceStatus,
    pub estimated: f64,
    pub estimated_source: String,
    pub estimated_status: SourceStatus,
}

/// The 95 % half-width of a factor, with its source.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FactorRange {
    pub applies_to: String,
    pub half_width: f64,
    pub source: String,
    pub status: SourceStatus,
}

/// `indicators/uncertainty.toml`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyConfig {
    /// Share of draws that may reach another level than the central result before a park is
    /// borderline.
    pub borderline_share: f64,
    pub borderline_source: String,
    pub borderline_status: SourceStatus,
    pub data_quality: DataQuality,
    pub factor: Vec<FactorRange>,
}

impl UncertaintyConfig {
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("uncertainty.toml", None)?;
        let c: UncertaintyConfig = parse_toml(&file, &text)?;
        for key in ["grid", "heat", "fuel"] {
            if !c.factor.iter().any(|f| f.applies_to == key) {
                return Err(ReferenceError::Parse {
                    file,
                    message: format!("no [[factor]] with applies_to = \"{key}\""),
                });
            }
        }
        Ok(c)
    }

    /// The range for "grid", "heat" or a fuel id (falling back to "fuel").
    pub fn range(&self, applies_to: &str) -> &FactorRange {
        self.factor
            .iter()
            .find(|f| f.applies_to == applies_to)
            .or_else(|| self.factor.iter().find(|f| f.applies_to == "fuel"))
            .expect("checked when loaded")
    }
}

/// Monte Carlo settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McOptions {
    pub draws: usize,
    pub seed: u64,
    /// Overrides the 95 % half-width of estimated quantities.
    pub estimated_spread: Option<f64>,
}

impl Default for McOptions {
    fn default() -> Self {
        McOptions {
            draws: 1000,
            seed: 42,
            estimated_spread: None,
        }
    }
}

/// 5th, 50th and 95th percentile of the draws (PERCENTILE.INC).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Interval {
    fn of(mut xs: Vec<f64>) -> Option<Interval> {
        xs.retain(|x| x.is_finite());
        xs.sort_by(|a, b| a.total_cmp(b));
        Some(Interval {
            p5: percentile_inc(&xs, 0.05)?,
            p50: percentile_inc(&xs, 0.5)?,
            p95: percentile_inc(&xs, 0.95)?,
        })
    }
}

/// A rule under uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleUncertainty {
    pub rule: String,
    pub indicator: String,
    pub role: Role,
    pub central: Option<f64>,
    pub interval: Option<Interval>,
    /// Share of draws in which the rule is met; None when never assessed.
    pub p_meets: Option<f64>,
}

/// A park's verdict under uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParkUncertainty {
    pub park_id: String,
    pub year: i32,
    pub benchmark: String,
    pub draws: usize,
    pub overall_central: Option<f64>,
    pub overall: Option<Interval>,
    pub rules: Vec<RuleUncertainty>,
    /// Share of draws in which every gate is met (None when the set has no gate).
    pub p_gates: Option<f64>,
    pub level_central: String,
    /// Share of draws reaching each level ("undetermined" included), most frequent first.
    pub level_shares: Vec<(String, f64)>,
    /// More than 5 % of the draws reach another level than the central estimate.
    pub borderline: bool,
    pub rank_central: Option<usize>,
    /// 5-95 % interval of the park's rank among the parks scored for the same year.
    pub rank_p5: Option<usize>,
    pub rank_p95: Option<usize>,
    pub rank_of: usize,
}

/// What the analysis needs of a scored set.
pub struct Inputs<'a> {
    /// The scored set: its rules, park-years, scores, and earlier years restated on a later
    /// boundary (a change over time compares the drawn year with them, as they were computed,
    /// not drawn).
    pub run: &'a SetRun,
    pub data: &'a Dataset,
    pub vocab: &'a Vocabulary,
    pub cat: &'a IndicatorCatalogue,
    pub opts: &'a ScoreOptions,
    pub settings: &'a BTreeMap<String, f64>,
}

const UNDETERMINED: &str = "undetermined";
/// Parks per polars evaluation: bounds memory (rows = parks x years x draws).
const CHUNK_ROWS: usize = 200_000;

fn stable_hash(s: &str) -> u64 {
    // FNV-1a: stable across platforms and releases (std's hasher is not).
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn rng_for(seed: u64, key: &str) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ stable_hash(key))
}

fn multiplier(rng: &mut ChaCha8Rng, half_width: f64) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    (1.0 + z * half_width / 1.96).max(0.0)
}

/// The factor key of a park's grid electricity.
fn grid_key(p: &crate::input::Park) -> String {
    format!(
        "grid:{}:{}",
        p.country,
        p.province
            .as_deref()
            .or(p.grid_region.as_deref())
            .unwrap_or("-")
    )
}

/// One park's work: its years, the target year, and per-draw outcomes.
struct ParkWork<'a> {
    park: &'a crate::input::Park,
    score: &'a scoring::Score,
    years: Vec<&'a ParkYear>,
    prepared: Vec<Prepared>,
    /// Per metric index: which global factor key (index) scales its CO2.
    factor_of: Vec<Option<usize>>,
}

/// Per-draw outcomes of a park.
struct Outcome {
    overall: Vec<f64>,
    /// Per reported rule: values and met flags (NaN / None when not assessed).
    values: Vec<Vec<f64>>,
    met: Vec<Vec<Option<bool>>>,
    gates_met: usize,
    levels: Vec<Option<usize>>,
}

/// Runs the Monte Carlo for each park's latest scored year.
pub fn analyse(
    inp: &Inputs,
    cfg: &UncertaintyConfig,
    mc: &McOptions,
) -> Result<Vec<ParkUncertainty>, crate::frame::FrameError> {
    let draws = mc.draws.max(1);
    let vocab = inp.vocab;
    let ix = VarIndex::new(vocab);
    let latest = inp.run.latest();
    let formulas = Formulas::new(inp, &ix);
    let factors = FactorDraws::new(inp, &latest, cfg, mc.seed, draws);
    let works = park_works(inp, &latest, &factors, &ix);
    let reported = reported_rules(&inp.run.set);
    let perturb: Vec<bool> = vocab
        .order
        .iter()
        .map(|id| cfg.data_quality.groups.contains(&vocab.metrics[id].group))
        .collect();
    let ctx = Ctx {
        inp,
        ix: &ix,
        draws,
        seed: mc.seed,
        formulas: &formulas,
        factor_draws: &factors.draws,
        perturb: &perturb,
        measured_hw: cfg.data_quality.measured,
        estimated_hw: mc.estimated_spread.unwrap_or(cfg.data_quality.estimated),
        reported: &reported,
    };
    let outcomes: Vec<Outcome> = chunks(&works, draws)
        .par_iter()
        .map(|chunk| ctx.run_chunk(chunk))
        .collect::<Result<Vec<Vec<Outcome>>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let ranks = ranks(&works, &outcomes, draws);
    Ok(works
        .iter()
        .zip(outcomes)
        .zip(ranks)
        .map(|((w, o), rank)| ctx.summarise(w, o, rank, cfg.borderline_share))
        .collect())
}

/// The formulas of the indicators the rules and the size band need, and what they read.
struct Formulas<'a> {
    compiled: Compiled,
    /// Each needed indicator's position in `compiled`.
    pos_of: HashMap<&'a str, usize>,
    /// The variables (indices in the [`VarIndex`]) the formulas read.
    used_vars: Vec<usize>,
    /// The set's settings the formulas read.
    settings: Vec<(&'a String, f64)>,
}

impl<'a> Formulas<'a> {
    fn new(inp: &Inputs<'a>, ix: &VarIndex) -> Self {
        let set = &inp.run.set;
        let mut needed: Vec<String> = set.rules.iter().map(|r| r.indicator_ref().base).collect();
        needed.push(set.accounting.size_indicator.clone());
        needed.sort();
        needed.dedup();
        let inds: Vec<&'a crate::indicators::Indicator> =
            needed.iter().filter_map(|id| inp.cat.get(id)).collect();
        let pos_of = inds
            .iter()
            .enumerate()
            .map(|(i, ind)| (ind.id.as_str(), i))
            .collect();
        let compiled = Compiled::new(inds.iter().copied());
        let tokens: BTreeSet<&str> = compiled
            .expressions
            .iter()
            .flat_map(|e| e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .collect();
        let used_vars = (0..ix.names.len())
            .filter(|i| tokens.contains(ix.names[*i].as_str()))
            .collect();
        let settings = inp
            .settings
            .iter()
            .filter(|(k, _)| tokens.contains(k.as_str()))
            .map(|(k, v)| (k, *v))
            .collect();
        Formulas {
            compiled,
            pos_of,
            used_vars,
            settings,
        }
    }
}

/// The factor multipliers: one stream per factor key (heat, each fuel, each park's grid), one
/// multiplier per draw.
struct FactorDraws {
    /// Each key's position in `draws`.
    pos: HashMap<String, usize>,
    draws: Vec<Vec<f64>>,
}

impl FactorDraws {
    fn new(
        inp: &Inputs,
        latest: &[&scoring::Score],
        cfg: &UncertaintyConfig,
        seed: u64,
        draws: usize,
    ) -> Self {
        let vocab = inp.vocab;
        let mut keys: BTreeSet<String> = BTreeSet::from(["heat".to_string()]);
        for id in &vocab.order {
            if vocab.metrics[id].group == "fuel" {
                keys.insert(format!("fuel:{id}"));
            }
        }
        for s in latest {
            if let Some(p) = inp.data.park(&s.park_id) {
                keys.insert(grid_key(p));
            }
        }
        let draws = keys
            .iter()
            .map(|k| {
                let range = match k.split(':').collect::<Vec<_>>().as_slice() {
                    ["grid", ..] => cfg.range("grid"),
                    ["fuel", id] => cfg.range(id),
                    _ => cfg.range("heat"),
                };
                let mut rng = rng_for(seed, k);
                (0..draws)
                    .map(|_| multiplier(&mut rng, range.half_width))
                    .collect()
            })
            .collect();
        let pos = keys.into_iter().enumerate().map(|(i, k)| (k, i)).collect();
        FactorDraws { pos, draws }
    }

    /// Per metric of the vocabulary: the factor stream that scales its CO2 in a park.
    fn of_metrics(&self, vocab: &Vocabulary, park: &crate::input::Park) -> Vec<Option<usize>> {
        let grid = self.pos[grid_key(park).as_str()];
        vocab
            .order
            .iter()
            .map(|id| match vocab.metrics[id].group.as_str() {
                "electricity" => Some(grid),
                "heat" => Some(self.pos["heat"]),
                "fuel" => self.pos.get(format!("fuel:{id}").as_str()).copied(),
                _ => None,
            })
            .collect()
    }
}

/// Each park's work, for its latest scored year (with the earlier years when a rule reads a
/// change over time); a park whose latest year has no park-year is left out.
fn park_works<'a>(
    inp: &Inputs<'a>,
    latest: &[&'a scoring::Score],
    factors: &FactorDraws,
    ix: &VarIndex,
) -> Vec<ParkWork<'a>> {
    let has_change = inp
        .run
        .set
        .rules
        .iter()
        .any(|r| r.indicator_ref().change.is_some());
    let mut by_park: HashMap<&str, Vec<&ParkYear>> = HashMap::new();
    for py in &inp.run.inventory.years {
        by_park.entry(py.park_id.as_str()).or_default().push(py);
    }
    latest
        .iter()
        .filter_map(|&s| {
            let park = inp.data.park(&s.park_id)?;
            let mut years: Vec<&ParkYear> = by_park
                .get(s.park_id.as_str())?
                .iter()
                .copied()
                .filter(|py| {
                    if has_change {
                        py.year <= s.year
                    } else {
                        py.year == s.year
                    }
                })
                .collect();
            years.sort_by_key(|py| py.year);
            if years.last().map(|py| py.year) != Some(s.year) {
                return None;
            }
            let prepared = years.iter().map(|py| py.prepare(inp.vocab, ix)).collect();
            Some(ParkWork {
                park,
                score: s,
                years,
                prepared,
                factor_of: factors.of_metrics(inp.vocab, park),
            })
        })
        .collect()
}

/// The rules reported: the gates and core rules, or every rule when the set has neither.
fn reported_rules(set: &BenchmarkSet) -> Vec<usize> {
    let reported: Vec<usize> = set
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r.role, Role::Gate | Role::Core))
        .map(|(i, _)| i)
        .collect();
    if reported.is_empty() {
        (0..set.rules.len()).collect()
    } else {
        reported
    }
}

/// Chunks of parks, each one polars evaluation of at most about [`CHUNK_ROWS`] rows.
fn chunks<'w, 'a>(works: &'w [ParkWork<'a>], draws: usize) -> Vec<&'w [ParkWork<'a>]> {
    let mut chunks: Vec<&[ParkWork]> = Vec::new();
    let mut start = 0;
    let mut rows = 0;
    for (i, w) in works.iter().enumerate() {
        rows += w.years.len() * draws;
        if rows >= CHUNK_ROWS {
            chunks.push(&works[start..=i]);
            start = i + 1;
            rows = 0;
        }
    }
    if start < works.len() {
        chunks.push(&works[start..]);
    }
    chunks
}

/// A park's rank: central, and one per draw in which it has an overall score.
#[derive(Default, Clone)]
struct ParkRank {
    central: Option<usize>,
    /// Parks ranked centrally for the same year.
    of: usize,
    draws: Vec<f64>,
}

/// Ranks per draw among parks of the same year, per park in the order of `works`.
fn ranks(works: &[ParkWork], outcomes: &[Outcome], draws: usize) -> Vec<ParkRank> {
    let mut by_year: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (i, w) in works.iter().enumerate() {
        by_year.entry(w.score.year).or_default().push(i);
    }
    let mut ranks = vec![ParkRank::default(); works.len()];
    for members in by_year.values() {
        let central: Vec<(usize, f64)> = members
            .iter()
            .filter_map(|&i| Some((i, works[i].score.overall.score?)))
            .collect();
        let vals: Vec<f64> = central.iter().map(|c| c.1).collect();
        for ((i, _), r) in central.iter().zip(crate::stats::merit_ranks(&vals, true)) {
            ranks[*i].central = Some(r);
            ranks[*i].of = central.len();
        }
        let per_draw: Vec<Vec<(usize, usize)>> = (0..draws)
            .into_par_iter()
            .map(|d| {
                let scored: Vec<(usize, f64)> = members
                    .iter()
                    .map(|&i| (i, outcomes[i].overall[d]))
                    .filter(|(_, v)| v.is_finite())
                    .collect();
                let vals: Vec<f64> = scored.iter().map(|s| s.1).collect();
                scored
                    .iter()
                    .zip(crate::stats::merit_ranks(&vals, true))
                    .map(|((i, _), r)| (*i, r))
                    .collect()
            })
            .collect();
        for d in per_draw {
            for (i, r) in d {
                ranks[i].draws.push(r as f64);
            }
        }
    }
    ranks
}

/// What every chunk shares.
struct Ctx<'a> {
    inp: &'a Inputs<'a>,
    ix: &'a VarIndex,
    draws: usize,
    seed: u64,
    formulas: &'a Formulas<'a>,
    factor_draws: &'a [Vec<f64>],
    perturb: &'a [bool],
    measured_hw: f64,
    estimated_hw: f64,
    reported: &'a [usize],
}

/// A park's rows in an evaluated chunk, and what judging them needs in every draw.
struct ParkRows<'r> {
    w: &'r ParkWork<'r>,
    /// The chunk's evaluated indicators.
    res: &'r [Vec<Option<f64>>],
    /// The park's first row in `res`.
    row0: usize,
    refs: Vec<IndicatorRef>,
    /// Per rule: its indicator's direction (None when the catalogue lacks it).
    dirs: Vec<Option<Direction>>,
    size_pos: Option<usize>,
    /// The park's earlier years restated on the boundary of its latest year.
    again: Option<&'r BTreeMap<i32, crate::indicators::YearValues>>,
}

/// Reused buffers of one draw's judgements.
#[derive(Default)]
struct DrawScratch {
    statuses: Vec<(Status, Role, f64, Option<f64>)>,
    values: Vec<Option<f64>>,
    series: Vec<(i32, f64)>,
}

impl Ctx<'_> {
    fn run_chunk(&self, chunk: &[ParkWork]) -> Result<Vec<Outcome>, crate::frame::FrameError> {
        let total_rows: usize = chunk.iter().map(|w| w.years.len() * self.draws).sum();
        let mut named: Vec<(String, Vec<Option<f64>>)> = self
            .formulas
            .used_vars
            .iter()
            .zip(self.drawn_columns(chunk, total_rows))
            .map(|(&v, c)| (self.ix.names[v].clone(), c))
            .collect();
        for (k, v) in &self.formulas.settings {
            named.push(((*k).clone(), vec![Some(*v); total_rows]));
        }
        let expressions = &self.formulas.compiled.expressions;
        let res = if named.is_empty() {
            // No formula reads a variable: evaluate constants over a dummy column.
            crate::frame::evaluate(
                &[("_rows".to_string(), vec![Some(0.0); total_rows])],
                expressions,
            )?
        } else {
            crate::frame::evaluate(&named, expressions)?
        };
        let mut row0 = 0;
        Ok(chunk
            .iter()
            .map(|w| {
                let o = self.judge_park(w, &res, row0);
                row0 += w.years.len() * self.draws;
                o
            })
            .collect())
    }

    /// The variables the formulas read, one row per park, draw and year (in that order), with
    /// the draw's factor and quantity multipliers applied.
    fn drawn_columns(&self, chunk: &[ParkWork], total_rows: usize) -> Vec<Vec<Option<f64>>> {
        let vocab = self.inp.vocab;
        let nm = vocab.order.len();
        let used_vars = &self.formulas.used_vars;
        let mut columns: Vec<Vec<Option<f64>>> = used_vars
            .iter()
            .map(|_| Vec::with_capacity(total_rows))
            .collect();
        let mut buf = vec![None; self.ix.names.len()];
        let mut data = vec![1.0; nm];
        let mut co2 = vec![1.0; nm];
        for w in chunk {
            let mut rng = rng_for(self.seed, &w.park.park_id);
            for d in 0..self.draws {
                for (m, f) in w.factor_of.iter().enumerate() {
                    co2[m] = f.map_or(1.0, |k| self.factor_draws[k][d]);
                }
                for (py, prep) in w.years.iter().zip(&w.prepared) {
                    for (m, id) in vocab.order.iter().enumerate() {
                        data[m] = match py.metrics.get(id) {
                            Some(my) if self.perturb[m] && my.value.is_some() => {
                                let hw = if my.estimated {
                                    self.estimated_hw
                                } else {
                                    self.measured_hw
                                };
                                multiplier(&mut rng, hw)
                            }
                            _ => 1.0,
                        };
                    }
                    prep.fill(self.ix, &data, &co2, &mut buf);
                    for (c, &v) in columns.iter_mut().zip(used_vars) {
                        c.push(buf[v]);
                    }
                }
            }
        }
        columns
    }

    fn judge_park(&self, w: &ParkWork, res: &[Vec<Option<f64>>], row0: usize) -> Outcome {
        let set = &self.inp.run.set;
        let refs: Vec<IndicatorRef> = set.rules.iter().map(|r| r.indicator_ref()).collect();
        let rows = ParkRows {
            w,
            res,
            row0,
            dirs: refs
                .iter()
                .map(|r| self.inp.cat.get(&r.base).map(|i| i.direction))
                .collect(),
            refs,
            size_pos: self
                .formulas
                .pos_of
                .get(set.accounting.size_indicator.as_str())
                .copied(),
            again: self
                .inp
                .run
                .restated
                .get(&(w.score.park_id.clone(), w.score.year)),
        };
        let mut o = Outcome {
            overall: Vec::with_capacity(self.draws),
            values: vec![Vec::with_capacity(self.draws); self.reported.len()],
            met: vec![Vec::with_capacity(self.draws); self.reported.len()],
            gates_met: 0,
            levels: Vec::with_capacity(self.draws),
        };
        let mut scratch = DrawScratch::default();
        for d in 0..self.draws {
            self.judge_draw(&rows, d, &mut scratch);
            let statuses = &scratch.statuses;
            let overall = scoring::part_of(statuses.iter().copied());
            let gate =
                scoring::gate_state(statuses.iter().filter(|s| s.1 == Role::Gate).map(|s| s.0));
            if gate == GateState::Passed {
                o.gates_met += 1;
            }
            o.overall.push(overall.score.unwrap_or(f64::NAN));
            o.levels.push(scoring::level_index(set, overall, gate));
            for (k, &ri) in self.reported.iter().enumerate() {
                o.values[k].push(scratch.values[ri].unwrap_or(f64::NAN));
                o.met[k].push(match statuses[ri].0 {
                    Status::Meets => Some(true),
                    Status::Fails => Some(false),
                    _ => None,
                });
            }
        }
        o
    }

    /// Judges every rule of the set in draw `d` of a park, into `scratch`.
    fn judge_draw(&self, rows: &ParkRows, d: usize, scratch: &mut DrawScratch) {
        let set = &self.inp.run.set;
        let w = rows.w;
        let year = w.score.year;
        let ny = w.years.len();
        let base = rows.row0 + d * ny;
        let last = base + ny - 1;
        let value_at =
            |ind: usize, row: usize| self.formulas.compiled.value(rows.res, ind, row).value;
        let band = set.band_for(rows.size_pos.and_then(|p| value_at(p, last)));
        let DrawScratch {
            statuses,
            values,
            series,
        } = scratch;
        statuses.clear();
        values.clear();
        for ((rule, r), dir) in set.rules.iter().zip(&rows.refs).zip(&rows.dirs) {
            let Some(dir) = dir else {
                statuses.push((Status::Missing, rule.role, rule.weight, None));
                values.push(None);
                continue;
            };
            let p = self.formulas.pos_of.get(r.base.as_str()).copied();
            let value = match (r.change, p) {
                (_, None) => None,
                (None, Some(p)) => value_at(p, last),
                (Some(c), Some(p)) => {
                    series.clear();
                    for (k, py) in w.years.iter().enumerate() {
                        let restated = rows
                            .again
                            .and_then(|a| a.get(&py.year))
                            .filter(|_| py.year < year)
                            .map(|m| m.get(r.base.as_str()).and_then(|v| v.value));
                        if let Some(v) = restated.unwrap_or_else(|| value_at(p, base + k)) {
                            series.push((py.year, v));
                        }
                    }
                    change_of(series, c, year)
                }
            };
            let place = scoring::Place {
                park_id: &w.park.park_id,
                year,
                country: &w.park.country,
            };
            let j = scoring::judge(set, rule, *dir, place, value, &band, self.inp.opts);
            statuses.push((j.status, rule.role, rule.weight, j.points));
            values.push(value);
        }
    }

    /// A park's verdict under uncertainty from its draws' outcomes and ranks.
    fn summarise(
        &self,
        w: &ParkWork,
        o: Outcome,
        mut rank: ParkRank,
        borderline_share: f64,
    ) -> ParkUncertainty {
        let set = &self.inp.run.set;
        let draws = self.draws;
        let level_shares = level_shares(set, &o.levels, draws);
        let central_share = level_shares
            .iter()
            .find(|(l, _)| *l == w.score.level)
            .map_or(0.0, |x| x.1);
        let has_gate = set.rules.iter().any(|r| r.role == Role::Gate);
        let rules = self.rule_uncertainties(w, &o);
        rank.draws.sort_by(|a, b| a.total_cmp(b));
        ParkUncertainty {
            park_id: w.park.park_id.clone(),
            year: w.score.year,
            benchmark: set.id.clone(),
            draws,
            overall_central: w.score.overall.score,
            overall: Interval::of(o.overall),
            rules,
            p_gates: has_gate.then(|| o.gates_met as f64 / draws as f64),
            level_central: w.score.level.clone(),
            level_shares,
            borderline: central_share < 1.0 - borderline_share,
            rank_central: rank.central,
            rank_p5: percentile_inc(&rank.draws, 0.05).map(|x| x.round() as usize),
            rank_p95: percentile_inc(&rank.draws, 0.95).map(|x| x.round() as usize),
            rank_of: rank.of,
        }
    }

    /// The reported rules of a park under uncertainty.
    fn rule_uncertainties(&self, w: &ParkWork, o: &Outcome) -> Vec<RuleUncertainty> {
        let set = &self.inp.run.set;
        let draws = self.draws as f64;
        self.reported
            .iter()
            .enumerate()
            .map(|(k, &ri)| {
                let rule = &set.rules[ri];
                let central = w
                    .score
                    .rules
                    .iter()
                    .find(|r| *r.rule == *rule.id)
                    .and_then(|r| r.value);
                let assessed: Vec<bool> = o.met[k].iter().filter_map(|m| *m).collect();
                RuleUncertainty {
                    rule: rule.id.clone(),
                    indicator: rule.indicator_ref().key(),
                    role: rule.role,
                    central,
                    interval: Interval::of(o.values[k].clone()),
                    p_meets: (!assessed.is_empty())
                        .then(|| assessed.iter().filter(|m| **m).count() as f64 / draws),
                }
            })
            .collect()
    }
}

/// Share of draws reaching each level ("undetermined" included), most frequent first.
fn level_shares(set: &BenchmarkSet, levels: &[Option<usize>], draws: usize) -> Vec<(String, f64)> {
    let level_name =
        |l: Option<usize>| l.map_or(UNDETERMINED.to_string(), |i| set.levels[i].id.clone());
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for l in levels {
        *counts.entry(level_name(*l)).or_default() += 1;
    }
    let mut shares: Vec<(String, f64)> = counts
        .into_iter()
        .map(|(k, n)| (k, n as f64 / draws as f64))
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    shares
}
