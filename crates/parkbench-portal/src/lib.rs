//! `parkbench serve`: the upload portal. Operators upload their park's data, see every problem
//! the validator finds, and once it is valid, their scorecard and report; programme staff see
//! the ranking, who failed and who has not submitted. Validation, scoring and reports are the
//! library's own (see [`work`]); this module adds accounts, storage and pages.
//!
//! Storage is SQLite by default and PostgreSQL by URL ([`db`]). Every submission is kept and
//! versioned; the latest valid version of a park and year is the one that counts.
//!
//! A programme runs rounds on top (`rounds`): staff ask parks for a year's data by a date;
//! data comes from a page or from a park's platform through the API (`/api/v1`, bearer tokens,
//! `api`), one path for both; each version is checked across years ([`crossyear`]) and
//! reviewed in two levels, province then nation, by the table of [`review`], each account at
//! the level its scope gives it ([`scope`]); evidence files are kept with a version; and every
//! change is an event of the append-only audit trail ([`audit`]).

#[macro_use]
extern crate parkbench_core;

mod api;
pub mod audit;
pub mod auth;
mod cache;
mod checking;
pub mod crossyear;
pub mod db;
pub mod error;
mod hashing;
pub mod i18n;
pub mod memory;
mod net;
mod pages;
mod render;
pub mod review;
mod rounds;
pub mod scope;
pub mod work;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use db::{AccountRole, Db, DbError};
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

/// The shipped bounds (`indicators/limits.toml`), read once: the portal's own copy, for the few
/// places no portal state reaches (a value in a log line, an upload's shown name, Retry-After,
/// a password check, an upload's memory). Reading, checking and the technology catalogue take
/// them from the reference data the portal holds ([`work::Refs`]); [`PortalConfig::limits`]
/// starts from them. Panics naming the file when it does not parse (the core's tests prove it
/// does).
pub(crate) fn shipped_limits() -> &'static parkbench_core::reference::Limits {
    static SHIPPED: std::sync::OnceLock<parkbench_core::reference::Limits> =
        std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        parkbench_core::reference::Limits::embedded().unwrap_or_else(|e| panic!("{e}"))
    })
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            db_url: "sqlite://parkbench.db".into(),
            benchmarks: Vec::new(),
            upload_limit: 50 << 20,
            secure_cookies: true,
            public_url: "http://127.0.0.1:8080".into(),
            limits: shipped_limits().portal,
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
    #[error("{}: {}", i18n::t(parkbench_core::i18n::Lang::EN, .0), .1)]
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
    /// The checks across years (`indicators/cross-year.toml`).
    thresholds: crossyear::Thresholds,
}

/// An account to invite or change: its role, park (operators) and scope as written (staff:
/// `nation` or `province:<name>`; None is national).
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub role: AccountRole,
    pub park_id: Option<&'a str>,
    pub scope: Option<&'a str>,
}

/// An account's scope as shown and logged (`nation`, `province:jiangsu`, `park:ID`).
fn scope_label(s: &db::AccountScope<'_>) -> String {
    match (s.role, s.park_id, s.province) {
        (AccountRole::Operator, Some(p), _) => format!("park:{p}"),
        (AccountRole::Staff, _, Some(p)) => format!("province:{p}"),
        _ => "nation".into(),
    }
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
    pub catalogue: parkbench_core::matchmaking::TechnologyCatalogue,
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
        let thresholds = crossyear::Thresholds::shipped().map_err(PortalError::Setup)?;
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
                thresholds,
                cfg,
            }),
        };
        portal.bound_stored_problems().await?;
        portal.fill_park_provinces().await?;
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
    /// (`/setup/<token>`), as the command line ([`Portal::invite_as`]).
    pub async fn invite(
        &self,
        email: &str,
        role: AccountRole,
        park_id: Option<&str>,
    ) -> Result<String, PortalError> {
        let account = NewAccount {
            role,
            park_id,
            scope: None,
        };
        self.invite_as(email, &account, &audit::Actor::command_line())
            .await
    }

    /// The park and province an account of this role would have, from what was written: an
    /// operator needs a roster park; staff have a scope (`nation`, or `province:<name>` with a
    /// province of the factor tables, in English or Chinese); admins are national.
    pub async fn resolve_scope(
        &self,
        email: &str,
        account: &NewAccount<'_>,
    ) -> Result<(Option<String>, Option<String>), PortalError> {
        let refused = |key| PortalError::Refused(key, email.to_string());
        let province = match (account.role, account.scope.map(str::trim)) {
            (_, None | Some("")) => None,
            (AccountRole::Staff, Some(written)) => {
                let Some(province) = scope::parse_staff_scope(written) else {
                    return Err(PortalError::Refused("scope_bad", net::logged(written)));
                };
                match province {
                    None => None,
                    Some(name) => {
                        Some(self.inner.refs.factors.province_key(&name).ok_or_else(|| {
                            PortalError::Refused("province_unknown", net::logged(&name))
                        })?)
                    }
                }
            }
            (AccountRole::Admin, Some(w)) if w.eq_ignore_ascii_case("nation") => None,
            (AccountRole::Operator, Some(w))
                if account.park_id.is_some_and(|p| w == format!("park:{p}")) =>
            {
                None
            }
            (AccountRole::Admin | AccountRole::Operator, Some(_)) => {
                return Err(refused("scope_for_staff"));
            }
        };
        let park = match account.role {
            AccountRole::Operator => {
                let Some(p) = account.park_id else {
                    return Err(refused("operator_needs_park"));
                };
                if self.db().park(p).await?.is_none() {
                    return Err(PortalError::Refused("park_not_on_roster", p.to_string()));
                }
                Some(p.to_string())
            }
            _ => None,
        };
        Ok((park, province))
    }

    /// Creates an account without a password and returns its one-time setup path
    /// (`/setup/<token>`); the invitation is an audit event of `actor`. An existing account
    /// with the same role, park and scope gets a new link instead: it resets the password,
    /// keeps the role, spends older links and ends the account's sessions at once. A different
    /// role or scope is refused: that is an explicit change ([`Portal::change_role_as`]). The
    /// importer account is never invited.
    pub async fn invite_as(
        &self,
        email: &str,
        account: &NewAccount<'_>,
        actor: &audit::Actor,
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
        let (park, province) = self.resolve_scope(&email, account).await?;
        let role = account.role;
        let scope_of = db::AccountScope {
            role,
            park_id: park.as_deref(),
            province: province.as_deref(),
        };
        let event = audit::NewEvent::new(
            actor,
            audit::Kind::AccountInvited,
            serde_json::json!({
                "email": email,
                "role": role.as_str(),
                "scope": scope_label(&scope_of),
            }),
        );
        let event = match &park {
            Some(p) => event.about(p, None, None),
            None => event,
        };
        let (id, again) = match self.db().user_by_email(&email).await? {
            Some(u) if u.role != role || u.park_id != park || u.province != province => {
                return Err(PortalError::Refused("account_exists", email));
            }
            Some(u) => {
                let mut event = event.clone();
                if let Some(d) = event.detail.as_object_mut() {
                    d.insert("reset".into(), true.into());
                }
                self.db().reset_account(u.id, &event).await?;
                (u.id, true)
            }
            None => (
                self.db()
                    .create_user(&email, &scope_of, Some(&event))
                    .await?,
                false,
            ),
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
            email = ?email, role = role.as_str(), scope = scope_label(&scope_of),
            by = ?actor.name, reset = again, "account invited"
        );
        Ok(format!("/setup/{token}"))
    }

    /// Changes an account's role (and park), ending its sessions, as the command line.
    pub async fn change_role(
        &self,
        email: &str,
        role: AccountRole,
        park_id: Option<&str>,
    ) -> Result<(), PortalError> {
        let account = NewAccount {
            role,
            park_id,
            scope: None,
        };
        self.change_role_as(email, &account, &audit::Actor::command_line())
            .await
    }

    /// Changes an account's role, park and scope, ending its sessions; an audit event of
    /// `actor` says what it was and what it became.
    pub async fn change_role_as(
        &self,
        email: &str,
        account: &NewAccount<'_>,
        actor: &audit::Actor,
    ) -> Result<(), PortalError> {
        let email = email.trim().to_lowercase();
        if email == auth::IMPORTER {
            return Err(PortalError::Refused("importer_account", email));
        }
        let (park, province) = self.resolve_scope(&email, account).await?;
        let Some(u) = self.db().user_by_email(&email).await? else {
            return Err(PortalError::Refused("no_such_account", email));
        };
        let before = db::AccountScope {
            role: u.role,
            park_id: u.park_id.as_deref(),
            province: u.province.as_deref(),
        };
        let after = db::AccountScope {
            role: account.role,
            park_id: park.as_deref(),
            province: province.as_deref(),
        };
        let event = audit::NewEvent::new(
            actor,
            audit::Kind::RoleChanged,
            serde_json::json!({
                "email": email,
                "from": {"role": before.role.as_str(), "scope": scope_label(&before)},
                "to": {"role": after.role.as_str(), "scope": scope_label(&after)},
            }),
        );
        let event = match park.as_deref().or(u.park_id.as_deref()) {
            Some(p) => event.about(p, None, None),
            None => event,
        };
        self.db().set_role(u.id, &after, &event).await?;
        tracing::info!(
            target: "parkbench::audit",
            email = ?email, role = after.role.as_str(), scope = scope_label(&after),
            by = ?actor.name, "role changed"
        );
        Ok(())
    }

    /// Creates an account with a password (tests, scripted set-up).
    pub async fn create_account(
        &self,
        email: &str,
        password: &str,
        role: AccountRole,
        park_id: Option<&str>,
    ) -> Result<(), PortalError> {
        let account = NewAccount {
            role,
            park_id,
            scope: None,
        };
        self.create_account_scoped(email, password, &account).await
    }

    /// [`Portal::create_account`] with a scope (`province:jiangsu`).
    pub async fn create_account_scoped(
        &self,
        email: &str,
        password: &str,
        account: &NewAccount<'_>,
    ) -> Result<(), PortalError> {
        let path = self
            .invite_as(email, account, &audit::Actor::command_line())
            .await?;
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

    /// Creates an API token for an account and returns it (the only time it is seen: only its
    /// hash is stored). It expires after `days` (`api_token_days` without), at most
    /// `api_token_max_days`; an account holds at most `api_tokens_per_account` live tokens.
    pub async fn create_token(
        &self,
        email: &str,
        days: Option<i64>,
        label: &str,
        actor: &audit::Actor,
    ) -> Result<(String, i64), PortalError> {
        let l = self.inner.cfg.limits;
        let email = email.trim().to_lowercase();
        let Some(u) = self.db().user_by_email(&email).await? else {
            return Err(PortalError::Refused("no_such_account", email));
        };
        if email == auth::IMPORTER {
            return Err(PortalError::Refused("importer_account", email));
        }
        let days = days.unwrap_or(l.api_token_days);
        if !(1..=l.api_token_max_days).contains(&days) {
            return Err(PortalError::Refused(
                "token_days_bad",
                format!("{days} (1-{})", l.api_token_max_days),
            ));
        }
        let label: String = label
            .chars()
            .filter(|c| !c.is_control())
            .take(l.log_value_chars)
            .collect();
        let token = format!("pbt_{}", auth::token());
        let mut event = audit::NewEvent::new(
            actor,
            audit::Kind::TokenCreated,
            serde_json::json!({"email": email, "label": label, "days": days}),
        );
        if let Some(p) = &u.park_id {
            event = event.about(p, None, None);
        }
        let id = self
            .db()
            .create_token(
                u.id,
                &auth::token_hash(&token),
                &label,
                days * 86_400,
                l.api_tokens_per_account,
                &event,
            )
            .await?
            .ok_or_else(|| {
                PortalError::Refused(
                    "tokens_too_many",
                    format!("{email}: {}", l.api_tokens_per_account),
                )
            })?;
        tracing::info!(target: "parkbench::audit", email = ?email, token = id, days, by = ?actor.name, "API token created");
        Ok((token, id))
    }

    /// Revokes an API token by its id (as listed).
    pub async fn revoke_token(&self, id: i64, actor: &audit::Actor) -> Result<(), PortalError> {
        let tokens = self.db().tokens(None).await?;
        let Some(t) = tokens.iter().find(|t| t.id == id) else {
            return Err(PortalError::Refused("no_such_token", id.to_string()));
        };
        let u = self.db().user_by_email(&t.email).await?;
        let mut event = audit::NewEvent::new(
            actor,
            audit::Kind::TokenRevoked,
            serde_json::json!({"email": t.email, "token_id": id, "label": t.label}),
        );
        if let Some(p) = u.and_then(|u| u.park_id) {
            event = event.about(&p, None, None);
        }
        if !self.db().revoke_token(id, &event).await? {
            return Err(PortalError::Refused("no_such_token", id.to_string()));
        }
        tracing::info!(target: "parkbench::audit", token = id, by = ?actor.name, "API token revoked");
        Ok(())
    }

    /// Parks added before parks had a province: filled in from their roster row, once per
    /// database.
    async fn fill_park_provinces(&self) -> Result<(), PortalError> {
        const DONE: &str = "park_provinces_filled";
        if self.db().setting(DONE).await?.is_some() {
            return Ok(());
        }
        for park in self.db().parks_without_province().await? {
            if let Some(province) = work::province_of(&park.meta_csv, &self.inner.refs) {
                self.db()
                    .set_park_province(&park.park_id, &province)
                    .await?;
            }
        }
        self.db().put_setting(DONE, "1").await?;
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
            None => {
                let staff = db::AccountScope {
                    role: AccountRole::Staff,
                    park_id: None,
                    province: None,
                };
                self.db().create_user(IMPORTER, &staff, None).await?
            }
        };
        let (p, d) = (self.clone(), dir.to_path_buf());
        let checked = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let mut out = Vec::new();
            for (park_id, uploads) in work::split_dataset(&d, &p.inner.refs.vocab)? {
                let roster = db::RosterPark {
                    park_id: park_id.clone(),
                    name: String::new(),
                    province: None,
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
            let totals = c
                .totals
                .as_ref()
                .and_then(|t| serde_json::to_string(t).ok());
            let actor = audit::Actor {
                id: Some(user),
                name: IMPORTER.into(),
                address: "command line".into(),
            };
            let event = audit::NewEvent::new(
                &actor,
                audit::Kind::Upload,
                serde_json::json!({
                    "via": "import",
                    "files": c.names,
                    "valid": errors == 0,
                    "errors": errors,
                    "warnings": c.warnings(),
                }),
            )
            .about(&park_id, Some(i64::from(year)), None);
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
                    totals: totals.as_deref(),
                    event: Some(&event),
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
    /// The reference data the portal reads and checks with.
    pub(crate) fn refs(&self) -> &work::Refs {
        &self.inner.refs
    }

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
            .route(
                "/park/{park}/{year}/{version}/review",
                post(pages::submission_review),
            )
            .route(
                "/park/{park}/{year}/{version}/evidence",
                post(pages::evidence_upload)
                    .layer(DefaultBodyLimit::max(l.evidence_bytes + net::FORM_ROOM)),
            )
            .route(
                "/park/{park}/{year}/{version}/evidence/{id}",
                get(pages::evidence_file),
            )
            .route("/programme", get(pages::programme))
            .route("/programme/scores.csv", get(pages::programme_csv))
            .route("/programme/audit.csv", get(pages::programme_audit_csv))
            .route("/programme/requests", post(pages::request_open))
            .route(
                "/programme/technologies",
                post(pages::technologies_upload).layer(DefaultBodyLimit::max(
                    self.inner.refs.limits().technologies.max_bytes + net::FORM_ROOM,
                )),
            )
            .route("/programme/report/{*path}", get(pages::programme_report))
            .route("/admin", get(pages::admin))
            .route("/admin/users", post(pages::admin_create))
            .route("/admin/role", post(pages::admin_role))
            .merge(api::routes())
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
            let catalogue = parkbench_core::matchmaking::TechnologyCatalogue::parse(
                &meta.name,
                csv.as_bytes(),
                &self.inner.refs.measures,
                &self.inner.refs.vocab,
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
