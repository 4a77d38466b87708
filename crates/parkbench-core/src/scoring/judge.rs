//! Judging one rule: which threshold applies, the points a value earns, and whether it meets,
//! fails, is missing, not applicable or waived (and why).

use super::*;

/// Picks the threshold for a park: milestones first (the chosen year), then band/country match,
/// the most specific entry winning.
pub fn pick_threshold<'a>(
    rule: &'a Rule,
    band: &BandChoice,
    country: &str,
    data_year: i32,
    milestone: Option<i32>,
) -> Option<(&'a Threshold, Option<i32>)> {
    let fits = |t: &Threshold| {
        let band_ok = match &t.band {
            None => true,
            Some(b) => band.band() == Some(&**b),
        };
        let country_ok = t
            .country
            .as_deref()
            .is_none_or(|c| c.eq_ignore_ascii_case(country));
        band_ok && country_ok
    };
    let specificity = |t: &Threshold| (t.country.is_some() as u8) * 2 + t.band.is_some() as u8;
    if !rule.milestones.is_empty() {
        let mut years: Vec<i32> = rule
            .milestones
            .iter()
            .filter(|t| fits(t))
            .filter_map(|t| t.year)
            .collect();
        years.sort();
        years.dedup();
        let year = match milestone {
            Some(m) if years.contains(&m) => Some(m),
            Some(_) => None,
            None => years
                .iter()
                .copied()
                .find(|y| *y >= data_year)
                .or(years.last().copied()),
        };
        if let Some(y) = year
            && let Some(t) = rule
                .milestones
                .iter()
                .filter(|t| t.year == Some(y) && fits(t))
                .max_by_key(|t| specificity(t))
        {
            return Some((t, Some(y)));
        }
    }
    rule.thresholds
        .iter()
        .filter(|t| fits(t))
        .max_by_key(|t| specificity(t))
        .map(|t| (t, None))
}

/// Points 0-100 for a value under a rule's method.
pub fn points(rule: &Rule, dir: Direction, value: f64, threshold: Option<f64>) -> Option<f64> {
    let clamp = |x: f64| x.clamp(0.0, 100.0);
    match rule.method {
        Method::Threshold => Some(if dir.meets(value, threshold?) {
            100.0
        } else {
            0.0
        }),
        Method::Linear => {
            let r = rule.reference.as_ref()?.value;
            let t = threshold?;
            if (r - t).abs() < f64::EPSILON {
                return Some(if dir.meets(value, t) { 100.0 } else { 0.0 });
            }
            Some(clamp(100.0 * (r - value) / (r - t)))
        }
        Method::Tiers => Some(
            rule.tiers
                .iter()
                .filter(|t| dir.meets(value, t.value))
                .map(|t| t.points)
                .fold(0.0, f64::max)
                .clamp(0.0, 100.0),
        ),
        Method::Ratio => {
            let lead = rule.leading.as_ref()?.value;
            let cap = rule.cap.unwrap_or(1.0);
            let ratio = match dir {
                Direction::Higher if lead != 0.0 => value / lead,
                Direction::Lower if value > 0.0 => lead / value,
                Direction::Lower => cap,
                Direction::Higher => return None,
            };
            Some(clamp(100.0 * ratio.min(cap)))
        }
    }
}

/// Why a rule was not assessed, or was assessed with a caveat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    OutsideBands,
    /// Outside the bands, under a set whose source publishes no threshold for the park.
    TierUnconfirmed,
    /// Meets, on too much estimated data.
    LowEvidence,
    Waived,
    WaiverRefused,
    NoValue,
    UnknownBand,
    NoThreshold,
}

/// A rule's verdict in numbers, without words: the scorecard adds the words, the uncertainty
/// analysis re-judges every draw with it.
#[derive(Debug, Clone, Copy)]
pub struct Judgement<'a> {
    pub status: Status,
    pub points: Option<f64>,
    pub threshold: Option<(&'a Threshold, Option<i32>)>,
    pub why: Option<Why>,
}

/// Which park-year a rule is judged for: the park, the year, the country its thresholds are
/// picked for.
#[derive(Debug, Clone, Copy)]
pub struct Place<'p> {
    pub park_id: &'p str,
    pub year: i32,
    pub country: &'p str,
}

/// Judges a rule for a value (the indicator's, or its change over time).
pub fn judge<'a>(
    set: &BenchmarkSet,
    rule: &'a Rule,
    direction: Direction,
    place: Place<'_>,
    value: Option<f64>,
    band: &BandChoice,
    opts: &ScoreOptions,
) -> Judgement<'a> {
    let Place {
        park_id,
        year,
        country,
    } = place;
    let mut j = Judgement {
        status: Status::Missing,
        points: None,
        threshold: None,
        why: None,
    };
    let picked = pick_threshold(rule, band, country, year, opts.milestone);
    let banded = rule
        .thresholds
        .iter()
        .chain(&rule.milestones)
        .all(|t| t.band.is_some())
        && !(rule.thresholds.is_empty() && rule.milestones.is_empty());
    if banded && matches!(band, BandChoice::Outside(None)) {
        if set.accounting.outside_bands == crate::benchmark::OutsideBands::Unconfirmed {
            j.status = Status::TierUnconfirmed;
            j.why = Some(Why::TierUnconfirmed);
        } else {
            j.status = Status::NotApplicable;
            j.why = Some(Why::OutsideBands);
        }
        return j;
    }
    j.threshold = picked;
    if opts
        .waivers
        .iter()
        .any(|w| w.park_id == park_id && w.benchmark == set.id && w.rule == rule.id)
    {
        if rule.waivable {
            j.status = Status::Waived;
            j.why = Some(Why::Waived);
            return j;
        }
        j.why = Some(Why::WaiverRefused);
    }
    let Some(v) = value else {
        j.why = Some(Why::NoValue);
        return j;
    };
    if banded && picked.is_none() && matches!(band, BandChoice::Unknown) {
        j.why = Some(Why::UnknownBand);
        return j;
    }
    let threshold = picked.map(|(t, _)| t.value);
    let Some(p) = points(rule, direction, v, threshold) else {
        j.why = Some(Why::NoThreshold);
        return j;
    };
    j.points = Some(p);
    let meets = match threshold {
        Some(t) => direction.meets(v, t),
        None => p >= 100.0,
    };
    j.status = if meets { Status::Meets } else { Status::Fails };
    j
}

pub(super) fn change_name(
    ind: &Indicator,
    change: Option<indicators::Change>,
    lang: Lang,
) -> String {
    let base = ind.name(lang);
    let key = match change {
        None => return base.to_string(),
        Some(indicators::Change::Yoy) => "scoring.change.yoy",
        Some(indicators::Change::Cagr) => "scoring.change.cagr",
        Some(indicators::Change::LinearChange) => "scoring.change.linear",
    };
    Locale::get(lang).text(&Text::new(key).arg("indicator", base))
}

/// The share of an indicator's value resting on estimates, proxies or gaps (evidence C or D):
/// the largest over its inputs, the energy carriers counted as the park-year's energy and CO2
/// (each carrier is part of both totals, so its own share would overstate a small estimated
/// carrier). None when no input has a value.
pub(crate) fn low_grade_share(ind: &Indicator, py: &ParkYear) -> Option<f64> {
    let mut worst: Option<f64> = None;
    let mut take = |x: Option<f64>| {
        if let Some(x) = x {
            worst = Some(worst.map_or(x, |w: f64| w.max(x)));
        }
    };
    let mut carriers_done = false;
    for m in &ind.supplied_by {
        if py.carriers.iter().any(|c| &c.metric == m) {
            if !carriers_done {
                take(py.energy_low_share());
                take(py.co2_low_share());
                carriers_done = true;
            }
        } else if let Some(x) = py.metrics.get(m).filter(|x| x.value.is_some()) {
            take(Some(x.grades.low()));
        }
    }
    worst
}

/// The metrics behind an indicator that this park-year lacks.
pub(super) fn missing_inputs(ind: &Indicator, py: &ParkYear) -> Vec<String> {
    let mut out: Vec<String> = ind
        .supplied_by
        .iter()
        .filter(|m| py.metrics.get(*m).is_none_or(|x| x.value.is_none()))
        .cloned()
        .collect();
    if ind.denominator.as_deref() == Some("land_area_km2") && py.land_area_km2.is_none() {
        out.push("land_area (parks.csv)".into());
    }
    // Carriers absent from the data count as 0, so an energy-based indicator lacks data only
    // when no energy was reported at all.
    if py.energy_tce.is_none()
        && ind
            .supplied_by
            .iter()
            .any(|m| m.starts_with("electricity") || m == "natural_gas")
    {
        out.retain(|m| {
            !m.starts_with("electricity")
                && m != "natural_gas"
                && m != "raw_coal"
                && m != "heat_purchased"
        });
        out.insert(0, "energy use (electricity and fuels)".into());
    }
    out
}
