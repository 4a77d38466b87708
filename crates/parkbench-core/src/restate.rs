//! Earlier years restated on a later year's boundary, so that a change over time compares like
//! with like.
//!
//! When the enterprises inside a park's boundary change, a park's total changes without any
//! firm saving anything: a heavy emitter moving out looks like a cut. As verification tools do
//! for a facility baseline after a structural change, each earlier year is restated over the
//! firms inside the boundary in the year scored:
//!
//! - a firm inside in the year scored (any month of it) counts with its whole earlier years:
//!   its rows inside the boundary then, plus its rows from while it was outside (kept aside by
//!   [`crate::input::enterprises::Admission`]);
//! - a firm no longer inside is left out of the earlier years;
//! - a firm with no rows at all in an earlier year counts as not operating then (organic
//!   growth; said, never silent); one whose rows from outside cover only some of the months
//!   it was outside makes that metric unknown (missing is not zero);
//! - the park's own rows (no enterprise) and the metrics that are not summed (shares, counts,
//!   areas: the park's to report) stay as they were.
//!
//! Only summed metrics are restated; a year whose firms are the same as in the year scored is
//! not restated.

use rustc_hash::FxHashSet;
use std::collections::{BTreeMap, BTreeSet};

use crate::i18n::Text;
use crate::input::enterprises::FULL_YEAR;
use crate::input::{Annual, Dataset, Grade, Grades, MetricYear, UnitAnnual};
use crate::reference::{Aggregate, Vocabulary};

/// What restating a park's earlier years on a year's boundary did, for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Restatement {
    pub park_id: String,
    /// The year whose boundary the earlier years are restated on.
    pub year: i32,
    /// The earlier years restated, ascending.
    pub years: Vec<i32>,
    /// Firms inside in an earlier year but not in `year`: left out of it.
    pub left_out: Vec<String>,
    /// Firms inside in `year` that were outside for some of an earlier year, counted there with
    /// their rows from outside.
    pub brought_in: Vec<String>,
    /// (firm, earlier year): inside in `year`, with no rows in that year: counted as not
    /// operating then.
    pub no_rows: Vec<(String, i32)>,
    /// (firm, earlier year, metric): its rows from outside cover only some of the months it was
    /// outside, so the restated metric is unknown.
    pub unknown: Vec<(String, i32, String)>,
    /// The park's firms' names by code (from its enterprises table), for the words.
    pub names: BTreeMap<String, String>,
}

/// The restated metric values: (park, year of the boundary) -> earlier year -> metrics.
pub type RestatedAnnual = BTreeMap<(String, i32), BTreeMap<i32, BTreeMap<String, MetricYear>>>;

/// What a restatement did, said as assumptions of the park-year's score; firms by name (and
/// code).
pub fn notes(r: &Restatement) -> Vec<Text> {
    let name = |id: &str| {
        r.names
            .get(id)
            .map_or_else(|| id.to_string(), |n| format!("{n} ({id})"))
    };
    let list = |ids: &[String]| ids.iter().map(|id| name(id)).collect::<Vec<_>>().join(", ");
    let years = |ys: &[i32]| ys.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
    let mut out = vec![t!(
        "assumption.restated",
        years = years(&r.years),
        year = r.year
    )];
    if !r.left_out.is_empty() {
        out.push(t!(
            "assumption.restated_left_out",
            firms = list(&r.left_out),
            year = r.year
        ));
    }
    if !r.brought_in.is_empty() {
        out.push(t!(
            "assumption.restated_brought_in",
            firms = list(&r.brought_in)
        ));
    }
    let mut no_rows: BTreeMap<&str, Vec<i32>> = BTreeMap::new();
    for (firm, year) in &r.no_rows {
        no_rows.entry(firm).or_default().push(*year);
    }
    for (firm, ys) in no_rows {
        out.push(t!(
            "assumption.restated_no_rows",
            firm = name(firm),
            years = years(&ys)
        ));
    }
    for (firm, year, metric) in &r.unknown {
        out.push(t!(
            "assumption.restated_unknown",
            firm = name(firm),
            year = *year,
            metric = metric
        ));
    }
    out
}

/// Every park-year whose boundary differs from an earlier year's, its earlier years restated.
/// `units_of` gives the firms' years ([`Dataset::annual_by_enterprise`]) of the parks it is
/// handed: those with a year to restate, the only ones looked at.
pub fn restate<'d, E>(
    data: &'d Dataset,
    annual: &Annual,
    vocab: &Vocabulary,
    units_of: impl FnOnce(&FxHashSet<&'d str>) -> Result<UnitAnnual, E>,
) -> Result<(Vec<Restatement>, RestatedAnnual), E> {
    let mut notes = Vec::new();
    let mut restated = RestatedAnnual::new();
    // Only a park of two years or more has an earlier year to restate: with none, the firms'
    // stays are not gathered (a national year's half a million firms took 0.15 s of one core).
    let keys = annual.keys();
    if !keys.clone().zip(keys.skip(1)).any(|(a, b)| a.0 == b.0) {
        return Ok((notes, restated));
    }
    let stays = Stays::of(data);
    // Each park-year whose boundary differs from an earlier year's: the park, the year, its
    // firms, and the earlier years that differ.
    let mut todo = Vec::new();
    for park in stays.parks() {
        let years: Vec<i32> = annual
            .range((park.to_string(), i32::MIN)..=(park.to_string(), i32::MAX))
            .map(|((_, y), _)| *y)
            .collect();
        for (k, &year) in years.iter().enumerate() {
            let now = stays.inside(park, year);
            let earlier: Vec<i32> = years[..k]
                .iter()
                .copied()
                .filter(|&y| stays.differs(park, &now, y))
                .collect();
            if !earlier.is_empty() {
                todo.push((park, year, now, earlier));
            }
        }
    }
    if todo.is_empty() {
        // No boundary changed (a programme of one year): the firms' years are not summed.
        return Ok((notes, restated));
    }
    let units = units_of(&todo.iter().map(|t| t.0).collect())?;
    let units = &units;
    for (park, year, now, earlier) in todo {
        let mut note = Restatement {
            park_id: park.to_string(),
            year,
            years: earlier.clone(),
            left_out: Vec::new(),
            brought_in: Vec::new(),
            no_rows: Vec::new(),
            unknown: Vec::new(),
            names: stays.names(park),
        };
        let mut by_year = BTreeMap::new();
        for y in earlier {
            let one = OneYear {
                data,
                units,
                vocab,
                park,
                year: y,
                firms: &now,
                stays: &stays,
            };
            let metrics = one.metrics(&annual[&(park.to_string(), y)], &mut note);
            by_year.insert(y, metrics);
        }
        for v in [&mut note.left_out, &mut note.brought_in] {
            v.sort();
            v.dedup();
        }
        restated.insert((park.to_string(), year), by_year);
        notes.push(note);
    }
    Ok((notes, restated))
}

/// The months each firm was inside each park's boundary.
struct Stays<'a> {
    /// park -> firm -> its stays.
    by: BTreeMap<&'a str, BTreeMap<&'a str, Vec<&'a crate::input::enterprises::Enterprise>>>,
}

impl<'a> Stays<'a> {
    fn of(data: &'a Dataset) -> Self {
        let mut by: BTreeMap<&str, BTreeMap<&str, Vec<_>>> = BTreeMap::new();
        for e in &data.enterprises {
            by.entry(e.park_id.as_str())
                .or_default()
                .entry(e.id.as_str())
                .or_default()
                .push(e);
        }
        Stays { by }
    }

    /// The park's firms' names by code (those that have one).
    fn names(&self, park: &str) -> BTreeMap<String, String> {
        self.by
            .get(park)
            .into_iter()
            .flatten()
            .filter_map(|(id, stays)| {
                let e = stays.iter().find(|e| !e.name.is_empty())?;
                Some((id.to_string(), e.name.clone()))
            })
            .collect()
    }

    fn parks(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by.keys().copied()
    }

    fn months(&self, park: &str, firm: &str, year: i32) -> u16 {
        self.by
            .get(park)
            .and_then(|m| m.get(firm))
            .into_iter()
            .flatten()
            .fold(0, |acc, e| acc | e.months_of(year))
    }

    /// The firms inside the park's boundary in any month of the year.
    fn inside(&self, park: &str, year: i32) -> BTreeSet<&'a str> {
        self.by
            .get(park)
            .into_iter()
            .flat_map(|m| m.keys().copied())
            .filter(|f| self.months(park, f, year) != 0)
            .collect()
    }

    /// Does restating `year` on the boundary `now` change it: a firm of `now` outside for some
    /// of `year`, or a firm inside in `year` that is not in `now`?
    fn differs(&self, park: &str, now: &BTreeSet<&str>, year: i32) -> bool {
        self.by.get(park).is_some_and(|m| {
            m.keys().any(|f| {
                let months = self.months(park, f, year);
                if now.contains(f) {
                    months != FULL_YEAR
                } else {
                    months != 0
                }
            })
        })
    }
}

/// One earlier year of a park restated over the firms of a later boundary.
struct OneYear<'a> {
    data: &'a Dataset,
    units: &'a UnitAnnual,
    vocab: &'a Vocabulary,
    park: &'a str,
    year: i32,
    firms: &'a BTreeSet<&'a str>,
    stays: &'a Stays<'a>,
}

/// A restated metric being summed.
#[derive(Default)]
struct Sum {
    value: f64,
    unknown: bool,
    estimated: bool,
    months: u8,
    grade_sum: [f64; 4],
}

impl Sum {
    fn add(&mut self, m: &MetricYear) {
        match m.value {
            Some(v) => {
                self.value += v;
                for (s, g) in self.grade_sum.iter_mut().zip(m.grades.0) {
                    *s += v * g;
                }
            }
            None => self.unknown = true,
        }
        self.estimated |= m.estimated;
        self.months = self.months.max(m.months);
    }
}

impl OneYear<'_> {
    fn unit(&self, firm: &str) -> Option<&BTreeMap<String, MetricYear>> {
        self.units
            .get(&(self.park.to_string(), firm.to_string(), self.year))
    }

    /// The year's metrics on the later boundary: the park's own rows and the later boundary's
    /// firms summed, the metrics that are not summed as they were.
    fn metrics(
        &self,
        was: &BTreeMap<String, MetricYear>,
        note: &mut Restatement,
    ) -> BTreeMap<String, MetricYear> {
        let vocab = self.vocab;
        let summed = |id: &str| vocab.metrics.get(id).map(|m| m.aggregate) == Some(Aggregate::Sum);
        let mut out: BTreeMap<String, MetricYear> = was
            .iter()
            .filter(|(id, _)| !summed(id))
            .map(|(id, m)| (id.clone(), *m))
            .collect();
        let mut sums: BTreeMap<String, Sum> = BTreeMap::new();
        for (id, m) in self.unit("").into_iter().flatten() {
            if summed(id) {
                sums.entry(id.clone()).or_default().add(m);
            }
        }
        for f in self
            .stays
            .by
            .get(self.park)
            .into_iter()
            .flat_map(|m| m.keys())
        {
            let inside = self.stays.months(self.park, f, self.year);
            if !self.firms.contains(f) {
                if inside != 0 {
                    note.left_out.push(f.to_string());
                }
                continue;
            }
            self.add_firm(f, inside, &mut sums, note);
        }
        for (id, s) in sums {
            let total: f64 = s.grade_sum.iter().sum();
            let grades = if total > 0.0 {
                Grades(s.grade_sum.map(|x| x / total))
            } else {
                was.get(&id).map_or_else(Grades::default, |m| m.grades)
            };
            out.insert(
                id,
                MetricYear {
                    value: (!s.unknown).then_some(s.value),
                    estimated: s.estimated,
                    months: s.months,
                    grades,
                },
            );
        }
        out
    }

    /// A firm of the later boundary, whole: its rows inside in this year and those from while
    /// it was outside.
    fn add_firm(
        &self,
        firm: &str,
        inside: u16,
        sums: &mut BTreeMap<String, Sum>,
        note: &mut Restatement,
    ) {
        let was_outside = FULL_YEAR & !inside;
        // The firm's rows from while it was outside, by metric id (looked up once).
        let parts: BTreeMap<&str, &crate::input::enterprises::OutsidePart> = if was_outside != 0 {
            (self.data.outside.year(self.park, firm, self.year))
                .into_iter()
                .flatten()
                .filter_map(|(k, p)| Some((self.vocab.order.get(*k as usize)?.as_str(), p)))
                .collect()
        } else {
            BTreeMap::new()
        };
        let rows_outside = !parts.is_empty();
        let admitted = self.unit(firm);
        if admitted.is_none() && !rows_outside {
            if was_outside != 0 {
                note.no_rows.push((firm.to_string(), self.year));
            }
            return;
        }
        if rows_outside {
            note.brought_in.push(firm.to_string());
        }
        // Only the metrics the firm has, inside or outside.
        let ids: BTreeSet<&str> = admitted
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
            .chain(parts.keys().copied())
            .collect();
        for id in ids {
            let mine = admitted.and_then(|a| a.get(id));
            let part = parts.get(id).copied();
            let s = sums.entry(id.to_string()).or_default();
            if let Some(m) = mine {
                s.add(m);
            }
            let Some(p) = part else {
                continue;
            };
            if p.months & was_outside != was_outside {
                s.unknown = true;
                note.unknown
                    .push((firm.to_string(), self.year, id.to_string()));
                continue;
            }
            let total: f64 = p.grade_sum.iter().sum();
            s.add(&MetricYear {
                value: p.value,
                estimated: p.grade_sum[Grade::C as usize] + p.grade_sum[Grade::D as usize] > 0.0,
                months: 0,
                grades: if total > 0.0 {
                    Grades(p.grade_sum.map(|x| x / total))
                } else {
                    Grades::default()
                },
            });
        }
    }
}
