-- The `messaging` layout: the message log, the ledger and deliveries of outbound messages, and the
-- host's scheduled tasks and cron-like jobs.

CREATE TABLE messages (
    id        TEXT PRIMARY KEY,
    chat_id   TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    sender    TEXT,
    content   TEXT,                            -- never shown
    timestamp TEXT NOT NULL                    -- when it was received or written
);

CREATE TABLE outbound_ledger (
    id         TEXT PRIMARY KEY,               -- the host's idempotency key
    message_id TEXT,                           -- messages.id, once written there
    chat_id    TEXT NOT NULL,
    content    TEXT NOT NULL,                  -- never shown
    status     TEXT NOT NULL DEFAULT 'pending', -- 'pending', 'sent' or 'failed'
    created_at TEXT NOT NULL,
    sent_at    TEXT                            -- NULL until it actually left
);

CREATE TABLE outbound_deliveries (
    id              INTEGER PRIMARY KEY,
    ledger_id       TEXT NOT NULL,             -- outbound_ledger.id
    channel         TEXT NOT NULL,             -- where it goes, e.g. 'telegram'
    status          TEXT NOT NULL DEFAULT 'pending', -- 'pending', 'delivered' or 'failed'
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at TEXT,
    delivered_at    TEXT,
    error           TEXT                       -- never shown
);

CREATE TABLE scheduled_tasks (
    id             TEXT PRIMARY KEY,
    group_id       TEXT NOT NULL,              -- the group (chat, workspace) it runs for
    prompt         TEXT NOT NULL,              -- never shown
    schedule_type  TEXT NOT NULL CHECK (schedule_type IN ('cron', 'interval', 'once')),
    schedule_value TEXT NOT NULL,              -- '0 9 * * *', '3600000' or a time
    status         TEXT NOT NULL DEFAULT 'active', -- 'active', 'paused' or 'completed'
    next_run       TEXT,                       -- NULL when nothing is scheduled
    last_run       TEXT,
    last_result    TEXT,                       -- shown as a summary of at most 200 characters
    created_at     TEXT NOT NULL
);

CREATE TABLE host_jobs (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    command        TEXT NOT NULL,              -- never shown
    schedule_type  TEXT NOT NULL CHECK (schedule_type IN ('cron', 'interval', 'once')),
    schedule_value TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'idle', -- 'idle', 'running' or 'failed'
    enabled        INTEGER NOT NULL DEFAULT 1, -- 1 or 0
    next_run       TEXT,
    last_run       TEXT,
    last_result    TEXT                        -- never shown
);
