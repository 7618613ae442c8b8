//! [`OnDemand`]: the collectors a [`Status`](super::Status) runs, collected only when asked.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

use serde_json::Value;
use status_deps::StatusDeps;
use status_model::{Change, SectionName};

#[cfg(feature = "diagnostics")]
use super::Diagnostics;
use crate::cache::{Cache, Published};
use crate::change::{PipelineCounts, PipelineStats};
use crate::collector::Collector;
use crate::collectors::Target;
use crate::collectors::{self, Shared, ShutdownFlag, Sidecars};
use crate::config::Config;
#[cfg(feature = "diagnostics")]
use crate::diagnostics::line_counters;
use crate::engine::Engine;
#[cfg(feature = "sqlite")]
use crate::history::History;
use crate::pipeline::Pipeline;
#[cfg(feature = "sqlite")]
use crate::store::Store;
use crate::task::blocking;

/// The sections a one-shot run without a `[target]` leaves out: they would describe only the
/// short-lived process that collects (its pid, memory and CPU, its own tokio runtime).
const ONLY_ITSELF: [SectionName; 2] = [SectionName::Process, SectionName::Runtime];

/// Why a one-shot run leaves a section out, as its collection report says.
const ONLY_ITSELF_REASON: &str = "a one-shot run would describe only itself, not the app: set [target] (pid, pidfile, name or systemd_unit) to describe the app's process";

/// Takes the collectors of [`ONLY_ITSELF`] out of `sections`, returning what the collection
/// report says of each.
fn leave_out_self(sections: &mut Vec<Arc<dyn Collector>>) -> BTreeMap<String, String> {
    let mut left_out = BTreeMap::new();
    sections.retain(|collector| {
        let section = collector.section();
        let keep = !ONLY_ITSELF.contains(&section);
        if !keep {
            left_out.insert(section.as_str().to_owned(), ONLY_ITSELF_REASON.to_owned());
        }
        keep
    });
    left_out
}

/// The same collectors, deadline and health checks as a [`Status`](super::Status) with the same
/// configuration, collected only when [`collect`](OnDemand::collect) is called: no background loop,
/// no heartbeat socket, and the change pipeline (history, files, hooks) only when asked for, by
/// [`collect_with_pipeline`](OnDemand::collect_with_pipeline). Made by
/// [`StatusBuilder::on_demand`](super::StatusBuilder::on_demand); one-shot and polling front-ends
/// (the command line's `snapshot`, `health` and local `watch`) use it, so they report the sections
/// a server with that configuration reports.
///
/// The `pipeline` section of a snapshot counts what ran after the collections before it in this
/// process (nothing, for the first), with `hooks_configured` as configured; a `[workers] socket` is
/// reported as not listened on (its line counters in `metrics` stay at 0).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use status_collect::{Config, Status};
///
/// let collection = Status::builder().config(Config::default()).on_demand()?;
/// let published = collection.collect().await?;
/// assert!(published.snapshot.collection.sections.contains_key("pipeline"));
/// # Ok(())
/// # }
/// ```
pub struct OnDemand {
    config: Config,
    engine: Engine,
    cache: Cache,
    stats: Arc<PipelineStats>,
    #[cfg(feature = "sqlite")]
    store: Store,
    /// The sections left out on purpose, with the reason, for each snapshot's collection report.
    left_out: BTreeMap<String, String>,
}

/// What [`OnDemand::collect_with_pipeline`] did.
#[derive(Debug)]
pub struct PipelineRun {
    /// The snapshot as published: render only its redacted parts (see [`Published`]).
    pub published: Arc<Published>,
    /// Where the snapshot it was compared with came from (the latest file's path, or the history
    /// in the store); `None` when there was none, or comparing was turned off.
    pub previous: Option<String>,
    /// What changed since that one, as change detection counts it (`[diff]`); the hooks ran when
    /// it is not empty.
    pub changes: Vec<Change>,
    /// What the pipeline did: rows stored, files written, hooks run, failed or timed out.
    pub counts: PipelineCounts,
    /// What failed, each naming its file: the previous snapshot that could not be read, the row
    /// not stored, the files not written. Empty when everything configured was done.
    pub failures: Vec<String>,
}

/// The snapshot an earlier run published, and where it was found.
struct Previous {
    value: Value,
    source: String,
    /// Whether it is a latest file (else a history row).
    file: bool,
}

impl OnDemand {
    pub(super) fn start(
        config: Config,
        deps: Arc<dyn StatusDeps>,
        #[cfg(feature = "diagnostics")] diagnostics: Option<Diagnostics>,
        one_shot: bool,
    ) -> OnDemand {
        #[cfg(feature = "diagnostics")]
        let diagnostics = diagnostics.unwrap_or_else(|| Diagnostics::from_config(&config));
        #[cfg(feature = "diagnostics")]
        let socket = config.workers.socket.as_ref().map(|_| {
            // Registered as a listening collection would, so the same sections are reported.
            let _ = line_counters(&diagnostics.metrics);
            Err("collected on demand: heartbeats from other processes are not listened for"
                .to_owned())
        });
        // Nothing runs after these collections: the counters say so, with the hooks configured.
        let stats = Arc::new(PipelineStats::default());
        let hooks = u64::try_from(config.hooks.on_change.len()).unwrap_or(u64::MAX);
        stats.hooks_configured.store(hooks, Ordering::Relaxed);
        #[cfg(feature = "sqlite")]
        let store = Store::new(&config.state_dir());
        let shared = Shared {
            deps,
            shutdown: ShutdownFlag::default(),
            #[cfg(feature = "sqlite")]
            store: store.clone(),
            sidecars: Sidecars::default(),
            // Nothing serves in a one-shot collection: the `http` section says `serving: false`.
            server_restarts: Default::default(),
            stats: stats.clone(),
            #[cfg(feature = "diagnostics")]
            metrics: diagnostics.metrics,
            #[cfg(feature = "diagnostics")]
            heartbeats: diagnostics.heartbeats,
            #[cfg(feature = "diagnostics")]
            traces: diagnostics.traces,
            #[cfg(feature = "diagnostics")]
            socket,
        };
        let mut sections = collectors::assemble(&config, shared);
        let left_out = if one_shot && Target::from_config(&config.target).is_none() {
            leave_out_self(&mut sections)
        } else {
            BTreeMap::new()
        };
        let engine = super::engine(&config, sections);
        let cache = Cache::new(config.redact.redactor());
        OnDemand {
            config,
            engine,
            cache,
            stats,
            #[cfg(feature = "sqlite")]
            store,
            left_out,
        }
    }

    /// One collection, its report naming the sections left out on purpose.
    async fn collect_once(&self) -> status_model::Snapshot {
        let mut snapshot = self.engine.collect().await;
        snapshot.collection.left_out.clone_from(&self.left_out);
        snapshot
    }

    /// The configuration it collects with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The sections it fills, in collector order (a collector with nothing to report, such as
    /// `workers` before any heartbeat, leaves its section out of a snapshot).
    pub fn sections(&self) -> Vec<SectionName> {
        self.engine.sections()
    }

    /// Runs every collector once, within the deadline, and returns the snapshot as published:
    /// redacted by `[redact]`, serialized, with the health report. Fails only when the snapshot
    /// cannot be serialized.
    pub async fn collect(&self) -> Result<Arc<Published>, serde_json::Error> {
        self.cache.publish(self.collect_once().await)
    }

    /// One collection followed by what a running [`Status`](super::Status) does after each of its
    /// collections, with the same code: the diff against the previous snapshot, then, as
    /// configured, a `[history]` row, the `[files]` latest/prev/diff files (under their lock) and
    /// the `[[hooks.on_change]]` hooks when something changed. Returns once the row is stored, the
    /// files written and every hook has ended (each within its timeout), so that a one-shot process
    /// can exit.
    ///
    /// The previous snapshot is the one an earlier run left: the `[files] dir`'s latest file, else
    /// the history's newest row. Before collecting, the collectors take it up as their previous
    /// sample, so rates work across runs: the `[target]`'s `process.cpu_pct` is its CPU use since
    /// that snapshot, when it describes the same process (pid and start time). With `compare`
    /// false the snapshot is not compared, so no hook runs (the files writer still marks its own
    /// diff in the latest file).
    ///
    /// Failures of the pipeline are in [`PipelineRun::failures`] (and logged); the only error is a
    /// snapshot that cannot be serialized.
    pub async fn collect_with_pipeline(
        &self,
        compare: bool,
    ) -> Result<PipelineRun, serde_json::Error> {
        let mut failures = Vec::new();
        let before = self.stats.counts();
        // The name files carry; the one the snapshot gives is known only after collecting.
        let named = self.config.service.name.clone().or_else(|| self.config.target.name.clone());
        let mut previous = match self.previous(named.as_deref()).await {
            Ok(previous) => previous,
            Err(failure) => {
                failures.push(failure);
                None
            }
        };
        if let Some(previous) = &previous {
            self.engine.resume(&previous.value);
        }
        let published = self.cache.publish(self.collect_once().await)?;
        let name = crate::pipeline::snapshot_name(self.config.service.name.as_deref(), &published);
        if compare
            && previous.as_ref().is_none_or(|previous| !previous.file)
            && named.as_deref() != Some(name.as_str())
        {
            // Files of the name the snapshot gives, when the name was not known before.
            match self.previous_file(&name).await {
                Ok(Some(file)) => previous = Some(file),
                Ok(None) => {}
                Err(failure) => failures.push(failure),
            }
        }
        let (baseline, source) = match previous.filter(|_| compare) {
            Some(Previous { value, source, .. }) => (Some(Arc::new(value)), Some(source)),
            None => (None, None),
        };
        // Published already: the pipeline handles the cache's latest snapshot when it stops.
        let changes = Pipeline::spawn_after(
            &self.config,
            &self.cache,
            #[cfg(feature = "sqlite")]
            &self.store,
            self.stats.clone(),
            baseline,
        );
        let mut events = changes.subscribe();
        changes.finish().await;
        let changes = match events.try_recv() {
            Ok(event) => event.changes.clone(),
            Err(_) => Vec::new(),
        };
        let counts = self.stats.counts();
        failures.extend(self.pipeline_failures(&before, &counts).await);
        self.close().await;
        Ok(PipelineRun { published, previous: source, changes, counts, failures })
    }

    /// Closes what the collections opened: the store, so that its journal is checkpointed and
    /// removed before a one-shot process exits (it is opened again on the next use).
    pub async fn close(&self) {
        #[cfg(feature = "sqlite")]
        self.store.reopen().await;
    }

    /// The snapshot an earlier run left: the latest file of `name` (when known and `[files]` is
    /// configured), else the history's newest row (when `[history]` is enabled and the store
    /// exists; it is never created here). An error names the file.
    async fn previous(&self, name: Option<&str>) -> Result<Option<Previous>, String> {
        if let Some(name) = name
            && let Some(previous) = self.previous_file(name).await?
        {
            return Ok(Some(previous));
        }
        #[cfg(feature = "sqlite")]
        if self.config.history.enabled && self.store.path().exists() {
            let path = self.store.path().display().to_string();
            let failed = |error: crate::store::StoreError| {
                format!("failed to read the previous snapshot from the history in {path}: {error}")
            };
            let pool = self.store.pool().await.map_err(failed)?;
            let mut newest =
                History::from_pool(pool).snapshot_values(None, 1).await.map_err(failed)?;
            if let Some(value) = newest.pop() {
                let source = format!("the history in {path}");
                return Ok(Some(Previous { value, source, file: false }));
            }
        }
        Ok(None)
    }

    /// The latest file of `name` in `[files] dir`, when configured and present.
    async fn previous_file(&self, name: &str) -> Result<Option<Previous>, String> {
        let Some(dir) = self.config.files.resolved_dir() else { return Ok(None) };
        let path = crate::files::SnapshotFiles::new(&dir, name).latest;
        let name = name.to_owned();
        let read = blocking(move || crate::files::read_previous(&dir, &name)).await;
        let failed = |error: String| format!("failed to read the previous snapshot: {error}");
        let value = read
            .map_err(|error| failed(error.to_string()))?
            .map_err(|error| failed(error.to_string()))?;
        let source = path.display().to_string();
        Ok(value.map(|value| Previous { value, source, file: true }))
    }

    /// What the pipeline failed to do between the counts `before` and `after`, each naming its
    /// file.
    async fn pipeline_failures(
        &self,
        before: &PipelineCounts,
        after: &PipelineCounts,
    ) -> Vec<String> {
        let mut failures = Vec::new();
        #[cfg(feature = "sqlite")]
        let not_stored = after.history_failures_total + after.history_skipped_total
            > before.history_failures_total + before.history_skipped_total;
        let not_written = after.files_failures_total + after.files_skipped_total
            > before.files_failures_total + before.files_skipped_total;
        #[cfg(feature = "sqlite")]
        if not_stored {
            let path = self.store.path().display();
            let why =
                self.store.health().await.commit_error.unwrap_or_else(|| "see the log".into());
            failures.push(format!("the snapshot was not stored in the history in {path}: {why}"));
        }
        if not_written {
            let why =
                self.stats.files_last_error.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let dir = self.config.files.resolved_dir().unwrap_or_default();
            let why = why.unwrap_or_else(|| "see the log".into());
            failures
                .push(format!("the snapshot files in {} were not written: {why}", dir.display()));
        }
        failures
    }
}
