//! From rule results to a score: weighted parts with their coverage, the gates at a glance,
//! and the readiness level with its reason.

use super::*;

pub(super) fn part<'a>(rules: impl Iterator<Item = &'a RuleResult>) -> Part {
    part_of(rules.map(|r| (r.status, r.role, r.weight, r.points)))
}

/// The weighted mean of assessed rules' points and the share of applicable weight assessed,
/// from (status, role, weight, points) of each rule.
pub fn part_of(rules: impl Iterator<Item = (Status, Role, f64, Option<f64>)>) -> Part {
    let mut assessed_w = 0.0;
    let mut applicable_w = 0.0;
    let mut sum = 0.0;
    for (status, role, weight, points) in rules {
        match status {
            Status::Meets | Status::Fails | Status::ToVerify => {
                assessed_w += weight;
                applicable_w += weight;
                sum += weight * points.unwrap_or(0.0);
            }
            Status::Missing | Status::TierUnconfirmed if role != Role::Optional => {
                applicable_w += weight
            }
            _ => {}
        }
    }
    Part {
        score: (assessed_w > 0.0).then(|| sum / assessed_w),
        coverage: if applicable_w > 0.0 {
            assessed_w / applicable_w
        } else {
            0.0
        },
    }
}

/// The gates at a glance, from the gate rules' statuses.
pub fn gate_state(gates: impl Iterator<Item = Status>) -> GateState {
    let mut any = false;
    let (mut missing, mut failed, mut unconfirmed, mut unverified) = (false, false, false, false);
    for s in gates {
        any = true;
        missing |= s == Status::Missing;
        failed |= s == Status::Fails;
        unconfirmed |= s == Status::TierUnconfirmed;
        unverified |= s == Status::ToVerify;
    }
    if !any {
        GateState::None
    } else if missing {
        GateState::Missing
    } else if failed {
        GateState::Failed
    } else if unconfirmed {
        GateState::TierUnconfirmed
    } else if unverified {
        GateState::ToVerify
    } else {
        GateState::Passed
    }
}

/// The readiness level reached (index into `set.levels`), or None when undetermined.
pub fn level_index(set: &BenchmarkSet, overall: Part, gate: GateState) -> Option<usize> {
    if matches!(gate, GateState::Missing | GateState::TierUnconfirmed) {
        return None;
    }
    let score = overall.score?;
    set.levels.iter().position(|l| {
        score + 1e-9 >= l.min_score
            && overall.coverage + 1e-9 >= l.min_coverage
            && !(l.requires_gates && matches!(gate, GateState::Failed | GateState::ToVerify))
    })
}

pub(super) fn level(
    set: &BenchmarkSet,
    overall: Part,
    gate: GateState,
    gates: &[&RuleResult],
) -> (String, Text, Text) {
    let gate_names = Text::both(
        gates
            .iter()
            .map(|g| &*g.name_en)
            .collect::<Vec<_>>()
            .join(", "),
        gates
            .iter()
            .map(|g| &*g.name_zh)
            .collect::<Vec<_>>()
            .join("、"),
    );
    let undetermined = |reason: Text| {
        (
            "undetermined".to_string(),
            t!("scoring.level.undetermined"),
            reason,
        )
    };
    if gate == GateState::Missing {
        return undetermined(t!("scoring.reason.gate_missing", gates = gate_names));
    }
    if gate == GateState::TierUnconfirmed {
        return undetermined(t!("scoring.reason.gate_unconfirmed", gates = gate_names));
    }
    let Some(score) = overall.score else {
        return undetermined(t!("scoring.reason.nothing_assessed"));
    };
    let score_text = format!("{score:.0}");
    let cov = format!("{:.0} %", overall.coverage * 100.0);
    let label = |l: &crate::benchmark::Level| Text::both(&l.label.en, &l.label.zh);
    let top = &set.levels[0];
    if let Some(i) = level_index(set, overall, gate) {
        let l = &set.levels[i];
        let reason = if gate == GateState::ToVerify && top.requires_gates {
            t!(
                "scoring.reason.gate_unverified",
                score = score_text,
                coverage = cov,
                gates = gate_names,
                top = label(top)
            )
        } else if gate == GateState::Failed && top.requires_gates {
            t!(
                "scoring.reason.gate_failed",
                score = score_text,
                coverage = cov,
                gates = gate_names,
                top = label(top)
            )
        } else {
            t!(
                "scoring.reason.band",
                score = score_text,
                coverage = cov,
                level = label(l),
                min = l.min_score
            )
        };
        return (l.id.clone(), label(l), reason);
    }
    undetermined(t!(
        "scoring.reason.too_little",
        coverage = format!("{:.0}", overall.coverage * 100.0)
    ))
}
