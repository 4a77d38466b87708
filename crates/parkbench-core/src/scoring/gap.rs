//! What it takes to meet a failing rule, in physical terms and in words; number formats shared
//! by the gap sentences and the pages.

use super::*;

pub(super) fn gap(
    ind: &Indicator,
    is_change: bool,
    v: f64,
    t: f64,
    parts: indicators::Value,
    py: &ParkYear,
) -> Gap {
    let indicator_gap = t - v;
    let mut g = Gap {
        indicator_gap,
        quantity: None,
        quantity_unit: None,
        green_mwh: None,
        grid_mwh: py
            .metrics
            .get("electricity_grid")
            .and_then(|m| m.value)
            .or(Some(0.0)),
        electricity_can_close: None,
        text: Text::verbatim(""),
    };
    let fmt_v = |x: f64| fmt_indicator(ind, x, is_change);
    if is_change {
        g.text = t!("scoring.gap.change", target = fmt_v(t), now = fmt_v(v));
        return g;
    }
    match (parts.numerator, parts.denominator, &ind.gap_unit) {
        (Some(n), Some(d), Some(unit)) => {
            let (q, key) = match ind.direction {
                Direction::Lower => (n - t * d, "scoring.gap.cut"),
                Direction::Higher => (t * d - n, "scoring.gap.add"),
            };
            g.quantity = Some(q);
            g.quantity_unit = Some(unit.clone());
            // The catalogue says how to put the gap; a generic sentence otherwise.
            let base = match (&ind.gap_en, &ind.gap_zh) {
                (Some(en), Some(zh)) => Text::both(
                    en.replace("{q}", &fmt_qty(q)),
                    zh.replace("{q}", &fmt_qty(q)),
                ),
                _ => Text::new(key)
                    .arg("q", fmt_qty(q))
                    .arg("unit", unit)
                    .arg("denominator", denominator_words(ind)),
            };
            g.text = base.clone();
            let per_mwh = match ind.green_mwh {
                Some(GreenMwh::Co2) => py.grid_factor_t_per_mwh,
                Some(GreenMwh::Tce) => Some(py.electricity_tce_per_mwh),
                None => None,
            };
            if let (Some(per), Some(grid)) = (per_mwh, g.grid_mwh)
                && per > 0.0
            {
                let mwh = q / per;
                g.green_mwh = Some(mwh);
                let can = mwh <= grid;
                g.electricity_can_close = Some(can);
                g.text = if can {
                    t!("scoring.gap.or_green", gap = base, mwh = fmt_energy(mwh))
                } else if grid <= 0.0 {
                    t!("scoring.gap.no_grid", gap = base)
                } else {
                    t!(
                        "scoring.gap.green_not_enough",
                        gap = base,
                        grid = fmt_energy(grid),
                        mwh = fmt_energy(mwh)
                    )
                };
            }
        }
        _ => {
            let name = Text::both(&ind.name_en, &ind.name_zh);
            g.text = if ind.unit == "yes/no" {
                t!(
                    "scoring.gap.put_in_place",
                    name = Text::both(ind.name_en.to_lowercase(), &ind.name_zh)
                )
            } else {
                let key = match ind.direction {
                    Direction::Lower => "scoring.gap.lower",
                    Direction::Higher => "scoring.gap.raise",
                };
                Text::new(key)
                    .arg("name", name)
                    .arg("by", fmt_v(indicator_gap.abs()))
            };
        }
    }
    g
}

/// What a gap quantity is measured against ("at today's energy use").
pub(super) fn denominator_words(ind: &Indicator) -> Text {
    match ind.denominator.as_deref().unwrap_or("") {
        "energy_tce" => t!("scoring.denominator.energy_tce"),
        "industrial_value_added" => t!("scoring.denominator.industrial_value_added"),
        d => Text::verbatim(d.replace('_', " ")),
    }
}

/// A quantity with thousands separators, rounded to 3 significant figures.
pub fn fmt_qty(x: f64) -> String {
    let a = x.abs();
    let rounded = if a >= 1000.0 {
        let mag = 10f64.powi(a.log10().floor() as i32 - 2);
        (x / mag).round() * mag
    } else {
        x
    };
    let dec = if a >= 100.0 {
        0
    } else if a >= 1.0 {
        1
    } else {
        3
    };
    let s = format!("{:.dec$}", rounded.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// MWh as MWh or GWh.
pub fn fmt_energy(mwh: f64) -> String {
    if mwh.abs() >= 10_000.0 {
        format!("{} GWh", fmt_qty(mwh / 1000.0))
    } else {
        format!("{} MWh", fmt_qty(mwh))
    }
}

/// An indicator value with its unit (shares and changes as %).
pub fn fmt_indicator(ind: &Indicator, x: f64, is_change: bool) -> String {
    if is_change {
        format!("{:.1} %/yr", x * 100.0)
    } else if ind.is_share() {
        format!("{:.1} %", x * 100.0)
    } else if ind.unit == "yes/no" {
        if x >= 0.5 { "yes".into() } else { "no".into() }
    } else {
        let a = x.abs();
        let s = if a >= 100.0 {
            fmt_qty(x)
        } else if a >= 1.0 {
            format!("{x:.2}")
        } else {
            format!("{x:.3}")
        };
        format!("{s} {}", ind.unit)
    }
}
