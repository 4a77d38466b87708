//! Deliverables a consultant can sign: the report's files as a client receives them (their
//! permissions, CSV files Excel opens, the workbook) and the identification block on them.

use std::path::Path;

/// The report of one sample park in every format a client is handed, into `out`, run by a
/// shell whose umask is `umask` (so the test process's own umask is left alone).
#[cfg(unix)]
fn report_with_umask(out: &Path, umask: &str) {
    let bin = assert_cmd::cargo::cargo_bin("parkbench");
    let status = std::process::Command::new("sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg("umask \"$0\" && exec \"$@\"")
        .arg(umask)
        .arg(bin)
        .args([
            "report",
            "sample-data",
            "--benchmark",
            "cn-zero-carbon-park-2025",
            "--park",
            "js-haiyan-zerocarbon",
            "--format",
            "html,md,json,csv,xlsx",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .status()
        .expect("sh runs");
    assert!(status.success(), "report under umask {umask}");
}

/// The permission bits of a file.
#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Regression: every output file was written 0600 (tempfile's default), whatever the umask, so
/// a report written for colleagues on a shared server was readable by its writer alone.
#[cfg(unix)]
#[test]
fn outputs_are_written_with_the_umasks_permissions_and_keep_a_replaced_files_mode() {
    let root = tempfile::tempdir().unwrap();
    let files = [
        "parks/js-haiyan-zerocarbon.html",
        "parks/js-haiyan-zerocarbon.md",
        "scores.csv",
        "scores.json",
        "scores.xlsx",
        "provenance.csv",
    ];
    for (umask, expected) in [("022", 0o644), ("027", 0o640), ("002", 0o664)] {
        let out = root.path().join(umask);
        report_with_umask(&out, umask);
        for f in files {
            assert_eq!(mode(&out.join(f)), expected, "{f} under umask {umask}");
        }
    }
    // A file the user made private stays private when the report is written again.
    use std::os::unix::fs::PermissionsExt;
    let out = root.path().join("022");
    let scores = out.join("scores.csv");
    std::fs::set_permissions(&scores, std::fs::Permissions::from_mode(0o600)).unwrap();
    report_with_umask(&out, "022");
    assert_eq!(mode(&scores), 0o600, "a replaced file keeps its mode");
    assert_eq!(mode(&out.join("scores.json")), 0o644);
}
