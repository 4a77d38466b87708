//! The workbook's first sheet: its title, the benchmark set, the identification block (client,
//! preparer, issue date, data period, set and version, parkbench version, report id), the
//! sheets that follow with what each holds (each name a link to its sheet), and how numbers
//! are shown. Printed on one A4 page.

use rust_xlsxwriter::{Format, FormatAlign, FormatUnderline, Url, Worksheet, XlsxError};

use super::{Context, PAPER_A4, Styles, lines, set_lines, text_width};

/// The cover's two columns, in characters: labels and sheet names, then values.
const LABEL_WIDTH: f64 = 24.0;
const VALUE_WIDTH: f64 = 72.0;
/// Font sizes of the title and of the set's title (points).
const TITLE_SIZE: f64 = 16.0;
const SUBTITLE_SIZE: f64 = 12.0;
/// The grey of labels and small print, and the blue of links to the sheets.
const MUTED: u32 = 0x5F5F5F;
const LINK: u32 = 0x0563C1;
/// The rows the title lines take, and the blank row after each block.
const TITLE_ROWS: u32 = 3;
const GAP: u32 = 1;

/// Writes the cover of a workbook whose table sheets are `keys`, in order.
pub(super) fn write(
    sheet: &mut Worksheet,
    ctx: &Context,
    keys: &[&'static str],
    styles: &Styles,
) -> Result<(), XlsxError> {
    let words = ctx.words;
    let muted = Format::new()
        .set_font_color(MUTED)
        .set_align(FormatAlign::Top);
    sheet.set_name(words.raw("xlsx.cover.sheet"))?;
    let title = Format::new().set_bold().set_font_size(TITLE_SIZE);
    sheet.write_string_with_format(0, 0, words.raw("xlsx.cover.title"), &title)?;
    let subtitle = Format::new().set_font_size(SUBTITLE_SIZE);
    sheet.write_string_with_format(1, 0, &ctx.title, &subtitle)?;
    sheet.write_string_with_format(2, 0, &ctx.document, &muted)?;
    let mut r = TITLE_ROWS + GAP;
    for (label, value) in &ctx.ident {
        sheet.write_string_with_format(r, 0, label, &muted)?;
        wrapped(sheet, r, value, &styles.wrapped)?;
        r += 1;
    }
    r += GAP;
    sheet.write_string_with_format(r, 0, words.raw("xlsx.cover.sheets"), &styles.header)?;
    sheet.write_string_with_format(r, 1, words.raw("xlsx.cover.what"), &styles.header)?;
    let link_format = Format::new()
        .set_font_color(LINK)
        .set_underline(FormatUnderline::Single)
        .set_align(FormatAlign::Top);
    for key in keys {
        r += 1;
        let name = ctx.sheet_name(key);
        let link = Url::new(format!("internal:'{}'!A1", name.replace('\'', "''"))).set_text(name);
        sheet.write_url_with_format(r, 0, link, &link_format)?;
        let about = words
            .lookup(&format!("xlsx.about.{key}"))
            .unwrap_or_default();
        wrapped(sheet, r, about, &styles.wrapped)?;
    }
    r += 1 + GAP;
    let note = muted.clone().set_text_wrap();
    wrapped(sheet, r, words.raw("xlsx.cover.formats"), &note)?;
    sheet.write_string_with_format(r + 1 + GAP, 1, &ctx.footer, &muted)?;
    sheet.set_column_width(0, LABEL_WIDTH)?;
    sheet.set_column_width(1, VALUE_WIDTH)?;
    sheet.set_paper_size(PAPER_A4).set_print_fit_to_pages(1, 1);
    Ok(())
}

/// Writes `text` in the value column of row `r`, wrapped, the row as tall as its lines.
fn wrapped(sheet: &mut Worksheet, r: u32, text: &str, format: &Format) -> Result<(), XlsxError> {
    sheet.write_string_with_format(r, 1, text, format)?;
    set_lines(sheet, r, lines(text_width(text), VALUE_WIDTH as usize))
}
