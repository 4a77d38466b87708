//! Files a hostile operator would send, made by `tests/data/attacks/make.py` (a million junk
//! lines, an .ods whose repeats stand for a billion cells, a ZIP bomb beside an encrypted part,
//! a billion-character cell, a far cell in an .xls, millions of one-digit cells): each is refused
//! with a clear message while the reader's memory stays bounded. Each runs through the command
//! line in a child process under an address-space limit, so a regression fails the test (the
//! allocation fails) instead of taking the machine down, and its peak memory is read from the
//! kernel (`wait4`'s `ru_maxrss`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Address space a checked process may reserve: room for its threads' stacks and allocator
/// arenas (a `validate` run reserves about 0.4 GB), far below what the machine has.
const ADDRESS_SPACE: u64 = 3 << 30;

/// Peak memory (resident) the command line may reach on any hostile file, in MB: the reader
/// holds a bounded table, never the expanded file.
const PEAK_MB: u64 = 300;

/// Makes the hostile files (and copies the files they go with) once, in the build's own
/// temporary folder, never in the system's: under a name that changes with the script and the
/// copied files, made in a folder of this process and renamed into place, so that runs at once
/// never read a half-made folder (a run that loses the race removes its own).
fn hostile(cells: u64) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let (script, parks, far) = (
        "tests/data/attacks/make.py",
        "tests/data/bad/parks.csv",
        "tests/data/attacks/far-cell.xls",
    );
    let mut hash = std::collections::hash_map::DefaultHasher::new();
    for file in [script, parks, far] {
        std::fs::read(file).expect(file).hash(&mut hash);
    }
    let name = format!("hostile-{cells}-{:016x}", hash.finish());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(&name);
    if dir.exists() {
        return dir;
    }
    let making = dir.with_file_name(format!("{name}-making-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&making);
    let out = Command::new("python3")
        .arg(script)
        .arg(&making)
        .args(["--cells", &cells.to_string()])
        .output()
        .expect("python3 runs tests/data/attacks/make.py (any Python 3, standard library only)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::copy(parks, making.join("parks.csv")).unwrap();
    std::fs::copy(far, making.join("far-cell.xls")).unwrap();
    if std::fs::rename(&making, &dir).is_err() {
        // Another run put its folder in place first.
        let _ = std::fs::remove_dir_all(&making);
    }
    dir
}

/// Runs `parkbench validate` under the address-space limit: exit code, output, peak MB.
fn validate_bounded(dir: &Path, file: &str) -> (i32, String, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parkbench"));
    cmd.current_dir(dir)
        .args(["validate", "parks.csv", file])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE,
                rlim_max: ADDRESS_SPACE,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let output = std::thread::spawn(move || {
        let mut child = child;
        let mut out = String::new();
        let mut err = String::new();
        use std::io::Read;
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (out, err, child)
    });
    let (out, err, child) = output.join().unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    std::mem::forget(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    (code, format!("{out}{err}"), usage.ru_maxrss as u64 / 1024)
}

#[test]
fn hostile_files_are_refused_with_a_clear_message_in_bounded_memory() {
    // Two million cells here (a debug build reads about 0.1 million cells a second); the bench
    // reads the 20 million of the issue with the release build.
    let dir = hostile(2_000_001);
    let cases: [(&str, &str); 6] = [
        (
            "junk-lines.csv",
            "999800 more rows have a different number of fields",
        ),
        ("repeated.ods", "the sheet has more than 20000000 cells"),
        (
            "encrypted-bomb.xlsx",
            "has a part that is encrypted or protected: xl/secret.bin",
        ),
        (
            "billion-char.xlsx",
            "holds text longer than any cell can be, near",
        ),
        (
            "far-cell.xls",
            "far-cell.xls!activity!65536: the row has 256 fields",
        ),
        (
            "many-cells.xlsx",
            "the row has 1000 fields but the header has 5",
        ),
    ];
    let mut failures = Vec::new();
    for (file, says) in cases {
        let (code, text, peak_mb) = validate_bounded(&dir, file);
        if code != 1 {
            failures.push(format!("{file}: exit {code}\n{text}"));
        }
        if text.contains("panicked") || !text.contains(says) {
            failures.push(format!(
                "{file}: missing {says:?}\n{}",
                &text[..text.len().min(2000)]
            ));
        }
        if peak_mb > PEAK_MB {
            failures.push(format!("{file}: peak {peak_mb} MB > {PEAK_MB} MB"));
        }
        eprintln!("{file}: exit {code}, peak {peak_mb} MB");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
