//! Files as real tools write them (`tests/data/writers/`, made by `make.py` and
//! `make-libreoffice.sh` with openpyxl, xlsxwriter, pandas, polars, pyarrow and LibreOffice in
//! German, Chinese and US locales): each is read as its plain-CSV twin says its writer meant, or
//! gives an error at the cell that makes its meaning unknown. Never a different total without a
//! word.
//!
//! The comparison is of every metric of every park-year as the validator reads it (shares
//! included, which no inventory total shows), not only of the inventory.

use parkbench::diag::Severity;
use parkbench::factors::Factors;
use parkbench::input::{self, Annual};
use parkbench::reference::Vocabulary;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DIR: &str = "tests/data/writers";

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    data: Vec<String>,
    twin: String,
    expect: String,
    at: Vec<String>,
    warn_at: Vec<String>,
    left_out: Vec<String>,
}

/// Every metric of every park-year, values rounded to 9 significant digits (the twins are
/// written in decimal; a workbook's number may carry the last binary digit differently).
fn values(a: &Annual, skip: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for ((park, year), metrics) in a {
        if skip.contains(park) {
            continue;
        }
        for (m, v) in metrics.iter() {
            let value = v
                .value
                .map_or("unknown".to_string(), |x| format!("{x:.9e}"));
            out.push(format!("{park} {year} {m} = {value} (months {})", v.months));
        }
    }
    out
}

#[test]
fn every_file_a_real_tool_wrote_reads_as_its_twin_or_errs_at_the_cell() {
    let vocab = Vocabulary::embedded().unwrap();
    let factors = Factors::load(None).unwrap();
    let text = std::fs::read_to_string(format!("{DIR}/cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    assert!(cases.case.len() >= 53, "{} cases", cases.case.len());
    let load = |paths: &[String]| {
        let paths: Vec<PathBuf> = paths.iter().map(|p| Path::new(DIR).join(p)).collect();
        input::load(&parkbench::disk::Disk, &paths, &vocab, &factors).unwrap()
    };
    let mut failures = Vec::new();
    let mut kinds = BTreeSet::new();
    for c in &cases.case {
        kinds.insert(c.expect.clone());
        let twin = load(std::slice::from_ref(&c.twin));
        assert!(!twin.report.has_errors(), "twin {} has errors", c.twin);
        let data = load(&c.data);
        let said: Vec<(Severity, String)> = data
            .report
            .diagnostics
            .iter()
            .map(|d| (d.severity, d.location()))
            .chain(
                data.notices
                    .iter()
                    .map(|n| (Severity::Warning, n.render(parkbench::i18n::Lang::EN))),
            )
            .collect();
        let at_prefix = |p: &str| format!("{DIR}/{p}");
        let mut why = Vec::new();
        for w in &c.warn_at {
            if !said.iter().any(|(_, l)| l.starts_with(&at_prefix(w))) {
                why.push(format!("no warning or notice at {w}"));
            }
        }
        let skip: &[String] = if c.expect == "same" {
            if data.report.has_errors() {
                let first = data.report.errors().next().map(|d| d.to_string());
                why.push(format!("errors: {first:?}"));
            }
            &[]
        } else {
            // "error": an error at each cell; "warning": at least a warning (a stale cached 0
            // cannot be told from a real 0 without computing the formula).
            let enough = |s: &Severity| c.expect == "warning" || *s == Severity::Error;
            for a in &c.at {
                let a = at_prefix(a);
                if !said.iter().any(|(s, l)| enough(s) && l.starts_with(&a)) {
                    why.push(format!("no {} at {a}", c.expect));
                }
            }
            &c.left_out
        };
        let (got, want) = (
            values(&data.annual(&vocab).unwrap(), skip),
            values(&twin.annual(&vocab).unwrap(), skip),
        );
        if got != want {
            let differ: Vec<String> = got
                .iter()
                .filter(|l| !want.contains(l))
                .chain(want.iter().filter(|l| !got.contains(l)))
                .take(4)
                .cloned()
                .collect();
            why.push(format!("values differ from the twin's: {differ:?}"));
        }
        if !why.is_empty() {
            failures.push(format!("{}: {}", c.name, why.join("; ")));
        }
    }
    assert!(kinds.contains("same") && kinds.contains("error") && kinds.contains("warning"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A closed pipe is how `head` says it has read enough: the command ends quietly with exit 0.
#[test]
fn validate_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // More problems than a pipe holds (64 kB), of several kinds.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("parks.csv"),
        "park_id,name,province,sector\np1,P,jiangsu,chemicals\n",
    )
    .unwrap();
    let mut act = String::from("park_id,year,period,metric,value,unit\n");
    for i in 0..2_000 {
        act += &format!("p1,2023,2023-13,electricity_grid,x{i},MWh\np1,2023,,metric_{i},1,MWh\n");
        act += &format!("p1,2023,,natural_gas,1,furlongs{i}\n");
    }
    std::fs::write(dir.path().join("activity.csv"), act).unwrap();
    for args in [vec!["validate"], vec!["inventory", "--format", "csv"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_parkbench"))
            .args(&args)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read one byte, then close the pipe as `head -c1` would.
        let mut out = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        out.read_exact(&mut one).unwrap();
        drop(out);
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        if args[0] == "validate" {
            assert_eq!(status.code(), Some(0), "{args:?}: {err}");
        } else {
            // The inventory is short: written whole before the pipe closed, with the data's
            // exit code; never a crash.
            assert!(matches!(status.code(), Some(0 | 1)), "{args:?}: {err}");
        }
    }
}
