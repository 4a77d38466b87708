//! Rebuild when the embedded reference data (`indicators/`) or the report templates change.
fn main() {
    println!("cargo:rerun-if-changed=indicators");
    println!("cargo:rerun-if-changed=src/report/templates");
}
