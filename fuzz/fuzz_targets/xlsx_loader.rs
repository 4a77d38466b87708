//! Any bytes as a workbook: a clear error or tables, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parkbench::input::sheet;

fuzz_target!(|data: &[u8]| {
    let limits = parkbench::reference::Limits::embedded().expect("shipped limits");
    let mut problems = parkbench::diag::Report::with_limits(limits.problems);
    match sheet::read_workbook_bytes("fuzz.xlsx", data, limits.workbook, &mut problems) {
        Ok(book) => {
            for (_, t) in book.sheets {
                let _ = t.rows();
            }
        }
        Err(d) => {
            let _ = d.to_string();
        }
    }
});
