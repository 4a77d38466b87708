//! Pathway tables as CSV: the plan's steps and the merit order per park (`plan.csv`), the
//! projected years of a scenario (`projection.csv`), and the measure catalogue with every
//! parameter's source and status (`measures.csv`), so a client sees where each number comes from.

use serde::Serialize;

use crate::outfile::rows_csv;
use crate::outfile::{csv_safe, num};
use parkbench_core::i18n::Locale;
use parkbench_core::pathway::{MeasureCatalogue, Plan, PlanRun, Step};

/// A row of `plan.csv`: one per park, section (plan or macc) and measure.
#[derive(Serialize, Default)]
struct StepRow {
    park_id: String,
    year: i32,
    benchmark: String,
    section: &'static str,
    order: usize,
    measure: String,
    measure_name: String,
    size: String,
    size_unit: &'static str,
    share_of_max: String,
    amount: String,
    amount_unit: &'static str,
    abatement_tco2: String,
    co2_after_tco2: String,
    capex_cny: String,
    annual_cost_cny: String,
    cost_per_tco2: String,
    unpriced: String,
    rules_after: String,
    level_before: String,
    level_after: String,
    gate_after: String,
    unreached: String,
    blocked: String,
}

fn step_row(
    p: &Plan,
    section: &'static str,
    i: usize,
    s: &Step,
    cat: &MeasureCatalogue,
    words: &Locale,
) -> StepRow {
    StepRow {
        park_id: csv_safe(&p.park_id),
        year: p.year,
        benchmark: p.benchmark.clone(),
        section,
        order: i + 1,
        measure: s.measure.clone(),
        measure_name: csv_safe(
            &cat.measure(&s.measure)
                .map(|m| m.name.get(words.lang()).to_string())
                .unwrap_or_default(),
        ),
        size: num(Some(s.size), 4),
        size_unit: s.size_unit,
        share_of_max: num(Some(s.share_of_max), 4),
        amount: num(Some(s.effect.amount), 1),
        amount_unit: s.effect.amount_unit,
        abatement_tco2: num(Some(s.abatement_t), 1),
        co2_after_tco2: num(s.co2_after_t, 1),
        capex_cny: num(Some(s.effect.capex_cny), 0),
        annual_cost_cny: num(s.effect.annual_cost_cny(), 0),
        cost_per_tco2: num(s.cost_per_t, 1),
        unpriced: s.effect.unpriced.join(" "),
        rules_after: s
            .rules_after
            .iter()
            .map(|(r, v)| format!("{r}={}", num(*v, 4)))
            .collect::<Vec<_>>()
            .join(" "),
        ..StepRow::default()
    }
}

/// `plan.csv`: per park the plan's steps, then the merit order; a park without steps gets one
/// row with its levels and why.
pub fn plan_csv(runs: &[PlanRun], cat: &MeasureCatalogue, words: &Locale) -> String {
    let mut rows = Vec::new();
    for run in runs {
        for p in &run.plans {
            let unreached = p
                .unreached
                .iter()
                .map(|u| format!("{}: {}", u.rule, words.text(&u.why)))
                .collect::<Vec<_>>()
                .join("; ");
            let summary = |mut r: StepRow| {
                r.level_before = p.level_before.clone();
                r.level_after = p.level_after.clone().unwrap_or_default();
                r.gate_after = p
                    .gate_after
                    .map(|g| crate::report::scores::gate_str(g).to_string())
                    .unwrap_or_default();
                r.unreached = csv_safe(&unreached);
                r.blocked = p
                    .blocked
                    .as_ref()
                    .map(|b| csv_safe(&words.text(b)))
                    .unwrap_or_default();
                r
            };
            if p.steps.is_empty() {
                rows.push(summary(StepRow {
                    park_id: csv_safe(&p.park_id),
                    year: p.year,
                    benchmark: p.benchmark.clone(),
                    section: "plan",
                    ..StepRow::default()
                }));
            }
            for (i, s) in p.steps.iter().enumerate() {
                rows.push(summary(step_row(p, "plan", i, s, cat, words)));
            }
            for (i, s) in p.macc.iter().enumerate() {
                rows.push(step_row(p, "macc", i, s, cat, words));
            }
        }
    }
    rows_csv(rows)
}

/// The files of `plan --out DIR`: the tables and the plans as JSON.
pub fn files(
    runs: &[PlanRun],
    cat: &MeasureCatalogue,
    words: &Locale,
) -> Result<Vec<(String, Vec<u8>)>, serde_json::Error> {
    let mut out = vec![
        (
            "plan.csv".to_string(),
            plan_csv(runs, cat, words).into_bytes(),
        ),
        (
            "measures.csv".to_string(),
            measures_csv(cat, words).into_bytes(),
        ),
        (
            "plan.json".to_string(),
            (serde_json::to_string_pretty(runs)? + "\n").into_bytes(),
        ),
    ];
    if runs.iter().any(|r| !r.projections.is_empty()) {
        out.push((
            "projection.csv".to_string(),
            projection_csv(runs).into_bytes(),
        ));
    }
    Ok(out)
}

/// A row of `projection.csv`: one per park and projected year.
#[derive(Serialize, Default)]
struct ProjectionRow {
    park_id: String,
    benchmark: String,
    scenario: String,
    year: i32,
    milestone: bool,
    measures: String,
    co2_total_tco2: String,
    energy_tce: String,
    level: String,
    gate: String,
    score: String,
    rules: String,
    first_gate_year: String,
}

/// `projection.csv`: the scenario's projected years.
pub fn projection_csv(runs: &[PlanRun]) -> String {
    rows_csv(runs.iter().flat_map(|run| {
        run.projections.iter().flat_map(|p| {
            p.years.iter().map(move |y| ProjectionRow {
                park_id: csv_safe(&p.park_id),
                benchmark: p.benchmark.clone(),
                scenario: csv_safe(p.scenario.get(parkbench_core::i18n::Lang::EN)),
                year: y.year,
                milestone: y.milestone,
                measures: y.measures.join(" "),
                co2_total_tco2: num(y.co2_total_t, 1),
                energy_tce: num(y.energy_tce, 1),
                level: y.level.clone(),
                gate: crate::report::scores::gate_str(y.gate).to_string(),
                score: num(y.overall, 1),
                rules: y
                    .rules
                    .iter()
                    .map(|(r, v, s)| format!("{r}={}:{}", num(*v, 4), s.as_str()))
                    .collect::<Vec<_>>()
                    .join(" "),
                first_gate_year: p.first_gate_year.map(|y| y.to_string()).unwrap_or_default(),
            })
        })
    }))
}

/// A row of `measures.csv`: one per measure parameter, price and hours row.
#[derive(Serialize, Default)]
struct ParamRow {
    kind: &'static str,
    id: String,
    name: String,
    parameter: String,
    value: String,
    unit: String,
    source: String,
    status: &'static str,
    note: String,
}

/// `measures.csv`: every number the plans used, with its source and status.
pub fn measures_csv(cat: &MeasureCatalogue, words: &Locale) -> String {
    let lang = words.lang();
    let note = |n: &Option<parkbench_core::benchmark::Label>| {
        n.as_ref()
            .map(|t| csv_safe(t.get(lang)))
            .unwrap_or_default()
    };
    let mut rows = vec![ParamRow {
        kind: "finance",
        id: "discount_rate".into(),
        value: num(Some(cat.discount_rate.value), 4),
        unit: cat.discount_rate.unit.clone(),
        source: csv_safe(&cat.discount_rate.source),
        status: cat.discount_rate.status.as_str(),
        note: note(&cat.discount_rate.note),
        ..ParamRow::default()
    }];
    for (c, p) in &cat.currency {
        rows.push(ParamRow {
            kind: "currency",
            id: c.clone(),
            value: num(Some(p.value), 4),
            unit: p.unit.clone(),
            source: csv_safe(&p.source),
            status: p.status.as_str(),
            note: note(&p.note),
            ..ParamRow::default()
        });
    }
    for h in &cat.hours {
        rows.push(ParamRow {
            kind: "hours",
            id: h.tech.clone(),
            parameter: h.province.clone(),
            value: num(Some(h.value), 1),
            unit: h.unit.clone(),
            source: csv_safe(&h.source),
            status: h.status.as_str(),
            note: note(&h.note),
            ..ParamRow::default()
        });
    }
    for m in &cat.measures {
        for (k, p) in &m.params {
            rows.push(ParamRow {
                kind: "measure",
                id: m.id.clone(),
                name: csv_safe(m.name.get(lang)),
                parameter: k.clone(),
                value: num(Some(p.value), 6),
                unit: p.unit.clone(),
                source: csv_safe(&p.source),
                status: p.status.as_str(),
                note: note(&p.note),
            });
        }
    }
    for p in &cat.prices {
        rows.push(ParamRow {
            kind: "price",
            id: p.item.clone(),
            parameter: p.province.clone(),
            value: num(Some(p.value), 4),
            unit: p.unit.clone(),
            source: csv_safe(&p.source),
            status: p.status.as_str(),
            note: csv_safe(&p.note),
            ..ParamRow::default()
        });
    }
    rows_csv(rows)
}
