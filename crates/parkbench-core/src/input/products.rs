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
        });
    }
    out
}
