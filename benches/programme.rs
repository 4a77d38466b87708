//! Programme scale: how parkbench copes with 100, 1,000 and 10,000 parks x 5 years of monthly
//! data (made by the `synth` example's generator), against polars reading the same files.
//!
//! ```sh
//! cargo bench --bench programme                          # 100, 1,000 and 10,000 parks
//! cargo bench --bench programme -- --parks 100,1000      # or PARKBENCH_BENCH_PARKS=100,1000
//! ```
//!
//! Options: `--parks N,N,..`, `--years Y` (5), `--seed S` (1), `--reps R` (best of 3 below
//! 10,000 parks, 1 from there). Environment: `PARKBENCH_BENCH_PARKS`, `PARKBENCH_BIN` (another
//! parkbench binary; default: the one cargo built for this bench, `target/release/parkbench`).
//!
//! Figures, each with its target:
//! - polars alone: `CsvReadOptions` reading parks.csv and activity.csv into DataFrames;
//! - `score DIR --benchmark cn-zero-carbon-park-2025 --format csv --out FILE`, wall time, and
//!   its ratio to polars (<= 1.5);
//! - the peak resident memory of that score run over the CSV bytes (<= 2);
//! - `report DIR ... --format html`: park pages written per second (>= 50);
//! - Monte Carlo: (`score ... --draws 1000` - score) / score (<= 1), when the binary has `--draws`.
//!
//! Generated data is cached under `target/tmp/synth/` by size, seed and generator version.
//! Run by `cargo test --all-targets` (no `--bench` argument), it only does a smoke run: five parks
//! generated and read with polars, in a second or two.

#[allow(dead_code)]
#[path = "../examples/synth/gen.rs"]
mod generator;

use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const BENCHMARK: &str = "cn-zero-carbon-park-2025";
const DRAWS: &str = "1000";

struct Options {
    parks: Vec<usize>,
    years: usize,
    seed: u64,
    reps: Option<usize>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return smoke();
    }
    let opts = match parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let bin = std::env::var_os("PARKBENCH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_parkbench")));
    let mut results = Vec::new();
    for &n in &opts.parks {
        match measure(&bin, &opts, n) {
            Ok(r) => results.push(r),
            Err(e) => {
                eprintln!("error: {n} parks: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    print!("{}", table(&bin, &opts, &results));
    ExitCode::SUCCESS
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        parks: vec![100, 1000, 10_000],
        years: 5,
        seed: 1,
        reps: None,
    };
    let list = |s: &str| -> Result<Vec<usize>, String> {
        s.split(',')
            .map(|x| {
                x.trim()
                    .replace('_', "")
                    .parse::<usize>()
                    .map_err(|_| format!("--parks: \"{x}\" is not a number"))
            })
            .collect()
    };
    if let Ok(p) = std::env::var("PARKBENCH_BENCH_PARKS") {
        o.parks = list(&p)?;
    }
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        let num = |v: &String| v.parse::<u64>().map_err(|_| format!("{a}: \"{v}\"?"));
        match a.as_str() {
            "--parks" => o.parks = list(value()?)?,
            "--years" => o.years = num(value()?)? as usize,
            "--seed" => o.seed = num(value()?)?,
            "--reps" => o.reps = Some(num(value()?)?.max(1) as usize),
            // cargo's own (`--bench`) and filters are ignored.
            _ => {}
        }
    }
    Ok(o)
}

/// `cargo test --all-targets`: generate five parks, read them with polars, nothing else.
fn smoke() -> ExitCode {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-programme-smoke");
    let cfg = generator::Config {
        parks: 5,
        years: 1,
        monthly: true,
        ..generator::Config::default()
    };
    let summary = match generator::generate(&cfg, &dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: generating the smoke programme: {e}");
            return ExitCode::FAILURE;
        }
    };
    match read_with_polars(&dir) {
        Ok(rows) if rows as u64 == summary.rows + summary.parks as u64 => {
            println!(
                "programme bench smoke run: {} parks, {} rows read with polars (run `cargo bench --bench programme` to measure)",
                summary.parks, rows
            );
            ExitCode::SUCCESS
        }
        Ok(rows) => {
            eprintln!(
                "error: polars read {rows} rows, the generator wrote {}",
                summary.rows + summary.parks as u64
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: polars: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads parks.csv and activity.csv into DataFrames, every column; returns the rows read.
fn read_with_polars(dir: &Path) -> PolarsResult<usize> {
    let parks = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(dir.join("parks.csv")))?
        .finish()?;
    // The value column holds integers and decimals: read it as Float64 whatever the first rows
    // look like; the other columns are inferred.
    let value = Schema::from_iter([Field::new("value".into(), DataType::Float64)]);
    let activity = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema_overwrite(Some(Arc::new(value)))
        .try_into_reader_with_file_path(Some(dir.join("activity.csv")))?
        .finish()?;
    Ok(parks.height() + activity.height())
}

/// One size's figures.
struct Figures {
    parks: usize,
    rows: u64,
    csv_bytes: u64,
    polars_s: f64,
    score_s: f64,
    score_peak_bytes: Option<u64>,
    report_pages: usize,
    report_s: f64,
    /// None: the binary has no `--draws`.
    mc_s: Option<f64>,
}

fn measure(bin: &Path, opts: &Options, parks: usize) -> Result<Figures, String> {
    let reps = opts.reps.unwrap_or(if parks >= 10_000 { 1 } else { 3 });
    let (dir, rows, csv_bytes) = programme(opts, parks)?;
    let work = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("bench-programme")
        .join(format!("{parks}"));
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    eprintln!(
        "== {parks} parks x {} years monthly: {rows} rows, {:.1} MB ({})",
        opts.years,
        csv_bytes as f64 / 1e6,
        dir.display()
    );

    let mut polars_s = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        read_with_polars(&dir).map_err(|e| format!("polars: {e}"))?;
        polars_s = polars_s.min(t.elapsed().as_secs_f64());
    }
    eprintln!("   polars read: {polars_s:.3} s");

    let scores = work.join("scores.csv");
    let score_args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = [
            "score",
            dir.to_str().unwrap_or_default(),
            "--benchmark",
            BENCHMARK,
            "--format",
            "csv",
            "--out",
            scores.to_str().unwrap_or_default(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let mut score_s = f64::INFINITY;
    let mut score_peak_bytes = None;
    for _ in 0..reps {
        let r = run(bin, &score_args(&[]))?;
        if r.code != 0 {
            return Err(format!("score exited {}: {}", r.code, r.stderr));
        }
        score_s = score_s.min(r.secs);
        score_peak_bytes = score_peak_bytes.max(r.peak_bytes);
    }
    eprintln!(
        "   score: {score_s:.3} s, peak {}",
        score_peak_bytes.map_or("unknown".into(), |b| format!("{:.0} MB", b as f64 / 1e6))
    );

    let out = work.join("report");
    let mut report_s = f64::INFINITY;
    let mut report_pages = 0;
    for _ in 0..reps {
        let _ = std::fs::remove_dir_all(&out);
        let args: Vec<String> = [
            "report",
            dir.to_str().unwrap_or_default(),
            "--benchmark",
            BENCHMARK,
            "--out",
            out.to_str().unwrap_or_default(),
            "--format",
            "html",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let r = run(bin, &args)?;
        if r.code != 0 {
            return Err(format!("report exited {}: {}", r.code, r.stderr));
        }
        report_pages = count_html(&out.join("parks"));
        report_s = report_s.min(r.secs);
    }
    eprintln!("   report: {report_pages} pages in {report_s:.3} s");

    let mut mc_s = None;
    for _ in 0..reps {
        let r = run(bin, &score_args(&["--draws", DRAWS]))?;
        match r.code {
            0 => mc_s = Some(mc_s.unwrap_or(f64::INFINITY).min(r.secs)),
            2 => {
                eprintln!(
                    "   Monte Carlo: not available in this build ({})",
                    first_line(&r.stderr)
                );
                break;
            }
            c => return Err(format!("score --draws exited {c}: {}", r.stderr)),
        }
    }
    if let Some(s) = mc_s {
        eprintln!("   score --draws {DRAWS}: {s:.3} s");
    }
    Ok(Figures {
        parks,
        rows,
        csv_bytes,
        polars_s,
        score_s,
        score_peak_bytes,
        report_pages,
        report_s,
        mc_s,
    })
}

/// The generated programme of this size, made once and reused (keyed by size, years, seed and
/// the generator's version). Returns (folder, rows, CSV bytes).
fn programme(opts: &Options, parks: usize) -> Result<(PathBuf, u64, u64), String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("synth")
        .join(format!(
            "v{}-{parks}p-{}y-monthly-s{}",
            generator::VERSION,
            opts.years,
            opts.seed
        ));
    let marker = dir.join("complete.txt");
    if let Ok(text) = std::fs::read_to_string(&marker) {
        let mut it = text
            .split_whitespace()
            .filter_map(|x| x.parse::<u64>().ok());
        if let (Some(rows), Some(bytes)) = (it.next(), it.next()) {
            return Ok((dir, rows, bytes));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let cfg = generator::Config {
        parks,
        years: opts.years,
        monthly: true,
        seed: opts.seed,
        ..generator::Config::default()
    };
    let t = Instant::now();
    let s = generator::generate(&cfg, &dir).map_err(|e| format!("generating: {e}"))?;
    eprintln!(
        "   generated {} in {:.1} s",
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    // Written last: a run stopped half-way leaves no marker and is generated again.
    std::fs::write(&marker, format!("{} {}\n", s.rows, s.bytes)).map_err(|e| e.to_string())?;
    Ok((dir, s.rows, s.bytes))
}

fn count_html(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
                .count()
        })
        .unwrap_or(0)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

struct Run {
    code: i32,
    secs: f64,
    peak_bytes: Option<u64>,
    stderr: String,
}

/// Runs parkbench and measures its wall time and peak resident memory: with `/usr/bin/time`
/// (GNU time, `%M` = maximum RSS in KiB) when present, else by polling `VmHWM` in
/// `/proc/<pid>/status` every 5 ms (the high-water mark only grows, so the last reading before
/// exit is close).
fn run(bin: &Path, args: &[String]) -> Result<Run, String> {
    let gnu_time = Path::new("/usr/bin/time");
    let mem_file = std::env::temp_dir().join(format!("parkbench-bench-{}.mem", std::process::id()));
    let mut cmd = if gnu_time.is_file() {
        let mut c = Command::new(gnu_time);
        c.arg("-f").arg("%M").arg("-o").arg(&mem_file).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("{}: {e}", bin.display()))?;
    let stderr = child.stderr.take();
    // Drain stderr on a thread so a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut e) = stderr {
            let _ = std::io::Read::read_to_string(&mut e, &mut s);
        }
        s
    });
    let mut polled: Option<u64> = None;
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if !gnu_time.is_file()
            && let Some(kb) = vm_hwm_kb(child.id())
        {
            polled = Some(polled.unwrap_or(0).max(kb));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let secs = started.elapsed().as_secs_f64();
    let stderr = reader.join().unwrap_or_default();
    let peak_kb = if gnu_time.is_file() {
        let text = std::fs::read_to_string(&mem_file).unwrap_or_default();
        let _ = std::fs::remove_file(&mem_file);
        // GNU time writes "Command exited with non-zero status N" before the figure.
        text.lines()
            .last()
            .and_then(|l| l.trim().parse::<u64>().ok())
    } else {
        polled
    };
    Ok(Run {
        code: status.code().unwrap_or(-1),
        secs,
        peak_bytes: peak_kb.map(|k| k * 1024),
        stderr,
    })
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// "1.23 pass" / "3.40 miss" against a target that is a maximum (`at_most`) or a minimum.
fn judged(v: f64, target: f64, at_most: bool, decimals: usize) -> String {
    let ok = if at_most { v <= target } else { v >= target };
    format!("{v:.decimals$} {}", if ok { "pass" } else { "miss" })
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, m)| m.trim())
        .to_string();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or("unknown".into(), |k| {
            format!("{:.1} GiB", k / 1024.0 / 1024.0)
        });
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores (nproc), {model}, {mem_gib} memory")
}

fn table(bin: &Path, opts: &Options, results: &[Figures]) -> String {
    let mut s = String::new();
    s.push_str("\n## Programme scale\n\n");
    s.push_str(&format!("Machine: {}.  \n", machine()));
    s.push_str(&format!(
        "Data: `synth` generator v{}, seed {}, {} years, monthly flows; binary `{}`.\n\n",
        generator::VERSION,
        opts.seed,
        opts.years,
        bin.display()
    ));
    s.push_str("| parks | rows | CSV MB | polars read s | score s | score / polars (<= 1.5) | score peak RSS MB | peak RSS / CSV (<= 2) | report pages | report s | pages/s (>= 50) | score --draws 1000 s | Monte Carlo overhead (<= 1) |\n");
    s.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut mc_missing = false;
    for f in results {
        let csv_mb = f.csv_bytes as f64 / 1e6;
        let (peak, peak_ratio) = match f.score_peak_bytes {
            Some(b) => (
                format!("{:.0}", b as f64 / 1e6),
                judged(b as f64 / f.csv_bytes as f64, 2.0, true, 2),
            ),
            None => ("unknown".into(), "unknown".into()),
        };
        let (mc, mc_ratio) = match f.mc_s {
            Some(m) => (
                format!("{m:.2}"),
                judged((m - f.score_s) / f.score_s, 1.0, true, 2),
            ),
            None => {
                mc_missing = true;
                ("n/a".into(), "n/a".into())
            }
        };
        s.push_str(&format!(
            "| {} | {} | {:.1} | {:.3} | {:.3} | {} | {} | {} | {} | {:.2} | {} | {} | {} |\n",
            f.parks,
            f.rows,
            csv_mb,
            f.polars_s,
            f.score_s,
            judged(f.score_s / f.polars_s, 1.5, true, 2),
            peak,
            peak_ratio,
            f.report_pages,
            f.report_s,
            judged(f.report_pages as f64 / f.report_s, 50.0, false, 0),
            mc,
            mc_ratio,
        ));
    }
    if mc_missing {
        s.push_str("\nMonte Carlo: not available in this build.\n");
    }
    s.push_str(
        "\nTimes are wall-clock seconds, best of the repetitions; peak RSS is the largest of them.\n",
    );
    s
}
