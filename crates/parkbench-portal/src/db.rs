//! The portal's database: SQLite by default, PostgreSQL by URL, through one sqlx `Any` pool.
//! Every query here is written once for both (`$1` placeholders, BIGINT columns); the schema
//! lives in `migrations/<backend>/` and is brought up to date at start.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

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
pub enum Role {
    Admin,
    Staff,
    Operator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }

    /// Staff and admins see every park and the programme.
    pub fn sees_programme(self) -> bool {
        matches!(self, Role::Admin | Role::Staff)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub park_id: Option<String>,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RosterPark {
    pub park_id: String,
    pub name: String,
    #[serde(skip)]
    pub meta_csv: String,
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

    pub async fn create_user(
        &self,
        email: &str,
        role: Role,
        park_id: Option<&str>,
    ) -> Result<i64, DbError> {
        let row = sqlx::query(
            "INSERT INTO users (email, role, park_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(email)
        .bind(role.as_str())
        .bind(park_id)
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("id")?)
    }

    fn user_from(row: &sqlx::any::AnyRow) -> Result<User, DbError> {
        let role: String = row.try_get("role")?;
        Ok(User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            role: Role::parse(&role).unwrap_or(Role::Operator),
            park_id: row.try_get("park_id")?,
            password_hash: row.try_get("password_hash")?,
        })
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, DbError> {
        let row = sqlx::query(
            "SELECT id, email, role, park_id, password_hash FROM users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::user_from).transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>, DbError> {
        let rows = sqlx::query(
            "SELECT id, email, role, park_id, password_hash FROM users ORDER BY role, email",
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
            "SELECT u.id, u.email, u.role, u.park_id, u.password_hash FROM setup_tokens t \
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
    pub async fn reset_account(&self, user_id: i64) -> Result<(), DbError> {
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
            tx.commit().await?;
            Ok::<(), DbError>(())
        }
        .await;
        if r.is_err() {
            conn.close_on_drop();
        }
        r
    }

    /// Changes an account's role (and park) and ends its sessions: the explicit change an
    /// invitation never makes.
    pub async fn set_role(
        &self,
        user_id: i64,
        role: Role,
        park_id: Option<&str>,
    ) -> Result<(), DbError> {
        let mut conn = self.writer().await?;
        let r = async {
            use sqlx::Connection;
            let mut tx = conn.begin().await?;
            sqlx::query("UPDATE users SET role = $1, park_id = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(park_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
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
            "SELECT u.id, u.email, u.role, u.park_id, u.password_hash, s.csrf FROM sessions s \
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
            "INSERT INTO parks (park_id, name, meta_csv) VALUES ($1, $2, $3) \
             ON CONFLICT (park_id) DO UPDATE SET name = excluded.name, meta_csv = excluded.meta_csv",
        )
        .bind(&p.park_id)
        .bind(&p.name)
        .bind(&p.meta_csv)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    fn park_from(r: &sqlx::any::AnyRow) -> Result<RosterPark, DbError> {
        Ok(RosterPark {
            park_id: r.try_get("park_id")?,
            name: r.try_get("name")?,
            meta_csv: r.try_get("meta_csv")?,
        })
    }

    pub async fn parks(&self) -> Result<Vec<RosterPark>, DbError> {
        let rows = sqlx::query("SELECT park_id, name, meta_csv FROM parks ORDER BY park_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::park_from).collect()
    }

    pub async fn park(&self, park_id: &str) -> Result<Option<RosterPark>, DbError> {
        let row = sqlx::query("SELECT park_id, name, meta_csv FROM parks WHERE park_id = $1")
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
