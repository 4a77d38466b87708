//! The one module that talks to polars (its API changes with every 0.x release; an upgrade
//! touches this file only).
//!
//! Two jobs: read Parquet files into plain columns, and evaluate SQL expressions (indicator
//! formulas) over a table of numbers. (CSV text is read by `input::table` with the `csv`
//! crate, which gives every record its line; months are summed to years by
//! `input::collect` as rows are read.)

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
    evaluate_parsed(columns, &parse(expressions)?)
}

/// SQL expressions parsed once, to be evaluated over many tables (parsing is the larger part
/// of evaluating a few rows, and the parser recurses deeply: parse on a thread with a full
/// stack).
#[derive(Clone)]
pub struct Parsed(Vec<Expr>);

impl std::fmt::Debug for Parsed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Parsed({} expressions)", self.0.len())
    }
}

/// Parses SQL expressions for [`evaluate_parsed`].
pub fn parse(expressions: &[String]) -> Result<Parsed, FrameError> {
    expressions
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(polars::sql::sql_expr(e)?
                .cast(DataType::Float64)
                .alias(format!("e{i}")))
        })
        .collect::<Result<Vec<_>, FrameError>>()
        .map(Parsed)
}

/// [`evaluate`] with expressions parsed before.
pub fn evaluate_parsed(
    columns: &[(String, Vec<Option<f64>>)],
    parsed: &Parsed,
) -> Result<Vec<Vec<Option<f64>>>, FrameError> {
    let cols: Vec<Column> = columns
        .iter()
        .map(|(n, v)| Column::new(n.as_str().into(), v.as_slice()))
        .collect();
    let df = DataFrame::new_infer_height(cols)?;
    let res = df.lazy().select(parsed.0.clone()).collect()?;
    (0..parsed.0.len())
        .map(|i| Ok(res.column(&format!("e{i}"))?.f64()?.iter().collect()))
        .collect()
}
