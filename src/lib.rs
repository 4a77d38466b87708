//! parkbench: benchmark industrial parks on their way to zero carbon.
//!
//! Data flows one way; each stage imports only the stages before it:
//!
//! 1. [`input`] reads `parks.csv` and activity files (CSV, workbooks, Parquet; from paths or
//!    from bytes the caller holds, [`input::Source`]), checks every cell and reports every
//!    problem as a [`diag::Diagnostic`] with its place ([`diag::Origin`]); [`units`] converts
//!    what operators write. Activity is summed into park-year-metric groups as it is read
//!    ([`input::collect`]), so no record per row is kept.
//! 2. [`inventory`] turns activity into energy (tce) by carrier and CO2 by scope with the
//!    factor tables of [`factors`]; every factor and assumption is recorded, and a blank total
//!    says which cell made it unknown.
//! 3. [`indicators`] evaluates the indicator catalogue on the inventory.
//! 4. [`benchmark`] reads benchmark sets; [`scoring`] judges each rule (status, points, gates,
//!    coverage, readiness level, gaps) and fills a [`scoring::SetRun`].
//! 5. [`stats`] places parks among their peers (percentiles, competition ranks,
//!    [`stats::ranking`]) and year on year; [`uncertainty`] draws factors and estimated data
//!    to say how sure each verdict is.
//! 6. [`pathway`] sizes the measures of a catalogue to each park, re-accounts and re-scores it
//!    with them (merit order, the plan that meets the gate, scenario projections);
//!    [`matchmaking`] turns plans into needs and matches them to technology catalogues.
//! 7. [`pipeline`] is the run API: [`pipeline::Reference`] holds the reference data, loaded
//!    once, and [`pipeline::run`] takes a dataset through stages 2-5, and the pathways when
//!    asked, for a [`pipeline::Request`]. The command line and the portal call it.
//! 8. [`plot`] draws the charts; [`report`] renders pages, tables and charts and hands each
//!    file to a [`report::Sink`] (a folder, written atomically by [`outfile`], or memory).
//!
//! Words are data: stages return facts (ids, numbers, [`i18n::Text`] message keys with their
//! arguments) and [`i18n`] words them from `locales/en.toml` and `locales/zh.toml`.
//! Operators start from [`template`]s. The reference data ([`mod@reference`]) ships under
//! `indicators/` and is embedded in the binary. The command line (`src/cli/`, in the binary)
//! only parses arguments, calls [`pipeline`] and writes what it returns; the upload portal
//! (`portal`, `parkbench serve`) serves the same run to operators and programme staff.

// First, so that its `t!` macro is in scope in every module below.
#[macro_use]
pub mod i18n;
pub mod benchmark;
pub mod diag;
pub mod factors;
pub mod frame;
pub mod indicators;
pub mod input;
pub mod inventory;
pub mod matchmaking;
pub mod outfile;
pub mod pathway;
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
