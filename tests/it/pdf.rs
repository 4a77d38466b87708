//! `report --format pdf`: park and programme PDFs typeset in-process. Determinism and the page
//! size are checked on the bytes; what a reader sees (the words, the pages rendered as images,
//! headers repeated on continued tables) with poppler-utils, so those tests are `#[ignore]`d
//! unless asked (`cargo test --test it with_poppler -- --ignored`, as `.ci/run` does).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::run;

/// Parks of the sample programme in the PDF tests: one that fails its gate with a long pathway
/// (its measure-parameter table runs over pages), one with a scenario.
const PARKS: [&str; 2] = ["hb-yanshan-steel", "sc-shuxi-ict"];

/// The committed sample PDFs in `lang` (README: "PDF reports").
fn committed(lang: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/sample-pdf")
        .join(lang)
}

/// Writes the sample programme's report (the README's main command) for `PARKS` in `formats`
/// into `out`.
fn report(out: &Path, lang: &str, formats: &str) {
    let mut extra = vec!["--format", formats, "--lang", lang, "--quiet"];
    for p in PARKS {
        extra.extend(["--park", p]);
    }
    super::report::sample_report_with(out, &extra);
}

/// The committed sample PDFs are what a fresh run writes, byte for byte (so runs, and
/// machines, give the same bytes), and every page is A4.
#[test]
fn pdfs_are_a4_and_the_same_bytes_every_run() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "zh"] {
        let fresh = dir.path().join(lang);
        report(&fresh, lang, "pdf");
        let pdfs = |root: &Path| {
            let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("parks"))
                .unwrap()
                .map(|e| Path::new("parks").join(e.unwrap().file_name()))
                .collect();
            found.push("programme.pdf".into());
            found.sort();
            found
        };
        let rels = pdfs(&fresh);
        assert_eq!(rels.len(), PARKS.len() + 1);
        assert_eq!(
            rels,
            pdfs(&committed(lang)),
            "regenerate reports/sample-pdf (README)"
        );
        check(&fresh, &committed(lang), &rels);
    }
}

fn check(fresh: &Path, committed: &Path, rels: &[PathBuf]) {
    for rel in rels {
        let (x, y) = (
            std::fs::read(fresh.join(rel)).unwrap(),
            std::fs::read(committed.join(rel)).unwrap(),
        );
        assert!(x.starts_with(b"%PDF-"), "{rel:?} is a PDF");
        assert!(
            x == y,
            "{rel:?} differs from reports/sample-pdf: regenerate it (README)"
        );
        let text = String::from_utf8_lossy(&x);
        // Every page is A4 (595.276 x 841.89 pt) and there is no date in the document.
        let a4 = text.matches("/MediaBox[0 0 595.2756 841.8898]").count();
        assert!(
            a4 > 2 && a4 == text.matches("/MediaBox").count(),
            "{rel:?}: every page is A4"
        );
        assert!(!text.contains("/CreationDate"), "{rel:?} carries no date");
        // One embedded font, subset (a six-letter tag before its name).
        assert!(
            text.contains("+NotoSansCJKsc-Regular"),
            "{rel:?} embeds the font subset"
        );
        // Small: the font is subset and charts draw no group per element.
        assert!(x.len() < 600_000, "{rel:?}: {} bytes", x.len());
    }
}

/// A poppler-utils tool's output (stdout), asserting it ran.
fn poppler(tool: &str, args: &[&str], file: &Path) -> Vec<u8> {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .args(if tool == "pdftoppm" {
            &[][..]
        } else {
            &["-"][..]
        })
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (Debian poppler-utils; .ci/run installs it): {e}"));
    assert!(out.status.success(), "{tool} {args:?} {file:?} failed");
    out.stdout
}

/// The text of each page, in the order it is drawn (a table cell's lines stay together).
fn pages(pdf: &Path) -> Vec<String> {
    String::from_utf8(poppler("pdftotext", &["-raw"], pdf))
        .unwrap()
        .split('\u{c}')
        .map(str::to_string)
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// Text without white space, so words broken over lines (or set with spaces between CJK
/// characters by pdftotext) still match.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text inside the first element with `class` in an HTML page, tags dropped and entities
/// decoded.
fn html_text(html: &str, class: &str) -> String {
    let start = html.find(&format!("class=\"{class}")).unwrap();
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</div>").unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&#x27;", "'")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Page `n` (1-based) rendered in grey at 30 dpi: the share of pixels that are not white.
fn ink(pdf: &Path, n: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("page");
    let n = n.to_string();
    let args = ["-gray", "-r", "30", "-f", &n, "-l", &n, "-singlefile"];
    let out = Command::new("pdftoppm")
        .args(args)
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm runs (Debian poppler-utils)");
    assert!(out.status.success(), "pdftoppm failed");
    let pgm = std::fs::read(prefix.with_extension("pgm")).unwrap();
    // P5 <width> <height> 255, then one byte a pixel.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !pgm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &pgm[at + 1..];
    assert_eq!(pixels.len(), w * h, "a whole page was rendered");
    // A4 at 30 dpi: 248 x 351 pixels.
    assert!(
        (240..=256).contains(&w) && (345..=357).contains(&h),
        "{w} x {h}"
    );
    pixels.iter().filter(|&&p| p < 200).count() as f64 / pixels.len() as f64
}

/// The locale file's `[report]` words.
fn words(lang: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(format!(
        "{}/locales/{lang}.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let all: toml::Table = toml::from_str(&text).unwrap();
    all["report"]
        .as_table()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// The sample programme's PDFs in English and Chinese: each page renders, and a reader finds
/// the park's name, its level and the gate sentence, the same words as on its HTML page; the
/// rules table is on a page that renders with ink; a table that runs over pages repeats its
/// header; no word lies outside the page.
#[test]
#[ignore = "needs poppler-utils (Debian): cargo test --test it with_poppler -- --ignored (.ci/run does)"]
fn sample_pdfs_read_back_in_both_languages_with_poppler() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "zh"] {
        // The committed PDFs (a test above proves them fresh) against a fresh HTML report.
        let out = dir.path().join(lang);
        report(&out, lang, "html");
        let pdfs = committed(lang);
        let t = words(lang);
        for park in PARKS {
            let pdf = pdfs.join(format!("parks/{park}.pdf"));
            let html = std::fs::read_to_string(out.join(format!("parks/{park}.html"))).unwrap();
            let text = pages(&pdf);
            let all = squash(&text.concat());
            assert!(text.len() >= 5, "{lang} {park}: {} pages", text.len());
            // The cover: the park's name and the kind of document.
            let h1 = &html[html.find("<h1>").unwrap() + 4..html.find("</h1>").unwrap()];
            let park_name = html_text(&format!("<div class=\"x\">{h1}</div>"), "x");
            assert!(
                squash(&text[0]).contains(&squash(&park_name)),
                "{lang} {park}: cover names the park"
            );
            assert!(squash(&text[0]).contains(&squash(&t["pdf_park"])));
            // The headline (level, score, gate) and the reason (the gate sentence), as on the
            // HTML page.
            let headline = html_text(&html, "headline");
            assert!(!headline.is_empty());
            assert!(
                all.contains(&squash(&headline)),
                "{lang} {park}: headline {headline:?} not in the PDF"
            );
            // Contents with page numbers, and a page number on every page but the cover.
            assert!(squash(&text[1]).contains(&squash(&t["pdf_contents"])));
            for (i, page) in text.iter().enumerate().skip(1) {
                assert!(
                    page.contains(&format!("{} / {}", i + 1, text.len())),
                    "{lang} {park}: page {} has its number",
                    i + 1
                );
            }
            // The rules table: its page renders with ink and has every rule.
            let rules_page = text
                .iter()
                .position(|p| {
                    squash(p).contains(&squash(&t["rule"]))
                        && squash(p).contains(&squash(&t["threshold"]))
                })
                .expect("a page with the rules table");
            for rule in html
                .split("<td class=\"rule\">")
                .skip(1)
                .map(|r| &r[..r.find("</td>").unwrap()])
            {
                assert!(
                    all.contains(&squash(&html_text(
                        &format!("<div class=\"x\">{rule}</div>"),
                        "x"
                    ))),
                    "{lang} {park}: rule {rule}"
                );
            }
            for page in [1, rules_page + 1] {
                let share = ink(&pdf, page);
                assert!(
                    (0.002..0.5).contains(&share),
                    "{lang} {park} page {page}: {share:.4} of it inked"
                );
            }
            // Words stay inside the page (nothing cut at the right edge).
            for (n, (width, words)) in super::browser::pdf_words(&pdf).iter().enumerate() {
                for (x_max, word) in words {
                    assert!(
                        x_max <= width,
                        "{lang} {park} page {}: {word:?} ends at {x_max} > {width}",
                        n + 1
                    );
                }
            }
        }
        // A table over pages repeats its header: the measure parameters of the steel park.
        let pdf = pdfs.join("parks/hb-yanshan-steel.pdf");
        let text = pages(&pdf);
        let start = text
            .iter()
            .position(|p| squash(p).contains(&squash(&t["pathway_sources"])))
            .unwrap();
        let end = text
            .iter()
            .rposition(|p| squash(p).contains(&squash(&t["assumptions"])))
            .unwrap();
        assert!(
            end > start,
            "{lang}: the measure parameters run over pages {start}..={end}"
        );
        for page in &text[start..=end] {
            let p = squash(page);
            assert!(
                p.contains(&squash(&t["pathway_parameter"]))
                    && p.contains(&squash(&t["source_status"])),
                "{lang}: a continued page lacks the table's header:\n{page}"
            );
        }
        // The programme PDF: its ranking names both parks.
        let programme = pages(&pdfs.join("programme.pdf"));
        let all = squash(&programme.concat());
        assert!(all.contains(&squash(&t["ranking"])));
        for park in PARKS {
            assert!(all.contains(park), "{lang}: {park} ranked");
        }
        assert!(ink(&pdfs.join("programme.pdf"), 1) > 0.002);
    }
}

/// Names with typst's markup and code in them are set as text: data never becomes markup.
#[test]
#[ignore = "needs poppler-utils (Debian): cargo test --test it with_poppler -- --ignored (.ci/run does)"]
fn hostile_names_are_text_in_the_pdf_with_poppler() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let src = super::data("hostile");
    std::fs::copy(src.join("activity.csv"), data.join("activity.csv")).unwrap();
    let parks = std::fs::read_to_string(src.join("parks.csv"))
        .unwrap()
        .replace(
            "Second park",
            r#"#panic("boom") *bold* $x^2$ \ ] // = Heading <lbl> @ref"#,
        );
    std::fs::write(data.join("parks.csv"), parks).unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = run(&[
        "report",
        data.to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--format",
        "pdf",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        code, 1,
        "parks with bad ids are left out, the rest reported: {err}"
    );
    let second = squash(&pages(&out.join("parks/safe-2.pdf")).concat());
    assert!(
        second.contains(&squash(
            r#"#panic("boom") *bold* $x^2$ \ ] // = Heading <lbl> @ref"#
        )),
        "{second}"
    );
    let first = squash(&pages(&out.join("parks/safe-1.pdf")).concat());
    assert!(first.contains(&squash(r#"<script>alert('x')</script> & "Park" | 园区"#)));
    assert!(out.join("programme.pdf").exists());
}

/// With every set (`--benchmark all`), a park's PDF links each set's name in its comparison to
/// the park's PDF under that set, and every link leads to a file that was written.
#[test]
fn every_set_pdf_links_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = run(&[
        "report",
        "sample-data",
        "--benchmark",
        "all",
        "--park",
        "js-haiyan-zerocarbon",
        "--no-pathways",
        "--format",
        "pdf",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut sets = 0;
    for set in std::fs::read_dir(&out).unwrap() {
        let parks = set.unwrap().path().join("parks");
        let Ok(bytes) = std::fs::read(parks.join("js-haiyan-zerocarbon.pdf")) else {
            continue;
        };
        sets += 1;
        let text = String::from_utf8_lossy(&bytes);
        // Link targets are PDF strings: (../../<set>/parks/<park>.pdf)
        let targets: Vec<&str> = text
            .split("(../../")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
            .collect();
        assert!(targets.len() >= 7, "{parks:?}: {} links", targets.len());
        for t in targets {
            assert!(t.ends_with(".pdf"), "{t}");
            assert!(out.join(t).is_file(), "{parks:?}: {t} leads nowhere");
        }
    }
    assert_eq!(sets, 7, "a PDF under every set");
}

/// The first page of every PDF (the cover) carries the identification block, in the report's
/// language, with the same report id as the HTML pages.
#[test]
#[ignore = "needs poppler-utils (Debian): cargo test --test it with_poppler -- --ignored (.ci/run does)"]
fn the_cover_identifies_the_report_with_poppler() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, labels) in [
        ("en", ["Client", "Preparedby", "Issuedate", "Reportid"]),
        ("zh", ["委托方", "编制方", "出具日期", "报告编号"]),
    ] {
        let out = dir.path().join(lang);
        report(&out, lang, "html,pdf");
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        let at = html.find("<table class=\"ident\"").expect("identification");
        let id_row = &html[at..][..html[at..].find("</table>").unwrap()];
        let id = id_row.rsplit("<td>").next().unwrap();
        let id = &id[..id.find("</td>").unwrap()];
        for pdf in ["programme.pdf", "parks/sc-shuxi-ict.pdf"] {
            let cover = squash(&pages(&out.join(pdf))[0]);
            for want in labels.iter().chain([&id, &"2026-06-30", &"2022-01"]) {
                assert!(cover.contains(*want), "{lang} {pdf}: {want} in {cover}");
            }
            assert!(cover.contains("示例低碳咨询有限公司（虚构）"), "{cover}");
        }
    }
}

/// The Chinese PDFs read back (pdftotext) have no Latin word outside the allow-list of the
/// Chinese pages, once the texts quoted as published (sources, the user's catalogue) are taken
/// out.
#[test]
#[ignore = "needs poppler-utils (Debian): cargo test --test it with_poppler -- --ignored (.ci/run does)"]
fn the_chinese_pdfs_have_no_english_words_with_poppler() {
    let dir = tempfile::tempdir().unwrap();
    report(dir.path(), "zh", "pdf");
    let allowed = super::report::chinese_allow_list();
    let quoted = super::report::quoted_strings();
    let mut english = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path().join("parks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.push(dir.path().join("programme.pdf"));
    for pdf in &files {
        for (n, page) in pages(pdf).iter().enumerate() {
            for w in super::report::latin_words(&super::report::unquote(page, &quoted), &allowed) {
                english.push(format!(
                    "{} p.{}: {w}",
                    pdf.file_name().unwrap().to_string_lossy(),
                    n + 1
                ));
            }
        }
    }
    english.sort();
    english.dedup();
    assert!(
        english.is_empty(),
        "English in the Chinese PDFs:\n{}",
        english.join("\n")
    );
}
