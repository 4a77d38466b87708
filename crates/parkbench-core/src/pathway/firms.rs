//! Where a plan's measures land among a park's enterprises: each step's abatement shared over
//! the firms (and the park's own rows) in proportion to their CO2 from the carriers the measure
//! acts on (for a resource measure, their quantity of its numerator). A measure sized for the
//! park is thereby sized per firm, as a programme asks each firm to carry its part.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Plan;
use super::measures::{Kind, Measure, MeasureCatalogue};
use crate::input::{MetricYear, UnitAnnual};
use crate::inventory::Accountant;

/// One firm's part of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirmPart {
    /// "" for the park's own rows.
    pub enterprise_id: String,
    /// Its share of what the measure acts on in the park-year.
    pub share: f64,
    /// Its share of the step's abatement (tCO2/yr).
    pub abatement_t: f64,
}

/// The firms' parts of one step of a plan, largest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFirms {
    pub measure: String,
    pub parts: Vec<FirmPart>,
}

impl Measure {
    /// The metrics the measure acts on: the carriers it replaces or saves, the process CO2 it
    /// captures, the resource it raises.
    pub fn acts_on(&self) -> Vec<&str> {
        match &self.kind {
            Kind::GreenPurchase { .. } | Kind::OnsiteRenewable { .. } => vec!["electricity_grid"],
            Kind::Substitute { from, .. } => from.iter().map(String::as_str).collect(),
            Kind::Efficiency { carriers, .. } => carriers.iter().map(String::as_str).collect(),
            Kind::WasteHeat { displaces, .. } => displaces.iter().map(String::as_str).collect(),
            Kind::Capture { .. } => vec!["process_co2"],
            Kind::Resource { numerator, .. } => vec![numerator.as_str()],
        }
    }
}

/// The firms' parts of each step of a park's plan, from the firms' rows of the plan's year
/// (empty when the park does not report by enterprise).
pub fn parts(
    plan: &Plan,
    park: &crate::input::Park,
    units: &UnitAnnual,
    acc: &Accountant<'_>,
    measures: &MeasureCatalogue,
) -> Vec<StepFirms> {
    let of_year: Vec<(&str, &BTreeMap<String, MetricYear>)> = units
        .range((park.park_id.clone(), String::new(), i32::MIN)..)
        .take_while(|((p, _, _), _)| *p == park.park_id)
        .filter(|((_, _, y), _)| *y == plan.year)
        .map(|((_, e, _), m)| (e.as_str(), m))
        .collect();
    if of_year.iter().all(|(e, _)| e.is_empty()) {
        return Vec::new();
    }
    // Each unit accounted once: CO2 by carrier, and its metrics.
    let accounted: Vec<(&str, crate::inventory::ParkYear)> = of_year
        .iter()
        .map(|(e, m)| (*e, acc.account(park, plan.year, m)))
        .collect();
    plan.steps
        .iter()
        .filter_map(|step| {
            let measure = measures.measure(&step.measure)?;
            let on = measure.acts_on();
            let weight = |py: &crate::inventory::ParkYear| -> f64 {
                on.iter()
                    .map(|m| {
                        let line = py.carriers.iter().find(|c| c.metric == *m);
                        match (measure.abates(), line.and_then(|c| c.co2_t)) {
                            (true, Some(co2)) => co2,
                            _ => py.metrics.get(*m).and_then(|x| x.value).unwrap_or(0.0),
                        }
                    })
                    .sum()
            };
            let weights: Vec<(&str, f64)> =
                accounted.iter().map(|(e, py)| (*e, weight(py))).collect();
            let total: f64 = weights.iter().map(|w| w.1).sum();
            if total <= 0.0 {
                return None;
            }
            let mut parts: Vec<FirmPart> = weights
                .into_iter()
                .filter(|w| w.1 > 0.0)
                .map(|(e, w)| FirmPart {
                    enterprise_id: e.to_string(),
                    share: w / total,
                    abatement_t: step.abatement_t * w / total,
                })
                .collect();
            parts.sort_by(|a, b| b.share.total_cmp(&a.share));
            Some(StepFirms {
                measure: step.measure.clone(),
                parts,
            })
        })
        .collect()
}
