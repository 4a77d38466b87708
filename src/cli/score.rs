//! `parkbench score DATA --benchmark ID`: rule-by-rule results, scores, levels and gaps.

use clap::Args;
use std::path::PathBuf;

use super::output::{Format, emit, text_table};
use super::{CliError, DataArgs, ExitStatus};
use parkbench::benchmark::BenchmarkSet;
use parkbench::factors::FuelFactorSet;
use parkbench::indicators::IndicatorCatalogue;
use parkbench::pipeline::{Reference, Selection, SetRun};
use parkbench::uncertainty::McOptions;

/// Which benchmark sets to use.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// A shipped benchmark set (see `parkbench benchmarks list`); repeat for several, or `all`
    /// for every shipped set.
    #[arg(long = "benchmark", value_name = "ID")]
    pub benchmarks: Vec<String>,
    /// A benchmark set file of your own; repeat for several.
    #[arg(long = "set", value_name = "FILE")]
    pub sets: Vec<PathBuf>,
    /// Score only these years (default: every year in the data).
    #[arg(long = "year", value_name = "YYYY")]
    pub years: Vec<i32>,
    /// Score only these parks.
    #[arg(long = "park", value_name = "ID")]
    pub parks: Vec<String>,
    /// Use this milestone year of sets with milestones (default: the next one after the data year).
    #[arg(long, value_name = "YYYY")]
    pub milestone: Option<i32>,
}

impl SetArgs {
    /// The chosen sets, in the order given.
    pub fn resolve(&self, reference: &Reference) -> Result<Vec<BenchmarkSet>, CliError> {
        let mut sets = Vec::new();
        for id in &self.benchmarks {
            if id == "all" {
                sets.extend(reference.sets.iter().cloned());
                continue;
            }
            let set = reference
                .set(id)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            sets.push(set.clone());
        }
        for f in &self.sets {
            sets.push(reference.set_file(&parkbench::disk::Disk, f)?);
        }
        if sets.is_empty() {
            return Err(CliError::Usage(
                "choose a benchmark set with --benchmark ID or --set FILE\nhint: `parkbench benchmarks list` shows the shipped sets".into(),
            ));
        }
        Ok(sets)
    }

    /// Which parks and years, and the milestone.
    pub fn selection(&self, fuel: FuelFactorSet) -> Selection {
        Selection {
            years: self.years.clone(),
            parks: self.parks.clone(),
            fuel_factors: Some(fuel),
            milestone: self.milestone,
        }
    }
}

/// The Monte Carlo analysis of how sure each verdict is.
#[derive(Debug, Args)]
pub struct McArgs {
    /// Monte Carlo draws over factor and data uncertainty (`score`: only when given;
    /// `report`: 1000 by default; 0 turns it off).
    #[arg(long, value_name = "N")]
    pub draws: Option<usize>,
    /// Seed of the draws: the same seed gives the same results.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
    /// 95 % half-width of quantities reported as estimated, as a share (default: from the
    /// shipped uncertainty ranges, 0.10).
    #[arg(long, value_name = "SHARE")]
    pub estimated_spread: Option<f64>,
}

impl McArgs {
    /// The analysis to run, if any.
    pub fn options(&self, default_draws: usize) -> Result<Option<McOptions>, CliError> {
        let draws = self.draws.unwrap_or(default_draws);
        if draws > 1_000_000 {
            return Err(CliError::Usage(format!(
                "--draws {draws}: expected at most 1,000,000"
            )));
        }
        if let Some(s) = self.estimated_spread
            && !(0.0..=2.0).contains(&s)
        {
            return Err(CliError::Usage(format!(
                "--estimated-spread {s}: expected a share between 0 and 2 (0.10 = +/-10 %)"
            )));
        }
        Ok((draws > 0).then_some(McOptions {
            draws,
            seed: self.seed,
            estimated_spread: self.estimated_spread,
        }))
    }
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub mc: McArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(args: ScoreArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading, checking and scoring the data");
    let mc = args.mc.options(0)?;
    let l = super::job::Job::build(
        &args.data,
        super::job::Wants {
            sets: Some(&args.sets),
            programme: args.out.is_some(),
            mc,
            ..Default::default()
        },
    )?;
    let lang = args.data.lang;
    if let (Format::Csv, Some(out), None) = (args.format, &args.out, mc) {
        // A table to a file: parks streamed through, a part at a time.
        let progs = stream_csv(&l, out)?;
        spinner.finish_and_clear();
        write_beside(&l, out, &progs, lang)?;
        let status = super::report_failures(&l.data, lang);
        super::let_go((l, progs));
        return Ok(status);
    }
    let outcome = l.run()?;
    spinner.finish_and_clear();
    let runs = &outcome.runs;
    match (args.format, &args.out) {
        (Format::Csv, Some(out)) => parkbench::outfile::write_with(out, |w| {
            parkbench::report::scores::write_csv(w, runs, parkbench::i18n::Lang::EN)
        })
        .map_err(|source| CliError::Write {
            path: out.clone(),
            source,
        })?,
        (Format::Csv, None) => emit(None, &to_csv(runs))?,
        (Format::Json, out) => emit(out.as_deref(), &to_json(runs)?)?,
        (Format::Table, out) => emit(
            out.as_deref(),
            &to_table(
                runs,
                &l.reference.catalogue,
                parkbench::i18n::Locale::get(lang),
            ),
        )?,
    }
    if let Some(out) = &args.out {
        write_beside(&l, out, &outcome.programmes, lang)?;
    } else if mc.is_some() {
        super::note(format_args!(
            "note: peer statistics and the Monte Carlo results are written beside --out FILE (peers.csv, uncertainty.csv)"
        ));
    }
    let status = super::report_failures(&l.data, lang);
    super::let_go((l, outcome));
    Ok(status)
}

/// scores.csv written to `out` as the parks are scored, a part at a time (so the run never
/// holds every park's rule results); the programme view of each set kept.
fn stream_csv(
    l: &super::job::Job,
    out: &std::path::Path,
) -> Result<Vec<parkbench::pipeline::Programme>, CliError> {
    let (mut failed, mut progs) = (None, Vec::new());
    let written = parkbench::outfile::write_with(out, |w| {
        let mut table = parkbench::report::scores::ScoresCsv::new(w, parkbench::i18n::Lang::EN);
        let ran = parkbench::pipeline::run_streamed(
            &l.reference,
            &l.data,
            &l.request,
            parkbench::pipeline::PARKS_PER_PART,
            |_, scores| table.add(scores),
        );
        match ran {
            Ok(p) => {
                progs = p;
                table.finish()
            }
            Err(parkbench::pipeline::StreamError::Sink(e)) => Err(e),
            Err(parkbench::pipeline::StreamError::Pipeline(e)) => {
                // The run failed, not the file: no file is left, and the run's error is said.
                failed = Some(e);
                Err(std::io::Error::other("the run failed"))
            }
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    written.map_err(|source| CliError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(progs)
}

/// What is written beside the scores: which parks were left out and why, where each park
/// stands among its peers, how each moved from year to year, and (with --draws) how sure each
/// verdict is.
fn write_beside(
    l: &super::job::Job,
    out: &std::path::Path,
    progs: &[parkbench::pipeline::Programme],
    lang: parkbench::i18n::Lang,
) -> Result<(), CliError> {
    if l.data.report.has_errors() {
        let path = out.with_file_name("failures.csv");
        super::write_atomic(
            &path,
            parkbench::report::failures_csv(&l.data, lang).as_bytes(),
        )?;
    }
    // Streamed to its file: the largest table of a programme (a row per park, year, measure
    // and peer group).
    let peers = out.with_file_name("peers.csv");
    parkbench::outfile::write_with(&peers, |w| parkbench::report::write_peers_csv(w, progs))
        .map_err(|source| CliError::Write {
            path: peers.clone(),
            source,
        })?;
    super::write_atomic(
        &out.with_file_name("changes.csv"),
        parkbench::report::changes_csv(progs).as_bytes(),
    )?;
    if progs.iter().any(|p| p.mc.is_some()) {
        super::write_atomic(
            &out.with_file_name("uncertainty.csv"),
            parkbench::report::uncertainty_csv(progs).as_bytes(),
        )?;
    }
    Ok(())
}

pub use parkbench::report::scores::{csv as to_csv, gate_str};

pub fn to_json(runs: &[SetRun]) -> Result<String, CliError> {
    parkbench::report::scores::json(runs).map_err(|e| CliError::Report(e.into()))
}

fn to_table(runs: &[SetRun], cat: &IndicatorCatalogue, words: &parkbench::i18n::Locale) -> String {
    let mut out = String::new();
    for run in runs {
        for s in &run.scores {
            out.push_str(&format!(
                "\n{} · {} {} · {}\nlevel: {} · score {} · coverage {:.0} % · {}\n{}\n",
                run.set.id,
                s.park_id,
                s.park_name,
                s.year,
                words.text(&s.level_name),
                s.overall.score.map_or("—".into(), |x| format!("{x:.0}")),
                s.overall.coverage * 100.0,
                gate_str(s.gate).replace('_', " "),
                words.text(&s.reason)
            ));
            let header: Vec<String> = [
                "rule",
                "role",
                "value",
                "threshold",
                "status",
                "points",
                "gap / note",
            ]
            .iter()
            .map(|x| x.to_string())
            .collect();
            let rows: Vec<Vec<String>> = s
                .rules
                .iter()
                .map(|r| {
                    let fmt = |x: Option<f64>| match (
                        x,
                        cat.get(r.indicator.split('.').next().unwrap_or("")),
                    ) {
                        (Some(v), Some(i)) => {
                            parkbench::scoring::fmt_indicator(i, v, r.indicator.contains('.'))
                        }
                        (Some(v), None) => format!("{v:.3}"),
                        (None, _) => "—".into(),
                    };
                    vec![
                        r.rule.to_string(),
                        r.role.as_str().into(),
                        fmt(r.value),
                        fmt(r.threshold.as_ref().map(|t| t.value)),
                        r.status.as_str().into(),
                        r.points.map_or("—".into(), |p| format!("{p:.0}")),
                        r.gap
                            .as_ref()
                            .map(|g| &g.text)
                            .or(r.note.as_ref())
                            .map(|t| words.text(t))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            out.push_str(&text_table(&header, &rows));
        }
    }
    out
}
