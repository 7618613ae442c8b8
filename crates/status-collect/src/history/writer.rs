//! The history writer: a task of its own that inserts each snapshot it is handed, so that a slow or
//! locked store never holds up a collection.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use status_model::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::StoreError;
use super::compact::{self, Newest, Row};
use crate::cache::Published;
use crate::change::PipelineStats;
use crate::config::HistoryConfig;
use crate::store::Store;

/// A snapshot to store: as published, and as the JSON value the pipeline diffed.
#[derive(Debug)]
struct Entry {
    published: Arc<Published>,
    value: Arc<Value>,
}

/// Snapshots waiting for the writer; more than this while the store is slow are dropped (counted).
const QUEUE: usize = 4;

/// The handle of the writer task. Dropping the handle lets the task finish what it was given.
#[derive(Debug)]
pub(crate) struct HistoryWriter {
    sender: mpsc::Sender<Entry>,
    task: JoinHandle<()>,
}

impl HistoryWriter {
    /// Spawns the writer into `store`. The store is opened on the first snapshot, and again after
    /// any failure (the store closes its pool when a commit fails).
    pub(crate) fn spawn(
        store: Store,
        config: HistoryConfig,
        stats: Arc<PipelineStats>,
    ) -> HistoryWriter {
        let (sender, mut receiver) = mpsc::channel::<Entry>(QUEUE);
        let task = tokio::spawn(async move {
            let mut newest = None;
            while let Some(entry) = receiver.recv().await {
                let result = write(&store, &config, &entry, &mut newest).await;
                store.commit_ended(result.as_ref().map(|_| ())).await;
                match result {
                    Ok(()) => stats.count(&stats.history_rows_written_total),
                    Err(error) => {
                        stats.count(&stats.history_failures_total);
                        tracing::warn!(%error, "status history: snapshot not stored; retrying with the next one");
                    }
                }
            }
        });
        HistoryWriter { sender, task }
    }

    /// Hands a snapshot to the writer without waiting; when the writer is behind, it is dropped and
    /// counted.
    pub(crate) fn offer(
        &self,
        published: Arc<Published>,
        value: Arc<Value>,
        stats: &PipelineStats,
    ) {
        if self.sender.try_send(Entry { published, value }).is_err() {
            stats.count(&stats.history_skipped_total);
            tracing::warn!("status history: the store is behind; a snapshot was not stored");
        }
    }

    /// Stops taking snapshots and waits for those already handed over to be written.
    pub(crate) async fn finish(self) {
        drop(self.sender);
        let _ = self.task.await;
    }
}

async fn write(
    store: &Store,
    config: &HistoryConfig,
    entry: &Entry,
    newest: &mut Option<Newest>,
) -> Result<(), StoreError> {
    let pool = store.pool().await?;
    let cutoff = cutoff_ms(Timestamp::now(), config.max_age);
    let row = Row::of(&entry.published, &entry.value);
    compact::insert(&pool, newest, &row, config.max_rows, cutoff).await
}

/// The oldest time kept by `max_age`, in Unix milliseconds.
pub(super) fn cutoff_ms(now: Timestamp, max_age: Duration) -> i64 {
    let age = i64::try_from(max_age.as_millis()).unwrap_or(i64::MAX);
    now.as_millisecond().saturating_sub(age)
}
