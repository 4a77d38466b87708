//! Writing results: atomically to a file, or to standard output; number formatting.

use std::io::Write;
use std::path::Path;

use super::CliError;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Writes a file atomically (see [`parkbench::outfile::write`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    parkbench::outfile::write(path, bytes).map_err(|source| CliError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes to `out` when given, else to standard output.
pub fn emit(out: Option<&Path>, text: &str) -> Result<(), CliError> {
    match out {
        Some(p) => write_atomic(p, text.as_bytes()),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| match e.kind() {
                    std::io::ErrorKind::BrokenPipe => CliError::ClosedPipe,
                    _ => CliError::Io {
                        what: "standard output".into(),
                        source: e,
                    },
                })
        }
    }
}

/// A number for people: thousands separators, fixed decimals, "—" when missing.
pub fn human(v: Option<f64>, decimals: usize) -> String {
    let Some(x) = v else { return "—".into() };
    let s = format!("{:.decimals$}", x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Renders rows as an aligned text table.
pub fn text_table(header: &[String], rows: &[Vec<String>]) -> String {
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(display_width(c));
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        for (i, c) in cells.iter().enumerate().take(n) {
            let pad = widths[i] - display_width(c);
            if i > 0 {
                out.push_str("  ");
            }
            // Text left, numbers right.
            if c.starts_with(|ch: char| ch.is_ascii_digit() || ch == '-' || ch == '—') && i > 0 {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    };
    line(header, &mut out);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&rule, &mut out);
    for r in rows {
        line(r, &mut out);
    }
    out
}

/// Terminal width of a string: CJK characters take two columns.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{1100}'..='\u{FFEF}').contains(&c) && !('\u{2000}'..='\u{2FFF}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parkbench::outfile::{csv_safe, num};

    #[test]
    fn numbers() {
        assert_eq!(num(Some(7143.0000001), 4), "7143");
        assert_eq!(num(Some(0.13006), 4), "0.1301");
        assert_eq!(num(None, 4), "");
        assert_eq!(human(Some(312000.4), 0), "312,000");
        assert_eq!(human(Some(-1234.5), 1), "-1,234.5");
        assert_eq!(csv_safe("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_safe("-12.5"), "-12.5");
    }
}
