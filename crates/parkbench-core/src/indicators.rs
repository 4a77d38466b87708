//! The indicator catalogue (`indicators/indicators.toml`) and its evaluation on an inventory.
//!
//! Formulas are SQL expressions evaluated by polars over one row per park-year whose columns
//! are the inventory variables. A value that cannot be computed (a missing input, a zero
//! denominator) is missing, never 0. Changes over time (`.yoy`, `.cagr`, `.linear_change`) are
//! computed from the yearly values. This module knows nothing about thresholds.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::i18n::Lang;
use crate::inventory::Inventory;
use crate::reference::{ReferenceError, Vocabulary, parse_toml, read_text};

/// Is a lower or a higher value better?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Lower,
    Higher,
}

impl Direction {
    /// Does `value` reach `target` in this direction?
    pub fn meets(self, value: f64, target: f64) -> bool {
        const EPS: f64 = 1e-12;
        match self {
            Direction::Lower => value <= target + EPS * target.abs().max(1.0),
            Direction::Higher => value >= target - EPS * target.abs().max(1.0),
        }
    }
}

/// Which electricity quantity a gap can also be said in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GreenMwh {
    /// The gap is in tCO2: divide by the grid factor.
    Co2,
    /// The gap is in tce: divide by the electricity tce factor.
    Tce,
}

/// An indicator of the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    pub name_en: String,
    pub name_zh: String,
    pub unit: String,
    pub direction: Direction,
    pub category: String,
    pub numerator: Option<String>,
    pub denominator: Option<String>,
    pub formula: Option<String>,
    pub gap_unit: Option<String>,
    pub green_mwh: Option<GreenMwh>,
    /// How to say a gap; `{q}` is the quantity.
    pub gap_en: Option<String>,
    pub gap_zh: Option<String>,
    #[serde(default)]
    pub supplied_by: Vec<String>,
    pub description: String,
}

impl Indicator {
    pub fn is_share(&self) -> bool {
        self.unit == "share"
    }

    pub fn name(&self, lang: Lang) -> &str {
        lang.pick(&self.name_en, &self.name_zh)
    }
}

/// A change over time of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// From the previous year.
    Yoy,
    /// Compound annual change from the first year.
    Cagr,
    /// Average annual change relative to the first year (linear).
    LinearChange,
}

impl Change {
    pub fn suffix(self) -> &'static str {
        match self {
            Change::Yoy => "yoy",
            Change::Cagr => "cagr",
            Change::LinearChange => "linear_change",
        }
    }
}

/// A reference to an indicator as rules write it: `id` or `id.<change>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorRef {
    pub base: String,
    pub change: Option<Change>,
}

impl IndicatorRef {
    pub fn parse(s: &str) -> Option<IndicatorRef> {
        let (base, change) = match s.split_once('.') {
            None => (s, None),
            Some((b, "yoy")) => (b, Some(Change::Yoy)),
            Some((b, "cagr")) => (b, Some(Change::Cagr)),
            Some((b, "linear_change")) => (b, Some(Change::LinearChange)),
            Some(_) => return None,
        };
        Some(IndicatorRef {
            base: base.to_string(),
            change,
        })
    }

    pub fn key(&self) -> String {
        match self.change {
            None => self.base.clone(),
            Some(c) => format!("{}.{}", self.base, c.suffix()),
        }
    }
}

#[derive(Deserialize)]
struct CatalogueFile {
    indicator: Vec<Indicator>,
}

/// The indicator catalogue.
#[derive(Debug, Clone)]
pub struct IndicatorCatalogue {
    pub indicators: Vec<Indicator>,
}

impl IndicatorCatalogue {
    pub fn embedded() -> Result<Self, ReferenceError> {
        let (file, text) = read_text("indicators.toml", None)?;
        let c: CatalogueFile = parse_toml(&file, &text)?;
        for i in &c.indicator {
            let ratio = i.numerator.is_some() && i.denominator.is_some();
            if ratio == i.formula.is_some() {
                return Err(ReferenceError::Parse {
                    file,
                    message: format!(
                        "indicator {}: give either formula or numerator + denominator",
                        i.id
                    ),
                });
            }
            for e in [&i.numerator, &i.denominator, &i.formula]
                .into_iter()
                .flatten()
            {
                crate::frame::check_expression(e).map_err(|err| ReferenceError::Parse {
                    file: file.clone(),
                    message: format!("indicator {}: formula \"{e}\" does not parse: {err}", i.id),
                })?;
            }
        }
        Ok(IndicatorCatalogue {
            indicators: c.indicator,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// An indicator's value for one park-year, with the parts of a ratio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Value {
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

/// Indicator values per park and year.
/// The indicators of one park-year by id. The ids are shared by every park-year (one string per
/// indicator, not one per park-year: a programme holds tens of thousands of these maps).
pub type YearValues = BTreeMap<std::sync::Arc<str>, Value>;

/// Indicator values per park and year.
pub type Values = BTreeMap<(String, i32), YearValues>;

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Evaluates every indicator for every park-year of the inventory.
///
/// `settings` are extra variables (the set's accounting switches such as `natural_gas_clean`).
pub fn evaluate(
    cat: &IndicatorCatalogue,
    inv: &Inventory,
    vocab: &Vocabulary,
    settings: &BTreeMap<String, f64>,
) -> Result<Values, crate::frame::FrameError> {
    let all: Vec<&Indicator> = cat.indicators.iter().collect();
    let rows = evaluate_years(&all, &inv.years, vocab, settings)?;
    Ok(inv
        .years
        .iter()
        .zip(rows)
        .map(|(py, m)| ((py.park_id.clone(), py.year), m))
        .collect())
}

/// Evaluates the given indicators for each park-year, one map per park-year in the order
/// given (park-years may repeat a park and year: pathways evaluate variants of one).
pub fn evaluate_years(
    indicators: &[&Indicator],
    years: &[crate::inventory::ParkYear],
    vocab: &Vocabulary,
    settings: &BTreeMap<String, f64>,
) -> Result<Vec<YearValues>, crate::frame::FrameError> {
    Evaluator::new(indicators)?.years(years, vocab, settings)
}

/// Indicators compiled and parsed once, to evaluate many small sets of park-years (pathways
/// evaluate each candidate plan).
#[derive(Debug, Clone)]
pub struct Evaluator {
    ids: Vec<std::sync::Arc<str>>,
    compiled: Compiled,
    parsed: crate::frame::Parsed,
    /// The variable names the expressions read (the others are not handed to polars).
    reads: std::collections::BTreeSet<String>,
}

impl Evaluator {
    pub fn new(indicators: &[&Indicator]) -> Result<Self, crate::frame::FrameError> {
        let compiled = Compiled::new(indicators.iter().copied());
        let parsed = crate::frame::parse(&compiled.expressions)?;
        let reads = compiled
            .expressions
            .iter()
            .flat_map(|e| e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
            .map(str::to_string)
            .collect();
        Ok(Evaluator {
            ids: indicators.iter().map(|i| i.id.as_str().into()).collect(),
            compiled,
            parsed,
            reads,
        })
    }

    /// The indicators of each park-year, in the order given.
    pub fn years(
        &self,
        years: &[crate::inventory::ParkYear],
        vocab: &Vocabulary,
        settings: &BTreeMap<String, f64>,
    ) -> Result<Vec<YearValues>, crate::frame::FrameError> {
        if years.is_empty() {
            return Ok(Vec::new());
        }
        // Only the variables the expressions read (SQL keywords among the words match none),
        // put into their columns a park-year at a time: a park-year's values of every variable
        // are dropped as soon as they are read, never held for all park-years at once.
        let ix = &crate::inventory::VarIndex::new(vocab);
        let read: Vec<usize> = (0..ix.names.len())
            .filter(|&i| self.reads.contains(ix.names[i].as_str()))
            .collect();
        let mut columns: Vec<(String, Vec<Option<f64>>)> = read
            .iter()
            .map(|&i| (ix.names[i].clone(), Vec::with_capacity(years.len())))
            .collect();
        for y in years {
            let values = y.values(vocab, ix);
            for ((_, column), &i) in columns.iter_mut().zip(&read) {
                column.push(values[i]);
            }
        }
        for (k, v) in settings
            .iter()
            .filter(|(k, _)| self.reads.contains(k.as_str()))
        {
            columns.push((k.clone(), vec![Some(*v); years.len()]));
        }
        if columns.is_empty() {
            // Constant expressions still need a row count.
            columns.push(("_rows".into(), vec![None; years.len()]));
        }
        let res = crate::frame::evaluate_parsed(&columns, &self.parsed)?;
        Ok((0..years.len())
            .map(|row| {
                self.ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| (id.clone(), self.compiled.value(&res, i, row)))
                    .collect()
            })
            .collect())
    }
}

/// Indicators turned into the SQL expressions to evaluate: a formula, or numerator and
/// denominator separately (the gap needs both).
#[derive(Debug, Clone)]
pub struct Compiled {
    pub expressions: Vec<String>,
    /// Per indicator, in the order given: (first expression, is a ratio).
    slots: Vec<(usize, bool)>,
}

impl Compiled {
    pub fn new<'a>(indicators: impl Iterator<Item = &'a Indicator>) -> Compiled {
        let mut expressions = Vec::new();
        let mut slots = Vec::new();
        for i in indicators {
            slots.push((expressions.len(), i.formula.is_none()));
            match (&i.numerator, &i.denominator, &i.formula) {
                (_, _, Some(f)) => expressions.push(f.clone()),
                (Some(n), Some(d), None) => {
                    expressions.push(n.clone());
                    expressions.push(d.clone());
                }
                // The catalogue checks that an indicator has one or the other.
                _ => expressions.push("NULL".into()),
            }
        }
        Compiled { expressions, slots }
    }

    /// The value of the `i`-th indicator in `row` of the evaluated expressions.
    pub fn value(&self, res: &[Vec<Option<f64>>], i: usize, row: usize) -> Value {
        let (k, ratio) = self.slots[i];
        if !ratio {
            return Value {
                value: finite(res[k][row]),
                numerator: None,
                denominator: None,
            };
        }
        let n = finite(res[k][row]);
        let d = finite(res[k + 1][row]);
        let value = match (n, d) {
            (Some(n), Some(d)) if d != 0.0 => finite(Some(n / d)),
            _ => None,
        };
        Value {
            value,
            numerator: n,
            denominator: d,
        }
    }
}

/// Earlier years' indicator values restated on a later year's boundary (the enterprises inside
/// it): (park, year of the boundary) -> earlier year -> indicator values. Only park-years whose
/// boundary differs from an earlier year's are here.
pub type Restated = BTreeMap<(String, i32), BTreeMap<i32, YearValues>>;

/// An indicator's yearly values for `park` up to `year`, ascending: the earlier years on
/// `year`'s boundary where they were restated, as they were otherwise.
pub fn series(
    values: &Values,
    restated: &Restated,
    park: &str,
    base: &str,
    year: i32,
) -> Vec<(i32, f64)> {
    let again = restated.get(&(park.to_string(), year));
    values
        .range((park.to_string(), i32::MIN)..=(park.to_string(), year))
        .filter_map(|((_, y), m)| {
            let m = again.and_then(|r| r.get(y)).unwrap_or(m);
            Some((*y, m.get(base)?.value?))
        })
        .collect()
}

/// The change over time of an indicator for `park` in `year`, from the yearly values (earlier
/// years restated on `year`'s boundary where it changed).
pub fn change(
    values: &Values,
    restated: &Restated,
    park: &str,
    base: &str,
    change: Change,
    year: i32,
) -> Option<f64> {
    change_of(&series(values, restated, park, base, year), change, year)
}

/// The change over time in `year` of a series of (year, value), ascending, ending at `year`.
pub fn change_of(series: &[(i32, f64)], change: Change, year: i32) -> Option<f64> {
    let &(y1, v1) = series.last()?;
    if y1 != year {
        return None;
    }
    match change {
        Change::Yoy => {
            let &(y0, v0) = series.iter().rev().nth(1)?;
            (y0 == year - 1 && v0 != 0.0).then(|| v1 / v0 - 1.0)
        }
        Change::Cagr => {
            let &(y0, v0) = series.first()?;
            (y1 > y0 && v0 > 0.0 && v1 >= 0.0)
                .then(|| (v1 / v0).powf(1.0 / f64::from(y1 - y0)) - 1.0)
        }
        Change::LinearChange => {
            let &(y0, v0) = series.first()?;
            (y1 > y0 && v0 != 0.0).then(|| (v1 - v0) / v0 / f64::from(y1 - y0))
        }
    }
}

/// Least-squares line through (year, value): (slope per year, intercept).
pub fn linear_fit(points: &[(i32, f64)]) -> Option<(f64, f64)> {
    if points.len() < 2 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| f64::from(p.0)).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (f64::from(p.0) - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points
        .iter()
        .map(|p| (f64::from(p.0) - mx) * (p.1 - my))
        .sum();
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(vals: &[(i32, f64)]) -> Values {
        vals.iter()
            .map(|&(y, v)| {
                (
                    ("p".to_string(), y),
                    BTreeMap::from([(
                        "x".into(),
                        Value {
                            value: Some(v),
                            ..Value::default()
                        },
                    )]),
                )
            })
            .collect()
    }

    #[test]
    fn worked_example_cagr_of_co2_2016_to_2021() {
        // WORKED-EXAMPLES.md: 376,836.57 t (2016) to 772,170.93 t (2021): +104.9 %, 15.43 %/yr.
        let v = series(&[(2016, 376_836.57), (2021, 772_170.93)]);
        let cagr = change(&v, &Restated::new(), "p", "x", Change::Cagr, 2021).unwrap();
        assert_eq!(format!("{:.2}", cagr * 100.0), "15.43");
        assert_eq!(
            format!("{:.1}", (772_170.93 / 376_836.57 - 1.0) * 100.0),
            "104.9"
        );
    }

    #[test]
    fn yoy_needs_the_previous_year() {
        let v = series(&[(2022, 100.0), (2024, 90.0)]);
        assert_eq!(
            change(&v, &Restated::new(), "p", "x", Change::Yoy, 2024),
            None
        );
        let v = series(&[(2023, 100.0), (2024, 90.0)]);
        assert!(
            (change(&v, &Restated::new(), "p", "x", Change::Yoy, 2024).unwrap() + 0.1).abs()
                < 1e-12
        );
    }

    #[test]
    fn least_squares() {
        let (s, i) = linear_fit(&[(2022, 3.0), (2023, 2.0), (2024, 1.0)]).unwrap();
        assert!((s + 1.0).abs() < 1e-12);
        assert!((i - 2025.0).abs() < 1e-9);
    }
}
