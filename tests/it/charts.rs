//! Every chart of the sample report, in both languages, as a reader sees it: no label cut
//! short, none overlapping another, none outside the picture. The boxes are measured from the
//! SVG the report writes (the texts are the charts' own: placed by the code, measured with the
//! embedded font).

use parkbench_report::plot::{TextBox, text_boxes};

/// Overlaps smaller than this (px) are rounding, not collisions.
const SLACK: f64 = 0.5;

fn overlap(a: &TextBox, b: &TextBox) -> bool {
    let (a, b) = (a.rect, b.rect);
    a.0 + SLACK < b.2 && b.0 + SLACK < a.2 && a.1 + SLACK < b.3 && b.1 + SLACK < a.3
}

fn size_of(svg: &str) -> (f64, f64) {
    let num = |name: &str| -> f64 {
        let key = format!("{name}=\"");
        let i = svg.find(&key).map(|i| i + key.len()).unwrap_or(0);
        svg[i..]
            .split('"')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::MAX)
    };
    (num("width"), num("height"))
}

/// The problems of one chart, each a line.
fn problems(name: &str, svg: &str) -> Vec<String> {
    let boxes = text_boxes(svg);
    let (w, h) = size_of(svg);
    let mut out = Vec::new();
    for (i, a) in boxes.iter().enumerate() {
        if a.text.contains('…') {
            out.push(format!("{name}: cut label {:?}", a.text));
        }
        let r = a.rect;
        if r.0 < -SLACK || r.1 < -SLACK || r.2 > w + SLACK || r.3 > h + SLACK {
            out.push(format!("{name}: {:?} outside the picture ({r:?})", a.text));
        }
        for b in &boxes[i + 1..] {
            if overlap(a, b) {
                out.push(format!(
                    "{name}: {:?} overlaps {:?} ({:?} / {:?})",
                    a.text, b.text, a.rect, b.rect
                ));
            }
        }
    }
    out
}

#[test]
fn no_chart_label_is_cut_overlapping_or_outside() {
    let mut all = Vec::new();
    let mut charts = 0;
    for lang in ["en", "zh"] {
        let dir = tempfile::tempdir().unwrap();
        crate::report::sample_report_with(dir.path(), &["--lang", lang, "--draws", "0"]);
        let mut files: Vec<_> = std::fs::read_dir(dir.path().join("charts"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .collect();
        files.sort();
        for f in files {
            let svg = std::fs::read_to_string(&f).unwrap();
            assert!(!text_boxes(&svg).is_empty(), "no text measured in {f:?}");
            let name = format!("{lang}/{}", f.file_name().unwrap().to_string_lossy());
            all.extend(problems(&name, &svg));
            charts += 1;
        }
    }
    assert!(charts > 50, "only {charts} charts");
    assert!(
        all.is_empty(),
        "{} problems:\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let font_px = |x: f64, y: f64, t: &str| TextBox {
        text: t.to_string(),
        rect: (x, y, x + 50.0, y + 12.0),
    };
    assert!(overlap(&font_px(0.0, 0.0, "a"), &font_px(40.0, 5.0, "b")));
    assert!(!overlap(&font_px(0.0, 0.0, "a"), &font_px(50.0, 0.0, "b")));
    assert!(!overlap(&font_px(0.0, 0.0, "a"), &font_px(0.0, 12.0, "b")));
}
