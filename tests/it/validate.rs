//! `parkbench validate`: every rule of the data contract, with the exact diagnostic.

use crate::run;

#[test]
fn every_problem_is_reported_at_once_with_file_line_column() {
    let (code, out, _) = run(&["validate", "tests/data/invalid"]);
    assert_eq!(code, 1, "errors give exit code 1");
    let expected = [
        r#"error: tests/data/invalid/activity.csv:3:3: unknown metric (value "electrcity_green", expected a metric of the vocabulary (parkbench template lists them))"#,
        r#"error: tests/data/invalid/activity.csv:4:5: unit is a mass unit, not valid for metric natural_gas (volume) (value "t", expected one of m3, 万m3, 亿m3)"#,
        r#"error: tests/data/invalid/activity.csv:5:4: value is not a number (metric raw_coal) (value "abc", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
        r#"error: tests/data/invalid/activity.csv:6:4: negative value for metric diesel (value "-5", expected a value of at least 0 t)"#,
        r#"error: tests/data/invalid/activity.csv:7:4: share outside 0-100 % (value "120", expected 0-100 with unit %, or 0-1 with unit fraction (unit here: %))"#,
        r#"error: tests/data/invalid/activity.csv:8:2: year is not a 4-digit year (value "23", expected a year such as 2024 (1990-2100))"#,
        r#"error: tests/data/invalid/activity.csv:9:6: period is not in year 2023 (value "2024-03", expected a month of 2023 (2023-01 to 2023-12))"#,
        r#"error: tests/data/invalid/activity.csv:10: duplicate row for park p1 year 2023 metric electricity_grid (first at tests/data/invalid/activity.csv:2)"#,
        r#"error: tests/data/invalid/activity.csv:11:1: activity for a park that parks.csv lacks (1 row; the first is here) (value "p9", expected a park_id listed in parks.csv)"#,
        r#"error: tests/data/invalid/activity.csv:14:7: unknown data quality (value "guess", expected measured or estimated (or empty))"#,
        r#"error: tests/data/invalid/activity.csv:15:4: the value carries unit text "MWh" that disagrees with the unit t (value "5 MWh", expected a number in t)"#,
        r#"error: tests/data/invalid/parks.csv:3:4: unknown province (value "jiangsoo", expected a province key of the grid factor table (e.g. jiangsu) or its Chinese name (江苏))"#,
        r#"  hint: did you mean "jiangsu"?"#,
        r#"error: tests/data/invalid/parks.csv:4:1: duplicate park_id (first defined on line 2) (value "p1")"#,
        r#"error: tests/data/invalid/parks.csv:5:1: park_id has characters outside A-Z a-z 0-9 _ . - (value "bad/id", expected letters, digits, '_', '.', '-' (at most 64))"#,
        r#"error: tests/data/invalid/parks.csv:6:3: unknown country (value "XX", expected an ISO 3166-1 alpha-2 code such as CN, VN, DE)"#,
        r#"error: tests/data/invalid/parks.csv:7:7: unknown area unit (value "acres", expected one of km2, ha, m2, 亩)"#,
        "16 errors, 0 warnings in 2 files (2 parks, 20 data rows)",
    ];
    for line in expected {
        assert!(
            out.lines().any(|l| l == line),
            "missing line:\n{line}\n--- got:\n{out}"
        );
    }
    // Missing tokens and real zeros are not errors.
    assert!(
        !out.contains(":12:"),
        "NA is a missing value, not an error:\n{out}"
    );
    assert!(
        !out.contains(":13:"),
        "0 is a real zero, not an error:\n{out}"
    );
}

#[test]
fn sample_data_validates_clean_with_its_two_warnings() {
    let (code, out, _) = run(&["validate", "sample-data"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("0 errors, 2 warnings in 5 files (12 parks, 723 data rows)\n"),
        "{out}"
    );
    assert!(out.contains("value added per tce is outside any real range"));
    assert!(out.contains("more solid waste utilised than generated"));
}

#[test]
fn missing_files_and_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("missing required file parks.csv"), "{out}");
    assert!(out.contains("missing required file activity.csv"), "{out}");

    std::fs::write(dir.path().join("parks.csv"), "park_id,name\np1,A\n").unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value\np1,2024,diesel,5\n",
    )
    .unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("activity.csv:1: missing required column \"unit\""),
        "{out}"
    );
}

#[test]
fn monthly_rows_mixed_with_an_annual_row_or_incomplete_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,country,province\np1,A,CN,jiangsu\n",
    )
    .unwrap();
    let mut act = String::from("park_id,year,metric,value,unit,period\np1,2024,diesel,5,t,\n");
    for m in 1..=12 {
        act.push_str(&format!("p1,2024,diesel,1,t,2024-{m:02}\n"));
    }
    for m in 1..=11 {
        act.push_str(&format!("p1,2024,raw_coal,1,t,2024-{m:02}\n"));
    }
    std::fs::write(dir.path().join("activity.csv"), act).unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "activity.csv:2: park p1 reports diesel for 2024 both as a year total and by month"
        ),
        "{out}"
    );
    assert!(out.contains("park p1 reports raw_coal for 2024 for 11 of 12 months; the year total is treated as unknown (value \"2024-12\""), "{out}");
}
