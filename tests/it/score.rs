//! `parkbench score`: methods, gates, missing vs zero, waivers, bands, milestones.

use crate::run;

#[test]
fn placeholder_until_sets_ship() {
    let (code, _, err) = run(&["score", "sample-data"]);
    assert_eq!(code, 2);
    assert!(err.contains("choose a benchmark set"), "{err}");
}
