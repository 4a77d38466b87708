//! Units and numbers as operators write them.
//!
//! Owns the unit table (`indicators/units.toml`): which unit strings exist, their dimension and
//! their factor to the dimension's base unit, and the parser for numbers written with thousands
//! separators, decimal commas or full-width digits. It knows nothing about metrics or parks.

use serde::Deserialize;
use std::collections::HashMap;

/// A unit from the table.
#[derive(Debug, Clone, Deserialize)]
pub struct Unit {
    pub id: String,
    pub dimension: String,
    /// Multiply a value in this unit by this to get the dimension's base unit.
    pub to_canonical: f64,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct UnitFile {
    unit: Vec<Unit>,
}

/// The unit table with a look-up by (dimension, spelling).
#[derive(Debug, Clone)]
pub struct Units {
    units: Vec<Unit>,
    by_key: HashMap<String, Vec<usize>>,
}

/// Normalises a unit spelling for look-up: lower case, no spaces, full-width forms folded.
pub fn unit_key(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '³' => '3',
            '²' => '2',
            c => c,
        })
        .collect()
}

impl Units {
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        let file: UnitFile = toml::from_str(text)?;
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in file.unit.iter().enumerate() {
            let mut keys: Vec<String> = u.aliases.iter().map(|a| unit_key(a)).collect();
            keys.push(unit_key(&u.id));
            keys.sort();
            keys.dedup();
            for k in keys {
                by_key.entry(k).or_default().push(i);
            }
        }
        Ok(Units {
            units: file.unit,
            by_key,
        })
    }

    /// The unit spelled `s` within `dimension`.
    pub fn find(&self, dimension: &str, s: &str) -> Option<&Unit> {
        self.by_key
            .get(&unit_key(s))?
            .iter()
            .map(|&i| &self.units[i])
            .find(|u| u.dimension == dimension)
    }

    /// The dimensions in which `s` is a unit (to say "t is a mass unit" in an error).
    pub fn dimensions_of(&self, s: &str) -> Vec<&str> {
        let mut dims: Vec<&str> = self
            .by_key
            .get(&unit_key(s))
            .map(|ix| {
                ix.iter()
                    .map(|&i| self.units[i].dimension.as_str())
                    .collect()
            })
            .unwrap_or_default();
        dims.dedup();
        dims
    }

    /// The unit with this exact id.
    pub fn by_id(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    /// Converts `value` from unit `from` to unit `to` of the same dimension.
    pub fn convert(&self, value: f64, from: &Unit, to: &Unit) -> f64 {
        debug_assert_eq!(from.dimension, to.dimension);
        value * from.to_canonical / to.to_canonical
    }

    /// All units of a dimension, as printed.
    pub fn ids_of(&self, dimension: &str) -> Vec<&str> {
        self.units
            .iter()
            .filter(|u| u.dimension == dimension)
            .map(|u| u.id.as_str())
            .collect()
    }
}

/// Folds full-width ASCII forms (`１２３４．５`, `，`) and the ideographic space to ASCII.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// How the file writes decimals: `1,234.5` (point) or `1.234,5` / `1 234,5` (comma).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalMark {
    Point,
    Comma,
}

/// Why a cell is not a number.
#[derive(Debug, Clone, PartialEq)]
pub enum NumberError {
    NotANumber,
    /// A number followed by text that may be a unit (`1234 MWh`).
    TrailingText {
        number: f64,
        text: String,
    },
}

/// Parses a number as operators write it: thousands separators, the file's decimal mark,
/// full-width digits, a leading `+`. A trailing `%` or unit text is returned separately.
pub fn parse_number(raw: &str, mark: DecimalMark) -> Result<f64, NumberError> {
    plain_number(raw, mark).unwrap_or_else(|| parse_general(raw, mark))
}

/// [`parse_number`] of any cell, as operators write it.
fn parse_general(raw: &str, mark: DecimalMark) -> Result<f64, NumberError> {
    let folded = fold_width(raw);
    let s = folded.trim();
    // Split off trailing unit text: the longest prefix that looks numeric.
    let numeric_end = s
        .char_indices()
        .find(|&(_, c)| {
            !(c.is_ascii_digit()
                || matches!(
                    c,
                    '.' | ',' | ' ' | '+' | '-' | '\'' | 'e' | 'E' | '\u{a0}' | '\u{202f}'
                ))
        })
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num_part, rest) = s.split_at(numeric_end);
    // `e` inside words such as "estimate" must not count as an exponent: require a digit before it.
    let num_part = num_part.trim_end();
    let value = parse_plain(num_part, mark).ok_or(NumberError::NotANumber)?;
    let rest = rest.trim();
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(NumberError::TrailingText {
            number: value,
            text: rest.to_string(),
        })
    }
}

/// The answer of [`parse_number`] for a cell of ASCII digits, `-` and the decimal point only
/// (how most cells are written), without the copies [`parse_general`] makes; None for any other
/// cell. For such a cell every step of the general path leaves the text as it is (nothing to
/// fold, trim, split off or remove), so the answer is the same (a test compares the two).
fn plain_number(raw: &str, mark: DecimalMark) -> Option<Result<f64, NumberError>> {
    let point = mark == DecimalMark::Point;
    let plain = !raw.is_empty()
        && raw
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || (point && b == b'.'));
    plain.then(|| {
        raw.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or(NumberError::NotANumber)
    })
}

fn parse_plain(s: &str, mark: DecimalMark) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    let (group, decimal) = match mark {
        DecimalMark::Point => (',', '.'),
        DecimalMark::Comma => ('.', ','),
    };
    let mut cleaned = String::with_capacity(s.len());
    for c in s.chars() {
        if c == group || c == ' ' || c == '\'' || c == '\u{a0}' || c == '\u{202f}' {
            continue;
        }
        cleaned.push(if c == decimal { '.' } else { c });
    }
    if !is_digit_groups_ok(s, group) {
        return None;
    }
    let cleaned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    if !cleaned.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: f64 = cleaned.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Rejects `1,23` style grouping (a group separator must be followed by exactly three digits),
/// so that a decimal comma in a comma-decimal-less file is not silently read as thousands.
fn is_digit_groups_ok(s: &str, group: char) -> bool {
    let mut parts = s.split(group);
    parts.next();
    for p in parts {
        let digits = p.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits != 3 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_operators_write_them() {
        let p = DecimalMark::Point;
        let c = DecimalMark::Comma;
        assert_eq!(parse_number("1234.5", p), Ok(1234.5));
        assert_eq!(parse_number("1,234.5", p), Ok(1234.5));
        assert_eq!(parse_number(" 1 234,5 ", c), Ok(1234.5));
        assert_eq!(parse_number("1.234,5", c), Ok(1234.5));
        assert_eq!(parse_number("１２３４．５", p), Ok(1234.5));
        assert_eq!(parse_number("-0.5", p), Ok(-0.5));
        assert_eq!(parse_number("+2e3", p), Ok(2000.0));
        assert_eq!(parse_number("1,23", p), Err(NumberError::NotANumber));
        assert_eq!(parse_number("abc", p), Err(NumberError::NotANumber));
        assert_eq!(
            parse_number("1234 MWh", p),
            Err(NumberError::TrailingText {
                number: 1234.0,
                text: "MWh".into()
            })
        );
        assert_eq!(
            parse_number("85%", p),
            Err(NumberError::TrailingText {
                number: 85.0,
                text: "%".into()
            })
        );
    }

    proptest::proptest! {
        /// Cells of digits, signs and marks (and numbers as Rust writes them) read the same by
        /// the short path as by the general one, in either decimal mark.
        #[test]
        fn plain_cells_read_as_the_general_path_reads_them(
            cell in "[-0-9.,]{0,14}",
            x in proptest::num::f64::ANY,
        ) {
            for mark in [DecimalMark::Point, DecimalMark::Comma] {
                for raw in [cell.clone(), x.to_string(), (x as i64).to_string()] {
                    let (short, general) = (parse_number(&raw, mark), parse_general(&raw, mark));
                    match (&short, &general) {
                        (Ok(a), Ok(b)) => proptest::prop_assert_eq!(a.to_bits(), b.to_bits(), "{}", raw),
                        _ => proptest::prop_assert_eq!(&short, &general, "{}", raw),
                    }
                }
            }
        }
    }

    #[test]
    fn unit_keys_fold_case_space_and_width() {
        assert_eq!(unit_key("万 m³"), "万m3");
        assert_eq!(unit_key("ＭＷｈ"), "mwh");
    }
}
