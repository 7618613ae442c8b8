//! An example configuration with every database section: an `operations` and a `messaging`
//! database filled with rows (built with the `sqlite3` CLI from the documented layouts), probes,
//! and a log directory, in a temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use status_collect::layouts::{
    MESSAGING_INDEXES, MESSAGING_TABLES, OPERATIONS_INDEXES, OPERATIONS_TABLES,
};
use tempfile::TempDir;

/// The temporary directory with `ops.db`, `chat.db`, `logs/` and `status.toml`.
pub(crate) struct Example {
    pub(crate) dir: TempDir,
}

impl Example {
    /// The config file.
    pub(crate) fn config(&self) -> PathBuf {
        self.dir.path().join("status.toml")
    }

    pub(crate) fn ops_db(&self) -> PathBuf {
        self.dir.path().join("ops.db")
    }
}

/// An RFC 3339 time `seconds` before now.
pub(crate) fn ago(seconds: i64) -> String {
    let now = status_model::Timestamp::now().as_second();
    status_model::Timestamp::from_second(now - seconds).unwrap().to_string()
}

/// Runs `sql` on the SQLite file at `path` with the `sqlite3` CLI, creating it if needed.
pub(crate) fn sqlite(path: &Path, sql: &str) {
    let mut child = Command::new("sqlite3")
        .arg(path)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sqlite3 runs");
    let mut stdin = child.stdin.take().unwrap();
    // The collector may be reading the file; wait for its lock rather than fail.
    writeln!(stdin, ".timeout 5000\n{sql}").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "sqlite3 failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// `operations` rows: `finished` operations a minute apart, `running` in progress, an outbox.
pub(crate) fn operations(finished: usize, running: usize) -> String {
    let statuses = ["success", "success", "error", "success", "denied"];
    let mut values = Vec::new();
    for n in 0..finished {
        let status = statuses[n % statuses.len()];
        let error = if status == "error" { "'write failed: permission denied'" } else { "NULL" };
        values.push(format!(
            "('op-{n:03}', '{}', 'files', 'write', 'chat-1', 'T1', '{status}', NULL, NULL, {}, {error})",
            ago(60 * (n as i64 + 1)),
            10 + n
        ));
    }
    for n in 0..running {
        values.push(format!(
            "('run-{n:02}', '{}', 'shell', 'run', 'chat-2', 'T2', 'in_progress', NULL, NULL, NULL, NULL)",
            ago(30 + n as i64)
        ));
    }
    let mut sql = String::new();
    if !values.is_empty() {
        sql = format!(
            "INSERT INTO execution_log (operation_id, timestamp, capability, action, chat_id, tier, \
             status, file_paths, snapshot_ref, duration_ms, error_details) VALUES\n{};\n",
            values.join(",\n")
        );
    }
    sql.push_str(&format!(
        "INSERT INTO notification_outbox (operation_id, chat_id, message_text, status, created_at, sent_at) VALUES
         ('op-000', 'chat-1', 'private', 'sent', '{a}', '{a}'),
         ('op-001', 'chat-1', 'private', 'pending', '{b}', NULL),
         ('op-002', 'chat-1', 'private', 'pending', '{c}', NULL);",
        a = ago(100),
        b = ago(90),
        c = ago(30)
    ));
    sql
}

fn messaging() -> String {
    let mut messages = Vec::new();
    for n in 0..30 {
        let direction = if n % 2 == 0 { "inbound" } else { "outbound" };
        messages
            .push(format!("('m{n}', 'chat-1', '{direction}', 'u', 'private', '{}')", ago(20 * n)));
    }
    let tasks: Vec<String> = (0..6)
        .map(|n| {
            format!(
                "('task-{n}', 'chat-{n}', 'private', 'cron', '0 9 * * *', 'active', '{}', '{}', 'ok', '{}')",
                ago(600 - 300 * n),
                ago(86_400),
                ago(864_000)
            )
        })
        .collect();
    format!(
        "INSERT INTO messages (id, chat_id, direction, sender, content, timestamp) VALUES {};
         INSERT INTO outbound_ledger (id, chat_id, content, status, created_at, sent_at) VALUES
           ('l1', 'chat-1', 'private', 'sent', '{a}', '{a}');
         INSERT INTO outbound_deliveries (ledger_id, channel, status) VALUES
           ('l1', 'telegram', 'delivered'), ('l1', 'slack', 'pending');
         INSERT INTO scheduled_tasks (id, group_id, prompt, schedule_type, schedule_value, status,
           next_run, last_run, last_result, created_at) VALUES {};
         INSERT INTO host_jobs (id, name, command, schedule_type, schedule_value, next_run) VALUES
           ('j1', 'rotate-logs', 'private', 'interval', '3600000', '{b}'),
           ('j2', 'vacuum', 'private', 'cron', '0 3 * * *', '{c}');",
        messages.join(", "),
        tasks.join(", "),
        a = ago(50),
        b = ago(-1_800),
        c = ago(-36_000),
    )
}

/// Builds the example: `finished` and `running` operations, and every other table filled.
pub(crate) fn example(finished: usize, running: usize) -> Example {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    sqlite(
        &path.join("ops.db"),
        &format!("{OPERATIONS_TABLES}\n{OPERATIONS_INDEXES}\n{}", operations(finished, running)),
    );
    sqlite(
        &path.join("chat.db"),
        &format!("{MESSAGING_TABLES}\n{MESSAGING_INDEXES}\n{}", messaging()),
    );
    std::fs::create_dir(path.join("logs")).unwrap();
    std::fs::write(path.join("logs/app.log"), "x".repeat(10_000)).unwrap();
    let config = format!(
        r#"[collect]
deadline = "10s"

[storage]
log_dir = "{dir}/logs"

[[databases]]
name = "ops"
url = "sqlite://{dir}/ops.db"
schema = "operations"
[[databases.probes]]
name = "in_progress"
sql = "SELECT COUNT(*) FROM execution_log WHERE status = 'in_progress'"
warn_above = 5

[[databases]]
name = "chat"
url = "{dir}/chat.db"
schema = "messaging"
[[databases.probes]]
name = "pending_deliveries"
sql = "SELECT COUNT(*) FROM outbound_deliveries WHERE status = 'pending'"
"#,
        dir = path.display()
    );
    std::fs::write(path.join("status.toml"), config).unwrap();
    Example { dir }
}
