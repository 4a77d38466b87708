//! Computed results (a park's scorecard and report, a programme's ranking and report, the
//! parsed technology catalogue), each computed once: views of the same result at the same time
//! wait for one computation; at most `computations_at_once` run at once; at most `cached_bytes`
//! and `cached_results` are kept, the longest kept forgotten first. Keys name what a result was
//! computed from, so a kept result is never stale. Computing is the caller's business.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{OnceCell, Semaphore};

use super::PortalLimits;

/// Something kept: its size in bytes as counted against `cached_bytes`.
pub(crate) trait Weighed {
    fn bytes(&self) -> usize;
}

/// Results by key, computed once.
pub(crate) struct Results<T> {
    slots: Mutex<Slots<T>>,
    computing: Semaphore,
    computed: AtomicU64,
    max_bytes: usize,
    max_results: usize,
}

struct Slots<T> {
    by_key: HashMap<String, Slot<T>>,
    /// Bytes of the computed results kept.
    bytes: usize,
    next: u64,
}

struct Slot<T> {
    cell: Arc<OnceCell<Arc<T>>>,
    /// Counted once computed (0 while computing).
    bytes: usize,
    /// When it was computed (or asked for), for forgetting the oldest first.
    seq: u64,
}

impl<T: Weighed> Results<T> {
    pub(crate) fn new(l: &PortalLimits) -> Results<T> {
        Results {
            slots: Mutex::new(Slots {
                by_key: HashMap::new(),
                bytes: 0,
                next: 0,
            }),
            computing: Semaphore::new(l.computations_at_once.max(1)),
            computed: AtomicU64::new(0),
            max_bytes: l.cached_bytes,
            max_results: l.cached_results.max(1),
        }
    }

    /// Computations started so far (for tests and monitoring).
    pub(crate) fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots<T>> {
        // Counts and cells only: a panic elsewhere cannot leave them half-changed.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The result for `key`: kept, being computed (then waited for), or computed now. A failed
    /// computation is not kept: the next view tries again.
    pub(crate) async fn get<F, Fut>(&self, key: &str, compute: F) -> Result<Arc<T>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let cell = self.cell(key);
        let result = cell
            .get_or_try_init(|| async {
                let _permit = self.computing.acquire().await.map_err(|e| e.to_string())?;
                self.computed.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(key = ?super::net::logged(key), "computing a result");
                compute().await.map(Arc::new)
            })
            .await
            .cloned();
        match &result {
            Ok(v) => self.keep(key, &cell, v.bytes()),
            Err(_) => self.forget_failed(key, &cell),
        }
        result
    }

    /// The cell of `key`, made when there is none (room made first when the count is full).
    fn cell(&self, key: &str) -> Arc<OnceCell<Arc<T>>> {
        let mut s = self.slots();
        s.next += 1;
        let seq = s.next;
        if let Some(slot) = s.by_key.get(key) {
            return slot.cell.clone();
        }
        if s.by_key.len() >= self.max_results {
            s.forget_oldest();
        }
        let cell = Arc::new(OnceCell::new());
        s.by_key.insert(
            key.to_string(),
            Slot {
                cell: cell.clone(),
                bytes: 0,
                seq,
            },
        );
        cell
    }

    /// Counts a computed result's bytes (once), then forgets the oldest results until the
    /// kept ones fit; a result larger than all the room is not kept.
    fn keep(&self, key: &str, cell: &Arc<OnceCell<Arc<T>>>, bytes: usize) {
        let mut s = self.slots();
        s.next += 1;
        let seq = s.next;
        let Some(slot) = s.by_key.get_mut(key).filter(|x| Arc::ptr_eq(&x.cell, cell)) else {
            return;
        };
        if slot.bytes > 0 || bytes == 0 {
            return;
        }
        slot.bytes = bytes;
        slot.seq = seq;
        s.bytes += bytes;
        if bytes > self.max_bytes {
            s.remove(key);
        }
        while s.bytes > self.max_bytes && s.forget_oldest() {}
    }

    fn forget_failed(&self, key: &str, cell: &Arc<OnceCell<Arc<T>>>) {
        let mut s = self.slots();
        if s.by_key
            .get(key)
            .is_some_and(|x| Arc::ptr_eq(&x.cell, cell) && !x.cell.initialized())
        {
            s.remove(key);
        }
    }
}

impl<T> Slots<T> {
    fn remove(&mut self, key: &str) {
        if let Some(slot) = self.by_key.remove(key) {
            self.bytes -= slot.bytes;
        }
    }

    /// Forgets the computed result kept longest; false when none is computed.
    fn forget_oldest(&mut self) -> bool {
        let oldest = self
            .by_key
            .iter()
            .filter(|(_, x)| x.cell.initialized())
            .min_by_key(|(_, x)| x.seq)
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => {
                self.remove(&k);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Blob(usize);

    impl Weighed for Blob {
        fn bytes(&self) -> usize {
            self.0
        }
    }

    fn results(max_bytes: usize, max_results: usize) -> Results<Blob> {
        let mut l = crate::shipped_limits().portal;
        l.cached_bytes = max_bytes;
        l.cached_results = max_results;
        Results::new(&l)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fifty_views_at_once_compute_once() {
        let r = Arc::new(results(1 << 20, 10));
        let mut views = Vec::new();
        for _ in 0..50 {
            let r = r.clone();
            views.push(tokio::spawn(async move {
                r.get("page", || async {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    Ok(Blob(10))
                })
                .await
                .map(|b| b.0)
            }));
        }
        for v in views {
            assert_eq!(v.await.unwrap(), Ok(10));
        }
        assert_eq!(r.computed(), 1);
    }

    #[tokio::test]
    async fn bytes_and_count_are_bounded_and_failures_not_kept() {
        let r = results(100, 3);
        let blob = |n| move || async move { Ok(Blob(n)) };
        for k in ["a", "b", "c"] {
            r.get(k, blob(40)).await.unwrap();
        }
        assert_eq!(r.slots().bytes, 80, "a forgotten for c");
        assert!(!r.slots().by_key.contains_key("a"));
        r.get("big", blob(500)).await.unwrap();
        assert!(!r.slots().by_key.contains_key("big"), "too big to keep");
        for k in ["d", "e", "f", "g"] {
            r.get(k, blob(1)).await.unwrap();
        }
        assert!(r.slots().by_key.len() <= 3);
        let failed = r
            .get("x", || async { Err::<Blob, _>("no".to_string()) })
            .await;
        assert!(failed.is_err() && !r.slots().by_key.contains_key("x"));
        let before = r.computed();
        r.get("g", blob(1)).await.unwrap();
        assert_eq!(r.computed(), before, "kept");
    }
}
