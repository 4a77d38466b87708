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
    pub problems: String,
    pub names: String,
}

/// An uploaded file as stored: its kind (how the server named it) and its bytes.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub kind: String,
    pub content: Vec<u8>,
}

/// What a new submission holds.
pub struct NewSubmission<'a> {
    pub park_id: &'a str,
    pub year: i64,
    pub user_id: i64,
    pub valid: bool,
    pub errors: i64,
    pub warnings: i64,
    pub problems: &'a str,
    pub names: &'a str,
    pub files: &'a [StoredFile],
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
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // Readers do not wait for the writer; the setting stays with the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        } else {
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        }
        Ok(Db { pool, backend })
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

    /// Uses a setup link: sets the password and spends the link, in one transaction (a link
    /// works once, even when two requests race).
    pub async fn use_setup_token(
        &self,
        token_hash: &str,
        hash: &str,
    ) -> Result<Option<i64>, DbError> {
        let mut tx = self.pool.begin().await?;
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
        tx.commit().await?;
        Ok(Some(user_id))
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
    pub async fn insert_submission(&self, s: &NewSubmission<'_>) -> Result<(i64, i64), DbError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_insert_submission(s).await {
                Err(DbError::Sql(e)) if attempt < 20 && is_conflict(&e) => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn try_insert_submission(&self, s: &NewSubmission<'_>) -> Result<(i64, i64), DbError> {
        let mut tx = self.pool.begin().await?;
        // The write comes first, so SQLite takes its write lock before reading the versions.
        let row = sqlx::query(
            "INSERT INTO submissions \
             (park_id, year, version, user_id, created_at, valid, errors, warnings, problems, names) \
             SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6, $7, $8, $9 \
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
        tx.commit().await?;
        Ok((id, version))
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
            problems: r.try_get("problems")?,
            names: r.try_get("names")?,
        })
    }

    const SUBMISSION: &'static str = "SELECT s.id, s.park_id, s.year, s.version, u.email, \
        s.created_at, s.valid, s.errors, s.warnings, s.problems, s.names \
        FROM submissions s JOIN users u ON u.id = s.user_id";

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
                    content: r.try_get("content")?,
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
