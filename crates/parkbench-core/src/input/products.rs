//! Enterprises' products and their energy per unit (`products.csv`), graded by
//! [`crate::products`] against the national limit standards.

use super::table::Table;
use crate::diag::{Diagnostic, Origin, Report};

/// One product line of an enterprise (`products.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub park_id: String,
    pub enterprise_id: String,
    pub product: String,
    pub year: i32,
    pub energy_per_unit: f64,
    pub unit: String,
    pub file: Origin,
    pub line: usize,
    /// 1-based columns of the enterprise and unit cells (0: no such column).
    pub enterprise_column: usize,
    pub unit_column: usize,
}

/// Reads a products table (`products.csv`, or a sheet `products` / `产品`): every row checked,
/// every problem located. Which standard a product has is the scoring's to say.
pub fn read(t: &Table, diags: &mut Report) -> Vec<Product> {
    const COLUMNS: [&str; 5] = [
        "park_id",
        "enterprise_id",
        "product",
        "year",
        "energy_per_unit",
    ];
    let c_unit = t.col("energy_unit");
    let Some(cols) = t.columns_of(
        &COLUMNS,
        &[],
        "diag.products_columns",
        t!("diag.expected.products_columns"),
        diags,
    ) else {
        return Vec::new();
    };
    let cell = |c: Option<usize>, r: usize| -> &str {
        c.and_then(|c| t.columns[c].get(r))
            .map(str::trim)
            .unwrap_or("")
    };
    let mut out = Vec::new();
    for r in 0..t.rows() {
        let line = t.line(r);
        let park = cell(cols[0], r);
        let at = |c: Option<usize>| c.map_or(0, |c| c + 1);
        let before = diags.error_count();
        let year = cell(cols[3], r).parse::<i32>().ok();
        if year.is_none_or(|y| !super::activity::YEARS.contains(&y)) {
            diags.push(
                Diagnostic::error(&t.origin, line, at(cols[3]), t!("diag.year_not_4_digits"))
                    .value(cell(cols[3], r))
                    .park(park),
            );
        }
        let value = crate::units::parse_number(cell(cols[4], r), t.decimal).ok();
        if value.is_none_or(|v| !v.is_finite()) {
            diags.push(
                Diagnostic::error(&t.origin, line, at(cols[4]), t!("diag.product_value"))
                    .value(cell(cols[4], r))
                    .park(park),
            );
        }
        let product = cell(cols[2], r);
        let unit = cell(c_unit, r);
        if diags.error_count() > before {
            continue;
        }
        let (Some(year), Some(v)) = (year, value) else {
            continue;
        };
        out.push(Product {
            park_id: park.to_string(),
            enterprise_id: cell(cols[1], r).to_string(),
            product: product.to_string(),
            year,
            energy_per_unit: v,
            unit: unit.to_string(),
            file: t.origin.clone(),
            line,
            enterprise_column: at(cols[1]),
            unit_column: at(c_unit),
        });
    }
    out
}

/// Products against the parks' enterprises tables: a park that lists its enterprises lists
/// every firm whose products it gives (an error at the cell otherwise), and a firm's product
/// of a year it was not inside the boundary is left out, with a warning. A park without an
/// enterprises table keeps every product line.
pub fn admit(
    products: Vec<Product>,
    boundary: &super::enterprises::Boundary,
    diags: &mut Report,
) -> Vec<Product> {
    products
        .into_iter()
        .filter(|p| {
            let (park, firm) = (p.park_id.as_str(), p.enterprise_id.as_str());
            if !boundary.has_park(park) {
                return true;
            }
            let at = |d: Diagnostic| d.value(firm).park(park);
            if !boundary.knows(park, firm) {
                diags.push(at(Diagnostic::error(
                    &p.file,
                    p.line,
                    p.enterprise_column,
                    t!("diag.enterprise_unknown", park = park),
                )
                .expected(t!("diag.expected.enterprise_listed", park = park))));
                return false;
            }
            if boundary.months(park, firm, p.year) == 0 {
                diags.push(at(Diagnostic::warning(
                    &p.file,
                    p.line,
                    p.enterprise_column,
                    t!(
                        "diag.product_outside",
                        enterprise = firm,
                        park = park,
                        year = p.year
                    ),
                )));
                return false;
            }
            true
        })
        .collect()
}
