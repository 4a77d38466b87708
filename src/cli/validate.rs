//! `parkbench validate DATA`: every problem, errors then warnings, and a summary line.

use clap::Args;

use super::{CliError, DataArgs, ExitStatus};
use parkbench::diag::{Report, Severity, kind};
use parkbench::i18n::{Lang, Locale};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub read: super::ReadArgs,
}

pub fn run(args: ValidateArgs) -> Result<ExitStatus, CliError> {
    let spinner = super::spinner("reading and checking the data");
    let l = args.data.load_only(&args.read)?;
    let mut report = l.data.report.clone();
    // Plausibility needs the inventory; it only adds warnings.
    let inv = l.inventory(args.data.fuel_factors, None)?;
    spinner.finish_and_clear();
    report.extend(inv.warnings);
    report.sort();
    let lang = args.data.lang;
    let words = Locale::get(lang);
    let mut out = render(&report, lang);
    for (origin, n) in &l.data.title_rows {
        out += &format!(
            "{origin}: {}\n",
            words.text(&t!("cli.title_rows_skipped", n = *n))
        );
    }
    for n in &l.data.notices {
        out += &n.render(lang);
        out.push('\n');
    }
    let rows: usize = l.data.row_counts.iter().sum();
    out += &words.text(&t!(
        "cli.validate_summary",
        errors = report.error_count(),
        warnings = report.warning_count(),
        files = l.data.files.len(),
        parks = l.data.parks.len(),
        rows = rows
    ));
    out.push('\n');
    super::output::emit(None, &out)?;
    Ok(if report.has_errors() {
        ExitStatus::DataProblems
    } else {
        ExitStatus::Success
    })
}

/// `error: file:line:col: ...` lines (errors first), each with its hint, in `lang`; after the
/// problems of each severity, how many more of each kind were counted but not kept.
pub fn render(report: &Report, lang: Lang) -> String {
    let words = Locale::get(lang);
    let (error, warning) = (words.word("cli.error"), words.word("cli.warning"));
    let tag = |s: Severity| match s {
        Severity::Error => &error,
        Severity::Warning => &warning,
    };
    let omitted = report.omitted();
    let mut out = String::new();
    for severity in [Severity::Error, Severity::Warning] {
        for d in report.diagnostics.iter().filter(|d| d.severity == severity) {
            out.push_str(tag(severity));
            out.push_str(": ");
            out.push_str(&d.render(lang));
            out.push('\n');
        }
        for o in omitted.iter().filter(|o| o.severity == severity) {
            let example = report
                .diagnostics
                .iter()
                .find(|d| d.severity == severity && kind(d) == o.kind);
            let line = match example {
                Some(d) if !o.kind.is_empty() => words.text(&t!(
                    "cli.omitted_kind",
                    n = o.count,
                    example = words.text(&d.message)
                )),
                _ => words.text(&t!("cli.omitted_other", n = o.count)),
            };
            out.push_str(tag(severity));
            out.push_str(": ");
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
