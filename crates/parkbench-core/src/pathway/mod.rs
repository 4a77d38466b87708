//! Pathways: which measures would close a park's gap to a benchmark set, at what cost, and by
//! when. A stage after scoring: it changes a park's activity with measures ([`apply`]),
//! re-accounts it with the set's accounting ([`crate::inventory::Accountant`]), re-evaluates the
//! indicators and re-scores it with [`crate::scoring::score`]. Nothing here judges a rule or
//! computes CO2 by itself.
//!
//! * [`Planner::macc`]: every applicable measure sized to the park, in merit order (cheapest per tCO2
//!   first, each evaluated on the inventory the ones before it leave, so two measures on one
//!   carrier never count the same tonnes twice).
//! * [`Planner::plan`]: walks that order for each failing rule (gates first) and takes measures until the
//!   rule is met, the last one only as far as needed; then re-scores the park and says what
//!   the catalogue cannot close. A greedy merit-order walk, not a global optimum: README says so.
//! * [`scenario`]: a consultant's own measures, sizes and start years projected year by year to
//!   the set's milestones.

pub mod apply;
pub mod firms;
pub mod measures;
pub mod scenario;

use serde::Serialize;
use std::collections::BTreeMap;

use crate::benchmark::{BenchmarkSet, Role};
use crate::i18n::Text;
use crate::indicators::{self, Direction, Indicator, IndicatorCatalogue as Indicators, Values};
use crate::input::Park;
use crate::inventory::{Accountant, ParkYear};
use crate::reference::Vocabulary;
use crate::scoring::{self, GateState, RuleResult, Score, ScoreOptions, Status, fmt_qty};

pub use apply::{Ctx, Effect, Metrics};
pub use measures::{Measure, MeasureCatalogue};

/// One measure taken: its size, effect, abatement and cost, and the rules' indicators after it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub measure: String,
    pub size: f64,
    pub size_unit: &'static str,
    /// The size as a share of the largest the park allows at that point (1 = sized to the park).
    pub share_of_max: f64,
    pub effect: Effect,
    /// tCO2/yr less than before the step (CO2 total: scope 1 + market-based scope 2).
    pub abatement_t: f64,
    pub co2_after_t: Option<f64>,
    pub energy_after_tce: Option<f64>,
    /// Cost per tCO2 abated (CNY/t); None without abatement or with an unknown bill.
    pub cost_per_t: Option<f64>,
    /// Each rule's indicator value after the step, in the set's rule order.
    pub rules_after: Vec<(String, Option<f64>)>,
}

/// A measure the catalogue has that does not apply to the park, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub measure: String,
    #[serde(serialize_with = "crate::i18n::english")]
    pub why: Text,
}

/// A rule the plan leaves unmet, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Unreached {
    pub rule: String,
    pub status: Status,
    #[serde(serialize_with = "crate::i18n::english")]
    pub why: Text,
}

/// A park's pathway to a set: the merit order, the plan, the re-scored result.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub park_id: String,
    pub park_name: String,
    pub year: i32,
    pub benchmark: String,
    pub co2_before_t: Option<f64>,
    pub energy_before_tce: Option<f64>,
    /// Each rule's indicator value today, in the set's rule order.
    pub rules_before: Vec<(String, Option<f64>)>,
    /// Every applicable CO2 measure at full size, cheapest per tCO2 first.
    pub macc: Vec<Step>,
    /// The measures taken, in order, the last of each rule's only as far as needed.
    pub steps: Vec<Step>,
    #[serde(skip)]
    pub before: Score,
    #[serde(skip)]
    pub after: Option<Score>,
    pub level_before: String,
    pub level_after: Option<String>,
    pub gate_before: GateState,
    pub gate_after: Option<GateState>,
    pub unreached: Vec<Unreached>,
    pub skipped: Vec<Skipped>,
    #[serde(serialize_with = "crate::i18n::english_all")]
    pub assumptions: Vec<Text>,
    /// Why no plan could be made (the CO2 or energy total is unknown ...).
    #[serde(serialize_with = "crate::i18n::english_opt")]
    pub blocked: Option<Text>,
    /// Where each step lands among the park's enterprises (empty without enterprises).
    pub firms: Vec<firms::StepFirms>,
}

impl Plan {
    pub fn abatement_t(&self) -> f64 {
        self.steps.iter().map(|s| s.abatement_t).sum()
    }

    pub fn capex_cny(&self) -> f64 {
        self.steps.iter().map(|s| s.effect.capex_cny).sum()
    }

    /// The plan's cost per year (None when a step's bill is unknown).
    pub fn annual_cost_cny(&self) -> Option<f64> {
        self.steps
            .iter()
            .map(|s| s.effect.annual_cost_cny())
            .sum::<Option<f64>>()
    }

    /// Does the plan meet every gate (None when the set has no gate or no plan was made)?
    pub fn meets_gate(&self) -> Option<bool> {
        match self.gate_after? {
            GateState::None => None,
            g => Some(g == GateState::Passed),
        }
    }
}

/// Everything a park's pathway needs, built once per park and set.
pub struct Planner<'a> {
    pub set: &'a BenchmarkSet,
    pub indicators: &'a Indicators,
    pub vocab: &'a Vocabulary,
    pub measures: &'a MeasureCatalogue,
    pub acc: &'a Accountant<'a>,
    pub park: &'a Park,
    pub settings: &'a BTreeMap<String, f64>,
    pub opts: &'a ScoreOptions,
    /// Earlier years restated on later boundaries (for rules on change over time).
    pub restated: &'a indicators::Restated,
    /// The park's indicator values of every year (for rules on change over time).
    pub history: Values,
    /// The indicators the set's rules and size bands read, parsed once.
    evaluator: &'a indicators::Evaluator,
    /// The set's rules' ids and names, made once.
    heads: &'a scoring::RuleHeads,
    /// The history, lent to [`Planner::score_all`] while it scores a variant.
    scratch: std::cell::RefCell<Values>,
    /// Scores of sequences already scored (the plan asks for the current one several times).
    memo: std::cell::RefCell<Vec<(Seq, Score)>>,
}

/// The indicators a set's rules and size bands read.
pub fn needed_indicators<'c>(set: &BenchmarkSet, cat: &'c Indicators) -> Vec<&'c Indicator> {
    let mut ids: Vec<String> = set.rules.iter().map(|r| r.indicator_ref().base).collect();
    ids.push(set.accounting.size_indicator.clone());
    ids.sort();
    ids.dedup();
    ids.iter().filter_map(|id| cat.get(id)).collect()
}

/// A sequence of measures: (index in the catalogue, fraction of its largest size).
type Seq = Vec<(usize, f64)>;

/// What closing a rule reads: the park-year's context and base metrics, its year, and the
/// candidate measures in merit order.
struct Closing<'c> {
    ctx: &'c Ctx<'c>,
    base: &'c Metrics,
    year: i32,
    order: &'c [usize],
}

/// A sequence realised from the base: the metrics, park-year and step after each measure.
struct Realised {
    steps: Vec<Step>,
    states: Vec<ParkYear>,
}

/// Halvings of the last measure's size: it is trimmed to 1/256 of its range.
const BISECTIONS: usize = 8;

/// What the planners of every park of one set share.
#[derive(Clone, Copy)]
pub struct Planning<'a> {
    pub set: &'a BenchmarkSet,
    pub indicators: &'a Indicators,
    pub vocab: &'a Vocabulary,
    pub measures: &'a MeasureCatalogue,
    pub acc: &'a Accountant<'a>,
    pub settings: &'a BTreeMap<String, f64>,
    pub opts: &'a ScoreOptions,
    /// Earlier years restated on later boundaries (the run's).
    pub restated: &'a indicators::Restated,
    /// The indicators the set's rules and size bands read, parsed once.
    pub evaluator: &'a indicators::Evaluator,
    /// The set's rules' ids and names, made once.
    pub heads: &'a scoring::RuleHeads,
}

impl<'a> Planner<'a> {
    /// A park's planner, with the park's history of indicator values taken from `values`.
    pub fn new(p: Planning<'a>, park: &'a Park, values: &Values) -> Self {
        let history: Values = values
            .range((park.park_id.clone(), i32::MIN)..=(park.park_id.clone(), i32::MAX))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Planner {
            set: p.set,
            indicators: p.indicators,
            vocab: p.vocab,
            measures: p.measures,
            acc: p.acc,
            park,
            settings: p.settings,
            opts: p.opts,
            restated: p.restated,
            scratch: std::cell::RefCell::new(history.clone()),
            history,
            evaluator: p.evaluator,
            heads: p.heads,
            memo: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Scores park-years of this park (their years may repeat: variants of one year).
    pub fn score_all(&self, years: &[ParkYear]) -> Result<Vec<Score>, crate::frame::FrameError> {
        let rows = self.evaluator.years(years, self.vocab, self.settings)?;
        // The variant's values stand in for its year while it is scored, then the year's own
        // values are put back (no copy of the history per variant).
        let mut values = self.scratch.borrow_mut();
        Ok(years
            .iter()
            .zip(rows)
            .map(|(py, vals)| {
                let key = (py.park_id.clone(), py.year);
                let old = values.get(&key).cloned();
                values.entry(key.clone()).or_default().extend(vals);
                let s = self.score_with(py, &values);
                match old {
                    Some(o) => values.insert(key, o),
                    None => values.remove(&key),
                };
                s
            })
            .collect())
    }

    /// Scores a series of years of this park (projected years, ascending): each year's
    /// values join the history before the next is scored, so rules on change over time see
    /// the projected course.
    pub fn score_series(&self, years: &[ParkYear]) -> Result<Vec<Score>, crate::frame::FrameError> {
        let rows = self.evaluator.years(years, self.vocab, self.settings)?;
        let mut values = self.history.clone();
        for (py, vals) in years.iter().zip(rows) {
            values
                .entry((py.park_id.clone(), py.year))
                .or_default()
                .extend(vals);
        }
        Ok(years
            .iter()
            .map(|py| self.score_with(py, &values))
            .collect())
    }

    /// A park-year of this park scored against the set with these indicator values.
    fn score_with(&self, py: &ParkYear, values: &Values) -> Score {
        let scorer = scoring::Scorer {
            set: self.set,
            cat: self.indicators,
            values,
            restated: self.restated,
            opts: self.opts,
            vocab: self.vocab,
            heads: self.heads,
        };
        let subject = scoring::Subject {
            py,
            name: &self.park.name,
            country: &self.park.country,
        };
        scoring::score(scorer, subject)
    }

    fn ctx(&self, year: i32) -> Ctx<'_> {
        Ctx::new(self.measures, self.park, self.vocab, self.acc, year)
    }

    /// Applies `seq` to `base` in order.
    fn realise(&self, ctx: &Ctx, base: &Metrics, year: i32, seq: &Seq) -> Realised {
        let mut state = base.clone();
        let mut before = self.acc.account(self.park, year, &state);
        let mut steps = Vec::new();
        let mut states = Vec::new();
        for &(i, f) in seq {
            let m = &self.measures.measures[i];
            let Ok(max) = apply::max_size(m, ctx, &state) else {
                continue;
            };
            let size = apply::size_at(m, &state, max, f);
            let mut next = state.clone();
            let Ok(effect) = apply::apply(m, ctx, &mut next, size) else {
                continue;
            };
            let after = self.acc.account(self.park, year, &next);
            steps.push(step(m, &effect, f, &before, &after));
            states.push(after.clone());
            before = after;
            state = next;
        }
        Realised { steps, states }
    }

    /// The merit order: at each point the applicable measure with the lowest cost per tCO2
    /// on the inventory left so far, at full size, until none abates. Also returns the measures
    /// that do not apply or do not abate, with why.
    pub fn macc(&self, ctx: &Ctx, base: &Metrics, year: i32) -> (Seq, Vec<Skipped>) {
        let mut state = base.clone();
        let mut left: Vec<usize> = (0..self.measures.measures.len())
            .filter(|&i| self.measures.measures[i].abates())
            .collect();
        let mut seq = Seq::new();
        let mut why: BTreeMap<usize, Text> = BTreeMap::new();
        loop {
            let co2 = self.acc.account(self.park, year, &state).co2_total_t;
            let mut best: Option<(usize, f64, Metrics)> = None;
            for &i in &left {
                let m = &self.measures.measures[i];
                let max = match apply::max_size(m, ctx, &state) {
                    Ok(x) => x,
                    Err(t) => {
                        why.insert(i, t);
                        continue;
                    }
                };
                let mut next = state.clone();
                let effect = match apply::apply(m, ctx, &mut next, max) {
                    Ok(e) => e,
                    Err(t) => {
                        why.insert(i, t);
                        continue;
                    }
                };
                // CO2 is linear in the quantities: the changes times each carrier's CO2 per
                // unit (accounted only where a factor is missing).
                let abated = match (co2, effect.abatement(ctx)) {
                    (Some(_), Some(cut)) => cut,
                    (Some(a), None) => self
                        .acc
                        .account(self.park, year, &next)
                        .co2_total_t
                        .map_or(f64::NAN, |b| a - b),
                    _ => f64::NAN,
                };
                if abated.is_nan() || abated <= abatement_floor(co2) {
                    why.insert(
                        i,
                        t!(
                            "plan.skip.no_abatement",
                            t = fmt_qty(if abated.is_nan() { 0.0 } else { -abated })
                        ),
                    );
                    continue;
                }
                let cost = effect
                    .annual_cost_cny()
                    .map_or(f64::INFINITY, |c| c / abated);
                if best.as_ref().is_none_or(|(_, c, _)| cost < *c) {
                    best = Some((i, cost, next));
                }
            }
            let Some((i, _, next)) = best else { break };
            why.remove(&i);
            seq.push((i, 1.0));
            left.retain(|&j| j != i);
            state = next;
        }
        // A measure that applied to the park as it is but not after the ones before it: say so.
        let skipped = why
            .into_iter()
            .map(|(i, why)| {
                let m = &self.measures.measures[i];
                let applied_at_base = apply::max_size(m, ctx, base).is_ok();
                let why = if applied_at_base
                    && why.key.starts_with("plan.skip.")
                    && why.key != "plan.skip.no_abatement"
                {
                    t!("plan.skip.used_up", why = why)
                } else {
                    why
                };
                Skipped {
                    measure: m.id.clone(),
                    why,
                }
            })
            .collect();
        (seq, skipped)
    }

    /// The plan for one park-year: `base` its metrics, `py` its inventory (with why a total is
    /// unknown), `score` its score against the set.
    pub fn plan(
        &self,
        base: &Metrics,
        py: &ParkYear,
        score: &Score,
    ) -> Result<Plan, crate::frame::FrameError> {
        let year = py.year;
        let mut plan = self.unplanned(py, score);
        if py.co2_total_t.is_none() || py.energy_tce.is_none() {
            plan.blocked = Some(match py.why_unknown() {
                Some(why) => t!("plan.blocked.unknown", why = why),
                None => t!("plan.blocked.no_totals"),
            });
            return Ok(plan);
        }
        let ctx = self.ctx(year);
        let (macc_seq, skipped) = self.macc(&ctx, base, year);
        plan.skipped = skipped;
        let macc = self.realise(&ctx, base, year, &macc_seq);
        let macc_scores = self.score_all(&macc.states)?;
        plan.macc = with_rules(macc.steps, &macc_scores);
        let order = self.candidates(&ctx, base, &macc_seq, &mut plan.skipped);
        let closing = Closing {
            ctx: &ctx,
            base,
            year,
            order: &order,
        };
        let (seq, mut unreached) = self.close_all(&closing)?;
        unreached_missing(score, &mut unreached);
        let done = self.realise(&ctx, base, year, &seq);
        let final_py = self.account_last(&done, base, year);
        let mut scored = self.score_all(&done.states)?;
        let after = match scored.pop() {
            Some(s) => s,
            None => self.score_all(std::slice::from_ref(&final_py))?.remove(0),
        };
        scored.push(after.clone());
        plan.steps = with_rules(done.steps, &scored);
        settle_unreached(&after, &mut unreached);
        plan.unreached = self
            .set
            .rules
            .iter()
            .filter_map(|r| unreached.remove(&r.id))
            .collect();
        plan.assumptions = notes_once(&plan.steps);
        plan.level_after = Some(after.level.clone());
        plan.gate_after = Some(after.gate);
        plan.after = Some(after);
        Ok(plan)
    }

    /// A park-year's plan before any measure: where it stands today.
    fn unplanned(&self, py: &ParkYear, score: &Score) -> Plan {
        Plan {
            park_id: py.park_id.clone(),
            park_name: self.park.name.clone(),
            year: py.year,
            benchmark: self.set.id.clone(),
            co2_before_t: py.co2_total_t,
            energy_before_tce: py.energy_tce,
            rules_before: rule_values(score),
            macc: Vec::new(),
            steps: Vec::new(),
            before: score.clone(),
            after: None,
            level_before: score.level.clone(),
            level_after: None,
            gate_before: score.gate,
            gate_after: None,
            unreached: Vec::new(),
            skipped: Vec::new(),
            assumptions: Vec::new(),
            blocked: None,
            firms: Vec::new(),
        }
    }

    /// Candidates in merit order, then the measures that move guiding indicators only (those
    /// that do not apply go to `skipped`, with why).
    fn candidates(
        &self,
        ctx: &Ctx,
        base: &Metrics,
        macc_seq: &Seq,
        skipped: &mut Vec<Skipped>,
    ) -> Vec<usize> {
        let mut order: Vec<usize> = macc_seq.iter().map(|(i, _)| *i).collect();
        for (i, m) in self.measures.measures.iter().enumerate() {
            if !m.abates() {
                match apply::max_size(m, ctx, base) {
                    Ok(_) => order.push(i),
                    Err(why) => skipped.push(Skipped {
                        measure: m.id.clone(),
                        why,
                    }),
                }
            }
        }
        order
    }

    /// Closes the failing rules, gates first, in up to three passes (a measure taken for one
    /// rule may open another): the measures taken, and the rules left out of reach.
    fn close_all(
        &self,
        c: &Closing<'_>,
    ) -> Result<(Seq, BTreeMap<String, Unreached>), crate::frame::FrameError> {
        let mut seq = Seq::new();
        let mut unreached: BTreeMap<String, Unreached> = BTreeMap::new();
        for _pass in 0..3 {
            let now = self.score_seq(c.ctx, c.base, c.year, &seq)?;
            let targets = targets(self.set, &now, &unreached);
            if targets.is_empty() {
                break;
            }
            for rule in targets {
                self.close(c, &rule, &mut seq, &mut unreached)?;
            }
        }
        Ok((seq, unreached))
    }

    fn account_last(&self, r: &Realised, base: &Metrics, year: i32) -> ParkYear {
        match r.states.last() {
            Some(py) => py.clone(),
            None => self.acc.account(self.park, year, base),
        }
    }

    /// Takes measures from `order` into `seq` until `rule` is met: each that moves the rule's
    /// indicator the right way at full size, the one that meets it only as far as needed.
    fn close(
        &self,
        c: &Closing<'_>,
        rule: &str,
        seq: &mut Seq,
        unreached: &mut BTreeMap<String, Unreached>,
    ) -> Result<(), crate::frame::FrameError> {
        let now = self.score_seq(c.ctx, c.base, c.year, seq)?;
        let Some(now_rule) = rule_of(&now, rule) else {
            return Ok(());
        };
        if now_rule.status == Status::Meets {
            return Ok(());
        }
        let improvers = self.improvers(c, rule, seq, &now_rule)?;
        if improvers.is_empty() {
            // Measures already taken at full size may be what moves it: say how far they got.
            let why = if seq.iter().any(|(_, f)| *f >= 1.0) {
                not_enough(Some(&now_rule))
            } else {
                t!(
                    "plan.unreached.no_measure",
                    indicator = &*now_rule.indicator
                )
            };
            let status = now_rule.status;
            unreached.insert(rule.to_string(), unreached_as(rule, status, why));
            return Ok(());
        }
        let mut prefixes = Vec::new();
        let mut s = seq.clone();
        for &i in &improvers {
            s = with(&s, i, 1.0);
            prefixes.push(s.clone());
        }
        let prefix_years: Vec<ParkYear> = prefixes
            .iter()
            .map(|p| self.last_of(c.ctx, c.base, c.year, p))
            .collect();
        let prefix_scores = self.score_all(&prefix_years)?;
        let Some(k) = prefix_scores
            .iter()
            .position(|sc| rule_of(sc, rule).is_some_and(|r| r.status == Status::Meets))
        else {
            let last = rule_of(prefix_scores.last().expect("improvers"), rule);
            *seq = prefixes.pop().expect("improvers");
            let why = not_enough(last.as_ref());
            unreached.insert(rule.to_string(), unreached_as(rule, Status::Fails, why));
            return Ok(());
        };
        // The measure that meets the rule: the least fraction of it that does.
        let i = improvers[k];
        let start = if k == 0 {
            seq.clone()
        } else {
            prefixes[k - 1].clone()
        };
        let (hi, hi_score) = self.least_fraction(c, rule, &start, i)?;
        *seq = with(&start, i, hi);
        if let Some(s) = hi_score {
            self.remember(seq.clone(), s);
        }
        Ok(())
    }

    /// The candidates not yet taken at full size that, at full size, meet `rule` or move its
    /// value the right way from `now`.
    fn improvers(
        &self,
        c: &Closing<'_>,
        rule: &str,
        seq: &Seq,
        now: &RuleResult,
    ) -> Result<Vec<usize>, crate::frame::FrameError> {
        let dir = self.direction(rule);
        let candidates: Vec<usize> = c
            .order
            .iter()
            .copied()
            .filter(|i| seq.iter().find(|(j, _)| j == i).is_none_or(|e| e.1 < 1.0))
            .collect();
        let singles: Vec<ParkYear> = candidates
            .iter()
            .map(|&i| self.last_of(c.ctx, c.base, c.year, &with(seq, i, 1.0)))
            .collect();
        let single_scores = self.score_all(&singles)?;
        Ok(candidates
            .iter()
            .zip(&single_scores)
            .filter(|(_, sc)| {
                rule_of(sc, rule)
                    .is_some_and(|r| r.status == Status::Meets || better(dir, r.value, now.value))
            })
            .map(|(i, _)| *i)
            .collect())
    }

    /// The least fraction of measure `i` after `start` that meets `rule`, and the score there
    /// when the search scored it. Bisection between today's share (fails) and full size
    /// (meets): `hi` always meets, and ends on the least multiple of 1/2^BISECTIONS of the way
    /// that does.
    fn least_fraction(
        &self,
        c: &Closing<'_>,
        rule: &str,
        start: &Seq,
        i: usize,
    ) -> Result<(f64, Option<Score>), crate::frame::FrameError> {
        let from = start.iter().find(|(j, _)| *j == i).map_or(0.0, |e| e.1);
        let (mut lo, mut hi) = (from, 1.0);
        let mut hi_score = None;
        for _ in 0..BISECTIONS {
            let mid = (lo + hi) / 2.0;
            let s = self
                .score_all(&[self.last_of(c.ctx, c.base, c.year, &with(start, i, mid))])?
                .remove(0);
            if rule_of(&s, rule).is_some_and(|r| r.status == Status::Meets) {
                hi = mid;
                hi_score = Some(s);
            } else {
                lo = mid;
            }
        }
        Ok((hi, hi_score))
    }

    /// The score after `seq` (from the memo when it was scored before).
    fn score_seq(
        &self,
        ctx: &Ctx,
        base: &Metrics,
        year: i32,
        seq: &Seq,
    ) -> Result<Score, crate::frame::FrameError> {
        if let Some((_, s)) = self.memo.borrow().iter().find(|(q, _)| q == seq) {
            return Ok(s.clone());
        }
        let s = self
            .score_all(&[self.last_of(ctx, base, year, seq)])?
            .remove(0);
        self.remember(seq.clone(), s.clone());
        Ok(s)
    }

    fn remember(&self, seq: Seq, score: Score) {
        const KEEP: usize = 8;
        let mut memo = self.memo.borrow_mut();
        if memo.len() >= KEEP {
            memo.remove(0);
        }
        memo.push((seq, score));
    }

    /// The park-year after `seq`: the measures applied in order, accounted once at the end
    /// (what [`Planner::realise`] gives last, without accounting every step).
    fn last_of(&self, ctx: &Ctx, base: &Metrics, year: i32, seq: &Seq) -> ParkYear {
        let mut state = base.clone();
        for &(i, f) in seq {
            let m = &self.measures.measures[i];
            let Ok(max) = apply::max_size(m, ctx, &state) else {
                continue;
            };
            let size = apply::size_at(m, &state, max, f);
            let mut next = state.clone();
            if apply::apply(m, ctx, &mut next, size).is_ok() {
                state = next;
            }
        }
        self.acc.account(self.park, year, &state)
    }

    fn direction(&self, rule: &str) -> Direction {
        self.set
            .rules
            .iter()
            .find(|r| r.id == rule)
            .and_then(|r| self.indicators.get(&r.indicator_ref().base))
            .map_or(Direction::Lower, |i| i.direction)
    }
}

/// `seq` with measure `i` at fraction `f` (appended when it is not in it yet).
fn with(seq: &Seq, i: usize, f: f64) -> Seq {
    let mut s = seq.clone();
    match s.iter_mut().find(|(j, _)| *j == i) {
        Some(e) => e.1 = f,
        None => s.push((i, f)),
    }
    s
}

/// A rule's result in a score.
fn rule_of(score: &Score, rule: &str) -> Option<RuleResult> {
    score.rules.iter().find(|r| &*r.rule == rule).cloned()
}

fn unreached_as(rule: &str, status: Status, why: Text) -> Unreached {
    Unreached {
        rule: rule.to_string(),
        status,
        why,
    }
}

/// Why a rule stays unmet although measures moved it: how far they got.
fn not_enough(r: Option<&RuleResult>) -> Text {
    t!(
        "plan.unreached.not_enough",
        value = r.and_then(|r| r.value).map_or("-".to_string(), fmt_value),
        threshold = r
            .and_then(|r| r.threshold.as_ref())
            .map_or("-".to_string(), |t| fmt_value(t.value))
    )
}

/// The rules missing today are out of reach of any measure.
fn unreached_missing(score: &Score, unreached: &mut BTreeMap<String, Unreached>) {
    for r in &score.rules {
        if r.status == Status::Missing {
            let why = match &r.note {
                Some(n) => t!("plan.unreached.missing", note = n.clone()),
                None => t!("plan.unreached.missing_plain"),
            };
            unreached.insert(
                r.rule.to_string(),
                unreached_as(&r.rule, Status::Missing, why),
            );
        }
    }
}

/// The rules left unmet as the final plan has them.
fn settle_unreached(after: &Score, unreached: &mut BTreeMap<String, Unreached>) {
    // A rule the plan closed and a later measure opened again is not left unsaid.
    for r in &after.rules {
        if r.status == Status::Fails && !unreached.contains_key(&*r.rule) {
            let why = t!("plan.unreached.reopened");
            unreached.insert(
                r.rule.to_string(),
                unreached_as(&r.rule, Status::Fails, why),
            );
        }
    }
    // Drop rules the final plan meets after all (a later measure closed them too).
    unreached.retain(|id, _| {
        after
            .rules
            .iter()
            .find(|r| *r.rule == **id)
            .is_none_or(|r| r.status != Status::Meets)
    });
}

/// The steps' notes, each once, in the order first met.
fn notes_once(steps: &[Step]) -> Vec<Text> {
    steps
        .iter()
        .flat_map(|s| s.effect.notes.iter().cloned())
        .fold(Vec::new(), |mut acc, n| {
            if !acc.contains(&n) {
                acc.push(n);
            }
            acc
        })
}

/// Rules to close, gates first: those that fail and are not already known to be out of reach.
fn targets(
    set: &BenchmarkSet,
    score: &Score,
    unreached: &BTreeMap<String, Unreached>,
) -> Vec<String> {
    let fails = |id: &str| {
        !unreached.contains_key(id)
            && score
                .rules
                .iter()
                .any(|r| &*r.rule == id && r.status == Status::Fails)
    };
    let of = |gate: bool| {
        set.rules
            .iter()
            .filter(move |r| (r.role == Role::Gate) == gate)
            .filter(|r| fails(&r.id))
            .map(|r| r.id.clone())
    };
    of(true).chain(of(false)).collect()
}

fn better(dir: Direction, new: Option<f64>, old: Option<f64>) -> bool {
    match (new, old) {
        (Some(n), Some(o)) => {
            let eps = 1e-9 * o.abs().max(1e-9);
            match dir {
                Direction::Lower => n < o - eps,
                Direction::Higher => n > o + eps,
            }
        }
        (Some(_), None) => true,
        _ => false,
    }
}

/// Below this a measure is taken not to abate (rounding of a sum of floats).
fn abatement_floor(co2: Option<f64>) -> f64 {
    1e-9 * co2.unwrap_or(0.0).abs().max(1.0)
}

/// A value for messages: 3 significant figures, as the gap messages.
pub fn fmt_value(x: f64) -> String {
    if x.abs() >= 1.0 {
        fmt_qty(x)
    } else {
        format!("{x:.3}")
    }
}

fn step(m: &Measure, e: &Effect, f: f64, before: &ParkYear, after: &ParkYear) -> Step {
    let abatement = match (before.co2_total_t, after.co2_total_t) {
        (Some(a), Some(b)) => a - b,
        _ => 0.0,
    };
    let cost_per_t = e
        .annual_cost_cny()
        .filter(|_| abatement > abatement_floor(before.co2_total_t))
        .map(|c| c / abatement);
    Step {
        measure: m.id.clone(),
        size: e.size,
        size_unit: m.size_unit(),
        share_of_max: f,
        effect: e.clone(),
        abatement_t: abatement,
        co2_after_t: after.co2_total_t,
        energy_after_tce: after.energy_tce,
        cost_per_t,
        rules_after: Vec::new(),
    }
}

impl Step {
    /// Its size for people: MW for PV and wind, a share, or the rate it raises to.
    pub fn size_text(&self) -> String {
        match self.size_unit {
            "MW" => format!("{} MW", fmt_qty(self.size)),
            "rate" => format!("→ {:.1} %", self.size * 100.0),
            _ => format!("{:.1} %", self.size * 100.0),
        }
    }
}

fn rule_values(s: &Score) -> Vec<(String, Option<f64>)> {
    s.rules
        .iter()
        .map(|r| (r.rule.to_string(), r.value))
        .collect()
}

fn with_rules(mut steps: Vec<Step>, scores: &[Score]) -> Vec<Step> {
    for (st, sc) in steps.iter_mut().zip(scores) {
        st.rules_after = rule_values(sc);
    }
    steps
}

/// A set's pathways: a plan per park and, with a scenario, a projection per park.
#[derive(Debug, Clone, Serialize)]
pub struct PlanRun {
    pub benchmark: String,
    pub plans: Vec<Plan>,
    pub projections: Vec<scenario::Projection>,
}

impl PlanRun {
    /// The measures of the plans ranked by how many parks take them: (measure, parks,
    /// tCO2/yr abated, CNY/yr where every bill is known), most parks first.
    pub fn measures_needed(&self) -> Vec<(String, usize, f64, Option<f64>)> {
        let mut by: BTreeMap<&str, (usize, f64, Option<f64>)> = BTreeMap::new();
        for p in &self.plans {
            for s in &p.steps {
                let e = by.entry(s.measure.as_str()).or_insert((0, 0.0, Some(0.0)));
                e.0 += 1;
                e.1 += s.abatement_t;
                e.2 = e.2.and_then(|c| Some(c + s.effect.annual_cost_cny()?));
            }
        }
        let mut out: Vec<(String, usize, f64, Option<f64>)> = by
            .into_iter()
            .map(|(m, (n, t, c))| (m.to_string(), n, t, c))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
        out
    }
}

/// The reference tables pathways (and matchmaking) read: the metric vocabulary, factor tables,
/// indicator catalogue and measure catalogue.
#[derive(Clone, Copy)]
pub struct Tables<'a> {
    pub vocab: &'a crate::reference::Vocabulary,
    pub factors: &'a crate::factors::Factors,
    pub catalogue: &'a crate::indicators::IndicatorCatalogue,
    pub measures: &'a MeasureCatalogue,
    pub products: &'a crate::products::Standards,
}

/// The pathways of a scored set: a plan for each selected park's latest scored year and, with
/// a scenario, its projection (from the scenario's base year when it has one).
pub fn pathways(
    run: &scoring::SetRun,
    data: &crate::input::Dataset,
    reference: Tables<'_>,
    opts: &ScoreOptions,
    scenario: Option<&scenario::Scenario>,
) -> Result<PlanRun, PathwayError> {
    let mut annual = data.annual(reference.vocab)?;
    crate::products::add_shares(&mut annual, &data.products, reference.products);
    let acc = Accountant::new(reference.vocab, reference.factors, run.inventory.options)?;
    let settings = run.set.accounting.settings();
    let work: Vec<&Score> = run.latest();
    let evaluator = indicators::Evaluator::new(&needed_indicators(&run.set, reference.catalogue))?;
    let heads = scoring::RuleHeads::of(&run.set, reference.catalogue);
    let planning = Planning {
        set: &run.set,
        indicators: reference.catalogue,
        vocab: reference.vocab,
        measures: reference.measures,
        acc: &acc,
        settings: &settings,
        opts,
        restated: &run.restated,
        evaluator: &evaluator,
        heads: &heads,
    };
    let planner_for = |park| Planner::new(planning, park, &run.values);
    // Parks are planned on every core, on threads with room for polars' deep recursion (a
    // debug build overflows rayon's default 2 MiB stacks).
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(PLAN_STACK_BYTES)
        .build()
        .map_err(|e| PathwayError::Threads(e.to_string()))?;
    let mut out =
        pool.install(|| plans_and_projections(&work, data, &annual, run, scenario, &planner_for))?;
    if data.has_enterprises() {
        let units = data.annual_by_enterprise(reference.vocab)?;
        for plan in &mut out.plans {
            if let Some(park) = data.park(&plan.park_id) {
                plan.firms = firms::parts(plan, park, &units, &acc, reference.measures);
            }
        }
    }
    Ok(out)
}

/// The stack of a planning thread.
const PLAN_STACK_BYTES: usize = 32 << 20;

type PlannerFor<'p, 'a> = dyn Fn(&'a Park) -> Planner<'a> + Sync + 'p;

fn plans_and_projections<'a>(
    work: &[&Score],
    data: &'a crate::input::Dataset,
    annual: &crate::input::Annual,
    run: &scoring::SetRun,
    scenario: Option<&scenario::Scenario>,
    planner_for: &PlannerFor<'_, 'a>,
) -> Result<PlanRun, PathwayError> {
    use rayon::prelude::*;
    let plans = work
        .par_iter()
        .filter_map(|s| {
            let park = data.park(&s.park_id)?;
            let py = run.inventory.park_year(&s.park_id, s.year)?;
            let base = annual.get(&(s.park_id.clone(), s.year))?;
            Some(
                planner_for(park)
                    .plan(base, py, s)
                    .map_err(PathwayError::from),
            )
        })
        .collect::<Result<Vec<Plan>, PathwayError>>()?;
    let projections = match scenario {
        None => Vec::new(),
        Some(sc) => work
            .par_iter()
            .filter(|s| sc.park.as_ref().is_none_or(|p| p == &s.park_id))
            .filter_map(|s| {
                let park = data.park(&s.park_id)?;
                let year = sc.base_year.unwrap_or(s.year);
                let base = annual.get(&(s.park_id.clone(), year))?;
                Some(
                    scenario::project(&planner_for(park), sc, base, year)
                        .map_err(PathwayError::from),
                )
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(PlanRun {
        benchmark: run.set.id.clone(),
        plans,
        projections,
    })
}

/// Problems of a pathway run (not of the data).
#[derive(Debug, thiserror::Error)]
pub enum PathwayError {
    #[error(transparent)]
    Reference(#[from] crate::reference::ReferenceError),
    #[error("computation failed: {0}")]
    Frame(#[from] crate::frame::FrameError),
    #[error("cannot start planning threads: {0}")]
    Threads(String),
}
