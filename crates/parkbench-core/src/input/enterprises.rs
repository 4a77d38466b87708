//! The enterprises inside a park's boundary (`enterprises.csv`, or a workbook sheet
//! `enterprises` / `企业`): `park_id, enterprise_id, name, sector, in_boundary_from,
//! in_boundary_to` (months `YYYY-MM`, empty = open), optionally `id_kind`.
//!
//! `enterprise_id` is the 18-character unified social credit code (统一社会信用代码, GB
//! 32100-2015), checked with its check character. Another identifier is accepted only when its
//! row says so (`id_kind = local`), and then said (a warning), never silently. An enterprise
//! inside two parks' boundaries in the same month is an error on both lines.

use super::table::Table;
use crate::diag::{Diagnostic, Origin, Report};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// The characters of a unified social credit code, in the order of their values.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// The weights of the first 17 characters (GB 32100-2015).
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Is this a unified social credit code with the right check character?
pub fn uscc_valid(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let value = |c: u8| USCC_CHARS.iter().position(|&x| x == c).map(|v| v as u32);
    let mut sum = 0;
    for (c, w) in b[..17].iter().zip(USCC_WEIGHTS) {
        let Some(v) = value(*c) else {
            return false;
        };
        sum += v * w;
    }
    let check = (31 - sum % 31) % 31;
    value(b[17]) == Some(check)
}

/// A month as a number: year x 12 + (month - 1).
pub type Month = i32;

pub fn month(year: i32, m: u8) -> Month {
    year * 12 + i32::from(m) - 1
}

/// One enterprise's stay inside a park's boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Enterprise {
    pub park_id: String,
    pub id: String,
    pub name: String,
    pub sector: String,
    /// First and last month inside (None: open).
    pub from: Option<Month>,
    pub to: Option<Month>,
    pub file: Origin,
    pub line: usize,
}

impl Enterprise {
    /// Is the month inside the boundary?
    pub fn inside(&self, m: Month) -> bool {
        self.from.is_none_or(|f| m >= f) && self.to.is_none_or(|t| m <= t)
    }

    /// The months of `year` inside the boundary, as bits 0-11.
    pub fn months_of(&self, year: i32) -> u16 {
        (1..=12u8)
            .filter(|&m| self.inside(month(year, m)))
            .fold(0, |acc, m| acc | 1 << (m - 1))
    }
}

/// The columns of the table; `id_kind` may be left out.
pub const COLUMNS: [&str; 7] = [
    "park_id",
    "enterprise_id",
    "name",
    "sector",
    "in_boundary_from",
    "in_boundary_to",
    "id_kind",
];

fn parse_month(raw: &str) -> Option<Month> {
    let t = raw.trim();
    let (y, m) = match t.find(['-', '/', '.']) {
        Some(i) => (&t[..i], &t[i + 1..]),
        None if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) => t.split_at(4),
        None => return None,
    };
    let y: i32 = y.parse().ok()?;
    let m: u8 = m.parse().ok()?;
    (super::activity::YEARS.contains(&y) && (1..=12).contains(&m)).then(|| month(y, m))
}

/// Reads an enterprises table: every row checked, every problem located.
pub fn read(t: &Table, diags: &mut Report) -> Vec<Enterprise> {
    let Some(cols) = t.columns_of(
        &COLUMNS,
        &COLUMNS[2..],
        "diag.enterprises_columns",
        t!("diag.expected.enterprises_columns"),
        diags,
    ) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(t.rows());
    let mut local_ids = 0;
    for r in 0..t.rows() {
        let mut row = EnterpriseRow {
            t,
            cols: &cols,
            r,
            line: t.line(r),
            park: "",
        };
        row.park = row.cell(0);
        let before = diags.error_count();
        let local = row.local_id(diags);
        local_ids += usize::from(row.check_id(local, diags));
        let months = row.months(diags);
        if diags.error_count() > before {
            continue;
        }
        let id = row.cell(1);
        out.push(Enterprise {
            park_id: row.park.to_string(),
            id: if local {
                id.to_string()
            } else {
                id.to_uppercase()
            },
            name: row.cell(2).to_string(),
            sector: row.cell(3).to_string(),
            from: months[0],
            to: months[1],
            file: t.origin.clone(),
            line: row.line,
        });
    }
    if local_ids > 0 {
        diags.push(
            Diagnostic::warning(
                &t.origin,
                t.header_line as usize,
                0,
                t!("diag.enterprise_local_ids", n = local_ids),
            )
            .hint(t!("diag.hint.enterprise_local_ids")),
        );
    }
    out
}

/// A row of an enterprises table being read: its cells by the place of their column in
/// [`COLUMNS`], its line and park.
struct EnterpriseRow<'a> {
    t: &'a Table,
    cols: &'a [Option<usize>],
    r: usize,
    line: usize,
    park: &'a str,
}

impl<'a> EnterpriseRow<'a> {
    /// The cell of column `c` of [`COLUMNS`], trimmed ("" when missing).
    fn cell(&self, c: usize) -> &'a str {
        self.cols[c]
            .and_then(|c| self.t.columns[c].get(self.r))
            .map(str::trim)
            .unwrap_or("")
    }

    /// An error at the cell of column `c`.
    fn error(&self, c: usize, message: crate::i18n::Text) -> Diagnostic {
        let at = self.cols[c].map_or(0, |c| c + 1);
        Diagnostic::error(&self.t.origin, self.line, at, message).park(self.park)
    }

    /// Does the row say its id is a local one (`id_kind`), not a credit code?
    fn local_id(&self, diags: &mut Report) -> bool {
        match self.cell(6).to_lowercase().as_str() {
            "" | "uscc" | "统一社会信用代码" => false,
            "local" | "其他" | "其他编号" => true,
            other => {
                diags.push(
                    self.error(6, t!("diag.enterprise_id_kind"))
                        .value(other)
                        .expected(t!("diag.expected.enterprise_id_kind")),
                );
                false
            }
        }
    }

    /// Checks the id: given, and a valid credit code unless local. True for a local id.
    fn check_id(&self, local: bool, diags: &mut Report) -> bool {
        let id = self.cell(1);
        if id.is_empty() {
            diags.push(
                self.error(1, t!("diag.enterprise_id_empty"))
                    .expected(t!("diag.expected.uscc")),
            );
        } else if !local && !uscc_valid(&id.to_uppercase()) {
            diags.push(
                self.error(1, t!("diag.enterprise_uscc"))
                    .value(id)
                    .expected(t!("diag.expected.uscc"))
                    .hint(t!("diag.hint.enterprise_uscc")),
            );
        } else if local {
            return true;
        }
        false
    }

    /// The first and last month inside the boundary (None: open), each a month or empty, the
    /// first not after the last.
    fn months(&self, diags: &mut Report) -> [Option<Month>; 2] {
        let mut months = [None, None];
        for (i, c) in [4, 5].into_iter().enumerate() {
            let raw = self.cell(c);
            if raw.is_empty() {
                continue;
            }
            match parse_month(raw) {
                Some(m) => months[i] = Some(m),
                None => diags.push(
                    self.error(c, t!("diag.enterprise_month"))
                        .value(raw)
                        .expected(t!("diag.expected.boundary_month")),
                ),
            }
        }
        if let [Some(f), Some(to)] = months
            && f > to
        {
            diags.push(
                self.error(5, t!("diag.enterprise_to_before_from"))
                    .value(self.cell(5))
                    .expected(t!("diag.expected.month_from", from = self.cell(4))),
            );
        }
        months
    }
}

/// The enterprises of a dataset, by park and enterprise id.
#[derive(Debug, Clone, Default)]
pub struct Boundary {
    pub list: Vec<Enterprise>,
    /// park -> enterprise -> rows of `list`: looked up by `&str` on every activity row of an
    /// enterprise, without allocating.
    by: FxHashMap<String, FxHashMap<String, Vec<usize>>>,
}

impl Boundary {
    pub fn add(&mut self, e: Enterprise) {
        // The park's key made once, not for each of its firms.
        if !self.by.contains_key(e.park_id.as_str()) {
            self.by.insert(e.park_id.clone(), FxHashMap::default());
        }
        if let Some(firms) = self.by.get_mut(e.park_id.as_str()) {
            firms.entry(e.id.clone()).or_default().push(self.list.len());
        }
        self.list.push(e);
    }

    /// Adds every enterprise of a table, the list grown once (a national year's half a million
    /// firms were copied again at each doubling).
    pub fn extend(&mut self, enterprises: Vec<Enterprise>) {
        self.list.reserve(enterprises.len());
        for e in enterprises {
            self.add(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The rows of an enterprise in a park (several stays are several rows).
    pub fn stays(&self, park: &str, id: &str) -> impl Iterator<Item = &Enterprise> {
        self.by
            .get(park)
            .and_then(|m| m.get(id))
            .into_iter()
            .flatten()
            .map(|&i| &self.list[i])
    }

    /// Does the park list its enterprises?
    pub fn has_park(&self, park: &str) -> bool {
        self.by.contains_key(park)
    }

    /// Is the enterprise listed for the park at all?
    pub fn knows(&self, park: &str, id: &str) -> bool {
        self.by.get(park).is_some_and(|m| m.contains_key(id))
    }

    /// The months of `year` the enterprise was inside the park's boundary (bits 0-11).
    pub fn months(&self, park: &str, id: &str, year: i32) -> u16 {
        self.stays(park, id)
            .fold(0, |acc, e| acc | e.months_of(year))
    }

    /// An enterprise inside two parks' boundaries (or twice inside one) in the same month: an
    /// error on both lines, each naming the other.
    pub fn overlaps(&self, diags: &mut Report) {
        let mut by_id: FxHashMap<&str, Vec<&Enterprise>> = FxHashMap::default();
        for e in &self.list {
            by_id.entry(&e.id).or_default().push(e);
        }
        // Only an enterprise listed twice can overlap (most are listed once: not sorted).
        let mut ids: Vec<&&str> = by_id
            .iter()
            .filter(|(_, stays)| stays.len() > 1)
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        for id in ids {
            let stays = &by_id[*id];
            for (i, a) in stays.iter().enumerate() {
                for b in &stays[i + 1..] {
                    let from = a
                        .from
                        .unwrap_or(Month::MIN)
                        .max(b.from.unwrap_or(Month::MIN));
                    let to = a.to.unwrap_or(Month::MAX).min(b.to.unwrap_or(Month::MAX));
                    if from > to {
                        continue;
                    }
                    let when = if from == Month::MIN {
                        "—".to_string()
                    } else {
                        format!("{}-{:02}", from.div_euclid(12), from.rem_euclid(12) + 1)
                    };
                    for (this, other) in [(*a, *b), (*b, *a)] {
                        diags.push(
                            Diagnostic::error(
                                &this.file,
                                this.line,
                                2,
                                t!(
                                    "diag.enterprise_two_boundaries",
                                    other = crate::diag::location(&other.file, other.line, 0),
                                    park = &other.park_id,
                                    from = when.clone()
                                ),
                            )
                            .value(&this.id)
                            .expected(t!("diag.expected.one_boundary"))
                            .park(&this.park_id),
                        );
                    }
                }
            }
        }
    }
}

/// The months of a year as bits 0-11, all set.
pub const FULL_YEAR: u16 = 0xFFF;

/// What admitting rows keeps from file to file: the (park, enterprise) pairs already reported
/// as unknown, and the rows left out because their firm was outside the boundary.
#[derive(Debug, Default)]
pub struct Admission {
    reported: rustc_hash::FxHashSet<(Arc<str>, Arc<str>)>,
    pub outside: Outside,
}

/// The activity of enterprises while outside their park's boundary: left out of the park, and
/// kept summed per (park, enterprise, year, metric index) so that an earlier year can be
/// restated on a later boundary with a firm that has moved in since (its rows from before).
#[derive(Debug, Default, Clone)]
pub struct Outside(
    std::collections::BTreeMap<(String, String, i32), std::collections::BTreeMap<u16, OutsidePart>>,
);

/// A firm's rows of one metric in one year while outside the boundary.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct OutsidePart {
    /// The sum; None when a row was missing (missing is not zero).
    pub value: Option<f64>,
    /// The months the rows cover (bits 0-11; a year row covers the months it was outside).
    pub months: u16,
    /// The sum per evidence grade (A-D).
    pub grade_sum: [f64; 4],
}

impl Outside {
    fn add(&mut self, (park, e): (&str, &str), r: &super::Row, months: u16, value: Option<f64>) {
        let year = (self.0)
            .entry((park.to_string(), e.to_string(), r.year))
            .or_default();
        let first = !year.contains_key(&r.metric);
        let p = year.entry(r.metric).or_default();
        p.value = match (first, p.value, value) {
            (true, _, v) => v,
            (false, Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        p.months |= months;
        p.grade_sum[r.grade as usize] += value.unwrap_or(0.0);
    }

    /// A firm's rows from outside the boundary in a year, by metric index (None: it has none).
    pub fn year(
        &self,
        park: &str,
        enterprise: &str,
        year: i32,
    ) -> Option<&std::collections::BTreeMap<u16, OutsidePart>> {
        self.0
            .get(&(park.to_string(), enterprise.to_string(), year))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Activity rows of enterprises against the boundary, as they are read: an enterprise the
/// park's enterprises table lacks is an error (once per park and enterprise); a metric that is
/// not summed (a share, a count) is the park's to report, an error on an enterprise's row; a
/// monthly row outside the boundary is a warning at its line and left out; a year row of an
/// enterprise inside for part of the year counts for its months inside (value x months / 12),
/// as an estimate (grade C) and said. Rows without an enterprise pass as they are.
pub fn admit(
    mut part: super::activity::Part,
    boundary: &Boundary,
    file: &Origin,
    vocab: &crate::reference::Vocabulary,
    kept: &mut Admission,
    diags: &mut Report,
) -> super::activity::Part {
    if part.rows.iter().all(|r| r.enterprise == 0) {
        return part;
    }
    // Whether each metric (by its index) is summed, looked up once instead of on every row.
    let summed: Vec<bool> = vocab
        .order
        .iter()
        .map(|m| vocab.metrics[m].aggregate == crate::reference::Aggregate::Sum)
        .collect();
    let super::activity::Part {
        rows,
        parks,
        enterprises,
    } = &mut part;
    // What the boundary says of an enterprise of the part (by its number) in a park and year:
    // looked up once by text, then found by the numbers (the last park and year asked for each
    // enterprise beside it; every one asked in `other`).
    type Said = (bool, u16);
    let mut said: Vec<Option<(u32, i32, Said)>> = vec![None; enterprises.len()];
    let mut other: FxHashMap<(u32, u32, i32), Said> = FxHashMap::default();
    // The rows kept stay where they are (no second vector of the rows).
    rows.retain_mut(|r| {
        let Some(ei) = (r.enterprise as usize).checked_sub(1) else {
            return true;
        };
        let (park, e) = (&parks[r.park as usize], &enterprises[ei]);
        let (park_no, year) = (r.park, r.year);
        let look = || {
            let known = boundary.knows(park, e);
            let inside = if known {
                boundary.months(park, e, year)
            } else {
                0
            };
            (known, inside)
        };
        let (known, inside) = match &mut said[ei] {
            Some((p, y, answer)) if *p == park_no && *y == year => *answer,
            slot => {
                let answer = *other
                    .entry((park_no, r.enterprise, year))
                    .or_insert_with(look);
                *slot = Some((park_no, year, answer));
                answer
            }
        };
        // Most rows: a summed metric of an enterprise listed and inside for the row's period
        // (its month, or the whole year for a year row), kept as it is.
        let whole_period = match r.month {
            Some(m) => inside & (1 << (m - 1)) != 0,
            None => inside == FULL_YEAR,
        };
        if known && whole_period && summed[r.metric as usize] {
            return true;
        }
        let at = RowAt {
            file,
            line: r.line as usize,
            col: r.enterprise_column as usize,
            enterprise: e,
            park,
        };
        if let Some(d) = refused(r, (park, &at), known, (vocab, &summed), kept) {
            diags.extend(d);
            return false;
        }
        // The period of a row outside the boundary: its month, or its year when the firm was
        // inside for none of it.
        let outside = match r.month {
            Some(m) if inside & (1 << (m - 1)) == 0 => Some(format!("{}-{m:02}", r.year)),
            None if inside == 0 => Some(r.year.to_string()),
            _ => None,
        };
        if let Some(period) = outside {
            let months = r.month.map_or(FULL_YEAR, |m| 1 << (m - 1));
            kept.outside.add((park, e), r, months, r.value);
            let message = t!(
                "diag.enterprise_outside",
                enterprise = &**e,
                park = at.park,
                period = period
            );
            diags.push(at.warning(message));
            return false;
        }
        if r.month.is_none() && inside != 0xFFF {
            let d = part_year(r, &at, inside, kept);
            diags.push(d);
        }
        true
    });
    part
}

/// Where an enterprise's activity row is, for its problems.
struct RowAt<'a> {
    file: &'a Origin,
    line: usize,
    col: usize,
    enterprise: &'a str,
    park: &'a str,
}

impl RowAt<'_> {
    fn error(&self, message: crate::i18n::Text) -> Diagnostic {
        Diagnostic::error(self.file, self.line, self.col, message)
            .value(self.enterprise)
            .park(self.park)
    }

    fn warning(&self, message: crate::i18n::Text) -> Diagnostic {
        Diagnostic::warning(self.file, self.line, self.col, message)
            .value(self.enterprise)
            .park(self.park)
    }
}

/// Why an enterprise's row is refused, when it is: its metric is not summed (the park's to
/// report), or the enterprise is not in the park's table (said once per park and enterprise;
/// its other rows go with the first, with no error of their own).
fn refused(
    r: &super::Row,
    (park, at): (&Arc<str>, &RowAt<'_>),
    known: bool,
    (vocab, summed): (&crate::reference::Vocabulary, &[bool]),
    kept: &mut Admission,
) -> Option<Option<Diagnostic>> {
    let metric = &vocab.order[r.metric as usize];
    if !summed[r.metric as usize] {
        return Some(Some(
            at.error(t!("diag.enterprise_not_summed", metric = metric))
                .hint(t!("diag.hint.enterprise_not_summed")),
        ));
    }
    if !known {
        let first = kept
            .reported
            .insert((park.clone(), Arc::from(at.enterprise)));
        return Some(first.then(|| {
            at.error(t!("diag.enterprise_unknown", park = at.park))
                .expected(t!("diag.expected.enterprise_listed", park = at.park))
        }));
    }
    None
}

/// A year row of an enterprise inside for part of the year: counted for its months inside
/// (value x months / 12), as an estimate (grade C); the rest kept aside. The warning that says
/// so.
fn part_year(r: &mut super::Row, at: &RowAt<'_>, inside: u16, kept: &mut Admission) -> Diagnostic {
    let n = inside.count_ones();
    let out = FULL_YEAR & !inside;
    kept.outside.add(
        (at.park, at.enterprise),
        r,
        out,
        r.value.map(|v| v * f64::from(12 - n) / 12.0),
    );
    r.value = r.value.map(|v| v * f64::from(n) / 12.0);
    r.grade = r.grade.max(super::Grade::C);
    at.warning(t!(
        "diag.enterprise_part_year",
        enterprise = at.enterprise,
        park = at.park,
        year = r.year,
        n = n
    ))
    .hint(t!("diag.hint.enterprise_part_year"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_character_of_published_codes() {
        assert!(uscc_valid("91350100M000100Y43"));
        assert!(uscc_valid("91330100799655058B"));
        assert!(uscc_valid("91110000802100433B"));
        assert!(!uscc_valid("91350100M000100Y44"));
        assert!(!uscc_valid("91350100M000100Y4"));
        // I, O, S, V, Z are not in the alphabet.
        assert!(!uscc_valid("91350100M000100O43"));
    }
}
