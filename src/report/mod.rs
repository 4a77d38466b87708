//! Reports: one HTML and Markdown page per park, a programme page, the scores as CSV and JSON,
//! and the charts as SVG (and PNG on request), each handed to a [`Sink`] by its path under the
//! report folder: [`Folder`] writes them atomically (the command line), [`Memory`] keeps them
//! (the portal serves them). The writer itself does no I/O.
//!
//! Pages are self-contained (inline CSS and SVG, no network), escape every value that comes
//! from the data, never put a park id in a path outside the output folder, and carry no
//! timestamp unless asked, so two runs give identical files. Reporting renders scores; it
//! computes nothing that scoring did not.

pub mod scores;
mod tables;
mod text;

pub use tables::{changes_csv, peers_csv, uncertainty_csv};

use minijinja::{Environment, context};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

use crate::benchmark::{BenchmarkSet, Role};
use crate::indicators::{Catalogue, Lang};
use crate::input::{Dataset, valid_park_id_for_path};
use crate::pipeline::{Programme, SetRun};
use crate::plot::{self, Chart};
use crate::reference::Vocabulary;
use crate::scoring::{GateState, Score, Status, fmt_indicator, fmt_qty};
use crate::uncertainty::ParkUncertainty;

pub use text::labels;

/// Which files to write.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub lang: Lang,
    pub html: bool,
    pub markdown: bool,
    pub json: bool,
    pub csv: bool,
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
    #[error("park id {0:?} cannot name a file")]
    UnsafeId(String),
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
    pub cat: &'a Catalogue,
    /// scores.csv and scores.json content, as `score` prints them.
    pub scores_csv: String,
    pub scores_json: String,
    /// Peer statistics, year-on-year changes and the Monte Carlo verdicts.
    pub programme: &'a Programme,
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
    env.add_template("park.html", include_str!("templates/park.html"))
        .expect("template parses");
    env.add_template("index.html", include_str!("templates/index.html"))
        .expect("template parses");
    env.add_template("park.md", include_str!("templates/park.md"))
        .expect("template parses");
    env
}

const CSS: &str = include_str!("templates/style.css");

/// The latest scored year of each park (or the years asked for), in park order.
pub fn pick_scores(run: &SetRun) -> Vec<&Score> {
    let mut latest: BTreeMap<&str, &Score> = BTreeMap::new();
    for s in &run.scores {
        let e = latest.entry(s.park_id.as_str()).or_insert(s);
        if s.year > e.year {
            *e = s;
        }
    }
    latest.into_values().collect()
}

/// Renders the report and hands every file to `sink`.
pub fn write(
    sink: &dyn Sink,
    input: &ReportInput,
    opts: &ReportOptions,
) -> Result<Written, ReportError> {
    let env = env();
    let mut written = Written::default();
    let set = &input.run.set;
    let lang = opts.lang;
    let t = labels(lang);
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
    if opts.html && many {
        let owned: Vec<Score> = scores.iter().map(|s| (*s).clone()).collect();
        let mut charts = Vec::new();
        macro_rules! pchart {
            ($c:expr, $title:expr) => {{
                let c = $c;
                let svg = plot::svg(&c).map_err(|e| ReportError::Chart(c.name().into(), e))?;
                put(
                    &format!("charts/programme-{}.svg", c.name()),
                    svg.as_bytes(),
                )?;
                if opts.png {
                    let png = plot::png(&c).map_err(|e| ReportError::Chart(c.name().into(), e))?;
                    put(&format!("charts/programme-{}.png", c.name()), &png)?;
                }
                charts.push(context! { title => $title, svg => svg });
            }};
        }
        pchart!(plot::Ranking::new(set, &owned, lang), t["chart_ranking"]);
        pchart!(
            plot::Scatter::new(set, &owned, &input.run.values, lang),
            t["chart_scatter"]
        );
        pchart!(
            plot::Distribution::new(set, &owned, lang),
            t["chart_distribution"]
        );
        pchart!(plot::Heatmap::new(&owned, lang), t["chart_heatmap"]);
        let ranked = crate::stats::ranking(&owned);
        let unc: BTreeMap<&str, &ParkUncertainty> = input
            .programme
            .uncertainty
            .iter()
            .map(|u| (u.park_id.as_str(), u))
            .collect();
        let parks: Vec<_> = ranked
            .iter()
            .map(|&(rank, s)| {
                let u = unc.get(s.park_id.as_str());
                context! {
                    rank_interval => u.and_then(|u| Some(format!("{}–{}", u.rank_p5?, u.rank_p95?))),
                    borderline => u.is_some_and(|u| u.borderline),
                    rank => rank.map_or("—".to_string(), |r| r.to_string()),
                    id => s.park_id,
                    name => s.park_name,
                    file => format!("{}.html", s.park_id),
                    year => s.year,
                    level => level_label(s, lang),
                    score => s.overall.score.map_or("—".to_string(), |v| format!("{v:.0}")),
                    coverage => format!("{:.0} %", s.overall.coverage * 100.0),
                    gate => gate_label(s.gate, lang),
                }
            })
            .collect();
        let failures: Vec<_> = failures(input.data, lang)
            .into_iter()
            .map(|(park, reason)| context! { park => park, reason => reason })
            .collect();
        let summary = text::programme_summary(lang, ranked.len(), failures.len());
        let html = env.get_template("index.html")?.render(context! {
            lang => lang_code(lang),
            t => t,
            st => crate::i18n::Locale::get(lang).section("status"),
            css => CSS,
            set => set_view(set, lang),
            parks => parks,
            charts => charts,
            failures => failures,
            summary => summary,
            mc => input.programme.mc.is_some(),
            movers => movers_view(input, lang),
            method => method_view(input, lang),
            footer => footer,
        })?;
        put("index.html", html.as_bytes())?;
    }
    if opts.csv {
        put("scores.csv", input.scores_csv.as_bytes())?;
        let progs = std::slice::from_ref(input.programme);
        put("peers.csv", peers_csv(progs).as_bytes())?;
        put("changes.csv", changes_csv(progs).as_bytes())?;
        if input.programme.mc.is_some() {
            put("uncertainty.csv", uncertainty_csv(progs).as_bytes())?;
        }
    }
    // Parks left out, with every reason; always written so a batch can be checked.
    put(
        "failures.csv",
        failures_csv(input.data, opts.lang).as_bytes(),
    )?;
    if opts.json {
        put("scores.json", input.scores_json.as_bytes())?;
    }
    Ok(written)
}

/// What every park page needs besides its score.
struct PageCtx<'a> {
    sink: &'a dyn Sink,
    input: &'a ReportInput<'a>,
    opts: &'a ReportOptions,
    env: &'a Environment<'static>,
    footer: &'a str,
    many: bool,
}

impl PageCtx<'_> {
    /// Renders and writes one park's page(s) and charts; returns the files written.
    fn park(&self, s: &Score) -> Result<Vec<String>, ReportError> {
        let (input, opts, env, many) = (self.input, self.opts, self.env, self.many);
        let footer = self.footer.to_string();
        let set = &input.run.set;
        let lang = opts.lang;
        let t = labels(lang);
        let mut written = Vec::new();
        let mut put = |rel: &str, bytes: &[u8]| -> Result<(), ReportError> {
            self.sink.put(rel, bytes)?;
            written.push(rel.to_string());
            Ok(())
        };
        let history: Vec<(i32, f64)> = input
            .run
            .values
            .range((s.park_id.clone(), i32::MIN)..=(s.park_id.clone(), s.year))
            .filter_map(|((_, y), m)| Some((*y, m.get("co2_per_tce")?.value?)))
            .collect();
        let mut charts: Vec<(String, String)> = Vec::new();
        let mut add = |name: &str, title: String, svg: String| {
            charts.push((title, svg.clone()));
            (name.to_string(), svg)
        };
        let mut files: Vec<(String, String, Option<Vec<u8>>)> = Vec::new();
        macro_rules! chart {
            ($c:expr, $title:expr) => {{
                let c = $c;
                let svg = plot::svg(&c).map_err(|e| ReportError::Chart(c.name().into(), e))?;
                let png = if opts.png {
                    Some(plot::png(&c).map_err(|e| ReportError::Chart(c.name().into(), e))?)
                } else {
                    None
                };
                let (n, svg) = add(c.name(), $title, svg);
                files.push((n, svg, png));
            }};
        }
        chart!(
            plot::Scorecard::from_score(s, set, input.cat, lang),
            t["chart_scorecard"].to_string()
        );
        chart!(
            plot::CategoryProfile::from_score(s, lang),
            t["chart_categories"].to_string()
        );
        if let Some(c) = plot::CoreIndicator::from_score(s, set, history, lang) {
            chart!(c, t["chart_core"].to_string());
        }
        if let Some(c) = plot::Trajectories::from_score(s, input.cat, lang) {
            chart!(c, t["chart_trajectories"].to_string());
        }
        if opts.html {
            for (name, svg, png) in &files {
                put(&format!("charts/{}-{name}.svg", s.park_id), svg.as_bytes())?;
                if let Some(p) = png {
                    put(&format!("charts/{}-{name}.png", s.park_id), p)?;
                }
            }
        }
        let page = park_page(s, input, lang, &charts, many, &footer);
        if opts.html {
            let html = env.get_template("park.html")?.render(&page)?;
            put(&format!("parks/{}.html", s.park_id), html.as_bytes())?;
        }
        if opts.markdown {
            let md = env.get_template("park.md")?.render(&page)?;
            put(&format!("parks/{}.md", s.park_id), md.as_bytes())?;
        }
        Ok(written)
    }
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Zh => "zh-CN",
    }
}

fn level_label(s: &Score, lang: Lang) -> String {
    crate::i18n::Locale::get(lang).text(&s.level_name)
}

fn gate_label(g: GateState, lang: Lang) -> &'static str {
    let t = labels(lang);
    match g {
        GateState::None => t["gate_none"],
        GateState::Passed => t["gate_passed"],
        GateState::Failed => t["gate_failed"],
        GateState::Missing => t["gate_missing"],
    }
}

/// Every error that left a park out: `park_id, file, line, column, message, value, expected`
/// (an empty park_id for errors that belong to no park). Text cells that a spreadsheet would
/// run as a formula are neutralised.
pub fn failures_csv(data: &Dataset, lang: Lang) -> String {
    let l = crate::i18n::Locale::get(lang);
    let safe = crate::outfile::csv_safe;
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "park_id", "file", "line", "column", "message", "value", "expected",
    ]);
    for d in data.report.errors() {
        let _ = w.write_record([
            safe(d.park_id.as_deref().unwrap_or("")),
            safe(&d.file),
            d.line.to_string(),
            d.column.to_string(),
            safe(&l.text(&d.message)),
            safe(d.value.as_deref().unwrap_or("")),
            safe(&d.expected.as_ref().map(|e| l.text(e)).unwrap_or_default()),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Parks left out, with their first errors.
pub fn failures(data: &Dataset, lang: Lang) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in data.report.errors() {
        let key = d.park_id.clone().unwrap_or_else(|| "(dataset)".into());
        out.entry(key).or_default().push(d.render(lang));
    }
    out.into_iter()
        .map(|(p, v)| {
            let more = if v.len() > 3 {
                format!(" (+{} more)", v.len() - 3)
            } else {
                String::new()
            };
            (
                p,
                format!(
                    "{}{more}",
                    v.into_iter().take(3).collect::<Vec<_>>().join("; ")
                ),
            )
        })
        .collect()
}

fn set_view(set: &BenchmarkSet, lang: Lang) -> minijinja::Value {
    let a = &set.accounting;
    let accounting = text::accounting(lang, a);
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

fn park_page(
    s: &Score,
    input: &ReportInput,
    lang: Lang,
    charts: &[(String, String)],
    many: bool,
    footer: &str,
) -> minijinja::Value {
    let t = labels(lang);
    let words = crate::i18n::Locale::get(lang);
    let set = &input.run.set;
    let park = input.data.park(&s.park_id);
    let place = park
        .map(|p| {
            [
                p.province_name
                    .as_ref()
                    .map(|n| words.text(n))
                    .unwrap_or_default(),
                p.country.clone(),
            ]
            .into_iter()
            .filter(|x| !x.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
        })
        .unwrap_or_default();
    let rules: Vec<_> = s
        .rules
        .iter()
        .map(|r| {
            let ind = input.cat.get(r.indicator.split('.').next().unwrap_or(""));
            let is_change = r.indicator.contains('.');
            let fmt = |x: f64| ind.map_or(format!("{x:.3}"), |i| fmt_indicator(i, x, is_change));
            let threshold = r.threshold.as_ref().map(|th| {
                let mut x = format!(
                    "{} {}",
                    if ind.is_some_and(|i| i.direction == crate::indicators::Direction::Lower) {
                        "≤"
                    } else {
                        "≥"
                    },
                    fmt(th.value)
                );
                let mut why = Vec::new();
                if let Some(b) = &th.band {
                    let label = set
                        .bands
                        .iter()
                        .find(|x| &x.id == b)
                        .map_or(b.clone(), |x| x.label.get(lang).to_string());
                    why.push(if label.is_empty() {
                        format!("{} {b}", t["band"])
                    } else {
                        label
                    });
                }
                if let Some(m) = th.milestone {
                    why.push(format!("{} {m}", t["milestone"]));
                }
                if th.outside_bands {
                    why.push(t["outside_bands"].to_string());
                }
                if !why.is_empty() {
                    x.push_str(&format!(" ({})", why.join(", ")));
                }
                x
            });
            let gap = r
                .gap
                .as_ref()
                .map(|g| &g.text)
                .or(r.note.as_ref())
                .map(|t| words.text(t))
                .unwrap_or_default();
            context! {
                name => match lang { Lang::En => &r.name_en, Lang::Zh => &r.name_zh },
                role => text::role(lang, r.role),
                value => r.value.map_or("—".to_string(), fmt),
                threshold => threshold.unwrap_or_else(|| "—".into()),
                status => r.status.as_str(),
                status_label => r.status.label(lang),
                points => r.points.map_or("—".to_string(), |p| format!("{p:.0}")),
                gap => gap,
                source => r.threshold.as_ref().map(|x| x.source.clone()),
                source_status => r.threshold.as_ref().map(|x| x.status.as_str()).unwrap_or(""),
            }
        })
        .collect();
    let missing: Vec<_> = s
        .rules
        .iter()
        .filter(|r| r.status == Status::Missing)
        .map(|r| {
            let needs = if r.needs.is_empty() {
                r.note.as_ref().map(|n| words.text(n)).unwrap_or_default()
            } else {
                format!("{} {}", t["needs"], r.needs.iter().map(|m| metric_name(input.vocab, m, lang)).collect::<Vec<_>>().join(", "))
            };
            context! { name => match lang { Lang::En => &r.name_en, Lang::Zh => &r.name_zh }, needs => needs }
        })
        .collect();
    let py = input
        .run
        .inventory
        .years
        .iter()
        .find(|y| y.park_id == s.park_id && y.year == s.year);
    let inventory = py.map(|py| {
        let carriers: Vec<_> = py
            .carriers
            .iter()
            .map(|c| {
                context! {
                    name => metric_name(input.vocab, &c.metric, lang),
                    quantity => c.quantity.map_or("—".into(), fmt_qty),
                    unit => c.unit,
                    tce => c.tce.map_or("—".into(), fmt_qty),
                    co2 => c.co2_t.map_or("—".into(), fmt_qty),
                    scope => format!("{} {}", t["scope"], c.scope),
                }
            })
            .collect();
        // A blank total says why it is blank, with the cell that made it so.
        let blank = py.why_unknown().map_or_else(
            || "—".to_string(),
            |why| format!("— ({})", crate::i18n::Locale::get(lang).text(&why)),
        );
        let blank = || blank.clone();
        let totals = vec![
            (
                t["energy_tce"],
                py.energy_tce
                    .map_or_else(blank, |x| format!("{} tce", fmt_qty(x))),
            ),
            (
                t["scope1"],
                py.co2_scope1_t
                    .map_or_else(blank, |x| format!("{} tCO2", fmt_qty(x))),
            ),
            (
                t["scope2_location"],
                py.co2_scope2_location_t
                    .map_or_else(blank, |x| format!("{} tCO2", fmt_qty(x))),
            ),
            (
                t["scope2_market"],
                py.co2_scope2_market_t
                    .map_or_else(blank, |x| format!("{} tCO2", fmt_qty(x))),
            ),
            (
                t["co2_total"],
                py.co2_total_t
                    .map_or_else(blank, |x| format!("{} tCO2", fmt_qty(x))),
            ),
            (
                t["co2_per_tce"],
                py.co2_per_tce
                    .map_or_else(blank, |x| format!("{x:.3} tCO2/tce")),
            ),
        ];
        context! { carriers => carriers, totals => totals }
    });
    let factors: Vec<_> = py
        .map(|py| {
            py.factors
                .iter()
                .map(|f| {
                    context! {
                        factor => words.text(&f.factor), value => format!("{}", f.value), unit => f.unit,
                        vintage => f.vintage.map_or("—".into(), |v| v.to_string()),
                        status => f.status, source => f.source,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let gate_rule = s.rules.iter().find(|r| r.role == Role::Gate);
    let headline = text::headline(lang, s, gate_rule);
    let headline_class = match (s.level.as_str(), s.gate) {
        ("undetermined", _) => "undetermined",
        (_, GateState::Failed) => "fails",
        _ => "meets",
    };
    let charts: Vec<_> = charts
        .iter()
        .map(|(title, svg)| context! { title => title, svg => svg })
        .collect();
    context! {
        lang => lang_code(lang),
        t => t,
        st => words.section("status"),
        css => CSS,
        index_link => many,
        park => context! {
            id => s.park_id,
            name => s.park_name,
            place => place,
            sector => park.map(|p| p.sector.clone()).unwrap_or_default(),
        },
        year => s.year,
        set => set_view(set, lang),
        headline => headline,
        headline_class => headline_class,
        reason => words.text(&s.reason),
        borderline => borderline_text(s, input, lang),
        peers => peer_view(s, input, lang),
        sure => sure_view(s, input, lang),
        charts => charts,
        rules => rules,
        missing => missing,
        inventory => inventory,
        factors => factors,
        assumptions => s
            .assumptions
            .iter()
            .map(|a| words.text(a))
            .collect::<Vec<_>>(),
        footer => footer,
    }
}

/// A level id in words.
fn level_words(set: &BenchmarkSet, id: &str, lang: Lang) -> String {
    set.levels.iter().find(|l| l.id == id).map_or_else(
        || match lang {
            Lang::En => "Undetermined".to_string(),
            Lang::Zh => "无法判定".to_string(),
        },
        |l| l.label.get(lang).to_string(),
    )
}

fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// A rule's or the overall score's name.
fn measure_name(s: &Score, measure: &str, lang: Lang) -> String {
    if measure == crate::stats::OVERALL {
        return labels(lang)["overall_score"].to_string();
    }
    s.rules
        .iter()
        .find(|r| r.rule == measure)
        .map_or(measure.to_string(), |r| match lang {
            Lang::En => r.name_en.clone(),
            Lang::Zh => r.name_zh.clone(),
        })
}

fn fmt_measure(s: &Score, cat: &Catalogue, measure: &str, x: f64) -> String {
    if measure == crate::stats::OVERALL {
        return format!("{x:.0}");
    }
    let Some(r) = s.rules.iter().find(|r| r.rule == measure) else {
        return format!("{x:.3}");
    };
    let is_change = r.indicator.contains('.');
    cat.get(r.indicator.split('.').next().unwrap_or(""))
        .map_or(format!("{x:.3}"), |i| fmt_indicator(i, x, is_change))
}

fn borderline_text(s: &Score, input: &ReportInput, lang: Lang) -> Option<String> {
    let u = input
        .programme
        .uncertainty
        .iter()
        .find(|u| u.park_id == s.park_id && u.year == s.year)?;
    if !u.borderline {
        return None;
    }
    let set = &input.run.set;
    let other = u.level_shares.iter().find(|(l, _)| *l != u.level_central)?;
    let share_other: f64 = u
        .level_shares
        .iter()
        .filter(|(l, _)| *l != u.level_central)
        .map(|x| x.1)
        .sum();
    Some(text::borderline(
        lang,
        share_other,
        u.draws,
        &level_words(set, &u.level_central, lang),
        &level_words(set, &other.0, lang),
    ))
}

/// Where the park stands among its peers: the overall score and the gate/core rules.
fn peer_view(s: &Score, input: &ReportInput, lang: Lang) -> Vec<minijinja::Value> {
    let t = labels(lang);
    let words = crate::i18n::Locale::get(lang);
    let shown: Vec<&str> = std::iter::once(crate::stats::OVERALL)
        .chain(
            s.rules
                .iter()
                .filter(|r| matches!(r.role, Role::Gate | Role::Core))
                .map(|r| r.rule.as_str()),
        )
        .collect();
    let prog = input.programme;
    let start = prog
        .peers
        .partition_point(|r| (r.park_id.as_str(), r.year) < (s.park_id.as_str(), s.year));
    prog.peers[start..]
        .iter()
        .take_while(|r| r.park_id == s.park_id && r.year == s.year)
        .filter(|r| shown.contains(&r.measure.as_str()))
        .map(|r| {
            let kind = t[format!("kind_{}", r.kind.as_str()).as_str()];
            let group = match r.kind {
                crate::stats::GroupKind::Programme => kind.to_string(),
                crate::stats::GroupKind::Size => {
                    let label = prog
                        .peer_config
                        .size_bands
                        .iter()
                        .find(|b| b.id == r.group)
                        .map_or(r.group.clone(), |b| b.label.get(lang).to_string());
                    format!("{kind}: {label}")
                }
                crate::stats::GroupKind::Province => {
                    let name = input
                        .data
                        .park(&s.park_id)
                        .and_then(|p| p.province_name.as_ref())
                        .map_or_else(|| r.group.clone(), |n| words.text(n));
                    format!("{kind}: {name}")
                }
                _ => format!("{kind}: {}", r.group),
            };
            let fmt = |x: f64| fmt_measure(s, input.cat, &r.measure, x);
            context! {
                measure => measure_name(s, &r.measure, lang),
                value => fmt(r.value),
                group => group,
                n => r.n,
                rank => r.rank.map(|k| format!("{k} / {}", r.n)),
                percentile => r.percentile.map(|p| format!("{p:.2}")),
                median => r.median.map(fmt),
                quartiles => r.q1.zip(r.q3).map(|(a, b)| format!("{} – {}", fmt(a), fmt(b))),
                too_small => r.too_small,
            }
        })
        .collect()
}

/// The park's verdict under uncertainty.
fn sure_view(s: &Score, input: &ReportInput, lang: Lang) -> Option<minijinja::Value> {
    let u = input
        .programme
        .uncertainty
        .iter()
        .find(|u| u.park_id == s.park_id && u.year == s.year)?;
    let set = &input.run.set;
    let interval = |measure: &str, i: Option<crate::uncertainty::Interval>| {
        i.map(|i| {
            format!(
                "{} – {}",
                fmt_measure(s, input.cat, measure, i.p5),
                fmt_measure(s, input.cat, measure, i.p95)
            )
        })
    };
    let rules: Vec<_> = u
        .rules
        .iter()
        .map(|r| {
            context! {
                name => measure_name(s, &r.rule, lang),
                central => r.central.map(|x| fmt_measure(s, input.cat, &r.rule, x)),
                interval => interval(&r.rule, r.interval),
                p_meets => r.p_meets.map(pct),
            }
        })
        .collect();
    Some(context! {
        overall => u.overall_central.map(|x| format!("{x:.0}")),
        overall_interval => interval(crate::stats::OVERALL, u.overall),
        p_gates => u.p_gates.map(pct),
        levels => u.level_shares.iter().map(|(l, x)| format!("{} {}", level_words(set, l, lang), pct(*x))).collect::<Vec<_>>().join(" · "),
        rank => u.rank_central.map(|r| format!("{r} / {}", u.rank_of)),
        rank_interval => u.rank_p5.zip(u.rank_p95).map(|(a, b)| format!("{a}–{b}")),
        rules => rules,
        draws => u.draws,
    })
}

/// The programme's most improved and most declined parks.
fn movers_view(input: &ReportInput, lang: Lang) -> minijinja::Value {
    let set = &input.run.set;
    let (up, down) = crate::stats::movers(&input.programme.changes, 5);
    let view = |cs: Vec<&crate::stats::YearChange>| -> Vec<minijinja::Value> {
        cs.into_iter()
            .map(|c| {
                context! {
                    id => c.park_id,
                    name => c.park_name,
                    file => format!("{}.html", c.park_id),
                    years => format!("{}→{}", c.from_year, c.to_year),
                    change => c.delta.map(|d| format!("{d:+.0}")),
                    from => c.from_score.map(|x| format!("{x:.0}")),
                    to => c.to_score.map(|x| format!("{x:.0}")),
                    levels => if c.from_level == c.to_level {
                        level_words(set, &c.to_level, lang)
                    } else {
                        format!("{} → {}", level_words(set, &c.from_level, lang), level_words(set, &c.to_level, lang))
                    },
                }
            })
            .collect()
    };
    let any = !input.programme.changes.is_empty();
    context! { any => any, up => view(up), down => view(down) }
}

/// How peer statistics and uncertainty are made, with the ranges' sources.
fn method_view(input: &ReportInput, lang: Lang) -> minijinja::Value {
    let words = crate::i18n::Locale::get(lang);
    let prog = input.programme;
    let peers = text::peer_method(lang, prog.peer_config.min_group_size);
    let (mc, ranges) = match &prog.mc {
        None => (None, Vec::new()),
        Some((m, cfg)) => {
            let mut ranges = vec![
                context! { applies_to => words.word("report.range_measured"), half_width => pct(cfg.data_quality.measured), source => cfg.data_quality.measured_source, status => cfg.data_quality.measured_status.as_str() },
                context! { applies_to => words.word("report.range_estimated"), half_width => pct(m.estimated_spread.unwrap_or(cfg.data_quality.estimated)), source => if m.estimated_spread.is_some() { "--estimated-spread".to_string() } else { cfg.data_quality.estimated_source.clone() }, status => if m.estimated_spread.is_some() { "unconfirmed" } else { cfg.data_quality.estimated_status.as_str() } },
            ];
            for f in &cfg.factor {
                let applies_to = match f.applies_to.as_str() {
                    "grid" => words.word("report.range_grid"),
                    "heat" => words.word("report.range_heat"),
                    "fuel" => words.word("report.range_fuel"),
                    id => input.vocab.metrics.get(id).map_or_else(
                        || id.to_string(),
                        |m| match lang {
                            Lang::En => id.to_string(),
                            Lang::Zh => m.name_zh.clone(),
                        },
                    ),
                };
                ranges.push(context! { applies_to => applies_to, half_width => pct(f.half_width), source => f.source, status => f.status.as_str() });
            }
            (Some(text::mc_method(lang, m.draws, m.seed)), ranges)
        }
    };
    context! { peers => peers, mc => mc, ranges => ranges }
}

fn metric_name(vocab: &Vocabulary, id: &str, lang: Lang) -> String {
    match (vocab.metrics.get(id), lang) {
        (Some(m), Lang::En) => m.name_en.clone(),
        (Some(m), Lang::Zh) => m.name_zh.clone(),
        (None, _) => id.to_string(),
    }
}
