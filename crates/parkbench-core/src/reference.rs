//! Reference data shipped under `indicators/`: units, metrics, the indicator catalogue, factor
//! tables and benchmark sets, embedded in the binary so parkbench works from any folder.
//!
//! A folder given with `--factors DIR` replaces the embedded factor tables file by file. This
//! module only finds and parses the files; what they mean is up to `factors`, `indicators` and
//! `benchmark`.
//!
//! Shipped data reaches the stages as values the caller loads once and holds: the metric
//! vocabulary with its column words, sectors and limits ([`Vocabulary`], a field of
//! [`crate::pipeline::Reference`], passed to the readers, the accountant, scoring and pathways).
//! Each constructor returns an error naming the file that does not parse. No static holds
//! reference data.

use include_dir::{Dir, include_dir};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::units::Units;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../indicators");

/// Errors in reference data (shipped or user supplied).
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: not found in the reference data")]
    Missing { file: String },
}

impl From<crate::world::ReadError> for ReferenceError {
    fn from(e: crate::world::ReadError) -> Self {
        ReferenceError::Io {
            file: e.file,
            source: e.source,
        }
    }
}

/// Reads a reference file: from `overlay` (a folder of the user's, through [`crate::world::Files`])
/// when it has a file of that name, else the embedded copy.
pub fn read_text(
    rel: &str,
    overlay: Option<crate::world::Folder<'_>>,
) -> Result<(String, String), ReferenceError> {
    if let Some(dir) = overlay {
        let p: PathBuf = dir
            .path
            .join(Path::new(rel).file_name().unwrap_or_default());
        if dir.files.is_file(&p) {
            return Ok(crate::world::read_text(dir.files, &p)?);
        }
    }
    let f = EMBEDDED
        .get_file(rel)
        .ok_or_else(|| ReferenceError::Missing { file: rel.into() })?;
    let text = f.contents_utf8().ok_or_else(|| ReferenceError::Parse {
        file: rel.into(),
        message: "not UTF-8".into(),
    })?;
    Ok((format!("indicators/{rel}"), text.to_string()))
}

/// The words of tables' columns and rows (`indicators/columns.toml`): the column names
/// operators write (`园区编号`, `年份`) and the contract name each stands for, the words that
/// start a note under a table (`注`, `填表人`) and the totals words (`合计`, `Total`).
#[derive(Debug, Clone)]
pub struct ColumnWords {
    /// Written name, folded like [`crate::units::unit_key`] (trimmed, lower case, half-width),
    /// to its contract name.
    aliases: BTreeMap<String, String>,
    /// Note words, half-width and lower case.
    notes: Vec<String>,
    /// Totals words, as [`name_key`] folds them.
    totals: Vec<String>,
}

#[derive(Deserialize)]
struct ColumnsFile {
    aliases: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    totals: Words,
    notes: Words,
}

#[derive(Deserialize, Default)]
struct Words {
    words: Vec<String>,
}

impl ColumnWords {
    /// The shipped words (`indicators/columns.toml`); a parse error is an error.
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("columns.toml", None)?;
        Self::from_text(&file, &text)
    }

    /// The words of a columns file's text, named `file` in errors.
    pub fn from_text(file: &str, text: &str) -> Result<Self, ReferenceError> {
        let parsed: ColumnsFile = parse_toml(file, text)?;
        let mut aliases = BTreeMap::new();
        for (contract, names) in parsed.aliases {
            for n in names {
                let key = crate::units::fold_width(n.trim()).to_lowercase();
                aliases.insert(key, contract.clone());
            }
        }
        let notes = parsed.notes.words.iter();
        Ok(ColumnWords {
            aliases,
            notes: notes
                .map(|w| crate::units::fold_width(w).to_lowercase())
                .collect(),
            totals: parsed.totals.words.iter().map(|w| name_key(w)).collect(),
        })
    }

    /// A header cell as the contract names it: trimmed, and an alias (`园区编号`) replaced by
    /// its contract name (`park_id`). Other names are returned trimmed, as written.
    pub fn canonical(&self, h: &str) -> String {
        let h = h.trim().trim_start_matches('\u{feff}').trim();
        let key = crate::units::fold_width(h).to_lowercase();
        match self.contract(&key) {
            Some(c) => c.to_string(),
            None => h.to_string(),
        }
    }

    /// The contract name of a header cell written `key` (folded: trimmed, lower case,
    /// half-width), when it is an alias.
    pub fn contract(&self, key: &str) -> Option<&str> {
        self.aliases.get(key).map(String::as_str)
    }

    /// Is this cell a note under a table (`注：...`, `填表人：张三`, `Note: ...`)? Its text starts
    /// with a note word, then a colon, a space or its end.
    pub fn is_note_text(&self, cell: &str) -> bool {
        let t = crate::units::fold_width(cell.trim()).to_lowercase();
        self.notes.iter().any(|w| {
            t.strip_prefix(w.as_str()).is_some_and(|rest| {
                rest.is_empty()
                    || rest.starts_with([':', '：', ' ', '\t', ')', '）', '.', '、'])
                    || (w.chars().all(|c| !c.is_ascii())
                        && rest.starts_with(['1', '2', '3', '4', '5', '6', '7', '8', '9']))
            })
        })
    }

    /// Is this cell a totals word (`合计`, `Total` ...)?
    pub fn is_totals_word(&self, cell: &str) -> bool {
        !cell.is_empty() && self.totals.contains(&name_key(cell))
    }
}

/// Bounds on one input (`indicators/limits.toml`).
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Limits {
    pub workbook: WorkbookLimits,
    /// Workbooks uploaded to the portal (tighter: one park's data).
    pub portal_workbook: WorkbookLimits,
    pub problems: crate::diag::ProblemLimits,
    pub portal: PortalLimits,
    pub technologies: TechnologyLimits,
}

/// Bounds on a technology catalogue.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct TechnologyLimits {
    pub max_rows: usize,
    pub max_bytes: usize,
}

/// Bounds of the upload portal (`parkbench serve`); each is explained in `limits.toml`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct PortalLimits {
    pub problems_per_kind: usize,
    pub problems_stored: usize,
    pub problems_bytes: usize,
    pub problem_kinds: usize,
    pub problems_per_page: usize,
    pub password_min_chars: usize,
    pub password_max_chars: usize,
    pub email_max_chars: usize,
    pub log_value_chars: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_lanes: u32,
    pub password_hashes_at_once: usize,
    pub password_wait_secs: u64,
    pub login_free_failures: u32,
    pub login_free_failures_address: u32,
    pub login_delay_secs: u64,
    pub login_max_delay_secs: u64,
    pub login_forget_secs: u64,
    pub login_tracked: usize,
    pub login_form_secs: i64,
    pub session_secs: i64,
    pub setup_link_secs: i64,
    pub header_timeout_secs: u64,
    pub body_idle_secs: u64,
    pub form_body_secs: u64,
    pub form_body_bytes: usize,
    pub upload_min_bytes_per_sec: u64,
    pub upload_grace_secs: u64,
    pub request_timeout_secs: u64,
    pub uploads_at_once: usize,
    pub upload_memory_per_byte: u64,
    pub uploads_per_user: usize,
    pub upload_wait_secs: u64,
    pub files_per_upload: usize,
    pub keep_invalid_versions: usize,
    pub connections: usize,
    pub connections_per_address: usize,
    pub request_head_bytes: usize,
    pub storage_retry_secs: u64,
    pub file_name_chars: usize,
    pub computations_at_once: usize,
    pub cached_bytes: usize,
    pub cached_results: usize,
    pub hsts_max_age_secs: u64,
    pub api_token_days: i64,
    pub api_token_max_days: i64,
    pub api_tokens_per_account: usize,
    pub comment_chars: usize,
    pub comments_per_decision: usize,
    pub request_note_chars: usize,
    pub audit_rows_shown: usize,
    pub evidence_bytes: usize,
    pub evidence_per_submission: usize,
}

/// Bounds on one workbook.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct WorkbookLimits {
    pub inflated_bytes: u64,
    pub parts: usize,
    pub cells: usize,
    pub cell_chars: usize,
    pub columns: usize,
    pub text_bytes: u64,
    pub shared_strings_bytes: u64,
    pub merged_ranges: usize,
    pub xml_run_bytes: usize,
}

impl Limits {
    /// The shipped limits (`indicators/limits.toml`); a parse error is an error.
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("limits.toml", None)?;
        parse_toml(&file, &text)
    }
}

/// A sector of `indicators/sectors.toml`, in both languages.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Sector {
    pub id: String,
    pub en: String,
    pub zh: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(serde::Deserialize)]
struct SectorFile {
    sector: Vec<Sector>,
}

/// The sectors of `indicators/sectors.toml`, in their order.
#[derive(Debug, Clone)]
pub struct Sectors {
    list: Vec<Sector>,
    /// Each name's key ([`name_key`]: id, English and Chinese names, aliases) and the first
    /// sector in the file's order that has it.
    by_key: FxHashMap<String, usize>,
}

impl Sectors {
    /// The shipped sectors; a parse error is an error.
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("sectors.toml", None)?;
        Ok(Sectors::new(parse_toml::<SectorFile>(&file, &text)?.sector))
    }

    fn new(list: Vec<Sector>) -> Self {
        let mut by_key = FxHashMap::default();
        for (i, s) in list.iter().enumerate() {
            for n in [&s.id, &s.en, &s.zh].into_iter().chain(&s.aliases) {
                by_key.entry(name_key(n)).or_insert(i);
            }
        }
        Sectors { list, by_key }
    }

    /// The sector a park's `sector` cell names (its English or Chinese name, id or an alias,
    /// in any case), if the vocabulary has it.
    pub fn find(&self, written: &str) -> Option<&Sector> {
        let key = name_key(written);
        if key.is_empty() {
            return None;
        }
        self.by_key.get(&key).map(|&i| &self.list[i])
    }

    /// Every sector, in the file's order.
    pub fn list(&self) -> &[Sector] {
        &self.list
    }
}

/// The embedded benchmark set files: (file name, text), sorted by name.
pub fn embedded_sets() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = EMBEDDED
        .get_dir("benchmarks")
        .map(|d| {
            d.files()
                .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                .filter_map(|f| {
                    Some((
                        format!("indicators/{}", f.path().display()),
                        f.contents_utf8()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

pub fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
) -> Result<T, ReferenceError> {
    toml::from_str(text).map_err(|e| ReferenceError::Parse {
        file: file.to_string(),
        message: toml_error_message(text, &e),
    })
}

/// `line:column: message` for a TOML error, pointing into the file.
pub fn toml_error_message(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{line}:{col}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// A metric of the activity vocabulary (`indicators/metrics.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct Metric {
    pub id: String,
    pub group: String,
    pub name_en: String,
    pub name_zh: String,
    pub dimension: String,
    pub units: Vec<String>,
    pub canonical: String,
    pub aggregate: Aggregate,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub description: String,
    /// The description in Chinese (the Chinese template's metric list).
    pub description_zh: String,
    /// Other names operators write for it (besides its id, `name_en` and `name_zh`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The example row templates show for this metric's group.
    #[serde(default)]
    pub example: Option<Example>,
    /// For electricity proven green: its class (what the accounting method counts at zero).
    #[serde(default)]
    pub green_class: Option<GreenClass>,
}

/// How electricity is proven green (附件4 of 发改环资〔2025〕910号, as read by secondary sources):
/// each metric of green electricity names its class; a set's accounting says which classes count
/// at zero CO2. The class also says where the power came through: on site or over a private line
/// (no grid in between, so location-based scope 2 counts it at zero) or over the grid (location-
/// based scope 2 at the grid's average factor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GreenClass {
    /// Generated on site and used there.
    Onsite,
    /// Non-fossil power supplied directly (a dedicated line, 直供).
    DirectSupply,
    /// Green power trading (绿电交易): the power and its certificate bought together.
    GreenPowerTrading,
    /// Green electricity certificates (GEC, 绿证) retired for consumption from the grid.
    Gec,
    /// Green electricity reported without its class (the lumped `electricity_green_purchased`):
    /// counted as proven green, with a warning that asks for its class.
    Unclassified,
}

impl GreenClass {
    /// The class as written in the files (and worded as `green_class.<id>`).
    pub fn id(self) -> &'static str {
        match self {
            GreenClass::Onsite => "onsite",
            GreenClass::DirectSupply => "direct_supply",
            GreenClass::GreenPowerTrading => "green_power_trading",
            GreenClass::Gec => "gec",
            GreenClass::Unclassified => "unclassified",
        }
    }

    /// Its name's key in the locale files.
    pub fn word(self) -> &'static str {
        match self {
            GreenClass::Onsite => "green_class.onsite",
            GreenClass::DirectSupply => "green_class.direct_supply",
            GreenClass::GreenPowerTrading => "green_class.green_power_trading",
            GreenClass::Gec => "green_class.gec",
            GreenClass::Unclassified => "green_class.unclassified",
        }
    }

    /// Does the power come over the grid (so location-based scope 2 counts the grid's factor)?
    pub fn over_the_grid(self) -> bool {
        !matches!(self, GreenClass::Onsite | GreenClass::DirectSupply)
    }
}

/// Which green classes a reading counts at zero CO2 (unclassified green power always counts at
/// zero, as it did before classes existed, with a warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GreenClasses(u8);

impl GreenClasses {
    /// Every class that names how the power was proven green.
    pub const PROVEN: [GreenClass; 4] = [
        GreenClass::Onsite,
        GreenClass::DirectSupply,
        GreenClass::GreenPowerTrading,
        GreenClass::Gec,
    ];

    fn bit(c: GreenClass) -> u8 {
        1 << (c as u8)
    }

    pub fn all() -> Self {
        GreenClasses::of(&Self::PROVEN)
    }

    pub fn of(classes: &[GreenClass]) -> Self {
        GreenClasses(classes.iter().fold(0, |acc, &c| acc | Self::bit(c)))
    }

    /// Does this class count at zero CO2?
    pub fn at_zero(self, c: GreenClass) -> bool {
        c == GreenClass::Unclassified || self.0 & Self::bit(c) != 0
    }

    pub fn list(self) -> Vec<GreenClass> {
        Self::PROVEN
            .into_iter()
            .filter(|&c| self.0 & Self::bit(c) != 0)
            .collect()
    }
}

impl Default for GreenClasses {
    fn default() -> Self {
        GreenClasses::all()
    }
}

impl Serialize for GreenClasses {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list().serialize(s)
    }
}

/// A value and unit shown in templates.
#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    pub value: f64,
    pub unit: String,
}

impl Metric {
    /// Its name in `lang`.
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.name_en, &self.name_zh)
    }

    /// Carriers are energy or emission sources: absent means "not used" (0).
    pub fn is_carrier(&self) -> bool {
        matches!(
            self.group.as_str(),
            "electricity" | "fuel" | "heat" | "process"
        )
    }
}

/// How monthly rows make the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Sum,
    Mean,
    Max,
}

#[derive(Deserialize)]
struct MetricFile {
    metric: Vec<Metric>,
}

/// Units, metrics, sectors and the bounds on input: everything needed to read and validate
/// activity data, loaded once by its caller and passed to each stage that reads it.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub units: Units,
    /// The words operators write for columns, notes and totals (`indicators/columns.toml`),
    /// read by the table readers.
    pub columns: ColumnWords,
    /// The sectors parks and technologies name (`indicators/sectors.toml`).
    pub sectors: Sectors,
    /// Bounds on what one input may make parkbench hold (`indicators/limits.toml`).
    pub limits: Limits,
    pub metrics: BTreeMap<String, Metric>,
    /// Metric ids in file order (for templates and tables).
    pub order: Vec<String>,
    /// Every name a metric is written by (id, English and Chinese names, aliases), folded
    /// ([`name_key`]), to its index in `order`.
    names: std::collections::HashMap<String, u16>,
}

/// A metric name as it is looked up: trimmed, full-width forms folded, lower case, inner
/// spaces dropped (`Natural gas` = `natural gas` = `naturalgas`; `电网购电（不含绿电属性）` =
/// `电网购电(不含绿电属性)`).
pub fn name_key(s: &str) -> String {
    crate::units::fold_width(s.trim())
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Vocabulary {
    /// The shipped vocabulary.
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (uf, ut) = read_text("units.toml", None)?;
        let (mf, mt) = read_text("metrics.toml", None)?;
        Self::from_texts((&uf, &ut), (&mf, &mt))
    }

    /// A vocabulary from the texts of a units and a metrics file, each with its name, and the
    /// shipped sectors and limits. A name (id, English or Chinese name, alias) that two metrics
    /// share is an error of the file.
    pub fn from_texts(
        (uf, ut): (&str, &str),
        (mf, mt): (&str, &str),
    ) -> Result<Self, ReferenceError> {
        let units = Units::from_toml(ut).map_err(|e| ReferenceError::Parse {
            file: uf.to_string(),
            message: toml_error_message(ut, &e),
        })?;
        let mf = mf.to_string();
        let file: MetricFile = parse_toml(&mf, mt)?;
        let order: Vec<String> = file.metric.iter().map(|m| m.id.clone()).collect();
        let mut names: std::collections::HashMap<String, u16> = std::collections::HashMap::new();
        for (i, m) in file.metric.iter().enumerate() {
            let written = [&m.id, &m.name_en, &m.name_zh]
                .into_iter()
                .chain(&m.aliases);
            for n in written {
                let key = name_key(n);
                if key.is_empty() {
                    continue;
                }
                match names.get(&key) {
                    Some(&j) if j as usize != i => {
                        return Err(ReferenceError::Parse {
                            file: mf,
                            message: format!(
                                "the name \"{n}\" is given to two metrics, {} and {}: an operator's row could not be told apart",
                                order[j as usize], m.id
                            ),
                        });
                    }
                    _ => {
                        names.insert(key, i as u16);
                    }
                }
            }
        }
        let metrics = file
            .metric
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect::<BTreeMap<_, _>>();
        for m in metrics.values() {
            if units.find(&m.dimension, &m.canonical).is_none() {
                return Err(ReferenceError::Parse {
                    file: mf,
                    message: format!(
                        "metric {}: canonical unit {} is not a {} unit",
                        m.id, m.canonical, m.dimension
                    ),
                });
            }
        }
        Ok(Vocabulary {
            units,
            columns: ColumnWords::embedded()?,
            sectors: Sectors::embedded()?,
            limits: Limits::embedded()?,
            metrics,
            order,
            names,
        })
    }

    /// A metric's name in both languages, for words shown to people; an id the vocabulary
    /// lacks is said as written.
    pub fn metric_text(&self, id: &str) -> crate::i18n::Text {
        match self.metrics.get(id) {
            Some(m) => crate::i18n::Text::both(&m.name_en, &m.name_zh),
            None => crate::i18n::Text::verbatim(id),
        }
    }

    /// Metrics' names in both languages, joined by the language's list separator: `Water
    /// reused, Water withdrawn`. Names, not ids: the words land in reports a client reads (the
    /// templates and `validate` tell an operator which column holds each).
    pub fn metric_list(&self, ids: &[String]) -> crate::i18n::Text {
        let names: Vec<crate::i18n::Text> = ids.iter().map(|id| self.metric_text(id)).collect();
        let (en, zh) = crate::i18n::both_sides(|lang| {
            let words = lang.locale();
            names
                .iter()
                .map(|t| words.text(t))
                .collect::<Vec<_>>()
                .join(words.list_separator())
        });
        crate::i18n::Text::both(en, zh)
    }

    /// The metric written as `name`: its id, English or Chinese name, or an alias (index into
    /// `order`).
    pub fn metric_index(&self, name: &str) -> Option<u16> {
        self.names.get(&name_key(name)).copied()
    }

    /// The metric nearest in spelling to `name` (for "did you mean"), as it would best be
    /// written back: the id for a name in Latin letters, `name_zh (id)` for a Chinese one.
    pub fn nearest_metric(&self, name: &str) -> Option<String> {
        if name.is_ascii() {
            return nearest(name, self.metrics.keys().map(String::as_str)).map(str::to_string);
        }
        let key = name_key(name);
        let zh = self.metrics.values().flat_map(|m| {
            std::iter::once(&m.name_zh)
                .chain(m.aliases.iter().filter(|a| !a.is_ascii()))
                .map(move |n| (name_key(n), m))
        });
        zh.map(|(k, m)| (strsim::jaro_winkler(&key, &k), m))
            .filter(|(s, _)| *s > 0.75)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, m)| format!("{} ({})", m.name_zh, m.id))
    }
}

/// The candidate nearest to `name` by edit distance, when it is reasonably close.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&lower, c), c))
        .filter(|(s, _)| *s > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped files of column words, limits and sectors parse: a parse error stops the
    /// program with the file's name instead of leaving a list empty.
    #[test]
    fn the_shipped_words_limits_and_sectors_parse() {
        let (file, text) = read_text("columns.toml", None).unwrap();
        let columns: ColumnsFile = parse_toml(&file, &text).unwrap();
        assert!(!columns.aliases.is_empty() && !columns.totals.words.is_empty());
        assert!(!columns.notes.words.is_empty());
        let vocab = Vocabulary::embedded().unwrap();
        let words = &vocab.columns;
        assert!(!words.aliases.is_empty());
        assert!(words.is_totals_word("合计") && words.is_note_text("注：单位为万元"));
        assert_eq!(words.contract("园区编号"), Some("park_id"));
        assert_eq!(words.canonical(" \u{feff}园区编号 "), "park_id");
        assert_eq!(words.canonical(" Remarks "), "Remarks");
        assert!(vocab.limits.workbook.columns > 0 && !vocab.sectors.list().is_empty());
        assert!(vocab.limits.problems.per_kind > 0);
    }

    /// A columns file that does not parse is an error naming it, not an empty list.
    #[test]
    fn a_columns_file_that_does_not_parse_is_an_error() {
        let e = ColumnWords::from_text("indicators/columns.toml", "aliases = 3").unwrap_err();
        assert!(
            e.to_string().starts_with("indicators/columns.toml: "),
            "{e}"
        );
    }
}
