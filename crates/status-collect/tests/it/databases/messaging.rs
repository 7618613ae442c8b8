//! The `messaging` layout: `messages`, `tasks` and `app_jobs`.

use status_collect::layouts::{MESSAGING_INDEXES, MESSAGING_TABLES};

use super::fixture::{Fixture, ago, at, collect, outcome, settings};

const CONFIG: &str = r#"
[[databases]]
name = "chat"
url = "{dir}/chat.db"
schema = "messaging"
overdue_grace = "2m"
"#;

fn rows() -> String {
    let long_result = format!("{} LEAKED-RESULT-TAIL", "ok ".repeat(100));
    format!(
        "INSERT INTO messages (id, chat_id, direction, sender, content, timestamp) VALUES
           ('m1', 'c1', 'inbound', 'ann', 'hello PRIVATE-TEXT', '{m1}'),
           ('m2', 'c1', 'inbound', 'bob', 'hi PRIVATE-TEXT', '{m2}'),
           ('m3', 'c2', 'inbound', 'ann', 'hey PRIVATE-TEXT', '{m3}'),
           ('m4', 'c1', 'outbound', 'host', 'reply PRIVATE-TEXT', '{m4}'),
           ('m5', 'c2', 'outbound', 'host', 'reply PRIVATE-TEXT', '{m5}');
         INSERT INTO outbound_ledger (id, message_id, chat_id, content, status, created_at, sent_at)
         VALUES
           ('k1', 'm4', 'c1', 'reply PRIVATE-TEXT', 'sent', '{m4}', '{sent1}'),
           ('k2', 'm5', 'c2', 'reply PRIVATE-TEXT', 'sent', '{m5}', '{sent2}'),
           ('k3', NULL, 'c2', 'later PRIVATE-TEXT', 'pending', '{m5}', NULL);
         INSERT INTO outbound_deliveries (ledger_id, channel, status, attempts, last_attempt_at,
           delivered_at, error) VALUES
           ('k1', 'telegram', 'delivered', 1, '{sent1}', '{sent1}', NULL),
           ('k2', 'telegram', 'delivered', 2, '{sent2}', '{sent2}', 'timeout PRIVATE-TEXT'),
           ('k3', 'telegram', 'pending', 0, NULL, NULL, NULL),
           ('k3', 'email', 'pending', 1, '{m5}', NULL, 'smtp 451 PRIVATE-TEXT'),
           ('k2', 'email', 'failed', 3, '{sent2}', NULL, 'bounced PRIVATE-TEXT');
         INSERT INTO scheduled_tasks (id, group_id, prompt, schedule_type, schedule_value, status,
           next_run, last_run, last_result, created_at) VALUES
           ('t-late', 'g1', 'PRIVATE-TEXT', 'cron', '0 9 * * *', 'active', '{past}',
            '{before}', 'sent the digest', '{before}'),
           ('t-paused', 'g1', 'PRIVATE-TEXT', 'interval', '3600000', 'paused', '{past}',
            NULL, NULL, '{before}'),
           ('t-future', 'g2', 'PRIVATE-TEXT', 'cron', '*/5 * * * *', 'active', '{future}',
            '{past}', '{long_result}', '{before}'),
           ('t-done', 'g2', 'PRIVATE-TEXT', 'once', '{past}', 'completed', NULL,
            '{past}', 'error: quota', '{before}');
         INSERT INTO host_jobs (id, name, command, schedule_type, schedule_value, status, enabled,
           next_run, last_run, last_result) VALUES
           ('j-backup', 'backup', 'PRIVATE-TEXT', 'cron', '0 3 * * *', 'idle', 1, '{past}',
            '{before}', 'ok'),
           ('j-off', 'vacuum', 'PRIVATE-TEXT', 'interval', '86400', 'idle', 0, '{past}', NULL, NULL),
           ('j-sync', 'sync', 'PRIVATE-TEXT', 'interval', '60', 'running', 1, '{future}',
            '{past}', NULL),
           ('j-odd', 'odd', 'PRIVATE-TEXT', 'once', 'soon', 'idle', 1, 'soon', NULL, NULL);",
        m1 = at(1),
        m2 = at(4),
        m3 = at(3),
        m4 = at(5),
        m5 = at(6),
        sent1 = at(7),
        sent2 = at(8),
        before = "2024-12-31T00:00:00Z",
        past = "2025-01-01T09:00:00Z",
        future = "2999-01-01T00:00:00Z",
    )
}

#[tokio::test]
async fn messaging_layout_fills_every_field() {
    let fixture = Fixture::new();
    fixture.database("chat.db", &[MESSAGING_TABLES, MESSAGING_INDEXES, &rows()]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;

    let messages = snapshot.messages.value().expect("messages");
    assert_eq!((messages.total_inbound, messages.total_outbound), (3, 2));
    assert_eq!(messages.last_received_at.map(|t| t.to_string()), Some(at(4)));
    assert_eq!(messages.last_sent_at.map(|t| t.to_string()), Some(at(8)));
    assert_eq!(messages.pending_deliveries, 2);
    let by_channel: Vec<_> =
        messages.pending_by_channel.iter().map(|(name, n)| (name.as_str(), *n)).collect();
    assert_eq!(by_channel, [("email", 1), ("telegram", 1)]);
    assert_eq!(messages.oldest_pending_at.map(|t| t.to_string()), Some(at(6)));

    let tasks = snapshot.tasks.value().expect("tasks");
    assert_eq!(tasks.total, 4);
    let ids: Vec<_> = tasks.tasks.iter().map(|task| task.id.as_str()).collect();
    assert_eq!(ids, ["t-late", "t-paused", "t-future", "t-done"], "soonest next_run first");
    let late = &tasks.tasks[0];
    assert_eq!(late.group.as_deref(), Some("g1"));
    assert_eq!(late.schedule_type.as_deref(), Some("cron"));
    assert_eq!(late.schedule_value.as_deref(), Some("0 9 * * *"));
    assert_eq!(late.status.as_deref(), Some("active"));
    assert_eq!(late.next_run.map(|t| t.to_string()).as_deref(), Some("2025-01-01T09:00:00Z"));
    assert_eq!(late.last_run.map(|t| t.to_string()).as_deref(), Some("2024-12-31T00:00:00Z"));
    assert_eq!(late.last_result.as_deref(), Some("sent the digest"));
    let overdue: Vec<_> = tasks.tasks.iter().map(|task| task.overdue).collect();
    assert_eq!(overdue, [Some(true), Some(false), Some(false), Some(false)]);
    let cut = tasks.tasks[2].last_result.as_deref().expect("summary");
    assert_eq!(cut.chars().count(), 200);

    let jobs = snapshot.app_jobs.value().expect("app_jobs");
    assert_eq!(jobs.total, 4);
    let ids: Vec<_> = jobs.jobs.iter().map(|job| job.id.as_str()).collect();
    assert_eq!(ids, ["j-backup", "j-off", "j-sync", "j-odd"]);
    let enabled: Vec<_> = jobs.jobs.iter().map(|job| job.enabled).collect();
    assert_eq!(enabled, [true, false, true, true]);
    let overdue: Vec<_> = jobs.jobs.iter().map(|job| job.overdue).collect();
    assert_eq!(overdue, [Some(true), Some(false), Some(false), None]);
    assert_eq!(jobs.jobs[2].status.as_deref(), Some("running"));
    assert_eq!(jobs.jobs[0].name.as_deref(), Some("backup"));
    let unmeasured = &snapshot.collection.sections["app_jobs"].unmeasured;
    assert!(unmeasured["jobs.j-odd.next_run"].contains("soon"), "{unmeasured:?}");

    let json = serde_json::to_string(&snapshot).expect("json");
    assert!(!json.contains("PRIVATE-TEXT"), "message text leaked: {json}");
    assert!(!json.contains("LEAKED-RESULT-TAIL"), "a result leaked past its summary");

    let settings = settings();
    settings.bind(|| {
        insta::assert_json_snapshot!("messages", fixture.section(&snapshot, "messages"));
        insta::assert_json_snapshot!("tasks", fixture.section(&snapshot, "tasks"));
        insta::assert_json_snapshot!("app_jobs", fixture.section(&snapshot, "app_jobs"));
    });
}

#[tokio::test]
async fn overdue_means_past_the_grace() {
    let fixture = Fixture::new();
    let insert = format!(
        "INSERT INTO scheduled_tasks (id, group_id, prompt, schedule_type, schedule_value, status,
           next_run, created_at) VALUES
           ('within', 'g', 'p', 'interval', '60000', 'active', '{within}', '{within}'),
           ('beyond', 'g', 'p', 'interval', '60000', 'active', '{beyond}', '{beyond}');
         INSERT INTO host_jobs (id, name, command, schedule_type, schedule_value, enabled, next_run)
         VALUES ('within', 'a', 'c', 'interval', '60', 1, '{within}'),
                ('beyond', 'b', 'c', 'interval', '60', '1', '{beyond}');",
        within = ago(30),
        beyond = ago(600),
    );
    fixture.database("chat.db", &[MESSAGING_TABLES, &insert]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let tasks = &snapshot.tasks.value().expect("tasks").tasks;
    let overdue: Vec<_> = tasks.iter().map(|task| (task.id.as_str(), task.overdue)).collect();
    assert_eq!(overdue, [("beyond", Some(true)), ("within", Some(false))]);
    let jobs = &snapshot.app_jobs.value().expect("jobs").jobs;
    let overdue: Vec<_> = jobs.iter().map(|job| (job.id.as_str(), job.overdue)).collect();
    assert_eq!(overdue, [("beyond", Some(true)), ("within", Some(false))]);
}

#[tokio::test]
async fn an_empty_database_gives_zeros_and_nulls() {
    let fixture = Fixture::new();
    fixture.database("chat.db", &[MESSAGING_TABLES]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let json = serde_json::to_value(&snapshot).expect("json");
    assert_eq!(
        json["messages"],
        serde_json::json!({
            "total_inbound": 0, "total_outbound": 0, "last_received_at": null,
            "last_sent_at": null, "pending_deliveries": 0, "pending_by_channel": {},
            "oldest_pending_at": null
        })
    );
    assert_eq!(json["tasks"], serde_json::json!({ "total": 0, "tasks": [] }));
    assert_eq!(json["app_jobs"], serde_json::json!({ "total": 0, "jobs": [] }));
}

#[tokio::test]
async fn a_missing_table_makes_only_its_section_unavailable() {
    let fixture = Fixture::new();
    let without_jobs = MESSAGING_TABLES.split("CREATE TABLE host_jobs").next().unwrap();
    let without_deliveries =
        without_jobs.replace("CREATE TABLE outbound_deliveries", "CREATE TABLE unused");
    fixture.database("chat.db", &[&without_deliveries]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    for (name, table) in [("app_jobs", "host_jobs"), ("messages", "outbound_deliveries")] {
        let (state, reason) = outcome(&snapshot, name);
        assert_eq!(state, "unavailable", "{name}");
        assert!(reason.starts_with(&format!("no such table: {table}")), "{reason}");
    }
    assert_eq!(outcome(&snapshot, "tasks").0, "ok");
}
