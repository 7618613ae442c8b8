//! [`Status`]: the engine, the loop and the cache wired together for an app, started
//! with [`Status::builder`].

mod builder;
mod on_demand;

use std::sync::Arc;
use std::time::Duration;

use status_deps::StatusDeps;
use status_model::Snapshot;

use tokio::sync::broadcast;

use crate::cache::{Cache, Published};
use crate::change::{PipelineCounts, PipelineStats, SnapshotChange};
use crate::collector::Collector;
use crate::collectors::{self, ServerRestarts, Shared, ShutdownFlag, Sidecars};
use crate::config::Config;
#[cfg(feature = "diagnostics")]
use crate::diagnostics::{HeartbeatSocket, Heartbeats, MetricsRegistry, TraceBuffer};
use crate::engine::{Engine, EngineSettings};
use crate::health::HealthEvaluator;
use crate::pipeline::Pipeline;
use crate::refresh::Refresher;
use crate::runner::{self, LoopHandle};
#[cfg(feature = "sqlite")]
use crate::store::{DeployRecord, Store, StoreError};

pub use builder::{NoRuntime, StatusBuilder};
pub use on_demand::{OnDemand, PipelineRun};

/// A running status collector: the background loop filling a cache, inside the host's runtime.
/// Start one with [`Status::builder`]; stop it with [`Status::shutdown`].
pub struct Status {
    config: Config,
    engine: Engine,
    cache: Cache,
    shutdown: ShutdownFlag,
    running: LoopHandle,
    pipeline: Pipeline,
    #[cfg(feature = "sqlite")]
    store: Store,
    sidecars: Sidecars,
    server_restarts: ServerRestarts,
    min_refresh: Duration,
    #[cfg(feature = "diagnostics")]
    diagnostics: Diagnostics,
    /// Listening while held; dropped (socket file removed) at shutdown.
    #[cfg(feature = "diagnostics")]
    _heartbeat_socket: Option<HeartbeatSocket>,
}

/// The registries host code publishes its internals through (see [`crate::diagnostics`]; the
/// `diagnostics` feature).
#[cfg(feature = "diagnostics")]
#[derive(Clone, Debug)]
pub struct Diagnostics {
    /// Read into the `metrics` section.
    pub metrics: MetricsRegistry,
    /// Read into the `workers` section.
    pub heartbeats: Heartbeats,
    /// Read by `/status/traces`, and into `recent_operations` when no database provides it.
    pub traces: TraceBuffer,
}

#[cfg(feature = "diagnostics")]
impl Diagnostics {
    /// Empty registries with the settings of `config` (`[workers]`, `[traces]`).
    pub fn from_config(config: &Config) -> Diagnostics {
        Diagnostics {
            metrics: MetricsRegistry::default(),
            heartbeats: Heartbeats::new(&config.workers),
            traces: TraceBuffer::new(&config.traces),
        }
    }
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

    /// [`Status::spawn`] with registries the host made before, for instance a trace buffer whose
    /// layer went into the subscriber installed at the start of `main`; the same as
    /// `Status::builder().config(..).deps(..).diagnostics(..).spawn()`. Listens on
    /// `[workers] socket` when one is configured; a failure to listen is logged and reported in
    /// the `workers` section, and never stops the host.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    #[cfg(feature = "diagnostics")]
    pub fn spawn_with(
        config: &Config,
        deps: Arc<dyn StatusDeps>,
        diagnostics: Diagnostics,
    ) -> Status {
        Status::builder().config(config.clone()).deps(deps).diagnostics(diagnostics).start()
    }

    fn start(
        config: Config,
        deps: Arc<dyn StatusDeps>,
        #[cfg(feature = "diagnostics")] diagnostics: Option<Diagnostics>,
    ) -> Status {
        #[cfg(feature = "diagnostics")]
        let diagnostics = diagnostics.unwrap_or_else(|| Diagnostics::from_config(&config));
        let shutdown = ShutdownFlag::default();
        #[cfg(feature = "sqlite")]
        let store = Store::new(&config.state_dir());
        let sidecars = Sidecars::default();
        let server_restarts = ServerRestarts::default();
        let stats = Arc::new(PipelineStats::default());
        #[cfg(feature = "diagnostics")]
        let (heartbeat_socket, socket) = listen(&config, &diagnostics);
        let shared = Shared {
            deps,
            shutdown: shutdown.clone(),
            #[cfg(feature = "sqlite")]
            store: store.clone(),
            sidecars: sidecars.clone(),
            server_restarts: server_restarts.clone(),
            stats: stats.clone(),
            #[cfg(feature = "diagnostics")]
            metrics: diagnostics.metrics.clone(),
            #[cfg(feature = "diagnostics")]
            heartbeats: diagnostics.heartbeats.clone(),
            #[cfg(feature = "diagnostics")]
            traces: diagnostics.traces.clone(),
            #[cfg(feature = "diagnostics")]
            socket,
        };
        let engine = engine(&config, collectors::assemble(&config, shared));
        let cache = Cache::new(config.redact.redactor());
        let pipeline = Pipeline::spawn(
            &config,
            &cache,
            #[cfg(feature = "sqlite")]
            &store,
            stats,
        );
        let running = runner::spawn_loop(engine.clone(), cache.clone(), config.collect.interval);
        let min_refresh = config.http.min_refresh;
        Status {
            config,
            engine,
            cache,
            shutdown,
            running,
            pipeline,
            #[cfg(feature = "sqlite")]
            store,
            sidecars,
            server_restarts,
            min_refresh,
            #[cfg(feature = "diagnostics")]
            diagnostics,
            #[cfg(feature = "diagnostics")]
            _heartbeat_socket: heartbeat_socket,
        }
    }

    /// The restarts of the status server serving this status (status-http counts them here;
    /// the `http` section and the `http_server` check report them).
    pub fn server_restarts(&self) -> ServerRestarts {
        self.server_restarts.clone()
    }

    /// The configuration the collector runs with (the HTTP front-end reads its `[http]` table).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The registry the `metrics` section reads: register the host's counters, gauges and
    /// histograms here.
    #[cfg(feature = "diagnostics")]
    pub fn metrics(&self) -> MetricsRegistry {
        self.diagnostics.metrics.clone()
    }

    /// The registry the `workers` section reads: workers beat here (or on `[workers] socket`).
    #[cfg(feature = "diagnostics")]
    pub fn heartbeats(&self) -> Heartbeats {
        self.diagnostics.heartbeats.clone()
    }

    /// The trace buffer: add its [`layer`](TraceBuffer::layer) to the host's subscriber, and give
    /// it to the HTTP front-end for `/status/traces`.
    #[cfg(feature = "diagnostics")]
    pub fn traces(&self) -> TraceBuffer {
        self.diagnostics.traces.clone()
    }

    #[cfg(feature = "sqlite")]
    /// Records that `sha` is deployed now, in the store under the state dir (created on first use),
    /// so the `deploy` section's `last_deploy_at`/`last_deploy_sha` say so from the next collection
    /// on, across restarts. Call it after a deploy.
    pub async fn record_deploy(&self, sha: &str) -> Result<DeployRecord, StoreError> {
        self.store.record_deploy(sha).await
    }

    #[cfg(feature = "sqlite")]
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
        self.pipeline.subscribe()
    }

    /// What happened after collection: snapshots stored, files written, hooks run, dropped or failed.
    pub fn pipeline_counts(&self) -> PipelineCounts {
        self.pipeline.stats().counts()
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
        self.pipeline.stop().await;
    }
}

/// The engine for `collectors` with `config`'s deadline, interval and health checks.
fn engine(config: &Config, collectors: Vec<Arc<dyn Collector>>) -> Engine {
    let settings = EngineSettings {
        deadline: config.collect.deadline,
        interval: Some(config.collect.interval),
        health: Some(Arc::new(HealthEvaluator::new(&config.health))),
    };
    Engine::with_settings(collectors, settings)
}

/// Listens on `[workers] socket` when configured: the socket, and what the `workers` collector
/// reports of it (`None`: not configured).
#[cfg(feature = "diagnostics")]
fn listen(
    config: &Config,
    diagnostics: &Diagnostics,
) -> (Option<HeartbeatSocket>, Option<Result<(), String>>) {
    let Some(path) = &config.workers.socket else { return (None, None) };
    match diagnostics.heartbeats.listen(path, &diagnostics.metrics) {
        Ok(socket) => (Some(socket), Some(Ok(()))),
        Err(error) => {
            tracing::warn!(%error, "heartbeats from other processes will not arrive");
            (None, Some(Err(error.to_string())))
        }
    }
}
