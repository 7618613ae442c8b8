//! Migration 103: a store written before `host_jobs` became `app_jobs` reads back under the new
//! names. (rename: keep-file: the old names are the point here.)

use serde_json::json;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

use super::{T0, values};
use crate::history::{History, STORE_FILE};

#[tokio::test]
async fn a_store_from_before_the_rename_answers_by_the_new_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STORE_FILE);
    // A store as version 102 left it, holding one snapshot with the old names.
    let old = sqlx::SqlitePool::connect_with(
        SqliteConnectOptions::new().filename(&path).create_if_missing(true),
    )
    .await
    .unwrap();
    let mut before = crate::store::migrations();
    before.truncate(4);
    assert_eq!(before.last().unwrap().version, 102);
    Migrator::with_migrations(before).run(&old).await.unwrap();
    let statements = [
        "INSERT INTO history_snapshots (id, taken_at_ms, sequence) VALUES (1, ?1, 1)",
        r#"INSERT INTO history_paths (id, path, key, exact) VALUES
            (1, '["host_jobs","total"]', 'host_jobs.total', 1),
            (2, '["collection","sections","host_jobs","outcome"]', 'collection.sections.host_jobs.outcome', 1),
            (3, '["health","checks",0,"name"]', 'health.checks', 0),
            (4, '["health","checks",0,"component"]', 'health.checks', 0),
            (5, '["tasks","total"]', 'tasks.total', 1)"#,
        r#"INSERT INTO history_changes (key_id, snapshot_id, value) VALUES
            (1, 1, '3'), (2, 1, '"ok"'), (3, 1, '"host_jobs_overdue"'), (4, 1, '"host_jobs"'),
            (5, 1, '"host_jobs"')"#,
        "INSERT INTO history_health_events (snapshot_id, at_ms, check_name, from_status, to_status)
            VALUES (1, ?1, 'host_jobs_overdue', 'pass', 'warn')",
    ];
    for statement in statements {
        let query = sqlx::query(statement);
        let query = if statement.contains("?1") { query.bind(T0) } else { query };
        query.execute(&old).await.unwrap();
    }
    old.close().await;

    let history = History::open(&path).await.unwrap();
    let snapshot = &history.snapshot_values(None, 10).await.unwrap()[0];
    assert_eq!(snapshot["app_jobs"], json!({ "total": 3 }), "{snapshot}");
    assert!(snapshot.get("host_jobs").is_none(), "{snapshot}");
    assert_eq!(snapshot["collection"]["sections"]["app_jobs"]["outcome"], "ok", "{snapshot}");
    assert_eq!(
        snapshot["health"]["checks"][0],
        json!({ "name": "app_jobs_overdue", "component": "app_jobs" })
    );
    // A value outside the health report is data, not a name: left as stored.
    assert_eq!(snapshot["tasks"]["total"], "host_jobs");
    assert_eq!(values(&history.series("app_jobs.total", None, 10).await.unwrap()), [json!(3)]);
    let events = history.health_events(None, 10).await.unwrap();
    assert_eq!(
        events.iter().map(|event| event.check.as_str()).collect::<Vec<_>>(),
        ["app_jobs_overdue"]
    );
}
