-- Snapshot history: one row per snapshot, and every leaf of each snapshot by dotted key so that one
-- key's series reads a narrow index range instead of every stored document.
-- Versions of this module's migrations start at 100 so they never collide with other modules' in the
-- same store.
CREATE TABLE history_snapshots (
    id INTEGER PRIMARY KEY,
    taken_at_ms INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX history_snapshots_taken_at ON history_snapshots (taken_at_ms);

CREATE TABLE history_keys (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE
);

-- `value` is the leaf's JSON text. Rows of a deleted snapshot are deleted with it, by the writer.
CREATE TABLE history_values (
    key_id INTEGER NOT NULL,
    snapshot_id INTEGER NOT NULL,
    taken_at_ms INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (key_id, snapshot_id)
) WITHOUT ROWID;
