//! What the portal may hold in memory, worked out from its bounds (`indicators/limits.toml`,
//! `[portal]` and `[portal_workbook]`). README "Security" quotes these figures for the shipped
//! limits, and a test keeps the two equal; `tests/it/portal_hardening.rs` sends hostile uploads
//! at once and checks the server's peak against [`Memory::total`].

use super::PortalLimits;
use super::auth::ThrottleKey;

/// Bytes each part may hold at most, from the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// argon2's working memory: `argon2_memory_kib` for each of `password_hashes_at_once`.
    pub logins: u64,
    /// Request heads and form bodies: `connections` x (`request_head_bytes` +
    /// `form_body_bytes`).
    pub connections: u64,
    /// The failed-login table at `login_tracked` keys.
    pub throttle: u64,
    /// Kept results' reports, PDFs and charts (`cached_bytes`). Results being computed
    /// (`computations_at_once`) hold their parks' data besides: that grows with the programme
    /// and is measured, not bounded (README "Security").
    pub results: u64,
    /// Uploads being checked: `uploads_at_once` x the most one upload may take
    /// ([`Memory::upload`]).
    pub uploads: u64,
}

impl Memory {
    /// The bounds of the limits, with uploads of at most `upload_limit` bytes.
    pub fn of(l: &PortalLimits, upload_limit: usize) -> Memory {
        let kib = 1024u64;
        Memory {
            logins: u64::from(l.argon2_memory_kib) * kib * l.password_hashes_at_once as u64,
            connections: l.connections as u64
                * (l.request_head_bytes as u64 + l.form_body_bytes as u64),
            throttle: table_bytes::<ThrottleKey, (u32, std::time::Instant)>(l.login_tracked),
            results: l.cached_bytes as u64,
            uploads: l.uploads_at_once.max(1) as u64 * Memory::upload(l, upload_limit),
        }
    }

    /// The most one upload of `upload_limit` bytes may hold while it is checked: its bytes times
    /// `upload_memory_per_byte` (CSV, Parquet), or its bytes and what a workbook may make within
    /// `[portal_workbook]` (4 bytes a cell, the sheets' text, the shared strings), whichever is
    /// more.
    pub fn upload(l: &PortalLimits, upload_limit: usize) -> u64 {
        let w = crate::shipped_limits().portal_workbook;
        let bytes = upload_limit as u64;
        let workbook = bytes + 4 * w.cells as u64 + w.text_bytes + w.shared_strings_bytes;
        (bytes * l.upload_memory_per_byte).max(workbook)
    }

    pub fn total(&self) -> u64 {
        self.logins + self.connections + self.throttle + self.results + self.uploads
    }
}

/// Bytes of a `HashMap<K, V>` holding `n` entries: hashbrown keeps a power of two of buckets
/// at most 7/8 full, each an entry and a control byte.
fn table_bytes<K, V>(n: usize) -> u64 {
    let buckets = (n.max(1) * 8).div_ceil(7).next_power_of_two();
    (buckets * (std::mem::size_of::<(K, V)>() + 1)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_limits_make_these_figures() {
        let m = Memory::of(&crate::shipped_limits().portal, 50 << 20);
        let mib = |b: u64| b as f64 / f64::from(1 << 20);
        assert_eq!(mib(m.logins), 38.0);
        assert_eq!(mib(m.connections), 96.0);
        assert!((7.0..7.5).contains(&mib(m.throttle)), "{}", mib(m.throttle));
        assert_eq!(mib(m.results), 256.0);
        assert_eq!(mib(m.uploads), 1200.0);
    }
}
