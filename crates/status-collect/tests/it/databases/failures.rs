//! What a database that cannot be read does to its sections, and proof that reading never writes.

use std::time::{Duration, SystemTime};

use sqlx::sqlite::SqliteJournalMode;
use sqlx::{AssertSqlSafe, Connection};
use status_collect::layouts::{MESSAGING_TABLES, OPERATIONS_INDEXES, OPERATIONS_TABLES};
use tokio::time::Instant;

use super::fixture::{Fixture, at, collect, outcome, writer};

const OPERATIONS: &str = r#"
[[databases]]
name = "ops"
url = "sqlite://{dir}/ops.db"
schema = "operations"
[[databases.probes]]
name = "operations"
sql = "SELECT COUNT(*) FROM execution_log"
"#;

const SECTIONS: [&str; 4] = ["broker", "notifier", "recent_operations", "probes"];

fn one_operation() -> String {
    format!(
        "INSERT INTO execution_log (operation_id, timestamp, capability, action, status) \
         VALUES ('op-1', '{}', 'files', 'read', 'success');",
        at(0)
    )
}

#[tokio::test]
async fn a_missing_file_is_an_error_naming_it_and_is_never_created() {
    let fixture = Fixture::new();
    let snapshot = collect(&fixture.config(OPERATIONS)).await;
    for name in ["broker", "notifier", "recent_operations"] {
        let (state, reason) = outcome(&snapshot, name);
        assert_eq!(state, "error", "{name}");
        assert!(reason.contains("database `ops`: cannot read"), "{reason}");
        assert!(reason.contains(&fixture.path("ops.db").display().to_string()), "{reason}");
    }
    assert_eq!(snapshot.probes.value().expect("probes")["operations"], None);
    assert!(snapshot.collection.sections["probes"].unmeasured["operations"].contains("ops.db"));
    let storage = snapshot.storage.value().expect("storage");
    assert_eq!(storage.databases["ops"], None);
    assert!(!fixture.path("ops.db").exists(), "the collector created the file");
}

#[tokio::test]
async fn a_database_created_after_start_is_picked_up() {
    let fixture = Fixture::new();
    let config = fixture.config(OPERATIONS);
    let engine = status_collect::testing::Engine::new(
        status_collect::testing::collectors::databases(&config),
        config.collect.deadline,
    );
    assert_eq!(outcome(&engine.collect().await, "broker").0, "error");
    fixture.database("ops.db", &[OPERATIONS_TABLES, &one_operation()]).await;
    let snapshot = engine.collect().await;
    assert_eq!(outcome(&snapshot, "broker").0, "ok");
    assert_eq!(snapshot.recent_operations.value().expect("recent").operations.len(), 1);
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_an_error() {
    let fixture = Fixture::new();
    std::fs::write(fixture.path("ops.db"), "operator notes, not SQLite\n".repeat(200)).unwrap();
    let snapshot = collect(&fixture.config(OPERATIONS)).await;
    for name in ["broker", "notifier", "recent_operations"] {
        let (state, reason) = outcome(&snapshot, name);
        assert_eq!(state, "error", "{name}");
        assert!(reason.contains("file is not a database"), "{reason}");
        assert!(reason.contains("database `ops` ("), "{reason}");
    }
    assert!(
        snapshot.collection.sections["probes"].unmeasured["operations"]
            .contains("file is not a database")
    );
}

/// In rollback-journal mode a writer that holds an exclusive lock shuts readers out: the sections
/// wait no longer than the busy timeout (half the deadline) and say so, within the deadline.
#[tokio::test]
async fn a_database_locked_by_a_writer_answers_within_the_deadline() {
    let fixture = Fixture::new();
    let path = fixture.database("ops.db", &[OPERATIONS_TABLES, &one_operation()]).await;
    let mut host = writer(&path, SqliteJournalMode::Delete).await;
    sqlx::raw_sql("BEGIN EXCLUSIVE; DELETE FROM execution_log;").execute(&mut host).await.unwrap();

    let config = fixture.config(&format!("[collect]\ndeadline = \"1s\"\n{OPERATIONS}"));
    let started = Instant::now();
    let snapshot = collect(&config).await;
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1800), "took {took:?} with a 1 s deadline");
    for name in SECTIONS {
        let (state, reason) = outcome(&snapshot, name);
        match state.as_str() {
            "error" => assert!(reason.contains("database is locked"), "{name}: {reason}"),
            "timeout" => {}
            // The probes section answers, with the probe's failure inside.
            "ok" if name == "probes" => {
                let why = &snapshot.collection.sections["probes"].unmeasured["operations"];
                assert!(why.contains("locked") || why.contains("no answer"), "{why}");
            }
            _ => panic!("{name}: {state} {reason}"),
        }
    }
    sqlx::raw_sql("ROLLBACK").execute(&mut host).await.unwrap();
    host.close().await.unwrap();
    assert_eq!(outcome(&collect(&config).await, "broker").0, "ok", "answers once released");
}

/// In WAL mode the host's open write transaction does not stop readers: they see the last commit.
#[tokio::test]
async fn a_wal_database_being_written_still_answers_with_committed_rows() {
    let fixture = Fixture::new();
    let path = fixture
        .database_in("ops.db", SqliteJournalMode::Wal, &[OPERATIONS_TABLES, &one_operation()])
        .await;
    let mut host = writer(&path, SqliteJournalMode::Wal).await;
    let uncommitted = one_operation().replace("op-1", "op-2");
    sqlx::raw_sql(AssertSqlSafe(format!("BEGIN IMMEDIATE; {uncommitted}")))
        .execute(&mut host)
        .await
        .unwrap();
    let snapshot = collect(&fixture.config(OPERATIONS)).await;
    for name in SECTIONS {
        assert_eq!(outcome(&snapshot, name).0, "ok", "{name}");
    }
    let recent = &snapshot.recent_operations.value().expect("recent").operations;
    assert_eq!(recent.len(), 1, "only the committed row");
    assert_eq!(snapshot.probes.value().unwrap()["operations"].as_ref().unwrap().value, Some(1.0));
    sqlx::raw_sql("COMMIT").execute(&mut host).await.unwrap();
    host.close().await.unwrap();
}

fn fingerprint(path: &std::path::Path) -> (Vec<u8>, SystemTime, Vec<String>) {
    let bytes = std::fs::read(path).unwrap();
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut files: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    (bytes, mtime, files)
}

#[tokio::test]
async fn collecting_never_writes_the_database() {
    let fixture = Fixture::new();
    let ops = fixture
        .database("ops.db", &[OPERATIONS_TABLES, OPERATIONS_INDEXES, &one_operation()])
        .await;
    let chat = fixture.database("chat.db", &[MESSAGING_TABLES]).await;
    let config = fixture.config(&format!(
        "{OPERATIONS}\n[[databases]]\nname = \"chat\"\nurl = \"{{dir}}/chat.db\"\nschema = \"messaging\"\n"
    ));
    let before = (fingerprint(&ops), fingerprint(&chat));
    // The file system's mtime granularity must not hide a write made right after creation.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let engine = status_collect::testing::Engine::new(
        status_collect::testing::collectors::databases(&config),
        config.collect.deadline,
    );
    for _ in 0..3 {
        let snapshot = engine.collect().await;
        assert!(
            snapshot.collection.sections.values().all(|report| report.outcome.as_str() == "ok"),
            "{:?}",
            snapshot.collection.sections
        );
    }
    drop(engine);
    assert!(before == (fingerprint(&ops), fingerprint(&chat)), "a database file changed");
}
