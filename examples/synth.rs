//! Generates a realistic synthetic programme of parks (see `synth/gen.rs` for what it draws).
//!
//! ```sh
//! cargo run --release --example synth -- --parks 1000 --years 5 --monthly --out /tmp/prog
//! cargo run --release --example synth -- --parks 50 --years 3 --broken 5 --layout per-park --out /tmp/batch
//! ```
//!
//! Same options and seed, same bytes. Prints what it wrote on standard error.

use parkbench_synth as generator;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: synth --parks N --years Y [--monthly] [--broken K] [--messy SHARE] [--seed S] \
[--first-year 2020] [--layout single|per-park] [--enterprises N] --out DIR";

fn parse(args: &[String]) -> Result<(generator::Config, PathBuf), String> {
    let mut cfg = generator::Config::default();
    let mut out = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name}: \"{v}\" is not a whole number"))
        };
        match a.as_str() {
            "--parks" => cfg.parks = number(a, value(a)?)? as usize,
            "--years" => cfg.years = number(a, value(a)?)? as usize,
            "--broken" => cfg.broken = number(a, value(a)?)? as usize,
            "--messy" => {
                let v = value(a)?;
                cfg.messy = v
                    .parse::<f64>()
                    .ok()
                    .filter(|x| (0.0..=1.0).contains(x))
                    .ok_or_else(|| format!("--messy: \"{v}\" is not a share between 0 and 1"))?;
            }
            "--seed" => cfg.seed = number(a, value(a)?)?,
            "--enterprises" => cfg.enterprises = number(a, value(a)?)? as usize,
            "--first-year" => cfg.first_year = number(a, value(a)?)? as i32,
            "--monthly" => cfg.monthly = true,
            "--layout" => {
                cfg.layout = match value(a)?.as_str() {
                    "single" => generator::Layout::Single,
                    "per-park" => generator::Layout::PerPark,
                    other => {
                        return Err(format!("--layout: \"{other}\" is not single or per-park"));
                    }
                }
            }
            "--out" => out = Some(PathBuf::from(value(a)?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option \"{other}\"")),
        }
    }
    if !(1990..=2100).contains(&cfg.first_year) || cfg.first_year + cfg.years as i32 - 1 > 2100 {
        return Err("--first-year and --years must stay within 1990-2100".into());
    }
    let out = out.ok_or("--out DIR is required")?;
    Ok((cfg, out))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (cfg, out) = match parse(&args) {
        Ok(x) => x,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    match generator::generate(&cfg, &out) {
        Ok(s) => {
            eprintln!(
                "{} parks, {} activity rows, {:.1} MB in {} ({:.1} s)",
                s.parks,
                s.rows,
                s.bytes as f64 / 1e6,
                out.display(),
                started.elapsed().as_secs_f64()
            );
            for (id, defect) in &s.broken {
                eprintln!("broken: {id} ({})", defect.as_str());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
