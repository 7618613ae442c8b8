//! The change types: a published snapshot with what changed ([`SnapshotChange`]), and the counters
//! of what happened to snapshots after collection: stored, written, hooks fired or dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use status_model::Change;

use crate::cache::Published;

/// A new snapshot with what changed since the one before.
#[derive(Debug)]
pub struct SnapshotChange {
    /// The snapshot, as the cache published it.
    pub published: Arc<Published>,
    /// The changed keys, sorted, without the ignored ones; empty for the first snapshot.
    pub changes: Vec<Change>,
}

/// Live counters, shared by the change pipeline's parts.
#[derive(Debug, Default)]
pub struct PipelineStats {
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
    /// Why the last write of the files failed (names the file), for a one-shot run to report.
    pub(crate) files_last_error: std::sync::Mutex<Option<String>>,
}

/// A reading of the counters of the work after each collection: the `pipeline` section.
pub use status_model::PipelineSection as PipelineCounts;

impl PipelineStats {
    pub(crate) fn count(&self, counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn counts(&self) -> PipelineCounts {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        PipelineCounts {
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
