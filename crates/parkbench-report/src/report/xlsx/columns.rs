//! What each column of the workbook's tables holds, and so how its cells are shown: a number
//! format for every number (shares as percentages, tonnes and tce with thousands separators,
//! scores with one decimal, years and counts as integers, a value in its row's unit), the words
//! of the locale files for ids (statuses, roles, levels), or the text as written. Formats are
//! Excel's; the cell keeps the full number.

/// A share (`0.124269` shown `12.4%`).
pub(super) const PERCENT: &str = "0.0%";
/// Tonnes, tce, MWh, GJ, cubic metres, yuan: whole units with thousands separators.
pub(super) const QUANTITY: &str = "#,##0";
/// A score or points out of 100.
pub(super) const SCORE: &str = "0.0";
/// Years, ranks, counts, line numbers: no separator (a year is not 2,024).
pub(super) const INTEGER: &str = "0";
/// A z-score.
pub(super) const RATIO: &str = "0.00";
/// CO2 per unit energy (tCO2/tce).
pub(super) const INTENSITY: &str = "0.000";

/// Formats of a value whose unit says nothing about its size, by the size (the first whose
/// bound the value's magnitude reaches): about four significant digits.
const BY_MAGNITUDE: [(f64, &str); 4] = [
    (1000.0, "#,##0"),
    (10.0, "#,##0.0"),
    (0.1, "0.000"),
    (0.0, "0.0000"),
];

/// Units whose values are shares (fractions of one).
const SHARE_UNITS: [&str; 3] = ["share", "fraction", "rate"];
/// Units counted in whole amounts.
const QUANTITY_UNITS: [&str; 10] = [
    "t", "tce", "tCO2", "MWh", "kWh", "GJ", "m3", "CNY", "万元", "tCO2/yr",
];
/// The unit of scores and points.
pub(super) const POINTS: &str = "points";

/// How a column's cells are shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Text as written; a cell that is a plain number is written as a number.
    Auto,
    /// Text as written, even when it looks like a number (a value as an operator wrote it).
    Text,
    /// A number in a fixed format.
    Number(&'static str),
    /// A value in a unit: the row's `unit_column`, else the unit of the row's measure, else by
    /// its size.
    Measured(&'static str),
    /// An id worded by the locale files: the key is a section below followed by the id.
    Worded(&'static [&'static str]),
    /// A level id, worded by the set's own labels.
    Level,
    /// Levels with their shares of the draws (`ready:0.8 progressing:0.2`): each level worded by
    /// the set's labels, each share as a percentage.
    LevelShares,
    /// A peer group's id, worded by its row's `group_kind` (a band's label, a province's name).
    PeerGroup,
    /// A peer row's note code (`too_small_5`), worded.
    PeerNote,
    /// A province id, as the park's own data names it.
    Province,
    /// Technology field ids, space-separated, named in the report's language.
    Fields,
}

/// Columns by name, the same in every table.
const BY_NAME: &[(&str, Kind)] = &[
    ("year", Kind::Number(INTEGER)),
    ("from_year", Kind::Number(INTEGER)),
    ("to_year", Kind::Number(INTEGER)),
    ("order", Kind::Number(INTEGER)),
    ("n", Kind::Number(INTEGER)),
    ("rank", Kind::Number(INTEGER)),
    ("rank_p5", Kind::Number(INTEGER)),
    ("rank_p95", Kind::Number(INTEGER)),
    ("ranked_parks", Kind::Number(INTEGER)),
    ("draws", Kind::Number(QUANTITY)),
    ("seed", Kind::Number(INTEGER)),
    ("line", Kind::Number(INTEGER)),
    ("column", Kind::Number(INTEGER)),
    ("coverage", Kind::Number(PERCENT)),
    ("percentile", Kind::Number(PERCENT)),
    ("p_meets", Kind::Number(PERCENT)),
    ("p_gates", Kind::Number(PERCENT)),
    ("share_of_max", Kind::Number(PERCENT)),
    ("points", Kind::Number(SCORE)),
    ("from_score", Kind::Number(SCORE)),
    ("to_score", Kind::Number(SCORE)),
    ("change", Kind::Number(SCORE)),
    ("z", Kind::Number(RATIO)),
    ("co2_per_tce", Kind::Number(INTENSITY)),
    ("energy_tce", Kind::Number(QUANTITY)),
    ("co2_total_t", Kind::Number(QUANTITY)),
    ("energy_share", Kind::Number(PERCENT)),
    ("co2_share", Kind::Number(PERCENT)),
    // A credit code of digits only is still a code, not a number.
    ("enterprise_id", Kind::Text),
    ("abatement_tco2", Kind::Number(QUANTITY)),
    ("co2_after_tco2", Kind::Number(QUANTITY)),
    ("capex_cny", Kind::Number(QUANTITY)),
    ("annual_cost_cny", Kind::Number(QUANTITY)),
    ("cost_per_tco2", Kind::Number(QUANTITY)),
    ("co2_t", Kind::Number(QUANTITY)),
    ("mwh", Kind::Number(QUANTITY)),
    ("gj", Kind::Number(QUANTITY)),
    ("t", Kind::Number(QUANTITY)),
    ("m3", Kind::Number(QUANTITY)),
    ("value", Kind::Measured("unit")),
    ("threshold", Kind::Measured("unit")),
    ("target", Kind::Measured("unit")),
    ("central", Kind::Measured("unit")),
    ("p5", Kind::Measured("unit")),
    ("p50", Kind::Measured("unit")),
    ("p95", Kind::Measured("unit")),
    ("q1", Kind::Measured("unit")),
    ("median", Kind::Measured("unit")),
    ("q3", Kind::Measured("unit")),
    ("size", Kind::Measured("size_unit")),
    ("amount", Kind::Measured("amount_unit")),
    (
        "status",
        Kind::Worded(&["scoring.status.", "status.", "xlsx.value.gate."]),
    ),
    ("source_status", Kind::Worded(&["status."])),
    ("gate_after", Kind::Worded(&["xlsx.value.gate."])),
    ("role", Kind::Worded(&["xlsx.value.role."])),
    ("better", Kind::Worded(&["xlsx.value.better."])),
    ("group_kind", Kind::Worded(&["xlsx.value.group_kind."])),
    ("borderline", Kind::Worded(&["xlsx.value.yes_no."])),
    ("gap_left", Kind::Worded(&["xlsx.value.yes_no."])),
    ("section", Kind::Worded(&["xlsx.value.section."])),
    ("kind", Kind::Worded(&["xlsx.value.kind."])),
    ("unit", Kind::Worded(&["xlsx.value.unit."])),
    ("size_unit", Kind::Worded(&["xlsx.value.unit."])),
    ("amount_unit", Kind::Worded(&["xlsx.value.unit."])),
    ("measure", Kind::Worded(&["xlsx.value.measure."])),
    ("level_shares", Kind::LevelShares),
    ("group", Kind::PeerGroup),
    ("rule", Kind::Worded(&["xlsx.value.measure."])),
    ("level", Kind::Level),
    ("from_level", Kind::Level),
    ("to_level", Kind::Level),
    ("level_before", Kind::Level),
    ("level_after", Kind::Level),
];

/// Columns of one table that differ from [`BY_NAME`]: (sheet, column, kind).
const BY_SHEET: &[(&str, &str, Kind)] = &[
    ("failures", "value", Kind::Text),
    ("peers", "note", Kind::PeerNote),
    ("needs", "province", Kind::Province),
    ("needs", "fields", Kind::Fields),
];

/// How the column `name` of the table `sheet` is shown. The inventory's carrier columns
/// (`tce_<metric>`, `co2_<metric>_t`, `<...>_mwh`) are quantities.
pub(super) fn kind(sheet: &str, name: &str) -> Kind {
    if let Some((_, _, k)) = BY_SHEET.iter().find(|(s, c, _)| *s == sheet && *c == name) {
        return *k;
    }
    if let Some((_, k)) = BY_NAME.iter().find(|(c, _)| *c == name) {
        return *k;
    }
    let carrier = name.starts_with("tce_")
        || name.ends_with("_mwh")
        || (name.starts_with("co2_") && name.ends_with("_t"));
    if carrier {
        Kind::Number(QUANTITY)
    } else {
        Kind::Auto
    }
}

/// The format of `v` in `unit` (empty: not known).
pub(super) fn unit_format(unit: &str, v: f64) -> &'static str {
    if SHARE_UNITS.contains(&unit) {
        PERCENT
    } else if unit == POINTS {
        SCORE
    } else if QUANTITY_UNITS.contains(&unit) {
        QUANTITY
    } else {
        by_magnitude(v)
    }
}

/// A number in a column that says nothing about it: a whole number as it is (a year, a
/// code), else by its size.
pub(super) fn auto_format(v: f64) -> &'static str {
    if v.fract() == 0.0 {
        INTEGER
    } else {
        by_magnitude(v)
    }
}

/// About four significant digits (0 as `0`).
pub(super) fn by_magnitude(v: f64) -> &'static str {
    if v == 0.0 {
        return INTEGER;
    }
    let size = v.abs();
    BY_MAGNITUDE
        .iter()
        .find(|(bound, _)| size >= *bound)
        .map_or(INTEGER, |(_, f)| f)
}

/// How many characters `v` takes in `format` (for column widths): its decimals, thousands
/// separators, sign and per-cent sign.
pub(super) fn shown_width(v: f64, format: &str) -> usize {
    let percent = format.ends_with('%');
    let decimals = format
        .split_once('.')
        .map_or(0, |(_, d)| d.trim_end_matches('%').len());
    let x = if percent { v * 100.0 } else { v };
    let digits = format!("{:.decimals$}", x.abs());
    let whole = digits.split('.').next().unwrap_or_default().len();
    let separators = if format.starts_with("#,##") {
        (whole.saturating_sub(1)) / 3
    } else {
        0
    };
    digits.len() + separators + usize::from(x < 0.0) + usize::from(percent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_gets_a_format_that_says_what_it_is() {
        assert_eq!(kind("scores", "coverage"), Kind::Number(PERCENT));
        assert_eq!(kind("inventory", "tce_natural_gas"), Kind::Number(QUANTITY));
        assert_eq!(kind("inventory", "co2_raw_coal_t"), Kind::Number(QUANTITY));
        assert_eq!(kind("failures", "value"), Kind::Text);
        assert_eq!(kind("scores", "value"), Kind::Measured("unit"));
        assert_eq!(unit_format("share", 0.124269), PERCENT);
        assert_eq!(unit_format("points", 33.33), SCORE);
        assert_eq!(unit_format("tCO2/tce", 3.70295), "0.000");
        assert_eq!(unit_format("", 57014.9176), "#,##0");
        assert_eq!(by_magnitude(0.0581), "0.0000");
        assert_eq!(by_magnitude(0.0), INTEGER);
        assert_eq!(auto_format(2022.0), INTEGER, "a year is not 2,022");
        assert_eq!(auto_format(0.08), "0.0000");
    }

    #[test]
    fn widths_count_what_the_format_shows() {
        assert_eq!(shown_width(57014.9176, QUANTITY), "57,015".len());
        assert_eq!(shown_width(0.124269, PERCENT), "12.4%".len());
        assert_eq!(shown_width(-1234567.0, QUANTITY), "-1,234,567".len());
        assert_eq!(shown_width(2024.0, INTEGER), 4);
    }
}
