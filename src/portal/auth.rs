//! Passwords (argon2), random tokens, session cookies and CSRF tokens.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Instant;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "pb_session";
/// Name of the cookie that carries the login form's CSRF token (before there is a session).
pub const LOGIN_CSRF_COOKIE: &str = "pb_login";
/// The account that `serve --import` submits as: it has no password, cannot log in and
/// cannot be invited.
pub const IMPORTER: &str = "import@parkbench.local";

/// 32 random bytes as hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex(&b)
}

/// What the database stores for a token: its SHA-256, so a leaked table opens no session.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An argon2id PHC string for a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so a wrong email costs as much
/// time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// A login-form token: issued time, a nonce and an HMAC-SHA256 of both under the portal's
/// key (kept in the database), so only a form this portal rendered carries a valid one.
pub fn form_token(key: &str, now: i64) -> String {
    let mut n = [0u8; 16];
    OsRng.fill_bytes(&mut n);
    let body = format!("{now}.{}", hex(&n));
    format!(
        "{body}.{}",
        hex(&form_mac(key, &body).finalize().into_bytes())
    )
}

fn form_mac(key: &str, body: &str) -> Hmac<Sha256> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .expect("HMAC takes a key of any length");
    m.update(b"login-form:");
    m.update(body.as_bytes());
    m
}

/// Is this a form token this portal issued less than `ttl` seconds ago?
pub fn form_token_ok(key: &str, token: &str, now: i64, ttl: i64) -> bool {
    let Some((body, mac)) = token.rsplit_once('.') else {
        return false;
    };
    let Some(issued) = body.split('.').next().and_then(|t| t.parse::<i64>().ok()) else {
        return false;
    };
    let Some(mac) = unhex(mac) else {
        return false;
    };
    (0..=ttl).contains(&(now - issued)) && form_mac(key, body).verify_slice(&mac).is_ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Why a password is refused, as an i18n key; None when it is acceptable.
pub fn password_problem(password: &str, email: &str, min_chars: usize) -> Option<&'static str> {
    if password.trim().is_empty() {
        Some("password_blank")
    } else if password.chars().count() < min_chars {
        Some("password_short")
    } else if password.trim().to_lowercase() == email.trim().to_lowercase() {
        Some("password_email")
    } else {
        None
    }
}

/// Failed logins by account and by client address, and how long each must wait: after the
/// free failures the wait doubles with every failure, up to a maximum; a quiet period forgets.
/// Bounded: beyond `login_tracked` keys the stalest are forgotten first.
pub struct Throttle {
    limits: crate::reference::PortalLimits,
    seen: HashMap<String, (u32, Instant)>,
}

impl Throttle {
    pub fn new(limits: crate::reference::PortalLimits) -> Throttle {
        Throttle {
            limits,
            seen: HashMap::new(),
        }
    }

    /// Seconds `key` must still wait before its next attempt (0: it may try now); `free` is
    /// the number of failures allowed without waiting.
    pub fn wait(&self, key: &str, free: u32, now: Instant) -> u64 {
        let l = &self.limits;
        let Some(&(failures, last)) = self.seen.get(key) else {
            return 0;
        };
        let since = now.saturating_duration_since(last);
        if since.as_secs() >= l.login_forget_secs || failures < free.max(1) {
            return 0;
        }
        let doublings = (failures - free.max(1)).min(30);
        let delay = l
            .login_delay_secs
            .saturating_mul(1u64 << doublings)
            .min(l.login_max_delay_secs);
        delay.saturating_sub(since.as_secs())
    }

    /// Records a failure; returns the failures of `key` so far.
    pub fn failed(&mut self, key: &str, now: Instant) -> u32 {
        let forget = std::time::Duration::from_secs(self.limits.login_forget_secs);
        if self.seen.len() >= self.limits.login_tracked && !self.seen.contains_key(key) {
            self.seen
                .retain(|_, (_, last)| now.saturating_duration_since(*last) < forget);
            while self.seen.len() >= self.limits.login_tracked.max(1) {
                let Some(oldest) = self
                    .seen
                    .iter()
                    .min_by_key(|(_, (_, last))| *last)
                    .map(|(k, _)| k.clone())
                else {
                    break;
                };
                self.seen.remove(&oldest);
            }
        }
        let e = self.seen.entry(key.to_string()).or_insert((0, now));
        if now.saturating_duration_since(e.1) >= forget {
            e.0 = 0;
        }
        e.0 = e.0.saturating_add(1);
        e.1 = now;
        e.0
    }

    pub fn succeeded(&mut self, key: &str) {
        self.seen.remove(key);
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// Compares two tokens in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure unless told otherwise.
pub fn cookie(name: &str, value: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The value of a cookie in a `Cookie` header.
pub fn read_cookie<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        let (a, b) = (token(), token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert!(same(&a, &a) && !same(&a, &b) && !same(&a, "short"));
        assert_eq!(
            read_cookie("x=1; pb_session=abc; y=2", "pb_session"),
            Some("abc")
        );
        assert_eq!(read_cookie("x=1", "pb_session"), None);
    }

    #[test]
    fn form_tokens_are_signed_and_expire() {
        let t = form_token("key", 1000);
        assert!(form_token_ok("key", &t, 1010, 3600));
        assert!(
            !form_token_ok("other key", &t, 1010, 3600),
            "another portal's"
        );
        assert!(!form_token_ok("key", &t, 1000 + 3601, 3600), "expired");
        assert!(!form_token_ok("key", &t, 999, 3600), "from the future");
        let forged = format!("{}0", &t[..t.len() - 1]);
        assert!(!form_token_ok("key", &forged, 1010, 3600) || t.ends_with('0'));
        assert!(!form_token_ok("key", "x", 1010, 3600));
        assert!(!form_token_ok("key", "1000.ab.zz", 1010, 3600));
    }

    #[test]
    fn password_rules() {
        assert_eq!(
            password_problem("          ", "a@b.c", 10),
            Some("password_blank")
        );
        assert_eq!(
            password_problem("short", "a@b.c", 10),
            Some("password_short")
        );
        assert_eq!(
            password_problem("Someone@Example.org", "someone@example.org", 10),
            Some("password_email")
        );
        assert_eq!(
            password_problem("a long enough password", "a@b.c", 10),
            None
        );
    }

    #[test]
    fn the_wait_doubles_after_the_free_failures_and_is_bounded() {
        let mut limits = crate::reference::limits().portal;
        limits.login_delay_secs = 1;
        limits.login_max_delay_secs = 60;
        limits.login_tracked = 3;
        let mut t = Throttle::new(limits);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(t.wait("a", 3, now), 0);
            t.failed("a", now);
        }
        assert_eq!(t.wait("a", 3, now), 1);
        t.failed("a", now);
        assert_eq!(t.wait("a", 3, now), 2);
        for _ in 0..20 {
            t.failed("a", now);
        }
        assert_eq!(t.wait("a", 3, now), 60, "capped");
        t.succeeded("a");
        assert_eq!(t.wait("a", 3, now), 0);
        for k in ["b", "c", "d", "e"] {
            t.failed(k, now);
        }
        assert!(t.len() <= 3, "bounded: {}", t.len());
    }
}
