//! `parkbench needs DATA --benchmark ID`: what each park needs, in terms a technology provider
//! understands; `parkbench match DATA --benchmark ID --technologies FILE`: the technologies of
//! a catalogue that serve those needs, ranked, each with why.

use clap::Args;
use std::path::{Path, PathBuf};

use super::output::{Format, emit, human, text_table};
use super::plan::PathwayArgs;
use super::score::SetArgs;
use super::{CliError, DataArgs, ExitStatus};
use parkbench::i18n::Locale;
use parkbench::matchmaking::{self, TechnologyCatalogue};

#[derive(Debug, Args)]
pub struct NeedsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub pathways: PathwayArgs,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub pathways: PathwayArgs,
    /// The technology catalogue (CSV; format in the README).
    #[arg(long, value_name = "FILE")]
    pub technologies: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write to this file instead of standard output (with csv: matches.csv here, needs.csv
    /// beside it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Reads a technology catalogue, bounded, with every problem located.
pub fn read_catalogue(
    path: &Path,
    reference: &parkbench::pipeline::Reference,
    lang: parkbench::i18n::Lang,
) -> Result<TechnologyCatalogue, CliError> {
    let max = reference.limits().technologies.max_bytes;
    let meta =
        std::fs::metadata(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    if meta.len() > max as u64 {
        return Err(CliError::Usage(format!(
            "{}: {} bytes; a technology catalogue may have at most {max}",
            path.display(),
            meta.len()
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let name = path.display().to_string();
    TechnologyCatalogue::parse(&name, &bytes, &reference.measures, &reference.vocab).map_err(
        |problems| {
            CliError::Usage(
                problems
                    .iter()
                    .map(|d| d.render(lang))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        },
    )
}

pub fn run_needs(args: NeedsArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading, scoring and planning");
    let wants = super::job::Wants {
        sets: Some(&args.sets),
        pathways: Some(&args.pathways),
        ..Default::default()
    };
    let l = super::job::Job::build(&args.data, wants)?;
    let outcome = l.run()?;
    spinner.finish_and_clear();
    let needs: Vec<_> = outcome
        .plans
        .iter()
        .flat_map(|r| matchmaking::needs(r, &l.data, l.reference.tables()))
        .collect();
    let words = Locale::get(args.data.lang);
    let text = match args.format {
        Format::Csv => matchmaking::needs_csv(&needs),
        Format::Json => serde_json::to_string_pretty(&needs)? + "\n",
        Format::Table => {
            let mut out = String::new();
            for n in &needs {
                out.push_str(&format!(
                    "\n{}\n  {}\n",
                    n.title(words.lang()),
                    n.description(words.lang())
                ));
            }
            out
        }
    };
    emit(args.out.as_deref(), &text)?;
    Ok(super::report_failures(&l.data, args.data.lang))
}

pub fn run_match(args: MatchArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading, scoring, planning and matching");
    let wants = super::job::Wants {
        sets: Some(&args.sets),
        pathways: Some(&args.pathways),
        technologies: Some(&args.technologies),
        ..Default::default()
    };
    let l = super::job::Job::build(&args.data, wants)?;
    let outcome = l.run()?;
    let Some(catalogue) = l
        .request
        .pathways
        .as_ref()
        .and_then(|p| p.technologies.as_ref())
    else {
        return Err(CliError::Usage("--technologies FILE is needed".into()));
    };
    spinner.finish_and_clear();
    let words = Locale::get(args.data.lang);
    let lang = words.lang();
    let runs = &outcome.matches;
    match args.format {
        Format::Csv => {
            emit(args.out.as_deref(), &matches_csv(runs, catalogue, lang))?;
            if let Some(out) = &args.out {
                let needs: Vec<_> = runs.iter().flat_map(|r| r.needs.clone()).collect();
                super::write_atomic(
                    &out.with_file_name("needs.csv"),
                    matchmaking::needs_csv(&needs).as_bytes(),
                )?;
            }
        }
        Format::Json => emit(args.out.as_deref(), &matches_json(runs)?)?,
        Format::Table => emit(args.out.as_deref(), &matches_table(runs, catalogue, words))?,
    }
    Ok(super::report_failures(&l.data, args.data.lang))
}

/// The matches of every set's run as one CSV: the first run's header, then every run's rows.
fn matches_csv(
    runs: &[matchmaking::MatchRun],
    catalogue: &TechnologyCatalogue,
    lang: parkbench::i18n::Lang,
) -> String {
    runs.iter()
        .enumerate()
        .map(|(i, r)| {
            let t = matchmaking::matches_csv(r, catalogue, lang);
            if i == 0 {
                t
            } else {
                t.lines().skip(1).map(|l| format!("{l}\n")).collect()
            }
        })
        .collect()
}

/// The needs, matches (with why, in both languages) and unserved needs of every run, as JSON.
fn matches_json(runs: &[matchmaking::MatchRun]) -> Result<String, CliError> {
    let v: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "needs": r.needs,
                "matches": r.matches.iter().map(|m| (m, m.why.sides())).map(|(m, (why_en, why_zh))| serde_json::json!({
                    "need": m.need, "technology": m.technology, "measure": m.measure,
                    "coverage": m.coverage, "trl": m.trl, "cost_low": m.cost_low,
                    "rank": m.rank,
                    "why_en": why_en,
                    "why_zh": why_zh,
                })).collect::<Vec<_>>(),
                "unserved": r.unserved().map(|n| n.id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&v)? + "\n")
}

/// Each need with its technologies as a table (or why none serves it), then the technologies
/// the programme needs most.
fn matches_table(
    runs: &[matchmaking::MatchRun],
    catalogue: &TechnologyCatalogue,
    words: &Locale,
) -> String {
    let lang = words.lang();
    let mut out = String::new();
    for r in runs {
        for n in &r.needs {
            out.push_str(&format!("\n{}\n", n.title(lang)));
            let rows = need_rows(r, &n.id, catalogue, lang);
            if rows.is_empty() {
                out.push_str(&format!("  {}\n", words.text(&t!("needs.unserved"))));
                continue;
            }
            let header: Vec<String> = ["#", "technology", "provider", "covers", "TRL", "cost from"]
                .iter()
                .map(|k| {
                    words.text(&parkbench::i18n::Text::new_owned(format!(
                        "needs.column.{}",
                        column_key(k)
                    )))
                })
                .collect();
            out.push_str(&text_table(&header, &rows));
        }
        let by = r.by_technology();
        if !by.is_empty() {
            out.push_str(&format!("\n{}\n", words.text(&t!("needs.programme"))));
            for (id, parks, co2) in by {
                let t = catalogue.get(&id);
                out.push_str(&format!(
                    "  {} · {} · {} tCO2/yr\n",
                    t.map_or(id.clone(), |t| t.title(lang).to_string()),
                    words.text(&t!("needs.parks", n = parks.to_string())),
                    human(Some(co2), 0)
                ));
            }
        }
    }
    out
}

/// A need's matches as table rows: rank, technology, provider, coverage, TRL, cost from.
fn need_rows(
    r: &matchmaking::MatchRun,
    need: &str,
    catalogue: &TechnologyCatalogue,
    lang: parkbench::i18n::Lang,
) -> Vec<Vec<String>> {
    r.for_need(need)
        .map(|m| {
            let t = catalogue.get(&m.technology);
            vec![
                m.rank.to_string(),
                t.map_or(m.technology.clone(), |t| t.title(lang).to_string()),
                t.map(|t| t.provider.clone()).unwrap_or_default(),
                m.coverage
                    .map_or("—".into(), |c| format!("{:.0} %", c * 100.0)),
                m.trl.to_string(),
                match (m.cost_low, t) {
                    (Some(c), Some(t)) => format!("{} {}", human(Some(c), 1), t.cost_unit),
                    _ => "—".into(),
                },
            ]
        })
        .collect()
}

fn column_key(k: &str) -> &'static str {
    match k {
        "#" => "rank",
        "technology" => "technology",
        "provider" => "provider",
        "covers" => "covers",
        "TRL" => "trl",
        _ => "cost",
    }
}
