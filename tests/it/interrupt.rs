//! Nothing lost: a report run killed half way leaves every output file either as the previous
//! run wrote it or as the new run writes it, never half written, and the inputs untouched.

use crate::parkbench;
use crate::synth::generator::{self, Config};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Every file under `dir` (relative path -> bytes), parkbench's hidden temporaries apart.
fn snapshot(dir: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut temporaries = Vec::new();
    for (rel, bytes) in crate::report::files(dir) {
        let rel = rel.display().to_string();
        if rel.contains(".parkbench-tmp-") {
            temporaries.push(rel);
        } else {
            files.insert(rel, bytes);
        }
    }
    (files, temporaries)
}

/// Runs a report to the end and asserts it succeeded.
fn report_ok(args: Vec<&str>) {
    let ok = parkbench().args(args).output().unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

fn report_args<'a>(data: &'a str, out: &'a str, lang: &'a str) -> Vec<&'a str> {
    vec![
        "report",
        data,
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--draws",
        "0",
        "--format",
        "html,csv,md",
        "--lang",
        lang,
        "--out",
        out,
    ]
}

#[test]
fn a_killed_report_leaves_old_or_new_files_never_half_files() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let cfg = Config {
        parks: 60,
        years: 2,
        seed: 5,
        ..Config::default()
    };
    generator::generate(&cfg, &data).unwrap();
    let data_s = data.to_str().unwrap();
    let (inputs_before, _) = snapshot(&data);

    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    report_ok(report_args(data_s, out_s, "en"));
    let (old, _) = snapshot(&out);

    // The new run, complete, elsewhere: what every file becomes.
    let reference = tmp.path().join("reference");
    let started = Instant::now();
    report_ok(report_args(data_s, reference.to_str().unwrap(), "zh"));
    let full = started.elapsed();
    let (new, _) = snapshot(&reference);
    assert_ne!(
        old, new,
        "the two runs must differ for the test to mean something"
    );

    // Kill the same new run at several points of its course.
    for fraction in [0.3, 0.6, 0.9] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("parkbench"))
            .args(report_args(data_s, out_s, "zh"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_secs_f64(full.as_secs_f64() * fraction));
        let _ = child.kill();
        let _ = child.wait();
        let (now, temporaries) = snapshot(&out);
        for t in &temporaries {
            let name = Path::new(t)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(name.starts_with('.'), "temporary files are hidden: {t}");
        }
        for (file, bytes) in &now {
            if file == ".parkbench-output" {
                continue;
            }
            let is_old = old.get(file) == Some(bytes);
            let is_new = new.get(file) == Some(bytes);
            assert!(
                is_old || is_new,
                "killed at {fraction} of the run: {file} is neither the old nor the new file ({} bytes)",
                bytes.len()
            );
        }
        for file in old.keys() {
            assert!(
                now.contains_key(file),
                "killed at {fraction}: {file} was lost"
            );
        }
    }

    // A run after the kills cleans the temporaries and finishes the job.
    report_ok(report_args(data_s, out_s, "zh"));
    let (after, temporaries) = snapshot(&out);
    assert!(temporaries.is_empty(), "{temporaries:?}");
    for (file, bytes) in &new {
        if file != ".parkbench-output" {
            assert_eq!(after.get(file), Some(bytes), "{file}");
        }
    }

    // The inputs were read, never written.
    let (inputs_after, _) = snapshot(&data);
    assert_eq!(inputs_before, inputs_after);
}
