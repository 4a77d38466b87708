//! Uploads are checked on threads of their own, one per upload slot (`uploads_at_once`), and
//! each thread hands the memory of a check back to the system when it is done
//! (`malloc_trim`). Run on the blocking pool, a check allocated and freed its tables on
//! whichever thread ran it and the allocator kept that memory there: sixteen 20 MB uploads
//! through two slots left 698 MB behind where two uploads' worth is about 270 MB. Here uploads
//! hold their slots' memory and no more. Which upload may run, and when, is the slots' business
//! ([`super::Portal::upload_slot`]).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The checking threads.
pub(crate) struct Checking {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Checking {
    /// Starts `n` threads; they end when this is dropped.
    pub(crate) fn start(n: usize) -> std::io::Result<Checking> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..n.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("parkbench-check-{i}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Checking {
            jobs: Mutex::new(tx),
        })
    }

    /// Runs `f` on a checking thread (the caller holds an upload slot).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs
            .lock()
            .map_err(|_| "checking threads poisoned".to_string())?
            .send(job)
            .map_err(|e| e.to_string())?;
        rx.await.map_err(|e| e.to_string())
    }
}

fn work(jobs: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A check that panics is the caller's error (its reply is dropped); the thread goes on.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        give_back();
    }
}

/// Hands freed memory back to the system (glibc keeps it in the thread's arena otherwise).
fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
