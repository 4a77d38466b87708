//! Blank templates for operators: `parks` and `activity` with the header row and one example row
//! per metric group, and the metric list with allowed units in English and Chinese. As CSV
//! files (plus `metrics.csv` and a README) or as one Excel workbook with a sheet for each.
//!
//! Everything written comes from the reference data: the columns and the example park from
//! `indicators/columns.toml`, the metrics, units and example values from `metrics.toml`. A
//! template loads back without a problem (tested), so an operator starts from something valid.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::outfile;
use parkbench_core::i18n::Lang;
use parkbench_core::reference::{self, ReferenceError, Vocabulary};

/// The file layout of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    /// parks.csv, activity.csv, metrics.csv and README.txt (UTF-8 with BOM, so Excel shows
    /// Chinese correctly).
    Csv,
    /// One workbook, parkbench-template.xlsx, with sheets parks, activity, metrics, README.
    Xlsx,
}

impl TemplateFormat {
    pub const ALL: [TemplateFormat; 2] = [TemplateFormat::Csv, TemplateFormat::Xlsx];

    /// Its name on the command line: `csv`, `xlsx`.
    pub fn code(self) -> &'static str {
        match self {
            TemplateFormat::Csv => "csv",
            TemplateFormat::Xlsx => "xlsx",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

#[derive(Deserialize)]
struct ColumnsFile {
    aliases: BTreeMap<String, Vec<String>>,
    template: TemplateSpec,
}

#[derive(Deserialize)]
struct TemplateSpec {
    year: i32,
    parks_columns: Vec<String>,
    activity_columns: Vec<String>,
    enterprises_columns: Vec<String>,
    enterprises_headers_zh: Vec<String>,
    products_columns: Vec<String>,
    products_headers_zh: Vec<String>,
    park: BTreeMap<String, BTreeMap<String, String>>,
    enterprise: BTreeMap<String, BTreeMap<String, String>>,
    product: BTreeMap<String, BTreeMap<String, String>>,
}

/// The cells of a template, before they become files.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub parks: Vec<Vec<String>>,
    pub activity: Vec<Vec<String>>,
    /// The park's enterprises and their products, an example row each.
    pub enterprises: Vec<Vec<String>>,
    pub products: Vec<Vec<String>>,
    pub metrics: Vec<Vec<String>>,
    pub readme: String,
    /// The activity sheet's metric column (0-based), which the workbook offers as a list.
    pub metric_column: Option<usize>,
}

/// Excel's last row (0-based): a list offered on a column covers all of it.
const EXCEL_LAST_ROW: u32 = 1_048_575;

/// Builds the template's tables from the reference data.
pub fn build(vocab: &Vocabulary, lang: Lang) -> Result<Template, TemplateError> {
    let (file, text) = reference::read_text("columns.toml", None)?;
    let ColumnsFile {
        aliases,
        template: spec,
    } = reference::parse_toml(&file, &text)?;
    // The contract name on the English side, the first alias (Chinese) on the Chinese side:
    // both load back.
    let header = |col: &str| {
        let alias = aliases.get(col).and_then(|a| a.first());
        lang.pick(col, alias.map_or(col, String::as_str))
            .to_string()
    };
    let park = spec
        .park
        .get(lang.data_key())
        .ok_or_else(|| ReferenceError::Parse {
            file: file.clone(),
            message: format!("[template.park.{}] is missing", lang.data_key()),
        })?;
    let parks = vec![
        spec.parks_columns.iter().map(|c| header(c)).collect(),
        spec.parks_columns
            .iter()
            .map(|c| park.get(c).cloned().unwrap_or_default())
            .collect(),
    ];
    let park_id = park.get("park_id").cloned().unwrap_or_default();
    let activity = activity_rows(&spec, vocab, lang, &park_id, &header);
    let metrics = metric_rows(vocab, lang);
    // The enterprises and products sheets: their headers, and an example row filled from the
    // example park, the template's year and the example enterprise and product.
    let table = |columns: &[String],
                 zh: &[String],
                 example: &BTreeMap<String, BTreeMap<String, String>>,
                 what: &str|
     -> Result<Vec<Vec<String>>, TemplateError> {
        let ex = example
            .get(lang.data_key())
            .ok_or_else(|| ReferenceError::Parse {
                file: file.clone(),
                message: format!("[template.{what}.{}] is missing", lang.data_key()),
            })?;
        let head = lang.pick(columns, zh).to_vec();
        let row = columns
            .iter()
            .map(|c| match c.as_str() {
                "park_id" => park_id.clone(),
                "year" => spec.year.to_string(),
                _ => ex.get(c).cloned().unwrap_or_default(),
            })
            .collect();
        Ok(vec![head, row])
    };
    let enterprises = table(
        &spec.enterprises_columns,
        &spec.enterprises_headers_zh,
        &spec.enterprise,
        "enterprise",
    )?;
    let products = table(
        &spec.products_columns,
        &spec.products_headers_zh,
        &spec.product,
        "product",
    )?;
    Ok(Template {
        parks,
        activity,
        enterprises,
        products,
        metrics,
        readme: readme(lang),
        metric_column: spec.activity_columns.iter().position(|c| c == "metric"),
    })
}

/// The activity sheet: its header, and a row for each metric with an example, filled from the
/// example park and the template's year.
fn activity_rows(
    spec: &TemplateSpec,
    vocab: &Vocabulary,
    lang: Lang,
    park_id: &str,
    header: &dyn Fn(&str) -> String,
) -> Vec<Vec<String>> {
    let mut activity = vec![
        spec.activity_columns
            .iter()
            .map(|c| header(c))
            .collect::<Vec<_>>(),
    ];
    for id in &vocab.order {
        let m = &vocab.metrics[id];
        let Some(ex) = &m.example else { continue };
        let row = spec
            .activity_columns
            .iter()
            .map(|c| match c.as_str() {
                "park_id" => park_id.to_string(),
                "year" => spec.year.to_string(),
                // The Chinese template offers the Chinese names (ids are read too).
                "metric" => lang.pick(&m.id, &m.name_zh).clone(),
                "value" => outfile::num(Some(ex.value), 6),
                "unit" => ex.unit.clone(),
                "quality" => "measured".into(),
                "note" => parkbench_core::i18n::Locale::get(lang).text(&t!(
                    "template.example_note",
                    metric = parkbench_core::i18n::Text::both(&m.name_en, &m.name_zh)
                )),
                _ => String::new(),
            })
            .collect();
        activity.push(row);
    }
    activity
}

/// The metrics sheet: every metric of the vocabulary with its group, names, units and
/// description.
fn metric_rows(vocab: &Vocabulary, lang: Lang) -> Vec<Vec<String>> {
    let mut metrics = vec![
        [
            "template.metrics_metric",
            "template.metrics_group",
            "template.metrics_name_en",
            "template.metrics_name_zh",
            "template.metrics_units",
            "template.metrics_description",
        ]
        .map(|k| parkbench_core::i18n::Locale::get(lang).word(k))
        .to_vec(),
    ];
    for id in &vocab.order {
        let m = &vocab.metrics[id];
        metrics.push(vec![
            m.id.clone(),
            m.group.clone(),
            m.name_en.clone(),
            m.name_zh.clone(),
            m.units.join(" | "),
            lang.pick(&m.description, &m.description_zh).clone(),
        ]);
    }
    metrics
}

fn readme(lang: Lang) -> String {
    parkbench_core::i18n::Locale::get(lang).word("template.readme")
}

/// Writes the template into `dir` (atomically, file by file) and returns the files written.
pub fn write(
    dir: &Path,
    vocab: &Vocabulary,
    lang: Lang,
    format: TemplateFormat,
) -> Result<Vec<PathBuf>, TemplateError> {
    let t = build(vocab, lang)?;
    let words = parkbench_core::i18n::Locale::get(lang);
    let [
        parks_name,
        activity_name,
        metrics_name,
        enterprises_name,
        products_name,
    ] = [
        "template.sheet.parks",
        "template.sheet.activity",
        "template.sheet.metrics",
        "template.sheet.enterprises",
        "template.sheet.products",
    ]
    .map(|k| words.word(k));
    match format {
        TemplateFormat::Csv => {
            let mut out = Vec::new();
            for (name, rows) in [
                ("parks.csv", &t.parks),
                ("activity.csv", &t.activity),
                ("enterprises.csv", &t.enterprises),
                ("products.csv", &t.products),
                ("metrics.csv", &t.metrics),
            ] {
                let path = dir.join(name);
                outfile::write(&path, &csv_bytes(rows)?)?;
                out.push(path);
            }
            let path = dir.join("README.txt");
            outfile::write(&path, t.readme.as_bytes())?;
            out.push(path);
            Ok(out)
        }
        TemplateFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (name, rows) in [
                (&parks_name, &t.parks),
                (&activity_name, &t.activity),
                (&enterprises_name, &t.enterprises),
                (&products_name, &t.products),
                (&metrics_name, &t.metrics),
            ] {
                let sheet = book.add_worksheet();
                sheet.set_name(name)?;
                for (r, row) in rows.iter().enumerate() {
                    for (c, cell) in row.iter().enumerate() {
                        // Numbers as numbers; everything else as text, so Excel does not
                        // turn an id into a date.
                        if r == 0 {
                            sheet.write_string_with_format(0, c as u16, cell, &bold)?;
                        } else if let Ok(v) = cell.parse::<f64>() {
                            sheet.write_number(r as u32, c as u16, v)?;
                        } else {
                            sheet.write_string(r as u32, c as u16, cell)?;
                        }
                    }
                }
                sheet.set_freeze_panes(1, 0)?;
                // The metric column offers the metric list's names in the template's language
                // (ids in English, Chinese names in Chinese); other names are accepted too, so
                // a typed id only gets a note, not a refusal.
                if *name == activity_name
                    && let Some(col) = t.metric_column
                {
                    // The metric sheet's column of what the activity sheet's metric column
                    // holds: the ids (A) on the English side, the Chinese names (D).
                    let names_col = lang.pick("A", "D");
                    let list = rust_xlsxwriter::DataValidation::new()
                        .allow_list_formula(rust_xlsxwriter::Formula::new(format!(
                            "='{metrics_name}'!${names_col}$2:${names_col}${}",
                            t.metrics.len()
                        )))
                        .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information);
                    sheet.add_data_validation(1, col as u16, EXCEL_LAST_ROW, col as u16, &list)?;
                }
                sheet.autofit();
            }
            let sheet = book.add_worksheet();
            sheet.set_name("README")?;
            for (r, line) in t.readme.lines().enumerate() {
                sheet.write_string(r as u32, 0, line)?;
            }
            let path = dir.join("parkbench-template.xlsx");
            outfile::write(&path, &book.save_to_buffer()?)?;
            Ok(vec![path])
        }
    }
}

/// CSV text with a UTF-8 byte order mark (Excel on Chinese Windows reads it as UTF-8 then).
fn csv_bytes(rows: &[Vec<String>]) -> Result<Vec<u8>, std::io::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for r in rows {
        w.write_record(r.iter().map(|c| outfile::csv_safe(c)))?;
    }
    w.into_inner().map_err(|e| e.into_error())
}
