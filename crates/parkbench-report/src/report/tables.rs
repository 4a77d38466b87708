//! Programme tables as CSV: peer statistics, year-on-year changes, Monte Carlo verdicts. Each
//! table is a `#[derive(Serialize)]` row struct, so the header is the struct's fields and cannot
//! drift from the rows. Text cells pass through `csv_safe` so a spreadsheet never runs them as
//! formulas.

use serde::Serialize;

use crate::outfile::{NumCell, csv_safe, csv_safe_cell, num, num_cell};
use parkbench_core::i18n::Locale;
use parkbench_core::inventory::Inventory;
use parkbench_core::pipeline::Programme;
use std::borrow::Cow;

pub(crate) use crate::outfile::rows_csv;

/// A row of `peers.csv`: one per park, year, measure and peer group.
/// Its cells borrow their text or hold it in place: a programme writes hundreds of thousands.
#[derive(Serialize, Default)]
struct PeerRow<'a> {
    park_id: Cow<'a, str>,
    year: i32,
    benchmark: Cow<'a, str>,
    measure: Cow<'a, str>,
    value: NumCell,
    better: &'static str,
    group_kind: &'static str,
    group: Cow<'a, str>,
    n: usize,
    rank: Option<usize>,
    percentile: NumCell,
    q1: NumCell,
    median: NumCell,
    q3: NumCell,
    z: NumCell,
    note: String,
}

/// `peers.csv`: one row per park, year, measure and peer group.
pub fn peers_csv(ps: &[Programme]) -> String {
    let mut out = Vec::new();
    // Writing to memory does not fail.
    let _ = write_peers_csv(&mut out, ps);
    String::from_utf8(out).unwrap_or_default()
}

/// [`peers_csv`] written to `w` as it is made, in chunks of rows made on every core
/// (hundreds of thousands of rows at 2,000 parks).
pub fn write_peers_csv(w: impl std::io::Write, ps: &[Programme]) -> std::io::Result<()> {
    let chunks = ps.iter().flat_map(|p| {
        let n = p.peers.len();
        (0..n)
            .step_by(PEER_ROWS_PER_CHUNK)
            .map(move |s| (p, s..(s + PEER_ROWS_PER_CHUNK).min(n)))
    });
    crate::outfile::write_chunks(w, chunks, |(p, range)| {
        p.peers.rows(range).map(move |r| PeerRow {
            park_id: csv_safe_cell(r.park_id),
            year: r.year,
            benchmark: csv_safe_cell(r.benchmark),
            measure: csv_safe_cell(r.measure),
            value: num_cell(Some(r.value), 6),
            better: if r.higher_is_better {
                "higher"
            } else {
                "lower"
            },
            group_kind: r.kind.as_str(),
            group: csv_safe_cell(r.group),
            n: r.n,
            rank: r.rank,
            percentile: num_cell(r.percentile, 4),
            q1: num_cell(r.q1, 6),
            median: num_cell(r.median, 6),
            q3: num_cell(r.q3, 6),
            z: num_cell(r.z, 3),
            // A code (the workbook words it): the group has fewer parks than the minimum.
            note: if r.too_small {
                format!("too_small_{}", p.peer_config.min_group_size)
            } else {
                String::new()
            },
        })
    })
}

/// Rows of `peers.csv` made and written at a time on one core (some 1.5 MB of text).
const PEER_ROWS_PER_CHUNK: usize = 10_000;

/// A row of `changes.csv`.
#[derive(Serialize, Default)]
struct ChangeRow {
    park_id: String,
    benchmark: String,
    from_year: i32,
    to_year: i32,
    from_score: String,
    to_score: String,
    change: String,
    from_level: String,
    to_level: String,
}

/// `changes.csv`: each park's change between consecutive scored years.
pub fn changes_csv(ps: &[Programme]) -> String {
    rows_csv(ps.iter().flat_map(|p| &p.changes).map(|c| ChangeRow {
        park_id: csv_safe(&c.park_id),
        benchmark: csv_safe(&c.benchmark),
        from_year: c.from_year,
        to_year: c.to_year,
        from_score: num(c.from_score, 2),
        to_score: num(c.to_score, 2),
        change: num(c.delta, 2),
        from_level: csv_safe(&c.from_level),
        to_level: csv_safe(&c.to_level),
    }))
}

/// A row of `uncertainty.csv`: a park's overall score, or one of its gate and core rules.
#[derive(Serialize, Default)]
struct UncertaintyRow {
    park_id: String,
    year: i32,
    benchmark: String,
    measure: String,
    role: String,
    central: String,
    p5: String,
    p50: String,
    p95: String,
    p_meets: String,
    p_gates: String,
    level: String,
    level_shares: String,
    borderline: String,
    rank: Option<usize>,
    rank_p5: Option<usize>,
    rank_p95: Option<usize>,
    ranked_parks: String,
    draws: usize,
    seed: String,
}

/// `uncertainty.csv`: per park, the overall score and each gate/core rule under the draws.
pub fn uncertainty_csv(ps: &[Programme]) -> String {
    let mut rows = Vec::new();
    for p in ps {
        let seed =
            p.mc.as_ref()
                .map(|m| m.0.seed.to_string())
                .unwrap_or_default();
        for u in &p.uncertainty {
            let shares = u
                .level_shares
                .iter()
                .map(|(l, s)| format!("{l}:{}", num(Some(*s), 3)))
                .collect::<Vec<_>>()
                .join(" ");
            rows.push(UncertaintyRow {
                park_id: csv_safe(&u.park_id),
                year: u.year,
                benchmark: csv_safe(&u.benchmark),
                measure: "overall".into(),
                central: num(u.overall_central, 2),
                p5: num(u.overall.map(|i| i.p5), 2),
                p50: num(u.overall.map(|i| i.p50), 2),
                p95: num(u.overall.map(|i| i.p95), 2),
                p_gates: num(u.p_gates, 3),
                level: csv_safe(&u.level_central),
                level_shares: csv_safe(&shares),
                borderline: u.borderline.to_string(),
                rank: u.rank_central,
                rank_p5: u.rank_p5,
                rank_p95: u.rank_p95,
                ranked_parks: u.rank_of.to_string(),
                draws: u.draws,
                seed: seed.clone(),
                ..Default::default()
            });
            for r in &u.rules {
                rows.push(UncertaintyRow {
                    park_id: csv_safe(&u.park_id),
                    year: u.year,
                    benchmark: csv_safe(&u.benchmark),
                    measure: csv_safe(&r.rule),
                    role: r.role.as_str().to_string(),
                    central: num(r.central, 6),
                    p5: num(r.interval.map(|i| i.p5), 6),
                    p50: num(r.interval.map(|i| i.p50), 6),
                    p95: num(r.interval.map(|i| i.p95), 6),
                    p_meets: num(r.p_meets, 3),
                    draws: u.draws,
                    seed: seed.clone(),
                    ..Default::default()
                });
            }
        }
    }
    rows_csv(rows)
}

/// The inventory as CSV: fixed columns, then `tce_<carrier>` and `co2_<carrier>_t` per carrier
/// present, and last `why_unknown`: what made a blank total unknown, with its cell.
pub fn inventory_csv(inv: &Inventory, order: &[String], words: &Locale) -> String {
    let present: Vec<&String> = order
        .iter()
        .filter(|m| {
            inv.years
                .iter()
                .any(|y| y.carriers.iter().any(|c| &&c.metric == m))
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "park_id",
        "year",
        "energy_tce",
        "co2_scope1_t",
        "co2_scope2_location_t",
        "co2_scope2_market_t",
        "co2_total_t",
        "co2_total_location_t",
        "co2_per_tce",
        "electricity_total_mwh",
        "electricity_green_physical_mwh",
        "electricity_green_certificate_mwh",
        "electricity_green_unclassified_mwh",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for m in &present {
        header.push(format!("tce_{m}"));
        header.push(format!("co2_{m}_t"));
    }
    header.push("why_unknown".into());
    let _ = w.write_record(&header);
    for y in &inv.years {
        let mut r = vec![
            csv_safe(&y.park_id),
            y.year.to_string(),
            num(y.energy_tce, 4),
            num(y.co2_scope1_t, 4),
            num(y.co2_scope2_location_t, 4),
            num(y.co2_scope2_market_t, 4),
            num(y.co2_total_t, 4),
            num(y.co2_total_location_t, 4),
            num(y.co2_per_tce, 4),
            num(y.electricity_total_mwh, 4),
            num(y.electricity_green_physical_mwh, 4),
            num(y.electricity_green_certificate_mwh, 4),
            num(y.electricity_green_unclassified_mwh(), 4),
        ];
        for m in &present {
            let c = y.carriers.iter().find(|c| &&c.metric == m);
            // A carrier the park does not use is 0; one it reported as unknown is empty.
            r.push(c.map_or("0".into(), |c| num(c.tce, 4)));
            r.push(c.map_or("0".into(), |c| num(c.co2_t, 4)));
        }
        r.push(csv_safe(
            &y.why_unknown().map(|t| words.text(&t)).unwrap_or_default(),
        ));
        let _ = w.write_record(&r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A row of `provenance.csv`: every number a report rests on, with its source and status.
#[derive(Serialize, Default)]
struct ProvenanceRow {
    kind: &'static str,
    id: String,
    parameter: String,
    value: String,
    unit: String,
    source: String,
    status: String,
    note: String,
}

/// `provenance.csv`: the set's thresholds, the factors the inventory used and (with pathways)
/// every measure parameter and price, each with its source and status.
pub fn provenance_csv(
    run: &parkbench_core::pipeline::SetRun,
    measures: Option<&parkbench_core::pathway::MeasureCatalogue>,
    words: &Locale,
) -> String {
    let lang = words.lang();
    let mut rows = Vec::new();
    for r in &run.set.rules {
        for t in &r.thresholds {
            let mut parameter = Vec::new();
            if let Some(b) = &t.band {
                parameter.push(format!("band={b}"));
            }
            if let Some(c) = &t.country {
                parameter.push(format!("country={c}"));
            }
            if let Some(y) = t.year {
                parameter.push(format!("year={y}"));
            }
            rows.push(ProvenanceRow {
                kind: "threshold",
                id: r.id.clone(),
                parameter: parameter.join(" "),
                value: num(Some(t.value), 6),
                unit: String::new(),
                source: csv_safe(&t.source),
                status: t.status.as_str().to_string(),
                note: t
                    .note
                    .as_ref()
                    .map(|n| csv_safe(n.get(lang)))
                    .unwrap_or_default(),
            });
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for py in &run.inventory.years {
        for f in &py.factors {
            let name = words.text(&f.factor);
            let key = (name.clone(), f.unit.clone(), f.vintage, f.value.to_bits());
            if !seen.insert(key) {
                continue;
            }
            rows.push(ProvenanceRow {
                kind: "factor",
                id: csv_safe(&name),
                parameter: f.vintage.map(|v| v.to_string()).unwrap_or_default(),
                value: num(Some(f.value), 6),
                unit: f.unit.clone(),
                source: csv_safe(&f.source),
                status: f.status.clone(),
                note: String::new(),
            });
        }
    }
    let mut out = rows_csv(rows);
    if let Some(m) = measures {
        // The measure file's table, under the same header (kind, id, name, parameter ...).
        let extra = crate::report::plan::measures_csv(m, words);
        let mut r = csv::Reader::from_reader(extra.as_bytes());
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        for rec in r.records().flatten() {
            // measures.csv: kind,id,name,parameter,value,unit,source,status,note
            let get = |i: usize| rec.get(i).unwrap_or("").to_string();
            let parameter = [get(2), get(3)]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            let _ = w.write_record([
                get(0),
                get(1),
                parameter,
                get(4),
                get(5),
                get(6),
                get(7),
                get(8),
            ]);
        }
        out.push_str(&String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default());
    }
    out
}

/// One row per enterprise-year, as CSV (a blank is unknown).
pub fn enterprises_csv(rows: &[parkbench_core::pipeline::EnterpriseYear]) -> String {
    use parkbench_core::csv_out::{csv_safe, num};
    #[derive(serde::Serialize, Default)]
    struct Row {
        park_id: String,
        enterprise_id: String,
        name: String,
        year: String,
        energy_tce: String,
        co2_total_t: String,
        co2_per_tce: String,
        energy_share: String,
        co2_share: String,
    }
    parkbench_core::csv_out::rows_csv(rows.iter().map(|r| Row {
        park_id: csv_safe(&r.park_id),
        enterprise_id: csv_safe(&r.enterprise_id),
        name: csv_safe(&r.name),
        year: r.year.to_string(),
        energy_tce: num(r.energy_tce, 4),
        co2_total_t: num(r.co2_total_t, 4),
        co2_per_tce: num(r.co2_per_tce, 4),
        energy_share: num(r.energy_share, 4),
        co2_share: num(r.co2_share, 4),
    }))
}
