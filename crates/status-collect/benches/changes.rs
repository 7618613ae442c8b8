//! Benchmarks of what follows each collection: the diff of two full snapshots, a history insert, and
//! one key's series read from a history of 100,000 snapshots.
//!
//! Run with `cargo bench -p status-collect --bench changes`; divan prints the median of each.
//!
//! `history_insert` stores a real snapshot whose collection time, sequence and runtime figures move
//! each time (the compact history stores what changed), with retention at 1,000.

use std::sync::Arc;

use serde_json::{Value, json};
use status_collect::testing::{Engine, collectors};
use status_collect::{Cache, Config, History, HistoryConfig, open_store};
use status_deps::NoDeps;
use status_model::{KeyFilter, Snapshot, diff};

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A real snapshot of this machine.
fn collected(rt: &tokio::runtime::Runtime) -> Snapshot {
    rt.block_on(async {
        let config = Config::default();
        let engine = Engine::new(
            collectors::standard(&config, Arc::new(NoDeps), Default::default()),
            config.collect.deadline,
        );
        engine.collect().await;
        engine.collect().await
    })
}

/// A real snapshot plus every section the design lists, at a busy host's size: 6 repos with 4
/// worktrees, 12 containers, 40 tasks, 20 probes, 60 metrics, 25 health checks, and so on.
fn full(snapshot: &Snapshot, salt: u64) -> Value {
    let mut value = serde_json::to_value(snapshot).expect("serializes");
    let object = value.as_object_mut().expect("an object");
    let worktree = |i: u64| json!({"sha": format!("{:040x}", i * 7919 + salt), "dirty": i.is_multiple_of(3), "ahead": i % 4, "behind": 0, "conflict": false});
    let repos: serde_json::Map<String, Value> = (0..6)
        .map(|r| {
            let worktrees: serde_json::Map<String, Value> = (0..4).map(|w| (format!("w{w}"), worktree(r * 10 + w))).collect();
            (format!("repo{r}"), json!({"head": format!("{:040x}", r), "branch": "main", "dirty": false, "unpushed": r % 2, "worktrees": worktrees}))
        })
        .collect();
    object.insert("repos".into(), Value::Object(repos));
    let containers: serde_json::Map<String, Value> = (0..12)
        .map(|c| (format!("container-{c}"), json!({"state": "running", "health": "healthy", "restart_count": c % 2, "started_at": "2026-01-01T00:00:00Z"})))
        .collect();
    object.insert("containers".into(), Value::Object(containers));
    let tasks: Vec<Value> = (0..40)
        .map(|t| json!({"id": t, "name": format!("task-{t}"), "schedule": "*/5 * * * *", "last_run_at": "2026-01-01T00:00:00Z", "overdue": t == 7}))
        .collect();
    object.insert("tasks".into(), json!({"rows": tasks}));
    let probes: serde_json::Map<String, Value> =
        (0..20).map(|p| (format!("probe_{p}"), json!(p * 3 + salt % 2))).collect();
    object.insert("probes".into(), Value::Object(probes));
    let metrics: serde_json::Map<String, Value> =
        (0..60).map(|m| (format!("metric_{m}_total"), json!(m * 1000 + salt))).collect();
    object.insert("metrics".into(), Value::Object(metrics));
    let checks: Vec<Value> = (0..25)
        .map(|c| json!({"name": format!("check-{c}"), "status": "pass", "message": null, "observed_value": c, "observed_unit": "count", "time": "2026-01-01T00:00:00Z"}))
        .collect();
    object.insert("health".into(), json!({"status": "pass", "checks": checks}));
    object.insert("queue".into(), json!({"active": 2, "max_concurrent": 8, "waiting": salt % 5, "groups": {"a": {"active": 1}, "b": {"active": 1}}}));
    object.insert("channels".into(), json!({"slack": {"connected": true, "since": "2026-01-01T00:00:00Z", "last_error": null}, "mail": {"connected": false, "since": null, "last_error": "timeout"}}));
    value
}

/// Two full snapshots a cycle apart: volatile keys, load, memory and a few counters differ.
#[divan::bench]
fn diff_two_full_snapshots(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let (first, second) = (collected(&rt), collected(&rt));
    let (old, new) = (full(&first, 1), full(&second, 2));
    let filter = KeyFilter::volatile();
    let changes = diff::diff(&old, &new, &filter);
    assert!(!changes.is_empty());
    bencher.bench_local(|| diff::diff(divan::black_box(&old), divan::black_box(&new), &filter));
}

/// The same two snapshots diffed as the pipeline does: states only (with the kind of each changed
/// leaf decided), lists of named things item by item.
#[divan::bench]
fn diff_two_full_snapshots_semantic(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let (first, second) = (collected(&rt), collected(&rt));
    let (old, new) = (full(&first, 1), full(&second, 2));
    let filter = KeyFilter::semantic::<&str>(&[], &[]).expect("no patterns");
    let changes = diff::diff(&old, &new, &filter);
    assert!(!changes.is_empty());
    bencher.bench_local(|| diff::diff(divan::black_box(&old), divan::black_box(&new), &filter));
}

/// The pipeline's conversion of a collected snapshot to the JSON value it diffs.
#[divan::bench]
fn snapshot_to_value(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let snapshot = collected(&rt);
    bencher.bench_local(|| serde_json::to_value(divan::black_box(&snapshot)).expect("serializes"));
}

/// One insert, with retention, into a store already holding 1,000 snapshots.
#[divan::bench(sample_count = 200)]
fn history_insert(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = collected(&rt);
    let cache = Cache::default();
    let history = rt.block_on(async {
        History::from_pool(open_store(&dir.path().join("status.db")).await.expect("store"))
    });
    let retention = HistoryConfig { enabled: true, max_rows: 1_000, ..HistoryConfig::default() };
    let mut sequence = snapshot.collection.sequence;
    let mut next = move || {
        let mut snapshot = snapshot.clone();
        sequence += 1;
        snapshot.collection.sequence = sequence;
        snapshot.collection.duration_ms = (sequence % 97) as f64 / 10.0;
        let step =
            jiff::SignedDuration::from_secs(i64::try_from(sequence % 1_000_000).expect("fits"));
        snapshot.collection.taken_at += step;
        cache.publish(snapshot).expect("publishes")
    };
    for _ in 0..1_000 {
        rt.block_on(history.insert(&next(), &retention)).expect("inserts");
    }
    bencher.with_inputs(&mut next).bench_local_values(|published| {
        rt.block_on(history.insert(&published, &retention)).expect("inserts")
    });
}

/// Rows in the series benchmark's store.
const ROWS: i64 = 100_000;

/// One key's whole series, and its newest 100 points, from a store of 100,000 snapshots.
#[divan::bench(args = [100, 100_000])]
fn history_key_series(bencher: divan::Bencher<'_, '_>, limit: u32) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = collected(&rt);
    let history = rt.block_on(async {
        let pool = open_store(&dir.path().join("status.db")).await.expect("store");
        let history = History::from_pool(pool.clone());
        let published = Cache::default().publish(snapshot).expect("publishes");
        let retention = HistoryConfig { enabled: true, max_rows: 1_000_000, ..HistoryConfig::default() };
        history.insert(&published, &retention).await.expect("inserts");
        // 100,000 snapshots 30 s apart in which the key and every other leaf under `host` and
        // `collection` changed each time (a series is a range read of one path: the other paths'
        // changes are there so its rows sit among others, as in a real store).
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT INTO history_snapshots (id, taken_at_ms, sequence) \
             SELECT s.id + i, s.taken_at_ms + i * 30000, s.sequence + i FROM n, history_snapshots AS s WHERE s.id = 1",
        )
        .bind(ROWS - 1)
        .execute(&pool)
        .await
        .expect("adds snapshots");
        sqlx::query(
            "INSERT INTO history_changes (key_id, snapshot_id, value) \
             SELECT p.id, s.id, CAST(s.id * 4096 + p.id AS TEXT) FROM history_paths AS p, history_snapshots AS s \
             WHERE (p.key LIKE 'host.%' OR p.key LIKE 'collection.%') AND p.exact AND s.id > 1",
        )
        .execute(&pool)
        .await
        .expect("adds changes");
        assert_eq!(history.count().await.expect("counts"), u64::try_from(ROWS).expect("fits"));
        history
    });
    let key = "host.memory.available_bytes";
    let points = rt.block_on(history.series(key, None, limit)).expect("reads");
    assert_eq!(points.len(), usize::try_from(limit).expect("fits"));
    bencher.bench_local(|| rt.block_on(history.series(key, None, limit)).expect("reads"));
}
