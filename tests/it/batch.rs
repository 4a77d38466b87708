//! Batches: one folder per park, a broken folder leaves out only its parks.

use crate::run;

fn park_folder(root: &std::path::Path, id: &str, activity: &str) -> std::path::PathBuf {
    let d = root.join(id);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("parks.csv"),
        format!("park_id,name,country,province\n{id},Park {id},CN,jiangsu\n"),
    )
    .unwrap();
    std::fs::write(d.join("activity.csv"), activity).unwrap();
    d
}

#[test]
fn a_broken_folder_leaves_out_only_its_parks_and_says_why() {
    let root = tempfile::tempdir().unwrap();
    let good = park_folder(
        root.path(),
        "good",
        "park_id,year,metric,value,unit\ngood,2024,electricity_grid,1000,MWh\n",
    );
    // No unit column: the whole file is unreadable as activity.
    let bad = park_folder(
        root.path(),
        "bad",
        "park_id,year,metric,value\nbad,2024,electricity_grid,1000\n",
    );
    let out = root.path().join("out/scores.csv");
    let (code, _, err) = run(&[
        "score",
        "--data",
        good.to_str().unwrap(),
        "--data",
        bad.to_str().unwrap(),
        "--benchmark",
        "cn-zero-carbon-park-2025",
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "some park failed: exit 1 ({err})");
    assert!(err.contains("1 park left out"), "{err}");
    let scores = crate::csv_rows(&std::fs::read_to_string(&out).unwrap());
    assert!(
        scores
            .iter()
            .any(|r| r["park_id"] == "good" && r["rule"] == "overall")
    );
    assert!(!scores.iter().any(|r| r["park_id"] == "bad"));
    let failures =
        crate::csv_rows(&std::fs::read_to_string(root.path().join("out/failures.csv")).unwrap());
    let bad_rows: Vec<_> = failures.iter().filter(|r| r["park_id"] == "bad").collect();
    assert_eq!(bad_rows.len(), 1, "{failures:?}");
    assert!(
        bad_rows[0]["message"].contains("left out because a file it comes with has errors"),
        "{:?}",
        bad_rows[0]
    );
    assert!(
        bad_rows[0]["message"].contains("missing required column \"unit\""),
        "{:?}",
        bad_rows[0]
    );
}
