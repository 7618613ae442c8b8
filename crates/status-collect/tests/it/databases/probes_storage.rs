//! `probes` and `storage`, and which database sections a configuration brings.

use std::sync::Arc;

use sqlx::Connection;
use sqlx::sqlite::SqliteJournalMode;
use status_collect::Config;
use status_collect::layouts::{MESSAGING_TABLES, OPERATIONS_TABLES};
use status_collect::testing::{Engine, collectors};
use status_deps::NoDeps;
use status_model::SectionName;

use super::fixture::{Fixture, at, collect, outcome, settings, writer};

const PROBES: &str = r#"
[[databases]]
name = "ops"
url = "sqlite://{dir}/ops.db"
[[databases.probes]]
name = "in_progress"
sql = "SELECT COUNT(*) FROM execution_log WHERE status = 'in_progress'"
warn_above = 5
fail_above = 20
[[databases.probes]]
name = "avg_duration_ms"
sql = "SELECT AVG(duration_ms) FROM execution_log WHERE status <> 'in_progress'"
[[databases.probes]]
name = "newest_error"
sql = "SELECT error_details FROM execution_log WHERE status = 'error'"
[[databases.probes]]
name = "nothing"
sql = "SELECT operation_id FROM execution_log WHERE 0"
[[databases.probes]]
name = "oldest_outbox"
sql = "SELECT MIN(created_at) FROM notification_outbox"

[[databases]]
name = "chat"
url = "{dir}/chat.db"
[[databases.probes]]
name = "scheduled"
sql = "WITH t AS (SELECT * FROM scheduled_tasks) SELECT COUNT(*) FROM t;"
"#;

#[tokio::test]
async fn each_probe_answers_or_fails_alone() {
    let fixture = Fixture::new();
    let only_log = OPERATIONS_TABLES.split("CREATE TABLE notification_outbox").next().unwrap();
    let rows = format!(
        "INSERT INTO execution_log (operation_id, timestamp, capability, action, status, \
         duration_ms, error_details) VALUES
         ('a', '{t}', 'x', 'y', 'in_progress', NULL, NULL),
         ('b', '{t}', 'x', 'y', 'success', 100, NULL),
         ('c', '{t}', 'x', 'y', 'error', 301, 'boom: private payload');",
        t = at(0)
    );
    fixture.database("ops.db", &[only_log, &rows]).await;
    fixture.database("chat.db", &[MESSAGING_TABLES]).await;
    let snapshot = collect(&fixture.config(PROBES)).await;
    assert_eq!(outcome(&snapshot, "probes").0, "ok");

    let probes = snapshot.probes.value().expect("probes");
    let value = |name: &str| probes[name].as_ref().map(|probe| probe.value);
    assert_eq!(value("in_progress"), Some(Some(1.0)));
    assert_eq!(value("avg_duration_ms"), Some(Some(200.5)));
    assert_eq!(value("scheduled"), Some(Some(0.0)));
    assert_eq!(value("nothing"), Some(None));
    assert_eq!(value("newest_error"), None);
    assert_eq!(value("oldest_outbox"), None);
    let in_progress = probes["in_progress"].as_ref().unwrap();
    assert_eq!((in_progress.database.as_str(), in_progress.warn_above), ("ops", Some(5.0)));
    assert_eq!(probes["scheduled"].as_ref().unwrap().database, "chat");

    let unmeasured = &snapshot.collection.sections["probes"].unmeasured;
    assert_eq!(unmeasured["nothing.value"], "the probe returned no row");
    assert!(unmeasured["newest_error"].contains("not a number"), "{unmeasured:?}");
    assert!(unmeasured["oldest_outbox"].starts_with("no such table: notification_outbox"));

    settings().bind(|| {
        insta::assert_json_snapshot!("probes", fixture.section(&snapshot, "probes"));
    });
}

#[tokio::test]
async fn storage_sizes_databases_with_their_wal_and_the_log_dir() {
    let fixture = Fixture::new();
    let ops = fixture.database("ops.db", &[OPERATIONS_TABLES]).await;
    let chat = fixture.database_in("chat.db", SqliteJournalMode::Wal, &[MESSAGING_TABLES]).await;
    // Keep the WAL: a connection that stays open has not checkpointed it away.
    let mut host = writer(&chat, SqliteJournalMode::Wal).await;
    sqlx::raw_sql("CREATE TABLE extra (x); INSERT INTO extra VALUES (1);")
        .execute(&mut host)
        .await
        .unwrap();
    let logs = fixture.path("logs");
    std::fs::create_dir_all(logs.join("old/older")).unwrap();
    std::fs::write(logs.join("app.log"), vec![b'x'; 1000]).unwrap();
    std::fs::write(logs.join("old/app.log.1"), vec![b'x'; 2000]).unwrap();
    std::fs::write(logs.join("old/older/app.log.2"), vec![b'x'; 30]).unwrap();

    let config = fixture.config(
        "[[databases]]\nname = \"ops\"\nurl = \"{dir}/ops.db\"\n\
         [[databases]]\nname = \"chat\"\nurl = \"sqlite://{dir}/chat.db\"\n\
         [[databases]]\nname = \"gone\"\nurl = \"{dir}/gone.db\"\n\
         [storage]\nlog_dir = \"{dir}/logs\"\n",
    );
    let snapshot = collect(&config).await;
    let storage = snapshot.storage.value().expect("storage");
    let size = |path: &std::path::Path| std::fs::metadata(path).unwrap().len();
    let ops_files = storage.databases["ops"].as_ref().expect("ops");
    assert_eq!((ops_files.file_bytes, ops_files.wal_bytes), (size(&ops), 0));
    let chat_files = storage.databases["chat"].as_ref().expect("chat");
    let wal = size(&fixture.path("chat.db-wal"));
    assert!(wal > 0);
    assert_eq!((chat_files.file_bytes, chat_files.wal_bytes), (size(&chat), wal));
    assert_eq!(chat_files.total_bytes, size(&chat) + wal);
    assert_eq!(storage.databases["gone"], None);
    assert_eq!(storage.log_dir_bytes, Some(3030));
    assert_eq!(storage.snapshot_branches, None);
    let unmeasured = &snapshot.collection.sections["storage"].unmeasured;
    assert_eq!(unmeasured["snapshot_branches"], "no repos configured");
    assert!(unmeasured["databases.gone"].contains("gone.db"), "{unmeasured:?}");

    // The WAL size changes with SQLite versions' page handling; the snapshot keeps the shape.
    let mut settings = settings();
    settings.add_redaction(".value.databases.chat.wal_bytes", "[wal]");
    settings.add_redaction(".value.databases.chat.total_bytes", "[wal]");
    settings.bind(|| {
        insta::assert_json_snapshot!("storage", fixture.section(&snapshot, "storage"));
    });
    host.close().await.unwrap();
}

#[tokio::test]
async fn a_plugged_in_branch_count_fills_snapshot_branches() {
    let collector =
        collectors::StorageCollector::new(&[], None).with_snapshot_branches(Arc::new(|| Ok(7)));
    let snapshot =
        Engine::new(vec![Arc::new(collector)], std::time::Duration::from_secs(5)).collect().await;
    assert_eq!(snapshot.storage.value().expect("storage").snapshot_branches, Some(7));
}

fn sections(config: &Config) -> Vec<&'static str> {
    let collectors = collectors::standard(config, Arc::new(NoDeps), Default::default());
    collectors.iter().map(|collector| collector.section().as_str()).collect()
}

#[tokio::test]
async fn sections_follow_the_configured_databases() {
    let fixture = Fixture::new();
    let database = |name: &str, schema: &str| {
        format!("[[databases]]\nname = \"{name}\"\nurl = \"{{dir}}/{name}.db\"\n{schema}")
    };
    let base = ["service", "process", "host", "runtime", "terminals"];
    assert_eq!(sections(&Config::default()), base, "no databases, no database sections");

    let ops = fixture.config(&database("ops", "schema = \"operations\"\n"));
    assert_eq!(sections(&ops)[5..], ["broker", "notifier", "recent_operations", "storage"]);

    let chat = fixture.config(&database("chat", "schema = \"messaging\"\n"));
    assert_eq!(sections(&chat)[5..], ["messages", "tasks", "app_jobs", "storage"]);

    let plain = fixture.config(&database("plain", ""));
    assert_eq!(sections(&plain)[5..], ["storage"]);

    let logs = fixture.config("[storage]\nlog_dir = \"{dir}\"\n");
    assert_eq!(sections(&logs)[5..], ["storage"]);

    let snapshot = Engine::new(
        collectors::standard(&Config::default(), Arc::new(NoDeps), Default::default()),
        std::time::Duration::from_secs(5),
    )
    .collect()
    .await;
    let json = serde_json::to_value(&snapshot).expect("json");
    for name in
        SectionName::ALL.iter().map(|name| name.as_str()).filter(|name| !base.contains(name))
    {
        assert!(json.get(name).is_none(), "{name} present without a database");
    }
}

#[tokio::test]
async fn a_database_replaced_by_rename_is_read_from_the_new_file_at_the_next_collection() {
    let fixture = Fixture::new();
    let rows = |count: usize| {
        let values: Vec<String> = (0..count)
            .map(|i| format!("('op{i}', '{}', 'x', 'y', 'in_progress', NULL, NULL)", at(0)))
            .collect();
        format!(
            "INSERT INTO execution_log (operation_id, timestamp, capability, action, status, \
             duration_ms, error_details) VALUES {};",
            values.join(", ")
        )
    };
    fixture.database("ops.db", &[OPERATIONS_TABLES, &rows(1)]).await;
    let config = fixture.config(
        "[[databases]]\nname = \"ops\"\nurl = \"{dir}/ops.db\"\n\
         [[databases.probes]]\nname = \"in_progress\"\n\
         sql = \"SELECT COUNT(*) FROM execution_log\"\n",
    );
    // One engine for both collections: its pool stays open between them, as in a running server.
    let engine = Engine::new(collectors::databases(&config), config.collect.deadline);
    let value = |snapshot: &status_model::Snapshot| {
        snapshot.probes.value().expect("probes")["in_progress"].as_ref().expect("probe").value
    };
    assert_eq!(value(&engine.collect().await), Some(1.0));

    let new = fixture.database("new.db", &[OPERATIONS_TABLES, &rows(3)]).await;
    std::fs::rename(&new, fixture.path("ops.db")).unwrap();
    assert_eq!(value(&engine.collect().await), Some(3.0), "the new file's numbers");
}

const FOREVER_AND_QUICK: &str = "[collect]\ndeadline = \"1s\"\n\
     [[databases]]\nname = \"ops\"\nurl = \"{dir}/ops.db\"\n\
     [[databases.probes]]\nname = \"forever\"\n\
     sql = \"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c\"\n\
     [[databases.probes]]\nname = \"quick\"\nsql = \"SELECT COUNT(*) FROM execution_log\"\n";

fn quick(snapshot: &status_model::Snapshot) -> Option<Option<f64>> {
    snapshot.probes.value().and_then(|probes| probes["quick"].as_ref().map(|p| p.value))
}

#[tokio::test]
async fn a_probe_running_past_its_deadline_is_interrupted_counted_and_the_others_answer() {
    let fixture = Fixture::new();
    fixture.database("ops.db", &[OPERATIONS_TABLES]).await;
    let config = fixture.config(FOREVER_AND_QUICK);
    let engine = Engine::new(collectors::databases(&config), config.collect.deadline);
    // Five cycles: a statement left running would hold one of the database's four connections
    // for minutes, and by the fifth cycle `quick` would find none free.
    for cycle in 1..=5 {
        let snapshot = engine.collect().await;
        let report = &snapshot.collection.sections["probes"];
        assert_eq!(report.outcome, status_model::Outcome::Ok, "{report:?}");
        let reason = report.unmeasured.get("forever").map(String::as_str).unwrap_or_default();
        assert!(reason.contains("the statement was interrupted"), "{report:?}");
        // Each cycle's runaway statement is counted once; the section itself answered in time.
        assert_eq!(snapshot.collection.abandoned_total, cycle, "{report:?}");
        assert_eq!(quick(&snapshot), Some(Some(0.0)), "{report:?}");
        assert!(report.duration_ms < 1000.0, "{report:?}");
    }
}

/// This process's CPU time (user + system), from /proc/self/stat, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures this process's CPU: run alone (`--ignored --exact`), other tests in the binary add theirs"]
async fn a_probe_running_past_the_deadline_is_interrupted_and_the_others_stay_on_time() {
    let fixture = Fixture::new();
    fixture.database("ops.db", &[OPERATIONS_TABLES]).await;
    let config = fixture.config(FOREVER_AND_QUICK);
    let engine = Engine::new(collectors::databases(&config), config.collect.deadline);
    let first = engine.collect().await;
    // The interrupted statement is over within a second of the deadline: the CPU is idle after.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let before = cpu_ticks();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let busy = cpu_ticks() - before;
    let ticks_per_second = 100; // USER_HZ on Linux
    assert!(busy * 10 < 2 * ticks_per_second, "{busy} ticks of CPU in the 2 s after the deadline");
    let report = &first.collection.sections["probes"];
    let reason = report.unmeasured.get("forever").map(String::as_str).unwrap_or_default();
    assert!(reason.starts_with("no answer within"), "{report:?}");
    assert_eq!(first.collection.abandoned_total, 1);
    // The other probe on that database answered in time, in this collection and the next.
    assert_eq!(quick(&first), Some(Some(0.0)), "{report:?}");
    let second = engine.collect().await;
    assert_eq!(quick(&second), Some(Some(0.0)), "{:?}", second.collection.sections["probes"]);
}
