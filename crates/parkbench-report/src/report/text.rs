//! The sentences of the reports built from scores, worded from the locale files
//! (`locales/*.toml`, section `report`): no language branches here.

use std::collections::BTreeMap;

use parkbench_core::benchmark::{Accounting, Role};
use parkbench_core::factors::{ElectricityBasis, GridVariant};
use parkbench_core::i18n::Lang;
use parkbench_core::i18n::{Locale, Text};
use parkbench_core::scoring::{GateState, RuleResult, Score};

/// The report's labels (the `report` section of the locale files), by key.
pub fn labels(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    Locale::get(lang).section("report")
}

pub fn role(lang: Lang, r: Role) -> String {
    let key = match r {
        Role::Gate => "report.role_gate",
        Role::Core => "report.role_core",
        Role::Guiding => "report.role_guiding",
        Role::Optional => "report.role_optional",
    };
    Locale::get(lang).word(key)
}

pub fn headline(lang: Lang, s: &Score, gate: Option<&RuleResult>) -> String {
    let words = Locale::get(lang);
    let score = s
        .overall
        .score
        .map_or("—".to_string(), |v| format!("{v:.0}"));
    let cov = format!("{:.0} %", s.overall.coverage * 100.0);
    let gate_text = match (s.gate, gate) {
        (GateState::None, _) => t!("report.headline_no_gate"),
        (g, Some(r)) => Text::new(match g {
            GateState::Passed => "report.headline_gate_met",
            GateState::Failed => "report.headline_gate_not_met",
            GateState::ToVerify => "report.headline_gate_to_verify",
            GateState::TierUnconfirmed => "report.headline_gate_unconfirmed",
            _ => "report.headline_gate_not_assessable",
        })
        .arg("gate", Text::both(&*r.name_en, &*r.name_zh)),
        (_, None) => Text::verbatim(""),
    };
    words.text(&t!(
        "report.headline",
        level = s.level_name.clone(),
        score = score,
        gate = gate_text,
        coverage = cov
    ))
}

pub fn footer(lang: Lang, timestamp: Option<&str>) -> String {
    let base = Locale::get(lang).text(&t!("report.footer", version = env!("CARGO_PKG_VERSION")));
    match timestamp {
        Some(t) => format!("{base} {t}"),
        None => base,
    }
}

pub fn programme_summary(lang: Lang, scored: usize, failed: usize) -> String {
    Locale::get(lang).text(&t!(
        "report.programme_summary",
        scored = scored,
        failed = failed
    ))
}

/// The set's accounting in words; `electricity` is the electricity factor the inventory used
/// (kgce/kWh), from the factor tables.
pub fn accounting(lang: Lang, a: &Accounting, electricity: Option<f64>) -> String {
    let words = Locale::get(lang);
    let basis = match (a.electricity_tce_basis, electricity) {
        (ElectricityBasis::Equivalent, Some(f)) => {
            words.text(&t!("report.accounting_equivalent_value", value = f))
        }
        (ElectricityBasis::Equivalent, None) => words.word("report.accounting_equivalent"),
        (ElectricityBasis::Generation, Some(f)) => {
            words.text(&t!("report.accounting_generation_value", value = f))
        }
        (ElectricityBasis::Generation, None) => words.word("report.accounting_generation"),
    };
    let grid = match a.grid_factor_variant {
        GridVariant::Average => "report.accounting_grid_average",
        GridVariant::ExclMarketNonfossil => "report.accounting_grid_excl_market",
        GridVariant::FossilOnly => "report.accounting_grid_fossil_only",
    };
    let green = if a.green_at_zero.is_empty() {
        words.word("report.accounting_green_zero_none")
    } else {
        let classes: Vec<String> = a
            .green_at_zero
            .iter()
            .map(|c| words.word(c.word()))
            .collect();
        words.text(&t!(
            "report.accounting_green_zero",
            classes = classes.join(&words.word("report.list_separator_short"))
        ))
    };
    let gas = if a.natural_gas_clean {
        "report.accounting_gas_clean"
    } else {
        "report.accounting_gas_not_clean"
    };
    let process = if a.include_process_co2 {
        "report.accounting_process_included"
    } else {
        "report.accounting_process_excluded"
    };
    [
        basis,
        words.word(grid),
        green,
        words.word(gas),
        words.word(process),
    ]
    .join(&words.word("report.list_separator"))
}

/// Escapes text for Markdown tables: pipes, angle brackets, line breaks.
pub fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

/// How the peer statistics are defined, for the reader.
pub fn peer_method(lang: Lang, min_group: usize) -> String {
    Locale::get(lang).text(&t!("report.peer_method", min_group = min_group))
}

/// How the Monte Carlo works, for the reader.
pub fn mc_method(lang: Lang, draws: usize, seed: u64, borderline_share: f64) -> String {
    Locale::get(lang).text(&t!(
        "report.mc_method",
        draws = draws,
        seed = seed,
        borderline = format!("{:.0}", borderline_share * 100.0)
    ))
}

/// The sentence of a borderline park.
pub fn borderline(lang: Lang, share_other: f64, draws: usize, level: &str, other: &str) -> String {
    Locale::get(lang).text(&t!(
        "report.borderline_sentence",
        share = format!("{:.0} %", share_other * 100.0),
        draws = draws,
        level = level,
        other = other
    ))
}
