//! Any text as a benchmark set file: parsed and checked, or refused with a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parkbench::benchmark::BenchmarkSet;
use parkbench::indicators::IndicatorCatalogue;
use std::sync::OnceLock;

fn catalogue() -> &'static IndicatorCatalogue {
    static C: OnceLock<IndicatorCatalogue> = OnceLock::new();
    C.get_or_init(|| IndicatorCatalogue::embedded().expect("shipped catalogue"))
}

fuzz_target!(|text: &str| {
    match BenchmarkSet::parse("fuzz.toml", text, catalogue()) {
        Ok(set) => {
            for size in [None, Some(0.0), Some(1e9)] {
                let _ = set.band_for(size);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
