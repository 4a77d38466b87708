//! `.xlsx` and `.xlsm` (Office Open XML): the sheets parkbench reads, as a stream of cells.
//!
//! Read here, from the file itself: which sheets are hidden (`state="hidden"`), the number
//! format of each cell (a percentage, a date), shared strings (phonetic guides left out),
//! formulas and whether their value was computed (a workbook that asks to be recalculated when
//! opened, as xlsxwriter and openpyxl write it, has no values to trust), merged ranges, and the
//! 1904 date system. Every part is streamed through [`super::zipped::Archive`].

use quick_xml::events::{BytesRef, BytesStart, Event};

use super::builder::{Builder, Kind};
use super::numfmt::{self, NumClass};
use super::zipped::Archive;
use super::{Book, sheet_role};
use crate::diag::{Diagnostic, Notice, Origin, Report};
use crate::reference::ColumnWords;
use crate::reference::WorkbookLimits;

/// A sheet as the workbook lists it.
pub(crate) struct SheetRef {
    pub name: String,
    path: String,
    pub hidden: bool,
}

/// What the workbook part says about the whole book.
struct Info {
    sheets: Vec<SheetRef>,
    date1904: bool,
    /// `fullCalcOnLoad`: the writer asks to be recalculated, so a cached 0 is its placeholder
    /// (xlsxwriter and rust_xlsxwriter store 0 for every formula they were given no value for).
    recalc: bool,
    styles: Option<String>,
    strings: Option<String>,
}

/// The sheets of a workbook, by name, in workbook order (nothing else is read).
pub(crate) fn sheets(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
) -> Result<Vec<SheetRef>, Diagnostic> {
    let mut ar = Archive::open(file, bytes, limits)?;
    Ok(info(&mut ar)?.sheets)
}

/// Reads the sheets whose names give them a role; hidden ones are skipped and said so.
pub(crate) fn read(
    file: &str,
    bytes: &[u8],
    limits: WorkbookLimits,
    words: &ColumnWords,
    problems: &mut Report,
) -> Result<Book, Diagnostic> {
    let mut ar = Archive::open(file, bytes, limits)?;
    let info = info(&mut ar)?;
    let wanted: Vec<&SheetRef> = info
        .sheets
        .iter()
        .filter(|s| sheet_role(&s.name).is_some())
        .collect();
    let mut book = Book {
        names: info.sheets.iter().map(|s| s.name.clone()).collect(),
        ..Book::default()
    };
    if wanted.iter().all(|s| s.hidden) {
        // Nothing to read: say why without reading styles or strings.
        for s in &wanted {
            book.notices.push(hidden(file, &s.name));
        }
        return Ok(book);
    }
    let styles = match &info.styles {
        Some(p) => styles(&mut ar, p)?,
        None => Vec::new(),
    };
    let strings = match &info.strings {
        Some(p) => shared_strings(&mut ar, p, &limits)?,
        None => Strings::default(),
    };
    let ctx = Ctx {
        styles,
        strings,
        date1904: info.date1904,
        recalc: info.recalc,
        limits,
        words,
    };
    for s in wanted {
        let Some(role) = sheet_role(&s.name) else {
            continue;
        };
        if s.hidden {
            book.notices.push(hidden(file, &s.name));
            continue;
        }
        let origin = Origin::sheet(file, &s.name);
        let sheet = read_sheet(&mut ar, &ctx, &s.path, origin, problems)?;
        book.notices.extend(sheet.notices);
        book.sheets.push((role, sheet.table));
    }
    Ok(book)
}

pub(crate) fn hidden(file: &str, sheet: &str) -> Notice {
    Notice::new(
        Origin::sheet(file, sheet),
        0,
        t!("diag.sheet_hidden_skipped"),
    )
}

struct Ctx<'w> {
    styles: Vec<NumClass>,
    strings: Strings,
    date1904: bool,
    recalc: bool,
    limits: WorkbookLimits,
    words: &'w ColumnWords,
}

/// Shared strings as one text and the end of each.
#[derive(Default)]
struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..end)
    }
}

pub(crate) fn attr(e: &BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

fn truthy(v: Option<String>) -> bool {
    matches!(v.as_deref(), Some("1") | Some("true") | Some("on"))
}

/// A character of an entity reference (`&amp;`, `&#x4E2D;`).
pub(crate) fn entity(r: &BytesRef<'_>) -> Option<char> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c);
    }
    match r.as_ref() {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => None,
    }
}

/// A part's path relative to the folder of `base` (`xl/workbook.xml` + `worksheets/sheet1.xml`).
fn resolve(base: &str, target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// Relationships of a part: (id, type, target resolved against `base`).
fn rels(
    ar: &mut Archive<'_>,
    rels_path: &str,
    base: &str,
) -> Result<Vec<(String, String, String)>, Diagnostic> {
    let mut out = Vec::new();
    let Some(mut r) = ar.xml(rels_path)? else {
        return Ok(out);
    };
    let mut buf = Vec::new();
    loop {
        let ev = r.read_event_into(&mut buf);
        match ev {
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if e.local_name().as_ref() == "Relationship" =>
            {
                let id = attr(&e, "Id").unwrap_or_default();
                let ty = attr(&e, "Type").unwrap_or_default();
                let target = attr(&e, "Target").unwrap_or_default();
                let external = attr(&e, "TargetMode").is_some_and(|m| m == "External");
                if !external {
                    out.push((id, ty, resolve(base, &target)));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                drop(r);
                return Err(ar.failed(rels_path, None, &e));
            }
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

fn info(ar: &mut Archive<'_>) -> Result<Info, Diagnostic> {
    let top = rels(ar, "_rels/.rels", "")?;
    let wb = top
        .iter()
        .find(|(_, ty, _)| ty.ends_with("/officeDocument"))
        .map(|(_, _, t)| t.clone())
        .unwrap_or_else(|| "xl/workbook.xml".into());
    let (dir, name) = wb.rsplit_once('/').unwrap_or(("", wb.as_str()));
    let rels_path = if dir.is_empty() {
        format!("_rels/{name}.rels")
    } else {
        format!("{dir}/_rels/{name}.rels")
    };
    let wb_rels = rels(ar, &rels_path, &wb)?;
    let of_type = |suffix: &str| {
        wb_rels
            .iter()
            .find(|(_, ty, _)| ty.ends_with(suffix))
            .map(|(_, _, t)| t.clone())
    };
    let styles = of_type("/styles").or_else(|| ar.find(&resolve(&wb, "styles.xml")));
    let strings = of_type("/sharedStrings").or_else(|| ar.find(&resolve(&wb, "sharedStrings.xml")));
    let mut info = Info {
        sheets: Vec::new(),
        date1904: false,
        recalc: false,
        styles,
        strings,
    };
    let Some(mut r) = ar.xml(&wb)? else {
        return Err(super::zipped::unreadable(
            ar.file(),
            &wb,
            "no workbook part",
        ));
    };
    let mut buf = Vec::new();
    let mut failed = None;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "sheet" => {
                    let name = attr(&e, "name").unwrap_or_default();
                    let state = attr(&e, "state").unwrap_or_default();
                    let id = attr(&e, "id").unwrap_or_default();
                    let path = wb_rels
                        .iter()
                        .find(|(i, _, _)| *i == id)
                        .map(|(_, _, t)| t.clone())
                        .unwrap_or_default();
                    info.sheets.push(SheetRef {
                        name,
                        path,
                        hidden: state == "hidden" || state == "veryHidden",
                    });
                    if info.sheets.len() > 100_000 {
                        break;
                    }
                }
                "workbookPr" => info.date1904 = truthy(attr(&e, "date1904")),
                "calcPr" => info.recalc = truthy(attr(&e, "fullCalcOnLoad")),
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => {
                failed = Some(e);
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    drop(r);
    if let Some(e) = failed {
        return Err(ar.failed(&wb, None, &e));
    }
    Ok(info)
}

/// The number class of each cell format (`cellXfs`, by index).
fn styles(ar: &mut Archive<'_>, path: &str) -> Result<Vec<NumClass>, Diagnostic> {
    let mut custom: Vec<(u32, NumClass)> = Vec::new();
    let mut xfs = Vec::new();
    let Some(mut r) = ar.xml(path)? else {
        return Ok(xfs);
    };
    let mut buf = Vec::new();
    let mut in_xfs = false;
    let mut failed = None;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId"), attr(&e, "formatCode"))
                        && let Ok(id) = id.parse::<u32>()
                        && custom.len() < 100_000
                    {
                        custom.push((id, numfmt::custom(&code)));
                    }
                }
                "cellXfs" => in_xfs = true,
                "xf" if in_xfs && xfs.len() < 1_000_000 => {
                    let id = attr(&e, "numFmtId")
                        .and_then(|v| v.parse::<u32>().ok())
                        .unwrap_or(0);
                    let class = custom
                        .iter()
                        .rev()
                        .find(|(i, _)| *i == id)
                        .map_or_else(|| numfmt::builtin(id), |(_, c)| *c);
                    xfs.push(class);
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == "cellXfs" => in_xfs = false,
            Ok(Event::Eof) => break,
            Err(e) => {
                failed = Some(e);
                break;
            }
            _ => {}
        }
        buf.clear();
    }
    drop(r);
    match failed {
        Some(e) => Err(ar.failed(path, None, &e)),
        None => Ok(xfs),
    }
}

/// The shared strings, bounded by `shared_strings_bytes` in all and `cell_chars` each.
fn shared_strings(
    ar: &mut Archive<'_>,
    path: &str,
    l: &WorkbookLimits,
) -> Result<Strings, Diagnostic> {
    let file = ar.file().to_string();
    let mut out = Strings::default();
    let Some(mut r) = ar.xml(path)? else {
        return Ok(out);
    };
    let mut buf = Vec::new();
    let (mut in_t, mut in_phonetic) = (false, 0u32);
    let mut si_start = 0usize;
    let mut failed = None;
    let too_long = |what: crate::i18n::Text| {
        Diagnostic::error(file.as_str(), 0, 0, what).expected(t!(
            "diag.expected.shared_strings",
            mb = l.shared_strings_bytes / 1_000_000,
            n = l.cell_chars
        ))
    };
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "si" => si_start = out.text.len(),
                "t" if in_phonetic == 0 => in_t = true,
                "rPh" => in_phonetic += 1,
                _ => {}
            },
            Ok(Event::Empty(e)) if e.local_name().as_ref() == "si" => {
                out.ends.push(out.text.len() as u32);
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "si" => {
                    if out.ends.len() >= l.cells {
                        return Err(too_long(t!("diag.shared_strings_too_many", n = l.cells)));
                    }
                    out.ends.push(out.text.len() as u32);
                }
                "t" => in_t = false,
                "rPh" => in_phonetic = in_phonetic.saturating_sub(1),
                _ => {}
            },
            Ok(Event::Text(e)) if in_t => out.text.push_str(&e.xml10_content()),
            Ok(Event::CData(e)) if in_t => out.text.push_str(&e.into_inner()),
            Ok(Event::GeneralRef(e)) if in_t => {
                if let Some(c) = entity(&e) {
                    out.text.push(c);
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                failed = Some(e);
                break;
            }
            _ => {}
        }
        if in_t {
            let len = out.text.len() - si_start;
            if len > l.cell_chars * 4 && out.text[si_start..].chars().count() > l.cell_chars {
                return Err(too_long(t!(
                    "diag.shared_string_too_long",
                    n = l.cell_chars
                )));
            }
            if out.text.len() as u64 > l.shared_strings_bytes {
                return Err(too_long(t!(
                    "diag.shared_strings_too_big",
                    mb = l.shared_strings_bytes / 1_000_000
                )));
            }
        }
        buf.clear();
    }
    drop(r);
    match failed {
        Some(e) => Err(ar.failed(path, None, &e)),
        None => Ok(out),
    }
}

/// `B12` -> (11, 1), 0-based; None when it is not a cell reference.
pub(crate) fn cell_ref(s: &str) -> Option<(u32, u32)> {
    let letters = s.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for b in s[..letters].bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = s[letters..].parse().ok()?;
    (row >= 1 && col >= 1).then(|| (row - 1, col - 1))
}

/// The cell being read.
#[derive(Default)]
struct Cur {
    row: u32,
    col: u32,
    style: usize,
    ty: String,
    formula: Option<String>,
    value: Option<String>,
    inline: String,
    /// A cell was met (its row and column say where the parser is).
    seen: bool,
}

/// Where in a cell the parser is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Nothing,
    Formula,
    Value,
    Inline,
}

fn read_sheet(
    ar: &mut Archive<'_>,
    ctx: &Ctx,
    path: &str,
    origin: Origin,
    problems: &mut Report,
) -> Result<super::builder::Sheet, Diagnostic> {
    let mut b = Builder::new(origin.clone(), ctx.limits, ctx.words);
    let Some(mut r) = ar.xml(path)? else {
        return Err(super::zipped::unreadable(
            &origin.file,
            path,
            "no such part",
        ));
    };
    let mut buf = Vec::new();
    let mut cur = Cur::default();
    let mut next_row: u32 = 0;
    let mut next_col: u32 = 0;
    let mut inside = In::Nothing;
    let mut in_cell = false;
    let mut in_phonetic = 0u32;
    let mut failed = None;
    loop {
        let ev = match r.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        let empty_tag = matches!(ev, Event::Empty(_));
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                match e.local_name().as_ref() {
                    "row" => {
                        // Its `r` (1-based), else after the last; an empty row is passed.
                        let r_attr = attr(&e, "r").and_then(|v| v.parse::<u32>().ok());
                        next_row = r_attr.map_or(next_row, |r| r.saturating_sub(1));
                        next_row = next_row.saturating_add(u32::from(empty_tag));
                        next_col = 0;
                    }
                    "c" => {
                        cur = Cur::start(&e, (next_row, next_col));
                        next_col = cur.col.saturating_add(1);
                        // An empty tag: a styled cell without a value.
                        in_cell = !empty_tag;
                    }
                    "f" if in_cell => {
                        cur.formula = Some(String::new());
                        inside = if empty_tag { In::Nothing } else { In::Formula };
                    }
                    "v" if in_cell && !empty_tag => {
                        cur.value = Some(String::new());
                        inside = In::Value;
                    }
                    "t" if in_cell && !empty_tag && in_phonetic == 0 => inside = In::Inline,
                    "rPh" if !empty_tag => in_phonetic += 1,
                    "mergeCell" => merge_cell(&e, &mut b)?,
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "c" => {
                    in_cell = false;
                    inside = In::Nothing;
                    let (kind, text) = cell_value(&cur, ctx);
                    b.cell(cur.row, cur.col, kind, &text)?;
                }
                "row" => next_row = next_row.saturating_add(1),
                "f" | "v" | "t" => inside = In::Nothing,
                "rPh" => in_phonetic = in_phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Text(e) => push_text(&mut cur, inside, &e.xml10_content()),
            Event::CData(e) => push_text(&mut cur, inside, &e.into_inner()),
            Event::GeneralRef(e) => {
                if let Some(c) = entity(&e) {
                    push_text(&mut cur, inside, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        // A cell's text is held while it is read: bounded here, before the builder sees it.
        if inside != In::Nothing {
            cur.check_length(&origin, ctx.limits.cell_chars)?;
        }
    }
    drop(r);
    if let Some(e) = failed {
        let at = cur
            .seen
            .then(|| crate::diag::location(&origin, cur.row as usize + 1, cur.col as usize + 1));
        return Err(ar.failed(&origin.to_string(), at.as_deref(), &e));
    }
    b.finish(problems)
}

impl Cur {
    /// A cell starts (`<c>`): where it is (its `r`, else after the last), its style and type.
    fn start(e: &BytesStart<'_>, (next_row, next_col): (u32, u32)) -> Cur {
        let (row, col) = attr(e, "r")
            .and_then(|v| cell_ref(&v))
            .unwrap_or((next_row, next_col));
        Cur {
            row,
            col,
            seen: true,
            style: attr(e, "s").and_then(|v| v.parse().ok()).unwrap_or(0),
            ty: attr(e, "t").unwrap_or_default(),
            ..Cur::default()
        }
    }

    /// The cell's text read so far may be at most four times a cell's characters in bytes.
    fn check_length(&self, origin: &Origin, cell_chars: usize) -> Result<(), Diagnostic> {
        let len = self.inline.len() + self.value.as_ref().map_or(0, String::len);
        if len > cell_chars * 4 {
            return Err(Diagnostic::error(
                origin,
                self.row as usize + 1,
                self.col as usize + 1,
                t!("diag.cell_too_long"),
            )
            .expected(t!("diag.expected.at_most_chars", n = cell_chars)));
        }
        Ok(())
    }
}

/// A merged range (`<mergeCell ref="A1:C2">`), given to the builder.
fn merge_cell(e: &BytesStart<'_>, b: &mut Builder) -> Result<(), Diagnostic> {
    if let Some(range) = attr(e, "ref") {
        let (a, z) = range.split_once(':').unwrap_or((&range, &range));
        if let (Some((r0, c0)), Some((r1, c1))) = (cell_ref(a), cell_ref(z)) {
            b.merge(r0, c0, r1, c1)?;
        }
    }
    Ok(())
}

fn push_text(cur: &mut Cur, inside: In, t: &str) {
    match inside {
        In::Formula => {
            if let Some(f) = &mut cur.formula
                && f.len() < 8_192
            {
                f.push_str(t);
            }
        }
        In::Value => {
            if let Some(v) = &mut cur.value {
                v.push_str(t);
            }
        }
        In::Inline => cur.inline.push_str(t),
        In::Nothing => {}
    }
}

/// A cell's value as the text an operator would have typed, and its kind. A formula counts with
/// its stored value; without one, or with the placeholder 0 of a workbook that asks to be
/// recalculated on opening, it is [`Kind::Formula`] (its value is unknown).
fn cell_value(c: &Cur, ctx: &Ctx) -> (Kind, String) {
    let placeholder = ctx.recalc
        && matches!(c.ty.as_str(), "" | "n" | "str")
        && c.value.as_deref().is_some_and(|v| v.trim() == "0");
    let computed = c.value.is_some() && !placeholder;
    if let Some(f) = &c.formula
        && !computed
    {
        let shown = if f.is_empty() { "…" } else { f.as_str() };
        return (Kind::Formula, format!("={shown}"));
    }
    let v = c.value.as_deref().unwrap_or("");
    match c.ty.as_str() {
        "s" => {
            let text = v
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| ctx.strings.get(i))
                .unwrap_or("");
            (Kind::Text, text.to_string())
        }
        "inlineStr" => (Kind::Text, c.inline.clone()),
        "str" => (Kind::Text, v.to_string()),
        "b" => (
            Kind::Other,
            if v.trim() == "1" { "1" } else { "0" }.to_string(),
        ),
        "e" => (Kind::Other, v.to_string()),
        "d" => (Kind::Date, numfmt::iso_date(v)),
        _ => {
            let Ok(f) = v.trim().parse::<f64>() else {
                return (Kind::Text, v.to_string());
            };
            if f == 0.0 && c.formula.is_some() {
                return (Kind::FormulaZero, "0".into());
            }
            match ctx.styles.get(c.style).copied().unwrap_or_default() {
                NumClass::Percent => (Kind::Number, numfmt::percent_text(f)),
                NumClass::Date => match numfmt::serial_date(f, ctx.date1904) {
                    Some(d) => (Kind::Date, d),
                    None => (Kind::Number, numfmt::number_text(f)),
                },
                NumClass::Plain => (Kind::Number, numfmt::number_text(f)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_and_paths() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("AB12"), Some((11, 27)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("12"), None);
        assert_eq!(
            resolve("xl/workbook.xml", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/workbook.xml", "/xl/styles.xml"),
            "xl/styles.xml"
        );
        assert_eq!(
            resolve("xl/workbook.xml", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
    }
}
