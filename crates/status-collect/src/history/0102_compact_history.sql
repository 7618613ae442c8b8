-- Compact history: a snapshot is stored as the leaves that changed since the snapshot before it.
--
-- `history_paths` names every leaf ever stored: its path (a JSON array of keys and list positions),
-- the dotted key its series is asked by, and whether the path is that key itself.
-- `history_changes` holds a leaf's value from the snapshot where it changed; a NULL value says the
-- leaf went away. A leaf's value in a snapshot is its newest change at or before it. The oldest
-- snapshot kept holds a change for every leaf it has (retention moves them forward), so every
-- snapshot kept can be put back together.
--
-- The full documents of version 100 are kept in `history_legacy` until the store converts them
-- (when it is opened); `history_values` is dropped (the changes replace it).
ALTER TABLE history_snapshots RENAME TO history_legacy;
DROP INDEX history_snapshots_taken_at;
DROP TABLE history_values;
DROP TABLE history_keys;

CREATE TABLE history_snapshots (
    id INTEGER PRIMARY KEY,
    taken_at_ms INTEGER NOT NULL,
    sequence INTEGER NOT NULL
);
CREATE INDEX history_snapshots_taken_at ON history_snapshots (taken_at_ms);

CREATE TABLE history_paths (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    key TEXT NOT NULL,
    exact INTEGER NOT NULL
);
CREATE INDEX history_paths_key ON history_paths (key);

CREATE TABLE history_changes (
    key_id INTEGER NOT NULL,
    snapshot_id INTEGER NOT NULL,
    value TEXT,
    PRIMARY KEY (key_id, snapshot_id)
) WITHOUT ROWID;
