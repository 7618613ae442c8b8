//! Snapshot history in the embedded SQLite store (`<state dir>/status.db`).
//!
//! A snapshot is stored compactly ([`compact`]): one row of `history_snapshots` (id, time, sequence)
//! and, in `history_changes`, only the leaves that changed since the snapshot before it, keyed by
//! (path, snapshot), so that one key's series is a range read. The oldest snapshot kept holds every
//! leaf it has: retention, in the same transaction as each insert, moves the deleted snapshots'
//! changes forward into it, so every snapshot kept can be put back together ([`layout`]), equal to
//! what was served. How the series is read is in [`series`].
//!
//! Measured (`benches/changes.rs`, release, two cores shared with other builds): an insert with
//! retention at 1,000 snapshots, median 1.14 ms; a key's series over 100,000 snapshots in which it
//! changed every time, median 64 ms (its newest 100 points, 0.28 ms). On disk (`tests/sequence.rs`,
//! 1,000 snapshots of the model's full snapshot, 16 kB of JSON, about 60 leaves moving each time):
//! 1.6 kB of `status.db` per snapshot, a tenth of its JSON.
//!
//! The [`writer`] runs off the collection path: a store that cannot be opened or written (locked by
//! another process, disk full) is logged and counted, and the next snapshot tries again.
//! [`History`] reads it back for `status-cli history`.

mod compact;
mod layout;
mod series;
mod writer;

use std::path::Path;

use serde_json::Value;
use sqlx::sqlite::SqlitePool;
use status_model::{HealthEvent, HealthStatus, Timestamp};
use tokio::sync::Mutex;

use crate::cache::Published;
use crate::config::HistoryConfig;
use crate::store::StoreError;

pub(crate) use compact::convert_legacy;
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
    /// What [`History::insert`] remembers of the newest snapshot it stored.
    newest: std::sync::Arc<Mutex<Option<compact::Newest>>>,
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
        Ok(History::from_pool(open_store(path).await?))
    }

    /// From a pool already open on the store.
    pub fn from_pool(pool: SqlitePool) -> History {
        History { pool, newest: Default::default() }
    }

    /// Stores one snapshot and applies `retention` (`max_rows`, `max_age` from now), in one
    /// transaction. The collector's own writer does this off the collection path.
    pub async fn insert(
        &self,
        published: &Published,
        retention: &HistoryConfig,
    ) -> Result<(), StoreError> {
        let cutoff = writer::cutoff_ms(Timestamp::now(), retention.max_age);
        let row = compact::Row::of(published, &published.value);
        let mut newest = self.newest.lock().await;
        compact::insert(&self.pool, &mut newest, &row, retention.max_rows, cutoff).await
    }

    /// The newest `limit` snapshots taken at or after `since`, oldest first, as their JSON text.
    pub async fn snapshots(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        Ok(self.snapshot_values(since, limit).await?.iter().map(Value::to_string).collect())
    }

    /// The newest `limit` snapshots taken at or after `since`, oldest first, put back together from
    /// their changes: each equal to the (redacted) snapshot that was served.
    pub async fn snapshot_values(
        &self,
        since: Option<Timestamp>,
        limit: u32,
    ) -> Result<Vec<Value>, StoreError> {
        let failed = |source| StoreError::Query { what: "read snapshots", source };
        let decode_failed = |error: String| failed(sqlx::Error::Decode(error.into()));
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let mut ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM history_snapshots WHERE +taken_at_ms >= ?1 ORDER BY id DESC LIMIT ?2",
        )
        .bind(since_ms(since))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed)?;
        ids.reverse();
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            return Ok(Vec::new());
        };
        let mut paths = std::collections::HashMap::new();
        let mut state = std::collections::BTreeMap::new();
        for (path_id, path, value) in compact::state_at(&mut tx, first).await? {
            paths.insert(path_id, layout::parse_path(&path).map_err(decode_failed)?);
            if let Some(value) = value {
                state.insert(path_id, parse(&value).map_err(decode_failed)?);
            }
        }
        // The changes after the first, one range per path, in snapshot order.
        let mut changes: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT snapshot_id, key_id, value FROM history_changes \
             WHERE key_id IN (SELECT id FROM history_paths) AND snapshot_id > ?1 AND snapshot_id <= ?2",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed)?;
        changes.sort_unstable_by_key(|(at, path_id, _)| (*at, *path_id));
        let mut changes = changes.into_iter().peekable();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            while let Some((_, path_id, value)) = changes.next_if(|(at, _, _)| *at <= id) {
                match value {
                    Some(value) => state.insert(path_id, parse(&value).map_err(decode_failed)?),
                    None => state.remove(&path_id),
                };
            }
            let leaves = state
                .iter()
                .map(|(path_id, value)| (paths.get(path_id).map_or(&[][..], Vec::as_slice), value));
            out.push(layout::assemble(leaves).map_err(decode_failed)?);
        }
        Ok(out)
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

fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|error| format!("a stored value: {error}"))
}

fn since_ms(since: Option<Timestamp>) -> i64 {
    since.map_or(i64::MIN, Timestamp::as_millisecond)
}

#[cfg(test)]
mod tests;
