//! History store tests against real SQLite files: read back, value types, retention by rows and by
//! age, the store's one migration set, the conversion of the first layout, and the disk a realistic
//! sequence of snapshots costs.

mod corpus;
mod renamed;
mod sequence;
mod series;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use status_model::{CollectionReport, RuntimeSection, SectionData, Snapshot, Timestamp};

use super::*;
use crate::cache::{Cache, Published};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

fn published(sequence: u64, taken_at_ms: i64, alive_tasks: u64) -> (Arc<Published>, Value) {
    let mut snapshot = Snapshot::new(CollectionReport {
        taken_at: Timestamp::from_millisecond(taken_at_ms).unwrap(),
        duration_ms: 1.0,
        sequence,
        interval_seconds: None,
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    });
    snapshot.put(SectionData::Runtime(RuntimeSection {
        event_loop_lag_ms: None,
        workers: 2,
        alive_tasks,
        global_queue_depth: 0,
    }));
    let value = serde_json::to_value(&snapshot).unwrap();
    (Cache::default().publish(snapshot).unwrap(), value)
}

async fn store() -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let pool = open_store(&dir.path().join("state").join(STORE_FILE)).await.unwrap();
    (dir, pool)
}

/// Inserts as a writer that remembers nothing (so it reads the newest snapshot back each time).
async fn insert(
    pool: &SqlitePool,
    published: &Published,
    value: &Value,
    max_rows: u64,
    cutoff_ms: i64,
) -> Result<(), StoreError> {
    let row = compact::Row::of(published, value);
    compact::insert(pool, &mut None, &row, max_rows, cutoff_ms).await
}

async fn put(pool: &SqlitePool, sequence: u64, taken_at_ms: i64, max_rows: u64, cutoff_ms: i64) {
    let (published, value) = published(sequence, taken_at_ms, sequence * 10);
    insert(pool, &published, &value, max_rows, cutoff_ms).await.unwrap();
}

async fn rows(pool: &SqlitePool, table: &'static str) -> i64 {
    let sql = match table {
        "snapshots" => "SELECT count(*) FROM history_snapshots",
        // Changes of snapshots no longer kept.
        _ => {
            "SELECT count(*) FROM history_changes \
             WHERE snapshot_id < (SELECT min(id) FROM history_snapshots)"
        }
    };
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Asserts that snapshots read back equal those served, naming the first leaf that differs.
#[track_caller]
pub(super) fn same(read: &[Value], served: &[Value]) {
    assert_eq!(read.len(), served.len(), "snapshots read back");
    for (i, (read, served)) in read.iter().zip(served).enumerate() {
        if read != served {
            let (read, served) = (layout::leaves(read), layout::leaves(served));
            let differs = read.iter().zip(&served).find(|(a, b)| a != b);
            panic!(
                "snapshot {i} differs ({} leaves read, {} served); first: {differs:?}",
                read.len(),
                served.len()
            );
        }
    }
}

fn values(points: &[SeriesPoint]) -> Vec<Value> {
    points.iter().map(|point| point.value.clone()).collect()
}

#[tokio::test]
async fn snapshots_and_series_read_back_oldest_first() {
    let (_dir, pool) = store().await;
    for sequence in 1..=5 {
        put(&pool, sequence, T0 + 1000 * i64::try_from(sequence).unwrap(), 100, i64::MIN).await;
    }
    let history = History::from_pool(pool);
    let series = history.series("runtime.alive_tasks", None, 100).await.unwrap();
    assert_eq!(values(&series), [json!(10), json!(20), json!(30), json!(40), json!(50)]);
    assert_eq!(series[0].taken_at, Timestamp::from_millisecond(T0 + 1000).unwrap());
    let last_two = history.series("runtime.alive_tasks", None, 2).await.unwrap();
    assert_eq!(values(&last_two), [json!(40), json!(50)]);
    let since = Timestamp::from_millisecond(T0 + 4000).ok();
    assert_eq!(
        values(&history.series("runtime.alive_tasks", since, 100).await.unwrap()),
        [json!(40), json!(50)]
    );
    assert_eq!(
        values(&history.series("runtime.event_loop_lag_ms", None, 1).await.unwrap()),
        [Value::Null]
    );
    assert!(history.series("runtime.nope", None, 100).await.unwrap().is_empty());

    let snapshots = history.snapshots(None, 2).await.unwrap();
    let sequences: Vec<u64> = snapshots
        .iter()
        .map(|text| {
            serde_json::from_str::<Value>(text).unwrap()["collection"]["sequence"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(sequences, [4, 5]);
    assert_eq!(history.count().await.unwrap(), 5);
}

#[tokio::test]
async fn values_keep_their_json_types() {
    let (_dir, pool) = store().await;
    let (published, _) = published(1, T0, 1);
    let value = json!({"a": true, "b": false, "c": "text", "d": [1, "x"], "e": null, "f": 1.5, "g": {}, "h": "1"});
    insert(&pool, &published, &value, 10, i64::MIN).await.unwrap();
    let history = History::from_pool(pool);
    for (key, expected) in value.as_object().unwrap() {
        let series = history.series(key, None, 10).await.unwrap();
        assert_eq!(values(&series), std::slice::from_ref(expected), "{key}");
    }
}

#[tokio::test]
async fn retention_by_rows_holds_on_every_insert() {
    let (_dir, pool) = store().await;
    let mut served = Vec::new();
    for sequence in 1..=10 {
        put(&pool, sequence, T0 + i64::try_from(sequence).unwrap(), 3, i64::MIN).await;
        served.push(published(sequence, T0 + i64::try_from(sequence).unwrap(), sequence * 10).1);
        let kept = rows(&pool, "snapshots").await;
        assert_eq!(kept, i64::try_from(sequence.min(3)).unwrap());
        assert_eq!(rows(&pool, "values").await, 0, "changes go with their snapshot");
        let read = History::from_pool(pool.clone()).snapshot_values(None, 100).await.unwrap();
        same(&read, &served[served.len() - read.len()..]);
    }
    let history = History::from_pool(pool);
    let series = history.series("runtime.alive_tasks", None, 100).await.unwrap();
    assert_eq!(values(&series), [json!(80), json!(90), json!(100)]);
}

#[tokio::test]
async fn retention_by_age_holds_on_every_insert() {
    let (_dir, pool) = store().await;
    let minute = 60_000;
    // Ten snapshots a minute apart; each insert keeps the last three minutes.
    for sequence in 0..10_u64 {
        let taken_at = T0 + i64::try_from(sequence).unwrap() * minute;
        put(&pool, sequence + 1, taken_at, 1000, taken_at - 3 * minute + 1).await;
        assert!(rows(&pool, "snapshots").await <= 3);
    }
    let history = History::from_pool(pool);
    let series = history.series("runtime.alive_tasks", None, 100).await.unwrap();
    assert_eq!(values(&series), [json!(80), json!(90), json!(100)]);
}

#[tokio::test]
async fn one_migration_set_makes_the_deploy_and_history_tables() {
    let (dir, pool) = store().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('deploys', 'history_snapshots') ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(tables, ["deploys", "history_snapshots"]);
    // A version this one does not know (written by a newer one) is tolerated.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (900, 'newer', 1, x'00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let pool = open_store(&dir.path().join("state").join(STORE_FILE)).await.unwrap();
    put(&pool, 1, T0, 10, i64::MIN).await;
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
    assert_eq!(journal, "wal");
}

#[tokio::test]
async fn a_missing_store_is_an_error_naming_it() {
    let error = History::open(std::path::Path::new("/nonexistent/status.db")).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("/nonexistent/status.db") && message.contains("enabled"), "{message}");
}

#[tokio::test]
async fn health_status_changes_are_recorded_and_kept_with_their_snapshots() {
    use status_model::{HealthEvent, HealthReport, HealthStatus};
    let (_dir, pool) = store().await;
    let event = |second: i64, check: &str, from, to| HealthEvent {
        check: check.into(),
        from,
        to,
        at: Timestamp::from_millisecond(T0 + second * 1000).unwrap(),
    };
    let with_events = |sequence: u64, events: Vec<HealthEvent>| {
        let (published, value) =
            published(sequence, T0 + i64::try_from(sequence).unwrap() * 1000, 1);
        let mut snapshot = (*published.snapshot).clone();
        snapshot.health = Some(HealthReport {
            status: HealthStatus::Pass,
            status_since: snapshot.collection.taken_at,
            transitions_total: 0,
            checks: Vec::new(),
            events,
        });
        (Cache::default().publish(snapshot).unwrap(), value)
    };
    let history = History::from_pool(pool.clone());
    let batches = [
        vec![
            event(1, "memory_available", HealthStatus::Pass, HealthStatus::Warn),
            event(1, "overall", HealthStatus::Pass, HealthStatus::Warn),
        ],
        vec![],
        vec![event(3, "memory_available", HealthStatus::Warn, HealthStatus::Pass)],
    ];
    for (i, events) in batches.into_iter().enumerate() {
        let (published, value) = with_events(u64::try_from(i).unwrap() + 1, events);
        insert(&pool, &published, &value, 100, i64::MIN).await.unwrap();
    }
    let seen: Vec<(String, HealthStatus, HealthStatus)> = history
        .health_events(None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.check, e.from, e.to))
        .collect();
    assert_eq!(
        seen,
        [
            ("memory_available".to_owned(), HealthStatus::Pass, HealthStatus::Warn),
            ("overall".to_owned(), HealthStatus::Pass, HealthStatus::Warn),
            ("memory_available".to_owned(), HealthStatus::Warn, HealthStatus::Pass),
        ]
    );
    let since = Timestamp::from_millisecond(T0 + 2000).unwrap();
    assert_eq!(history.health_events(Some(since), 10).await.unwrap().len(), 1);
    // Keeping one snapshot keeps only the events it carried.
    let (published, value) = with_events(4, vec![]);
    insert(&pool, &published, &value, 1, i64::MIN).await.unwrap();
    assert!(history.health_events(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn retention_by_rows_is_exact_after_age_retention_left_a_gap() {
    let (_dir, pool) = store().await;
    // Snapshots 1 to 3 and 6 carry an older time (the clock was wrong when 6 was taken), so age
    // retention removes them and leaves a gap in the ids: 4, 5, 7.
    let hour = 3_600_000;
    for (sequence, taken_at_ms) in
        [(1, T0), (2, T0), (3, T0), (4, T0 + hour), (5, T0 + hour), (6, T0)]
    {
        put(&pool, sequence, taken_at_ms, 100, i64::MIN).await;
    }
    put(&pool, 7, T0 + hour, 100, T0 + 1).await;
    assert_eq!(rows(&pool, "snapshots").await, 3);
    // Keeping 3 of 4, 5, 7 and 8 keeps the newest three, not the last three ids.
    put(&pool, 8, T0 + hour, 3, T0 + 1).await;
    let history = History::from_pool(pool.clone());
    let series = history.series("runtime.alive_tasks", None, 100).await.unwrap();
    assert_eq!(values(&series), [json!(50), json!(70), json!(80)]);
    assert_eq!(rows(&pool, "values").await, 0, "changes go with their snapshot");
    let sequences: Vec<u64> = history
        .snapshot_values(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|value| value["collection"]["sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(sequences, [5, 7, 8]);
    let alive: Vec<u64> = history
        .snapshot_values(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|value| value["runtime"]["alive_tasks"].as_u64().unwrap())
        .collect();
    assert_eq!(alive, [50, 70, 80], "a change of a snapshot deleted from between went forward");
}

#[tokio::test]
async fn a_store_of_the_first_layout_is_converted_when_opened() {
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    // A store as version 101 left it: full documents, and each leaf in history_values.
    let old = sqlx::SqlitePool::connect_with(
        SqliteConnectOptions::new().filename(&path).create_if_missing(true),
    )
    .await
    .unwrap();
    let mut first = crate::store::migrations();
    first.truncate(3);
    Migrator::with_migrations(first).run(&old).await.unwrap();
    let served: Vec<Value> = (1..=5)
        .map(|sequence| published(sequence, T0 + 1000 * sequence as i64, sequence).1)
        .collect();
    for (id, value) in (1..).zip(&served) {
        sqlx::query("INSERT INTO history_snapshots (id, taken_at_ms, sequence, snapshot) VALUES (?1, ?2, ?1, ?3)")
            .bind(id)
            .bind(T0 + 1000 * id)
            .bind(value.to_string())
            .execute(&old)
            .await
            .unwrap();
    }
    sqlx::query("INSERT INTO history_snapshots (id, taken_at_ms, sequence, snapshot) VALUES (6, ?1, 6, 'not json')")
        .bind(T0 + 6000)
        .execute(&old)
        .await
        .unwrap();
    sqlx::query("INSERT INTO history_health_events (snapshot_id, at_ms, check_name, from_status, to_status) VALUES (3, ?1, 'disk', 'pass', 'warn')")
        .bind(T0 + 3000)
        .execute(&old)
        .await
        .unwrap();
    old.close().await;

    let history = History::open(&path).await.unwrap();
    same(&history.snapshot_values(None, 10).await.unwrap(), &served);
    assert_eq!(
        values(&history.series("runtime.alive_tasks", None, 10).await.unwrap()),
        [json!(1), json!(2), json!(3), json!(4), json!(5)]
    );
    assert_eq!(history.health_events(None, 10).await.unwrap().len(), 1);
    let legacy: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE name = 'history_legacy'")
            .fetch_one(&history.pool)
            .await
            .unwrap();
    assert_eq!(legacy, 0, "the old table is gone once converted");
    // New snapshots follow the converted ones.
    let (published, value) = published(7, T0 + 7000, 7);
    let retention = HistoryConfig {
        max_rows: 3,
        max_age: std::time::Duration::from_secs(100 * 365 * 86_400),
        ..HistoryConfig::default()
    };
    history.insert(&published, &retention).await.unwrap();
    let alive: Vec<u64> = history
        .snapshot_values(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|v| v["runtime"]["alive_tasks"].as_u64().unwrap())
        .collect();
    assert_eq!(alive, [4, 5, 7]);
    assert_eq!(value["runtime"]["alive_tasks"], json!(7));
}
