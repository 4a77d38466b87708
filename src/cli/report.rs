//! `parkbench report DATA --benchmark ID --out DIR`: park pages, the programme page, scores
//! and charts.

use clap::Args;
use std::path::PathBuf;

use super::score::{McArgs, SetArgs};
use super::{CliError, DataArgs, ExitStatus};
use chrono::NaiveDate;
use parkbench::identification::{self, Issue};
use parkbench::report::{self, ReportInput, ReportOptions};

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub mc: McArgs,
    #[command(flatten)]
    pub pathways: super::plan::PathwayArgs,
    /// Leave out the pathway sections (plans of measures, costs and their charts).
    #[arg(long)]
    pub no_pathways: bool,
    /// A technology catalogue (CSV): each park page lists its needs and the technologies that
    /// serve them, the programme page the technologies for the programme.
    #[arg(long, value_name = "FILE")]
    pub technologies: Option<PathBuf>,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Files to write, comma-separated: html, md, json, csv, xlsx (scores.xlsx), pdf (a PDF per
    /// park and one for the programme); xlsx and pdf are not written by default.
    #[arg(long, value_delimiter = ',', default_value = "html,md,json,csv")]
    pub format: Vec<String>,
    /// Also write PNG charts (for slides).
    #[arg(long)]
    pub png: bool,
    /// Print this time stamp in the footers (by default there is none, so runs are identical).
    #[arg(long, value_name = "TEXT")]
    pub timestamp: Option<String>,
    /// Write into a folder that holds files parkbench did not write.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub issue: IssueArgs,
}

/// The identification block's client, preparer and issue date: options, over a `report.toml`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// Who the report is for (shown as not given when neither this nor report.toml says).
    #[arg(long, value_name = "TEXT")]
    pub client: Option<String>,
    /// Who prepared the report.
    #[arg(long, value_name = "TEXT")]
    pub preparer: Option<String>,
    /// The issue date, YYYY-MM-DD (default: report.toml's, else today).
    #[arg(long, value_name = "DATE", value_parser = identification::parse_date)]
    pub issue_date: Option<NaiveDate>,
    /// A report.toml with client, preparer and issue_date (default: report.toml in the first
    /// DATA folder that has one).
    #[arg(long, value_name = "FILE")]
    pub report_config: Option<PathBuf>,
}

/// The name of the file in a data folder that identifies its reports.
const REPORT_TOML: &str = "report.toml";

impl IssueArgs {
    /// The issue: these options, over the report.toml given or found in a data folder, with
    /// today's date when neither gives one.
    pub fn issue(&self, data: &DataArgs) -> Result<Issue, CliError> {
        let flags = Issue {
            client: self.client.as_deref().and_then(identification::given),
            preparer: self.preparer.as_deref().and_then(identification::given),
            issue_date: self.issue_date,
        };
        let found = || {
            data.data
                .iter()
                .chain(&data.more_data)
                .map(|d| d.join(REPORT_TOML))
                .find(|f| f.is_file())
        };
        let file = match self.report_config.clone().or_else(found) {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
                Issue::from_toml(&path.display().to_string(), &text)
                    .map_err(|e| CliError::Usage(e.to_string()))?
            }
            None => Issue::default(),
        };
        let mut issue = flags.over(file);
        issue.issue_date = issue
            .issue_date
            .or_else(|| Some(chrono::Local::now().date_naive()));
        Ok(issue)
    }
}

pub fn run(args: ReportArgs) -> Result<ExitStatus, CliError> {
    for f in &args.format {
        if !["html", "md", "json", "csv", "xlsx", "pdf"].contains(&f.as_str()) {
            return Err(CliError::Usage(format!(
                "--format {f}: expected html, md, json, csv, xlsx or pdf"
            )));
        }
    }
    let mc = args.mc.options(1000)?;
    let spinner = super::spinner("reading, checking and scoring the data");
    parkbench::outfile::claim_dir(&args.out, args.force)?;
    let pathways = (!args.no_pathways).then_some(&args.pathways);
    if args.technologies.is_some() && args.no_pathways {
        return Err(CliError::Usage(
            "--technologies needs the pathways: leave out --no-pathways".into(),
        ));
    }
    let wants = super::job::Wants {
        sets: Some(&args.sets),
        programme: true,
        mc,
        pathways,
        technologies: args.technologies.as_deref(),
        issue: args.issue.issue(&args.data)?,
        read: None,
    };
    let l = super::job::Job::build(&args.data, wants)?;
    let outcome = l.run()?;
    let runs = &outcome.runs;
    spinner.finish_and_clear();
    let pages: usize = runs.iter().map(|r| r.scores.len()).sum();
    let bar = super::bar(pages as u64, "writing park pages");
    let tick = bar.clone();
    let opts = ReportOptions {
        lang: args.data.lang,
        html: args.format.iter().any(|f| f == "html"),
        markdown: args.format.iter().any(|f| f == "md"),
        json: args.format.iter().any(|f| f == "json"),
        csv: args.format.iter().any(|f| f == "csv"),
        xlsx: args.format.iter().any(|f| f == "xlsx"),
        pdf: args.format.iter().any(|f| f == "pdf"),
        png: args.png,
        timestamp: args.timestamp.clone(),
        progress: Some(report::Progress(std::sync::Arc::new(move || tick.inc(1)))),
    };
    // Several sets: each its own report in a folder named by the set, and a comparison page
    // with every set side by side on top; one set: the report in DIR itself.
    let comparison = (runs.len() > 1).then(|| report::Comparison::new(runs));
    let mut files = Vec::new();
    let mut parks = 0;
    for (i, run) in runs.iter().enumerate() {
        let input = ReportInput::of(
            &l.reference,
            &l.data,
            &l.request,
            &outcome,
            i,
            comparison.as_ref(),
        );
        let (dir, prefix) = if comparison.is_some() {
            (args.out.join(&run.set.id), format!("{}/", run.set.id))
        } else {
            (args.out.clone(), String::new())
        };
        let written = report::write(&report::Folder(&dir), &input, &opts)?;
        files.extend(written.files.iter().map(|f| format!("{prefix}{f}")));
        parks = parks.max(written.parks);
    }
    if let Some(c) = &comparison {
        let html = report::comparison_page(
            c,
            &outcome.identifications,
            args.data.lang,
            args.timestamp.as_deref(),
        )?;
        super::write_atomic(&args.out.join("index.html"), html.as_bytes())?;
        files.push("index.html".into());
    }
    parkbench::outfile::record_outputs(&args.out, &files).map_err(|source| CliError::Write {
        path: args.out.clone(),
        source,
    })?;
    bar.finish_and_clear();
    super::note(format_args!(
        "wrote {} files for {} parks and {} {} to {}",
        files.len(),
        parks,
        runs.len(),
        if runs.len() == 1 { "set" } else { "sets" },
        args.out.display()
    ));
    Ok(super::report_failures(&l.data, args.data.lang))
}
