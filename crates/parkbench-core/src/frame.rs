//! The one module that talks to polars (its API changes with every 0.x release; an upgrade
//! touches this file only).
//!
//! Two jobs: read Parquet files into plain columns, and evaluate SQL expressions (indicator
//! formulas) over a table of numbers. (CSV text is read by `input::table` with the `csv`
//! crate, which gives every record its line; months are summed to years by
//! `input::collect` as rows are read.)

use polars::prelude::*;
use polars_arrow::array::Array as _;
use polars_plan::plans::DynLiteralValue;

pub use polars::error::PolarsError as FrameError;

/// A column of a Parquet file as parkbench reads it.
#[derive(Debug, Clone)]
pub enum Cells {
    /// Text cells, where polars holds them.
    Text(Strings),
    /// Integer types (and booleans, as 0/1).
    Int(Ints),
    /// Floating-point types (and decimals); a 32-bit float as the decimal it was written as.
    Float(Floats),
    /// Dates and timestamps: days since 1970-01-01 and seconds into the day.
    Days(Vec<Option<(i64, u32)>>),
    /// A type parkbench does not read (dates, lists, binary ...), by polars' name for it.
    Unsupported(String),
}

/// A column of a Parquet file as polars read it: each cell is read where polars holds it, with
/// no copy of the text or the numbers. A piece of a file is a chunk per row group it spans; a
/// cell is found in its chunk by the chunks' first rows (a binary search), not by walking the
/// chunks' lengths as polars' own `get` does, so no chunks are merged (the merge copied every
/// view and value of a piece, on memory the system had to clear first: a third of the reading
/// threads' time on the national tree).
#[derive(Clone)]
pub struct InPlace<T: PolarsDataType> {
    cells: ChunkedArray<T>,
    /// The first row of each chunk.
    starts: Vec<usize>,
}

/// Text cells of a Parquet column.
pub type Strings = InPlace<StringType>;
/// Integers of a Parquet column.
pub type Ints = InPlace<Int64Type>;
/// Floats of a Parquet column.
pub type Floats = InPlace<Float64Type>;

impl<T: PolarsDataType> std::fmt::Debug for InPlace<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InPlace({} cells)", self.cells.len())
    }
}

impl<T: PolarsDataType> InPlace<T> {
    fn new(c: &ChunkedArray<T>) -> Self {
        let mut start = 0;
        let starts = c
            .chunks()
            .iter()
            .map(|a| {
                let s = start;
                start += a.len();
                s
            })
            .collect();
        InPlace {
            cells: c.clone(),
            starts,
        }
    }

    /// The cell at `row`; None when null or beyond the column.
    pub fn get(&self, row: usize) -> Option<T::Physical<'_>> {
        // The last chunk starting at or before the row (an empty chunk starts where the next
        // one does, and is passed over).
        let chunk = self.starts.partition_point(|&s| s <= row).checked_sub(1)?;
        self.cells
            .downcast_get(chunk)?
            .get(row - self.starts[chunk])
    }

    /// The cells in order, as [`InPlace::get`] gives each.
    pub fn iter(&self) -> impl Iterator<Item = Option<T::Physical<'_>>> + '_ {
        self.cells.downcast_iter().flat_map(|a| a.iter())
    }

    /// Number of cells, nulls included.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// A column's name and cells, for tests.
#[cfg(test)]
pub(crate) type Named<'n, T> = (&'n str, Vec<Option<T>>);

/// A Parquet file of these text, integer and float columns (in this order), in row groups of
/// `group_rows` rows, as polars writes one (text of few values dictionary-encoded), for tests
/// of reading what data teams export.
#[cfg(test)]
pub(crate) fn parquet_of(
    text: &[Named<'_, String>],
    (ints, floats): (&[Named<'_, i64>], &[Named<'_, f64>]),
    group_rows: usize,
) -> Vec<u8> {
    let mut columns: Vec<Column> = text
        .iter()
        .map(|(name, cells)| Column::new((*name).into(), cells))
        .collect();
    columns.extend(
        ints.iter()
            .map(|(name, cells)| Column::new((*name).into(), cells)),
    );
    columns.extend(
        floats
            .iter()
            .map(|(name, cells)| Column::new((*name).into(), cells)),
    );
    let mut frame = DataFrame::new_infer_height(columns).expect("columns of one length");
    let mut out = Vec::new();
    polars_io::parquet::write::ParquetWriter::new(&mut out)
        .with_row_group_size(Some(group_rows))
        .finish(&mut frame)
        .expect("a Parquet file");
    out
}

#[cfg(test)]
impl Strings {
    /// A text column of these chunks, one each (empty ones kept), for tests of reading across
    /// chunks.
    pub(crate) fn of_chunks(chunks: &[Vec<Option<String>>]) -> Self {
        let arrays = chunks.iter().map(|c| {
            let one = StringChunked::from_iter_options("c".into(), c.iter().cloned());
            one.downcast_iter().next().expect("a chunk").clone()
        });
        InPlace::new(&StringChunked::from_chunk_iter("c".into(), arrays))
    }

    fn chunks(&self) -> usize {
        self.cells.chunks().len()
    }
}

impl<T: PolarsDataType> InPlace<T> {
    /// Clears `same[i]` for each row `rows.start + i` of `rows` whose cell is not the same as
    /// the row before's in the same chunk (a chunk's first row is never the same): `run(array,
    /// ks, out)` clears `out[j]` for each cell `ks.start + j` of the chunk not the same as the
    /// cell before it.
    fn repeats_by(
        &self,
        rows: std::ops::Range<usize>,
        same: &mut [bool],
        run: impl Fn(&T::Array, std::ops::Range<usize>, &mut [bool]),
    ) {
        for (a, &start) in self.cells.downcast_iter().zip(&self.starts) {
            if rows.contains(&start) {
                same[start - rows.start] = false;
            }
            let (lo, hi) = (rows.start.max(start + 1), rows.end.min(start + a.len()));
            if lo < hi {
                run(
                    a,
                    lo - start..hi - start,
                    &mut same[lo - rows.start..hi - rows.start],
                );
            }
        }
    }
}

/// Clears `out[j]` for each cell `k = ks.start + j` not the same as cell `k - 1`: both null,
/// or both not and `eq` by their values. A chunk without nulls is compared in one tight pass.
fn same_runs<V>(
    (values, validity): (&[V], Option<&polars_arrow::bitmap::Bitmap>),
    ks: std::ops::Range<usize>,
    out: &mut [bool],
    eq: impl Fn(&V, &V) -> bool,
) {
    debug_assert_eq!(out.len(), ks.len());
    match validity.filter(|v| v.unset_bits() > 0) {
        None => {
            for (s, w) in out.iter_mut().zip(values[ks.start - 1..ks.end].windows(2)) {
                *s &= eq(&w[1], &w[0]);
            }
        }
        Some(v) => {
            for (s, k) in out.iter_mut().zip(ks) {
                *s &= match (v.get_bit(k), v.get_bit(k - 1)) {
                    (true, true) => eq(&values[k], &values[k - 1]),
                    (false, false) => true,
                    _ => false,
                };
            }
        }
    }
}

impl Strings {
    /// Clears `same[i]` for each row `rows.start + i` whose cell is not surely the row before's:
    /// a cell is surely the same when both are null, or their views are equal in one chunk
    /// (the same bytes inline, or the same place in one buffer: a Parquet dictionary's cells).
    /// Equal text elsewhere is not found; a false says nothing.
    pub fn repeats(&self, rows: std::ops::Range<usize>, same: &mut [bool]) {
        self.repeats_by(rows, same, |a, ks, out| {
            same_runs((a.views(), a.validity()), ks, out, |x, y| x == y);
        });
    }
}

impl Ints {
    /// As [`Strings::repeats`]: the same number, or both null.
    pub fn repeats(&self, rows: std::ops::Range<usize>, same: &mut [bool]) {
        self.repeats_by(rows, same, |a, ks, out| {
            same_runs((a.values(), a.validity()), ks, out, |x, y| x == y);
        });
    }
}

impl Floats {
    /// As [`Strings::repeats`]: the same number to the bit, or both null.
    pub fn repeats(&self, rows: std::ops::Range<usize>, same: &mut [bool]) {
        self.repeats_by(rows, same, |a, ks, out| {
            same_runs((a.values(), a.validity()), ks, out, |x, y| {
                x.to_bits() == y.to_bits()
            });
        });
    }
}

impl<T: PolarsNumericType> InPlace<T> {
    /// A column of these numbers (None for a null cell).
    pub fn from_options(cells: Vec<Option<T::Native>>) -> Self {
        InPlace::new(&cells.into_iter().collect())
    }

    /// The cells, in order.
    pub fn to_vec(&self) -> Vec<Option<T::Native>> {
        self.cells.iter().collect()
    }
}

/// The number of rows of a Parquet file.
pub fn parquet_rows<R: polars_io::mmap::MmapBytesReader>(reader: R) -> Result<usize, FrameError> {
    use polars_io::SerReader;
    polars_io::parquet::read::ParquetReader::new(reader).num_rows()
}

/// Bounds of a column in one row group, from the file's statistics.
#[derive(Debug, Clone, PartialEq)]
pub enum Bounds {
    /// Integer and floating-point columns.
    Number(f64, f64),
    /// Text columns (the bytes compared as the writer compared them).
    Text(String, String),
}

/// One row group of a Parquet file, as its footer describes it: its rows and the bounds of
/// each (top-level) column that has statistics, by the column's name.
#[derive(Debug, Clone, PartialEq)]
pub struct RowGroup {
    pub rows: usize,
    pub bounds: Vec<(String, Bounds)>,
}

/// The row groups of a Parquet file, in order, from its footer alone (no row is decoded).
pub fn parquet_row_groups<R: polars_io::mmap::MmapBytesReader>(
    reader: R,
) -> Result<Vec<RowGroup>, FrameError> {
    use polars_io::SerReader;
    use polars_parquet::parquet::schema::types::{
        PrimitiveConvertedType as Converted, PrimitiveLogicalType as Logical,
    };
    use polars_parquet::parquet::statistics::Statistics;
    let mut reader = polars_io::parquet::read::ParquetReader::new(reader);
    let metadata = reader.get_metadata()?;
    let footer = metadata.footer_buf.as_ref();
    Ok(metadata
        .row_groups
        .iter()
        .map(|g| {
            let bounds = g
                .parquet_columns()
                .iter()
                .filter(|c| c.descriptor().path_in_schema.len() == 1)
                .filter_map(|c| {
                    let name = c.descriptor().path_in_schema[0].to_string();
                    // Integers stand for themselves only without a logical type that scales or
                    // shifts them (a decimal, a date).
                    let ty = &c.descriptor().descriptor.primitive_type;
                    let plain = matches!(ty.logical_type, None | Some(Logical::Integer(_)))
                        && !matches!(ty.converted_type, Some(Converted::Decimal(..)));
                    let number = |lo: Option<f64>, hi: Option<f64>| Some(Bounds::Number(lo?, hi?));
                    let b = match c.statistics(footer)?.ok()? {
                        Statistics::Int32(_) | Statistics::Int64(_) if !plain => None,
                        Statistics::Int32(s) => {
                            number(s.min_value.map(f64::from), s.max_value.map(f64::from))
                        }
                        Statistics::Int64(s) => {
                            number(s.min_value.map(|x| x as f64), s.max_value.map(|x| x as f64))
                        }
                        Statistics::Float(s) => {
                            number(s.min_value.map(f64::from), s.max_value.map(f64::from))
                        }
                        Statistics::Double(s) => number(s.min_value, s.max_value),
                        Statistics::Binary(s) => Some(Bounds::Text(
                            String::from_utf8(s.min_value?).ok()?,
                            String::from_utf8(s.max_value?).ok()?,
                        )),
                        _ => None,
                    }?;
                    Some((name, b))
                })
                .collect();
            RowGroup {
                rows: g.num_rows(),
                bounds,
            }
        })
        .collect())
}

/// Rows `offset..offset + len` of a Parquet file: each column's name and cells; of the columns
/// `projection` numbers (from 0, in the file's order) only, when given.
pub fn read_parquet<R: polars_io::mmap::MmapBytesReader>(
    reader: R,
    offset: usize,
    len: usize,
    projection: Option<&[usize]>,
) -> Result<Vec<(String, Cells)>, FrameError> {
    use polars_io::SerReader;
    let df = polars_io::parquet::read::ParquetReader::new(reader)
        .with_slice(Some((offset, len)))
        .with_projection(projection.map(<[usize]>::to_vec))
        .finish()?;
    use rayon::prelude::*;
    // Column by column on every core.
    df.columns()
        .par_iter()
        .map(|c| Ok((c.name().to_string(), cells_of(c)?)))
        .collect()
}

/// Every column of a Parquet file, by name, with the cells of its type and no rows when the
/// type is a plain one (text, integers, booleans, 32- and 64-bit floats, dates, timestamps
/// without a time zone), classed from the file's schema alone; None for any other type (a
/// decimal, a list, an extension type such as pandas' `Period`, a time zone ...), which only
/// reading the column tells as parkbench reads it (polars' own conversion of such a type can
/// panic where reading it gives an error).
pub fn parquet_columns<R: polars_io::mmap::MmapBytesReader>(
    reader: R,
) -> Result<Vec<(String, Option<Cells>)>, FrameError> {
    use ArrowDataType as A;
    let schema = polars_io::parquet::read::ParquetReader::new(reader).schema()?;
    schema
        .iter_values()
        .map(|field| {
            let text = |d: &A| matches!(d, A::Utf8 | A::LargeUtf8 | A::Utf8View);
            let dtype = match &field.dtype {
                d if text(d) => Some(DataType::String),
                A::Dictionary(_, values, _) if text(values) => Some(DataType::String),
                A::Boolean
                | A::Int8
                | A::Int16
                | A::Int32
                | A::Int64
                | A::UInt8
                | A::UInt16
                | A::UInt32
                | A::UInt64 => Some(DataType::Int64),
                A::Float32 | A::Float64 => Some(DataType::Float64),
                A::Date32 | A::Date64 | A::Timestamp(_, None) => Some(DataType::Date),
                _ => None,
            };
            let cells = match dtype {
                Some(d) => Some(cells_of(&Column::new_empty(field.name.clone(), &d))?),
                None => None,
            };
            Ok((field.name.to_string(), cells))
        })
        .collect()
}

/// An empty text column's cells, for tests.
#[cfg(test)]
pub(crate) fn empty_cells_of_text() -> Cells {
    cells_of(&Column::new_empty("".into(), &DataType::String)).expect("a text column")
}

/// A column as parkbench reads its cells.
fn cells_of(c: &Column) -> Result<Cells, FrameError> {
    Ok(match c.dtype() {
        DataType::String => Cells::Text(InPlace::new(c.str()?)),
        // pandas `category`, polars `Categorical` and `Enum`: dictionary columns.
        DataType::Categorical(..) | DataType::Enum(..) => {
            Cells::Text(InPlace::new(c.cast(&DataType::String)?.str()?))
        }
        // 22762.3 stored as a 32-bit float is 22762.30078125 as a 64-bit one: the
        // shortest text of the 32-bit value is what was written.
        DataType::Float32 => Cells::Float(InPlace::new(
            &c.f32()?
                .iter()
                .map(|v| v.map(|x| format!("{x}").parse().unwrap_or(f64::from(x))))
                .collect(),
        )),
        DataType::Float64 | DataType::Decimal(..) => {
            Cells::Float(InPlace::new(c.cast(&DataType::Float64)?.f64()?))
        }
        DataType::Date => Cells::Days(
            c.cast(&DataType::Int32)?
                .i32()?
                .iter()
                .map(|v| v.map(|d| (i64::from(d), 0)))
                .collect(),
        ),
        DataType::Datetime(unit, _) => {
            let per_sec: i64 = match unit {
                TimeUnit::Milliseconds => 1_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Nanoseconds => 1_000_000_000,
            };
            Cells::Days(
                c.cast(&DataType::Int64)?
                    .i64()?
                    .iter()
                    .map(|v| {
                        v.map(|t| {
                            let secs = t.div_euclid(per_sec);
                            (secs.div_euclid(86_400), secs.rem_euclid(86_400) as u32)
                        })
                    })
                    .collect(),
            )
        }
        d if d.is_integer() || *d == DataType::Boolean => {
            Cells::Int(InPlace::new(c.cast(&DataType::Int64)?.i64()?))
        }
        d => Cells::Unsupported(d.to_string()),
    })
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

/// Arithmetic over columns and numbers: what the indicator formulas are. Evaluated row by row
/// without polars (building a query for a handful of rows costs far more than the arithmetic);
/// anything else goes to polars.
enum Node {
    Col(usize),
    Lit(f64),
    Bin(Box<Node>, Operator, Box<Node>),
}

fn lower(e: &Expr, names: &[&str]) -> Option<Node> {
    Some(match e {
        Expr::Alias(inner, _) => lower(inner, names)?,
        // The result is cast to Float64; every column is Float64 already.
        Expr::Cast { expr, .. } => lower(expr, names)?,
        Expr::Column(name) => Node::Col(names.iter().position(|n| *n == name.as_str())?),
        Expr::Literal(LiteralValue::Dyn(DynLiteralValue::Int(i))) => Node::Lit(*i as f64),
        Expr::Literal(LiteralValue::Dyn(DynLiteralValue::Float(f))) => Node::Lit(*f),
        Expr::BinaryExpr { left, op, right }
            if matches!(
                op,
                Operator::Plus | Operator::Minus | Operator::Multiply | Operator::TrueDivide
            ) =>
        {
            let (left, right) = (lower(left, names)?, lower(right, names)?);
            match (op, right.constant()) {
                // Numbers with numbers are folded to one number, as polars folds them (with a
                // true division).
                (_, Some(c)) if left.constant().is_some() => {
                    Node::Lit(apply(left.constant()?, *op, c))
                }
                // polars divides a column by a number as it multiplies by the number's
                // reciprocal (its float kernel), which differs from dividing in the last bit:
                // the same here, so that a park's value does not depend on how many park-years
                // are evaluated with it.
                (Operator::TrueDivide, Some(c)) => Node::Bin(
                    Box::new(left),
                    Operator::Multiply,
                    Box::new(Node::Lit(1.0 / c)),
                ),
                _ => Node::Bin(Box::new(left), *op, Box::new(right)),
            }
        }
        _ => return None,
    })
}

impl Node {
    /// The value of a node that reads no column (polars folds such a part to one number).
    fn constant(&self) -> Option<f64> {
        match self {
            Node::Col(_) => None,
            Node::Lit(x) => Some(*x),
            Node::Bin(a, op, b) => Some(apply(a.constant()?, *op, b.constant()?)),
        }
    }

    /// The value in `row`; None where an input is missing (as polars' nulls propagate).
    fn eval(&self, cols: &[(String, Vec<Option<f64>>)], row: usize) -> Option<f64> {
        match self {
            Node::Col(c) => cols[*c].1[row],
            Node::Lit(x) => Some(*x),
            Node::Bin(a, op, b) => {
                let (a, b) = (a.eval(cols, row)?, b.eval(cols, row)?);
                Some(apply(a, *op, b))
            }
        }
    }
}

/// One of the four operations [`lower`] keeps.
fn apply(a: f64, op: Operator, b: f64) -> f64 {
    match op {
        Operator::Plus => a + b,
        Operator::Minus => a - b,
        Operator::Multiply => a * b,
        _ => a / b,
    }
}

/// [`evaluate`] with expressions parsed before.
pub fn evaluate_parsed(
    columns: &[(String, Vec<Option<f64>>)],
    parsed: &Parsed,
) -> Result<Vec<Vec<Option<f64>>>, FrameError> {
    let rows = columns.first().map_or(0, |c| c.1.len());
    if rows <= SMALL_ROWS {
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        let nodes: Option<Vec<Node>> = parsed.0.iter().map(|e| lower(e, &names)).collect();
        if let Some(nodes) = nodes {
            return Ok(nodes
                .iter()
                .map(|n| (0..rows).map(|r| n.eval(columns, r)).collect())
                .collect());
        }
    }
    evaluate_with_polars(columns, parsed)
}

/// Tables up to this many rows are evaluated row by row when their expressions are plain
/// arithmetic (pathways evaluate thousands of tables of a few rows).
const SMALL_ROWS: usize = 1024;

/// [`evaluate_parsed`] by polars, whatever the expressions.
///
/// A table of one row gets a second, empty one while it is evaluated: polars takes a column of
/// one value for a number, and divides a column by a number as it multiplies by the number's
/// reciprocal, so one row would be divided otherwise than the rows of a longer table.
pub fn evaluate_with_polars(
    columns: &[(String, Vec<Option<f64>>)],
    parsed: &Parsed,
) -> Result<Vec<Vec<Option<f64>>>, FrameError> {
    let rows = columns.first().map_or(0, |c| c.1.len());
    let padded = |v: &[Option<f64>]| -> Vec<Option<f64>> {
        let mut v = v.to_vec();
        if rows == 1 {
            v.push(None);
        }
        v
    };
    let cols: Vec<Column> = columns
        .iter()
        .map(|(n, v)| Column::new(n.as_str().into(), padded(v)))
        .collect();
    let df = DataFrame::new_infer_height(cols)?;
    let res = df.lazy().select(parsed.0.clone()).collect()?;
    (0..parsed.0.len())
        .map(|i| {
            let values = res.column(&format!("e{i}"))?.f64()?.iter();
            Ok(values.take(rows.max(1)).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every indicator expression of the catalogue, and a few more.
    fn expressions() -> Vec<String> {
        let cat = crate::indicators::IndicatorCatalogue::embedded().unwrap();
        let mut out = crate::indicators::Compiled::new(cat.indicators.iter()).expressions;
        out.extend([
            "a - b * 2.5".to_string(),
            "(a + b) / (a - b)".into(),
            "10000 / a".into(),
            "a / 3 / b".into(),
            "a / (2 * 5) - b / 0.7".into(),
            "(a - b) / 10000 * 3".into(),
            "a + 3 / 5".into(),
            "a * (3 / 5)".into(),
            "a / (10 / 3)".into(),
        ]);
        out
    }

    fn names(exprs: &[String]) -> Vec<String> {
        let mut n: Vec<String> = exprs
            .iter()
            .flat_map(|e| e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
            .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
            .map(str::to_string)
            .collect();
        n.sort();
        n.dedup();
        n
    }

    fn same(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(x), Some(y)) if x.is_nan() && y.is_nan() => true,
            // To the last bit: a park's value must not depend on which of the two made it.
            (Some(x), Some(y)) => x.to_bits() == y.to_bits() || x == y,
            _ => false,
        }
    }

    proptest! {
        /// A column of many chunks, empty ones among them (a piece spanning row groups, a
        /// filter's empty slice), gives each cell where it is, by row and in order, with nulls.
        #[test]
        fn cells_in_place_are_found_across_chunks(
            chunks in prop::collection::vec(
                prop::collection::vec(prop::option::of("[a-z]{0,20}"), 0..6),
                0..12,
            )
        ) {
            // One chunk each, empty ones kept (appending would drop them).
            let cells = Strings::of_chunks(&chunks);
            prop_assert_eq!(cells.chunks(), chunks.len());
            let flat: Vec<Option<String>> = chunks.concat();
            prop_assert_eq!(cells.len(), flat.len());
            for (r, want) in flat.iter().enumerate() {
                prop_assert_eq!(cells.get(r), want.as_deref());
            }
            prop_assert_eq!(cells.get(flat.len()), None);
            let in_order: Vec<Option<&str>> = cells.iter().collect();
            let want: Vec<Option<&str>> = flat.iter().map(|c| c.as_deref()).collect();
            prop_assert_eq!(in_order, want);
        }
    }

    proptest! {
        /// A row is found the same as the row before (the range's first row too, against the
        /// row before the range) exactly when both are in one chunk and their cells are (short
        /// text, held in the view: equal text is an equal view), for any range of rows, chunks
        /// and nulls; a row already marked otherwise stays so.
        #[test]
        fn rows_are_the_same_as_the_row_before_in_one_chunk(
            chunks in prop::collection::vec(
                prop::collection::vec(prop::option::of("[ab]{0,2}"), 0..9),
                0..6,
            ),
            cut in (0usize..40, 0usize..40),
            marked in prop::collection::vec(prop::bool::weighted(0.8), 40),
        ) {
            let cells = Strings::of_chunks(&chunks);
            let flat: Vec<Option<String>> = chunks.concat();
            let mut chunk_of = Vec::new();
            for (c, chunk) in chunks.iter().enumerate() {
                chunk_of.extend(std::iter::repeat_n(c, chunk.len()));
            }
            let (a, b) = (cut.0.min(flat.len()), cut.1.min(flat.len()));
            let rows = a.min(b)..a.max(b);
            let mut same = marked[..rows.len()].to_vec();
            cells.repeats(rows.clone(), &mut same);
            let want: Vec<bool> = rows
                .clone()
                .map(|r| {
                    marked[r - rows.start]
                        && r > 0
                        && chunk_of[r] == chunk_of[r - 1]
                        && flat[r] == flat[r - 1]
                })
                .collect();
            prop_assert_eq!(same, want);
        }
    }

    proptest! {
        /// The row-by-row arithmetic gives what polars gives to the last bit, nulls, zeros and
        /// all.
        #[test]
        fn plain_arithmetic_rows_agree_with_polars(
            seed in proptest::collection::vec(
                prop_oneof![Just(None), Just(Some(0.0)), (-1e6f64..1e6).prop_map(Some)],
                64..65,
            )
        ) {
            let exprs = expressions();
            let parsed = parse(&exprs).unwrap();
            let names = names(&exprs);
            // One row too: polars takes a column of one value for a number.
            for rows in [1, 4] {
                let columns: Vec<(String, Vec<Option<f64>>)> = names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), (0..rows).map(|r| seed[(i * rows + r) % seed.len()]).collect()))
                    .collect();
                let fast = evaluate_parsed(&columns, &parsed).unwrap();
                let slow = evaluate_with_polars(&columns, &parsed).unwrap();
                for (e, (f, s)) in exprs.iter().zip(fast.iter().zip(&slow)) {
                    prop_assert_eq!(f.len(), rows);
                    prop_assert_eq!(s.len(), rows);
                    for (a, b) in f.iter().zip(s) {
                        prop_assert!(same(*a, *b), "{e}, {rows} rows: {a:?} vs polars {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_catalogue_expression_is_plain_arithmetic() {
        let exprs = expressions();
        let parsed = parse(&exprs).unwrap();
        let names = names(&exprs);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        for (e, p) in exprs.iter().zip(&parsed.0) {
            assert!(lower(p, &refs).is_some(), "{e} goes to polars");
        }
    }
}
