//! Any bytes as a workbook: a clear error or tables, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parkbench::input::sheet;

fuzz_target!(|data: &[u8]| {
    match sheet::read_workbook_bytes("fuzz.xlsx", data.to_vec()) {
        Ok(tables) => {
            for (_, t) in tables {
                let _ = t.rows();
            }
        }
        Err(d) => {
            let _ = d.to_string();
        }
    }
});
