//! Programme tables as CSV: peer statistics, year-on-year changes, Monte Carlo verdicts.
//! Text cells pass through `csv_safe` so a spreadsheet never runs them as formulas.

use crate::outfile::{csv_safe, num};
use crate::pipeline::Programme;

fn finish(w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// `peers.csv`: one row per park, year, measure and peer group.
pub fn peers_csv(ps: &[Programme]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "park_id",
        "year",
        "benchmark",
        "measure",
        "value",
        "better",
        "group_kind",
        "group",
        "n",
        "rank",
        "percentile",
        "q1",
        "median",
        "q3",
        "z",
        "note",
    ]);
    for p in ps {
        for r in &p.peers {
            let note = if r.too_small {
                format!(
                    "group smaller than {}: no statistics",
                    p.peer_config.min_group_size
                )
            } else {
                String::new()
            };
            let _ = w.write_record([
                csv_safe(&r.park_id),
                r.year.to_string(),
                csv_safe(&r.benchmark),
                csv_safe(&r.measure),
                num(Some(r.value), 6),
                if r.higher_is_better {
                    "higher"
                } else {
                    "lower"
                }
                .to_string(),
                r.kind.as_str().to_string(),
                csv_safe(&r.group),
                r.n.to_string(),
                r.rank.map(|x| x.to_string()).unwrap_or_default(),
                num(r.percentile, 4),
                num(r.q1, 6),
                num(r.median, 6),
                num(r.q3, 6),
                num(r.z, 3),
                note,
            ]);
        }
    }
    finish(w)
}

/// `changes.csv`: each park's change between consecutive scored years.
pub fn changes_csv(ps: &[Programme]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "park_id",
        "benchmark",
        "from_year",
        "to_year",
        "from_score",
        "to_score",
        "change",
        "from_level",
        "to_level",
    ]);
    for c in ps.iter().flat_map(|p| &p.changes) {
        let _ = w.write_record([
            csv_safe(&c.park_id),
            csv_safe(&c.benchmark),
            c.from_year.to_string(),
            c.to_year.to_string(),
            num(c.from_score, 2),
            num(c.to_score, 2),
            num(c.delta, 2),
            csv_safe(&c.from_level),
            csv_safe(&c.to_level),
        ]);
    }
    finish(w)
}

/// `uncertainty.csv`: per park, the overall score and each gate/core rule under the draws.
pub fn uncertainty_csv(ps: &[Programme]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "park_id",
        "year",
        "benchmark",
        "measure",
        "role",
        "central",
        "p5",
        "p50",
        "p95",
        "p_meets",
        "p_gates",
        "level",
        "level_shares",
        "borderline",
        "rank",
        "rank_p5",
        "rank_p95",
        "ranked_parks",
        "draws",
        "seed",
    ]);
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
            let _ = w.write_record([
                csv_safe(&u.park_id),
                u.year.to_string(),
                csv_safe(&u.benchmark),
                "overall".into(),
                String::new(),
                num(u.overall_central, 2),
                num(u.overall.map(|i| i.p5), 2),
                num(u.overall.map(|i| i.p50), 2),
                num(u.overall.map(|i| i.p95), 2),
                String::new(),
                num(u.p_gates, 3),
                csv_safe(&u.level_central),
                csv_safe(&shares),
                u.borderline.to_string(),
                u.rank_central.map(|x| x.to_string()).unwrap_or_default(),
                u.rank_p5.map(|x| x.to_string()).unwrap_or_default(),
                u.rank_p95.map(|x| x.to_string()).unwrap_or_default(),
                u.rank_of.to_string(),
                u.draws.to_string(),
                seed.clone(),
            ]);
            for r in &u.rules {
                let _ = w.write_record([
                    csv_safe(&u.park_id),
                    u.year.to_string(),
                    csv_safe(&u.benchmark),
                    csv_safe(&r.rule),
                    r.role.as_str().to_string(),
                    num(r.central, 6),
                    num(r.interval.map(|i| i.p5), 6),
                    num(r.interval.map(|i| i.p50), 6),
                    num(r.interval.map(|i| i.p95), 6),
                    num(r.p_meets, 3),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    u.draws.to_string(),
                    seed.clone(),
                ]);
            }
        }
    }
    finish(w)
}
