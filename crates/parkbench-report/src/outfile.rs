//! Writing output files: atomically (a temporary file in the target folder, then a rename, so
//! a reader never sees half a file and an interrupted run leaves the previous file intact), with
//! the permissions any other program would give them: a new file `0666` less the umask (a
//! report for colleagues is readable by them), a replaced file the mode it had. The CSV cells
//! themselves are `parkbench_core::csv_out`'s.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file in an output folder that lists what parkbench wrote there.
pub const MANIFEST: &str = ".parkbench-output";

/// The manifest's last line while a run is writing; a run that was killed leaves it there.
const UNFINISHED: &str = "# unfinished run";

/// An output folder parkbench will not write into.
#[derive(Debug, thiserror::Error)]
pub enum OutDirError {
    #[error(
        "{dir}: the folder holds files parkbench did not write ({examples}{more}); choose an empty or new folder, or pass --force to write there anyway"
    )]
    Foreign {
        dir: String,
        examples: String,
        more: String,
    },
    #[error("{dir}: {source}")]
    Io { dir: String, source: std::io::Error },
}

/// Checks that `dir` may receive parkbench's outputs: it does not exist, is empty, or holds
/// only files a previous run wrote (listed in its [`MANIFEST`]). Anything else (a data folder,
/// someone's documents) is refused unless `force`. Files newer than the manifest of a run that
/// did not finish are that run's and join the list; its temporary files are removed.
pub fn claim_dir(dir: &Path, force: bool) -> Result<(), OutDirError> {
    let io = |source| OutDirError::Io {
        dir: dir.display().to_string(),
        source,
    };
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io)?;
        return mark_unfinished(dir, &[]).map_err(io);
    }
    let manifest = std::fs::read_to_string(dir.join(MANIFEST)).unwrap_or_default();
    let listed: std::collections::HashSet<PathBuf> = manifest
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(PathBuf::from)
        .collect();
    // Files an interrupted run wrote after it marked the manifest are its own.
    let unfinished_since = manifest
        .lines()
        .any(|l| l == UNFINISHED)
        .then(|| {
            std::fs::metadata(dir.join(MANIFEST))
                .and_then(|m| m.modified())
                .ok()
        })
        .flatten();
    let mut ours = Vec::new();
    let mut temporaries = Vec::new();
    let mut foreign = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(io)? {
            let e = e.map_err(io)?;
            let path = e.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            let meta = e.metadata().map_err(io)?;
            if meta.is_dir() {
                stack.push(path);
            } else if rel == Path::new(MANIFEST) {
                continue;
            } else if is_temporary(&e.file_name().to_string_lossy()) {
                temporaries.push(path);
            } else if listed.contains(&rel)
                || unfinished_since.is_some_and(|since| meta.modified().is_ok_and(|t| t >= since))
            {
                ours.push(rel);
            } else {
                foreign.push(rel.display().to_string());
            }
        }
    }
    if !foreign.is_empty() && !force {
        foreign.sort();
        let shown: Vec<String> = foreign.iter().take(3).cloned().collect();
        return Err(OutDirError::Foreign {
            dir: dir.display().to_string(),
            examples: shown.join(", "),
            more: if foreign.len() > 3 {
                format!(" and {} more", foreign.len() - 3)
            } else {
                String::new()
            },
        });
    }
    for t in temporaries {
        let _ = std::fs::remove_file(t);
    }
    mark_unfinished(dir, &ours).map_err(io)
}

/// Rewrites the manifest as `files` and a mark that a run is writing, so the files of a run
/// that is killed are still known as parkbench's.
fn mark_unfinished(dir: &Path, files: &[PathBuf]) -> std::io::Result<()> {
    let mut listed: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    listed.sort();
    let mut text = String::new();
    for f in listed {
        text.push_str(&f);
        text.push('\n');
    }
    text.push_str(UNFINISHED);
    text.push('\n');
    write(&dir.join(MANIFEST), text.as_bytes())
}

/// Records the files written into `dir` (with those of earlier runs still there) so the next
/// run recognises them as parkbench's.
/// `files` are paths under `dir`, or paths that start with it.
pub fn record_outputs<P: AsRef<Path>>(dir: &Path, files: &[P]) -> std::io::Result<()> {
    let mut listed: std::collections::BTreeSet<String> =
        std::fs::read_to_string(dir.join(MANIFEST))
            .map(|t| {
                t.lines()
                    .filter(|l| !l.starts_with('#'))
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
    for f in files {
        let f = f.as_ref();
        listed.insert(f.strip_prefix(dir).unwrap_or(f).display().to_string());
    }
    listed.retain(|f| dir.join(f).is_file());
    let mut text = String::new();
    for f in listed {
        text.push_str(&f);
        text.push('\n');
    }
    write(&dir.join(MANIFEST), text.as_bytes())
}

/// Is this one of the temporary files [`write`] renames into place?
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMPORARY)
}

/// Writes `bytes` to `path` through a temporary file in the same folder (uniquely named, so
/// two writers never share one), synced, then renamed into place; the folder is synced too, so
/// the new name survives a crash. A failed write removes its temporary file. The file gets the
/// mode of the file it replaces, else [`NEW_FILE_MODE`] less the umask (as `open(2)` gives it).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// [`write()`] with the content written by `fill` to the temporary file (buffered) as it is
/// made, so a large table never sits in memory whole.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let result = (|| {
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}{TEMPORARY}");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        // tempfile creates its files 0600 unless told; the umask applies to what is asked.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(NEW_FILE_MODE));
        let mut tmp = builder.tempfile_in(dir)?;
        keep_mode(path, tmp.as_file())?;
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        fill(&mut buffered)?;
        buffered.flush()?;
        drop(buffered);
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        sync_dir(dir)
    })();
    result.map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

/// The mode a new output file is asked for, before the umask: read and write for everyone the
/// umask allows, as `touch`, editors and spreadsheets create files.
#[cfg(unix)]
pub const NEW_FILE_MODE: u32 = 0o666;

/// Gives `tmp` the permissions of the regular file at `path` that it will replace (a report a
/// user made private stays private); nothing when there is none.
fn keep_mode(path: &Path, tmp: &std::fs::File) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(old) if old.is_file() => tmp.set_permissions(old.permissions()),
        _ => Ok(()),
    }
}

/// What the names of [`write`]'s temporary files hold.
const TEMPORARY: &str = ".parkbench-tmp-";

/// Makes a rename in `dir` durable (a no-op where folders cannot be opened, as on Windows).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub use parkbench_core::csv_out::{
    NumCell, RowWriter, csv_safe, csv_safe_cell, for_people, num, num_cell, rows_csv, write_chunks,
    write_rows,
};
