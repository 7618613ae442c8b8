//! The compact history's writes: a snapshot is stored as the leaves ([`layout`]) that changed since
//! the snapshot before it, and retention moves the changes of the snapshots it deletes forward into
//! the oldest one kept, which so always holds every leaf it has (the keyframe the others build on).
//!
//! The writer remembers the newest snapshot's leaves ([`Newest`]) to compare in memory; it reads
//! them back from the store when the store's newest snapshot is not the one it remembers (first
//! write, another file, a failed commit).

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use status_model::HealthEvent;

use super::StoreError;
use super::layout;
use crate::cache::Published;

/// One snapshot to store.
#[derive(Debug)]
pub(super) struct Row<'a> {
    /// The id to store it under (converted rows keep theirs); `None` for the next one.
    pub(super) id: Option<i64>,
    pub(super) taken_at_ms: i64,
    pub(super) sequence: i64,
    /// The snapshot as served (redacted).
    pub(super) value: &'a Value,
    pub(super) events: &'a [HealthEvent],
}

impl<'a> Row<'a> {
    /// The row of a published snapshot, whose served value is `value`.
    pub(super) fn of(published: &'a Published, value: &'a Value) -> Row<'a> {
        let collection = &published.snapshot.collection;
        Row {
            id: None,
            taken_at_ms: collection.taken_at.as_millisecond(),
            sequence: i64::try_from(collection.sequence).unwrap_or(i64::MAX),
            value,
            events: published.health.as_ref().map_or(&[], |health| health.events.as_slice()),
        }
    }
}

/// The newest stored snapshot's leaves, as the writer remembers them.
#[derive(Debug, Default)]
pub(crate) struct Newest {
    /// Which snapshot: id, time and sequence (a store whose newest row differs is read again).
    snapshot: (i64, i64, i64),
    /// Path → (path id, value's JSON text), for the leaves the snapshot has.
    leaves: HashMap<String, (i64, String)>,
    /// Path → path id, for every path the store knows.
    paths: HashMap<String, i64>,
}

/// Every how many snapshots paths that no change refers to any more are deleted.
const PATH_SWEEP: i64 = 256;

/// Inserts one snapshot as its changes, and applies retention (`max_rows`, and `cutoff_ms` for any
/// snapshot but this one), in one transaction. `newest` is the writer's memory of the store's
/// newest snapshot; it is updated once the transaction commits.
pub(super) async fn insert(
    pool: &SqlitePool,
    newest: &mut Option<Newest>,
    row: &Row<'_>,
    max_rows: u64,
    cutoff_ms: i64,
) -> Result<(), StoreError> {
    let failed = |what| move |source| StoreError::Query { what, source };
    // IMMEDIATE: the write lock is taken (waiting up to the busy timeout) before the newest row is
    // read. A deferred transaction that read first would fail at once, not wait, when another
    // process (a `serve` beside a one-shot run) committed in between.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(failed("begin a transaction"))?;
    let stored: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, taken_at_ms, sequence FROM history_snapshots ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await
    .map_err(failed("read the newest snapshot"))?;
    let mut memory = match (newest.take(), stored) {
        (Some(memory), Some(stored)) if memory.snapshot == stored => memory,
        (_, stored) => load(&mut tx, stored).await?,
    };

    let leaves = layout::leaves(row.value);
    let unknown: Vec<Value> = leaves
        .iter()
        .filter(|leaf| !memory.paths.contains_key(&leaf.path))
        .map(|leaf| json!([leaf.path, leaf.key, leaf.exact]))
        .collect();
    if !unknown.is_empty() {
        let unknown = Value::Array(unknown).to_string();
        sqlx::query(
            "INSERT OR IGNORE INTO history_paths (path, key, exact) \
             SELECT value->>0, value->>1, value->>2 FROM json_each(?1)",
        )
        .bind(&unknown)
        .execute(&mut *tx)
        .await
        .map_err(failed("insert paths"))?;
        let known: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, path FROM history_paths WHERE path IN (SELECT value->>0 FROM json_each(?1))",
        )
        .bind(&unknown)
        .fetch_all(&mut *tx)
        .await
        .map_err(failed("read paths"))?;
        memory.paths.extend(known.into_iter().map(|(id, path)| (path, id)));
    }

    let id: i64 = sqlx::query_scalar(
        "INSERT INTO history_snapshots (id, taken_at_ms, sequence) VALUES (?1, ?2, ?3) RETURNING id",
    )
    .bind(row.id)
    .bind(row.taken_at_ms)
    .bind(row.sequence)
    .fetch_one(&mut *tx)
    .await
    .map_err(failed("insert a snapshot"))?;

    let mut changes = Vec::new();
    let mut now = HashMap::with_capacity(leaves.len());
    for leaf in leaves {
        let Some(&path_id) = memory.paths.get(&leaf.path) else {
            return Err(failed("read paths")(sqlx::Error::RowNotFound));
        };
        if memory.leaves.remove(&leaf.path).is_none_or(|(_, before)| before != leaf.value) {
            changes.push(json!([path_id, leaf.value]));
        }
        now.insert(leaf.path, (path_id, leaf.value));
    }
    // What is left went away.
    changes.extend(memory.leaves.values().map(|(path_id, _)| json!([path_id, null])));
    if !changes.is_empty() {
        sqlx::query(
            "INSERT INTO history_changes (key_id, snapshot_id, value) \
             SELECT value->>0, ?2, value->>1 FROM json_each(?1)",
        )
        .bind(Value::Array(changes).to_string())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(failed("insert changes"))?;
    }
    for event in row.events {
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
    let swept = retain(&mut tx, id, max_rows, cutoff_ms).await?;
    tx.commit().await.map_err(failed("commit a snapshot"))?;
    if !swept {
        memory.snapshot = (id, row.taken_at_ms, row.sequence);
        memory.leaves = now;
        *newest = Some(memory);
    }
    Ok(())
}

/// Reads the newest snapshot's leaves and every known path back from the store.
async fn load(
    conn: &mut SqliteConnection,
    stored: Option<(i64, i64, i64)>,
) -> Result<Newest, StoreError> {
    let mut memory = Newest::default();
    let Some(stored) = stored else {
        let paths: Vec<(i64, String)> = sqlx::query_as("SELECT id, path FROM history_paths")
            .fetch_all(&mut *conn)
            .await
            .map_err(|source| StoreError::Query { what: "read paths", source })?;
        memory.paths = paths.into_iter().map(|(id, path)| (path, id)).collect();
        return Ok(memory);
    };
    memory.snapshot = stored;
    for (path_id, path, value) in state_at(conn, stored.0).await? {
        memory.paths.insert(path.clone(), path_id);
        if let Some(value) = value {
            memory.leaves.insert(path, (path_id, value));
        }
    }
    Ok(memory)
}

/// Every known path (id, path) with its value's JSON text in snapshot `id` (`None`: not in it).
pub(super) async fn state_at(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    sqlx::query_as(
        "SELECT p.id, p.path, (SELECT c.value FROM history_changes AS c \
                               WHERE c.key_id = p.id AND c.snapshot_id <= ?1 \
                               ORDER BY c.snapshot_id DESC LIMIT 1) \
         FROM history_paths AS p ORDER BY p.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(|source| StoreError::Query { what: "read a snapshot's leaves", source })
}

/// Deletes snapshots beyond `max_rows` or older than `cutoff_ms` (but never `newest`, the one just
/// stored), moving their changes forward; returns whether unused paths were swept.
async fn retain(
    tx: &mut SqliteConnection,
    newest: i64,
    max_rows: u64,
    cutoff_ms: i64,
) -> Result<bool, StoreError> {
    let failed = |source| StoreError::Query { what: "apply retention", source };
    // The rows beyond `max_rows` are the oldest `count - max_rows`: counting reads only the pages of
    // the narrow time index (SQLite's count shortcut), and the walk covers only the rows deleted.
    let mut deleted: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM history_snapshots WHERE (taken_at_ms < ?1 AND id != ?3) OR id IN \
         (SELECT id FROM history_snapshots ORDER BY id \
          LIMIT max(0, (SELECT count(*) FROM history_snapshots) - ?2)) RETURNING id",
    )
    .bind(cutoff_ms)
    .bind(i64::try_from(max_rows).unwrap_or(i64::MAX))
    .bind(newest)
    .fetch_all(&mut *tx)
    .await
    .map_err(failed)?;
    if deleted.is_empty() {
        return Ok(false);
    }
    let oldest: i64 = sqlx::query_scalar("SELECT min(id) FROM history_snapshots")
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?;
    // Snapshots whose time was behind the clock, deleted by age from between newer ones: their
    // changes go to the next snapshot kept, unless it has its own (newest deleted first, so the
    // latest change wins).
    deleted.sort_unstable_by(|a, b| b.cmp(a));
    for id in deleted.iter().copied().filter(|&id| id > oldest) {
        let next: i64 = sqlx::query_scalar("SELECT min(id) FROM history_snapshots WHERE id > ?1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(failed)?;
        sqlx::query(
            "INSERT OR IGNORE INTO history_changes (key_id, snapshot_id, value) \
             SELECT key_id, ?2, value FROM history_changes \
             WHERE key_id IN (SELECT id FROM history_paths) AND snapshot_id = ?1",
        )
        .bind(id)
        .bind(next)
        .execute(&mut *tx)
        .await
        .map_err(failed)?;
        for sql in [
            "DELETE FROM history_changes WHERE key_id IN (SELECT id FROM history_paths) \
             AND snapshot_id = ?1",
            "DELETE FROM history_health_events WHERE snapshot_id = ?1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(failed)?;
        }
    }
    // The oldest kept becomes the keyframe: each leaf's last value before it moves onto it, unless
    // it changed there too or had gone away. One range per path on the primary key, not a scan.
    sqlx::query(
        "INSERT OR IGNORE INTO history_changes (key_id, snapshot_id, value) \
         SELECT c.key_id, ?1, c.value FROM history_changes AS c \
         WHERE c.key_id IN (SELECT id FROM history_paths) AND c.snapshot_id < ?1 \
           AND c.value IS NOT NULL \
           AND c.snapshot_id = (SELECT max(snapshot_id) FROM history_changes \
                                WHERE key_id = c.key_id AND snapshot_id < ?1)",
    )
    .bind(oldest)
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    for sql in [
        "DELETE FROM history_changes WHERE key_id IN (SELECT id FROM history_paths) \
         AND snapshot_id < ?1",
        "DELETE FROM history_health_events WHERE snapshot_id < ?1",
    ] {
        sqlx::query(sql).bind(oldest).execute(&mut *tx).await.map_err(failed)?;
    }
    if newest % PATH_SWEEP != 0 {
        return Ok(false);
    }
    sqlx::query(
        "DELETE FROM history_paths WHERE NOT EXISTS \
         (SELECT 1 FROM history_changes WHERE key_id = history_paths.id)",
    )
    .execute(&mut *tx)
    .await
    .map_err(failed)?;
    Ok(true)
}

/// Converts the full documents of the history's first layout (`history_legacy`, left by migration
/// 102) into changes, oldest first, a batch per transaction, and drops the table once empty. Ids are
/// kept, so the health events still point at their snapshots. A document that does not parse is
/// dropped with a warning.
pub(crate) async fn convert_legacy(pool: &SqlitePool) -> Result<(), StoreError> {
    let failed = |what| move |source| StoreError::Query { what, source };
    let exists: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'history_legacy'",
    )
    .fetch_one(pool)
    .await
    .map_err(failed("look for old history"))?;
    if exists == 0 {
        return Ok(());
    }
    let mut newest = None;
    let mut converted = 0_u64;
    loop {
        // Rows a conversion cut short already stored are skipped (and deleted below).
        let batch: Vec<(i64, i64, i64, String)> = sqlx::query_as(
            "SELECT id, taken_at_ms, sequence, snapshot FROM history_legacy \
             WHERE id > (SELECT coalesce(max(id), -9223372036854775808) FROM history_snapshots) \
             ORDER BY id LIMIT 100",
        )
        .fetch_all(pool)
        .await
        .map_err(failed("read old history"))?;
        let Some(last) = batch.last().map(|row| row.0) else { break };
        for (id, taken_at_ms, sequence, text) in batch {
            let value: Value = match serde_json::from_str(&text) {
                Ok(value) => value,
                Err(error) => {
                    tracing::warn!(id, %error, "status history: an old snapshot does not parse; dropped");
                    continue;
                }
            };
            let row = Row { id: Some(id), taken_at_ms, sequence, value: &value, events: &[] };
            insert(pool, &mut newest, &row, u64::MAX, i64::MIN).await?;
            converted += 1;
        }
        sqlx::query("DELETE FROM history_legacy WHERE id <= ?1")
            .bind(last)
            .execute(pool)
            .await
            .map_err(failed("delete converted history"))?;
    }
    sqlx::query("DROP TABLE history_legacy")
        .execute(pool)
        .await
        .map_err(failed("drop old history"))?;
    if converted > 0 {
        tracing::info!(converted, "status history: converted old snapshots to the compact layout");
    }
    Ok(())
}
