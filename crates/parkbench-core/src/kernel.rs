//! The work for one group of parks as a function of Arrow columns in and out.
//!
//! Every stage from the activity rows to a park's score reads only the park's own rows and the
//! reference tables: [`score_group`] takes a group's parks and activity as data frames (Arrow
//! arrays: a polars [`DataFrame`] is a list of Arrow columns, and `DataFrame::iter_chunks`
//! gives them as Arrow record batches without copying) and gives back one row per park, year
//! and benchmark set, and one row per problem found. It opens no file, keeps no state between
//! calls and reads no global: the reference and the request come in as values. So a programme
//! that outgrows one machine can run it per park group wherever Arrow batches are handed to a
//! function (a DataFusion table function, Spark's `groupBy(...).applyInArrow` /
//! `mapInArrow`), grouped by park or province, and gets, park for park, what one run over the
//! whole programme gives; what needs every park at once (peer statistics, year-on-year
//! changes, the programme's ranking) is computed from those rows afterwards.
//!
//! Inside, the group's rows go through the same reader as files do (the activity as an
//! in-memory Parquet file, the parks as CSV), so every cell is checked alike and a problem
//! names the row and column of the group's frame.

use std::path::PathBuf;

use polars::prelude::*;

use crate::pipeline::{PipelineError, Reference, Request};
use crate::world::Memory;

/// Why a group could not be run at all (its rows' own problems are rows of the problems
/// frame, not this).
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("the group's frames cannot be read: {0}")]
    Frame(#[from] PolarsError),
    #[error("the group's parks cannot be written as a table: {0}")]
    Parks(#[from] csv::Error),
    #[error("{0}")]
    Load(#[from] crate::input::LoadError),
    #[error("{0}")]
    Pipeline(#[from] PipelineError),
}

/// What one group gives: its scores and its problems, as frames.
pub struct GroupResult {
    /// One row per park, year and set scored: `benchmark`, `park_id`, `year`, `level`,
    /// `score` (0-100, null when undetermined), `coverage` (0-1), `gate`, `energy_tce`,
    /// `co2_t` (null when unknown).
    pub scores: DataFrame,
    /// One row per problem kept in full: `severity`, `file`, `line`, `column`, `park_id`,
    /// `kind` (the message's id) and `message` (in English).
    pub problems: DataFrame,
}

/// Scores one group of parks: `parks` with the columns of `parks.csv`, `activity` with those
/// of `activity.csv` or its Parquet export (long or wide layout). See the module's doc.
pub fn score_group(
    reference: &Reference,
    request: &Request,
    parks: &DataFrame,
    activity: &mut DataFrame,
) -> Result<GroupResult, KernelError> {
    let mut files = Memory::new();
    let mut parquet = Vec::new();
    polars_io::parquet::write::ParquetWriter::new(&mut parquet).finish(activity)?;
    files.insert("group/activity.parquet", parquet);
    files.insert("group/parks.csv", csv_of(parks)?);
    let data = crate::input::load(
        &files,
        &[PathBuf::from("group")],
        &reference.vocab,
        &reference.factors,
    )?;
    let outcome = crate::pipeline::run(reference, &data, request)?;
    Ok(GroupResult {
        scores: scores_frame(&outcome)?,
        problems: problems_frame(&data.report)?,
    })
}

/// A frame as CSV text, every cell as polars writes the value as text (null as empty).
fn csv_of(frame: &DataFrame) -> Result<Vec<u8>, KernelError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(frame.get_column_names().iter().map(|n| n.as_str()))?;
    let text: Vec<Column> = frame
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<Result<_, _>>()?;
    let cells: Vec<&StringChunked> = text.iter().map(|c| c.str()).collect::<Result<_, _>>()?;
    for row in 0..frame.height() {
        out.write_record(cells.iter().map(|c| c.get(row).unwrap_or("")))?;
    }
    out.into_inner()
        .map_err(|e| KernelError::Parks(csv::Error::from(e.into_error())))
}

fn scores_frame(outcome: &crate::pipeline::Outcome) -> PolarsResult<DataFrame> {
    let (mut set, mut park, mut year, mut level, mut gate) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut score, mut coverage, mut tce, mut co2) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in &outcome.runs {
        let years: std::collections::HashMap<(&str, i32), &crate::inventory::ParkYear> = run
            .inventory
            .years
            .iter()
            .map(|py| ((py.park_id.as_str(), py.year), py))
            .collect();
        for s in &run.scores {
            let py = years.get(&(s.park_id.as_str(), s.year));
            set.push(run.set.id.clone());
            park.push(s.park_id.clone());
            year.push(s.year);
            level.push(s.level.clone());
            gate.push(serde_json::to_value(s.gate).map_or(String::new(), |v| {
                v.as_str().unwrap_or_default().to_string()
            }));
            score.push(s.overall.score);
            coverage.push(s.overall.coverage);
            tce.push(py.and_then(|p| p.energy_tce));
            co2.push(py.and_then(|p| p.co2_total_t));
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("benchmark".into(), set),
        Column::new("park_id".into(), park),
        Column::new("year".into(), year),
        Column::new("level".into(), level),
        Column::new("score".into(), score),
        Column::new("coverage".into(), coverage),
        Column::new("gate".into(), gate),
        Column::new("energy_tce".into(), tce),
        Column::new("co2_t".into(), co2),
    ])
}

fn problems_frame(report: &crate::diag::Report) -> PolarsResult<DataFrame> {
    let d = &report.diagnostics;
    DataFrame::new_infer_height(vec![
        Column::new(
            "severity".into(),
            d.iter()
                .map(|d| if d.is_error() { "error" } else { "warning" })
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "file".into(),
            d.iter().map(|d| d.origin().to_string()).collect::<Vec<_>>(),
        ),
        Column::new(
            "line".into(),
            d.iter().map(|d| d.line as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "column".into(),
            d.iter().map(|d| d.column as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "park_id".into(),
            d.iter().map(|d| d.park_id.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "kind".into(),
            d.iter()
                .map(|d| d.message.key.to_string())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "message".into(),
            d.iter().map(|d| d.message.en()).collect::<Vec<_>>(),
        ),
    ])
}
