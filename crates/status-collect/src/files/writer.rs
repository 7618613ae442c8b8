//! [`FilesWriter`]: runs [`write_snapshot`](super::write_snapshot) on the blocking pool, one write at a
//! time, for the change pipeline.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use serde_json::Value;
use status_model::KeyFilter;
use tokio::task::JoinHandle;

use crate::cache::Published;
use crate::change::PipelineStats;

/// Writes the files of each snapshot it is offered, skipping (and counting) a snapshot while the
/// previous write still runs.
#[derive(Debug)]
pub(crate) struct FilesWriter {
    dir: PathBuf,
    mode: u32,
    running: Option<JoinHandle<()>>,
}

impl FilesWriter {
    pub(crate) fn new(dir: PathBuf, mode: u32) -> FilesWriter {
        FilesWriter { dir, mode, running: None }
    }

    /// Starts writing `published` unless a write is still running.
    pub(crate) fn offer(
        &mut self,
        name: &str,
        published: Arc<Published>,
        value: Arc<Value>,
        filter: KeyFilter,
        stats: &Arc<PipelineStats>,
    ) {
        if self.running.as_ref().is_some_and(|running| !running.is_finished()) {
            stats.count(&stats.files_skipped_total);
            tracing::warn!(dir = %self.dir.display(), "status files: the previous write is still running; snapshot skipped");
            return;
        }
        let (dir, name, stats, mode) =
            (self.dir.clone(), name.to_owned(), stats.clone(), self.mode);
        self.running = Some(tokio::task::spawn_blocking(move || {
            match super::write_snapshot_with_mode(
                &dir,
                &name,
                &published.json,
                &value,
                &filter,
                mode,
            ) {
                Ok(_) => stats.count(&stats.files_written_total),
                Err(error) => {
                    stats.count(&stats.files_failures_total);
                    *stats.files_last_error.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(error.to_string());
                    tracing::warn!(%error, "status files: snapshot not written; retrying with the next one");
                }
            }
        }));
    }

    /// Waits for the write in progress, if any.
    pub(crate) async fn finish(self) {
        if let Some(running) = self.running {
            let _ = running.await;
        }
    }
}
