//! `scores.xlsx`: the report's tables as one workbook for a consultant's client, a sheet per
//! table (scores, inventory, peers, changes, uncertainty, failures), header row frozen, numbers
//! as numbers, sheet and column names in the report's language (locale sections `xlsx.sheet`
//! and `xlsx.column`; a column without a word keeps its CSV name). Cells are the CSV tables'
//! cells, so formula-like text is neutralised the same way and the workbook and the CSV files
//! cannot disagree.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

use super::ReportError;
use parkbench_core::i18n::{Lang, Locale};

/// The workbook of `tables` (sheet key, CSV text), in `lang`.
pub fn workbook(tables: &[(&str, &str)], lang: Lang) -> Result<Vec<u8>, ReportError> {
    let words = Locale::get(lang);
    let xlsx = |e: rust_xlsxwriter::XlsxError| ReportError::Workbook(e.to_string());
    let mut book = Workbook::new();
    // A fixed creation date instead of the clock, so two runs give identical bytes (the report
    // carries no time unless asked).
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xlsx)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    for (key, csv_text) in tables {
        let sheet = book.add_worksheet();
        let name = words.lookup(&format!("xlsx.sheet.{key}")).unwrap_or(key);
        sheet.set_name(name).map_err(xlsx)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv_text.as_bytes());
        for (r, record) in reader.records().enumerate() {
            let record = record.map_err(|e| ReportError::Workbook(e.to_string()))?;
            for (c, cell) in record.iter().enumerate() {
                let (row, col) = (r as u32, c as u16);
                if r == 0 {
                    let header = words.lookup(&format!("xlsx.column.{cell}")).unwrap_or(cell);
                    sheet
                        .write_string_with_format(row, col, header, &bold)
                        .map_err(xlsx)?;
                } else if let Some(v) = number(cell) {
                    sheet.write_number(row, col, v).map_err(xlsx)?;
                } else if !cell.is_empty() {
                    sheet.write_string(row, col, cell).map_err(xlsx)?;
                }
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        sheet.autofit();
    }
    book.save_to_buffer().map_err(xlsx)
}

/// A cell that is a plain number (not an id such as `2024-03` or a code with leading zeros).
fn number(cell: &str) -> Option<f64> {
    let leading_zero = cell.len() > 1 && cell.starts_with('0') && !cell.starts_with("0.");
    if leading_zero {
        return None;
    }
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_numbers_and_ids_stay_text() {
        assert_eq!(number("12.5"), Some(12.5));
        assert_eq!(number("-3"), Some(-3.0));
        assert_eq!(number("0.25"), Some(0.25));
        assert_eq!(number("007"), None);
        assert_eq!(number("2024-03"), None);
        assert_eq!(number("NaN"), None);
        assert_eq!(number(""), None);
    }
}
