-- pynchy's own tables, as pynchy declares them: the variant of the `messaging` layout the
-- collector detects by columns (`messages.is_from_me`, `outbound_deliveries.delivered_at`,
-- `scheduled_tasks.group_folder`), and the deploy record in `router_state` and
-- `deployment_state`. Shipped as a fixture for tests; the collector never creates these.

CREATE TABLE chats (
    jid               TEXT PRIMARY KEY,
    name              TEXT,
    last_message_time TEXT,
    cleared_at        TEXT
);

CREATE TABLE messages (
    id           TEXT,
    chat_jid     TEXT,
    sender       TEXT,
    sender_name  TEXT,
    content      TEXT,                          -- never shown
    timestamp    TEXT,                          -- ISO-8601
    is_from_me   INTEGER,                       -- 0: inbound, 1: written by the host
    message_type TEXT DEFAULT 'user',
    metadata     TEXT,                          -- never shown
    PRIMARY KEY (id, chat_jid),
    FOREIGN KEY (chat_jid) REFERENCES chats(jid)
);
CREATE INDEX idx_timestamp ON messages(timestamp);
CREATE INDEX idx_messages_by_chat ON messages(chat_jid, timestamp);

CREATE TABLE scheduled_tasks (
    id             TEXT PRIMARY KEY,
    group_folder   TEXT NOT NULL,
    chat_jid       TEXT NOT NULL,
    prompt         TEXT NOT NULL,               -- never shown
    schedule_type  TEXT NOT NULL,
    schedule_value TEXT NOT NULL,
    next_run       TEXT,
    last_run       TEXT,
    last_result    TEXT,                        -- shown as a summary of at most 200 characters
    status         TEXT DEFAULT 'active',
    created_at     TEXT NOT NULL,
    context_mode   TEXT DEFAULT 'isolated',
    repo_access    TEXT
);
CREATE INDEX idx_next_run ON scheduled_tasks(next_run);
CREATE INDEX idx_status ON scheduled_tasks(status);

CREATE TABLE host_jobs (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    command         TEXT NOT NULL,              -- never shown
    schedule_type   TEXT NOT NULL,
    schedule_value  TEXT NOT NULL,
    next_run        TEXT,
    last_run        TEXT,
    status          TEXT DEFAULT 'active',
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    cwd             TEXT,
    timeout_seconds INTEGER DEFAULT 600,
    enabled         INTEGER DEFAULT 1
);

CREATE TABLE outbound_ledger (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_jid  TEXT NOT NULL,
    content   TEXT NOT NULL,                    -- never shown
    timestamp TEXT NOT NULL,                    -- when the host wrote it
    source    TEXT NOT NULL,
    FOREIGN KEY (chat_jid) REFERENCES chats(jid)
);

CREATE TABLE outbound_deliveries (
    ledger_id    INTEGER NOT NULL,              -- outbound_ledger.id
    channel_name TEXT NOT NULL,
    delivered_at TEXT,                          -- NULL while pending
    error        TEXT,                          -- never shown
    PRIMARY KEY (ledger_id, channel_name),
    FOREIGN KEY (ledger_id) REFERENCES outbound_ledger(id)
);
CREATE INDEX idx_outbound_deliveries_pending
    ON outbound_deliveries(channel_name) WHERE delivered_at IS NULL;

CREATE TABLE router_state (
    key   TEXT PRIMARY KEY,                     -- e.g. 'last_deploy_sha', 'last_deploy_at'
    value TEXT NOT NULL
);

CREATE TABLE deployment_state (
    singleton           INTEGER PRIMARY KEY CHECK (singleton = 1),
    applied_sha         TEXT,
    applied_config_hash TEXT,
    pending_sha         TEXT,
    pending_config_hash TEXT
);
