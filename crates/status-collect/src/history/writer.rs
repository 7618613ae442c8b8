//! The history writer: a task of its own that inserts each snapshot it is handed, so that a slow or
//! locked store never holds up a collection.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use sqlx::sqlite::SqlitePool;
use status_model::{Timestamp, diff};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::StoreError;
use crate::cache::Published;
use crate::change::ChangeStats;
use crate::config::HistoryConfig;
use crate::store::Store;

/// A snapshot to store: as published, and as the JSON value the pipeline diffed.
#[derive(Debug)]
struct Entry {
    published: Arc<Published>,
    value: Arc<Value>,
}

/// Snapshots waiting for the writer; more than this while the store is slow are dropped (counted).
const QUEUE: usize = 4;

/// The handle of the writer task. Dropping the handle lets the task finish what it was given.
#[derive(Debug)]
pub(crate) struct HistoryWriter {
    sender: mpsc::Sender<Entry>,
    task: JoinHandle<()>,
}

impl HistoryWriter {
    /// Spawns the writer into `store`. The store is opened on the first snapshot, and again after
    /// any failure (the store closes its pool when a commit fails).
    pub(crate) fn spawn(
        store: Store,
        config: HistoryConfig,
        stats: Arc<ChangeStats>,
    ) -> HistoryWriter {
        let (sender, mut receiver) = mpsc::channel::<Entry>(QUEUE);
        let task = tokio::spawn(async move {
            while let Some(entry) = receiver.recv().await {
                let result = write(&store, &config, &entry).await;
                store.commit_ended(result.as_ref().map(|_| ())).await;
                match result {
                    Ok(()) => stats.count(&stats.history_rows_written_total),
                    Err(error) => {
                        stats.count(&stats.history_failures_total);
                        tracing::warn!(%error, "status history: snapshot not stored; retrying with the next one");
                    }
                }
            }
        });
        HistoryWriter { sender, task }
    }

    /// Hands a snapshot to the writer without waiting; when the writer is behind, it is dropped and
    /// counted.
    pub(crate) fn offer(&self, published: Arc<Published>, value: Arc<Value>, stats: &ChangeStats) {
        if self.sender.try_send(Entry { published, value }).is_err() {
            stats.count(&stats.history_skipped_total);
            tracing::warn!("status history: the store is behind; a snapshot was not stored");
        }
    }

    /// Stops taking snapshots and waits for those already handed over to be written.
    pub(crate) async fn finish(self) {
        drop(self.sender);
        let _ = self.task.await;
    }
}

async fn write(store: &Store, config: &HistoryConfig, entry: &Entry) -> Result<(), StoreError> {
    let pool = store.pool().await?;
    let now = Timestamp::now();
    insert(&pool, &entry.published, &entry.value, config.max_rows, cutoff_ms(now, config.max_age))
        .await
}

/// The oldest time kept by `max_age`, in Unix milliseconds.
pub(super) fn cutoff_ms(now: Timestamp, max_age: Duration) -> i64 {
    let age = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
    now.as_millisecond().saturating_sub(age)
}

/// Inserts one snapshot and applies retention, in one transaction.
pub(crate) async fn insert(
    pool: &SqlitePool,
    published: &Published,
    value: &Value,
    max_rows: u64,
    cutoff_ms: i64,
) -> Result<(), StoreError> {
    let failed = |what| move |source| StoreError::Query { what, source };
    let collection = &published.snapshot.collection;
    let json = std::str::from_utf8(&published.json)
        .map_err(|error| failed("encode the snapshot")(sqlx::Error::Decode(Box::new(error))))?;
    let leaves = leaves_json(value)
        .map_err(|error| failed("flatten the snapshot")(sqlx::Error::Decode(Box::new(error))))?;
    let sequence = i64::try_from(collection.sequence).unwrap_or(i64::MAX);
    let taken_at_ms = collection.taken_at.as_millisecond();

    let mut tx = pool.begin().await.map_err(failed("begin a transaction"))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO history_snapshots (taken_at_ms, sequence, snapshot) VALUES (?1, ?2, ?3) RETURNING id",
    )
    .bind(taken_at_ms)
    .bind(sequence)
    .bind(json)
    .fetch_one(&mut *tx)
    .await
    .map_err(failed("insert a snapshot"))?;
    sqlx::query("INSERT OR IGNORE INTO history_keys (key) SELECT key FROM json_each(?1)")
        .bind(&leaves)
        .execute(&mut *tx)
        .await
        .map_err(failed("insert keys"))?;
    // json_each gives booleans as 1/0: spell them out so the stored text is the JSON value.
    sqlx::query(
        "INSERT INTO history_values (key_id, snapshot_id, taken_at_ms, value) \
         SELECT k.id, ?2, ?3, CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' \
                                ELSE json_quote(j.value) END \
         FROM json_each(?1) AS j JOIN history_keys AS k ON k.key = j.key",
    )
    .bind(&leaves)
    .bind(id)
    .bind(taken_at_ms)
    .execute(&mut *tx)
    .await
    .map_err(failed("insert values"))?;
    // The scrubbed report: a check named after a redacted value is stored under its pseudonym.
    for event in published.health.iter().flat_map(|health| &health.events) {
        sqlx::query(
            "INSERT INTO history_health_events (snapshot_id, at_ms, check_name, from_status, to_status) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(id)
        .bind(event.at.as_millisecond())
        .bind(&event.check)
        .bind(event.from.as_str())
        .bind(event.to.as_str())
        .execute(&mut *tx)
        .await
        .map_err(failed("insert a health event"))?;
    }
    retain(&mut tx, max_rows, cutoff_ms).await?;
    tx.commit().await.map_err(failed("commit a snapshot"))
}

/// Deletes snapshots beyond `max_rows` or older than `cutoff_ms`, and their values.
async fn retain(
    tx: &mut sqlx::SqliteConnection,
    max_rows: u64,
    cutoff_ms: i64,
) -> Result<(), StoreError> {
    let failed = |source| StoreError::Query { what: "apply retention", source };
    // The rows beyond `max_rows` are the oldest `count - max_rows`: counting reads only the pages of
    // the narrow time index (SQLite's count shortcut), and the walk covers only the rows deleted.
    // Walking back `max_rows` rows from the newest, as an OFFSET does, read every page of the table
    // (one page per two snapshots) on every insert.
    let deleted: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM history_snapshots WHERE taken_at_ms < ?1 OR id IN \
         (SELECT id FROM history_snapshots ORDER BY id \
          LIMIT max(0, (SELECT count(*) FROM history_snapshots) - ?2)) RETURNING id",
    )
    .bind(cutoff_ms)
    .bind(i64::try_from(max_rows).unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await
    .map_err(failed)?;
    if deleted.is_empty() {
        return Ok(());
    }
    // Nearly always the deleted snapshots are the oldest: one range per key on the primary key
    // (key_id, snapshot_id), rather than a scan.
    sqlx::query(
        "DELETE FROM history_values WHERE key_id IN (SELECT id FROM history_keys) AND snapshot_id < \
         (SELECT coalesce(min(id), 9223372036854775807) FROM history_snapshots)",
    )
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    sqlx::query(
        "DELETE FROM history_health_events WHERE snapshot_id < \
         (SELECT coalesce(min(id), 9223372036854775807) FROM history_snapshots)",
    )
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    // Snapshots whose time was behind the clock, deleted by age from between newer ones.
    let oldest: Option<i64> = sqlx::query_scalar("SELECT min(id) FROM history_snapshots")
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?;
    for id in deleted.into_iter().filter(|&id| oldest.is_some_and(|oldest| id > oldest)) {
        sqlx::query(
            "DELETE FROM history_values WHERE key_id IN (SELECT id FROM history_keys) \
             AND snapshot_id = ?1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        sqlx::query("DELETE FROM history_health_events WHERE snapshot_id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
    }
    Ok(())
}

/// The snapshot's leaves as one flat JSON object, `{"host.load.1": 0.52, …}`.
fn leaves_json(value: &Value) -> Result<String, serde_json::Error> {
    let leaves: Map<String, Value> =
        diff::flatten(value).into_iter().map(|(key, leaf)| (key, leaf.clone())).collect();
    serde_json::to_string(&leaves)
}
