//! The national zero-carbon park method (附件4 of 发改环资〔2025〕910号 as secondary sources read
//! it): grid power not proven green at the national fossil-power factor, green classes at zero,
//! certificates counted once, evidence grades. Every expected number is worked out by hand below
//! and in `tests/data/products/national-910-worked.md`, to the published precision (3 decimals of
//! tCO2/tce, 1 decimal of t and tce).

use crate::{csv_rows, run};
use std::collections::BTreeMap;

const SET: &str = "cn-zero-carbon-park-2025";

type Rows = Vec<BTreeMap<String, String>>;

fn inventory(dir: &str, set: Option<&str>) -> Rows {
    let mut args = vec!["inventory", dir, "--format", "csv"];
    if let Some(s) = set {
        args.extend(["--benchmark", s]);
    }
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    csv_rows(&out)
}

fn num(rows: &Rows, park: &str, col: &str) -> f64 {
    let r = rows
        .iter()
        .find(|r| r["park_id"] == park)
        .unwrap_or_else(|| panic!("no park {park}"));
    r[col]
        .parse()
        .unwrap_or_else(|_| panic!("{park}.{col} = {:?}", r[col]))
}

fn fmt(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}")
}

/// Case (a): 7,000 MWh grid power not proven green, 3,000 MWh covered by GEC retired for the
/// park, 1,500 MWh on-site PV (national-910-worked.md, case a).
///
///     CO2    = 7,000 x 0.8325            = 5,827.5 t
///     energy = (7,000 + 3,000 + 1,500) x 0.1229 = 1,413.35 tce
///     core   = 5,827.5 / 1,413.35        = 4.123 tCO2/tce
///     location-based scope 2 = (7,000 + 3,000) x 0.5366 = 5,366.0 t (PV came over no grid)
#[test]
fn all_electric_park_under_the_national_reading() {
    let rows = inventory("tests/data/national", Some(SET));
    let a = "n910-a";
    assert_eq!(fmt(num(&rows, a, "energy_tce"), 2), "1413.35");
    assert_eq!(fmt(num(&rows, a, "co2_scope2_market_t"), 1), "5827.5");
    assert_eq!(fmt(num(&rows, a, "co2_total_t"), 1), "5827.5");
    assert_eq!(fmt(num(&rows, a, "co2_per_tce"), 3), "4.123");
    assert_eq!(fmt(num(&rows, a, "co2_scope2_location_t"), 1), "5366.0");
    assert_eq!(num(&rows, a, "co2_electricity_green_certificates_t"), 0.0);
    assert_eq!(num(&rows, a, "co2_electricity_onsite_renewable_t"), 0.0);
}

/// Case (c): coal, gas, heat and 60,000 MWh of grid power (national-910-worked.md, case c).
///
///     energy = 14,286 + 6,650 + 6,820 + 7,374           = 35,130 tce
///     CO2    = 38,006 + 10,811 + 22,000 + 60,000 x 0.8325 = 120,767 t
///     core   = 120,767 / 35,130                          = 3.438 tCO2/tce
#[test]
fn mixed_park_under_the_national_reading() {
    let rows = inventory("tests/data/national", Some(SET));
    let c = "n910-c";
    assert_eq!(fmt(num(&rows, c, "energy_tce"), 0), "35130");
    assert_eq!(fmt(num(&rows, c, "co2_electricity_grid_t"), 1), "49950.0");
    assert_eq!(fmt(num(&rows, c, "co2_heat_purchased_t"), 1), "22000.0");
    assert_eq!(fmt(num(&rows, c, "co2_total_t"), 0), "120767");
    assert_eq!(fmt(num(&rows, c, "co2_per_tce"), 3), "3.438");
}

/// Without a set, parkbench's defaults: grid power at the average factor (0.5366 nationally in
/// 2022), every green class at zero: (a) 7,000 x 0.5366 = 3,756.2 t, 3,756.2 / 1,413.35 = 2.658;
/// (c) 103,013 / 35,130 = 2.932.
#[test]
fn other_readings_keep_the_average_grid_factor() {
    let rows = inventory("tests/data/national", None);
    assert_eq!(fmt(num(&rows, "n910-a", "co2_total_t"), 1), "3756.2");
    assert_eq!(fmt(num(&rows, "n910-a", "co2_per_tce"), 3), "2.658");
    assert_eq!(fmt(num(&rows, "n910-c", "co2_per_tce"), 3), "2.932");
    // Location-based scope 2 is the same under both readings.
    let national = inventory("tests/data/national", Some(SET));
    for p in ["n910-a", "n910-c"] {
        assert_eq!(
            num(&rows, p, "co2_scope2_location_t"),
            num(&national, p, "co2_scope2_location_t")
        );
    }
}
