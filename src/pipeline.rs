//! The whole flow for a dataset and some benchmark sets: annual values -> inventory (per set's
//! accounting) -> indicator values -> scores. Used by the `score` and `report` commands so
//! they cannot drift apart.

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
    let waivers: Vec<Waiver> = data
        .waivers
        .iter()
        .map(|w| Waiver {
            park_id: w.park_id.clone(),
            benchmark: w.benchmark.clone(),
            rule: w.rule.clone(),
            justification: w.justification.clone(),
        })
        .collect();
    let opts = ScoreOptions {
        milestone: sel.milestone,
        waivers,
    };
    let mut out = Vec::new();
    for set in sets {
        let inv = inventory::build(
            data,
            annual,
            vocab,
            factors,
            accounting_for(set, sel.fuel_factors),
        )?;
        let settings = BTreeMap::from([(
            "natural_gas_clean".to_string(),
            if set.accounting.natural_gas_clean {
                1.0
            } else {
                0.0
            },
        )]);
        let values = indicators::evaluate(cat, &inv, vocab, &settings)?;
        let scores = inv
            .years
            .iter()
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
