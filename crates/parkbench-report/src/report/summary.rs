//! The summary a client reads first, on a park's page and PDF and on the programme's: the
//! verdict, the gaps that matter, the next step and its cost, how sure, what the data rests on
//! and how firm the thresholds are. Each part is a (label, text) line, left out when the run has
//! nothing to say about it.

use super::*;
use parkbench_core::scoring::RuleResult;

/// Gaps the summary names: the failing rules that matter most (gates first, then weight).
const SUMMARY_GAPS: usize = 3;

/// The summary a client reads first: the gaps that matter, the next step and its cost, how sure
/// the verdict is, what the data rests on, and how firm the thresholds are. (label, text) lines;
/// each part is left out when the run has nothing to say about it.
pub(super) fn park(s: &Score, input: &ReportInput, lang: Lang) -> Vec<(String, String)> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let colon = words.word("report.label_separator");
    let mut out = Vec::new();
    // The gaps that matter.
    let mut failing: Vec<&RuleResult> = s
        .rules
        .iter()
        .filter(|r| r.status == Status::Fails)
        .collect();
    failing.sort_by(|a, b| by_weight(a, b));
    let gaps: Vec<String> = failing
        .iter()
        .take(SUMMARY_GAPS)
        .map(|r| {
            let name = rule_name(r, lang);
            match r.gap.as_ref() {
                Some(g) => format!("{name}{colon}{}", words.text(&g.text)),
                None => name.to_string(),
            }
        })
        .collect();
    if !gaps.is_empty() {
        out.push((
            words.word("report.summary_gaps"),
            gaps.join(&words.word("report.list_separator")),
        ));
    }
    // The next step: the plan, in one sentence.
    if let Some((run, _)) = input.pathways
        && let Some(p) = run.plans.iter().find(|p| p.park_id == s.park_id)
        && p.blocked.is_none()
        && !p.steps.is_empty()
    {
        out.push((
            words.word("report.summary_next"),
            super::pathway::line(p, &input.run.set, lang),
        ));
    }
    // How sure.
    if let Some(u) = input
        .programme
        .uncertainty
        .iter()
        .find(|u| u.park_id == s.park_id && u.year == s.year)
    {
        let set = &input.run.set;
        let levels = u
            .level_shares
            .iter()
            .map(|(l, x)| format!("{} {}", level_words(set, l, lang), pct(*x)))
            .collect::<Vec<_>>()
            .join(" · ");
        out.push((
            words.word("report.summary_sure"),
            words.text(&t!(
                "report.summary_sure_text",
                draws = fmt_qty(u.draws as f64),
                levels = levels
            )),
        ));
    }
    // What the data rests on: evidence and the problems found in it.
    let py = input.run.inventory.park_year(&s.park_id, s.year);
    let mut quality: Vec<String> = py
        .map(|py| green_and_evidence(py, lang))
        .unwrap_or_default()
        .into_iter()
        .filter(|(label, _)| {
            *label == words.word("report.evidence_energy")
                || *label == words.word("report.evidence_co2")
        })
        .map(|(label, text)| format!("{label}{colon}{text}"))
        .collect();
    if let Some(m) = py.and_then(|py| months(py, input, lang)) {
        quality.push(m);
    }
    let warnings = input.data.report.warnings_of(&s.park_id);
    quality.push(words.text(&t!("report.summary_warnings", n = warnings)));
    let estimated = s.rules.iter().filter(|r| r.estimated).count();
    if estimated > 0 {
        quality.push(words.text(&t!("report.summary_estimated", n = estimated)));
    }
    out.push((
        words.word("report.summary_quality"),
        quality.join(&words.word("report.list_separator")),
    ));
    // How firm the thresholds are.
    out.extend(thresholds(&s.rules, lang));
    out
}

/// Gates first, then the heavier rule.
fn by_weight(a: &RuleResult, b: &RuleResult) -> std::cmp::Ordering {
    (b.role == Role::Gate)
        .cmp(&(a.role == Role::Gate))
        .then(b.weight.total_cmp(&a.weight))
}

fn rule_name(r: &RuleResult, lang: Lang) -> &str {
    r.name(lang)
}

/// Which months the monthly rows cover: every reported metric whole, or the ones short of a
/// year (by name, with their months). None for a park-year reported by annual rows only.
fn months(
    py: &parkbench_core::inventory::ParkYear,
    input: &ReportInput,
    lang: Lang,
) -> Option<String> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let monthly: Vec<(&String, u8)> = py
        .metrics
        .iter()
        .filter(|(_, m)| m.months > 0)
        .map(|(id, m)| (id, m.months))
        .collect();
    if monthly.is_empty() {
        return Some(words.word("report.summary_months_annual"));
    }
    let short: Vec<String> = monthly
        .iter()
        .filter(|(_, n)| usize::from(*n) < MONTHS_IN_YEAR)
        .map(|(id, n)| format!("{} {n}", metric_name(input.vocab, id, lang)))
        .collect();
    Some(if short.is_empty() {
        words.text(&t!("report.summary_months_full", n = monthly.len()))
    } else {
        words.text(&t!(
            "report.summary_months_short",
            list = short.join(&words.word("report.list_separator"))
        ))
    })
}

/// Months in a year, the span monthly rows are counted against.
const MONTHS_IN_YEAR: usize = 12;

/// The thresholds of `rules` counted by the status of their source.
fn thresholds(rules: &[RuleResult], lang: Lang) -> Option<(String, String)> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rules {
        if let Some(t) = &r.threshold {
            *by_status.entry(t.status.as_str()).or_default() += 1;
        }
    }
    if by_status.is_empty() {
        return None;
    }
    let parts: Vec<String> = by_status
        .iter()
        .map(|(status, n)| {
            let label = words.lookup(&format!("status.{status}")).unwrap_or(status);
            format!("{label} {n}")
        })
        .collect();
    Some((
        words.word("report.summary_sources"),
        words.text(&t!(
            "report.summary_sources_text",
            parts = parts.join(" · ")
        )),
    ))
}

/// The programme's summary: how the parks land, the gaps most of them share, what the plans
/// would take, how many verdicts are borderline, and what the data rests on.
pub(super) fn programme(
    scores: &[&Score],
    input: &ReportInput,
    failed: usize,
    lang: Lang,
) -> Vec<(String, String)> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut out = Vec::new();
    if scores.is_empty() {
        return out;
    }
    out.push((
        words.word("report.summary_verdict"),
        programme_verdict(scores, input, failed, lang),
    ));
    let gaps = shared_gaps(scores, lang);
    if !gaps.is_empty() {
        out.push((
            words.word("report.summary_shared_gaps"),
            gaps.join(&words.word("report.list_separator")),
        ));
    }
    // The next step: what the plans would take, in one sentence.
    if let Some((run, _)) = input.pathways
        && !run.plans.is_empty()
    {
        out.push((
            words.word("report.summary_next"),
            super::pathway::programme_line(run, lang),
        ));
    }
    if let Some(sure) = programme_sure(input, lang) {
        out.push((words.word("report.summary_sure"), sure));
    }
    out.push((
        words.word("report.summary_quality"),
        programme_quality(scores, input, lang),
    ));
    out.extend(thresholds(&scores[0].rules, lang));
    out
}

/// The verdict: parks by level, in the set's order, then the undetermined; how many failed a
/// gate and how many could not be scored.
fn programme_verdict(scores: &[&Score], input: &ReportInput, failed: usize, lang: Lang) -> String {
    let set = &input.run.set;
    let levels: Vec<String> = set
        .levels
        .iter()
        .map(|l| (l.label.get(lang).to_string(), l.id.as_str()))
        .chain(std::iter::once((
            level_words(set, "undetermined", lang),
            "undetermined",
        )))
        .map(|(name, id)| (name, scores.iter().filter(|s| s.level == id).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    let gate_failed = scores
        .iter()
        .filter(|s| s.gate == GateState::Failed)
        .count();
    parkbench_core::i18n::Locale::get(lang).text(&t!(
        "report.programme_verdict",
        n = scores.len(),
        levels = levels.join(" · "),
        gate_failed = gate_failed,
        failed = failed
    ))
}

/// The gaps most parks share: the failing rules that matter most (gates first, then the
/// number of parks, then weight), each with the number of parks it fails in.
fn shared_gaps(scores: &[&Score], lang: Lang) -> Vec<String> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let mut fails: BTreeMap<&str, (&RuleResult, usize)> = BTreeMap::new();
    for s in scores {
        for r in s.rules.iter().filter(|r| r.status == Status::Fails) {
            fails.entry(&*r.rule).or_insert((r, 0)).1 += 1;
        }
    }
    let mut shared: Vec<(&RuleResult, usize)> = fails.into_values().collect();
    shared.sort_by(|(a, n), (b, m)| {
        (b.role == Role::Gate)
            .cmp(&(a.role == Role::Gate))
            .then(m.cmp(n))
            .then(b.weight.total_cmp(&a.weight))
    });
    shared
        .iter()
        .take(SUMMARY_GAPS)
        .map(|(r, n)| {
            words.text(&t!(
                "report.programme_gap",
                name = rule_name(r, lang),
                n = *n,
                total = scores.len()
            ))
        })
        .collect()
}

/// How sure: the verdicts that another draw of the data and factors would change (when the
/// run drew).
fn programme_sure(input: &ReportInput, lang: Lang) -> Option<String> {
    let unc = &input.programme.uncertainty;
    let (first, (_, cfg)) = (unc.first()?, input.programme.mc.as_ref()?);
    let words = parkbench_core::i18n::Locale::get(lang);
    Some(
        words.text(&match unc.iter().filter(|u| u.borderline).count() {
            0 => t!(
                "report.programme_sure_none",
                share = pct(cfg.borderline_share),
                draws = fmt_qty(first.draws as f64)
            ),
            n => t!(
                "report.programme_sure_text",
                n = n,
                parks = unc.len(),
                share = pct(cfg.borderline_share),
                draws = fmt_qty(first.draws as f64)
            ),
        }),
    )
}

/// What the data rests on: energy and CO2 by evidence grade over the parks scored, the totals
/// left unknown, the warnings.
fn programme_quality(scores: &[&Score], input: &ReportInput, lang: Lang) -> String {
    let words = parkbench_core::i18n::Locale::get(lang);
    let colon = words.word("report.label_separator");
    let scored: std::collections::BTreeSet<(&str, i32)> = scores
        .iter()
        .map(|s| (s.park_id.as_str(), s.year))
        .collect();
    let years: Vec<&parkbench_core::inventory::ParkYear> = input
        .run
        .inventory
        .years
        .iter()
        .filter(|y| scored.contains(&(y.park_id.as_str(), y.year)))
        .collect();
    let sum = |pick: fn(&parkbench_core::inventory::ParkYear) -> Option<[f64; 4]>| {
        years
            .iter()
            .filter_map(|y| pick(y))
            .fold(None, |acc: Option<[f64; 4]>, by| {
                let mut a = acc.unwrap_or([0.0; 4]);
                for (x, y) in a.iter_mut().zip(by) {
                    *x += y;
                }
                Some(a)
            })
    };
    let mut quality = Vec::new();
    if let Some(by) = sum(|y| y.energy_by_grade) {
        quality.push(format!(
            "{}{colon}{}",
            words.word("report.evidence_energy"),
            grades_text(by, "tce")
        ));
    }
    if let Some(by) = sum(|y| y.co2_by_grade).filter(|b| b.iter().any(|x| *x > 0.0)) {
        quality.push(format!(
            "{}{colon}{}",
            words.word("report.evidence_co2"),
            grades_text(by, "tCO2")
        ));
    }
    let unknown = years.iter().filter(|y| !y.unknown.is_empty()).count();
    if unknown > 0 {
        quality.push(words.text(&t!("report.programme_unknown", n = unknown)));
    }
    quality.push(words.text(&t!(
        "report.programme_warnings",
        n = input.data.report.warning_count()
    )));
    quality.join(&words.word("report.list_separator"))
}
