//! The synthetic programme generator (`examples/synth`, compiled in here from its source):
//! deterministic, clean where it should be, broken exactly where asked.

#[allow(dead_code)]
pub use parkbench_synth as generator;

use std::collections::BTreeSet;
use std::path::Path;

use generator::{Config, Layout};

fn generate(cfg: &Config) -> (tempfile::TempDir, generator::Summary) {
    let dir = tempfile::tempdir().unwrap();
    let summary = generator::generate(cfg, dir.path()).unwrap();
    (dir, summary)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn monthly(parks: usize, years: usize) -> Config {
    Config {
        parks,
        years,
        monthly: true,
        ..Config::default()
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    let cfg = Config {
        broken: 2,
        seed: 42,
        ..monthly(15, 2)
    };
    let (a, sa) = generate(&cfg);
    let (b, sb) = generate(&cfg);
    for f in ["parks.csv", "activity.csv"] {
        assert!(read(a.path(), f) == read(b.path(), f), "{f} differs");
    }
    assert_eq!((sa.rows, sa.bytes), (sb.rows, sb.bytes));
    let (c, _) = generate(&Config { seed: 43, ..cfg });
    for f in ["parks.csv", "activity.csv"] {
        assert!(read(a.path(), f) != read(c.path(), f), "{f} is the same");
    }
}

#[test]
fn breaking_parks_leaves_the_other_parks_as_they_were() {
    let (clean, _) = generate(&monthly(12, 2));
    let (broken, s) = generate(&Config {
        broken: 3,
        ..monthly(12, 2)
    });
    let ids: BTreeSet<&str> = s.broken.iter().map(|(id, _)| id.as_str()).collect();
    let unbroken = |text: String| -> Vec<String> {
        text.lines()
            .filter(|l| !ids.iter().any(|id| l.starts_with(&format!("{id},"))))
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (
        read(clean.path(), "activity.csv"),
        read(broken.path(), "activity.csv"),
    );
    assert_ne!(a, b);
    assert_eq!(unbroken(a), unbroken(b));
}

#[test]
fn a_monthly_programme_validates_clean_with_flows_by_month_and_stocks_by_year() {
    let (dir, s) = generate(&monthly(20, 2));
    let (code, out, err) = crate::run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let summary = out.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("0 errors, 0 warnings"),
        "plausibility warnings on generated data:\n{out}"
    );
    assert!(
        summary.contains(&format!("{} data rows", s.rows + 20)),
        "{summary}"
    );
    let flows: BTreeSet<String> = generator::vocabulary()
        .into_iter()
        .filter(|(_, flow)| *flow)
        .map(|(id, _)| id)
        .collect();
    for r in crate::csv_rows(&read(dir.path(), "activity.csv")) {
        let is_flow = flows.contains(&r["metric"]);
        assert_eq!(!r["period"].is_empty(), is_flow, "{r:?}");
        if is_flow {
            assert!(r["period"].starts_with(&format!("{}-", r["year"])), "{r:?}");
        }
    }
}

#[test]
fn twelve_parks_use_every_metric_of_the_vocabulary() {
    // Green electricity without its class comes only with messy data.
    let (dir, _) = generate(&Config {
        parks: 12,
        years: 1,
        messy: 0.5,
        ..Config::default()
    });
    let used: BTreeSet<String> = crate::csv_rows(&read(dir.path(), "activity.csv"))
        .into_iter()
        .map(|r| r["metric"].clone())
        .collect();
    let all: BTreeSet<String> = generator::vocabulary()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(used, all);
    let quality: BTreeSet<String> = crate::csv_rows(&read(dir.path(), "activity.csv"))
        .into_iter()
        .map(|r| r["quality"].clone())
        .collect();
    assert_eq!(
        quality,
        BTreeSet::from(["estimated".into(), "measured".into()])
    );
}

#[test]
fn broken_parks_are_exactly_the_parks_left_out_when_scored() {
    let (dir, s) = generate(&Config {
        broken: 3,
        seed: 7,
        ..monthly(20, 2)
    });
    assert_eq!(s.broken.len(), 3);
    let out = dir.path().join("out/scores.csv");
    let (code, _, err) = crate::run(&[
        "score",
        dir.path().to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let failed: BTreeSet<String> = crate::csv_rows(&read(&dir.path().join("out"), "failures.csv"))
        .into_iter()
        .map(|r| r["park_id"].clone())
        .collect();
    let broken: BTreeSet<String> = s.broken.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(failed, broken);
    let scored: BTreeSet<String> = crate::csv_rows(&std::fs::read_to_string(&out).unwrap())
        .into_iter()
        .map(|r| r["park_id"].clone())
        .collect();
    assert_eq!(scored.len(), 17);
    assert!(scored.is_disjoint(&broken));
}

#[test]
fn the_per_park_layout_holds_the_same_rows_one_folder_per_park() {
    let cfg = Config {
        broken: 1,
        ..monthly(6, 1)
    };
    let (single, s) = generate(&cfg);
    let (folders, _) = generate(&Config {
        layout: Layout::PerPark,
        ..cfg.clone()
    });
    let ids = generator::park_ids(&cfg);
    let body = |text: String| {
        text.lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let joined: String = ids
        .iter()
        .map(|id| body(read(&folders.path().join(id), "activity.csv")))
        .collect();
    assert_eq!(joined, body(read(single.path(), "activity.csv")));

    let mut args = vec!["validate".to_string()];
    for id in &ids {
        args.push("--data".into());
        args.push(folders.path().join(id).to_str().unwrap().into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, _) = crate::run(&args);
    assert_eq!(code, 1, "{out}");
    let (broken_id, _) = &s.broken[0];
    for l in out.lines().filter(|l| l.starts_with("error:")) {
        assert!(l.contains(&format!("/{broken_id}/")), "{l}");
    }
}

#[test]
fn an_activity_file_read_in_pieces_loads_exactly_like_one_read_whole() {
    use parkbench::{factors::Factors, input, reference::Vocabulary};
    let (dir, _) = generate(&Config {
        broken: 4,
        seed: 7,
        ..monthly(12, 2)
    });
    let vocab = Vocabulary::embedded().unwrap();
    let factors = Factors::load(None).unwrap();
    let paths = [dir.path().to_path_buf()];
    let whole = input::load(&parkbench::disk::Disk, &paths, &vocab, &factors).unwrap();
    let size = std::fs::metadata(dir.path().join("activity.csv"))
        .unwrap()
        .len() as usize;
    assert!(
        whole.report.errors().count() >= 4,
        "the broken parks are reported"
    );
    for piece in [size / 7, size / 3, 4096] {
        let pieces =
            input::load_in_pieces(&parkbench::disk::Disk, &paths, &vocab, &factors, piece).unwrap();
        assert_eq!(
            format!("{:?}", pieces.activity.groups),
            format!("{:?}", whole.activity.groups),
            "piece {piece}"
        );
        assert_eq!(
            pieces.annual(&vocab).unwrap(),
            whole.annual(&vocab).unwrap()
        );
        assert_eq!(pieces.row_counts, whole.row_counts, "piece {piece}");
        assert_eq!(
            format!("{:?}", pieces.report),
            format!("{:?}", whole.report),
            "piece {piece}"
        );
    }
}

#[test]
fn bytes_handed_over_load_exactly_like_the_files_they_came_from() {
    use parkbench::input::{self, Source, SourceKind};
    use parkbench::{factors::Factors, reference::Vocabulary};
    let (dir, _) = generate(&Config {
        broken: 3,
        messy: 0.5,
        seed: 11,
        ..monthly(12, 2)
    });
    let vocab = Vocabulary::embedded().unwrap();
    let factors = Factors::load(None).unwrap();
    let from_files = input::load(
        &parkbench::disk::Disk,
        &[dir.path().to_path_buf()],
        &vocab,
        &factors,
    )
    .unwrap();
    let bytes = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    let shown = |name: &str| dir.path().join(name).display().to_string();
    let sources = vec![
        Source::bytes(SourceKind::Parks, shown("parks.csv"), bytes("parks.csv")),
        Source::bytes(
            SourceKind::Activity,
            shown("activity.csv"),
            bytes("activity.csv"),
        ),
    ];
    let from_bytes = input::load_sources(&parkbench::disk::Disk, vec![sources], &vocab, &factors);
    assert!(from_files.report.errors().count() >= 3, "the broken parks");
    assert_eq!(
        format!("{:?}", from_bytes.activity.groups),
        format!("{:?}", from_files.activity.groups)
    );
    assert_eq!(
        from_bytes.annual(&vocab).unwrap(),
        from_files.annual(&vocab).unwrap()
    );
    assert_eq!(from_bytes.files, from_files.files);
    assert_eq!(
        format!("{:?}", from_bytes.report),
        format!("{:?}", from_files.report)
    );
}

#[test]
fn a_plausibility_warning_points_at_the_first_row_of_its_metric() {
    use parkbench::{factors::Factors, input, inventory, reference::Vocabulary};
    // Every park-year messy: a warning in each, found without scanning the rows.
    let (dir, _) = generate(&Config {
        messy: 1.0,
        seed: 5,
        ..monthly(20, 3)
    });
    let vocab = Vocabulary::embedded().unwrap();
    let factors = Factors::load(None).unwrap();
    let data = input::load(
        &parkbench::disk::Disk,
        &[dir.path().to_path_buf()],
        &vocab,
        &factors,
    )
    .unwrap();
    let annual = data.annual(&vocab).unwrap();
    let inv = inventory::build(
        &data,
        &annual,
        &vocab,
        &factors,
        &inventory::Plausibility::embedded().unwrap(),
        inventory::AccountingOptions::default(),
    )
    .unwrap();
    assert!(inv.warnings.len() >= 60, "{} warnings", inv.warnings.len());
    let metric_of = |message: &str| {
        let id = message.rsplit('[').next()?.trim_end_matches(']');
        Some(match id {
            "value_added_per_tce" => "industrial_value_added",
            "water_reused_vs_total" => "water_reused",
            "waste_heat_recovered_vs_recoverable" => "waste_heat_recovered",
            _ => return None,
        })
    };
    let mut checked = 0;
    for w in &inv.warnings {
        let message = w.message.en();
        let Some(metric) = metric_of(&message) else {
            continue;
        };
        let park = w.park_id.as_deref().unwrap();
        let year: i32 = message
            .split(' ')
            .nth(2)
            .unwrap()
            .trim_end_matches(':')
            .parse()
            .unwrap();
        // The first row in file order, found the slow way: the first line of the file with
        // this park, year and metric (the generator writes no quoted newlines).
        let line = first_line(dir.path(), park, year, metric);
        assert_eq!(
            (w.file.as_str(), w.line),
            (dir.path().join("activity.csv").to_str().unwrap(), line),
            "{w:?}"
        );
        checked += 1;
    }
    assert!(checked >= 60, "{checked} warnings checked");
}

/// The line of the first row of `activity.csv` with this park, year and metric.
fn first_line(dir: &Path, park: &str, year: i32, metric: &str) -> usize {
    let mut r = csv::Reader::from_path(dir.join("activity.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (p, y, m) = (col("park_id"), col("year"), col("metric"));
    r.records()
        .position(|rec| {
            let rec = rec.unwrap();
            &rec[p] == park && rec[y] == year.to_string() && &rec[m] == metric
        })
        .unwrap()
        + 2
}

/// An enterprise-level programme: every firm code passes its check character, some firms move
/// in or out, the only problems are the messy firms' months from before they moved in, and each
/// park's total is the sum of its firms' and its own rows (`inventory --by enterprise`).
#[test]
fn enterprise_programmes_roll_up_to_their_parks() {
    let cfg = Config {
        enterprises: 12,
        messy: 0.5,
        ..monthly(4, 3)
    };
    let (dir, s) = generate(&cfg);
    let (again, s2) = generate(&cfg);
    assert_eq!((s.rows, s.bytes), (s2.rows, s2.bytes));
    assert!(read(dir.path(), "activity.csv") == read(again.path(), "activity.csv"));
    let firms = read(dir.path(), "enterprises.csv");
    let rows: Vec<Vec<&str>> = firms
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 4 * 12);
    for r in &rows {
        assert!(
            parkbench::input::enterprises::uscc_valid(r[1]),
            "bad code {}",
            r[1]
        );
    }
    assert!(
        rows.iter().any(|r| !r[4].is_empty() || !r[5].is_empty()),
        "nobody moves"
    );
    let d = dir.path().to_str().unwrap();
    let (code, out, _) = crate::run(&["validate", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().any(|l| l.starts_with("0 errors,")), "{out}");
    // Firm rows are only ever warned about for a month outside the boundary; the rest of the
    // messy warnings are the park's (plausibility, lumped green power).
    for l in out
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("enterprise"))
    {
        assert!(l.contains("was not inside the boundary"), "{l}");
    }
    assert!(out.contains("was not inside the boundary"), "{out}");
    let (_, parks, _) = crate::run(&["inventory", d, "--format", "csv"]);
    let (_, by, _) = crate::run(&["inventory", d, "--by", "enterprise", "--format", "csv"]);
    let mut sums: std::collections::BTreeMap<(String, String), f64> = Default::default();
    for r in crate::csv_rows(&by) {
        if let Ok(v) = r["co2_total_t"].parse::<f64>() {
            *sums
                .entry((r["park_id"].clone(), r["year"].clone()))
                .or_default() += v;
        }
    }
    let parks = crate::csv_rows(&parks);
    assert_eq!(parks.len(), 4 * 3);
    for p in parks {
        let total: f64 = p["co2_total_t"].parse().unwrap();
        let sum = sums[&(p["park_id"].clone(), p["year"].clone())];
        assert!(
            (total - sum).abs() <= 1e-6 * total.max(1.0),
            "{} {}: {total} against the firms' {sum}",
            p["park_id"],
            p["year"]
        );
    }
}
