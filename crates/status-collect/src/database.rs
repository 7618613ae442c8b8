//! A configured database as the collectors see it: a read-only connection pool, opened on first use
//! and shared by all of that database's sections, and the wording of its errors.
//!
//! SQLite is opened with `SQLITE_OPEN_READONLY`, `PRAGMA query_only = ON` and never created, so the
//! collector cannot write, migrate or grow the host's file. A reader never blocks the host's writers
//! (in WAL mode readers and the writer run side by side; in rollback mode a reader only waits while a
//! writer commits), and the busy timeout is kept under the collection deadline, so a database locked
//! by a writer makes the section say `database is locked` in time instead of hanging.

pub(crate) mod row;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::collector::CollectError;
use crate::config::{DatabaseConfig, Layout};

/// Connections per database: enough for its sections and probes to run side by side.
const MAX_CONNECTIONS: u32 = 4;
/// Idle connections are kept across collections (the default interval is 30 s) and closed after
/// this, so an idle host is not held open for ever.
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Connections are reopened after this at the latest; a file replaced on disk (another device or
/// inode at the path) gets a new pool at the next use.
const MAX_LIFETIME: Duration = Duration::from_secs(3600);

/// One configured database, opened lazily and read-only.
pub struct Database {
    name: String,
    layout: Option<Layout>,
    overdue_grace: Duration,
    deadline: Duration,
    options: Result<SqliteConnectOptions, String>,
    /// The pool, and the (device, inode) of the file it was opened on.
    pool: Mutex<Option<(SqlitePool, (u64, u64))>>,
}

impl Database {
    /// A handle on the configured database. Nothing is opened until a section needs it; a URL that
    /// cannot be used makes every section of this database fail with the reason. `deadline` is the
    /// collection deadline: the busy timeout and the wait for a connection stay under it.
    pub fn new(config: &DatabaseConfig, deadline: Duration) -> Arc<Database> {
        let busy_timeout = deadline / 2;
        let options = connect_options(&config.url).map(|options| {
            options
                .read_only(true)
                .create_if_missing(false)
                .busy_timeout(busy_timeout)
                .pragma("query_only", "ON")
        });
        Arc::new(Database {
            name: config.name.clone(),
            layout: config.schema,
            overdue_grace: config.overdue_grace,
            deadline,
            options: options.map_err(|reason| format!("database `{}`: {reason}", config.name)),
            pool: Mutex::new(None),
        })
    }

    /// The configured name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The layout the database follows, if configured.
    pub fn layout(&self) -> Option<Layout> {
        self.layout
    }

    /// The database file; `None` when the URL could not be used.
    pub fn path(&self) -> Option<&Path> {
        self.options.as_ref().ok().map(SqliteConnectOptions::get_filename)
    }

    /// How late a task or job may be before it is overdue.
    pub(crate) fn overdue_grace(&self) -> Duration {
        self.overdue_grace
    }

    /// A connection from the pool, opening the pool on first use, and again when the file at the
    /// path is no longer the one the pool has open (replaced by a rename, or deleted and created):
    /// connections of the old pool finish what they run and close.
    pub(crate) async fn connection(&self) -> Result<PoolConnection<Sqlite>, CollectError> {
        self.connection_until(tokio::time::Instant::now() + self.deadline).await
    }

    /// A connection as [`Database::connection`] gives, whose statements are interrupted at
    /// `deadline` (a probe's own, shorter than the collection's).
    pub(crate) async fn connection_until(
        &self,
        deadline: tokio::time::Instant,
    ) -> Result<PoolConnection<Sqlite>, CollectError> {
        let mut connection =
            self.pool().await?.acquire().await.map_err(|error| self.error(error))?;
        // A statement still running at the deadline is interrupted (SQLite checks the handler
        // every 1000 VM steps), so an abandoned probe stops using the CPU and its connection
        // instead of running on for minutes.
        connection
            .lock_handle()
            .await
            .map_err(|error| self.error(error))?
            .set_progress_handler(1000, move || tokio::time::Instant::now() < deadline);
        Ok(connection)
    }

    /// The pool, opened on first use once the file is known to be there, and opened again when
    /// the file is not the one the pool has open.
    async fn pool(&self) -> Result<SqlitePool, CollectError> {
        let options =
            self.options.as_ref().map_err(|reason| CollectError::Failed(reason.clone()))?;
        let path = options.get_filename();
        // SQLite's own message for a missing file is only "unable to open database file".
        let metadata = tokio::fs::metadata(path).await.map_err(|error| {
            CollectError::Failed(format!(
                "database `{}`: cannot read {}: {error}",
                self.name,
                path.display()
            ))
        })?;
        let identity = (metadata.dev(), metadata.ino());
        let mut held = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        let pool = match &*held {
            Some((pool, opened)) if *opened == identity => pool.clone(),
            before => {
                if before.is_some() {
                    tracing::info!(database = %self.name, path = %path.display(), "database file replaced on disk; reopening it");
                }
                let pool = SqlitePoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .min_connections(0)
                    .acquire_timeout(self.deadline)
                    .idle_timeout(IDLE_TIMEOUT)
                    .max_lifetime(MAX_LIFETIME)
                    .test_before_acquire(false)
                    .connect_lazy_with(options.clone());
                *held = Some((pool.clone(), identity));
                pool
            }
        };
        Ok(pool)
    }

    /// A read transaction on a pooled connection: every statement a section runs inside it sees
    /// the same state of the database, so a count and the list it counts agree even while the host
    /// writes. SQLite's deferred `BEGIN` takes the read snapshot at the first statement and never
    /// blocks the host's writer; dropping the transaction (or [`sqlx::Transaction::rollback`]) ends
    /// it. Its statements are interrupted at the deadline, as [`Database::connection`]'s are.
    pub(crate) async fn read(&self) -> Result<sqlx::Transaction<'static, Sqlite>, CollectError> {
        let connection = self.connection().await?;
        sqlx::Transaction::begin(connection, None).await.map_err(|error| self.error(error))
    }

    /// `database `name` (path)`, for messages.
    pub(crate) fn place(&self) -> String {
        match self.path().map(Path::display) {
            Some(path) => format!("database `{}` ({path})", self.name),
            None => format!("database `{}`", self.name),
        }
    }

    /// Words a query's error: a missing table makes the section `unavailable` (`no such table: …`),
    /// anything else is an error naming the database and its file.
    pub(crate) fn error(&self, error: sqlx::Error) -> CollectError {
        let place = self.place();
        match &error {
            sqlx::Error::Database(db) if db.message().starts_with("no such table") => {
                CollectError::Unavailable(format!("{} in {place}", db.message()))
            }
            sqlx::Error::Database(db) => CollectError::Failed(format!("{place}: {}", db.message())),
            sqlx::Error::PoolTimedOut => CollectError::Failed(format!(
                "{place}: no connection within {}",
                humantime::format_duration(self.deadline)
            )),
            _ => CollectError::Failed(format!("{place}: {error}")),
        }
    }
}

/// `sqlite:` URLs are parsed by sqlx; anything without a scheme is a file path.
/// A URL in an error is scrubbed: a `postgres://user:password@…` must not reach a log or a reason.
fn connect_options(url: &str) -> Result<SqliteConnectOptions, String> {
    let shown = || status_model::redact::scrub_secrets(url).unwrap_or_else(|| url.to_owned());
    if url.starts_with("sqlite:") {
        return SqliteConnectOptions::from_str(url).map_err(|error| {
            let error = error.to_string();
            let error = status_model::redact::scrub_secrets(&error).unwrap_or(error);
            format!("`url` {:?} cannot be used: {error}", shown())
        });
    }
    if url.contains("://") {
        return Err(format!("`url` {:?} is not a SQLite URL; only SQLite is built in", shown()));
    }
    Ok(SqliteConnectOptions::new().filename(PathBuf::from(url)))
}

#[cfg(test)]
mod tests;
