//! Property tests: scoring invariants.

use parkbench::benchmark::Rule;
use parkbench::indicators::Direction;
use parkbench::scoring::points;
use proptest::prelude::*;

fn rule(method: &str, reference: f64) -> Rule {
    let text = format!(
        r#"
id = "r"
indicator = "co2_per_tce"
role = "core"
method = "{method}"
reference = {{ value = {reference}, source = "t", status = "secondary" }}
leading = {{ value = 0.8, source = "t", status = "secondary" }}
[[thresholds]]
value = 0.5
source = "t"
status = "secondary"
[[tiers]]
value = 1.0
points = 40
source = "t"
status = "secondary"
[[tiers]]
value = 0.3
points = 90
source = "t"
status = "secondary"
"#
    );
    toml::from_str(&text).expect("rule parses")
}

proptest! {
    /// Improving an indicator (lower for `lower`, higher for `higher`) never lowers its points.
    #[test]
    fn improving_an_indicator_never_lowers_points(
        a in 0.0f64..5.0,
        b in 0.0f64..5.0,
        method in prop::sample::select(vec!["threshold", "linear", "tiers", "ratio"]),
        higher in any::<bool>(),
    ) {
        let dir = if higher { Direction::Higher } else { Direction::Lower };
        // The reference (0 points) lies on the worse side of the 0.5 target.
        let r = rule(method, if higher { 0.0 } else { 2.1 });
        let (worse, better) = match dir {
            Direction::Lower => (a.max(b), a.min(b)),
            Direction::Higher => (a.min(b), a.max(b)),
        };
        let pw = points(&r, dir, worse, Some(0.5));
        let pb = points(&r, dir, better, Some(0.5));
        // A value and a target always give points: None here would be a scoring defect.
        let (Some(pw), Some(pb)) = (pw, pb) else {
            return Err(TestCaseError::fail(format!(
                "{method} {dir:?}: no points for {worse} ({pw:?}) or {better} ({pb:?})"
            )));
        };
        prop_assert!(pb >= pw, "{method} {dir:?}: {better} -> {pb} < {worse} -> {pw}");
        prop_assert!((0.0..=100.0).contains(&pb));
    }
}

// ---------------------------------------------------------------------------------------------
// Input invariants: units, monthly vs annual rows, row and column order.

use parkbench::reference::Vocabulary;
use std::path::Path;

fn vocab() -> Vocabulary {
    Vocabulary::embedded().expect("shipped vocabulary")
}

/// Every (dimension, unit id) pair of the shipped unit table.
fn unit_pairs() -> Vec<(String, String)> {
    let v = vocab();
    let mut out = Vec::new();
    for m in v.metrics.values() {
        for id in v.units.ids_of(&m.dimension) {
            out.push((m.dimension.clone(), id.to_string()));
        }
    }
    out.sort();
    out.dedup();
    out
}

const PARKS: &str = "park_id,name,country,province,sector\np1,One,CN,jiangsu,chemicals\np2,Two,CN,guangdong,electronics\n";

/// (park, metric, unit, 12 monthly amounts in whole units).
type Flow = (&'static str, &'static str, &'static str, Vec<u32>);

fn flows() -> impl Strategy<Value = Vec<Flow>> {
    let carriers = [
        ("electricity_grid", "MWh"),
        ("electricity_green_purchased", "MWh"),
        ("natural_gas", "万m3"),
        ("diesel", "t"),
        ("heat_purchased", "GJ"),
        ("industrial_value_added", "万元"),
        ("water_fresh", "m3"),
    ];
    let one = (
        prop::sample::select(vec!["p1", "p2"]),
        prop::sample::select(carriers.to_vec()),
        prop::collection::vec(0u32..50_000, 12),
    )
        .prop_map(|(p, (m, u), months)| (p, m, u, months));
    prop::collection::vec(one, 1..10).prop_map(|mut v| {
        // One row per park, metric and year: later duplicates are dropped.
        let mut seen = std::collections::BTreeSet::new();
        v.retain(|(p, m, _, _)| seen.insert((*p, *m)));
        v
    })
}

fn inventory_csv(dir: &Path) -> String {
    let o = crate::parkbench()
        .args(["inventory", dir.to_str().unwrap(), "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn write_dataset(dir: &Path, activity: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("parks.csv"), PARKS).unwrap();
    std::fs::write(dir.join("activity.csv"), activity).unwrap();
}

proptest! {
    /// Converting a value to another unit of its dimension and back gives the value again.
    #[test]
    fn unit_conversions_round_trip(
        pair in prop::sample::select(unit_pairs()),
        other in any::<prop::sample::Index>(),
        value in -1e9f64..1e9,
    ) {
        let v = vocab();
        let (dim, id) = pair;
        let ids = v.units.ids_of(&dim);
        let to_id = ids[other.index(ids.len())];
        let from = v.units.find(&dim, &id).unwrap();
        let to = v.units.find(&dim, to_id).unwrap();
        let there = v.units.convert(value, from, to);
        let back = v.units.convert(there, to, from);
        prop_assert!((back - value).abs() <= 1e-9 * value.abs().max(1.0), "{value} {id} -> {there} {to_id} -> {back}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Twelve monthly rows sum to the same inventory as the annual row they add up to.
    #[test]
    fn monthly_rows_give_the_annual_inventory(flows in flows()) {
        let tmp = tempfile::tempdir().unwrap();
        let mut annual = String::from("park_id,year,metric,value,unit\n");
        let mut monthly = String::from("park_id,year,period,metric,value,unit\n");
        for (p, m, u, months) in &flows {
            let total: u64 = months.iter().map(|&x| u64::from(x)).sum();
            annual.push_str(&format!("{p},2024,{m},{total},{u}\n"));
            for (i, x) in months.iter().enumerate() {
                monthly.push_str(&format!("{p},2024,2024-{:02},{m},{x},{u}\n", i + 1));
            }
        }
        write_dataset(&tmp.path().join("annual"), &annual);
        write_dataset(&tmp.path().join("monthly"), &monthly);
        prop_assert_eq!(
            inventory_csv(&tmp.path().join("annual")),
            inventory_csv(&tmp.path().join("monthly"))
        );
    }

    /// Shuffling the rows and the columns of activity.csv changes nothing.
    #[test]
    fn row_and_column_order_change_nothing(
        flows in flows(),
        row_order in any::<u64>(),
        col_order in Just(()).prop_perturb(|_, mut rng| {
            let mut cols: Vec<usize> = (0..6).collect();
            for i in (1..cols.len()).rev() {
                cols.swap(i, (rng.next_u32() as usize) % (i + 1));
            }
            cols
        }),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let header = ["park_id", "year", "period", "metric", "value", "unit"];
        let mut rows: Vec<[String; 6]> = Vec::new();
        for (p, m, u, months) in &flows {
            for (i, x) in months.iter().enumerate() {
                rows.push([p.to_string(), "2024".into(), format!("2024-{:02}", i + 1), m.to_string(), x.to_string(), u.to_string()]);
            }
        }
        let render = |rows: &[[String; 6]], cols: &[usize]| {
            let mut s = cols.iter().map(|&c| header[c]).collect::<Vec<_>>().join(",");
            s.push('\n');
            for r in rows {
                s.push_str(&cols.iter().map(|&c| r[c].as_str()).collect::<Vec<_>>().join(","));
                s.push('\n');
            }
            s
        };
        write_dataset(&tmp.path().join("a"), &render(&rows, &[0, 1, 2, 3, 4, 5]));
        // A deterministic shuffle of the rows from the drawn seed.
        let mut shuffled = rows.clone();
        let mut state = row_order | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        write_dataset(&tmp.path().join("b"), &render(&shuffled, &col_order));
        prop_assert_eq!(inventory_csv(&tmp.path().join("a")), inventory_csv(&tmp.path().join("b")));
    }
}
