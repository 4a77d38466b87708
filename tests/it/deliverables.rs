//! Deliverables a consultant can sign: the report's files as a client receives them (their
//! permissions, CSV files Excel opens, the workbook) and the identification block on them.

use std::path::Path;

/// The report of one sample park in every format a client is handed, into `out`, run by a
/// shell whose umask is `umask` (so the test process's own umask is left alone).
#[cfg(unix)]
fn report_with_umask(out: &Path, umask: &str) {
    let bin = assert_cmd::cargo::cargo_bin("parkbench");
    let status = std::process::Command::new("sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg("umask \"$0\" && exec \"$@\"")
        .arg(umask)
        .arg(bin)
        .args([
            "report",
            "sample-data",
            "--benchmark",
            "cn-zero-carbon-park-2025",
            "--park",
            "js-haiyan-zerocarbon",
            "--format",
            "html,md,json,csv,xlsx",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .status()
        .expect("sh runs");
    assert!(status.success(), "report under umask {umask}");
}

/// The permission bits of a file.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Regression: every output file was written 0600 (tempfile's default), whatever the umask, so
/// a report written for colleagues on a shared server was readable by its writer alone.
#[cfg(unix)]
#[test]
fn outputs_are_written_with_the_umasks_permissions_and_keep_a_replaced_files_mode() {
    let root = tempfile::tempdir().unwrap();
    let files = [
        "parks/js-haiyan-zerocarbon.html",
        "parks/js-haiyan-zerocarbon.md",
        "scores.csv",
        "scores.json",
        "scores.xlsx",
        "provenance.csv",
    ];
    for (umask, expected) in [("022", 0o644), ("027", 0o640), ("002", 0o664)] {
        let out = root.path().join(umask);
        report_with_umask(&out, umask);
        for f in files {
            assert_eq!(mode(&out.join(f)), expected, "{f} under umask {umask}");
        }
    }
    // A file the user made private stays private when the report is written again.
    use std::os::unix::fs::PermissionsExt;
    let out = root.path().join("022");
    let scores = out.join("scores.csv");
    std::fs::set_permissions(&scores, std::fs::Permissions::from_mode(0o600)).unwrap();
    report_with_umask(&out, "022");
    assert_eq!(mode(&scores), 0o600, "a replaced file keeps its mode");
    assert_eq!(mode(&out.join("scores.json")), 0o644);
}

/// The sample report of one park with its pathway and needs, as CSV, into `out`.
fn csv_report(out: &Path) {
    crate::report::sample_report_with(
        out,
        &["--park", "hb-yanshan-steel", "--format", "csv", "--quiet"],
    );
}

/// Every CSV file of a report starts with the UTF-8 byte-order mark, so a double-click opens it
/// in Excel on a Chinese Windows (which reads a CSV file without one as GBK); the tables a
/// command prints for pipes and scripts (`score --format csv`) have none, and are otherwise
/// the same bytes.
#[test]
fn report_csvs_carry_a_bom_and_printed_csv_does_not() {
    let dir = tempfile::tempdir().unwrap();
    csv_report(dir.path());
    let mut seen = Vec::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            let bytes = std::fs::read(&p).unwrap();
            assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{}", p.display());
            assert!(std::str::from_utf8(&bytes).is_ok(), "{}", p.display());
            seen.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    seen.sort();
    for f in [
        "failures.csv",
        "needs.csv",
        "plan.csv",
        "provenance.csv",
        "scores.csv",
    ] {
        assert!(seen.iter().any(|s| s == f), "{f} written: {seen:?}");
    }
    let (code, printed, err) = crate::run(&[
        "score",
        "sample-data",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--park",
        "hb-yanshan-steel",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(printed.starts_with("park_id,"), "no BOM on standard output");
    let scores = std::fs::read(dir.path().join("scores.csv")).unwrap();
    assert_eq!(&scores[3..], printed.as_bytes());
}

/// parkbench reads what it writes for people: the report's `needs.csv` (BOM and all) reads
/// back as the needs it holds, and a prices table saved by a spreadsheet as "CSV UTF-8" (with a
/// BOM) prices a plan as the plain file does. (Data files with a BOM: `encodings.rs`.)
#[test]
fn files_with_a_bom_read_like_files_without() {
    let dir = tempfile::tempdir().unwrap();
    csv_report(dir.path());
    let needs = std::fs::read_to_string(dir.path().join("needs.csv")).unwrap();
    assert!(needs.starts_with('\u{feff}'));
    let back = parkbench::matchmaking::read_needs_csv(&needs).unwrap();
    assert!(!back.is_empty());
    assert!(back.iter().all(|n| n.park_id == "hb-yanshan-steel"));
    let prices = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("indicators/prices.csv"),
    )
    .unwrap();
    let plan_with = |text: String| {
        let file = dir.path().join("prices-in.csv");
        std::fs::write(&file, text).unwrap();
        let (code, out, err) = crate::run(&[
            "plan",
            "sample-data",
            "--benchmark",
            "cn-zero-carbon-park-2025",
            "--park",
            "hb-yanshan-steel",
            "--prices",
            file.to_str().unwrap(),
            "--format",
            "csv",
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let plain = plan_with(prices.clone());
    assert!(plain.contains("hb-yanshan-steel"), "{plain}");
    assert_eq!(plan_with(format!("\u{feff}{prices}")), plain);
}

/// The identification block of an HTML page, label -> value.
fn ident_of(html: &str) -> std::collections::BTreeMap<String, String> {
    let start = html
        .find("<table class=\"ident\"")
        .expect("identification block");
    let block = &html[start..start + html[start..].find("</table>").unwrap()];
    block
        .split("<tr><th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let (label, rest) = row.split_once("</th><td>").unwrap();
            let value = &rest[..rest.find("</td>").unwrap()];
            (label.to_string(), value.to_string())
        })
        .collect()
}

/// Runs `report` on `data` for two sample parks as HTML, with `extra` arguments, into a new
/// folder under `root` named `name`; returns the folder.
fn html_report(root: &Path, name: &str, data: &Path, extra: &[&str]) -> std::path::PathBuf {
    let out = root.join(name);
    let mut args = vec![
        "report",
        data.to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--park",
        "hb-yanshan-steel",
        "--park",
        "sc-shuxi-ict",
        "--format",
        "html",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let (code, _, err) = crate::run(&args);
    assert_eq!(code, 0, "{err}");
    out
}

fn sample_data() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data")
}

/// Every page starts with the identification block: client, preparer and issue date from the
/// data folder's report.toml, the months the data covers, the set with its version, the
/// parkbench version and one report id, the same on the programme page and each park's.
#[test]
fn every_page_is_identified_from_report_toml() {
    let root = tempfile::tempdir().unwrap();
    let out = html_report(root.path(), "a", &sample_data(), &[]);
    let pages = [
        "index.html",
        "parks/hb-yanshan-steel.html",
        "parks/sc-shuxi-ict.html",
    ];
    let idents: Vec<_> = pages
        .iter()
        .map(|p| ident_of(&std::fs::read_to_string(out.join(p)).unwrap()))
        .collect();
    let first = &idents[0];
    assert!(idents.iter().all(|i| i == first), "{idents:?}");
    let expect = [
        ("Client", "示例零碳园区建设项目办公室（虚构）"),
        ("Prepared by", "示例低碳咨询有限公司（虚构）"),
        ("Issue date", "2026-06-30"),
        ("Data period", "2022-01 to 2024-12"),
        ("parkbench version", env!("CARGO_PKG_VERSION")),
    ];
    for (label, value) in expect {
        assert_eq!(first[label], value, "{label}");
    }
    let set = &first["Benchmark set"];
    assert!(
        set.starts_with("cn-zero-carbon-park-2025, version 2026.12 (content "),
        "{set}"
    );
    let id = &first["Report id"];
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
}

/// The command line's options win over report.toml; a client or preparer given nowhere is
/// "not given", never made up; an issue date given nowhere is today's; a report.toml with a
/// key parkbench does not know is refused (exit 2) with the file's name.
#[test]
fn options_win_over_report_toml_and_nothing_is_invented() {
    let root = tempfile::tempdir().unwrap();
    let flags = html_report(
        root.path(),
        "flags",
        &sample_data(),
        &[
            "--client",
            "苏州工业园区管委会",
            "--issue-date",
            "2026-07-01",
        ],
    );
    let i = ident_of(&std::fs::read_to_string(flags.join("index.html")).unwrap());
    assert_eq!(i["Client"], "苏州工业园区管委会");
    assert_eq!(i["Prepared by"], "示例低碳咨询有限公司（虚构）");
    assert_eq!(i["Issue date"], "2026-07-01");
    let empty = root.path().join("empty.toml");
    std::fs::write(&empty, "# nothing said\n").unwrap();
    let config = ["--report-config", empty.to_str().unwrap()];
    let bare = html_report(root.path(), "bare", &sample_data(), &config);
    let i = ident_of(&std::fs::read_to_string(bare.join("index.html")).unwrap());
    assert_eq!(i["Client"], "not given");
    assert_eq!(i["Prepared by"], "not given");
    let today = chrono::Local::now().date_naive().format("%Y-%m-%d");
    assert_eq!(i["Issue date"], today.to_string());
    std::fs::write(&empty, "cliant = \"typo\"\n").unwrap();
    let (code, _, err) = crate::run(&[
        "report",
        "sample-data",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--report-config",
        empty.to_str().unwrap(),
        "--out",
        root.path().join("refused").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty.toml: unknown key \"cliant\""), "{err}");
}

/// The report id is a digest of what the report rests on: the same data and options give the
/// same id wherever the data folder is; another issue date or other data give another.
#[test]
fn the_report_id_follows_the_inputs_not_the_folder() {
    let root = tempfile::tempdir().unwrap();
    let id = |out: &Path| {
        ident_of(&std::fs::read_to_string(out.join("index.html")).unwrap())["Report id"].clone()
    };
    let a = id(&html_report(root.path(), "a", &sample_data(), &[]));
    let moved = root.path().join("moved");
    std::fs::create_dir(&moved).unwrap();
    for e in std::fs::read_dir(sample_data()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, moved.join(p.file_name().unwrap())).unwrap();
        }
    }
    assert_eq!(id(&html_report(root.path(), "b", &moved, &[])), a);
    let later = ["--issue-date", "2026-07-01"];
    assert_ne!(id(&html_report(root.path(), "c", &moved, &later)), a);
    let parks = std::fs::read_to_string(moved.join("parks.csv")).unwrap();
    std::fs::write(moved.join("parks.csv"), parks.replace("蜀西", "川西")).unwrap();
    assert_ne!(id(&html_report(root.path(), "d", &moved, &[])), a);
}

/// The parts of an .xlsx file, by name.
fn xlsx_parts(path: &Path) -> std::collections::BTreeMap<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            (f.name().unwrap().to_string(), text)
        })
        .collect()
}

/// The values of attribute `attr` of every `<tag ...>` element in `xml`, in order.
fn attrs<'x>(xml: &'x str, tag: &str, attr: &str) -> Vec<&'x str> {
    let open = format!("<{tag} ");
    let key = format!(" {attr}=\"");
    xml.match_indices(&open)
        .map(|(i, _)| {
            let element = &xml[i..i + xml[i..].find('>').unwrap()];
            element.find(&key).map_or("", |k| {
                let v = &element[k + key.len()..];
                &v[..v.find('"').unwrap()]
            })
        })
        .collect()
}

/// The number format of every cell style (`cellXfs`) of a workbook: its format code, or
/// "General".
fn cell_formats(styles: &str) -> Vec<String> {
    let codes: std::collections::BTreeMap<&str, &str> = attrs(styles, "numFmt", "numFmtId")
        .into_iter()
        .zip(attrs(styles, "numFmt", "formatCode"))
        .collect();
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    attrs(xfs, "xf", "numFmtId")
        .into_iter()
        .map(|id| match (id, codes.get(id)) {
            (_, Some(code)) => code.replace("&quot;", "\""),
            ("0", None) => "General".to_string(),
            (other, None) => format!("built-in {other}"),
        })
        .collect()
}

/// The number cells of a sheet: (reference, number format).
fn number_cells(sheet: &str, formats: &[String]) -> Vec<(String, String)> {
    sheet
        .match_indices("<c r=\"")
        .filter_map(|(i, _)| {
            let element = &sheet[i..=i + sheet[i..].find('>').unwrap()];
            if element.contains(" t=\"") || element.ends_with("/>") {
                return None;
            }
            let r = attrs(element, "c", "r")[0].to_string();
            let style = attrs(element, "c", "s")[0].parse::<usize>().unwrap_or(0);
            Some((r, formats[style].clone()))
        })
        .collect()
}

/// The sample report's workbook, with pathways and needs, in `lang`, into `out`.
fn workbook(out: &Path, lang: &str) -> std::path::PathBuf {
    crate::report::sample_report_with(out, &["--format", "csv,xlsx", "--lang", lang, "--quiet"]);
    out.join("scores.xlsx")
}

/// The workbook a client is handed: a cover first with the identification block and a link to
/// each sheet; then every table with its header row frozen (and the park's id and name), a
/// filter on it, a park-name column, widths set, A4 landscape one page wide with the header
/// row repeated; no number left in the General format; headers in the report's language.
#[test]
fn the_workbook_is_tidy_for_a_client() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, cover, park) in [("en", "Cover", "Park"), ("zh", "封面", "园区名称")] {
        let parts = xlsx_parts(&workbook(&dir.path().join(lang), lang));
        let book = &parts["xl/workbook.xml"];
        let sheets = attrs(book, "sheet", "name");
        assert_eq!(sheets[0], cover, "{lang}: {sheets:?}");
        let tables = sheets.len() - 1;
        assert!(tables >= 8, "{lang}: {sheets:?}");
        assert_eq!(book.matches("_xlnm.Print_Titles").count(), tables, "{lang}");
        assert_eq!(book.matches("_xlnm._FilterDatabase").count(), tables);
        // The identification block: the issue date and data period of sample-data/report.toml.
        let strings = &parts["xl/sharedStrings.xml"];
        assert!(strings.contains("2026-06-30") && strings.contains("2022-01"));
        assert!(strings.contains("示例低碳咨询有限公司（虚构）"));
        let cover_xml = &parts["xl/worksheets/sheet1.xml"];
        assert_eq!(cover_xml.matches("<hyperlink ").count(), tables, "{lang}");
        let formats = cell_formats(&parts["xl/styles.xml"]);
        let mut numbers = 0;
        for i in 2..=sheets.len() {
            let xml = &parts[&format!("xl/worksheets/sheet{i}.xml")];
            let name = sheets[i - 1];
            assert!(xml.contains("<autoFilter ref=\"A1:"), "{name}: filter");
            assert!(xml.contains("state=\"frozen\""), "{name}: frozen");
            assert!(xml.contains("<pageSetUpPr fitToPage=\"1\"/>"), "{name}");
            assert!(xml.contains("orientation=\"landscape\""), "{name}");
            assert!(xml.contains("fitToHeight=\"0\""), "{name}: one page wide");
            assert!(xml.contains("paperSize=\"9\""), "{name}: A4");
            assert!(xml.contains("<col "), "{name}: widths");
            for (r, f) in number_cells(xml, &formats) {
                numbers += 1;
                assert_ne!(f, "General", "{lang} {name}!{r} has no number format");
            }
        }
        assert!(numbers > 5000, "{numbers} numbers");
        // The second column of the scores sheet is the park's name.
        use calamine::Reader;
        let mut xlsx =
            calamine::open_workbook_auto(dir.path().join(lang).join("scores.xlsx")).unwrap();
        let scores = xlsx.worksheet_range(sheets[1]).unwrap();
        let first = scores.rows().nth(1).unwrap();
        assert_eq!(scores.rows().next().unwrap()[1].to_string(), park);
        assert_eq!(first[0].to_string(), "ah-jianghuai-logistics");
        assert_eq!(first[1].to_string(), "江淮智慧物流园");
        // Headers are words: no CSV name (snake_case) is left in any header row.
        for name in &sheets[1..] {
            let range = xlsx.worksheet_range(name).unwrap();
            for h in range.rows().next().unwrap() {
                let h = h.to_string();
                assert!(!h.contains('_'), "{lang} {name}: header {h:?}");
            }
        }
    }
}

/// Each kind of number in its format: shares as percentages, tonnes and tce with thousands
/// separators and no decimals, scores with one decimal, years without a separator, a value in
/// its row's unit.
#[test]
fn numbers_are_formatted_by_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let parts = xlsx_parts(&workbook(dir.path(), "en"));
    let formats = cell_formats(&parts["xl/styles.xml"]);
    let of = |sheet: usize, cell: &str| {
        let xml = &parts[&format!("xl/worksheets/sheet{sheet}.xml")];
        number_cells(xml, &formats)
            .into_iter()
            .find(|(r, _)| r == cell)
            .map(|(_, f)| f)
            .unwrap_or_else(|| panic!("sheet{sheet}!{cell} is a number"))
    };
    // Scores (sheet 2): C year, H value (tCO2/tce in row 2, a share in row 3), P coverage.
    assert_eq!(of(2, "C2"), "0");
    assert_eq!(of(2, "H2"), "0.000");
    assert_eq!(of(2, "H3"), "0.0%");
    assert_eq!(of(2, "J3"), "0.0%");
    assert_eq!(of(2, "L3"), "0.0");
    // Inventory (sheet 3): D energy (tce), E scope 1 (tCO2), J CO2 per tce.
    assert_eq!(of(3, "D2"), "#,##0");
    assert_eq!(of(3, "E2"), "#,##0");
    assert_eq!(of(3, "J2"), "0.000");
}

/// The summary a client reads first, on the committed sample's failing steel park: the gate's
/// gap first, the next step with its cost said as a saving, how sure, what the data rests on and
/// how firm the thresholds are.
#[test]
fn a_park_page_opens_with_its_summary() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reports/sample/parks/hb-yanshan-steel.md"
    ))
    .unwrap();
    let summary = &page[page.find("## Summary").expect("a summary")..];
    let summary = &summary[..summary[3..].find("\n## ").unwrap() + 3];
    for want in [
        "- **The gaps that matter**: Core: CO2 per unit energy: ",
        "- **The next step**: Today: ",
        "while saving ",
        "- **How sure**: in 1,000 draws over factor and data uncertainty: ",
        "- **What the data rests on**: Energy by evidence grade",
        "warnings on this park's data",
        "- **How firm the thresholds are**: thresholds by the status of their source: secondary 6",
    ] {
        assert!(summary.contains(want), "missing {want:?} in\n{summary}");
    }
    // It stands before the rules.
    assert!(page.find("## Summary") < page.find("## Rules"));
}

/// The text of an HTML fragment: tags dropped, entities of the escaper decoded, white space
/// squeezed.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The section of a page that starts at `id` (its heading included) and ends at the next
/// `<h2`.
fn section<'p>(page: &'p str, id: &str) -> &'p str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &page[start..];
    let body = rest.find("</h2>").unwrap_or(0);
    let end = rest[body..].find("<h2").map_or(rest.len(), |i| i + body);
    &rest[..end]
}

/// The programme page opens with its summary: the verdict counts the parks by level as the
/// ranking does, the gaps most parks share name how many parks each holds back, and the data
/// statement and the thresholds' firmness close it. It ends with how the report was made.
#[test]
fn the_programme_page_opens_with_a_summary_and_ends_with_the_method() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reports/sample/index.html"
    ))
    .unwrap();
    let summary = text_of(section(&page, "summary"));
    // The ranking's levels, counted from its rows.
    let ranking = &page[page.find("<h2>Ranking</h2>").unwrap()..];
    let ranking = &ranking[ranking.find("<tbody>").unwrap()..ranking.find("</tbody>").unwrap()];
    let rows: Vec<&str> = ranking.split("<tr>").skip(1).collect();
    let count = |level: &str| {
        rows.iter()
            .filter(|r| r.contains(&format!("<td>{level}</td>")))
            .count()
    };
    let verdict = format!(
        "{} parks scored: Ready {} · Progressing {} · Early stage {} · Undetermined {}.",
        rows.len(),
        count("Ready"),
        count("Progressing"),
        count("Early stage"),
        count("Undetermined")
    );
    assert!(summary.contains(&verdict), "{verdict:?} in {summary}");
    for want in [
        "The gaps most parks share Core: CO2 per unit energy: not met in 3 of 12 parks",
        "The next step Of 12 parks,",
        "How sure no park is borderline",
        "What the data rests on Energy by evidence grade",
        "How firm the thresholds are thresholds by the status of their source: secondary 5",
    ] {
        assert!(summary.contains(want), "missing {want:?} in\n{summary}");
    }
    assert!(page.find("id=\"summary\"") < page.find("<h2>Ranking</h2>"));
    let method = text_of(section(&page, "methodology"));
    for want in [
        "The data The figures come from the data the park operators reported: 5 files, 12 parks, 2022–2024.",
        "The inventory",
        "The rules and the level",
        "1 of them is a gate",
        "What this report is not This report benchmarks the data as reported; it is not a verification",
    ] {
        assert!(method.contains(want), "missing {want:?} in\n{method}");
    }
}

/// A park alone in its peer groups is still read against something: the groups too small are
/// said in one sentence (not a row each), and the published references for its sector stand
/// beside its value with their source and status; a reference is read, never scored.
#[test]
fn a_park_alone_is_read_against_published_references() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("alone");
    let (code, _, err) = crate::run(&[
        "report",
        sample_data().to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--park",
        "hb-yanshan-steel",
        "--format",
        "html",
        "--quiet",
        "--draws",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let page = std::fs::read_to_string(out.join("parks/hb-yanshan-steel.html")).unwrap();
    let peers = section(&page, "peers");
    let text = text_of(peers);
    // One park: no group has statistics, and each group is named once.
    assert!(!peers.contains("<td class=\"num\">1 / 1</td>"), "{text}");
    assert!(
        text.contains("Too few parks for statistics (fewer than 5) in: programme (1); sector: steel (electric arc furnace) (1);"),
        "{text}"
    );
    assert_eq!(text.matches("programme (1)").count(), 1, "{text}");
    // The references, by hand: CO2 per tce 1,800,000 / 436,000 = 4.13 (the park's own value)
    // against 2.10 (97 % above, worse) and the grid-only park 0.5366 / 0.1229 = 4.366 (5 %
    // below, better).
    for want in [
        "Published references",
        "average Chinese industrial park today (2025) 2.10 tCO2/tce 4.13 tCO2/tce 97 % above (worse) secondary",
        "a park run on grid electricity alone (national average grid factor, equivalent value) (2022) 4.37 tCO2/tce 4.13 tCO2/tce 5 % below (better) secondary",
        "a park run on natural gas alone (2020) 1.63 tCO2/tce",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // Every reference names a known indicator and known sectors.
    let sectors = parkbench::reference::Sectors::embedded().unwrap();
    let vocab_sectors: Vec<&str> = sectors.list().iter().map(|s| s.id.as_str()).collect();
    let cat = parkbench::indicators::IndicatorCatalogue::embedded().unwrap();
    for r in &parkbench::stats::published().unwrap() {
        assert!(cat.get(&r.indicator).is_some(), "{}", r.indicator);
        assert!(
            r.sectors
                .iter()
                .all(|s| vocab_sectors.contains(&s.as_str()))
        );
        assert!(r.value.is_finite());
    }
}
