//! Turns the `<text>` elements that plotters writes into glyph outlines (`<path>`), so an SVG
//! chart shows the same letters in every browser and viewer, with or without Chinese fonts
//! installed. The outlines come from the embedded font.

use ab_glyph::{Font, FontRef, OutlineCurve};
use std::fmt::Write;

/// Replaces every `<text ...>...</text>` of `svg` with the outlines of its characters. Each
/// glyph is defined once (`<defs>`, ids prefixed with `prefix` so several charts can share a
/// page) and placed with `<use>`.
pub fn outline_text(svg: &str, font: &FontRef<'_>, prefix: &str) -> String {
    let mut out = String::with_capacity(svg.len() * 2);
    let mut glyphs: std::collections::BTreeMap<u16, String> = std::collections::BTreeMap::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let Some(close) = after.find("</text>") else {
            break;
        };
        let attrs = &after[5..open_end];
        // plotters writes a text between newlines; they are not part of it (as glyphs they
        // would move every text one advance to the right).
        let content = unescape(after[open_end + 1..close].trim_matches('\n'));
        out.push_str(&text_to_uses(attrs, &content, font, prefix, &mut glyphs));
        rest = &after[close + "</text>".len()..];
    }
    out.push_str(rest);
    // The glyph definitions go right after the opening <svg ...> tag.
    let mut defs = String::from("<defs>");
    for (id, d) in &glyphs {
        let _ = write!(defs, "<path id=\"{prefix}g{id}\" d=\"{d}\"/>");
    }
    defs.push_str("</defs>");
    match out
        .find("<svg")
        .and_then(|i| out[i..].find('>').map(|j| i + j + 1))
    {
        Some(at) => out.insert_str(at, &defs),
        None => out.push_str(&defs),
    }
    out
}

/// A glyph outline in font units (y up), as SVG path data.
fn glyph_path(outline: &ab_glyph::Outline) -> String {
    let mut d = String::new();
    let mut last: Option<(f32, f32)> = None;
    for curve in &outline.curves {
        let (p0, rest): (ab_glyph::Point, Vec<ab_glyph::Point>) = match curve {
            OutlineCurve::Line(a, b) => (*a, vec![*b]),
            OutlineCurve::Quad(a, b, c) => (*a, vec![*b, *c]),
            OutlineCurve::Cubic(a, b, c, e) => (*a, vec![*b, *c, *e]),
        };
        if last != Some((p0.x, p0.y)) {
            if last.is_some() {
                d.push('Z');
            }
            let _ = write!(d, "M{} {}", p0.x.round(), p0.y.round());
        }
        d.push(match rest.len() {
            1 => 'L',
            2 => 'Q',
            _ => 'C',
        });
        for (i, p) in rest.iter().enumerate() {
            if i > 0 {
                d.push(' ');
            }
            let _ = write!(d, "{} {}", p.x.round(), p.y.round());
        }
        let end = rest[rest.len() - 1];
        last = Some((end.x, end.y));
    }
    if last.is_some() {
        d.push('Z');
    }
    d
}

fn text_to_uses(
    attrs: &str,
    text: &str,
    font: &FontRef<'_>,
    prefix: &str,
    glyphs: &mut std::collections::BTreeMap<u16, String>,
) -> String {
    let num = |n: &str| attr(attrs, n).and_then(|v| v.parse::<f32>().ok());
    let x0 = num("x").unwrap_or(0.0);
    let y0 = num("y").unwrap_or(0.0);
    let size = num("font-size").unwrap_or(12.0);
    let upem = font.units_per_em().unwrap_or(1000.0);
    let s = size / upem;
    let width = width_units(text, font) * s;
    let x = match attr(attrs, "text-anchor") {
        Some("middle") => x0 - width / 2.0,
        Some("end") => x0 - width,
        _ => x0,
    };
    // plotters positions text with dy in em/ex; the baseline follows the same rule.
    let baseline = y0
        + match attr(attrs, "dy") {
            Some("0.76em") => 0.76 * size,
            Some("0.5ex") => 0.27 * size,
            Some("-0.5ex") => -0.27 * size,
            _ => 0.0,
        };
    let fill = attr(attrs, "fill").unwrap_or("#000000");
    let opacity = attr(attrs, "opacity").unwrap_or("1");
    let transform = attr(attrs, "transform")
        .map(|t| format!(" transform=\"{}\"", escape_attr(t)))
        .unwrap_or_default();
    let mut out = format!(
        "<g fill=\"{}\" opacity=\"{}\"{transform}><title>{}</title>",
        escape_attr(fill),
        escape_attr(opacity),
        escape_text(text)
    );
    let mut pen = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += font.kern_unscaled(p, id);
        }
        if let Some(outline) = font.outline(id) {
            glyphs.entry(id.0).or_insert_with(|| glyph_path(&outline));
            let _ = write!(
                out,
                "<use href=\"#{prefix}g{}\" transform=\"matrix({s:.5} 0 0 {:.5} {:.2} {:.2})\"/>",
                id.0,
                -s,
                x + pen * s,
                baseline
            );
        }
        pen += font.h_advance_unscaled(id);
        prev = Some(id);
    }
    out.push_str("</g>");
    out
}

fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = attrs.find(&key)? + key.len();
    let j = attrs[i..].find('"')?;
    Some(&attrs[i..i + j])
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The ideographic em box around the baseline, in em: what a glyph of the font occupies (the
/// font's ascent and descent, 1.16 and 0.29 em, include the line gap and would make two lines
/// set one under the other "overlap").
const EM_TOP: f32 = 0.88;
const EM_BOTTOM: f32 = 0.12;

/// The boxes of the outlined texts of `svg` (see [`outline_text`]): a group per text with its
/// words as its title and each glyph placed by `matrix(s 0 0 -s x y)`; the box runs from the
/// first glyph's x over the text's advance, and over the ideographic em box around the baseline. Groups with a transform (rotated axis titles) are left out.
pub fn boxes(svg: &str, font: &FontRef<'_>) -> Vec<super::TextBox> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find("<g fill=") {
        let g = &rest[at..];
        let Some(end) = g.find("</g>") else {
            break;
        };
        let group = &g[..end];
        rest = &g[end..];
        let head = &group[..group.find('>').unwrap_or(0)];
        let (Some(t0), Some(t1)) = (group.find("<title>"), group.find("</title>")) else {
            continue;
        };
        if head.contains("transform=") {
            continue;
        }
        let words = unescape(&group[t0 + "<title>".len()..t1]);
        let Some(m) = group.find("matrix(") else {
            continue;
        };
        let nums: Vec<f32> = group[m + "matrix(".len()..]
            .split(')')
            .next()
            .unwrap_or("")
            .split(' ')
            .filter_map(|x| x.parse().ok())
            .collect();
        let [s, _, _, _, x, y] = nums[..] else {
            continue;
        };
        // The first glyph drawn may follow leading spaces.
        let lead: String = words.chars().take_while(|c| c.is_whitespace()).collect();
        let x0 = x - width_units(&lead, font) * s;
        let w = width_units(&words, font) * s;
        let em = font.units_per_em().unwrap_or(1000.0) * s;
        let (asc, desc) = (EM_TOP * em, EM_BOTTOM * em);
        let trimmed = words.trim();
        if trimmed.is_empty() {
            continue;
        }
        out.push(super::TextBox {
            text: trimmed.to_string(),
            rect: (
                f64::from(x0),
                f64::from(y - asc),
                f64::from(x0 + w),
                f64::from(y + desc),
            ),
        });
    }
    out
}

/// Width of `text` in font units.
pub fn width_units(text: &str, font: &FontRef<'_>) -> f32 {
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            w += font.kern_unscaled(p, id);
        }
        w += font.h_advance_unscaled(id);
        prev = Some(id);
    }
    w
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
