//! Numbers, units and periods as operators write them: any text parses or is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parkbench::input::activity::parse_period;
use parkbench::reference::Vocabulary;
use parkbench::units::{DecimalMark, parse_number, unit_key};
use std::sync::OnceLock;

fn vocab() -> &'static Vocabulary {
    static V: OnceLock<Vocabulary> = OnceLock::new();
    V.get_or_init(|| Vocabulary::embedded().expect("shipped vocabulary"))
}

fuzz_target!(|text: &str| {
    for mark in [DecimalMark::Point, DecimalMark::Comma] {
        if let Ok(v) = parse_number(text, mark) {
            assert!(v.is_finite(), "{text:?} parsed to {v}");
        }
    }
    let _ = unit_key(text);
    let _ = parse_period(text);
    let units = &vocab().units;
    for dim in units.dimensions_of(text) {
        if let Some(u) = units.find(dim, text) {
            let _ = units.convert(1.0, u, u);
        }
    }
});
