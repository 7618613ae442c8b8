-- Health status changes (of a check, or `overall`), as the evaluator saw them, with the snapshot
-- that carried them. Retention follows the snapshots.
CREATE TABLE history_health_events (
    id INTEGER PRIMARY KEY,
    snapshot_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    check_name TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL
);
CREATE INDEX history_health_events_at ON history_health_events (at_ms);
