//! Partitioned activity (hive style, as pyarrow, polars and Spark write it): a tree of Parquet
//! files under folders named `key=value` (`activity/province=jiangsu/year=2024/part-0.parquet`),
//! and the filter of what a run reads (years, parks, provinces).
//!
//! This module owns three things: finding the files of a tree in a stable order with the keys
//! their folders give ([`walk`]); making those keys columns of the rows ([`fill`]: a `year` or
//! `park_id` the file lacks comes from its path, and a file's own value that disagrees with its
//! path is an error at the row); and deciding what lies outside the [`Filter`] before it is
//! read (a whole file by its path, a row group by its statistics, a row by its cells). It does
//! not read Parquet (that is `parquet` and `frame`) and opens nothing itself: folders are listed
//! through [`Files`].

use std::path::{Path, PathBuf};

use super::table::{Table, TextColumn};
use crate::diag::{Diagnostic, Origin, Report};
use crate::world::Files;

/// The value a writer puts in a path for a missing (null) partition value.
pub const HIVE_MISSING: &str = "__HIVE_DEFAULT_PARTITION__";
/// A dataset folder's sub-folder that holds a partitioned tree of activity files.
pub const ACTIVITY_FOLDER: &str = "activity";
/// The extension of the files of a tree.
pub const PARQUET_EXTENSION: &str = "parquet";
/// The key of a partition folder that names the year (a column of activity rows).
pub const YEAR_KEY: &str = "year";
/// The key of a partition folder that names the park (a column of activity rows).
pub const PARK_KEY: &str = "park_id";
/// The key of a partition folder that names the province (of `parks.csv`, not of the rows).
pub const PROVINCE_KEY: &str = "province";
/// The keys that are columns of activity rows: a file without the column gets it from its path.
const ROW_KEYS: [&str; 2] = [YEAR_KEY, PARK_KEY];
/// Between a partition folder's key and its value.
const KEY_VALUE: char = '=';
/// Starts a percent-encoded byte in a partition value (`inner%20mongolia`).
const PERCENT: u8 = b'%';
/// Hexadecimal digits of a percent-encoded byte.
const HEX: u32 = 16;

/// The keys a file's folders give, outermost first: each key with its value, None when the
/// writer wrote [`HIVE_MISSING`] (a missing value, not a value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Partition {
    /// The folder the tree was found under, as named to the user (what skips are counted
    /// under); empty for a file named on its own.
    pub root: String,
    pub keys: Vec<(String, Option<String>)>,
}

impl Partition {
    /// The value of `key` (compared as written, case-insensitive): None when the path has no
    /// such folder, Some(None) when its value is missing.
    pub fn get(&self, key: &str) -> Option<Option<&str>> {
        self.keys
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_deref())
    }
}

/// A folder name as a partition key and value (`year=2024`), the value percent-decoded; None
/// when the name is no `key=value`.
pub fn key_value(folder: &str) -> Option<(String, Option<String>)> {
    let (key, value) = folder.split_once(KEY_VALUE)?;
    let key = key.trim();
    if key.is_empty() {
        return None;
    }
    let value = (value != HIVE_MISSING).then(|| percent_decode(value));
    Some((key.to_string(), value))
}

/// `%XX` sequences as the bytes they stand for (pyarrow and polars escape `/`, `=`, `%`, space
/// and other characters of a value so); a sequence that is not one is kept as written.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|&c| (c as char).to_digit(HEX));
        if b[i] == PERCENT
            && let (Some(hi), Some(lo)) = (hex(i + 1), hex(i + 2))
        {
            out.push((hi * HEX + lo) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Is this folder (a dataset folder's child) the top of a partitioned tree: `activity`, or a
/// `key=value` folder?
pub fn is_tree(folder: &Path) -> bool {
    folder
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case(ACTIVITY_FOLDER) || key_value(n).is_some())
}

/// A file or folder a system or writer puts beside the data (`._x`, `~$x`, `_SUCCESS`, `.git`,
/// a writer's `_temporary`), by its name: never read as data.
pub fn written_beside(name: &str) -> bool {
    name.starts_with(['.', '_', '~'])
}

/// The Parquet files under `top` (a folder [`is_tree`] accepts), found recursively, in the
/// order of their paths, each with the keys of its `key=value` folders (below `root`, the
/// dataset folder). Files a system writes beside the data (`._x`, `~$x`, `_SUCCESS`, `.crc`) and
/// folders whose names start with `.` or `_` (a writer's temporary folders) are not read; a
/// folder reached again by a link is walked once.
pub fn walk(
    files: &dyn Files,
    root: &Path,
    top: &Path,
) -> std::io::Result<Vec<(PathBuf, Partition)>> {
    let mut out = Vec::new();
    let mut stack = vec![top.to_path_buf()];
    // Each folder walked once, however many links lead to it (a link back up the tree was
    // followed until the system refused the path, its files read again at every turn).
    let mut walked = std::collections::HashSet::from([files.real(top)]);
    while let Some(folder) = stack.pop() {
        for p in files.list(&folder)? {
            let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if written_beside(name) {
                continue;
            }
            if files.is_dir(&p) {
                if walked.insert(files.real(&p)) {
                    stack.push(p);
                }
            } else if p
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case(PARQUET_EXTENSION))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out
        .into_iter()
        .map(|p| {
            let keys = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .parent()
                .into_iter()
                .flat_map(Path::components)
                .filter_map(|c| c.as_os_str().to_str().and_then(key_value))
                .collect();
            let partition = Partition {
                root: top.display().to_string(),
                keys,
            };
            (p, partition)
        })
        .collect())
}

/// What a run reads: only these years, parks and provinces (each empty = every one). Rows
/// outside are not read at all (not checked, not counted, never reported): a whole Parquet file
/// by its path, a row group by its statistics, a row by its `park_id` and `year` cells, a park of
/// `parks.csv` by its id and province.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub years: Vec<i32>,
    pub parks: Vec<String>,
    /// Province keys (`jiangsu`) or names as written (`江苏`); compared by key.
    pub provinces: Vec<String>,
}

impl Filter {
    /// Does the filter keep everything?
    pub fn is_empty(&self) -> bool {
        self.years.is_empty() && self.parks.is_empty() && self.provinces.is_empty()
    }

    pub fn keeps_year(&self, year: i32) -> bool {
        self.years.is_empty() || self.years.contains(&year)
    }

    pub fn keeps_park(&self, park: &str) -> bool {
        self.parks.is_empty() || self.parks.iter().any(|p| p == park)
    }

    /// Does the filter keep a province (its key, or None when unknown: kept, so its rows are
    /// checked)? `key` resolves a name to its key.
    pub fn keeps_province(
        &self,
        province: Option<&str>,
        key: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        let Some(province) = province else {
            return true;
        };
        if self.provinces.is_empty() {
            return true;
        }
        let wanted = |p: &str| key(p).unwrap_or_else(|| p.trim().to_lowercase());
        let this = wanted(province);
        self.provinces.iter().any(|p| wanted(p) == this)
    }

    /// Does the filter keep a file by the keys of its path? A missing value
    /// ([`HIVE_MISSING`]) or one that is no year keeps it: its rows decide.
    pub fn keeps_partition(&self, p: &Partition, key: &dyn Fn(&str) -> Option<String>) -> bool {
        let year = p.get(YEAR_KEY).flatten().and_then(year_of);
        let park = p.get(PARK_KEY).flatten();
        let province = p.get(PROVINCE_KEY).flatten();
        year.is_none_or(|y| self.keeps_year(y))
            && park.is_none_or(|id| self.keeps_park(id.trim()))
            && self.keeps_province(province, key)
    }

    /// Can a row group whose `year` lies in `years` and whose `park_id` lies in `parks` (least
    /// and greatest, from its statistics; None when the file keeps none) hold a row the filter
    /// keeps?
    pub fn keeps_group(&self, years: Option<(f64, f64)>, parks: Option<(&str, &str)>) -> bool {
        let year_in = years.is_none_or(|(lo, hi)| {
            self.years.is_empty()
                || self
                    .years
                    .iter()
                    .any(|&y| (lo..=hi).contains(&f64::from(y)))
        });
        // Statistics compare bytes: a value with spaces at an end (" A1") is read trimmed, so
        // bounds with spaces at their ends say nothing.
        let park_in = parks.is_none_or(|(lo, hi)| {
            self.parks.is_empty()
                || lo != lo.trim()
                || hi != hi.trim()
                || self.parks.iter().any(|p| (lo..=hi).contains(&p.as_str()))
        });
        year_in && park_in
    }

    /// Keeps the rows of `t` the filter keeps by their `park_id` and `year` cells (and whose park
    /// is not one of `dropped`, the parks of `parks.csv` left out by province); a year the
    /// validator would not read is kept, to be reported. Returns the rows left out.
    pub fn keep_rows(&self, t: &mut Table, dropped: &dyn Fn(&str) -> bool) -> usize {
        if self.years.is_empty() && self.parks.is_empty() && self.provinces.is_empty() {
            return 0;
        }
        let (c_park, c_year) = (t.col(PARK_KEY), t.col(YEAR_KEY));
        let cell =
            |c: Option<usize>, r: usize| c.and_then(|c| t.columns[c].get(r)).map_or("", str::trim);
        let keep: Vec<bool> = (0..t.rows())
            .map(|r| {
                let park = cell(c_park, r);
                let year = c_year.and_then(|c| cell_year(&t.columns[c], r));
                (park.is_empty() || (self.keeps_park(park) && !dropped(park)))
                    && year.is_none_or(|y| self.keeps_year(y))
            })
            .collect();
        let left_out = keep.iter().filter(|k| !**k).count();
        if left_out > 0 {
            retain_rows(t, &keep);
        }
        left_out
    }
}

/// The year of a cell as [`year_of`] reads its text (a number's read as the number: its
/// text is not written).
fn cell_year(column: &TextColumn, row: usize) -> Option<i32> {
    match column.number(row).and_then(number_year) {
        Some(y) => Some(y),
        None => year_of(&column.text(row)?),
    }
}

/// The year a number is, when it is a whole one.
fn number_year(v: f64) -> Option<i32> {
    super::table::whole(v)
        .filter(|i| i.abs() < i64::from(i32::MAX))
        .map(|i| i as i32)
}

/// A year as the validator reads it (`2024`, `2024.0`, `2024年`), else None.
pub fn year_of(s: &str) -> Option<i32> {
    let s = s.trim();
    let s = s.strip_suffix('年').unwrap_or(s);
    let s = s.strip_suffix(".0").unwrap_or(s);
    s.parse().ok()
}

/// Keeps the rows of `t` where `keep` is true (lines and ragged records follow their rows).
fn retain_rows(t: &mut Table, keep: &[bool]) {
    for column in &mut t.columns {
        column.retain(keep);
    }
    let mut new_index = Vec::with_capacity(keep.len());
    let mut n = 0;
    for &k in keep {
        new_index.push(k.then_some(n));
        n += usize::from(k);
    }
    t.lines = t
        .lines
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(l, _)| *l)
        .collect();
    t.ragged = t
        .ragged
        .iter()
        .filter_map(|&(r, w)| new_index.get(r).copied().flatten().map(|r| (r, w)))
        .collect();
}

/// Makes the row keys of a file's path (`year`, `park_id`) columns of its table: a column the
/// file lacks is filled with the path's value (empty where the value is missing); where the file
/// has the column, a row whose value disagrees with its path's is an error at its cell, naming
/// both values (only for rows of parks `kept` says are read: another park's rows are not). A
/// column of another key (`province`, kept in the files by polars) is the partition's, no data:
/// it is dropped (a wide file would read it as a metric).
pub fn fill(t: &mut Table, partition: &Partition, kept: &dyn Fn(&str) -> bool, diags: &mut Report) {
    let mut header = t.header.clone();
    for key in ROW_KEYS {
        let Some(value) = partition.get(key) else {
            continue;
        };
        match t.col(key) {
            None => {
                let mut column = TextColumn::empty();
                for _ in 0..t.rows() {
                    column.push(value.unwrap_or(""));
                }
                header.push(key.to_string());
                t.columns.push(column);
            }
            Some(c) => {
                let Some(value) = value else { continue };
                disagreements(t, (c, key, value), kept, diags);
            }
        }
    }
    let other_key = |h: &str| {
        partition.keys.iter().any(|(k, _)| {
            h.eq_ignore_ascii_case(k) && !ROW_KEYS.iter().any(|r| r.eq_ignore_ascii_case(k))
        })
    };
    let mut changed = header.len() != t.header.len();
    while let Some(c) = header.iter().position(|h| other_key(h)) {
        header.remove(c);
        t.columns.remove(c);
        changed = true;
    }
    if changed {
        let file = t.origin.file.clone();
        t.origin = match &t.origin.fields {
            Some(_) => Origin::rows(file, header.clone()),
            None => Origin {
                file,
                ..t.origin.clone()
            },
        };
        t.header = header;
    }
}

/// Errors at the rows of column `c` whose value disagrees with the path's `value` of `key`.
fn disagreements(
    t: &Table,
    (c, key, value): (usize, &str, &str),
    kept: &dyn Fn(&str) -> bool,
    diags: &mut Report,
) {
    let c_park = t.col(PARK_KEY);
    let same = |cell: &str| match (year_of(cell), year_of(value)) {
        (Some(a), Some(b)) if key == YEAR_KEY => a == b,
        _ => cell == value.trim(),
    };
    let path_year = year_of(value).filter(|_| key == YEAR_KEY);
    let column = &t.columns[c];
    // A year typed as a number is compared as one (its text is not written): the cells that
    // agree, found in one pass over the numbers.
    let agrees: Option<Vec<bool>> = path_year
        .and_then(|year| column.numbers_where(|v| v.is_some_and(|v| number_year(v) == Some(year))));
    for r in 0..t.rows() {
        if agrees.as_ref().is_some_and(|a| a.get(r) == Some(&true)) {
            continue;
        }
        let Some(cell) = column.text(r) else {
            continue;
        };
        let cell = cell.trim();
        let park = c_park.and_then(|p| t.columns[p].get(r)).map(str::trim);
        if cell.is_empty() || same(cell) || park.is_some_and(|p| !kept(p)) {
            continue;
        }
        let mut d = Diagnostic::error(
            &t.origin,
            t.line(r),
            c + 1,
            t!("diag.partition_disagrees", column = key, path = value),
        )
        .value(cell)
        .expected(t!(
            "diag.expected.partition_value",
            column = key,
            path = value
        ))
        .hint(t!("diag.hint.partition_disagrees", column = key));
        if let Some(park) = park {
            d = d.park(park);
        }
        diags.push(d);
    }
}

/// What the filter left unread, for one tree (or one file named on its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Parquet files of the tree, and those left unread by their path.
    pub files: usize,
    pub files_skipped: usize,
    /// Row groups of the files read, and those left unread by their statistics.
    pub groups: usize,
    pub groups_skipped: usize,
}

impl Skipped {
    /// The notice that says it, under `root`; None when nothing was skipped.
    pub fn notice(&self, root: &str) -> Option<crate::diag::Notice> {
        (self.files_skipped + self.groups_skipped > 0).then(|| {
            crate::diag::Notice::new(
                root,
                0,
                t!(
                    "diag.parquet_filtered",
                    files_read = self.files - self.files_skipped,
                    files = self.files,
                    groups_read = self.groups - self.groups_skipped,
                    groups = self.groups,
                    files_skipped = self.files_skipped,
                    groups_skipped = self.groups_skipped
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Memory;

    proptest::proptest! {
        /// A year typed as a number (float or integer, any) is the year its text is read as.
        #[test]
        fn a_typed_year_is_the_year_of_its_text(
            x in proptest::num::f64::ANY,
            i in proptest::num::i64::ANY,
            near in -3000i64..3000,
        ) {
            use crate::frame::{Floats, Ints};
            use crate::input::table::NumberCells;
            let columns = [
                TextColumn::from_numbers(NumberCells::Float(Floats::from_options(vec![
                    Some(x),
                    Some(near as f64),
                    Some(near as f64 + 0.5),
                    None,
                ]))),
                TextColumn::from_numbers(NumberCells::Int(Ints::from_options(vec![
                    Some(i),
                    Some(near),
                    None,
                ]))),
            ];
            for column in &columns {
                for r in 0..column.cells_len() {
                    let text = column.text(r);
                    proptest::prop_assert_eq!(
                        cell_year(column, r),
                        text.as_deref().and_then(year_of),
                        "{:?}", text
                    );
                }
            }
        }
    }

    #[test]
    fn folder_names_are_keys_and_values_percent_decoded() {
        assert_eq!(
            key_value("province=inner%20mongolia"),
            Some(("province".into(), Some("inner mongolia".into())))
        );
        assert_eq!(
            key_value("year=__HIVE_DEFAULT_PARTITION__"),
            Some(("year".into(), None))
        );
        assert_eq!(key_value("2024"), None);
        assert_eq!(key_value("=x"), None);
        assert_eq!(percent_decode("a%2Fb%3D%zz"), "a/b=%zz");
        assert_eq!(percent_decode("%E6%B1%9F%E8%8B%8F"), "江苏");
    }

    #[test]
    fn a_tree_is_walked_in_path_order_with_its_keys() {
        let m = Memory::new()
            .with("d/activity/year=2024/part-1.parquet", "PAR1")
            .with("d/activity/year=2023/part-0.parquet", "PAR1")
            .with("d/activity/year=2023/_SUCCESS", "")
            .with("d/activity/year=2023/.part-0.parquet.crc", "")
            .with("d/activity/_tmp/x.parquet", "PAR1");
        let found = walk(&m, Path::new("d"), Path::new("d/activity")).unwrap();
        let paths: Vec<_> = found.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "d/activity/year=2023/part-0.parquet",
                "d/activity/year=2024/part-1.parquet"
            ]
        );
        assert_eq!(found[0].1.get("year"), Some(Some("2023")));
        assert_eq!(found[0].1.root, "d/activity");
    }

    #[test]
    fn the_filter_keeps_by_path_and_statistics() {
        let f = Filter {
            years: vec![2024],
            parks: vec!["P2".into()],
            provinces: vec!["jiangsu".into()],
        };
        let none = |_: &str| None;
        let part = |keys: &[(&str, Option<&str>)]| Partition {
            root: String::new(),
            keys: keys
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect(),
        };
        assert!(f.keeps_partition(&part(&[("year", Some("2024"))]), &none));
        assert!(!f.keeps_partition(&part(&[("year", Some("2023"))]), &none));
        assert!(f.keeps_partition(&part(&[("year", None)]), &none));
        assert!(!f.keeps_partition(&part(&[("province", Some("zhejiang"))]), &none));
        assert!(f.keeps_partition(&part(&[("province", Some("Jiangsu"))]), &none));
        assert!(!f.keeps_partition(&part(&[("park_id", Some("P1"))]), &none));
        assert!(f.keeps_group(Some((2020.0, 2025.0)), Some(("P1", "P3"))));
        assert!(!f.keeps_group(Some((2020.0, 2023.0)), None));
        assert!(!f.keeps_group(None, Some(("P3", "P9"))));
        assert!(f.keeps_group(None, Some((" P3", "P9"))));
        assert!(Filter::default().keeps_group(Some((1.0, 2.0)), Some(("a", "b"))));
    }

    #[test]
    fn path_keys_fill_columns_and_other_keys_are_no_data() {
        let csv = "province,park_id,natural_gas [万m3]\njiangsu,P1,5\njiangsu,P2,6\n";
        let mut t = crate::input::table::read_csv_bytes(
            "a.csv",
            csv.as_bytes(),
            &crate::reference::Vocabulary::embedded().unwrap(),
        )
        .unwrap();
        let partition = Partition {
            root: String::new(),
            keys: vec![
                ("province".into(), Some("jiangsu".into())),
                ("year".into(), Some("2024".into())),
            ],
        };
        let mut diags = Report::with_limits(crate::reference::Limits::embedded().unwrap().problems);
        fill(&mut t, &partition, &|_| true, &mut diags);
        assert_eq!(t.header, ["park_id", "natural_gas [万m3]", "year"]);
        assert_eq!(t.columns[2].get(1), Some("2024"));
        assert!(diags.diagnostics.is_empty());
    }

    #[test]
    fn a_value_that_disagrees_with_its_folder_is_an_error_unless_its_park_is_not_read() {
        let csv = "park_id,year\nP1,2024\nP2,2023.0\nP3,2022\n";
        let mut t = crate::input::table::read_csv_bytes(
            "a.csv",
            csv.as_bytes(),
            &crate::reference::Vocabulary::embedded().unwrap(),
        )
        .unwrap();
        let partition = Partition {
            root: String::new(),
            keys: vec![("year".into(), Some("2023".into()))],
        };
        let mut diags = Report::with_limits(crate::reference::Limits::embedded().unwrap().problems);
        fill(&mut t, &partition, &|p| p != "P3", &mut diags);
        let at: Vec<_> = diags
            .diagnostics
            .iter()
            .map(|d| (d.line, d.column))
            .collect();
        assert_eq!(at, [(2, 2)]);
        assert_eq!(diags.diagnostics[0].park_id.as_deref(), Some("P1"));
    }
}
