//! The `operations` database's rows for the benches: `rows` operations in `execution_log` and one
//! outbox row for every ten, with the mix of statuses, errors and pending deliveries the collectors
//! read (shared by `full` and `scaling`).

/// The SQL that fills a new `operations` database with `rows` operations and `rows / 10` outbox
/// rows.
pub(crate) fn fill(rows: usize) -> String {
    let outbox = rows / 10;
    format!(
        "
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
INSERT INTO execution_log (operation_id, timestamp, capability, action, chat_id, tier, status,
    file_paths, snapshot_ref, duration_ms, error_details)
SELECT printf('op-%07d', i),
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 3, 'unixepoch'),
       CASE i % 4 WHEN 0 THEN 'files' WHEN 1 THEN 'shell' WHEN 2 THEN 'browser' ELSE 'git' END,
       CASE i % 3 WHEN 0 THEN 'read' WHEN 1 THEN 'write' ELSE 'run' END,
       'chat-' || (i % 50), 'T' || (i % 3),
       CASE WHEN i % 20000 = 0 THEN 'in_progress' WHEN i % 10 = 0 THEN 'error'
            WHEN i % 97 = 0 THEN 'denied' ELSE 'success' END,
       '[\"/srv/data/' || (i % 1000) || '\"]', 'snap/' || i,
       CASE WHEN i % 20000 = 0 THEN NULL ELSE (i % 5000) * 1.5 END,
       CASE WHEN i % 10 = 0 THEN 'write failed: permission denied' ELSE NULL END
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {outbox})
INSERT INTO notification_outbox (operation_id, chat_id, message_text, status, created_at, sent_at,
    retry_count)
SELECT printf('op-%07d', i * 10), 'chat-' || (i % 50), 'Operation ' || i || ' finished.',
       CASE WHEN i % 1000 = 0 THEN 'pending' WHEN i % 50 = 0 THEN 'failed' ELSE 'sent' END,
       strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 30, 'unixepoch'),
       CASE WHEN i % 50 = 0 THEN NULL
            ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i * 30 + 5, 'unixepoch') END,
       CASE WHEN i % 50 = 0 THEN 3 ELSE 0 END
FROM n;"
    )
}
