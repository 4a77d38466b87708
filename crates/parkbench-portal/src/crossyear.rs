//! Checks across years on a submission: the reporting year's totals against the park's accepted
//! submission of the year before. The thresholds are data (`indicators/cross-year.toml`, each
//! with its source and status); the totals are the inventory's, computed once when a version is
//! stored ([`super::work::totals`]). Comparing is pure and cheap: a page or the API compares
//! when it is shown, against whatever was accepted by then. Findings are warnings for the
//! operator and the reviewer; they never block a submission or a decision.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use parkbench_core::benchmark::SourceStatus;
use parkbench_core::i18n::{Lang, Locale};

/// The totals of one park in one year, as stored with a version (JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// `energy_tce`, `co2_total_t`, `electricity_total_mwh` (None: unknown that year).
    pub values: BTreeMap<String, Option<f64>>,
    /// The energy carriers reported, by metric id.
    pub carriers: BTreeMap<String, Carrier>,
}

/// One carrier's year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Carrier {
    /// In the metric's canonical unit.
    pub quantity: Option<f64>,
    pub unit: String,
    pub tce: Option<f64>,
}

/// The totals the checks may name (the inventory's), each with its words
/// (`portal.total_<id>`).
pub const TOTALS: [&str; 3] = ["energy_tce", "co2_total_t", "electricity_total_mwh"];

/// `indicators/cross-year.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(rename = "total")]
    pub totals: Vec<TotalRule>,
    pub carriers: CarrierRule,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalRule {
    pub id: String,
    pub max_change_share: f64,
    pub source: String,
    pub status: SourceStatus,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierRule {
    pub appear: bool,
    pub vanish: bool,
    pub min_share_of_energy: f64,
    pub source: String,
    pub status: SourceStatus,
}

impl Thresholds {
    /// Parses and checks the thresholds: known totals, shares that are shares.
    pub fn parse(text: &str) -> Result<Thresholds, String> {
        let t: Thresholds = toml::from_str(text).map_err(|e| format!("cross-year.toml: {e}"))?;
        for r in &t.totals {
            if !TOTALS.contains(&r.id.as_str()) {
                return Err(format!(
                    "cross-year.toml: total {:?}: expected one of {}",
                    r.id,
                    TOTALS.join(", ")
                ));
            }
            if !(r.max_change_share.is_finite() && r.max_change_share > 0.0) {
                return Err(format!(
                    "cross-year.toml: total {}: max_change_share {} is not a share above 0",
                    r.id, r.max_change_share
                ));
            }
        }
        let m = t.carriers.min_share_of_energy;
        if !(0.0..1.0).contains(&m) {
            return Err(format!(
                "cross-year.toml: carriers.min_share_of_energy {m}: expected a share from 0 to 1"
            ));
        }
        Ok(t)
    }

    /// The shipped thresholds (embedded; a test checks that they parse).
    pub fn shipped() -> Result<Thresholds, String> {
        let (_, text) = parkbench_core::reference::read_text("cross-year.toml", None)
            .map_err(|e| e.to_string())?;
        Thresholds::parse(&text)
    }
}

/// One thing that moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Finding {
    /// A total moved by more than its share.
    Moved {
        total: String,
        last: f64,
        now: f64,
        /// |now - last| / last.
        share: f64,
        max_share: f64,
        source: String,
        status: SourceStatus,
    },
    /// A carrier reported now and not the year before.
    Appeared {
        carrier: String,
        now: Option<f64>,
        unit: String,
        source: String,
        status: SourceStatus,
    },
    /// A carrier reported the year before and not now.
    Vanished {
        carrier: String,
        last: Option<f64>,
        unit: String,
        source: String,
        status: SourceStatus,
    },
}

/// The findings of `now` against `last` (the year before's accepted totals).
pub fn compare(t: &Thresholds, last: &Totals, now: &Totals) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &t.totals {
        let get = |x: &Totals| x.values.get(&r.id).copied().flatten();
        if let (Some(l), Some(n)) = (get(last), get(now))
            && l.abs() > 0.0
        {
            let share = (n - l).abs() / l.abs();
            if share > r.max_change_share {
                out.push(Finding::Moved {
                    total: r.id.clone(),
                    last: l,
                    now: n,
                    share,
                    max_share: r.max_change_share,
                    source: r.source.clone(),
                    status: r.status,
                });
            }
        }
    }
    let c = &t.carriers;
    // A carrier counts when its energy is at least the share of its year's energy (or when
    // either is unknown: then it cannot be shown small).
    let counts = |x: &Totals, carrier: &Carrier| match (carrier.tce, x.values.get("energy_tce")) {
        (Some(tce), Some(Some(total))) if *total > 0.0 => tce / total >= c.min_share_of_energy,
        _ => true,
    };
    if c.appear {
        for (id, carrier) in &now.carriers {
            if !last.carriers.contains_key(id) && counts(now, carrier) {
                out.push(Finding::Appeared {
                    carrier: id.clone(),
                    now: carrier.quantity,
                    unit: carrier.unit.clone(),
                    source: c.source.clone(),
                    status: c.status,
                });
            }
        }
    }
    if c.vanish {
        for (id, carrier) in &last.carriers {
            if !now.carriers.contains_key(id) && counts(last, carrier) {
                out.push(Finding::Vanished {
                    carrier: id.clone(),
                    last: carrier.quantity,
                    unit: carrier.unit.clone(),
                    source: c.source.clone(),
                    status: c.status,
                });
            }
        }
    }
    out
}

/// A quantity as the checks word it.
fn qty(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(x) => format!("{} {unit}", parkbench_core::scoring::fmt_qty(x)),
        None => "?".into(),
    }
}

/// A finding in words (`last_year`: the year compared with), and its threshold's source.
pub fn words(
    f: &Finding,
    last_year: i64,
    lang: Lang,
    vocab: &parkbench_core::reference::Vocabulary,
) -> (String, String) {
    let t = |k: &str| super::i18n::t(lang, k);
    let locale = Locale::get(lang);
    let carrier_name = |id: &str| format!("{} ({id})", locale.text(&vocab.metric_text(id)));
    let source = |s: &str, status: SourceStatus| {
        t("threshold_source")
            .replace("{source}", s)
            .replace("{status}", status.as_str())
    };
    match f {
        Finding::Moved {
            total,
            last,
            now,
            share,
            max_share,
            source: s,
            status,
        } => (
            t("check_total_moved")
                .replace("{total}", t(&format!("total_{total}")))
                .replace("{share}", &format!("{:.0} %", share * 100.0))
                .replace("{last}", &parkbench_core::scoring::fmt_qty(*last))
                .replace("{year}", &last_year.to_string())
                .replace("{now}", &parkbench_core::scoring::fmt_qty(*now))
                .replace("{max}", &format!("{:.0} %", max_share * 100.0)),
            source(s, *status),
        ),
        Finding::Appeared {
            carrier,
            now,
            unit,
            source: s,
            status,
        } => (
            t("check_carrier_appeared")
                .replace("{carrier}", &carrier_name(carrier))
                .replace("{now}", &qty(*now, unit))
                .replace("{year}", &last_year.to_string()),
            source(s, *status),
        ),
        Finding::Vanished {
            carrier,
            last,
            unit,
            source: s,
            status,
        } => (
            t("check_carrier_vanished")
                .replace("{carrier}", &carrier_name(carrier))
                .replace("{last}", &qty(*last, unit))
                .replace("{year}", &last_year.to_string()),
            source(s, *status),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(energy: f64, co2: f64, carriers: &[(&str, f64)]) -> Totals {
        Totals {
            values: BTreeMap::from([
                ("energy_tce".to_string(), Some(energy)),
                ("co2_total_t".to_string(), Some(co2)),
                ("electricity_total_mwh".to_string(), None),
            ]),
            carriers: carriers
                .iter()
                .map(|(id, tce)| {
                    (
                        id.to_string(),
                        Carrier {
                            quantity: Some(tce * 10.0),
                            unit: "MWh".into(),
                            tce: Some(*tce),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn the_shipped_thresholds_parse_and_name_known_totals() {
        let t = Thresholds::shipped().unwrap();
        assert!(t.totals.iter().any(|r| r.id == "energy_tce"));
        assert!(t.totals.iter().all(|r| !r.source.is_empty()));
        assert!(Thresholds::parse("[[total]]\nid = \"nope\"\nmax_change_share = 0.3\nsource = \"x\"\nstatus = \"unconfirmed\"\n[carriers]\nappear = true\nvanish = true\nmin_share_of_energy = 0.0\nsource = \"x\"\nstatus = \"unconfirmed\"\n").is_err());
    }

    #[test]
    fn a_total_beyond_its_share_and_carriers_that_come_and_go_are_found() {
        let t = Thresholds::shipped().unwrap();
        let last = totals(
            100_000.0,
            200_000.0,
            &[
                ("electricity_grid", 60_000.0),
                ("coal", 39_500.0),
                ("diesel", 500.0),
            ],
        );
        // Energy +29 % (within 30 %), CO2 +40 %; natural gas appears, coal vanishes, the small
        // diesel vanishing is below 1 % of the energy and not flagged.
        let now = totals(
            129_000.0,
            280_000.0,
            &[("electricity_grid", 80_000.0), ("natural_gas", 49_000.0)],
        );
        let f = compare(&t, &last, &now);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(
            matches!(&f[0], Finding::Moved { total, share, .. } if total == "co2_total_t" && (share - 0.4).abs() < 1e-9)
        );
        assert!(matches!(&f[1], Finding::Appeared { carrier, .. } if carrier == "natural_gas"));
        assert!(matches!(&f[2], Finding::Vanished { carrier, .. } if carrier == "coal"));
        // The same year against itself: nothing.
        assert!(compare(&t, &last, &last).is_empty());
        // Unknown totals are not compared (missing is not zero).
        let unknown = Totals::default();
        assert!(
            compare(&t, &unknown, &now)
                .iter()
                .all(|x| !matches!(x, Finding::Moved { .. }))
        );
    }

    #[test]
    fn findings_are_worded_in_both_languages_with_their_source() {
        let f = Finding::Moved {
            total: "energy_tce".into(),
            last: 100.0,
            now: 150.0,
            share: 0.5,
            max_share: 0.3,
            source: "editorial".into(),
            status: SourceStatus::Unconfirmed,
        };
        let vocab = parkbench_core::reference::Vocabulary::embedded().unwrap();
        let (en, src) = words(&f, 2023, Lang::EN, &vocab);
        assert!(
            en.contains("50 %") && en.contains("2023") && en.contains("30 %"),
            "{en}"
        );
        assert!(
            src.contains("editorial") && src.contains("unconfirmed"),
            "{src}"
        );
        let (zh, _) = words(&f, 2023, Lang::ZH, &vocab);
        assert!(zh.contains("50 %") && zh != en, "{zh}");
    }
}
