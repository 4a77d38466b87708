//! Writing output files: atomically (a temporary file in the target folder, then a rename, so
//! a reader never sees half a file and an interrupted run leaves the previous file intact), and
//! CSV cells that a spreadsheet cannot run as formulas.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.parkbench-tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// Neutralises a text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` ...),
/// leaving numbers as they are.
pub fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A number for an output table: up to `decimals` decimals, trailing zeros dropped, empty
/// when missing.
pub fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        None => String::new(),
        Some(x) => {
            let s = format!("{x:.decimals$}");
            let s = if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                s
            };
            if s == "-0" { "0".into() } else { s }
        }
    }
}
