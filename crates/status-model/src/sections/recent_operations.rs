//! The `recent_operations` section: the newest operations, metadata only.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The newest operations of the `execution_log`, newest first.
///
/// Metadata only: message text never appears, and an operation's error payload appears only as a
/// one-line summary of at most 200 characters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RecentOperationsSection {
    /// Up to 100 operations, newest first.
    pub operations: Vec<OperationRecord>,
}

/// One operation of the execution log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OperationRecord {
    /// The operation's id.
    pub operation_id: String,
    /// When the operation started; `null` when the stored time cannot be read.
    pub timestamp: Option<Timestamp>,
    /// The capability (tool family) it used.
    pub capability: Option<String>,
    /// The action within the capability.
    pub action: Option<String>,
    /// Its tier, as stored.
    pub tier: Option<String>,
    /// Its status (`in_progress`, `success`, `error`, …, as the host writes them).
    pub status: Option<String>,
    /// How long it took, in milliseconds; `null` while in progress or when not recorded.
    pub duration_ms: Option<f64>,
    /// The first line of its error details, at most 200 characters; `null` when there are none.
    pub error_summary: Option<String>,
}
