//! The embedded store: one SQLite file, `<state dir>/status.db`, that the collector owns and writes.
//! This module owns it: one pool, one migration set ([`migrations`]: deploys, history) and one error
//! type, used by the deploy records and the history alike.
//!
//! It is opened lazily: nothing touches the disk until the first call, which creates the state
//! directory (0700) and the file (0600), switches it to WAL (readers never wait on the writer) and
//! applies the migrations. A failed first use is retried on the next call.
//!
//! The store is checked on every collection ([`Store::verify`]): when the file it holds is no longer
//! the one on disk (deleted, replaced, or truncated below the size last seen), the pool is closed,
//! the loss is logged once and counted, and the next use opens a new file, where rows resume. A
//! commit that fails (disk full, read-only, locked) is remembered until the next one succeeds, and
//! the pool is reopened, so a store recovers without a restart once the cause goes.
//!
//! To add a table, append a migration with the next version to [`migrations`]; never edit one that
//! has shipped (sqlx refuses a database whose applied migration's checksum changed).

use std::borrow::Cow;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::SqlitePool;
use tokio::sync::Mutex;

pub use error::StoreError;
pub use open::open_pool;

use crate::task::blocking;
use crate::time::now_millis;

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
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Made on first use (sqlx pools start a maintenance task, which needs the host's runtime), and
    /// again after a loss or a failed commit.
    pool: Option<SqlitePool>,
    /// The file the pool was opened on.
    file: Option<FileId>,
    losses_total: u64,
    last_loss: Option<String>,
    /// Why the last commit failed; `None` once one succeeds.
    commit_error: Option<String>,
}

/// Which file is open: device and inode, and the largest size seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
    size: u64,
}

/// What [`Store::verify`] and the writers know of the store's health.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreHealth {
    /// How many times the file was found deleted, replaced or truncated while open.
    pub losses_total: u64,
    /// The last such loss: what happened and when.
    pub last_loss: Option<String>,
    /// Why the last commit (of history or a deploy) failed; `None` once one succeeded.
    pub commit_error: Option<String>,
}

/// One recorded deploy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployRecord {
    /// The sha the host passed, in lowercase.
    pub sha: String,
    /// When it was recorded, to the millisecond.
    pub at: Timestamp,
}

impl Store {
    /// A store at `<state_dir>/status.db`. Nothing is opened or created until first use.
    pub fn new(state_dir: &Path) -> Store {
        let path = state_dir.join(FILE_NAME);
        Store { inner: Arc::new(Inner { path, state: Mutex::default() }) }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The pool, once the file exists and is migrated (opening it when it is not open).
    pub async fn pool(&self) -> Result<SqlitePool, StoreError> {
        let mut state = self.inner.state.lock().await;
        if let Some(pool) = &state.pool {
            return Ok(pool.clone());
        }
        let pool = open_pool(&self.inner.path).await?;
        state.file = file_id(&self.inner.path).ok();
        state.pool = Some(pool.clone());
        Ok(pool)
    }

    /// Checks that the file the pool holds is still the one on disk: not deleted, not replaced by
    /// another file, not truncated below the size last seen. When it is not, closes the pool (the
    /// next use opens a new file), logs the loss once and counts it; a truncated file is kept as
    /// `status.db.lost`, overwriting an older one.
    pub async fn verify(&self) {
        let mut state = self.inner.state.lock().await;
        let Some(held) = state.file else { return };
        let path = &self.inner.path;
        let loss = match std::fs::symlink_metadata(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Some(Loss::Deleted),
            Err(_) => None,
            Ok(meta) if (meta.dev(), meta.ino()) != (held.dev, held.ino) => Some(Loss::Replaced),
            Ok(meta) if meta.len() < held.size => {
                Some(Loss::Truncated { from: held.size, to: meta.len() })
            }
            Ok(meta) => {
                state.file = Some(FileId { size: meta.len(), ..held });
                None
            }
        };
        let Some(loss) = loss else { return };
        state.file = None;
        if let Some(pool) = state.pool.take() {
            pool.close().await;
        }
        let path = path.clone();
        let cleaned = blocking(move || loss.clean_up(&path)).await;
        let failed = match cleaned {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(error) => Some(error.to_string()),
        };
        if let Some(error) = failed {
            tracing::warn!(error, "status store: failed to clear what the lost store left");
        }
        state.losses_total += 1;
        let reason = format!(
            "{} {} at {}; a new one was opened and the rows before are lost",
            self.inner.path.display(),
            loss.what(),
            now_millis()
        );
        tracing::warn!(reason, "status store: the store file was lost while open");
        state.last_loss = Some(reason);
    }

    /// What is known of the store's health.
    pub async fn health(&self) -> StoreHealth {
        let state = self.inner.state.lock().await;
        StoreHealth {
            losses_total: state.losses_total,
            last_loss: state.last_loss.clone(),
            commit_error: state.commit_error.clone(),
        }
    }

    /// Records how a commit ended. A failure is kept (the `store` section reports it) and closes the
    /// pool, so that the next use opens the file afresh: a store that was read-only, full or
    /// replaced recovers once the cause goes.
    pub async fn commit_ended(&self, result: Result<(), &StoreError>) {
        let mut state = self.inner.state.lock().await;
        match result {
            Ok(()) => state.commit_error = None,
            Err(error) => {
                state.commit_error = Some(error.to_string());
                // A lock held by another process passes by itself; closing would only wait on it.
                if !error.is_busy() {
                    state.file = None;
                    if let Some(pool) = state.pool.take() {
                        pool.close().await;
                    }
                }
            }
        }
    }

    /// Closes the pool (the next use opens the file again); for a probe that failed.
    pub async fn reopen(&self) {
        let mut state = self.inner.state.lock().await;
        state.file = None;
        if let Some(pool) = state.pool.take() {
            pool.close().await;
        }
    }

    /// Records that `sha` was deployed now, and returns the record.
    pub async fn record_deploy(&self, sha: &str) -> Result<DeployRecord, StoreError> {
        self.record_deploy_at(sha, now_millis()).await
    }

    /// Records that `sha` was deployed at `at` (to the millisecond), and returns the record.
    pub async fn record_deploy_at(
        &self,
        sha: &str,
        at: Timestamp,
    ) -> Result<DeployRecord, StoreError> {
        let sha = sha.trim();
        if !(4..=64).contains(&sha.len()) || !sha.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(StoreError::InvalidSha(sha.to_owned()));
        }
        let at = at.round(jiff::Unit::Millisecond).unwrap_or(at);
        let record = DeployRecord { sha: sha.to_ascii_lowercase(), at };
        let result = sqlx::query("INSERT INTO deploys (sha, deployed_at) VALUES (?, ?)")
            .bind(&record.sha)
            .bind(record.at.to_string())
            .execute(&self.pool().await?)
            .await
            .map_err(|source| StoreError::Query { what: "record a deploy", source });
        self.commit_ended(result.as_ref().map(|_| ())).await;
        result?;
        Ok(record)
    }

    /// The last recorded deploy; `None` when none was ever recorded.
    pub async fn last_deploy(&self) -> Result<Option<DeployRecord>, StoreError> {
        Ok(self.deploys(1).await?.pop())
    }

    /// The newest `limit` recorded deploys, oldest first (in the order they were recorded).
    pub async fn deploys(&self, limit: u32) -> Result<Vec<DeployRecord>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT sha, deployed_at FROM deploys ORDER BY id DESC LIMIT ?")
                .bind(limit)
                .fetch_all(&self.pool().await?)
                .await
                .map_err(|source| StoreError::Query { what: "read the deploys", source })?;
        let mut records = rows
            .into_iter()
            .map(|(sha, at)| {
                let at = at.parse::<Timestamp>().map_err(|error| StoreError::Corrupt {
                    path: self.inner.path.clone(),
                    what: format!("deploy time {at:?} is not an RFC 3339 time: {error}"),
                })?;
                Ok(DeployRecord { sha, at })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        records.reverse();
        Ok(records)
    }
}

/// How a store file was lost.
#[derive(Clone, Copy, Debug)]
enum Loss {
    Deleted,
    Replaced,
    Truncated { from: u64, to: u64 },
}

impl Loss {
    fn what(self) -> String {
        match self {
            Loss::Deleted => "was deleted".to_owned(),
            Loss::Replaced => "was replaced by another file".to_owned(),
            Loss::Truncated { from, to } => format!("was truncated from {from} to {to} bytes"),
        }
    }

    /// Moves a truncated file aside, and removes the journal files of a deleted or truncated one
    /// (they belong to the lost file: SQLite would replay them into the new one).
    fn clean_up(self, path: &Path) -> std::io::Result<()> {
        let sibling = |suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        let remove = |path: PathBuf| match std::fs::remove_file(&path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        };
        match self {
            Loss::Replaced => return Ok(()),
            Loss::Truncated { .. } => std::fs::rename(path, sibling(".lost"))?,
            Loss::Deleted => {}
        }
        remove(sibling("-wal"))?;
        remove(sibling("-shm"))
    }
}

fn file_id(path: &Path) -> std::io::Result<FileId> {
    let meta = std::fs::symlink_metadata(path)?;
    Ok(FileId { dev: meta.dev(), ino: meta.ino(), size: meta.len() })
}

/// The store's schema, oldest first. Embedded, so the library needs no migrations directory.
/// Deploys are version 1; the history's tables are versions from 100 on.
pub fn migrations() -> Vec<Migration> {
    let migration = |version, name, sql: &'static str| {
        Migration::new(
            version,
            Cow::Borrowed(name),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        )
    };
    vec![
        migration(1, "deploys", include_str!("store/migrations/0001_deploys.sql")),
        migration(100, "history", include_str!("history/0100_history.sql")),
        migration(101, "health events", include_str!("history/0101_health_events.sql")),
        migration(102, "compact history", include_str!("history/0102_compact_history.sql")),
        migration(103, "renamed sections", include_str!("history/0103_renamed_sections.sql")),
    ]
}

/// One migrator for the whole file. A file a newer version migrated further is still opened.
fn migrator() -> Migrator {
    let mut migrator = Migrator::with_migrations(migrations());
    migrator.set_ignore_missing(true);
    migrator
}

mod error;
mod open;
#[cfg(test)]
mod tests;
