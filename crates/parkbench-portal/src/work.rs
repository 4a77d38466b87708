//! What the portal does with uploads, through the same library as the command line: recognise
//! each file by its content, validate, score, and write the report. Everything here blocks
//! (it computes, and a report is still written to a temporary folder and read back); handlers
//! call it on the blocking pool.
//!
//! Uploaded names are shown to people and never become paths: uploads are validated from
//! memory ([`input::load_sources`]), under the names the operator knows.

// One diagnostic per file, as in `input::table`.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::crossyear::{Carrier, Totals};
use super::db::{RosterPark, StoredFile};
use parkbench_core::benchmark::BenchmarkSet;
use parkbench_core::diag::{Diagnostic, Severity};
use parkbench_core::i18n::Lang;
use parkbench_core::input::{self, Source, SourceKind, activity, sheet, table};
use parkbench_core::pipeline::{self, Reference, Request, Selection};
use parkbench_core::reference::PortalLimits;
use parkbench_core::scoring::Score;
use parkbench_disk::Disk;
use parkbench_report::report::{self, ReportInput, ReportOptions};

/// Reference data, loaded once at start (the run API's [`Reference`], which it derefs to), and
/// the benchmark sets the portal offers.
pub struct Refs {
    pub reference: Reference,
    /// The benchmark sets the portal offers, the first the default.
    pub sets: Vec<BenchmarkSet>,
    /// Who the portal's reports are for and who prepares them (`serve --client/--preparer`);
    /// each report is issued the day it is made.
    pub issue: parkbench_core::identification::Issue,
}

impl std::ops::Deref for Refs {
    type Target = Reference;
    fn deref(&self) -> &Reference {
        &self.reference
    }
}

impl Refs {
    /// Loads the shipped reference data and the sets with these ids (all shipped sets when
    /// none are given).
    pub fn load(ids: &[String]) -> Result<Refs, String> {
        let reference = Reference::load(None).map_err(|e| e.to_string())?;
        let sets = if ids.is_empty() {
            reference.sets.clone()
        } else {
            ids.iter()
                .map(|id| reference.set(id).cloned().map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?
        };
        Ok(Refs {
            reference,
            sets,
            issue: Default::default(),
        })
    }

    pub fn set(&self, id: &str) -> Option<&BenchmarkSet> {
        self.sets.iter().find(|s| s.id == id)
    }
}

/// A file as the browser sent it.
pub struct Upload {
    /// The name on the operator's computer: shown, never used as a path.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The outcome of checking an upload.
pub struct Checked {
    /// The problems the validator kept in full (bounded while they were found).
    pub problems: Vec<Diagnostic>,
    /// The problems it only counted, by kind.
    pub omitted: Vec<Omitted>,
    /// The files to store, with the kind the server recognised.
    pub files: Vec<StoredFile>,
    pub names: Vec<String>,
    /// The reporting year's totals, checked across years (a version without errors only).
    pub totals: Option<Totals>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        let kept = self.problems.iter().filter(|d| d.severity == severity);
        let counted = self.omitted.iter().filter(|o| o.severity == severity);
        kept.count() + counted.map(|o| o.count as usize).sum::<usize>()
    }

    /// The problems as stored ([`bound`]), those the validator only counted included.
    pub fn bounded(&self, l: &PortalLimits) -> (String, String) {
        let mut b = Bounder::new(l);
        for d in &self.problems {
            b.push(d);
        }
        for o in &self.omitted {
            b.count(o);
        }
        b.finish()
    }
}

pub use parkbench_core::diag::{Omitted, kind};

/// Problems as stored: the first `problems_per_kind` of each kind in full (up to
/// `problems_stored` problems and `problems_bytes` of JSON in all), the others counted by kind.
/// Both as JSON; whatever the number of problems, the result is bounded.
pub fn bound(problems: &[Diagnostic], l: &PortalLimits) -> (String, String) {
    let mut b = Bounder::new(l);
    for d in problems {
        b.push(d);
    }
    b.finish()
}

/// [`bound`] one problem at a time, so that problems never need to be held all at once (an old
/// row of a million problems is bounded as it is parsed: [`bound_json`]).
pub struct Bounder {
    l: PortalLimits,
    /// Problems seen so far by kind (at most `problem_kinds` kinds, then one more per severity
    /// for every other kind), and those only counted.
    seen: BTreeMap<(Severity, String), usize>,
    omitted: BTreeMap<(Severity, String), u64>,
    kept: String,
    n_kept: usize,
}

impl Bounder {
    pub fn new(l: &PortalLimits) -> Bounder {
        Bounder {
            l: *l,
            seen: BTreeMap::new(),
            omitted: BTreeMap::new(),
            kept: String::from("["),
            n_kept: 0,
        }
    }

    pub fn push(&mut self, d: &Diagnostic) {
        let l = &self.l;
        let mut key = (d.severity, kind(d));
        if !self.seen.contains_key(&key) && self.seen.len() >= l.problem_kinds {
            key = (d.severity, String::new());
        }
        let n = self.seen.entry(key.clone()).or_insert(0);
        let first_ones = *n < l.problems_per_kind && self.n_kept < l.problems_stored;
        *n += 1;
        let json = first_ones
            .then(|| serde_json::to_string(d).ok())
            .flatten()
            .filter(|j| self.kept.len() + j.len() + 2 <= l.problems_bytes);
        match json {
            Some(j) => {
                if self.n_kept > 0 {
                    self.kept.push(',');
                }
                self.kept.push_str(&j);
                self.n_kept += 1;
            }
            None => *self.omitted.entry(key).or_insert(0) += 1,
        }
    }

    /// Problems counted elsewhere and not kept there: counted here too.
    pub fn count(&mut self, o: &Omitted) {
        let mut key = (o.severity, o.kind.clone());
        if !self.seen.contains_key(&key) && self.seen.len() >= self.l.problem_kinds {
            key = (o.severity, String::new());
        }
        *self.seen.entry(key.clone()).or_insert(0) += o.count as usize;
        *self.omitted.entry(key).or_insert(0) += o.count;
    }

    /// (kept, omitted), both JSON.
    pub fn finish(mut self) -> (String, String) {
        self.kept.push(']');
        let mut omitted: Vec<Omitted> = self
            .omitted
            .into_iter()
            .map(|((severity, kind), count)| Omitted {
                severity,
                kind,
                count,
            })
            .collect();
        omitted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.kind.cmp(&b.kind)));
        let omitted = serde_json::to_string(&omitted).unwrap_or_else(|_| "[]".into());
        (self.kept, omitted)
    }
}

/// Bounds problems stored as a JSON array (rows stored before problems were bounded), parsing
/// one problem at a time.
pub fn bound_json(json: &str, l: &PortalLimits) -> Result<(String, String), serde_json::Error> {
    use serde::de::{DeserializeSeed, SeqAccess, Visitor};
    struct Feed<'a>(&'a mut Bounder);
    impl<'de> DeserializeSeed<'de> for Feed<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Feed<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of problems")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(d) = seq.next_element::<Diagnostic>()? {
                self.0.push(&d);
            }
            Ok(())
        }
    }
    let mut b = Bounder::new(l);
    let mut de = serde_json::Deserializer::from_str(json);
    Feed(&mut b).deserialize(&mut de)?;
    de.end()?;
    Ok(b.finish())
}

/// A file name as shown on a page: its last path component, without control characters or
/// the invisible characters that reorder text (bidirectional overrides and isolates, which can
/// make `invoice\u{202e}fdp.exe` read as `invoiceexe.pdf`), at most `file_name_chars`.
pub fn shown_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let name: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .take(crate::shipped_limits().portal.file_name_chars)
        .collect();
    if name.trim().is_empty() {
        "upload".into()
    } else {
        name
    }
}

/// Recognises a file by its content: a workbook (ZIP or OLE container that opens as one), or a
/// CSV table whose header says what it is. Only the container's sheet list or the CSV header is
/// read; the validator reads the rest.
fn recognise(refs: &Refs, u: &Upload, i: usize) -> Result<&'static str, Diagnostic> {
    let b = &u.bytes;
    let candidates: &[&'static str] = if b.starts_with(b"PK\x03\x04") {
        &["xlsx", "xlsb", "ods"]
    } else if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        &["xls"]
    } else {
        &[]
    };
    if input::parquet::is_parquet(b) {
        return Ok("parquet");
    }
    if let Some((first, rest)) = candidates.split_first() {
        let limits = refs.limits().portal_workbook;
        let open =
            |ext: &str| sheet::workbook_roles(&format!("upload-{i}.{ext}"), Some(ext), b, limits);
        let err = match open(first) {
            Ok(_) => return Ok(first),
            Err(e) => e,
        };
        if let Some(ext) = rest.iter().find(|ext| open(ext).is_ok()) {
            return Ok(ext);
        }
        return Err(Diagnostic {
            file: u.name.clone(),
            ..err
        });
    }
    let t = table::read_csv_head(&u.name, b, &refs.vocab)?;
    if t.col("certificate_id").is_some() {
        Ok("certificates")
    } else if t.col("product").is_some() && t.col("energy_per_unit").is_some() {
        Ok("products")
    } else if t.col("enterprise_id").is_some()
        && t.col("metric").is_none()
        && !activity::is_wide(&t)
    {
        Ok("enterprises")
    } else if activity::is_wide(&t) || t.col("metric").is_some() {
        Ok("activity")
    } else if t.col("justification").is_some() {
        Ok("waivers")
    } else if t.col("park_id").is_some() && t.col("name").is_some() {
        Ok("parks")
    } else {
        Err(
            Diagnostic::error(&u.name, 1, 0, t!("diag.upload_not_a_table"))
                .value(t.header.join(","))
                .expected(t!("diag.expected.template_header"))
                .hint(t!("diag.hint.download_template")),
        )
    }
}

/// The stored files of a submission as sources under the names the operator knows, with the
/// roster's parks row when the upload brings no parks table.
fn sources(
    refs: &Refs,
    files: &[StoredFile],
    names: &[String],
    roster: &RosterPark,
) -> Vec<Source> {
    let mut out = Vec::new();
    let mut has_parks = false;
    for (i, f) in files.iter().enumerate() {
        let kind = match f.kind.as_str() {
            "parks" => SourceKind::Parks,
            "activity" => SourceKind::Activity,
            "parquet" => SourceKind::ActivityParquet,
            "waivers" => SourceKind::Waivers,
            "certificates" => SourceKind::Certificates,
            "enterprises" => SourceKind::Enterprises,
            "products" => SourceKind::Products,
            "xlsx" => SourceKind::Workbook(Some("xlsx")),
            "xlsb" => SourceKind::Workbook(Some("xlsb")),
            "xls" => SourceKind::Workbook(Some("xls")),
            "ods" => SourceKind::Workbook(Some("ods")),
            _ => continue,
        };
        has_parks |= match kind {
            SourceKind::Parks => true,
            SourceKind::Workbook(Some(k)) => {
                let limits = refs.limits().portal_workbook;
                sheet::workbook_roles(&format!("b.{k}"), Some(k), &f.content, limits)
                    .is_ok_and(|roles| roles.contains(&sheet::SheetRole::Parks))
            }
            _ => false,
        };
        let name = names
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("file {}", i + 1));
        out.push(Source::bytes(kind, name, f.content.clone()));
    }
    if !has_parks {
        out.push(Source::bytes(
            SourceKind::Parks,
            "parks.csv (the programme's roster)",
            roster.meta_csv.clone().into_bytes(),
        ));
    }
    out
}

/// Checks an upload for one park and reporting year with the command line's validator, plus
/// what the portal adds: the data must be this park's and cover the reporting year.
pub fn check(refs: &Refs, park: &RosterPark, year: i32, uploads: Vec<Upload>) -> Checked {
    let mut problems = Vec::new();
    let mut files = Vec::new();
    let names: Vec<String> = uploads.iter().map(|u| u.name.clone()).collect();
    for (i, u) in uploads.into_iter().enumerate() {
        let kind = match recognise(refs, &u, i) {
            Ok(k) => k,
            Err(d) => {
                problems.push(d);
                "unreadable"
            }
        };
        files.push(StoredFile {
            kind: kind.to_string(),
            content: u.bytes.into(),
        });
    }
    if files.iter().filter(|f| f.kind == "parks").count() > 1 {
        problems.push(
            Diagnostic::error("", 0, 0, t!("diag.upload_two_parks_tables"))
                .expected(t!("diag.expected.one_parks_table")),
        );
    }
    let has_activity = files.iter().any(|f| {
        matches!(
            f.kind.as_str(),
            "activity" | "parquet" | "xlsx" | "xlsb" | "xls" | "ods"
        )
    });
    if !has_activity {
        problems.push(
            Diagnostic::error("", 0, 0, t!("diag.missing_file", file = "activity.csv"))
                .expected(t!("diag.expected.activity_table")),
        );
    }
    let mut omitted = Vec::new();
    let mut totals = None;
    if problems.iter().all(|d| d.severity != Severity::Error) {
        let data = load(refs, park, &files, &names);
        problems.extend(data.report.diagnostics.iter().cloned());
        omitted = data.report.omitted();
        problems.extend(belongs_to(&data, park, year));
        let errors = omitted.iter().any(|o| o.severity == Severity::Error)
            || problems.iter().any(|d| d.severity == Severity::Error);
        if !errors {
            totals = year_totals(refs, &data, &park.park_id, year);
        }
    }
    Checked {
        problems,
        omitted,
        files,
        names,
        totals,
    }
}

/// A park's totals in a year under parkbench's default accounting (the inventory's energy,
/// CO2 and electricity, and each energy carrier), for the checks across years. None when the
/// inventory cannot be made.
fn year_totals(refs: &Refs, data: &input::Dataset, park_id: &str, year: i32) -> Option<Totals> {
    let inventory = refs
        .inventory(
            data,
            parkbench_core::inventory::AccountingOptions::default(),
        )
        .ok()?;
    let py = inventory.park_year(park_id, year)?;
    let values = BTreeMap::from([
        ("energy_tce".to_string(), py.energy_tce),
        ("co2_total_t".to_string(), py.co2_total_t),
        (
            "electricity_total_mwh".to_string(),
            py.electricity_total_mwh,
        ),
    ]);
    let carriers = py
        .carriers
        .iter()
        .map(|c| {
            (
                c.metric.clone(),
                Carrier {
                    quantity: c.quantity,
                    unit: c.unit.clone(),
                    tce: c.tce,
                },
            )
        })
        .collect();
    Some(Totals { values, carriers })
}

/// The totals of a stored version (one stored before totals were kept), read from its files.
pub fn totals(refs: &Refs, park: &RosterPark, year: i32, files: &[StoredFile]) -> Option<Totals> {
    let names: Vec<String> = (0..files.len())
        .map(|i| format!("file {}", i + 1))
        .collect();
    let data = load(refs, park, files, &names);
    if data.report.has_errors() {
        return None;
    }
    year_totals(refs, &data, &park.park_id, year)
}

/// The province key of a roster row (a parks table's header and one row, as stored with the
/// park), when it names a known one.
pub fn province_of(meta_csv: &str, refs: &Refs) -> Option<String> {
    let t = table::read_csv_bytes("parks.csv", meta_csv.as_bytes(), &refs.vocab).ok()?;
    let mut diags = parkbench_core::diag::Report::with_limits(refs.limits().problems);
    input::parks::read_parks(&t, &refs.vocab, &refs.factors, &mut diags)
        .into_iter()
        .find_map(|p| p.province)
}

/// Loads stored files as a dataset, diagnostics naming the files as the operator named them.
fn load(refs: &Refs, park: &RosterPark, files: &[StoredFile], names: &[String]) -> input::Dataset {
    let options = input::ReadOptions {
        workbook: Some(refs.limits().portal_workbook),
        ..input::ReadOptions::default()
    };
    // Uploads are bytes in memory: the portal offers the stages no files.
    let mut data = input::load_sources_with(
        &parkbench_core::world::Memory::new(),
        vec![sources(refs, files, names, park)],
        &refs.vocab,
        &refs.factors,
        options,
    );
    refs.check(&mut data);
    data
}

/// The upload must hold this park's data, and data for the reporting year.
fn belongs_to(data: &input::Dataset, park: &RosterPark, year: i32) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for p in &data.parks {
        if p.park_id != park.park_id {
            out.push(
                Diagnostic::error(&p.file, p.line, 1, t!("diag.upload_other_park"))
                    .value(&p.park_id)
                    .expected(t!("diag.expected.park_id_is", park = &park.park_id)),
            );
        }
    }
    let mut others: Vec<&input::collect::ActivityPark> = data
        .activity
        .parks
        .iter()
        .filter(|p| *p.id != *park.park_id)
        .collect();
    others.sort_by(|a, b| a.id.cmp(&b.id));
    for p in others {
        out.push(
            Diagnostic::error(
                &data.files[p.first.file as usize],
                p.first.line as usize,
                1,
                t!("diag.upload_other_park_activity"),
            )
            .value(&*p.id)
            .expected(t!("diag.expected.park_id_is", park = &park.park_id)),
        );
    }
    let has_year = data
        .activity
        .groups
        .iter()
        .any(|g| g.year == year && *data.activity.parks[g.park as usize].id == *park.park_id);
    if !has_year {
        out.push(
            Diagnostic::error("", 0, 0, t!("diag.upload_no_year", year = year)).expected(t!(
                "diag.expected.rows_of_year",
                year = year,
                park = &park.park_id
            )),
        );
    }
    out
}

/// A park's results for one set: the score, its chart and the report files.
pub struct ParkResult {
    pub score: Score,
    /// Green power by kind and energy and CO2 by evidence grade: (label, value) lines.
    pub facts: Vec<(String, String)>,
    /// The park's firms in the year (when it reports by enterprise): who makes the total.
    pub enterprises: Vec<report::EnterpriseRow>,
    /// The park's needs matched to the portal's technology catalogue (None without one).
    pub matches: Option<parkbench_core::matchmaking::MatchRun>,
    /// The park's pathway to the set (None when no plan was made).
    pub plan: Option<parkbench_core::pathway::Plan>,
    pub scorecard_svg: String,
    pub html: String,
    pub markdown: String,
    /// The park's PDF report (A4, for printing and for a client).
    pub pdf: Vec<u8>,
    pub scores_csv: String,
}

/// Scores a park's counting submission against a set and writes its report.
pub fn score_park(
    refs: &Refs,
    park: &RosterPark,
    year: i32,
    files: &[StoredFile],
    set: &BenchmarkSet,
    lang: Lang,
    tech: Option<&parkbench_core::matchmaking::TechnologyCatalogue>,
) -> Result<ParkResult, String> {
    let names: Vec<String> = (0..files.len())
        .map(|i| format!("file {}", i + 1))
        .collect();
    let data = load(refs, park, files, &names);
    let sel = Selection {
        years: vec![year],
        parks: vec![park.park_id.clone()],
        ..Selection::default()
    };
    let out = run_report(refs, &data, set, &sel, lang, tech, true)?;
    let score = out
        .scores
        .into_iter()
        .find(|s| s.park_id == park.park_id && s.year == year)
        .ok_or_else(|| format!("park {} has no score for {year}", park.park_id))?;
    let chart = parkbench_report::plot::Scorecard::from_score(&score, set, &refs.catalogue, lang);
    let scorecard_svg = parkbench_report::plot::svg(&chart)?;
    let page = |ext: &str| {
        out.files
            .get(&format!("parks/{}.{ext}", park.park_id))
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let plan = out
        .plans
        .as_ref()
        .and_then(|r| {
            r.plans
                .iter()
                .find(|p| p.park_id == park.park_id && p.year == year)
        })
        .cloned();
    let key = (park.park_id.clone(), year);
    Ok(ParkResult {
        facts: out.facts.get(&key).cloned().unwrap_or_default(),
        enterprises: out.enterprises.get(&key).cloned().unwrap_or_default(),
        matches: out.matches.clone(),
        plan,
        html: page("html"),
        markdown: page("md"),
        pdf: out
            .files
            .get(&format!("parks/{}.pdf", park.park_id))
            .cloned()
            .unwrap_or_default(),
        scores_csv: out.scores_csv,
        scorecard_svg,
        score,
    })
}

/// The programme's results for a set and year: every counting submission scored together.
pub struct ProgrammeResult {
    /// The parks' needs matched to the portal's technology catalogue (None without one).
    pub matches: Option<parkbench_core::matchmaking::MatchRun>,
    /// In ranking order ([`parkbench_core::stats::ranking`]).
    pub scores: Vec<Score>,
    /// Each score's rank (tied scores share the best; None without a score).
    pub ranks: Vec<Option<usize>>,
    pub ranking_svg: String,
    /// The report as a small site: relative path -> bytes (`index.html`, `parks/<id>.html`, ...).
    pub files: BTreeMap<String, Vec<u8>>,
    pub scores_csv: String,
}

pub fn score_programme(
    refs: &Refs,
    year: i32,
    subs: &[(RosterPark, Vec<StoredFile>)],
    set: &BenchmarkSet,
    lang: Lang,
    tech: Option<&parkbench_core::matchmaking::TechnologyCatalogue>,
) -> Result<ProgrammeResult, String> {
    // One group per park, as folders are on the command line: a park's bad file leaves out
    // that park alone.
    let groups = subs
        .iter()
        .map(|(park, files)| {
            let names: Vec<String> = (0..files.len())
                .map(|i| format!("{} file {}", park.park_id, i + 1))
                .collect();
            sources(refs, files, &names, park)
        })
        .collect();
    let mut data = input::load_sources(
        &parkbench_core::world::Memory::new(),
        groups,
        &refs.vocab,
        &refs.factors,
    );
    refs.check(&mut data);
    let sel = Selection {
        years: vec![year],
        ..Selection::default()
    };
    let out = run_report(refs, &data, set, &sel, lang, tech, false)?;
    let chart = parkbench_report::plot::Ranking::new(set, &out.scores, lang);
    let ranking_svg = parkbench_report::plot::svg(&chart)?;
    Ok(ProgrammeResult {
        matches: out.matches,
        scores: out.scores,
        ranks: out.ranks,
        ranking_svg,
        files: out.files,
        scores_csv: out.scores_csv,
    })
}

struct ReportOut {
    /// The pathways of the set (a plan per park).
    plans: Option<parkbench_core::pathway::PlanRun>,
    /// The needs matched to the technology catalogue, when there is one.
    matches: Option<parkbench_core::matchmaking::MatchRun>,
    scores: Vec<Score>,
    ranks: Vec<Option<usize>>,
    files: BTreeMap<String, Vec<u8>>,
    scores_csv: String,
    /// Per park and year: green power by kind and energy and CO2 by evidence grade, worded.
    facts: BTreeMap<(String, i32), Vec<(String, String)>>,
    /// The selected parks' firms in the selected years, worded: (park, year) -> rows.
    enterprises: BTreeMap<(String, i32), Vec<report::EnterpriseRow>>,
}

/// Scores a dataset against a set and renders its report in memory (with `pdf`, the parks'
/// PDFs too: a park's own report, not the programme's hundred).
fn run_report(
    refs: &Refs,
    data: &input::Dataset,
    set: &BenchmarkSet,
    sel: &Selection,
    lang: Lang,
    tech: Option<&parkbench_core::matchmaking::TechnologyCatalogue>,
    pdf: bool,
) -> Result<ReportOut, String> {
    let request = Request {
        sets: vec![set.clone()],
        selection: sel.clone(),
        programme: true,
        mc: None,
        pathways: Some(pipeline::Pathways {
            scenario: None,
            technologies: tech.cloned(),
        }),
        // A page's report is issued the day it is made, for the client and by the preparer
        // the portal was started with (shown as not given when it was given none).
        issue: parkbench_core::identification::Issue {
            issue_date: Some(chrono::Utc::now().date_naive()),
            ..refs.issue.clone()
        },
    };
    let outcome = pipeline::run(refs, data, &request).map_err(|e| e.to_string())?;
    let runs = &outcome.runs;
    let scores_csv = report::scores::csv(runs);
    let input = ReportInput::of(refs, data, &request, &outcome, 0, None);
    let run = input.run;
    let opts = ReportOptions {
        lang,
        html: true,
        markdown: true,
        json: false,
        csv: true,
        xlsx: false,
        pdf,
        png: false,
        timestamp: None,
        progress: None,
    };
    let memory = report::Memory::default();
    report::write(&memory, &input, &opts).map_err(|e| e.to_string())?;
    let files = memory.into_files();
    let (ranks, scores) = parkbench_core::stats::ranking(&run.scores)
        .into_iter()
        .map(|(rank, s)| (rank, s.clone()))
        .unzip();
    let facts = run
        .inventory
        .years
        .iter()
        .map(|py| {
            (
                (py.park_id.clone(), py.year),
                report::green_and_evidence(py, lang),
            )
        })
        .collect();
    let enterprises = run
        .scores
        .iter()
        .map(|s| {
            (
                (s.park_id.clone(), s.year),
                report::enterprise_rows(run, &s.park_id, s.year, lang),
            )
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    Ok(ReportOut {
        facts,
        enterprises,
        matches: outcome.matches.into_iter().next(),
        plans: outcome.plans.into_iter().next(),
        scores,
        ranks,
        files,
        scores_csv,
    })
}

/// Reads a roster (a parks table, CSV or workbook) into roster entries; every problem at once.
pub fn read_roster(path: &Path, refs: &Refs) -> Result<Vec<RosterPark>, String> {
    let tables: Vec<table::Table> = if sheet::is_workbook(path) {
        sheet::read_workbook(
            &Disk,
            path,
            refs.limits().workbook,
            &refs.vocab.columns,
            &mut parkbench_core::diag::Report::with_limits(refs.limits().problems),
        )
        .map_err(|d| d.to_string())?
        .sheets
        .into_iter()
        .filter(|(r, _)| *r == sheet::SheetRole::Parks)
        .map(|(_, t)| t)
        .collect()
    } else {
        vec![table::read_csv(&Disk, path, &refs.vocab).map_err(|d| d.to_string())?]
    };
    let mut diags = parkbench_core::diag::Report::with_limits(refs.limits().problems);
    let mut out = Vec::new();
    for t in &tables {
        for p in input::parks::read_parks(t, &refs.vocab, &refs.factors, &mut diags) {
            let row = (0..t.rows()).find(|&r| t.line(r) == p.line).unwrap_or(0);
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(&t.header);
            let _ = w.write_record(
                t.columns
                    .iter()
                    .map(|c| c.get(row).unwrap_or("").to_string()),
            );
            let meta = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
            out.push(RosterPark {
                park_id: p.park_id.clone(),
                name: p.name.clone(),
                province: p.province.clone(),
                meta_csv: meta,
            });
        }
    }
    let errors: Vec<String> = diags.errors().map(|d| d.to_string()).collect();
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("\n"))
    }
}

/// Splits a dataset folder (parks.csv and activity*.csv, as `parkbench validate` reads it) into
/// one upload per park: its parks row and its rows of each activity file, layout kept.
pub fn split_dataset(
    dir: &Path,
    vocab: &parkbench_core::reference::Vocabulary,
) -> Result<Vec<(String, Vec<Upload>)>, String> {
    let parks = table::read_csv(&Disk, &dir.join("parks.csv"), vocab).map_err(|d| d.to_string())?;
    let mut activity = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| {
            f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.to_lowercase().starts_with("activity") && n.to_lowercase().ends_with(".csv")
            })
        })
        .collect();
    names.sort();
    // The park's enterprises and its certificate ledger go with its activity, split the same way.
    for extra in ["enterprises.csv", "certificates.csv", "products.csv"] {
        if dir.join(extra).is_file() {
            names.push(dir.join(extra));
        }
    }
    for f in names {
        let t = table::read_csv(&Disk, &f, vocab).map_err(|d| d.to_string())?;
        activity.push((input::short_name(&f), t));
    }
    // Each table's rows by park, in one pass (not one pass per park).
    let by_park = |t: &table::Table| -> BTreeMap<String, Vec<usize>> {
        let mut m: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        if let Some(c) = t.col("park_id") {
            for r in 0..t.rows() {
                if let Some(id) = t.columns[c].get(r).map(str::trim) {
                    m.entry(id.to_string()).or_default().push(r);
                }
            }
        }
        m
    };
    // The given rows of a table as a CSV file with the table's header.
    let csv_of = |t: &table::Table, rows: &[usize]| -> Option<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&t.header).ok()?;
        for &r in rows {
            w.write_record(t.columns.iter().map(|col| col.get(r).unwrap_or("")))
                .ok()?;
        }
        w.into_inner().ok()
    };
    let parks_rows = by_park(&parks);
    let activity: Vec<(String, table::Table, BTreeMap<String, Vec<usize>>)> = activity
        .into_iter()
        .map(|(name, t)| {
            let m = by_park(&t);
            (name, t, m)
        })
        .collect();
    let c = parks
        .col("park_id")
        .ok_or("parks.csv has no park_id column")?;
    let mut out = Vec::new();
    for r in 0..parks.rows() {
        let Some(id) = parks.columns[c]
            .get(r)
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let mut uploads = vec![Upload {
            name: "parks.csv".into(),
            bytes: parks_rows
                .get(id)
                .and_then(|rows| csv_of(&parks, rows))
                .unwrap_or_default(),
        }];
        for (name, t, rows) in &activity {
            if let Some(bytes) = rows.get(id).and_then(|rows| csv_of(t, rows)) {
                uploads.push(Upload {
                    name: name.clone(),
                    bytes,
                });
            }
        }
        out.push((id.to_string(), uploads));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A park's other tables are told by their headers, whatever their names.
    #[test]
    fn ledgers_enterprises_and_products_are_told_by_their_headers() {
        let refs = Refs::load(&[]).unwrap();
        let kind = |text: &str| {
            recognise(
                &refs,
                &Upload {
                    name: "upload.csv".into(),
                    bytes: text.as_bytes().to_vec(),
                },
                0,
            )
            .unwrap()
        };
        assert_eq!(
            kind(
                "certificate_id,park_id,generation_period,mwh,kind,retired\nG1,P1,2024-01,10,gec,yes\n"
            ),
            "certificates"
        );
        assert_eq!(
            kind(
                "园区编号,企业编号,企业名称,主导产业,入园月份,离园月份\nP1,91350100M000100Y43,A,x,,\n"
            ),
            "enterprises"
        );
        assert_eq!(
            kind(
                "park_id,enterprise_id,product,year,output,output_unit,energy_per_unit,energy_unit\nP1,91350100M000100Y43,cement_clinker,2027,1,t,98,kgce/t\n"
            ),
            "products"
        );
        assert_eq!(
            kind(
                "park_id,enterprise_id,year,metric,value,unit\nP1,91350100M000100Y43,2024,electricity_grid,1,MWh\n"
            ),
            "activity"
        );
    }

    #[test]
    fn problems_are_kept_per_kind_and_counted_beyond() {
        let mut l = crate::shipped_limits().portal;
        l.problems_per_kind = 3;
        l.problems_stored = 100;
        l.problem_kinds = 4;
        let mut all = Vec::new();
        for i in 0..10_000 {
            all.push(
                Diagnostic::error("a.csv", i + 2, 4, t!("diag.value_not_number", metric = "x"))
                    .value("x"),
            );
        }
        for i in 0..10 {
            all.push(Diagnostic::warning(
                "a.csv",
                i + 2,
                5,
                parkbench_core::i18n::Text::verbatim(format!("odd value {i}")),
            ));
        }
        let (kept, omitted) = bound(&all, &l);
        let kept: Vec<Diagnostic> = serde_json::from_str(&kept).unwrap();
        let omitted: Vec<Omitted> = serde_json::from_str(&omitted).unwrap();
        assert_eq!(
            kept.len(),
            3 + 3 + 3,
            "3 of the repeated kind, 1 of each of 3 more kinds, 3 of every other kind together"
        );
        assert_eq!(kept[0].line, 2);
        let counted: u64 = omitted.iter().map(|o| o.count).sum();
        assert_eq!(
            kept.len() as u64 + counted,
            all.len() as u64,
            "nothing lost from the counts"
        );
        assert_eq!(omitted[0].kind, "diag.value_not_number");
        assert_eq!(omitted[0].count, 10_000 - 3);
        assert_eq!(
            (omitted[1].kind.as_str(), omitted[1].count),
            ("", 10 - 3 - 3)
        );
        assert_eq!(
            (omitted[1].kind.as_str(), omitted[1].count),
            ("", 10 - 3 - 3)
        );
        // Bytes: a cap whatever the size of each problem.
        l.problems_bytes = 10_000;
        let wide: Vec<Diagnostic> = (0..100)
            .map(|i| {
                Diagnostic::error(
                    "a.csv",
                    i,
                    1,
                    parkbench_core::i18n::Text::verbatim(format!("kind {i}")),
                )
                .value("v".repeat(5_000))
            })
            .collect();
        let (kept, omitted) = bound(&wide, &l);
        assert!(kept.len() <= 10_000, "{}", kept.len());
        let omitted: Vec<Omitted> = serde_json::from_str(&omitted).unwrap();
        assert!(
            omitted.len() <= l.problem_kinds + 1,
            "kinds bounded: {}",
            omitted.len()
        );
        assert_eq!(
            omitted.iter().map(|o| o.count).sum::<u64>()
                + serde_json::from_str::<Vec<Diagnostic>>(&kept)
                    .unwrap()
                    .len() as u64,
            100
        );
    }

    #[test]
    fn stored_problems_bounded_while_parsed_as_when_checked() {
        let mut l = crate::shipped_limits().portal;
        l.problems_per_kind = 2;
        let all: Vec<Diagnostic> = (0..1000)
            .map(|i| {
                Diagnostic::error(
                    "a.csv",
                    i,
                    1,
                    parkbench_core::i18n::Text::verbatim(format!("kind {}", i % 7)),
                )
            })
            .collect();
        let json = serde_json::to_string(&all).unwrap();
        assert_eq!(bound_json(&json, &l).unwrap(), bound(&all, &l));
        assert!(bound_json("[{\"not\": 1}]", &l).is_err());
    }

    #[test]
    fn shown_names_lose_paths_controls_and_bidi_overrides() {
        assert_eq!(shown_name("../../etc/passwd.xlsx"), "passwd.xlsx");
        assert_eq!(shown_name("C:\\Users\\x\\数据.csv"), "数据.csv");
        assert_eq!(shown_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(shown_name("a\u{2066}b\u{2069}\u{200f}c\n.csv"), "abc.csv");
        assert_eq!(shown_name("\u{202e}"), "upload");
        assert_eq!(shown_name(&"x".repeat(500)).chars().count(), 200);
    }
}
