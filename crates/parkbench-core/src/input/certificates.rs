//! The green certificate ledger (`certificates.csv`, or a workbook sheet `certificates` /
//! `绿证`): one row per certificate (GEC, or the certificate of green power trading or direct
//! supply) with its beneficiary park, generation month, MWh, kind and whether it was retired.
//!
//! Green power must not be counted twice. Programmes de-duplicate certificates by certificate id,
//! generation period and beneficiary: a certificate id on two lines (two parks, two enterprises
//! or two years) is an error on both lines, each naming the other, and both parks are left out.
//! Only retired certificates count. When a group of files gives a ledger, each of its parks'
//! green electricity of a class may not exceed the MWh of that kind retired for the park in the
//! year (green electricity reported without its class is checked against what is left over).

use super::table::Table;
use crate::diag::{Diagnostic, Origin, Report};
use crate::i18n::Text;
use crate::reference::GreenClass;
use crate::units::parse_number;
use rustc_hash::FxHashMap;

/// One certificate of the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    pub id: String,
    pub park_id: String,
    pub enterprise_id: Option<String>,
    pub year: i32,
    pub month: u8,
    pub mwh: f64,
    pub kind: GreenClass,
    pub retired: bool,
    pub file: Origin,
    pub line: usize,
}

/// The columns of the ledger; `enterprise_id` may be left out.
pub const COLUMNS: [&str; 7] = [
    "certificate_id",
    "park_id",
    "enterprise_id",
    "generation_period",
    "mwh",
    "kind",
    "retired",
];

/// The green electricity metric a certificate kind proves.
pub fn metric_of(kind: GreenClass) -> &'static str {
    match kind {
        GreenClass::Gec => "electricity_green_certificates",
        GreenClass::GreenPowerTrading => "electricity_green_traded",
        GreenClass::DirectSupply => "electricity_green_direct",
        GreenClass::Onsite => "electricity_onsite_renewable",
        GreenClass::Unclassified => "electricity_green_purchased",
    }
}

/// The kinds a ledger row may have.
pub const KINDS: [GreenClass; 3] = [
    GreenClass::Gec,
    GreenClass::GreenPowerTrading,
    GreenClass::DirectSupply,
];

fn kind(raw: &str) -> Option<GreenClass> {
    // `Green Power Trading`, `green-power-trading` and `green_power_trading` are one kind.
    let k: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    match k.as_str() {
        "gec" | "绿证" | "绿色电力证书" => Some(GreenClass::Gec),
        "green_power_trading" | "绿电交易" | "绿色电力交易" => {
            Some(GreenClass::GreenPowerTrading)
        }
        "direct_supply" | "直供" | "直供电" | "绿电直供" | "绿电直连" => {
            Some(GreenClass::DirectSupply)
        }
        _ => None,
    }
}

fn retired(raw: &str) -> Option<bool> {
    match raw.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "是" | "已注销" => Some(true),
        "no" | "n" | "false" | "0" | "否" | "未注销" => Some(false),
        _ => None,
    }
}

/// `2024-03` (or `2024/03`, `2024.03`, `202403`, or a day of the month as a date cell reads,
/// `2024-03-01`, `2024-03-31`: the month of generation) -> (2024, 3).
fn period(raw: &str) -> Option<(i32, u8)> {
    let t = raw.trim();
    // A date: the month it falls in (a certificate is of its generation month, whatever day a
    // sheet's date cell shows).
    if let [y, m, d] = t.split(['-', '/']).collect::<Vec<_>>().as_slice()
        && d.parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
    {
        return period(&format!("{y}-{m}"));
    }
    let (y, m) = match t.find(['-', '/', '.']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) => t.split_at(4),
        None => return None,
    };
    let y: i32 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    (super::activity::YEARS.contains(&y) && (1..=12).contains(&m)).then_some((y, m))
}

/// The problem of each cell of a certificate row that can be wrong: its column (in
/// [`COLUMNS`]), the message and what was expected.
const CELL_PROBLEMS: [(usize, crate::i18n::Text, crate::i18n::Text); 6] = [
    (
        0,
        t!("diag.certificate_id_empty"),
        t!("diag.expected.certificate_id"),
    ),
    (
        1,
        t!("diag.certificate_park_empty"),
        t!("diag.expected.park_id_example"),
    ),
    (
        3,
        t!("diag.certificate_period"),
        t!("diag.expected.generation_period"),
    ),
    (
        4,
        t!("diag.certificate_mwh"),
        t!("diag.expected.positive_mwh"),
    ),
    (
        5,
        t!("diag.certificate_kind"),
        t!("diag.expected.certificate_kind"),
    ),
    (
        6,
        t!("diag.certificate_retired"),
        t!("diag.expected.yes_no"),
    ),
];

/// Reads a ledger table: every row checked, every problem located.
pub fn read(t: &Table, diags: &mut Report) -> Vec<Certificate> {
    let Some(cols) = t.columns_of(
        &COLUMNS,
        &["enterprise_id"],
        "diag.certificates_columns",
        t!("diag.expected.certificates_columns"),
        diags,
    ) else {
        return Vec::new();
    };
    let cell = |c: usize, r: usize| -> &str {
        cols[c]
            .and_then(|c| t.columns[c].get(r))
            .map(str::trim)
            .unwrap_or("")
    };
    let mut out = Vec::with_capacity(t.rows());
    for r in 0..t.rows() {
        let line = t.line(r);
        let park = cell(1, r);
        let at = |c: usize| cols[c].map_or(0, |c| c + 1);
        let err = |c: usize, msg: crate::i18n::Text, expected: crate::i18n::Text| {
            Diagnostic::error(&t.origin, line, at(c), msg)
                .value(cell(c, r))
                .expected(expected)
                .park(park)
        };
        let before = diags.error_count();
        let id = cell(0, r);
        let p = period(cell(3, r));
        let mwh = parse_number(cell(4, r), t.decimal)
            .ok()
            .filter(|x| x.is_finite() && *x > 0.0);
        let k = kind(cell(5, r));
        let ret = retired(cell(6, r));
        // Each cell that cannot be read, in the order of the columns.
        let bad = [
            id.is_empty(),
            park.is_empty(),
            p.is_none(),
            mwh.is_none(),
            k.is_none(),
            ret.is_none(),
        ];
        for ((c, message, expected), bad) in CELL_PROBLEMS.into_iter().zip(bad) {
            if bad {
                diags.push(err(c, message, expected));
            }
        }
        if diags.error_count() > before {
            continue;
        }
        let (Some((year, month)), Some(mwh), Some(kind), Some(retired)) = (p, mwh, k, ret) else {
            continue;
        };
        out.push(Certificate {
            id: id.to_string(),
            park_id: park.to_string(),
            enterprise_id: Some(cell(2, r))
                .filter(|e| !e.is_empty())
                .map(str::to_string),
            year,
            month,
            mwh,
            kind,
            retired,
            file: t.origin.clone(),
            line,
        });
    }
    out
}

/// A certificate id on two lines: an error on each, naming the other; both parks are left out.
pub fn duplicates(certs: &[Certificate], diags: &mut Report) {
    let mut first: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, c) in certs.iter().enumerate() {
        let Some(&j) = first.get(c.id.as_str()) else {
            first.insert(&c.id, i);
            continue;
        };
        let f = &certs[j];
        for (this, other) in [(c, f), (f, c)] {
            diags.push(
                Diagnostic::error(
                    &this.file,
                    this.line,
                    1,
                    t!(
                        "diag.certificate_twice",
                        other = crate::diag::location(&other.file, other.line, 0),
                        park = &other.park_id,
                        enterprise = other.enterprise_id.as_deref().unwrap_or("—"),
                        period = format!("{}-{:02}", other.year, other.month)
                    ),
                )
                .value(&this.id)
                .expected(t!("diag.expected.certificate_once"))
                .park(&this.park_id),
            );
        }
    }
}

/// The MWh retired for each park, year and kind.
pub fn held(certs: &[Certificate]) -> FxHashMap<(&str, i32, GreenClass), f64> {
    let mut out: FxHashMap<(&str, i32, GreenClass), f64> = FxHashMap::default();
    for c in certs.iter().filter(|c| c.retired) {
        *out.entry((c.park_id.as_str(), c.year, c.kind)).or_default() += c.mwh;
    }
    out
}

/// Green electricity claimed by the parks under a ledger, against the certificates retired for
/// them: each class (traded, direct, certificates) at most what is retired of its kind in the
/// year; green electricity without its class at most what is left over of every kind.
pub fn check_claims(
    certs: &[Certificate],
    under_ledger: &dyn Fn(&str) -> bool,
    activity: &super::collect::Collector,
    files: &[Origin],
    vocab: &crate::reference::Vocabulary,
    diags: &mut Report,
) {
    let held = held(certs);
    // (park, year) -> per class: (claimed MWh, its first row).
    type Claims = Vec<(GreenClass, f64, super::collect::At)>;
    let mut claims: std::collections::BTreeMap<(&str, i32), Claims> = Default::default();
    for g in &activity.groups {
        let park = &*activity.parks[g.park as usize].id;
        if !under_ledger(park) || g.nulls > 0 || g.incomplete || g.values == 0 {
            continue;
        }
        let m = &vocab.metrics[&vocab.order[g.metric as usize]];
        let Some(class) = m.green_class.filter(|c| *c != GreenClass::Onsite) else {
            continue;
        };
        claims
            .entry((park, g.year))
            .or_default()
            .push((class, g.sum, g.first));
    }
    // Exact to a tenth of a kWh: a claim a few kWh above what is held is still above it.
    let fmt = |x: f64| {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    for ((park, year), list) in &claims {
        let held_of = |k: GreenClass| held.get(&(*park, *year, k)).copied().unwrap_or(0.0);
        let mut left = 0.0;
        for k in KINDS {
            let claimed: f64 = list.iter().filter(|c| c.0 == k).map(|c| c.1).sum();
            left += (held_of(k) - claimed).max(0.0);
        }
        for &(class, claimed, at) in list {
            let (limit, key) = match class {
                GreenClass::Unclassified => (left, "diag.green_above_ledger_unclassified"),
                k => (held_of(k), "diag.green_above_ledger"),
            };
            if claimed <= limit * (1.0 + 1e-9) + 1e-6 {
                continue;
            }
            let file = files
                .get(at.file as usize)
                .cloned()
                .unwrap_or_else(|| Origin::file(""));
            diags.push(
                Diagnostic::error(
                    &file,
                    at.line as usize,
                    at.column as usize,
                    Text::new(key)
                        .arg("park", *park)
                        .arg("year", *year)
                        .arg("metric", metric_of(class))
                        .arg("claimed", fmt(claimed))
                        .arg("held", fmt(limit)),
                )
                .value(format!("{} MWh", fmt(claimed)))
                .expected(t!("diag.expected.at_most_mwh", held = fmt(limit)))
                .hint(t!("diag.hint.green_above_ledger"))
                .park(*park),
            );
        }
    }
}

/// Ledger rows naming a park no parks table defines, and certificates not retired (which do
/// not count: a warning, so the operator knows).
pub fn check_rows(certs: &[Certificate], known: &dyn Fn(&str) -> bool, diags: &mut Report) {
    for c in certs {
        if !known(&c.park_id) {
            diags.push(
                Diagnostic::error(&c.file, c.line, 2, t!("diag.certificate_unknown_park"))
                    .value(&c.park_id)
                    .park(&c.park_id),
            );
        } else if !c.retired {
            diags.push(
                Diagnostic::warning(&c.file, c.line, 7, t!("diag.certificate_not_retired"))
                    .value(&c.id)
                    .park(&c.park_id),
            );
        }
    }
}
