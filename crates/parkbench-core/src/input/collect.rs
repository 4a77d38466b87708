//! Activity rows summed into park-year-metric groups as they are read, so a dataset never
//! holds one record per row: a 2 GB activity file of monthly rows keeps some 10 bytes a row
//! (a group of twelve months is one [`Group`] and the first line of each month).
//!
//! Everything the checks across rows need is kept per group: the first row, the periods
//! seen and the first line of each (for duplicates, year totals mixed with months, missing
//! months), the park's first row and row count (for activity of unknown parks). The checks
//! run once at the end ([`Collector::finish`]), in time linear in the groups.

use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::activity::{Part, Row};
use super::blocks::Blocks;
use crate::diag::{Diagnostic, Origin};
use crate::reference::Vocabulary;

/// Where a row is: its file (index into the dataset's files), line, and the column of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct At {
    pub file: u16,
    pub column: u16,
    pub line: u32,
}

/// The rows of one park, year and metric, summed as they came.
#[derive(Debug, Clone)]
pub struct Group {
    /// Index into [`Collector::parks`].
    pub park: u32,
    pub year: i32,
    /// Index into [`Vocabulary::order`].
    pub metric: u16,
    /// The first row, in file order.
    pub first: At,
    /// The period of the first row (0 = a year total, 1-12 = a month).
    first_period: u8,
    /// Periods seen: bit 0 a year total, bit m month m.
    periods: u16,
    /// Incomplete months: the year total is unknown.
    pub incomplete: bool,
    pub rows: u32,
    /// Rows with a missing-value token.
    pub nulls: u32,
    /// Rows with a value.
    pub values: u32,
    /// Monthly rows.
    pub monthly: u32,
    /// Rows marked as estimates (evidence C or D).
    pub estimated: u32,
    /// Rows with a value on each evidence grade, and the size of their values.
    pub grade_rows: [u32; 4],
    pub grade_sum: [f64; 4],
    /// Sum (Kahan-compensated, rows in file order, as polars sums groups) and largest of the
    /// values.
    pub sum: f64,
    sum_err: f64,
    pub max: f64,
    /// 1 + index into the first lines of each period, once a second period is seen; 0 before.
    side: u32,
}

impl Group {
    /// The first and last month its rows cover (1-12; a year total covers the whole year).
    pub fn months(&self) -> (u8, u8) {
        const YEAR_TOTAL: u16 = 1;
        const DECEMBER: u8 = 12;
        if self.periods & YEAR_TOTAL != 0 || self.periods == 0 {
            return (1, DECEMBER);
        }
        let first = self.periods.trailing_zeros() as u8;
        let last = (u16::BITS - 1 - self.periods.leading_zeros()) as u8;
        (first, last)
    }
}

/// The first line (and file) of each period of a group: 0 = a year total, 1-12 = months.
#[derive(Debug, Clone, Copy, Default)]
struct Periods {
    lines: [u32; 13],
    files: [u16; 13],
}

/// A park seen in activity rows, or one of its enterprises: the unit rows are summed by (a
/// park's total is the sum of its units).
#[derive(Debug, Clone)]
pub struct ActivityPark {
    /// The park.
    pub id: Arc<str>,
    /// The enterprise, for rows of an enterprise (None: the park's own rows).
    pub enterprise: Option<Arc<str>>,
    /// Its first row.
    pub first: At,
    pub rows: u64,
}

/// A duplicate row and the first row of its period.
#[derive(Debug, Clone, Copy)]
struct Duplicate {
    group: u32,
    month: u8,
    at: At,
    first: (u16, u32),
}

/// The months of a year a park's enterprise must report (bits 0-11), by park, enterprise and
/// year.
type Expected<'e> = &'e dyn Fn(&str, &str, i32) -> u16;

/// Activity rows, summed into groups as they are read.
#[derive(Debug, Clone, Default)]
pub struct Collector {
    /// The units rows are summed by: parks, and enterprises of parks.
    pub parks: Vec<ActivityPark>,
    park_index: FxHashMap<(Arc<str>, Option<Arc<str>>), u32>,
    /// Every unit of a park, the park's own first when it has rows.
    units_of: FxHashMap<Arc<str>, Vec<u32>>,
    /// In the order each group's first row came.
    pub groups: Blocks<Group>,
    /// The group of each unit, year and metric.
    index: GroupIndex,
    periods: Blocks<Periods>,
    duplicates: Vec<Duplicate>,
    /// The unit of the last row (rows of a park come in runs).
    last_park: Option<(Arc<str>, Option<Arc<str>>, u32)>,
}

/// Where each unit's groups are: a table per unit and year, holding the group of each metric
/// (by its number), and each unit's last year and table beside it. A row finds its group
/// without hashing: a national year of enterprise rows names a new group on nearly every row
/// (enterprise after enterprise), and one hash of five million groups was a quarter of the
/// collector's time.
#[derive(Debug, Clone, Default)]
struct GroupIndex {
    /// Slots per table: the number of metrics (grown when a larger metric number comes).
    width: usize,
    /// The tables, [`TABLES`] to a block (growing never moves one), [`NO_GROUP`] where none.
    blocks: Vec<Vec<u32>>,
    tables: u32,
    /// The table of each unit and year.
    of: FxHashMap<(u32, i32), u32>,
    /// Each unit's last year and its table (a unit's rows of a year come together, or
    /// nearly): by unit.
    last: Vec<(i32, u32)>,
}

/// Tables in a block of [`GroupIndex`].
const TABLES: usize = 1 << 12;
/// A slot of no group.
const NO_GROUP: u32 = u32::MAX;

impl GroupIndex {
    fn new(metrics: usize) -> Self {
        GroupIndex {
            width: metrics,
            ..GroupIndex::default()
        }
    }

    /// The table of a unit's year, made when there is none.
    fn table(&mut self, unit: u32, year: i32) -> u32 {
        // (A unit's last year starts as i32::MIN: no year a row has, checked against YEARS.)
        debug_assert_ne!(year, i32::MIN);
        let u = unit as usize;
        if u >= self.last.len() {
            self.last.resize(u + 1, (i32::MIN, 0));
        }
        match self.last[u] {
            (y, t) if y == year => t,
            _ => {
                let next = self.tables;
                let t = *self.of.entry((unit, year)).or_insert(next);
                if t == next {
                    self.tables += 1;
                    if (next as usize).is_multiple_of(TABLES) {
                        self.blocks.push(Vec::with_capacity(TABLES * self.width));
                    }
                    let block = self.blocks.last_mut().expect("a block was made above");
                    block.resize(block.len() + self.width, NO_GROUP);
                }
                self.last[u] = (year, t);
                t
            }
        }
    }

    /// The slot of a table's metric (tables widened first, when the metric is beyond them).
    fn slot(&mut self, table: u32, metric: u16) -> &mut u32 {
        let m = usize::from(metric);
        if m >= self.width {
            self.widen(m + 1);
        }
        let t = table as usize;
        &mut self.blocks[t / TABLES][(t % TABLES) * self.width + m]
    }

    /// Makes each table `width` slots, the new ones empty.
    fn widen(&mut self, width: usize) {
        let (old, tables) = (self.width, self.tables as usize);
        for (b, block) in self.blocks.iter_mut().enumerate() {
            let mut wider = Vec::with_capacity(TABLES * width);
            for t in 0..(tables - b * TABLES).min(TABLES) {
                wider.extend_from_slice(&block[t * old..(t + 1) * old]);
                wider.resize((t + 1) * width, NO_GROUP);
            }
            *block = wider;
        }
        self.width = width;
    }

    /// The group of a unit, year and metric.
    fn get(&self, unit: u32, year: i32, metric: u16) -> Option<u32> {
        let m = usize::from(metric);
        if m >= self.width {
            return None;
        }
        let t = *self.of.get(&(unit, year))? as usize;
        let g = self.blocks[t / TABLES][(t % TABLES) * self.width + m];
        (g != NO_GROUP).then_some(g)
    }
}

impl Collector {
    /// A collector of rows of a vocabulary of `metrics` metrics.
    pub fn new(metrics: usize) -> Self {
        Collector {
            index: GroupIndex::new(metrics),
            ..Collector::default()
        }
    }

    /// Adds a checked row of a park (and enterprise); returns the number of its unit.
    pub fn add(&mut self, park: &Arc<str>, enterprise: Option<&Arc<str>>, r: Row) -> u32 {
        let unit = self.park_of(park, &enterprise.cloned());
        self.add_to(unit, r);
        unit
    }

    /// Adds a part's checked rows in order (its rows are left empty, their room kept), telling
    /// `unit` the number of each unit (park, or enterprise of a park) the rows are of, at least
    /// once each. Each park and enterprise number of the part finds its unit once (by text),
    /// then by the numbers: the rows of a national tree name a new enterprise on nearly every
    /// row.
    pub fn add_part(&mut self, part: &mut Part, mut unit: impl FnMut(u32)) {
        const NONE: u32 = u32::MAX;
        let Part {
            rows,
            parks,
            enterprises,
        } = part;
        // The unit of each park's own rows, by park number; of each enterprise's rows, with the
        // park number it was last found for (every one found, in `other`: an enterprise under
        // two parks of the part).
        let mut own = vec![NONE; parks.len()];
        let mut firm = vec![(NONE, NONE); enterprises.len()];
        let mut other: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        for r in rows.drain(..) {
            let mut find = |c: &mut Collector| {
                let e = (r.enterprise as usize)
                    .checked_sub(1)
                    .map(|e| enterprises[e].clone());
                let u = c.park_of(&parks[r.park as usize], &e);
                unit(u);
                u
            };
            let u = match r.enterprise {
                0 => match own[r.park as usize] {
                    NONE => {
                        let u = find(self);
                        own[r.park as usize] = u;
                        u
                    }
                    u => u,
                },
                e => match firm[e as usize - 1] {
                    (p, u) if p == r.park => u,
                    _ => {
                        let u = match other.get(&(r.park, e)) {
                            Some(&u) => u,
                            None => {
                                let u = find(self);
                                other.insert((r.park, e), u);
                                u
                            }
                        };
                        firm[e as usize - 1] = (r.park, u);
                        u
                    }
                },
            };
            self.add_to(u, r);
        }
    }

    /// Adds a checked row to the unit `park` (its park and enterprise's).
    fn add_to(&mut self, park: u32, r: Row) {
        let at = At {
            file: r.file,
            column: r.column,
            line: r.line,
        };
        let p = &mut self.parks[park as usize];
        p.rows += 1;
        let period = r.month.unwrap_or(0);
        let next = self.groups.len() as u32;
        let table = self.index.table(park, r.year);
        let slot = self.index.slot(table, r.metric);
        if *slot == NO_GROUP {
            *slot = next;
        }
        let gi = *slot;
        if gi == next {
            self.groups.push(Group {
                park,
                year: r.year,
                metric: r.metric,
                first: at,
                first_period: period,
                periods: 0,
                incomplete: false,
                rows: 0,
                nulls: 0,
                values: 0,
                monthly: 0,
                estimated: 0,
                grade_rows: [0; 4],
                grade_sum: [0.0; 4],
                sum: 0.0,
                sum_err: 0.0,
                max: f64::NEG_INFINITY,
                side: 0,
            });
        }
        let g = &mut self.groups[gi as usize];
        let bit = 1u16 << period;
        if g.periods & bit != 0 {
            let first = if period == g.first_period {
                (g.first.file, g.first.line)
            } else {
                let s = &self.periods[g.side as usize - 1];
                (s.files[period as usize], s.lines[period as usize])
            };
            self.duplicates.push(Duplicate {
                group: gi,
                month: period,
                at,
                first,
            });
        } else if g.periods != 0 {
            // A second period: from now on each period's first line is kept.
            if g.side == 0 {
                let mut s = Periods::default();
                s.lines[g.first_period as usize] = g.first.line;
                s.files[g.first_period as usize] = g.first.file;
                self.periods.push(s);
                g.side = self.periods.len() as u32;
            }
            let s = &mut self.periods[g.side as usize - 1];
            s.lines[period as usize] = at.line;
            s.files[period as usize] = at.file;
        }
        g.periods |= bit;
        g.rows += 1;
        match r.value {
            Some(v) => {
                g.values += 1;
                let y = v - g.sum_err;
                let sum = g.sum + y;
                let err = (sum - g.sum) - y;
                g.sum = sum;
                if err.is_finite() {
                    g.sum_err = err;
                }
                g.max = g.max.max(v);
                g.grade_rows[r.grade as usize] += 1;
                g.grade_sum[r.grade as usize] += v.abs();
            }
            None => g.nulls += 1,
        }
        g.monthly += u32::from(r.month.is_some());
        g.estimated += u32::from(r.grade.low());
    }

    fn park_of(&mut self, id: &Arc<str>, enterprise: &Option<Arc<str>>) -> u32 {
        let same = |a: &Arc<str>, b: &Arc<str>| Arc::ptr_eq(a, b) || **a == **b;
        if let Some((last, e, i)) = &self.last_park
            && same(last, id)
            && match (e, enterprise) {
                (None, None) => true,
                (Some(a), Some(b)) => same(a, b),
                _ => false,
            }
        {
            return *i;
        }
        let next = self.parks.len() as u32;
        let i = *self
            .park_index
            .entry((id.clone(), enterprise.clone()))
            .or_insert(next);
        if i == next {
            self.parks.push(ActivityPark {
                id: id.clone(),
                enterprise: enterprise.clone(),
                first: At::default(),
                rows: 0,
            });
            let units = self.units_of.entry(id.clone()).or_default();
            if enterprise.is_none() {
                units.insert(0, i);
            } else {
                units.push(i);
            }
        }
        self.last_park = Some((id.clone(), enterprise.clone(), i));
        i
    }

    /// The units of a park (its own first), when it has activity rows.
    pub fn units(&self, id: &str) -> &[u32] {
        self.units_of.get(id).map_or(&[], Vec::as_slice)
    }

    /// The group of a unit, year and metric.
    pub fn unit_group(&self, unit: u32, year: i32, metric: u16) -> Option<&Group> {
        let i = self.index.get(unit, year, metric)?;
        Some(&self.groups[i as usize])
    }

    /// The first group of a park's year and metric: the park's own rows, else its first
    /// enterprise's (where a message about the park's value points).
    pub fn group(&self, park_id: &str, year: i32, metric: u16) -> Option<&Group> {
        self.units(park_id)
            .iter()
            .find_map(|&u| self.unit_group(u, year, metric))
    }

    /// The first row of the park's first group is the park's first row.
    fn set_park_firsts(&mut self) {
        let mut seen = vec![false; self.parks.len()];
        for g in &self.groups {
            let p = g.park as usize;
            if !seen[p] {
                seen[p] = true;
                self.parks[p].first = g.first;
            }
        }
    }

    /// The checks across rows, once every row is in: activity of parks `known` lacks,
    /// duplicates, year totals mixed with months, incomplete months (the year total becomes
    /// unknown). Linear in the groups.
    pub fn finish(
        &mut self,
        files: &[Origin],
        known: &dyn Fn(&str) -> bool,
        expected: &dyn Fn(&str, &str, i32) -> u16,
        vocab: &Vocabulary,
        diags: &mut crate::diag::Report,
    ) {
        self.set_park_firsts();
        self.unknown_parks(files, known, diags);
        self.duplicate_rows(files, vocab, diags);
        // Each unit's months expected in its last year asked (an enterprise's ten metrics ask
        // the boundary once).
        let mut wants = vec![(i32::MIN, 0u16); self.parks.len()];
        for i in 0..self.groups.len() {
            if let Some((d, incomplete)) = self.months_of(i, files, (expected, &mut wants), vocab) {
                diags.push(d);
                // An incomplete year is not a smaller year: the metric becomes missing.
                self.groups[i].incomplete |= incomplete;
            }
        }
        // What only the checks needed.
        self.duplicates = Vec::new();
        self.periods = Blocks::default();
    }

    /// Activity of parks `known` lacks: an error at each such park's first row.
    fn unknown_parks(
        &self,
        files: &[Origin],
        known: &dyn Fn(&str) -> bool,
        diags: &mut crate::diag::Report,
    ) {
        for (id, units) in &self.units_of {
            if known(id) {
                continue;
            }
            let p = &self.parks[units[0] as usize];
            let n: u64 = units.iter().map(|&u| self.parks[u as usize].rows).sum();
            diags.push(
                Diagnostic::error(
                    &files[p.first.file as usize],
                    p.first.line as usize,
                    1,
                    t!("diag.activity_unknown_park", n = n),
                )
                .value(&*p.id)
                .expected(t!("diag.expected.park_listed"))
                .park(&*p.id),
            );
        }
    }

    /// A row for a park, year, metric (and month) given before: an error naming the first.
    fn duplicate_rows(
        &self,
        files: &[Origin],
        vocab: &Vocabulary,
        diags: &mut crate::diag::Report,
    ) {
        for d in &self.duplicates {
            let g = &self.groups[d.group as usize];
            let park = &*self.parks[g.park as usize].id;
            let name = &vocab.order[g.metric as usize];
            let year = g.year;
            let period: crate::i18n::Arg = if d.month > 0 {
                t!(
                    "diag.period_suffix",
                    period = format!("{year}-{:02}", d.month)
                )
                .into()
            } else {
                String::new().into()
            };
            let first = format!("{}:{}", files[d.first.0 as usize], d.first.1);
            diags.push(
                Diagnostic::error(
                    &files[d.at.file as usize],
                    d.at.line as usize,
                    0,
                    t!(
                        "diag.duplicate_row",
                        park = park,
                        year = year,
                        metric = name,
                        period = period,
                        first = first
                    ),
                )
                .park(park),
            );
        }
    }

    /// The month check of group `i`: a year total beside months (an error), or months missing
    /// (a warning, and true: the year becomes unknown).
    fn months_of(
        &self,
        i: usize,
        files: &[Origin],
        (expected, wants): (Expected<'_>, &mut [(i32, u16)]),
        vocab: &Vocabulary,
    ) -> Option<(Diagnostic, bool)> {
        let g = &self.groups[i];
        let months = g.periods >> 1;
        if months == 0 {
            return None;
        }
        let unit = &self.parks[g.park as usize];
        let park = &*unit.id;
        // The months the unit must report: all twelve for a park, those inside the boundary
        // for an enterprise (rows outside it were left out as they came).
        let want = match &unit.enterprise {
            None => 0xFFF,
            Some(e) => match &mut wants[g.park as usize] {
                (y, w) if *y == g.year => *w,
                slot => {
                    *slot = (g.year, expected(park, e, g.year));
                    slot.1
                }
            },
        };
        let name = &vocab.order[g.metric as usize];
        let year = g.year;
        // The first row of the earliest month.
        let m = months.trailing_zeros() as usize + 1;
        let (m_file, m_line) = match g.side {
            0 => (g.first.file, g.first.line),
            s => {
                let s = &self.periods[s as usize - 1];
                (s.files[m], s.lines[m])
            }
        };
        if g.periods & 1 != 0 {
            let (a_file, a_line) = match g.side {
                0 => (g.first.file, g.first.line),
                s => {
                    let s = &self.periods[s as usize - 1];
                    (s.files[0], s.lines[0])
                }
            };
            return Some((
                Diagnostic::error(
                    &files[a_file as usize],
                    a_line as usize,
                    0,
                    t!(
                        "diag.year_and_months",
                        park = park,
                        metric = name,
                        year = year,
                        months = format!("{}:{}", files[m_file as usize], m_line)
                    ),
                )
                .hint(t!("diag.hint.year_or_months"))
                .park(park),
                false,
            ));
        }
        if months & want == want {
            return None;
        }
        let count = months.count_ones();
        let absent: Vec<String> = (1..=12u16)
            .filter(|mo| want & (1 << (mo - 1)) != 0 && months & (1 << (mo - 1)) == 0)
            .map(|mo| format!("{year}-{mo:02}"))
            .collect();
        Some((
            Diagnostic::warning(
                &files[m_file as usize],
                m_line as usize,
                0,
                match &unit.enterprise {
                    None => t!(
                        "diag.months_incomplete",
                        park = park,
                        metric = name,
                        year = year,
                        count = count
                    ),
                    Some(e) => t!(
                        "diag.months_incomplete_enterprise",
                        park = park,
                        enterprise = &**e,
                        metric = name,
                        year = year,
                        count = count
                    ),
                },
            )
            .value(absent.join(", "))
            .expected(match unit.enterprise {
                None => t!("diag.expected.twelve_months"),
                Some(_) => t!("diag.expected.boundary_months", n = want.count_ones()),
            })
            .park(park),
            true,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        park: &str,
        metric: u16,
        month: Option<u8>,
        value: Option<f64>,
        file: u16,
        line: u32,
    ) -> (Arc<str>, Row) {
        let r = Row {
            park: 0,
            year: 2024,
            metric,
            value,
            month,
            grade: super::super::Grade::A,
            enterprise: 0,
            enterprise_column: 0,
            file,
            line,
            column: 4,
        };
        (park.into(), r)
    }

    /// Adds a park's own row.
    fn put(c: &mut Collector, (park, r): (Arc<str>, Row)) -> u32 {
        c.add(&park, None, r)
    }

    /// Tables over several blocks, widened when a larger metric comes, keep their groups.
    #[test]
    fn the_group_index_widens_tables_over_blocks() {
        let mut index = GroupIndex::new(1);
        let units = 3 * TABLES as u32 + 7;
        for unit in 0..units {
            let table = index.table(unit, 2024);
            *index.slot(table, 0) = unit;
        }
        let table = index.table(5, 2024);
        *index.slot(table, 4) = units;
        for unit in 0..units {
            assert_eq!(index.get(unit, 2024, 0), Some(unit));
            assert_eq!(index.get(unit, 2024, 4), (unit == 5).then_some(units));
            assert_eq!(index.get(unit, 2024, 2), None);
            assert_eq!(index.get(unit, 2023, 0), None);
        }
        assert_eq!(index.get(units, 2024, 0), None);
        assert_eq!(index.get(0, 2024, 5), None);
    }

    proptest::proptest! {
        /// The group index finds each unit, year and metric's group as a map would, from any
        /// width (a collector made without its vocabulary widens its tables as metrics come),
        /// across blocks of tables, with units' years visited in any order.
        #[test]
        fn the_group_index_finds_groups_as_a_map_would(
            width in 0usize..4,
            rows in proptest::collection::vec((0u32..40, 2020i32..2023, 0u16..6), 0..400),
        ) {
            let mut index = GroupIndex::new(width);
            let mut map = std::collections::HashMap::new();
            for (n, &(unit, year, metric)) in rows.iter().enumerate() {
                let table = index.table(unit, year);
                let slot = index.slot(table, metric);
                if *slot == NO_GROUP {
                    *slot = n as u32;
                }
                let want = *map.entry((unit, year, metric)).or_insert(n as u32);
                proptest::prop_assert_eq!(*slot, want);
            }
            for unit in 0..45 {
                for year in 2019..2024 {
                    for metric in 0..8 {
                        let want = map.get(&(unit, year, metric)).copied();
                        proptest::prop_assert_eq!(index.get(unit, year, metric), want);
                    }
                }
            }
        }
    }

    #[test]
    fn duplicates_mixed_and_missing_months_are_found_with_their_first_rows() {
        let vocab = Vocabulary::embedded().unwrap();
        let files = [Origin::file("a.csv"), Origin::file("b.csv")];
        let mut c = Collector::default();
        // Metric 0: months 1-12 in a.csv, month 5 again in b.csv (a duplicate of a month that
        // is not the group's first period).
        for m in 1..=12u8 {
            put(
                &mut c,
                row("p1", 0, Some(m), Some(1.0), 0, 10 + u32::from(m)),
            );
        }
        put(&mut c, row("p1", 0, Some(5), Some(1.0), 1, 7));
        // Metric 1: a year total and three months; metric 2: two months only.
        put(&mut c, row("p1", 1, None, Some(5.0), 0, 30));
        for m in [3u8, 1, 2] {
            put(
                &mut c,
                row("p1", 1, Some(m), Some(1.0), 0, 40 + u32::from(m)),
            );
        }
        put(&mut c, row("p1", 2, Some(4), None, 1, 50));
        put(&mut c, row("p1", 2, Some(9), Some(2.0), 1, 51));
        // A park nobody listed, two rows.
        put(&mut c, row("p9", 0, None, Some(1.0), 1, 60));
        put(&mut c, row("p9", 1, None, Some(1.0), 1, 61));
        let mut diags = crate::diag::Report::with_limits(vocab.limits.problems);
        c.finish(
            &files,
            &|id| id == "p1",
            &|_, _, _| 0xFFF,
            &vocab,
            &mut diags,
        );
        let text: Vec<String> = diags.diagnostics.iter().map(|d| d.to_string()).collect();
        let m0 = &vocab.order[0];
        let m1 = &vocab.order[1];
        let m2 = &vocab.order[2];
        assert!(text.contains(&format!("b.csv:7: duplicate row for park p1 year 2024 metric {m0} period 2024-05 (first at a.csv:15)")), "{text:#?}");
        assert!(text.contains(&format!("a.csv:30: park p1 reports {m1} for 2024 both as a year total and by month (months at a.csv:41); it would be counted twice\n  hint: keep either the annual row or the twelve monthly rows")), "{text:#?}");
        assert!(
            text.iter().any(|t| t.starts_with(&format!(
                "b.csv:50: park p1 reports {m2} for 2024 for 2 of 12 months"
            ))),
            "{text:#?}"
        );
        assert!(
            text.iter().any(|t| t.starts_with(
                "b.csv:60:1: activity for a park that parks.csv lacks (2 rows; the first is here)"
            )),
            "{text:#?}"
        );
        assert_eq!(diags.diagnostics.len(), 4, "{text:#?}");
        let g = c.group("p1", 2024, 2).unwrap();
        assert!(g.incomplete);
        let g = c.group("p1", 2024, 0).unwrap();
        assert_eq!((g.rows, g.values, g.sum, g.first.line), (13, 13, 13.0, 11));
    }

    #[test]
    fn sums_are_compensated_like_polars_group_sums() {
        // Added one after the other these give 6703.238000000001; compensated (and exactly
        // rounded) 6703.238.
        let values = [
            830.036, 670.306, 303.369, 587.581, 882.479, 846.197, 505.284, 589.002, 34.526, 242.74,
            797.404, 414.314,
        ];
        let mut c = Collector::default();
        for (m, v) in (1..=12u8).zip(values) {
            put(&mut c, row("p1", 0, Some(m), Some(v), 0, u32::from(m)));
        }
        assert_eq!(values.iter().fold(0.0, |a, b| a + b), 6703.238000000001);
        assert_eq!(c.groups[0].sum, 6703.238);
    }

    /// A part added at once goes to the units, groups and sums that adding its rows one by one
    /// gives, whether a unit's rows name its park and enterprise by one number or by two (a
    /// park named twice, an enterprise under two parks); every unit is told at least once, and
    /// the part's rows come back empty with their room.
    #[test]
    fn a_part_added_at_once_is_its_rows_added_one_by_one() {
        let mut part = Part {
            rows: Vec::new(),
            parks: vec!["p1".into(), "p2".into(), "p1".into()],
            enterprises: vec!["E1".into(), "E2".into(), "E1".into()],
        };
        for (i, m) in (1..=12u8).enumerate() {
            // (park, enterprise) numbers: p1 and its own rows, p1 with E1 and E2, E1 under p2,
            // p1 named again with E1 named again, and its own rows.
            for (park, enterprise) in [(0, 0), (0, 1), (0, 2), (1, 1), (2, 3), (2, 0)] {
                let line = 10 + part.rows.len() as u32;
                let (_, mut r) = row("", 0, Some(m), Some(i as f64 + 0.25), 0, line);
                r.park = park;
                r.enterprise = enterprise;
                part.rows.push(r);
            }
        }
        let rows = part.rows.clone();
        let mut one_by_one = Collector::default();
        let units: Vec<u32> = rows
            .iter()
            .map(|r| one_by_one.add(part.park(r), part.enterprise(r), r.clone()))
            .collect();
        let mut at_once = Collector::default();
        let mut told = Vec::new();
        let room = part.rows.capacity();
        at_once.add_part(&mut part, |u| told.push(u));
        assert!(part.rows.is_empty() && part.rows.capacity() == room);
        told.sort_unstable();
        told.dedup();
        let mut want = units.clone();
        want.sort_unstable();
        want.dedup();
        assert_eq!(told, want);
        assert_eq!(want.len(), 4);
        let of = |c: &Collector| {
            let parks: Vec<_> = c
                .parks
                .iter()
                .map(|p| (p.id.clone(), p.enterprise.clone(), p.rows))
                .collect();
            let groups: Vec<_> = c
                .groups
                .iter()
                .map(|g| (g.park, g.metric, g.rows, g.values, g.sum.to_bits(), g.first))
                .collect();
            (parks, groups)
        };
        assert_eq!(of(&at_once), of(&one_by_one));
        assert_eq!(at_once.units("p1"), one_by_one.units("p1"));
    }
}
