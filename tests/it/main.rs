//! Integration tests: the real binary on fixtures under `tests/data/`, one module per command.

mod bad;
mod batch;
mod browser;
mod charts;
mod deliverables;
mod encodings;
mod enterprises;
mod hostile;
mod interrupt;
mod inventory;
mod kernel;
mod matchmaking;
mod national;
mod operators;
mod parquet;
mod partitions;
mod pdf;
mod plan;
#[cfg(feature = "portal")]
pub mod portal;
#[cfg(feature = "portal")]
mod portal_browser;
#[cfg(feature = "portal")]
mod portal_hardening;
#[cfg(feature = "portal")]
mod portal_rounds;
mod programme;
mod props;
pub mod report;
mod score;
mod shape;
pub mod synth;
mod uncertainty;
mod validate;
mod words;
mod workbook;
mod writers;

use assert_cmd::Command;
use std::path::PathBuf;

/// The parkbench binary, run from the repository root.
pub fn parkbench() -> Command {
    let mut c = Command::cargo_bin("parkbench").expect("binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Path of a fixture.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// Runs parkbench and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = parkbench().args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parses CSV text into header-keyed rows.
pub fn csv_rows(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    // A report's CSV files start with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .zip(rec.iter())
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        })
        .collect()
}
