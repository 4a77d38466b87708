//! Partitioned Parquet in: a hive-style tree (`activity/province=jiangsu/year=2024/*.parquet`)
//! is read with its partition columns, and `--year`, `--park` and `--province` leave out
//! partitions by their folders and row groups by their statistics before anything is decoded,
//! without changing a figure of what is kept.
//!
//! The trees under `tests/data/partitioned` were written by python-polars
//! (`tests/data/partitioned/write.py`, committed with its output); the tree of
//! [`a_tree_without_year_columns_takes_them_from_its_folders`] by Rust polars here.

use crate::run;
use polars::prelude::*;
use std::path::{Path, PathBuf};

fn tree(rel: &str) -> String {
    crate::data("partitioned").join(rel).display().to_string()
}

/// `inventory --format csv` of `data` with `filter`: its output and standard error.
fn inventory(data: &str, filter: &[&str]) -> (String, String) {
    let mut args = vec!["inventory", data, "--format", "csv"];
    args.extend(filter);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    (out, err)
}

/// The `park_id,year` of each inventory row.
fn park_years(csv: &str) -> Vec<String> {
    crate::csv_rows(csv)
        .iter()
        .map(|r| format!("{},{}", r["park_id"], r["year"]))
        .collect()
}

#[test]
fn a_tree_written_by_polars_gives_the_inventory_of_its_csv_twin() {
    let (twin, _) = inventory(&tree("good/csv"), &[]);
    let (out, err) = inventory(&tree("good/tree"), &[]);
    assert_eq!(out, twin);
    assert!(!err.contains("Parquet files"), "nothing skipped: {err}");
    assert_eq!(park_years(&out).len(), 15);
}

#[test]
fn filters_skip_partitions_and_row_groups_and_keep_every_figure() {
    let (all, _) = inventory(&tree("good/tree"), &[]);
    // (filter, files read of 12, row groups read of those, kept park-years)
    let cases: [(&[&str], &str, &[&str]); 4] = [
        (
            &["--year", "2024"],
            "read 4 of 12 Parquet files and 5 of their 5 row groups: 8 files (by their folders) and 0 row groups",
            &[
                "js-1,2024",
                "js-2,2024",
                "nm-1,2024",
                "nm-2,2024",
                "zj-1,2024",
            ],
        ),
        (
            &["--park", "nm-1"],
            "read 12 of 12 Parquet files and 3 of their 15 row groups: 0 files (by their folders) and 12 row groups",
            &["nm-1,2022", "nm-1,2023", "nm-1,2024"],
        ),
        (
            // The parks table names the province `jiangsu` and `江苏省`; so do the folders.
            &["--province", "江苏"],
            "read 6 of 12 Parquet files and 6 of their 6 row groups: 6 files (by their folders) and 0 row groups",
            &[
                "js-1,2022",
                "js-1,2023",
                "js-1,2024",
                "js-2,2022",
                "js-2,2023",
                "js-2,2024",
            ],
        ),
        (
            // `inner mongolia`, percent-encoded in its folders' names.
            &[
                "--year",
                "2023",
                "--park",
                "nm-2",
                "--province",
                "inner_mongolia",
            ],
            "read 1 of 12 Parquet files and 1 of their 2 row groups: 11 files (by their folders) and 1 row groups",
            &["nm-2,2023"],
        ),
    ];
    for (filter, said, kept) in cases {
        let (out, err) = inventory(&tree("good/tree"), filter);
        assert!(
            err.contains(&format!("good/tree/activity: {said}")),
            "{filter:?}: {err}"
        );
        assert_eq!(park_years(&out), kept, "{filter:?}");
        // Byte for byte the CSV twin's inventory under the same filter, and the unfiltered
        // inventory's rows of what is kept.
        let (twin, _) = inventory(&tree("good/csv"), filter);
        assert_eq!(out, twin, "{filter:?}");
        let header = all.lines().next().unwrap();
        let rows: Vec<&str> = all
            .lines()
            .skip(1)
            .filter(|l| kept.iter().any(|k| l.starts_with(&format!("{k},"))))
            .collect();
        assert_eq!(
            out,
            format!("{header}\n{}\n", rows.join("\n")),
            "{filter:?}"
        );
    }
}

#[test]
fn parks_left_out_by_a_filter_are_neither_missing_nor_errors() {
    // The bad tree's errors are of js-1 (a row under the wrong year) and zj-1 (no year): left
    // out by the filter, nothing is reported, and the summary counts the parks read.
    let (code, out, _) = run(&["validate", &tree("bad"), "--park", "nm-1"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("0 errors, 0 warnings in 3 files (1 parks,"),
        "{out}"
    );
    assert!(
        out.contains("read 2 of 2 Parquet files and 0 of their 2 row groups"),
        "{out}"
    );
}

#[test]
fn a_row_under_another_years_folder_and_a_missing_year_are_located() {
    let (code, out, _) = run(&["validate", &tree("bad")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "bad/activity/year=2023/part-0.parquet:row 3:year: the row's year disagrees with its folder's year=2023 (value \"2024\", expected year 2023"
        ),
        "{out}"
    );
    // `__HIVE_DEFAULT_PARTITION__` is the writer's missing value, never a year of its own.
    assert!(
        out.contains("year=__HIVE_DEFAULT_PARTITION__/00000000.parquet:row 1:year: year is not a 4-digit year (value \"\""),
        "{out}"
    );
    assert!(!out.contains("value \"__HIVE"), "{out}");
    let (_, zh, _) = run(&["validate", &tree("bad"), "--lang", "zh"]);
    assert!(
        zh.contains(
            "year=2023/part-0.parquet:row 3:year: 该行的 year 与其所在文件夹的 year=2023 不一致"
        ),
        "{zh}"
    );
}

/// Writes `rows` (park, year, metric, value, unit) as a Parquet file at `out`, with or without
/// its `year` column, in row groups of `group_rows` rows.
fn write(out: &Path, rows: &[(&str, i64, &str, f64, &str)], with_year: bool, group_rows: usize) {
    let mut cols = vec![Column::new(
        "park_id".into(),
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
    )];
    if with_year {
        cols.push(Column::new(
            "year".into(),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        ));
    }
    cols.push(Column::new(
        "metric".into(),
        rows.iter().map(|r| r.2).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "value".into(),
        rows.iter().map(|r| r.3).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "unit".into(),
        rows.iter().map(|r| r.4).collect::<Vec<_>>(),
    ));
    let mut df = DataFrame::new_infer_height(cols).unwrap();
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    polars_io::parquet::write::ParquetWriter::new(std::fs::File::create(out).unwrap())
        .with_row_group_size(Some(group_rows))
        .finish(&mut df)
        .unwrap();
}

#[test]
fn a_tree_without_year_columns_takes_them_from_its_folders() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, tree) = (dir.path().join("csv"), dir.path().join("tree"));
    for d in [&csv, &tree] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::copy(
            crate::data("partitioned/good/csv/parks.csv"),
            d.join("parks.csv"),
        )
        .unwrap();
    }
    let row = |park, year, metric, value, unit| (park, year, metric, value, unit);
    let mut rows = Vec::new();
    for (i, park) in ["js-1", "zj-1"].into_iter().enumerate() {
        for year in 2022..=2024 {
            let v = (i as f64 + 1.0) * 1000.0 + (year - 2022) as f64 * 10.0;
            rows.push(row(park, year, "raw_coal", v, "t"));
            rows.push(row(park, year, "electricity_grid", v / 2.0, "MWh"));
        }
    }
    let mut text = String::from("park_id,year,metric,value,unit\n");
    for r in &rows {
        text += &format!("{},{},{},{},{}\n", r.0, r.1, r.2, r.3, r.4);
    }
    std::fs::write(csv.join("activity.csv"), text).unwrap();
    // js-1 by year folders, its files without a year column; zj-1 in one file of every year,
    // a row group a year, under a folder that is no partition (`activity/`).
    for year in 2022..=2024 {
        let of_year: Vec<_> = rows
            .iter()
            .copied()
            .filter(|r| r.0 == "js-1" && r.1 == year)
            .collect();
        let file = tree.join(format!("activity/year={year}/part-0.parquet"));
        write(&file, &of_year, false, of_year.len());
    }
    let zj: Vec<_> = rows.iter().copied().filter(|r| r.0 == "zj-1").collect();
    write(&tree.join("activity/zj-1.parquet"), &zj, true, 2);
    let (csv, tree) = (csv.to_str().unwrap(), tree.to_str().unwrap());
    assert_eq!(inventory(tree, &[]).0, inventory(csv, &[]).0);
    let (out, err) = inventory(tree, &["--year", "2023"]);
    assert_eq!(out, inventory(csv, &["--year", "2023"]).0);
    assert_eq!(park_years(&out), ["js-1,2023", "zj-1,2023"]);
    assert!(
        err.contains("read 2 of 4 Parquet files and 2 of their 4 row groups: 2 files (by their folders) and 2 row groups (by their statistics)"),
        "{err}"
    );
}

#[test]
fn a_filter_on_the_sample_keeps_each_kept_parks_inventory_and_reports_nothing_of_the_others() {
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let sample = sample.to_str().unwrap();
    let (all, _) = inventory(sample, &[]);
    let first = crate::csv_rows(&all)[0]["park_id"].clone();
    let (one, _) = inventory(sample, &["--park", &first]);
    // Every figure of the park as without the filter; the CSV has a column per carrier of
    // the parks read, so a carrier only the others use is no column of its own (all zero).
    let all = crate::csv_rows(&all);
    let kept: Vec<_> = all.iter().filter(|r| r["park_id"] == first).collect();
    let one = crate::csv_rows(&one);
    assert_eq!(one.len(), kept.len());
    for (row, was) in one.iter().zip(kept) {
        for (column, value) in was {
            match row.get(column) {
                Some(found) => assert_eq!(found, value, "{column}"),
                None => assert!(value == "0" || value.is_empty(), "{column}: {value}"),
            }
        }
    }
    // Its enterprises, waivers and activity of the other parks are not read, so none of them
    // is reported as of an unknown park.
    let (code, out, _) = run(&["validate", sample, "--park", &first]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors"), "{out}");
}

/// A folder of a tree reached again by a link (a link back up the tree, `back -> ..`) is walked
/// once: the tree gives the inventory of its CSV twin, not its files read again at every turn
/// until the system refuses the path. A link to a folder of the data's own elsewhere is read.
#[cfg(unix)]
#[test]
fn a_link_back_up_a_tree_is_walked_once() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("tree");
    let elsewhere = dir.path().join("elsewhere");
    let from = crate::data("partitioned").join("good/tree");
    let mut todo = vec![from.clone()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let rel = e.path().strip_prefix(&from).unwrap().to_path_buf();
            // One province's folder lies elsewhere, linked into the tree.
            let to = match rel.strip_prefix("activity/province=jiangsu") {
                Ok(rest) => elsewhere.join(rest),
                Err(_) => copy.join(&rel),
            };
            if e.path().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
                todo.push(e.path());
            } else {
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(e.path(), &to).unwrap();
            }
        }
    }
    let activity = copy.join("activity");
    std::os::unix::fs::symlink(&elsewhere, activity.join("province=jiangsu")).unwrap();
    std::os::unix::fs::symlink("..", activity.join("province=inner%20mongolia/back")).unwrap();
    let (twin, _) = inventory(&tree("good/csv"), &[]);
    let (out, err) = inventory(&copy.display().to_string(), &[]);
    assert_eq!(out, twin, "{err}");
}
