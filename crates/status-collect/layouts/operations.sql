-- The `operations` layout: the execution log of the host's operation broker and the outbox of
-- notifications about them.

CREATE TABLE execution_log (
    operation_id  TEXT PRIMARY KEY,
    timestamp     TEXT NOT NULL,               -- when the operation started
    capability    TEXT NOT NULL,               -- the tool family, e.g. 'files'
    action        TEXT NOT NULL,               -- the call within it, e.g. 'write'
    chat_id       TEXT,
    tier          TEXT,                        -- the permission tier it ran under
    status        TEXT NOT NULL,               -- 'in_progress' until it ends; then 'success', 'error', ...
    file_paths    TEXT,                        -- JSON array of the paths it touched
    snapshot_ref  TEXT,                        -- the snapshot branch or commit taken before it
    duration_ms   REAL,                        -- NULL while in progress
    error_details TEXT                         -- free text; never shown beyond a 200-character summary
);

CREATE TABLE notification_outbox (
    id           INTEGER PRIMARY KEY,
    operation_id TEXT,                         -- execution_log.operation_id, when about one
    chat_id      TEXT NOT NULL,
    message_text TEXT NOT NULL,                -- never shown
    status       TEXT NOT NULL DEFAULT 'pending', -- 'pending', 'sent' or 'failed'
    created_at   TEXT NOT NULL,
    sent_at      TEXT,                         -- NULL until sent
    retry_count  INTEGER NOT NULL DEFAULT 0
);
