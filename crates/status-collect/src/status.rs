//! [`Status`]: the engine, the loop and the cache wired together for a host application, started
//! with [`Status::builder`].

mod builder;

use std::sync::Arc;
use std::time::Duration;

use status_deps::StatusDeps;
use status_model::Snapshot;

use tokio::sync::broadcast;

use crate::cache::{Cache, Published};
use crate::changes::{ChangeCounts, ChangeStats, Changes, SnapshotChange};
use crate::collectors::{self, PipelineCollector, ShutdownFlag, Sidecars, SidecarsCollector};
use crate::config::Config;
use crate::engine::Engine;
use crate::refresh::Refresher;
use crate::runner::{self, LoopHandle};
use crate::store::{DeployRecord, Store, StoreError};

pub use builder::{NoRuntime, StatusBuilder};

/// A running status collector: the background loop filling a cache, inside the host's runtime.
/// Start one with [`Status::builder`]; stop it with [`Status::shutdown`].
pub struct Status {
    config: Config,
    engine: Engine,
    cache: Cache,
    shutdown: ShutdownFlag,
    running: LoopHandle,
    changes: Changes,
    store: Store,
    sidecars: Sidecars,
    min_refresh: Duration,
}

impl Status {
    /// The entry point: `Status::builder().deps(app).config(config).spawn()`.
    pub fn builder() -> StatusBuilder {
        StatusBuilder::default()
    }

    /// Builds the collectors `config` asks for and spawns the loop on the current tokio runtime;
    /// the same as `Status::builder().config(config.clone()).deps(deps).spawn()`, but panicking
    /// where that returns [`NoRuntime`].
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(config: &Config, deps: Arc<dyn StatusDeps>) -> Status {
        Status::builder().config(config.clone()).deps(deps).start()
    }

    fn start(config: Config, deps: Arc<dyn StatusDeps>) -> Status {
        let shutdown = ShutdownFlag::default();
        let store = Store::new(&config.state_dir());
        let sidecars = Sidecars::default();
        let stats = Arc::new(ChangeStats::default());
        let mut collectors =
            collectors::standard_with_store(&config, deps, shutdown.clone(), store.clone());
        collectors.push(Arc::new(SidecarsCollector::new(sidecars.clone())));
        collectors.push(Arc::new(PipelineCollector::new(stats.clone())));
        // Issue 8: the metrics registry, heartbeats and trace buffer add their collectors here.
        let engine = Engine::for_collectors(&config, collectors);
        let cache = Cache::new(config.redact.redactor());
        let changes = Changes::spawn(&config, &cache, stats);
        let running = runner::spawn_loop(engine.clone(), cache.clone(), config.collect.interval);
        let min_refresh = config.http.min_refresh;
        Status { config, engine, cache, shutdown, running, changes, store, sidecars, min_refresh }
    }

    /// The configuration the collector runs with (the HTTP front-end reads its `[http]` table).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Records that `sha` is deployed now, in the store under the state dir (created on first use),
    /// so the `deploy` section's `last_deploy_at`/`last_deploy_sha` say so from the next collection
    /// on, across restarts. Call it after a deploy.
    pub async fn record_deploy(&self, sha: &str) -> Result<DeployRecord, StoreError> {
        self.store.record_deploy(sha).await
    }

    /// The embedded store under the state dir.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The registry the `sidecars` section reads: register the host's helper threads and processes
    /// here.
    pub fn sidecars(&self) -> Sidecars {
        self.sidecars.clone()
    }

    /// The cache the loop fills; give it to the HTTP front-end.
    pub fn cache(&self) -> Cache {
        self.cache.clone()
    }

    /// Forced collections into the same cache, coalesced, at most one per `[http] min_refresh`;
    /// give it to the HTTP front-end for `?fresh=1`.
    pub fn refresher(&self) -> Refresher {
        Refresher::new(self.engine.clone(), self.cache.clone(), self.min_refresh)
    }

    /// A receiver of every health status change (of a check, or `overall`).
    pub fn health_events(
        &self,
    ) -> Option<tokio::sync::broadcast::Receiver<status_model::HealthEvent>> {
        self.engine.health().map(|health| health.subscribe())
    }

    /// The latest snapshot; `None` before the first collection finishes.
    pub fn current(&self) -> Option<Arc<Published>> {
        self.cache.latest()
    }

    /// A receiver of every snapshot published from now on, with what changed since the one before.
    /// A receiver that falls more than 16 snapshots behind is told how many it missed.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<SnapshotChange>> {
        self.changes.subscribe()
    }

    /// What happened after collection: snapshots stored, files written, hooks run, dropped or failed.
    pub fn change_counts(&self) -> ChangeCounts {
        self.changes.stats().counts()
    }

    /// Collects now, publishes the result and returns it.
    pub async fn collect_now(&self) -> Arc<Snapshot> {
        runner::cycle(&self.engine, &self.cache).await;
        match self.cache.latest() {
            Some(published) => published.snapshot.clone(),
            None => Arc::new(self.engine.collect().await),
        }
    }

    /// Marks the service as shutting down (readiness should fail from now on), publishes one last
    /// snapshot saying so, and stops the loop.
    pub async fn shutdown(self) {
        self.shutdown.set();
        runner::cycle(&self.engine, &self.cache).await;
        self.running.stop().await;
        self.changes.stop().await;
    }
}
