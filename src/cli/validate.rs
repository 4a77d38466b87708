//! `parkbench validate DATA`: every problem, errors then warnings, and a summary line.

use clap::Args;

use super::{CliError, DataArgs, ExitStatus};
use crate::diag::{Diagnostic, Severity};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: ValidateArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading and checking the data");
    let l = args.data.load()?;
    let mut report = l.data.report.clone();
    // Plausibility needs the inventory; it only adds warnings.
    let inv = l.inventory(args.data.fuel_factors)?;
    spinner.finish_and_clear();
    report.extend(inv.warnings);
    report.sort();
    print!("{}", render(&report.diagnostics));
    for (origin, n) in &l.data.title_rows {
        println!(
            "{origin}: skipped {n} title row{} above the header",
            plural(*n)
        );
    }
    let rows: usize = l.data.row_counts.iter().sum();
    println!(
        "{} error{}, {} warning{} in {} file{} ({} parks, {} data rows)",
        report.error_count(),
        plural(report.error_count()),
        report.warning_count(),
        plural(report.warning_count()),
        l.data.files.len(),
        plural(l.data.files.len()),
        l.data.parks.len(),
        rows
    );
    Ok(if report.has_errors() {
        ExitStatus::DataProblems
    } else {
        ExitStatus::Success
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `error: file:line:col: ...` lines (errors first), each with its hint.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let tag = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{tag}: {d}\n"));
    }
    out
}
