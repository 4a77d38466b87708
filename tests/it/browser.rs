//! The sample report in headless Chromium (Debian's `chromium`): pages load without console
//! errors, charts are visible, nothing overflows on a phone-sized screen, and a screenshot shows
//! the charts. It is `#[ignore]`d unless asked (`-- --ignored`, as `.ci/run` does), so a machine
//! without Chromium never reports it as passed; asked without Chromium, it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PARKBENCH_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn browser() -> PathBuf {
    chromium().expect("Chromium is not installed (.ci/run installs Debian's chromium)")
}

fn headless(bin: &Path, profile: &Path, args: &[&str]) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

/// Script added to a copy of a page: records errors, overflow and chart sizes in the DOM.
const PROBE: &str = r#"<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(String(e.message)));
window.addEventListener('load', () => {
  const doc = document.documentElement;
  const charts = [...document.querySelectorAll('figure.chart svg')].map(s => {
    const r = s.getBoundingClientRect();
    return [Math.round(r.width), Math.round(r.height)];
  });
  const overflowing = [...document.querySelectorAll('main > *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1)
    .map(el => el.tagName + '.' + el.className);
  document.body.setAttribute('data-probe', JSON.stringify({
    errors: window.__errors, charts, overflowing, pageWidth: doc.scrollWidth, viewport: doc.clientWidth
  }));
});
</script>"#;

fn probe(bin: &Path, profile: &Path, page: &Path) -> serde_json::Value {
    let html = std::fs::read_to_string(page).unwrap();
    let probe_page = page.with_file_name(format!(
        "probe-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let out = headless(
        bin,
        profile,
        &[
            "--window-size=390,844",
            "--virtual-time-budget=3000",
            "--dump-dom",
            &format!("file://{}", probe_page.display()),
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let attr = dom.split("data-probe=\"").nth(1).unwrap_or_else(|| {
        panic!(
            "no probe result for {}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let json = attr
        .split('"')
        .next()
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap()
}

#[test]
#[ignore = "needs Chromium and chromedriver (Debian chromium, chromium-driver): cargo test --test it in_chromium -- --ignored (.ci/run does)"]
fn sample_report_renders_in_chromium() {
    let bin = browser();
    let dir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    crate::report::sample_report(dir.path());
    for page in [
        "index.html",
        "parks/js-haiyan-zerocarbon.html",
        "parks/nx-qingya-coalchem.html",
    ] {
        let path = dir.path().join(page);
        // Console errors on the page as written (it has no scripts of its own).
        let out = headless(
            &bin,
            profile.path(),
            &[
                "--enable-logging=stderr",
                "--v=0",
                "--virtual-time-budget=3000",
                "--dump-dom",
                &format!("file://{}", path.display()),
            ],
        );
        let log = String::from_utf8_lossy(&out.stderr);
        let console: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
            .collect();
        assert!(console.is_empty(), "{page}: console messages {console:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("<main>"),
            "{page} did not load"
        );

        let p = probe(&bin, profile.path(), &path);
        assert_eq!(p["errors"], serde_json::json!([]), "{page}: {p}");
        let charts = p["charts"].as_array().unwrap();
        assert!(charts.len() >= 3, "{page}: charts {p}");
        for c in charts {
            assert!(
                c[0].as_i64().unwrap() > 200 && c[1].as_i64().unwrap() > 100,
                "{page}: a chart is not visible: {p}"
            );
        }
        // On a phone the page does not scroll sideways: wide tables and charts scroll inside their box.
        assert_eq!(p["overflowing"], serde_json::json!([]), "{page}: {p}");
        assert!(
            p["pageWidth"].as_i64() <= p["viewport"].as_i64(),
            "{page}: {p}"
        );
    }
    // A screenshot of the park page shows the charts (their colours are there).
    let shot = dir.path().join("park.png");
    headless(
        &bin,
        profile.path(),
        &[
            "--window-size=1000,1600",
            &format!("--screenshot={}", shot.display()),
            &format!(
                "file://{}",
                dir.path().join("parks/js-haiyan-zerocarbon.html").display()
            ),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1000, 1600));
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let blue = pixels
        .iter()
        .filter(|p| p[0] < 20 && (100..130).contains(&p[1]) && (165..190).contains(&p[2]))
        .count();
    let ink = pixels
        .iter()
        .filter(|p| p[0] < 100 && p[1] < 100 && p[2] < 100)
        .count();
    assert!(
        blue > 2_000,
        "the 'meets' blue of the charts is missing ({blue} px)"
    );
    assert!(ink > 5_000, "little text on the page ({ink} px)");
}

/// Measures the rules table of a page at a window width: the page's and the table's width
/// against their boxes, and each rule name's width in em.
const RULES_PROBE: &str = r#"<script>
window.addEventListener('load', () => {
  // Print emulation when the page's URL asks for it: the rules of every `@media print`
  // block are applied as screen rules (what Chromium's printer does to the page).
  if (location.hash === '#print') {
    const css = [...document.styleSheets].flatMap(s => [...s.cssRules])
      .filter(r => r.media && [...r.media].includes('print'))
      .flatMap(r => [...r.cssRules].map(x => x.cssText)).join('\n');
    const st = document.createElement('style'); st.textContent = css; document.head.appendChild(st);
  }
  const doc = document.documentElement;
  const t = document.querySelector('table.rules');
  const names = [...t.querySelectorAll('td.rule')].map(c =>
    c.getBoundingClientRect().width / parseFloat(getComputedStyle(c).fontSize));
  document.body.setAttribute('data-probe', JSON.stringify({
    pageWidth: doc.scrollWidth, viewport: doc.clientWidth,
    table: t.scrollWidth, box: t.parentElement.clientWidth, nameEm: Math.min(...names)
  }));
});
</script>"#;

/// The rules table fits a 1280 px screen and an A4-wide one (794 px) without scrolling
/// sideways, in English and Chinese: threshold notes sit under the value and the gap text
/// wraps, so rule names keep a readable width (a Chinese name was cut to one character a line).
#[test]
#[ignore = "needs Chromium and chromedriver (Debian chromium, chromium-driver): cargo test --test it in_chromium -- --ignored (.ci/run does)"]
fn the_rules_table_fits_the_page_in_both_languages_in_chromium() {
    let bin = browser();
    let profile = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for lang in ["en", "zh"] {
        let out = dir.path().join(lang);
        let (code, _, err) = crate::run(&[
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
            "html",
        ]);
        assert_eq!(code, 0, "{err}");
        for park in ["ah-jianghuai-logistics", "js-haiyan-zerocarbon"] {
            let page = out.join("parks").join(format!("{park}.html"));
            let probe_page = out.join("parks").join(format!("probe-{park}.html"));
            let html = std::fs::read_to_string(&page).unwrap();
            std::fs::write(
                &probe_page,
                html.replace("</body>", &format!("{RULES_PROBE}</body>")),
            )
            .unwrap();
            // A 1280 px screen, an A4-wide one, and print: A4 less 12 mm margins is 703 px at
            // 96 px per inch, with the page's print rules applied.
            for (width, hash) in [(1280, ""), (794, ""), (703, "#print")] {
                let out = headless(
                    &bin,
                    profile.path(),
                    &[
                        &format!("--window-size={width},900"),
                        "--virtual-time-budget=3000",
                        "--dump-dom",
                        &format!("file://{}{hash}", probe_page.display()),
                    ],
                );
                let dom = String::from_utf8_lossy(&out.stdout);
                let attr = dom
                    .split("data-probe=\"")
                    .nth(1)
                    .unwrap_or_else(|| panic!("{lang} {park} {width}: no probe result"));
                let json = attr.split('"').next().unwrap().replace("&quot;", "\"");
                let p: serde_json::Value = serde_json::from_str(&json).unwrap();
                let at = format!("{lang} {park} at {width} px{hash}: {p}");
                assert!(p["pageWidth"].as_f64() <= p["viewport"].as_f64(), "{at}");
                assert!(
                    p["table"].as_f64() <= p["box"].as_f64(),
                    "the table scrolls: {at}"
                );
                assert!(
                    p["nameEm"].as_f64().unwrap() >= 7.0,
                    "rule names squeezed: {at}"
                );
            }
        }
    }
}

/// The words of a PDF as pdftotext places them: (page width, [(x_max, word)]).
pub(crate) fn pdf_words(pdf: &Path) -> Vec<(f64, Vec<(f64, String)>)> {
    let out = Command::new("pdftotext")
        .args(["-bbox"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (Debian poppler-utils; .ci/run installs it)");
    assert!(out.status.success(), "pdftotext failed");
    let xml = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let k = format!("{name}=\"");
        let i = tag.find(&k).unwrap() + k.len();
        tag[i..tag[i..].find('"').unwrap() + i].parse().unwrap()
    };
    let mut pages = Vec::new();
    for page in xml.split("<page ").skip(1) {
        let width = attr(page, "width");
        let words = page
            .split("<word ")
            .skip(1)
            .map(|w| {
                let text = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
                let text = text
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'");
                (attr(w, "xMax"), text)
            })
            .collect();
        pages.push((width, words));
    }
    pages
}

/// Printed, a park page is A4 and loses nothing: every word lies inside the page, and every
/// rule name of the rules table and every measure of the pathway table is in the PDF, in
/// English and Chinese (print emulation of Chromium's own PDF printer, read with pdftotext).
#[test]
#[ignore = "needs Chromium and poppler-utils (Debian chromium, poppler-utils): cargo test --test it in_chromium -- --ignored (.ci/run does)"]
fn the_printed_park_page_is_a4_and_keeps_every_rule_in_chromium() {
    let bin = browser();
    let profile = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for lang in ["en", "zh"] {
        let out = dir.path().join(lang);
        let (code, _, err) = crate::run(&[
            "report",
            sample.to_str().unwrap(),
            "--benchmark",
            "cn-zero-carbon-park-2025",
            "--park",
            "hb-yanshan-steel",
            "--park",
            "ah-jianghuai-logistics",
            "--out",
            out.to_str().unwrap(),
            "--lang",
            lang,
            "--draws",
            "0",
            "--format",
            "html",
        ]);
        assert_eq!(code, 0, "{err}");
        for park in ["hb-yanshan-steel", "ah-jianghuai-logistics"] {
            let page = out.join("parks").join(format!("{park}.html"));
            let pdf = out.join(format!("{park}.pdf"));
            let r = headless(
                &bin,
                profile.path(),
                &[
                    &format!("--print-to-pdf={}", pdf.display()),
                    "--no-pdf-header-footer",
                    "--print-to-pdf-no-header",
                    &format!("file://{}", page.display()),
                ],
            );
            assert!(
                pdf.exists(),
                "{lang} {park}: no PDF: {}",
                String::from_utf8_lossy(&r.stderr)
            );
            let pages = pdf_words(&pdf);
            assert!(pages.len() >= 2, "{lang} {park}: {} pages", pages.len());
            let mut text = String::new();
            for (width, words) in &pages {
                // A4 is 595.3 x 841.9 pt.
                assert!(
                    (width - 595.3).abs() < 1.0,
                    "{lang} {park}: page width {width}"
                );
                for (x, w) in words {
                    assert!(
                        *x <= width + 0.5,
                        "{lang} {park}: \"{w}\" ends at {x} of {width}"
                    );
                    text.push_str(w);
                }
            }
            // Every rule name, gap text and pathway measure of the page is in the PDF: text a
            // table wider than the page loses is clipped from the PDF. A cell's lines may be
            // read apart (pdftotext reads a row line by line across its cells), so a cell counts
            // as there when most of its n-grams are (3 characters for Chinese, 5 for Latin).
            let html = std::fs::read_to_string(&page).unwrap();
            let squeeze = |s: &str| -> Vec<char> {
                s.replace("&amp;", "&")
                    .replace("&#x27;", "'")
                    .replace("&#x2f;", "/")
                    .replace("&quot;", "\"")
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect()
            };
            let pdf_text: String = squeeze(&text).into_iter().collect();
            let present = |cell: &[char]| -> f64 {
                let cjk = cell.iter().any(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
                let n = if cjk { 3 } else { 5 };
                if cell.len() <= n {
                    let s: String = cell.iter().collect();
                    return if pdf_text.contains(&s) { 1.0 } else { 0.0 };
                }
                let grams: Vec<String> = cell.windows(n).map(|w| w.iter().collect()).collect();
                grams
                    .iter()
                    .filter(|g| pdf_text.contains(g.as_str()))
                    .count() as f64
                    / grams.len() as f64
            };
            let cells = |start: &str, end: &str, html: &str| -> Vec<Vec<char>> {
                html.split(start)
                    .skip(1)
                    .map(|c| squeeze(&c[..c.find(end).unwrap()]))
                    .collect()
            };
            let rules = cells("<td class=\"rule\">", "</td>", &html);
            let gaps = cells("<td class=\"gap\">", "</td>", &html);
            assert!(
                rules.len() >= 5 && !gaps.is_empty(),
                "{lang} {park}: no rules table"
            );
            let pathway = &html[html
                .find("<table class=\"pathway\">")
                .expect("pathway table")..];
            let pathway = &pathway[..pathway.find("</table>").unwrap()];
            let measures = cells("<tr><td>", "</td>", pathway);
            for cell in rules.iter().chain(&gaps).chain(&measures) {
                let share = present(cell);
                let shown: String = cell.iter().collect();
                assert!(
                    share >= 0.6,
                    "{lang} {park}: \"{shown}\" is cut from the PDF ({:.0} % of it found)",
                    share * 100.0
                );
            }
        }
    }
}
