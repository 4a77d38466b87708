//! `parkbench benchmarks list|show ID` and `parkbench indicators list|show ID`: what ships,
//! with sources and statuses.

use clap::Subcommand;

use super::output::text_table;
use super::{CliError, ExitStatus};
use parkbench::indicators::IndicatorCatalogue;
use parkbench::pipeline::Reference;

#[derive(Debug, Subcommand)]
pub enum BenchmarksCmd {
    /// List the shipped benchmark sets.
    List,
    /// Show a set: document, accounting, bands, levels, and every rule with its sources.
    Show { id: String },
}

#[derive(Debug, Subcommand)]
pub enum IndicatorsCmd {
    /// List the indicator catalogue.
    List,
    /// Show an indicator: formula, unit, direction, what data supplies it.
    Show { id: String },
}

pub fn benchmarks(cmd: BenchmarksCmd) -> Result<ExitStatus, CliError> {
    let reference = Reference::load(None)?;
    let sets = &reference.sets;
    match cmd {
        BenchmarksCmd::List => {
            let rows: Vec<Vec<String>> = sets
                .iter()
                .map(|s| {
                    vec![
                        s.id.clone(),
                        s.title.en.clone(),
                        s.document.clone(),
                        s.rules.len().to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                text_table(
                    &[
                        "id".into(),
                        "title".into(),
                        "document".into(),
                        "rules".into()
                    ],
                    &rows
                )
            );
        }
        BenchmarksCmd::Show { id } => {
            let Some(s) = sets.iter().find(|s| s.id == id) else {
                return Err(CliError::Usage(format!("unknown benchmark set \"{id}\"")));
            };
            println!("{} — {}\n{}", s.id, s.title.en, s.title.zh);
            println!(
                "publisher: {}\ndocument: {}\nyear: {}\nurl: {}",
                s.publisher,
                s.document,
                s.year.map_or("—".into(), |y| y.to_string()),
                s.url
            );
            let a = &s.accounting;
            println!(
                "accounting: electricity {:?}, grid factor {:?}, natural gas clean: {}, process CO2: {}, outside bands: {:?}",
                a.electricity_tce_basis,
                a.grid_factor_variant,
                a.natural_gas_clean,
                a.include_process_co2,
                a.outside_bands
            );
            for b in &s.bands {
                println!(
                    "band {}: {} [{} , {})",
                    b.id,
                    b.label.get(parkbench::i18n::Lang::EN),
                    b.min.map_or("-inf".into(), |x| x.to_string()),
                    b.max.map_or("inf".into(), |x| x.to_string())
                );
            }
            for l in &s.levels {
                println!(
                    "level {} ({}): score >= {}, coverage >= {}, gates required: {}",
                    l.id, l.label.en, l.min_score, l.min_coverage, l.requires_gates
                );
            }
            let (header, rows) = threshold_rows(s);
            print!("{}", text_table(&header, &rows));
            if let Some(n) = &s.notes {
                println!("notes: {}", n.get(parkbench::i18n::Lang::EN));
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// A set's thresholds and milestones, one row each: rule, indicator, role, method, weight,
/// threshold, what it is for (band, country, year), status and source; with the header.
fn threshold_rows(s: &parkbench::benchmark::BenchmarkSet) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rows = Vec::new();
    for r in &s.rules {
        for t in r.thresholds.iter().chain(&r.milestones) {
            rows.push(vec![
                r.id.clone(),
                r.indicator.get_ref().clone(),
                r.role.as_str().into(),
                format!("{:?}", r.method).to_lowercase(),
                r.weight.to_string(),
                t.value.to_string(),
                [
                    t.band.as_deref().map(str::to_string),
                    t.country.as_deref().map(str::to_string),
                    t.year.map(|y| y.to_string()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" "),
                t.status.as_str().into(),
                t.source.to_string(),
            ]);
        }
    }
    let header: Vec<String> = [
        "rule",
        "indicator",
        "role",
        "method",
        "weight",
        "threshold",
        "for",
        "status",
        "source",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    (header, rows)
}

pub fn indicators(cmd: IndicatorsCmd) -> Result<ExitStatus, CliError> {
    let cat = IndicatorCatalogue::embedded()?;
    match cmd {
        IndicatorsCmd::List => {
            let rows: Vec<Vec<String>> = cat
                .indicators
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        i.name_en.clone(),
                        i.unit.clone(),
                        format!("{:?}", i.direction).to_lowercase(),
                        i.category.clone(),
                    ]
                })
                .collect();
            print!(
                "{}",
                text_table(
                    &[
                        "id".into(),
                        "name".into(),
                        "unit".into(),
                        "better".into(),
                        "category".into()
                    ],
                    &rows
                )
            );
        }
        IndicatorsCmd::Show { id } => {
            let Some(i) = cat.get(&id) else {
                return Err(CliError::Usage(format!("unknown indicator \"{id}\"")));
            };
            println!("{} — {} / {}", i.id, i.name_en, i.name_zh);
            println!(
                "unit: {}\nbetter: {:?}\ncategory: {}",
                i.unit, i.direction, i.category
            );
            match (&i.numerator, &i.denominator, &i.formula) {
                (Some(n), Some(d), _) => println!("formula: ({n}) / ({d})"),
                (_, _, Some(f)) => println!("formula: {f}"),
                _ => {}
            }
            println!("data: {}\n{}", i.supplied_by.join(", "), i.description);
        }
    }
    Ok(ExitStatus::Success)
}
