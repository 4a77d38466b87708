//! Every benchmark set side by side: one row per set on each park page (level, score, coverage,
//! gate, the rule that holds the park back most) and a parks x sets table on the programme
//! pages and on the comparison page at the top of a multi-set report. Renders scores; computes
//! nothing new.

use minijinja::context;
use std::collections::BTreeMap;

use super::{CSS, env, gate_label, labels, lang_code, pick_scores};
use parkbench_core::benchmark::Role;
use parkbench_core::i18n::Lang;
use parkbench_core::pipeline::SetRun;
use parkbench_core::scoring::{GateState, RuleResult, Score, Status};

/// A park's result under one set.
#[derive(Debug, Clone)]
pub struct Cell {
    pub level: parkbench_core::i18n::Text,
    pub level_id: String,
    pub score: Option<f64>,
    pub coverage: f64,
    pub gate: GateState,
    /// The rule that holds the park back most, in both languages (None when nothing does).
    pub holding: Option<(String, String)>,
    pub year: i32,
}

/// The results of several sets, by park.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// (set id, title en, title zh), in the order given.
    pub sets: Vec<(String, String, String)>,
    /// Park id -> (park name, one cell per set in `sets` order).
    pub parks: BTreeMap<String, (String, Vec<Option<Cell>>)>,
}

/// The rule that holds a park back most: a failing gate; else the assessed rule losing the most
/// weighted points; else the weightiest rule that could not be assessed.
pub fn holding_back(s: &Score) -> Option<&RuleResult> {
    if let Some(g) = s
        .rules
        .iter()
        .find(|r| r.role == Role::Gate && r.status == Status::Fails)
    {
        return Some(g);
    }
    let lost = |r: &RuleResult| r.weight * (100.0 - r.points.unwrap_or(100.0));
    if let Some(r) = s
        .rules
        .iter()
        .filter(|r| r.status == Status::Fails)
        .max_by(|a, b| lost(a).total_cmp(&lost(b)))
    {
        return Some(r);
    }
    s.rules
        .iter()
        .filter(|r| r.status == Status::Missing)
        .max_by(|a, b| a.weight.total_cmp(&b.weight))
}

impl Comparison {
    /// Each park's latest scored year under every set.
    pub fn new(runs: &[SetRun]) -> Comparison {
        let mut c = Comparison {
            sets: runs
                .iter()
                .map(|r| {
                    (
                        r.set.id.clone(),
                        r.set.title.en.clone(),
                        r.set.title.zh.clone(),
                    )
                })
                .collect(),
            parks: BTreeMap::new(),
        };
        for (i, run) in runs.iter().enumerate() {
            for s in pick_scores(run) {
                let e = c
                    .parks
                    .entry(s.park_id.clone())
                    .or_insert_with(|| (s.park_name.clone(), vec![None; runs.len()]));
                e.1[i] = Some(Cell {
                    level: s.level_name.clone(),
                    level_id: s.level.clone(),
                    score: s.overall.score,
                    coverage: s.overall.coverage,
                    gate: s.gate,
                    holding: holding_back(s)
                        .map(|r| (r.name_en.to_string(), r.name_zh.to_string())),
                    year: s.year,
                });
            }
        }
        c
    }

    fn title(&self, i: usize, lang: Lang) -> &str {
        let (_, en, zh) = &self.sets[i];
        lang.pick_filled(en, zh)
    }

    /// One park's rows (one per set) for its page; `up` is the path from the page to the
    /// report's top folder.
    pub(super) fn park_rows(&self, park_id: &str, lang: Lang, up: &str) -> Vec<minijinja::Value> {
        let words = parkbench_core::i18n::Locale::get(lang);
        let Some((_, cells)) = self.parks.get(park_id) else {
            return Vec::new();
        };
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let set = &self.sets[i].0;
                match c {
                    Some(c) => context! {
                        set => self.title(i, lang),
                        link => format!("{up}{set}/parks/{park_id}.html"),
                        level => words.text(&c.level),
                        level_id => c.level_id,
                        score => c.score.map_or("—".to_string(), |x| format!("{x:.0}")),
                        coverage => format!("{:.0} %", c.coverage * 100.0),
                        gate => gate_label(c.gate, lang),
                        holding => c.holding.as_ref().map(|(en, zh)| lang.pick_filled(en, zh).to_string()),
                        year => c.year,
                    },
                    None => context! {
                        set => self.title(i, lang),
                        link => "",
                        level => "—", level_id => "", score => "—", coverage => "—", gate => "—",
                        holding => labels(lang)["compare_not_scored"],
                        year => "",
                    },
                }
            })
            .collect()
    }

    /// The parks x sets table: each cell the level and score, linked to the park's page.
    pub(super) fn table(&self, lang: Lang, up: &str) -> minijinja::Value {
        let words = parkbench_core::i18n::Locale::get(lang);
        let sets: Vec<_> = (0..self.sets.len())
            .map(|i| context! { title => self.title(i, lang), id => self.sets[i].0, link => format!("{up}{}/index.html", self.sets[i].0) })
            .collect();
        let rows: Vec<_> = self
            .parks
            .iter()
            .map(|(id, (name, cells))| {
                let cells: Vec<_> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match c {
                        Some(c) => context! {
                            text => format!("{} · {}", words.text(&c.level), c.score.map_or("—".to_string(), |x| format!("{x:.0}"))),
                            gate => gate_label(c.gate, lang),
                            link => format!("{up}{}/parks/{id}.html", self.sets[i].0),
                            level_id => c.level_id,
                        },
                        None => context! { text => "—", gate => "", link => "", level_id => "" },
                    })
                    .collect();
                context! { id => id, name => name, cells => cells }
            })
            .collect();
        context! { sets => sets, rows => rows }
    }
}

/// The comparison page at the top of a multi-set report: every set with a link to its own
/// report, and the parks x sets table, under the identification block of the sets' reports.
pub fn page(
    c: &Comparison,
    ids: &[parkbench_core::identification::Identification],
    lang: Lang,
    timestamp: Option<&str>,
) -> Result<String, super::ReportError> {
    let env = env();
    Ok(env.get_template("compare.html")?.render(context! {
        lang => lang_code(lang),
        t => labels(lang),
        ident => super::ident::comparison_lines(ids, lang),
        css => CSS,
        table => c.table(lang, ""),
        footer => super::text::footer(lang, timestamp),
    })?)
}
