//! `parkbench report`: determinism, self-contained pages, escaping, path safety, the committed
//! sample report, snapshots of the Markdown and of the HTML structure, PNG charts.

use crate::run;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every file under `dir`, relative path -> bytes.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// The README's main command, into `out`.
pub fn sample_report(out: &Path) {
    sample_report_with(out, &[]);
}

/// The README's main command with `extra` arguments, into `out`.
pub fn sample_report_with(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "report",
        "sample-data",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--scenario",
        "sample-data/scenarios/sc-shuxi-ict.toml",
        "--technologies",
        "sample-data/technologies.csv",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_committed_sample_report_is_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    sample_report(dir.path());
    let fresh = files(dir.path());
    let committed = files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/sample"));
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&fresh),
        names(&committed),
        "regenerate with the README's main command"
    );
    for (name, bytes) in &fresh {
        assert!(
            &committed[name] == bytes,
            "reports/sample/{} is stale: regenerate with the README's main command",
            name.display()
        );
    }
}

#[test]
fn two_runs_give_identical_self_contained_files() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    sample_report(a.path());
    sample_report(b.path());
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert_eq!(fa, fb);
    assert!(fa.contains_key(Path::new("index.html")));
    assert!(fa.contains_key(Path::new("scores.csv")));
    assert!(fa.contains_key(Path::new("scores.json")));
    assert!(fa.contains_key(Path::new("parks/js-haiyan-zerocarbon.md")));
    assert!(fa.contains_key(Path::new("charts/js-haiyan-zerocarbon-scorecard.svg")));
    for (name, bytes) in fa
        .iter()
        .filter(|(n, _)| n.extension().is_some_and(|e| e == "html"))
    {
        let html = String::from_utf8_lossy(bytes);
        // Nothing loaded from elsewhere: no scripts, stylesheets, images or fonts by URL.
        for bad in ["<script", "<link", "src=\"http", "url(http", "@import"] {
            assert!(!html.contains(bad), "{} contains {bad}", name.display());
        }
        assert!(
            html.contains("<style>") && html.contains("@media print"),
            "{}",
            name.display()
        );
    }
}

#[test]
fn hostile_names_are_escaped_and_ids_never_become_paths() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("a/b/out");
    let (code, _, err) = run(&[
        "report",
        "tests/data/hostile",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        code, 1,
        "parks with bad ids are left out, the rest reported: {err}"
    );
    // Nothing was written outside the output folder.
    assert!(
        !root.path().join("a/x").exists()
            && !root.path().join("x").exists()
            && !root.path().join("a/b/x").exists()
    );
    let written = files(&out);
    assert!(written.keys().all(|p| {
        p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    }));
    assert!(!written.keys().any(|p| p.to_string_lossy().contains("CON") || p.to_string_lossy().contains(".hidden")));
    let html = String::from_utf8(written[Path::new("parks/safe-1.html")].clone()).unwrap();
    assert!(html.contains("&lt;script&gt;alert("), "park name escaped");
    assert!(!html.contains("<script>alert"), "no live script");
    assert!(!html.contains("<b>bold</b>"), "sector escaped");
    let md = String::from_utf8(written[Path::new("parks/safe-1.md")].clone()).unwrap();
    assert!(md.contains("&lt;script&gt;") && md.contains("\\|"), "{md}");
    let index = String::from_utf8(written[Path::new("index.html")].clone()).unwrap();
    assert!(
        index.contains("..&#x2f;..&#x2f;x"),
        "the failure is listed, escaped"
    );
    assert!(index.contains("Parks left out"));
    // SVG charts carry the name as escaped text too.
    let svg = String::from_utf8(written[Path::new("charts/safe-1-scorecard.svg")].clone()).unwrap();
    assert!(!svg.contains("<script"), "{}", &svg[..200]);
}

#[test]
fn markdown_page_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    sample_report(dir.path());
    let md = std::fs::read_to_string(dir.path().join("parks/js-haiyan-zerocarbon.md")).unwrap();
    insta::assert_snapshot!("park_markdown_js_haiyan", md);
}

#[test]
fn html_structure_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    sample_report(dir.path());
    let html = std::fs::read_to_string(dir.path().join("parks/nx-qingya-coalchem.html")).unwrap();
    insta::assert_snapshot!("park_html_structure", structure(&html));
}

/// The element structure of a page: one line per tag outside SVG, with its class.
fn structure(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut depth: usize = 0;
    let mut in_svg = 0;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            continue;
        }
        let closing = tag.starts_with('/');
        if name == "svg" {
            if closing {
                in_svg -= 1;
            } else {
                if in_svg == 0 {
                    out.push_str(&format!("{}svg\n", "  ".repeat(depth)));
                }
                in_svg += 1;
            }
            continue;
        }
        if in_svg > 0 || ["meta", "br"].contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        let class = tag
            .split("class=\"")
            .nth(1)
            .and_then(|c| c.split('"').next())
            .map(|c| format!(".{}", c.replace(' ', ".")))
            .unwrap_or_default();
        out.push_str(&format!("{}{name}{class}\n", "  ".repeat(depth)));
        depth += 1;
    }
    out
}

#[test]
fn png_charts_decode_and_the_font_covers_every_sample_park_name() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "report",
        "sample-data",
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--park",
        "yn-dianzhong-battery",
        "--png",
        "--lang",
        "zh",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let png = std::fs::read(dir.path().join("charts/yn-dianzhong-battery-scorecard.png")).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    // Six rules of the national set, a bar each.
    assert_eq!((info.width, info.height), (820, 306));
    let parks = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/parks.csv"
    ))
    .unwrap();
    let missing: Vec<char> = parks
        .chars()
        .filter(|c| !c.is_ascii() && !parkbench::plot::font_has(*c))
        .collect();
    assert!(missing.is_empty(), "the embedded font lacks {missing:?}");
}

/// Two parks with the same data tie: the programme page gives them the same rank, as
/// `peers.csv` does (competition ranks, 1 = best, ties share the best place), and the next park
/// after them skips a place.
#[test]
fn tied_parks_share_a_rank_on_the_page_and_in_peers_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let twin = "nx-qingya-twin";
    let parks = std::fs::read_to_string(sample.join("parks.csv")).unwrap();
    let first = parks.lines().nth(1).unwrap();
    let original = first.split(',').next().unwrap().to_string();
    std::fs::write(
        data.join("parks.csv"),
        format!("{parks}{}\n", first.replacen(&original, twin, 1)),
    )
    .unwrap();
    for file in ["activity.csv", "activity_wide.csv"] {
        let text = std::fs::read_to_string(sample.join(file)).unwrap();
        let copies: String = text
            .lines()
            .filter(|l| l.starts_with(&format!("{original},")))
            .map(|l| format!("{}\n", l.replacen(&original, twin, 1)))
            .collect();
        std::fs::write(data.join(file), format!("{text}{copies}")).unwrap();
    }
    let out = dir.path().join("out");
    let (code, _, err) = run(&[
        "report",
        data.to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--out",
        out.to_str().unwrap(),
        "--draws",
        "0",
        "--format",
        "html,csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    let page_rank = |park: &str| -> String {
        let at = index.find(&format!("href=\"parks/{park}.html\"")).unwrap();
        let row = &index[index[..at].rfind("<tr>").unwrap()..at];
        let cell = row.split("<td class=\"num\">").nth(1).unwrap();
        cell[..cell.find('<').unwrap()].to_string()
    };
    let peers = std::fs::read_to_string(out.join("peers.csv")).unwrap();
    let rows = crate::csv_rows(&peers);
    let latest = rows
        .iter()
        .filter(|r| r["measure"] == "overall" && r["group_kind"] == "programme")
        .map(|r| r["year"].clone())
        .max()
        .unwrap();
    let csv_rank = |park: &str| -> String {
        rows.iter()
            .find(|r| {
                r["park_id"] == park
                    && r["measure"] == "overall"
                    && r["group_kind"] == "programme"
                    && r["year"] == latest
            })
            .unwrap()["rank"]
            .clone()
    };
    assert_eq!(page_rank(&original), page_rank(twin));
    assert_eq!(page_rank(&original), csv_rank(&original));
    assert_eq!(csv_rank(&original), csv_rank(twin));
    // Every park's place on the page is its place in peers.csv.
    for r in rows.iter().filter(|r| {
        r["measure"] == "overall" && r["group_kind"] == "programme" && r["year"] == latest
    }) {
        assert_eq!(page_rank(&r["park_id"]), r["rank"], "{}", r["park_id"]);
    }
}

/// Words a Chinese deliverable may carry in Latin letters: units, acronyms and proper names,
/// codes, metric ids, and what the operator wrote in parks.csv (names and sectors).
pub(crate) fn chinese_allow_list() -> std::collections::BTreeSet<String> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let vocab = parkbench::reference::Vocabulary::embedded().unwrap();
    let mut allowed: std::collections::BTreeSet<String> = [
        // Units.
        "t",
        "kg",
        "kt",
        "tce",
        "kgce",
        "tCO2",
        "kgCO2",
        "CO2",
        "MWh",
        "kWh",
        "GWh",
        "GJ",
        "TJ",
        "m3",
        "km2",
        "ha",
        "m2",
        "yr",
        "MW",
        "kW",
        // Acronyms used in Chinese as they are (measure names).
        "CCUS",
        // Quoted in the measure parameters' Chinese notes as written: a currency code and a
        // unit (CNY/W), the Danish Energy Agency and China's National Energy Administration,
        // organic Rankine cycle, a publication (pv magazine), a national standard's prefix
        // (GB 24500-2020), a heat pump's coefficient of performance, degrees (125 °C), IRENA's
        // REmap programme.
        "CNY",
        // Currencies of converted measure parameters, and the hour of a capture plant's t/h.
        "EUR",
        "USD",
        "h",
        "W",
        "GB",
        "COP",
        "C",
        "IRENA",
        "REmap",
        "DEA",
        "NEA",
        "ORC",
        "magazine",
        // Proper names: the tool, spreadsheet functions, data publishers, country codes.
        "parkbench",
        "Excel",
        "PERCENTRANK",
        "PERCENTILE",
        "INC",
        "Ember",
        "OWID",
        "IPCC",
        "CN",
        "VN",
        "Vietnam",
        "cn",
        "ipcc2006",
        // Codes: the evidence grades and China's green electricity certificate.
        "A",
        "B",
        "C",
        "D",
        "GEC",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    allowed.extend(vocab.order.iter().cloned());
    // Country codes (ISO 3166-1 alpha-2, where a technology is deployed).
    let countries = std::fs::read_to_string(
        sample
            .parent()
            .unwrap()
            .join("indicators/factors/countries.csv"),
    )
    .unwrap();
    for line in countries.lines().filter(|l| !l.starts_with('#')).skip(1) {
        if let Some(code) = line.split(',').next() {
            allowed.insert(code.to_string());
        }
    }
    // What the operator wrote in parks.csv (names, sectors), word by word.
    let parks = std::fs::read_to_string(sample.join("parks.csv")).unwrap();
    for row in crate::csv_rows(&parks) {
        for field in ["park_id", "name", "sector"] {
            for w in row[field].split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
            {
                allowed.insert(w.to_string());
                allowed.insert(w.to_lowercase());
            }
        }
    }
    allowed
}

/// The Latin words of `text` outside `allowed` that are not ids or codes (snake_case,
/// kebab-case, dotted, starting with a digit, a hex digest).
pub(crate) fn latin_words(text: &str, allowed: &std::collections::BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    for word in
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
    {
        let word = word.trim_matches(|c: char| c == '.' || c == '-');
        if !word.chars().any(|c| c.is_ascii_alphabetic()) || allowed.contains(word) {
            continue;
        }
        // Ids and codes: snake_case, kebab-case, dotted (PERCENTILE.INC), numbers with units.
        // A report id or a content digest (hex) is a code too.
        if word.contains(['_', '-', '.'])
            || word.chars().next().is_some_and(|c| c.is_ascii_digit())
            || (word.len() >= 8 && word.chars().all(|c| c.is_ascii_hexdigit()))
        {
            continue;
        }
        out.push(word.to_string());
    }
    out
}

/// The sample programme's report in Chinese has no English words but the allowed kinds: ids
/// (metric, park, factor and band ids, country codes), units, citations (`<cite>`: sources and
/// issuers as published), code (`<code>`), what the operator wrote (park names and sectors from
/// parks.csv), country names of the grid table, and a few proper names.
#[test]
fn the_chinese_report_has_no_english_words_outside_the_allow_list() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("zh");
    // The README's report (scenario, technologies), in Chinese, with the Monte Carlo.
    sample_report_with(&out, &["--lang", "zh", "--draws", "50"]);
    let allowed = chinese_allow_list();
    // The technology catalogue's names and providers: the user's own data, shown as written.
    let quoted = quoted_strings();
    let strip = |s: &str, tag: &str| -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find(&format!("<{tag}")) {
            out.push_str(&rest[..i]);
            let close = format!("</{tag}>");
            rest = rest[i..]
                .find(&close)
                .map_or("", |j| &rest[i + j + close.len()..]);
        }
        out + rest
    };
    let mut english = Vec::new();
    let mut pages = 0;
    for entry in std::fs::read_dir(out.join("parks"))
        .unwrap()
        .chain(std::fs::read_dir(&out).unwrap())
    {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        pages += 1;
        let mut html = std::fs::read_to_string(&path)
            .unwrap()
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        for tag in ["style", "svg", "code", "cite", "footer"] {
            html = strip(&html, tag);
        }
        // Text only: drop the tags, then take runs of Latin letters.
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        for word in latin_words(&unquote(&text, &quoted), &allowed) {
            english.push(format!(
                "{}: {word}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(pages >= 13, "{pages} pages");
    english.sort();
    english.dedup();
    assert!(
        english.is_empty(),
        "English on the Chinese pages:\n{}",
        english.join("\n")
    );
}

/// `report --format xlsx` writes `scores.xlsx`: a cover, then a sheet per table; every number
/// of scores.csv back from the workbook as the same number (a park-name column beside the
/// ids), sheet names, column names and statuses in the report's language, and the same bytes on
/// a second run.
#[test]
fn the_workbook_round_trips_scores_csv_in_both_languages() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for (lang, scores_sheet, park_column, provenance) in [
        ("en", "Scores", "Park id", "Provenance"),
        ("zh", "评分", "园区编号", "数据来源"),
    ] {
        let out = dir.path().join(lang);
        let report = |out: &Path| {
            let (code, _, err) = run(&[
                "report",
                sample.to_str().unwrap(),
                "--benchmark",
                "cn-zero-carbon-park-2025",
                "--out",
                out.to_str().unwrap(),
                "--lang",
                lang,
                "--draws",
                "0",
                "--format",
                "csv,xlsx",
            ]);
            assert_eq!(code, 0, "{err}");
        };
        report(&out);
        let path = out.join("scores.xlsx");
        let mut book = calamine::open_workbook_auto(&path).unwrap();
        let names = book.sheet_names();
        assert!(names.len() >= 6, "{names:?}");
        let sheet = book.worksheet_range(scores_sheet).unwrap();
        let csv = std::fs::read_to_string(out.join("scores.csv")).unwrap();
        let csv = csv.trim_start_matches('\u{feff}');
        let mut records = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<_> = sheet.rows().collect();
        // The park's name sits beside its id: CSV column c is the workbook's c + 1 after it.
        let at = |c: usize| if c == 0 { 0 } else { c + 1 };
        let header: Vec<String> = records
            .headers()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        let worded = [
            "status",
            "role",
            "unit",
            "level",
            "source_status",
            "gap",
            "rule",
        ];
        let mut n = 0;
        for (r, rec) in records.records().enumerate() {
            let rec = rec.unwrap();
            for (c, want) in rec.iter().enumerate() {
                let got = rows[r + 1].get(at(c)).cloned().unwrap_or(Data::Empty);
                n += 1;
                match got {
                    Data::Float(v) => assert_eq!(v, want.parse::<f64>().unwrap(), "{r},{c}"),
                    Data::Int(v) => assert_eq!(v as f64, want.parse::<f64>().unwrap(), "{r},{c}"),
                    Data::String(s) if worded.contains(&header[c].as_str()) => {
                        assert!(!s.is_empty(), "{r},{c}: {want} worded");
                        // Rule ids stay ids; only the overall score's row is worded.
                        if lang == "zh" && !["gap", "unit", "rule"].contains(&header[c].as_str()) {
                            assert!(!s.is_ascii(), "{r},{c}: {s:?} is not in Chinese");
                        }
                    }
                    Data::String(s) => assert_eq!(s, want, "{r},{c}"),
                    Data::Empty => assert_eq!(want, "", "{r},{c}"),
                    other => panic!("{r},{c}: {other:?}"),
                }
            }
        }
        assert!(n > 500, "{n} cells compared");
        assert_eq!(rows[0][0].to_string(), park_column);
        // Provenance: the set's thresholds, the factors used and every measure parameter and
        // price, each with its source and status, as provenance.csv has them.
        let prov = book.worksheet_range(provenance).unwrap();
        let prov_csv = std::fs::read_to_string(out.join("provenance.csv")).unwrap();
        assert_eq!(prov.rows().count(), prov_csv.lines().count());
        let kinds: std::collections::BTreeSet<String> =
            prov.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert!(kinds.len() >= 4, "{kinds:?}");
        assert!(
            prov.rows().skip(1).all(|r| !r[5].to_string().is_empty()),
            "every row has a source"
        );
        // Deterministic: a second run writes the same bytes.
        let again = dir.path().join(format!("{lang}-again"));
        report(&again);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(again.join("scores.xlsx")).unwrap(),
            "two runs, two workbooks"
        );
    }
}

/// The README's multi-set command: every shipped set side by side for two sample parks.
pub fn sample_all(out: &Path) {
    let (code, _, err) = run(&[
        "report",
        "sample-data",
        "--benchmark",
        "all",
        "--park",
        "hb-yanshan-steel",
        "--park",
        "js-haiyan-zerocarbon",
        "--format",
        "html",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

/// `--benchmark all`: a report per set in its own folder, a comparison page on top, each park
/// page with one row per set whose link leads to the park's page under that set; the committed
/// copy (reports/sample-all) is up to date.
#[test]
fn every_set_side_by_side_links_to_each_sets_report_and_is_committed() {
    let dir = tempfile::tempdir().unwrap();
    sample_all(dir.path());
    let sets: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("indicators/benchmarks"))
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                let stem = p.file_stem()?.to_string_lossy().into_owned();
                (p.extension()? == "toml").then_some(stem)
            })
            .collect();
    assert_eq!(sets.len(), 7);
    // Attribute values are HTML-escaped (`/` as `&#x2f;`, which browsers read as `/`).
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap().replace("&#x2f;", "/");
    let index = read(dir.path().join("index.html"));
    for s in &sets {
        assert!(index.contains(&format!("href=\"{s}/index.html\"")), "{s}");
        let page = read(dir.path().join(s).join("parks/hb-yanshan-steel.html"));
        let compare = &page[page.find("id=\"compare\"").expect("comparison section")..];
        let compare = &compare[..compare.find("</table>").unwrap()];
        assert_eq!(
            compare.matches("<tr>").count(),
            1 + 7,
            "{s}: header and a row per set"
        );
        for link in compare.split("href=\"").skip(1) {
            let rel = &link[..link.find('"').unwrap()];
            let target = dir.path().join(s).join("parks").join(rel);
            assert!(target.exists(), "{s}: {rel} leads nowhere");
        }
        let prog = read(dir.path().join(s).join("index.html"));
        assert!(
            prog.contains("id=\"compare\""),
            "{s}: the parks x sets table"
        );
    }
    let fresh = files(dir.path());
    let committed = files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/sample-all"));
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&fresh),
        names(&committed),
        "regenerate reports/sample-all with the README's command"
    );
    for (name, bytes) in &fresh {
        assert!(
            &committed[name] == bytes,
            "reports/sample-all/{} is stale: regenerate with the README's command",
            name.display()
        );
    }
}

/// Texts quoted as published: every `source` value of the shipped reference data (TOML
/// `source = "..."` and the `source` columns of its CSV files) and the technology catalogue's
/// names, providers and cost units (the user's own data). A Chinese deliverable shows them as
/// written; [`unquote`] takes them out of a text before its words are checked. White space
/// squeezed, longest first.
pub(crate) fn quoted_strings() -> Vec<String> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("indicators"), &mut files);
    let mut quoted = Vec::new();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if name == "common-passwords.txt" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        if name.ends_with(".toml") {
            // Sources, and a set's publisher, as published.
            for key in ["source = \"", "publisher = \""] {
                for part in text.split(key).skip(1) {
                    quoted.push(part.split('"').next().unwrap_or("").to_string());
                }
            }
        } else if name.ends_with(".csv") {
            let body: String = text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect();
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(body.as_bytes());
            let header = r.headers().unwrap().clone();
            let cols: Vec<usize> = header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.contains("source"))
                .map(|(i, _)| i)
                .collect();
            for rec in r.records().flatten() {
                for &c in &cols {
                    quoted.push(rec.get(c).unwrap_or("").to_string());
                }
            }
        }
    }
    // The technology catalogue is cited by the name it was given on the command line.
    quoted.push("sample-data/technologies.csv".to_string());
    let tech = std::fs::read_to_string(root.join("sample-data/technologies.csv")).unwrap();
    for row in crate::csv_rows(&tech) {
        for field in ["title_en", "provider", "source", "cost_unit"] {
            quoted.push(row[field].clone());
        }
    }
    let mut quoted: Vec<String> = quoted
        .iter()
        .map(|q| squeeze(q))
        .filter(|q| q.chars().any(|c| c.is_ascii_alphabetic()))
        .collect();
    quoted.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    quoted.dedup();
    quoted
}

/// White space runs as one space.
pub(crate) fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` without the quoted texts, found whatever white space a renderer put in or took out
/// (a PDF's text breaks lines inside a table cell and spaces hanzi from digits): each quoted
/// text is looked for with all white space dropped on both sides, and what it covers becomes
/// spaces.
pub(crate) fn unquote(text: &str, quoted: &[String]) -> String {
    // The text without white space, and for each of its bytes the original char's byte range.
    let mut squashed = String::with_capacity(text.len());
    let mut origin: Vec<(usize, usize)> = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if !c.is_whitespace() {
            squashed.push(c);
            origin.extend(std::iter::repeat_n((i, c.len_utf8()), c.len_utf8()));
        }
    }
    let mut removed = vec![false; text.len()];
    for q in quoted {
        let q: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        if q.is_empty() {
            continue;
        }
        for (at, _) in squashed.match_indices(q.as_str()) {
            for &(start, len) in &origin[at..at + q.len()] {
                removed[start..start + len]
                    .iter_mut()
                    .for_each(|r| *r = true);
            }
        }
    }
    text.char_indices()
        .map(|(i, c)| if removed[i] { ' ' } else { c })
        .collect()
}

/// Every cell of the Chinese workbook is Chinese: sheet names, headers, statuses, levels, roles,
/// gap texts and notes. Latin words only where the allow-list has them, in cells quoted from
/// sources or the user's catalogue, and in the columns that hold English by design (the English
/// titles and descriptions of needs beside the Chinese ones, file names).
#[test]
fn the_chinese_workbook_has_no_english_words_outside_the_allow_list() {
    use calamine::{Data, Reader};
    let dir = tempfile::tempdir().unwrap();
    sample_report_with(
        dir.path(),
        &["--lang", "zh", "--format", "xlsx", "--draws", "50"],
    );
    let allowed = chinese_allow_list();
    let quoted = quoted_strings();
    let english_by_design = ["标题（英文）", "说明（英文）", "文件", "来源"];
    // The provenance sheet lists the reference tables' rows as they are: each row's id, its
    // parameter (a band or a measure parameter) and the table's own note (the factor tables'
    // notes are in English only).
    let provenance_as_published = ["编号", "参数", "说明"];
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("scores.xlsx")).unwrap();
    let mut english = Vec::new();
    let mut cells = 0;
    for sheet in wb.sheet_names() {
        english.extend(
            latin_words(&sheet, &allowed)
                .into_iter()
                .map(|w| format!("sheet name: {w}")),
        );
        let range = wb.worksheet_range(&sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        // The cover sheet has no header row; the tables have theirs on the first row.
        let header: Vec<String> = rows
            .first()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        for (i, row) in rows.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let Data::String(text) = cell else { continue };
                cells += 1;
                if i > 0
                    && header
                        .get(j)
                        .is_some_and(|h| english_by_design.contains(&h.as_str()))
                {
                    continue;
                }
                if sheet == "数据来源"
                    && i > 0
                    && header
                        .get(j)
                        .is_some_and(|h| provenance_as_published.contains(&h.as_str()))
                {
                    continue;
                }
                for w in latin_words(&unquote(text, &quoted), &allowed) {
                    english.push(format!("{sheet} {}{}: {w} in {text:?}", col_name(j), i + 1));
                }
            }
        }
    }
    assert!(cells > 500, "{cells} text cells read");
    english.sort();
    english.dedup();
    assert!(
        english.is_empty(),
        "English in the Chinese workbook:\n{}",
        english.join("\n")
    );
}

/// A spreadsheet column's letters (0 = A).
fn col_name(mut j: usize) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (j % 26) as u8) as char);
        if j < 26 {
            return s;
        }
        j = j / 26 - 1;
    }
}
