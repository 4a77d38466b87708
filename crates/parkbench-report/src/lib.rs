//! parkbench-report: what people read, from the run's facts: charts ([`plot`], plotters with
//! an embedded font), pages, tables, workbooks and PDFs ([`report`]; minijinja, rust_xlsxwriter,
//! typst as a library), data templates for operators ([`template`]) and output files written
//! atomically ([`outfile`]).

#[macro_use]
extern crate parkbench_core;

pub mod outfile;
pub mod plot;
pub mod report;
pub mod template;
