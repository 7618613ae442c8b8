//! The `operations` layout: `broker`, `notifier` and `recent_operations`.

use status_collect::layouts::{OPERATIONS_INDEXES, OPERATIONS_TABLES};

use super::fixture::{Fixture, ago, at, collect, outcome, seconds_since, settings};

const CONFIG: &str = r#"
[[databases]]
name = "ops"
url = "sqlite://{dir}/ops.db"
schema = "operations"
"#;

/// A secret that appears in message text and deep inside error details, and must never be shown.
const SECRET: &str = "SECRET-TOKEN-4711";

fn rows() -> String {
    let mut sql = String::from(
        "INSERT INTO execution_log (operation_id, timestamp, capability, action, chat_id, tier, \
         status, file_paths, snapshot_ref, duration_ms, error_details) VALUES\n",
    );
    let statuses = ["success", "success", "error", "success", "denied", "success", "error"];
    let mut values = Vec::new();
    // op-01 … op-14 finished, one a minute; the last ten are op-05 … op-14.
    for n in 1..=14 {
        let status = statuses[n % statuses.len()];
        let error = match status {
            "error" => format!("'write failed:\n  permission denied on /srv/data/{n}'"),
            _ => "NULL".to_owned(),
        };
        values.push(format!(
            "('op-{n:02}', '{}', 'files', 'write', 'chat-1', 'T{}', '{status}', '[\"/srv/data\"]', \
             'snap/{n}', {}, {error})",
            at(n as i64),
            n % 3,
            n * 10 + 5
        ));
    }
    values.push(format!(
        "('op-long', '{}', 'shell', 'run', 'chat-2', 'T2', 'error', NULL, NULL, 2500.5, '{}{SECRET}')",
        at(0),
        "stack frame ".repeat(40)
    ));
    values.push(format!(
        "('op-run-a', '{}', 'shell', 'run', 'chat-1', 'T2', 'in_progress', NULL, NULL, NULL, NULL)",
        at(20)
    ));
    values.push(format!(
        "('op-run-b', '{}', 'browser', 'open', 'chat-3', NULL, 'in_progress', NULL, NULL, NULL, NULL)",
        at(21)
    ));
    sql.push_str(&values.join(",\n"));
    sql.push_str(";\n");
    sql.push_str(&format!(
        "INSERT INTO notification_outbox (operation_id, chat_id, message_text, status, created_at, \
         sent_at, retry_count) VALUES
         ('op-01', 'chat-1', 'done {SECRET}', 'sent', '{}', '{}', 0),
         ('op-02', 'chat-1', 'done {SECRET}', 'sent', '{}', '{}', 1),
         ('op-03', 'chat-1', 'done {SECRET}', 'sent', '{}', '{}', 0),
         ('op-04', 'chat-1', 'done {SECRET}', 'pending', '{}', NULL, 0),
         ('op-05', 'chat-1', 'done {SECRET}', 'pending', '{}', NULL, 2),
         ('op-06', 'chat-1', 'done {SECRET}', 'failed', '{}', NULL, 5);",
        at(1),
        at(5),
        at(2),
        at(7),
        at(3),
        at(6),
        at(8),
        at(9),
        at(30),
    ));
    sql
}

#[tokio::test]
async fn operations_layout_fills_every_field() {
    let fixture = Fixture::new();
    fixture.database("ops.db", &[OPERATIONS_TABLES, OPERATIONS_INDEXES, &rows()]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    for name in ["broker", "notifier", "recent_operations"] {
        assert_eq!(outcome(&snapshot, name), ("ok".to_owned(), String::new()), "{name}");
    }

    let broker = snapshot.broker.value().expect("broker");
    assert_eq!(broker.last_operation_at.map(|t| t.to_string()), Some(at(21)));
    assert_eq!(broker.in_flight_count, 2);
    let ids: Vec<_> = broker.in_flight.iter().map(|op| op.operation_id.as_str()).collect();
    assert_eq!(ids, ["op-run-b", "op-run-a"], "newest first");
    assert_eq!(broker.in_flight[0].tool, "browser__open");
    assert_eq!(broker.in_flight[0].tier, None);
    assert_eq!(broker.in_flight[1].tool, "shell__run");
    assert_eq!(broker.in_flight[1].tier.as_deref(), Some("T2"));
    let elapsed = broker.in_flight[1].elapsed_s.expect("elapsed");
    let expected = seconds_since(&at(20));
    assert!((expected - 5.0..expected + 5.0).contains(&elapsed), "{elapsed} vs {expected}");
    // op-05 … op-14 cycle through the statuses: success ×5, error ×3, denied ×2… counted exactly:
    let mut expected_results = std::collections::BTreeMap::new();
    for n in 5..=14 {
        let status =
            ["success", "success", "error", "success", "denied", "success", "error"][n % 7];
        *expected_results.entry(status.to_owned()).or_insert(0_u64) += 1;
    }
    assert_eq!(broker.last_10_results, expected_results);

    let notifier = snapshot.notifier.value().expect("notifier");
    assert_eq!(notifier.last_attempt_at.map(|t| t.to_string()), Some(at(7)));
    assert_eq!(notifier.pending_count, 2);
    let age = notifier.oldest_pending_age_seconds.expect("age");
    let expected = seconds_since(&at(8));
    assert!((expected - 5.0..expected + 5.0).contains(&age), "{age} vs {expected}");

    let recent = &snapshot.recent_operations.value().expect("recent").operations;
    assert_eq!(recent.len(), 17);
    assert_eq!(recent[0].operation_id, "op-run-b");
    assert_eq!(recent[16].operation_id, "op-long");
    let op = recent.iter().find(|op| op.operation_id == "op-09").expect("op-09");
    assert_eq!(op.timestamp.map(|t| t.to_string()), Some(at(9)));
    assert_eq!((op.capability.as_deref(), op.action.as_deref()), (Some("files"), Some("write")));
    assert_eq!((op.tier.as_deref(), op.status.as_deref()), (Some("T0"), Some("error")));
    assert_eq!(op.duration_ms, Some(95.0));
    assert_eq!(op.error_summary.as_deref(), Some("write failed: permission denied on /srv/data/9"));
    let long = recent.iter().find(|op| op.operation_id == "op-long").expect("op-long");
    let summary = long.error_summary.as_deref().expect("summary");
    assert_eq!(summary.chars().count(), 200);

    let json = serde_json::to_string(&snapshot).expect("json");
    assert!(!json.contains(SECRET), "message text or error payload leaked: {json}");
    assert!(!json.contains("done "), "message text leaked");

    let settings = settings();
    settings.bind(|| {
        insta::assert_json_snapshot!("broker", fixture.section(&snapshot, "broker"));
        insta::assert_json_snapshot!("notifier", fixture.section(&snapshot, "notifier"));
        insta::assert_json_snapshot!(
            "recent_operations",
            fixture.section(&snapshot, "recent_operations")
        );
    });
}

#[tokio::test]
async fn in_flight_lists_the_newest_20_and_counts_all() {
    let fixture = Fixture::new();
    let rows: Vec<String> = (0..25)
        .map(|n| format!("('run-{n:02}', '{}', 'shell', 'run', 'T1', 'in_progress')", at(n)))
        .collect();
    let insert = format!(
        "INSERT INTO execution_log (operation_id, timestamp, capability, action, tier, status) \
         VALUES {};",
        rows.join(",")
    );
    fixture.database("ops.db", &[OPERATIONS_TABLES, &insert]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let broker = snapshot.broker.value().expect("broker");
    assert_eq!(broker.in_flight_count, 25);
    assert_eq!(broker.in_flight.len(), 20);
    assert_eq!(broker.in_flight[0].operation_id, "run-24");
    assert_eq!(broker.in_flight[19].operation_id, "run-05");
    assert!(broker.last_10_results.is_empty(), "nothing finished");
}

#[tokio::test]
async fn nothing_sent_yet_means_the_last_attempt_is_the_newest_creation() {
    let fixture = Fixture::new();
    let insert = format!(
        "INSERT INTO notification_outbox (chat_id, message_text, status, created_at) VALUES \
         ('c', 'x', 'failed', '{}'), ('c', 'y', 'pending', '{}');",
        at(3),
        ago(90)
    );
    fixture.database("ops.db", &[OPERATIONS_TABLES, &insert]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let notifier = snapshot.notifier.value().expect("notifier");
    let newest = notifier.last_attempt_at.expect("last attempt");
    assert!(newest > at(3).parse().unwrap(), "{newest}");
    let age = notifier.oldest_pending_age_seconds.expect("age");
    assert!((85.0..150.0).contains(&age), "{age}");
}

#[tokio::test]
async fn an_empty_database_gives_zeros_and_nulls() {
    let fixture = Fixture::new();
    fixture.database("ops.db", &[OPERATIONS_TABLES]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let json = serde_json::to_value(&snapshot).expect("json");
    assert_eq!(
        json["broker"],
        serde_json::json!({
            "last_operation_at": null, "in_flight_count": 0, "in_flight": [], "last_10_results": {}
        })
    );
    assert_eq!(
        json["notifier"],
        serde_json::json!({
            "last_attempt_at": null, "pending_count": 0, "oldest_pending_age_seconds": null
        })
    );
    assert_eq!(json["recent_operations"], serde_json::json!({ "operations": [] }));
    for name in ["broker", "notifier", "recent_operations"] {
        assert_eq!(outcome(&snapshot, name).0, "ok");
        assert!(snapshot.collection.sections[name].unmeasured.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn a_missing_table_makes_only_its_section_unavailable() {
    let fixture = Fixture::new();
    let only_log = OPERATIONS_TABLES.split("CREATE TABLE notification_outbox").next().unwrap();
    fixture.database("ops.db", &[only_log]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let (state, reason) = outcome(&snapshot, "notifier");
    assert_eq!(state, "unavailable");
    assert!(reason.starts_with("no such table: notification_outbox"), "{reason}");
    assert!(reason.contains("database `ops`"), "{reason}");
    assert!(snapshot.notifier.value().is_none());
    assert_eq!(outcome(&snapshot, "broker").0, "ok");
    assert_eq!(outcome(&snapshot, "recent_operations").0, "ok");
}
