//! `parkbench plan DATA --benchmark ID`: what would close each park's gap, at what cost, and
//! (with `--scenario FILE`) by when.

use clap::Args;
use std::path::PathBuf;

use super::output::{Format, emit, human, text_table};
use super::score::SetArgs;
use super::{CliError, DataArgs, ExitStatus};
use parkbench::i18n::Locale;
use parkbench::pathway::{self, Plan, PlanRun};
use parkbench::pipeline;

/// The measure catalogue, prices, discount rate and scenario of pathways.
#[derive(Debug, Args)]
pub struct PathwayArgs {
    /// A scenario file (TOML: measures, sizes, start years, growth): project it year by year
    /// to the set's milestones.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// A measure file of your own in place of the shipped indicators/measures.toml.
    #[arg(long, value_name = "FILE")]
    pub measures: Option<PathBuf>,
    /// A price file of your own in place of the shipped indicators/prices.csv.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Discount rate for every measure, a fraction per year (default: the measure file's).
    #[arg(long, value_name = "RATE")]
    pub discount_rate: Option<f64>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub pathways: PathwayArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write plan.csv, plan.json, measures.csv (every number's source), projection.csv (with
    /// a scenario) and the charts to this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(args: PlanArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading, scoring and planning");
    let l = super::job::Job::build(
        &args.data,
        super::job::Wants {
            sets: Some(&args.sets),
            pathways: Some(&args.pathways),
            ..Default::default()
        },
    )?;
    let outcome = l.run()?;
    spinner.finish_and_clear();
    let words = Locale::get(args.data.lang);
    let cat = &l.reference.measures;
    let plans = &outcome.plans;
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
                path: dir.clone(),
                source,
            })?;
            let files = parkbench::report::plan::files(plans, cat, words)?;
            for (name, bytes) in files {
                super::write_atomic(&dir.join(name), &bytes)?;
            }
            super::note(format_args!(
                "{}",
                words.text(&t!("plan.table.written", dir = dir.display().to_string()))
            ));
        }
        None => {
            let text = match args.format {
                Format::Csv => parkbench::report::plan::plan_csv(plans, cat, words),
                Format::Json => serde_json::to_string_pretty(plans)? + "\n",
                Format::Table => to_table(plans, &l.reference, words),
            };
            emit(None, &text)?;
        }
    }
    Ok(super::report_failures(&l.data, args.data.lang))
}

fn to_table(runs: &[PlanRun], r: &pipeline::Reference, words: &Locale) -> String {
    let mut out = String::new();
    for run in runs {
        for p in &run.plans {
            out.push_str(&park_table(p, r, words));
        }
        for pr in &run.projections {
            out.push_str(&format!(
                "\n{}\n",
                words.text(&t!(
                    "plan.table.projection",
                    park = &pr.park_id,
                    scenario = pr.scenario.get(words.lang()),
                    benchmark = &pr.benchmark
                ))
            ));
            let header = cols(
                words,
                &["year", "co2", "energy", "level", "gate", "measures"],
            );
            let rows: Vec<Vec<String>> = pr
                .years
                .iter()
                .map(|y| {
                    vec![
                        format!("{}{}", y.year, if y.milestone { " *" } else { "" }),
                        human(y.co2_total_t, 0),
                        human(y.energy_tce, 0),
                        words.text(&y.score.level_name),
                        gate_words(y.gate, words),
                        y.measures.join(", "),
                    ]
                })
                .collect();
            out.push_str(&text_table(&header, &rows));
            out.push_str(&words.text(&match pr.first_gate_year {
                Some(y) => t!("plan.table.first_gate", year = y.to_string()),
                None => t!("plan.table.no_gate_year"),
            }));
            out.push('\n');
            for n in &pr.notes {
                out.push_str(&format!("  · {}\n", words.text(n)));
            }
        }
    }
    out
}

fn cols(words: &Locale, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            words.text(&parkbench::i18n::Text::new_owned(format!(
                "plan.column.{k}"
            )))
        })
        .collect()
}

fn park_table(p: &Plan, r: &pipeline::Reference, words: &Locale) -> String {
    let cat = &r.measures;
    let lang = words.lang();
    let mut out = format!(
        "\n{} · {} {} · {}\n",
        p.benchmark, p.park_id, p.park_name, p.year
    );
    out.push_str(&words.text(&t!(
        "plan.table.today",
        level = words.text(&p.before.level_name),
        gate = gate_words(p.gate_before, words),
        co2 = human(p.co2_before_t, 0)
    )));
    out.push('\n');
    if let Some(b) = &p.blocked {
        out.push_str(&words.text(b));
        out.push('\n');
        return out;
    }
    let name = |id: &str| measure_name(cat, id, lang);
    // Money in the language's unit (万元, or millions of yuan).
    let scale = words.money_scale();
    let rows_of = |steps: &[pathway::Step]| step_rows(steps, cat, words);
    let header = cols(
        words,
        &[
            "measure",
            "size",
            "abatement",
            "cost_per_t",
            "annual",
            "capex",
            "co2_after",
        ],
    );
    out.push_str(&words.text(&t!("plan.table.plan")));
    out.push('\n');
    if p.steps.is_empty() {
        out.push_str(&words.text(&t!("plan.table.nothing_needed")));
        out.push('\n');
    } else {
        out.push_str(&text_table(&header, &rows_of(&p.steps)));
        out.push_str(&words.text(&t!(
            "plan.table.total",
            t = human(Some(p.abatement_t()), 0),
            cost = human(p.annual_cost_cny().map(|c| c / scale), 2),
            capex = human(Some(p.capex_cny() / scale), 1)
        )));
        out.push('\n');
    }
    out.push_str(&words.text(&t!(
        "plan.table.after",
        level = p
            .after
            .as_ref()
            .map(|s| words.text(&s.level_name))
            .unwrap_or_default(),
        gate = p
            .gate_after
            .map(|g| gate_words(g, words))
            .unwrap_or_default()
    )));
    out.push('\n');
    for u in &p.unreached {
        out.push_str(&format!(
            "  {} {}: {}\n",
            words.text(&t!("plan.table.cannot")),
            rule_name(p, &u.rule, lang),
            words.text(&u.why)
        ));
    }
    if !p.macc.is_empty() {
        out.push_str(&words.text(&t!("plan.table.merit")));
        out.push('\n');
        out.push_str(&text_table(&header, &rows_of(&p.macc)));
    }
    for s in &p.skipped {
        out.push_str(&format!(
            "  {} {}: {}\n",
            words.text(&t!("plan.table.skipped")),
            name(&s.measure),
            words.text(&s.why)
        ));
    }
    for a in &p.assumptions {
        out.push_str(&format!("  · {}\n", words.text(a)));
    }
    out
}

/// A measure's name in `lang` (its id when the catalogue lacks it).
fn measure_name(cat: &pathway::MeasureCatalogue, id: &str, lang: parkbench::i18n::Lang) -> String {
    cat.measure(id)
        .map_or(id.to_string(), |m| m.name.get(lang).to_string())
}

/// Steps of a plan (or the merit order) as table rows: measure, size, abatement, cost per
/// tonne, annual cost and capex (in the language's unit of money), CO2 after.
fn step_rows(
    steps: &[pathway::Step],
    cat: &pathway::MeasureCatalogue,
    words: &Locale,
) -> Vec<Vec<String>> {
    let scale = words.money_scale();
    steps
        .iter()
        .map(|s| {
            vec![
                measure_name(cat, &s.measure, words.lang()),
                s.size_text(),
                human(Some(s.abatement_t), 0),
                human(s.cost_per_t, 0),
                human(s.effect.annual_cost_cny().map(|c| c / scale), 2),
                human(Some(s.effect.capex_cny / scale), 1),
                human(s.co2_after_t, 0),
            ]
        })
        .collect()
}

/// A gate state in words (the portal's words for it).
fn gate_words(g: parkbench::scoring::GateState, words: &Locale) -> String {
    words.text(&parkbench::i18n::Text::new_owned(format!(
        "portal.{}",
        parkbench::report::scores::gate_str(g)
    )))
}

/// A rule's name in the table's language (its id when the score has no such rule).
fn rule_name(p: &Plan, rule: &str, lang: parkbench::i18n::Lang) -> String {
    p.before
        .rules
        .iter()
        .find(|r| &*r.rule == rule)
        .map_or(rule.to_string(), |r| r.name(lang).to_string())
}
