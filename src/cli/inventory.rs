//! `parkbench inventory DATA`: energy (tce) by carrier and CO2 by scope, one row per park-year.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

use super::output::{csv_safe, emit, human, num, text_table};
use super::{CliError, DataArgs, ExitStatus};
use parkbench::i18n::Locale;
use parkbench::inventory::Inventory;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: InventoryArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading the data and building the inventory");
    let l = args.data.load()?;
    let inv = l.inventory(args.data.fuel_factors)?;
    spinner.finish_and_clear();
    let words = parkbench::i18n::Locale::get(args.data.lang);
    let text = match args.format {
        Format::Csv => to_csv(&inv, &l.reference.vocab.order, words),
        Format::Json => {
            serde_json::to_string_pretty(&inv).map_err(|e| CliError::Io(e.to_string()))? + "\n"
        }
        Format::Table => to_table(&inv, words),
    };
    emit(args.out.as_deref(), &text)?;
    Ok(super::report_failures(&l.data, args.data.lang))
}

/// The inventory as CSV: fixed columns, then `tce_<carrier>` and `co2_<carrier>_t` per carrier
/// present, and last `why_unknown`: what made a blank total unknown, with its cell.
pub fn to_csv(inv: &Inventory, order: &[String], words: &Locale) -> String {
    let present: Vec<&String> = order
        .iter()
        .filter(|m| {
            inv.years
                .iter()
                .any(|y| y.carriers.iter().any(|c| &&c.metric == m))
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "park_id",
        "year",
        "energy_tce",
        "co2_scope1_t",
        "co2_scope2_location_t",
        "co2_scope2_market_t",
        "co2_total_t",
        "co2_total_location_t",
        "co2_per_tce",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for m in &present {
        header.push(format!("tce_{m}"));
        header.push(format!("co2_{m}_t"));
    }
    header.push("why_unknown".into());
    let _ = w.write_record(&header);
    for y in &inv.years {
        let mut r = vec![
            csv_safe(&y.park_id),
            y.year.to_string(),
            num(y.energy_tce, 4),
            num(y.co2_scope1_t, 4),
            num(y.co2_scope2_location_t, 4),
            num(y.co2_scope2_market_t, 4),
            num(y.co2_total_t, 4),
            num(y.co2_total_location_t, 4),
            num(y.co2_per_tce, 4),
        ];
        for m in &present {
            let c = y.carriers.iter().find(|c| &&c.metric == m);
            // A carrier the park does not use is 0; one it reported as unknown is empty.
            r.push(c.map_or("0".into(), |c| num(c.tce, 4)));
            r.push(c.map_or("0".into(), |c| num(c.co2_t, 4)));
        }
        r.push(csv_safe(
            &y.why_unknown().map(|t| words.text(&t)).unwrap_or_default(),
        ));
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
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
