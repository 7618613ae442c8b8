//! Snapshot history in the embedded SQLite store (`<state dir>/status.db`).
//!
//! Every snapshot is one row of `history_snapshots` (its JSON, indexed by time), and each of its leaves
//! one row of `history_values` keyed by (key, snapshot), so that one key's series is a range read.
//! Retention (`max_rows`, `max_age`) is enforced in the same transaction as each insert.
//!
//! Measured (`benches/changes.rs`, two cores shared with other builds, load average 4 to 6): a key's
//! whole series over 100,000 snapshots, median 35 to 68 ms (was 101 to 265 ms), 275 M instructions
//! per read in callgrind against 870 M; an insert with retention into 1,000 snapshots, median 1.3 to
//! 1.7 ms (was 1.9 to 2.1 ms). How the series is read is in [`series`].
//!
//! The [`writer`] runs off the collection path: a store that cannot be opened or written (locked by
//! another process, disk full) is logged and counted, and the next snapshot tries again.
//! [`History`] reads it back for `status-cli history`.

mod series;
mod writer;

use std::path::Path;

use serde_json::Value;
use sqlx::sqlite::SqlitePool;
use status_model::{HealthEvent, HealthStatus, Timestamp};

use crate::cache::Published;
use crate::config::HistoryConfig;
use crate::store::StoreError;

pub(crate) use writer::HistoryWriter;

/// The store's file name inside the state directory.
pub const STORE_FILE: &str = crate::store::FILE_NAME;

/// Opens the store at `path` for the history: [`crate::store::open_pool`], the one way the store
/// file is opened, with every migration (deploys and history).
pub async fn open_store(path: &Path) -> Result<SqlitePool, StoreError> {
    crate::store::open_pool(path).await
}

/// One point of a key's series.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SeriesPoint {
    /// When the snapshot was taken.
    pub taken_at: Timestamp,
    /// The key's value in it.
    pub value: Value,
}

/// Read access to the history, for front-ends.
#[derive(Clone, Debug)]
pub struct History {
    pool: SqlitePool,
}

impl History {
    /// Opens the history store at `path`; it must exist.
    pub async fn open(path: &Path) -> Result<History, StoreError> {
        if !path.exists() {
            return Err(StoreError::Open {
                path: path.to_owned(),
                source: sqlx::Error::Configuration(
                    "no such file; is `[history] enabled = true` in the collector's config?".into(),
                ),
            });
        }
        Ok(History { pool: open_store(path).await? })
    }

    /// From a pool already open on the store.
    pub fn from_pool(pool: SqlitePool) -> History {
        History { pool }
    }

    /// Stores one snapshot and applies `retention` (`max_rows`, `max_age` from now), in one
    /// transaction. The collector's own writer does this off the collection path.
    pub async fn insert(
        &self,
        published: &Published,
        retention: &HistoryConfig,
    ) -> Result<(), StoreError> {
        let cutoff = writer::cutoff_ms(Timestamp::now(), retention.max_age);
        writer::insert(&self.pool, published, &published.value, retention.max_rows, cutoff).await
    }

    /// The newest `limit` snapshots taken at or after `since`, oldest first, as their JSON text.
    pub async fn snapshots(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut rows: Vec<String> = sqlx::query_scalar(
            "SELECT snapshot FROM history_snapshots WHERE taken_at_ms >= ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(since_ms(since))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(|source| StoreError::Query { what: "read snapshots", source })?;
        rows.reverse();
        Ok(rows)
    }

    /// The newest `limit` values of `key` taken at or after `since`, oldest first. Snapshots without
    /// the key are left out.
    pub async fn series(
        &self,
        key: &str,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<SeriesPoint>, StoreError> {
        series::read(&self.pool, key, since_ms(since), limit).await
    }

    /// The newest `limit` health status changes seen at or after `since`, oldest first.
    pub async fn health_events(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<HealthEvent>, StoreError> {
        let failed = |source| StoreError::Query { what: "read health events", source };
        let mut rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT at_ms, check_name, from_status, to_status FROM history_health_events \
             WHERE at_ms >= ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(since_ms(since))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        rows.reverse();
        let decode = |error: String| failed(sqlx::Error::Decode(error.into()));
        let status = |text: &str| -> Result<HealthStatus, StoreError> {
            serde_json::from_value(Value::String(text.to_owned()))
                .map_err(|error| decode(error.to_string()))
        };
        rows.into_iter()
            .map(|(at_ms, check, from, to)| {
                Ok(HealthEvent {
                    check,
                    from: status(&from)?,
                    to: status(&to)?,
                    at: Timestamp::from_millisecond(at_ms)
                        .map_err(|error| decode(error.to_string()))?,
                })
            })
            .collect()
    }

    /// How many snapshots the store holds.
    pub async fn count(&self) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM history_snapshots")
            .fetch_one(&self.pool)
            .await
            .map_err(|source| StoreError::Query { what: "count snapshots", source })?;
        Ok(u64::try_from(count).unwrap_or(0))
    }
}

fn since_ms(since: Option<Timestamp>) -> i64 {
    since.map_or(i64::MIN, Timestamp::as_millisecond)
}

#[cfg(test)]
mod tests;
