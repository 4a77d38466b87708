//! Files as Chinese operators write them (not parkbench templates): a title row, Chinese
//! column and metric names, Chinese units, GB18030, wide headers in every bracket style and
//! with units in a second row, empty cells, totals rows. Each gives the inventory of the plain
//! English file `tests/data/worked/`.

use crate::run;
use std::path::Path;

fn inventory_csv(dir: &Path) -> String {
    let (code, out, err) = run(&["inventory", dir.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    out
}

fn reference() -> String {
    inventory_csv(&crate::data("worked"))
}

/// A dataset folder with the worked parks.csv and this activity text, in GB18030 or UTF-8.
fn folder(activity: &str, gbk: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        crate::data("worked").join("parks.csv"),
        dir.path().join("parks.csv"),
    )
    .unwrap();
    let bytes = if gbk {
        encoding_rs::GB18030.encode(activity).0.into_owned()
    } else {
        activity.as_bytes().to_vec()
    };
    std::fs::write(dir.path().join("activity.csv"), bytes).unwrap();
    dir
}

/// The worked activity as an operator's export: title row, Chinese headers, the metrics'
/// Chinese names and aliases, Chinese units (converted: 1 万吨 = 10,000 t, 1 吉瓦时 = 1,000
/// MWh), a totals row at the end.
const LONG_ZH: &str = "\
园区能源消费统计表,,,,,,
园区编号,年份,月份,指标,数值,单位,备注
we-js,2022,,原煤,1,万吨,
we-js,2022,,柴油,1000,吨,
we-js,2022,,天然气,500,万立方米,
we-js,2022,,电网购电（不含绿电属性）,1,吉瓦时,
we-js,2022,,绿电交易/直供/绿证匹配电量,1000000,千瓦时,
we-js,2022,,外购热力,1000,吉焦,
we-yn,2022,,外购电力,1000,兆瓦时,
we-cn,2022,,电网购电,1000,兆瓦时,
we-500k,2022,,绿电交易/直供/绿证匹配电量,3742880.39,兆瓦时,
we-500k,2022,,天然气,30075187.97,立方米,
合计,2022,,,,,
";

#[test]
fn a_chinese_operators_export_loads_as_the_english_file_does() {
    let reference = reference();
    for gbk in [true, false] {
        let dir = folder(LONG_ZH, gbk);
        assert_eq!(inventory_csv(dir.path()), reference, "GB18030: {gbk}");
        let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("activity.csv: skipped 1 title row above the header"),
            "{out}"
        );
        // The totals row is said, with its line, and not summed.
        assert!(
            out.contains("activity.csv:13:1: a totals row: it is left out, not added (value \"合计\", expected one row per park, year and metric)\n  hint: remove it: parkbench adds the rows up itself"),
            "{out}"
        );
    }
}

#[test]
fn every_metrics_chinese_name_is_accepted_in_the_metric_column() {
    let vocab = parkbench::reference::Vocabulary::embedded().unwrap();
    for (i, id) in vocab.order.iter().enumerate() {
        let m = &vocab.metrics[id];
        for name in [&m.id, &m.name_en, &m.name_zh]
            .into_iter()
            .chain(&m.aliases)
        {
            assert_eq!(
                vocab.metric_index(name),
                Some(i as u16),
                "{name} should name {id}"
            );
        }
    }
}

#[test]
fn a_near_miss_in_chinese_gets_a_chinese_suggestion() {
    let text = LONG_ZH.replace("天然气,500", "天燃气,500");
    let dir = folder(&text, false);
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        out.contains("unknown metric (value \"天燃气\", expected a metric of the vocabulary (parkbench template lists them))\n  hint: did you mean 天然气 (natural_gas)?"),
        "{out}"
    );
}

/// The worked parks in the wide layout with these headers for the metric columns (raw coal,
/// natural gas, grid electricity), the other metrics in long rows beside it.
fn wide(headers: [&str; 3], unit_row: Option<[&str; 3]>) -> String {
    let mut s = format!(
        "园区编号,年份,{},{},{}\n",
        headers[0], headers[1], headers[2]
    );
    if let Some(u) = unit_row {
        s.push_str(&format!(",,{},{},{}\n", u[0], u[1], u[2]));
    }
    // Empty cells: the park does not use that carrier (as an absent row).
    s.push_str("we-js,2022,10000,500,1000\n");
    s.push_str("we-yn,2022,,,1000\n");
    s.push_str("we-cn,2022,,,1000\n");
    s.push_str("we-500k,2022,,,\n");
    s
}

const WIDE_REST: &str = "\
park_id,year,metric,value,unit
we-js,2022,diesel,1000,t
we-js,2022,electricity_green_purchased,1000000,kWh
we-js,2022,heat_purchased,1000,GJ
we-500k,2022,electricity_green_purchased,3742880.39,MWh
we-500k,2022,natural_gas,30075187.97,m3
";

#[test]
fn chinese_wide_headers_in_every_bracket_style_and_a_unit_row_read_as_the_wide_layout() {
    let reference = reference();
    let cases: [([&str; 3], Option<[&str; 3]>); 5] = [
        (
            [
                "raw_coal [t]",
                "natural_gas [万m3]",
                "electricity_grid [MWh]",
            ],
            None,
        ),
        (
            [
                "原煤（吨）",
                "天然气（万立方米）",
                "电网购电（不含绿电属性）（兆瓦时）",
            ],
            None,
        ),
        (["原煤(t)", "天然气(万m3)", "外购电力(MWh)"], None),
        (["原煤【吨】", "天然气【万方】", "电网购电【MWh】"], None),
        (
            ["原煤", "天然气", "电网购电（不含绿电属性）"],
            Some(["吨", "万立方米", "兆瓦时"]),
        ),
    ];
    for (headers, units) in cases {
        for gbk in [true, false] {
            let dir = folder(&wide(headers, units), gbk);
            let rest = dir.path().join("activity_rest.csv");
            std::fs::write(&rest, WIDE_REST).unwrap();
            assert_eq!(
                inventory_csv(dir.path()),
                reference,
                "{headers:?} {units:?} GB18030: {gbk}"
            );
        }
    }
}

#[test]
fn an_explicit_unknown_in_a_wide_cell_stays_unknown() {
    let text = wide(
        ["原煤（吨）", "天然气（万立方米）", "电网购电（兆瓦时）"],
        None,
    )
    .replace("we-yn,2022,,,1000", "we-yn,2022,不详,,1000");
    let dir = folder(&text, true);
    std::fs::write(dir.path().join("activity_rest.csv"), WIDE_REST).unwrap();
    let (code, out, err) = run(&["inventory", dir.path().to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let rows = crate::csv_rows(&out);
    let yn = rows.iter().find(|r| r["park_id"] == "we-yn").unwrap();
    assert_eq!(yn["energy_tce"], "", "{yn:?}");
    // The blank says why, naming the cell (line 3, column 3 of the operator's file).
    let activity = dir.path().join("activity.csv");
    assert_eq!(
        yn["why_unknown"],
        format!(
            "raw_coal is reported as unknown ({}:3:3)",
            activity.display()
        ),
        "{yn:?}"
    );
    let js = rows.iter().find(|r| r["park_id"] == "we-js").unwrap();
    assert_eq!(js["why_unknown"], "", "{js:?}");
    // The same in the table, in Chinese, under the numbers.
    let (_, table, _) = run(&["inventory", dir.path().to_str().unwrap(), "--lang", "zh"]);
    assert!(
        table.contains(&format!(
            "we-yn 2022: 总量留空的原因：raw_coal 填报为未知（{}:3:3）",
            activity.display()
        )),
        "{table}"
    );
    // validate warns at that cell.
    let (_, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert!(
        out.contains(&format!(
            "warning: {}:3:3: park we-yn 2022: raw_coal is reported as unknown, so the energy and CO2 totals are unknown",
            activity.display()
        )),
        "{out}"
    );
}

/// CSV text as a sheet the way Excel holds a typed table: numbers as numbers, the rest as text,
/// empty cells left out.
fn sheet_from_csv(book: &mut rust_xlsxwriter::Workbook, name: &str, text: &str) {
    let sheet = book.add_worksheet();
    sheet.set_name(name).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (i, rec) in r.records().enumerate() {
        for (j, cell) in rec.unwrap().iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) => sheet.write_number(i as u32, j as u16, v).unwrap(),
                Err(_) => sheet.write_string(i as u32, j as u16, cell).unwrap(),
            };
        }
    }
}

/// The operator's export as an Excel workbook (Chinese sheet names, the title row, Chinese
/// headers and metric names, a totals row), and the wide layout with a unit row, give the
/// inventory of the plain English CSV files.
#[test]
fn a_chinese_operators_workbook_loads_as_the_english_file_does() {
    let reference = reference();
    let parks = std::fs::read_to_string(crate::data("worked").join("parks.csv")).unwrap();
    let wide_two_rows = wide(
        ["原煤", "天然气", "电网购电（不含绿电属性）"],
        Some(["吨", "万立方米", "兆瓦时"]),
    );
    for (what, sheets) in [
        ("long", vec![("活动数据", LONG_ZH)]),
        (
            "wide with a unit row",
            vec![
                ("活动数据", wide_two_rows.as_str()),
                ("活动数据2", WIDE_REST),
            ],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut book = rust_xlsxwriter::Workbook::new();
        sheet_from_csv(&mut book, "园区", &parks);
        for (name, text) in sheets {
            sheet_from_csv(&mut book, name, text);
        }
        let path = dir.path().join("园区能源统计.xlsx");
        book.save(&path).unwrap();
        assert_eq!(inventory_csv(&path), reference, "{what}");
    }
}

/// The same export as real LibreOffice files: legacy .xls (BIFF8), .ods, and .xlsx saved by
/// LibreOffice (`tests/data/operators/README.md` says how they were made).
#[test]
fn workbooks_saved_by_libreoffice_load_as_the_english_file_does() {
    let reference = reference();
    for name in ["libreoffice.xls", "libreoffice.ods", "libreoffice.xlsx"] {
        let path = crate::data("operators").join(name);
        assert_eq!(inventory_csv(&path), reference, "{name}");
        let (code, out, _) = run(&["validate", path.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: {out}");
        assert!(
            out.contains("!活动数据: skipped 1 title row above the header"),
            "{name}: {out}"
        );
        assert!(out.contains("!活动数据!A13: a totals row"), "{name}: {out}");
    }
}
