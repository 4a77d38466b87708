//! Reports: one HTML and Markdown page per park, a programme page, the scores as CSV and JSON,
//! and the charts as SVG (and PNG on request), each handed to a [`Sink`] by its path under the
//! report folder: [`Folder`] writes them atomically (the command line), [`Memory`] keeps them
//! (the portal serves them). The writer itself does no I/O.
//!
//! Pages are self-contained (inline CSS and SVG, no network), escape every value that comes
//! from the data, never put a park id in a path outside the output folder, and carry no
//! timestamp unless asked, so two runs give identical files. Reporting renders scores; it
//! computes nothing that scoring did not.

mod compare;
mod ident;
mod method;
mod park;
mod pathway;
mod pdf;
pub mod plan;
mod programme;
pub mod scores;
mod summary;
mod tables;
mod text;
mod xlsx;

use park::{PageCtx, grades_text, level_words};
pub use programme::{failures, failures_csv};

pub use tables::{
    changes_csv, enterprises_csv, inventory_csv, peers_csv, provenance_csv, uncertainty_csv,
    write_peers_csv,
};

use minijinja::{Environment, context};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

use crate::outfile::for_people;
use crate::plot::{self, Chart};
use parkbench_core::benchmark::{BenchmarkSet, Role};
use parkbench_core::i18n::Lang;
use parkbench_core::indicators::IndicatorCatalogue;
use parkbench_core::input::{Dataset, valid_park_id_for_path};
use parkbench_core::pipeline::{Programme, SetRun};
use parkbench_core::reference::Vocabulary;
use parkbench_core::scoring::{GateState, Score, Status, fmt_energy, fmt_indicator, fmt_qty};
use parkbench_core::uncertainty::ParkUncertainty;

pub use compare::{Comparison, page as comparison_page};
pub use park::{EnterpriseRow, enterprise_rows, green_and_evidence};
pub use pathway::summary as pathway_summary;
pub use text::labels;

/// Which files to write.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub lang: Lang,
    pub html: bool,
    pub markdown: bool,
    pub json: bool,
    pub csv: bool,
    /// `scores.xlsx`: the tables as one workbook.
    pub xlsx: bool,
    /// `parks/<id>.pdf` and `programme.pdf`: A4 documents for a client.
    pub pdf: bool,
    /// Also write PNG charts (for slides).
    pub png: bool,
    /// A timestamp to print in footers (None: no timestamp, deterministic output).
    pub timestamp: Option<String>,
    /// Called once per park page written (for a progress bar).
    pub progress: Option<Progress>,
}

/// A callback told of each unit of work done; shared across threads.
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// Problems while writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    #[error("chart {0}: {1}")]
    Chart(String, String),
    #[error("scores.xlsx: {0}")]
    Workbook(String),
    #[error("{0}: cannot typeset the PDF: {1}")]
    Pdf(String, String),
    #[error("park id {0:?} cannot name a file")]
    UnsafeId(String),
    #[error("scores.json: {0}")]
    Json(#[from] serde_json::Error),
}

/// What was written: each file's path under the report folder (`/`-separated).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Written {
    pub files: Vec<String>,
    pub parks: usize,
}

/// Where a report's files go, one call per file with its path under the report folder
/// (`parks/p1.html`, `charts/programme-ranking.svg`); called from several threads at once.
pub trait Sink: Sync {
    fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), ReportError>;
}

/// A folder on disk: each file written atomically (a temporary file, then a rename).
pub struct Folder<'a>(pub &'a Path);

impl Sink for Folder<'_> {
    fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), ReportError> {
        Ok(crate::outfile::write(&self.0.join(rel), bytes)?)
    }
}

/// The files in memory, by path (for a server that serves them).
#[derive(Debug, Default)]
pub struct Memory(pub std::sync::Mutex<BTreeMap<String, Vec<u8>>>);

impl Memory {
    pub fn into_files(self) -> BTreeMap<String, Vec<u8>> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for Memory {
    fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), ReportError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_string(), bytes.to_vec());
        Ok(())
    }
}

/// Everything a report needs besides options.
pub struct ReportInput<'a> {
    pub run: &'a SetRun,
    pub data: &'a Dataset,
    pub vocab: &'a Vocabulary,
    pub cat: &'a IndicatorCatalogue,
    /// Peer statistics, year-on-year changes and the Monte Carlo verdicts.
    pub programme: &'a Programme,
    /// The set's pathways and the measure catalogue they used (None: no pathway sections).
    pub pathways: Option<(
        &'a parkbench_core::pathway::PlanRun,
        &'a parkbench_core::pathway::MeasureCatalogue,
    )>,
    /// Every set of a multi-set report side by side (None: one set). Pages then sit one folder
    /// down, in the set's own folder.
    pub comparison: Option<&'a Comparison>,
    /// The parks' needs matched to a technology catalogue (None: no needs sections).
    pub matches: Option<(
        &'a parkbench_core::matchmaking::MatchRun,
        &'a parkbench_core::matchmaking::TechnologyCatalogue,
    )>,
    /// Client, preparer, issue date, data period, set version, report id: on the top of every
    /// page, the PDFs' covers and the workbook's cover sheet.
    pub identification: &'a parkbench_core::identification::Identification,
    /// Published figures the park's indicators are read against (`Reference::published`).
    pub published: &'a [parkbench_core::stats::Published],
}

impl<'a> ReportInput<'a> {
    /// The report of the `i`-th set of a run, from what the run API gave for a request that
    /// asked for the programme view (`request.programme`): the CLI and the portal render this,
    /// neither assembles it.
    pub fn of(
        reference: &'a parkbench_core::pipeline::Reference,
        data: &'a Dataset,
        request: &'a parkbench_core::pipeline::Request,
        outcome: &'a parkbench_core::pipeline::Outcome,
        i: usize,
        comparison: Option<&'a Comparison>,
    ) -> Self {
        let technologies = request
            .pathways
            .as_ref()
            .and_then(|p| p.technologies.as_ref());
        ReportInput {
            run: &outcome.runs[i],
            data,
            vocab: &reference.vocab,
            cat: &reference.catalogue,
            programme: &outcome.programmes[i],
            pathways: outcome.plans.get(i).map(|p| (p, &reference.measures)),
            matches: outcome.matches.get(i).zip(technologies),
            comparison,
            identification: &outcome.identifications[i],
            published: &reference.published,
        }
    }
}

/// A chart on a page: its title, its SVG (text as outlines, for any browser) and, for the PDF,
/// its SVG with the text kept as text.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ChartView {
    pub(super) title: String,
    pub(super) svg: String,
    pub(super) svg_text: Option<String>,
}

impl ChartView {
    /// Renders `c` for the formats asked for; the PNG too when `opts.png`.
    fn new(
        c: &impl plot::Chart,
        title: String,
        opts: &ReportOptions,
    ) -> Result<(Self, Option<Vec<u8>>), ReportError> {
        let fail = |e| ReportError::Chart(c.name().into(), e);
        // The PDF's SVG comes from the same drawing as the page's.
        let (svg, svg_text) = if opts.pdf {
            let (svg, text) = plot::svg_both(c).map_err(fail)?;
            (svg, Some(text))
        } else {
            (plot::svg(c).map_err(fail)?, None)
        };
        let png = if opts.png {
            Some(plot::png(c).map_err(fail)?)
        } else {
            None
        };
        Ok((
            Self {
                title,
                svg,
                svg_text,
            },
            png,
        ))
    }
}

fn env() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.add_filter("md", |s: String| text::md_escape(&s));
    // A source is quoted as published: marked with its language, so a Chinese page says which
    // quotations are in English (and a reader's tools read them as English).
    env.add_filter("source_lang", |s: String| {
        // English when it has English words (a Chinese document's name inside an English
        // citation keeps the citation English).
        let words = s
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() >= 3)
            .count();
        if words >= 2 { "en" } else { "zh" }
    });
    env.add_template("park.html", include_str!("templates/park.html"))
        .expect("template parses");
    env.add_template("index.html", include_str!("templates/index.html"))
        .expect("template parses");
    env.add_template("park.md", include_str!("templates/park.md"))
        .expect("template parses");
    env.add_template("compare.html", include_str!("templates/compare.html"))
        .expect("template parses");
    env.add_template("ident.html", include_str!("templates/ident.html"))
        .expect("template parses");
    env
}

const CSS: &str = include_str!("templates/style.css");

/// The latest scored year of each park (or the years asked for), in park order.
pub fn pick_scores(run: &SetRun) -> Vec<&Score> {
    run.latest()
}

/// Renders the report and hands every file to `sink`.
pub fn write(
    sink: &dyn Sink,
    input: &ReportInput,
    opts: &ReportOptions,
) -> Result<Written, ReportError> {
    let env = env();
    let mut written = Written::default();
    let lang = opts.lang;
    let scores = pick_scores(input.run);
    let many = scores.len() > 1;
    let footer = text::footer(lang, opts.timestamp.as_deref());
    for s in &scores {
        if !valid_park_id_for_path(&s.park_id) {
            return Err(ReportError::UnsafeId(s.park_id.clone()));
        }
    }
    // Park pages are independent: rendered and written on every core.
    let ctx = PageCtx {
        sink,
        input,
        opts,
        env: &env,
        footer: &footer,
        many,
    };
    let park_files: Vec<Vec<String>> = scores
        .par_iter()
        .map(|s| {
            let r = ctx.park(s);
            if let Some(p) = &opts.progress {
                (p.0)();
            }
            r
        })
        .collect::<Result<_, _>>()?;
    for files in park_files {
        written.files.extend(files);
        written.parks += 1;
    }
    let mut put = |rel: &str, bytes: &[u8]| -> Result<(), ReportError> {
        sink.put(rel, bytes)?;
        written.files.push(rel.to_string());
        Ok(())
    };
    if (opts.html || opts.pdf) && many {
        programme::page(input, opts, &env, &scores, &footer, &mut put)?;
    }
    if opts.csv {
        for (name, text) in csv_files(input, lang) {
            put(name, &for_people(&text))?;
        }
    }
    // Parks left out, with every reason; always written so a batch can be checked.
    let failures = failures_csv(input.data, opts.lang);
    put("failures.csv", &for_people(&failures))?;
    if opts.xlsx {
        let tables = workbook_tables(input, lang, &failures);
        let tables: Vec<(&'static str, &str)> =
            tables.iter().map(|(k, t)| (*k, t.as_str())).collect();
        let ctx = xlsx::Context::new(input, lang, &footer);
        put("scores.xlsx", &xlsx::workbook(&tables, &ctx)?)?;
    }
    if opts.json {
        put(
            "scores.json",
            self::scores::json(std::slice::from_ref(input.run))?.as_bytes(),
        )?;
    }
    Ok(written)
}

/// The report's CSV tables but `failures.csv`, by file name: the scores as `score` prints
/// them, the programme's tables, the provenance, and the pathways' and needs' tables when the
/// run made them.
fn csv_files(input: &ReportInput, lang: Lang) -> Vec<(&'static str, String)> {
    let progs = std::slice::from_ref(input.programme);
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut files = vec![
        (
            "scores.csv",
            self::scores::csv(std::slice::from_ref(input.run)),
        ),
        ("peers.csv", peers_csv(progs)),
        ("changes.csv", changes_csv(progs)),
    ];
    if input.programme.mc.is_some() {
        files.push(("uncertainty.csv", uncertainty_csv(progs)));
    }
    // Who makes each park's total, when parks report by enterprise.
    if !input.run.enterprises.is_empty() {
        files.push((
            "enterprises.csv",
            tables::enterprises_csv(&input.run.enterprises),
        ));
    }
    let catalogue = input.pathways.map(|(_, c)| c);
    files.push((
        "provenance.csv",
        provenance_csv(input.run, catalogue, words),
    ));
    if let Some((m, tech)) = input.matches {
        use parkbench_core::matchmaking::{matches_csv, needs_csv};
        files.push(("needs.csv", needs_csv(&m.needs)));
        files.push(("matches.csv", matches_csv(m, tech, lang)));
    }
    if let Some((run, cat)) = input.pathways {
        let runs = std::slice::from_ref(run);
        files.push(("plan.csv", plan::plan_csv(runs, cat, words)));
        files.push(("measures.csv", plan::measures_csv(cat, words)));
        if !run.projections.is_empty() {
            files.push(("projection.csv", plan::projection_csv(runs)));
        }
    }
    files
}

/// The workbook's tables, by sheet key, in the order of its sheets.
fn workbook_tables(
    input: &ReportInput,
    lang: Lang,
    failures_csv: &str,
) -> Vec<(&'static str, String)> {
    let progs = std::slice::from_ref(input.programme);
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut tables = vec![
        (
            "scores",
            self::scores::csv_in(std::slice::from_ref(input.run), lang),
        ),
        (
            "inventory",
            inventory_csv(&input.run.inventory, &input.vocab.order, words),
        ),
        ("peers", peers_csv(progs)),
        ("changes", changes_csv(progs)),
    ];
    if input.programme.mc.is_some() {
        tables.push(("uncertainty", uncertainty_csv(progs)));
    }
    if !input.run.enterprises.is_empty() {
        tables.push((
            "enterprises",
            tables::enterprises_csv(&input.run.enterprises),
        ));
    }
    tables.push(("failures", failures_csv.to_string()));
    if let Some((run, cat)) = input.pathways {
        tables.push((
            "plan",
            plan::plan_csv(std::slice::from_ref(run), cat, words),
        ));
    }
    if let Some((m, _)) = input.matches {
        tables.push(("needs", parkbench_core::matchmaking::needs_csv(&m.needs)));
    }
    let catalogue = input.pathways.map(|(_, c)| c);
    tables.push(("provenance", provenance_csv(input.run, catalogue, words)));
    tables
}

fn lang_code(lang: Lang) -> &'static str {
    parkbench_core::i18n::Locale::get(lang).html_lang()
}

fn level_label(s: &Score, lang: Lang) -> String {
    parkbench_core::i18n::Locale::get(lang).text(&s.level_name)
}

fn gate_label(g: GateState, lang: Lang) -> &'static str {
    let t = labels(lang);
    match g {
        GateState::None => t["gate_none"],
        GateState::Passed => t["gate_passed"],
        GateState::Failed => t["gate_failed"],
        GateState::Missing => t["gate_missing"],
        GateState::ToVerify => t["gate_unverified"],
        GateState::TierUnconfirmed => t["gate_unconfirmed"],
    }
}

fn set_view(input: &ReportInput, lang: Lang) -> minijinja::Value {
    let set = &input.run.set;
    let a = &set.accounting;
    // The electricity factor as the inventory used it (tce/MWh = kgce/kWh), from the tables.
    let electricity = input
        .run
        .inventory
        .years
        .first()
        .map(|py| py.electricity_tce_per_mwh);
    let accounting = text::accounting(lang, a, electricity);
    context! {
        id => set.id,
        title => set.title.get(lang),
        document => set.document,
        publisher => set.publisher,
        year => set.year,
        url => set.url,
        notes => set.notes.as_ref().map(|n| n.get(lang).to_string()),
        accounting => accounting,
    }
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

fn metric_name(vocab: &Vocabulary, id: &str, lang: Lang) -> String {
    vocab
        .metrics
        .get(id)
        .map_or_else(|| id.to_string(), |m| m.name(lang).to_string())
}
