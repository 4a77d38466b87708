//! The portal's database: SQLite by default, PostgreSQL by URL, through one sqlx `Any` pool.
//! Every query here is written once for both (`$1` placeholders, BIGINT columns); the schema
//! lives in `migrations/<backend>/` and is brought up to date at start.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

use crate::audit::{Event, NewEvent};
use crate::review::{Action, Level, State};

/// Database problems, as the portal reports them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Url(String),
    #[error(
        "the database {0} cannot be written ({1}): the portal stores every upload and session, \
         so it refuses to start; check the file's and its folder's permissions, the disk's free \
         space and that it is not mounted read-only"
    )]
    ReadOnly(String, String),
}

/// What went wrong when storing, as a user is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// The disk (or the database server's) is full.
    Full,
    /// The database refuses writes (read-only file or file system).
    ReadOnly,
    /// Another write problem of the storage (I/O error).
    Io,
}

impl DbError {
    /// A write that failed because of the storage under the database, not because of the
    /// request: full disk, read-only file, I/O error (SQLite's result codes; PostgreSQL's
    /// SQLSTATE 53100 disk_full, 25006 read_only_sql_transaction and class 58, system errors).
    pub fn storage_fault(&self) -> Option<StorageFault> {
        let DbError::Sql(e) = self else {
            return None;
        };
        match e {
            sqlx::Error::Database(d) => {
                let code = d.code().unwrap_or_default();
                let msg = d.message().to_lowercase();
                // PostgreSQL's SQLSTATE has five characters; SQLite's codes are numbers whose
                // low byte is the primary code.
                let (pg, primary) = if code.len() == 5 {
                    (code.as_ref(), None)
                } else {
                    ("", code.parse::<i64>().ok().map(|c| c & 0xff))
                };
                if primary == Some(13) || pg == "53100" || msg.contains("disk is full") {
                    Some(StorageFault::Full)
                } else if primary == Some(8) || pg == "25006" || msg.contains("readonly") {
                    Some(StorageFault::ReadOnly)
                } else if primary == Some(10) || pg.starts_with("58") {
                    Some(StorageFault::Io)
                } else {
                    None
                }
            }
            sqlx::Error::Io(io) if io.raw_os_error() == Some(28) => Some(StorageFault::Full),
            sqlx::Error::Io(_) => Some(StorageFault::Io),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    pub backend: Backend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountRole {
    Admin,
    Staff,
    Operator,
}

impl AccountRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Admin => "admin",
            AccountRole::Staff => "staff",
            AccountRole::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<AccountRole> {
        match s {
            "admin" => Some(AccountRole::Admin),
            "staff" => Some(AccountRole::Staff),
            "operator" => Some(AccountRole::Operator),
            _ => None,
        }
    }

    /// Staff and admins see every park and the programme.
    pub fn sees_programme(self) -> bool {
        matches!(self, AccountRole::Admin | AccountRole::Staff)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: AccountRole,
    pub park_id: Option<String>,
    /// Provincial staff: the province key (`jiangsu`); None for national staff, admins and
    /// operators ([`crate::scope`]).
    pub province: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RosterPark {
    pub park_id: String,
    pub name: String,
    /// The province key of its roster row (`jiangsu`), when it names one.
    pub province: Option<String>,
    #[serde(skip)]
    pub meta_csv: String,
}

/// An account's role and where it acts: its park (operators) or province (provincial staff).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountScope<'a> {
    pub role: AccountRole,
    pub park_id: Option<&'a str>,
    pub province: Option<&'a str>,
}

/// A submission without its files.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Submission {
    pub id: i64,
    pub park_id: String,
    pub year: i64,
    pub version: i64,
    pub user_email: String,
    pub created_at: i64,
    pub valid: bool,
    pub errors: i64,
    pub warnings: i64,
    /// JSON: the uploaded file names. List queries load this and the counts, never the problems
    /// or the files (see [`Db::problems`]).
    pub names: String,
    /// An old invalid version whose files and problems were deleted (retention).
    pub pruned: bool,
}

/// An uploaded file as stored: its kind (how the server named it) and its bytes.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub kind: String,
    /// Shared with the check that reads it: one copy of an upload is held, not two.
    pub content: std::sync::Arc<Vec<u8>>,
}

/// What a new submission holds.
pub struct NewSubmission<'a> {
    pub park_id: &'a str,
    pub year: i64,
    pub user_id: i64,
    pub valid: bool,
    pub errors: i64,
    pub warnings: i64,
    /// JSON: the problems kept in full (bounded, see `work::bound`).
    pub problems: &'a str,
    /// JSON: the problems only counted, by kind.
    pub omitted: &'a str,
    pub names: &'a str,
    pub files: &'a [StoredFile],
    /// The upload form's one-time key: the same key again answers with this submission.
    pub idem_key: Option<&'a str>,
    /// Invalid versions of the park and year kept whole; older ones are pruned in the same
    /// transaction.
    pub keep_invalid: usize,
    /// JSON: the totals checked across years ([`crate::crossyear::Totals`]), for a valid
    /// version.
    pub totals: Option<&'a str>,
    /// The upload's audit event (its version filled in), appended in the same transaction.
    pub event: Option<&'a NewEvent>,
}

/// A stored submission: its id and version, and whether it was stored by this request or an
/// earlier one with the same form key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub id: i64,
    pub version: i64,
    pub repeated: bool,
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Db {
    /// Connects (creating an SQLite file on first start) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::Url(format!(
                "--db {url}: expected sqlite://FILE or postgres://USER@HOST/DB"
            )));
        };
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        let sqlite = backend == Backend::Sqlite;
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // A commit is on disk when it returns (the WAL is synced at every
                        // commit), so an upload acknowledged with 303 survives a crash or a
                        // power cut. SQLite's compiled default, stated so no build changes it.
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        let url_shown = redact(&url);
        let read_only = |e: DbError| match e.storage_fault() {
            Some(StorageFault::ReadOnly) => DbError::ReadOnly(url_shown.clone(), e.to_string()),
            _ => e,
        };
        if sqlite {
            // Readers do not wait for the writer; the setting stays with the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await
                .map_err(|e| read_only(e.into()))?;
            sqlx::migrate!("./migrations/sqlite")
                .run(&pool)
                .await
                .map_err(|e| read_only(e.into()))?;
        } else {
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        }
        let db = Db { pool, backend };
        db.check_writable().await.map_err(read_only)?;
        Ok(db)
    }

    /// A real write at start (with all migrations applied a read-only file would otherwise
    /// open fine and fail at the first login).
    async fn check_writable(&self) -> Result<(), DbError> {
        self.put_setting("started_at", &now().to_string()).await
    }

    /// A connection for a transaction: closed instead of returned to the pool when the
    /// transaction fails, so a connection whose COMMIT or ROLLBACK failed (a full disk) can
    /// never hand its half-open transaction, and SQLite's write lock, to the next request.
    async fn writer(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, DbError> {
        Ok(self.pool.acquire().await?)
    }

    /// SQLite's `synchronous` and `journal_mode` on a pooled connection (what a commit
    /// promises).
    pub async fn sqlite_pragmas(&self) -> Result<(i64, String), DbError> {
        let mut conn = self.pool.acquire().await?;
        let sync: i64 = sqlx::query("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let journal: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        Ok((sync, journal))
    }

    /// A portal setting (secrets), when set.
    pub async fn setting(&self, name: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Sets a portal setting.
    pub async fn put_setting(&self, name: &str, value: &str) -> Result<(), DbError> {
        let mut conn = self.writer().await?;
        let r = sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&mut *conn)
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r?;
        Ok(())
    }

    /// Sets a setting unless it is set, and returns the value that holds (two servers starting
    /// at once on one PostgreSQL database agree).
    pub async fn setting_or_init(&self, name: &str, value: &str) -> Result<String, DbError> {
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(self.setting(name).await?.unwrap_or_default())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    // ---- users, setup links, sessions

    /// Creates an account (with its audit event, in one transaction).
    pub async fn create_user(
        &self,
        email: &str,
        scope: &AccountScope<'_>,
        event: Option<&NewEvent>,
    ) -> Result<i64, DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            let row = sqlx::query(
                "INSERT INTO users (email, role, park_id, province, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(email)
            .bind(scope.role.as_str())
            .bind(scope.park_id)
            .bind(scope.province)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            if let Some(e) = event {
                insert_event(&mut tx, e).await?;
            }
            tx.commit().await?;
            Ok::<i64, DbError>(id)
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    fn user_from(row: &sqlx::any::AnyRow) -> Result<User, DbError> {
        let role: String = row.try_get("role")?;
        Ok(User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            role: AccountRole::parse(&role).unwrap_or(AccountRole::Operator),
            park_id: row.try_get("park_id")?,
            province: row.try_get("province")?,
            password_hash: row.try_get("password_hash")?,
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, DbError> {
        let row = sqlx::query(
            "SELECT id, email, role, park_id, province, password_hash FROM users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::user_from).transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>, DbError> {
        let rows = sqlx::query(
            "SELECT id, email, role, park_id, province, password_hash FROM users ORDER BY role, email",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::user_from).collect()
    }

    pub async fn set_password(&self, user_id: i64, hash: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn create_setup_token(
        &self,
        user_id: i64,
        token_hash: &str,
        ttl_secs: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO setup_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now() + ttl_secs)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user of an unused, unexpired setup link.
    pub async fn setup_user(&self, token_hash: &str) -> Result<Option<User>, DbError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.park_id, u.province, u.password_hash FROM setup_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::user_from).transpose()
    }

    /// Uses a setup link: sets the password, spends the link and ends the account's sessions,
    /// in one transaction (a link works once, even when two requests race).
    pub async fn use_setup_token(
        &self,
        token_hash: &str,
        hash: &str,
    ) -> Result<Option<i64>, DbError> {
        let mut conn = self.writer().await?;
        let r = Self::use_setup_token_on(&mut conn, token_hash, hash).await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    async fn use_setup_token_on(
        conn: &mut sqlx::AnyConnection,
        token_hash: &str,
        hash: &str,
    ) -> Result<Option<i64>, DbError> {
        use sqlx::Connection;
        let mut tx = conn.begin().await?;
        let row = sqlx::query(
            "UPDATE setup_tokens SET used_at = $1 \
             WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .bind(now())
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user_id: i64 = row.try_get("user_id")?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    /// Sets an account's password and ends its sessions other than `keep` (a token hash), in
    /// one transaction; returns how many sessions ended.
    pub async fn change_password(
        &self,
        user_id: i64,
        hash: &str,
        keep: &str,
    ) -> Result<u64, DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok::<u64, DbError>(ended)
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    /// Ends every session of an account and spends its unused setup links (a new invitation:
    /// only the newest link works, and whoever held the account is logged out).
    pub async fn reset_account(&self, user_id: i64, event: &NewEvent) -> Result<(), DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE setup_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL",
            )
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            insert_event(&mut tx, event).await?;
            tx.commit().await?;
            Ok::<(), DbError>(())
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    /// Changes an account's role, park and province and ends its sessions, with its audit
    /// event: the explicit change an invitation never makes.
    pub async fn set_role(
        &self,
        user_id: i64,
        scope: &AccountScope<'_>,
        event: &NewEvent,
    ) -> Result<(), DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            sqlx::query("UPDATE users SET role = $1, park_id = $2, province = $3 WHERE id = $4")
                .bind(scope.role.as_str())
                .bind(scope.park_id)
                .bind(scope.province)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            insert_event(&mut tx, event).await?;
            tx.commit().await?;
            Ok::<(), DbError>(())
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        ttl_secs: i64,
    ) -> Result<(), DbError> {
        // Expired sessions go when new ones come.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(now() + ttl_secs)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(User, String)>, DbError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.park_id, u.province, u.password_hash, s.csrf FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((Self::user_from(&r)?, r.try_get("csrf")?))),
        }
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- the roster

    /// Adds a park to the roster, or updates its name and metadata.
    pub async fn upsert_park(&self, p: &RosterPark) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO parks (park_id, name, meta_csv, province) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (park_id) DO UPDATE SET name = excluded.name, \
             meta_csv = excluded.meta_csv, province = excluded.province",
        )
        .bind(&p.park_id)
        .bind(&p.name)
        .bind(&p.meta_csv)
        .bind(p.province.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn park_from(r: &sqlx::any::AnyRow) -> Result<RosterPark, DbError> {
        Ok(RosterPark {
            park_id: r.try_get("park_id")?,
            name: r.try_get("name")?,
            province: r.try_get("province")?,
            meta_csv: r.try_get("meta_csv")?,
        })
    }

    pub async fn parks(&self) -> Result<Vec<RosterPark>, DbError> {
        let rows =
            sqlx::query("SELECT park_id, name, province, meta_csv FROM parks ORDER BY park_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(Self::park_from).collect()
    }

    pub async fn park(&self, park_id: &str) -> Result<Option<RosterPark>, DbError> {
        let row =
            sqlx::query("SELECT park_id, name, province, meta_csv FROM parks WHERE park_id = $1")
                .bind(park_id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(Self::park_from).transpose()
    }

    // ---- submissions

    /// Stores a submission and its files in one transaction, as the next version for its park
    /// and year. Two uploads racing for the same version: the loser retries with the next.
    /// With a form key already stored for the user, nothing is written and the first
    /// submission is returned (`repeated`). Returns once the transaction is committed (and with
    /// SQLite, synced to disk).
    pub async fn insert_submission(&self, s: &NewSubmission<'_>) -> Result<Stored, DbError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(key) = s.idem_key
                && let Some(first) = self.submission_by_key(s.user_id, key).await?
            {
                return Ok(first);
            }
            let mut conn = self.writer().await?;
            let r = Self::try_insert_submission(&mut conn, s).await;
            if r.is_err() {
                conn.close_on_drop();
            }
            drop(conn);
            match r {
                // A race lost: the version taken, SQLite busy, or the same form key stored by a
                // request that overtook this one (looked up on the next round).
                Err(DbError::Sql(e)) if attempt < 20 && is_conflict(&e) => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
                Ok((id, version)) => {
                    return Ok(Stored {
                        id,
                        version,
                        repeated: false,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The submission stored by this user with this form key.
    pub async fn submission_by_key(
        &self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<Stored>, DbError> {
        let row =
            sqlx::query("SELECT id, version FROM submissions WHERE user_id = $1 AND idem_key = $2")
                .bind(user_id)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(Stored {
                id: r.try_get("id")?,
                version: r.try_get("version")?,
                repeated: true,
            })
        })
        .transpose()
    }

    async fn try_insert_submission(
        conn: &mut sqlx::AnyConnection,
        s: &NewSubmission<'_>,
    ) -> Result<(i64, i64), DbError> {
        use sqlx::Connection;
        let mut tx = conn.begin().await?;
        // The write comes first, so SQLite takes its write lock before reading the versions.
        let row = sqlx::query(
            "INSERT INTO submissions \
             (park_id, year, version, user_id, created_at, valid, errors, warnings, problems, \
              names, omitted, idem_key) \
             SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
             FROM submissions WHERE park_id = $1 AND year = $2 \
             RETURNING id, version",
        )
        .bind(s.park_id)
        .bind(s.year)
        .bind(s.user_id)
        .bind(now())
        .bind(i64::from(s.valid))
        .bind(s.errors)
        .bind(s.warnings)
        .bind(s.problems)
        .bind(s.names)
        .bind(s.omitted)
        .bind(s.idem_key)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let version: i64 = row.try_get("version")?;
        for (i, f) in s.files.iter().enumerate() {
            sqlx::query(
                "INSERT INTO submission_files (submission_id, idx, kind, content) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(i as i64)
            .bind(f.kind.as_str())
            .bind(f.content.as_slice())
            .execute(&mut *tx)
            .await?;
        }
        if let Some(t) = s.totals {
            sqlx::query("UPDATE submissions SET totals = $1 WHERE id = $2")
                .bind(t)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(e) = s.event {
            let mut e = e.clone();
            e.version = Some(version);
            insert_event(&mut tx, &e).await?;
        }
        if !s.valid {
            Self::prune(&mut tx, s.park_id, s.year, s.keep_invalid).await?;
        }
        tx.commit().await?;
        Ok((id, version))
    }

    /// Retention: of a park's invalid versions in a year, the newest `keep` stay whole; the
    /// older ones lose their files and problems (their row, counts and file names stay).
    async fn prune(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        park_id: &str,
        year: i64,
        keep: usize,
    ) -> Result<(), DbError> {
        let rows = sqlx::query(
            "SELECT id FROM submissions WHERE park_id = $1 AND year = $2 AND valid = 0 \
             AND pruned = 0 ORDER BY version DESC",
        )
        .bind(park_id)
        .bind(year)
        .fetch_all(&mut **tx)
        .await?;
        for r in rows.iter().skip(keep) {
            let id: i64 = r.try_get("id")?;
            sqlx::query("DELETE FROM submission_files WHERE submission_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE submissions SET problems = '[]', omitted = '[]', pruned = 1 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    fn submission_from(r: &sqlx::any::AnyRow) -> Result<Submission, DbError> {
        Ok(Submission {
            id: r.try_get("id")?,
            park_id: r.try_get("park_id")?,
            year: r.try_get("year")?,
            version: r.try_get("version")?,
            user_email: r.try_get("email")?,
            created_at: r.try_get("created_at")?,
            valid: r.try_get::<i64, _>("valid")? != 0,
            errors: r.try_get("errors")?,
            warnings: r.try_get("warnings")?,
            names: r.try_get("names")?,
            pruned: r.try_get::<i64, _>("pruned")? != 0,
        })
    }

    /// A submission's columns for lists and headers: never the problems, never the files.
    const SUBMISSION: &'static str = "SELECT s.id, s.park_id, s.year, s.version, u.email, \
        s.created_at, s.valid, s.errors, s.warnings, s.names, s.pruned \
        FROM submissions s JOIN users u ON u.id = s.user_id";

    /// The problems of one submission (bounded when stored): (kept in full, counted by kind),
    /// both JSON.
    pub async fn problems(&self, submission_id: i64) -> Result<(String, String), DbError> {
        let row = sqlx::query("SELECT problems, omitted FROM submissions WHERE id = $1")
            .bind(submission_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok((r.try_get("problems")?, r.try_get("omitted")?)),
            None => Ok(("[]".into(), "[]".into())),
        }
    }

    /// Submissions whose stored problems are larger than `bytes` (stored before problems were
    /// bounded): their ids.
    pub async fn oversized_problems(&self, bytes: usize) -> Result<Vec<i64>, DbError> {
        let rows = sqlx::query("SELECT id FROM submissions WHERE LENGTH(problems) > $1")
            .bind(bytes as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64, _>("id")?))
            .collect()
    }

    /// Replaces a submission's stored problems (bounding old rows).
    pub async fn set_problems(
        &self,
        submission_id: i64,
        problems: &str,
        omitted: &str,
    ) -> Result<(), DbError> {
        let mut conn = self.writer().await?;
        let r = sqlx::query("UPDATE submissions SET problems = $1, omitted = $2 WHERE id = $3")
            .bind(problems)
            .bind(omitted)
            .bind(submission_id)
            .execute(&mut *conn)
            .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r?;
        Ok(())
    }

    /// A park's submissions, newest first.
    pub async fn submissions(&self, park_id: &str) -> Result<Vec<Submission>, DbError> {
        let rows = sqlx::query(&format!(
            "{} WHERE s.park_id = $1 ORDER BY s.year DESC, s.version DESC",
            Self::SUBMISSION
        ))
        .bind(park_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::submission_from).collect()
    }

    pub async fn submission(
        &self,
        park_id: &str,
        year: i64,
        version: i64,
    ) -> Result<Option<Submission>, DbError> {
        let row = sqlx::query(&format!(
            "{} WHERE s.park_id = $1 AND s.year = $2 AND s.version = $3",
            Self::SUBMISSION
        ))
        .bind(park_id)
        .bind(year)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::submission_from).transpose()
    }

    /// The submission that counts for each park in a year: its latest valid version.
    pub async fn counting(&self, year: i64) -> Result<Vec<Submission>, DbError> {
        let rows = sqlx::query(&format!(
            "{} WHERE s.year = $1 AND s.valid = 1 AND s.version = \
             (SELECT MAX(x.version) FROM submissions x \
              WHERE x.park_id = s.park_id AND x.year = s.year AND x.valid = 1) \
             ORDER BY s.park_id",
            Self::SUBMISSION
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::submission_from).collect()
    }

    /// Every submission of a year (for the programme's failures and the load test).
    pub async fn submissions_in(&self, year: i64) -> Result<Vec<Submission>, DbError> {
        let rows = sqlx::query(&format!(
            "{} WHERE s.year = $1 ORDER BY s.park_id, s.version",
            Self::SUBMISSION
        ))
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::submission_from).collect()
    }

    /// Reporting years with at least one submission, newest first.
    pub async fn years(&self) -> Result<Vec<i64>, DbError> {
        let rows = sqlx::query("SELECT DISTINCT year FROM submissions ORDER BY year DESC")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<i64, _>("year")?))
            .collect()
    }

    pub async fn files(&self, submission_id: i64) -> Result<Vec<StoredFile>, DbError> {
        let rows = sqlx::query(
            "SELECT kind, content FROM submission_files WHERE submission_id = $1 ORDER BY idx",
        )
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredFile {
                    kind: r.try_get("kind")?,
                    content: std::sync::Arc::new(r.try_get::<Vec<u8>, _>("content")?),
                })
            })
            .collect()
    }
}

/// Appends an audit event on a connection, inside the caller's transaction.
async fn insert_event(c: &mut sqlx::AnyConnection, e: &NewEvent) -> Result<i64, DbError> {
    let row = sqlx::query(
        "INSERT INTO audit_events (at, actor_id, actor, address, kind, park_id, year, version, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(now())
    .bind(e.actor.id)
    .bind(e.actor.name.as_str())
    .bind(e.actor.address.as_str())
    .bind(e.kind.as_str())
    .bind(e.park_id.as_deref())
    .bind(e.year)
    .bind(e.version)
    .bind(e.detail.to_string())
    .fetch_one(&mut *c)
    .await?;
    Ok(row.try_get("id")?)
}

/// An API token as listed (never the token itself: only its hash is stored).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Token {
    pub id: i64,
    pub email: String,
    pub label: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// A move of a park's review as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Move {
    pub id: i64,
    pub seq: i64,
    pub submission_id: i64,
    pub version: i64,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub level: String,
    pub user_email: String,
    pub at: i64,
    pub comment: String,
}

/// A reviewer's comment on a rule or a cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CellComment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<i64>,
    pub comment: String,
}

/// A stored comment, with the move it came with.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredComment {
    pub move_id: i64,
    pub submission_id: i64,
    #[serde(flatten)]
    pub at: CellComment,
}

/// A move to store: the park and year's next one (`seq`), or nothing when another was stored
/// first.
pub struct NewMove<'a> {
    pub park_id: &'a str,
    pub year: i64,
    pub seq: i64,
    pub submission_id: i64,
    pub action: Action,
    pub from: State,
    pub to: State,
    pub level: Level,
    pub user_id: i64,
    pub comment: &'a str,
    pub comments: &'a [CellComment],
    /// The decision's event, then one per comment: appended with the move.
    pub events: &'a [NewEvent],
}

/// A data request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Request {
    pub id: i64,
    pub year: i64,
    pub sets: Vec<String>,
    pub template: String,
    pub due: String,
    pub note: String,
    pub by: String,
    pub created_at: i64,
    pub parks: Vec<String>,
}

/// A data request to store.
pub struct NewRequest<'a> {
    pub year: i64,
    pub sets: &'a [String],
    pub template: &'a str,
    pub due: &'a str,
    pub note: &'a str,
    pub user_id: i64,
    pub parks: &'a [String],
    /// One event per park (the request's id filled in).
    pub events: &'a [NewEvent],
}

/// An evidence file as listed (its bytes are read alone, [`Db::evidence_content`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evidence {
    pub id: i64,
    pub submission_id: i64,
    pub rule: Option<String>,
    pub name: String,
    pub kind: String,
    pub bytes: i64,
    pub sha256: String,
    pub by: String,
    pub created_at: i64,
}

/// An evidence file to store.
pub struct NewEvidence<'a> {
    pub submission_id: i64,
    pub rule: Option<&'a str>,
    pub name: &'a str,
    pub kind: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
    pub user_id: i64,
    /// At most this many files per version: the store refuses one more (None).
    pub max_files: usize,
    pub event: &'a NewEvent,
}

impl Db {
    // ---- the audit trail

    /// Appends an event on its own (what it records was stored without a transaction of its
    /// own, or by another store).
    pub async fn append_event(&self, e: &NewEvent) -> Result<i64, DbError> {
        let mut conn = self.writer().await?;
        let r = insert_event(&mut conn, e).await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    fn event_from(r: &sqlx::any::AnyRow) -> Result<Event, DbError> {
        Ok(Event {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor: r.try_get("actor")?,
            address: r.try_get("address")?,
            kind: r.try_get("kind")?,
            park_id: r.try_get("park_id")?,
            year: r.try_get("year")?,
            version: r.try_get("version")?,
            detail: r.try_get("detail")?,
        })
    }

    const EVENT: &'static str = "SELECT e.id, e.at, e.actor, e.address, e.kind, e.park_id, \
        e.year, e.version, e.detail FROM audit_events e";

    /// A park's events: the newest `limit` newest first, or (None) all of them oldest first.
    pub async fn park_events(
        &self,
        park_id: &str,
        limit: Option<usize>,
    ) -> Result<Vec<Event>, DbError> {
        let q = match limit {
            Some(n) => format!(
                "{} WHERE e.park_id = $1 ORDER BY e.id DESC LIMIT {}",
                Self::EVENT,
                n.max(1)
            ),
            None => format!("{} WHERE e.park_id = $1 ORDER BY e.id", Self::EVENT),
        };
        let rows = sqlx::query(&q).bind(park_id).fetch_all(&self.pool).await?;
        rows.iter().map(Self::event_from).collect()
    }

    /// Every event, oldest first; with a province, only the events of its parks.
    pub async fn events(&self, province: Option<&str>) -> Result<Vec<Event>, DbError> {
        let rows =
            match province {
                None => {
                    sqlx::query(&format!("{} ORDER BY e.id", Self::EVENT))
                        .fetch_all(&self.pool)
                        .await?
                }
                Some(p) => sqlx::query(&format!(
                    "{} JOIN parks k ON k.park_id = e.park_id WHERE k.province = $1 ORDER BY e.id",
                    Self::EVENT
                ))
                .bind(p)
                .fetch_all(&self.pool)
                .await?,
            };
        rows.iter().map(Self::event_from).collect()
    }

    // ---- the roster's provinces

    /// Parks whose province was never filled in (added before parks had one).
    pub async fn parks_without_province(&self) -> Result<Vec<RosterPark>, DbError> {
        let rows = sqlx::query(
            "SELECT park_id, name, province, meta_csv FROM parks WHERE province IS NULL \
             ORDER BY park_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::park_from).collect()
    }

    pub async fn set_park_province(&self, park_id: &str, province: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE parks SET province = $1 WHERE park_id = $2 AND province IS NULL")
            .bind(province)
            .bind(park_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- API tokens

    /// Stores a token's hash for an account with its audit event, unless the account already
    /// holds `max_live` live tokens (None then). Returns the token's id.
    pub async fn create_token(
        &self,
        user_id: i64,
        token_hash: &str,
        label: &str,
        ttl_secs: i64,
        max_live: usize,
        event: &NewEvent,
    ) -> Result<Option<i64>, DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            let t = now();
            // The insert comes first (SQLite takes its write lock), then the count.
            let row = sqlx::query(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(user_id)
            .bind(token_hash)
            .bind(label)
            .bind(t)
            .bind(t + ttl_secs)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            let live: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM api_tokens WHERE user_id = $1 \
                 AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(user_id)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if live as usize > max_live {
                tx.rollback().await?;
                return Ok(None);
            }
            let mut e = event.clone();
            if let Some(d) = e.detail.as_object_mut() {
                d.insert("token_id".into(), id.into());
            }
            insert_event(&mut tx, &e).await?;
            tx.commit().await?;
            Ok::<Option<i64>, DbError>(Some(id))
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    /// The account of a live token (not revoked, not expired), and the token's id.
    pub async fn token_user(&self, token_hash: &str) -> Result<Option<(User, i64)>, DbError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.park_id, u.province, u.password_hash, \
             t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((Self::user_from(&r)?, r.try_get("token_id")?))),
        }
    }

    /// Tokens (of one account, or all), newest first.
    pub async fn tokens(&self, email: Option<&str>) -> Result<Vec<Token>, DbError> {
        let q = "SELECT t.id, u.email, t.label, t.created_at, t.expires_at, t.revoked_at \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id";
        let rows = match email {
            Some(e) => {
                sqlx::query(&format!("{q} WHERE u.email = $1 ORDER BY t.id DESC"))
                    .bind(e)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("{q} ORDER BY t.id DESC"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|r| {
                Ok(Token {
                    id: r.try_get("id")?,
                    email: r.try_get("email")?,
                    label: r.try_get("label")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    revoked_at: r.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes a token not yet revoked, with its audit event; false when there is none.
    pub async fn revoke_token(&self, id: i64, event: &NewEvent) -> Result<bool, DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            insert_event(&mut tx, event).await?;
            tx.commit().await?;
            Ok::<bool, DbError>(true)
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    // ---- totals checked across years

    /// A version's stored totals (JSON), when it has them.
    pub async fn totals(&self, submission_id: i64) -> Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT totals FROM submissions WHERE id = $1")
            .bind(submission_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("totals")).transpose()?.flatten())
    }

    /// Fills in the totals of a version stored before they were computed (once: a version's
    /// totals never change).
    pub async fn fill_totals(&self, submission_id: i64, totals: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE submissions SET totals = $1 WHERE id = $2 AND totals IS NULL")
            .bind(totals)
            .bind(submission_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- review moves

    fn move_from(r: &sqlx::any::AnyRow) -> Result<Move, DbError> {
        Ok(Move {
            id: r.try_get("id")?,
            seq: r.try_get("seq")?,
            submission_id: r.try_get("submission_id")?,
            version: r.try_get("version")?,
            action: r.try_get("action")?,
            from_state: r.try_get("from_state")?,
            to_state: r.try_get("to_state")?,
            level: r.try_get("level")?,
            user_email: r.try_get("email")?,
            at: r.try_get("at")?,
            comment: r.try_get("comment")?,
        })
    }

    const MOVE: &'static str = "SELECT m.id, m.seq, m.submission_id, s.version, m.action, \
        m.from_state, m.to_state, m.level, u.email, m.at, m.comment FROM moves m \
        JOIN submissions s ON s.id = m.submission_id JOIN users u ON u.id = m.user_id";

    /// The moves of a park's review of a year, in order.
    pub async fn moves(&self, park_id: &str, year: i64) -> Result<Vec<Move>, DbError> {
        let rows = sqlx::query(&format!(
            "{} WHERE m.park_id = $1 AND m.year = $2 ORDER BY m.seq",
            Self::MOVE
        ))
        .bind(park_id)
        .bind(year)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::move_from).collect()
    }

    /// Stores a move with its comments and events, as the park and year's move `seq`. None
    /// when another move took that place first (the caller decided on a stale state).
    pub async fn record_move(&self, m: &NewMove<'_>) -> Result<Option<i64>, DbError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.writer().await?;
            let r = Self::try_record_move(&mut conn, m).await;
            if r.is_err() {
                conn.close_on_drop();
            }
            drop(conn);
            match r {
                // The place taken: another move was stored first.
                Err(DbError::Sql(sqlx::Error::Database(d))) if d.is_unique_violation() => {
                    return Ok(None);
                }
                // SQLite busy or a serialization failure: the same move again.
                Err(DbError::Sql(e)) if attempt < 20 && is_conflict(&e) => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
                other => return other.map(Some),
            }
        }
    }

    async fn try_record_move(
        conn: &mut sqlx::AnyConnection,
        m: &NewMove<'_>,
    ) -> Result<i64, DbError> {
        use sqlx::Connection;
        let mut tx = conn.begin().await?;
        let row = sqlx::query(
            "INSERT INTO moves (park_id, year, seq, submission_id, action, from_state, to_state, \
             level, user_id, at, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             RETURNING id",
        )
        .bind(m.park_id)
        .bind(m.year)
        .bind(m.seq)
        .bind(m.submission_id)
        .bind(m.action.as_str())
        .bind(m.from.as_str())
        .bind(m.to.as_str())
        .bind(m.level.as_str())
        .bind(m.user_id)
        .bind(now())
        .bind(m.comment)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        for c in m.comments {
            sqlx::query(
                "INSERT INTO review_comments (move_id, submission_id, rule, file, line, col, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(m.submission_id)
            .bind(c.rule.as_deref())
            .bind(c.file.as_deref())
            .bind(c.line)
            .bind(c.column)
            .bind(c.comment.as_str())
            .execute(&mut *tx)
            .await?;
        }
        for e in m.events {
            insert_event(&mut tx, e).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The comments on rules and cells of a version.
    pub async fn comments(&self, submission_id: i64) -> Result<Vec<StoredComment>, DbError> {
        let rows = sqlx::query(
            "SELECT move_id, submission_id, rule, file, line, col, body FROM review_comments \
             WHERE submission_id = $1 ORDER BY id",
        )
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredComment {
                    move_id: r.try_get("move_id")?,
                    submission_id: r.try_get("submission_id")?,
                    at: CellComment {
                        rule: r.try_get("rule")?,
                        file: r.try_get("file")?,
                        line: r.try_get("line")?,
                        column: r.try_get("col")?,
                        comment: r.try_get("body")?,
                    },
                })
            })
            .collect()
    }

    // ---- data requests

    /// Opens a data request for its parks, with its audit event. Returns its id.
    pub async fn create_request(&self, r: &NewRequest<'_>) -> Result<i64, DbError> {
        let mut conn = self.writer().await?;
        let out = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            let row = sqlx::query(
                "INSERT INTO requests (year, sets, template, due, note, user_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(r.year)
            .bind(serde_json::to_string(r.sets).unwrap_or_else(|_| "[]".into()))
            .bind(r.template)
            .bind(r.due)
            .bind(r.note)
            .bind(r.user_id)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            for p in r.parks {
                sqlx::query("INSERT INTO request_parks (request_id, park_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(p.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            for e in r.events {
                let mut e = e.clone();
                if let Some(d) = e.detail.as_object_mut() {
                    d.insert("request_id".into(), id.into());
                }
                insert_event(&mut tx, &e).await?;
            }
            tx.commit().await?;
            Ok::<i64, DbError>(id)
        }
        .await;
        if out.is_err() {
            conn.close_on_drop();
        }
        out
    }

    /// Data requests, newest first, each with its parks; only those naming `park` when given.
    pub async fn requests(&self, park: Option<&str>) -> Result<Vec<Request>, DbError> {
        let q = "SELECT r.id, r.year, r.sets, r.template, r.due, r.note, u.email, r.created_at \
                 FROM requests r JOIN users u ON u.id = r.user_id";
        let rows =
            match park {
                Some(p) => sqlx::query(&format!(
                    "{q} WHERE r.id IN (SELECT request_id FROM request_parks WHERE park_id = $1) \
                     ORDER BY r.id DESC"
                ))
                .bind(p)
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query(&format!("{q} ORDER BY r.id DESC"))
                        .fetch_all(&self.pool)
                        .await?
                }
            };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let parks = sqlx::query(
                "SELECT park_id FROM request_parks WHERE request_id = $1 ORDER BY park_id",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|x| x.try_get::<String, _>("park_id"))
            .collect::<Result<Vec<_>, _>>()?;
            let sets: String = r.try_get("sets")?;
            out.push(Request {
                id,
                year: r.try_get("year")?,
                sets: serde_json::from_str(&sets).unwrap_or_default(),
                template: r.try_get("template")?,
                due: r.try_get("due")?,
                note: r.try_get("note")?,
                by: r.try_get("email")?,
                created_at: r.try_get("created_at")?,
                parks,
            });
        }
        Ok(out)
    }

    // ---- evidence

    /// Stores an evidence file with its audit event, unless the version already holds
    /// `max_files` (None then). Returns its id.
    pub async fn add_evidence(&self, e: &NewEvidence<'_>) -> Result<Option<i64>, DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            let row = sqlx::query(
                "INSERT INTO evidence (submission_id, rule, name, kind, bytes, sha256, content, \
                 user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(e.submission_id)
            .bind(e.rule)
            .bind(e.name)
            .bind(e.kind)
            .bind(e.content.len() as i64)
            .bind(e.sha256)
            .bind(e.content)
            .bind(e.user_id)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM evidence WHERE submission_id = $1")
                .bind(e.submission_id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if n as usize > e.max_files {
                tx.rollback().await?;
                return Ok(None);
            }
            let mut ev = e.event.clone();
            if let Some(d) = ev.detail.as_object_mut() {
                d.insert("evidence_id".into(), id.into());
            }
            insert_event(&mut tx, &ev).await?;
            tx.commit().await?;
            Ok::<Option<i64>, DbError>(Some(id))
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    /// A version's evidence files, without their bytes.
    pub async fn evidence(&self, submission_id: i64) -> Result<Vec<Evidence>, DbError> {
        let rows = sqlx::query(
            "SELECT e.id, e.submission_id, e.rule, e.name, e.kind, e.bytes, e.sha256, u.email, \
             e.created_at FROM evidence e JOIN users u ON u.id = e.user_id \
             WHERE e.submission_id = $1 ORDER BY e.id",
        )
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Evidence {
                    id: r.try_get("id")?,
                    submission_id: r.try_get("submission_id")?,
                    rule: r.try_get("rule")?,
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    bytes: r.try_get("bytes")?,
                    sha256: r.try_get("sha256")?,
                    by: r.try_get("email")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The bytes of one evidence file of a version.
    pub async fn evidence_content(
        &self,
        submission_id: i64,
        id: i64,
    ) -> Result<Option<Vec<u8>>, DbError> {
        let row = sqlx::query("SELECT content FROM evidence WHERE submission_id = $1 AND id = $2")
            .bind(submission_id)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Vec<u8>, _>("content"))
            .transpose()?)
    }
}

/// A write that lost a race: a unique version taken, or SQLite busy.
fn is_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.code()
                    .is_some_and(|c| c == "5" || c == "517" || c == "40001")
                || d.message().contains("database is locked")
        }
        _ => false,
    }
}

/// A database URL for messages: the password of a PostgreSQL URL left out.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(a), Some(b)) if b > a => {
            let creds = &url[a + 3..b];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..a + 3], &url[b..])
        }
        _ => url.to_string(),
    }
}
