//! The `store` section: the collector's own embedded SQLite store (deploy records, history).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether the embedded store can take writes, measured by a real write that is rolled back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoreSection {
    /// The store's file.
    pub path: String,
    /// Whether a write transaction (a table created and a row inserted, then rolled back) succeeded.
    pub writable: bool,
    /// Why the write failed, or why the last commit of history or a deploy failed (disk full,
    /// read-only); `null` when both succeeded.
    pub error: Option<String>,
    /// SQLite's journal mode (`wal` expected); `null` when the store could not be opened.
    pub journal_mode: Option<String>,
    /// How long the write-and-rollback took, in milliseconds.
    pub write_ms: Option<f64>,
    /// How many times the store's file was found deleted, replaced or truncated while open, and a
    /// new one opened; the rows written before each loss are gone.
    #[serde(default)]
    pub losses_total: u64,
    /// The last such loss: the file, what happened and when; `null` when there was none.
    #[serde(default)]
    pub last_loss: Option<String>,
}
