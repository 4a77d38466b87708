//! The "Pathway" section of a park page and the programme's pathway view: the plan's measures,
//! cost and re-scored level, what the catalogue cannot close, the scenario's projection, and
//! every measure parameter the plan used with its source and status. Renders plans; computes
//! nothing.

use minijinja::context;

use super::{gate_label, labels, level_words};
use parkbench_core::benchmark::BenchmarkSet;
use parkbench_core::i18n::Lang;
use parkbench_core::i18n::Locale;
use parkbench_core::pathway::scenario::Projection;
use parkbench_core::pathway::{MeasureCatalogue, Plan, PlanRun, Step};
use parkbench_core::scoring::{GateState, fmt_qty};

/// A quantity for a table: 3 significant figures, a plain 0 for nothing.
fn qty(x: f64) -> String {
    if x.abs() < 0.05 {
        "0".to_string()
    } else {
        fmt_qty(x)
    }
}

/// Money in the unit the page's language states it in (万元 in Chinese, millions of yuan in
/// English: `[units] money_scale`), 3 significant figures.
fn wan(x: Option<f64>, lang: Lang) -> String {
    let scale = Locale::get(lang).money_scale();
    x.map_or("—".to_string(), |v| {
        if v == 0.0 {
            "0".to_string()
        } else {
            fmt_qty(v / scale)
        }
    })
}

/// What a plan costs a year, said as a cost or, when it pays for itself, as a saving (never
/// "for -45,500 万元/yr").
fn money(cost: Option<f64>, lang: Lang) -> String {
    let words = Locale::get(lang);
    match cost {
        Some(c) if c < 0.0 => words.text(&t!("report.money_saving", amount = wan(Some(-c), lang))),
        c => words.text(&t!("report.money_cost", amount = wan(c, lang))),
    }
}

fn step_rows(steps: &[Step], cat: &MeasureCatalogue, lang: Lang) -> Vec<minijinja::Value> {
    steps
        .iter()
        .map(|s| {
            let m = cat.measure(&s.measure);
            context! {
                name => m.map_or(s.measure.clone(), |m| m.name.get(lang).to_string()),
                size => s.size_text(),
                abated => qty(s.abatement_t),
                cost_per_t => s.cost_per_t.map_or("—".to_string(), fmt_qty),
                annual => wan(s.effect.annual_cost_cny(), lang),
                capex => wan(Some(s.effect.capex_cny), lang),
                status => m.map_or("unconfirmed", |m| m.weakest_status().as_str()),
            }
        })
        .collect()
}

/// A plan in one paragraph: levels before and after, abatement and cost, the measures taken,
/// what cannot be closed (the portal's park page shows it).
pub fn summary(p: &Plan, set: &BenchmarkSet, cat: &MeasureCatalogue, lang: Lang) -> String {
    let words = Locale::get(lang);
    if let Some(b) = &p.blocked {
        return words.text(b);
    }
    let mut out = line(p, set, lang);
    if !p.steps.is_empty() {
        let names: Vec<String> = p
            .steps
            .iter()
            .map(|s| {
                let name = cat
                    .measure(&s.measure)
                    .map_or(s.measure.clone(), |m| m.name.get(lang).to_string());
                format!("{name} ({})", s.size_text())
            })
            .collect();
        out.push(' ');
        out.push_str(&words.text(&t!("report.pathway_measures", list = names.join(" → "))));
    }
    for u in &p.unreached {
        let name = p
            .before
            .rules
            .iter()
            .find(|r| *r.rule == *u.rule)
            .map_or(u.rule.clone(), |r| r.name(lang).to_string());
        out.push_str(&format!(" {name}: {}.", words.text(&u.why)));
    }
    out
}

/// The plan's levels, abatement and cost in one sentence.
pub(super) fn line(p: &Plan, set: &BenchmarkSet, lang: Lang) -> String {
    Locale::get(lang).text(&t!(
        "report.pathway_line",
        level_before = level_words(set, &p.level_before, lang),
        gate_before = gate_label(p.gate_before, lang),
        level_after = level_words(set, p.level_after.as_deref().unwrap_or(""), lang),
        gate_after = gate_label(p.gate_after.unwrap_or(GateState::None), lang),
        t = fmt_qty(p.abatement_t()),
        money = money(p.annual_cost_cny(), lang),
        capex = wan(Some(p.capex_cny()), lang)
    ))
}

/// A parameter's unit as the page's language says it (`fraction` is a share, `yr` a year);
/// units of measure (CNY/kW, MWh/t) stay as they are.
fn unit_word(unit: &str, lang: Lang) -> String {
    let words = Locale::get(lang);
    let time = words.raw("units.per_year");
    match unit {
        "fraction" => words.raw("units.fraction").to_string(),
        "yr" => words.raw("units.years").to_string(),
        "1/yr" => format!("1/{time}"),
        u => match u.strip_suffix("/yr") {
            Some(head) => format!("{head}/{time}"),
            None => u.to_string(),
        },
    }
}

/// A parameter's value as the table shows it, money in yuan (one currency per table), with
/// what a converted value was converted from, at which rate of the catalogue.
fn in_cny(
    v: &parkbench_core::pathway::measures::Param,
    cat: &MeasureCatalogue,
    lang: Lang,
) -> (String, Option<String>) {
    let plain = format!("{} {}", v.value, unit_word(&v.unit, lang));
    let Some((cur, per)) = v.unit.split_once('/') else {
        return (plain, None);
    };
    let Some(rate) = cat.currency.get(cur).filter(|_| cur != "CNY") else {
        return (plain, None);
    };
    let words = Locale::get(lang);
    let status = words
        .lookup(&format!("status.{}", rate.status.as_str()))
        .unwrap_or(rate.status.as_str());
    (
        format!(
            "{} {}",
            fmt_qty(v.value * rate.value),
            unit_word(&format!("CNY/{per}"), lang)
        ),
        Some(words.text(&t!(
            "report.converted_from",
            value = plain,
            rate = format!("{} {}", rate.value, rate.unit),
            status = status
        ))),
    )
}

/// A park's pathway for its page, with its charts.
pub(super) fn park_view(
    p: &Plan,
    projection: Option<&Projection>,
    set: &BenchmarkSet,
    cat: &MeasureCatalogue,
    lang: Lang,
    charts: &[super::ChartView],
) -> minijinja::Value {
    let words = Locale::get(lang);
    let rule_name = |id: &str| {
        p.before
            .rules
            .iter()
            .find(|r| &*r.rule == id)
            .map_or(id.to_string(), |r| r.name(lang).to_string())
    };
    let summary = p
        .blocked
        .as_ref()
        .map_or_else(|| line(p, set, lang), |b| words.text(b));
    let sources = parameter_sources(p, cat, lang);
    let projection = projection.map(|pr| {
        context! {
            scenario => pr.scenario.get(lang),
            years => pr.years.iter().map(|y| context! {
                year => y.year,
                milestone => y.milestone,
                co2 => y.co2_total_t.map_or("—".to_string(), fmt_qty),
                level => level_words(set, &y.level, lang),
                gate => gate_label(y.gate, lang),
                measures => y.measures.iter().map(|id| cat.measure(id).map_or(id.clone(), |m| m.name.get(lang).to_string())).collect::<Vec<_>>().join(", "),
            }).collect::<Vec<_>>(),
            first_gate => words.text(&match pr.first_gate_year {
                Some(y) => t!("report.pathway_first_gate", year = y.to_string()),
                None => t!("report.pathway_no_gate_year"),
            }),
            notes => pr.notes.iter().map(|n| words.text(n)).collect::<Vec<_>>(),
        }
    });
    context! {
        summary => summary,
        blocked => p.blocked.is_some(),
        steps => step_rows(&p.steps, cat, lang),
        total => context! {
            abated => fmt_qty(p.abatement_t()),
            annual => wan(p.annual_cost_cny(), lang),
            capex => wan(Some(p.capex_cny()), lang),
        },
        macc => step_rows(&p.macc, cat, lang),
        unreached => p.unreached.iter().map(|u| context! { name => rule_name(&u.rule), why => words.text(&u.why) }).collect::<Vec<_>>(),
        skipped => p.skipped.iter().map(|s| context! {
            name => cat.measure(&s.measure).map_or(s.measure.clone(), |m| m.name.get(lang).to_string()),
            why => words.text(&s.why),
        }).collect::<Vec<_>>(),
        notes => p.assumptions.iter().map(|a| words.text(a)).collect::<Vec<_>>(),
        charts => charts,
        projection => projection,
        sources => sources,
        discount => words.text(&t!(
            "report.pathway_discount",
            rate = format!("{:.1} %", cat.discount_rate.value * 100.0)
        )),
        discount_source => cat.discount_rate.source.clone(),
        sources_note => words.word("report.pathway_sources_note"),
    }
}

/// Every parameter of the measures in the plan (or, without a plan, the merit order), with
/// its value, source, status and note.
fn parameter_sources(p: &Plan, cat: &MeasureCatalogue, lang: Lang) -> Vec<minijinja::Value> {
    let words = Locale::get(lang);
    // Every parameter of the measures in the plan (or, without a plan, the merit order).
    let used: Vec<&str> = if p.steps.is_empty() {
        &p.macc
    } else {
        &p.steps
    }
    .iter()
    .map(|s| s.measure.as_str())
    .collect();
    cat
        .measures
        .iter()
        .filter(|m| used.contains(&m.id.as_str()))
        .flat_map(|m| {
            m.params.iter().map(move |(k, v)| {
                context! {
                    measure => m.name.get(lang),
                    parameter => words.lookup(&format!("param.{k}")).unwrap_or(k),
                    value => in_cny(v, cat, lang).0,
                    source => v.source,
                    status => v.status.as_str(),
                    // A note in the page's language only: a plain note (a consultant's own
                    // measures file, in English) is left off Chinese pages; measures.csv has it.
                    // A value converted to yuan says from what, at which rate.
                    note => {
                        let note = v.note.as_ref().and_then(|n| n.written_in(lang)).map(str::to_string);
                        match (in_cny(v, cat, lang).1, note) {
                            (Some(c), Some(n)) => Some(format!("{c} {n}")),
                            (c, n) => c.or(n),
                        }
                    },
                }
            })
        })
        .collect()
}

/// The programme's pathway view: what it takes to bring every park to its gate, and which
/// measures most parks need.
pub(super) fn programme_view(
    run: &PlanRun,
    cat: &MeasureCatalogue,
    lang: Lang,
) -> minijinja::Value {
    let t = labels(lang);
    let measures: Vec<_> = run
        .measures_needed()
        .into_iter()
        .map(|(id, n, tco2, cost)| {
            context! {
                name => cat.measure(&id).map_or(id.clone(), |m| m.name.get(lang).to_string()),
                parks => n,
                abated => qty(tco2),
                annual => wan(cost, lang),
            }
        })
        .collect();
    context! {
        summary => programme_line(run, lang),
        measures => measures,
        heading => t["pathway_programme"],
    }
}

/// The programme's plans in one sentence: how many parks reach the gate, how many meet it
/// already, how many cannot, and what bringing them there abates and costs.
pub(super) fn programme_line(run: &PlanRun, lang: Lang) -> String {
    let reach: Vec<&Plan> = run
        .plans
        .iter()
        .filter(|p| p.meets_gate() == Some(true))
        .collect();
    let already = reach.iter().filter(|p| p.steps.is_empty()).count();
    let cannot = run
        .plans
        .iter()
        .filter(|p| p.meets_gate() == Some(false) || p.blocked.is_some())
        .count();
    let abated: f64 = reach.iter().map(|p| p.abatement_t()).sum();
    let annual: Option<f64> = reach.iter().map(|p| p.annual_cost_cny()).sum();
    let capex: f64 = reach.iter().map(|p| p.capex_cny()).sum();
    if reach.len() == already {
        return Locale::get(lang).text(&t!(
            "report.pathway_programme_none",
            n = run.plans.len(),
            already = already,
            cannot = cannot
        ));
    }
    Locale::get(lang).text(&t!(
        "report.pathway_programme_line",
        n = run.plans.len(),
        reach = reach.len() - already,
        already = already,
        cannot = cannot,
        t = qty(abated),
        money = money(annual, lang),
        capex = wan(Some(capex), lang)
    ))
}

/// A park's needs and the technologies that serve each (best first, at most `TOP`).
pub(super) fn needs_view(
    park_id: &str,
    run: &parkbench_core::matchmaking::MatchRun,
    tech: &parkbench_core::matchmaking::TechnologyCatalogue,
    lang: Lang,
) -> Option<minijinja::Value> {
    const TOP: usize = 3;
    let words = Locale::get(lang);
    let needs: Vec<_> = run
        .needs
        .iter()
        .filter(|n| n.park_id == park_id)
        .map(|n| {
            let matches: Vec<_> = run
                .for_need(&n.id)
                .take(TOP)
                .map(|m| {
                    let t = tech.get(&m.technology);
                    context! {
                        rank => m.rank,
                        title => t.map_or(m.technology.clone(), |t| t.title(lang).to_string()),
                        provider => t.map(|t| t.provider.clone()).unwrap_or_default(),
                        coverage => m.coverage.map_or("—".to_string(), |c| format!("{:.0} %", c * 100.0)),
                        trl => m.trl,
                        cost => t.map(|t| match (t.cost_low, t.cost_high) {
                            (Some(l), Some(h)) => format!("{}-{} {}", fmt_qty(l), fmt_qty(h), t.cost_unit),
                            (Some(l), None) => format!("{} {}", fmt_qty(l), t.cost_unit),
                            _ => "—".to_string(),
                        }).unwrap_or_default(),
                        why => words.text(&m.why),
                    }
                })
                .collect();
            context! {
                title => n.title(lang),
                description => n.description(lang),
                matches => matches,
                more => run.for_need(&n.id).count().saturating_sub(TOP),
            }
        })
        .collect();
    (!needs.is_empty()).then(|| {
        context! {
            needs => needs,
            catalogue => tech.file,
        }
    })
}

/// The programme's technology view: technologies by the parks they would serve, and the needs
/// the catalogue leaves unserved.
pub(super) fn technology_view(
    run: &parkbench_core::matchmaking::MatchRun,
    tech: &parkbench_core::matchmaking::TechnologyCatalogue,
    lang: Lang,
) -> minijinja::Value {
    let by: Vec<_> = run
        .by_technology()
        .into_iter()
        .map(|(id, parks, co2)| {
            let t = tech.get(&id);
            context! {
                title => t.map_or(id.clone(), |t| t.title(lang).to_string()),
                provider => t.map(|t| t.provider.clone()).unwrap_or_default(),
                parks => parks,
                co2 => qty(co2),
            }
        })
        .collect();
    let unserved: Vec<_> = run
        .unserved()
        .map(|n| context! { park => n.park_name, title => n.title(lang) })
        .collect();
    context! {
        technologies => by,
        unserved => unserved,
        needs => run.needs.len(),
        catalogue => tech.file,
    }
}

#[cfg(test)]
mod money_tests {
    use super::*;

    #[test]
    fn a_plan_that_pays_for_itself_is_said_as_a_saving() {
        assert_eq!(
            money(Some(-455_000_000.0), Lang::EN),
            "while saving CNY 455 million/yr net"
        );
        assert_eq!(
            money(Some(100_000_000.0), Lang::EN),
            "for CNY 100 million/yr"
        );
        assert_eq!(money(Some(450_000.0), Lang::EN), "for CNY 0.450 million/yr");
        assert_eq!(
            money(Some(-455_000_000.0), Lang::ZH),
            "每年净节省 45,500 万元"
        );
        assert_eq!(money(Some(450_000.0), Lang::ZH), "年成本 45.0 万元");
        assert_eq!(money(None, Lang::EN), "for CNY — million/yr");
    }
}
