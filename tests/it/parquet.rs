//! Parquet activity files read like the CSV they came from; wrong types and bad cells are
//! located by row and column.

use crate::run;
use polars::prelude::*;
use std::path::Path;

/// Writes `activity.csv` of `dir` as `out` in Parquet, with the types a data team's export has:
/// year as integers, value as floats (None for a missing-value token), the rest text.
fn to_parquet(csv_path: &Path, out: &Path, value_as_text: bool) {
    to_parquet_in_groups(csv_path, out, value_as_text, None);
}

/// [`to_parquet`] in row groups of `group_rows` rows (polars' default when None).
fn to_parquet_in_groups(
    csv_path: &Path,
    out: &Path,
    value_as_text: bool,
    group_rows: Option<usize>,
) {
    let mut r = csv::Reader::from_path(csv_path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let cols: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let cells: Vec<Option<&str>> = rows
                .iter()
                .map(|rec| rec.get(i).filter(|s| !s.is_empty()))
                .collect();
            match h.as_str() {
                "year" => Column::new(
                    h.into(),
                    cells
                        .iter()
                        .map(|c| c.and_then(|s| s.parse::<i64>().ok()))
                        .collect::<Vec<_>>(),
                ),
                "value" if !value_as_text => Column::new(
                    h.into(),
                    cells
                        .iter()
                        .map(|c| c.and_then(|s| s.parse::<f64>().ok()))
                        .collect::<Vec<_>>(),
                ),
                _ => Column::new(h.into(), cells),
            }
        })
        .collect();
    let mut df = DataFrame::new_infer_height(cols).unwrap();
    let f = std::fs::File::create(out).unwrap();
    polars_io::parquet::write::ParquetWriter::new(f)
        .with_row_group_size(group_rows)
        .finish(&mut df)
        .unwrap();
}

fn inventory_csv(dir: &Path) -> String {
    let (code, out, err) = run(&["inventory", dir.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn a_parquet_activity_file_gives_the_inventory_of_its_csv() {
    let worked = crate::data("worked");
    let reference = inventory_csv(&worked);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(worked.join("parks.csv"), dir.path().join("parks.csv")).unwrap();
    to_parquet(
        &worked.join("activity.csv"),
        &dir.path().join("activity.parquet"),
        false,
    );
    assert_eq!(inventory_csv(dir.path()), reference);
    // Named one by one, too.
    let (code, out, err) = run(&[
        "inventory",
        dir.path().join("parks.csv").to_str().unwrap(),
        dir.path().join("activity.parquet").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, reference);
}

/// A file of many small row groups (as a streaming writer makes them: one a row here) reads as
/// its CSV. (Its columns, of more chunks than are read in place, are merged into one first; that
/// is for speed, and this test guards the result only: it passes with or without the merge.)
#[test]
fn a_parquet_file_of_many_small_row_groups_gives_the_inventory_of_its_csv() {
    let worked = crate::data("worked");
    let reference = inventory_csv(&worked);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(worked.join("parks.csv"), dir.path().join("parks.csv")).unwrap();
    let file = dir.path().join("activity.parquet");
    to_parquet_in_groups(&worked.join("activity.csv"), &file, false, Some(1));
    let groups = polars_io::parquet::read::ParquetReader::new(std::fs::File::open(&file).unwrap())
        .get_metadata()
        .unwrap()
        .row_groups
        .len();
    assert!(groups >= 10, "{groups} row groups");
    assert_eq!(inventory_csv(dir.path()), reference);
}

#[test]
fn wrong_column_types_and_bad_cells_are_located_by_row_and_column() {
    let worked = crate::data("worked");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(worked.join("parks.csv"), dir.path().join("parks.csv")).unwrap();
    to_parquet(
        &worked.join("activity.csv"),
        &dir.path().join("activity.parquet"),
        true,
    );
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "activity.parquet: column \"value\" holds text (value \"text\", expected numbers (an integer or floating-point column))"
        ),
        "{out}"
    );

    // A unit nobody knows, in the third row.
    let text = std::fs::read_to_string(worked.join("activity.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let unit_col = lines[0].split(',').position(|h| h == "unit").unwrap();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[unit_col] = "furlongs".into();
    lines[3] = cells.join(",");
    let bad_csv = dir.path().join("bad.csv");
    std::fs::write(&bad_csv, lines.join("\n") + "\n").unwrap();
    to_parquet(&bad_csv, &dir.path().join("activity.parquet"), false);
    std::fs::remove_file(&bad_csv).unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains("activity.parquet:row 3:unit: unknown unit")),
        "{out}"
    );
}

#[test]
fn a_parquet_file_named_csv_says_what_it_is() {
    let worked = crate::data("worked");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(worked.join("parks.csv"), dir.path().join("parks.csv")).unwrap();
    to_parquet(
        &worked.join("activity.csv"),
        &dir.path().join("activity.csv"),
        false,
    );
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("this is a Parquet file, not a CSV file"),
        "{out}"
    );
}

/// A long Parquet file's columns that no check reads (a note, a name, a partition's own column)
/// are not decoded (`input::parquet`'s own test), but still have their types checked; the rest
/// read as the CSV does. This guards the result, which decoding them would give too.
#[test]
fn columns_no_check_reads_are_left_unread_but_typed() {
    let worked = crate::data("worked");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(worked.join("parks.csv"), dir.path().join("parks.csv")).unwrap();
    let parquet = dir.path().join("activity.parquet");
    to_parquet(&worked.join("activity.csv"), &parquet, false);
    let reference = inventory_csv(dir.path());
    // The same rows with a text `name` first and a `province` last: the same inventory.
    let df = polars_io::parquet::read::ParquetReader::new(std::fs::File::open(&parquet).unwrap())
        .finish()
        .unwrap();
    let rows = df.height();
    let write = |mut df: DataFrame| {
        let f = std::fs::File::create(&parquet).unwrap();
        polars_io::parquet::write::ParquetWriter::new(f)
            .finish(&mut df)
            .unwrap();
    };
    let mut named = df.clone();
    named
        .insert_column(0, Column::new("name".into(), vec!["某园区"; rows]))
        .unwrap();
    named
        .with_column(Column::new("province".into(), vec!["jiangsu"; rows]))
        .unwrap();
    write(named.clone());
    assert_eq!(inventory_csv(dir.path()), reference);
    // A note of floats is a text column of the wrong type, reported at its column.
    let mut noted = named;
    noted
        .with_column(Column::new("note".into(), vec![1.5f64; rows]))
        .unwrap();
    write(noted);
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "activity.parquet: column \"note\" holds floating-point numbers (value \"floating-point numbers\", expected text (a string column))"
        ),
        "{out}"
    );
}

/// Columns of a type only reading them tells (an extension type, a time zone no database
/// names; `tests/data/exotic-parquet/make.py` writes them with pyarrow), read or not, make the
/// file an error that names it, never a crash; its park is left out.
#[test]
fn columns_of_types_parkbench_cannot_read_are_an_error_not_a_crash() {
    for (dir, cause) in [
        ("unread", "cannot create series from Extension"),
        ("read", "unable to parse time zone: 'China Standard Time'"),
    ] {
        let data = Path::new("tests/data/exotic-parquet").join(dir);
        let (code, out, err) = run(&["validate", data.to_str().unwrap()]);
        assert_eq!(code, 1, "{dir}: {out}{err}");
        assert!(
            out.contains(&format!(
                "{dir}/activity.parquet: cannot read the Parquet file: {cause}"
            )),
            "{dir}: {out}"
        );
        assert!(out.contains("park p1 is left out"), "{dir}: {out}");
    }
}
