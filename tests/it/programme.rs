//! Programme scale through the CLI: peer statistics against figures worked by hand, a generated
//! 150-park programme with broken parks scored and reported in one command, and reproducible
//! uncertainty.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::synth::generator::{self, Config};
use crate::{csv_rows, data, run};

type Row = BTreeMap<String, String>;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn peer<'a>(rows: &'a [Row], park: &str, measure: &str, kind: &str) -> &'a Row {
    rows.iter()
        .find(|r| r["park_id"] == park && r["measure"] == measure && r["group_kind"] == kind)
        .unwrap_or_else(|| panic!("no peer row {park} {measure} {kind}"))
}

fn num(r: &Row, col: &str) -> f64 {
    r[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?} in {r:?}", r[col]))
}

fn close(r: &Row, col: &str, want: f64) {
    let got = num(r, col);
    assert!((got - want).abs() < 6e-4, "{col}: {got} != {want} in {r:?}");
}

/// `tests/data/peers`: eight parks, one year. Water reuse rates (higher is better) of
/// 0.50 0.60 0.70 0.75 0.80 | 0.90 0.95 and one park that reports "NA"; fresh water per value
/// added (lower is better) of 9 7 7 8 6 5 m3/万元 for p1..p6.
///
/// Worked by hand (n = 7 for reuse in the programme):
/// - PERCENTILE.INC at rank p (n - 1) = 6p: Q1 = 0.60 + 0.5 (0.70 - 0.60) = 0.65, median = 0.75,
///   Q3 = 0.80 + 0.5 (0.90 - 0.80) = 0.85;
/// - PERCENTRANK.INC of 0.75 = 3 values below / (7 - 1) = 0.5;
/// - mean 5.2 / 7 = 0.742857, sample SD sqrt(0.152143 / 6) = 0.159239, z(0.95) = 1.301;
/// - chemicals (p1..p5, n = 5, the NA park is not a zero): Q1 0.6, median 0.7, Q3 0.75,
///   SD sqrt(0.058 / 4) = 0.120416, z(0.5) = -1.412; textile has 2 parks: too small.
///
/// Fresh water (n = 6): ranks by merit with the tie sharing rank 3 (5, 6, 7, 7, 8, 9 ->
/// 1, 2, 3, 3, 5, 6); PERCENTRANK.INC(7) = 2 / 5 = 0.4, (8) = 4 / 5 = 0.8; Q1 = 6 + 0.25 = 6.25,
/// median 7, Q3 = 7 + 0.75 = 7.75; mean 7, SD sqrt(10 / 5) = 1.41421, z(9) = 1.414.
#[test]
fn peer_statistics_match_the_figures_worked_by_hand() {
    let out = tempfile::tempdir().unwrap();
    let scores = out.path().join("scores.csv");
    let (code, _, err) = run(&[
        "score",
        data("peers").to_str().unwrap(),
        "--benchmark",
        "cn-hj274-2015",
        "--format",
        "csv",
        "--out",
        scores.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&read(&out.path().join("peers.csv")));

    let all = |p: &str| peer(&rows, p, "water_reuse", "programme");
    for p in ["p1", "p4", "p7"] {
        let r = all(p);
        assert_eq!(r["n"], "7");
        close(r, "q1", 0.65);
        close(r, "median", 0.75);
        close(r, "q3", 0.85);
    }
    close(all("p4"), "percentile", 0.5);
    close(all("p1"), "percentile", 0.0);
    close(all("p7"), "percentile", 1.0);
    close(all("p2"), "percentile", 1.0 / 6.0);
    close(all("p7"), "z", 1.301);
    assert_eq!(all("p7")["rank"], "1");
    assert_eq!(all("p1")["rank"], "7");
    assert!(
        !rows
            .iter()
            .any(|r| r["park_id"] == "p8" && r["measure"] == "water_reuse"),
        "a park with no reuse figure is not ranked as a zero"
    );

    let chem = peer(&rows, "p1", "water_reuse", "sector");
    assert_eq!(
        (chem["group"].as_str(), chem["n"].as_str()),
        ("chemicals", "5")
    );
    close(chem, "q1", 0.6);
    close(chem, "median", 0.7);
    close(chem, "q3", 0.75);
    close(chem, "z", -1.412);
    close(
        peer(&rows, "p2", "water_reuse", "sector"),
        "percentile",
        0.25,
    );
    let textile = peer(&rows, "p6", "water_reuse", "sector");
    assert_eq!(textile["n"], "2");
    for col in ["rank", "percentile", "q1", "median", "q3", "z"] {
        assert_eq!(textile[col], "", "{col} of a group of two");
    }
    assert_eq!(textile["note"], "too_small_5", "{textile:?}");

    let fresh = |p: &str| peer(&rows, p, "water_intensity", "programme");
    let ranks: Vec<&str> = ["p6", "p5", "p2", "p3", "p4", "p1"]
        .iter()
        .map(|p| fresh(p)["rank"].as_str())
        .collect();
    assert_eq!(ranks, ["1", "2", "3", "3", "5", "6"]);
    assert_eq!(fresh("p1")["better"], "lower");
    close(fresh("p2"), "percentile", 0.4);
    close(fresh("p3"), "percentile", 0.4);
    close(fresh("p4"), "percentile", 0.8);
    close(fresh("p1"), "q1", 6.25);
    close(fresh("p1"), "median", 7.0);
    close(fresh("p1"), "q3", 7.75);
    close(fresh("p1"), "z", 1.414);
}

/// 150 parks, two years, four of them broken: one `report` command scores the rest, writes
/// every page, the peer, change and uncertainty tables, and says which parks failed and why.
#[test]
fn a_150_park_programme_with_broken_parks_reports_in_one_command() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        parks: 150,
        years: 2,
        broken: 4,
        seed: 11,
        ..Config::default()
    };
    let summary = generator::generate(&cfg, dir.path()).unwrap();
    let broken: BTreeSet<String> = summary.broken.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(broken.len(), 4);
    let out = dir.path().join("report");
    let (code, _, err) = run(&[
        "report",
        dir.path().to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--draws",
        "40",
        "--format",
        "html,csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "some parks failed, the exit code says so: {err}");

    let failures = csv_rows(&read(&out.join("failures.csv")));
    let failed: BTreeSet<String> = failures.iter().map(|r| r["park_id"].clone()).collect();
    assert_eq!(failed, broken);
    assert!(
        failures.iter().all(|r| !r["message"].is_empty()),
        "{failures:?}"
    );
    let index = read(&out.join("index.html"));
    for id in &broken {
        assert!(
            index.contains(id.as_str()),
            "{id} missing from the programme page"
        );
        assert!(!out.join(format!("parks/{id}.html")).exists());
    }

    let ids = generator::park_ids(&cfg);
    let scored: BTreeSet<String> = ids.into_iter().filter(|i| !broken.contains(i)).collect();
    assert_eq!(scored.len(), 146);
    for id in &scored {
        assert!(out.join(format!("parks/{id}.html")).is_file(), "{id} page");
    }
    let score_parks: BTreeSet<String> = csv_rows(&read(&out.join("scores.csv")))
        .into_iter()
        .map(|r| r["park_id"].clone())
        .collect();
    assert_eq!(score_parks, scored);

    // Every scored park is placed in the programme for its overall score, both years.
    let peers = csv_rows(&read(&out.join("peers.csv")));
    let overall: Vec<&Row> = peers
        .iter()
        .filter(|r| r["measure"] == "overall" && r["group_kind"] == "programme")
        .collect();
    let placed: BTreeSet<&str> = overall.iter().map(|r| r["park_id"].as_str()).collect();
    assert_eq!(placed.len(), 146);
    for r in &overall {
        let p = num(r, "percentile");
        assert!((0.0..=1.0).contains(&p), "{r:?}");
    }
    let changes = csv_rows(&read(&out.join("changes.csv")));
    assert_eq!(
        changes.len(),
        146,
        "one change per park from the first year to the second"
    );

    let unc = csv_rows(&read(&out.join("uncertainty.csv")));
    let with_ranks: BTreeSet<&str> = unc.iter().map(|r| r["park_id"].as_str()).collect();
    assert_eq!(with_ranks.len(), 146);
    assert!(broken.iter().all(|b| !with_ranks.contains(b.as_str())));
}

/// The same seed gives byte-identical uncertainty output; another seed gives other draws.
#[test]
fn the_same_seed_gives_identical_uncertainty_output() {
    let dir = tempfile::tempdir().unwrap();
    generator::generate(
        &Config {
            parks: 30,
            years: 1,
            seed: 5,
            ..Config::default()
        },
        dir.path(),
    )
    .unwrap();
    let score = |seed: &str, name: &str| -> String {
        let out = dir.path().join(name).join("scores.csv");
        let (code, _, err) = run(&[
            "score",
            dir.path().to_str().unwrap(),
            "--benchmark",
            "cn-zero-carbon-park-2025",
            "--draws",
            "200",
            "--seed",
            seed,
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        read(&out.with_file_name("uncertainty.csv"))
    };
    let a = score("7", "a");
    let b = score("7", "b");
    let c = score("8", "c");
    assert!(csv_rows(&a).len() >= 30, "{a}");
    assert!(a == b, "same seed, different output");
    assert!(a != c, "another seed, the same output");
}

/// A run that streams parks (`score --format csv --out FILE`) gives what a whole run gives,
/// whatever the part size: the same scores.csv, peers.csv and changes.csv, byte for byte, on a
/// messy programme with broken parks and enterprises that move in and out (so earlier years
/// are restated on later boundaries), scored against two sets. Parts of one park, of a few
/// parks and of every park are tried; each part holds every year of its parks.
#[test]
fn a_streamed_run_gives_what_a_whole_run_gives_whatever_the_part_size() {
    use parkbench::pipeline::{self, Request};
    use parkbench::report::scores::ScoresCsv;
    let (_dir, reference, data) = crate::generated(&Config {
        parks: 24,
        years: 3,
        broken: 2,
        messy: 0.5,
        enterprises: 3,
        ..Config::default()
    });
    let request = Request {
        sets: ["cn-zero-carbon-park-2025", "cn-hj274-2015"]
            .map(|id| reference.set(id).unwrap().clone())
            .to_vec(),
        programme: true,
        ..Request::default()
    };
    let whole = pipeline::run(&reference, &data, &request).unwrap();
    let want = parkbench::report::scores::csv(&whole.runs);
    let want_peers = parkbench::report::peers_csv(&whole.programmes);
    let want_changes = parkbench::report::changes_csv(&whole.programmes);
    let parks: BTreeSet<&str> = whole.runs[0]
        .scores
        .iter()
        .map(|s| s.park_id.as_str())
        .collect();
    // What is compared is not empty: scored parks, peer rows and changes.
    assert!(parks.len() >= 20, "{parks:?}");
    assert!(want_peers.lines().count() > 1000, "{}", want_peers.len());
    assert!(want_changes.lines().count() > 40, "{want_changes}");
    assert!(!whole.runs[0].restatements.is_empty(), "no boundary moved");
    for per_part in [1, 5, 1000] {
        let mut got = Vec::new();
        let mut parts = 0;
        let mut table = ScoresCsv::new(&mut got, parkbench::i18n::Lang::EN);
        let progs = pipeline::run_streamed(&reference, &data, &request, per_part, |_, scores| {
            parts += 1;
            table.add(scores)
        })
        .unwrap();
        table.finish().unwrap();
        let what = format!("{per_part} a part");
        same_table(&String::from_utf8(got).unwrap(), &want, &what);
        same_table(&parkbench::report::peers_csv(&progs), &want_peers, &what);
        same_table(
            &parkbench::report::changes_csv(&progs),
            &want_changes,
            &what,
        );
        // Two sets, each in parts of `per_part` parks (the broken parks have no annual values).
        assert_eq!(
            parts,
            2 * parks.len().div_ceil(per_part),
            "{per_part} a part"
        );
    }
    // A selection (`--park`, `--year`) is scored alike: the parts still hold every year of their
    // parks, so a year's changes and trajectories see the years before it.
    let chosen: Vec<String> = parks.iter().step_by(3).map(|p| p.to_string()).collect();
    let selected = Request {
        selection: pipeline::Selection {
            years: vec![2021, 2022],
            parks: chosen.clone(),
            ..pipeline::Selection::default()
        },
        ..request.clone()
    };
    let whole = pipeline::run(&reference, &data, &selected).unwrap();
    let want = parkbench::report::scores::csv(&whole.runs);
    assert_eq!(whole.runs[0].scores.len(), 2 * chosen.len(), "{want}");
    let mut got = Vec::new();
    let mut table = ScoresCsv::new(&mut got, parkbench::i18n::Lang::EN);
    let progs =
        pipeline::run_streamed(&reference, &data, &selected, 2, |_, s| table.add(s)).unwrap();
    table.finish().unwrap();
    same_table(&String::from_utf8(got).unwrap(), &want, "selected");
    same_table(
        &parkbench::report::peers_csv(&progs),
        &parkbench::report::peers_csv(&whole.programmes),
        "selected",
    );
    same_table(
        &parkbench::report::changes_csv(&progs),
        &parkbench::report::changes_csv(&whole.programmes),
        "selected",
    );
    // What needs every park at once is refused, not made from a part.
    let mc = Request {
        mc: Some(parkbench::uncertainty::McOptions::default()),
        ..request
    };
    let refused = pipeline::run_streamed(&reference, &data, &mc, 5, |_, _| Ok(()));
    assert!(
        matches!(
            refused,
            Err(pipeline::StreamError::Pipeline(
                pipeline::PipelineError::NotStreamed
            ))
        ),
        "{refused:?}"
    );
}

/// Two tables the same, or the first line where they part (not two whole tables in the message).
fn same_table(got: &str, want: &str, what: &str) {
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    if let Some(i) = (0..g.len().max(w.len())).find(|&i| g.get(i) != w.get(i)) {
        panic!(
            "{what}: line {} differs\n got: {:?}\nwant: {:?}",
            i + 1,
            g.get(i),
            w.get(i)
        );
    }
    assert_eq!(got, want, "{what}: line ends");
}
