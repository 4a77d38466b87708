//! Any bytes as parks.csv and as an activity file: the loader reports, never panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parkbench::factors::Factors;
use parkbench::input::{activity, parks, table};
use parkbench::reference::Vocabulary;
use std::sync::OnceLock;

fn reference() -> &'static (Vocabulary, Factors) {
    static R: OnceLock<(Vocabulary, Factors)> = OnceLock::new();
    R.get_or_init(|| {
        (
            Vocabulary::embedded().expect("shipped vocabulary"),
            Factors::load(None).expect("shipped factors"),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (vocab, factors) = reference();
    let mut diags = Vec::new();
    if let Ok(t) = table::read_csv_bytes("fuzz.csv", data) {
        let _ = parks::read_parks(&t, vocab, factors, &mut diags);
        let _ = activity::read_activity(&t, 0, vocab, &mut diags);
    }
    for d in &diags {
        let _ = d.to_string();
    }
});
