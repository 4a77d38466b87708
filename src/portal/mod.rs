//! `parkbench serve`: the upload portal. Operators upload their park's data, see every problem
//! the validator finds, and once it is valid, their scorecard and report; programme staff see
//! the ranking, who failed and who has not submitted. Validation, scoring and reports are the
//! library's own (see [`work`]); this module adds accounts, storage and pages.
//!
//! Storage is SQLite by default and PostgreSQL by URL ([`db`]). Every submission is kept and
//! versioned; the latest valid version of a park and year is the one that counts.

pub mod auth;
pub mod db;
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
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            db_url: "sqlite://parkbench.db".into(),
            benchmarks: Vec::new(),
            upload_limit: 50 << 20,
            secure_cookies: true,
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
}

enum Cached {
    Park(Box<work::ParkResult>),
    Programme(work::ProgrammeResult),
}

impl Portal {
    /// Connects to the database (creating and migrating it) and loads the reference data.
    pub async fn open(cfg: PortalConfig) -> Result<Portal, PortalError> {
        let refs = work::Refs::load(&cfg.benchmarks).map_err(PortalError::Setup)?;
        let db = Db::connect(&cfg.db_url).await?;
        Ok(Portal {
            inner: Arc::new(Inner {
                db,
                cfg,
                refs,
                cache: Mutex::new(HashMap::new()),
            }),
        })
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Creates an account without a password and returns its one-time setup path
    /// (`/setup/<token>`).
    pub async fn invite(
        &self,
        email: &str,
        role: Role,
        park_id: Option<&str>,
    ) -> Result<String, PortalError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(PortalError::Setup(format!(
                "\"{email}\" is not an email address"
            )));
        }
        if role == Role::Operator && park_id.is_none() {
            return Err(PortalError::Setup(
                "an operator account needs a park".into(),
            ));
        }
        if let Some(p) = park_id
            && self.db().park(p).await?.is_none()
        {
            return Err(PortalError::Setup(format!("park {p} is not on the roster")));
        }
        let id = match self.db().user_by_email(&email).await? {
            Some(u) => u.id,
            None => self.db().create_user(&email, role, park_id).await?,
        };
        let token = auth::token();
        self.db()
            .create_setup_token(id, &auth::token_hash(&token), auth::SETUP_TTL)
            .await?;
        tracing::info!(email = %email, role = role.as_str(), park = park_id.unwrap_or(""), "account invited");
        Ok(format!("/setup/{token}"))
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
        const IMPORTER: &str = "import@parkbench.local";
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
            let problems = serde_json::to_string(&c.problems).unwrap_or_else(|_| "[]".into());
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
                    names: &names,
                    files: &c.files,
                })
                .await?;
            if errors == 0 {
                valid += 1;
            } else {
                invalid += 1;
            }
        }
        tracing::info!(folder = %dir.display(), year, valid, invalid, "dataset imported");
        Ok((valid, invalid))
    }

    /// The portal's routes.
    pub fn router(&self) -> Router {
        let limit = self.inner.cfg.upload_limit;
        Router::new()
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
                post(pages::upload).layer(DefaultBodyLimit::max(limit + (64 << 10))),
            )
            .route("/park/{park}/{file}", get(pages::park_file))
            .route("/park/{park}/{year}/{version}", get(pages::submission))
            .route("/programme", get(pages::programme))
            .route("/programme/scores.csv", get(pages::programme_csv))
            .route("/programme/report/{*path}", get(pages::programme_report))
            .route("/admin", get(pages::admin))
            .route("/admin/users", post(pages::admin_create))
            .with_state(self.clone())
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

/// Serves the portal until Ctrl-C (or SIGTERM).
pub async fn serve(portal: Portal, bind: SocketAddr) -> Result<(), PortalError> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    tracing::info!(address = %listener.local_addr()?, "parkbench portal listening");
    axum::serve(listener, portal.router())
        .with_graceful_shutdown(shutdown())
        .await?;
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
