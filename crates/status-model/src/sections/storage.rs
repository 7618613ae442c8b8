//! The `storage` section: how much disk the host's databases and logs take.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Sizes of the configured databases and log directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StorageSection {
    /// Each configured database file, keyed by database name; `null` for one that could not be
    /// measured (the reason is in `unmeasured`).
    pub databases: BTreeMap<String, Option<DatabaseFiles>>,
    /// Total size of the files under `[storage] log_dir`, in bytes; `null` when not configured or not
    /// readable.
    pub log_dir_bytes: Option<u64>,
    /// Number of snapshot branches in the configured repositories; `null` until repositories are
    /// configured.
    pub snapshot_branches: Option<u64>,
}

/// A database's files on disk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DatabaseFiles {
    /// The main database file.
    pub path: String,
    /// Size of the main file, in bytes.
    pub file_bytes: u64,
    /// Size of its write-ahead log (`-wal`), in bytes; 0 when there is none.
    pub wal_bytes: u64,
    /// `file_bytes + wal_bytes`.
    pub total_bytes: u64,
}
