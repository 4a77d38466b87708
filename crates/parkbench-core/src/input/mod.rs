//! Loading and validating a dataset: `parks.csv` and activity files (long or wide), in a folder
//! or named one by one.
//!
//! The input stage turns files into checked [`Park`]s and per-year metric values in canonical
//! units ([`Annual`]), with every problem as a [`Diagnostic`]. It does no accounting: tce and
//! CO2 belong to `inventory`.

// A file-level error is one per file and is reported, not passed around in a loop (as in
// `table`): the Diagnostic stays unboxed.
#![allow(clippy::result_large_err)]

pub mod activity;
pub mod blocks;
pub mod certificates;
pub mod collect;
pub mod enterprises;
pub mod hive;
pub mod parks;
pub mod parquet;
pub mod products;
pub mod sheet;
pub mod table;

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub use activity::{Grade, Row};
pub use parks::Park;

use crate::diag::{Diagnostic, Origin, Report};
use crate::factors::Factors;
use crate::reference::Vocabulary;
use crate::world::Files;

/// Tokens that mean "not known". A reported 0 is a real 0.
pub const MISSING_TOKENS: [&str; 11] = [
    "", "na", "n/a", "-", "—", "无", "不详", "未知", "null", "none", "#n/a",
];

/// Is this cell a missing-value token?
pub fn is_missing_token(s: &str) -> bool {
    let t = s.trim();
    // The tokens are in lower case: ASCII text compares without a lower-cased copy.
    if t.is_ascii() {
        return MISSING_TOKENS.iter().any(|m| m.eq_ignore_ascii_case(t));
    }
    MISSING_TOKENS.contains(&t.to_lowercase().as_str())
}

/// How files are read, as the user said (`--decimal`, `--year`, `--park`, `--province`); the
/// default decides everything from the files themselves and reads every row.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The decimal mark of CSV files, when a file cannot tell (`1.234` in a comma file).
    pub decimal: Option<crate::units::DecimalMark>,
    /// Bounds on workbooks (default: `[workbook]` of `indicators/limits.toml`; the portal
    /// reads uploads with `[portal_workbook]`).
    pub workbook: Option<crate::reference::WorkbookLimits>,
    /// Only these years, parks and provinces are read (every one when empty): Parquet files
    /// outside by their partition path and row groups outside by their statistics are never
    /// decoded, and rows outside are neither checked nor reported.
    pub filter: hive::Filter,
}

/// Problems that stop loading before any file is read (the user named something that is not there).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such file or folder")]
    NotFound(String),
}

/// A loaded dataset: parks, activity rows, and every problem found.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The files (and workbook sheets) read, as named to the user.
    pub files: Vec<Origin>,
    pub parks: Vec<Park>,
    /// Activity, summed by park, year and metric as it was read (no record per row).
    pub activity: collect::Collector,
    pub report: Report,
    /// Number of data rows read per file (for the summary).
    pub row_counts: Vec<usize>,
    /// Justified waivers from `waivers.csv`.
    pub waivers: Vec<Waiver>,
    /// Tables whose header stood below title rows, with the number of rows skipped.
    pub title_rows: Vec<(Origin, usize)>,
    /// What was skipped and why (notes under a table, hidden sheets, files that hold no data).
    pub notices: Vec<crate::diag::Notice>,
    /// park_id -> position in `parks` (the first park of that id).
    index: HashMap<String, usize>,
    /// The green certificate ledger (`certificates.csv`), every row read.
    pub certificates: Vec<certificates::Certificate>,
    /// The enterprises inside the parks' boundaries (`enterprises.csv`), every row read.
    pub enterprises: Vec<enterprises::Enterprise>,
    /// The enterprises' products (`products.csv`), every row read.
    pub products: Vec<products::Product>,
    /// Enterprises' rows from while they were outside the boundary (left out of the parks;
    /// kept to restate earlier years on a later boundary).
    pub outside: enterprises::Outside,
    /// What the reading filter left unread, by partitioned tree (or Parquet file named on its
    /// own): also said as a notice.
    pub filtered: BTreeMap<String, hive::Skipped>,
}

/// A row of `waivers.csv`: a park asks that a waivable rule of a set be waived.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Waiver {
    pub park_id: String,
    pub benchmark: String,
    pub rule: String,
    pub justification: String,
}

/// One input file the caller supplies: its name as the user knows it, what it holds, and where
/// its bytes are. The command line names files on disk; the portal hands over the bytes of an
/// upload, so nothing is written to a temporary folder to be validated.
#[derive(Debug, Clone)]
pub struct Source {
    /// Shown in every diagnostic; never opened as a path.
    pub name: String,
    pub kind: SourceKind,
    pub content: Content,
    /// The keys of a partitioned file's folders (`year=2024`); empty for any other file.
    pub partition: hive::Partition,
}

/// What a source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Parks,
    Activity,
    /// Activity in a Parquet file (the columns of activity.csv).
    ActivityParquet,
    Waivers,
    /// The green certificate ledger (`certificates.csv`).
    Certificates,
    /// The enterprises inside the parks' boundaries (`enterprises.csv`).
    Enterprises,
    /// The enterprises' products and their energy per unit (`products.csv`).
    Products,
    /// An Excel / OpenDocument workbook (sheets parks, activity*, waivers), in this format
    /// (`xlsx`, `xls`, `ods` ...) or, when None, the one its name's extension says (else its
    /// content).
    Workbook(Option<&'static str>),
}

/// Where a source's bytes are.
#[derive(Debug, Clone)]
pub enum Content {
    /// A file the caller offers through [`Files`], read when loading (big activity files piece
    /// by piece).
    Path(PathBuf),
    /// Bytes in memory, shared with their owner (an upload is checked and stored from one
    /// copy).
    Bytes(std::sync::Arc<Vec<u8>>),
}

impl Source {
    /// A file on disk, named as its path.
    pub fn path(kind: SourceKind, path: &Path) -> Self {
        Source {
            name: path.display().to_string(),
            kind,
            content: Content::Path(path.to_path_buf()),
            partition: hive::Partition::default(),
        }
    }

    /// Bytes in memory under a name the user knows.
    pub fn bytes(
        kind: SourceKind,
        name: impl Into<String>,
        bytes: impl Into<std::sync::Arc<Vec<u8>>>,
    ) -> Self {
        Source {
            name: name.into(),
            kind,
            content: Content::Bytes(bytes.into()),
            partition: hive::Partition::default(),
        }
    }

    fn origin(&self) -> Origin {
        Origin::file(self.name.as_str())
    }

    /// All the bytes (parks, waivers and workbooks are read whole).
    fn read_all(&self, files: &dyn Files) -> Result<std::borrow::Cow<'_, [u8]>, Diagnostic> {
        match &self.content {
            Content::Bytes(b) => Ok(b.as_slice().into()),
            Content::Path(p) => files.read(p).map(Into::into).map_err(|e| {
                Diagnostic::error(
                    self.origin(),
                    0,
                    0,
                    t!("diag.cannot_read_file", error = e.to_string()),
                )
            }),
        }
    }
}

/// What the paths given on the command line hold.
#[derive(Debug, Default)]
struct Sources {
    parks: Vec<PathBuf>,
    activity: Vec<PathBuf>,
    activity_parquet: Vec<PathBuf>,
    /// Parquet files of partitioned trees, with the keys of their folders.
    partitioned: Vec<(PathBuf, hive::Partition)>,
    waivers: Vec<PathBuf>,
    certificates: Vec<PathBuf>,
    enterprises: Vec<PathBuf>,
    products: Vec<PathBuf>,
    /// Excel / OpenDocument workbooks (sheets parks, activity*, waivers).
    workbooks: Vec<PathBuf>,
}

impl Sources {
    /// In reading order: parks, waivers, workbooks, then activity files.
    fn into_list(self) -> Vec<Source> {
        let mut out = Vec::new();
        for (kind, paths) in [
            (SourceKind::Parks, self.parks),
            (SourceKind::Waivers, self.waivers),
            (SourceKind::Certificates, self.certificates),
            (SourceKind::Enterprises, self.enterprises),
            (SourceKind::Products, self.products),
            (SourceKind::Workbook(None), self.workbooks),
            (SourceKind::Activity, self.activity),
            (SourceKind::ActivityParquet, self.activity_parquet),
        ] {
            out.extend(paths.iter().map(|p| Source::path(kind, p)));
        }
        out.extend(self.partitioned.into_iter().map(|(p, partition)| Source {
            partition,
            ..Source::path(SourceKind::ActivityParquet, &p)
        }));
        out
    }
}

/// A file beside the data that is no data: a macOS resource fork (`._book.xlsx`, written on
/// USB sticks and network shares) or an Excel lock file (`~$book.xlsx`, while the book is open).
fn is_junk(name: &str) -> bool {
    name.starts_with("._") || name.starts_with("~$")
}

fn discover(
    files: &dyn Files,
    paths: &[PathBuf],
    report: &mut Report,
    skipped: &mut Vec<crate::diag::Notice>,
) -> Result<Sources, LoadError> {
    let mut s = Sources::default();
    for p in paths {
        if files.is_dir(p) {
            discover_folder(files, p, report, skipped, &mut s)?;
        } else if files.is_file(p) {
            discover_file(p, &mut s);
        } else {
            return Err(LoadError::NotFound(p.display().to_string()));
        }
    }
    if s.parks.is_empty()
        && s.workbooks.is_empty()
        && !s.activity.is_empty()
        && paths.iter().all(|p| files.is_file(p))
    {
        report.push(
            Diagnostic::error(
                "parks.csv",
                0,
                0,
                t!("diag.missing_file", file = "parks.csv"),
            )
            .expected(t!("diag.expected.parks_with_activity")),
        );
    }
    Ok(s)
}

/// The sources of a dataset folder: its tables by name, activity files, partitioned trees and
/// workbooks; a folder without parks or activity is an error.
fn discover_folder(
    files: &dyn Files,
    p: &Path,
    report: &mut Report,
    skipped: &mut Vec<crate::diag::Notice>,
    s: &mut Sources,
) -> Result<(), LoadError> {
    let parks = p.join("parks.csv");
    let mut found_parks = false;
    if files.is_file(&parks) {
        s.parks.push(parks);
        found_parks = true;
    }
    let activity_files = |ext: &str| -> Result<Vec<PathBuf>, LoadError> {
        let mut files: Vec<PathBuf> = files
            .list(p)
            .map_err(|_| LoadError::NotFound(p.display().to_string()))?
            .into_iter()
            .filter(|f| {
                files.is_file(f)
                    && f.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
                    && f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.to_lowercase().starts_with("activity"))
            })
            .collect();
        files.sort();
        Ok(files)
    };
    let acts = activity_files("csv")?;
    let parquets = activity_files(hive::PARQUET_EXTENSION)?;
    let trees = partitioned_trees(files, p)?;
    let waivers = p.join("waivers.csv");
    if files.is_file(&waivers) {
        s.waivers.push(waivers);
    }
    let ledger = p.join("certificates.csv");
    if files.is_file(&ledger) {
        s.certificates.push(ledger);
    }
    let firms = p.join("enterprises.csv");
    if files.is_file(&firms) {
        s.enterprises.push(firms);
    }
    let products = p.join("products.csv");
    if files.is_file(&products) {
        s.products.push(products);
    }
    let books = folder_workbooks(files, p, skipped)?;
    let has_books = !books.is_empty();
    s.workbooks.extend(books);
    if !found_parks && !has_books {
        report.push(
            Diagnostic::error(
                p.display().to_string(),
                0,
                0,
                t!("diag.missing_file", file = "parks.csv"),
            )
            .expected(t!("diag.expected.folder")),
        );
    }
    if acts.is_empty() && parquets.is_empty() && trees.is_empty() && !has_books {
        report.push(
            Diagnostic::error(
                p.display().to_string(),
                0,
                0,
                t!("diag.missing_file", file = "activity.csv"),
            )
            .expected(t!("diag.expected.folder_activity")),
        );
    }
    s.activity.extend(acts);
    s.activity_parquet.extend(parquets);
    s.partitioned.extend(trees);
    Ok(())
}

/// The workbooks of a folder, in order, leaving out (and noting) office programs' lock and
/// resource files.
fn folder_workbooks(
    files: &dyn Files,
    p: &Path,
    skipped: &mut Vec<crate::diag::Notice>,
) -> Result<Vec<PathBuf>, LoadError> {
    let mut books: Vec<PathBuf> = files
        .list(p)
        .map_err(|_| LoadError::NotFound(p.display().to_string()))?
        .into_iter()
        .filter(|f| files.is_file(f) && sheet::is_workbook(f))
        .collect();
    books.retain(|f| {
        let junk = f.file_name().and_then(|n| n.to_str()).is_some_and(is_junk);
        if junk {
            skipped.push(crate::diag::Notice::new(
                f.display().to_string(),
                0,
                t!("diag.file_skipped_junk"),
            ));
        }
        !junk
    });
    books.sort();
    Ok(books)
}

/// A file named on the command line, by its name and extension.
fn discover_file(p: &Path, s: &mut Sources) {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_lowercase();
    if sheet::is_workbook(p) {
        s.workbooks.push(p.to_path_buf());
    } else if p
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    {
        s.activity_parquet.push(p.to_path_buf());
    } else if name.starts_with("parks") {
        s.parks.push(p.to_path_buf());
    } else if name.starts_with("waivers") {
        s.waivers.push(p.to_path_buf());
    } else {
        s.activity.push(p.to_path_buf());
    }
}

/// The Parquet files of the partitioned trees in a dataset folder (its `activity` folder and
/// its `key=value` folders), in the order of their paths.
fn partitioned_trees(
    files: &dyn Files,
    folder: &Path,
) -> Result<Vec<(PathBuf, hive::Partition)>, LoadError> {
    let not_found = |_| LoadError::NotFound(folder.display().to_string());
    let mut tops: Vec<PathBuf> = files
        .list(folder)
        .map_err(not_found)?
        .into_iter()
        .filter(|f| files.is_dir(f) && hive::is_tree(f))
        .collect();
    tops.sort();
    let mut out = Vec::new();
    for top in tops {
        out.extend(hive::walk(files, folder, &top).map_err(not_found)?);
    }
    Ok(out)
}

/// Loads and validates a dataset from folders and/or files.
///
/// Each folder is a group of its own (operators often send one folder per park); files named
/// one by one form one group. A problem that belongs to no park (a file cannot be read, a column
/// is missing) leaves out the parks of its group only, each with the reason, so a batch goes on
/// with the other parks.
pub fn load(
    files: &dyn Files,
    paths: &[PathBuf],
    vocab: &Vocabulary,
    factors: &Factors,
) -> Result<Dataset, LoadError> {
    load_with(files, paths, vocab, factors, ReadOptions::default())
}

/// [`load`] with options of reading.
pub fn load_with(
    files: &dyn Files,
    paths: &[PathBuf],
    vocab: &Vocabulary,
    factors: &Factors,
    options: ReadOptions,
) -> Result<Dataset, LoadError> {
    load_listed_paths(files, paths, vocab, factors, table::PIECE_BYTES, options)
}

/// [`load`], reading activity CSV files larger than two pieces of `piece_bytes` piece by piece.
pub fn load_in_pieces(
    files: &dyn Files,
    paths: &[PathBuf],
    vocab: &Vocabulary,
    factors: &Factors,
    piece_bytes: usize,
) -> Result<Dataset, LoadError> {
    load_listed_paths(
        files,
        paths,
        vocab,
        factors,
        piece_bytes,
        ReadOptions::default(),
    )
}

fn load_listed_paths(
    files: &dyn Files,
    paths: &[PathBuf],
    vocab: &Vocabulary,
    factors: &Factors,
    piece_bytes: usize,
    options: ReadOptions,
) -> Result<Dataset, LoadError> {
    let mut groups: Vec<Vec<PathBuf>> = paths
        .iter()
        .filter(|p| files.is_dir(p))
        .map(|p| vec![p.clone()])
        .collect();
    let loose: Vec<PathBuf> = paths.iter().filter(|p| !files.is_dir(p)).cloned().collect();
    if !loose.is_empty() {
        groups.push(loose);
    }
    let mut listed = Vec::with_capacity(groups.len());
    let mut skipped = Vec::new();
    for g in &groups {
        let mut report = Report::with_limits(vocab.limits.problems);
        let sources = discover(files, g, &mut report, &mut skipped)?.into_list();
        listed.push((sources, report.diagnostics));
    }
    let mut data = load_listed(files, listed, vocab, factors, piece_bytes, options);
    data.notices.splice(0..0, skipped);
    Ok(data)
}

/// Loads and validates groups of sources (each group as a folder is in [`load`]): the entry for
/// callers that hold the bytes themselves, such as the portal.
pub fn load_sources(
    files: &dyn Files,
    groups: Vec<Vec<Source>>,
    vocab: &Vocabulary,
    factors: &Factors,
) -> Dataset {
    load_sources_with(files, groups, vocab, factors, ReadOptions::default())
}

/// [`load_sources`] with options of reading.
pub fn load_sources_with(
    files: &dyn Files,
    groups: Vec<Vec<Source>>,
    vocab: &Vocabulary,
    factors: &Factors,
    options: ReadOptions,
) -> Dataset {
    let listed = groups.into_iter().map(|g| (g, Vec::new())).collect();
    load_listed(files, listed, vocab, factors, table::PIECE_BYTES, options)
}

/// What a group is read with.
struct Reading<'a> {
    /// Where a source named by its path is read from.
    files: &'a dyn Files,
    vocab: &'a Vocabulary,
    factors: &'a Factors,
    piece_bytes: usize,
    options: ReadOptions,
    /// Row vectors of Parquet files given back by the collector for the next parts (as many as
    /// may wait for it, [`PARQUET_PARTS_QUEUED`]).
    spare: activity::SpareRows,
}

fn load_listed(
    files: &dyn Files,
    groups: Vec<(Vec<Source>, Vec<Diagnostic>)>,
    vocab: &Vocabulary,
    factors: &Factors,
    piece_bytes: usize,
    options: ReadOptions,
) -> Dataset {
    let mut acc = Acc::new(vocab.limits.problems, vocab.order.len());
    let how = Reading {
        files,
        vocab,
        factors,
        piece_bytes,
        options,
        spare: activity::SpareRows::holding(PARQUET_PARTS_QUEUED),
    };
    for (sources, found) in &groups {
        let mark = acc.diags.begin_group();
        acc.diags.extend(found.iter().cloned());
        load_group(sources, mark, &how, &mut acc);
    }
    let said = acc.filtered.iter().filter_map(|(root, n)| n.notice(root));
    acc.notices.extend(said.collect::<Vec<_>>());
    let Acc {
        files,
        row_counts,
        mut diags,
        parks,
        mut activity,
        waivers,
        title_rows,
        notices,
        certificates,
        under_ledger,
        boundary,
        products,
        admission,
        filtered,
        ..
    } = acc;
    let known: FxHashSet<&str> = parks.iter().map(|p| p.park_id.as_str()).collect();
    boundary.overlaps(&mut diags);
    let products = products::admit(products, &boundary, &mut diags);
    activity.finish(
        &files,
        &|id| known.contains(id),
        &|park, e, year| boundary.months(park, e, year),
        vocab,
        &mut diags,
    );
    certificates::check_rows(&certificates, &|id| known.contains(id), &mut diags);
    // A park the ledger names is checked against it wherever its own files are.
    let mut under_ledger = under_ledger;
    under_ledger.extend(certificates.iter().map(|c| c.park_id.clone()));
    certificates::duplicates(&certificates, &mut diags);
    certificates::check_claims(
        &certificates,
        &|id| under_ledger.contains(id),
        &activity,
        &files,
        vocab,
        &mut diags,
    );
    drop(known);
    let mut report = diags;
    report.sort();
    let mut index = HashMap::with_capacity(parks.len());
    for (i, p) in parks.iter().enumerate() {
        index.entry(p.park_id.clone()).or_insert(i);
    }
    Dataset {
        index,
        files,
        parks,
        activity,
        report,
        row_counts,
        waivers,
        title_rows,
        notices,
        certificates,
        enterprises: boundary.list,
        products,
        outside: admission.outside,
        filtered,
    }
}

/// What the groups of a dataset add up to.
struct Acc {
    files: Vec<Origin>,
    row_counts: Vec<usize>,
    diags: Report,
    parks: Vec<Park>,
    activity: collect::Collector,
    waivers: Vec<Waiver>,
    title_rows: Vec<(Origin, usize)>,
    notices: Vec<crate::diag::Notice>,
    certificates: Vec<certificates::Certificate>,
    /// Parks of groups that give a certificate ledger: their green electricity is checked
    /// against it.
    under_ledger: FxHashSet<String>,
    /// The enterprises inside the parks' boundaries.
    boundary: enterprises::Boundary,
    /// Unknown enterprises already reported, and rows outside the boundary kept aside.
    admission: enterprises::Admission,
    products: Vec<products::Product>,
    /// Parks of the parks tables the reading filter left out (their rows are left out too,
    /// never reported as of an unknown park).
    left_out: FxHashSet<String>,
    /// What the reading filter left unread, by tree.
    filtered: BTreeMap<String, hive::Skipped>,
}

impl Acc {
    /// Records a table of the group (its file, its rows, its notices and title rows) and gives
    /// it back when it could be read; a table that could not be read is its error.
    fn table(&mut self, name: Origin, t: Result<table::Table, Diagnostic>) -> Option<table::Table> {
        self.files.push(name);
        match t {
            Ok(mut t) => {
                self.row_counts.push(t.rows());
                self.notices.append(&mut t.notices);
                if t.title_rows > 0 {
                    self.title_rows.push((t.origin.clone(), t.title_rows));
                }
                Some(t)
            }
            Err(d) => {
                self.row_counts.push(0);
                self.diags.push(d);
                None
            }
        }
    }

    fn new(problems: crate::diag::ProblemLimits, metrics: usize) -> Self {
        Acc {
            files: Vec::new(),
            row_counts: Vec::new(),
            diags: Report::with_limits(problems),
            parks: Vec::new(),
            activity: collect::Collector::new(metrics),
            waivers: Vec::new(),
            title_rows: Vec::new(),
            notices: Vec::new(),
            certificates: Vec::new(),
            under_ledger: FxHashSet::default(),
            boundary: enterprises::Boundary::default(),
            admission: enterprises::Admission::default(),
            products: Vec::new(),
            left_out: FxHashSet::default(),
            filtered: BTreeMap::new(),
        }
    }
}

/// A group's tables by role, each with its name or why it could not be read: CSV files one by
/// one, workbooks sheet by sheet (activity CSV and Parquet files are read as they are added).
#[derive(Default)]
struct GroupTables {
    parks: Vec<(Origin, Result<table::Table, Diagnostic>)>,
    activity: Vec<(Origin, Result<table::Table, Diagnostic>)>,
    waivers: Vec<(Origin, Result<table::Table, Diagnostic>)>,
    ledger: Vec<(Origin, Result<table::Table, Diagnostic>)>,
    enterprises: Vec<(Origin, Result<table::Table, Diagnostic>)>,
    products: Vec<(Origin, Result<table::Table, Diagnostic>)>,
}

/// Hands a group's checked activity rows on, a part at a time and in order, to be added to the
/// collector ([`collecting`]).
type AddRows<'r> = dyn FnMut(activity::Part) + 'r;

/// Parts of checked rows (each at most [`activity::PART_ROWS`]) of a Parquet file that may
/// wait for the collector while the next piece is read and checked: one piece
/// ([`parquet::PIECE_ROWS`]), so that the collector's sums (in file order, on one core) overlap
/// the reading instead of following it (the messy national 10 % tree: `score` 6.4 -> 5.75 s,
/// median of four in turn, peak 444 -> 452 MiB). A CSV file's rows are added as they come: a
/// piece of it is about two parts, and one more part held made `validate`'s peak on 1,000
/// parks (the reading's, about 1.9x the CSV) 6-11 MiB higher for 0-8 % less time.
const PARQUET_PARTS_QUEUED: usize = parquet::PIECE_ROWS / activity::PART_ROWS;

/// Reads the sources of one group into `acc`; problems since `mark` count as the group's own.
fn load_group(sources: &[Source], mark: crate::diag::GroupMark, how: &Reading<'_>, acc: &mut Acc) {
    let parks_before = acc.parks.len();
    let tables = group_tables(sources, how, acc);
    add_parks(tables.parks, how, acc);
    // The enterprises before the activity: rows of an enterprise are checked against its stay
    // inside the boundary as they come.
    for (name, t) in tables.enterprises {
        if let Some(mut t) = acc.table(name, t) {
            how.keep_parks(&mut t, &acc.left_out);
            acc.boundary.extend(enterprises::read(&t, &mut acc.diags));
        }
    }
    // Parks with activity rows in this group (by number in the collector).
    let mut touched: FxHashSet<u32> = FxHashSet::default();
    let mut collector = std::mem::take(&mut acc.activity);
    let of = |kind: SourceKind| sources.iter().filter(move |s| s.kind == kind);
    let mut sums = (&mut collector, &mut touched);
    for source in of(SourceKind::Activity) {
        collecting(&mut sums, None, |add| activity_csv(source, how, acc, add));
    }
    // One thread adds the rows of every Parquet file of the group: a tree's files are often
    // a piece or less each, and the next file is read while the last one's rows are added.
    let parquet = of(SourceKind::ActivityParquet).next().is_some();
    let queue = parquet.then_some((PARQUET_PARTS_QUEUED, &how.spare));
    collecting(&mut sums, queue, |add| {
        for source in of(SourceKind::ActivityParquet) {
            parquet_activity(source, how, acc, add);
        }
    });
    // Only the Parquet files' parts are given back: nothing is held past them.
    how.spare.clear();
    for (name, t) in tables.activity {
        collecting(&mut sums, None, |add| {
            activity_sheet(name, t, how, acc, add)
        });
    }
    acc.activity = collector;
    for (name, t) in tables.waivers {
        if let Some(mut t) = acc.table(name, t) {
            how.keep_parks(&mut t, &acc.left_out);
            let w = read_waivers(&t, &acc.parks[parks_before..], &mut acc.diags);
            acc.waivers.extend(w);
        }
    }
    for (name, t) in tables.products {
        if let Some(mut t) = acc.table(name, t) {
            how.keep_parks(&mut t, &acc.left_out);
            let rows = products::read(&t, &mut acc.diags);
            acc.products.extend(rows);
        }
    }
    let has_ledger = !tables.ledger.is_empty();
    for (name, t) in tables.ledger {
        if let Some(mut t) = acc.table(name, t) {
            how.keep_parks(&mut t, &acc.left_out);
            let certs = certificates::read(&t, &mut acc.diags);
            acc.certificates.extend(certs);
        }
    }
    if has_ledger {
        acc.under_ledger
            .extend(acc.parks[parks_before..].iter().map(|p| p.park_id.clone()));
    }
    leave_out_group(mark, parks_before, &touched, acc);
}

/// Runs `read`, which reads, checks and admits activity rows on this thread (every problem in
/// file order) and hands them on a part at a time, to be added to the collector in that order
/// with the parks they touch noted: on this thread (`queue` None), or on a thread of its own
/// while at most `queued` more parts wait (`queue` Some((queued, spare))), each part's emptied
/// vector then going to `spare` for the next parts. Rows added on this thread (a CSV file's)
/// let their vectors go: one piece's vectors held between pieces made `score`'s peak on 1,000
/// parks (the reading's) 117 -> 129-132 MiB, above twice the CSV.
fn collecting(
    (activity, touched): &mut (&mut collect::Collector, &mut FxHashSet<u32>),
    queue: Option<(usize, &activity::SpareRows)>,
    read: impl FnOnce(&mut AddRows<'_>),
) {
    let spare = queue.map(|(_, spare)| spare);
    let add = |activity: &mut collect::Collector,
               touched: &mut FxHashSet<u32>,
               mut part: activity::Part| {
        activity.add_part(&mut part, |p| {
            touched.insert(p);
        });
        if let Some(spare) = spare {
            spare.give(part.rows);
        }
    };
    let mut read = Some(read);
    if let Some((queued, _)) = queue {
        std::thread::scope(|scope| {
            let (to_collector, parts) = std::sync::mpsc::sync_channel::<activity::Part>(queued);
            let (activity, touched) = (&mut **activity, &mut **touched);
            let adder = std::thread::Builder::new().spawn_scoped(scope, move || {
                for rows in parts {
                    add(activity, touched, rows);
                }
            });
            // No thread to add on: the rows are added on this one (below).
            let Ok(adder) = adder else { return };
            let mut adder = Some(adder);
            // The adder's panic, raised here (at once when a send fails: the adder has ended).
            let raise = |adder: &mut Option<std::thread::ScopedJoinHandle<'_, ()>>| {
                if let Some(Err(panic)) = adder.take().map(|a| a.join()) {
                    std::panic::resume_unwind(panic);
                }
            };
            {
                // Dropped at the end of this block: the adder's loop ends before it is joined.
                let to_collector = to_collector;
                if let Some(read) = read.take() {
                    read(&mut |rows| {
                        if to_collector.send(rows).is_err() {
                            raise(&mut adder);
                        }
                    });
                }
            }
            raise(&mut adder);
        });
    }
    if let Some(read) = read.take() {
        read(&mut |rows| add(activity, touched, rows));
    }
}

/// Reads a group's CSV files (but its activity) and workbooks into tables by role; a workbook
/// that cannot be read is its error.
fn group_tables(sources: &[Source], how: &Reading<'_>, acc: &mut Acc) -> GroupTables {
    let decimal = how.options.decimal;
    let workbook = how.options.workbook.unwrap_or(how.vocab.limits.workbook);
    let mut tables = GroupTables::default();
    let of = |kind: SourceKind| sources.iter().filter(move |s| s.kind == kind);
    let csv = |s: &Source| {
        let t = s
            .read_all(how.files)
            .and_then(|b| table::read_csv_bytes_as(&s.name, &b, decimal, how.vocab));
        (s.origin(), t)
    };
    tables.parks.extend(of(SourceKind::Parks).map(csv));
    tables.waivers.extend(of(SourceKind::Waivers).map(csv));
    tables.ledger.extend(of(SourceKind::Certificates).map(csv));
    tables
        .enterprises
        .extend(of(SourceKind::Enterprises).map(csv));
    tables.products.extend(of(SourceKind::Products).map(csv));
    let books = sources.iter().filter_map(|s| match s.kind {
        SourceKind::Workbook(format) => Some((s, format)),
        _ => None,
    });
    for (book, format) in books {
        let read = book.read_all(how.files).and_then(|b| {
            sheet::read_workbook_as(
                &book.name,
                format,
                &b,
                workbook,
                &how.vocab.columns,
                &mut acc.diags,
            )
        });
        match read {
            Ok(read) => {
                acc.notices.extend(read.notices);
                for (role, t) in read.sheets {
                    let entry = (t.origin.clone(), Ok(t));
                    match role {
                        sheet::SheetRole::Parks => tables.parks.push(entry),
                        sheet::SheetRole::Activity => tables.activity.push(entry),
                        sheet::SheetRole::Waivers => tables.waivers.push(entry),
                        sheet::SheetRole::Certificates => tables.ledger.push(entry),
                        sheet::SheetRole::Enterprises => tables.enterprises.push(entry),
                        sheet::SheetRole::Products => tables.products.push(entry),
                    }
                }
            }
            Err(d) => {
                acc.files.push(book.origin());
                acc.row_counts.push(0);
                acc.diags.push(d);
            }
        }
    }
    tables
}

/// Adds the parks of a group's parks tables: those the reading filter keeps, each id once (a
/// second definition is an error naming the first).
fn add_parks(
    tables: Vec<(Origin, Result<table::Table, Diagnostic>)>,
    how: &Reading<'_>,
    acc: &mut Acc,
) {
    let mut defined: HashMap<String, usize> = acc
        .parks
        .iter()
        .enumerate()
        .map(|(i, p)| (p.park_id.clone(), i))
        .collect();
    for (name, t) in tables {
        let Some(t) = acc.table(name, t) else {
            continue;
        };
        for park in parks::read_parks(&t, how.vocab, how.factors, &mut acc.diags) {
            if !how.keeps_park(&park) {
                acc.left_out.insert(park.park_id);
                continue;
            }
            if let Some(first) = defined.get(&park.park_id).map(|&i| &acc.parks[i]) {
                let d = Diagnostic::error(
                    &park.file,
                    park.line,
                    1,
                    t!(
                        "diag.park_id_duplicate_at",
                        first = crate::diag::location(&first.file, first.line, 0)
                    ),
                )
                .value(&park.park_id)
                .park(&park.park_id);
                acc.diags.push(d);
            } else {
                defined.insert(park.park_id.clone(), acc.parks.len());
                acc.parks.push(park);
            }
        }
    }
}

/// Reads an activity CSV file piece by piece (never held whole), its rows checked, admitted
/// by the enterprises' boundary and added as they come.
fn activity_csv(source: &Source, how: &Reading<'_>, acc: &mut Acc, add_rows: &mut AddRows<'_>) {
    let index = acc.files.len() as u16;
    acc.files.push(source.origin());
    let origin = source.origin();
    let (boundary, seen) = (&acc.boundary, &mut acc.admission);
    let diags = &mut acc.diags;
    // The header's line and the title rows above it, from the first piece.
    let mut head = None;
    let notices = &mut acc.notices;
    let left_out = &acc.left_out;
    let each = |mut t: table::Table| {
        head.get_or_insert((t.header_line, t.title_rows));
        notices.append(&mut t.notices);
        for rows in how.read_rows(&mut t, index, left_out, diags) {
            let rows = enterprises::admit(rows, boundary, &origin, how.vocab, seen, diags);
            add_rows(rows);
        }
        // A header without the required columns is reported once, not once per piece.
        activity::missing_columns(&t).is_empty()
    };
    let (piece, decimal) = (how.piece_bytes, how.options.decimal);
    let read = match &source.content {
        Content::Path(p) => table::read_csv_pieces(how.files, p, piece, decimal, how.vocab, each),
        Content::Bytes(b) => {
            table::read_csv_pieces_from(&source.name, b.as_slice(), piece, decimal, how.vocab, each)
        }
    };
    let (header_line, title_rows) = head.unwrap_or((1, 0));
    if title_rows > 0 {
        acc.title_rows.push((source.origin(), title_rows));
    }
    match read {
        Ok(n) => {
            acc.row_counts.push(n);
            if n == 0 {
                acc.diags
                    .push(no_rows(&source.origin(), header_line as usize));
            }
        }
        Err(d) => {
            acc.row_counts.push(0);
            acc.diags.push(d);
        }
    }
}

/// Adds the checked rows of a workbook's activity sheet.
fn activity_sheet(
    name: Origin,
    t: Result<table::Table, Diagnostic>,
    how: &Reading<'_>,
    acc: &mut Acc,
    add_rows: &mut AddRows<'_>,
) {
    let index = acc.files.len() as u16;
    let Some(mut t) = acc.table(name, t) else {
        return;
    };
    if t.rows() == 0 {
        acc.diags.push(no_rows(&t.origin, t.header_line as usize));
    }
    for rows in how.read_rows(&mut t, index, &acc.left_out, &mut acc.diags) {
        let rows = enterprises::admit(
            rows,
            &acc.boundary,
            &t.origin,
            how.vocab,
            &mut acc.admission,
            &mut acc.diags,
        );
        add_rows(rows);
    }
}

/// Problems of the group that name no park leave out every park of the group (those its parks
/// tables define and those its activity rows name, `touched`).
fn leave_out_group(
    mark: crate::diag::GroupMark,
    parks_before: usize,
    touched: &FxHashSet<u32>,
    acc: &mut Acc,
) {
    let (group_errors, first) = acc.diags.group_errors(mark);
    let Some(first) = first.cloned() else {
        return;
    };
    let mut ids: BTreeSet<String> = acc.parks[parks_before..]
        .iter()
        .map(|p| p.park_id.clone())
        .collect();
    ids.extend(
        touched
            .iter()
            .map(|&p| acc.activity.parks[p as usize].id.to_string()),
    );
    for id in ids {
        acc.diags.push(
            Diagnostic::error(
                first.origin(),
                first.line,
                first.column,
                t!(
                    "diag.park_left_out_by_file",
                    park = &id,
                    n = group_errors,
                    first = first.message.clone()
                ),
            )
            .park(&id),
        );
    }
}

impl Reading<'_> {
    /// Does the reading filter keep this park of a parks table (by its id and province)?
    fn keeps_park(&self, park: &Park) -> bool {
        let filter = &self.options.filter;
        filter.keeps_park(&park.park_id)
            && filter.keeps_province(park.province.as_deref(), &|w| self.factors.province_key(w))
    }

    /// Keeps the rows of a table of the parks' other records (enterprises, waivers, products,
    /// certificates) whose park the reading filter keeps; their years are not filtered (a
    /// firm's stay or a certificate may reach into the years read).
    fn keep_parks(&self, t: &mut table::Table, left_out: &FxHashSet<String>) {
        let filter = &self.options.filter;
        if filter.parks.is_empty() && left_out.is_empty() {
            return;
        }
        let by_park = hive::Filter {
            years: Vec::new(),
            ..filter.clone()
        };
        by_park.keep_rows(t, &|id| left_out.contains(id));
    }

    /// The activity rows of a table the reading filter keeps, checked: rows outside the filter
    /// (or of a park a parks table left out by it) are left out before they are checked, and
    /// rows whose year the check read otherwise than the filter did are left out after. The
    /// rows come in the parts they were checked in, in order.
    fn read_rows(
        &self,
        t: &mut table::Table,
        file_index: u16,
        left_out: &FxHashSet<String>,
        diags: &mut Report,
    ) -> Vec<activity::Part> {
        let filter = &self.options.filter;
        let dropped = |id: &str| left_out.contains(id);
        filter.keep_rows(t, &dropped);
        let mut parts =
            activity::read_activity_parts(t, file_index, self.vocab, diags, &self.spare);
        if !filter.is_empty() {
            for part in &mut parts {
                let parks = &part.parks;
                part.rows.retain(|r| {
                    let park = &parks[r.park as usize];
                    filter.keeps_year(r.year) && filter.keeps_park(park) && !dropped(park)
                });
            }
        }
        parts
    }
}

/// Reads one Parquet activity file into `acc`, unless the reading filter leaves it out by its
/// partition path; only the row groups the filter may keep are decoded.
fn parquet_activity(source: &Source, how: &Reading<'_>, acc: &mut Acc, add_rows: &mut AddRows<'_>) {
    let filter = &how.options.filter;
    let skipped = acc.filtered.entry(source_root(source)).or_default();
    skipped.files += 1;
    let province_key = |w: &str| how.factors.province_key(w);
    if !filter.keeps_partition(&source.partition, &province_key) {
        skipped.files_skipped += 1;
        return;
    }
    let index = acc.files.len() as u16;
    let (boundary, seen) = (&acc.boundary, &mut acc.admission);
    let diags = &mut acc.diags;
    let left_out = &acc.left_out;
    let mut origin = None;
    let each = |mut t: table::Table| {
        let kept = |id: &str| filter.keeps_park(id) && !left_out.contains(id);
        hive::fill(&mut t, &source.partition, &kept, diags);
        origin.get_or_insert_with(|| t.origin.clone());
        let header_ok = activity::missing_columns(&t).is_empty();
        for rows in how.read_rows(&mut t, index, left_out, diags) {
            let rows = enterprises::admit(rows, boundary, &t.origin, how.vocab, seen, diags);
            add_rows(rows);
        }
        header_ok
    };
    let name = &source.name;
    let cannot_read = |e: std::io::Error| {
        vec![Diagnostic::error(
            source.origin(),
            0,
            0,
            t!("diag.cannot_read_file", error = e.to_string()),
        )]
    };
    let (pieces, filter, words) = (parquet::PIECE_ROWS, filter, &how.vocab.columns);
    let read = match &source.content {
        Content::Path(p) => match how.files.handle(p) {
            Ok(Some(f)) => parquet::read_pieces_of(name, f, pieces, filter, words, each),
            Ok(None) => match how.files.read(p) {
                Ok(b) => parquet::read_pieces_of(
                    name,
                    std::io::Cursor::new(b),
                    pieces,
                    filter,
                    words,
                    each,
                ),
                Err(e) => Err(cannot_read(e)),
            },
            Err(e) => Err(cannot_read(e)),
        },
        Content::Bytes(b) => {
            let bytes = std::io::Cursor::new(b.as_slice());
            parquet::read_pieces_of(name, bytes, pieces, filter, words, each)
        }
    };
    acc.files.push(origin.unwrap_or_else(|| source.origin()));
    match read {
        Ok(read) => {
            acc.row_counts.push(read.rows);
            let skipped = acc.filtered.entry(source_root(source)).or_default();
            skipped.groups += read.groups;
            skipped.groups_skipped += read.groups_skipped;
            if read.rows == 0 && read.groups_skipped == 0 {
                acc.diags.push(no_rows(&source.origin(), 0));
            }
        }
        Err(ds) => {
            acc.row_counts.push(0);
            acc.diags.extend(ds);
        }
    }
}

/// The tree a Parquet source belongs to (its own name when it is in none).
fn source_root(source: &Source) -> String {
    match source.partition.root.as_str() {
        "" => source.name.clone(),
        root => root.to_string(),
    }
}

fn no_rows(file: &Origin, header_line: usize) -> Diagnostic {
    Diagnostic::warning(file, header_line, 0, t!("diag.no_rows"))
}

fn read_waivers(t: &table::Table, parks: &[Park], diags: &mut Report) -> Vec<Waiver> {
    let cols: Vec<Option<usize>> = ["park_id", "benchmark", "rule", "justification"]
        .iter()
        .map(|c| t.col(c))
        .collect();
    if cols.iter().any(Option::is_none) {
        diags.push(
            Diagnostic::error(&t.origin, 1, 0, t!("diag.waivers_columns"))
                .value(t.header.join(",")),
        );
        return Vec::new();
    }
    let cell = |c: Option<usize>, r: usize| {
        c.and_then(|c| t.columns[c].get(r))
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let mut out = Vec::new();
    for r in 0..t.rows() {
        let w = Waiver {
            park_id: cell(cols[0], r),
            benchmark: cell(cols[1], r),
            rule: cell(cols[2], r),
            justification: cell(cols[3], r),
        };
        if !parks.iter().any(|p| p.park_id == w.park_id) {
            diags.push(
                Diagnostic::error(
                    &t.origin,
                    t.line(r),
                    cols[0].unwrap_or(0) + 1,
                    t!("diag.waiver_unknown_park"),
                )
                .value(&w.park_id)
                .park(&w.park_id),
            );
            continue;
        }
        if w.justification.is_empty() {
            diags.push(
                Diagnostic::error(
                    &t.origin,
                    t.line(r),
                    cols[3].unwrap_or(0) + 1,
                    t!("diag.waiver_justification"),
                )
                .park(&w.park_id),
            );
            continue;
        }
        out.push(w);
    }
    out
}

/// A metric's value for one park and year.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MetricYear {
    /// None when the operator reported it as unknown.
    pub value: Option<f64>,
    /// Some rows were estimates (evidence C or D).
    pub estimated: bool,
    /// Number of monthly rows aggregated (0 for an annual row).
    pub months: u8,
    /// The share of the value resting on each evidence grade.
    pub grades: Grades,
}

/// The share of a value resting on each evidence grade, A to D (summing to 1): by quantity for
/// a summed metric (six measured months and six estimated ones of a flow are half C when the
/// months are equal), by rows otherwise.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Grades(pub [f64; 4]);

impl Default for Grades {
    /// All on grade A (a value no row carries a grade for, such as one a measure adds).
    fn default() -> Self {
        Grades::of(Grade::A)
    }
}

impl Grades {
    /// All of the value on one grade.
    pub fn of(g: Grade) -> Grades {
        let mut s = [0.0; 4];
        s[g as usize] = 1.0;
        Grades(s)
    }

    /// From rows per grade and the size of their values (`by_quantity`: a summed metric).
    pub fn from_rows(rows: [u32; 4], sums: [f64; 4], by_quantity: bool) -> Grades {
        let total: f64 = sums.iter().sum();
        if by_quantity && total > 0.0 {
            return Grades(sums.map(|x| x / total));
        }
        let n: u32 = rows.iter().sum();
        if n == 0 {
            return Grades::default();
        }
        Grades(rows.map(|x| f64::from(x) / f64::from(n)))
    }

    /// The share on C or D: estimates, proxies and gaps.
    pub fn low(&self) -> f64 {
        self.0[Grade::C as usize] + self.0[Grade::D as usize]
    }
}

/// Per-park, per-year metric values in canonical units (shared with the park-year's inventory,
/// which holds them too).
pub type Annual = BTreeMap<(String, i32), std::sync::Arc<BTreeMap<String, MetricYear>>>;

/// Per park, enterprise ("" for the park's own rows) and year.
pub type UnitAnnual = BTreeMap<(String, String, i32), BTreeMap<String, MetricYear>>;

impl Dataset {
    /// Does any park report by enterprise?
    pub fn has_enterprises(&self) -> bool {
        self.activity.parks.iter().any(|u| u.enterprise.is_some())
    }

    /// Parks with at least one error, with the number of errors.
    pub fn failed_parks(&self) -> BTreeMap<String, usize> {
        self.report.failed_parks().clone()
    }

    /// Errors that belong to no park (a file cannot be read, a column is missing); the parks of
    /// the group they occur in are left out with them.
    pub fn has_dataset_errors(&self) -> bool {
        self.report.has_parkless_errors()
    }

    /// Parks that can be accounted: no error of their own or of their group.
    pub fn valid_parks(&self) -> Vec<&Park> {
        let failed = self.failed_parks();
        self.parks
            .iter()
            .filter(|p| !failed.contains_key(&p.park_id))
            .collect()
    }

    /// Monthly rows summed to years (per the metric's aggregation) for the valid parks.
    pub fn annual(&self, vocab: &Vocabulary) -> Result<Annual, crate::frame::FrameError> {
        let valid: FxHashSet<&str> = self
            .valid_parks()
            .iter()
            .map(|p| p.park_id.as_str())
            .collect();
        self.annual_by(vocab, |unit| {
            valid.contains(&*unit.id).then_some((&*unit.id, ""))
        })
        .map(|by| {
            by.into_iter()
                .map(|((park, _, year), metrics)| {
                    ((park.to_string(), year), std::sync::Arc::new(metrics))
                })
                .collect()
        })
    }

    /// Monthly rows summed to years for each enterprise of the valid parks (park, enterprise,
    /// year): what each firm adds to its park. The park's own rows (no enterprise) are the
    /// enterprise "".
    pub fn annual_by_enterprise(
        &self,
        vocab: &Vocabulary,
    ) -> Result<UnitAnnual, crate::frame::FrameError> {
        self.annual_by_enterprise_of(vocab, None)
    }

    /// [`Dataset::annual_by_enterprise`] of these parks only (every valid park when None).
    pub fn annual_by_enterprise_of(
        &self,
        vocab: &Vocabulary,
        parks: Option<&FxHashSet<&str>>,
    ) -> Result<UnitAnnual, crate::frame::FrameError> {
        let valid: FxHashSet<&str> = self
            .valid_parks()
            .iter()
            .map(|p| p.park_id.as_str())
            .filter(|p| parks.is_none_or(|parks| parks.contains(p)))
            .collect();
        self.annual_by(vocab, |unit| {
            valid
                .contains(&*unit.id)
                .then(|| (&*unit.id, unit.enterprise.as_deref().unwrap_or("")))
        })
        .map(|by| {
            by.into_iter()
                .map(|((park, firm, year), metrics)| {
                    ((park.to_string(), firm.to_string(), year), metrics)
                })
                .collect()
        })
    }

    /// Monthly rows summed to years, the units (a park's own rows, each enterprise's) that
    /// `key` maps to the same (park, enterprise) added together: a value is unknown when any of
    /// its units' is (missing is not zero). Sorted by (park, enterprise, year).
    #[allow(clippy::type_complexity)]
    fn annual_by<'a>(
        &'a self,
        vocab: &'a Vocabulary,
        key: impl Fn(&'a collect::ActivityPark) -> Option<(&'a str, &'a str)>,
    ) -> Result<
        Vec<((&'a str, &'a str, i32), BTreeMap<String, MetricYear>)>,
        crate::frame::FrameError,
    > {
        use rayon::prelude::*;
        #[derive(Default)]
        struct Sum {
            value: Option<f64>,
            unknown: bool,
            estimated: bool,
            months: u8,
            grade_rows: [u32; 4],
            grade_sum: [f64; 4],
        }
        // Each unit's (park, enterprise) is found once (a national year has ten groups a unit):
        // the keys by number, and each unit's key number (None: `key` leaves the unit out).
        let mut keys: Vec<(&str, &str)> = Vec::new();
        let mut key_of: FxHashMap<(&str, &str), u32> = FxHashMap::default();
        let unit_key: Vec<Option<u32>> = self
            .activity
            .parks
            .iter()
            .map(|unit| {
                let k = key(unit)?;
                Some(*key_of.entry(k).or_insert_with(|| {
                    keys.push(k);
                    keys.len() as u32 - 1
                }))
            })
            .collect();
        // Metrics by the rank of their name, so that a unit's metrics come in their names'
        // order, as a map by name gives them.
        let mut by_name: Vec<u16> = (0..vocab.order.len() as u16).collect();
        by_name.sort_by_key(|&m| vocab.order[m as usize].as_str());
        let mut rank = vec![0u16; by_name.len()];
        for (r, &m) in by_name.iter().enumerate() {
            rank[m as usize] = r as u16;
        }
        // Each (park, enterprise, year) once, found by hashing its key's number; sorted at the
        // end. Groups are added in their order, so every sum is made in the same order as
        // before.
        let mut index: FxHashMap<(u32, i32), usize> = FxHashMap::default();
        type Unit<'k> = (&'k str, &'k str, i32);
        // A unit-year's metrics by rank, in the order they come (a few to a few dozen: a
        // vector looked over is quicker than a map).
        let mut sums: Vec<(Unit<'_>, Vec<(u16, Sum)>)> = Vec::new();
        // How each metric (by number) becomes its year, looked up once.
        let aggregate: Vec<crate::reference::Aggregate> = vocab
            .order
            .iter()
            .map(|m| vocab.metrics[m].aggregate)
            .collect();
        // The last (key, year) and its sums (a park's groups come together, or nearly).
        let mut last: Option<((u32, i32), usize)> = None;
        for g in &self.activity.groups {
            let Some(k) = unit_key[g.park as usize] else {
                continue;
            };
            let value = if g.nulls > 0 || g.incomplete || g.values == 0 {
                None
            } else {
                Some(match aggregate[g.metric as usize] {
                    crate::reference::Aggregate::Sum => g.sum,
                    crate::reference::Aggregate::Mean => g.sum / f64::from(g.values),
                    crate::reference::Aggregate::Max => g.max,
                })
            };
            let at = match last {
                Some((key, at)) if key == (k, g.year) => at,
                _ => {
                    let at = *index.entry((k, g.year)).or_insert_with(|| {
                        let (park, firm) = keys[k as usize];
                        sums.push(((park, firm, g.year), Vec::new()));
                        sums.len() - 1
                    });
                    last = Some(((k, g.year), at));
                    at
                }
            };
            let r = rank[g.metric as usize];
            let metrics = &mut sums[at].1;
            let s = match metrics.iter().position(|(m, _)| *m == r) {
                Some(i) => &mut metrics[i].1,
                None => {
                    metrics.push((r, Sum::default()));
                    &mut metrics.last_mut().expect("just pushed").1
                }
            };
            match value {
                // Units of a park are only ever summed (enterprises report summed metrics).
                Some(v) => s.value = Some(s.value.unwrap_or(0.0) + v),
                None => s.unknown = true,
            }
            s.estimated |= g.estimated > 0;
            s.months = s.months.max(g.monthly as u8);
            for k in 0..4 {
                s.grade_rows[k] += g.grade_rows[k];
                s.grade_sum[k] += g.grade_sum[k];
            }
        }
        sums.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(sums
            .into_par_iter()
            .map(|(unit, mut metrics)| {
                metrics.sort_unstable_by_key(|(r, _)| *r);
                let metrics = metrics
                    .into_iter()
                    .map(|(r, s)| {
                        let id = &vocab.order[by_name[r as usize] as usize];
                        let summed =
                            vocab.metrics[id].aggregate == crate::reference::Aggregate::Sum;
                        (
                            id.to_string(),
                            MetricYear {
                                value: if s.unknown { None } else { s.value },
                                estimated: s.estimated,
                                months: s.months,
                                grades: Grades::from_rows(s.grade_rows, s.grade_sum, summed),
                            },
                        )
                    })
                    .collect();
                (unit, metrics)
            })
            .collect())
    }

    /// Where the first row (in file order) of a park's metric in a year is: (file, line,
    /// column), in constant time.
    pub fn first_row(
        &self,
        park_id: &str,
        year: i32,
        metric: u16,
    ) -> Option<(&Origin, usize, usize)> {
        let g = self.activity.group(park_id, year, metric)?;
        Some((
            &self.files[g.first.file as usize],
            g.first.line as usize,
            g.first.column as usize,
        ))
    }

    /// The park with this id.
    pub fn park(&self, id: &str) -> Option<&Park> {
        self.index.get(id).map(|&i| &self.parks[i])
    }
}

/// Can this park id name a file inside an output folder? Valid ids are `[A-Za-z0-9_.-]`;
/// this also refuses names that are hidden or reserved on Windows (`CON`, `NUL`, `COM1` ...).
pub fn valid_park_id_for_path(id: &str) -> bool {
    const RESERVED: [&str; 4] = ["con", "prn", "aux", "nul"];
    let stem = id.split('.').next().unwrap_or("").to_lowercase();
    let reserved = RESERVED.contains(&stem.as_str())
        || ((stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    parks::valid_park_id(id) && !id.starts_with('.') && !reserved
}

/// The file name part of a path, for short messages.
pub fn short_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: u8) -> Row {
        Row {
            park: 0,
            year: 2024,
            metric: 0,
            value: Some(f64::from(month)),
            month: Some(month),
            grade: activity::Grade::A,
            enterprise: 0,
            enterprise_column: 0,
            file: 0,
            line: u32::from(month) + 1,
            column: 4,
        }
    }

    /// Parts of three parks, each in a vector from `spare`, through `collecting` with `queue`.
    fn collect_three(queue: Option<(usize, &activity::SpareRows)>) -> collect::Collector {
        let spare = activity::SpareRows::holding(4);
        let mut collector = collect::Collector::default();
        let mut touched = FxHashSet::default();
        collecting(&mut (&mut collector, &mut touched), queue, |add| {
            for park in ["a", "b", "c"] {
                let mut rows = spare.take(12);
                rows.extend((1..=12).map(row));
                add(activity::Part {
                    rows,
                    parks: vec![park.into()],
                    enterprises: Vec::new(),
                });
            }
        });
        assert_eq!(touched.len(), 3);
        collector
    }

    #[test]
    fn queued_parts_are_added_in_order_and_their_vectors_given_back() {
        let spare = activity::SpareRows::holding(4);
        let collector = collect_three(Some((1, &spare)));
        let parks: Vec<(&str, u64)> = collector.parks.iter().map(|p| (&*p.id, p.rows)).collect();
        assert_eq!(parks, [("a", 12), ("b", 12), ("c", 12)]);
        let sums: Vec<f64> = collector.groups.iter().map(|g| g.sum).collect();
        assert_eq!(sums, [78.0, 78.0, 78.0]);
        // Every part's vector came back, empty, with its room.
        assert_eq!(spare.held(), 3);
        assert!((0..3).all(|_| {
            let v = spare.take(12);
            v.is_empty() && v.capacity() >= 12
        }));
        // Added on this thread (a CSV file's parts, no pool to give to): the same sums.
        let here = collect_three(None);
        assert!(here.groups.iter().map(|g| g.sum).eq(sums));
    }
}
