//! Charts of one park: scorecard (bullet bars), category profile (radar), core indicator
//! against its threshold and the average park, and trajectories to the milestones.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, colours, err, hatch, status_colour, text, word};
use parkbench_core::benchmark::BenchmarkSet;
use parkbench_core::i18n::Lang;
use parkbench_core::indicators::{Direction, IndicatorCatalogue};
use parkbench_core::scoring::{Score, Status, fmt_indicator};

/// One bullet bar.
#[derive(Debug, Clone)]
pub struct BulletRow {
    pub label: String,
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    pub reference: Option<f64>,
    pub tiers: Vec<f64>,
    pub direction: Direction,
    pub status: Status,
    pub note: String,
    /// A share (0-1): drawn on one scale from 0 to 100 %, so that bars of different rules
    /// compare (67 % is visibly shorter than 96 %).
    pub share: bool,
}

/// Each rule as a bullet bar: value against threshold and tiers, coloured by status.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub title: String,
    pub rows: Vec<BulletRow>,
    pub lang: Lang,
}

impl Scorecard {
    pub fn from_score(
        score: &Score,
        set: &BenchmarkSet,
        cat: &IndicatorCatalogue,
        lang: Lang,
    ) -> Scorecard {
        let rows = score
            .rules
            .iter()
            .map(|r| {
                let rule = set.rule(&r.rule);
                let ind = cat.get(r.indicator.split('.').next().unwrap_or(""));
                let is_change = r.indicator.contains('.');
                let fmt =
                    |x: f64| ind.map_or(format!("{x:.3}"), |i| fmt_indicator(i, x, is_change));
                let note = match (r.status, r.value, r.threshold.as_ref()) {
                    (Status::Missing, _, _) => word(lang, "plot.missing").to_string(),
                    (Status::Waived, _, _) => word(lang, "plot.waived").to_string(),
                    (Status::NotApplicable, _, _) => word(lang, "plot.not_applicable").to_string(),
                    (s, Some(v), _) => format!("{} · {}", fmt(v), s.label(lang)),
                    (s, None, _) => s.label(lang).to_string(),
                };
                BulletRow {
                    label: r.name(lang).to_string(),
                    value: r.value,
                    threshold: r.threshold.as_ref().map(|t| t.value),
                    reference: rule.and_then(|x| x.reference.as_ref()).map(|x| x.value),
                    tiers: rule
                        .map(|x| x.tiers.iter().map(|t| t.value).collect())
                        .unwrap_or_default(),
                    direction: ind.map_or(Direction::Higher, |i| i.direction),
                    status: r.status,
                    note,
                    share: !is_change && ind.is_some_and(|i| i.is_share()),
                }
            })
            .collect();
        Scorecard {
            title: format!(
                "{} · {} {}",
                word(lang, "plot.scorecard"),
                score.park_name,
                score.year
            ),
            rows,
            lang,
        }
    }
}

const ROW_H: i32 = 36;
/// Font size of the scorecard's labels and notes (two lines fit a row).
const LABEL_PX: f64 = 12.0;
const TOP: i32 = 44;

impl Chart for Scorecard {
    fn size(&self) -> (u32, u32) {
        (820, (TOP + ROW_H * self.rows.len() as i32 + 46) as u32)
    }

    fn name(&self) -> &'static str {
        "scorecard"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (w, h) = self.size();
        let (w, h) = (w as i32, h as i32);
        area.draw_text(&self.title, &text(17.0), (12, 12))
            .map_err(err)?;
        let (bx0, bx1) = (300, w - 200);
        for (i, r) in self.rows.iter().enumerate() {
            let y = TOP + ROW_H * i as i32;
            let cy = y + ROW_H / 2;
            let label = super::wrap(&r.label, f64::from(bx0 - 22), LABEL_PX);
            super::draw_lines(area, &label, (bx0 - 10, cy), LABEL_PX, HPos::Right)?;
            r.draw_bullet(area, cy, (bx0, bx1))?;
            let note = super::wrap(&r.note, f64::from(w - bx1 - 16), LABEL_PX);
            super::draw_lines(area, &note, (bx1 + 10, cy), LABEL_PX, HPos::Left)?;
        }
        self.draw_legend(area, h - 24)
    }
}

impl Scorecard {
    /// The legend at `ly`: the statuses the rows have, the threshold mark, the zone that meets.
    fn draw_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        ly: i32,
    ) -> Result<(), String> {
        let mut x = 12;
        // The four usual statuses, and the rarer ones when a rule has them.
        let legend: Vec<(Status, &str)> = [
            Status::Meets,
            Status::Fails,
            Status::Missing,
            Status::Waived,
        ]
        .into_iter()
        .chain(
            [Status::ToVerify, Status::TierUnconfirmed]
                .into_iter()
                .filter(|s| self.rows.iter().any(|r| r.status == *s)),
        )
        .map(|s| (s, s.label(self.lang)))
        .collect();
        let left = text(12.0).pos(Pos::new(HPos::Left, VPos::Center));
        for (s, label) in legend {
            if s == Status::Missing {
                hatch(area, (x, ly - 6), (x + 22, ly + 6))?;
            } else {
                area.draw(&Rectangle::new(
                    [(x, ly - 6), (x + 22, ly + 6)],
                    status_colour(s).filled(),
                ))
                .map_err(err)?;
            }
            area.draw_text(label, &left, (x + 28, ly)).map_err(err)?;
            x += 120;
        }
        area.draw(&PathElement::new(
            vec![(x, ly - 9), (x, ly + 9)],
            colours::INK.stroke_width(3),
        ))
        .map_err(err)?;
        area.draw_text(word(self.lang, "plot.threshold"), &left, (x + 8, ly))
            .map_err(err)?;
        x += 100;
        area.draw(&Rectangle::new(
            [(x, ly - 6), (x + 22, ly + 6)],
            colours::REFERENCE.mix(0.25).filled(),
        ))
        .map_err(err)?;
        area.draw_text(word(self.lang, "plot.meets_zone"), &left, (x + 28, ly))
            .map_err(err)?;
        Ok(())
    }
}

impl BulletRow {
    /// The scale of the row's bar: from the least to the most of its value, threshold,
    /// reference and tiers (0 to 1 at least for a share; with a margin otherwise).
    fn range(&self) -> (f64, f64) {
        let known: Vec<f64> = [self.value, self.threshold, self.reference]
            .into_iter()
            .flatten()
            .chain(self.tiers.iter().copied())
            .collect();
        let (lo, mut hi) = if self.share {
            (
                known.iter().copied().fold(0.0, f64::min),
                known.iter().copied().fold(1.0, f64::max),
            )
        } else {
            (
                known.iter().copied().fold(0.0, f64::min) * 1.1,
                known.iter().copied().fold(0.0, f64::max) * 1.15,
            )
        };
        if hi - lo < 1e-12 {
            hi = lo + 1.0;
        }
        (lo, hi)
    }

    /// The row's bullet between `bx0` and `bx1` around `cy`: the track, the zone that meets the
    /// threshold, the tiers, the value's bar (hatched when missing), the reference and the
    /// threshold.
    fn draw_bullet<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        cy: i32,
        (bx0, bx1): (i32, i32),
    ) -> Result<(), String> {
        let r = self;
        let (lo, hi) = r.range();
        let px = |x: f64| bx0 + ((x - lo) / (hi - lo) * f64::from(bx1 - bx0)).round() as i32;
        // Track, then the zone that meets the threshold.
        area.draw(&Rectangle::new(
            [(bx0, cy - 9), (bx1, cy + 9)],
            colours::GRID.mix(0.5).filled(),
        ))
        .map_err(err)?;
        if let Some(t) = r.threshold {
            let (a, b) = match r.direction {
                Direction::Lower => (lo, t),
                Direction::Higher => (t, hi),
            };
            area.draw(&Rectangle::new(
                [(px(a), cy - 9), (px(b), cy + 9)],
                colours::REFERENCE.mix(0.25).filled(),
            ))
            .map_err(err)?;
        }
        for t in &r.tiers {
            area.draw(&PathElement::new(
                vec![(px(*t), cy - 9), (px(*t), cy + 9)],
                RGBColor(150, 150, 150).stroke_width(1),
            ))
            .map_err(err)?;
        }
        match (r.status, r.value) {
            (Status::Missing, _) | (_, None) => hatch(area, (bx0, cy - 6), (bx1, cy + 6))?,
            (s, Some(v)) => {
                let (a, b) = if v >= 0.0 {
                    (px(0.0_f64.max(lo)), px(v))
                } else {
                    (px(v), px(0.0))
                };
                area.draw(&Rectangle::new(
                    [(a, cy - 6), (b.max(a + 2), cy + 6)],
                    status_colour(s).filled(),
                ))
                .map_err(err)?;
            }
        }
        if let Some(rf) = r.reference {
            area.draw(&PathElement::new(
                vec![(px(rf), cy - 11), (px(rf), cy + 11)],
                colours::INK.mix(0.5).stroke_width(1),
            ))
            .map_err(err)?;
        }
        if let Some(t) = r.threshold {
            area.draw(&PathElement::new(
                vec![(px(t), cy - 12), (px(t), cy + 12)],
                colours::INK.stroke_width(3),
            ))
            .map_err(err)?;
        }
        Ok(())
    }
}

/// Category scores as a radar, with the coverage of each.
#[derive(Debug, Clone)]
pub struct CategoryProfile {
    pub title: String,
    /// (label, score 0-100 or missing, coverage 0-1)
    pub categories: Vec<(String, Option<f64>, f64)>,
    pub lang: Lang,
}

/// Category names in both languages.
pub fn category_label(c: &str, lang: Lang) -> String {
    let words = parkbench_core::i18n::Locale::get(lang);
    let key = format!("plot.category.{c}");
    if words.has_key(&key) {
        words.text(&parkbench_core::i18n::Text::new_owned(key))
    } else {
        c.to_string()
    }
}

impl CategoryProfile {
    pub fn from_score(score: &Score, lang: Lang) -> CategoryProfile {
        CategoryProfile {
            title: format!(
                "{} · {} {}",
                word(lang, "plot.category_profile"),
                score.park_name,
                score.year
            ),
            categories: score
                .categories
                .iter()
                .map(|(c, p)| (category_label(c, lang), p.score, p.coverage))
                .collect(),
            lang,
        }
    }
}

impl Chart for CategoryProfile {
    fn size(&self) -> (u32, u32) {
        // Three categories leave the bottom of a full circle empty: the picture ends under
        // the lowest label.
        (600, if self.categories.len() <= 3 { 380 } else { 460 })
    }

    fn name(&self) -> &'static str {
        "categories"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.draw_text(&self.title, &text(17.0), (12, 12))
            .map_err(err)?;
        let (cx, cy, rmax) = (300.0_f64, 250.0_f64, 140.0_f64);
        let n = self.categories.len().max(3);
        let at = |i: usize, r: f64| {
            let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (
                (cx + r * a.cos()).round() as i32,
                (cy + r * a.sin()).round() as i32,
            )
        };
        for ring in [25.0, 50.0, 75.0, 100.0] {
            let pts: Vec<(i32, i32)> = (0..=n).map(|i| at(i % n, rmax * ring / 100.0)).collect();
            area.draw(&PathElement::new(pts, colours::GRID.stroke_width(1)))
                .map_err(err)?;
            area.draw_text(
                &format!("{ring:.0}"),
                &text(10.0).color(&RGBColor(130, 130, 130)),
                (cx as i32 + 3, (cy - rmax * ring / 100.0) as i32 - 12),
            )
            .map_err(err)?;
        }
        for i in 0..n {
            area.draw(&PathElement::new(
                vec![at(i, 0.0), at(i, rmax)],
                colours::GRID.stroke_width(1),
            ))
            .map_err(err)?;
        }
        let pts: Vec<(i32, i32)> = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, (_, s, _))| at(i, rmax * s.unwrap_or(0.0) / 100.0))
            .collect();
        if !pts.is_empty() {
            area.draw(&Polygon::new(pts.clone(), colours::MEETS.mix(0.2)))
                .map_err(err)?;
            let mut closed = pts.clone();
            closed.push(pts[0]);
            area.draw(&PathElement::new(closed, colours::MEETS.stroke_width(2)))
                .map_err(err)?;
        }
        for (i, (label, s, cov)) in self.categories.iter().enumerate() {
            let p = at(i, rmax * s.unwrap_or(0.0) / 100.0);
            match s {
                Some(_) => area
                    .draw(&Circle::new(p, 4, colours::MEETS.filled()))
                    .map_err(err)?,
                None => area
                    .draw(&Circle::new(p, 5, colours::MISSING.stroke_width(2)))
                    .map_err(err)?,
            }
            let (lx, ly) = at(i, rmax + 34.0);
            let score = s.map_or(word(self.lang, "plot.n_a").to_string(), |x| {
                format!("{x:.0}")
            });
            let cov_text = format!("{} {:.0} %", word(self.lang, "plot.coverage"), cov * 100.0);
            let anchor = if lx < cx as i32 - 20 {
                HPos::Right
            } else if lx > cx as i32 + 20 {
                HPos::Left
            } else {
                HPos::Center
            };
            area.draw_text(
                &format!("{label} {score}"),
                &text(13.0).pos(Pos::new(anchor, VPos::Bottom)),
                (lx, ly),
            )
            .map_err(err)?;
            area.draw_text(
                &cov_text,
                &text(11.0)
                    .color(&RGBColor(100, 100, 100))
                    .pos(Pos::new(anchor, VPos::Top)),
                (lx, ly + 2),
            )
            .map_err(err)?;
        }
        Ok(())
    }
}

/// The core indicator: this park's value and history against the threshold and the average park.
#[derive(Debug, Clone)]
pub struct CoreIndicator {
    pub title: String,
    pub unit: String,
    pub threshold: Option<(f64, String)>,
    pub reference: Option<(f64, String)>,
    pub history: Vec<(i32, f64)>,
    pub year: i32,
    pub status: Status,
    pub lang: Lang,
}

impl CoreIndicator {
    /// The first gate (else the first rule) of the set.
    pub fn from_score(
        score: &Score,
        set: &BenchmarkSet,
        history: Vec<(i32, f64)>,
        lang: Lang,
    ) -> Option<CoreIndicator> {
        let r = score
            .rules
            .iter()
            .find(|r| r.role == parkbench_core::benchmark::Role::Gate)
            .or_else(|| score.rules.first())?;
        let rule = set.rule(&r.rule)?;
        Some(CoreIndicator {
            title: format!("{} · {} {}", r.name(lang), score.park_name, score.year),
            unit: r.unit.to_string(),
            threshold: r.threshold.as_ref().map(|t| {
                // The band by its label in the chart's language, as the set names it.
                let band = t
                    .band
                    .as_deref()
                    .map(|b| {
                        let label = set
                            .bands
                            .iter()
                            .find(|x| x.id == b)
                            .map_or(b, |x| x.label.get(lang));
                        format!(" ({label})")
                    })
                    .unwrap_or_default();
                (t.value, format!("{}{band}", word(lang, "plot.threshold")))
            }),
            reference: rule.reference.as_ref().map(|x| {
                (
                    x.value,
                    x.note.as_ref().map_or_else(
                        || word(lang, "plot.reference").into(),
                        |n| n.get(lang).to_string(),
                    ),
                )
            }),
            history,
            year: score.year,
            status: r.status,
            lang,
        })
    }
}

/// Height of a year's row in the core indicator chart, and of a line of its key.
const CORE_ROW_H: i32 = 26;
const CORE_KEY_H: i32 = 16;
const CORE_KEY_PX: f64 = 12.0;

impl CoreIndicator {
    /// The key above the plot: the threshold's and the average park's lines, wrapped.
    fn key(&self) -> Vec<(RGBColor, Vec<String>)> {
        let width = 820.0 - 80.0;
        let mut out = Vec::new();
        if let Some((t, label)) = &self.threshold {
            out.push((
                colours::INK,
                super::wrap(&format!("{label}: {}", fmt_num(*t)), width, CORE_KEY_PX),
            ));
        }
        if let Some((r, label)) = &self.reference {
            out.push((
                colours::REFERENCE,
                super::wrap(&format!("{label}: {}", fmt_num(*r)), width, CORE_KEY_PX),
            ));
        }
        out
    }

    fn key_h(&self) -> i32 {
        CORE_KEY_H * self.key().iter().map(|k| k.1.len() as i32).sum::<i32>()
    }
}

/// A number as the core chart's key says it (up to four significant digits).
fn fmt_num(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl Chart for CoreIndicator {
    fn size(&self) -> (u32, u32) {
        let rows = self.history.len().max(1) as i32;
        (
            820,
            (44 + self.key_h() + 16 + CORE_ROW_H * rows + 60) as u32,
        )
    }

    fn name(&self) -> &'static str {
        "core"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.draw_text(&self.title, &text(17.0), (12, 12))
            .map_err(err)?;
        let key = (self.key().into_iter())
            .map(|(colour, lines)| (super::KeyMark::Line(colour, 3), lines))
            .collect();
        let y = super::draw_key(area, key, 44, (CORE_KEY_H, CORE_KEY_PX))?;
        let plot = area.margin((y + 10) as u32, 0, 0, 0);
        let vals: Vec<f64> = self
            .history
            .iter()
            .map(|p| p.1)
            .chain(self.threshold.iter().map(|t| t.0))
            .chain(self.reference.iter().map(|t| t.0))
            .collect();
        let hi = vals.iter().copied().fold(0.0, f64::max) * 1.08 + 1e-9;
        let lo = vals.iter().copied().fold(0.0, f64::min) * 1.08;
        // One row per year, the year on the left: values close together never collide.
        let years: Vec<i32> = self.history.iter().map(|h| h.0).collect();
        let n = years.len().max(1) as i32;
        let mut chart = ChartBuilder::on(&plot)
            .margin(14)
            .margin_right(30)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, (0..n).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n as usize)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => years
                    .get(*i as usize)
                    .map(|y| y.to_string())
                    .unwrap_or_default(),
                SegmentValue::Last => String::new(),
            })
            .x_desc(self.unit.as_str())
            .axis_desc_style(text(13.0))
            .label_style(text(12.0))
            .light_line_style(TRANSPARENT)
            .bold_line_style(colours::GRID.mix(0.6))
            .draw()
            .map_err(err)?;
        let span = || (SegmentValue::Exact(0), SegmentValue::Last);
        if let Some((t, _)) = &self.threshold {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*t, span().0), (*t, span().1)],
                    colours::INK.stroke_width(3),
                )))
                .map_err(err)?;
        }
        if let Some((r, _)) = &self.reference {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*r, span().0), (*r, span().1)],
                    colours::REFERENCE.stroke_width(2),
                )))
                .map_err(err)?;
        }
        for (i, (year, v)) in self.history.iter().enumerate() {
            let current = *year == self.year;
            let c = if current {
                super::status_colour(self.status)
            } else {
                RGBColor(120, 120, 120)
            };
            chart
                .draw_series(std::iter::once(Circle::new(
                    (*v, SegmentValue::CenterOf(i as i32)),
                    if current { 8 } else { 5 },
                    c.filled(),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// One indicator over the years, its least-squares projection and the milestones.
#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub points: Vec<(i32, f64)>,
    pub fit: Option<(f64, f64)>,
    pub milestones: Vec<(i32, f64)>,
    /// Limits a projection cannot cross (0-100 % for shares).
    pub bounds: Option<(f64, f64)>,
    /// The rule's threshold in the year scored: drawn as a line, always inside the y range.
    pub threshold: Option<f64>,
    /// How far the last value is from the threshold, worded ("19.4 x the threshold").
    pub distance: Option<String>,
}

/// How far a value is from its threshold: a multiple when it is more than twice it (both
/// positive), else the difference in percent of the threshold.
fn distance(threshold: f64, value: f64, lang: Lang) -> Option<String> {
    if threshold == 0.0 || !threshold.is_finite() || !value.is_finite() {
        return None;
    }
    let words = parkbench_core::i18n::Locale::get(lang);
    let ratio = value / threshold;
    Some(
        if threshold > 0.0 && value > 0.0 && !(0.5..=2.0).contains(&ratio) {
            words.text(
                &parkbench_core::i18n::Text::new("plot.times_threshold").arg(
                    "x",
                    if ratio >= 10.0 {
                        format!("{ratio:.0}")
                    } else {
                        format!("{ratio:.1}")
                    },
                ),
            )
        } else {
            words.text(
                &parkbench_core::i18n::Text::new("plot.from_threshold")
                    .arg("pct", format!("{:+.0} %", (ratio - 1.0) * 100.0)),
            )
        },
    )
}

/// Trajectories of the tracked indicators.
#[derive(Debug, Clone)]
pub struct Trajectories {
    pub title: String,
    pub panels: Vec<Panel>,
    pub lang: Lang,
}

impl Trajectories {
    pub fn from_score(score: &Score, cat: &IndicatorCatalogue, lang: Lang) -> Option<Trajectories> {
        let panels: Vec<Panel> = score
            .trajectories
            .iter()
            .filter_map(|t| {
                let r = score.rules.iter().find(|r| *r.rule == *t.rule)?;
                // Shares are drawn in % (and their projection kept within 0-100 %).
                let share = cat.get(&t.indicator).is_some_and(|i| i.is_share());
                let k = if share { 100.0 } else { 1.0 };
                let points: Vec<(i32, f64)> = t.points.iter().map(|p| (p.0, p.1 * k)).collect();
                let fit = parkbench_core::indicators::linear_fit(&points);
                Some(Panel {
                    title: format!("{} ({})", r.name(lang), if share { "%" } else { &*r.unit }),
                    points,
                    fit,
                    milestones: t
                        .projections
                        .iter()
                        .map(|p| (p.year, p.target * k))
                        .collect(),
                    bounds: share.then_some((0.0, 100.0)),
                    threshold: r.threshold.as_ref().map(|t| t.value * k),
                    distance: r
                        .threshold
                        .as_ref()
                        .zip(t.points.last())
                        .and_then(|(th, last)| distance(th.value, last.1, lang)),
                })
            })
            .collect();
        (!panels.is_empty()).then(|| Trajectories {
            title: format!("{} · {}", word(lang, "plot.trajectories"), score.park_name),
            panels,
            lang,
        })
    }
}

/// Height of a trajectories panel, and of the chart's head (title and legend).
const PANEL_H: i32 = 270;
const HEAD_H: i32 = 60;
/// Font size of a panel's title lines.
const PANEL_TITLE_PX: f64 = 12.0;

impl Chart for Trajectories {
    fn size(&self) -> (u32, u32) {
        let rows = self.panels.len().div_ceil(2) as u32;
        (820, HEAD_H as u32 + PANEL_H as u32 * rows)
    }

    fn name(&self) -> &'static str {
        "trajectories"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.draw_text(&self.title, &text(17.0), (12, 10))
            .map_err(err)?;
        self.legend(area)?;
        let body = area.margin(HEAD_H as u32, 0, 0, 0);
        let rows = self.panels.len().div_ceil(2);
        let cells = body.split_evenly((rows, 2));
        for (p, cell) in self.panels.iter().zip(cells.iter()) {
            panel(p, cell)?;
        }
        Ok(())
    }
}

impl Trajectories {
    /// One legend for every panel, under the title (a legend inside a panel hides its lines).
    fn legend<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let y = 42;
        let mut x = 12;
        let items: [(&str, RGBColor, u32); 4] = [
            ("plot.reported", colours::MEETS, 2),
            ("plot.threshold", colours::FAILS, 2),
            ("plot.linear_projection", colours::INK, 1),
            ("plot.milestone", colours::FAILS, 0),
        ];
        for (key, colour, width) in items {
            if width == 0 {
                area.draw(&TriangleMarker::new((x + 8, y), 6, colour.filled()))
                    .map_err(err)?;
            } else {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 16, y)],
                    colour.stroke_width(width),
                ))
                .map_err(err)?;
            }
            let label = word(self.lang, key);
            area.draw_text(
                label,
                &text(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
                (x + 22, y),
            )
            .map_err(err)?;
            x += 22 + super::text_width(label, 11.0).ceil() as i32 + 24;
        }
        Ok(())
    }
}

/// Draws a panel's title (wrapped) and its distance lines; returns the height they take.
fn panel_title<DB: DrawingBackend>(
    p: &Panel,
    cell: &DrawingArea<DB, Shift>,
) -> Result<i32, String> {
    let (cw, _) = cell.dim_in_pixel();
    let mut lines = super::wrap(&p.title, f64::from(cw) - 24.0, PANEL_TITLE_PX);
    lines.extend(p.distance.clone());
    let gap = (PANEL_TITLE_PX * 1.25).round() as i32;
    for (k, l) in lines.iter().enumerate() {
        cell.draw_text(l, &text(PANEL_TITLE_PX), (12, 4 + gap * k as i32))
            .map_err(err)?;
    }
    Ok(10 + gap * lines.len() as i32)
}

/// One indicator's panel: its title (wrapped, with the distance to the threshold on a line of
/// its own), the reported values, the threshold line, the projection and the milestones.
fn panel<DB: DrawingBackend>(p: &Panel, cell: &DrawingArea<DB, Shift>) -> Result<(), String> {
    let first = p.points.first().map_or(2020, |x| x.0);
    let last = p
        .milestones
        .iter()
        .map(|m| m.0)
        .chain(p.points.iter().map(|x| x.0))
        .max()
        .unwrap_or(first + 1)
        .max(first + 1);
    let ys: Vec<f64> = p
        .points
        .iter()
        .map(|x| x.1)
        .chain(p.milestones.iter().map(|m| m.1))
        .chain(p.threshold)
        .collect();
    let proj: Vec<(i32, f64)> = match p.fit {
        Some((s, i)) => (p.points.last().map_or(first, |x| x.0)..=last)
            .map(|y| (y, s * f64::from(y) + i))
            .collect(),
        None => Vec::new(),
    };
    let all = ys.iter().copied().chain(proj.iter().map(|x| x.1));
    let (mut lo, mut hi) = all.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo == f64::MAX {
        return Ok(());
    }
    let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.05).max(1e-6);
    lo -= pad;
    hi += pad;
    let top = panel_title(p, cell)?;
    let plot = cell.margin(top as u32, 0, 0, 0);
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(10)
        .margin_right(24)
        .margin_bottom(6)
        .x_label_area_size(24)
        .y_label_area_size(56)
        .build_cartesian_2d(first..last, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_labels(((last - first + 1) as usize).min(8))
        .y_labels(6)
        .x_label_formatter(&|y| y.to_string())
        .label_style(text(11.0))
        .light_line_style(TRANSPARENT)
        .bold_line_style(colours::GRID.mix(0.6))
        .draw()
        .map_err(err)?;
    if let Some(t) = p.threshold {
        chart
            .draw_series(LineSeries::new(
                [(first, t), (last, t)],
                colours::FAILS.stroke_width(2),
            ))
            .map_err(err)?;
    }
    chart
        .draw_series(LineSeries::new(
            p.points.clone(),
            colours::MEETS.stroke_width(2),
        ))
        .map_err(err)?;
    chart
        .draw_series(
            p.points
                .iter()
                .map(|x| Circle::new(*x, 3, colours::MEETS.filled())),
        )
        .map_err(err)?;
    if !proj.is_empty() {
        chart
            .draw_series(DashedLineSeries::new(
                proj,
                6,
                4,
                colours::INK.mix(0.6).stroke_width(1),
            ))
            .map_err(err)?;
    }
    if !p.milestones.is_empty() {
        chart
            .draw_series(
                p.milestones
                    .iter()
                    .map(|m| TriangleMarker::new(*m, 7, colours::FAILS.filled())),
            )
            .map_err(err)?;
    }
    Ok(())
}
