//! The national workload (`--national 10,50,100`): one year of the enterprise-level data of
//! about 2,500 development zones x 200 enterprises x 12 months, at the given percentages of the
//! zones, generated messy, written as CSV and as a Parquet tree partitioned by province and
//! year (python-polars' streaming `sink_parquet(pl.PartitionBy(...))`, as a data team exports
//! it). Each is measured once (these are minutes, not seconds):
//!
//! - `inventory TREE --format csv --out FILE` and `score TREE --benchmark ... --format csv`;
//! - `score CSV-DIR ...` on the same rows as CSV;
//! - python-polars' lazy scan of the tree doing the inventory (`scan_parquet` with hive
//!   partitions, the same unit and factor joins as the programme table's script), and its
//!   eager script on the CSV;
//!
//! and the targets: `score` of the tree within 2x the lazy scan's inventory, peak memory under
//! 8 GB, peak within 2x the data's size in memory (its Arrow size, as polars reports it).

use super::{BENCHMARK, Options, best, conversion_table, mb, programme, python, strings};
use std::path::{Path, PathBuf};

/// Zones of the national year and enterprises per zone.
pub const ZONES: usize = 2_500;
pub const FIRMS: usize = 200;
/// The peak memory a national year must fit in, on this machine (bytes).
const PEAK_LIMIT: u64 = 8_000_000_000;

/// python-polars writing the tree: the activity rows joined to their park's province, streamed
/// to one folder per province and year; the programme's other tables (parks, enterprises)
/// copied beside it.
const POLARS_PARTITION: &str = r#"
import sys, polars as pl
src, out = sys.argv[1], sys.argv[2]
parks = pl.read_csv(f"{src}/parks.csv", infer_schema=False).select("park_id", "province")
(
    pl.scan_csv(f"{src}/activity.csv", infer_schema=False)
    .with_columns(pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64, strict=False))
    .join(parks.lazy(), on="park_id", how="left", maintain_order="left")
    .sink_parquet(pl.PartitionBy(f"{out}/activity", key=["province", "year"]), mkdir=True)
)
# Every other table of the programme (parks, enterprises) beside the tree.
import os, shutil
for name in os.listdir(src):
    if name.endswith(".csv") and name not in ("activity.csv", "conversion.csv"):
        shutil.copy(f"{src}/{name}", f"{out}/{name}")
print(pl.scan_parquet(f"{out}/activity/**/*.parquet", hive_partitioning=True).select(pl.len()).collect().item())
"#;

/// The inventory of the programme table's script, lazily over the tree.
fn polars_lazy_inventory() -> String {
    super::polars_inventory(
        r#"act = pl.scan_parquet(f"{d}/activity/**/*.parquet", hive_partitioning=True)
c = pl.scan_csv(conv)"#,
        "inv.collect().write_csv(out)",
    )
}

/// The tree's rows in memory, as python-polars holds them.
const POLARS_SIZE: &str = r#"
import sys, polars as pl
print(pl.scan_parquet(f"{sys.argv[1]}/activity/**/*.parquet", hive_partitioning=True).collect().estimated_size())
"#;

/// One share's figures.
pub struct National {
    share: u32,
    zones: usize,
    rows: u64,
    csv_bytes: u64,
    tree_bytes: u64,
    /// The rows in memory as python-polars holds them (its `estimated_size`).
    arrow_bytes: u64,
    inventory: (f64, Option<u64>),
    score_tree: (f64, Option<u64>),
    score_csv: (f64, Option<u64>),
    polars_lazy: Option<f64>,
    polars_csv: Option<f64>,
}

/// Measures every share; python-polars is required (it writes the tree).
pub fn measure(bin: &Path, opts: &Options, shares: &[u32]) -> Result<Vec<National>, String> {
    let mut out = Vec::new();
    for &share in shares {
        let zones = (ZONES * share as usize).div_ceil(100).max(1);
        let o = Options {
            years: 1,
            enterprises: FIRMS,
            ..opts.clone()
        };
        eprintln!("national {share} %: {zones} zones x {FIRMS} firms, 1 year monthly, messy");
        let (dir, rows, csv_bytes) = programme(&o, zones, true)?;
        let tree = tree_of(&dir)?;
        let tree_bytes = size_of(&tree.join("activity"));
        let conv = dir.join("conversion.csv");
        std::fs::write(&conv, conversion_table()?).map_err(|e| e.to_string())?;
        let out_csv = std::env::temp_dir().join("parkbench-bench-national.csv");
        let (d, t, c, o_) = (
            dir.to_string_lossy().to_string(),
            tree.to_string_lossy().to_string(),
            conv.to_string_lossy().to_string(),
            out_csv.to_string_lossy().to_string(),
        );
        let score = |data: &str| {
            strings(&[
                "score",
                data,
                "--benchmark",
                BENCHMARK,
                "--format",
                "csv",
                "--out",
                &o_,
                "--quiet",
            ])
        };
        let inv = strings(&["inventory", &t, "--format", "csv", "--out", &o_, "--quiet"]);
        // Exit 1: some parks left out by their errors (one in fifty is broken).
        let inventory = best(bin, &inv, 1, &[0, 1]).map(|(s, p, _)| (s, p))?;
        let score_tree = best(bin, &score(&t), 1, &[0, 1]).map(|(s, p, _)| (s, p))?;
        let score_csv = best(bin, &score(&d), 1, &[0, 1]).map(|(s, p, _)| (s, p))?;
        let lazy = python(&polars_lazy_inventory(), &[&t, &c, &o_]).ok();
        let arrow_bytes = python(POLARS_SIZE, &[&t])
            .ok()
            .and_then(|r| r.stdout_last.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let eager = python(&super::polars_inventory_csv(), &[&d, &c, &o_]).ok();
        out.push(National {
            share,
            zones,
            rows,
            csv_bytes,
            tree_bytes,
            arrow_bytes,
            inventory,
            score_tree,
            score_csv,
            polars_lazy: lazy.map(|r| r.secs),
            polars_csv: eager.map(|r| r.secs),
        });
    }
    Ok(out)
}

/// The Parquet tree of a generated folder, written once (cached beside it).
fn tree_of(dir: &Path) -> Result<PathBuf, String> {
    let tree = dir.with_extension("tree");
    let marker = tree.join("complete.txt");
    if marker.is_file() {
        return Ok(tree);
    }
    let _ = std::fs::remove_dir_all(&tree);
    let r = python(
        POLARS_PARTITION,
        &[&dir.to_string_lossy(), &tree.to_string_lossy()],
    )?;
    eprintln!(
        "   wrote {} ({} rows) in {:.1} s",
        tree.display(),
        r.stdout_last,
        r.secs
    );
    std::fs::write(&marker, &r.stdout_last).map_err(|e| e.to_string())?;
    Ok(tree)
}

/// Bytes of the files under a folder.
fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                size_of(&p)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

/// The table of [`measure`]'s figures, each with its target.
pub fn table(results: &[National]) -> String {
    let mut s = String::from("\n## The national year\n\n");
    s.push_str(&format!(
        "{ZONES} zones x {FIRMS} enterprises x 12 months, one year, messy (plausibility warnings, \
         a broken zone in fifty, firms moving in and out), at a share of the zones; one run each. \
         Times in seconds, peaks in MB. polars: python-polars, its start included.\n\n"
    ));
    s.push_str(
        "| share | zones | rows | CSV MB | tree MB | in memory MB | inventory (tree) | score (tree) | score (CSV) | polars lazy inventory (tree) | polars inventory (CSV) | score tree / polars lazy (<= 2) | score peak (<= 8 GB) | peak / in memory (<= 2) |\n",
    );
    s.push_str("|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|\n");
    let f = |(secs, peak): (f64, Option<u64>)| format!("{secs:.1} s, {}", mb(peak));
    for n in results {
        let ratio = n.polars_lazy.map_or("n/a".into(), |p| {
            super::judged(n.score_tree.0 / p, 2.0, true, 2)
        });
        let peak = n.score_tree.1.unwrap_or(0).max(n.score_csv.1.unwrap_or(0));
        let per_arrow = if n.arrow_bytes > 0 {
            super::judged(
                n.score_tree.1.unwrap_or(0) as f64 / n.arrow_bytes as f64,
                2.0,
                true,
                2,
            )
        } else {
            "n/a".into()
        };
        s.push_str(&format!(
            "| {} % | {} | {} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            n.share,
            n.zones,
            n.rows,
            n.csv_bytes as f64 / 1e6,
            n.tree_bytes as f64 / 1e6,
            n.arrow_bytes as f64 / 1e6,
            f(n.inventory),
            f(n.score_tree),
            f(n.score_csv),
            n.polars_lazy.map_or("n/a".into(), |p| format!("{p:.1}")),
            n.polars_csv.map_or("n/a".into(), |p| format!("{p:.1}")),
            ratio,
            super::judged(peak as f64 / 1e6, PEAK_LIMIT as f64 / 1e6, true, 0),
            per_arrow,
        ));
    }
    s
}
