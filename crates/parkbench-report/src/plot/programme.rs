//! Charts of a programme (several parks): ranking with levels, clean-energy share against CO2
//! per tce, distribution of scores and levels, and a heat map of parks x rules by status.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Chart, colours, err, hatch, shorten, status_colour, text, word};
use parkbench_core::benchmark::BenchmarkSet;
use parkbench_core::i18n::Lang;
use parkbench_core::scoring::{Score, Status};

/// Level labels and colours of a set, best first, plus "undetermined".
fn levels(set: &BenchmarkSet, lang: Lang) -> Vec<(String, String, RGBColor)> {
    let mut v: Vec<(String, String, RGBColor)> = set
        .levels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                l.id.clone(),
                l.label.get(lang).to_string(),
                colours::LEVELS[i.min(3)],
            )
        })
        .collect();
    v.push((
        "undetermined".into(),
        word(lang, "plot.undetermined").into(),
        colours::LEVELS[4],
    ));
    v
}

fn park_label(s: &Score) -> String {
    s.park_name.clone()
}

/// The widest of `labels` at `size` px, at most `cap`: the room a column of labels takes.
fn label_room(labels: impl Iterator<Item = String>, size: f64, cap: f64) -> i32 {
    labels
        .map(|l| super::text_width(&l, size))
        .fold(0.0, f64::max)
        .min(cap)
        .ceil() as i32
}

/// Rows of a ranking: a name wider than the room wraps onto a second line.
const RANK_ROW_H: i32 = 30;
const RANK_PX: f64 = 11.5;
const RANK_NAME_CAP: f64 = 300.0;

/// Parks ranked by overall score, coloured by level.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub title: String,
    /// In ranking order, each with its rank (ties share the best place, as on the page).
    pub scores: Vec<Score>,
    pub ranks: Vec<Option<usize>>,
    pub levels: Vec<(String, String, RGBColor)>,
    pub lang: Lang,
}

impl Ranking {
    pub fn new(set: &BenchmarkSet, scores: &[Score], lang: Lang) -> Ranking {
        let (ranks, scores): (Vec<Option<usize>>, Vec<Score>) =
            parkbench_core::stats::ranking(scores)
                .into_iter()
                .map(|(rank, s)| (rank, s.clone()))
                .unzip();
        Ranking {
            ranks,
            title: format!(
                "{} · {}",
                word(lang, "plot.ranking_by_overall_score"),
                set.title.get(lang)
            ),
            scores,
            levels: levels(set, lang),
            lang,
        }
    }
}

impl Chart for Ranking {
    fn size(&self) -> (u32, u32) {
        (820, (100 + RANK_ROW_H * self.scores.len() as i32) as u32)
    }

    fn name(&self) -> &'static str {
        "ranking"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.draw_text(&self.title, &text(17.0), (12, 12))
            .map_err(err)?;
        let names: Vec<String> = self
            .scores
            .iter()
            .enumerate()
            .map(|(i, s)| {
                format!(
                    "{}. {}",
                    self.ranks[i].map_or("—".to_string(), |r| r.to_string()),
                    park_label(s)
                )
            })
            .collect();
        let room = label_room(names.iter().cloned(), RANK_PX, RANK_NAME_CAP);
        let (x0, x1) = (room + 24, 620);
        let px = |s: f64| x0 + (s / 100.0 * f64::from(x1 - x0)).round() as i32;
        for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
            area.draw(&PathElement::new(
                vec![
                    (px(t), 44),
                    (px(t), 50 + RANK_ROW_H * self.scores.len() as i32),
                ],
                colours::GRID.stroke_width(1),
            ))
            .map_err(err)?;
            area.draw_text(
                &format!("{t:.0}"),
                &text(11.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
                (px(t), 44),
            )
            .map_err(err)?;
        }
        for (i, s) in self.scores.iter().enumerate() {
            let y = 52 + RANK_ROW_H * i as i32;
            let cy = y + 9;
            let name = super::wrap(&names[i], f64::from(room), RANK_PX);
            super::draw_lines(area, &name, (x0 - 8, cy), RANK_PX, HPos::Right)?;
            let (_, label, c) = self
                .levels
                .iter()
                .find(|l| l.0 == s.level)
                .cloned()
                .unwrap_or_else(|| self.levels[self.levels.len() - 1].clone());
            match s.overall.score {
                Some(v) => area
                    .draw(&Rectangle::new(
                        [(x0, y + 2), (px(v).max(x0 + 2), y + 16)],
                        c.filled(),
                    ))
                    .map_err(err)?,
                None => hatch(area, (x0, y + 2), (x1, y + 16))?,
            }
            let info = format!(
                "{} · {} · {} {:.0} %",
                s.overall.score.map_or("—".into(), |v| format!("{v:.0}")),
                label,
                word(self.lang, "plot.cov"),
                s.overall.coverage * 100.0
            );
            area.draw_text(
                &info,
                &text(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
                (x1 + 8, cy),
            )
            .map_err(err)?;
        }
        let ly = 60 + RANK_ROW_H * self.scores.len() as i32 + 8;
        let mut x = 12;
        for (_, label, c) in &self.levels {
            area.draw(&Rectangle::new([(x, ly), (x + 18, ly + 12)], c.filled()))
                .map_err(err)?;
            area.draw_text(
                label,
                &text(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
                (x + 24, ly + 6),
            )
            .map_err(err)?;
            x += 24 + super::text_width(label, 11.0).ceil() as i32 + 20;
        }
        Ok(())
    }
}

/// Clean-energy share against CO2 per tce, point size by energy use, with threshold lines.
#[derive(Debug, Clone)]
pub struct Scatter {
    pub title: String,
    /// (label, clean share 0-1, tCO2/tce, energy tce, level index)
    pub points: Vec<(String, f64, f64, f64, usize)>,
    pub co2_thresholds: Vec<(f64, String)>,
    pub clean_threshold: Option<f64>,
    pub levels: Vec<(String, String, RGBColor)>,
    pub lang: Lang,
}

impl Scatter {
    /// From scores and the indicator values of their park-years.
    pub fn new(
        set: &BenchmarkSet,
        scores: &[Score],
        values: &parkbench_core::indicators::Values,
        lang: Lang,
    ) -> Scatter {
        let levels = levels(set, lang);
        let points = scores
            .iter()
            .filter_map(|s| {
                let v = values.get(&(s.park_id.clone(), s.year))?;
                let clean = v.get("clean_energy_share")?.value?;
                let co2 = v.get("co2_per_tce")?.value?;
                let tce = v.get("energy_tce")?.value?;
                let li = levels
                    .iter()
                    .position(|l| l.0 == s.level)
                    .unwrap_or(levels.len() - 1);
                Some((park_label(s), clean, co2, tce, li))
            })
            .collect();
        let mut co2_thresholds = Vec::new();
        let mut clean_threshold = None;
        for r in &set.rules {
            let ind = r.indicator.get_ref().as_str();
            for t in r.thresholds.iter() {
                if ind == "co2_per_tce" {
                    // The band by its label, as the set names it in this language.
                    let band = t.band.as_deref().map_or(String::new(), |b| {
                        set.bands
                            .iter()
                            .find(|x| x.id == b)
                            .map_or(b, |x| x.label.get(lang))
                            .to_string()
                    });
                    co2_thresholds.push((t.value, band));
                } else if ind == "clean_energy_share" && clean_threshold.is_none() {
                    clean_threshold = Some(t.value);
                }
            }
        }
        Scatter {
            title: word(lang, "plot.clean_energy_share_and_co2_per_unit_energy").into(),
            points,
            co2_thresholds,
            clean_threshold,
            levels,
            lang,
        }
    }
}

/// Font size of the scatter's labels, and the gap between a point and its label.
const SCATTER_PX: f64 = 10.0;
const LABEL_GAP: f64 = 3.0;

/// A label's box in pixels (x0, y0, x1, y1).
pub(super) type Rect = (f64, f64, f64, f64);

fn hits(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Where a label of `w` x `h` px goes beside a point at (x, y) of radius `r`: the first of
/// right, left, above, below and the four corners that stays inside `bounds` and clear of the
/// labels placed; None when none is.
fn place(
    (x, y, r): (f64, f64, f64),
    (w, h): (f64, f64),
    bounds: Rect,
    placed: &[Rect],
) -> Option<Rect> {
    let d = r + LABEL_GAP;
    let candidates = [
        (x + d, y - h / 2.0),
        (x - d - w, y - h / 2.0),
        (x - w / 2.0, y - d - h),
        (x - w / 2.0, y + d),
        (x + d * 0.7, y - d * 0.7 - h),
        (x - d * 0.7 - w, y - d * 0.7 - h),
        (x + d * 0.7, y + d * 0.7),
        (x - d * 0.7 - w, y + d * 0.7),
    ];
    candidates
        .into_iter()
        .map(|(x0, y0)| (x0, y0, x0 + w, y0 + h))
        .find(|b| {
            b.0 >= bounds.0
                && b.1 >= bounds.1
                && b.2 <= bounds.2
                && b.3 <= bounds.3
                && !placed.iter().any(|p| hits(*p, *b))
        })
}

impl Scatter {
    /// Points whose name has no room beside them are numbered; their names go in a key.
    fn key_rows(&self) -> i32 {
        // At most every point; the drawing fills it (a generous height, measured when drawn).
        self.points.len().div_ceil(3) as i32
    }
}

impl Chart for Scatter {
    fn size(&self) -> (u32, u32) {
        (820, (520 + 16 * self.key_rows()) as u32)
    }

    fn name(&self) -> &'static str {
        "scatter"
    }

    fn draw<DB: DrawingBackend>(&self, whole: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (area, below) = whole.split_vertically(520);
        let area = &area;
        let ymax = self.points.iter().map(|p| p.2).fold(0.5, f64::max) * 1.1;
        let max_tce = self.points.iter().map(|p| p.3).fold(1.0, f64::max);
        let mut chart = ChartBuilder::on(area)
            .caption(&self.title, text(17.0))
            .margin(14)
            .margin_right(30)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..1.0, 0.0..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(word(self.lang, "plot.clean_energy_share_of_consumption"))
            .y_desc(word(self.lang, "plot.co2_per_unit_energy_tco2_tce"))
            .x_label_formatter(&|x| format!("{:.0}", x * 100.0))
            .axis_desc_style(text(13.0))
            .label_style(text(11.0))
            .light_line_style(TRANSPARENT)
            .bold_line_style(colours::GRID.mix(0.8))
            .draw()
            .map_err(err)?;
        let pa = chart.plotting_area().clone();
        let to_px = |x: f64, y: f64| {
            let (px, py) = pa.map_coordinate(&(x, y));
            (f64::from(px), f64::from(py))
        };
        let (l, t) = to_px(0.0, ymax);
        let (r, b) = to_px(1.0, 0.0);
        let bounds = (l, t, r, b);
        let mut placed: Vec<Rect> = Vec::new();
        // Threshold lines, each labelled at its left end above or below the line, wherever the
        // label is clear of the others.
        let mut thresholds = self.co2_thresholds.clone();
        thresholds.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (tv, band) in &thresholds {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, *tv), (1.0, *tv)],
                    8,
                    4,
                    colours::INK.stroke_width(1),
                ))
                .map_err(err)?;
            let label = format!("{tv} {band}").trim().to_string();
            let w = super::text_width(&label, 11.0);
            if let Some(bx) = line_label_spot(to_px(0.0, *tv), w, (t, b), &placed) {
                placed.push(bx);
                area.draw_text(&label, &text(11.0), (bx.0 as i32, bx.1 as i32))
                    .map_err(err)?;
            }
        }
        if let Some(c) = self.clean_threshold {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(c, 0.0), (c, ymax)],
                    8,
                    4,
                    colours::INK.stroke_width(1),
                ))
                .map_err(err)?;
        }
        // Largest parks first: they get the first choice of room for their names.
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|a, b| self.points[*b].3.total_cmp(&self.points[*a].3));
        let mut unplaced: Vec<(usize, String)> = Vec::new();
        for i in order {
            let (label, x, y, tce, li) = &self.points[i];
            let r = (4.0 + 16.0 * (tce / max_tce).sqrt()).round() as i32;
            let c = self.levels[*li].2;
            for style in [c.mix(0.75).filled(), colours::INK.stroke_width(1)] {
                chart
                    .draw_series(std::iter::once(Circle::new((*x, *y), r, style)))
                    .map_err(err)?;
            }
            let (px, py) = to_px(*x, *y);
            let size = (super::text_width(label, SCATTER_PX), SCATTER_PX * 1.1);
            let (shown, size) = match place((px, py, f64::from(r)), size, bounds, &placed) {
                Some(_) => (label.clone(), size),
                None => {
                    let n = (unplaced.len() + 1).to_string();
                    unplaced.push((unplaced.len() + 1, label.clone()));
                    let size = (super::text_width(&n, SCATTER_PX), SCATTER_PX * 1.1);
                    (n, size)
                }
            };
            if let Some(bx) = place((px, py, f64::from(r)), size, bounds, &placed) {
                placed.push(bx);
                area.draw_text(&shown, &text(SCATTER_PX), (bx.0 as i32, bx.1 as i32))
                    .map_err(err)?;
            }
        }
        draw_unplaced(&below, &unplaced)
    }
}

/// Where the label (`w` pixels wide) of a line starting at pixel (`x`, `y`) goes: above the
/// line, else below it, when the spot is within the plot's top and bottom and clear of the
/// labels `placed`.
fn line_label_spot(
    (x, y): (f64, f64),
    w: f64,
    (t, b): (f64, f64),
    placed: &[Rect],
) -> Option<Rect> {
    [(x + 4.0, y - 15.0), (x + 4.0, y + 3.0)]
        .into_iter()
        .map(|(x0, y0)| (x0, y0, x0 + w, y0 + 12.0))
        .find(|bx| bx.1 >= t && bx.3 <= b && !placed.iter().any(|p| hits(*p, *bx)))
}

/// The names of parks that had no room by their points, by their numbers, three a row.
fn draw_unplaced<DB: DrawingBackend>(
    below: &DrawingArea<DB, Shift>,
    unplaced: &[(usize, String)],
) -> Result<(), String> {
    let per_row = 3;
    for (k, (n, name)) in unplaced.iter().enumerate() {
        let (col, row) = ((k % per_row) as i32, (k / per_row) as i32);
        let entry = format!("{n} {name}");
        let room = f64::from(820 / per_row as i32 - 20);
        let line = super::wrap(&entry, room, SCATTER_PX);
        below
            .draw_text(&line[0], &text(SCATTER_PX), (20 + 270 * col, 4 + 16 * row))
            .map_err(err)?;
    }
    Ok(())
}

/// Histogram of overall scores (10-point bins) and the count per level.
#[derive(Debug, Clone)]
pub struct Distribution {
    pub title: String,
    pub bins: [usize; 10],
    pub unscored: usize,
    pub level_counts: Vec<(String, usize, RGBColor)>,
    pub lang: Lang,
}

impl Distribution {
    pub fn new(set: &BenchmarkSet, scores: &[Score], lang: Lang) -> Distribution {
        let mut bins = [0usize; 10];
        let mut unscored = 0;
        for s in scores {
            match s.overall.score {
                Some(v) => bins[((v / 10.0).floor() as usize).min(9)] += 1,
                None => unscored += 1,
            }
        }
        let level_counts = levels(set, lang)
            .into_iter()
            .map(|(id, label, c)| (label, scores.iter().filter(|s| s.level == id).count(), c))
            .collect();
        Distribution {
            title: word(lang, "plot.distribution_of_scores_and_levels").into(),
            bins,
            unscored,
            level_counts,
            lang,
        }
    }
}

impl Chart for Distribution {
    fn size(&self) -> (u32, u32) {
        (820, 320)
    }

    fn name(&self) -> &'static str {
        "distribution"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.draw_text(&self.title, &text(17.0), (12, 10))
            .map_err(err)?;
        let body = area.margin(34, 0, 0, 0);
        let (left, right) = body.split_horizontally(500);
        let ymax = (*self.bins.iter().max().unwrap_or(&1)).max(1) as u32 + 1;
        let mut chart = ChartBuilder::on(&left)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(40)
            // A plain axis whose ticks are the bins' edges (0, 10, ... 100): a bar stands over
            // its bin (a segmented axis labels each bin at its middle, so the 90-100 bin read
            // as "90").
            .build_cartesian_2d(0u32..100u32, 0u32..ymax)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(11)
            .disable_x_mesh()
            .x_desc(word(self.lang, "plot.overall_score_10_point_bins"))
            .y_desc(word(self.lang, "plot.parks"))
            .axis_desc_style(text(12.0))
            .label_style(text(11.0))
            .light_line_style(colours::GRID.mix(0.5))
            .draw()
            .map_err(err)?;
        // Bars drawn one by one (plotters' Histogram groups through a HashMap: its SVG order
        // would change from run to run).
        chart
            .draw_series(
                self.bins
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, n)| {
                        let x = i as u32 * 10;
                        Rectangle::new([(x, 0), (x + 10, *n as u32)], colours::MEETS.filled())
                    }),
            )
            .map_err(err)?;
        let total: usize = self.level_counts.iter().map(|l| l.1).sum::<usize>().max(1);
        let mut y = 20;
        for (label, n, c) in &self.level_counts {
            let w = (200.0 * *n as f64 / total as f64).round() as i32;
            right
                .draw(&Rectangle::new(
                    [(110, y), (110 + w.max(1), y + 18)],
                    c.filled(),
                ))
                .map_err(err)?;
            right
                .draw_text(
                    &shorten(label, 12),
                    &text(12.0).pos(Pos::new(HPos::Right, VPos::Center)),
                    (104, y + 9),
                )
                .map_err(err)?;
            right
                .draw_text(
                    &n.to_string(),
                    &text(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
                    (116 + w, y + 9),
                )
                .map_err(err)?;
            y += 30;
        }
        if self.unscored > 0 {
            right
                .draw_text(
                    &format!("{}: {}", word(self.lang, "plot.no_score"), self.unscored),
                    &text(11.0),
                    (10, y + 6),
                )
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Parks x rules, each cell coloured (and patterned) by status.
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub title: String,
    /// The rules' names in the chart's language (numbered columns; the names in the key).
    pub rules: Vec<String>,
    pub parks: Vec<(String, Vec<Status>)>,
    pub lang: Lang,
}

impl Heatmap {
    pub fn new(scores: &[Score], lang: Lang) -> Heatmap {
        let rules = scores
            .first()
            .map(|s| s.rules.iter().map(|r| r.name(lang).to_string()).collect())
            .unwrap_or_default();
        let parks = scores
            .iter()
            .map(|s| (park_label(s), s.rules.iter().map(|r| r.status).collect()))
            .collect();
        Heatmap {
            title: word(lang, "plot.rule_status_by_park").into(),
            rules,
            parks,
            lang,
        }
    }
}

/// Cells of the heatmap, and a line of its key.
const CELL_W: i32 = 44;
const CELL_H: i32 = 22;
const HEAT_KEY_H: i32 = 16;
const HEAT_PX: f64 = 11.0;
const HEAT_NAME_CAP: f64 = 320.0;
const HEAT_W: i32 = 820;

impl Heatmap {
    fn room(&self) -> i32 {
        label_room(self.parks.iter().map(|p| p.0.clone()), 12.0, HEAT_NAME_CAP)
    }

    /// The rules' key: number and name, wrapped.
    fn key(&self) -> Vec<Vec<String>> {
        self.rules
            .iter()
            .map(|r| super::wrap(r, f64::from(HEAT_W - 80), HEAT_PX))
            .collect()
    }

    fn statuses(&self) -> Vec<Status> {
        let rare = [Status::ToVerify, Status::TierUnconfirmed]
            .into_iter()
            .filter(|s| self.parks.iter().any(|(_, st)| st.contains(s)));
        [
            Status::Meets,
            Status::Fails,
            Status::Missing,
            Status::Waived,
            Status::NotApplicable,
        ]
        .into_iter()
        .chain(rare)
        .collect()
    }
}

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        let key: i32 = self.key().iter().map(|k| k.len() as i32).sum();
        let width = (self.room() + 40 + CELL_W * self.rules.len() as i32).max(HEAT_W);
        (
            width as u32,
            (70 + CELL_H * self.parks.len() as i32 + 50 + HEAT_KEY_H * key + 20) as u32,
        )
    }

    fn name(&self) -> &'static str {
        "heatmap"
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        area.draw_text(&self.title, &text(17.0), (12, 10))
            .map_err(err)?;
        let (x0, y0, cw, ch) = (self.room() + 24, 60, CELL_W, CELL_H);
        for j in 0..self.rules.len() {
            area.draw_text(
                &(j + 1).to_string(),
                &text(HEAT_PX).pos(Pos::new(HPos::Center, VPos::Bottom)),
                (x0 + cw * j as i32 + cw / 2, y0 - 4),
            )
            .map_err(err)?;
        }
        for (i, (park, statuses)) in self.parks.iter().enumerate() {
            let y = y0 + ch * i as i32;
            let name = super::wrap(park, f64::from(x0 - 30), 12.0);
            // A name too wide for its row keeps its first line (the full names are in the
            // tables beside the chart).
            area.draw_text(
                &name[0],
                &text(12.0).pos(Pos::new(HPos::Right, VPos::Center)),
                (x0 - 8, y + ch / 2),
            )
            .map_err(err)?;
            for (j, s) in statuses.iter().enumerate() {
                let x = x0 + cw * j as i32;
                if *s == Status::Missing {
                    hatch(area, (x + 1, y + 1), (x + cw - 1, y + ch - 1))?;
                } else {
                    area.draw(&Rectangle::new(
                        [(x + 1, y + 1), (x + cw - 1, y + ch - 1)],
                        status_colour(*s).filled(),
                    ))
                    .map_err(err)?;
                }
            }
        }
        // The statuses' legend, wrapping onto a second line when it must.
        let mut ly = y0 + ch * self.parks.len() as i32 + 14;
        let mut x = 12;
        let (width, _) = self.size();
        for s in self.statuses() {
            let label = s.label(self.lang);
            let step = 24 + super::text_width(label, HEAT_PX).ceil() as i32 + 18;
            if x + step > width as i32 {
                x = 12;
                ly += 20;
            }
            if s == Status::Missing {
                hatch(area, (x, ly), (x + 18, ly + 12))?;
            } else {
                area.draw(&Rectangle::new(
                    [(x, ly), (x + 18, ly + 12)],
                    status_colour(s).filled(),
                ))
                .map_err(err)?;
            }
            area.draw_text(
                label,
                &text(HEAT_PX).pos(Pos::new(HPos::Left, VPos::Center)),
                (x + 24, ly + 6),
            )
            .map_err(err)?;
            x += step;
        }
        let key = (self.key().into_iter().enumerate())
            .map(|(j, lines)| (super::KeyMark::Number(j + 1), lines))
            .collect();
        super::draw_key(area, key, ly + 30, (HEAT_KEY_H, HEAT_PX))?;
        Ok(())
    }
}
