//! Programme statistics: where each park stands among all parks of the programme and among its
//! peers (same sector, province, size band), and how parks moved from year to year.
//!
//! Definitions, chosen so that a reader can check every figure in a spreadsheet:
//! - quartiles and any other percentile *of a group* are Excel's `PERCENTILE.INC` (Hyndman and
//!   Fan type 7: linear interpolation between order statistics at rank `p (n - 1)`);
//! - a park's *percentile* is Excel's `PERCENTRANK.INC` of its value in the group, the inverse of
//!   `PERCENTILE.INC`: the share of the group's other values below it, interpolated, in [0, 1]
//!   (not truncated to three digits as Excel displays it);
//! - `rank` is by merit (1 = best, ties share the best rank, like `RANK.EQ`), using the
//!   indicator's direction, and the overall score's (higher is better);
//! - `z` uses the sample standard deviation (`STDEV.S`).
//!
//! Groups smaller than the configured minimum (`indicators/peers.toml`) get no statistics.

use serde::{Deserialize, Serialize};
use statrs::statistics::Statistics;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::benchmark::{Bilingual, SourceStatus};
use crate::indicators::{Direction, IndicatorCatalogue};
use crate::input::Dataset;
use crate::reference::{ReferenceError, parse_toml, read_text};
use crate::scoring::{Score, SetRun};

/// Excel `PERCENTILE.INC` of ascending `sorted` values, `p` in [0, 1].
pub fn percentile_inc(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let h = p * (sorted.len() - 1) as f64;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// Excel `PERCENTRANK.INC` of `x` among ascending `sorted` values, without truncation.
/// None outside the values' range, like Excel's `#N/A`.
pub fn percent_rank_inc(sorted: &[f64], x: f64) -> Option<f64> {
    let n = sorted.len();
    let (&first, &last) = (sorted.first()?, sorted.last()?);
    if x < first || x > last {
        return None;
    }
    if n == 1 {
        return Some(1.0);
    }
    let below = sorted.partition_point(|v| *v < x);
    if sorted[below] == x {
        return Some(below as f64 / (n - 1) as f64);
    }
    // Between sorted[below - 1] and sorted[below]: interpolate between their ranks.
    let (a, b) = (sorted[below - 1], sorted[below]);
    let ra = (sorted.partition_point(|v| *v < a)) as f64 / (n - 1) as f64;
    let rb = below as f64 / (n - 1) as f64;
    Some(ra + (x - a) / (b - a) * (rb - ra))
}

/// Summary of a group's values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (n - 1); None for one value.
    pub sd: Option<f64>,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
}

/// Mean, sample SD and quartiles (PERCENTILE.INC) of ascending `sorted` values.
pub fn summary(sorted: &[f64]) -> Option<Summary> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let sd = (n > 1).then(|| sorted.std_dev());
    Some(Summary {
        n,
        mean: sorted.mean(),
        sd,
        q1: percentile_inc(sorted, 0.25)?,
        median: percentile_inc(sorted, 0.5)?,
        q3: percentile_inc(sorted, 0.75)?,
    })
}

/// The parks of a programme page in ranking order, each with its rank: best overall score
/// first (ties by park id), parks without a score last and unranked. Ranks are competition
/// ranks as in `peers.csv` ([`merit_ranks`]: tied scores share the best place), so the pages
/// and the peer table agree.
pub fn ranking<'a>(scores: impl IntoIterator<Item = &'a Score>) -> Vec<(Option<usize>, &'a Score)> {
    let mut ordered: Vec<&Score> = scores.into_iter().collect();
    ordered.sort_by(|a, b| {
        b.overall
            .score
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.overall.score.unwrap_or(f64::NEG_INFINITY))
            .then(a.park_id.cmp(&b.park_id))
    });
    let scored: Vec<f64> = ordered.iter().filter_map(|s| s.overall.score).collect();
    let ranks = merit_ranks(&scored, true);
    let mut ranks = ranks.into_iter();
    ordered
        .into_iter()
        .map(|s| (s.overall.score.and_then(|_| ranks.next()), s))
        .collect()
}

/// Competition ranks by merit (1 = best; equal values share the best rank).
pub fn merit_ranks(values: &[f64], higher_is_better: bool) -> Vec<usize> {
    // Sort once, then each value's rank is 1 + the number of strictly better values.
    let mut sorted: Vec<f64> = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    values
        .iter()
        .map(|&v| {
            let better_count = if higher_is_better {
                sorted.len() - sorted.partition_point(|x| *x <= v)
            } else {
                sorted.partition_point(|x| *x < v)
            };
            better_count + 1
        })
        .collect()
}

/// A size band for peer groups.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SizeBand {
    pub id: String,
    pub label: Bilingual,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    pub source: String,
    pub status: SourceStatus,
}

/// How peer groups are formed (`indicators/peers.toml`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    pub min_group_size: usize,
    pub min_group_size_source: String,
    pub min_group_size_status: SourceStatus,
    pub size_bands: Vec<SizeBand>,
}

impl PeerConfig {
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("peers.toml", None)?;
        parse_toml(&file, &text)
    }

    /// The size band of a park using `tce` per year.
    pub fn band_for(&self, tce: Option<f64>) -> Option<&SizeBand> {
        let x = tce?;
        self.size_bands
            .iter()
            .find(|b| b.min.is_none_or(|m| x >= m) && b.max.is_none_or(|m| x < m))
    }
}

/// Which peers a statistic compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Programme,
    Sector,
    Province,
    Size,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Programme => "programme",
            GroupKind::Sector => "sector",
            GroupKind::Province => "province",
            GroupKind::Size => "size",
        }
    }
}

/// One peer group: a measure in a year, among the programme, a sector, a province or a size
/// band, with its statistics (none when it is smaller than the minimum).
#[derive(Debug, Clone, PartialEq)]
struct PeerGroup {
    year: i32,
    /// `overall` or the rule id.
    measure: Arc<str>,
    higher_is_better: bool,
    kind: GroupKind,
    group: Arc<str>,
    n: usize,
    /// The group is smaller than the minimum: no statistics.
    too_small: bool,
    summary: Option<Summary>,
}

/// A park-year's place in one group: 40 bytes, as there are hundreds of thousands of them at
/// 2,000 parks (the group's figures are held once, in its [`PeerGroup`]).
#[derive(Debug, Clone)]
struct PeerEntry {
    /// Shared by the park's entries.
    park_id: Arc<str>,
    /// Index into [`Peers::groups`].
    group: u32,
    /// Competition rank; meaningless when the group is too small.
    rank: u32,
    value: f64,
    /// `PERCENTRANK.INC`; NaN when there is none (too small a group).
    percentile: f64,
}

// The size the docs and the README give: held once per park-year, measure and peer group.
const _: () = assert!(std::mem::size_of::<PeerEntry>() == 40);

/// Peer statistics of a set's scores: every scored park-year's place in each of its groups, in
/// park, year, measure and group-kind order.
#[derive(Debug, Clone, Default)]
pub struct Peers {
    benchmark: Arc<str>,
    groups: Vec<PeerGroup>,
    entries: Vec<PeerEntry>,
}

/// Where a park-year stands on one measure in one group (a view of [`Peers`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PeerRow<'a> {
    pub park_id: &'a str,
    pub year: i32,
    pub benchmark: &'a str,
    /// `overall` or the rule id.
    pub measure: &'a str,
    pub value: f64,
    pub higher_is_better: bool,
    pub kind: GroupKind,
    pub group: &'a str,
    pub n: usize,
    /// The group is smaller than the minimum: no statistics.
    pub too_small: bool,
    pub rank: Option<usize>,
    pub percentile: Option<f64>,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub z: Option<f64>,
}

impl Peers {
    /// Rows in park, year, measure and group-kind order.
    pub fn iter(&self) -> impl Iterator<Item = PeerRow<'_>> {
        self.entries.iter().map(|e| self.row(e))
    }

    /// The rows of one park-year.
    pub fn of<'a>(&'a self, park_id: &'a str, year: i32) -> impl Iterator<Item = PeerRow<'a>> {
        let start = self
            .entries
            .partition_point(|e| (&*e.park_id, self.group(e).year) < (park_id, year));
        self.entries[start..]
            .iter()
            .take_while(move |e| *e.park_id == *park_id && self.group(e).year == year)
            .map(|e| self.row(e))
    }

    /// The rows `range` of [`Peers::iter`] (for writing them in chunks).
    pub fn rows(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = PeerRow<'_>> {
        self.entries[range].iter().map(|e| self.row(e))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn group(&self, e: &PeerEntry) -> &PeerGroup {
        &self.groups[e.group as usize]
    }

    fn row<'a>(&'a self, e: &'a PeerEntry) -> PeerRow<'a> {
        let g = self.group(e);
        let (v, sum) = (e.value, g.summary);
        PeerRow {
            park_id: &e.park_id,
            year: g.year,
            benchmark: &self.benchmark,
            measure: &g.measure,
            value: v,
            higher_is_better: g.higher_is_better,
            kind: g.kind,
            group: &g.group,
            n: g.n,
            too_small: g.too_small,
            rank: (!g.too_small).then_some(e.rank as usize),
            percentile: (!e.percentile.is_nan()).then_some(e.percentile),
            q1: sum.map(|s| s.q1),
            median: sum.map(|s| s.median),
            q3: sum.map(|s| s.q3),
            z: sum.and_then(|s| s.sd.filter(|sd| *sd > 0.0).map(|sd| (v - s.mean) / sd)),
        }
    }
}

/// The measure name of the overall score.
pub const OVERALL: &str = "overall";

/// Is a higher value of a score's rule `measure` better (its indicator's direction; higher
/// when the indicator is unknown)? A change over time of a lower-is-better indicator is better
/// when lower too.
fn higher_is_better(s: &Score, measure: &str, cat: &IndicatorCatalogue) -> bool {
    let rule = s.rules.iter().find(|r| &*r.rule == measure);
    rule.and_then(|r| cat.get(r.indicator.split('.').next().unwrap_or("")))
        .is_none_or(|i| i.direction == Direction::Higher)
}

/// Peer statistics of a set's scores: every scored park-year, for the overall score and every
/// rule with a value, within the programme (that year) and its sector, province and size band.
pub fn peers(run: &SetRun, data: &Dataset, cat: &IndicatorCatalogue, cfg: &PeerConfig) -> Peers {
    let mut c = PeerCollector::new(&run.set.id);
    c.add(&run.inventory.years, &run.scores, data, cat, cfg);
    c.finish(cfg)
}

/// A peer group's year, measure, kind and group.
type GroupKey = (i32, Arc<str>, GroupKind, Arc<str>);

/// [`peers`] of a set scored in parts (a run that streams parks): each part's scores added as
/// they are made, with the inventory they were made from; the statistics made at the end.
pub struct PeerCollector {
    out: Peers,
    /// (year, measure, kind, group) -> index into `out.groups`.
    index: rustc_hash::FxHashMap<GroupKey, u32>,
    direction: BTreeMap<Arc<str>, bool>,
    ids: std::collections::BTreeSet<Arc<str>>,
}

impl PeerCollector {
    pub fn new(benchmark: &str) -> Self {
        PeerCollector {
            out: Peers {
                benchmark: benchmark.into(),
                ..Peers::default()
            },
            index: rustc_hash::FxHashMap::default(),
            direction: BTreeMap::new(),
            ids: std::collections::BTreeSet::new(),
        }
    }

    /// The statistics of every group, the entries in park, year, measure and group-kind order.
    pub fn finish(self, cfg: &PeerConfig) -> Peers {
        let mut out = self.out;
        let Peers {
            groups, entries, ..
        } = &mut out;
        use rayon::prelude::*;
        entries.par_sort_unstable_by_key(|e| e.group);
        // Each group's members ranked on any core; the group's figures set after, in order.
        let figures: Vec<(u32, usize, bool, Option<Summary>)> = entries
            .par_chunk_by_mut(|a, b| a.group == b.group)
            .map(|members| {
                let higher = groups[members[0].group as usize].higher_is_better;
                let n = members.len();
                let too_small = n < cfg.min_group_size;
                let values: Vec<f64> = members.iter().map(|m| m.value).collect();
                let mut sorted = values.clone();
                sorted.sort_by(|a, b| a.total_cmp(b));
                let ranks = merit_ranks(&values, higher);
                for (m, rank) in members.iter_mut().zip(ranks) {
                    m.rank = u32::try_from(rank).unwrap_or(u32::MAX);
                    m.percentile = if too_small {
                        f64::NAN
                    } else {
                        percent_rank_inc(&sorted, m.value).unwrap_or(f64::NAN)
                    };
                }
                let sum = if too_small { None } else { summary(&sorted) };
                (members[0].group, n, too_small, sum)
            })
            .collect();
        for (group, n, too_small, sum) in figures {
            let g = &mut groups[group as usize];
            (g.n, g.too_small, g.summary) = (n, too_small, sum);
        }
        // Each park, year, measure and kind is one row (one group of each kind), so the order
        // is total and an unstable sort, which needs no buffer of half the rows, gives the
        // same rows.
        entries.par_sort_unstable_by(|a, b| {
            let (ga, gb) = (&groups[a.group as usize], &groups[b.group as usize]);
            (&a.park_id, ga.year, &ga.measure, ga.kind).cmp(&(
                &b.park_id,
                gb.year,
                &gb.measure,
                gb.kind,
            ))
        });
        entries.shrink_to_fit();
        out
    }

    /// The id, shared.
    fn id(&mut self, x: &str) -> Arc<str> {
        if let Some(a) = self.ids.get(x) {
            return a.clone();
        }
        let a: Arc<str> = x.into();
        self.ids.insert(a.clone());
        a
    }
    /// Each scored value as an entry of each of its peer groups (groups in the order first
    /// met, their figures made by [`PeerCollector::finish`]). `years` are the inventories the
    /// scores were made from (their energy gives the size band).
    pub fn add(
        &mut self,
        years: &[crate::inventory::ParkYear],
        scores: &[Score],
        data: &Dataset,
        cat: &IndicatorCatalogue,
        cfg: &PeerConfig,
    ) {
        let energy: BTreeMap<(&str, i32), Option<f64>> = years
            .iter()
            .map(|py| ((py.park_id.as_str(), py.year), py.energy_tce))
            .collect();
        for s in scores {
            let Some(park) = data.park(&s.park_id) else {
                continue;
            };
            let sector = park.sector.trim().to_lowercase();
            let band = cfg.band_for(energy.get(&(s.park_id.as_str(), s.year)).copied().flatten());
            let kinds: [(GroupKind, Option<Arc<str>>); 4] = [
                (GroupKind::Programme, Some(self.id("all"))),
                (
                    GroupKind::Sector,
                    (!sector.is_empty()).then(|| self.id(&sector)),
                ),
                (
                    GroupKind::Province,
                    park.province.as_deref().map(|p| self.id(p)),
                ),
                (GroupKind::Size, band.map(|b| self.id(&b.id))),
            ];
            let park_id = self.id(&s.park_id);
            let measures = std::iter::once((OVERALL, s.overall.score)).chain(
                s.rules
                    .iter()
                    // Assessed values, and values shown without a tier: a peer comparison
                    // needs no threshold.
                    .filter(|r| {
                        r.points.is_some() || r.status == crate::scoring::Status::TierUnconfirmed
                    })
                    .map(|r| (&*r.rule, r.value)),
            );
            for (measure, value) in measures {
                let Some(v) = value.filter(|v| v.is_finite()) else {
                    continue;
                };
                let measure = self.id(measure);
                let hib = *self
                    .direction
                    .entry(measure.clone())
                    .or_insert_with(|| &*measure == OVERALL || higher_is_better(s, &measure, cat));
                for (kind, group) in &kinds {
                    let Some(group) = group else { continue };
                    let key = (s.year, measure.clone(), *kind, group.clone());
                    self.push(key, hib, &park_id, v);
                }
            }
        }
    }

    /// A value's entry in its group (year, measure, kind, group), the group made when first
    /// met.
    fn push(&mut self, key: GroupKey, higher_is_better: bool, park_id: &Arc<str>, value: f64) {
        let out = &mut self.out;
        let at = match self.index.get(&key) {
            Some(&at) => at,
            None => {
                let at = u32::try_from(out.groups.len()).expect("fewer than 4 billion peer groups");
                let (year, measure, kind, group) = key.clone();
                out.groups.push(PeerGroup {
                    year,
                    measure,
                    higher_is_better,
                    kind,
                    group,
                    n: 0,
                    too_small: true,
                    summary: None,
                });
                self.index.insert(key, at);
                at
            }
        };
        out.entries.push(PeerEntry {
            park_id: park_id.clone(),
            group: at,
            rank: 0,
            value,
            percentile: f64::NAN,
        });
    }
}

/// A park's change from one scored year to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearChange {
    pub park_id: String,
    pub park_name: String,
    pub benchmark: String,
    pub from_year: i32,
    pub to_year: i32,
    pub from_score: Option<f64>,
    pub to_score: Option<f64>,
    /// to - from, when both are known.
    pub delta: Option<f64>,
    pub from_level: String,
    pub to_level: String,
}

/// Each park's change between consecutive scored years, in park and year order.
pub fn year_changes(run: &SetRun) -> Vec<YearChange> {
    year_changes_of(&run.set.id, &run.scores)
}

/// [`year_changes`] of a set's scores given on their own (a part of a run that streams parks
/// holds every year of its parks: the parts' changes, one after the other, are the run's).
pub fn year_changes_of(benchmark: &str, scores: &[Score]) -> Vec<YearChange> {
    let mut by_park: BTreeMap<&str, Vec<&crate::scoring::Score>> = BTreeMap::new();
    for s in scores {
        by_park.entry(s.park_id.as_str()).or_default().push(s);
    }
    let mut out = Vec::new();
    for (_, mut scores) in by_park {
        scores.sort_by_key(|s| s.year);
        for w in scores.windows(2) {
            let (a, b) = (w[0], w[1]);
            out.push(YearChange {
                park_id: b.park_id.clone(),
                park_name: b.park_name.clone(),
                benchmark: benchmark.to_string(),
                from_year: a.year,
                to_year: b.year,
                from_score: a.overall.score,
                to_score: b.overall.score,
                delta: b.overall.score.zip(a.overall.score).map(|(b, a)| b - a),
                from_level: a.level.clone(),
                to_level: b.level.clone(),
            });
        }
    }
    out
}

/// The programme's movers into the latest year: up to `n` most improved and `n` most declined
/// parks (by change in overall score), from each park's latest change.
pub fn movers(changes: &[YearChange], n: usize) -> (Vec<&YearChange>, Vec<&YearChange>) {
    let mut latest: BTreeMap<&str, &YearChange> = BTreeMap::new();
    for c in changes {
        let e = latest.entry(c.park_id.as_str()).or_insert(c);
        if c.to_year > e.to_year {
            *e = c;
        }
    }
    let mut known: Vec<&YearChange> = latest.into_values().filter(|c| c.delta.is_some()).collect();
    known.sort_by(|a, b| {
        b.delta
            .unwrap_or(0.0)
            .total_cmp(&a.delta.unwrap_or(0.0))
            .then(a.park_id.cmp(&b.park_id))
    });
    let up: Vec<&YearChange> = known
        .iter()
        .filter(|c| c.delta.is_some_and(|d| d > 0.0))
        .take(n)
        .copied()
        .collect();
    let down: Vec<&YearChange> = known
        .iter()
        .rev()
        .filter(|c| c.delta.is_some_and(|d| d < 0.0))
        .take(n)
        .copied()
        .collect();
    (up, down)
}

/// A published figure a park's indicator is read against (`indicators/references.toml`): read,
/// never scored.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub indicator: String,
    /// Sector ids it applies to; empty: every sector.
    #[serde(default)]
    pub sectors: Vec<String>,
    pub value: f64,
    pub year: i32,
    pub label: crate::benchmark::Bilingual,
    /// As published (one string), or parkbench's own words in both languages.
    pub source: crate::benchmark::Label,
    pub status: crate::benchmark::SourceStatus,
}

impl Published {
    /// Does it apply to a park of this sector (as parks.csv writes it)?
    pub fn applies_to(&self, written: &str, sectors: &crate::reference::Sectors) -> bool {
        self.sectors.is_empty()
            || sectors
                .find(written)
                .is_some_and(|s| self.sectors.contains(&s.id))
    }
}

#[derive(serde::Deserialize)]
struct PublishedFile {
    reference: Vec<Published>,
}

/// Every published reference (`indicators/references.toml`), in the file's order: loaded once
/// with the reference data ([`crate::pipeline::Reference::published`]).
pub fn published() -> Result<Vec<Published>, ReferenceError> {
    let (file, text) = crate::reference::read_text("references.toml", None)?;
    Ok(crate::reference::parse_toml::<PublishedFile>(&file, &text)?.reference)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(v: &[f64]) -> Vec<f64> {
        let mut s = v.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        s
    }

    #[test]
    fn percentile_inc_matches_excel_documentation() {
        // PERCENTILE.INC({1,3,2,4}, 0.3) = 1.9 (Microsoft's example).
        assert!((percentile_inc(&sorted(&[1.0, 3.0, 2.0, 4.0]), 0.3).unwrap() - 1.9).abs() < 1e-12);
        let s = sorted(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(percentile_inc(&s, 0.25), Some(2.0));
        assert_eq!(percentile_inc(&s, 1.0), Some(5.0));
        assert_eq!(percentile_inc(&s, 1.1), None);
    }

    #[test]
    fn percent_rank_inc_matches_excel_documentation() {
        // Microsoft's PERCENTRANK.INC example, which Excel shows truncated to 3 digits.
        let s = sorted(&[13.0, 12.0, 11.0, 8.0, 4.0, 3.0, 2.0, 1.0, 1.0, 1.0]);
        let t = |x: f64| (percent_rank_inc(&s, x).unwrap() * 1000.0).floor() / 1000.0;
        assert_eq!(t(2.0), 0.333);
        assert_eq!(t(4.0), 0.555);
        assert_eq!(t(8.0), 0.666);
        assert_eq!(t(5.0), 0.583);
        assert_eq!(percent_rank_inc(&s, 1.0), Some(0.0));
        assert_eq!(percent_rank_inc(&s, 13.0), Some(1.0));
        assert_eq!(percent_rank_inc(&s, 14.0), None);
    }

    #[test]
    fn ranks_share_the_best_place() {
        assert_eq!(
            merit_ranks(&[70.0, 90.0, 70.0, 50.0], true),
            vec![2, 1, 2, 4]
        );
        assert_eq!(
            merit_ranks(&[70.0, 90.0, 70.0, 50.0], false),
            vec![2, 4, 2, 1]
        );
    }

    #[test]
    fn summary_uses_sample_sd() {
        let s = summary(&sorted(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])).unwrap();
        assert_eq!(s.mean, 5.0);
        // Sum of squares 32 over n - 1 = 7.
        assert!((s.sd.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!((s.q1, s.median, s.q3), (4.0, 4.5, 5.5));
    }
}
