-- Deploys the host recorded with `record_deploy`, oldest first; the last row is the current one.
CREATE TABLE deploys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha TEXT NOT NULL,
    -- RFC 3339 UTC, to the millisecond.
    deployed_at TEXT NOT NULL
);
