//! What a cell's number format says about its number: a share typed as a percentage, a date, or
//! a plain number; and the text an operator would have typed for each.

/// How a number cell is shown, by its number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum NumClass {
    #[default]
    Plain,
    /// `0%`, `0.0%`: the cell holds 0.96 for 96 %.
    Percent,
    /// A date or time format: the number is a serial day.
    Date,
}

/// The class of Excel's built-in number formats (ECMA-376 Part 1, 18.8.30; 27-36 and 50-58 are
/// the East Asian date formats, such as `yyyy"年"m"月"`).
pub(crate) fn builtin(id: u32) -> NumClass {
    match id {
        9 | 10 => NumClass::Percent,
        14..=22 | 27..=36 | 45..=47 | 50..=58 => NumClass::Date,
        _ => NumClass::Plain,
    }
}

/// The class of a format code (`0.0%`, `yyyy-mm-dd`, `#,##0.00`): a `%` outside quotes makes a
/// percentage, a date or time letter outside quotes and brackets a date. Only the first section
/// (positive numbers) is read.
pub(crate) fn custom(code: &str) -> NumClass {
    let mut chars = code.chars();
    let mut class = NumClass::Plain;
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for q in chars.by_ref() {
                    if q == '"' {
                        break;
                    }
                }
            }
            // An escaped character, a space as wide as the next one, a fill character.
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                // [Red], [$-804], [>=100]: not letters of the format; [h] [mm] [ss]: elapsed time.
                let inner: String = chars.by_ref().take_while(|&b| b != ']').collect();
                let l = inner.to_ascii_lowercase();
                if !l.is_empty() && l.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    class = NumClass::Date;
                }
            }
            '%' => return NumClass::Percent,
            'y' | 'Y' | 'm' | 'M' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' => class = NumClass::Date,
            _ => {}
        }
    }
    class
}

/// Shortest text that reads back to the same number (`2023`, not `2023.0`).
pub(crate) fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A percentage cell as it was typed: 0.96 -> `96%`, 0.125 -> `12.5%`. The decimal point of
/// the number's shortest text is moved, so no rounding of x100 creeps in (0.29 stays `29%`).
pub(crate) fn percent_text(f: f64) -> String {
    let s = number_text(f);
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut frac = frac.to_string();
    while frac.len() < 2 {
        frac.push('0');
    }
    let (moved, rest) = frac.split_at(2);
    let int = format!("{int}{moved}");
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if rest.is_empty() {
        format!("{sign}{int}%")
    } else {
        format!("{sign}{int}.{rest}%")
    }
}

/// An Excel serial day as the date an operator typed: `2024-03-01`, with `HH:MM` when it has a
/// time of day. None for a number no date can be (negative, or past year 9999).
pub(crate) fn serial_date(v: f64, date1904: bool) -> Option<String> {
    if !v.is_finite() || !(0.0..2_958_466.0).contains(&v) {
        return None;
    }
    let day = v.floor() as i64;
    let minutes = ((v - v.floor()) * 1440.0).round() as i64;
    let (mut day, minutes) = if minutes >= 1440 {
        (day + 1, 0)
    } else {
        (day, minutes)
    };
    // Days since 1970-01-01. The 1900 system counts a 29 February 1900 that never was (serial
    // 60, kept from Lotus 1-2-3): serials from 61 on are one day ahead.
    let unix = if date1904 {
        // Serial 0 is 1904-01-01, 24,107 days before 1970-01-01.
        day - 24_107
    } else {
        if day == 60 {
            return Some(with_time("1900-02-29".into(), minutes));
        }
        if day < 60 {
            day += 1;
        }
        // Serial 25,569 is 1970-01-01.
        day - 25_569
    };
    let (y, m, d) = civil(unix);
    Some(with_time(format!("{y:04}-{m:02}-{d:02}"), minutes))
}

fn with_time(date: String, minutes: i64) -> String {
    if minutes == 0 {
        date
    } else {
        format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// Year, month, day of a day count from 1970-01-01 (H. Hinnant's `civil_from_days`).
pub(crate) fn civil(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A date as text (`2022-01-01`, `2022-01-01T08:30:00`) in the form of [`serial_date`].
pub(crate) fn iso_date(s: &str) -> String {
    let s = s.trim();
    match s.split_once('T') {
        Some((date, time)) => {
            let hm: String = time.chars().take(5).collect();
            if hm.starts_with("00:00") || hm.is_empty() {
                date.to_string()
            } else {
                format!("{date} {hm}")
            }
        }
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_say_percent_or_date() {
        assert_eq!(builtin(9), NumClass::Percent);
        assert_eq!(builtin(14), NumClass::Date);
        assert_eq!(builtin(0), NumClass::Plain);
        assert_eq!(builtin(4), NumClass::Plain);
        assert_eq!(custom("0.0%"), NumClass::Percent);
        assert_eq!(
            custom("#,##0.00\" %\""),
            NumClass::Plain,
            "a quoted % is text"
        );
        assert_eq!(custom("yyyy-mm-dd"), NumClass::Date);
        assert_eq!(custom("yyyy\"年\"m\"月\""), NumClass::Date);
        assert_eq!(custom("[$-804]yyyy/m/d"), NumClass::Date);
        assert_eq!(custom("[Red]#,##0.00"), NumClass::Plain);
        assert_eq!(custom("General"), NumClass::Plain);
        assert_eq!(custom("0.00E+00"), NumClass::Plain);
        assert_eq!(custom("#,##0;[Red]-#,##0"), NumClass::Plain);
        assert_eq!(custom("[h]:mm"), NumClass::Date);
        assert_eq!(custom("@"), NumClass::Plain);
    }

    #[test]
    fn percentages_read_as_typed() {
        assert_eq!(percent_text(0.96), "96%");
        assert_eq!(percent_text(0.29), "29%");
        assert_eq!(percent_text(0.125), "12.5%");
        assert_eq!(percent_text(1.0), "100%");
        assert_eq!(percent_text(0.0), "0%");
        assert_eq!(percent_text(0.005), "0.5%");
        assert_eq!(percent_text(-0.5), "-50%");
        assert_eq!(percent_text(12.3456), "1234.56%");
    }

    #[test]
    fn serial_days_are_dates() {
        assert_eq!(serial_date(44562.0, false).as_deref(), Some("2022-01-01"));
        assert_eq!(serial_date(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(serial_date(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(serial_date(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(
            serial_date(45352.5, false).as_deref(),
            Some("2024-03-01 12:00")
        );
        assert_eq!(serial_date(43100.0, true).as_deref(), Some("2022-01-01"));
        assert_eq!(serial_date(-1.0, false), None);
        assert_eq!(iso_date("2022-01-01T00:00:00"), "2022-01-01");
        assert_eq!(iso_date("2022-01-01T08:30:00"), "2022-01-01 08:30");
    }
}
