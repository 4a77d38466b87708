//! `parkbench template --out DIR [--lang en|zh] [--format csv|xlsx]`: blank data templates.

use clap::Args;
use std::path::PathBuf;

use super::{CliError, ExitStatus};
use parkbench::i18n::Lang;
use parkbench::reference::Vocabulary;
use parkbench::template::{self, TemplateFormat};

/// `--format`: csv or xlsx.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = TemplateFormat> {
    use clap::builder::TypedValueParser;
    let codes = TemplateFormat::ALL.map(TemplateFormat::code);
    clap::builder::PossibleValuesParser::new(codes).map(|c| {
        TemplateFormat::ALL
            .into_iter()
            .find(|f| f.code() == c)
            .unwrap_or(TemplateFormat::Csv)
    })
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Language of the headers, notes and README (both languages load back).
    #[arg(long, value_parser = super::lang_parser(), default_value = "en")]
    pub lang: Lang,
    /// CSV files or one Excel workbook.
    #[arg(long, value_parser = format_parser(), default_value = "csv")]
    pub format: TemplateFormat,
    /// Write into a folder that holds files parkbench did not write.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: TemplateArgs) -> Result<ExitStatus, CliError> {
    parkbench::outfile::claim_dir(&args.out, args.force)?;
    let vocab = Vocabulary::embedded()?;
    let files = template::write(&args.out, &vocab, args.lang, args.format)?;
    parkbench::outfile::record_outputs(&args.out, &files).map_err(|source| CliError::Write {
        path: args.out.clone(),
        source,
    })?;
    for f in &files {
        super::note(format_args!("wrote {}", f.display()));
    }
    Ok(ExitStatus::Success)
}
