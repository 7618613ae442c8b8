//! Opening the store's file: created 0600 in a 0700 directory, WAL mode, migrations applied, and
//! tried again when another process is opening (and migrating) the same file at once.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{StoreError, migrator};
use crate::task::blocking;

/// How long a statement waits for another connection's lock before failing; a failed history write
/// is simply retried with the next snapshot.
const BUSY_TIMEOUT: Duration = Duration::from_secs(1);

/// How many times opening the store is tried when its migrations (or the conversion of the first
/// history layout) fail, and the pause between. Two processes opening a new store at once (a
/// `serve` and a one-shot `snapshot` on one state directory) both find a migration missing; the
/// one that commits second fails ("table … already exists") and, tried again, finds it applied.
const OPEN_ATTEMPTS: u32 = 5;
const OPEN_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Opens (creating it 0600 and its directory 0700 if missing) the store at `path` in WAL mode, and
/// applies [`migrations`](super::migrations). The one way the store file is opened for writing. A failed migration is
/// tried again a few times (another process may be applying the same one), then reported.
pub async fn open_pool(path: &Path) -> Result<SqlitePool, StoreError> {
    let mut attempt = 1;
    loop {
        match open_pool_once(path).await {
            Err(Opening::Again(error)) if attempt < OPEN_ATTEMPTS => {
                tracing::debug!(%error, attempt, "status store: migrations failed; trying again");
                attempt += 1;
                tokio::time::sleep(OPEN_RETRY_PAUSE).await;
            }
            Ok(pool) => return Ok(pool),
            Err(Opening::Again(error) | Opening::Failed(error)) => return Err(error),
        }
    }
}

/// Why one attempt at opening the store failed.
enum Opening {
    /// Bringing the schema up to date failed, or the file was locked: another process may be
    /// opening it too.
    Again(StoreError),
    /// Anything else.
    Failed(StoreError),
}

async fn open_pool_once(path: &Path) -> Result<SqlitePool, Opening> {
    let owned = path.to_owned();
    let create_failed =
        |source| Opening::Failed(StoreError::CreateDir { path: path.to_owned(), source });
    blocking(move || crate::private_fs::prepare_database(&owned))
        .await
        .map_err(|error| create_failed(std::io::Error::other(error.to_string())))?
        .map_err(create_failed)?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(BUSY_TIMEOUT);
    // Two connections: the collector's reads and probe, and the writers (history, deploys).
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|source| {
            let error = StoreError::Open { path: path.to_owned(), source };
            if error.is_busy() { Opening::Again(error) } else { Opening::Failed(error) }
        })?;
    if let Err(source) = migrator().run(&pool).await {
        pool.close().await;
        return Err(Opening::Again(StoreError::Migrate { path: path.to_owned(), source }));
    }
    // Version 102 left the full documents of the first history layout to convert.
    if let Err(error) = crate::history::convert_legacy(&pool).await {
        pool.close().await;
        return Err(Opening::Again(error));
    }
    Ok(pool)
}
