//! Excel workbooks and templates: what operators really send, read with Excel's own cell names.

use crate::{parkbench, run};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use std::path::Path;

fn validate(path: &Path) -> (i32, String) {
    let (code, out, err) = run(&["validate", path.to_str().unwrap()]);
    (code, format!("{out}{err}"))
}

#[test]
fn csv_templates_in_both_languages_load_back_clean() {
    for lang in ["en", "zh"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t");
        let (code, _, err) = run(&["template", "--out", out.to_str().unwrap(), "--lang", lang]);
        assert_eq!(code, 0, "{err}");
        for f in ["parks.csv", "activity.csv", "metrics.csv", "README.txt"] {
            assert!(out.join(f).is_file(), "{lang}: {f} written");
        }
        let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
        // Every metric of the vocabulary, with its units and both names.
        assert!(metrics.contains("natural_gas"), "{metrics}");
        assert!(metrics.contains("天然气"), "{metrics}");
        assert!(metrics.contains("万m3"), "{metrics}");
        let vocabulary = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/indicators/metrics.toml"
        ))
        .unwrap();
        let n = vocabulary.lines().filter(|l| *l == "[[metric]]").count();
        assert!(n >= 30, "{n} metrics");
        assert_eq!(metrics.lines().count(), 1 + n, "{metrics}");
        let activity = std::fs::read_to_string(out.join("activity.csv")).unwrap();
        if lang == "zh" {
            assert!(
                activity.contains("园区编号,年份,月份,指标,数值,单位"),
                "{activity}"
            );
        }
        // The park's enterprises and their products, an example row each, headed in the
        // template's language.
        let firms = std::fs::read_to_string(out.join("enterprises.csv")).unwrap();
        let products = std::fs::read_to_string(out.join("products.csv")).unwrap();
        assert!(firms.contains("91350100M000100Y43"), "{firms}");
        assert!(products.contains("soda_ash_ammonia_light"), "{products}");
        if lang == "zh" {
            assert!(firms.contains("企业编号,企业名称"), "{firms}");
            assert!(products.contains("单位产品能耗"), "{products}");
        }
        // One example row per metric group (electricity, fuel, heat, factor, process, economy,
        // resources, digital).
        assert_eq!(activity.lines().count(), 1 + 8, "{activity}");
        let (code, text) = validate(&out);
        assert_eq!(code, 0, "{lang} template validates:\n{text}");
        assert!(
            text.contains("0 errors, 0 warnings in 4 files (1 parks, 11 data rows)"),
            "{text}"
        );
    }
}

#[test]
fn xlsx_template_round_trips_and_refuses_a_foreign_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    for lang in ["en", "zh"] {
        let (code, _, err) = run(&[
            "template",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "xlsx",
            "--lang",
            lang,
        ]);
        assert_eq!(code, 0, "{lang}: {err}");
        let book = out.join("parkbench-template.xlsx");
        let (code, text) = validate(&book);
        assert_eq!(code, 0, "{lang} workbook validates:\n{text}");
        assert!(text.contains("0 errors, 0 warnings"), "{text}");
    }
    // A folder with someone else's file is not written into without --force.
    std::fs::write(out.join("notes.docx"), b"mine").unwrap();
    // A refused folder is left exactly as it was, files named like parkbench's temporaries too.
    let lookalike = out.join(".notes.docx.parkbench-tmp-1");
    std::fs::write(&lookalike, b"also mine").unwrap();
    let (code, _, err) = run(&["template", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(lookalike.is_file(), "a refused folder is not touched");
    assert!(
        err.contains("holds files parkbench did not write (notes.docx)"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    let (code, _, err) = run(&["template", "--out", out.to_str().unwrap(), "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(out.join("notes.docx")).unwrap(), b"mine");
}

/// A workbook as operators make them: a title row above the header, numbers stored as text with
/// thousands separators, a month typed as a date, a formula, an Excel error, a sheet to ignore.
fn operator_workbook(path: &Path, broken: bool) {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let readme = book.add_worksheet();
    readme.set_name("说明").unwrap();
    readme.write_string(0, 0, "请勿修改表头").unwrap();

    let parks = book.add_worksheet();
    parks.set_name("园区").unwrap();
    parks
        .merge_range(0, 0, 0, 4, "2024 年园区基本信息", &bold)
        .unwrap();
    for (c, h) in ["园区编号", "园区名称", "国家", "省份", "主导产业"]
        .iter()
        .enumerate()
    {
        parks.write_string(2, c as u16, *h).unwrap();
    }
    for (c, v) in ["SZ-01", "苏州示范园", "CN", "江苏", "电子"]
        .iter()
        .enumerate()
    {
        parks.write_string(3, c as u16, *v).unwrap();
    }

    let act = book.add_worksheet();
    act.set_name("activity").unwrap();
    for (c, h) in ["park_id", "year", "period", "metric", "value", "unit"]
        .iter()
        .enumerate()
    {
        act.write_string(0, c as u16, *h).unwrap();
    }
    let mut r = 1;
    // Twelve months of grid electricity, the month typed as a date, values as text "1,000.5".
    for m in 1..=12u8 {
        act.write_string(r, 0, "SZ-01").unwrap();
        act.write_number(r, 1, 2024).unwrap();
        let date = ExcelDateTime::from_ymd(2024, m, 1).unwrap();
        act.write_datetime_with_format(r, 2, &date, &Format::new().set_num_format("yyyy-mm"))
            .unwrap();
        act.write_string(r, 3, "electricity_grid").unwrap();
        act.write_string(r, 4, "1,000.5").unwrap();
        act.write_string(r, 5, "MWh").unwrap();
        r += 1;
    }
    // A formula: its cached value is what counts.
    for (c, v) in ["SZ-01", "2024", "", "natural_gas"].iter().enumerate() {
        act.write_string(r, c as u16, *v).unwrap();
    }
    act.write_formula(r, 4, Formula::new("=100*2").set_result("200"))
        .unwrap();
    act.write_string(r, 5, "万m3").unwrap();
    r += 1;
    // Full-width digits and a unit written into the cell that agrees with the unit column.
    for (c, v) in [
        "SZ-01",
        "2024",
        "",
        "industrial_value_added",
        "１２３４５６ 万元",
        "万元",
    ]
    .iter()
    .enumerate()
    {
        act.write_string(r, c as u16, *v).unwrap();
    }
    r += 1;
    if !broken {
        book.save(path).unwrap();
        return;
    }
    // Row 16 in Excel: an Excel error where a number belongs.
    for (c, v) in ["SZ-01", "2024", "", "water_fresh"].iter().enumerate() {
        act.write_string(r, c as u16, *v).unwrap();
    }
    act.write_formula(r, 4, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    act.write_string(r, 5, "万m3").unwrap();
    book.save(path).unwrap();
}

#[test]
fn workbook_cells_are_named_as_excel_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("园区数据.xlsx");
    operator_workbook(&book, true);
    let (code, text) = validate(&book);
    assert_eq!(code, 1, "{text}");
    let file = book.display().to_string();
    let expected = format!(
        "error: {file}!activity!E16: value is not a number (metric water_fresh) (value \"#DIV/0!\", expected a number such as 1234.5, or NA / - / 无 when unknown)"
    );
    assert!(
        text.lines().any(|l| l == expected),
        "missing:\n{expected}\n--- got:\n{text}"
    );
    assert!(text.contains("1 error, "), "only the Excel error:\n{text}");

    // Without the broken row, the inventory sums the twelve text-number months and takes the
    // formula's cached value: the same as the annual figures written as CSV.
    let clean = dir.path().join("clean.xlsx");
    operator_workbook(&clean, false);
    let csv = dir.path().join("csv");
    std::fs::create_dir(&csv).unwrap();
    std::fs::write(
        csv.join("parks.csv"),
        "park_id,name,country,province,sector\nSZ-01,苏州示范园,CN,jiangsu,电子\n",
    )
    .unwrap();
    std::fs::write(
        csv.join("activity.csv"),
        "park_id,year,metric,value,unit\n\
         SZ-01,2024,electricity_grid,12006,MWh\n\
         SZ-01,2024,natural_gas,200,万m3\n\
         SZ-01,2024,industrial_value_added,123456,万元\n",
    )
    .unwrap();
    assert_eq!(inventory(&clean), inventory(&csv));
}

fn inventory(p: &Path) -> String {
    let o = parkbench()
        .args(["inventory", p.to_str().unwrap(), "--format", "csv"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn a_workbook_inventory_matches_the_same_data_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    // The template's example rows, once as CSV and once as a workbook.
    let csv_dir = dir.path().join("csv");
    let xlsx_dir = dir.path().join("xlsx");
    for (out, format) in [(&csv_dir, "csv"), (&xlsx_dir, "xlsx")] {
        let (code, _, err) = run(&[
            "template",
            "--out",
            out.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(
        inventory(&csv_dir),
        inventory(&xlsx_dir.join("parkbench-template.xlsx"))
    );
}

#[test]
fn unreadable_workbooks_are_named_not_crashed_on() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("data.xlsx");
    std::fs::write(&fake, b"this is not a zip file").unwrap();
    let (code, text) = validate(&fake);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(&format!(
            "error: {}: cannot read the workbook",
            fake.display()
        )),
        "{text}"
    );
    // A workbook without the sheets parkbench reads.
    let other = dir.path().join("other.xlsx");
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("Sheet1")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    book.save(&other).unwrap();
    let (code, text) = validate(&other);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the workbook has no parks or activity sheet (value \"Sheet1\""),
        "{text}"
    );
}

#[test]
fn quiet_runs_say_nothing_and_piped_runs_draw_no_progress_bar() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let args = |quiet: bool| {
        let mut a = vec![
            "report",
            "tests/data/bad/parks.csv",
            "tests/data/bad/activity_ok.csv",
            "--benchmark",
            "cn-zero-carbon-park-2025",
            "--draws",
            "10",
            "--out",
            out.to_str().unwrap(),
        ];
        if quiet {
            a.push("--quiet");
        }
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let a = args(true);
    let (code, _, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "", "--quiet prints nothing on success");
    let a = args(false);
    let (code, _, err) = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    // Standard error is a pipe here: the summary line only, no bar, no escape codes.
    assert!(
        err.starts_with("wrote ") && err.lines().count() == 1,
        "{err:?}"
    );
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
}

#[test]
fn a_sheet_with_one_far_cell_is_refused_without_allocating_its_rectangle() {
    // Regression: a 1.6 KB workbook whose sheet has a cell at XFD1048576 made the reader
    // allocate the rectangle up to it (512 GiB) and abort, in `validate` and in the portal.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("far.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("activity").unwrap();
    for (c, h) in ["park_id", "year", "metric", "value", "unit"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let parks = wb.add_worksheet();
    parks.set_name("parks").unwrap();
    parks.write_string(0, 0, "park_id").unwrap();
    parks.write_string(0, 1, "name").unwrap();
    parks.write_string(1, 0, "p1").unwrap();
    parks.write_string(1, 1, "Park 1").unwrap();
    wb.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 20_000);
    let (code, out, err) = crate::run(&["validate", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(
            "far.xlsx!activity!XFD1048576: the sheet uses column XFD (beyond the 1000 columns read)"
        ),
        "{out}"
    );
}

/// The Chinese template speaks Chinese where operators read it: the activity rows name the
/// metrics by their Chinese names (and load back), the metric list has Chinese descriptions,
/// and the workbook's metric column offers the Chinese names as a list.
#[test]
fn the_chinese_template_offers_chinese_metric_names_and_descriptions() {
    use calamine::Reader;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let (code, _, err) = run(&[
        "template",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "xlsx",
        "--lang",
        "zh",
    ]);
    assert_eq!(code, 0, "{err}");
    let path = out.join("parkbench-template.xlsx");
    let mut book = calamine::open_workbook_auto(&path).unwrap();
    let activity = book.worksheet_range("活动数据").unwrap();
    let header: Vec<String> = activity
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let col = header
        .iter()
        .position(|h| h == "指标")
        .expect("a 指标 column");
    let names: Vec<String> = activity
        .rows()
        .skip(1)
        .map(|r| r[col].to_string())
        .collect();
    assert!(names.contains(&"天然气".to_string()), "{names:?}");
    assert!(names.iter().all(|n| !n.is_ascii()), "{names:?}");
    let metrics = book.worksheet_range("指标").unwrap();
    let raw_coal = metrics.rows().find(|r| r[0] == "raw_coal").unwrap();
    let description = raw_coal[5].to_string();
    assert!(
        description
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{description}"
    );
    // The list offered on the metric column: the Chinese names of the metric sheet.
    let bytes = std::fs::read(&path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(xml.contains("<dataValidation"), "{xml}");
    assert!(xml.contains("'指标'!$D$2:$D$"), "{xml}");
}
