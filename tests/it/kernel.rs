//! The per-group kernel (`parkbench::kernel`): a programme split into groups of parks, each
//! group's rows handed over as Arrow columns (as Spark's `applyInArrow` or a DataFusion table
//! function would hand them), gives park for park the scores of one run over the whole
//! programme.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use parkbench::kernel;
use parkbench::pipeline::{self, Reference, Request};
use polars::prelude::*;

use crate::synth::generator::{self, Config};

/// A CSV file as a frame of text columns, `year` as integers and `value` as numbers (as a
/// data team's export types them).
fn frame(path: &Path) -> DataFrame {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for rec in r.records() {
        let rec = rec.unwrap();
        for (c, cell) in rec.iter().enumerate() {
            cols[c].push(cell.to_string());
        }
    }
    let columns = header
        .iter()
        .zip(cols)
        .map(|(name, cells)| match name.as_str() {
            "year" => Column::new(
                name.into(),
                cells
                    .iter()
                    .map(|c| c.parse::<i64>().ok())
                    .collect::<Vec<_>>(),
            ),
            "value" => Column::new(
                name.into(),
                cells
                    .iter()
                    .map(|c| c.parse::<f64>().ok())
                    .collect::<Vec<_>>(),
            ),
            _ => Column::new(name.into(), cells),
        })
        .collect();
    DataFrame::new_infer_height(columns).unwrap()
}

/// The rows of a frame whose `column` is one of `keep`.
fn rows_of(df: &DataFrame, column: &str, keep: &[String]) -> DataFrame {
    let col = df.column(column).unwrap().str().unwrap();
    let mask: BooleanChunked = (0..col.len())
        .map(|i| Some(col.get(i).is_some_and(|v| keep.iter().any(|k| k == v))))
        .collect();
    df.filter(&mask).unwrap()
}

type Key = (String, String, i32);

/// Benchmark, park and year to level, score and coverage, from a scores frame.
fn by_park(scores: &DataFrame) -> BTreeMap<Key, (String, Option<f64>, f64)> {
    let s = |c: &str| scores.column(c).unwrap().str().unwrap().clone();
    let (set, park, level) = (s("benchmark"), s("park_id"), s("level"));
    let year = scores.column("year").unwrap().i32().unwrap().clone();
    let score = scores.column("score").unwrap().f64().unwrap().clone();
    let coverage = scores.column("coverage").unwrap().f64().unwrap().clone();
    (0..scores.height())
        .map(|i| {
            (
                (
                    set.get(i).unwrap().to_string(),
                    park.get(i).unwrap().to_string(),
                    year.get(i).unwrap(),
                ),
                (
                    level.get(i).unwrap().to_string(),
                    score.get(i),
                    coverage.get(i).unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn a_programme_scored_by_park_group_is_the_programme_scored_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        parks: 24,
        years: 3,
        monthly: true,
        messy: 0.5,
        ..Config::default()
    };
    generator::generate(&cfg, dir.path()).unwrap();
    let reference = Reference::load(None).unwrap();
    let request = Request {
        sets: reference.sets.clone(),
        ..Request::default()
    };
    // The whole programme, read from its files.
    let files = parkbench::disk::Disk;
    let data = parkbench::input::load(
        &files,
        &[PathBuf::from(dir.path())],
        &reference.vocab,
        &reference.factors,
    )
    .unwrap();
    let whole = pipeline::run(&reference, &data, &request).unwrap();
    let mut want = BTreeMap::new();
    for run in &whole.runs {
        for s in &run.scores {
            want.insert(
                (run.set.id.clone(), s.park_id.clone(), s.year),
                (s.level.clone(), s.overall.score, s.overall.coverage),
            );
        }
    }
    assert!(want.len() >= 24 * 3, "{} scores", want.len());
    // The same programme as frames, run group by group (by province).
    let parks = frame(&dir.path().join("parks.csv"));
    let activity = frame(&dir.path().join("activity.csv"));
    let provinces = parks.column("province").unwrap().str().unwrap().clone();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let ids = parks.column("park_id").unwrap().str().unwrap().clone();
    for i in 0..parks.height() {
        groups
            .entry(provinces.get(i).unwrap_or_default().to_string())
            .or_default()
            .push(ids.get(i).unwrap().to_string());
    }
    assert!(groups.len() > 2, "{} groups", groups.len());
    let mut got = BTreeMap::new();
    let mut warned = 0;
    for members in groups.values() {
        let out = kernel::score_group(
            &reference,
            &request,
            &rows_of(&parks, "park_id", members),
            &mut rows_of(&activity, "park_id", members),
        )
        .unwrap();
        got.extend(by_park(&out.scores));
        warned += out.problems.height();
    }
    assert_eq!(got.len(), want.len());
    for (key, w) in &want {
        assert_eq!(got.get(key), Some(w), "{key:?}");
    }
    // The messy park-years' warnings come back as rows of the problems frames.
    assert_eq!(warned, data.report.warning_count(), "warnings");
}
