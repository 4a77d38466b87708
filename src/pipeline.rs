//! The whole flow for a dataset and some benchmark sets: annual values -> inventory (per set's
//! accounting) -> indicator values -> scores. Used by the `score` and `report` commands so
//! they cannot drift apart.

use rayon::prelude::*;
use std::collections::BTreeMap;

use crate::benchmark::BenchmarkSet;
use crate::factors::{Factors, FuelFactorSet};
use crate::indicators::{self, Catalogue, Values};
use crate::input::{Annual, Dataset};
use crate::inventory::{self, AccountingOptions, Inventory};
use crate::reference::{ReferenceError, Vocabulary};
use crate::scoring::{self, Score, ScoreOptions, Waiver};

/// Problems of the flow itself (not of the data).
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error("computation failed: {0}")]
    Frame(#[from] crate::frame::FrameError),
}

/// Which parks and years to score.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub years: Vec<i32>,
    pub parks: Vec<String>,
    pub fuel_factors: Option<FuelFactorSet>,
    pub milestone: Option<i32>,
}

/// A set's results: its inventory, indicator values and scores.
#[derive(Debug, Clone)]
pub struct SetRun {
    pub set: BenchmarkSet,
    pub inventory: Inventory,
    pub values: Values,
    pub scores: Vec<Score>,
}

/// Accounting options a set asks for.
pub fn accounting_for(set: &BenchmarkSet, fuel: Option<FuelFactorSet>) -> AccountingOptions {
    AccountingOptions {
        electricity_basis: set.accounting.electricity_tce_basis,
        grid_variant: set.accounting.grid_factor_variant,
        fuel_factors: fuel.unwrap_or(FuelFactorSet::Cn),
        include_process_co2: set.accounting.include_process_co2,
    }
}

/// The scoring choices of a selection: milestone and the dataset's waivers.
pub fn score_options(data: &Dataset, sel: &Selection) -> ScoreOptions {
    ScoreOptions {
        milestone: sel.milestone,
        waivers: data
            .waivers
            .iter()
            .map(|w| Waiver {
                park_id: w.park_id.clone(),
                benchmark: w.benchmark.clone(),
                rule: w.rule.clone(),
                justification: w.justification.clone(),
            })
            .collect(),
    }
}

/// The set's accounting switches as formula variables (e.g. `natural_gas_clean`).
pub fn settings_for(set: &BenchmarkSet) -> BTreeMap<String, f64> {
    BTreeMap::from([(
        "natural_gas_clean".to_string(),
        if set.accounting.natural_gas_clean {
            1.0
        } else {
            0.0
        },
    )])
}

/// Scores every selected park-year of a dataset against each set.
pub fn run(
    data: &Dataset,
    annual: &Annual,
    vocab: &Vocabulary,
    factors: &Factors,
    cat: &Catalogue,
    sets: &[BenchmarkSet],
    sel: &Selection,
) -> Result<Vec<SetRun>, PipelineError> {
    let opts = score_options(data, sel);
    let mut out = Vec::new();
    for set in sets {
        let inv = inventory::build(
            data,
            annual,
            vocab,
            factors,
            accounting_for(set, sel.fuel_factors),
        )?;
        let settings = settings_for(set);
        let values = indicators::evaluate(cat, &inv, vocab, &settings)?;
        let scores = inv
            .years
            .par_iter()
            .filter(|py| sel.years.is_empty() || sel.years.contains(&py.year))
            .filter(|py| sel.parks.is_empty() || sel.parks.contains(&py.park_id))
            .filter_map(|py| {
                let park = data.park(&py.park_id)?;
                Some(scoring::score(
                    set,
                    cat,
                    py,
                    &park.name,
                    &park.country,
                    &values,
                    &opts,
                ))
            })
            .collect();
        out.push(SetRun {
            set: set.clone(),
            inventory: inv,
            values,
            scores,
        });
    }
    Ok(out)
}

/// What a programme adds to the scores: peer statistics, year-on-year changes and, when asked,
/// the Monte Carlo verdicts.
#[derive(Debug, Clone)]
pub struct Programme {
    pub peers: Vec<crate::stats::PeerRow>,
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
pub fn programme(
    run: &SetRun,
    data: &Dataset,
    vocab: &Vocabulary,
    cat: &Catalogue,
    sel: &Selection,
    mc: Option<crate::uncertainty::McOptions>,
) -> Result<Programme, PipelineError> {
    let peer_config = crate::stats::PeerConfig::embedded()?;
    let peers = crate::stats::peers(run, data, cat, &peer_config);
    let changes = crate::stats::year_changes(run);
    let (uncertainty, mc) = match mc.filter(|m| m.draws > 0) {
        None => (Vec::new(), None),
        Some(m) => {
            let cfg = crate::uncertainty::UncertaintyConfig::embedded()?;
            let opts = score_options(data, sel);
            let settings = settings_for(&run.set);
            let inputs = crate::uncertainty::Inputs {
                set: &run.set,
                years: &run.inventory.years,
                scores: &run.scores,
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
