//! The working objects of a command, built once from its arguments (as ripgrep's `HiArgs`):
//! the reference data (with the user's factor, measure and price files), the dataset, and the
//! request the run API answers (sets, selection, programme view, Monte Carlo, pathways with
//! their scenario and technology catalogue). Every command that scores builds a [`Job`] and
//! runs it; none builds these objects on its own.

use std::path::Path;

use super::plan::PathwayArgs;
use super::score::SetArgs;
use super::{CliError, DataArgs};
use parkbench::disk::Disk;
use parkbench::input::Dataset;
use parkbench::pathway::{self, scenario};
use parkbench::pipeline::{self, Outcome, Pathways, Reference, Request};
use parkbench::uncertainty::McOptions;

/// What a command asks of the run, besides the data.
#[derive(Default)]
pub struct Wants<'a> {
    pub sets: Option<&'a SetArgs>,
    /// Peer statistics and year-on-year changes.
    pub programme: bool,
    pub mc: Option<McOptions>,
    /// Plans, with the user's measure file, prices, discount rate and scenario.
    pub pathways: Option<&'a PathwayArgs>,
    /// A technology catalogue to match each park's needs to.
    pub technologies: Option<&'a Path>,
    /// Who a report is for, who prepared it and when it was issued.
    pub issue: parkbench::identification::Issue,
    /// Only these years and parks are read (`inventory`, `validate`).
    pub read: Option<&'a super::ReadArgs>,
}

/// A command's reference data, dataset and request.
pub struct Job {
    pub reference: Reference,
    pub data: Dataset,
    pub request: Request,
}

impl Job {
    /// Builds everything a command needs, in one place: the reference (shipped, with
    /// `--factors` and the pathway files), the dataset, and the request.
    pub fn build(args: &DataArgs, wants: Wants<'_>) -> Result<Job, CliError> {
        let mut reference = args.reference()?;
        let pathways = match wants.pathways {
            Some(p) => Some(pathways(p, wants.technologies, &mut reference, args)?),
            None => None,
        };
        let data = args.dataset(&reference, wants.read)?;
        let request = Request {
            sets: match wants.sets {
                Some(s) => s.resolve(&reference)?,
                None => Vec::new(),
            },
            selection: wants
                .sets
                .map(|s| s.selection(args.fuel_factors))
                .unwrap_or_default(),
            programme: wants.programme,
            mc: wants.mc,
            pathways,
            issue: wants.issue,
        };
        Ok(Job {
            reference,
            data,
            request,
        })
    }

    /// The run API's answer to the request.
    pub fn run(&self) -> Result<Outcome, CliError> {
        Ok(pipeline::run(&self.reference, &self.data, &self.request)?)
    }
}

/// The reference's measure catalogue as the user says (`--measures`, `--prices`,
/// `--discount-rate`), and the scenario and technology catalogue read against it.
fn pathways(
    p: &PathwayArgs,
    technologies: Option<&Path>,
    reference: &mut Reference,
    args: &DataArgs,
) -> Result<Pathways, CliError> {
    if p.measures.is_some() || p.prices.is_some() {
        let user = |path: &Option<std::path::PathBuf>| {
            path.as_deref()
                .map(|p| parkbench::world::read_text(&Disk, p))
                .transpose()
        };
        let (measures, prices) = (user(&p.measures)?, user(&p.prices)?);
        reference.measures = pathway::MeasureCatalogue::load(measures, prices, &reference.vocab)?;
    }
    if let Some(r) = p.discount_rate {
        if !(0.0..1.0).contains(&r) {
            return Err(CliError::Usage(format!(
                "--discount-rate {r}: expected a fraction per year from 0 to 1 (0.08 = 8 %)"
            )));
        }
        reference.measures.discount_rate.value = r;
        reference.measures.discount_rate.source = "--discount-rate".into();
    }
    let scenario = match &p.scenario {
        Some(path) => Some(scenario::read(
            &Disk,
            path,
            &reference.measures,
            &reference.vocab,
        )?),
        None => None,
    };
    let technologies = match technologies {
        Some(path) => Some(super::needs::read_catalogue(path, reference, args.lang)?),
        None => None,
    };
    Ok(Pathways {
        scenario,
        technologies,
    })
}
