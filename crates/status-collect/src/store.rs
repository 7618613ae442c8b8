//! The embedded store: one SQLite file, `<state dir>/status.db`, that the collector owns and writes.
//!
//! It is opened lazily: nothing touches the disk until the first call, which creates the state
//! directory and the file, switches it to WAL (readers never wait on the writer) and applies the
//! migrations in [`migrations`]. A failed first use is retried on the next call.
//!
//! To add a table, append a migration with the next version to [`migrations`]; never edit one that
//! has shipped (sqlx refuses a database whose applied migration's checksum changed).

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::OnceCell;

use crate::collectors::blocking;
use crate::engine::now_millis;

/// The store's file name inside the state directory.
pub const FILE_NAME: &str = "status.db";

/// A handle to the store. Cloning gives another handle to the same pool.
#[derive(Clone, Debug)]
pub struct Store {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    /// Made on first use: sqlx pools start a maintenance task, which needs the host's runtime.
    pool: OnceCell<SqlitePool>,
}

/// One recorded deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployRecord {
    /// The sha the host passed, in lowercase.
    pub sha: String,
    /// When it was recorded, to the millisecond.
    pub at: Timestamp,
}

/// A store operation that failed, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory or the file could not be created, or is not safe (writable by other
    /// users, a symbolic link).
    #[error("failed to create the state directory or the store {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The migrations could not be applied (also: the file is not a database, or is locked).
    #[error("failed to open the store {path}: {source}")]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed.
    #[error("failed to {what} in the store {path}: {source}")]
    Query {
        /// What was being done.
        what: &'static str,
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// A stored value does not parse.
    #[error("failed to read the store {path}: {what}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// The sha given to `record_deploy` is not one.
    #[error("failed to record a deploy: {0:?} is not a commit sha (4 to 64 hex digits)")]
    InvalidSha(String),
}

impl Store {
    /// A store at `<state_dir>/status.db`. Nothing is opened or created until first use.
    pub fn new(state_dir: &Path) -> Store {
        let path = state_dir.join(FILE_NAME);
        Store { inner: Arc::new(Inner { path, pool: OnceCell::new() }) }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The pool, once the file exists and is migrated; for modules that add their own tables.
    pub async fn pool(&self) -> Result<&SqlitePool, StoreError> {
        self.inner.pool.get_or_try_init(|| self.open()).await
    }

    /// Records that `sha` was deployed now, and returns the record.
    pub async fn record_deploy(&self, sha: &str) -> Result<DeployRecord, StoreError> {
        let sha = sha.trim();
        if !(4..=64).contains(&sha.len()) || !sha.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(StoreError::InvalidSha(sha.to_owned()));
        }
        let record = DeployRecord { sha: sha.to_ascii_lowercase(), at: now_millis() };
        sqlx::query("INSERT INTO deploys (sha, deployed_at) VALUES (?, ?)")
            .bind(&record.sha)
            .bind(record.at.to_string())
            .execute(self.pool().await?)
            .await
            .map_err(|source| self.query_error("record a deploy", source))?;
        Ok(record)
    }

    /// The last recorded deploy; `None` when none was ever recorded.
    pub async fn last_deploy(&self) -> Result<Option<DeployRecord>, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT sha, deployed_at FROM deploys ORDER BY id DESC LIMIT 1")
                .fetch_optional(self.pool().await?)
                .await
                .map_err(|source| self.query_error("read the last deploy", source))?;
        let Some((sha, at)) = row else { return Ok(None) };
        let at = at.parse::<Timestamp>().map_err(|error| StoreError::Corrupt {
            path: self.inner.path.clone(),
            what: format!("deploy time {at:?} is not an RFC 3339 time: {error}"),
        })?;
        Ok(Some(DeployRecord { sha, at }))
    }

    async fn open(&self) -> Result<SqlitePool, StoreError> {
        let path = self.inner.path.clone();
        blocking(move || crate::private_fs::prepare_database(&path))
            .await
            .map_err(|error| StoreError::CreateDir {
                path: self.inner.path.clone(),
                source: std::io::Error::other(error.to_string()),
            })?
            .map_err(|source| StoreError::CreateDir { path: self.inner.path.clone(), source })?;
        let options = SqliteConnectOptions::new()
            .filename(&self.inner.path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(1));
        // Two connections: the collector's reads and the host's occasional write.
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(2))
            .connect_lazy_with(options);
        migrator()
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { path: self.inner.path.clone(), source })?;
        Ok(pool)
    }

    fn query_error(&self, what: &'static str, source: sqlx::Error) -> StoreError {
        StoreError::Query { what, path: self.inner.path.clone(), source }
    }
}

/// The store's schema, oldest first. Embedded, so the library needs no migrations directory.
pub fn migrations() -> Vec<Migration> {
    vec![Migration::new(
        1,
        Cow::Borrowed("deploys"),
        MigrationType::Simple,
        include_str!("store/migrations/0001_deploys.sql").into_sql_str(),
        false,
    )]
}

/// The history module migrates the same file with versions from 100 on: versions this list does
/// not know are expected.
fn migrator() -> Migrator {
    let mut migrator = Migrator::with_migrations(migrations());
    migrator.set_ignore_missing(true);
    migrator
}

#[cfg(test)]
mod tests;
