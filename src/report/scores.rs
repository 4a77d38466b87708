//! scores.csv and scores.json, as `parkbench score` prints them and reports and the portal
//! ship them.

use crate::outfile::{csv_safe, num};
use crate::pipeline::SetRun;
use crate::scoring::{GateState, Score};

/// Fixed columns, one row per park, year, set and rule, plus an `overall` row.
pub const CSV_HEADER: [&str; 15] = [
    "park_id",
    "year",
    "benchmark",
    "rule",
    "indicator",
    "role",
    "value",
    "unit",
    "threshold",
    "status",
    "points",
    "gap",
    "source_status",
    "level",
    "coverage",
];

/// scores.csv: every rule of every score, then its `overall` row.
pub fn csv(runs: &[SetRun]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    for run in runs {
        for s in &run.scores {
            for r in &s.rules {
                let _ = w.write_record([
                    csv_safe(&s.park_id),
                    s.year.to_string(),
                    csv_safe(&s.benchmark),
                    csv_safe(&r.rule),
                    r.indicator.clone(),
                    r.role.as_str().to_string(),
                    num(r.value, 6),
                    r.unit.clone(),
                    num(r.threshold.as_ref().map(|t| t.value), 6),
                    r.status.as_str().to_string(),
                    num(r.points, 2),
                    // The gap of a failing rule, or why a rule is missing / waived / not applicable.
                    csv_safe(
                        &r.gap
                            .as_ref()
                            .map(|g| &g.text)
                            .or(r.note.as_ref())
                            .map(|t| t.en())
                            .unwrap_or_default(),
                    ),
                    r.threshold
                        .as_ref()
                        .map(|t| t.status.as_str())
                        .unwrap_or("")
                        .to_string(),
                    String::new(),
                    String::new(),
                ]);
            }
            let _ = w.write_record([
                csv_safe(&s.park_id),
                s.year.to_string(),
                csv_safe(&s.benchmark),
                "overall".to_string(),
                String::new(),
                String::new(),
                num(s.overall.score, 2),
                "points".to_string(),
                String::new(),
                gate_str(s.gate).to_string(),
                num(s.overall.score, 2),
                String::new(),
                String::new(),
                s.level.clone(),
                num(Some(s.overall.coverage), 4),
            ]);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A gate state as scores.csv writes it.
pub fn gate_str(g: GateState) -> &'static str {
    match g {
        GateState::None => "no_gate",
        GateState::Passed => "gate_passed",
        GateState::Failed => "gate_failed",
        GateState::Missing => "gate_missing",
    }
}

#[derive(serde::Serialize)]
struct JsonSet<'a> {
    id: &'a str,
    title: &'a crate::benchmark::I18n,
    document: &'a str,
    publisher: &'a str,
    url: &'a str,
    accounting: &'a crate::benchmark::Accounting,
    scores: &'a [Score],
}

/// scores.json: the sets with their sources and accounting, and every score.
pub fn json(runs: &[SetRun]) -> Result<String, serde_json::Error> {
    let sets: Vec<JsonSet> = runs
        .iter()
        .map(|r| JsonSet {
            id: &r.set.id,
            title: &r.set.title,
            document: &r.set.document,
            publisher: &r.set.publisher,
            url: &r.set.url,
            accounting: &r.set.accounting,
            scores: &r.scores,
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "benchmarks": sets })).map(|s| s + "\n")
}
