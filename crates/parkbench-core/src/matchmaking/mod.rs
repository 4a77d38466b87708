//! Technology matchmaking: a park's needs (what its plan calls for, in physical terms) meet the
//! technologies of a catalogue that implement those measures. A stage after pathways: needs
//! are read off [`crate::pathway::Plan`]s, nothing is recomputed.
//!
//! * [`needs`]: one need per park and failing rule that a measure of its plan moves: title and
//!   description in both languages, the technology field, the quantified target (tCO2/yr and
//!   the MWh, GJ, t or m3 the measures move), place, deadline, the measures that serve it.
//! * [`TechnologyCatalogue`]: a technology catalogue (CSV, documented in the README), every bad cell
//!   located.
//! * [`match_needs`]: for each need, the technologies implementing a measure that serves it,
//!   ranked by the share of the need one installation covers, then TRL, then cost, each with why.

pub mod technologies;

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

use crate::i18n::Lang;
use crate::i18n::{Locale, Text};
use crate::input::Dataset;
use crate::pathway::{self, Plan, PlanRun, Step};
use crate::scoring::{Status, fmt_qty};

pub use technologies::{Technology, TechnologyCatalogue};

/// What a need asks for, per unit: tCO2/yr abated and the physical amounts its measures move.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantities {
    pub co2_t: f64,
    pub mwh: f64,
    pub gj: f64,
    pub t: f64,
    pub m3: f64,
}

/// A park's need, as exported (`needs.csv`, `needs.json`): the documented format, one row per
/// need, texts in both languages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Need {
    /// `<park_id>:<rule>`.
    pub id: String,
    pub park_id: String,
    pub park_name: String,
    pub sector: String,
    pub province: String,
    pub country: String,
    pub benchmark: String,
    pub rule: String,
    pub indicator: String,
    /// The technology fields of the measures that serve it (ids of the measure file's
    /// `[fields]`), space-separated.
    pub fields: String,
    pub title_en: String,
    pub title_zh: String,
    pub description_en: String,
    pub description_zh: String,
    /// The indicator today and the threshold to reach, in the indicator's unit.
    pub value: Option<f64>,
    pub target: Option<f64>,
    pub unit: String,
    /// The milestone year the threshold is for (empty when the rule has none).
    pub deadline: Option<i32>,
    /// What the plan's measures for it abate and move, per year (tCO2, MWh, GJ, t, m3).
    pub co2_t: f64,
    pub mwh: f64,
    pub gj: f64,
    pub t: f64,
    pub m3: f64,
    /// The measures of the plan that serve it, `id=size unit`, space-separated.
    pub measures: String,
    /// The plan does not close it with the catalogue's measures alone.
    pub gap_left: bool,
}

impl Need {
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_en, &self.title_zh)
    }

    pub fn description(&self, lang: Lang) -> &str {
        lang.pick(&self.description_en, &self.description_zh)
    }

    /// The measure ids that serve it.
    pub fn measure_ids(&self) -> impl Iterator<Item = &str> {
        self.measures
            .split_whitespace()
            .filter_map(|m| m.split('=').next())
    }
}

/// Did this step move the rule's indicator the right way (the step serves the rule)?
fn serves(step: &Step, before: Option<f64>, rule: &str, lower: bool) -> bool {
    let after = step
        .rules_after
        .iter()
        .find(|(r, _)| r == rule)
        .and_then(|(_, v)| *v);
    match (before, after) {
        (Some(b), Some(a)) => {
            let eps = 1e-9 * b.abs().max(1e-9);
            if lower { a < b - eps } else { a > b + eps }
        }
        (None, Some(_)) => true,
        _ => false,
    }
}

/// The needs of a set's plans: one per park and failing rule that a step of its plan moves.
pub fn needs(run: &PlanRun, data: &Dataset, reference: crate::pathway::Tables<'_>) -> Vec<Need> {
    let cat = reference.catalogue;
    let measures = reference.measures;
    let mut out = Vec::new();
    for p in &run.plans {
        let Some(park) = data.park(&p.park_id) else {
            continue;
        };
        for r in p.before.rules.iter().filter(|r| r.status == Status::Fails) {
            let lower = cat
                .get(r.indicator.split('.').next().unwrap_or(""))
                .is_some_and(|i| i.direction == crate::indicators::Direction::Lower);
            let mut before = r.value;
            let mut serving: Vec<&Step> = Vec::new();
            for s in &p.steps {
                if serves(s, before, &r.rule, lower) {
                    serving.push(s);
                }
                before = s
                    .rules_after
                    .iter()
                    .find(|(x, _)| **x == *r.rule)
                    .and_then(|(_, v)| *v);
            }
            if serving.is_empty() {
                continue;
            }
            let mut q = Quantities::default();
            for s in &serving {
                q.co2_t += s.abatement_t.max(0.0);
                match s.effect.amount_unit {
                    "MWh" => q.mwh += s.effect.amount,
                    "GJ" => q.gj += s.effect.amount,
                    "t" => q.t += s.effect.amount,
                    "m3" => q.m3 += s.effect.amount,
                    _ => {}
                }
            }
            let mut fields: Vec<&str> = Vec::new();
            for f in serving
                .iter()
                .filter_map(|s| measures.measure(&s.measure).map(|m| m.field.as_str()))
            {
                if !fields.contains(&f) {
                    fields.push(f);
                }
            }
            let gap_left = p.unreached.iter().any(|u| *u.rule == *r.rule);
            let deadline = r.threshold.as_ref().and_then(|t| t.milestone);
            let province = park.province.clone().unwrap_or_default();
            let facts = NeedFacts {
                p,
                park,
                r,
                serving: &serving,
                q: &q,
                deadline,
                gap_left,
                lower,
            };
            let ((title_en, description_en), (title_zh, description_zh)) =
                crate::i18n::both_sides(|lang| need_words(&facts, reference, lang));
            out.push(Need {
                id: format!("{}:{}", p.park_id, r.rule),
                park_id: p.park_id.clone(),
                park_name: p.park_name.clone(),
                sector: park.sector.clone(),
                province,
                country: park.country.clone(),
                benchmark: p.benchmark.clone(),
                rule: r.rule.to_string(),
                indicator: r.indicator.to_string(),
                fields: fields.join(" "),
                title_en,
                title_zh,
                description_en,
                description_zh,
                value: r.value,
                target: r.threshold.as_ref().map(|t| t.value),
                unit: r.unit.to_string(),
                deadline,
                co2_t: q.co2_t,
                mwh: q.mwh,
                gj: q.gj,
                t: q.t,
                m3: q.m3,
                measures: serving
                    .iter()
                    .map(|s| format!("{}={}{}", s.measure, round4(s.size), size_suffix(s)))
                    .collect::<Vec<_>>()
                    .join(" "),
                gap_left,
            });
        }
    }
    out
}

fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn size_suffix(s: &Step) -> &'static str {
    match s.size_unit {
        "MW" => "MW",
        _ => "",
    }
}

/// A need's title and description in one language.
/// The facts a need is worded from.
struct NeedFacts<'n> {
    p: &'n Plan,
    park: &'n crate::input::Park,
    r: &'n crate::scoring::RuleResult,
    serving: &'n [&'n Step],
    q: &'n Quantities,
    deadline: Option<i32>,
    gap_left: bool,
    lower: bool,
}

/// The fields of the measures serving a need (each once, in order) and the measures with their
/// amounts (`Rooftop PV (1,200 kW)`), in `lang`.
fn serving_words(
    serving: &[&pathway::Step],
    measures: &pathway::MeasureCatalogue,
    lang: Lang,
) -> (Vec<String>, Vec<String>) {
    let mut fields: Vec<String> = Vec::new();
    for name in serving
        .iter()
        .filter_map(|s| measures.measure(&s.measure))
        .filter_map(|m| measures.fields.get(&m.field))
        .map(|f| f.get(lang).to_string())
    {
        if !fields.contains(&name) {
            fields.push(name);
        }
    }
    let named = serving
        .iter()
        .map(|s| {
            let name = measures
                .measure(&s.measure)
                .map_or(s.measure.clone(), |m| m.name.get(lang).to_string());
            format!(
                "{name} ({} {})",
                fmt_qty(s.effect.amount),
                s.effect.amount_unit
            )
        })
        .collect();
    (fields, named)
}

fn need_words(
    f: &NeedFacts<'_>,
    reference: crate::pathway::Tables<'_>,
    lang: Lang,
) -> (String, String) {
    let NeedFacts {
        p,
        park,
        r,
        serving,
        q,
        deadline,
        gap_left,
        lower,
    } = *f;
    let words = Locale::get(lang);
    let place = park
        .province_name
        .as_ref()
        .map(|n| words.text(n))
        .unwrap_or_else(|| park.country.clone());
    let rule_name = r.name(lang);
    let amounts: Vec<String> = [(q.mwh, "MWh"), (q.gj, "GJ"), (q.t, "t"), (q.m3, "m3")]
        .iter()
        .filter(|(x, _)| *x > 0.0)
        .map(|(x, u)| format!("{} {u}", fmt_qty(*x)))
        .collect();
    let (fields, measures) = serving_words(serving, reference.measures, lang);
    let energy = p.energy_before_tce.map_or("—".to_string(), fmt_qty);
    let title = words.text(&t!(
        "needs.title",
        place = place.clone(),
        sector = park.sector_text(),
        fields = fields.join(words.raw("needs.and")),
        amounts = if amounts.is_empty() {
            format!("{} tCO2", fmt_qty(q.co2_t))
        } else {
            amounts.join(", ")
        }
    ));
    let by = match deadline {
        Some(y) => t!("needs.by", year = y.to_string()),
        None => Text::verbatim(""),
    };
    // Values with their unit, as the reports show them (shares as %).
    let ind = reference
        .catalogue
        .get(r.indicator.split('.').next().unwrap_or(""));
    let is_change = r.indicator.contains('.');
    let fmt = |x: Option<f64>| match (x, ind) {
        (Some(v), Some(i)) => crate::scoring::fmt_indicator(i, v, is_change),
        (Some(v), None) => format!("{} {}", pathway::fmt_value(v), r.unit),
        (None, _) => "—".to_string(),
    };
    // Indicators where lower is better are brought down, the others raised.
    let key = if lower {
        "needs.description_lower"
    } else {
        "needs.description_higher"
    };
    let mut description = words.text(
        &Text::new(key)
            .arg("park", p.park_name.clone())
            .arg("place", place)
            .arg("sector", park.sector_text())
            .arg("energy", energy)
            .arg("rule", rule_name)
            .arg("value", fmt(r.value))
            .arg("target", fmt(r.threshold.as_ref().map(|t| t.value)))
            .arg("by", by)
            .arg("measures", measures.join(words.raw("needs.and")))
            .arg("t", fmt_qty(q.co2_t)),
    );
    if gap_left {
        description.push(' ');
        description.push_str(&words.text(&t!("needs.gap_left")));
    }
    (title, description)
}

/// A technology matched to a need, with why.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub need: String,
    pub technology: String,
    /// The technology's names and provider, as the catalogue gives them.
    pub title_en: String,
    pub title_zh: String,
    pub provider: String,
    /// The measure of the need's plan the technology implements.
    pub measure: String,
    /// The share of the measure's amount (or size) one installation covers, 0-1; None when
    /// the catalogue gives no comparable capacity.
    pub coverage: Option<f64>,
    pub trl: u8,
    pub cost_low: Option<f64>,
    /// 1 = best for the need.
    pub rank: usize,
    /// Why it was matched (worded in both languages on output).
    #[serde(skip)]
    pub why: Text,
}

/// Matches for a set: per need, and the needs nothing serves.
#[derive(Debug, Clone, Default)]
pub struct MatchRun {
    pub needs: Vec<Need>,
    /// Need by need, in the order of `needs`, best first.
    pub matches: Vec<Match>,
    /// Each need's matches: its range in `matches` (looked up, not scanned: a programme has
    /// thousands of needs).
    ranges: HashMap<String, std::ops::Range<usize>>,
    /// Each need's place in `needs`.
    need_ix: HashMap<String, usize>,
}

impl Match {
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_en, &self.title_zh)
    }
}

impl MatchRun {
    /// The needs no technology of the catalogue serves.
    pub fn unserved(&self) -> impl Iterator<Item = &Need> {
        self.needs
            .iter()
            .filter(|n| !self.ranges.contains_key(&n.id))
    }

    /// The matches of one need, best first.
    pub fn for_need<'a>(&'a self, need: &'a str) -> impl Iterator<Item = &'a Match> + 'a {
        let r = self.ranges.get(need).cloned().unwrap_or(0..0);
        self.matches[r].iter()
    }

    /// Technologies by how many parks they would serve and the tCO2/yr of the needs they serve
    /// (a park counted once per technology, with its largest need the technology serves: a
    /// park's needs share measures): (id, parks, tCO2/yr), most parks first.
    pub fn by_technology(&self) -> Vec<(String, usize, f64)> {
        let mut by: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
        for m in &self.matches {
            let Some(n) = self.need_ix.get(&m.need).map(|&i| &self.needs[i]) else {
                continue;
            };
            let park = by
                .entry(m.technology.as_str())
                .or_default()
                .entry(n.park_id.as_str())
                .or_default();
            *park = park.max(n.co2_t);
        }
        let mut out: Vec<(String, usize, f64)> = by
            .into_iter()
            .map(|(t, parks)| (t.to_string(), parks.len(), parks.values().sum()))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.total_cmp(&a.2)).then(a.0.cmp(&b.0)));
        out
    }
}

/// For each need, the technologies that implement a measure serving it, ranked: larger share
/// of the need covered first (unknown coverage last), then higher TRL, then lower cost
/// (unknown last), then id.
pub fn match_needs(
    needs: &[Need],
    plans: &PlanRun,
    catalogue: &TechnologyCatalogue,
    reference: crate::pathway::Tables<'_>,
) -> MatchRun {
    let measures = reference.measures;
    let units = &reference.vocab.units;
    let by_park: HashMap<&str, &Plan> = plans
        .plans
        .iter()
        .map(|p| (p.park_id.as_str(), p))
        .collect();
    let mut matches = Vec::new();
    let mut ranges = HashMap::new();
    for n in needs {
        let plan = by_park.get(n.park_id.as_str());
        let mut found: Vec<Match> = Vec::new();
        for tech in catalogue
            .technologies
            .iter()
            .filter(|t| t.serves_sector(&n.sector, &reference.vocab.sectors))
        {
            // The best-covered measure of the need this technology implements.
            let mut best: Option<(String, Option<f64>)> = None;
            for m in n.measure_ids() {
                let Some(measure) = measures.measure(m) else {
                    continue;
                };
                if !tech.implements(measure) {
                    continue;
                }
                let step = plan.and_then(|p| p.steps.iter().find(|s| s.measure == m));
                let coverage = step.and_then(|s| tech.coverage(s, units));
                let better = match (&best, coverage) {
                    (None, _) => true,
                    (Some((_, None)), Some(_)) => true,
                    (Some((_, Some(b))), Some(c)) => c > *b,
                    _ => false,
                };
                if better {
                    best = Some((m.to_string(), coverage));
                }
            }
            let Some((measure, coverage)) = best else {
                continue;
            };
            let why = why(tech, &measure, coverage, n, measures);
            let (title_en, title_zh) = crate::i18n::both_sides(|lang| tech.title(lang).to_string());
            found.push(Match {
                need: n.id.clone(),
                technology: tech.id.clone(),
                title_en,
                title_zh,
                provider: tech.provider.clone(),
                measure,
                coverage,
                trl: tech.trl,
                cost_low: tech.cost_low,
                rank: 0,
                why,
            });
        }
        found.sort_by(|a, b| {
            let cov = |m: &Match| m.coverage.unwrap_or(-1.0);
            cov(b)
                .total_cmp(&cov(a))
                .then(b.trl.cmp(&a.trl))
                .then(
                    a.cost_low
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.cost_low.unwrap_or(f64::INFINITY)),
                )
                .then(a.technology.cmp(&b.technology))
        });
        for (i, m) in found.iter_mut().enumerate() {
            m.rank = i + 1;
        }
        if !found.is_empty() {
            ranges.insert(n.id.clone(), matches.len()..matches.len() + found.len());
        }
        matches.extend(found);
    }
    MatchRun {
        needs: needs.to_vec(),
        matches,
        ranges,
        need_ix: needs
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect(),
    }
}

fn why(
    tech: &Technology,
    measure: &str,
    coverage: Option<f64>,
    need: &Need,
    measures: &pathway::MeasureCatalogue,
) -> Text {
    let m = measures.measure(measure);
    let name = m.map_or_else(|| Text::verbatim(measure), |m| m.name.text());
    let cover = match coverage {
        Some(c) => t!(
            "needs.why_cover",
            share = format!("{:.0} %", (c * 100.0).min(100.0))
        ),
        None => t!("needs.why_no_capacity"),
    };
    t!(
        "needs.why",
        measure = name,
        park = need.park_name.clone(),
        cover = cover,
        trl = tech.trl.to_string(),
        countries = if tech.countries.is_empty() {
            "—".to_string()
        } else {
            tech.countries.join(", ")
        }
    )
}

/// `needs.csv`: the documented export format (one row per need).
pub fn needs_csv(needs: &[Need]) -> String {
    crate::csv_out::rows_csv(needs.iter().map(|n| {
        let mut n = n.clone();
        for s in [
            &mut n.park_name,
            &mut n.sector,
            &mut n.title_en,
            &mut n.title_zh,
            &mut n.description_en,
            &mut n.description_zh,
        ] {
            *s = crate::csv_out::csv_safe(s);
        }
        n
    }))
}

/// Reads `needs.csv` back (a platform's import, or a round-trip check), with or without the
/// byte-order mark a report's copy carries.
pub fn read_needs_csv(text: &str) -> Result<Vec<Need>, csv::Error> {
    let mut r = csv::Reader::from_reader(crate::csv_out::without_bom(text).as_bytes());
    r.deserialize().collect()
}

/// A row of `matches.csv`.
#[derive(Serialize, Default)]
struct MatchRow {
    need: String,
    park_id: String,
    rank: usize,
    technology: String,
    title: String,
    provider: String,
    measure: String,
    coverage: String,
    trl: u8,
    cost_low: String,
    cost_high: String,
    cost_unit: String,
    why: String,
}

/// `matches.csv`: one row per need and technology, best first; a need nothing serves gets one
/// row with an empty technology.
pub fn matches_csv(run: &MatchRun, catalogue: &TechnologyCatalogue, lang: Lang) -> String {
    use crate::csv_out::{csv_safe, num};
    let words = Locale::get(lang);
    let mut rows = Vec::new();
    for n in &run.needs {
        let mut any = false;
        for m in run.for_need(&n.id) {
            any = true;
            let tech = catalogue.get(&m.technology);
            rows.push(MatchRow {
                need: n.id.clone(),
                park_id: n.park_id.clone(),
                rank: m.rank,
                technology: m.technology.clone(),
                title: tech.map(|t| csv_safe(t.title(lang))).unwrap_or_default(),
                provider: tech.map(|t| csv_safe(&t.provider)).unwrap_or_default(),
                measure: m.measure.clone(),
                coverage: num(m.coverage, 4),
                trl: m.trl,
                cost_low: num(tech.and_then(|t| t.cost_low), 2),
                cost_high: num(tech.and_then(|t| t.cost_high), 2),
                cost_unit: tech.map(|t| t.cost_unit.clone()).unwrap_or_default(),
                why: csv_safe(&words.text(&m.why)),
            });
        }
        if !any {
            rows.push(MatchRow {
                need: n.id.clone(),
                park_id: n.park_id.clone(),
                why: words.text(&t!("needs.unserved")),
                ..MatchRow::default()
            });
        }
    }
    crate::csv_out::rows_csv(rows)
}
