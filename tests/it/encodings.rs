//! Both encodings, three delimiters, decimal commas and both layouts give the same inventory.

use crate::run;
use std::path::Path;

fn inventory_csv(dir: &Path) -> String {
    let (code, out, err) = run(&["inventory", dir.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    out
}

fn worked() -> (String, String) {
    let d = crate::data("worked");
    (
        std::fs::read_to_string(d.join("parks.csv")).unwrap(),
        std::fs::read_to_string(d.join("activity.csv")).unwrap(),
    )
}

#[test]
fn gb18030_with_semicolons_and_decimal_commas_reads_like_utf8() {
    let (parks, activity) = worked();
    let reference = inventory_csv(&crate::data("worked"));
    let dir = tempfile::tempdir().unwrap();
    let to_semicolon = |s: &str| {
        s.lines()
            .map(|l| {
                l.split(',')
                    .map(|c| {
                        if c.parse::<f64>().is_ok() && c.contains('.') {
                            c.replace('.', ",")
                        } else {
                            c.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let (parks, activity) = (to_semicolon(&parks), to_semicolon(&activity));
    let (p, _, _) = encoding_rs::GB18030.encode(&parks);
    let (a, _, _) = encoding_rs::GB18030.encode(&activity);
    std::fs::write(dir.path().join("parks.csv"), p.as_ref()).unwrap();
    std::fs::write(dir.path().join("activity.csv"), a.as_ref()).unwrap();
    assert_eq!(inventory_csv(dir.path()), reference);
}

#[test]
fn utf8_bom_and_tabs_read_like_plain_utf8() {
    let (parks, activity) = worked();
    let reference = inventory_csv(&crate::data("worked"));
    let dir = tempfile::tempdir().unwrap();
    let tabs = |s: &str| format!("\u{feff}{}", s.replace(',', "\t"));
    std::fs::write(dir.path().join("parks.csv"), tabs(&parks)).unwrap();
    std::fs::write(dir.path().join("activity.csv"), tabs(&activity)).unwrap();
    assert_eq!(inventory_csv(dir.path()), reference);
}

#[test]
fn wide_layout_is_the_long_layout() {
    let (parks, _) = worked();
    let reference = inventory_csv(&crate::data("worked"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("parks.csv"), parks).unwrap();
    // Columns in another order than the long file, units in brackets, Chinese units.
    let wide = "year,park_id,raw_coal [t],diesel [kt],natural_gas [万m3],electricity_grid (MWh),electricity_green_purchased [kWh],heat_purchased [GJ]\n\
                2022,we-js,10000,1,500,1000,1000000,1000\n\
                2022,we-yn,0,0,0,1000,0,0\n\
                2022,we-cn,0,0,0,1000,0,0\n\
                2022,we-500k,0,0,3007.518797,0,3742880390,0\n";
    std::fs::write(dir.path().join("activity.csv"), wide).unwrap();
    let got = inventory_csv(dir.path());
    // Carriers reported as 0 appear as 0 columns: compare the totals that matter.
    let pick = |t: &str| -> Vec<(String, String, String)> {
        crate::csv_rows(t)
            .into_iter()
            .map(|r| {
                (
                    r["park_id"].clone(),
                    r["energy_tce"].clone(),
                    r["co2_total_t"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(pick(&got), pick(&reference));
}

#[test]
fn unreadable_encodings_say_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        b"park_id,name\np1,\xff\xfe\xfd\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("activity.csv"),
        "park_id,year,metric,value,unit\n",
    )
    .unwrap();
    let (code, out, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("parks.csv:2: the text encoding is not recognised (value \"\\xFF\\xFE\\xFD\\x0A\", expected UTF-8 or GB18030/GBK)"), "{out}");
}

#[test]
fn a_title_row_above_a_chinese_header_is_skipped_and_said() {
    // As Excel saves a sheet with a title row: GB18030, the title in the first cell of a row of
    // empty cells, then the header in Chinese.
    let (parks, activity) = worked();
    let reference = inventory_csv(&crate::data("worked"));
    let dir = tempfile::tempdir().unwrap();
    let zh = |text: &str, names: &[(&str, &str)]| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let n = lines[0].split(',').count();
        for (en, zh) in names {
            lines[0] = lines[0]
                .split(',')
                .map(|h| {
                    if h == *en {
                        zh.to_string()
                    } else {
                        h.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(",");
        }
        let title = format!("园区能源消费统计表{}", ",".repeat(n - 1));
        format!("{title}\r\n{}\r\n", lines.join("\r\n"))
    };
    let activity = zh(
        &activity,
        &[
            ("park_id", "园区编号"),
            ("year", "年份"),
            ("period", "月份"),
            ("metric", "指标"),
            ("value", "数值"),
            ("unit", "单位"),
            ("note", "备注"),
        ],
    );
    let parks = zh(&parks, &[("park_id", "园区编号"), ("name", "园区名称")]);
    let (a, _, _) = encoding_rs::GB18030.encode(&activity);
    let (p, _, _) = encoding_rs::GB18030.encode(&parks);
    std::fs::write(dir.path().join("parks.csv"), p.as_ref()).unwrap();
    std::fs::write(dir.path().join("activity.csv"), a.as_ref()).unwrap();
    assert_eq!(inventory_csv(dir.path()), reference);
    let (code, out, err) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("activity.csv: skipped 1 title row above the header"),
        "{out}"
    );
    assert!(
        out.contains("parks.csv: skipped 1 title row above the header"),
        "{out}"
    );
    // The worked example gives two parks' green electricity without its class: a warning each,
    // on the file's own line.
    assert!(out.contains("0 errors, 3 warnings"), "{out}");
    assert!(
        out.contains("activity.csv:7:4: park we-js 2022: 1000 MWh of green electricity is reported without its class"),
        "{out}"
    );
    // Lines are the file's own, title row counted.
    assert!(out.contains("parks.csv:5: no province given"), "{out}");
}
