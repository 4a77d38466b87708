//! The ZIP container of `.xlsx` and `.ods` files, read with every bound applied while reading:
//! a part is inflated as a stream, never held whole; the bytes inflated, over all parts, are
//! counted as they come and refused past the limit; an entry that cannot be read (encrypted, an
//! unsupported compression, damaged) refuses the whole file; and an XML part passes through a
//! guard that refuses a run of text without markup longer than a cell can be, so the XML parser
//! never buffers a billion-character cell.

use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

use crate::diag::Diagnostic;
use crate::reference::WorkbookLimits;

/// Why a read stopped: a bound of `indicators/limits.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// All parts together inflate past `inflated_bytes`.
    Inflated,
    /// Text (or one markup declaration) longer than `xml_run_bytes` without markup.
    Run,
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bound::Inflated => "inflated size bound",
            Bound::Run => "text run bound",
        })
    }
}

impl std::error::Error for Bound {}

/// The bound behind an I/O error, if one stopped the read.
pub(crate) fn bound_of(e: &std::io::Error) -> Option<Bound> {
    e.get_ref()?.downcast_ref::<Bound>().copied()
}

/// A workbook's ZIP archive over bytes in memory.
pub(crate) struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    inflated: Rc<Cell<u64>>,
    limits: WorkbookLimits,
    file: String,
}

impl<'a> Archive<'a> {
    /// Opens the archive and checks every entry before any is inflated: their number, that each
    /// can be read (not encrypted, stored or deflated), and the sizes they declare.
    pub(crate) fn open(
        file: &str,
        bytes: &'a [u8],
        limits: WorkbookLimits,
    ) -> Result<Self, Diagnostic> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            Diagnostic::error(
                file,
                0,
                0,
                t!("diag.cannot_read_workbook", error = e.to_string()),
            )
            .expected(t!("diag.expected.workbook"))
            .hint(t!("diag.hint.save_workbook_again"))
        })?;
        if zip.len() > limits.parts {
            return Err(too_big(
                file,
                &limits,
                t!("diag.workbook_parts", n = zip.len()),
            ));
        }
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip
                .by_index_raw(i)
                .map_err(|e| unreadable(file, "", &e.to_string()))?;
            let name = crate::diag::printable(&entry.name().unwrap_or_default());
            if entry.encrypted() {
                return Err(Diagnostic::error(
                    file,
                    0,
                    0,
                    t!("diag.workbook_encrypted_part", part = name),
                )
                .expected(t!("diag.expected.workbook"))
                .hint(t!("diag.hint.workbook_encrypted")));
            }
            if !matches!(
                entry.compression(),
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            ) {
                return Err(unreadable(
                    file,
                    &name,
                    &format!("compression method {}", entry.compression()),
                ));
            }
            declared = declared.saturating_add(entry.size());
        }
        if declared > limits.inflated_bytes {
            return Err(too_big(
                file,
                &limits,
                t!(
                    "diag.workbook_inflates",
                    mb = limits.inflated_bytes / 1_000_000
                ),
            ));
        }
        Ok(Archive {
            zip,
            inflated: Rc::new(Cell::new(0)),
            limits,
            file: file.to_string(),
        })
    }

    /// The file as the user named it.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    pub(crate) fn limits(&self) -> WorkbookLimits {
        self.limits
    }

    /// The entry of this name (case-insensitive, without a leading `/`), if any.
    pub(crate) fn find(&self, name: &str) -> Option<String> {
        let name = name.trim_start_matches('/');
        self.zip
            .file_names()
            .flatten()
            .find(|n| n.eq_ignore_ascii_case(name))
            .map(|n| n.into_owned())
    }

    /// An XML part as a stream for quick-xml, bounded (see the module's doc); None when absent.
    pub(crate) fn xml(
        &mut self,
        name: &str,
    ) -> Result<Option<quick_xml::Reader<impl BufRead + '_>>, Diagnostic> {
        let Some(name) = self.find(name) else {
            return Ok(None);
        };
        let file = self.file.clone();
        let part = self
            .zip
            .by_name(&name)
            .map_err(|e| unreadable(&file, &name, &e.to_string()))?;
        let counted = Counted {
            inner: part,
            total: self.inflated.clone(),
            limit: self.limits.inflated_bytes,
        };
        let guarded = RunGuard::new(counted, self.limits.xml_run_bytes);
        let mut r = quick_xml::Reader::from_reader(BufReader::with_capacity(64 << 10, guarded));
        r.config_mut().trim_text(false);
        Ok(Some(r))
    }

    /// The diagnostic for an error met while reading a part: the bound that stopped it, or the
    /// damage.
    pub(crate) fn failed(&self, part: &str, at: Option<&str>, e: &quick_xml::Error) -> Diagnostic {
        failed(&self.file, &self.limits, part, at, e)
    }
}

/// The diagnostic for an error met while reading the XML of `part`, `at` a cell if known.
pub(crate) fn failed(
    file: &str,
    limits: &WorkbookLimits,
    part: &str,
    at: Option<&str>,
    e: &quick_xml::Error,
) -> Diagnostic {
    let bound = match e {
        quick_xml::Error::Io(io) => bound_of(io),
        _ => None,
    };
    match bound {
        Some(Bound::Inflated) => too_big(
            file,
            limits,
            t!(
                "diag.workbook_inflates",
                mb = limits.inflated_bytes / 1_000_000
            ),
        ),
        Some(Bound::Run) => Diagnostic::error(
            file,
            0,
            0,
            t!(
                "diag.workbook_text_run",
                part = part,
                at = at.unwrap_or("-").to_string()
            ),
        )
        .expected(t!("diag.expected.at_most_chars", n = limits.cell_chars)),
        None => unreadable(file, part, &e.to_string()),
    }
}

fn too_big(file: &str, limits: &WorkbookLimits, what: crate::i18n::Text) -> Diagnostic {
    Diagnostic::error(file, 0, 0, t!("diag.workbook_too_big", what = what))
        .expected(t!(
            "diag.expected.workbook_limits",
            parts = limits.parts,
            mb = limits.inflated_bytes / 1_000_000
        ))
        .hint(t!("diag.hint.zip_bomb"))
}

/// A part that cannot be read: the whole workbook is refused (never read in part).
pub(crate) fn unreadable(file: &str, part: &str, error: &str) -> Diagnostic {
    let error = if part.is_empty() {
        error.to_string()
    } else {
        format!("{part}: {error}")
    };
    Diagnostic::error(file, 0, 0, t!("diag.cannot_read_workbook", error = error))
        .expected(t!("diag.expected.workbook"))
        .hint(t!("diag.hint.save_workbook_again"))
}

/// Counts the bytes inflated over all parts of one archive and stops past the limit.
struct Counted<R> {
    inner: R,
    total: Rc<Cell<u64>>,
    limit: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let total = self.total.get() + n as u64;
        self.total.set(total);
        if total > self.limit {
            return Err(std::io::Error::other(Bound::Inflated));
        }
        Ok(n)
    }
}

/// Refuses XML whose text, or one declaration (`<![CDATA[...]]>`, `<!--...-->`, `<?...?>`),
/// runs longer than `max` bytes: what quick-xml would otherwise buffer whole as one event.
/// Inside a tag the run ends at `>`; outside, at `<`.
struct RunGuard<R> {
    inner: R,
    max: usize,
    run: usize,
    state: Guard,
    /// The last bytes seen, to recognise `<!`, `<![CDATA[`, `]]>`, `-->`, `?>` across reads.
    tail: [u8; 3],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    Text,
    Tag,
    /// After `<!` or `<?`: the end depends on what follows.
    Open,
    CData,
    Comment,
    Pi,
}

impl<R> RunGuard<R> {
    fn new(inner: R, max: usize) -> Self {
        RunGuard {
            inner,
            max,
            run: 0,
            state: Guard::Text,
            tail: [0; 3],
        }
    }

    fn step(&mut self, b: u8) {
        let t = self.tail;
        self.run += 1;
        self.state = match (self.state, b) {
            (Guard::Text, b'<') => {
                self.run = 0;
                Guard::Tag
            }
            (Guard::Tag, b'!') | (Guard::Tag, b'?') if t[2] == b'<' => {
                if b == b'?' {
                    Guard::Pi
                } else {
                    Guard::Open
                }
            }
            (Guard::Tag, b'>') => {
                self.run = 0;
                Guard::Text
            }
            (Guard::Open, b'[') if t[2] == b'!' => Guard::CData,
            (Guard::Open, b'-') if t[2] == b'!' => Guard::Comment,
            (Guard::Open, b'>') => {
                self.run = 0;
                Guard::Text
            }
            (Guard::CData, b'>') if t[1] == b']' && t[2] == b']' => {
                self.run = 0;
                Guard::Text
            }
            (Guard::Comment, b'>') if t[1] == b'-' && t[2] == b'-' => {
                self.run = 0;
                Guard::Text
            }
            (Guard::Pi, b'>') if t[2] == b'?' => {
                self.run = 0;
                Guard::Text
            }
            (s, _) => s,
        };
        self.tail = [t[1], t[2], b];
    }
}

impl<R: Read> Read for RunGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut i = 0;
        while i < n {
            // Text runs to `<` and a tag to `>`: skip to them. Right after `<`, and inside a
            // declaration, bytes are looked at one by one.
            let just_opened = self.state == Guard::Tag && self.tail[2] == b'<';
            let needle = match self.state {
                Guard::Text => Some(b'<'),
                Guard::Tag if !just_opened => Some(b'>'),
                _ => None,
            };
            if let Some(needle) = needle {
                let rest = &buf[i..n];
                let k = memchr::memchr(needle, rest).unwrap_or(rest.len());
                self.run += k;
                for &b in &rest[k.saturating_sub(3)..k] {
                    self.tail = [self.tail[1], self.tail[2], b];
                }
                i += k;
                if self.run > self.max {
                    return Err(std::io::Error::other(Bound::Run));
                }
                if i == n {
                    break;
                }
            }
            self.step(buf[i]);
            i += 1;
            if self.run > self.max {
                return Err(std::io::Error::other(Bound::Run));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(xml: &[u8], max: usize) -> std::io::Result<Vec<u8>> {
        let mut g = RunGuard::new(xml, max);
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = g.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn long_runs_are_refused_wherever_they_hide() {
        let ok = b"<?xml version=\"1.0\"?><a><b x=\"1\">hello</b><!-- c --><![CDATA[d]]></a>";
        assert_eq!(guarded(ok, 32).unwrap(), ok.to_vec());
        let text = [b"<a>".as_slice(), &[b'x'; 100], b"</a>"].concat();
        assert!(guarded(&text, 99).is_err());
        assert!(guarded(&text, 100).is_ok());
        // Markup characters inside CDATA or a comment do not end the run.
        let cdata = [b"<a><![CDATA[".as_slice(), &b"x>".repeat(60), b"]]></a>"].concat();
        let e = guarded(&cdata, 100).unwrap_err();
        assert_eq!(bound_of(&e), Some(Bound::Run));
        let comment = [b"<a><!--".as_slice(), &b"<>".repeat(60), b"--></a>"].concat();
        assert!(guarded(&comment, 100).is_err());
        let attr = [b"<a x=\"".as_slice(), &[b'y'; 200], b"\"/>"].concat();
        assert!(guarded(&attr, 100).is_err());
    }
}
