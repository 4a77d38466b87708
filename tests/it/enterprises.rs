//! Enterprises inside a park's boundary: the roll-up of their rows for the months each was
//! inside, the credit-code check, and located errors. Every expected number is worked out by hand
//! below.

use crate::{csv_rows, run};

const DIR: &str = "tests/data/enterprises";

/// Park E1 (jiangsu, 2022), three firms and the park's own rows (tests/data/enterprises):
///
/// - Firm A, inside all year: 12,000 MWh of grid power (a year row).
/// - Firm B, inside from 2022-07: 1,000 MWh a month, June to December; June is before it moved
///   in (a warning, left out): 6 x 1,000 = 6,000 MWh.
/// - Firm C, inside until 2022-03: a year row of 120 万m3 of natural gas counts for its three
///   months: 120 x 3/12 = 30 万m3 = 300,000 m3, as an estimate (grade C, a warning).
/// - The park's own rows: 500 MWh for shared utilities.
///
/// By hand:
///
/// ```text
/// grid power = 12,000 + 6,000 + 500 = 18,500 MWh
/// energy     = 18,500 x 0.1229 + 300,000 x 1.33 / 1,000 = 2,273.65 + 399 = 2,672.65 tce
/// CO2        = 18,500 x 0.5978 (jiangsu, 2022) + 300,000 x 2.1622 / 1,000
///            = 11,059.3 + 648.66 = 11,707.96 t; 4.381 tCO2/tce
/// ```
#[test]
fn a_park_is_the_sum_of_its_enterprises_for_the_months_inside() {
    let (code, out, _) = run(&["validate", DIR]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("activity.csv:3:2: enterprise 91330100799655058B was not inside the boundary of park E1 in 2022-06: the row is left out of the park"),
        "{out}"
    );
    assert!(
        out.contains("activity.csv:10:2: enterprise 91110000802100433B was inside the boundary of park E1 for 3 months of 2022: its year row counts for those months (x 3/12), as an estimate"),
        "{out}"
    );
    assert!(out.contains("0 errors, 2 warnings"), "{out}");
    let (code, out, _) = run(&["inventory", DIR, "--format", "csv"]);
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["energy_tce"], "2672.65");
    assert_eq!(rows[0]["co2_total_t"], "11707.96");
    assert_eq!(rows[0]["tce_natural_gas"], "399");
}

/// The same park by enterprise: each firm's energy, CO2 and share of the park's.
///
/// | enterprise | tce | tCO2 | share of tce | share of CO2 |
/// |---|---|---|---|---|
/// | park's own | 500 x 0.1229 = 61.45 | 500 x 0.5978 = 298.9 | 0.0230 | 0.0255 |
/// | Firm A | 1,474.8 | 7,173.6 | 1,474.8 / 2,672.65 = 0.5518 | 7,173.6 / 11,707.96 = 0.6127 |
/// | Firm B | 737.4 | 3,586.8 | 0.2759 | 0.3064 |
/// | Firm C | 399 | 648.66 | 0.1493 | 0.0554 |
#[test]
fn the_inventory_by_enterprise_says_who_drives_the_total() {
    let (code, out, _) = run(&["inventory", DIR, "--by", "enterprise", "--format", "csv"]);
    assert_eq!(code, 0, "{out}");
    let rows = csv_rows(&out);
    let get = |id: &str| rows.iter().find(|r| r["enterprise_id"] == id).unwrap();
    for (id, tce, co2, ts, cs) in [
        ("", "61.45", "298.9", "0.023", "0.0255"),
        ("91350100M000100Y43", "1474.8", "7173.6", "0.5518", "0.6127"),
        ("91330100799655058B", "737.4", "3586.8", "0.2759", "0.3064"),
        ("91110000802100433B", "399", "648.66", "0.1493", "0.0554"),
    ] {
        let r = get(id);
        assert_eq!(
            (
                r["energy_tce"].as_str(),
                r["co2_total_t"].as_str(),
                r["energy_share"].as_str(),
                r["co2_share"].as_str()
            ),
            (tce, co2, ts, cs),
            "{id}"
        );
    }
    assert_eq!(
        get("91350100M000100Y43")["name"],
        "Firm A (inside all year)"
    );
}

/// The pro-rated year row rests on an estimate: Firm C's 399 tce (14.9 % of the park's energy)
/// and 648.66 t (5.5 % of its CO2) are on grade C.
#[test]
fn a_pro_rated_year_row_is_an_estimate() {
    let (code, out, _) = run(&["inventory", DIR, "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let py = &json["years"][0];
    assert_eq!(py["energy_by_grade"][2], 399.0);
    assert!((py["co2_by_grade"][2].as_f64().unwrap() - 648.66).abs() < 1e-9);
}

fn case(enterprises: &str, activity: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country,province\nP1,Park one,CN,jiangsu\nP2,Park two,CN,jiangsu\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("enterprises.csv"),
        format!("park_id,enterprise_id,name,sector,in_boundary_from,in_boundary_to\n{enterprises}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        format!("park_id,enterprise_id,year,metric,value,unit\n{activity}"),
    )
    .unwrap();
    dir
}

/// Bad codes (check character), unknown enterprises, overlapping boundaries, months, metrics
/// that do not add up over enterprises: each an error at its cell, all at once, in both
/// languages.
#[test]
fn enterprise_problems_are_located_in_both_languages() {
    let dir = case(
        "P1,91350100M000100Y44,Bad check character,chemicals,,\n\
         P1,91330100799655058B,Firm B,electronics,2021-01,\n\
         P2,91330100799655058B,Firm B again,electronics,2022-06,2023-05\n\
         P1,91110000802100433B,Firm C,logistics,2022-13,2022-01\n",
        "P1,91330100799655058B,2022,electricity_grid,100,MWh\n\
         P1,91320500MA1M22220L,2022,electricity_grid,100,MWh\n\
         P1,91330100799655058B,2022,metering_coverage,90,%\n\
         P2,,2022,electricity_grid,100,MWh\n",
    );
    let d = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["validate", d]);
    assert_eq!(code, 1, "{out}");
    for want in [
        "enterprises.csv:2:2: not a unified social credit code",
        "(value \"91350100M000100Y44\", expected the 18-character unified social credit code (统一社会信用代码), e.g. 91350100M000100Y43)",
        "enterprises.csv:3:2: this enterprise is also inside a boundary at",
        "enterprises.csv:4 (park P2, from 2022-06)",
        "enterprises.csv:4:2: this enterprise is also inside a boundary at",
        "enterprises.csv:5:5: not a month (value \"2022-13\"",
        "activity.csv:3:2: enterprise not in the enterprises table of park P1 (value \"91320500MA1M22220L\"",
        "activity.csv:4:2: metering_coverage is the park's to report, not an enterprise's",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let (_, zh, _) = run(&["validate", d, "--lang", "zh"]);
    for want in [
        "enterprises.csv:2:2: 不是有效的统一社会信用代码",
        "activity.csv:3:2: 企业不在园区 P1 的企业表中",
        "同一时间一家企业只能位于一个园区的边界内",
    ] {
        assert!(zh.contains(want), "missing {want:?} in\n{zh}");
    }
}

/// Park-level files without enterprises are read exactly as before: an activity file with an
/// empty enterprise_id column is the park's own rows.
#[test]
fn an_empty_enterprise_column_is_the_park_s_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country,province\nP1,Park one,CN,jiangsu\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,enterprise_id,year,metric,value,unit\nP1,,2022,electricity_grid,1000,MWh\n",
    )
    .unwrap();
    let (code, out, _) = run(&["inventory", dir.path().to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(csv_rows(&out)[0]["co2_total_t"], "597.8");
}

/// A firm that moves in: the park's CO2 rises while the firms that were there cut theirs. The
/// report says who moved and compares like with like. Under the Jiangsu guide's accounting (the
/// province's average grid factor, 0.5978 tCO2/MWh in both years):
///
/// ```text
/// 2022: Firm A 12,000 MWh                -> 7,173.6 t (the park's total)
/// 2023: Firm A 11,000 MWh -> 6,575.8 t; Firm B (moves in 2023-01) 5,200 MWh -> 3,108.56 t
///       (639.08 tce); the park's total 9,684.36 t
/// like for like (Firm A): 7,173.6 -> 6,575.8 t, -8.3 %; the total: +35.0 %
/// ```
#[test]
fn the_report_says_who_moved_in_and_compares_like_with_like() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country,province\nP1,Park one,CN,jiangsu\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("enterprises.csv"),
        "park_id,enterprise_id,name,sector,in_boundary_from,in_boundary_to\n\
         P1,91350100M000100Y43,Firm A,chemicals,,\n\
         P1,91330100799655058B,Firm B,electronics,2023-01,\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,enterprise_id,year,metric,value,unit\n\
         P1,91350100M000100Y43,2022,electricity_grid,12000,MWh\n\
         P1,91350100M000100Y43,2023,electricity_grid,11000,MWh\n\
         P1,91330100799655058B,2023,electricity_grid,5200,MWh\n",
    )
    .unwrap();
    let out = dir.path().join("report");
    let (code, _, err) = run(&[
        "report",
        dir.path().to_str().unwrap(),
        "--benchmark",
        "cn-jiangsu-near-zero-2024",
        "--year",
        "2023",
        "--format",
        "md",
        "--draws",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(out.join("parks/P1.md")).unwrap();
    assert!(
        page.contains("Moved in since 2022: Firm B (639 tce, 3,110 tCO2 in 2023)."),
        "{page}"
    );
    assert!(
        page.contains("Like for like (the firms inside in both years and the park's own rows): 7,170 tCO2 in 2022, 6,580 in 2023 (-8.3 %); the park's total went from 7,170 to 9,680 tCO2 (+35.0 %)."),
        "{page}"
    );
}

/// Products against their limit standards (tests/data/products/worked-example.md): three
/// firms, four products, 2027. Graded against grade 2 (lower is better): the BOF converter step
/// -20 kgce/t against -28 misses it, cement clinker 98 against 107 and soda ash 320 against 320
/// meet it, sodium bicarbonate has no standard in the data (reported apart). Share by count of
/// graded products: 2 / 3 = 66.7 %, so the guiding indicator (every product) fails.
#[test]
fn products_against_their_limit_standards() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country,province\nwe-products,Products worked example,CN,hebei\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit\nwe-products,2027,electricity_grid,1000000,MWh\n",
    )
    .unwrap();
    std::fs::copy(
        "tests/data/products/products.csv",
        dir.path().join("products.csv"),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&[
        "score",
        d,
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rule = json["benchmarks"][0]["scores"][0]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "products_grade2")
        .unwrap()
        .clone();
    assert_eq!(format!("{:.4}", rule["value"].as_f64().unwrap()), "0.6667");
    assert_eq!(rule["status"], "fails");
    let report = dir.path().join("report");
    let (code, _, err) = run(&[
        "report",
        d,
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--format",
        "md",
        "--draws",
        "0",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(report.join("parks/we-products.md")).unwrap();
    assert!(
        page.contains("- Products worse than grade 2 of their energy limit standard: Crude steel, basic oxygen furnace (converter) process: -20 kgce/t against grade 2 -28 kgce/t (GB 21256-2025)"),
        "{page}"
    );
    assert!(
        page.contains("- Products not graded: sodium_bicarbonate: no limit standard in the data"),
        "{page}"
    );
}

/// A boundary that changes: changes over time compare like with like, the earlier years
/// restated over the firms inside now (tests/data/enterprises/restated). Park R1 (jiangsu), natural
/// gas only (2.1622 tCO2 per 1,000 m3 in every year), in 万m3:
///
/// | firm | inside | 2022 | 2023 | 2024 |
/// |---|---|---|---|---|
/// | A | always | 100 | 95 | 90 |
/// | B | until 2023-12 | 200 | 200 | — |
/// | C | from 2024-01 | (50, outside) | (50, outside) | 48 |
/// | D | from 2024-07 | — | — | 12 a year row: 6 inside (x 6/12, an estimate), 6 outside |
/// | the park's own rows | | 10 | 10 | 10 |
///
/// By hand, in 千m3 (x 2.1622 = tCO2):
///
/// ```text
/// as reported: 2022 = 1,000 + 2,000 + 100 = 3,100 (6,702.82 t); 2024 = 900 + 480 + 60 + 100
///              = 1,540 (3,329.788 t); linear change (1,540 - 3,100) / 3,100 / 2 = -25.16 %/yr
/// on the 2024 boundary (A, C, D and the park's rows; B left out; C with its rows from outside;
/// D has no rows before 2024: counted as not operating):
///              2022 = 1,000 + 500 + 100 = 1,600 (3,459.52 t); 2023 = 950 + 500 + 100 = 1,550
///              (3,351.41 t); linear change (1,540 - 1,600) / 1,600 / 2 = -1.875 %/yr
/// ```
///
/// Value added (万元): A 1,000 a year, B 1,000 in 2022 and 2023, C 500 a year (outside until
/// 2024). Energy at 1.33 tce per 1,000 m3; energy per value added on the 2024 boundary:
///
/// ```text
/// 2022: 1,600 x 1.33 / (1,000 + 500) = 2,128 / 1,500 = 1.41867 (as reported 4,123 / 2,000 = 2.0615)
/// 2023: 1,550 x 1.33 / 1,500 = 1.37433;  2024: 1,540 x 1.33 / 1,500 = 1.36547
/// ```
///
/// The SBTi-style rule asks -4.2 %/yr: as reported the park meets it only because B moved out;
/// like for like it does not. 2023's boundary (A, B) is 2022's: nothing is restated for 2023.
#[test]
fn the_base_year_is_restated_on_today_s_boundary() {
    let dir = "tests/data/enterprises/restated";
    let (code, out, _) = run(&["validate", dir]);
    assert_eq!(code, 0, "{out}");
    let (code, out, err) = run(&[
        "score",
        dir,
        "--benchmark",
        "sbti-1.5c-trajectory",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let scores = v["benchmarks"][0]["scores"].as_array().unwrap();
    let of = |year: i64| {
        scores
            .iter()
            .find(|s| s["year"] == year)
            .unwrap_or_else(|| panic!("no {year} in {out}"))
    };
    let rule = |s: &serde_json::Value| {
        s["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == "absolute_co2_reduction")
            .unwrap()
            .clone()
    };
    let r2024 = rule(of(2024));
    assert!(
        (r2024["value"].as_f64().unwrap() + 0.01875).abs() < 1e-12,
        "{r2024}"
    );
    assert_eq!(r2024["status"], "fails", "{r2024}");
    // The trajectory of energy per value added reads the restated years too.
    let t = of(2024)["trajectories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["indicator"] == "energy_per_value_added")
        .unwrap()
        .clone();
    let points: Vec<(i64, f64)> = t["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_i64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let want = [
        (2022, 2128.0 / 1500.0),
        (2023, 2061.5 / 1500.0),
        (2024, 2048.2 / 1500.0),
    ];
    assert_eq!(points.len(), want.len(), "{t}");
    for ((y, v), (wy, wv)) in points.iter().zip(want) {
        assert_eq!(*y, wy);
        assert!((v - wv).abs() < 1e-9, "{y}: {v} against {wv}");
    }
    // 2023's boundary is 2022's: as reported, (3,050 - 3,100) / 3,100 / 1.
    let r2023 = rule(of(2023));
    assert!(
        (r2023["value"].as_f64().unwrap() - (3050.0 - 3100.0) / 3100.0).abs() < 1e-12,
        "{r2023}"
    );
    // What was restated is said, firms by name.
    let notes = of(2024)["assumptions"].to_string();
    for want in [
        "2022, 2023 restated on the 2024 boundary",
        "leave out Firm B (91330100799655058B)",
        "count Firm C (91110000802100433B) with the rows from before they moved in",
        "Firm D (91320500MA1M22220L) has no rows for 2022, 2023: counted as not operating then",
    ] {
        assert!(notes.contains(want), "missing {want:?} in {notes}");
    }
    assert!(!of(2023)["assumptions"].to_string().contains("restated"));
}

/// Products against the park's enterprises and the standards' units, located: a firm the park's
/// enterprises table lacks is an error at its cell; a product of a year its firm was outside
/// the boundary is left out (a warning); a product in another unit than its standard's, or with
/// no standard in the data, is not graded (a warning), in both languages.
#[test]
fn product_lines_are_checked_against_enterprises_and_units() {
    let dir = case(
        "P1,91350100M000100Y43,Firm A,steel,,\n\
         P1,91330100799655058B,Firm B,cement,2023-01,\n",
        "P1,91350100M000100Y43,2022,electricity_grid,1000,MWh\n",
    );
    std::fs::write(
        dir.path().join("products.csv"),
        "park_id,enterprise_id,product,year,energy_per_unit,energy_unit\n\
         P1,91350100M000100Y43,crude_steel_bof,2022,-30,kgce/t\n\
         P1,91110000802100433B,cement_clinker,2022,98,kgce/t\n\
         P1,91330100799655058B,cement_clinker,2022,98,kgce/t\n\
         P1,91350100M000100Y43,crude_steel_bof,2022,-0.03,tce/t\n\
         P1,91350100M000100Y43,sodium_bicarbonate,2022,120,kgce/t\n",
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["validate", d]);
    assert_eq!(code, 1, "{out}");
    for want in [
        "products.csv:3:2: enterprise not in the enterprises table of park P1 (value \"91110000802100433B\"",
        "products.csv:4:2: enterprise 91330100799655058B was not inside the boundary of park P1 in 2022: its product is left out",
        "products.csv:5:6: crude_steel_bof is given in another unit than GB 21256",
        "(value \"tce/t\", expected kgce/t)",
        "products.csv:6: no limit standard for sodium_bicarbonate in the data",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let (_, zh, _) = run(&["validate", d, "--lang", "zh"]);
    for want in [
        "products.csv:4:2: 企业 91330100799655058B 在 2022 年不在园区 P1 的边界内",
        "products.csv:5:6: crude_steel_bof 的单位与 GB 21256",
    ] {
        assert!(zh.contains(want), "missing {want:?} in\n{zh}");
    }
}

/// Where a plan's measures land: each step's abatement shared over the firms in proportion to
/// their CO2 from the carriers it acts on. Park P1 (jiangsu, 2022), grid power only: Firm A
/// 12,000 MWh, Firm B 6,000 MWh, the park's own rows 2,000 MWh: every electricity measure lands
/// 60 % / 30 % / 10 % (the same grid factor for all), and the parts add up to the step.
#[test]
fn a_plan_is_shared_over_the_firms_by_what_each_measure_acts_on() {
    let dir = case(
        "P1,91350100M000100Y43,Firm A,chemicals,,\n\
         P1,91330100799655058B,Firm B,electronics,,\n",
        "P1,91350100M000100Y43,2022,electricity_grid,12000,MWh\n\
         P1,91330100799655058B,2022,electricity_grid,6000,MWh\n\
         P1,,2022,electricity_grid,2000,MWh\n",
    );
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&[
        "plan",
        d,
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let plan = v
        .pointer("/0/plans/0")
        .or_else(|| v.pointer("/plans/0"))
        .or_else(|| v.pointer("/benchmarks/0/plans/0"))
        .unwrap_or_else(|| panic!("no plan in {out}"));
    let steps = plan["steps"].as_array().unwrap();
    let firms = plan["firms"].as_array().unwrap();
    assert!(!steps.is_empty(), "{plan}");
    assert_eq!(firms.len(), steps.len(), "{plan}");
    for (step, f) in steps.iter().zip(firms) {
        assert_eq!(step["measure"], f["measure"]);
        let parts = f["parts"].as_array().unwrap();
        let shares: Vec<(String, f64)> = parts
            .iter()
            .map(|p| {
                (
                    p["enterprise_id"].as_str().unwrap().to_string(),
                    p["share"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            shares.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
            ["91350100M000100Y43", "91330100799655058B", ""],
            "{f}"
        );
        for (got, want) in shares.iter().zip([0.6, 0.3, 0.1]) {
            assert!((got.1 - want).abs() < 1e-12, "{f}");
        }
        let sum: f64 = parts
            .iter()
            .map(|p| p["abatement_t"].as_f64().unwrap())
            .sum();
        let step_t = step["abatement_t"].as_f64().unwrap();
        assert!((sum - step_t).abs() <= 1e-9 * step_t.max(1.0), "{f}");
    }
}
