//! Tables as CSV text: cells that a spreadsheet cannot run as formulas, numbers with their
//! decimals, rows with their header, and the byte-order mark of files meant for people. Text
//! only: writing files is the caller's.

/// The UTF-8 byte-order mark. Excel opens a CSV file by double-click in the system's code
/// page (GBK on a Chinese Windows) unless the file starts with it; some machine readers take
/// it for part of the first column's name, so only files meant for people carry it.
pub const UTF8_BOM: &str = "\u{feff}";

/// A CSV table as the bytes of a file meant for people: [`UTF8_BOM`], then the text.
pub fn for_people(csv: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(UTF8_BOM.len() + csv.len());
    bytes.extend_from_slice(UTF8_BOM.as_bytes());
    bytes.extend_from_slice(csv.as_bytes());
    bytes
}

/// CSV text without a leading [`UTF8_BOM`] (a file parkbench wrote for people, or one a
/// spreadsheet saved as "CSV UTF-8").
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix(UTF8_BOM).unwrap_or(text)
}

/// Neutralises a text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` ...),
/// leaving numbers as they are.
pub fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A number for an output table: up to `decimals` decimals, trailing zeros dropped, empty
/// when missing.
pub fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        None => String::new(),
        Some(x) => {
            let s = format!("{x:.decimals$}");
            let s = if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            };
            if s == "-0" { "0".into() } else { s }
        }
    }
}

/// Rows as CSV with their header (the header alone when there are no rows).
pub fn rows_csv<T: serde::Serialize + Default>(rows: impl IntoIterator<Item = T>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut any = false;
    for r in rows {
        any = true;
        let _ = w.serialize(r);
    }
    let out = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    if any {
        return out;
    }
    // The csv crate writes a header with the first row: take it from a default row.
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.serialize(T::default());
    let text = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    text.lines()
        .next()
        .map(|h| format!("{h}\n"))
        .unwrap_or_default()
}
