//! `parkbench serve`: the upload portal. Operators upload their park's data, see every problem
//! the validator finds, and once it is valid, their scorecard and report; programme staff see
//! the ranking, who failed and who has not submitted. Validation, scoring and reports are the
//! library's own (see [`work`]); this module adds accounts, storage and pages.
//!
//! Storage is SQLite by default and PostgreSQL by URL ([`db`]). Every submission is kept and
//! versioned; the latest valid version of a park and year is the one that counts.

#[macro_use]
extern crate parkbench_core;

pub mod auth;
mod cache;
mod checking;
pub mod db;
pub mod error;
mod hashing;
pub mod i18n;
pub mod memory;
mod net;
mod pages;
mod render;
pub mod work;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use db::{Db, DbError, Role};
pub use net::{protect, serve, serve_on};
pub use parkbench_core::reference::PortalLimits;

/// How the portal runs.
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// `sqlite://FILE` or `postgres://...`.
    pub db_url: String,
    /// Benchmark sets offered (ids); empty: every shipped set.
    pub benchmarks: Vec<String>,
    /// Largest upload accepted, in bytes.
    pub upload_limit: usize,
    /// Mark cookies `Secure` (off only for plain-HTTP development on another host name).
    pub secure_cookies: bool,
    /// The address people reach the portal at (`https://portal.example.org`): setup links are
    /// built from it, never from a request's Host header.
    pub public_url: String,
    /// Bounds on requests, uploads, logins and storage (`indicators/limits.toml`, `[portal]`).
    pub limits: PortalLimits,
    /// Who the reports made by the portal are for and who prepares them (their
    /// identification block); the issue date is the day each is made.
    pub report_issue: parkbench_core::identification::Issue,
}

impl PortalConfig {
    /// How cookies are sent: Secure unless `--insecure-cookies`; `__Host-` named when Secure
    /// and the public URL is https ([`auth::Cookies`]).
    pub fn cookies(&self) -> auth::Cookies {
        auth::Cookies {
            secure: self.secure_cookies,
            host_prefix: self.secure_cookies && self.public_url.starts_with("https://"),
        }
    }
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            db_url: "sqlite://parkbench.db".into(),
            benchmarks: Vec::new(),
            upload_limit: 50 << 20,
            secure_cookies: true,
            public_url: "http://127.0.0.1:8080".into(),
            limits: parkbench_core::reference::limits().portal,
            report_issue: Default::default(),
        }
    }
}

/// Problems starting the portal.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Setup(String),
    /// An invitation refused: the i18n key of the reason, and the account it concerns.
    #[error("{}: {}", i18n::t(parkbench_core::i18n::Lang::En, .0), .1)]
    Refused(&'static str, String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The portal: database, reference data and a cache of computed results. Cheap to clone.
#[derive(Clone)]
pub struct Portal {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    cfg: PortalConfig,
    refs: work::Refs,
    /// Results by what they were computed from (submission ids, set, language): a new
    /// submission makes a new key, so nothing is ever stale. Each computed once.
    cache: cache::Results<Cached>,
    /// The key that signs login-form tokens (kept in the database: the same on every start
    /// and every server of one database).
    form_key: String,
    throttle: Mutex<auth::Throttle>,
    /// Password hashes and verifications, on threads of their own (argon2's memory), and how
    /// many were verified.
    hashing: hashing::Hashing,
    /// Threads that check uploads, one per upload slot.
    checking: checking::Checking,
    password_checks: AtomicU64,
    /// Upload slots over all users, and uploads in progress by account.
    uploads: Arc<tokio::sync::Semaphore>,
    uploading: Mutex<HashMap<i64, usize>>,
}

/// What the portal has done and holds, counted (for tests and monitoring).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Passwords verified with argon2 (logins and password changes).
    pub password_checks: u64,
    /// Results computed (scorecards, programme results, the parsed catalogue).
    pub computations: u64,
    /// Accounts and addresses in the failed-login table.
    pub throttle_keys: usize,
}

/// An upload's claim on the portal: one of the slots over all users and one of its account's.
/// Given back when dropped.
pub(crate) struct UploadSlot {
    portal: Portal,
    user: i64,
    _permit: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.portal.inner.uploading.lock()
            && let Some(n) = m.get_mut(&self.user)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.user);
            }
        }
    }
}

enum Cached {
    Park(Box<work::ParkResult>),
    Programme(Box<work::ProgrammeResult>),
    Technologies(Box<Technologies>),
}

impl cache::Weighed for Cached {
    /// The bytes of reports, PDFs, charts and texts (the parsed scores and plans besides are
    /// small next to them).
    fn bytes(&self) -> usize {
        match self {
            Cached::Park(r) => {
                r.html.len()
                    + r.markdown.len()
                    + r.pdf.len()
                    + r.scorecard_svg.len()
                    + r.scores_csv.len()
            }
            Cached::Programme(r) => {
                r.files.values().map(Vec::len).sum::<usize>()
                    + r.ranking_svg.len()
                    + r.scores_csv.len()
            }
            Cached::Technologies(t) => t.text_bytes,
        }
    }
}

/// The technology catalogue staff uploaded, parsed, with who uploaded it and when.
#[derive(Debug, Clone)]
pub(crate) struct Technologies {
    pub catalogue: parkbench_core::matchmaking::Catalogue,
    pub meta: TechnologiesMeta,
    /// The size of its text, as the cache counts it.
    pub text_bytes: usize,
}

/// Where the stored catalogue came from (`settings` row `technologies.meta`, JSON).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct TechnologiesMeta {
    pub name: String,
    pub by: String,
    pub at: String,
    /// Counts uploads: part of every cache key that uses the catalogue.
    pub version: u64,
}

/// Setting names of the stored catalogue: its meta (the commit point of an upload) and its text
/// by version (`technologies.csv.<version>`).
const TECH_META: &str = "technologies.meta";

fn tech_csv_key(version: u64) -> String {
    format!("technologies.csv.{version}")
}

impl Portal {
    /// Connects to the database (creating and migrating it) and loads the reference data.
    pub async fn open(cfg: PortalConfig) -> Result<Portal, PortalError> {
        let mut refs = work::Refs::load(&cfg.benchmarks).map_err(PortalError::Setup)?;
        refs.issue = cfg.report_issue.clone();
        let db = Db::connect(&cfg.db_url).await?;
        let form_key = db.setting_or_init("form_key", &auth::token()).await?;
        let portal = Portal {
            inner: Arc::new(Inner {
                db,
                refs,
                cache: cache::Results::new(&cfg.limits),
                form_key,
                throttle: Mutex::new(auth::Throttle::new(cfg.limits)),
                hashing: hashing::Hashing::start(&cfg.limits)?,
                checking: checking::Checking::start(cfg.limits.uploads_at_once)?,
                password_checks: AtomicU64::new(0),
                uploads: Arc::new(tokio::sync::Semaphore::new(
                    cfg.limits.uploads_at_once.max(1),
                )),
                uploading: Mutex::new(HashMap::new()),
                cfg,
            }),
        };
        portal.bound_stored_problems().await?;
        Ok(portal)
    }

    pub fn config(&self) -> &PortalConfig {
        &self.inner.cfg
    }

    pub fn counters(&self) -> Counters {
        Counters {
            password_checks: self.inner.password_checks.load(Ordering::Relaxed),
            computations: self.inner.cache.computed(),
            throttle_keys: self.throttle().len(),
        }
    }

    /// Submissions stored before problems were bounded: bounded now, once, at start (a page
    /// of one of them would otherwise still parse hundreds of MB).
    /// Done once per database (a setting records it): rows stored since are bounded when they
    /// are stored, so later starts need not read every row's problems again.
    async fn bound_stored_problems(&self) -> Result<(), PortalError> {
        const DONE: &str = "problems_bounded";
        if self.db().setting(DONE).await?.is_some() {
            return Ok(());
        }
        let l = self.inner.cfg.limits;
        for id in self.db().oversized_problems(l.problems_bytes).await? {
            let (problems, _) = self.db().problems(id).await?;
            // Parsed one problem at a time: the row is held once, its problems never all.
            let (kept, omitted) =
                work::bound_json(&problems, &l).unwrap_or_else(|_| ("[]".into(), "[]".into()));
            drop(problems);
            self.db().set_problems(id, &kept, &omitted).await?;
            tracing::info!(submission = id, "stored problems bounded");
        }
        self.db().put_setting(DONE, "1").await?;
        Ok(())
    }

    /// A slot for an upload by this account: refused at once when the account already has
    /// `uploads_per_user` in progress, after `upload_wait_secs` when every slot is taken.
    pub(crate) async fn upload_slot(&self, user: i64) -> Result<UploadSlot, error::Fail> {
        let l = self.inner.cfg.limits;
        {
            let mut m = self
                .inner
                .uploading
                .lock()
                .map_err(|_| error::Fail::Internal("upload table poisoned".into()))?;
            let n = m.entry(user).or_insert(0);
            if *n >= l.uploads_per_user.max(1) {
                return Err(error::Fail::UploadInProgress);
            }
            *n += 1;
        }
        // From here the slot gives the account's count back when dropped, permit or not.
        let mut slot = UploadSlot {
            portal: self.clone(),
            user,
            _permit: None,
        };
        let wait = Duration::from_secs(l.upload_wait_secs);
        match tokio::time::timeout(wait, self.inner.uploads.clone().acquire_owned()).await {
            Ok(Ok(p)) => {
                slot._permit = Some(p);
                Ok(slot)
            }
            _ => Err(error::Fail::Busy(l.upload_wait_secs)),
        }
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, auth::Throttle> {
        // Counts only: a panic elsewhere cannot leave the table half-changed.
        self.inner
            .throttle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// A login (or a password change's check of the current password) let through: counted
    /// against the account before its password is checked (so attempts sent at once cannot
    /// all be checked), then holding one of the `password_hashes_at_once` slots, then counted
    /// against the client address. Refused with the seconds to wait, or "busy" after
    /// `password_wait_secs` without a slot (then nothing is counted).
    pub(crate) async fn login_attempt(
        &self,
        email: &str,
        address: &str,
    ) -> Result<LoginAttempt, error::Fail> {
        let l = self.inner.cfg.limits;
        let account = auth::throttle_key("account", email);
        let address = auth::throttle_key("address", address);
        let reserved =
            self.throttle()
                .reserve(&account, l.login_free_failures, std::time::Instant::now());
        reserved.map_err(error::Fail::Throttled)?;
        // (The table's lock is taken here only once each statement has let go of it.)
        let give_back = |fail| {
            self.throttle().give_back(&account);
            fail
        };
        let permit = match self.hashing_slot().await {
            Ok(p) => p,
            Err(fail) => return Err(give_back(fail)),
        };
        let reserved = self.throttle().reserve(
            &address,
            l.login_free_failures_address,
            std::time::Instant::now(),
        );
        reserved.map_err(|wait| give_back(error::Fail::Throttled(wait)))?;
        Ok(LoginAttempt {
            portal: self.clone(),
            account,
            address,
            _permit: permit,
        })
    }

    /// One of the `password_hashes_at_once` slots, within `password_wait_secs`.
    async fn hashing_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, error::Fail> {
        let wait = self.inner.cfg.limits.password_wait_secs;
        self.inner
            .hashing
            .slot()
            .await
            .ok_or(error::Fail::LoginBusy(wait))
    }

    /// A new password's hash, made holding a hashing slot.
    pub(crate) async fn hash_password(&self, password: String) -> Result<String, error::Fail> {
        let _permit = self.hashing_slot().await?;
        self.inner
            .hashing
            .hash(password)
            .await
            .map_err(error::Fail::Internal)
    }

    /// A setup link as people reach it: the configured public URL and the path.
    pub fn public_link(&self, path: &str) -> String {
        format!("{}{path}", self.inner.cfg.public_url.trim_end_matches('/'))
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Creates an account without a password and returns its one-time setup path
    /// (`/setup/<token>`). An existing account with the same role (and park) gets a new link
    /// instead: it resets the password, keeps the role, spends older links and ends the
    /// account's sessions at once. A different role is refused: that is an explicit change
    /// ([`Portal::change_role`]). The importer account is never invited.
    pub async fn invite(
        &self,
        email: &str,
        role: Role,
        park_id: Option<&str>,
    ) -> Result<String, PortalError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@')
            || email
                .chars()
                .nth(self.inner.cfg.limits.email_max_chars)
                .is_some()
            || email.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(PortalError::Refused("not_an_email", net::logged(&email)));
        }
        if email == auth::IMPORTER {
            return Err(PortalError::Refused("importer_account", email));
        }
        if role == Role::Operator && park_id.is_none() {
            return Err(PortalError::Refused("operator_needs_park", email));
        }
        if let Some(p) = park_id
            && self.db().park(p).await?.is_none()
        {
            return Err(PortalError::Refused("park_not_on_roster", p.to_string()));
        }
        let (id, again) = match self.db().user_by_email(&email).await? {
            Some(u)
                if u.role != role
                    || (role == Role::Operator && u.park_id.as_deref() != park_id) =>
            {
                return Err(PortalError::Refused("account_exists", email));
            }
            Some(u) => {
                self.db().reset_account(u.id).await?;
                (u.id, true)
            }
            None => (self.db().create_user(&email, role, park_id).await?, false),
        };
        let token = auth::token();
        self.db()
            .create_setup_token(
                id,
                &auth::token_hash(&token),
                self.inner.cfg.limits.setup_link_secs,
            )
            .await?;
        tracing::info!(
            target: "parkbench::audit",
            email = ?email, role = role.as_str(), park = ?park_id.unwrap_or(""),
            reset = again, "account invited"
        );
        Ok(format!("/setup/{token}"))
    }

    /// Changes an account's role (and park), ending its sessions.
    pub async fn change_role(
        &self,
        email: &str,
        role: Role,
        park_id: Option<&str>,
    ) -> Result<(), PortalError> {
        let email = email.trim().to_lowercase();
        if email == auth::IMPORTER {
            return Err(PortalError::Refused("importer_account", email));
        }
        if role == Role::Operator && park_id.is_none() {
            return Err(PortalError::Refused("operator_needs_park", email));
        }
        if let Some(p) = park_id
            && self.db().park(p).await?.is_none()
        {
            return Err(PortalError::Refused("park_not_on_roster", p.to_string()));
        }
        let Some(u) = self.db().user_by_email(&email).await? else {
            return Err(PortalError::Refused("no_such_account", email));
        };
        let park = park_id.filter(|_| role == Role::Operator);
        self.db().set_role(u.id, role, park).await?;
        tracing::info!(
            target: "parkbench::audit",
            email = ?email, role = role.as_str(), park = ?park.unwrap_or(""), "role changed"
        );
        Ok(())
    }

    /// Creates an account with a password (tests, scripted set-up).
    pub async fn create_account(
        &self,
        email: &str,
        password: &str,
        role: Role,
        park_id: Option<&str>,
    ) -> Result<(), PortalError> {
        let path = self.invite(email, role, park_id).await?;
        let token = path.trim_start_matches("/setup/");
        let hash = self
            .hash_password(password.to_string())
            .await
            .map_err(|f| PortalError::Setup(format!("{f:?}")))?;
        self.db()
            .use_setup_token(&auth::token_hash(token), &hash)
            .await?;
        Ok(())
    }

    /// Adds the parks of a parks table (CSV or workbook) to the roster; returns how many.
    pub async fn import_roster(&self, path: &Path) -> Result<usize, PortalError> {
        let parks = work::read_roster(path, &self.inner.refs)
            .map_err(|e| PortalError::Setup(format!("{}: {e}", path.display())))?;
        for p in &parks {
            self.db().upsert_park(p).await?;
        }
        Ok(parks.len())
    }

    /// Submits every park of a dataset folder for a reporting year, as the account
    /// `import@parkbench.local` (staff, no password: it cannot log in), after adding the
    /// folder's parks to the roster. Returns (valid, with errors).
    pub async fn import(&self, dir: &Path, year: i32) -> Result<(usize, usize), PortalError> {
        const IMPORTER: &str = auth::IMPORTER;
        self.import_roster(&dir.join("parks.csv")).await?;
        let user = match self.db().user_by_email(IMPORTER).await? {
            Some(u) => u.id,
            None => self.db().create_user(IMPORTER, Role::Staff, None).await?,
        };
        let (p, d) = (self.clone(), dir.to_path_buf());
        let checked = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let mut out = Vec::new();
            for (park_id, uploads) in work::split_dataset(&d)? {
                let roster = db::RosterPark {
                    park_id: park_id.clone(),
                    name: String::new(),
                    meta_csv: String::new(),
                };
                out.push((park_id, work::check(&p.inner.refs, &roster, year, uploads)));
            }
            Ok(out)
        })
        .await
        .map_err(|e| PortalError::Setup(e.to_string()))?
        .map_err(|e| PortalError::Setup(format!("{}: {e}", dir.display())))?;
        let (mut valid, mut invalid) = (0, 0);
        for (park_id, c) in checked {
            let (problems, omitted) = c.bounded(&self.inner.cfg.limits);
            let names = serde_json::to_string(&c.names).unwrap_or_else(|_| "[]".into());
            let errors = c.errors();
            self.db()
                .insert_submission(&db::NewSubmission {
                    park_id: &park_id,
                    year: i64::from(year),
                    user_id: user,
                    valid: errors == 0,
                    errors: errors as i64,
                    warnings: c.warnings() as i64,
                    problems: &problems,
                    omitted: &omitted,
                    names: &names,
                    files: &c.files,
                    idem_key: None,
                    keep_invalid: self.inner.cfg.limits.keep_invalid_versions,
                })
                .await?;
            if errors == 0 {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        tracing::info!(folder = ?dir, year, valid, invalid, "dataset imported");
        Ok((valid, invalid))
    }

    /// The portal's routes, with its bounds on every request ([`protect`]): a Content-Length
    /// above the upload limit refused before the body is read, a body that pauses longer than
    /// `body_idle_secs` or keeps no pace dropped, a request that takes longer than
    /// `request_timeout_secs` in all answered 408, and every error a page of the portal's (see
    /// [`error`]). With an https public URL every answer carries Strict-Transport-Security.
    pub fn router(&self) -> Router {
        let limit = self.inner.cfg.upload_limit;
        let l = self.inner.cfg.limits;
        let routes = Router::new()
            .route("/", get(pages::home))
            .route("/healthz", get(|| async { "ok" }))
            .route("/login", get(pages::login_page).post(pages::login))
            .route("/logout", post(pages::logout))
            .route("/setup/{token}", get(pages::setup_page).post(pages::setup))
            .route(
                "/account/password",
                get(pages::password_page).post(pages::change_password),
            )
            .route("/template.xlsx", get(pages::template))
            .route("/park/{park}", get(pages::park))
            .route(
                "/park/{park}/upload",
                // A little room above the limit for the form's other fields.
                post(pages::upload).layer(DefaultBodyLimit::max(limit + net::FORM_ROOM)),
            )
            .route("/park/{park}/{file}", get(pages::park_file))
            .route("/park/{park}/{year}/{version}", get(pages::submission))
            .route("/programme", get(pages::programme))
            .route("/programme/scores.csv", get(pages::programme_csv))
            .route(
                "/programme/technologies",
                post(pages::technologies_upload).layer(DefaultBodyLimit::max(
                    parkbench_core::reference::limits().technologies.max_bytes + net::FORM_ROOM,
                )),
            )
            .route("/programme/report/{*path}", get(pages::programme_report))
            .route("/admin", get(pages::admin))
            .route("/admin/users", post(pages::admin_create))
            .route("/admin/role", post(pages::admin_role))
            .fallback(pages::fallback)
            .with_state(self.clone());
        let routes = protect(routes, limit + net::FORM_ROOM, &l);
        if self.inner.cfg.public_url.starts_with("https://") {
            net::strict_transport(routes, l.hsts_max_age_secs)
        } else {
            routes
        }
    }

    /// The technology catalogue staff uploaded (None before the first), parsed once per upload.
    async fn technologies(&self) -> Result<Option<Arc<Cached>>, String> {
        let Some(meta) = self
            .db()
            .setting(TECH_META)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let meta: TechnologiesMeta = serde_json::from_str(&meta).map_err(|e| e.to_string())?;
        let key = format!("technologies:{}", meta.version);
        self.computed(&key, || async move {
            let csv = self
                .db()
                .setting(&tech_csv_key(meta.version))
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or_default();
            let catalogue = parkbench_core::matchmaking::Catalogue::parse(
                &meta.name,
                csv.as_bytes(),
                &self.inner.refs.measures,
            )
            .map_err(|p| format!("{}: {} problems", meta.name, p.len()))?;
            Ok(Cached::Technologies(Box::new(Technologies {
                catalogue,
                meta,
                text_bytes: csv.len(),
            })))
        })
        .await
        .map(Some)
    }

    /// Stores a checked catalogue as the portal's (the next version).
    async fn store_technologies(
        &self,
        name: &str,
        csv: &str,
        by: &str,
    ) -> Result<u64, db::DbError> {
        let version = match self.db().setting(TECH_META).await? {
            Some(m) => serde_json::from_str::<TechnologiesMeta>(&m).map_or(1, |m| m.version + 1),
            None => 1,
        };
        let meta = TechnologiesMeta {
            name: name.to_string(),
            by: by.to_string(),
            at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            version,
        };
        // The text first, then the meta that points at it: a failure between the two leaves
        // the previous catalogue in use.
        self.db().put_setting(&tech_csv_key(version), csv).await?;
        self.db()
            .put_setting(TECH_META, &serde_json::to_string(&meta).unwrap_or_default())
            .await?;
        if version > 1 {
            // The previous text is no longer read; its row is emptied (best effort).
            let _ = self.db().put_setting(&tech_csv_key(version - 1), "").await;
        }
        Ok(version)
    }

    /// The result for `key`, computed once however many views ask for it at once
    /// ([`cache`]).
    async fn computed<F, Fut>(&self, key: &str, compute: F) -> Result<Arc<Cached>, String>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Cached, String>>,
    {
        self.inner.cache.get(key, compute).await
    }
}

/// A login let through the throttle, holding a hashing slot ([`Portal::login_attempt`]).
/// Until it is settled it counts as a failure of its account and its address.
pub(crate) struct LoginAttempt {
    portal: Portal,
    account: auth::ThrottleKey,
    address: auth::ThrottleKey,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl LoginAttempt {
    /// Verifies a password against a PHC hash (against a dummy hash without one, so a wrong
    /// email costs what a wrong password costs) and settles the attempt: right, the account's
    /// failures are forgotten and the address's attempt given back; wrong, both stay counted.
    /// Returns whether it was right and the account's failures so far.
    pub(crate) async fn verify(self, password: String, phc: Option<String>) -> (bool, u32) {
        let p = &self.portal;
        let ok = p.inner.hashing.verify(password, phc).await;
        p.inner.password_checks.fetch_add(1, Ordering::Relaxed);
        let mut t = p.throttle();
        if ok {
            t.succeeded(&self.account);
            t.give_back(&self.address);
        }
        (ok, t.failures(&self.account))
    }
}
