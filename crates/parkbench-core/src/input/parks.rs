//! `parks.csv`: one row per park. Checks ids, countries, provinces and land area.

use std::collections::{BTreeMap, HashMap};

use super::table::Table;
use crate::diag::{Diagnostic, Origin};
use crate::factors::Factors;
use crate::reference::{Vocabulary, nearest};
use crate::units::parse_number;

/// A park as described in `parks.csv`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Park {
    pub park_id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case ("CN" when not given).
    pub country: String,
    /// Province key of the factor table (`jiangsu`), when given and known.
    pub province: Option<String>,
    /// The province's name in both languages (key and Chinese name), for pages.
    #[serde(skip)]
    pub province_name: Option<crate::i18n::Text>,
    pub sector: String,
    /// The sector in both languages when the vocabulary (`indicators/sectors.toml`) knows it.
    pub sector_name: Option<crate::i18n::Text>,
    pub grid_region: Option<String>,
    pub land_area_km2: Option<f64>,
    /// Roof area that could carry PV (m2), when given: bounds rooftop PV in pathways.
    pub roof_area_m2: Option<f64>,
    /// Columns parkbench does not use, kept as written.
    pub extra: BTreeMap<String, String>,
    /// Where the park is defined.
    pub file: crate::diag::Origin,
    pub line: usize,
}

impl Park {
    /// The sector in the reader's language when the vocabulary knows it, else as written.
    pub fn sector_text(&self) -> crate::i18n::Text {
        self.sector_name
            .clone()
            .unwrap_or_else(|| crate::i18n::Text::verbatim(&self.sector))
    }
}

const KNOWN: [&str; 10] = [
    "park_id",
    "name",
    "country",
    "province",
    "sector",
    "grid_region",
    "land_area",
    "land_area_unit",
    "land_area_km2",
    "roof_area_m2",
];

/// Is `id` a valid park id (`[A-Za-z0-9_.-]`, not only dots, at most 64 characters)?
pub fn valid_park_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.chars().any(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Reads the parks of a table, pushing every problem to `diags`.
pub fn read_parks(
    t: &Table,
    vocab: &Vocabulary,
    factors: &Factors,
    diags: &mut crate::diag::Report,
) -> Vec<Park> {
    let f = &t.origin;
    let Some(id_col) = t.col("park_id") else {
        diags.push(
            Diagnostic::error(
                f,
                t.header_line as usize,
                0,
                t!("diag.missing_columns", n = 1, columns = "\"park_id\""),
            )
            .expected(t!(
                "diag.expected.parks_header",
                found = t.header.join(", ")
            ))
            .hint(delimiter_hint(t)),
        );
        return Vec::new();
    };
    super::table::ragged_rows(t, diags);
    let cols: HashMap<&str, Option<usize>> = KNOWN.iter().map(|k| (*k, t.col(k))).collect();
    let extra_cols: Vec<usize> = (0..t.header.len())
        .filter(|&i| !KNOWN.iter().any(|k| t.header[i].eq_ignore_ascii_case(k)))
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut parks = Vec::new();
    for row in 0..t.rows() {
        let line = t.line(row);
        let id = cell(t, Some(id_col), row);
        if vocab.columns.is_totals_word(id) {
            diags.push(super::activity::totals_warning(f, line, id_col + 1, id));
            continue;
        }
        if let Some(d) = id_problem(f, line, id_col, id, &seen) {
            diags.push(d);
            continue;
        }
        seen.insert(id.to_string(), line);
        let c = ParkRow {
            t,
            cols: &cols,
            row,
            line,
            id,
        };
        let (country, country_ok) = country(&c, factors, diags);
        let (province, province_ok) = province(&c, &country, factors, diags);
        let grid_region = grid_region(&c, factors, diags);
        let land_area_km2 = land_area(t, row, &cols, vocab, id, diags);
        let roof_area_m2 = roof_area(t, row, cols["roof_area_m2"], id, diags);
        if country == "CN" && province.is_none() && c.get("province").is_empty() {
            diags.push(Diagnostic::warning(f, line, 0, t!("diag.no_province")).park(id));
        }
        let extra = extra_cols
            .iter()
            .map(|&col| (t.header[col].clone(), cell(t, Some(col), row).to_string()))
            .collect();
        if country_ok && province_ok {
            parks.push(Park {
                park_id: id.to_string(),
                name: c.get("name").to_string(),
                country,
                province_name: province.as_deref().map(|k| {
                    crate::i18n::Text::both(
                        crate::factors::Factors::province_name_en(k),
                        factors.province_name_zh(k).unwrap_or(k),
                    )
                }),
                province,
                sector: c.get("sector").to_string(),
                sector_name: vocab
                    .sectors
                    .find(c.get("sector"))
                    .map(|s| crate::i18n::Text::both(&s.en, &s.zh)),
                grid_region,
                land_area_km2,
                roof_area_m2,
                extra,
                file: f.clone(),
                line,
            });
        }
    }
    parks
}

/// A cell of a table, trimmed ("" when the column or the cell is missing).
fn cell(t: &Table, col: Option<usize>, row: usize) -> &str {
    col.and_then(|c| t.columns[c].get(row))
        .map(str::trim)
        .unwrap_or("")
}

/// A row of a parks table being read: its cells by known column, its line and park id.
struct ParkRow<'a> {
    t: &'a Table,
    cols: &'a HashMap<&'a str, Option<usize>>,
    row: usize,
    line: usize,
    id: &'a str,
}

impl ParkRow<'_> {
    /// The cell of a known column.
    fn get(&self, name: &str) -> &str {
        cell(self.t, self.cols[name], self.row)
    }

    /// An error about the cell of a known column.
    fn error(&self, name: &str, message: crate::i18n::Text) -> Diagnostic {
        let col = self.cols[name].unwrap_or(0) + 1;
        Diagnostic::error(&self.t.origin, self.line, col, message)
    }
}

/// Why a park id cannot be read: empty, reserved, not one of the allowed characters, or given
/// to an earlier row.
fn id_problem(
    f: &Origin,
    line: usize,
    id_col: usize,
    id: &str,
    seen: &HashMap<String, usize>,
) -> Option<Diagnostic> {
    let error = |message| Diagnostic::error(f, line, id_col + 1, message);
    if id.is_empty() {
        return Some(error(t!("diag.park_id_empty")).expected(t!("diag.expected.park_id_example")));
    }
    if valid_park_id(id) && !super::valid_park_id_for_path(id) {
        return Some(
            error(t!("diag.park_id_reserved"))
                .value(id)
                .expected(t!("diag.expected.park_id_not_reserved"))
                .park(id),
        );
    }
    if !valid_park_id(id) {
        let long = id.chars().count() > 64 && valid_park_id(&id[..id.floor_char_boundary(64)]);
        return Some(
            error(if long {
                t!("diag.park_id_long", n = id.chars().count())
            } else {
                t!("diag.park_id_characters")
            })
            .value(id)
            .expected(t!("diag.expected.park_id_characters"))
            .hint(t!("diag.hint.park_id_name"))
            .park(id),
        );
    }
    seen.get(id).map(|first| {
        error(t!("diag.park_id_duplicate_line", first = *first))
            .value(id)
            .park(id)
    })
}

/// The park's country (`CN` when the cell is empty), and whether it is known.
fn country(c: &ParkRow<'_>, factors: &Factors, diags: &mut crate::diag::Report) -> (String, bool) {
    let raw = c.get("country");
    let country = if raw.is_empty() {
        "CN".to_string()
    } else {
        raw.to_uppercase()
    };
    if !raw.is_empty() && !factors.is_country(&country) {
        diags.push(
            c.error("country", t!("diag.country_unknown"))
                .value(raw)
                .expected(t!("diag.expected.country"))
                .park(c.id),
        );
        return (country, false);
    }
    (country, true)
}

/// The park's province key, when the cell names a known one; false when a Chinese park's
/// province is unknown (an error, with the nearest name).
fn province(
    c: &ParkRow<'_>,
    country: &str,
    factors: &Factors,
    diags: &mut crate::diag::Report,
) -> (Option<String>, bool) {
    let raw = c.get("province");
    if raw.is_empty() {
        return (None, true);
    }
    match factors.province_key(raw) {
        Some(k) => (Some(k), true),
        None if country == "CN" => {
            let mut d = c
                .error("province", t!("diag.province_unknown"))
                .value(raw)
                .expected(t!("diag.expected.province"))
                .park(c.id);
            if let Some(n) = nearest(raw, factors.province_keys().into_iter()) {
                d = d.hint(t!("diag.hint.did_you_mean_quoted", name = n));
            }
            diags.push(d);
            (None, false)
        }
        None => (None, true),
    }
}

/// The park's regional grid, when the cell names a known one (a warning when not).
fn grid_region(
    c: &ParkRow<'_>,
    factors: &Factors,
    diags: &mut crate::diag::Report,
) -> Option<String> {
    let raw = c.get("grid_region");
    if raw.is_empty() {
        return None;
    }
    if factors.is_grid_region(&raw.to_lowercase()) {
        return Some(raw.to_lowercase());
    }
    let col = c.cols["grid_region"].unwrap_or(0) + 1;
    diags.push(
        Diagnostic::warning(&c.t.origin, c.line, col, t!("diag.grid_region_unknown"))
            .value(raw)
            .expected(t!("diag.expected.grid_region"))
            .park(c.id),
    );
    None
}

fn land_area(
    t: &Table,
    row: usize,
    cols: &HashMap<&str, Option<usize>>,
    vocab: &Vocabulary,
    id: &str,
    diags: &mut crate::diag::Report,
) -> Option<f64> {
    let f = &t.origin;
    let line = t.line(row);
    let cell = |col: Option<usize>| {
        col.and_then(|c| t.columns[c].get(row))
            .map(str::trim)
            .unwrap_or("")
    };
    let (col, raw, unit_raw) = if !cell(cols["land_area_km2"]).is_empty() {
        (cols["land_area_km2"], cell(cols["land_area_km2"]), "km2")
    } else if !cell(cols["land_area"]).is_empty() {
        (
            cols["land_area"],
            cell(cols["land_area"]),
            cell(cols["land_area_unit"]),
        )
    } else {
        return None;
    };
    if super::is_missing_token(raw) {
        return None;
    }
    let column = col.unwrap_or(0) + 1;
    let v = match parse_number(raw, t.decimal) {
        Ok(v) => v,
        Err(_) => {
            diags.push(
                Diagnostic::error(f, line, column, t!("diag.land_area_not_number"))
                    .value(raw)
                    .expected(t!("diag.expected.number_example"))
                    .park(id),
            );
            return None;
        }
    };
    let Some(unit) = vocab.units.find("area", unit_raw) else {
        diags.push(
            Diagnostic::error(
                f,
                line,
                cols["land_area_unit"].unwrap_or(0) + 1,
                t!("diag.area_unit_unknown"),
            )
            .value(unit_raw)
            .expected(t!(
                "diag.expected.one_of",
                list = vocab.units.ids_of("area").join(", ")
            ))
            .park(id),
        );
        return None;
    };
    if v <= 0.0 {
        diags.push(
            Diagnostic::error(f, line, column, t!("diag.land_area_not_positive"))
                .value(raw)
                .park(id),
        );
        return None;
    }
    Some(v * unit.to_canonical)
}

/// The optional `roof_area_m2` column: a positive number of m2, or empty / a missing token.
fn roof_area(
    t: &Table,
    row: usize,
    col: Option<usize>,
    id: &str,
    diags: &mut crate::diag::Report,
) -> Option<f64> {
    let c = col?;
    let raw = t.columns[c].get(row).map(|s| s.trim()).unwrap_or("");
    if raw.is_empty() || super::is_missing_token(raw) {
        return None;
    }
    let problem = match parse_number(raw, t.decimal) {
        Ok(v) if v > 0.0 && v.is_finite() => return Some(v),
        Ok(_) => t!("diag.roof_area_not_positive"),
        Err(_) => t!("diag.roof_area_not_number"),
    };
    diags.push(
        Diagnostic::error(&t.origin, t.line(row), c + 1, problem)
            .value(raw)
            .expected(t!("diag.expected.roof_area"))
            .park(id),
    );
    None
}

fn delimiter_hint(t: &Table) -> crate::i18n::Text {
    t!(
        "diag.hint.read_as_check_header",
        encoding = t.encoding,
        delimiter = super::table::delimiter_name(t.delimiter)
    )
}
