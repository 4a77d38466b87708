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

/// The arithmetic of NATIONAL-METHOD.md: 1,000 MWh of grid power not proven green is 832.5 t
/// over 122.9 tce = 6.774 tCO2/tce; with 600 MWh of it covered by GEC retired for the park (400
/// MWh left on `electricity_grid`, 600 on `electricity_green_certificates`): 400 x 0.8325 =
/// 333.0 t over 1,000 x 0.1229 = 122.9 tce, 2.710 tCO2/tce.
#[test]
fn certificates_cover_grid_power_at_the_fossil_factor() {
    let rows = inventory("tests/data/national", Some(SET));
    let b = "n910-b";
    assert_eq!(fmt(num(&rows, b, "energy_tce"), 1), "122.9");
    assert_eq!(fmt(num(&rows, b, "co2_total_t"), 1), "333.0");
    // (The CSV keeps 4 decimals, 2.7095: the ratio of the totals gives the third.)
    assert_eq!(
        fmt(
            num(&rows, b, "co2_total_t") / num(&rows, b, "energy_tce"),
            3
        ),
        "2.710"
    );
    // Physical green power and certificates apart: b has certificates only, a both.
    assert_eq!(num(&rows, b, "electricity_green_physical_mwh"), 0.0);
    assert_eq!(num(&rows, b, "electricity_green_certificate_mwh"), 600.0);
    assert_eq!(
        num(&rows, "n910-a", "electricity_green_physical_mwh"),
        1500.0
    );
    assert_eq!(
        num(&rows, "n910-a", "electricity_green_certificate_mwh"),
        3000.0
    );
}

fn scores(dir: &str) -> serde_json::Value {
    let (code, out, err) = run(&["score", dir, "--benchmark", SET, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).unwrap()["benchmarks"][0].clone()
}

fn score_of<'a>(set: &'a serde_json::Value, park: &str) -> &'a serde_json::Value {
    set["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["park_id"] == park)
        .unwrap()
}

/// Large all-electric parks (2,000,000 MWh, 245,800 tce: the 200,000-1,000,000 band, tier 0.20):
/// 50,000 MWh of grid power (A), 1,200,000 MWh green power trading (A), 750,000 MWh on-site PV.
///
///     core = 50,000 x 0.8325 / (2,000,000 x 0.1229) = 41,625 / 245,800 = 0.169 tCO2/tce: meets
///
/// In v the on-site power is estimated (grade C): 750,000 x 0.1229 = 92,175 tce, 37.5 % of the
/// energy (0 % of the CO2) rests on an estimate, above the set's 0: the gate reads "to be
/// verified", never "meets", and the park cannot be "ready". In w the same power is recomputed
/// from meter readings (grade B): the gate is met.
#[test]
fn a_gate_met_on_estimated_data_is_to_be_verified() {
    let set = scores("tests/data/national");
    for (park, status, gate, low) in [
        ("n910-v", "to_verify", "to_verify", 0.375),
        ("n910-w", "meets", "passed", 0.0),
    ] {
        let s = score_of(&set, park);
        let core = &s["rules"][0];
        assert_eq!(core["rule"], "core_co2_per_tce");
        assert_eq!(fmt(core["value"].as_f64().unwrap(), 3), "0.169", "{park}");
        assert_eq!(core["threshold"]["value"], 0.2);
        assert_eq!(core["status"], status, "{park}");
        assert_eq!(s["gate"], gate, "{park}");
        assert_eq!(
            fmt(core["low_grade_share"].as_f64().unwrap(), 3),
            fmt(low, 3)
        );
        assert_ne!(s["level"], "ready");
    }
    let v = score_of(&set, "n910-v");
    assert!(
        v["rules"][0]["note"]
            .as_str()
            .unwrap()
            .starts_with("38 % of the value rests on estimates"),
        "{}",
        v["rules"][0]["note"]
    );
    assert!(v["reason_en"].as_str().unwrap().contains("to be verified"));
    assert!(v["reason_zh"].as_str().unwrap().contains("待核实"));
}

/// Parks below 200,000 tce/yr: no source gives them a tier. The value is shown, the gate reads
/// "tier unconfirmed" (neither met nor failed) and no level is set.
#[test]
fn parks_below_the_bands_have_their_tier_unconfirmed() {
    let set = scores("tests/data/national");
    for park in ["n910-a", "n910-b", "n910-c"] {
        let s = score_of(&set, park);
        let core = &s["rules"][0];
        assert_eq!(core["status"], "tier_unconfirmed", "{park}");
        assert!(core["value"].as_f64().is_some());
        assert!(core["threshold"].is_null());
        assert!(core["points"].is_null());
        assert_eq!(s["gate"], "tier_unconfirmed");
        assert_eq!(s["level"], "undetermined");
        assert!(
            s["reason_en"]
                .as_str()
                .unwrap()
                .contains("no confirmed tier")
        );
    }
    // The estimated half of c's grid power: 30,000 x 0.8325 = 24,975 t of 120,767 t (20.7 %)
    // and 3,687 tce of 35,130 tce (10.5 %); the larger share is the rule's.
    let c = score_of(&set, "n910-c");
    assert_eq!(
        fmt(c["rules"][0]["low_grade_share"].as_f64().unwrap(), 3),
        "0.207"
    );
}

/// Each open point's number beside the set's own (national-910-worked.md):
///
/// | park | 附件4 | average grid | generation basis (0.300) | both |
/// |---|---|---|---|---|
/// | a | 4.123 | 7,000 x 0.5366 / 1,413.35 = 2.658 | 5,827.5 / 3,450 = 1.689 | 3,756.2 / 3,450 = 1.089 |
/// | c | 3.438 | 103,013 / 35,130 = 2.932 | 120,767 / 45,756 = 2.639 | 103,013 / 45,756 = 2.251 |
/// | v | 0.169 | 50,000 x 0.5366 / 245,800 = 0.109 | 41,625 / 600,000 = 0.069 | 26,830 / 600,000 = 0.045 |
///
/// Under the generation basis v uses 600,000 tce: still in the medium band.
#[test]
fn the_alternative_readings_are_computed_beside_the_set_s_own() {
    let set = scores("tests/data/national");
    let alts = set["alternatives"].as_array().unwrap();
    let ids: Vec<&str> = alts.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "average_grid",
            "generation_basis",
            "average_grid_generation_basis"
        ]
    );
    let value = |alt: usize, park: &str| {
        let r = alts[alt]["readings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["park_id"] == park)
            .unwrap();
        fmt(r["co2_per_tce"].as_f64().unwrap(), 3)
    };
    for (park, want) in [
        ("n910-a", ["2.658", "1.689", "1.089"]),
        ("n910-c", ["2.932", "2.639", "2.251"]),
        ("n910-v", ["0.109", "0.069", "0.045"]),
    ] {
        for (i, w) in want.iter().enumerate() {
            assert_eq!(&value(i, park), w, "{park} under {}", ids[i]);
        }
    }
    let v_gen = alts[1]["readings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["park_id"] == "n910-v")
        .unwrap();
    assert_eq!(v_gen["energy_tce"], 600000.0);
    assert_eq!(v_gen["band"]["band"], "medium");
}

/// The evidence column: A-D, either case; a word it does not know and a grade that contradicts
/// the row's quality are errors with their cell, all at once.
#[test]
fn evidence_grades_are_read_and_bad_ones_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        "tests/data/national/parks.csv",
        dir.path().join("parks.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit,quality,evidence\n\
         n910-a,2022,electricity_grid,7000,MWh,measured,b\n\
         n910-b,2022,electricity_grid,400,MWh,,E\n\
         n910-c,2022,electricity_grid,400,MWh,measured,C\n",
    )
    .unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("activity.csv:3:7: unknown evidence grade (value \"E\", expected A (metered or invoiced)"),
        "{out}"
    );
    assert!(
        out.contains("activity.csv:4:7: the evidence grade contradicts the quality cell of the row (value \"C\", expected A or B for a measured value, C or D for an estimated one (quality says \"measured\"))"),
        "{out}"
    );
    assert!(!out.contains("activity.csv:2:"), "{out}");
}

/// A programme's files with a certificate ledger, written into a folder.
fn ledger_case(activity: &str, certificates: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country,province,sector\n\
         L1,Ledger park one,CN,jiangsu,electronics\n\
         L2,Ledger park two,CN,jiangsu,electronics\n\
         L3,Ledger park three,CN,jiangsu,electronics\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        format!("park_id,year,metric,value,unit\n{activity}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("certificates.csv"),
        format!(
            "certificate_id,park_id,enterprise_id,generation_period,mwh,kind,retired\n{certificates}"
        ),
    )
    .unwrap();
    dir
}

fn validate(dir: &tempfile::TempDir) -> (i32, String) {
    let (code, out, err) = run(&["validate", dir.path().to_str().unwrap()]);
    (code, format!("{out}{err}"))
}

/// The same certificate id claimed twice: by two parks, by two enterprises of one park, in two
/// years. Each time an error on both lines, each naming the other, and the parks are left out;
/// a park with clean certificates is not.
#[test]
fn a_certificate_claimed_twice_is_an_error_on_both_lines() {
    let activity = "L1,2023,electricity_grid,5000,MWh\n\
                    L1,2023,electricity_green_certificates,2000,MWh\n\
                    L2,2023,electricity_grid,4000,MWh\n\
                    L2,2023,electricity_green_certificates,1500,MWh\n\
                    L3,2023,electricity_grid,4000,MWh\n\
                    L3,2023,electricity_green_certificates,1000,MWh\n";
    // Two parks.
    let dir = ledger_case(
        activity,
        "GEC-1,L1,,2023-03,1000,gec,yes\n\
         GEC-2,L1,,2023-04,1000,gec,yes\n\
         GEC-3,L2,,2023-05,1000,gec,yes\n\
         GEC-2,L2,,2023-07,500,gec,yes\n\
         GEC-4,L3,,2023-01,1000,gec,yes\n",
    );
    let (code, out) = validate(&dir);
    assert_eq!(code, 1, "{out}");
    let line = |n: u32| {
        out.lines()
            .find(|l| {
                l.contains(&format!(
                    "certificates.csv:{n}:1: this certificate is also claimed at "
                ))
            })
            .unwrap_or_else(|| panic!("no error on line {n}:\n{out}"))
            .to_string()
    };
    assert!(line(3).contains("certificates.csv:5 (park L2, enterprise —, generated 2023-07): green power is counted once (value \"GEC-2\""), "{out}");
    assert!(
        line(5).contains("certificates.csv:3 (park L1, enterprise —, generated 2023-04)"),
        "{out}"
    );
    let (code, out, _) = run(&[
        "score",
        dir.path().to_str().unwrap(),
        "--benchmark",
        SET,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1);
    let parks: std::collections::BTreeSet<String> = csv_rows(&out)
        .into_iter()
        .map(|r| r["park_id"].clone())
        .collect();
    assert_eq!(parks, ["L3".to_string()].into());

    // Two enterprises of one park, and two years of one park.
    for (second, names) in [
        (
            "GEC-1,L1,91350100M000100Y43,2023-03,1000,gec,yes",
            "enterprise 91350100M000100Y43",
        ),
        ("GEC-1,L1,E-A,2022-12,1000,gec,yes", "generated 2022-12"),
    ] {
        let dir = ledger_case(
            activity,
            &format!(
                "GEC-1,L1,E-A,2023-03,1000,gec,yes\n{second}\nGEC-3,L2,,2023-05,1500,gec,yes\n"
            ),
        );
        let (code, out) = validate(&dir);
        assert_eq!(code, 1, "{out}");
        let at = |n: u32, other: u32| {
            out.lines().any(|l| {
                l.contains(&format!(
                    "certificates.csv:{n}:1: this certificate is also claimed at "
                )) && l.contains(&format!("certificates.csv:{other} (park L1, "))
            })
        };
        assert!(at(2, 3) && at(3, 2), "{out}");
        assert!(out.contains(names), "{out}");
    }
}

/// Green electricity claimed above the certificates retired for the park: an error at the
/// claim, naming both amounts. Certificates not retired do not count (a warning says so); green
/// power without its class is checked against what the classes leave over; a ledger row for an
/// unknown park is an error.
#[test]
fn claims_above_the_retired_certificates_are_errors() {
    let dir = ledger_case(
        "L1,2023,electricity_grid,5000,MWh\n\
         L1,2023,electricity_green_certificates,2000,MWh\n\
         L2,2023,electricity_grid,4000,MWh\n\
         L2,2023,electricity_green_traded,1000,MWh\n\
         L3,2023,electricity_grid,4000,MWh\n\
         L3,2023,electricity_green_certificates,500,MWh\n\
         L3,2023,electricity_green_purchased,600,MWh\n",
        "GEC-1,L1,,2023-03,1500,gec,yes\n\
         GEC-2,L1,,2023-04,500,gec,no\n\
         GPT-1,L2,,2023-06,800,green_power_trading,yes\n\
         GEC-3,L3,,2023-02,1000,gec,yes\n\
         GEC-9,L9,,2023-01,100,gec,yes\n",
    );
    let (code, out) = validate(&dir);
    assert_eq!(code, 1, "{out}");
    for want in [
        // L1: 2,000 claimed, 1,500 retired (the 500 not retired do not count).
        "activity.csv:3:4: park L1 2023: 2000 MWh claimed as electricity_green_certificates, but the ledger retires 1500 MWh of that kind for the park in 2023 (value \"2000 MWh\", expected at most 1500 MWh)",
        "certificates.csv:3:7: certificate not retired",
        // L2: 1,000 traded, 800 retired.
        "activity.csv:5:4: park L2 2023: 1000 MWh claimed as electricity_green_traded, but the ledger retires 800 MWh",
        // L3: 1,000 retired, 500 claimed by class, 600 lumped > the 500 left.
        "activity.csv:8:4: park L3 2023: 600 MWh of green electricity without its class (electricity_green_purchased), but only 500 MWh",
        "certificates.csv:6:2: certificate for a park that no parks table defines (value \"L9\")",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    // Within what is held: no error.
    let dir = ledger_case(
        "L1,2023,electricity_grid,5000,MWh\n\
         L1,2023,electricity_green_certificates,1500,MWh\n\
         L3,2023,electricity_grid,4000,MWh\n\
         L3,2023,electricity_green_certificates,500,MWh\n\
         L3,2023,electricity_green_purchased,500,MWh\n",
        "GEC-1,L1,,2023-03,1500,gec,yes\n\
         GEC-3,L3,,2023-02,1000,gec,yes\n",
    );
    let (code, out) = validate(&dir);
    assert_eq!(code, 0, "{out}");
}

/// Bad ledger cells are located, all at once.
#[test]
fn bad_ledger_cells_are_located() {
    let dir = ledger_case(
        "L1,2023,electricity_grid,5000,MWh\n",
        ",L1,,2023-13,-5,rec,maybe\n",
    );
    let (code, out) = validate(&dir);
    assert_eq!(code, 1, "{out}");
    for want in [
        "certificates.csv:2:1: certificate without an id",
        "certificates.csv:2:4: not a generation month (value \"2023-13\", expected YYYY-MM, e.g. 2024-03)",
        "certificates.csv:2:5: not an amount of electricity (value \"-5\"",
        "certificates.csv:2:6: unknown certificate kind (value \"rec\", expected gec, green_power_trading or direct_supply)",
        "certificates.csv:2:7: retired is neither yes nor no (value \"maybe\"",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
}

/// The cases as an operator's workbook holds them, written by openpyxl (`make.py`): Chinese sheet
/// names and headers, metrics by their Chinese names, 实测/估算, the evidence column and the
/// certificate ledger as a sheet 绿证. Scored, it gives what its plain-CSV twin (this folder's
/// CSV files, the ledger included) gives, value for value.
#[test]
fn an_openpyxl_workbook_scores_as_its_csv_twin() {
    let strip = |mut v: serde_json::Value| {
        // Only the scores and the alternative readings: the set is the same by construction.
        let set = v.as_object_mut().unwrap();
        serde_json::json!({ "scores": set.remove("scores"), "alternatives": set.remove("alternatives") })
    };
    let book = strip(scores("tests/data/national/book/national.xlsx"));
    let csv = strip(scores("tests/data/national"));
    assert_eq!(book, csv);
    let (code, out, _) = run(&["validate", "tests/data/national/book/national.xlsx"]);
    assert_eq!(code, 0, "{out}");
}

/// Purchased heat at the heating plant's measured factor when the park gives it, else 0.11
/// tCO2/GJ. 200,000 GJ of heat and 10,000 MWh of grid power (2022):
///
///     energy = 200,000 x 0.0341 + 10,000 x 0.1229 = 6,820 + 1,229 = 8,049 tce
///     CO2, measured 95 kgCO2/GJ = 200,000 x 0.095 + 10,000 x 0.8325 = 19,000 + 8,325 = 27,325 t
///     core   = 27,325 / 8,049 = 3.395 tCO2/tce (3.768 at the default 0.11: 30,325 t)
#[test]
fn a_measured_heat_factor_replaces_the_default() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country\nh,Heat park,CN\nh0,Heat park without a measured factor,CN\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit\n\
         h,2022,heat_purchased,200000,GJ\n\
         h,2022,外购热力实测排放因子,95,kgCO2/GJ\n\
         h,2022,electricity_grid,10000,MWh\n\
         h0,2022,heat_purchased,200000,GJ\n\
         h0,2022,electricity_grid,10000,MWh\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let rows = inventory(d, Some(SET));
    assert_eq!(fmt(num(&rows, "h", "energy_tce"), 0), "8049");
    assert_eq!(fmt(num(&rows, "h", "co2_heat_purchased_t"), 1), "19000.0");
    assert_eq!(fmt(num(&rows, "h", "co2_total_t"), 0), "27325");
    assert_eq!(
        fmt(
            num(&rows, "h", "co2_total_t") / num(&rows, "h", "energy_tce"),
            3
        ),
        "3.395"
    );
    assert_eq!(fmt(num(&rows, "h0", "co2_total_t"), 0), "30325");
    // The factor used is listed with the park as its source.
    let (code, out, _) = run(&["inventory", d, "--benchmark", SET, "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let h = json
        .as_array()
        .or_else(|| json["years"].as_array())
        .unwrap()
        .iter()
        .find(|y| y["park_id"] == "h")
        .unwrap();
    let factor = h["factors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["source"] == "heat_purchased_co2_factor")
        .unwrap();
    assert_eq!(factor["value"], 0.095);
    assert_eq!(factor["status"], "reported");
}

/// What a hostile tester found, each a case: a park using exactly 200,000 tce is in the medium
/// band (1,627,230 MWh x 0.1229 + 10,100 m3 x 0.00133 = 199,986.567 + 13.433 = 200,000.000 tce,
/// a few ulps short in floating point): CO2 = 30,000 x 0.8325 + 10,100 x 0.0021622 = 24,996.84
/// t, 0.125 tCO2/tce, the gate met.
#[test]
fn a_park_on_the_band_bound_is_inside_the_band() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country\nx200k,Park on the bound,CN\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit\n\
         x200k,2022,electricity_grid,30000,MWh\n\
         x200k,2022,electricity_green_traded,1597230,MWh\n\
         x200k,2022,natural_gas,10100,m3\n",
    )
    .unwrap();
    let set = scores(dir.path().to_str().unwrap());
    let s = score_of(&set, "x200k");
    assert_eq!(s["band"]["band"], "medium", "{}", s["band"]);
    assert_eq!(fmt(s["rules"][0]["value"].as_f64().unwrap(), 3), "0.125");
    assert_eq!(s["gate"], "passed");
}

/// A ledger in one folder names a park whose files are in another: its claims are checked
/// against it (5,000 MWh claimed, 1,000 retired).
#[test]
fn a_ledger_checks_the_parks_it_names_in_other_folders() {
    let (north, south) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(
        north.path().join("parks.csv"),
        "park_id,name,country\nn1,North,CN\n",
    )
    .unwrap();
    std::fs::write(
        north.path().join("activity.csv"),
        "park_id,year,metric,value,unit\nn1,2022,electricity_grid,1000,MWh\n",
    )
    .unwrap();
    std::fs::write(
        north.path().join("certificates.csv"),
        "certificate_id,park_id,generation_period,mwh,kind,retired\nGEC-S2,s2,2022-04,1000,gec,yes\n",
    )
    .unwrap();
    std::fs::write(
        south.path().join("parks.csv"),
        "park_id,name,country\ns2,South,CN\n",
    )
    .unwrap();
    std::fs::write(
        south.path().join("activity.csv"),
        "park_id,year,metric,value,unit\n\
         s2,2022,electricity_grid,1000,MWh\n\
         s2,2022,electricity_green_certificates,5000,MWh\n",
    )
    .unwrap();
    let (code, out, _) = run(&[
        "validate",
        north.path().to_str().unwrap(),
        south.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("park s2 2022: 5000 MWh claimed as electricity_green_certificates, but the ledger retires 1000 MWh"),
        "{out}"
    );
}

/// The ledger as a workbook of its own beside the CSV files, its sheet named as operators name it
/// (绿证台账), the generation month a date cell formatted yyyy-mm (a day of the month inside).
#[test]
fn a_ledger_workbook_with_date_cells_is_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country\nb1,Book park,CN\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit\n\
         b1,2022,electricity_grid,1000,MWh\n\
         b1,2022,electricity_green_certificates,1500,MWh\n",
    )
    .unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("绿证台账").unwrap();
    let month = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm");
    for (c, h) in [
        "证书编号",
        "园区编号",
        "发电年月",
        "电量",
        "证书类型",
        "是否注销",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (id, day, mwh)) in [("GEC-1", 1, 1000.0), ("GEC-2", 15, 500.0)]
        .iter()
        .enumerate()
    {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *id).unwrap();
        sheet.write_string(r, 1, "b1").unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2022, 5, *day).unwrap();
        sheet
            .write_datetime_with_format(r, 2, &date, &month)
            .unwrap();
        sheet.write_number(r, 3, *mwh).unwrap();
        sheet.write_string(r, 4, "绿证").unwrap();
        sheet.write_string(r, 5, "是").unwrap();
    }
    book.save(dir.path().join("ledger.xlsx")).unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // 1,500 claimed, 1,500 retired: b1 counts them at zero (1,000 x 0.8325 / 2,500 x 0.1229).
    let rows = inventory(dir.path().to_str().unwrap(), Some(SET));
    assert_eq!(fmt(num(&rows, "b1", "co2_total_t"), 1), "832.5");
}

/// A park outside China scored against the national set: the fossil-power factor is China's, so
/// the park's average grid intensity stands in and the park's assumptions say so.
#[test]
fn a_park_outside_china_is_told_the_national_factor_does_not_apply() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country\nvn1,Viet Nam park,VN\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit\nvn1,2021,electricity_grid,20000,MWh\n",
    )
    .unwrap();
    let set = scores(dir.path().to_str().unwrap());
    let a = score_of(&set, "vn1")["assumptions"].to_string();
    assert!(a.contains("published for China only"), "{a}");
}
