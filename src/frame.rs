//! The one module that talks to polars (its API changes with every 0.x release; an upgrade
//! touches this file only).
//!
//! Three jobs: read Parquet files into plain columns, sum activity rows to years per park and
//! metric, and evaluate SQL expressions (indicator formulas) over a table of numbers. (CSV text
//! is read by `input::table` with the `csv` crate, which gives every record its line.)

use polars::prelude::*;

pub use polars::error::PolarsError as FrameError;

/// A column of a Parquet file as parkbench reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cells {
    Text(Vec<Option<String>>),
    /// Integer types (and booleans, as 0/1).
    Int(Vec<Option<i64>>),
    /// Floating-point types.
    Float(Vec<Option<f64>>),
    /// A type parkbench does not read (dates, lists, binary ...), by polars' name for it.
    Unsupported(String),
}

/// The number of rows of a Parquet file.
pub fn parquet_rows<R: polars_io::mmap::MmapBytesReader>(reader: R) -> Result<usize, FrameError> {
    use polars_io::SerReader;
    polars_io::parquet::read::ParquetReader::new(reader).num_rows()
}

/// Rows `offset..offset + len` of a Parquet file: each column's name and cells.
pub fn read_parquet<R: polars_io::mmap::MmapBytesReader>(
    reader: R,
    offset: usize,
    len: usize,
) -> Result<Vec<(String, Cells)>, FrameError> {
    use polars_io::SerReader;
    let df = polars_io::parquet::read::ParquetReader::new(reader)
        .with_slice(Some((offset, len)))
        .finish()?;
    df.columns()
        .iter()
        .map(|c| {
            let cells = match c.dtype() {
                DataType::String => {
                    Cells::Text(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
                }
                DataType::Float32 | DataType::Float64 => {
                    Cells::Float(c.cast(&DataType::Float64)?.f64()?.iter().collect())
                }
                d if d.is_integer() || *d == DataType::Boolean => {
                    Cells::Int(c.cast(&DataType::Int64)?.i64()?.iter().collect())
                }
                d => Cells::Unsupported(d.to_string()),
            };
            Ok((c.name().to_string(), cells))
        })
        .collect()
}

/// Activity rows as columns, for [`aggregate`].
#[derive(Debug, Default)]
pub struct ActivityColumns {
    pub park: Vec<u32>,
    pub year: Vec<i32>,
    pub metric: Vec<u32>,
    pub value: Vec<Option<f64>>,
    pub monthly: Vec<u32>,
    pub estimated: Vec<u32>,
}

/// One group of [`aggregate`]: a park, year and metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Group {
    pub park: u32,
    pub year: i32,
    pub metric: u32,
    pub sum: Option<f64>,
    pub mean: Option<f64>,
    pub max: Option<f64>,
    /// Rows whose value is missing.
    pub nulls: u32,
    pub months: u32,
    pub estimated: u32,
}

/// Groups rows by park, year and metric: sum, mean, max, missing count, monthly rows, estimates.
pub fn aggregate(rows: ActivityColumns) -> Result<Vec<Group>, FrameError> {
    let df = df!(
        "park" => rows.park,
        "year" => rows.year,
        "metric" => rows.metric,
        "value" => rows.value,
        "monthly" => rows.monthly,
        "estimated" => rows.estimated,
    )?;
    let out = df
        .lazy()
        .group_by([col("park"), col("year"), col("metric")])
        .agg([
            col("value").sum().alias("sum"),
            col("value").mean().alias("mean"),
            col("value").max().alias("max"),
            col("value")
                .null_count()
                .cast(DataType::UInt32)
                .alias("nulls"),
            col("monthly").sum().alias("months"),
            col("estimated").sum().alias("estimated"),
        ])
        .collect()?;
    let park = out.column("park")?.u32()?;
    let year = out.column("year")?.i32()?;
    let metric = out.column("metric")?.u32()?;
    let sum = out.column("sum")?.f64()?;
    let mean = out.column("mean")?.f64()?;
    let max = out.column("max")?.f64()?;
    let nulls = out.column("nulls")?.u32()?;
    let months = out.column("months")?.u32()?;
    let estimated = out.column("estimated")?.u32()?;
    let mut groups = Vec::with_capacity(out.height());
    for i in 0..out.height() {
        let (Some(p), Some(y), Some(m)) = (park.get(i), year.get(i), metric.get(i)) else {
            continue;
        };
        groups.push(Group {
            park: p,
            year: y,
            metric: m,
            sum: sum.get(i),
            mean: mean.get(i),
            max: max.get(i),
            nulls: nulls.get(i).unwrap_or(0),
            months: months.get(i).unwrap_or(0),
            estimated: estimated.get(i).unwrap_or(0),
        });
    }
    // polars' group order is not stable: sort for deterministic output.
    groups.sort_by_key(|g| (g.park, g.year, g.metric));
    Ok(groups)
}

/// Checks that a SQL expression parses.
pub fn check_expression(expr: &str) -> Result<(), FrameError> {
    polars::sql::sql_expr(expr).map(|_| ())
}

/// Evaluates SQL expressions over named numeric columns (all the same length). Each result
/// column has one value per row; None where an input is missing.
pub fn evaluate(
    columns: &[(String, Vec<Option<f64>>)],
    expressions: &[String],
) -> Result<Vec<Vec<Option<f64>>>, FrameError> {
    let cols: Vec<Column> = columns
        .iter()
        .map(|(n, v)| Column::new(n.as_str().into(), v.as_slice()))
        .collect();
    let df = DataFrame::new_infer_height(cols)?;
    let exprs = expressions
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(polars::sql::sql_expr(e)?
                .cast(DataType::Float64)
                .alias(format!("e{i}")))
        })
        .collect::<Result<Vec<_>, FrameError>>()?;
    let res = df.lazy().select(exprs).collect()?;
    (0..expressions.len())
        .map(|i| Ok(res.column(&format!("e{i}"))?.f64()?.iter().collect()))
        .collect()
}
