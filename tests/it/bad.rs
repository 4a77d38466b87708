//! The hostile-input corpus under `tests/data/bad/`: every file gets one clear, pinned
//! diagnostic (file, line, column, value, what was expected) and parkbench never panics.
//!
//! Each case is validated next to a good file: `parks.csv` for activity files, `activity_ok.csv`
//! for the `parks_*` files.

use crate::run;

/// (file, exit code, the diagnostic that must be printed).
const CASES: &[(&str, i32, &str)] = &[
    (
        "ambiguous_grouping.csv",
        0,
        r#"ambiguous_grouping.csv:2: numbers read with a decimal comma, as 1,23 (column 4) shows; if that is wrong, say --decimal ."#,
    ),
    (
        "bad_period.csv",
        1,
        r#"error: bad_period.csv:2:3: period is not a month (value "2023-13", expected YYYY-MM, e.g. 2024-03, or empty for a whole year)"#,
    ),
    (
        "blank_lines_only.csv",
        1,
        r#"error: blank_lines_only.csv: the file is empty (expected a header row and data rows)"#,
    ),
    (
        "bom_only.csv",
        1,
        r#"error: bom_only.csv: the file is empty (expected a header row and data rows)"#,
    ),
    (
        "chinese_year.csv",
        1,
        r#"error: chinese_year.csv:2:2: year is not a 4-digit year (value "二〇二三", expected a year such as 2024 (1990-2100))"#,
    ),
    (
        "control_chars_value.csv",
        1,
        r#"error: control_chars_value.csv:2:4: value is not a number (metric electricity_grid) (value "\u{1b}[31m12\u{1b}[0m", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
    ),
    (
        "cr_only.csv",
        1,
        r#"error: cr_only.csv:3:4: value is not a number (metric natural_gas) (value "abc", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
    ),
    (
        "duplicate_headers.csv",
        1,
        r#"error: duplicate_headers.csv:1:5: duplicate column "value" (also column 4) (value "value", expected each column once)"#,
    ),
    (
        "empty.csv",
        1,
        r#"error: empty.csv: the file is empty (expected a header row and data rows)"#,
    ),
    (
        "empty.xlsx",
        1,
        r#"error: empty.xlsx: the file is empty (expected an Excel workbook with sheets parks and activity)"#,
    ),
    (
        "fake.xlsx",
        1,
        r#"error: fake.xlsx: cannot read the workbook: invalid Zip archive: Could not find EOCD (expected an Excel workbook (.xlsx, .xls) or an OpenDocument sheet (.ods))"#,
    ),
    (
        "formula_injection.csv",
        1,
        r#"error: formula_injection.csv:2:3: unknown metric (value "=cmd|' /C calc'!A0", expected a metric of the vocabulary (parkbench template lists them))"#,
    ),
    (
        "garbage.csv",
        1,
        r#"error: garbage.csv:2: the file contains NUL bytes: it is binary or damaged, not a CSV text file"#,
    ),
    (
        "header_only.csv",
        0,
        r#"warning: header_only.csv:1: the file has a header but no data rows"#,
    ),
    (
        "huge_number.csv",
        1,
        r#"error: huge_number.csv:2:4: value is not a number (metric electricity_grid) (value "1e400", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
    ),
    (
        "inf_value.csv",
        1,
        r#"error: inf_value.csv:2:4: value is not a number (metric electricity_grid) (value "inf", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
    ),
    (
        "missing_value_column.csv",
        1,
        r#"error: missing_value_column.csv:1: missing required column "value" (value "park_id,year,metric,unit", expected park_id, year, metric, value, unit (long layout) or park_id, year, <metric> [<unit>] ... (wide layout))"#,
    ),
    (
        "mixed_encoding.csv",
        1,
        r#"error: mixed_encoding.csv:3: the text encoding is not recognised; the lines before it are UTF-8, so the file mixes encodings (value "\xCD\xF2\x6D\x33", expected one encoding for the whole file)"#,
    ),
    (
        "nan_value.csv",
        1,
        r#"error: nan_value.csv:2:4: value is not a number (metric electricity_grid) (value "NaN", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
    ),
    (
        "nul_bytes.csv",
        1,
        r#"error: nul_bytes.csv:2: the file contains NUL bytes: it is binary or damaged, not a CSV text file"#,
    ),
    (
        "one_megabyte_field.csv",
        1,
        r#"error: one_megabyte_field.csv:2:4: value is not a number (metric electricity_grid) (value "999999999999999999999999999999999999999999999999999999999999…", expected a number such as 1234.5, or NA / - / 无 when unknown)"#,
    ),
    (
        "parks_control_id.csv",
        1,
        r#"error: parks_control_id.csv:2:1: park_id has characters outside A-Z a-z 0-9 _ . - (value "p\u{7}\u{1b}1", expected letters, digits, '_', '.', '-' (at most 64))"#,
    ),
    (
        "parks_formula_name.csv",
        0,
        r#"0 errors, 0 warnings in 2 files (1 parks, 2 data rows)"#,
    ),
    (
        "parks_long_id.csv",
        1,
        r#"error: parks_long_id.csv:2:1: park_id is 200 characters long (value "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…", expected letters, digits, '_', '.', '-' (at most 64))"#,
    ),
    (
        "parks_no_id_column.csv",
        1,
        r#"error: parks_no_id_column.csv:1: missing required column "park_id" (expected a header with park_id, name, country, province, sector (found: name, country, province, sector))"#,
    ),
    (
        "parks_reserved_id.csv",
        1,
        r#"error: parks_reserved_id.csv:2:1: park_id cannot name a file (hidden or reserved on Windows) (value "CON", expected an id that does not start with '.' and is not CON, PRN, AUX, NUL, COM1-9 or LPT1-9)"#,
    ),
    (
        "parks_traversal_id.csv",
        1,
        r#"error: parks_traversal_id.csv:2:1: park_id has characters outside A-Z a-z 0-9 _ . - (value "../../x", expected letters, digits, '_', '.', '-' (at most 64))"#,
    ),
    (
        "pdf_renamed.csv",
        1,
        r#"error: pdf_renamed.csv: this is a PDF document, not a CSV file"#,
    ),
    (
        "ragged_rows.csv",
        1,
        r#"error: ragged_rows.csv:2: the row has 7 fields but the header has 5"#,
    ),
    (
        "ten_thousand_columns.csv",
        1,
        r#"error: ten_thousand_columns.csv:1: missing required columns "metric", "value", "unit" (value "park_id,year,m0,m1,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12,m13,m…", expected park_id, year, metric, value, unit (long layout) or park_id, year, <metric> [<unit>] ... (wide layout))"#,
    ),
    (
        "truncated_quote.csv",
        1,
        r#"error: truncated_quote.csv:2:4: a quoted field is opened here and never closed (expected a closing " (the file may be cut short))"#,
    ),
    (
        "truncated_row.csv",
        1,
        r#"error: truncated_row.csv:3: the row has 3 fields but the header has 5"#,
    ),
    (
        "unit_text_disagrees.csv",
        1,
        r#"error: unit_text_disagrees.csv:2:4: the value carries unit text "t" that disagrees with the unit MWh (value "1234 t", expected a number in MWh)"#,
    ),
    (
        "utf16_without_bom.csv",
        0,
        r#"0 errors, 0 warnings in 2 files (1 parks, 2 data rows)"#,
    ),
    (
        "xls_renamed.csv",
        1,
        r#"error: xls_renamed.csv: this is a legacy .xls workbook, not a CSV file"#,
    ),
    (
        "xlsx_renamed.csv",
        1,
        r#"error: xlsx_renamed.csv: this is a ZIP archive or an .xlsx workbook, not a CSV file"#,
    ),
];

#[test]
fn every_bad_file_gets_its_pinned_diagnostic_and_no_panic() {
    let dir = "tests/data/bad";
    let files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f != "parks.csv" && f != "activity_ok.csv")
        .collect();
    assert!(files.len() >= 30, "the corpus has {} files", files.len());
    for f in &files {
        assert!(
            CASES.iter().any(|(c, _, _)| c == f),
            "{f} is in the corpus but has no pinned diagnostic"
        );
    }
    let mut failures = Vec::new();
    for (file, code, expected) in CASES {
        let (a, b) = if file.starts_with("parks_") {
            (format!("{dir}/{file}"), format!("{dir}/activity_ok.csv"))
        } else {
            (format!("{dir}/parks.csv"), format!("{dir}/{file}"))
        };
        let (got_code, out, err) = run(&["validate", &a, &b]);
        let text = format!("{out}{err}").replace(&format!("{dir}/"), "");
        if err.contains("panicked") {
            failures.push(format!("{file}: panicked:\n{err}"));
        }
        if got_code != *code {
            failures.push(format!("{file}: exit {got_code}, expected {code}\n{text}"));
        }
        if !text.lines().any(|l| l == *expected) {
            failures.push(format!("{file}: missing\n{expected}\n--- got:\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every problem of the corpus (and of the invalid and hostile datasets, with the inventory's
/// plausibility and unknown-total warnings) is worded in Chinese from `locales/zh.toml`: no
/// message, expected value or hint falls back to English.
#[test]
fn every_diagnostic_of_the_corpus_is_worded_in_chinese() {
    use parkbench::factors::Factors;
    use parkbench::i18n::Lang;
    use parkbench::reference::Vocabulary;
    let vocab = Vocabulary::embedded().unwrap();
    let factors = Factors::load(None).unwrap();
    let dir = "tests/data/bad";
    let mut inputs: Vec<Vec<std::path::PathBuf>> = CASES
        .iter()
        .map(|(file, _, _)| {
            let (a, b) = if file.starts_with("parks_") {
                (format!("{dir}/{file}"), format!("{dir}/activity_ok.csv"))
            } else {
                (format!("{dir}/parks.csv"), format!("{dir}/{file}"))
            };
            vec![a.into(), b.into()]
        })
        .collect();
    inputs.push(vec!["tests/data/invalid".into()]);
    inputs.push(vec!["tests/data/hostile".into()]);
    let (mut seen, mut english) = (0, Vec::new());
    let mut keys = std::collections::BTreeSet::new();
    for paths in &inputs {
        let Ok(data) = parkbench::input::load(&parkbench::disk::Disk, paths, &vocab, &factors)
        else {
            continue;
        };
        let mut diags = data.report.diagnostics.clone();
        if let Ok(annual) = data.annual(&vocab) {
            let inv = parkbench::inventory::build(
                &data,
                &annual,
                &vocab,
                &factors,
                &parkbench::inventory::Plausibility::embedded().unwrap(),
                Default::default(),
            )
            .unwrap();
            diags.extend(inv.warnings);
        }
        for d in &diags {
            seen += 1;
            keys.insert(d.message.key.to_string());
            if !d.worded_in(Lang::ZH) {
                english.push(format!("{paths:?}: {}", d.render(Lang::ZH)));
            }
        }
    }
    assert!(seen >= 40, "only {seen} diagnostics in the corpus");
    assert!(
        keys.len() >= 20,
        "only {} kinds of problem: {keys:?}",
        keys.len()
    );
    assert!(
        english.is_empty(),
        "not worded in Chinese:\n{}",
        english.join("\n")
    );
}

/// `validate --lang zh` prints Chinese problems, hints and summary; the default stays English.
#[test]
fn validate_speaks_chinese_when_asked() {
    let dir = "tests/data/bad";
    let (code, out, _) = run(&[
        "validate",
        "--lang",
        "zh",
        &format!("{dir}/parks.csv"),
        &format!("{dir}/bad_period.csv"),
    ]);
    assert_eq!(code, 1, "{out}");
    let out = out.replace(&format!("{dir}/"), "");
    assert!(
        out.lines().any(|l| l
            == "错误: bad_period.csv:2:3: 期间不是月份（取值“2023-13”，应为YYYY-MM，如 2024-03；全年数据留空）"),
        "{out}"
    );
    assert_eq!(
        out.lines().last(),
        Some("2 个文件中有 1 个错误、0 个警告（1 个园区，2 行数据）"),
        "{out}"
    );
    assert!(!out.contains("error:"), "{out}");
}
