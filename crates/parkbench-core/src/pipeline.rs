//! The run API: the reference data loaded once ([`Reference`]), and one entry point ([`run`])
//! that takes a dataset through annual values -> inventory (per set's accounting) -> indicator
//! values -> scores -> peers, year-on-year changes and uncertainty for a [`Selection`]. The
//! command line and the portal call it; neither assembles stages or accounting options.

use rayon::prelude::*;

use std::path::Path;

use crate::benchmark::BenchmarkSet;
use crate::factors::{Factors, FuelFactorSet};
use crate::identification::{self, Fingerprint, Identification, Issue};
use crate::indicators::{self, IndicatorCatalogue};
use crate::input::{Annual, Dataset};
pub use crate::inventory::EnterpriseYear;
use crate::inventory::{self, AccountingOptions, Inventory, Plausibility};
use crate::reference::{ReferenceError, Vocabulary};
use crate::scoring::{self, ScoreOptions};
use crate::stats::PeerConfig;
use crate::uncertainty::{McOptions, UncertaintyConfig};

/// Everything a run reads besides the dataset, loaded once: the metric vocabulary, factor
/// tables, indicator catalogue, shipped benchmark sets, peer-group, uncertainty and
/// plausibility settings.
#[derive(Debug, Clone)]
pub struct Reference {
    pub vocab: Vocabulary,
    pub factors: Factors,
    pub catalogue: IndicatorCatalogue,
    /// The shipped benchmark sets, in `indicators/benchmarks/` order.
    pub sets: Vec<BenchmarkSet>,
    pub peers: PeerConfig,
    pub uncertainty: UncertaintyConfig,
    pub plausibility: Plausibility,
    /// The measure catalogue and prices of pathways (`indicators/measures.toml`,
    /// `indicators/prices.csv`, or the user's files).
    pub measures: crate::pathway::MeasureCatalogue,
    /// The national energy-consumption limit standards of products.
    pub products: crate::products::Standards,
    /// Published figures a park's indicators are read against (never scored).
    pub published: Vec<crate::stats::Published>,
}

impl Reference {
    /// The bounds on input (`indicators/limits.toml`), loaded with the vocabulary.
    pub fn limits(&self) -> &crate::reference::Limits {
        &self.vocab.limits
    }

    /// The tables pathways and matchmaking read.
    pub fn tables(&self) -> crate::pathway::Tables<'_> {
        crate::pathway::Tables {
            vocab: &self.vocab,
            factors: &self.factors,
            catalogue: &self.catalogue,
            measures: &self.measures,
            products: &self.products,
        }
    }
}

/// A benchmark set id that is not shipped.
#[derive(Debug, thiserror::Error)]
#[error("unknown benchmark set \"{id}\"\nhint: one of {known}")]
pub struct UnknownSet {
    pub id: String,
    pub known: String,
}

impl Reference {
    /// The shipped reference data; `factors` names a folder whose tables replace the shipped
    /// ones (same file names).
    pub fn load(factors: Option<crate::world::Folder<'_>>) -> Result<Self, ReferenceError> {
        let catalogue = IndicatorCatalogue::embedded()?;
        let vocab = Vocabulary::embedded()?;
        Ok(Reference {
            measures: crate::pathway::MeasureCatalogue::load(None, None, &vocab)?,
            vocab,
            factors: Factors::load(factors)?,
            sets: crate::benchmark::shipped(&catalogue)?,
            catalogue,
            peers: PeerConfig::embedded()?,
            uncertainty: UncertaintyConfig::embedded()?,
            plausibility: Plausibility::embedded()?,
            products: crate::products::Standards::embedded()?,
            published: crate::stats::published()?,
        })
    }

    /// Monthly rows summed to years for the valid parks, with the share of each park-year's
    /// graded products at or better than grade 2 of their limit standards, when the park gives
    /// its products (`products_grade2_share`, computed: a value the park reports itself is
    /// replaced by it).
    pub fn annual(&self, data: &Dataset) -> Result<Annual, crate::frame::FrameError> {
        let mut annual = data.annual(&self.vocab)?;
        crate::products::add_shares(&mut annual, &data.products, &self.products);
        Ok(annual)
    }

    /// Each park-year whose boundary (the enterprises inside) differs from an earlier year's,
    /// its earlier years restated on it.
    pub fn restate(
        &self,
        data: &Dataset,
        annual: &Annual,
    ) -> Result<Restated, crate::frame::FrameError> {
        if !data.has_enterprises() {
            return Ok(Restated::default());
        }
        // The firms' years of the parks restated only (a park whose boundary never changed
        // needs none).
        crate::restate::restate(data, annual, &self.vocab, |parks| {
            data.annual_by_enterprise_of(&self.vocab, Some(parks))
        })
    }

    /// Checks of a dataset against the reference data that reading cannot make (it knows no
    /// product standards): product lines in another unit than their standard's, or without a
    /// standard. Added to the dataset's report.
    pub fn check(&self, data: &mut Dataset) {
        let found = crate::products::check(&data.products, &self.products);
        if found.is_empty() {
            return;
        }
        for d in found {
            data.report.push(d);
        }
        data.report.sort();
    }

    /// A shipped set by id.
    pub fn set(&self, id: &str) -> Result<&BenchmarkSet, UnknownSet> {
        self.sets
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| UnknownSet {
                id: id.to_string(),
                known: self
                    .sets
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// A set file of the user's, read against the catalogue.
    pub fn set_file(
        &self,
        files: &dyn crate::world::Files,
        path: &Path,
    ) -> Result<BenchmarkSet, ReferenceError> {
        BenchmarkSet::from_file(files, path, &self.catalogue)
    }

    /// The inventory under these accounting options (parkbench's defaults, or a set's reading
    /// from [`crate::benchmark::Accounting::options`]), with its plausibility warnings.
    pub fn inventory(
        &self,
        data: &Dataset,
        options: AccountingOptions,
    ) -> Result<Inventory, PipelineError> {
        let annual = self.annual(data)?;
        Ok(inventory::build(
            data,
            &annual,
            &self.vocab,
            &self.factors,
            &self.plausibility,
            options,
        )?)
    }
}

impl Reference {
    /// Each enterprise's inventory (and the park's own rows, enterprise ""), accounted as its
    /// park's: what each firm adds to the park's energy and CO2.
    pub fn inventory_by_enterprise(
        &self,
        data: &Dataset,
        options: AccountingOptions,
    ) -> Result<Vec<inventory::EnterpriseYear>, PipelineError> {
        let by = data.annual_by_enterprise(&self.vocab)?;
        let acc = inventory::Accountant::new(&self.vocab, &self.factors, options)?;
        let parks = self.annual(data)?;
        let mut out = Vec::with_capacity(by.len());
        // Each park-year's totals once, and the firms' names by (park, id): a park of many firms
        // costs one accounting per firm, not two.
        // (energy, CO2) of each park-year, when it has activity.
        type Totals = Option<(Option<f64>, Option<f64>)>;
        let mut wholes: std::collections::BTreeMap<(&str, i32), Totals> = Default::default();
        let names: std::collections::HashMap<(&str, &str), &str> = data
            .enterprises
            .iter()
            .map(|e| ((e.park_id.as_str(), e.id.as_str()), e.name.as_str()))
            .collect();
        for ((park_id, enterprise_id, year), metrics) in &by {
            let Some(park) = data.park(park_id) else {
                continue;
            };
            let py = acc.account(park, *year, metrics);
            let whole = *wholes.entry((park_id.as_str(), *year)).or_insert_with(|| {
                parks.get(&(park_id.clone(), *year)).map(|m| {
                    let w = acc.account(park, *year, m);
                    (w.energy_tce, w.co2_total_t)
                })
            });
            let share = |of: Option<f64>, total: Option<f64>| match (of, total) {
                (Some(a), Some(t)) if t > 0.0 => Some(a / t),
                _ => None,
            };
            let name = names
                .get(&(park_id.as_str(), enterprise_id.as_str()))
                .map(|n| n.to_string())
                .unwrap_or_default();
            out.push(inventory::EnterpriseYear {
                park_id: park_id.clone(),
                enterprise_id: enterprise_id.clone(),
                name,
                year: *year,
                energy_tce: py.energy_tce,
                co2_total_t: py.co2_total_t,
                co2_per_tce: py.co2_per_tce,
                energy_share: share(py.energy_tce, whole.and_then(|w| w.0)),
                co2_share: share(py.co2_total_t, whole.and_then(|w| w.1)),
            });
        }
        Ok(out)
    }
}

/// What to run: the sets, which parks and years, and what the programme view adds.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub sets: Vec<BenchmarkSet>,
    pub selection: Selection,
    /// Peer statistics and year-on-year changes for each set.
    pub programme: bool,
    /// With `programme`: the Monte Carlo analysis of how sure each verdict is.
    pub mc: Option<McOptions>,
    /// Pathways for each set: a plan per park and, with a scenario, its projection.
    pub pathways: Option<Pathways>,
    /// Who the reports are for, who prepared them and when they were issued.
    pub issue: Issue,
}

/// What the pathways of a run use besides the reference's measure catalogue.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Pathways {
    pub scenario: Option<crate::pathway::scenario::Scenario>,
    /// A technology catalogue: each park's needs (from its plan) matched to it.
    pub technologies: Option<crate::matchmaking::TechnologyCatalogue>,
}

/// What a run gives: one [`SetRun`] per set, and with `programme` one [`Programme`] each.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub runs: Vec<SetRun>,
    pub programmes: Vec<Programme>,
    /// With `pathways`: one per set, in the order of `runs`.
    pub plans: Vec<crate::pathway::PlanRun>,
    /// With a technology catalogue: the needs of each set's plans matched to it, in the order
    /// of `runs`.
    pub matches: Vec<crate::matchmaking::MatchRun>,
    /// The identification of each set's report, in the order of `runs`.
    pub identifications: Vec<Identification>,
}

/// Runs a dataset through every stage for a request: the one entry point.
pub fn run(
    reference: &Reference,
    data: &Dataset,
    request: &Request,
) -> Result<Outcome, PipelineError> {
    let annual = reference.annual(data)?;
    let restated = reference.restate(data, &annual)?;
    let years = Years {
        annual: &annual,
        restated: &restated,
    };
    let runs = score_sets(data, years, reference, &request.sets, &request.selection)?;
    let programmes = if request.programme {
        runs.iter()
            .map(|r| programme(r, data, reference, &request.selection, request.mc))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    let plans = match &request.pathways {
        None => Vec::new(),
        Some(p) => {
            let opts = score_options(data, &request.selection);
            runs.iter()
                .map(|r| {
                    crate::pathway::pathways(
                        r,
                        data,
                        reference.tables(),
                        &opts,
                        p.scenario.as_ref(),
                    )
                })
                .collect::<Result<_, _>>()?
        }
    };
    let matches = match request
        .pathways
        .as_ref()
        .and_then(|p| p.technologies.as_ref())
    {
        None => Vec::new(),
        Some(cat) => plans
            .iter()
            .map(|plan| {
                let needs = crate::matchmaking::needs(plan, data, reference.tables());
                crate::matchmaking::match_needs(&needs, plan, cat, reference.tables())
            })
            .collect(),
    };
    let identifications = identify(reference, data, request, &runs);
    Ok(Outcome {
        runs,
        programmes,
        plans,
        matches,
        identifications,
    })
}

/// Parks scored at a time by a run that streams ([`run_streamed`]): a part per core is scored
/// while the parts before are written, so parts are small (64 parks of five years: some 4 MB
/// of inventories, indicator values and rule results) and the cores stay busy. Measured on the
/// messy 1,000- and 2,000-park programmes (national set): 32, 64, 125 and 250 parks gave 0.86 /
/// 0.83 / 0.90 / 1.01 s and 106 / 108 / 115 / 140 MB at 1,000 parks, 1.9 / 1.67 / 1.8 / 2.1 s at
/// 2,000.
pub const PARKS_PER_PART: usize = 64;

/// The stack of each thread a streamed run scores a part on (as the main thread's: a part is
/// accounted and its indicator formulas parsed and evaluated on it, and the parser recurses
/// deeply).
const PART_STACK_BYTES: usize = 8 << 20;

/// At most this many parts are scored at once by a streamed run (one per core up to it), so
/// that what a run holds (two windows of parts) does not grow with the cores of a large
/// machine.
const WINDOW_PARTS: usize = 4;

/// A part's inventory and scores.
type ScoredPart = (Inventory, Vec<scoring::Score>);

/// Problems of a run that streams: the flow's, or those of the sink it hands scores to.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Sink(std::io::Error),
}

/// [`run`] for a table of scores, holding one part of the parks at a time: each set's scores
/// are handed to `sink` `parks_per_part` parks at a time (every year of each), in the order a
/// whole run gives them, and dropped; with `request.programme` only what the peer statistics
/// and year-on-year changes need is kept. What a whole run adds besides is not made: the
/// alternative readings (an alternative the factors cannot give still fails the run, as it
/// fails a whole one), enterprises' inventories, products and identification. The Monte Carlo
/// analysis (it ranks every park's draws together) and pathways need a whole run: a request
/// for them is refused.
pub fn run_streamed(
    reference: &Reference,
    data: &Dataset,
    request: &Request,
    parks_per_part: usize,
    mut sink: impl FnMut(&BenchmarkSet, &[scoring::Score]) -> std::io::Result<()>,
) -> Result<Vec<Programme>, StreamError> {
    // As `run` reads them: Monte Carlo only with the programme view and some draws.
    let mc = request.mc.filter(|m| request.programme && m.draws > 0);
    if mc.is_some() || request.pathways.is_some() {
        return Err(PipelineError::NotStreamed.into());
    }
    let annual = reference.annual(data).map_err(PipelineError::from)?;
    let restated = reference
        .restate(data, &annual)
        .map_err(PipelineError::from)?;
    let years = Years {
        annual: &annual,
        restated: &restated,
    };
    let sel = &request.selection;
    let opts = score_options(data, sel);
    let entries: Vec<(&(String, i32), &AnnualMetrics)> = annual.iter().collect();
    // Park-years come sorted by park: a part ends where a park does.
    let mut parts: Vec<&[(&(String, i32), &AnnualMetrics)]> = Vec::new();
    let (mut start, mut at) = (0, 0);
    for (i, park) in entries.chunk_by(|a, b| a.0.0 == b.0.0).enumerate() {
        if i > 0 && i % parks_per_part.max(1) == 0 {
            parts.push(&entries[start..at]);
            start = at;
        }
        at += park.len();
    }
    if start < at {
        parts.push(&entries[start..at]);
    }
    let (cat, peer_config) = (&reference.catalogue, &reference.peers);
    let mut programmes = Vec::new();
    for set in &request.sets {
        let one = SetScoring {
            data,
            years,
            reference,
            set,
            sel,
            opts: &opts,
        };
        let options = set.accounting.options(sel.fuel_factors);
        // The alternative readings are not made, but a reading the factors cannot give fails
        // here as it fails a whole run.
        for alt in &set.accounting.alternatives {
            let alt = set.accounting.alternative_options(alt, sel.fuel_factors);
            inventory::Accountant::new(&reference.vocab, &reference.factors, alt)
                .map_err(PipelineError::from)?;
        }
        let restated = one.restated_values(options)?;
        let mut peers = crate::stats::PeerCollector::new(&set.id);
        let mut changes = Vec::new();
        let score = |part: &&[(&(String, i32), &AnnualMetrics)]| {
            one.score_part(options, part.iter().copied(), &restated, |_, s| s)
                .map(|(inv, _, scores)| (inv, scores))
        };
        // Scored parts go to the sink and the collectors in order, on this thread, the first
        // failure in order ending the run as it would one part at a time.
        let mut consume = |part: Result<ScoredPart, PipelineError>| {
            let (inv, scores) = part?;
            sink(set, &scores).map_err(StreamError::Sink)?;
            if request.programme {
                peers.add(&inv.years, &scores, data, cat, peer_config);
                changes.extend(crate::stats::year_changes_of(&set.id, &scores));
            }
            Ok::<_, StreamError>(())
        };
        in_windows(&parts, score, &mut consume)?;
        if request.programme {
            programmes.push(Programme {
                peers: peers.finish(peer_config),
                peer_config: peer_config.clone(),
                changes,
                uncertainty: Vec::new(),
                mc: None,
            });
        }
    }
    Ok(programmes)
}

/// Makes `make(part)` of every part, a window of parts (one per core, at most
/// [`WINDOW_PARTS`]) being made while the part before them is handed to `consume` on this
/// thread: a part is started as soon as the oldest is done (not a window after a window, which
/// left a core idle while a window's last part was made), every part's result reaches `consume`
/// in order, and at most a window and one part are held. `consume`'s error ends it (after the
/// parts being made).
///
/// Each part of the window is made on a rayon pool of its own, with a full stack and its share
/// of the cores (one core each on a machine of up to [`WINDOW_PARTS`]): a part's parallel work
/// on the global pool, beside the other parts', left the cores idle a quarter of the time
/// (measured on the messy 2,000-park programme, 2 cores: 0.87 -> 0.81 s). This is not called
/// from inside a rayon pool.
fn in_windows<P: Sync, R: Send>(
    parts: &[P],
    make: impl Fn(&P) -> R + Sync,
    consume: &mut impl FnMut(R) -> Result<(), StreamError>,
) -> Result<(), StreamError> {
    let threads = rayon::current_num_threads().max(1);
    let window = threads.clamp(1, WINDOW_PARTS);
    // The parts being made are never two of the same pool: part i is made on pool i % window.
    // No pool to make it on: the part's work goes to the global pool.
    let pools: Vec<Option<rayon::ThreadPool>> = (0..window)
        .map(|_| {
            rayon::ThreadPoolBuilder::new()
                .num_threads((threads / window).max(1))
                .stack_size(PART_STACK_BYTES)
                .build()
                .ok()
        })
        .collect();
    let make = &make;
    std::thread::scope(|s| {
        let start = |i: usize| {
            let (part, pool) = (&parts[i], pools[i % window].as_ref());
            std::thread::Builder::new()
                .stack_size(PART_STACK_BYTES)
                .spawn_scoped(s, move || match pool {
                    Some(pool) => pool.install(|| make(part)),
                    None => make(part),
                })
                .map_err(|_| i)
        };
        let mut next = 0..parts.len();
        let mut making = std::collections::VecDeque::with_capacity(window);
        making.extend(next.by_ref().take(window).map(start));
        while let Some(oldest) = making.pop_front() {
            let made = match oldest {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                // No thread to make it on: made here.
                Err(i) => make(&parts[i]),
            };
            making.extend(next.next().map(start));
            consume(made)?;
        }
        Ok(())
    })
}

/// The identification of each set's report: the fingerprint of the data, the reference tables
/// a user can replace and the run's options, taken once, then each set's.
fn identify(
    reference: &Reference,
    data: &Dataset,
    request: &Request,
    runs: &[SetRun],
) -> Vec<Identification> {
    let mut base = Fingerprint::default();
    base.data(data)
        .put("factors", &reference.factors)
        .put_json("measures", &reference.measures)
        .put("selection", &request.selection)
        .put("programme", &(request.programme, request.mc))
        .put_json("pathways", &request.pathways);
    runs.iter()
        .map(|r| {
            let parks = r.scores.iter().map(|s| s.park_id.as_str()).collect();
            identification::identify(&base, &r.set, data, &parks, &request.issue)
        })
        .collect()
}

/// Problems of the flow itself (not of the data).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error("computation failed: {0}")]
    Frame(#[from] crate::frame::FrameError),
    #[error(transparent)]
    Pathway(#[from] crate::pathway::PathwayError),
    /// A run that streams parks was asked for what needs every park at once.
    #[error(
        "the Monte Carlo analysis and pathways need every park at once: they cannot be streamed"
    )]
    NotStreamed,
}

/// Which parks and years to score.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub years: Vec<i32>,
    pub parks: Vec<String>,
    pub fuel_factors: Option<FuelFactorSet>,
    pub milestone: Option<i32>,
}

pub use crate::scoring::SetRun;

/// The scoring choices of a selection: milestone and the dataset's waivers.
pub fn score_options(data: &Dataset, sel: &Selection) -> ScoreOptions {
    ScoreOptions {
        milestone: sel.milestone,
        waivers: data.waivers.clone(),
    }
}

/// What restating earlier years on later boundaries gave: what it did, and the metrics.
pub type Restated = (
    Vec<crate::restate::Restatement>,
    crate::restate::RestatedAnnual,
);

/// A park-year's annual values, shared with the inventory.
type AnnualMetrics = std::sync::Arc<std::collections::BTreeMap<String, crate::input::MetricYear>>;

/// The annual values of a run and the earlier years restated on later boundaries.
#[derive(Clone, Copy)]
struct Years<'a> {
    annual: &'a Annual,
    restated: &'a Restated,
}

/// Scores every selected park-year of a dataset against each set.
fn score_sets(
    data: &Dataset,
    years: Years<'_>,
    reference: &Reference,
    sets: &[BenchmarkSet],
    sel: &Selection,
) -> Result<Vec<SetRun>, PipelineError> {
    let opts = score_options(data, sel);
    let mut out = Vec::new();
    for set in sets {
        let one = SetScoring {
            data,
            years,
            reference,
            set,
            sel,
            opts: &opts,
        };
        let (inventory, values, scores, restated) =
            one.run(set.accounting.options(sel.fuel_factors))?;
        let mut alternatives = Vec::new();
        for alt in &set.accounting.alternatives {
            // Each score is cut to its reading as it is made: an alternative's rule results
            // are never held for every park-year.
            let options = set.accounting.alternative_options(alt, sel.fuel_factors);
            let (_, _, mut readings, _) = one.run_each(options, |py, s| scoring::Reading {
                park_id: s.park_id,
                year: s.year,
                energy_tce: py.energy_tce,
                co2_t: py.co2_total_t,
                co2_per_tce: py.co2_per_tce,
                band: s.band,
                gate: s.gate,
                level: s.level,
                level_name: s.level_name,
            })?;
            readings.sort_by(|a, b| (&a.park_id, a.year).cmp(&(&b.park_id, b.year)));
            alternatives.push(scoring::AlternativeRun {
                id: alt.id.clone(),
                label: alt.label.clone(),
                readings,
            });
        }
        let enterprises = if data.has_enterprises() {
            reference.inventory_by_enterprise(data, set.accounting.options(sel.fuel_factors))?
        } else {
            Vec::new()
        };
        out.push(SetRun {
            set: set.clone(),
            inventory,
            values,
            scores,
            alternatives,
            enterprises,
            products: crate::products::graded(&data.products, &reference.products),
            restated,
            restatements: years.restated.0.clone(),
        });
    }
    Ok(out)
}

/// One set scored on one dataset, under accounting options of the caller's choosing (the
/// set's own, or an alternative reading).
struct SetScoring<'a> {
    data: &'a Dataset,
    years: Years<'a>,
    reference: &'a Reference,
    set: &'a BenchmarkSet,
    sel: &'a Selection,
    opts: &'a scoring::ScoreOptions,
}

impl SetScoring<'_> {
    fn run(&self, options: inventory::AccountingOptions) -> Result<Scored, PipelineError> {
        self.run_each(options, |_, score| score)
    }

    /// [`SetScoring::run`], each park-year's score handed to `each` with its inventory as it
    /// is made, and only what `each` returns kept.
    fn run_each<T: Send>(
        &self,
        options: inventory::AccountingOptions,
        each: impl Fn(&inventory::ParkYear, scoring::Score) -> T + Sync,
    ) -> Result<Scored<T>, PipelineError> {
        let restated = self.restated_values(options)?;
        let (inv, values, scores) =
            self.score_part(options, self.years.annual.iter(), &restated, each)?;
        Ok((inv, values, scores, restated))
    }

    /// Some parks scored: the annual values of every year of each (`part`), accounted,
    /// evaluated and scored, each score handed to `each`. `restated` are the set's restated
    /// earlier years ([`SetScoring::restated_values`]).
    fn score_part<'p, T: Send>(
        &self,
        options: inventory::AccountingOptions,
        part: impl ExactSizeIterator<Item = (&'p (String, i32), &'p AnnualMetrics)>,
        restated: &indicators::Restated,
        each: impl Fn(&inventory::ParkYear, scoring::Score) -> T + Sync,
    ) -> Result<(Inventory, indicators::Values, Vec<T>), PipelineError> {
        let SetScoring {
            data,
            reference,
            set,
            sel,
            opts,
            ..
        } = *self;
        let (vocab, cat) = (&reference.vocab, &reference.catalogue);
        let inv = inventory::build_part(
            data,
            part,
            vocab,
            &reference.factors,
            &reference.plausibility,
            options,
        )?;
        let values = indicators::evaluate(cat, &inv, vocab, &set.accounting.settings())?;
        let heads = scoring::RuleHeads::of(set, cat);
        let scorer = scoring::Scorer {
            set,
            cat,
            values: &values,
            restated,
            opts,
            vocab,
            heads: &heads,
        };
        let scores = inv
            .years
            .par_iter()
            .filter(|py| sel.years.is_empty() || sel.years.contains(&py.year))
            .filter(|py| sel.parks.is_empty() || sel.parks.contains(&py.park_id))
            .filter_map(|py| {
                let park = data.park(&py.park_id)?;
                let subject = scoring::Subject {
                    py,
                    name: &park.name,
                    country: &park.country,
                };
                let mut score = scoring::score(scorer, subject);
                score.assumptions.extend(self.restatement_notes(py));
                Some(each(py, score))
            })
            .collect();
        Ok((inv, values, scores))
    }

    /// The indicator values of the restated earlier years, accounted as the set reads them.
    fn restated_values(
        &self,
        options: inventory::AccountingOptions,
    ) -> Result<indicators::Restated, PipelineError> {
        let restated = &self.years.restated.1;
        if restated.is_empty() {
            return Ok(indicators::Restated::new());
        }
        let reference = self.reference;
        let acc = inventory::Accountant::new(&reference.vocab, &reference.factors, options)?;
        let mut keys = Vec::new();
        let mut years = Vec::new();
        for ((park_id, now), by) in restated {
            let Some(park) = self.data.park(park_id) else {
                continue;
            };
            for (year, metrics) in by {
                keys.push((park_id.clone(), *now, *year));
                years.push(acc.account(park, *year, metrics));
            }
        }
        let all: Vec<&indicators::Indicator> = reference.catalogue.indicators.iter().collect();
        let rows = indicators::evaluate_years(
            &all,
            &years,
            &reference.vocab,
            &self.set.accounting.settings(),
        )?;
        let mut out = indicators::Restated::new();
        for ((park_id, now, year), values) in keys.into_iter().zip(rows) {
            out.entry((park_id, now)).or_default().insert(year, values);
        }
        Ok(out)
    }

    /// What restating the park-year's earlier years did, said as assumptions.
    fn restatement_notes(&self, py: &inventory::ParkYear) -> Vec<crate::i18n::Text> {
        // Restatements come sorted by park and year.
        let all = &self.years.restated.0;
        match all.binary_search_by(|r| (r.park_id.as_str(), r.year).cmp(&(&py.park_id, py.year))) {
            Ok(i) => crate::restate::notes(&all[i]),
            Err(_) => Vec::new(),
        }
    }
}

/// A set scored: the inventory, indicator values, scores (or what was kept of each) and
/// restated earlier years.
type Scored<T = scoring::Score> = (Inventory, indicators::Values, Vec<T>, indicators::Restated);

/// What a programme adds to the scores: peer statistics, year-on-year changes and, when asked,
/// the Monte Carlo verdicts.
#[derive(Debug, Clone)]
pub struct Programme {
    pub peers: crate::stats::Peers,
    pub peer_config: crate::stats::PeerConfig,
    pub changes: Vec<crate::stats::YearChange>,
    pub uncertainty: Vec<crate::uncertainty::ParkUncertainty>,
    /// The Monte Carlo settings and ranges used (None when it was not run).
    pub mc: Option<(
        crate::uncertainty::McOptions,
        crate::uncertainty::UncertaintyConfig,
    )>,
}

/// Peer statistics, changes and (with `mc`) uncertainty of a set's scores.
fn programme(
    run: &SetRun,
    data: &Dataset,
    reference: &Reference,
    sel: &Selection,
    mc: Option<McOptions>,
) -> Result<Programme, PipelineError> {
    let (vocab, cat) = (&reference.vocab, &reference.catalogue);
    let peer_config = reference.peers.clone();
    let peers = crate::stats::peers(run, data, cat, &peer_config);
    let changes = crate::stats::year_changes(run);
    let (uncertainty, mc) = match mc.filter(|m| m.draws > 0) {
        None => (Vec::new(), None),
        Some(m) => {
            let cfg = reference.uncertainty.clone();
            let opts = score_options(data, sel);
            let settings = run.set.accounting.settings();
            let inputs = crate::uncertainty::Inputs {
                run,
                data,
                vocab,
                cat,
                opts: &opts,
                settings: &settings,
            };
            (
                crate::uncertainty::analyse(&inputs, &cfg, &m)?,
                Some((m, cfg)),
            )
        }
    };
    Ok(Programme {
        peers,
        peer_config,
        changes,
        uncertainty,
        mc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part reaches `consume` in order, whatever the window, and no more than a window
    /// and one part are held (made and not yet consumed) at any time; when parts fail, the
    /// first failure in order ends the run, even when a later part being made beside it fails
    /// first (part 6 is slow, part 7 fails at once: they are made together on any machine of
    /// two cores or more), and no part after it is consumed.
    #[test]
    fn windows_hand_every_part_in_order_and_the_first_failure_in_order_ends_them() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let parts: Vec<usize> = (0..23).collect();
        let window = rayon::current_num_threads().clamp(1, WINDOW_PARTS);
        let (held, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let global = rayon::current_num_threads().max(1);
        let make = |&p: &usize| {
            // Made on a pool of its own, with its share of the global pool's threads.
            assert!(
                rayon::current_thread_index().is_some(),
                "part {p} outside a pool"
            );
            assert_eq!(rayon::current_num_threads(), (global / window).max(1));
            let now = held.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // Uneven parts: a slow one is passed by the ones after it.
            std::thread::sleep(std::time::Duration::from_millis([1, 9, 3][p % 3]));
            p * 10
        };
        let mut seen = Vec::new();
        in_windows(&parts, make, &mut |done: usize| {
            seen.push(done);
            held.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..23).map(|p| p * 10).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(most <= window + 1, "{most} parts held, window {window}");
        if window > 1 {
            assert!(most > 1, "parts are made one at a time");
        }

        let make = |&p: &usize| match p {
            6 => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                Err(p)
            }
            7 | 15 => Err(p),
            _ => Ok(p),
        };
        let mut seen = Vec::new();
        let failed = in_windows(&parts, make, &mut |part: Result<usize, usize>| match part {
            Ok(p) => {
                seen.push(p);
                Ok(())
            }
            Err(p) => {
                let e = std::io::Error::other(format!("part {p} failed"));
                Err(StreamError::Sink(e))
            }
        });
        assert_eq!(failed.unwrap_err().to_string(), "part 6 failed");
        assert_eq!(seen, (0..6).collect::<Vec<_>>());
    }
}
