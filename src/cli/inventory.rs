//! `parkbench inventory DATA`: energy (tce) by carrier and CO2 by scope, one row per park-year.

use clap::Args;
use std::path::PathBuf;

use super::output::{Format, emit, human, text_table};
use super::{CliError, DataArgs, ExitStatus};
use parkbench::i18n::Locale;
use parkbench::inventory::Inventory;

#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub read: super::ReadArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Account as this benchmark set reads it (its grid factor for power not proven green, the
    /// green classes it counts at zero, its electricity-to-tce basis); without it, parkbench's
    /// defaults (average grid factor, every green class at zero, 0.1229 kgce/kWh).
    #[arg(long = "benchmark", value_name = "ID")]
    pub benchmark: Option<String>,
    /// One row per park-year, or per enterprise of each park-year (its energy, CO2, CO2 per tce
    /// and share of the park's; the park's own rows as enterprise "").
    #[arg(long, value_enum, default_value = "park")]
    pub by: By,
}

/// What a row of the inventory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Park,
    Enterprise,
}

pub fn run(args: InventoryArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading the data and building the inventory");
    let l = args.data.load_only(&args.read)?;
    // What the filter left unread, on standard error (the output stays the inventory alone).
    let lang = args.data.lang;
    for (root, skipped) in &l.data.filtered {
        if let Some(n) = skipped.notice(root) {
            super::note(format_args!("{}", n.render(lang)));
        }
    }
    if args.by == By::Enterprise {
        let rows = l.inventory_by_enterprise(args.data.fuel_factors, args.benchmark.as_deref())?;
        spinner.finish_and_clear();
        let text = match args.format {
            Format::Json => serde_json::to_string_pretty(&rows)? + "\n",
            Format::Csv => parkbench::report::enterprises_csv(&rows),
            Format::Table => enterprises_table(&rows),
        };
        emit(args.out.as_deref(), &text)?;
        return Ok(super::report_failures(&l.data, args.data.lang));
    }
    let inv = l.inventory(args.data.fuel_factors, args.benchmark.as_deref())?;
    spinner.finish_and_clear();
    let words = parkbench::i18n::Locale::get(args.data.lang);
    let text = match args.format {
        Format::Csv => parkbench::report::inventory_csv(&inv, &l.reference.vocab.order, words),
        Format::Json => serde_json::to_string_pretty(&inv)? + "\n",
        Format::Table => to_table(&inv, words),
    };
    emit(args.out.as_deref(), &text)?;
    let status = super::report_failures(&l.data, args.data.lang);
    super::let_go((l, inv));
    Ok(status)
}

const ENTERPRISE_COLUMNS: [&str; 9] = [
    "park_id",
    "enterprise_id",
    "name",
    "year",
    "energy_tce",
    "co2_total_t",
    "co2_per_tce",
    "energy_share",
    "co2_share",
];

fn enterprise_cells(r: &parkbench::pipeline::EnterpriseYear, digits: [usize; 5]) -> Vec<String> {
    let n = |x: Option<f64>, d: usize| x.map_or(String::new(), |v| format!("{v:.d$}"));
    vec![
        r.park_id.clone(),
        r.enterprise_id.clone(),
        r.name.clone(),
        r.year.to_string(),
        n(r.energy_tce, digits[0]),
        n(r.co2_total_t, digits[1]),
        n(r.co2_per_tce, digits[2]),
        n(r.energy_share, digits[3]),
        n(r.co2_share, digits[4]),
    ]
}

fn enterprises_table(rows: &[parkbench::pipeline::EnterpriseYear]) -> String {
    let header: Vec<String> = ENTERPRISE_COLUMNS.iter().map(|s| s.to_string()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| enterprise_cells(r, [0, 0, 3, 3, 3]))
        .collect();
    text_table(&header, &body)
}

/// The inventory as a table, and under it what made each blank total unknown.
fn to_table(inv: &Inventory, words: &Locale) -> String {
    let header: Vec<String> = [
        "park",
        "year",
        "energy tce",
        "scope 1 tCO2",
        "scope 2 loc tCO2",
        "scope 2 mkt tCO2",
        "total tCO2",
        "tCO2/tce",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = inv
        .years
        .iter()
        .map(|y| {
            vec![
                y.park_id.clone(),
                y.year.to_string(),
                human(y.energy_tce, 0),
                human(y.co2_scope1_t, 0),
                human(y.co2_scope2_location_t, 0),
                human(y.co2_scope2_market_t, 0),
                human(y.co2_total_t, 0),
                human(y.co2_per_tce, 3),
            ]
        })
        .collect();
    let mut out = text_table(&header, &rows);
    for y in &inv.years {
        if let Some(why) = y.why_unknown() {
            out.push_str(&format!(
                "{} {}: {}\n",
                y.park_id,
                y.year,
                words.text(&t!("inventory.blank_because", why = why))
            ));
        }
    }
    out
}
