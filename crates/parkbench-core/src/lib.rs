//! parkbench-core: the stages of parkbench, from input files to plans and technology matches.
//! No argument parser, renderer, web server or database: the report crate, the portal and the
//! command line sit on top of it.
//!
//! Data flows one way; each stage imports only the stages before it (a test derives the module
//! graph from the source and fails on a cycle):
//!
//! 1. [`input`] reads `parks.csv` and activity files (CSV, workbooks, Parquet; from paths or
//!    from bytes the caller holds, [`input::Source`]), checks every cell and reports every
//!    problem as a [`diag::Diagnostic`] with its place ([`diag::Origin`]); [`units`] converts
//!    what operators write. Activity is summed into park-year-metric groups as it is read
//!    ([`input::collect`]), so no record per row is kept.
//!    [`restate`] restates earlier years on a later year's boundary when the enterprises
//!    inside a park change, so that changes over time compare like with like.
//! 2. [`inventory`] turns activity into energy (tce) by carrier and CO2 by scope with the
//!    factor tables of [`factors`]; every factor and assumption is recorded, and a blank total
//!    says which cell made it unknown.
//! 3. [`indicators`] evaluates the indicator catalogue on the inventory ([`frame`] is the one
//!    place that calls polars' lazy API).
//! 4. [`benchmark`] reads benchmark sets; [`scoring`] judges each rule (status, points, gates,
//!    coverage, readiness level, gaps) and fills a [`scoring::SetRun`].
//! 5. [`stats`] places parks among their peers (percentiles, competition ranks,
//!    [`stats::ranking`]) and year on year; [`uncertainty`] draws factors and estimated data
//!    to say how sure each verdict is.
//! 6. [`pathway`] sizes the measures of a catalogue to each park, re-accounts and re-scores it
//!    with them (merit order, the plan that meets the gate, scenario projections);
//!    [`matchmaking`] turns plans into needs and matches them to technology catalogues. Both
//!    read the tables they are given ([`pathway::Tables`]).
//! 7. [`pipeline`] is the run API: [`pipeline::Reference`] holds the reference data, loaded
//!    once, and [`pipeline::run`] takes a dataset through stages 2-5, and the pathways when
//!    asked, for a [`pipeline::Request`], and identifies each set's report
//!    ([`identification`]: client, preparer, issue date, data period, set version, report
//!    id). The command line and the portal call it.
//! 8. [`kernel`] is the same run for one group of parks as a function of Arrow columns in and
//!    out, with no state: what a programme that outgrows one machine runs per park group.
//!
//! Words are data: stages return facts (ids, numbers, [`i18n::Text`] message keys with their
//! arguments) and [`i18n`] words them from `locales/en.toml` and `locales/zh.toml`. The
//! reference data ([`mod@reference`]) ships under `indicators/` and is embedded in the crate;
//! [`csv_out`] writes tables as CSV text.

// First, so that its `t!` macro is in scope in every module below.
#[macro_use]
pub mod i18n;
pub mod benchmark;
pub mod csv_out;
pub mod diag;
pub mod factors;
pub mod frame;
pub mod identification;
pub mod indicators;
pub mod input;
pub mod inventory;
pub mod kernel;
pub mod matchmaking;
pub mod pathway;
pub mod pipeline;
pub mod products;
pub mod reference;
pub mod restate;
pub mod scoring;
pub mod stats;
pub mod uncertainty;
pub mod units;
pub mod world;
