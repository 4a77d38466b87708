//! An indicator's course over the years and its projection to the set's milestones.

use super::*;

pub(super) fn trajectories(
    set: &BenchmarkSet,
    cat: &IndicatorCatalogue,
    subject: Subject<'_>,
    (values, restated): (&Values, &indicators::Restated),
    band: &BandChoice,
) -> Vec<Trajectory> {
    let (py, country) = (subject.py, subject.country);
    let mut out = Vec::new();
    for rule in &set.rules {
        let iref = rule.indicator_ref();
        if iref.change.is_some() {
            continue;
        }
        let Some(ind) = cat.get(&iref.base) else {
            continue;
        };
        let points = indicators::series(values, restated, &py.park_id, &iref.base, py.year);
        if points.len() < 2 {
            continue;
        }
        let fit = indicators::linear_fit(&points);
        let (y0, v0) = points[0];
        let (y1, v1) = points[points.len() - 1];
        let annual_rate = (v0 > 0.0 && v1 >= 0.0 && y1 > y0)
            .then(|| (v1 / v0).powf(1.0 / f64::from(y1 - y0)) - 1.0);
        let mut years: Vec<i32> = rule
            .milestones
            .iter()
            .filter_map(|m| m.year)
            .filter(|y| *y > py.year)
            .collect();
        years.sort();
        years.dedup();
        let projections = years
            .into_iter()
            .filter_map(|y| {
                let (t, _) = pick_threshold(rule, band, country, py.year, Some(y))?;
                let (slope, intercept) = fit?;
                let projected = slope * f64::from(y) + intercept;
                Some(MilestoneProjection {
                    year: y,
                    projected,
                    target: t.value,
                    on_track: ind.direction.meets(projected, t.value),
                })
            })
            .collect();
        out.push(Trajectory {
            rule: rule.id.clone(),
            indicator: iref.base.clone(),
            points,
            slope_per_year: fit.map(|f| f.0),
            annual_rate,
            projections,
        });
    }
    out
}
