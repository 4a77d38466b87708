//! Products against their national energy-consumption limit standards (单位产品能源消耗限额):
//! the fifth guiding indicator of the national zero-carbon park set, every product of the park's
//! enterprises at or better than grade 2 (2级).
//!
//! The grades are data (`indicators/products/standards.csv`, each row with its source and
//! status); the enterprises' products come in `products.csv`. A product is graded against the
//! standard's base values (the corrections a standard makes for scrap ratio, ore grade ... are in
//! each row's note: `products.csv` has no columns for them). The share is by count of the
//! products that could be graded; a product without a standard, or whose grade 2 is unknown and
//! whose value does not settle it, is reported apart (tests/data/products/worked-example.md).

pub use crate::input::products::Product;
use crate::reference::{ReferenceError, read_text};
use std::collections::BTreeMap;

/// The metric that carries a park-year's share of graded products at or better than grade 2.
pub const SHARE_METRIC: &str = "products_grade2_share";

/// One product's grades.
#[derive(Debug, Clone, PartialEq)]
pub struct Standard {
    pub product_id: String,
    pub name_en: String,
    pub name_zh: String,
    pub standard: String,
    pub unit: String,
    /// Grades 1-3 (None: the standard has none, or it is not known).
    pub grades: [Option<f64>; 3],
    pub source: String,
    pub status: String,
}

/// The shipped standards, by product id.
#[derive(Debug, Clone, Default)]
pub struct Standards {
    pub by_id: BTreeMap<String, Standard>,
}

impl Standards {
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("products/standards.csv", None)?;
        let err = |message: String| ReferenceError::Parse {
            file: file.clone(),
            message,
        };
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let mut by_id = BTreeMap::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| err(e.to_string()))?;
            let cell = |k: usize| rec.get(k).unwrap_or("").trim().to_string();
            let grade = |k: usize| -> Result<Option<f64>, ReferenceError> {
                let c = cell(k);
                if c.is_empty() {
                    return Ok(None);
                }
                c.parse()
                    .map(Some)
                    .map_err(|_| err(format!("line {}: grade \"{c}\" is not a number", i + 2)))
            };
            let s = Standard {
                product_id: cell(0),
                name_en: cell(1),
                name_zh: cell(2),
                standard: cell(3),
                unit: cell(5),
                grades: [grade(6)?, grade(7)?, grade(8)?],
                source: cell(10),
                status: cell(11),
            };
            by_id.insert(s.product_id.clone(), s);
        }
        Ok(Standards { by_id })
    }
}

/// Where a product stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// At or better than grade 2.
    AtGrade2,
    Worse,
    /// Grade 2 unknown and the value between the known grades.
    Undetermined,
    /// No standard in the data for it.
    NoStandard,
    /// Reported in another unit than the standard's (no conversion is guessed).
    OtherUnit,
}

/// Grades a value (lower is better): at or below grade 2 meets it; without grade 2, a value at
/// or below grade 1 meets it and one above grade 3 misses it, when the known grades ascend.
pub fn verdict(s: Option<&Standard>, value: f64) -> Verdict {
    let Some(s) = s else {
        return Verdict::NoStandard;
    };
    let [g1, g2, g3] = s.grades;
    if let Some(g2) = g2 {
        return if value <= g2 + 1e-9 {
            Verdict::AtGrade2
        } else {
            Verdict::Worse
        };
    }
    let ascending =
        matches!((g1, g3), (Some(a), Some(b)) if a <= b) || g1.is_none() || g3.is_none();
    match (g1, g3) {
        (Some(a), _) if ascending && value <= a + 1e-9 => Verdict::AtGrade2,
        (_, Some(c)) if ascending && value > c + 1e-9 => Verdict::Worse,
        _ => Verdict::Undetermined,
    }
}

/// Per park-year: the share of its graded products at or better than grade 2 (None when none
/// could be graded) and each product line with its verdict.
pub type Shares<'a> = BTreeMap<(String, i32), (Option<f64>, Vec<(&'a Product, Verdict)>)>;

/// The share of a park-year's graded products at or better than grade 2, by count, with the
/// products graded: (park, year) -> (share, [(product line, verdict)]).
pub fn shares<'a>(products: &'a [Product], standards: &Standards) -> Shares<'a> {
    let mut out: Shares<'a> = BTreeMap::new();
    for p in products {
        let s = standards.by_id.get(&p.product);
        let v = match s {
            Some(s) if !p.unit.is_empty() && p.unit != s.unit => Verdict::OtherUnit,
            _ => verdict(s, p.energy_per_unit),
        };
        out.entry((p.park_id.clone(), p.year))
            .or_default()
            .1
            .push((p, v));
    }
    for (share, list) in out.values_mut() {
        let graded = list
            .iter()
            .filter(|(_, v)| matches!(v, Verdict::AtGrade2 | Verdict::Worse))
            .count();
        let ok = list.iter().filter(|(_, v)| *v == Verdict::AtGrade2).count();
        *share = (graded > 0).then(|| ok as f64 / graded as f64);
    }
    out
}

/// What grading cannot use, located: a product line in another unit than its standard's (no
/// conversion is guessed) or without a standard in the data; both are left out of the share and
/// named in reports.
pub fn check(products: &[Product], standards: &Standards) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::Diagnostic;
    let mut out = Vec::new();
    for p in products {
        let d = match standards.by_id.get(&p.product) {
            Some(s) if !p.unit.is_empty() && p.unit != s.unit => Diagnostic::warning(
                &p.file,
                p.line,
                p.unit_column,
                t!(
                    "diag.product_other_unit",
                    product = &p.product,
                    standard = &s.standard
                ),
            )
            .value(&p.unit)
            .expected(t!("diag.expected.product_unit", unit = &s.unit)),
            Some(_) => continue,
            None => Diagnostic::warning(
                &p.file,
                p.line,
                0,
                t!("diag.product_no_standard", product = &p.product),
            )
            .value(&p.product),
        };
        out.push(d.park(&p.park_id));
    }
    out
}

/// A product line as graded, for reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Graded {
    pub park_id: String,
    pub year: i32,
    pub enterprise_id: String,
    pub product: String,
    pub name_en: String,
    pub name_zh: String,
    pub value: f64,
    pub unit: String,
    pub grade2: Option<f64>,
    pub standard: String,
    pub verdict: Verdict,
}

impl Graded {
    /// The product's name in `lang`.
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.name_en, &self.name_zh)
    }
}

/// Every product line graded.
pub fn graded(products: &[Product], standards: &Standards) -> Vec<Graded> {
    shares(products, standards)
        .into_values()
        .flat_map(|(_, list)| list)
        .map(|(p, verdict)| {
            let s = standards.by_id.get(&p.product);
            Graded {
                park_id: p.park_id.clone(),
                year: p.year,
                enterprise_id: p.enterprise_id.clone(),
                product: p.product.clone(),
                name_en: s.map_or_else(|| p.product.clone(), |s| s.name_en.clone()),
                name_zh: s.map_or_else(|| p.product.clone(), |s| s.name_zh.clone()),
                value: p.energy_per_unit,
                unit: s.map_or_else(|| p.unit.clone(), |s| s.unit.clone()),
                grade2: s.and_then(|s| s.grades[1]),
                standard: s.map(|s| s.standard.clone()).unwrap_or_default(),
                verdict,
            }
        })
        .collect()
}

/// Puts each park-year's share of graded products at or better than grade 2 into its metrics
/// (`SHARE_METRIC`; unknown when no product could be graded), for the park-years that have
/// activity: a share the park reported itself is replaced by the one its products give.
pub fn add_shares(annual: &mut crate::input::Annual, products: &[Product], standards: &Standards) {
    for ((park, year), (share, _)) in shares(products, standards) {
        if let Some(metrics) = annual.get_mut(&(park, year)) {
            std::sync::Arc::make_mut(metrics).insert(
                SHARE_METRIC.to_string(),
                crate::input::MetricYear {
                    value: share,
                    estimated: false,
                    months: 0,
                    grades: Default::default(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_as_the_worked_example_reads_them() {
        let s = Standards::embedded().unwrap();
        let v = |p: &str, x: f64| verdict(s.by_id.get(p), x);
        assert_eq!(v("crude_steel_bof", -20.0), Verdict::Worse);
        assert_eq!(v("cement_clinker", 98.0), Verdict::AtGrade2);
        assert_eq!(v("soda_ash_ammonia_light", 320.0), Verdict::AtGrade2);
        assert_eq!(v("sodium_bicarbonate", 120.0), Verdict::NoStandard);
    }
}
