//! [`Status`]: the engine, the loop and the cache wired together for a host application.

use std::sync::Arc;

use status_deps::StatusDeps;
use status_model::Snapshot;

use crate::cache::{Cache, Published};
use crate::collectors::{self, ShutdownFlag, Sidecars, SidecarsCollector};
use crate::config::Config;
use crate::engine::Engine;
use crate::runner::{self, LoopHandle};

/// A running status collector: the background loop filling a cache, inside the host's runtime.
pub struct Status {
    engine: Engine,
    cache: Cache,
    shutdown: ShutdownFlag,
    running: LoopHandle,
    sidecars: Sidecars,
}

impl Status {
    /// Builds the collectors `config` asks for and spawns the loop on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(config: &Config, deps: Arc<dyn StatusDeps>) -> Status {
        let shutdown = ShutdownFlag::default();
        let sidecars = Sidecars::default();
        let mut collectors = collectors::standard(config, deps, shutdown.clone());
        collectors.push(Arc::new(SidecarsCollector::new(sidecars.clone())));
        let engine = Engine::new(collectors, config.collect.deadline);
        let cache = Cache::default();
        let running = runner::spawn_loop(engine.clone(), cache.clone(), config.collect.interval);
        Status { engine, cache, shutdown, running, sidecars }
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
