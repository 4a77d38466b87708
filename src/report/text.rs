//! Words of the reports in English and Chinese, and the sentences built from scores.

use std::collections::BTreeMap;

use crate::benchmark::{Accounting, Role};
use crate::factors::{ElectricityBasis, GridVariant};
use crate::indicators::Lang;
use crate::scoring::{GateState, RuleResult, Score};

/// The labels of a language.
/// The report's labels (the `report` section of the locale files), by key.
pub fn labels(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    crate::i18n::Locale::get(lang).section("report")
}

pub fn role(lang: Lang, r: Role) -> &'static str {
    match (lang, r) {
        (Lang::En, r) => r.as_str(),
        (Lang::Zh, Role::Gate) => "门槛",
        (Lang::Zh, Role::Core) => "核心",
        (Lang::Zh, Role::Guiding) => "引导",
        (Lang::Zh, Role::Optional) => "可选",
    }
}

/// One line a director can read: level, score, gate, coverage.
pub fn headline(lang: Lang, s: &Score, gate: Option<&RuleResult>) -> String {
    let score = s
        .overall
        .score
        .map_or("—".to_string(), |v| format!("{v:.0}"));
    let cov = format!("{:.0} %", s.overall.coverage * 100.0);
    let gate_text = match (s.gate, gate, lang) {
        (GateState::None, _, Lang::En) => "no gate".to_string(),
        (GateState::None, _, Lang::Zh) => "无门槛指标".to_string(),
        (g, Some(r), Lang::En) => format!(
            "gate {} {}",
            r.name_en,
            match g {
                GateState::Passed => "met",
                GateState::Failed => "not met",
                _ => "not assessable",
            }
        ),
        (g, Some(r), Lang::Zh) => format!(
            "门槛指标{}{}",
            r.name_zh,
            match g {
                GateState::Passed => "达标",
                GateState::Failed => "未达标",
                _ => "无法评估",
            }
        ),
        (_, None, _) => String::new(),
    };
    let level = crate::i18n::Locale::get(lang).text(&s.level_name);
    match lang {
        Lang::En => {
            format!("{level} · score {score}/100 · {gate_text} · {cov} of the benchmark assessed")
        }
        Lang::Zh => format!("{level} · 得分 {score}/100 · {gate_text} · 评估覆盖 {cov}"),
    }
}

pub fn footer(lang: Lang, timestamp: Option<&str>) -> String {
    let base = match lang {
        Lang::En => format!("Made with parkbench {}.", env!("CARGO_PKG_VERSION")),
        Lang::Zh => format!("由 parkbench {} 生成。", env!("CARGO_PKG_VERSION")),
    };
    match timestamp {
        Some(t) => format!("{base} {t}"),
        None => base,
    }
}

pub fn programme_summary(lang: Lang, scored: usize, failed: usize) -> String {
    match lang {
        Lang::En => format!("{scored} parks scored, {failed} left out because of data errors"),
        Lang::Zh => format!("已评价 {scored} 个园区，{failed} 个因数据错误未纳入"),
    }
}

pub fn accounting(lang: Lang, a: &Accounting) -> String {
    let basis = match (a.electricity_tce_basis, lang) {
        (ElectricityBasis::Equivalent, Lang::En) => {
            "electricity at the equivalent value (0.1229 kgce/kWh)"
        }
        (ElectricityBasis::Generation, Lang::En) => {
            "electricity at the generation (coal-rate) value"
        }
        (ElectricityBasis::Equivalent, Lang::Zh) => "电力按当量值（0.1229 kgce/kWh）折标",
        (ElectricityBasis::Generation, Lang::Zh) => "电力按等价值（发电煤耗）折标",
    };
    let grid = match (a.grid_factor_variant, lang) {
        (GridVariant::Average, Lang::En) => "grid factor: published average",
        (GridVariant::ExclMarketNonfossil, Lang::En) => {
            "grid factor: national, excluding market-traded non-fossil power"
        }
        (GridVariant::Average, Lang::Zh) => "电网因子：平均值",
        (GridVariant::ExclMarketNonfossil, Lang::Zh) => {
            "电网因子：全国（不含市场化交易非化石电量）"
        }
    };
    let gas = match (a.natural_gas_clean, lang) {
        (true, Lang::En) => "natural gas counts as clean energy",
        (false, Lang::En) => "natural gas does not count as clean energy",
        (true, Lang::Zh) => "天然气计入清洁能源",
        (false, Lang::Zh) => "天然气不计入清洁能源",
    };
    let process = match (a.include_process_co2, lang) {
        (true, Lang::En) => "industrial process CO2 included",
        (false, Lang::En) => "industrial process CO2 excluded",
        (true, Lang::Zh) => "包含工业过程排放",
        (false, Lang::Zh) => "不含工业过程排放",
    };
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    [basis, grid, gas, process].join(sep)
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
    match lang {
        Lang::En => format!(
            "Percentile: the share of the group's other parks with a lower value (Excel PERCENTRANK.INC, the inverse of PERCENTILE.INC); quartiles and medians: Excel PERCENTILE.INC. Rank: 1 = best, ties share the best place. Peer groups: all parks of the programme scored for the year, the same sector, province and size band; a group of fewer than {min_group} parks gets no statistics."
        ),
        Lang::Zh => format!(
            "百分位：组内数值低于本园区的其他园区所占比例（Excel PERCENTRANK.INC，即 PERCENTILE.INC 的反函数）；四分位数与中位数按 Excel PERCENTILE.INC 计算。排名：1 为最好，并列取最好名次。比较组：同年度全部园区、同行业、同省份、同规模；少于 {min_group} 个园区的组不作统计。"
        ),
    }
}

/// How the Monte Carlo works, for the reader.
pub fn mc_method(lang: Lang, draws: usize, seed: u64) -> String {
    match lang {
        Lang::En => format!(
            "{draws} Monte Carlo draws (seed {seed}): each draw multiplies every emission factor and every reported quantity by a random factor within its 95 % range (below), recomputes the inventory, the indicators and every rule, and keeps the score, the gate and the level. Factor errors are shared by all parks using the factor; data errors are drawn per park, year and metric, wider for estimated rows. A park is borderline when more than 5 % of the draws reach another level than the central result."
        ),
        Lang::Zh => format!(
            "蒙特卡洛模拟 {draws} 次（随机种子 {seed}）：每次模拟将各排放因子和各项填报数量在其 95% 范围内（见下表）随机放大或缩小，重新计算清单、指标和全部评价规则，记录得分、门槛和等级。因子误差对使用同一因子的所有园区相同；数据误差按园区、年份和指标分别抽取，估算数据的范围更宽。若超过 5% 的模拟结果与中心结果的等级不同，则标记为“临界”。"
        ),
    }
}

/// The sentence of a borderline park.
pub fn borderline(lang: Lang, share_other: f64, draws: usize, level: &str, other: &str) -> String {
    let pct = format!("{:.0} %", share_other * 100.0);
    match lang {
        Lang::En => format!(
            "Borderline: in {pct} of {draws} draws the park reaches another level than \"{level}\" (most often \"{other}\"). Within the uncertainty of factors and data the verdict can change."
        ),
        Lang::Zh => format!(
            "临界：{draws} 次模拟中有 {pct} 的结果等级不是“{level}”（最常见为“{other}”），在因子和数据的不确定性范围内结论可能改变。"
        ),
    }
}
