//! parkbench: benchmark industrial parks on their way to zero carbon.
//!
//! A workspace of crates by job, re-exported here under one name:
//!
//! - `parkbench-core` (`crates/parkbench-core`): the stages, from input files to plans and
//!   technology matches ([`input`] -> [`inventory`] -> [`indicators`] -> [`scoring`] ->
//!   [`stats`], [`uncertainty`] -> [`pathway`], [`matchmaking`]; [`pipeline`] is the run API).
//!   No argument parser, renderer, web server or database.
//! - `parkbench-report` (`crates/parkbench-report`): charts ([`plot`]), pages, tables,
//!   workbooks and PDFs ([`report`]), templates ([`template`]), atomic output files
//!   ([`outfile`]).
//! - `parkbench-portal` (`crates/parkbench-portal`, feature `portal`): the upload portal
//!   ([`portal`], `parkbench serve`).
//! - `parkbench-disk` (`crates/parkbench-disk`): the disk offered to the stages ([`disk::Disk`]);
//!   the core opens no file itself ([`world::Files`]).
//! - this crate: the command line (`src/cli/`, one file per subcommand), which parses
//!   arguments, calls the run API and writes what it returns.

pub use parkbench_core::{
    benchmark, csv_out, diag, factors, frame, i18n, identification, indicators, input, inventory,
    kernel, matchmaking, pathway, pipeline, reference, scoring, stats, t, uncertainty, units,
    world,
};
pub use parkbench_disk as disk;
#[cfg(feature = "portal")]
pub use parkbench_portal as portal;
pub use parkbench_report::{outfile, plot, report, template};
