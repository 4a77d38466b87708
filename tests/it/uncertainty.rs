//! The Monte Carlo: reproducible, centred on the scorecard, and sensible at the extremes.

use parkbench::benchmark;
use parkbench::factors::Factors;
use parkbench::indicators::IndicatorCatalogue;
use parkbench::input;
use parkbench::pipeline::{self, Selection};
use parkbench::reference::Vocabulary;
use parkbench::uncertainty::{self, McOptions, UncertaintyConfig};
use std::path::PathBuf;

fn sample() -> (
    input::Dataset,
    Vocabulary,
    IndicatorCatalogue,
    Vec<pipeline::SetRun>,
) {
    let vocab = Vocabulary::embedded().unwrap();
    let factors = Factors::load(None).unwrap();
    let cat = IndicatorCatalogue::embedded().unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let data = input::load(&parkbench::disk::Disk, &[dir], &vocab, &factors).unwrap();
    let reference = pipeline::Reference::load(None).unwrap();
    let request = pipeline::Request {
        sets: benchmark::shipped(&cat).unwrap(),
        selection: Selection::default(),
        ..Default::default()
    };
    let runs = pipeline::run(&reference, &data, &request).unwrap().runs;
    (data, vocab, cat, runs)
}

fn analyse(
    run: &pipeline::SetRun,
    data: &input::Dataset,
    vocab: &Vocabulary,
    cat: &IndicatorCatalogue,
    cfg: &UncertaintyConfig,
    mc: McOptions,
) -> Vec<uncertainty::ParkUncertainty> {
    let opts = pipeline::score_options(data, &Selection::default());
    let settings = run.set.accounting.settings();
    let inputs = uncertainty::Inputs {
        run,
        data,
        vocab,
        cat,
        opts: &opts,
        settings: &settings,
    };
    uncertainty::analyse(&inputs, cfg, &mc).unwrap()
}

#[test]
fn without_spread_every_draw_is_the_scorecard() {
    let (data, vocab, cat, runs) = sample();
    let mut cfg = UncertaintyConfig::embedded().unwrap();
    cfg.data_quality.measured = 0.0;
    cfg.data_quality.estimated = 0.0;
    for f in &mut cfg.factor {
        f.half_width = 0.0;
    }
    let mc = McOptions {
        draws: 20,
        seed: 7,
        estimated_spread: None,
    };
    // Every shipped set, so every rule kind (changes over years, bands, tiers, ratios) is
    // re-judged by the draws exactly as the scorecard judged it.
    for run in &runs {
        let res = analyse(run, &data, &vocab, &cat, &cfg, mc);
        assert_eq!(res.len(), 12, "{}", run.set.id);
        for u in &res {
            let s = run
                .scores
                .iter()
                .find(|s| s.park_id == u.park_id && s.year == u.year)
                .unwrap();
            match (s.overall.score, u.overall) {
                (Some(c), Some(i)) => {
                    assert!(
                        (i.p5 - c).abs() < 1e-9 && (i.p95 - c).abs() < 1e-9,
                        "{} {}: {c} vs {i:?}",
                        run.set.id,
                        u.park_id
                    )
                }
                (None, None) => {}
                other => panic!("{} {}: {other:?}", run.set.id, u.park_id),
            }
            assert_eq!(
                u.level_shares,
                vec![(s.level.clone(), 1.0)],
                "{} {}",
                run.set.id,
                u.park_id
            );
            assert!(!u.borderline);
            for r in &u.rules {
                let central = s.rules.iter().find(|x| *x.rule == *r.rule).unwrap();
                assert_eq!(r.central, central.value);
                if let (Some(v), Some(i)) = (central.value, r.interval) {
                    assert!(
                        (i.p5 - v).abs() <= 1e-9 * v.abs().max(1.0),
                        "{} {}",
                        u.park_id,
                        r.rule
                    );
                }
            }
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_answer_and_another_seed_another() {
    let (data, vocab, cat, runs) = sample();
    let cfg = UncertaintyConfig::embedded().unwrap();
    let run = runs
        .iter()
        .find(|r| r.set.id == "cn-zero-carbon-park-2025")
        .unwrap();
    let mc = |seed| McOptions {
        draws: 200,
        seed,
        estimated_spread: None,
    };
    let a = analyse(run, &data, &vocab, &cat, &cfg, mc(1));
    let b = analyse(run, &data, &vocab, &cat, &cfg, mc(1));
    let c = analyse(run, &data, &vocab, &cat, &cfg, mc(2));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn far_from_the_gate_is_certain_and_the_interval_brackets_the_value() {
    let (data, vocab, cat, runs) = sample();
    let cfg = UncertaintyConfig::embedded().unwrap();
    let run = runs
        .iter()
        .find(|r| r.set.id == "cn-zero-carbon-park-2025")
        .unwrap();
    let res = analyse(run, &data, &vocab, &cat, &cfg, McOptions::default());
    let get = |id: &str| res.iter().find(|u| u.park_id == id).unwrap();
    // The green-power park (0.168 tCO2/tce in 2024 against a gate of 0.2) passes in every draw;
    // the coal-chemicals park (2.48 against 0.3) fails in every draw.
    let green = get("js-haiyan-zerocarbon");
    assert_eq!(green.p_gates, Some(1.0));
    let coal = get("nx-qingya-coalchem");
    assert_eq!(coal.p_gates, Some(0.0));
    for u in &res {
        for r in &u.rules {
            if let (Some(v), Some(i)) = (r.central, r.interval) {
                assert!(
                    i.p5 <= v && v <= i.p95,
                    "{} {}: {v} outside {i:?}",
                    u.park_id,
                    r.rule
                );
                assert!(i.p5 < i.p95, "{} {}: no spread", u.park_id, r.rule);
            }
        }
    }
}
