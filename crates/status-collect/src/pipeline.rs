//! What happens to each published snapshot: the diff against the one before, then (each optional)
//! history, files, hooks and in-process subscribers.
//!
//! The pipeline is a task of its own that follows the cache, so the collection loop never waits on
//! it; within it, the store, the files and the hooks each run off the pipeline's own path too.

use std::sync::Arc;

use serde_json::Value;
use status_model::{KeyFilter, diff};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::cache::{Cache, Published};
use crate::change::{PipelineStats, SnapshotChange};
use crate::config::Config;
use crate::files::FilesWriter;
#[cfg(feature = "sqlite")]
use crate::history::HistoryWriter;
use crate::hooks::Hooks;
#[cfg(feature = "sqlite")]
use crate::store::Store;

/// Events a slow subscriber may fall behind by before it misses some (it is told how many).
const SUBSCRIBER_BACKLOG: usize = 16;

/// The running pipeline.
#[derive(Debug)]
pub(crate) struct Pipeline {
    events: broadcast::Sender<Arc<SnapshotChange>>,
    stats: Arc<PipelineStats>,
    stop: watch::Sender<bool>,
    task: JoinHandle<Hooks>,
}

impl Pipeline {
    /// Spawns the pipeline following `cache`, with the parts `config` turns on, counting into
    /// `stats`.
    pub(crate) fn spawn(
        config: &Config,
        cache: &Cache,
        #[cfg(feature = "sqlite")] store: &Store,
        stats: Arc<PipelineStats>,
    ) -> Pipeline {
        Pipeline::spawn_after(
            config,
            cache,
            #[cfg(feature = "sqlite")]
            store,
            stats,
            None,
        )
    }

    /// [`Pipeline::spawn`], comparing the first snapshot with `previous`, one an earlier run
    /// published (a one-shot run's, read back from the store or the latest file).
    pub(crate) fn spawn_after(
        config: &Config,
        cache: &Cache,
        #[cfg(feature = "sqlite")] store: &Store,
        stats: Arc<PipelineStats>,
        previous: Option<Arc<Value>>,
    ) -> Pipeline {
        let (events, _) = broadcast::channel(SUBSCRIBER_BACKLOG);
        let (stop, stopped) = watch::channel(false);
        let parts = Parts {
            filter: config.diff.filter.clone(),
            #[cfg(feature = "sqlite")]
            history: config.history.enabled.then(|| {
                HistoryWriter::spawn(store.clone(), config.history.clone(), stats.clone())
            }),
            files: config.files.resolved_dir().map(|dir| FilesWriter::new(dir, config.files.mode)),
            hooks: Hooks::new(config.hooks.on_change.clone(), stats.clone()),
            name: config.service.name.clone(),
        };
        let task = tokio::spawn(follow(
            cache.subscribe(),
            stopped,
            parts,
            previous,
            events.clone(),
            stats.clone(),
        ));
        Pipeline { events, stats, stop, task }
    }

    /// A receiver of every snapshot published from now on, with its diff.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<SnapshotChange>> {
        self.events.subscribe()
    }

    /// The pipeline's counters.
    pub(crate) fn stats(&self) -> Arc<PipelineStats> {
        self.stats.clone()
    }

    /// Handles the snapshot published last, if not yet handled, then waits for the store and the
    /// files to finish. Hooks already started are left to their timeouts.
    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }

    /// [`Pipeline::stop`], then waits for the hooks it started too, each within its timeout: what a
    /// one-shot run does before its process exits.
    pub(crate) async fn finish(self) {
        self.stop.send_replace(true);
        if let Ok(hooks) = self.task.await {
            hooks.idle().await;
        }
    }
}

struct Parts {
    filter: KeyFilter,
    #[cfg(feature = "sqlite")]
    history: Option<HistoryWriter>,
    files: Option<FilesWriter>,
    hooks: Hooks,
    name: Option<String>,
}

async fn follow(
    mut published: watch::Receiver<Option<Arc<Published>>>,
    mut stopped: watch::Receiver<bool>,
    mut parts: Parts,
    mut previous: Option<Arc<Value>>,
    events: broadcast::Sender<Arc<SnapshotChange>>,
    stats: Arc<PipelineStats>,
) -> Hooks {
    // The collection sequence of the snapshot handled last (an earlier run's `previous` has its
    // own run's sequence, so it is not one of these).
    let mut handled: Option<u64> = None;
    loop {
        let stopping = tokio::select! {
            changed = published.changed() => changed.is_err(),
            _ = stopped.changed() => true,
        };
        let latest = published.borrow_and_update().clone();
        if let Some(latest) = latest
            && handled != Some(latest.snapshot.collection.sequence)
        {
            handled = Some(latest.snapshot.collection.sequence);
            handle(latest, &mut previous, &mut parts, &events, &stats);
        }
        if stopping {
            break;
        }
    }
    #[cfg(feature = "sqlite")]
    if let Some(history) = parts.history {
        history.finish().await;
    }
    if let Some(files) = parts.files {
        files.finish().await;
    }
    parts.hooks
}

fn handle(
    published: Arc<Published>,
    previous: &mut Option<Arc<Value>>,
    parts: &mut Parts,
    events: &broadcast::Sender<Arc<SnapshotChange>>,
    stats: &Arc<PipelineStats>,
) {
    stats.count(&stats.snapshots_total);
    // Diffs, history, files and hooks all see the snapshot as the redaction policy left it.
    let value = published.value.clone();
    let changes = match previous.as_ref() {
        Some(previous) => diff::diff(previous, &value, &parts.filter),
        None => Vec::new(),
    };
    if !changes.is_empty() {
        stats.count(&stats.changed_total);
    }
    let event = Arc::new(SnapshotChange { published, changes });
    // No subscriber is fine: the event is simply not kept.
    let _ = events.send(event.clone());
    #[cfg(feature = "sqlite")]
    if let Some(history) = &parts.history {
        history.offer(event.published.clone(), value.clone(), stats);
    }
    let name = snapshot_name(parts.name.as_deref(), &event.published);
    if let Some(files) = &mut parts.files {
        files.offer(&name, event.published.clone(), value.clone(), parts.filter.clone(), stats);
    }
    if !event.changes.is_empty() {
        parts.hooks.fire(&name, &event);
    }
    *previous = Some(value);
}

/// The name files and hook events carry: `[service] name`, else the service section's name, else
/// `status`; scrubbed of what the redaction policy hashed or dropped, as every output is.
pub(crate) fn snapshot_name(configured: Option<&str>, published: &Published) -> String {
    let from_snapshot = published.snapshot.service.value().map(|service| service.name.as_str());
    let name = configured.or(from_snapshot).unwrap_or("status");
    published.scrubber.scrub(name).unwrap_or_else(|| name.to_owned())
}

#[cfg(test)]
mod tests;
