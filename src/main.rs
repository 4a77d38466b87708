//! The `parkbench` binary: parse arguments, run, exit with 0 (ok), 1 (data problems), 2
//! (usage or configuration error) or 3 (the run could not finish: writing or computing failed).

// The library's `t!` (a message key and its arguments) in every module of the binary.
#[macro_use]
extern crate parkbench;

use clap::Parser;

mod cli;

/// mimalloc instead of the system allocator: a run allocates many small values on every core.
/// Measured on the messy 2,000-park programme (README, Performance): faster than glibc's
/// allocator and, with freed memory returned after a short delay, a lower peak.
/// Built without the `mimalloc` feature, the system's allocator (for heap profilers).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc's `mimalloc.h` (the same in its v2 and v3), which
/// `libmimalloc-sys` does not name.
#[cfg(feature = "mimalloc")]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds before freed memory goes back to the system. Memory given back and taken again
/// is fresh pages for the system to clear (a `score` of the 2,000-park programme took some
/// 160,000 page faults at 1 ms, a quarter of its CPU in the system); a longer delay keeps more
/// freed memory. Measured on the messy programmes (median of three; peak RSS): 1,000 parks
/// 1 / 10 / 20 / 50 ms: 0.53 / 0.51 / 0.50 / 0.49 s, 93 / 101 / 106 / 125 MiB (65 MB of CSV:
/// 50 ms is near the 2x target); 2,000 parks 0.99 / 0.97 / 0.93 / 0.92 s, 123 / 131 / 136 /
/// 149 MiB; the national year (1 / 20 ms) 10.8 / 9.8 s, 1.99 / 2.10 GB.
#[cfg(feature = "mimalloc")]
const PURGE_DELAY_MS: std::ffi::c_long = 20;

/// The purge delay when the data's files hold at least [`LARGE_DATA_BYTES`]. A big run frees
/// its pieces of rows as it reads, some tens of MB each, and memory purged before it is taken
/// again is faulted in anew: the national year's `score` (362 MB of Parquet) took 1.8 million
/// page faults at 20 ms, 0.89 million at 200 ms. Measured in turn (median of two; peak RSS):
/// 20 / 100 / 200 / 1,000 ms 9.25 / 8.45 / 8.16 / 8.34 s, 2.08 / 2.17 / 2.22 / 2.23 GB. The
/// memory kept is about the same whatever the data's size, so it is spent only where it is
/// small beside the data (the 2,000-park programme's 96 MB of CSV keeps 20 ms).
#[cfg(feature = "mimalloc")]
const LARGE_PURGE_DELAY_MS: std::ffi::c_long = 200;

/// Data of at least this many bytes of files (CSV, workbooks, Parquet, as they are on disk) is
/// big for the purge delay.
#[cfg(feature = "mimalloc")]
const LARGE_DATA_BYTES: u64 = 256 << 20;

fn main() {
    // First, so that no memory of the process (the arguments, the data's sizes) is a huge page.
    no_huge_pages();
    let cli = cli::Cli::parse();
    #[cfg(feature = "mimalloc")]
    {
        let big = cli
            .data()
            .is_some_and(|d| d.bytes_up_to(LARGE_DATA_BYTES) >= LARGE_DATA_BYTES);
        let delay = if big {
            LARGE_PURGE_DELAY_MS
        } else {
            PURGE_DELAY_MS
        };
        // SAFETY: sets one of mimalloc's documented options before any thread exists (parsing
        // the arguments and looking at the data's sizes start none).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, delay) };
    }
    quiet_on_closed_pipe();
    std::process::exit(cli::run(cli).code());
}

/// Turns off transparent huge pages for this process (Linux). mimalloc asks the system for them
/// (`MADV_HUGEPAGE`) on the memory it maps, and a page it hands back after its purge delay and
/// takes again was then a new 2 MiB page for the system to clear, whole, however little of it was
/// used. Measured in turn (README, Performance): the national year's `score` 20.5 -> 17.6 s; the
/// 1,000-park programme's 0.85 -> 0.74 s, peak 116 -> 86 MiB. A system that refuses is left as it
/// is (the run is the same, only slower).
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes four plain integers and changes only how the
    // system backs this process's memory.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Standard output closed by its reader (`| head`) is the end of the command, not a crash: a
/// `print!` that meets it ends the process quietly with exit 0. (Commands write through
/// `cli::output::emit`, which says so as an error; this catches any other print.)
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
