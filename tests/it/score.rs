//! `parkbench score`: every method, gates, missing vs zero, waivers, bands, milestones,
//! projections, custom and broken set files.

use crate::{csv_rows, run};
use std::collections::BTreeMap;

type Row = BTreeMap<String, String>;

fn score(extra: &[&str]) -> Vec<Row> {
    let mut args = vec![
        "score",
        "tests/data/scoring",
        "--set",
        "tests/data/sets/test-methods.toml",
        "--year",
        "2024",
        "--format",
        "csv",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    csv_rows(&out)
}

fn rule<'a>(rows: &'a [Row], park: &str, rule: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["park_id"] == park && r["rule"] == rule)
        .unwrap_or_else(|| panic!("no row {park}/{rule}"))
}

#[test]
fn linear_points_match_the_worked_example() {
    // WORKED-EXAMPLES.md: reference 2.1, target 0.2, value 1.15 -> 50.0 points.
    let rows = score(&[]);
    let r = rule(&rows, "lin", "gate");
    assert_eq!(r["value"], "1.15");
    assert_eq!(r["threshold"], "0.2");
    assert_eq!(r["points"], "50");
    assert_eq!(r["status"], "fails");
    assert_eq!(r["source_status"], "secondary");
    // 141.335 - 0.2 x 122.9 = 116.755 tCO2 to cut; no grid power to green.
    assert!(
        r["gap"]
            .starts_with("cut 117 tCO2 at today's energy use; the park buys no grid electricity"),
        "{}",
        r["gap"]
    );
}

#[test]
fn threshold_tiers_and_ratio_methods() {
    let rows = score(&[]);
    assert_eq!(rule(&rows, "lin", "water")["points"], "100");
    assert_eq!(rule(&rows, "lin", "water")["status"], "meets");
    // 85 % metering reaches the 0.8 tier (80 points) and the 0.8 threshold.
    assert_eq!(rule(&rows, "lin", "metering")["points"], "80");
    assert_eq!(rule(&rows, "lin", "metering")["status"], "meets");
    assert_eq!(rule(&rows, "nogate", "metering")["points"], "100");
    // 1.5 万元/tce against a leading value of 3: ratio 0.5 -> 50 points.
    assert_eq!(rule(&rows, "lin", "productivity")["value"], "1.5");
    assert_eq!(rule(&rows, "lin", "productivity")["points"], "50");
    assert_eq!(rule(&rows, "lin", "productivity")["status"], "fails");
}

#[test]
fn missing_is_not_zero() {
    let rows = score(&[]);
    let miss = rule(&rows, "miss", "water");
    assert_eq!(miss["status"], "missing");
    assert_eq!(miss["points"], "");
    assert_eq!(miss["value"], "");
    let lin = rule(&rows, "lin", "overall");
    let m = rule(&rows, "miss", "overall");
    // lin: (40x50 + 10x100 + 10x80 + 10x50 + 10x100) / 80 = 66.25; the optional rule is left out.
    assert_eq!(lin["points"], "66.25");
    assert_eq!(lin["coverage"], "1");
    // miss: the water rule leaves the mean (4300 / 70) and lowers coverage to 70 / 80.
    assert_eq!(m["points"], "61.43");
    assert_eq!(m["coverage"], "0.875");
}

#[test]
fn a_reported_zero_scores_zero_unless_waived() {
    let rows = score(&[]);
    let w = rule(&rows, "zero", "water");
    assert_eq!(w["status"], "waived");
    assert_eq!(w["value"], "0");
    // The gate cannot be waived: it is scored as usual.
    assert_eq!(rule(&rows, "zero", "gate")["status"], "fails");
    // Waived rules leave the applicable weight: coverage stays 1.
    assert_eq!(rule(&rows, "zero", "overall")["coverage"], "1");

    let dir = tempfile::tempdir().unwrap();
    for f in ["parks.csv", "activity.csv"] {
        std::fs::copy(crate::data("scoring").join(f), dir.path().join(f)).unwrap();
    }
    let (code, out, _) = run(&[
        "score",
        dir.path().to_str().unwrap(),
        "--set",
        "tests/data/sets/test-methods.toml",
        "--year",
        "2024",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    let w = rule(&rows, "zero", "water");
    assert_eq!(w["status"], "fails");
    assert_eq!(w["points"], "0");
}

#[test]
fn gates_decide_the_top_level_and_missing_gates_make_it_undetermined() {
    let rows = score(&[]);
    // lin fails its gate: it cannot be "ready" whatever it scores.
    assert_eq!(rule(&rows, "lin", "overall")["status"], "gate_failed");
    assert_eq!(rule(&rows, "lin", "overall")["level"], "near");
    assert_eq!(rule(&rows, "nogate", "overall")["status"], "gate_missing");
    assert_eq!(rule(&rows, "nogate", "overall")["level"], "undetermined");
}

#[test]
fn size_band_chooses_the_threshold_and_coverage_limits_the_level() {
    let rows = score(&[]);
    let g = rule(&rows, "big", "gate");
    // 245,800 tce is in the "big" band: 0.25 meets 0.30 (it would fail the small band's 0.20).
    assert_eq!(g["threshold"], "0.3");
    assert_eq!(g["status"], "meets");
    let o = rule(&rows, "big", "overall");
    assert_eq!(o["points"], "100");
    // Only 50 of 80 weight assessed: 0.625 < 0.8 needed for "ready".
    assert_eq!(o["coverage"], "0.625");
    assert_eq!(o["level"], "near");
}

#[test]
fn milestones_follow_the_data_year_or_the_one_asked_for() {
    let rows = score(&[]);
    assert_eq!(rule(&rows, "lin", "clean")["threshold"], "0.5");
    let rows = score(&["--milestone", "2030"]);
    assert_eq!(rule(&rows, "lin", "clean")["threshold"], "0.95");
}

#[test]
fn projections_to_milestones_in_json() {
    let (code, out, _) = run(&[
        "score",
        "tests/data/scoring",
        "--set",
        "tests/data/sets/test-methods.toml",
        "--year",
        "2024",
        "--park",
        "lin",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let score = &v["benchmarks"][0]["scores"][0];
    let t = score["trajectories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["rule"] == "gate")
        .unwrap();
    // 1.5 (2023) -> 1.15 (2024): least-squares slope -0.35 per year.
    assert!((t["slope_per_year"].as_f64().unwrap() + 0.35).abs() < 1e-9);
    assert_eq!(score["level"], "near");
    assert!(score["assumptions"].is_array());
}

#[test]
fn a_custom_set_file_works_and_a_broken_one_points_at_the_line() {
    let (code, _, err) = run(&[
        "score",
        "tests/data/scoring",
        "--set",
        "tests/data/sets/broken.toml",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("tests/data/sets/broken.toml: 14:13: rule r1: unknown indicator \"co2_per_tonne\"; did you mean \"co2_per_tce\"?"), "{err}");
    let (code, _, err) = run(&[
        "score",
        "tests/data/scoring",
        "--set",
        "tests/data/sets/bad-syntax.toml",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("tests/data/sets/bad-syntax.toml: 4:6: string values must be quoted"),
        "{err}"
    );
}

#[test]
fn every_shipped_set_loads_and_scores_the_sample_programme() {
    let (code, out, _) = run(&["benchmarks", "list"]);
    assert_eq!(code, 0);
    let ids = [
        "cn-zero-carbon-park-2025",
        "cn-hunan-zero-carbon-park",
        "cn-jiangsu-near-zero-2024",
        "cn-hj274-2015",
        "cn-miit-green-park-2016",
        "intl-eip-framework-v2",
        "sbti-1.5c-trajectory",
    ];
    for id in ids {
        assert!(out.contains(id), "{id} not listed:\n{out}");
        let (code, csv, err) = run(&["score", "sample-data", "--benchmark", id, "--format", "csv"]);
        assert_eq!(code, 0, "{id}: {err}");
        let rows = crate::csv_rows(&csv);
        let overall: Vec<_> = rows.iter().filter(|r| r["rule"] == "overall").collect();
        // 12 parks x 3 years.
        assert_eq!(overall.len(), 36, "{id}");
        // Every assessed rule names the status of its threshold's source.
        for r in rows
            .iter()
            .filter(|r| r["status"] == "meets" || r["status"] == "fails")
        {
            assert!(
                ["confirmed", "secondary", "unconfirmed"].contains(&r["source_status"].as_str()),
                "{id}: {r:?}"
            );
        }
    }
}

#[test]
fn the_national_core_indicator_is_a_gate_and_the_green_power_park_meets_it_in_2024() {
    let (code, csv, _) = run(&[
        "score",
        "sample-data",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--park",
        "js-haiyan-zerocarbon",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let rows = csv_rows(&csv);
    let core: Vec<_> = rows
        .iter()
        .filter(|r| r["indicator"] == "co2_per_tce")
        .collect();
    assert!(core.iter().all(|r| r["role"] == "gate"));
    let by_year = |y: &str| core.iter().find(|r| r["year"] == y).unwrap();
    assert_eq!(by_year("2024")["status"], "meets");
    assert_eq!(by_year("2024")["threshold"], "0.2");
    assert_eq!(by_year("2022")["status"], "fails");
    // The failing year says how much CO2 to cut and how much grid power to green.
    assert!(
        by_year("2022")["gap"].starts_with("cut "),
        "{:?}",
        by_year("2022")["gap"]
    );
}

#[test]
fn missing_data_is_named_with_what_would_fill_it() {
    let (code, csv, _) = run(&[
        "score",
        "sample-data",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--park",
        "ah-jianghuai-logistics",
        "--year",
        "2024",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let rows = csv_rows(&csv);
    let water = rows
        .iter()
        .find(|r| r["indicator"] == "water_reuse_rate")
        .unwrap();
    assert_eq!(water["status"], "missing");
    assert_eq!(
        water["gap"],
        "needs data for Water reused, Total industrial water use"
    );
    let overall = rows.iter().find(|r| r["rule"] == "overall").unwrap();
    assert!(overall["coverage"].parse::<f64>().unwrap() < 1.0);
}
