//! Benchmarks of the database sections on large SQLite files, with and without the recommended
//! indexes of `status_collect::layouts`.
//!
//! The `operations` database holds 1,000,000 `execution_log` rows and 100,000
//! `notification_outbox` rows; the `messaging` database 20,000 messages, 10,000 ledger entries,
//! 12,000 deliveries, 100 scheduled tasks and 20 app jobs. They are generated once (recursive-CTE
//! inserts, a few seconds) under the target directory and reused by later runs.
//!
//! Run with `cargo bench -p status-collect --bench db`; divan prints the median of each.

use std::path::{Path, PathBuf};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, ConnectOptions, Connection};
use status_collect::Config;
use status_collect::layouts::{
    MESSAGING_INDEXES, MESSAGING_TABLES, OPERATIONS_INDEXES, OPERATIONS_TABLES,
};
use status_collect::testing::{Engine, collectors};

fn main() {
    divan::main();
}

/// Bump when the generated data changes, so stale fixtures are not reused.
const FIXTURE_VERSION: u32 = 1;

const EXECUTION_LOG: &str = "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO execution_log (operation_id, timestamp, capability, action, chat_id, tier, status,
    file_paths, snapshot_ref, duration_ms, error_details)
SELECT printf('op-%07d', i),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 3, 'unixepoch'),
       CASE i % 4 WHEN 0 THEN 'files' WHEN 1 THEN 'shell' WHEN 2 THEN 'browser' ELSE 'git' END,
       CASE i % 3 WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'run' END,
       'chat-' || (i % 50),
       'T' || (i % 3),
       CASE WHEN i % 20000 = 0 THEN 'in_progress' WHEN i % 10 = 0 THEN 'error'
            WHEN i % 97 = 0 THEN 'denied' ELSE 'success' END,
       '[\"/srv/data/' || (i % 1000) || '\"]',
       'snap/' || i,
       CASE WHEN i % 20000 = 0 THEN NULL ELSE (i % 5000) * 1.5 END,
       CASE WHEN i % 10 = 0 THEN 'write failed: permission denied on /srv/data/' || (i % 1000)
            || char(10) || '  at tool.write (broker.js:120)' ELSE NULL END
FROM n;";

const OUTBOX: &str = "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO notification_outbox (operation_id, chat_id, message_text, status, created_at, sent_at,
    retry_count)
SELECT printf('op-%07d', i * 10),
       'chat-' || (i % 50),
       'Operation ' || i || ' finished: wrote 3 files, see the snapshot branch for the diff.',
       CASE WHEN i % 1000 = 0 THEN 'pending' WHEN i % 50 = 0 THEN 'failed' ELSE 'sent' END,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 30, 'unixepoch'),
       CASE WHEN i % 50 = 0 THEN NULL
            ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 30 + 5, 'unixepoch') END,
       CASE WHEN i % 50 = 0 THEN 3 ELSE 0 END
FROM n;";

const MESSAGING_ROWS: &str = "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO messages (id, chat_id, direction, sender, content, timestamp)
SELECT 'm' || i, 'chat-' || (i % 50), CASE i % 2 WHEN 0 THEN 'inbound' ELSE 'outbound' END,
       'user-' || (i % 7), 'message text number ' || i,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 60, 'unixepoch')
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO outbound_ledger (id, message_id, chat_id, content, status, created_at, sent_at)
SELECT 'k' || i, 'm' || (i * 2 - 1), 'chat-' || (i % 50), 'reply ' || i,
       CASE WHEN i % 500 = 0 THEN 'pending' ELSE 'sent' END,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 120, 'unixepoch'),
       CASE WHEN i % 500 = 0 THEN NULL
            ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 120 + 2, 'unixepoch') END
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
INSERT INTO outbound_deliveries (ledger_id, channel, status, attempts, last_attempt_at)
SELECT 'k' || (1 + i % 10000), CASE i % 3 WHEN 0 THEN 'email' ELSE 'telegram' END,
       CASE WHEN i % 400 = 0 THEN 'pending' WHEN i % 97 = 0 THEN 'failed' ELSE 'delivered' END,
       1 + i % 2, strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 100, 'unixepoch')
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
INSERT INTO scheduled_tasks (id, group_id, prompt, schedule_type, schedule_value, status,
    next_run, last_run, last_result, created_at)
SELECT 't' || i, 'g' || (i % 9), 'summarise the day', 'cron', '0 9 * * *',
       CASE WHEN i % 10 = 0 THEN 'paused' ELSE 'active' END,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1900000000 + i * 3600, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 3600, 'unixepoch'),
       'posted the summary to the group', '2023-11-14T00:00:00Z'
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO host_jobs (id, name, command, schedule_type, schedule_value, status, enabled,
    next_run, last_run)
SELECT 'j' || i, 'job ' || i, '/usr/local/bin/job ' || i, 'interval', '3600', 'idle', i % 5 <> 0,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1900000000 + i * 60, 'unixepoch'),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 60, 'unixepoch')
FROM n;";

/// The four fixture files, generated on first use.
struct Fixtures {
    dir: PathBuf,
}

fn fixtures(rt: &tokio::runtime::Runtime) -> Fixtures {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("db-bench-v{FIXTURE_VERSION}"));
    std::fs::create_dir_all(&dir).expect("fixture dir");
    rt.block_on(async {
        for (name, tables, rows, indexes) in [
            ("ops", OPERATIONS_TABLES, format!("{EXECUTION_LOG}\n{OUTBOX}"), OPERATIONS_INDEXES),
            ("chat", MESSAGING_TABLES, MESSAGING_ROWS.to_owned(), MESSAGING_INDEXES),
        ] {
            let plain = dir.join(format!("{name}_plain.db"));
            let indexed = dir.join(format!("{name}_indexed.db"));
            if plain.exists() && indexed.exists() {
                continue;
            }
            let partial = dir.join(format!("{name}.partial"));
            let _ = std::fs::remove_file(&partial);
            run(&partial, &["BEGIN", tables, &rows, "COMMIT"]).await;
            std::fs::copy(&partial, dir.join(format!("{name}.copy"))).expect("copy");
            run(&partial, &[indexes, "ANALYZE"]).await;
            std::fs::rename(&partial, &indexed).expect("rename");
            let copy = dir.join(format!("{name}.copy"));
            run(&copy, &["ANALYZE"]).await;
            std::fs::rename(copy, &plain).expect("rename");
        }
    });
    Fixtures { dir }
}

async fn run(path: &Path, batches: &[&str]) {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .expect("open fixture");
    for batch in batches {
        sqlx::raw_sql(AssertSqlSafe(batch.to_string()))
            .execute(&mut conn)
            .await
            .expect("fixture SQL");
    }
    conn.close().await.expect("close");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Every database section: both layouts, one probe and storage.
fn config(dir: &Path, variant: &str) -> Config {
    let text = format!(
        r#"
        [collect]
        deadline = "60s"
        [[databases]]
        name = "ops"
        url = "{dir}/ops_{variant}.db"
        schema = "operations"
        [[databases.probes]]
        name = "failed_notifications"
        sql = "SELECT COUNT(*) FROM notification_outbox WHERE status = 'failed'"
        [[databases]]
        name = "chat"
        url = "{dir}/chat_{variant}.db"
        schema = "messaging"
        "#,
        dir = dir.display()
    );
    Config::parse(&text, "bench.toml").expect("config")
}

fn bench_sections(bencher: divan::Bencher<'_, '_>, variant: &str, only: Option<&str>) {
    let rt = runtime();
    let fixtures = fixtures(&rt);
    let config = config(&fixtures.dir, variant);
    let engine = rt.block_on(async {
        let all = collectors::databases(&config);
        let chosen =
            all.into_iter().filter(|c| only.is_none_or(|name| c.section().as_str() == name));
        Engine::new(chosen.collect(), config.collect.deadline)
    });
    // The first collection opens the pools; every section must answer.
    let first = rt.block_on(engine.collect());
    for (name, report) in &first.collection.sections {
        assert_eq!(report.outcome.as_str(), "ok", "{name}: {:?}", report.reason);
    }
    bencher.bench_local(|| rt.block_on(engine.collect()));
}

/// All eight database sections together, with the recommended indexes.
#[divan::bench]
fn all_sections_indexed(bencher: divan::Bencher<'_, '_>) {
    bench_sections(bencher, "indexed", None);
}

/// All eight database sections together, without any index.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn all_sections_unindexed(bencher: divan::Bencher<'_, '_>) {
    bench_sections(bencher, "plain", None);
}

const SECTIONS: &[&str] = &[
    "broker",
    "notifier",
    "recent_operations",
    "messages",
    "tasks",
    "app_jobs",
    "probes",
    "storage",
];

/// Each section alone, with the recommended indexes.
#[divan::bench(args = SECTIONS)]
fn one_section_indexed(bencher: divan::Bencher<'_, '_>, section: &str) {
    bench_sections(bencher, "indexed", Some(section));
}

/// Each section alone, without indexes.
#[divan::bench(args = SECTIONS, sample_count = 10, sample_size = 1)]
fn one_section_unindexed(bencher: divan::Bencher<'_, '_>, section: &str) {
    bench_sections(bencher, "plain", Some(section));
}
