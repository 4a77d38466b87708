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
}

pub fn run(args: InventoryArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading the data and building the inventory");
    let l = args.data.load()?;
    let inv = l.inventory(args.data.fuel_factors, args.benchmark.as_deref())?;
    spinner.finish_and_clear();
    let words = parkbench::i18n::Locale::get(args.data.lang);
    let text = match args.format {
        Format::Csv => parkbench::report::inventory_csv(&inv, &l.reference.vocab.order, words),
        Format::Json => serde_json::to_string_pretty(&inv)? + "\n",
        Format::Table => to_table(&inv, words),
    };
    emit(args.out.as_deref(), &text)?;
    Ok(super::report_failures(&l.data, args.data.lang))
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
