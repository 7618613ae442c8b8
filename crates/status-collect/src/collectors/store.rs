//! The `store` collector: a real write to the embedded store, rolled back, its journal mode, the
//! writers' last commit, and whether the file is still the one opened.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::Connection;
use status_model::{SectionData, SectionName, StoreSection};
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::store::Store;
use crate::time::millis;

/// Collects the `store` section.
pub struct StoreCollector {
    store: Store,
}

impl StoreCollector {
    /// Probes `store` (opening it, and creating it, on first use).
    pub fn new(store: Store) -> StoreCollector {
        StoreCollector { store }
    }
}

#[async_trait]
impl Collector for StoreCollector {
    fn section(&self) -> SectionName {
        SectionName::Store
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let path = self.store.path().display().to_string();
        // A file deleted, replaced or truncated under the open pool is found here, and reopened.
        self.store.verify().await;
        let started = Instant::now();
        let (journal_mode, write) = match self.store.pool().await {
            Ok(pool) => {
                let mode: Result<String, _> =
                    sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await;
                (mode.ok(), write_and_roll_back(&pool).await)
            }
            Err(error) => (None, Err(error.to_string())),
        };
        let elapsed: Duration = started.elapsed();
        if write.as_ref().is_err_and(|error| !error.contains("database is locked")) {
            // Reopened next time: a connection opened while the file was read-only stays so.
            self.store.reopen().await;
        }
        let health = self.store.health().await;
        let commit_error =
            health.commit_error.map(|error| format!("the last commit failed: {error}"));
        let write = write.and_then(|()| commit_error.map_or(Ok(()), Err));
        Ok(Collected::complete(SectionData::Store(StoreSection {
            path,
            writable: write.is_ok(),
            write_ms: write.is_ok().then(|| millis(elapsed)),
            error: write.err(),
            journal_mode,
            losses_total: health.losses_total,
            last_loss: health.last_loss,
        })))
    }
}

/// Takes the write lock, creates a table and inserts a row, then rolls it all back: nothing is left
/// behind, and a store that is read-only, full or locked says so.
async fn write_and_roll_back(pool: &sqlx::SqlitePool) -> Result<(), String> {
    let mut connection = pool.acquire().await.map_err(|error| error.to_string())?;
    let mut transaction = connection.begin().await.map_err(|error| error.to_string())?;
    sqlx::query("CREATE TABLE status_write_probe (written_at INTEGER)")
        .execute(&mut *transaction)
        .await
        .map_err(|error| format!("cannot write: {error}"))?;
    sqlx::query("INSERT INTO status_write_probe VALUES (unixepoch())")
        .execute(&mut *transaction)
        .await
        .map_err(|error| format!("cannot write: {error}"))?;
    transaction.rollback().await.map_err(|error| error.to_string())
}
