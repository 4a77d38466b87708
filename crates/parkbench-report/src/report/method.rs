//! How the report was made, in plain words: one short paragraph per stage the figures passed
//! through (the data and its checks, the inventory, the rules, the peers, the uncertainty, the
//! plans), each with this run's own facts, and what the report is not. On the park pages, the
//! programme page and both PDFs.

use super::*;
use parkbench_core::benchmark::OutsideBands;

/// (heading, paragraph) for each stage this run went through.
pub(super) fn steps(input: &ReportInput, lang: Lang) -> Vec<(String, String)> {
    let words = parkbench_core::i18n::Locale::get(lang);
    let set = &input.run.set;
    let mut out = Vec::new();
    let report = &input.data.report;
    let years: std::collections::BTreeSet<i32> =
        input.run.inventory.years.iter().map(|y| y.year).collect();
    let span = match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => "—".to_string(),
    };
    out.push((
        words.word("report.method_data_title"),
        words.text(&t!(
            "report.method_data",
            files = input.data.files.len(),
            parks = input.data.parks.len(),
            years = span,
            errors = report.error_count(),
            warnings = report.warning_count()
        )),
    ));
    out.push((
        words.word("report.method_inventory_title"),
        words.text(&t!(
            "report.method_inventory",
            accounting = text::accounting(
                lang,
                &set.accounting,
                input
                    .run
                    .inventory
                    .years
                    .first()
                    .map(|py| py.electricity_tce_per_mwh)
            )
        )),
    ));
    let mut rules = words.text(&t!(
        "report.method_rules",
        set = set.title.get(lang),
        rules = set.rules.len(),
        n = set.rules.iter().filter(|r| r.role == Role::Gate).count()
    ));
    if !set.bands.is_empty() {
        let outside = match set.accounting.outside_bands {
            OutsideBands::Unconfirmed => "report.method_outside_unconfirmed",
            OutsideBands::Nearest => "report.method_outside_nearest",
            OutsideBands::NotApplicable => "report.method_outside_not_applicable",
        };
        rules.push(' ');
        rules.push_str(&words.word(outside));
    }
    out.push((words.word("report.method_rules_title"), rules));
    out.push((
        words.word("report.method_peers_title"),
        text::peer_method(lang, input.programme.peer_config.min_group_size),
    ));
    if let Some((m, cfg)) = &input.programme.mc {
        out.push((
            words.word("report.method_uncertainty_title"),
            text::mc_method(lang, m.draws, m.seed, cfg.borderline_share),
        ));
    }
    if input.pathways.is_some() {
        out.push((
            words.word("report.method_plans_title"),
            words.word("report.method_plans"),
        ));
    }
    if input.matches.is_some() {
        out.push((
            words.word("report.method_technologies_title"),
            words.word("report.method_technologies"),
        ));
    }
    out.push((
        words.word("report.method_limits_title"),
        words.word("report.method_limits"),
    ));
    out
}
