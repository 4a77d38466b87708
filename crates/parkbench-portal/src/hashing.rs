//! Password hashing and verification (argon2) on threads of their own, one per slot
//! (`password_hashes_at_once`), each with its argon2 memory (`argon2_memory_kib`) allocated
//! once and kept ([`auth::Argon2Memory`]). Run on the blocking pool, each hash allocated and
//! freed its memory on whichever thread ran it, and the allocator kept it there: 50 logins at
//! once left 0.6-0.9 GB behind. Here argon2 holds the slots' memory and no more. Who may hash,
//! and when, is the caller's business ([`super::Portal::login_attempt`]).

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::PortalLimits;
use super::auth;

enum Job {
    Hash(String, oneshot::Sender<Result<String, String>>),
    /// A password and the PHC hash to verify it against (a dummy one without).
    Verify(String, Option<String>, oneshot::Sender<bool>),
}

/// The hashing threads and their slots.
pub(crate) struct Hashing {
    slots: Arc<Semaphore>,
    jobs: Mutex<mpsc::Sender<Job>>,
    wait: Duration,
}

impl Hashing {
    /// Starts `password_hashes_at_once` threads; they end when this is dropped.
    pub(crate) fn start(l: &PortalLimits) -> std::io::Result<Hashing> {
        let n = l.password_hashes_at_once.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..n {
            let (rx, l) = (rx.clone(), *l);
            std::thread::Builder::new()
                .name(format!("parkbench-hash-{i}"))
                .spawn(move || work(&rx, &l))?;
        }
        Ok(Hashing {
            slots: Arc::new(Semaphore::new(n)),
            jobs: Mutex::new(tx),
            wait: Duration::from_secs(l.password_wait_secs),
        })
    }

    /// One of the slots, within `password_wait_secs` (None: every slot stayed taken).
    pub(crate) async fn slot(&self) -> Option<OwnedSemaphorePermit> {
        let acquire = self.slots.clone().acquire_owned();
        tokio::time::timeout(self.wait, acquire).await.ok()?.ok()
    }

    fn send(&self, job: Job) {
        if let Ok(tx) = self.jobs.lock() {
            let _ = tx.send(job);
        }
    }

    /// A new password's PHC hash (the caller holds a slot).
    pub(crate) async fn hash(&self, password: String) -> Result<String, String> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Hash(password, tx));
        rx.await.map_err(|e| e.to_string())?
    }

    /// Is this the password of this hash? False without a hash, after the same work (the
    /// caller holds a slot).
    pub(crate) async fn verify(&self, password: String, phc: Option<String>) -> bool {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Verify(password, phc, tx));
        rx.await.unwrap_or(false)
    }
}

/// A hashing thread: jobs until the portal is gone, in one kept block of argon2 memory.
fn work(jobs: &Mutex<mpsc::Receiver<Job>>, l: &PortalLimits) {
    let mut memory = auth::Argon2Memory::new(l);
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(Job::Hash(password, reply)) => {
                let _ = reply.send(auth::hash_password_in(&password, l, &mut memory));
            }
            Ok(Job::Verify(password, phc, reply)) => {
                let against = match phc.as_deref() {
                    Some(h) => h,
                    None => auth::dummy_hash(l, &mut memory),
                };
                let ok = auth::verify_password_in(&password, against, &mut memory);
                let _ = reply.send(ok && phc.is_some());
            }
            Err(_) => return,
        }
    }
}
