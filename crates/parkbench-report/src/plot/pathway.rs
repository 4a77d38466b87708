//! Pathway charts: the marginal abatement cost curve (MACC) of a park, the waterfall from
//! today's CO2 to the plan's, and a scenario's projected gate indicator against its threshold.
//! They draw a [`parkbench_core::pathway::Plan`] or [`parkbench_core::pathway::scenario::Projection`]; they compute
//! nothing.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, colours, err, text, word};
use parkbench_core::i18n::Lang;
use parkbench_core::pathway::scenario::Projection as ProjectionData;
use parkbench_core::pathway::{MeasureCatalogue, Plan};
use parkbench_core::scoring::Status;

/// An axis number: thousands separated, no decimals below one.
fn axis_num(x: f64) -> String {
    if x.abs() < 1.0 {
        format!("{x:.0}")
    } else {
        parkbench_core::scoring::fmt_qty(x)
    }
}

/// The name of a measure in a chart's language.
fn measure_name(cat: &MeasureCatalogue, id: &str, lang: Lang) -> String {
    cat.measure(id)
        .map_or(id.to_string(), |m| m.name.get(lang).to_string())
}

/// A MACC: a bar per measure of the merit order, as wide as its abatement and as high as its
/// cost per tCO2; the gate's gap (tCO2 to cut at today's energy use) marked on the x axis.
#[derive(Debug, Clone)]
pub struct Macc {
    pub title: String,
    /// (label, abatement t/yr, cost CNY/t or None when a bill is unknown).
    pub bars: Vec<(String, f64, Option<f64>)>,
    pub gap_t: Option<f64>,
    pub lang: Lang,
}

impl Macc {
    pub fn from_plan(p: &Plan, cat: &MeasureCatalogue, lang: Lang) -> Option<Macc> {
        if p.macc.is_empty() {
            return None;
        }
        let gap_t = p
            .before
            .rules
            .iter()
            .find(|r| r.role == parkbench_core::benchmark::Role::Gate && r.status == Status::Fails)
            .and_then(|r| r.gap.as_ref())
            .filter(|g| g.quantity_unit.as_deref() == Some("tCO2"))
            .and_then(|g| g.quantity);
        Some(Macc {
            title: format!("{} · {} {}", word(lang, "plot.macc"), p.park_name, p.year),
            bars: p
                .macc
                .iter()
                .map(|s| {
                    (
                        measure_name(cat, &s.measure, lang),
                        s.abatement_t,
                        s.cost_per_t,
                    )
                })
                .collect(),
            gap_t,
            lang,
        })
    }
}

/// Height of the MACC's plot.
const MACC_PLOT_H: i32 = 400;

impl Macc {
    /// The least and most cost per tonne of the bars (0 at least at either end), and the pad
    /// above and below them.
    fn cost_range(&self) -> (f64, f64, f64) {
        let costs: Vec<f64> = self.bars.iter().filter_map(|b| b.2).collect();
        let hi = costs.iter().copied().fold(0.0, f64::max);
        let lo = costs.iter().copied().fold(0.0, f64::min);
        (lo, hi, (hi - lo).max(1.0) * 0.15)
    }

    /// Each measure's name in the key, wrapped (and its cost said unknown when it is).
    fn key(&self) -> Vec<Vec<String>> {
        let width = 820.0 - 2.0 * 14.0 - 40.0;
        self.bars
            .iter()
            .map(|(label, _, cost)| {
                let name = match cost {
                    Some(_) => label.clone(),
                    None => format!("{label} ({})", word(self.lang, "plot.cost_unknown")),
                };
                super::wrap(&name, width, KEY_PX)
            })
            .collect()
    }
}

impl Chart for Macc {
    fn size(&self) -> (u32, u32) {
        let lines: usize = self.key().iter().map(|k| k.len()).sum();
        (820, (MACC_PLOT_H + 12 + KEY_LINE_H * lines as i32) as u32)
    }

    fn name(&self) -> &'static str {
        "macc"
    }

    fn draw<DB: DrawingBackend>(&self, whole: &DrawingArea<DB, Shift>) -> Result<(), String> {
        // The curve above, a numbered key of the measures below (names never overlap).
        let (area, legend) = whole.split_vertically(MACC_PLOT_H);
        let area = &area;
        let key = (self.key().into_iter().enumerate())
            .map(|(i, lines)| (super::KeyMark::Number(i + 1), lines))
            .collect();
        super::draw_key(&legend, key, 6, (KEY_LINE_H, KEY_PX))?;
        let total: f64 = self.bars.iter().map(|b| b.1).sum();
        let xmax = total.max(self.gap_t.unwrap_or(0.0)) * 1.05 + 1e-9;
        let (lo, hi, pad) = self.cost_range();
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, text(17.0))
            .margin(14)
            .margin_right(44)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..xmax, (lo - pad)..(hi + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(word(self.lang, "plot.abatement_axis"))
            .y_desc(word(self.lang, "plot.cost_axis"))
            .x_label_formatter(&|x| axis_num(*x))
            .y_label_formatter(&|y| axis_num(*y))
            .axis_desc_style(text(13.0))
            .label_style(text(11.0))
            .light_line_style(TRANSPARENT)
            .bold_line_style(colours::GRID.mix(0.6))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (xmax, 0.0)],
                colours::INK.stroke_width(1),
            )))
            .map_err(err)?;
        let pa = chart.plotting_area().clone();
        let mut numbers: Vec<super::programme::Rect> = Vec::new();
        let mut x = 0.0;
        for (i, (_, t, cost)) in self.bars.iter().enumerate() {
            let (x0, x1) = (x, x + t);
            x = x1;
            // Neighbours in turn colours.
            let colour = [colours::ACCENT, colours::MEETS][i % 2];
            let missing_h = (hi + pad) * 0.05;
            let shapes = match cost {
                Some(c) => vec![
                    Rectangle::new([(x0, 0.0), (x1, *c)], colour.mix(0.85).filled()),
                    Rectangle::new([(x0, 0.0), (x1, *c)], WHITE.stroke_width(1)),
                ],
                None => vec![Rectangle::new(
                    [(x0, 0.0), (x1, missing_h)],
                    colours::MISSING.filled(),
                )],
            };
            chart.draw_series(shapes).map_err(err)?;
            // The bar's number (its name is in the key), above or below the bar; a number
            // that would touch a neighbour's steps further out.
            let (y, up) = match cost {
                Some(c) => (*c, *c >= 0.0),
                None => (missing_h, true),
            };
            let (px, py) = pa.map_coordinate(&(x0 + (x1 - x0) / 2.0, y));
            let n = (i + 1).to_string();
            let w = super::text_width(&n, 11.0);
            let b = free_place(&numbers, (f64::from(px), f64::from(py)), up, w);
            numbers.push(b);
            area.draw_text(&n, &text(11.0), (b.0 as i32, b.1 as i32))
                .map_err(err)?;
        }
        if let Some(g) = self.gap_t {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(g, lo - pad), (g, hi + pad)],
                    colours::FAILS.stroke_width(2),
                )))
                .map_err(err)?;
            // Beside its line, on the side with room, never across it.
            let left = g > xmax / 2.0;
            chart
                .draw_series(std::iter::once(Text::new(
                    word(self.lang, "plot.gate_gap").to_string(),
                    (
                        g + if left { -xmax * 0.01 } else { xmax * 0.01 },
                        hi + pad * 0.6,
                    ),
                    text(11.0).pos(Pos::new(
                        if left { HPos::Right } else { HPos::Left },
                        VPos::Center,
                    )),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Where a label `w` pixels wide goes by the point (`px`, `py`): just above it (`up`) or below
/// it, stepped further out while it would touch one of `taken` (at most seven steps).
fn free_place(
    taken: &[super::programme::Rect],
    (px, py): (f64, f64),
    up: bool,
    w: f64,
) -> super::programme::Rect {
    let mut k = 0.0;
    loop {
        let top = if up {
            py - 16.0 - k * 13.0
        } else {
            py + 3.0 + k * 13.0
        };
        let b = (px - w / 2.0, top, px + w / 2.0, top + 12.0);
        if k > 6.0
            || !taken
                .iter()
                .any(|o| o.0 < b.2 && b.0 < o.2 && o.1 < b.3 && b.1 < o.3)
        {
            return b;
        }
        k += 1.0;
    }
}

/// A waterfall: today's CO2, a falling bar per measure of the plan, the CO2 left; the level
/// that meets the gate at today's energy use drawn across.
#[derive(Debug, Clone)]
pub struct Waterfall {
    pub title: String,
    pub start: f64,
    pub steps: Vec<(String, f64)>,
    pub target: Option<f64>,
    pub lang: Lang,
}

impl Waterfall {
    pub fn from_plan(p: &Plan, cat: &MeasureCatalogue, lang: Lang) -> Option<Waterfall> {
        let start = p.co2_before_t?;
        if p.steps.is_empty() {
            return None;
        }
        let target = Macc::from_plan(p, cat, lang)
            .and_then(|m| m.gap_t)
            .map(|g| start - g);
        Some(Waterfall {
            title: format!(
                "{} · {} {}",
                word(lang, "plot.waterfall"),
                p.park_name,
                p.year
            ),
            start,
            steps: p
                .steps
                .iter()
                .map(|s| (measure_name(cat, &s.measure, lang), s.abatement_t))
                .collect(),
            target,
            lang,
        })
    }
}

/// Height of the waterfall's plot, and of a line of its key.
const WATERFALL_PLOT_H: i32 = 360;
const KEY_LINE_H: i32 = 16;
const KEY_PX: f64 = 11.0;

impl Waterfall {
    /// The key under the plot: each step's number and name (wrapped), then the gate line.
    fn key(&self) -> Vec<(Option<usize>, Vec<String>)> {
        let width = 820.0 - 2.0 * 14.0 - 40.0;
        let mut out: Vec<(Option<usize>, Vec<String>)> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, (label, _))| (Some(i + 1), super::wrap(label, width, KEY_PX)))
            .collect();
        if self.target.is_some() {
            out.push((
                None,
                super::wrap(word(self.lang, "plot.gate_level"), width, KEY_PX),
            ));
        }
        out
    }
}

impl Chart for Waterfall {
    fn size(&self) -> (u32, u32) {
        let lines: usize = self.key().iter().map(|k| k.1.len()).sum();
        (
            820,
            (WATERFALL_PLOT_H + 12 + KEY_LINE_H * lines as i32) as u32,
        )
    }

    fn name(&self) -> &'static str {
        "waterfall"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (plot, below) = area.split_vertically(WATERFALL_PLOT_H);
        let n = self.steps.len() + 2;
        let hi = self.start * 1.12 + 1e-9;
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, text(17.0))
            .margin(14)
            .x_label_area_size(20)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..n as f64, 0.0..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_x_axis()
            .y_desc(word(self.lang, "plot.co2_axis"))
            .y_label_formatter(&|y| axis_num(*y))
            .axis_desc_style(text(13.0))
            .label_style(text(11.0))
            .light_line_style(TRANSPARENT)
            .bold_line_style(colours::GRID.mix(0.6))
            .draw()
            .map_err(err)?;
        // Bars: today, each step (numbered; its name in the key), after the plan.
        let mut bars: Vec<(f64, f64, RGBColor, String)> = vec![(
            0.0,
            self.start,
            colours::FAILS,
            word(self.lang, "plot.today").into(),
        )];
        let mut level = self.start;
        for (i, (_, t)) in self.steps.iter().enumerate() {
            bars.push((level - t, level, colours::ACCENT, (i + 1).to_string()));
            level -= t;
        }
        bars.push((
            0.0,
            level.max(0.0),
            colours::MEETS,
            word(self.lang, "plot.after_plan").into(),
        ));
        if let Some(t) = self.target {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, t), (n as f64, t)],
                    colours::INK.stroke_width(2),
                )))
                .map_err(err)?;
        }
        for (i, (y0, y1, c, label)) in bars.into_iter().enumerate() {
            let x = i as f64;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x + 0.15, y0), (x + 0.85, y1)],
                    c.filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    label,
                    (x + 0.5, y0.max(y1)),
                    text(11.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(err)?;
        }
        // The key.
        let key = self
            .key()
            .into_iter()
            .map(|(num, lines)| {
                let mark = match num {
                    Some(k) => super::KeyMark::Number(k),
                    None => super::KeyMark::Line(colours::INK, 2),
                };
                (mark, lines)
            })
            .collect();
        super::draw_key(&below, key, 6, (KEY_LINE_H, KEY_PX))?;
        Ok(())
    }
}

/// A scenario's gate indicator year by year against its threshold, milestone years marked.
#[derive(Debug, Clone)]
pub struct ProjectionChart {
    pub title: String,
    pub unit: String,
    /// (year, value, meets, milestone).
    pub points: Vec<(i32, f64, bool, bool)>,
    pub threshold: Option<f64>,
    pub lang: Lang,
}

impl ProjectionChart {
    pub fn from_projection(p: &ProjectionData, lang: Lang) -> Option<ProjectionChart> {
        let gate = p
            .years
            .first()?
            .score
            .rules
            .iter()
            .find(|r| r.role == parkbench_core::benchmark::Role::Gate)?;
        let rule = gate.rule.clone();
        let points: Vec<(i32, f64, bool, bool)> = p
            .years
            .iter()
            .filter_map(|y| {
                let r = y.score.rules.iter().find(|r| r.rule == rule)?;
                Some((y.year, r.value?, r.status == Status::Meets, y.milestone))
            })
            .collect();
        if points.is_empty() {
            return None;
        }
        let threshold = p
            .years
            .last()?
            .score
            .rules
            .iter()
            .find(|r| r.rule == rule)?
            .threshold
            .as_ref()
            .map(|t| t.value);
        Some(ProjectionChart {
            title: format!(
                "{} · {} · {}",
                gate.name(lang),
                p.park_name,
                p.scenario.get(lang)
            ),
            unit: gate.unit.to_string(),
            points,
            threshold,
            lang,
        })
    }
}

impl Chart for ProjectionChart {
    fn size(&self) -> (u32, u32) {
        (820, 320)
    }

    fn name(&self) -> &'static str {
        "projection"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let y0 = self.points.first().map_or(0, |p| p.0);
        let y1 = self.points.last().map_or(1, |p| p.0).max(y0 + 1);
        let hi = self
            .points
            .iter()
            .map(|p| p.1)
            .chain(self.threshold)
            .fold(0.0, f64::max)
            * 1.15
            + 1e-9;
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, text(17.0))
            .margin(14)
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(y0 as f64 - 0.5..y1 as f64 + 0.5, 0.0..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels((y1 - y0 + 1).min(12) as usize)
            .x_label_formatter(&|x| format!("{}", x.round() as i32))
            .y_desc(self.unit.as_str())
            .axis_desc_style(text(13.0))
            .label_style(text(11.0))
            .light_line_style(colours::GRID.mix(0.6))
            .draw()
            .map_err(err)?;
        if let Some(t) = self.threshold {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(y0 as f64 - 0.5, t), (y1 as f64 + 0.5, t)],
                    colours::INK.stroke_width(2),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{} {t}", word(self.lang, "plot.threshold")),
                    (y0 as f64 - 0.4, t + hi * 0.01),
                    // Above the line, not across it.
                    text(11.0).pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                self.points
                    .iter()
                    .map(|p| (p.0 as f64, p.1))
                    .collect::<Vec<_>>(),
                colours::INK.mix(0.5).stroke_width(1),
            )))
            .map_err(err)?;
        for (y, v, meets, milestone) in &self.points {
            let c = if *meets {
                colours::MEETS
            } else {
                colours::FAILS
            };
            let size = if *milestone { 8 } else { 5 };
            chart
                .draw_series(std::iter::once(Circle::new(
                    (*y as f64, *v),
                    size,
                    c.filled(),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}
