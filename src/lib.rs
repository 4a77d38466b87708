//! parkbench: benchmark industrial parks on their way to zero carbon.
//!
//! Data flows one way:
//!
//! 1. [`input`] reads `parks.csv` and activity files (CSV, workbooks, Parquet; from paths or
//!    from bytes the caller holds, [`input::Source`]), checks every cell and reports every
//!    problem as a [`diag::Diagnostic`] with its place ([`diag::Origin`]); [`units`] converts
//!    what operators write. Activity is summed into park-year-metric groups as it is read
//!    ([`input::collect`]), so no record per row is kept.
//! 2. [`inventory`] turns activity into energy (tce) by carrier and CO2 by scope, using the
//!    factor tables of [`factors`]; every factor and assumption is recorded.
//! 3. [`indicators`] evaluates the indicator catalogue on the inventory.
//! 4. [`benchmark`] reads benchmark sets; [`scoring`] scores indicators against them: rule
//!    status, points, gates, coverage, readiness level and gaps.
//!
//! Operators start from [`template`]s; workbooks (`.xlsx`, `.xls`) are read by [`input`] like
//! CSV files, with cell positions such as `book.xlsx!activity!C14`.
//!
//! The reference data ([`reference`]) ships under `indicators/` and is embedded in the binary.
//! The command line ([`cli`]) only parses arguments and calls these stages; the upload portal
//! (`portal`, `parkbench serve`) serves the same stages to operators and programme staff.

// First, so that its `t!` macro is in scope in every module below.
#[macro_use]
pub mod i18n;
pub mod benchmark;
pub mod cli;
pub mod diag;
pub mod factors;
pub mod frame;
pub mod indicators;
pub mod input;
pub mod inventory;
pub mod outfile;
pub mod pipeline;
pub mod plot;
#[cfg(feature = "portal")]
pub mod portal;
pub mod reference;
pub mod report;
pub mod scoring;
pub mod stats;
pub mod template;
pub mod uncertainty;
pub mod units;
