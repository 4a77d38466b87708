//! Rebuild when a migration is added or changed (`sqlx::migrate!` embeds them, and cargo is
//! not told about files added to a folder).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
