//! [`OnDemand`]: the collectors a [`Status`](super::Status) runs, collected only when asked.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use status_deps::StatusDeps;
use status_model::SectionName;

#[cfg(feature = "diagnostics")]
use super::Diagnostics;
use crate::cache::{Cache, Published};
use crate::change::ChangeStats;
use crate::collectors::{self, Shared, ShutdownFlag, Sidecars};
use crate::config::Config;
#[cfg(feature = "diagnostics")]
use crate::diagnostics::line_counters;
use crate::engine::Engine;
#[cfg(feature = "sqlite")]
use crate::store::Store;

/// The same collectors, deadline and health checks as a [`Status`](super::Status) with the same
/// configuration, collected only when [`collect`](OnDemand::collect) is called: no background loop,
/// no change pipeline (history, files, hooks), no heartbeat socket. Made by
/// [`StatusBuilder::on_demand`](super::StatusBuilder::on_demand); one-shot and polling front-ends
/// (the command line's `snapshot`, `health` and local `watch`) use it, so they report the sections
/// a server with that configuration reports.
///
/// Nothing runs after a collection: the `pipeline` section counts nothing stored, written or run
/// (`hooks_configured` as configured), and a `[workers] socket` is reported as not listened on
/// (its line counters in `metrics` stay at 0).
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
}

impl OnDemand {
    pub(super) fn start(
        config: Config,
        deps: Arc<dyn StatusDeps>,
        #[cfg(feature = "diagnostics")] diagnostics: Option<Diagnostics>,
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
        let stats = Arc::new(ChangeStats::default());
        let hooks = u64::try_from(config.hooks.on_change.len()).unwrap_or(u64::MAX);
        stats.hooks_configured.store(hooks, Ordering::Relaxed);
        let shared = Shared {
            deps,
            shutdown: ShutdownFlag::default(),
            #[cfg(feature = "sqlite")]
            store: Store::new(&config.state_dir()),
            sidecars: Sidecars::default(),
            // Nothing serves in a one-shot collection: the `http` section says `serving: false`.
            server_restarts: Default::default(),
            stats,
            #[cfg(feature = "diagnostics")]
            metrics: diagnostics.metrics,
            #[cfg(feature = "diagnostics")]
            heartbeats: diagnostics.heartbeats,
            #[cfg(feature = "diagnostics")]
            traces: diagnostics.traces,
            #[cfg(feature = "diagnostics")]
            socket,
        };
        let engine = super::engine(&config, collectors::assemble(&config, shared));
        let cache = Cache::new(config.redact.redactor());
        OnDemand { config, engine, cache }
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
        self.cache.publish(self.engine.collect().await)
    }
}
