//! Passwords (argon2), random tokens, session cookies and CSRF tokens, and the failed-login
//! table. Nothing here waits or does I/O: the portal decides when a password is hashed (behind
//! its semaphore, [`super::Portal`]).

use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

use parkbench_core::reference::PortalLimits;

/// Name of the session cookie (before its prefix, [`Cookies::name`]).
pub const SESSION_COOKIE: &str = "pb_session";
/// Name of the cookie that carries the login form's CSRF token (before there is a session).
pub const LOGIN_CSRF_COOKIE: &str = "pb_login";

/// How the portal's cookies are sent. Secure ones for a portal reached over https are named
/// with the `__Host-` prefix: a browser then takes them only when Secure, for the whole site
/// (`Path=/`) and from the portal's own host (no `Domain`), so neither a sibling host nor a
/// plain-HTTP page can set or shadow them. A browser refuses a `__Host-` cookie that is not
/// Secure (`--insecure-cookies`), and browsers have disagreed on whether `http://localhost`
/// may set one even when it is: with an http public URL the names stay plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cookies {
    pub secure: bool,
    pub host_prefix: bool,
}

impl Cookies {
    /// A cookie's name as sent and read.
    pub fn name(&self, name: &str) -> String {
        if self.host_prefix {
            format!("__Host-{name}")
        } else {
            name.to_string()
        }
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, for the whole site and no other host
    /// (`Path=/`, no `Domain`), Secure unless told otherwise.
    pub fn set(&self, name: &str, value: &str, max_age: i64) -> String {
        format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
            self.name(name),
            if self.secure { "; Secure" } else { "" }
        )
    }
}
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

/// argon2's working memory, kept from one hash to the next (by a hashing thread,
/// `portal::hashing`): hashing then allocates nothing, where each hash's freed 19 MiB stayed
/// with the allocator (50 logins at once left 0.6-0.9 GB behind). A hash made at a higher
/// memory cost than `argon2_memory_kib` is verified in memory of its own, not kept.
pub struct Argon2Memory {
    blocks: Vec<Block>,
    max_blocks: usize,
}

impl Argon2Memory {
    pub fn new(l: &PortalLimits) -> Argon2Memory {
        Argon2Memory {
            blocks: Vec::new(),
            max_blocks: l.argon2_memory_kib as usize,
        }
    }
}

/// An argon2id PHC string for a password, at the cost set in `limits.toml`.
pub fn hash_password(password: &str, l: &PortalLimits) -> Result<String, String> {
    hash_password_in(password, l, &mut Argon2Memory::new(l))
}

/// [`hash_password`] in kept memory.
pub fn hash_password_in(
    password: &str,
    l: &PortalLimits,
    memory: &mut Argon2Memory,
) -> Result<String, String> {
    let params = Params::new(
        l.argon2_memory_kib,
        l.argon2_iterations,
        l.argon2_lanes,
        None,
    )
    .map_err(|e| e.to_string())?;
    let salt = SaltString::generate(&mut OsRng);
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    argon2_hash(algorithm, version, params, password, salt.as_salt(), memory)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// The argon2 hash of a password with a salt, filling `memory`.
fn argon2_hash<'a>(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &str,
    salt: Salt<'a>,
    memory: &mut Argon2Memory,
) -> password_hash::Result<PasswordHash<'a>> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let n = params.block_count();
    let mut own = Vec::new();
    let blocks = if n <= memory.max_blocks.max(memory.blocks.len()) {
        if memory.blocks.len() < n {
            memory.blocks.resize(n, Block::default());
        }
        &mut memory.blocks[..n]
    } else {
        own.resize(n, Block::default());
        &mut own[..]
    };
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let argon = Argon2::new(algorithm, version, params.clone());
    let output = Output::init_with(len, |out| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *blocks)
            .map_err(password_hash::Error::from)
    })?;
    Ok(PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt),
        hash: Some(output),
    })
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    let l = crate::shipped_limits().portal;
    verify_password_in(password, phc, &mut Argon2Memory::new(&l))
}

/// [`verify_password`] in kept memory: the hash's own algorithm, version and cost; the outputs
/// compared in constant time.
pub fn verify_password_in(password: &str, phc: &str, memory: &mut Argon2Memory) -> bool {
    try_verify(password, phc, memory).unwrap_or(false)
}

fn try_verify(password: &str, phc: &str, memory: &mut Argon2Memory) -> password_hash::Result<bool> {
    let h = PasswordHash::new(phc)?;
    let algorithm = Algorithm::try_from(h.algorithm)?;
    let version = h.version.map(Version::try_from).transpose()?;
    let params = Params::try_from(&h)?;
    let malformed = password_hash::errors::InvalidValue::Malformed;
    let salt = h.salt.ok_or(password_hash::Error::SaltInvalid(malformed))?;
    let version = version.unwrap_or_default();
    let again = argon2_hash(algorithm, version, params, password, salt, memory)?;
    Ok(again.hash.is_some() && again.hash == h.hash)
}

/// A hash to verify against when the account does not exist, so a wrong email costs as much
/// time (and memory) as a wrong password.
pub fn dummy_hash(l: &PortalLimits, memory: &mut Argon2Memory) -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password_in("not a password of anyone", l, memory).unwrap_or_default())
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

/// Why a new password is refused, as an i18n key (its `{n}` is the minimum or maximum length);
/// None when it is acceptable. The length is checked first, so a long one is never compared.
pub fn password_problem(password: &str, email: &str, l: &PortalLimits) -> Option<&'static str> {
    if password.chars().nth(l.password_max_chars).is_some() {
        Some("password_long")
    } else if password.trim().is_empty() {
        Some("password_blank")
    } else if chars_spaces_collapsed(password) < l.password_min_chars {
        Some("password_short")
    } else if password.trim().to_lowercase() == email.trim().to_lowercase() {
        Some("password_email")
    } else if is_common(password) {
        Some("password_common")
    } else {
        None
    }
}

/// Characters of a password with each run of spaces counted as one (ASVS 2.1.1).
fn chars_spaces_collapsed(password: &str) -> usize {
    let mut n = 0;
    let mut after_space = false;
    for c in password.chars() {
        let space = c == ' ';
        if !(space && after_space) {
            n += 1;
        }
        after_space = space;
    }
    n
}

/// Is this password (in lower case) on the list of common passwords
/// (`indicators/common-passwords.txt`)?
pub fn is_common(password: &str) -> bool {
    static LIST: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let (_, text) = parkbench_core::reference::read_text("common-passwords.txt", None)
            .expect("common-passwords.txt is embedded");
        text.lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    })
    .contains(&password.to_lowercase())
}

/// A typed value as a log line shows it: at most `max_chars` characters, then how many more
/// there were (so no request can make a log line large).
pub fn for_log(value: &str, max_chars: usize) -> String {
    match value.char_indices().nth(max_chars) {
        None => value.to_string(),
        Some((at, _)) => {
            let more = value[at..].chars().count();
            format!("{}... ({more} more characters)", &value[..at])
        }
    }
}

/// A failed-login table key: the SHA-256 of what it counts (`account` and the email, or
/// `address` and the client address), 32 bytes whatever was typed.
pub type ThrottleKey = [u8; 32];

pub fn throttle_key(kind: &str, value: &str) -> ThrottleKey {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    h.finalize().into()
}

/// Failed logins by account and by client address, and how long each must wait: after the
/// free failures the wait doubles with every failure, up to a maximum; a quiet period forgets.
/// An attempt is counted as a failure when it is let through ([`Throttle::reserve`]), before its
/// password is checked, and given back when it was not one: attempts at once cannot all pass
/// before the first failure is counted. Bounded: beyond `login_tracked` keys the stalest are
/// forgotten first; keys are hashes ([`throttle_key`]).
pub struct Throttle {
    limits: PortalLimits,
    seen: HashMap<ThrottleKey, (u32, Instant)>,
}

impl Throttle {
    pub fn new(limits: PortalLimits) -> Throttle {
        Throttle {
            limits,
            seen: HashMap::new(),
        }
    }

    /// Lets an attempt through for `key` (counted as a failure until given back), or says how
    /// many seconds it must still wait (nothing counted); `free` is the number of failures
    /// allowed without waiting.
    pub fn reserve(&mut self, key: &ThrottleKey, free: u32, now: Instant) -> Result<(), u64> {
        match self.wait(key, free, now) {
            0 => {
                self.failed(key, now);
                Ok(())
            }
            wait => Err(wait),
        }
    }

    /// An attempt let through that was not a failure (its password was right, or never
    /// checked).
    pub fn give_back(&mut self, key: &ThrottleKey) {
        if let Some(e) = self.seen.get_mut(key) {
            e.0 = e.0.saturating_sub(1);
        }
    }

    /// Failures of `key` so far.
    pub fn failures(&self, key: &ThrottleKey) -> u32 {
        self.seen.get(key).map_or(0, |e| e.0)
    }

    /// Seconds `key` must still wait before its next attempt (0: it may try now); `free` is
    /// the number of failures allowed without waiting.
    pub fn wait(&self, key: &ThrottleKey, free: u32, now: Instant) -> u64 {
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
    pub fn failed(&mut self, key: &ThrottleKey, now: Instant) -> u32 {
        let forget = std::time::Duration::from_secs(self.limits.login_forget_secs);
        if self.seen.len() >= self.limits.login_tracked && !self.seen.contains_key(key) {
            self.seen
                .retain(|_, (_, last)| now.saturating_duration_since(*last) < forget);
            while self.seen.len() >= self.limits.login_tracked.max(1) {
                let Some(oldest) = self
                    .seen
                    .iter()
                    .min_by_key(|(_, (_, last))| *last)
                    .map(|(k, _)| *k)
                else {
                    break;
                };
                self.seen.remove(&oldest);
            }
        }
        let e = self.seen.entry(*key).or_insert((0, now));
        if now.saturating_duration_since(e.1) >= forget {
            e.0 = 0;
        }
        e.0 = e.0.saturating_add(1);
        e.1 = now;
        e.0
    }

    pub fn succeeded(&mut self, key: &ThrottleKey) {
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

    fn limits() -> PortalLimits {
        crate::shipped_limits().portal
    }

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correct horse battery", &limits()).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
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
    fn cookies_are_host_prefixed_when_asked() {
        let https = Cookies {
            secure: true,
            host_prefix: true,
        };
        assert_eq!(
            https.set(SESSION_COOKIE, "v", 60),
            "__Host-pb_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        let plain = Cookies {
            secure: false,
            host_prefix: false,
        };
        assert_eq!(
            plain.set(SESSION_COOKIE, "v", 60),
            "pb_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict"
        );
        assert_eq!(plain.name(LOGIN_CSRF_COOKIE), "pb_login");
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
        let l = limits();
        let problem = |p: &str| password_problem(p, "someone@example.org", &l);
        assert_eq!(problem("            "), Some("password_blank"));
        assert_eq!(problem("short"), Some("password_short"));
        assert_eq!(problem("password12"), Some("password_short"));
        // A run of spaces counts as one character (ASVS 2.1.1).
        assert_eq!(problem("ab          cdefghij"), Some("password_short"));
        assert_eq!(problem("ab cdefghijkl"), None);
        assert_eq!(problem("Someone@Example.org"), Some("password_email"));
        assert_eq!(problem("QAZWSXEDCRFV"), Some("password_common"));
        assert_eq!(problem("123456789qwerty"), Some("password_common"));
        assert_eq!(problem(&"é".repeat(128)), None);
        assert_eq!(problem(&"é".repeat(129)), Some("password_long"));
        assert_eq!(problem(&"x".repeat(1_000_000)), Some("password_long"));
        assert_eq!(problem("a long enough password"), None);
    }

    #[test]
    fn log_values_are_cut() {
        assert_eq!(for_log("a@b.c", 10), "a@b.c");
        assert_eq!(
            for_log(&"é".repeat(15), 10),
            format!("{}... (5 more characters)", "é".repeat(10))
        );
    }

    #[test]
    fn the_wait_doubles_after_the_free_failures_and_is_bounded() {
        let mut limits = limits();
        limits.login_delay_secs = 1;
        limits.login_max_delay_secs = 60;
        limits.login_tracked = 3;
        let mut t = Throttle::new(limits);
        let now = Instant::now();
        let a = throttle_key("account", "a");
        for _ in 0..3 {
            assert_eq!(t.wait(&a, 3, now), 0);
            t.failed(&a, now);
        }
        assert_eq!(t.wait(&a, 3, now), 1);
        t.failed(&a, now);
        assert_eq!(t.wait(&a, 3, now), 2);
        for _ in 0..20 {
            t.failed(&a, now);
        }
        assert_eq!(t.wait(&a, 3, now), 60, "capped");
        t.succeeded(&a);
        assert_eq!(t.wait(&a, 3, now), 0);
        for k in ["b", "c", "d", "e"] {
            t.failed(&throttle_key("account", k), now);
        }
        assert!(t.len() <= 3, "bounded: {}", t.len());
    }

    #[test]
    fn attempts_are_counted_when_let_through() {
        let mut t = Throttle::new(limits());
        let now = Instant::now();
        let a = throttle_key("account", &"x".repeat(1 << 20));
        let through = (0..50).filter(|_| t.reserve(&a, 3, now).is_ok()).count();
        assert_eq!(through, 3);
        assert_eq!(t.failures(&a), 3);
        t.give_back(&a);
        assert_eq!(t.failures(&a), 2);
        assert_eq!(t.reserve(&a, 3, now), Ok(()));
    }
}
