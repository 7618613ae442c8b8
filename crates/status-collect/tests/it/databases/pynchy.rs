//! pynchy's own database, built from the DDL shipped in `layouts/pynchy.sql`: the `messaging`
//! layout's sections read it by its columns, and a table of neither variant is an error naming
//! what it misses.

use std::sync::Arc;

use sqlx::Connection;
use sqlx::sqlite::SqliteJournalMode;
use status_collect::layouts::{MESSAGING_TABLES, PYNCHY_TABLES};
use status_collect::testing::{Engine, collectors};
use status_deps::NoDeps;
use status_model::{SectionName, Snapshot};

use super::fixture::{Fixture, ago, at, collect, outcome, writer};

const CONFIG: &str = r#"
[[databases]]
name = "pynchy"
url = "{dir}/messages.db"
schema = "messaging"
overdue_grace = "2m"
"#;

/// pynchy writes times with Python's `isoformat()`: microseconds and a `+00:00` offset.
fn iso(minutes: i64) -> String {
    let time: jiff::Timestamp = at(minutes).parse().expect("time");
    time.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

fn rows() -> String {
    format!(
        "INSERT INTO chats (jid, name) VALUES ('tg:1', 'one'), ('tg:2', 'two');
         INSERT INTO messages (id, chat_jid, sender, sender_name, content, timestamp, is_from_me,
           message_type, metadata) VALUES
           ('a', 'tg:1', 'u1', 'Ann', 'PRIVATE-TEXT', '{m1}', 0, 'user', '{{\"k\":\"PRIVATE-TEXT\"}}'),
           ('b', 'tg:1', 'u2', 'Bob', 'PRIVATE-TEXT', '{m4}', 0, 'user', NULL),
           ('c', 'tg:2', 'u1', 'Ann', 'PRIVATE-TEXT', '{m3}', 0, 'user', NULL),
           ('d', 'tg:1', 'bot', 'pynchy', 'PRIVATE-TEXT', '{m5}', 1, 'assistant', NULL),
           ('e', 'tg:2', 'bot', 'pynchy', 'PRIVATE-TEXT', '{m6}', 1, 'assistant', NULL);
         INSERT INTO outbound_ledger (id, chat_jid, content, timestamp, source) VALUES
           (1, 'tg:1', 'PRIVATE-TEXT', '{m5}', 'agent'),
           (2, 'tg:2', 'PRIVATE-TEXT', '{m6}', 'agent'),
           (3, 'tg:2', 'PRIVATE-TEXT', '{m9}', 'task');
         INSERT INTO outbound_deliveries (ledger_id, channel_name, delivered_at, error) VALUES
           (1, 'telegram', '{d1}', NULL),
           (2, 'telegram', '{d2}', NULL),
           (2, 'slack', NULL, 'rate limited PRIVATE-TEXT'),
           (3, 'telegram', NULL, NULL),
           (3, 'slack', NULL, NULL);
         INSERT INTO scheduled_tasks (id, group_folder, chat_jid, prompt, schedule_type,
           schedule_value, next_run, last_run, last_result, status, created_at) VALUES
           ('late', 'main', 'tg:1', 'PRIVATE-TEXT', 'cron', '0 9 * * *', '{late}', '{old}',
            'digest sent', 'active', '{old}'),
           ('within', 'main', 'tg:1', 'PRIVATE-TEXT', 'interval', '60000', '{within}', NULL,
            NULL, 'active', '{old}'),
           ('paused', 'side', 'tg:2', 'PRIVATE-TEXT', 'once', '{late}', '{late}', NULL, NULL,
            'paused', '{old}');
         INSERT INTO host_jobs (id, name, command, schedule_type, schedule_value, next_run,
           last_run, status, created_at, created_by, cwd, timeout_seconds, enabled) VALUES
           ('j1', 'backup', 'PRIVATE-TEXT', 'cron', '0 3 * * *', '{late}', '{old}', 'active',
            '{old}', 'admin', '/srv', 600, 1),
           ('j2', 'vacuum', 'PRIVATE-TEXT', 'interval', '86400', '{late}', NULL, 'active',
            '{old}', 'admin', NULL, 600, 0),
           ('j3', 'sync', 'PRIVATE-TEXT', 'interval', '60', '{within}', NULL, 'active',
            '{old}', 'agent', NULL, 60, 1);",
        m1 = iso(1),
        m3 = iso(3),
        m4 = iso(4),
        m5 = iso(5),
        m6 = iso(6),
        m9 = iso(9),
        d1 = iso(7),
        d2 = iso(8),
        old = "2025-01-01T00:00:00+00:00",
        late = ago(600),
        within = ago(30),
    )
}

#[tokio::test]
async fn pynchy_database_matches_its_rows() {
    let fixture = Fixture::new();
    fixture.database("messages.db", &[PYNCHY_TABLES, &rows()]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    for name in ["messages", "tasks", "app_jobs"] {
        assert_eq!(outcome(&snapshot, name), ("ok".to_owned(), String::new()), "{name}");
    }

    let messages = snapshot.messages.value().expect("messages");
    assert_eq!((messages.total_inbound, messages.total_outbound), (3, 2));
    assert_eq!(messages.last_received_at.map(|t| t.to_string()), Some(at(4)));
    assert_eq!(messages.last_sent_at.map(|t| t.to_string()), Some(at(8)), "newest delivered_at");
    assert_eq!(messages.pending_deliveries, 3);
    let by_channel: Vec<_> =
        messages.pending_by_channel.iter().map(|(name, n)| (name.as_str(), *n)).collect();
    assert_eq!(by_channel, [("slack", 2), ("telegram", 1)]);
    assert_eq!(messages.oldest_pending_at.map(|t| t.to_string()), Some(at(6)));

    let tasks = snapshot.tasks.value().expect("tasks");
    assert_eq!(tasks.total, 3);
    let rows: Vec<_> = tasks
        .tasks
        .iter()
        .map(|task| (task.id.as_str(), task.group.as_deref(), task.overdue))
        .collect();
    assert_eq!(
        rows,
        [
            ("late", Some("main"), Some(true)),
            ("paused", Some("side"), Some(false)),
            ("within", Some("main"), Some(false)),
        ]
    );
    assert_eq!(tasks.tasks[0].last_result.as_deref(), Some("digest sent"));
    assert_eq!(
        tasks.tasks[0].last_run.map(|t| t.to_string()).as_deref(),
        Some("2025-01-01T00:00:00Z")
    );

    let jobs = snapshot.app_jobs.value().expect("app_jobs");
    assert_eq!(jobs.total, 3);
    let rows: Vec<_> = jobs
        .jobs
        .iter()
        .map(|job| (job.id.as_str(), job.name.as_deref(), job.enabled, job.overdue))
        .collect();
    assert_eq!(
        rows,
        [
            ("j1", Some("backup"), true, Some(true)),
            ("j2", Some("vacuum"), false, Some(false)),
            ("j3", Some("sync"), true, Some(false)),
        ]
    );

    let json = serde_json::to_string(&snapshot).expect("json");
    assert!(!json.contains("PRIVATE-TEXT"), "message text leaked: {json}");
}

#[tokio::test]
async fn a_table_of_neither_variant_names_the_missing_columns() {
    let fixture = Fixture::new();
    // The project's tables with `messages.direction` and `scheduled_tasks.group_id` renamed away.
    let odd = MESSAGING_TABLES
        .replace("direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound'))", "way TEXT")
        .replace("group_id       TEXT NOT NULL", "team TEXT");
    fixture.database("messages.db", &[&odd]).await;
    let snapshot = collect(&fixture.config(CONFIG)).await;
    let (state, reason) = outcome(&snapshot, "messages");
    assert_eq!(state, "error");
    assert!(
        reason.ends_with(
            "table `messages` matches no known layout: missing `direction` (messaging) or \
             `is_from_me` (pynchy)"
        ),
        "{reason}"
    );
    assert!(reason.starts_with("database `pynchy` ("), "{reason}");
    let (state, reason) = outcome(&snapshot, "tasks");
    assert_eq!(state, "error");
    assert!(
        reason.contains("missing `group_id` (messaging) or `group_folder` (pynchy)"),
        "{reason}"
    );
    assert_eq!(outcome(&snapshot, "app_jobs").0, "ok", "its own table still reads");
}

const DEPLOY_CONFIG: &str = r#"
[state]
dir = "{dir}/state"
[deploy]
repo = "{dir}/no-checkout"
database = "pynchy"
[[databases]]
name = "pynchy"
url = "{dir}/messages.db"
"#;

/// Only the `deploy` section of the standard set, collected once.
async fn deploy_of(
    collectors: &[std::sync::Arc<dyn status_collect::testing::Collector>],
) -> Snapshot {
    let deploy: Vec<_> =
        collectors.iter().filter(|c| c.section() == SectionName::Deploy).cloned().collect();
    assert_eq!(deploy.len(), 1);
    Engine::new(deploy, std::time::Duration::from_secs(10)).collect().await
}

#[tokio::test]
async fn deploy_comes_from_pynchy_router_and_deployment_state() {
    let fixture = Fixture::new();
    let path = fixture
        .database(
            "messages.db",
            &[
                PYNCHY_TABLES,
                "INSERT INTO router_state (key, value) VALUES
                   ('last_deploy_sha', '1111111111111111111111111111111111111111'),
                   ('last_deploy_at', '2025-06-01T12:30:00.250000+00:00'),
                   ('last_agent_timestamp', '{}');
                 INSERT INTO deployment_state (singleton, applied_sha, applied_config_hash,
                   pending_sha, pending_config_hash) VALUES
                   (1, '1111111111111111111111111111111111111111', 'h1',
                    '2222222222222222222222222222222222222222', 'h2');",
            ],
        )
        .await;
    let config = fixture.config(DEPLOY_CONFIG);
    let collectors = collectors::standard(&config, Arc::new(NoDeps), Default::default());

    let first = deploy_of(&collectors).await;
    let deploy = first.deploy.value().expect("deploy section");
    assert_eq!(deploy.last_deploy_sha.as_deref(), Some("1111111111111111111111111111111111111111"));
    assert_eq!(
        deploy.last_deploy_at.map(|t| t.to_string()).as_deref(),
        Some("2025-06-01T12:30:00.25Z")
    );
    assert_eq!(deploy.pending_sha.as_deref(), Some("2222222222222222222222222222222222222222"));
    let since = deploy.pending_since.expect("pending since");
    // The git fields say why they are null; the deploy record does not.
    let unmeasured = &first.collection.sections["deploy"].unmeasured;
    assert!(unmeasured.contains_key("head_sha") && !unmeasured.contains_key("pending_sha"));

    let second = deploy_of(&collectors).await;
    assert_eq!(second.deploy.value().unwrap().pending_since, Some(since), "first sighting kept");

    // Applied: the pending sha equals the applied one, so nothing is pending any more.
    let mut writer = writer(&path, SqliteJournalMode::Delete).await;
    sqlx::query(
        "UPDATE deployment_state SET applied_sha = pending_sha;
         UPDATE router_state SET value = '2222222222222222222222222222222222222222'
           WHERE key = 'last_deploy_sha';",
    )
    .execute(&mut writer)
    .await
    .expect("apply");
    writer.close().await.expect("close");
    let third = deploy_of(&collectors).await;
    let deploy = third.deploy.value().unwrap();
    assert_eq!(deploy.last_deploy_sha.as_deref(), Some("2222222222222222222222222222222222222222"));
    assert_eq!((deploy.pending_sha.as_deref(), deploy.pending_since), (None, None));
}

#[tokio::test]
async fn deploy_database_must_be_configured() {
    let fixture = Fixture::new();
    let text = DEPLOY_CONFIG.replace("database = \"pynchy\"", "database = \"elsewhere\"");
    let error = status_collect::Config::parse(&text, "t.toml").unwrap_err().to_string();
    assert!(
        error.contains("`[deploy] database = \"elsewhere\"` names no `[[databases]]` entry"),
        "{error}"
    );
    drop(fixture);
}
