//! Charts from scores, with plotters: SVG (glyphs as outlines, for HTML) and PNG (for slides).
//!
//! A font is embedded and registered at start-up, so nothing depends on the fonts of the
//! machine; Chinese park names render in both formats. Colours come from the Okabe-Ito
//! palette and every status also differs in lightness and pattern, so charts survive
//! greyscale printing and colour blindness. Plotting reads scores; it computes nothing new.

mod park;
mod pathway;
mod programme;
mod svgtext;

pub use park::{CategoryProfile, CoreIndicator, Scorecard, Trajectories};
pub use pathway::{Macc, ProjectionChart, Waterfall};
pub use programme::{Distribution, Heatmap, Ranking, Scatter};

use ab_glyph::FontRef;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

use parkbench_core::scoring::Status;

/// The embedded font (Noto Sans CJK SC, subset; SIL OFL 1.1, see `src/plot/fonts/`).
pub static FONT_BYTES: &[u8] = include_bytes!("fonts/NotoSansSC-Regular-subset.otf");

/// The family name charts use.
pub const FAMILY: &str = "sans-serif";

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).expect("the embedded font is valid"))
}

/// Does the embedded font have a glyph for `c` (else it would draw a box)?
pub fn font_has(c: char) -> bool {
    use ab_glyph::Font;
    font().glyph_id(c).0 != 0
}

/// Registers the embedded font with plotters (once; later calls do nothing).
pub fn register_fonts() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            let _ = plotters::style::register_font(FAMILY, style, FONT_BYTES);
        }
    });
}

/// Colours (Okabe-Ito) and their meaning.
pub mod colours {
    use plotters::style::RGBColor;
    /// Meets: dark blue.
    pub const MEETS: RGBColor = RGBColor(0, 114, 178);
    /// Fails: vermillion (lighter than blue in greyscale).
    pub const FAILS: RGBColor = RGBColor(213, 94, 0);
    /// Missing: light grey, drawn hatched.
    pub const MISSING: RGBColor = RGBColor(200, 200, 200);
    /// Waived: reddish purple.
    pub const WAIVED: RGBColor = RGBColor(204, 121, 167);
    /// To be verified (met on estimates): orange.
    pub const TO_VERIFY: RGBColor = RGBColor(230, 159, 0);
    /// Tier unconfirmed: yellow.
    pub const TIER_UNCONFIRMED: RGBColor = RGBColor(240, 228, 66);
    /// Not applicable: near white with an outline.
    pub const NOT_APPLICABLE: RGBColor = RGBColor(240, 240, 240);
    pub const INK: RGBColor = RGBColor(33, 33, 33);
    pub const GRID: RGBColor = RGBColor(220, 220, 220);
    pub const REFERENCE: RGBColor = RGBColor(86, 180, 233);
    pub const ACCENT: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(230, 159, 0);
    /// Level colours, best first (lightness falls with the level).
    pub const LEVELS: [RGBColor; 5] = [
        RGBColor(0, 114, 178),
        RGBColor(86, 180, 233),
        RGBColor(230, 159, 0),
        RGBColor(213, 94, 0),
        RGBColor(120, 120, 120),
    ];
}

/// The colour of a status.
pub fn status_colour(s: Status) -> RGBColor {
    match s {
        Status::Meets => colours::MEETS,
        Status::Fails => colours::FAILS,
        Status::Missing => colours::MISSING,
        Status::Waived => colours::WAIVED,
        Status::NotApplicable => colours::NOT_APPLICABLE,
        Status::ToVerify => colours::TO_VERIFY,
        Status::TierUnconfirmed => colours::TIER_UNCONFIRMED,
    }
}

/// A chart that can draw itself on any plotters backend.
pub trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// File stem, e.g. `scorecard`.
    fn name(&self) -> &'static str;
    /// Draws the chart.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// A plotters error as text.
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Renders a chart as SVG with text as outlines.
pub fn svg(chart: &impl Chart) -> Result<String, String> {
    Ok(svgtext::outline_text(
        &svg_with_text(chart)?,
        font(),
        chart.name(),
    ))
}

/// Renders a chart once as both SVGs: (`svg`, as [`svg`] gives it; the same with its text as
/// `<text>` elements, for a reader that has the embedded font (the PDF typesetter): the text
/// stays text, found by search and copy).
///
/// In the second, each element's `opacity` becomes the opacity of its fill and stroke (the same
/// picture for plotters' single-paint elements): in a PDF an element's group opacity is a
/// transparency group of its own, and a park's charts made some 1,900 of them (0.9 MB a
/// document).
pub fn svg_both(chart: &impl Chart) -> Result<(String, String), String> {
    let drawn = svg_with_text(chart)?;
    Ok((
        svgtext::outline_text(&drawn, font(), chart.name()),
        paint_opacity(&drawn),
    ))
}

fn paint_opacity(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(at) = rest.find(" opacity=\"") {
        out.push_str(&rest[..at]);
        let value_at = at + " opacity=\"".len();
        let Some(len) = rest[value_at..].find('"') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let value = &rest[value_at..value_at + len];
        if value != "1" {
            out.push_str(&format!(
                " fill-opacity=\"{value}\" stroke-opacity=\"{value}\""
            ));
        }
        rest = &rest[value_at + len + 1..];
    }
    out.push_str(rest);
    out
}

fn svg_with_text(chart: &impl Chart) -> Result<String, String> {
    register_fonts();
    let mut s = String::new();
    {
        let area = SVGBackend::with_string(&mut s, chart.size()).into_drawing_area();
        area.fill(&WHITE).map_err(err)?;
        chart.draw(&area)?;
        area.present().map_err(err)?;
    }
    Ok(s)
}

/// Renders a chart as PNG at 2x resolution for slides.
pub fn png(chart: &impl Chart) -> Result<Vec<u8>, String> {
    register_fonts();
    let (w, h) = chart.size();
    let mut buf = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        area.fill(&WHITE).map_err(err)?;
        chart.draw(&area)?;
        area.present().map_err(err)?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&buf).map_err(err)?;
    }
    Ok(out)
}

/// Text style of the charts.
pub(crate) fn text(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&colours::INK)
}

/// A chart's word in its language (the `plot` section of the locale files).
pub(crate) fn word(lang: parkbench_core::i18n::Lang, key: &'static str) -> &'static str {
    parkbench_core::i18n::Locale::get(lang).raw(key)
}

/// The width in pixels of `s` set in the charts' font at `size` px.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    use ab_glyph::Font;
    let f = font();
    f64::from(svgtext::width_units(s, f)) * size / f64::from(f.units_per_em().unwrap_or(1000.0))
}

/// Breaks a label into lines no wider than `max_px` at `size` px: at spaces in Latin text,
/// between any two characters in Chinese; a word wider than the line is broken where it must.
/// Nothing is cut.
pub(crate) fn wrap(s: &str, max_px: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    // Pieces: a Latin word with the space after it, or one wide character.
    let mut pieces: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if c.is_ascii() || c == '·' || c == '×' {
            word.push(c);
            if c == ' ' {
                pieces.push(std::mem::take(&mut word));
            }
        } else {
            if !word.is_empty() {
                pieces.push(std::mem::take(&mut word));
            }
            pieces.push(c.to_string());
        }
    }
    if !word.is_empty() {
        pieces.push(word);
    }
    for p in pieces {
        let candidate = format!("{line}{p}");
        if line.is_empty() || text_width(candidate.trim_end(), size) <= max_px {
            line = candidate;
            // A single piece wider than the line: broken by characters.
            while text_width(line.trim_end(), size) > max_px && line.chars().count() > 1 {
                let mut head = String::new();
                for c in line.chars() {
                    if !head.is_empty() && text_width(&format!("{head}{c}"), size) > max_px {
                        break;
                    }
                    head.push(c);
                }
                let rest = line[head.len()..].to_string();
                lines.push(head);
                line = rest;
            }
        } else {
            lines.push(line.trim_end().to_string());
            line = p;
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Draws `lines` centred vertically on `y` (one line `gap` px below the other), anchored by
/// `h` at `x`.
pub(crate) fn draw_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lines: &[String],
    (x, y): (i32, i32),
    size: f64,
    h: plotters::style::text_anchor::HPos,
) -> Result<(), String> {
    use plotters::style::text_anchor::{Pos, VPos};
    let gap = (size * 1.25).round() as i32;
    let top = y - gap * (lines.len() as i32 - 1) / 2;
    for (k, l) in lines.iter().enumerate() {
        area.draw_text(
            l,
            &text(size).pos(Pos::new(h, VPos::Center)),
            (x, top + gap * k as i32),
        )
        .map_err(err)?;
    }
    Ok(())
}

/// What stands before an entry of a chart's key: its number (a bar, a column) or a line of the
/// colour and width drawn in the chart.
pub(crate) enum KeyMark {
    Number(usize),
    Line(RGBColor, u32),
}

/// Draws a key from `y` down, an entry a mark and its wrapped lines (`line_h` px apart at
/// `size` px); returns the y under it.
pub(crate) fn draw_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: Vec<(KeyMark, Vec<String>)>,
    mut y: i32,
    (line_h, size): (i32, f64),
) -> Result<i32, String> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    for (mark, lines) in entries {
        match mark {
            KeyMark::Number(k) => area
                .draw_text(
                    &k.to_string(),
                    &text(size).pos(Pos::new(HPos::Right, VPos::Top)),
                    (40, y),
                )
                .map_err(err)?,
            KeyMark::Line(colour, width) => area
                .draw(&PathElement::new(
                    vec![(16, y + line_h / 2 - 1), (40, y + line_h / 2 - 1)],
                    colour.stroke_width(width),
                ))
                .map_err(err)?,
        }
        for l in lines {
            area.draw_text(
                &l,
                &text(size).pos(Pos::new(HPos::Left, VPos::Top)),
                (50, y),
            )
            .map_err(err)?;
            y += line_h;
        }
    }
    Ok(y)
}

/// A text as a chart placed it: its words and its box in pixels (x0, y0, x1, y1).
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    pub text: String,
    pub rect: (f64, f64, f64, f64),
}

/// The boxes of the texts of a chart's SVG (as [`svg`] writes it: each text a group with its
/// words as a title and its glyphs placed by a matrix), from the font's advances, ascent and
/// descent; rotated texts are left out. What a test of overlapping or cut labels reads.
pub fn text_boxes(svg: &str) -> Vec<TextBox> {
    svgtext::boxes(svg, font())
}

/// Cuts a label to `max` characters with an ellipsis.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Draws diagonal hatching in a rectangle (how "missing" looks in greyscale).
pub(crate) fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
) -> Result<(), String> {
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colours::MISSING.mix(0.35).filled(),
    ))
    .map_err(err)?;
    let mut x = x0 - (y1 - y0);
    while x < x1 {
        let (ax, ay) = (x.max(x0), y1 - (x.max(x0) - x));
        let end = (x + (y1 - y0)).min(x1);
        let (bx, by) = (end, y1 - (end - x));
        area.draw(&PathElement::new(
            vec![(ax, ay), (bx, by)],
            colours::MISSING.stroke_width(1),
        ))
        .map_err(err)?;
        x += 6;
    }
    area.draw(&Rectangle::new(
        [(x0, y0), (x1, y1)],
        colours::MISSING.stroke_width(1),
    ))
    .map_err(err)
}

#[cfg(test)]
mod opacity_tests {
    #[test]
    fn element_opacity_becomes_paint_opacity() {
        let svg = r##"<line opacity="0.5" stroke="#DCDCDC"/><rect opacity="1" fill="#FFF"/><text opacity="0.2">a</text>"##;
        assert_eq!(
            super::paint_opacity(svg),
            r##"<line fill-opacity="0.5" stroke-opacity="0.5" stroke="#DCDCDC"/><rect fill="#FFF"/><text fill-opacity="0.2" stroke-opacity="0.2">a</text>"##
        );
        // A value without its closing quote is left as it is.
        assert_eq!(
            super::paint_opacity(r#"<a opacity="0.5"#),
            r#"<a opacity="0.5"#
        );
    }
}
