//! The `pipeline` section: counters of what the collector did with its snapshots after collecting
//! them (history, files, on-change hooks). Hooks are counted, never named.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What happened to the snapshots after collection: history, files and hooks. Hooks are counted, never named: no command, URL or header appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PipelineSection {
    /// Snapshots the pipeline has seen.
    pub snapshots_total: u64,
    /// Snapshots that differed from the one before (ignoring volatile keys).
    pub changed_total: u64,
    /// Snapshots stored in the history.
    pub history_rows_written_total: u64,
    /// Snapshots the history store failed to take (unavailable, locked, full); each is retried with
    /// the next snapshot.
    pub history_failures_total: u64,
    /// Snapshots not handed to the history store because it was still busy with earlier ones.
    pub history_skipped_total: u64,
    /// Times the latest/prev/diff files were written.
    pub files_written_total: u64,
    /// Times writing the files failed.
    pub files_failures_total: u64,
    /// Snapshots not written to files because the previous write had not finished.
    pub files_skipped_total: u64,
    /// `[[hooks.on_change]]` entries configured.
    pub hooks_configured: u64,
    /// Hook runs that succeeded.
    pub hooks_succeeded_total: u64,
    /// Hook runs that failed (could not start, non-zero exit, non-2xx answer).
    pub hooks_failed_total: u64,
    /// Hook runs stopped at their timeout.
    pub hooks_timed_out_total: u64,
    /// Hook runs dropped because the pool was full.
    pub hooks_dropped_total: u64,
}
