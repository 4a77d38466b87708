//! The disk, offered to parkbench's stages: the one place the command line's files are opened
//! for reading.
//!
//! The core crate opens no file itself (its stages read through
//! [`parkbench_core::world::Files`]); this crate is what the command line, the benches and the
//! tests hand it. A folder of the user's over the shipped reference tables (`--factors DIR`) is
//! [`Disk::folder`].

use std::io::{self, Read};
use std::path::Path;
use std::path::PathBuf;

use parkbench_core::world::{Files, Folder, Kind};

/// The local file system, read as it is (paths as given, relative to the working folder).
#[derive(Debug, Clone, Copy, Default)]
pub struct Disk;

impl Disk {
    /// A folder of the disk, for reference tables that replace the shipped ones by name.
    pub fn folder(path: &Path) -> Folder<'_> {
        Folder { files: &Disk, path }
    }
}

impl Files for Disk {
    fn kind(&self, path: &Path) -> Option<Kind> {
        let meta = std::fs::metadata(path).ok()?;
        if meta.is_dir() {
            Some(Kind::Folder)
        } else if meta.is_file() {
            Some(Kind::File)
        } else {
            None
        }
    }

    fn list(&self, folder: &Path) -> io::Result<Vec<PathBuf>> {
        std::fs::read_dir(folder)?
            .map(|e| e.map(|e| e.path()))
            .collect()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn open(&self, path: &Path) -> io::Result<(Box<dyn Read + Send + '_>, u64)> {
        let f = std::fs::File::open(path)?;
        let len = f.metadata()?.len();
        Ok((Box::new(f), len))
    }

    fn handle(&self, path: &Path) -> io::Result<Option<std::fs::File>> {
        std::fs::File::open(path).map(Some)
    }

    fn real(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disk_reads_files_and_lists_folders() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("parks.csv");
        std::fs::write(&f, "park_id\nP1\n").unwrap();
        std::fs::create_dir(dir.path().join("2024")).unwrap();
        assert_eq!(Disk.kind(dir.path()), Some(Kind::Folder));
        assert_eq!(Disk.kind(&f), Some(Kind::File));
        assert_eq!(Disk.kind(&dir.path().join("none")), None);
        let mut listed = Disk.list(dir.path()).unwrap();
        listed.sort();
        assert_eq!(listed, vec![dir.path().join("2024"), f.clone()]);
        assert_eq!(Disk.read(&f).unwrap(), b"park_id\nP1\n");
        let (mut r, len) = Disk.open(&f).unwrap();
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!((s.as_str(), len), ("park_id\nP1\n", 11));
        assert!(Disk.handle(&f).unwrap().is_some());
        assert!(Disk.read(&dir.path().join("none")).is_err());
    }
}
