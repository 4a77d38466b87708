//! PDF documents, typeset in-process by typst used as a library.
//!
//! The layout is typst code shipped in the binary (`templates/common.typ`, `park.typ`,
//! `programme.typ`); the facts come as `data.json`, the same view the HTML page renders,
//! read with typst's `json()`. Data is never spliced into markup, so no park name, rule text or
//! source can change the document's code. The fonts are the embedded Noto Sans CJK SC subsets,
//! Regular (also used by the charts) and Bold (headings, labels, table heads); typst embeds the
//! glyphs a document uses, subset. No clock is read
//! and the document identifier is derived from the file's name, so the same input gives the
//! same bytes.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;

use super::ReportError;

/// Which document to typeset.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Park,
    Programme,
}

/// The bold face of the embedded font, for the documents only (charts draw no bold text).
static BOLD_FONT_BYTES: &[u8] = include_bytes!("../plot/fonts/NotoSansSC-Bold-subset.otf");

/// What every document shares: typst's standard library, the font and the layout code.
struct Typesetter {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    common: Source,
    park: Source,
    programme: Source,
    data_id: FileId,
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a plain relative path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

static TYPESETTER: LazyLock<Typesetter> = LazyLock::new(|| {
    let fonts: Vec<Font> = [crate::plot::FONT_BYTES, BOLD_FONT_BYTES]
        .into_iter()
        .flat_map(|bytes| Font::iter(Bytes::new(bytes)))
        .collect();
    assert_eq!(fonts.len(), 2, "both embedded faces load");
    let source = |name: &str, text: &str| Source::new(file_id(name), text.to_string());
    Typesetter {
        library: LazyHash::new(Library::builder().build()),
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
        common: source("common.typ", include_str!("templates/common.typ")),
        park: source("park.typ", include_str!("templates/park.typ")),
        programme: source("programme.typ", include_str!("templates/programme.typ")),
        data_id: file_id("data.json"),
    }
});

/// One document being typeset: the shared layout code and this document's facts.
struct Document<'a> {
    ts: &'a Typesetter,
    main: &'a Source,
    data: Bytes,
}

impl World for Document<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.ts.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.ts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        [&self.ts.common, &self.ts.park, &self.ts.programme]
            .into_iter()
            .find(|s| s.id() == id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.ts.data_id {
            return Ok(self.data.clone());
        }
        self.source(id)
            .map(|s| Bytes::from_string(s.text().to_string()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.ts.fonts.get(index).cloned()
    }

    /// No clock: a document shows a date only when the caller puts one in its facts.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// The threads that typeset, apart from the report's: typst parallelises its own work with
/// rayon, and a report worker that waited for it inside the report's pool would start the next
/// park's PDF meanwhile, nested inside the first: one PDF inside another, as many deep as there
/// are parks (found at 100 parks: 1.7 GB; at 1,000 the process died).
static POOL: LazyLock<rayon::ThreadPool> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(|i| format!("parkbench-pdf-{i}"))
        .stack_size(16 << 20)
        .build()
        .expect("threads for typesetting")
});

/// Typesets `data` (the page's facts as JSON) as a PDF. `ident` names the document stably (its
/// set and its path in the report); it seeds the PDF's identifier.
///
/// The caller's thread waits without taking other work: the document is typeset on [`POOL`],
/// entered from a thread of its own (a rayon worker entering another pool would take work from
/// its own pool while it waits).
pub(super) fn render(kind: Kind, data: Vec<u8>, ident: &str) -> Result<Vec<u8>, ReportError> {
    std::thread::scope(|s| {
        s.spawn(|| POOL.install(|| typeset(kind, data, ident)))
            .join()
            .unwrap_or_else(|_| {
                Err(ReportError::Pdf(
                    ident.to_string(),
                    "typesetting failed".into(),
                ))
            })
    })
}

fn typeset(kind: Kind, data: Vec<u8>, ident: &str) -> Result<Vec<u8>, ReportError> {
    let ts = &*TYPESETTER;
    let main = match kind {
        Kind::Park => &ts.park,
        Kind::Programme => &ts.programme,
    };
    let doc = Document {
        ts,
        main,
        data: Bytes::new(data),
    };
    let fail = |diags: &[SourceDiagnostic]| {
        let text = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                // Where in the layout code: a fault of parkbench's, not of the data.
                let at = d.span.id().and_then(|id| {
                    let source = doc.source(id).ok()?;
                    let line = source.lines().byte_to_line(doc.range(d.span)?.start)?;
                    Some(format!(
                        "{}:{}: ",
                        id.get().vpath().get_without_slash(),
                        line + 1
                    ))
                });
                format!("{}{}", at.unwrap_or_default(), d.message)
            })
            .collect::<Vec<_>>()
            .join("; ");
        ReportError::Pdf(ident.to_string(), text)
    };
    let compiled = typst::compile::<PagedDocument>(&doc);
    let paged = compiled.output.map_err(|e| fail(&e))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident.to_string()),
        creator: Smart::Custom(Some(format!("parkbench {}", env!("CARGO_PKG_VERSION")))),
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&paged, &options).map_err(|e| fail(&e))?;
    // typst memoises layout work between documents; entries no document used lately go, so a
    // programme of 1,000 parks does not keep every park's layout in memory.
    typst::comemo::evict(2);
    Ok(pdf)
}

/// A page's facts as typst reads them (`data.json`).
pub(super) fn facts(page: &minijinja::Value) -> Result<Vec<u8>, ReportError> {
    serde_json::to_vec(page).map_err(|e| ReportError::Pdf("data.json".into(), e.to_string()))
}
