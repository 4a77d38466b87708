//! `parkbench serve`: the upload portal. Operators upload their park's data, see every problem
//! the validator finds, and once it is valid, their scorecard and report; programme staff see
//! the ranking, who failed and who has not submitted. Validation, scoring and reports are the
//! library's own (see [`work`]); this module adds accounts, storage and pages.
//!
//! Storage is SQLite by default and PostgreSQL by URL ([`db`]). Every submission is kept and
//! versioned; the latest valid version of a park and year is the one that counts.

pub mod auth;
pub mod db;
pub mod error;
pub mod i18n;
mod pages;
pub mod work;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::reference::PortalLimits;
pub use db::{Db, DbError, Role};

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
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            db_url: "sqlite://parkbench.db".into(),
            benchmarks: Vec::new(),
            upload_limit: 50 << 20,
            secure_cookies: true,
            public_url: "http://127.0.0.1:8080".into(),
            limits: crate::reference::limits().portal,
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
    #[error("{}: {}", i18n::t(crate::indicators::Lang::En, .0), .1)]
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
    /// submission makes a new key, so nothing is ever stale.
    cache: Mutex<HashMap<String, Arc<Cached>>>,
    /// The key that signs login-form tokens (kept in the database: the same on every start
    /// and every server of one database).
    form_key: String,
    throttle: Mutex<auth::Throttle>,
    /// Upload slots over all users, and uploads in progress by account.
    uploads: Arc<tokio::sync::Semaphore>,
    uploading: Mutex<HashMap<i64, usize>>,
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

/// The technology catalogue staff uploaded, parsed, with who uploaded it and when.
#[derive(Debug, Clone)]
pub(crate) struct Technologies {
    pub catalogue: crate::matchmaking::Catalogue,
    pub meta: TechnologiesMeta,
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
        let refs = work::Refs::load(&cfg.benchmarks).map_err(PortalError::Setup)?;
        let db = Db::connect(&cfg.db_url).await?;
        let form_key = db.setting_or_init("form_key", &auth::token()).await?;
        let portal = Portal {
            inner: Arc::new(Inner {
                db,
                refs,
                cache: Mutex::new(HashMap::new()),
                form_key,
                throttle: Mutex::new(auth::Throttle::new(cfg.limits)),
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

    /// Login throttling: seconds this account or address must still wait.
    pub(crate) fn login_wait(&self, email: &str, address: &str) -> u64 {
        let l = self.inner.cfg.limits;
        let now = std::time::Instant::now();
        self.inner.throttle.lock().map_or(0, |t| {
            t.wait(&format!("account:{email}"), l.login_free_failures, now)
                .max(t.wait(
                    &format!("address:{address}"),
                    l.login_free_failures_address,
                    now,
                ))
        })
    }

    /// Records a failed login; returns the account's failures so far.
    pub(crate) fn login_failed(&self, email: &str, address: &str) -> u32 {
        let now = std::time::Instant::now();
        self.inner.throttle.lock().map_or(0, |mut t| {
            t.failed(&format!("address:{address}"), now);
            t.failed(&format!("account:{email}"), now)
        })
    }

    pub(crate) fn login_succeeded(&self, email: &str) {
        if let Ok(mut t) = self.inner.throttle.lock() {
            t.succeeded(&format!("account:{email}"));
        }
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
            || email.len() > 254
            || email.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(PortalError::Refused("not_an_email", email));
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
        let hash = auth::hash_password(password).map_err(PortalError::Setup)?;
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

    /// The portal's routes, with its bounds on every request: a Content-Length above the
    /// upload limit refused before the body is read, a body that pauses longer than
    /// `body_idle_secs` dropped, a request that takes longer than `request_timeout_secs` in all
    /// answered 408, and every error a page of the portal's (see [`error`]).
    pub fn router(&self) -> Router {
        let limit = self.inner.cfg.upload_limit;
        let l = self.inner.cfg.limits;
        let routes = Router::new()
            .route("/", get(pages::home))
            .route("/healthz", get(|| async { "ok" }))
            .route("/login", get(pages::login_page).post(pages::login))
            .route("/logout", post(pages::logout))
            .route("/setup/{token}", get(pages::setup_page).post(pages::setup))
            .route("/template.xlsx", get(pages::template))
            .route("/park/{park}", get(pages::park))
            .route(
                "/park/{park}/upload",
                // A little room above the limit for the form's other fields.
                post(pages::upload).layer(DefaultBodyLimit::max(limit + FORM_ROOM)),
            )
            .route("/park/{park}/{file}", get(pages::park_file))
            .route("/park/{park}/{year}/{version}", get(pages::submission))
            .route("/programme", get(pages::programme))
            .route("/programme/scores.csv", get(pages::programme_csv))
            .route("/programme/technologies", post(pages::technologies_upload))
            .route("/programme/report/{*path}", get(pages::programme_report))
            .route("/admin", get(pages::admin))
            .route("/admin/users", post(pages::admin_create))
            .route("/admin/role", post(pages::admin_role))
            .fallback(pages::fallback)
            .with_state(self.clone());
        protect(routes, limit + FORM_ROOM, &l)
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
        if let Some(c) = self.cached(&key) {
            return Ok(Some(c));
        }
        let csv = self
            .db()
            .setting(&tech_csv_key(meta.version))
            .await
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        let catalogue = crate::matchmaking::Catalogue::parse(
            &meta.name,
            csv.as_bytes(),
            &self.inner.refs.measures,
        )
        .map_err(|p| format!("{}: {} problems", meta.name, p.len()))?;
        Ok(Some(self.remember(
            key,
            Cached::Technologies(Box::new(Technologies { catalogue, meta })),
        )))
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

    fn cached(&self, key: &str) -> Option<Arc<Cached>> {
        self.inner.cache.lock().ok()?.get(key).cloned()
    }

    fn remember(&self, key: String, value: Cached) -> Arc<Cached> {
        let v = Arc::new(value);
        if let Ok(mut c) = self.inner.cache.lock() {
            if c.len() >= 256 {
                c.clear();
            }
            c.insert(key, v.clone());
        }
        v
    }
}

/// The portal's bounds around a router (see [`Portal::router`]): the body idle timeout, the
/// Content-Length check against `max_body`, the 500 page for a handler that panics, the
/// request timeout, and the portal's pages for every error. Public so that tests can wrap a
/// route of their own (one that panics) exactly as the portal's routes are wrapped.
pub fn protect(routes: Router, max_body: usize, l: &PortalLimits) -> Router {
    routes
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            Duration::from_secs(l.body_idle_secs),
        ))
        .layer(axum::middleware::from_fn_with_state(
            max_body,
            refuse_oversized,
        ))
        // A bug that panics in a handler: the portal's 500 page, the server stays up.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(l.request_timeout_secs),
        ))
        .layer(axum::middleware::from_fn(error::pages_for_errors))
}

/// Room for an upload form's fields other than the files (the CSRF token, year, form key).
const FORM_ROOM: usize = 64 << 10;

/// A request whose Content-Length says it is larger than anything the portal accepts is
/// answered 413 before a byte of its body is read, and the connection is closed.
async fn refuse_oversized(
    axum::extract::State(max): axum::extract::State<usize>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        let lang = error::request_lang(req.uri(), req.headers());
        tracing::info!(declared = ?declared, path = ?req.uri().path(), "request too large, refused unread");
        let mb = max.saturating_sub(FORM_ROOM) >> 20;
        let mut r = error::PageError::new(lang, error::Fail::TooLarge(mb)).into_response();
        r.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        return r;
    }
    next.run(req).await
}

/// Serves the portal until Ctrl-C (or SIGTERM).
pub async fn serve(portal: Portal, bind: SocketAddr) -> Result<(), PortalError> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, "parkbench portal listening");
    serve_on(portal, listener, shutdown()).await
}

/// Serves the portal on a listener until `stop` completes. Each connection is HTTP/1.1 with a
/// deadline for its request headers (`header_timeout_secs`: a client that sends half a header
/// is disconnected), at most `connections` at once (more wait in the listen queue); the client
/// address is given to the handlers (login throttling).
pub async fn serve_on(
    portal: Portal,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), PortalError> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let l = portal.inner.cfg.limits;
    let app = portal.router();
    let slots = Arc::new(tokio::sync::Semaphore::new(l.connections.max(1)));
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let mut req = req.map(axum::body::Body::new);
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
            app.clone().oneshot(req)
        });
        let mut closed = closed.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(l.header_timeout_secs))
                .serve_connection(TokioIo::new(stream), svc);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = closed.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Requests in progress finish (each is bounded by the request timeout).
    let all = u32::try_from(l.connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(
        Duration::from_secs(l.request_timeout_secs),
        slots.acquire_many(all),
    )
    .await;
    portal.db().close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
