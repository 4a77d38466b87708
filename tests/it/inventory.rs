//! `parkbench inventory`: the worked examples of the domain notes, to the published precision.

use crate::{csv_rows, run};

fn inventory(dir: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let (code, out, err) = run(&["inventory", dir, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    csv_rows(&out)
}

fn num(rows: &[std::collections::BTreeMap<String, String>], park: &str, col: &str) -> f64 {
    let r = rows
        .iter()
        .find(|r| r["park_id"] == park)
        .unwrap_or_else(|| panic!("no park {park}"));
    r[col]
        .parse()
        .unwrap_or_else(|_| panic!("{park}.{col} = {:?}", r[col]))
}

#[test]
fn worked_examples_conversions_to_tce_and_co2() {
    let rows = inventory("tests/data/worked");
    let p = "we-js";
    // WORKED-EXAMPLES.md, "Conversions to tce and CO2".
    assert_eq!(format!("{:.1}", num(&rows, p, "tce_raw_coal")), "7143.0");
    assert_eq!(format!("{:.1}", num(&rows, p, "co2_raw_coal_t")), "19003.0");
    assert_eq!(format!("{:.1}", num(&rows, p, "tce_diesel")), "1457.1");
    assert_eq!(format!("{:.1}", num(&rows, p, "co2_diesel_t")), "3095.9");
    assert_eq!(format!("{:.1}", num(&rows, p, "tce_natural_gas")), "6650.0");
    assert_eq!(
        format!("{:.1}", num(&rows, p, "co2_natural_gas_t")),
        "10811.0"
    );
    assert_eq!(
        format!("{:.1}", num(&rows, p, "tce_electricity_grid")),
        "122.9"
    );
    assert_eq!(
        format!("{:.1}", num(&rows, p, "co2_electricity_grid_t")),
        "597.8"
    );
    assert_eq!(
        format!("{:.1}", num(&rows, p, "tce_electricity_green_purchased")),
        "122.9"
    );
    assert_eq!(num(&rows, p, "co2_electricity_green_purchased_t"), 0.0);
    assert_eq!(
        format!("{:.1}", num(&rows, p, "tce_heat_purchased")),
        "34.1"
    );
    assert_eq!(
        format!("{:.1}", num(&rows, p, "co2_heat_purchased_t")),
        "110.0"
    );
    assert_eq!(
        format!("{:.1}", num(&rows, "we-yn", "co2_electricity_grid_t")),
        "107.3"
    );
    assert_eq!(
        format!("{:.1}", num(&rows, "we-cn", "co2_electricity_grid_t")),
        "536.6"
    );
    // Scope 2 location-based counts green purchased power at the grid factor; market-based at 0.
    assert_eq!(
        format!("{:.1}", num(&rows, p, "co2_scope2_location_t")),
        format!("{:.1}", 597.8 * 2.0 + 110.0)
    );
    assert_eq!(
        format!("{:.1}", num(&rows, p, "co2_scope2_market_t")),
        "707.8"
    );
}

#[test]
fn worked_examples_co2_per_unit_energy() {
    let rows = inventory("tests/data/worked");
    // National-grid electricity 2022: 4.3662 tCO2/tce.
    assert_eq!(
        format!("{:.4}", num(&rows, "we-cn", "co2_per_tce")),
        "4.3662"
    );
    // 500,000 tce, 92 % green electricity and 8 % natural gas: 0.130 tCO2/tce.
    assert_eq!(
        format!("{:.0}", num(&rows, "we-500k", "energy_tce")),
        "500000"
    );
    assert_eq!(
        format!("{:.3}", num(&rows, "we-500k", "co2_per_tce")),
        "0.130"
    );
}

#[test]
fn ipcc_factors_on_request() {
    let (code, out, _) = run(&[
        "inventory",
        "tests/data/worked",
        "--format",
        "csv",
        "--fuel-factors",
        "ipcc2006",
    ]);
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    // 1,000 t diesel, ipcc2006: 3,186.3 tCO2.
    assert_eq!(
        format!("{:.1}", num(&rows, "we-js", "co2_diesel_t")),
        "3186.3"
    );
}

#[test]
fn sample_inventory_matches_the_hand_check_of_its_readme() {
    let rows = inventory("sample-data");
    let hand = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/README.md"
    ))
    .unwrap();
    // The README's table: | park | year | energy_tce | co2_t | co2_per_tce |
    let mut checked = 0;
    for line in hand
        .lines()
        .filter(|l| l.starts_with("| ") && l.matches('|').count() >= 6)
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let (Ok(year), Ok(tce)) = (
            cells[1].parse::<i32>(),
            cells[2].replace(',', "").parse::<f64>(),
        ) else {
            continue;
        };
        let r = rows
            .iter()
            .find(|r| r["park_id"] == cells[0].trim_matches('`') && r["year"] == year.to_string());
        let Some(r) = r else { continue };
        let ours: f64 = r["energy_tce"].parse().unwrap();
        assert!((ours - tce).abs() <= 1.0, "{line}: ours {ours}");
        checked += 1;
    }
    assert!(checked >= 30, "checked {checked} rows of the README table");
}

/// Exit codes by what went wrong: an output that cannot be written is 3 (the run could not
/// finish), not 2 (usage); a path that is not there is 2; the error keeps its source's words.
#[test]
fn an_output_that_cannot_be_written_exits_3_and_a_missing_path_2() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full (Linux)");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_parkbench"))
        .args(["inventory", "sample-data", "--format", "csv"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("standard output: No space left on device"),
        "{err}"
    );

    let (code, _, err) = run(&["inventory", "no-such-folder", "--format", "csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no-such-folder: no such file or folder"),
        "{err}"
    );
}

/// One accountant makes each fuel's and each province-year's grid factors once and shares them
/// with every park-year after: on a messy programme of parks in many provinces over several
/// years, each park-year comes out exactly as an accountant of its own accounts it (totals,
/// lines, factors with their sources, assumptions), so no park-year is given another's factor.
#[test]
fn shared_factors_give_each_park_year_its_own_province_and_year() {
    use crate::synth::generator::Config;
    use parkbench::inventory::Accountant;
    let (_dir, reference, data) = crate::generated(&Config {
        parks: 60,
        years: 3,
        messy: 0.5,
        ..Config::default()
    });
    let annual = data.annual(&reference.vocab).unwrap();
    // The national set reads grid power at the market-based factor: both grid factors are made.
    let set = reference.set("cn-zero-carbon-park-2025").unwrap();
    let options = set.accounting.options(None);
    let (vocab, factors) = (&reference.vocab, &reference.factors);
    let shared = Accountant::new(vocab, factors, options).unwrap();
    let (mut provinces, mut years) = (
        std::collections::BTreeSet::new(),
        std::collections::BTreeSet::new(),
    );
    for ((park_id, year), metrics) in &annual {
        let park = data.park(park_id).unwrap();
        let own = Accountant::new(vocab, factors, options).unwrap();
        let got = serde_json::to_string(&shared.account_shared(park, *year, metrics)).unwrap();
        let want = serde_json::to_string(&own.account(park, *year, metrics)).unwrap();
        assert_eq!(got, want, "{park_id} {year}");
        provinces.insert(park.province.clone());
        years.insert(*year);
    }
    assert!(provinces.len() >= 10, "provinces: {provinces:?}");
    assert_eq!(years.len(), 3, "years: {years:?}");
}
