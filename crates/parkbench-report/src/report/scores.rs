//! scores.csv and scores.json, as `parkbench score` prints them and reports and the portal
//! ship them.

use crate::outfile::{csv_safe, num};
use parkbench_core::i18n::{Lang, Locale};
use parkbench_core::pipeline::SetRun;
use parkbench_core::scoring::{GateState, RuleResult, Score};

/// A row of scores.csv: one per park, year, set and rule, plus an `overall` row.
#[derive(serde::Serialize, Default)]
struct ScoreRow {
    park_id: String,
    year: i32,
    benchmark: String,
    rule: String,
    indicator: String,
    role: &'static str,
    value: String,
    unit: String,
    threshold: String,
    status: &'static str,
    points: String,
    /// The gap of a failing rule, or why a rule is missing / waived / not applicable.
    gap: String,
    source_status: &'static str,
    level: String,
    coverage: String,
}

/// scores.csv: every rule of every score, then its `overall` row; gaps and notes in English.
pub fn csv(runs: &[SetRun]) -> String {
    csv_in(runs, Lang::EN)
}

/// [`csv()`] with the gaps and notes in `lang` (the workbook's scores sheet).
pub fn csv_in(runs: &[SetRun], lang: Lang) -> String {
    let mut out = Vec::new();
    // Writing to memory fails only on a row serde cannot write as CSV, which these are not.
    let _ = write_csv(&mut out, runs, lang);
    String::from_utf8(out).unwrap_or_default()
}

/// [`csv_in`] written to `w` a row at a time: the table (a row per park, year, set and rule)
/// never sits in memory whole.
pub fn write_csv(w: impl std::io::Write, runs: &[SetRun], lang: Lang) -> std::io::Result<()> {
    let mut out = ScoresCsv::new(w, lang);
    for r in runs {
        out.add(&r.scores)?;
    }
    out.finish()
}

/// scores.csv written as the scores are made, a part at a time (`parkbench score --format csv
/// --out FILE` streams parks: each part's scores are written, then dropped).
pub struct ScoresCsv<W: std::io::Write> {
    rows: crate::outfile::RowWriter<W, ScoreRow>,
    words: &'static Locale,
}

impl<W: std::io::Write> ScoresCsv<W> {
    /// Gaps and notes in `lang`.
    pub fn new(w: W, lang: Lang) -> Self {
        ScoresCsv {
            rows: crate::outfile::RowWriter::new(w),
            words: Locale::get(lang),
        }
    }

    /// Every rule of each score, then its `overall` row.
    pub fn add(&mut self, scores: &[Score]) -> std::io::Result<()> {
        for s in scores {
            for r in &s.rules {
                self.rows.push(rule_row(s, r, self.words))?;
            }
            self.rows.push(overall_row(s))?;
        }
        Ok(())
    }

    /// Flushes the table (its header alone when no score was added).
    pub fn finish(self) -> std::io::Result<()> {
        self.rows.finish()
    }
}

/// A rule's row of scores.csv.
fn rule_row(s: &Score, r: &RuleResult, words: &Locale) -> ScoreRow {
    ScoreRow {
        park_id: csv_safe(&s.park_id),
        year: s.year,
        benchmark: csv_safe(&s.benchmark),
        rule: csv_safe(&r.rule),
        indicator: r.indicator.to_string(),
        role: r.role.as_str(),
        value: num(r.value, 6),
        unit: r.unit.to_string(),
        threshold: num(r.threshold.as_ref().map(|t| t.value), 6),
        status: r.status.as_str(),
        points: num(r.points, 2),
        gap: csv_safe(
            &r.gap
                .as_ref()
                .map(|g| &g.text)
                .or(r.note.as_ref())
                .map(|t| words.text(t))
                .unwrap_or_default(),
        ),
        source_status: r.threshold.as_ref().map_or("", |t| t.status.as_str()),
        ..Default::default()
    }
}

/// A score's `overall` row of scores.csv.
fn overall_row(s: &Score) -> ScoreRow {
    ScoreRow {
        park_id: csv_safe(&s.park_id),
        year: s.year,
        benchmark: csv_safe(&s.benchmark),
        rule: "overall".to_string(),
        value: num(s.overall.score, 2),
        unit: "points".to_string(),
        status: gate_str(s.gate),
        points: num(s.overall.score, 2),
        level: s.level.clone(),
        coverage: num(Some(s.overall.coverage), 4),
        ..Default::default()
    }
}

/// A gate state as scores.csv writes it.
pub fn gate_str(g: GateState) -> &'static str {
    match g {
        GateState::None => "no_gate",
        GateState::Passed => "gate_passed",
        GateState::Failed => "gate_failed",
        GateState::Missing => "gate_missing",
        GateState::ToVerify => "gate_to_verify",
        GateState::TierUnconfirmed => "gate_tier_unconfirmed",
    }
}

#[derive(serde::Serialize)]
struct JsonSet<'a> {
    id: &'a str,
    title: &'a parkbench_core::benchmark::Bilingual,
    document: &'a str,
    publisher: &'a str,
    url: &'a str,
    accounting: &'a parkbench_core::benchmark::Accounting,
    scores: &'a [Score],
    alternatives: &'a [parkbench_core::scoring::AlternativeRun],
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
            alternatives: &r.alternatives,
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "benchmarks": sets })).map(|s| s + "\n")
}
