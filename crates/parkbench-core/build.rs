//! Rebuild when the embedded reference data (`indicators/`) or the locale files change
//! (`include_dir!` does not tell cargo about files added to a folder).
fn main() {
    println!("cargo:rerun-if-changed=../../indicators");
    println!("cargo:rerun-if-changed=../../locales");
}
