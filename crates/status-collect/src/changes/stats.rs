//! Counters of what happened to snapshots after collection: stored, written, hooks fired or dropped.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters, shared by the change pipeline's parts.
#[derive(Debug, Default)]
pub struct ChangeStats {
    pub(crate) snapshots_total: AtomicU64,
    pub(crate) changed_total: AtomicU64,
    pub(crate) history_rows_written_total: AtomicU64,
    pub(crate) history_failures_total: AtomicU64,
    pub(crate) history_skipped_total: AtomicU64,
    pub(crate) files_written_total: AtomicU64,
    pub(crate) files_failures_total: AtomicU64,
    pub(crate) files_skipped_total: AtomicU64,
    pub(crate) hooks_configured: AtomicU64,
    pub(crate) hooks_succeeded_total: AtomicU64,
    pub(crate) hooks_failed_total: AtomicU64,
    pub(crate) hooks_timed_out_total: AtomicU64,
    pub(crate) hooks_dropped_total: AtomicU64,
}

/// A reading of [`ChangeStats`]. Hooks are counted, never named: no command, URL or header appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
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

impl ChangeStats {
    pub(crate) fn count(&self, counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn counts(&self) -> ChangeCounts {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ChangeCounts {
            snapshots_total: read(&self.snapshots_total),
            changed_total: read(&self.changed_total),
            history_rows_written_total: read(&self.history_rows_written_total),
            history_failures_total: read(&self.history_failures_total),
            history_skipped_total: read(&self.history_skipped_total),
            files_written_total: read(&self.files_written_total),
            files_failures_total: read(&self.files_failures_total),
            files_skipped_total: read(&self.files_skipped_total),
            hooks_configured: read(&self.hooks_configured),
            hooks_succeeded_total: read(&self.hooks_succeeded_total),
            hooks_failed_total: read(&self.hooks_failed_total),
            hooks_timed_out_total: read(&self.hooks_timed_out_total),
            hooks_dropped_total: read(&self.hooks_dropped_total),
        }
    }
}
