//! What identifies a report a consultant signs: who it is for and who prepared it, when it was
//! issued, the months of data it rests on, the benchmark set and its version, the parkbench
//! that made it, and a report id that changes when any input or option does. Facts only (ids,
//! dates, numbers): the report layer words them, and shows what was not given as not given.
//!
//! The caller says who and when ([`Issue`], from `report.toml` and the command line); this
//! module reads no clock and invents nothing.

/// The date type of issue dates, for the layers above (which do not link chrono themselves).
pub use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

use crate::benchmark::BenchmarkSet;
use crate::input::Dataset;

/// Who a report is for, who prepared it and when it was issued, as the caller gives them
/// (None: not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issue {
    pub client: Option<String>,
    pub preparer: Option<String>,
    pub issue_date: Option<NaiveDate>,
}

/// A `report.toml` that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}\nhint: {hint}")]
pub struct IssueError {
    pub file: String,
    pub message: String,
    pub hint: &'static str,
}

/// The keys of `report.toml`.
const ISSUE_KEYS: [&str; 3] = ["client", "preparer", "issue_date"];

/// How an issue date is written (ISO 8601, `2025-06-30`).
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// Reads an issue date written as [`DATE_FORMAT`].
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), DATE_FORMAT)
        .map_err(|e| format!("{text:?} is not a date as 2025-06-30 ({e})"))
}

impl Issue {
    /// Reads `report.toml` (`client`, `preparer`, `issue_date` as a TOML date or a string
    /// `2025-06-30`, each optional); every other key is an error, so a typo is not lost.
    pub fn from_toml(file: &str, text: &str) -> Result<Issue, IssueError> {
        let fail = |message: String| IssueError {
            file: file.to_string(),
            message,
            hint: "report.toml holds client = \"...\", preparer = \"...\", issue_date = 2025-06-30",
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| fail(e.message().into()))?;
        if let Some(k) = table.keys().find(|k| !ISSUE_KEYS.contains(&k.as_str())) {
            return Err(fail(format!("unknown key {k:?}")));
        }
        let text_of = |key: &str| match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(given(s)),
            Some(other) => Err(fail(format!(
                "{key} must be text, not {}",
                other.type_str()
            ))),
        };
        let issue_date = match table.get("issue_date") {
            None => None,
            Some(toml::Value::Datetime(d)) => Some(parse_date(&d.to_string()).map_err(fail)?),
            Some(toml::Value::String(s)) => Some(parse_date(s).map_err(fail)?),
            Some(other) => return Err(fail(format!("issue_date: not a date ({other})"))),
        };
        Ok(Issue {
            client: text_of("client")?,
            preparer: text_of("preparer")?,
            issue_date,
        })
    }

    /// This issue's values where it has them, `base`'s elsewhere (the command line's over a
    /// `report.toml`'s).
    pub fn over(self, base: Issue) -> Issue {
        Issue {
            client: self.client.or(base.client),
            preparer: self.preparer.or(base.preparer),
            issue_date: self.issue_date.or(base.issue_date),
        }
    }
}

/// A text that says something: trimmed, None when blank.
pub fn given(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    /// 1-12.
    pub month: u8,
}

/// The first and last month the data covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: Month,
    pub last: Month,
}

/// The identification block of one set's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    pub issue: Issue,
    /// The months of activity data of the parks the report covers (None: no activity rows).
    pub period: Option<Period>,
    pub set_id: String,
    /// The version the set's file states (None: it states none).
    pub set_version: Option<String>,
    /// The first hex digits of the SHA-256 of the set's content: tells two editions of a set
    /// apart whether or not their files state a version.
    pub set_digest: String,
    /// The parkbench that made the report.
    pub parkbench_version: &'static str,
    /// The first hex digits of the SHA-256 of everything the report rests on: the data, the
    /// set, the reference tables a user can replace, the options of the run and the issue.
    pub report_id: String,
}

/// How many hex digits of a digest an id shows (64 bits: no two reports of a practice share
/// one by chance).
const ID_HEX_DIGITS: usize = 16;

/// A running SHA-256 of what a report rests on; cloned per set.
#[derive(Clone)]
pub struct Fingerprint(Sha256);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(Sha256::new())
    }
}

impl Fingerprint {
    /// Adds a labelled value by its `Debug` form (every type fed here has a deterministic one:
    /// no hash maps). A `Debug` form names the value's Rust types, so renaming one changes the
    /// id; [`Fingerprint::put_json`] does not.
    pub fn put(&mut self, label: &str, value: &impl std::fmt::Debug) -> &mut Self {
        self.bytes(label.as_bytes());
        self.bytes(format!("{value:?}").as_bytes())
    }

    /// Adds a labelled value by its JSON form: its fields and values alone, whatever its types
    /// are called in the code.
    pub fn put_json(&mut self, label: &str, value: &impl serde::Serialize) -> &mut Self {
        self.bytes(label.as_bytes());
        self.bytes(serde_json::to_string(value).unwrap_or_default().as_bytes())
    }

    /// Adds bytes with their length, so that two fields never run into each other.
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }

    /// Adds the dataset as read: the parks, every activity group (park, enterprise, year,
    /// metric, sum and counts), waivers, certificates, enterprises and products. Where a row
    /// was read from is left out, so moving the data folder keeps the id.
    pub fn data(&mut self, data: &Dataset) -> &mut Self {
        for p in &data.parks {
            let place = (&p.country, &p.province, &p.sector, &p.grid_region);
            let areas = (p.land_area_km2, p.roof_area_m2);
            self.put("park", &(&p.park_id, &p.name, place, areas, &p.extra));
        }
        let act = &data.activity;
        for g in &act.groups {
            let unit = &act.parks[g.park as usize];
            self.bytes(unit.id.as_bytes());
            self.bytes(unit.enterprise.as_deref().unwrap_or_default().as_bytes());
            self.group(g);
        }
        self.put("waivers", &data.waivers);
        for c in &data.certificates {
            let what = (c.year, c.month, c.mwh.to_bits(), c.kind, c.retired);
            self.put("certificate", &(&c.id, &c.park_id, &c.enterprise_id, what));
        }
        for e in &data.enterprises {
            let firm = (&e.park_id, &e.id, &e.name, &e.sector);
            self.put("enterprise", &(firm, e.from, e.to));
        }
        for p in &data.products {
            let value = (p.year, p.energy_per_unit.to_bits(), &p.unit);
            self.put(
                "product",
                &(&p.park_id, &p.enterprise_id, &p.product, value),
            );
        }
        self
    }

    /// An activity group's year, metric, counts, months and sums, as bytes (a programme has
    /// millions of groups: no text is formatted for them).
    fn group(&mut self, g: &crate::input::collect::Group) {
        let (first, last) = g.months();
        let counts = [g.rows, g.values, g.nulls, g.monthly, g.estimated];
        let numbers = [
            i64::from(g.year),
            i64::from(g.metric),
            i64::from(first),
            i64::from(last),
        ];
        for n in numbers {
            self.0.update(n.to_le_bytes());
        }
        for n in counts.into_iter().chain(g.grade_rows) {
            self.0.update(n.to_le_bytes());
        }
        for x in std::iter::once(g.sum).chain(g.grade_sum) {
            self.0.update(x.to_bits().to_le_bytes());
        }
    }

    fn hex(self) -> String {
        let digest = self.0.finalize();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        hex[..ID_HEX_DIGITS].to_string()
    }
}

/// The identification of the report of `set`: `base` is the fingerprint of the data and the
/// run's options, `parks` the parks the report covers.
pub fn identify(
    base: &Fingerprint,
    set: &BenchmarkSet,
    data: &Dataset,
    parks: &BTreeSet<&str>,
    issue: &Issue,
) -> Identification {
    let mut content = Fingerprint::default();
    content.put("set", &serde_json::to_string(set).unwrap_or_default());
    let set_digest = content.hex();
    let mut id = base.clone();
    id.put("set", &set_digest).put("issue", issue);
    Identification {
        issue: issue.clone(),
        period: period(data, parks),
        set_id: set.id.clone(),
        set_version: set.version.clone(),
        set_digest,
        parkbench_version: env!("CARGO_PKG_VERSION"),
        report_id: id.hex(),
    }
}

/// The first and last month of activity data of `parks` (a year total covers its year).
pub fn period(data: &Dataset, parks: &BTreeSet<&str>) -> Option<Period> {
    let act = &data.activity;
    let months = (act.groups.iter()).filter(|g| parks.contains(&*act.parks[g.park as usize].id));
    months.fold(None, |acc: Option<Period>, g| {
        let (first, last) = g.months();
        let here = Period {
            first: Month {
                year: g.year,
                month: first,
            },
            last: Month {
                year: g.year,
                month: last,
            },
        };
        Some(acc.map_or(here, |p| Period {
            first: p.first.min(here.first),
            last: p.last.max(here.last),
        }))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_toml_reads_dates_as_toml_dates_or_text_and_refuses_unknown_keys() {
        let i = Issue::from_toml(
            "report.toml",
            "client = \"苏州工业园区管委会\"\npreparer = \"  \"\nissue_date = 2025-06-30\n",
        )
        .unwrap();
        assert_eq!(i.client.as_deref(), Some("苏州工业园区管委会"));
        assert_eq!(i.preparer, None, "a blank preparer is not given");
        assert_eq!(i.issue_date, NaiveDate::from_ymd_opt(2025, 6, 30));
        let text = Issue::from_toml("r.toml", "issue_date = \"2024-12-01\"").unwrap();
        assert_eq!(text.issue_date, NaiveDate::from_ymd_opt(2024, 12, 1));
        let typo = Issue::from_toml("r.toml", "cliant = \"x\"").unwrap_err();
        assert!(
            typo.to_string().contains("unknown key \"cliant\""),
            "{typo}"
        );
        let bad = Issue::from_toml("r.toml", "issue_date = \"30.06.2025\"").unwrap_err();
        assert!(
            bad.to_string()
                .starts_with("r.toml: \"30.06.2025\" is not a date")
        );
    }

    #[test]
    fn the_command_lines_values_win_over_the_files() {
        let file = Issue {
            client: Some("file client".into()),
            preparer: Some("file preparer".into()),
            issue_date: NaiveDate::from_ymd_opt(2025, 1, 2),
        };
        let flags = Issue {
            client: Some("flag client".into()),
            ..Issue::default()
        };
        let both = flags.over(file.clone());
        assert_eq!(both.client.as_deref(), Some("flag client"));
        assert_eq!(both.preparer, file.preparer);
        assert_eq!(both.issue_date, file.issue_date);
    }

    #[test]
    fn the_fingerprint_changes_with_every_field_and_nothing_else() {
        let hex = |issue: &Issue| {
            let mut f = Fingerprint::default();
            f.put("issue", issue);
            f.hex()
        };
        let a = Issue::default();
        let b = Issue {
            client: Some("c".into()),
            ..Issue::default()
        };
        assert_eq!(hex(&a), hex(&a.clone()));
        assert_ne!(hex(&a), hex(&b));
        assert_eq!(hex(&a).len(), ID_HEX_DIGITS);
    }
}
