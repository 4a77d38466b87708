//! Property tests: scoring invariants.

use parkbench::benchmark::Rule;
use parkbench::indicators::Direction;
use parkbench::scoring::points;
use proptest::prelude::*;

fn rule(method: &str, reference: f64) -> Rule {
    let text = format!(
        r#"
id = "r"
indicator = "co2_per_tce"
role = "core"
method = "{method}"
reference = {{ value = {reference}, source = "t", status = "secondary" }}
leading = {{ value = 0.8, source = "t", status = "secondary" }}
[[thresholds]]
value = 0.5
source = "t"
status = "secondary"
[[tiers]]
value = 1.0
points = 40
source = "t"
status = "secondary"
[[tiers]]
value = 0.3
points = 90
source = "t"
status = "secondary"
"#
    );
    toml::from_str(&text).expect("rule parses")
}

proptest! {
    /// Improving an indicator (lower for `lower`, higher for `higher`) never lowers its points.
    #[test]
    fn improving_an_indicator_never_lowers_points(
        a in 0.0f64..5.0,
        b in 0.0f64..5.0,
        method in prop::sample::select(vec!["threshold", "linear", "tiers", "ratio"]),
        higher in any::<bool>(),
    ) {
        let dir = if higher { Direction::Higher } else { Direction::Lower };
        // The reference (0 points) lies on the worse side of the 0.5 target.
        let r = rule(method, if higher { 0.0 } else { 2.1 });
        let (worse, better) = match dir {
            Direction::Lower => (a.max(b), a.min(b)),
            Direction::Higher => (a.min(b), a.max(b)),
        };
        let pw = points(&r, dir, worse, Some(0.5));
        let pb = points(&r, dir, better, Some(0.5));
        if let (Some(pw), Some(pb)) = (pw, pb) {
            prop_assert!(pb >= pw, "{method} {dir:?}: {better} -> {pb} < {worse} -> {pw}");
            prop_assert!((0.0..=100.0).contains(&pb));
        }
    }
}
