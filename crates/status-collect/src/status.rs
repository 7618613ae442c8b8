//! [`Status`]: the engine, the loop and the cache wired together for a host application.

use std::sync::Arc;
use std::time::Duration;

use status_deps::StatusDeps;
use status_model::Snapshot;

use crate::cache::{Cache, Published};
use crate::collectors::ShutdownFlag;
use crate::config::Config;
use crate::engine::Engine;
use crate::refresh::Refresher;
use crate::runner::{self, LoopHandle};

/// A running status collector: the background loop filling a cache, inside the host's runtime.
pub struct Status {
    engine: Engine,
    cache: Cache,
    shutdown: ShutdownFlag,
    running: LoopHandle,
    min_refresh: Duration,
}

impl Status {
    /// Builds the collectors `config` asks for and spawns the loop on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(config: &Config, deps: Arc<dyn StatusDeps>) -> Status {
        let shutdown = ShutdownFlag::default();
        let engine = Engine::from_config(config, deps, shutdown.clone());
        let cache = Cache::new(config.redact.redactor());
        let running = runner::spawn_loop(engine.clone(), cache.clone(), config.collect.interval);
        Status { engine, cache, shutdown, running, min_refresh: config.http.min_refresh }
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
    }
}
