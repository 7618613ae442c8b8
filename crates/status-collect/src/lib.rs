//! Collecting status snapshots: one collector per section, the engine that runs them, the background
//! loop, and the cache the front-ends read.
//!
//! The public surface is what an app or a front-end needs:
//! - [`Status`]: collection wired together for an app, started with [`Status::builder`] on the
//!   app's tokio runtime (or collected on demand: [`StatusBuilder::on_demand`], [`OnDemand`]).
//!   Inside, one collector per section runs concurrently, each under a deadline; an error, a hang
//!   or a panic becomes that section's outcome, and a section that fails keeps its last good value,
//!   marked stale. The loop collects at start and then every interval, forever; it never dies.
//! - [`Cache`]: the latest snapshot and its JSON, redacted once by the `[redact]` policy, for readers
//!   that must not wait on a collection.
//! - [`Refresher`]: collections on demand, coalesced and rate-limited (`?fresh=1`).
//! - [`Config`]: the TOML configuration file.
//! - [`layouts`]: the database tables the `operations` and `messaging` sections read, with their
//!   recommended indexes. Databases are read through sqlx (SQLite bundled), read-only; with the
//!   `sqlite` feature, like [`store`] and [`History`].
//! - After each collection, off the loop's path: the diff against the previous snapshot, then the
//!   [`History`] store, the latest/prev/diff files ([`write_snapshot`]), on-change hooks and in-process
//!   subscribers ([`Status::subscribe`]).
//! - [`git`]: git repositories read in-process with gix, not by spawning `git`: pure Rust, and its
//!   status walk measured faster than git2's (the figures and the build cost are in [`git`]'s docs).
//! - [`diagnostics`]: what the host publishes of its internals: a metrics registry, worker
//!   heartbeats, a bounded trace buffer (a `tracing_subscriber::Layer`), and a warn-once helper.
//! - [`store`]: the embedded SQLite store under the state dir (deploy records and history; the
//!   `sqlite` feature).
//!
//! Cargo features: `git` (the `repos` and, with `sqlite`, `deploy` sections), `sqlite` (the host's
//! databases, the store, history), `docker` (default; the `containers` section and a proxy
//! gateway's container states), `diagnostics` (default; [`diagnostics`] and the `metrics`, `workers`
//! and `trace_operations` sections), `procfs` (default; `/proc` on Linux). A table of a feature left
//! out is a configuration error naming the feature. `testing` exposes engine internals as the hidden
//! `testing` module, for this workspace's own tests and benches only (no stability promised).
//!
//! This crate may depend on status-deps and status-model, and on tokio (never creating a runtime of
//! its own: it runs on the host's). It knows nothing of HTTP or command lines.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//!
//! use status_collect::{Config, Status};
//! use status_deps::NoDeps;
//!
//! let config = Config::parse("[collect]\ninterval = \"10s\"\n[processes]\nnames = []\n", "<doc>")?;
//! let status = Status::builder().deps(Arc::new(NoDeps)).config(config).spawn()?;
//! let mut published = status.cache().subscribe();
//! published.wait_for(Option::is_some).await?;
//! let latest = status.current().expect("published");
//! assert!(latest.snapshot.host.value().is_some());
//! assert!(latest.snapshot.collection.sections.contains_key("process"));
//! status.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod cache;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod change;
mod pipeline;
// Crate-private (reached from outside only through `testing`): its `pub` items are reachable
// only with that feature.
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod collector;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod collectors;
mod command;
mod config;
#[cfg(feature = "sqlite")]
mod database;
#[cfg(feature = "diagnostics")]
pub mod diagnostics;
#[cfg(feature = "docker")]
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod docker;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod engine;
mod files;
#[cfg(feature = "git")]
pub mod git;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod health;
#[cfg(feature = "sqlite")]
mod history;
mod hooks;
mod http;
#[cfg(feature = "sqlite")]
pub mod layouts;
mod private_fs;
mod procfs;
mod refresh;
#[cfg_attr(not(feature = "testing"), allow(unreachable_pub, reason = "reached through `testing`"))]
mod runner;
mod status;
#[cfg(feature = "sqlite")]
pub mod store;
mod task;
mod time;

pub use cache::{Cache, Published};
pub use change::{PipelineCounts, SnapshotChange};
pub use collectors::{Liveness, RESTART_WINDOW, ServerRestarts, ServingGuard, Sidecars};
pub use config::{
    CollectConfig, Config, ConfigError, ContainersConfig, DatabaseConfig, DeployConfig, DiffConfig,
    FilesConfig, GatewayConfig, HistoryConfig, HookConfig, HookTarget, HooksConfig, HostConfig,
    HttpConfig, Layout, ProbeConfig, ProcessesConfig, RedactConfig, RepoConfig, ServiceConfig,
    StateConfig, StorageConfig, TargetConfig, TerminalsConfig, TracesConfig, WorkersConfig,
    parse_interval,
};
#[cfg(feature = "sqlite")]
pub use database::Database;
pub use files::{
    FilesError, LATEST_DIFF_KEYS, MAX_LATEST_BYTES, SnapshotFiles, WriteOutcome, write_snapshot,
    write_snapshot_with_mode,
};
pub use health::HealthConfig;
#[cfg(feature = "sqlite")]
pub use history::{History, STORE_FILE, SeriesPoint, open_store};
pub use refresh::{Refreshed, Refresher};
#[cfg(feature = "diagnostics")]
pub use status::Diagnostics;
pub use status::{NoRuntime, OnDemand, PipelineRun, Status, StatusBuilder};
#[cfg(feature = "sqlite")]
pub use store::{StoreError, StoreHealth};

/// Engine and loop internals for this workspace's own tests and benches, behind the `testing`
/// feature (which only the workspace's dev-dependencies turn on). Not part of the public API: it may
/// change in any release. A host builds collection with [`Status::builder`].
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing {
    use std::time::Duration;

    pub use crate::change::PipelineStats;
    pub use crate::collector::{CollectError, Collected, Collector};
    /// The collectors, one per section, and the sets a configuration yields.
    pub mod collectors {
        pub use crate::collectors::*;
    }
    #[cfg(feature = "docker")]
    pub use crate::docker::DockerEndpoint;
    pub use crate::engine::{Engine, EngineSettings};
    pub use crate::health::HealthEvaluator;
    pub use crate::runner::{LoopHandle, spawn_loop};
    use crate::{Cache, Refresher};

    /// A [`Refresher`] over `engine` (a [`Status`](crate::Status) makes its own with
    /// [`Status::refresher`](crate::Status::refresher)).
    pub fn refresher(engine: Engine, cache: Cache, min_interval: Duration) -> Refresher {
        Refresher::new(engine, cache, min_interval)
    }
}
