//! Where the core's files come from (typst's `World`): the core never opens a file itself.
//!
//! Every file a run reads besides the embedded reference data (a dataset's folders and files,
//! a factor folder over the shipped tables, the user's measure, price, scenario and set files)
//! comes through [`Files`]. The command line hands over the disk (`parkbench::disk::Disk`, a
//! crate of its own); a test or the portal hands over [`Memory`]. So the stages are functions
//! of what they are given, and a file the caller did not offer cannot be read.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
}

/// The files a run may read.
pub trait Files: Send + Sync {
    /// What `path` names, or None when nothing is there.
    fn kind(&self, path: &Path) -> Option<Kind>;
    /// The paths in a folder (files and folders, each as the folder joined with its name), in
    /// any order.
    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>>;
    /// A file's bytes, whole.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// A file's bytes as a stream, with its length (large activity files are read piece by
    /// piece).
    fn open(&self, path: &Path) -> io::Result<(Box<dyn Read + Send + '_>, u64)>;

    /// The file as an open handle a reader can map into memory (Parquet is read by row groups
    /// from the file's end, without holding it whole), when the files are on disk; None when
    /// they are not (the caller then reads the bytes).
    fn handle(&self, _path: &Path) -> io::Result<Option<std::fs::File>> {
        Ok(None)
    }

    /// The one path a folder or file is known by, whatever links lead to it (on disk, its
    /// canonical path): a walk that meets it again by a link goes no further. Files in memory
    /// have no links.
    fn real(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }

    /// Does `path` name a file?
    fn is_file(&self, path: &Path) -> bool {
        self.kind(path) == Some(Kind::File)
    }

    /// Does `path` name a folder?
    fn is_dir(&self, path: &Path) -> bool {
        self.kind(path) == Some(Kind::Folder)
    }
}

/// Files held in memory under their paths; a folder is any prefix of a path. For tests and
/// callers that hold the bytes (nothing is written to a temporary folder to be read back).
#[derive(Debug, Clone, Default)]
pub struct Memory {
    files: BTreeMap<PathBuf, Arc<Vec<u8>>>,
}

impl Memory {
    /// No files at all.
    pub fn new() -> Self {
        Memory::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(path.into(), Arc::new(bytes.into()));
        self
    }

    /// With a file added.
    pub fn with(mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(path, bytes);
        self
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{}: no such file", path.display()),
    )
}

impl Files for Memory {
    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.files.contains_key(path) {
            return Some(Kind::File);
        }
        let folder = self.files.keys().any(|p| p.starts_with(path) && p != path);
        folder.then_some(Kind::Folder)
    }

    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        if self.kind(folder) != Some(Kind::Folder) {
            return Err(not_found(folder));
        }
        let mut out: Vec<PathBuf> = self
            .files
            .keys()
            .filter_map(|p| p.strip_prefix(folder).ok())
            .filter_map(|rest| rest.components().next())
            .map(|first| folder.join(first))
            .collect();
        out.dedup();
        Ok(out)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .map(|b| b.as_ref().clone())
            .ok_or_else(|| not_found(path))
    }

    fn open(&self, path: &Path) -> io::Result<(Box<dyn Read + Send + '_>, u64)> {
        let b = self.files.get(path).ok_or_else(|| not_found(path))?;
        Ok((Box::new(b.as_slice()), b.len() as u64))
    }
}

/// A folder offered through [`Files`]: the user's factor tables over the shipped ones.
#[derive(Clone, Copy)]
pub struct Folder<'a> {
    pub files: &'a dyn Files,
    pub path: &'a Path,
}

impl std::fmt::Debug for Folder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Folder").field(&self.path).finish()
    }
}

/// A file that could not be read: its name as the user wrote it, and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}: cannot read: {source}")]
pub struct ReadError {
    pub file: String,
    pub source: io::Error,
}

/// A user's reference file (measures, prices, a scenario, a set) as text: its name as the user
/// wrote it, and its text without the byte-order mark a spreadsheet may have put first.
pub fn read_text(files: &dyn Files, path: &Path) -> Result<(String, String), ReadError> {
    let file = path.display().to_string();
    let bytes = match files.read(path) {
        Ok(b) => b,
        Err(source) => return Err(ReadError { file, source }),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok((file, crate::csv_out::without_bom(&text).to_string())),
        Err(e) => Err(ReadError {
            file,
            source: io::Error::new(io::ErrorKind::InvalidData, format!("not UTF-8: {e}")),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_files_have_folders_by_their_paths() {
        let m = Memory::new()
            .with("data/parks.csv", "park_id\n")
            .with("data/2024/activity.csv", "a\n");
        assert_eq!(m.kind(Path::new("data")), Some(Kind::Folder));
        assert_eq!(m.kind(Path::new("data/parks.csv")), Some(Kind::File));
        assert_eq!(m.kind(Path::new("dat")), None);
        assert_eq!(
            m.list(Path::new("data")).unwrap(),
            vec![PathBuf::from("data/2024"), PathBuf::from("data/parks.csv")]
        );
        let (mut r, len) = m.open(Path::new("data/parks.csv")).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!((s.as_str(), len), ("park_id\n", 8));
        assert!(m.read(Path::new("data/none.csv")).is_err());
    }

    #[test]
    fn a_user_file_loses_its_byte_order_mark() {
        let m = Memory::new().with("m.csv", "\u{feff}id\n");
        let (name, text) = read_text(&m, Path::new("m.csv")).unwrap();
        assert_eq!((name.as_str(), text.as_str()), ("m.csv", "id\n"));
        assert!(read_text(&m, Path::new("n.csv")).is_err());
    }
}
