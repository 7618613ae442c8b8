//! [`StatusBuilder`]: the documented way for a host to start status collection on its own runtime.

use std::sync::Arc;

use status_deps::{NoDeps, StatusDeps};

#[cfg(feature = "diagnostics")]
use super::Diagnostics;
use super::{OnDemand, Status};
use crate::config::Config;

/// Starts a [`Status`]: what the host provides ([`deps`](StatusBuilder::deps)), how to collect
/// ([`config`](StatusBuilder::config)), then [`spawn`](StatusBuilder::spawn) on the caller's tokio
/// runtime. Made by [`Status::builder`]; every setting has a default (no host sections,
/// [`Config::default`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
///
/// use status_collect::{Config, Status};
/// use status_deps::StatusDeps;
///
/// struct App;
/// impl StatusDeps for App {
///     fn version(&self) -> Option<String> {
///         Some("1.2.3".into())
///     }
/// }
///
/// let mut config = Config::default();
/// config.state.dir = Some(std::env::temp_dir().join("status-builder-doctest"));
/// let status = Status::builder().deps(Arc::new(App)).config(config).spawn()?;
/// let snapshot = status.collect_now().await;
/// assert_eq!(snapshot.service.value().unwrap().version.as_deref(), Some("1.2.3"));
/// status.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[must_use = "nothing runs until `spawn`"]
pub struct StatusBuilder {
    deps: Arc<dyn StatusDeps>,
    config: Config,
    #[cfg(feature = "diagnostics")]
    diagnostics: Option<Diagnostics>,
}

/// [`StatusBuilder::spawn`] was called outside a tokio runtime. The library never creates one of its
/// own: call it from inside the host's (`#[tokio::main]`, or a `Runtime::enter` guard).
#[derive(Debug, thiserror::Error)]
#[error("failed to start status collection: no tokio runtime is running on this thread")]
pub struct NoRuntime;

impl Default for StatusBuilder {
    fn default() -> StatusBuilder {
        StatusBuilder {
            deps: Arc::new(NoDeps),
            config: Config::default(),
            #[cfg(feature = "diagnostics")]
            diagnostics: None,
        }
    }
}

impl StatusBuilder {
    /// What the host provides: its name and version, shutdown state and the host sections it lists
    /// in [`StatusDeps::provides`]. An `Arc<App>` coerces here, so the host keeps its own handle.
    pub fn deps(mut self, deps: Arc<dyn StatusDeps>) -> StatusBuilder {
        self.deps = deps;
        self
    }

    /// The configuration: from a file ([`Config::load`]), or [`Config::default`] with fields set in
    /// code. The collector keeps a copy; [`Status::config`] returns it.
    pub fn config(mut self, config: Config) -> StatusBuilder {
        self.config = config;
        self
    }

    /// Registries the host made before spawning, for instance a trace buffer whose layer went into
    /// the subscriber installed at the start of `main`. Default: empty ones made from the
    /// configuration's `[workers]` and `[traces]`; either way [`Status::metrics`],
    /// [`Status::heartbeats`] and [`Status::traces`] hand them out. The `diagnostics` feature.
    #[cfg(feature = "diagnostics")]
    pub fn diagnostics(mut self, diagnostics: Diagnostics) -> StatusBuilder {
        self.diagnostics = Some(diagnostics);
        self
    }

    /// Builds the collectors the configuration asks for and spawns the loop and the change pipeline
    /// as tasks on the current tokio runtime (`tokio::spawn`): the first collection starts at once,
    /// then one every `[collect] interval`. Fails, rather than panicking, outside a runtime.
    pub fn spawn(self) -> Result<Status, NoRuntime> {
        tokio::runtime::Handle::try_current().map_err(|_| NoRuntime)?;
        Ok(self.start())
    }

    /// The same collectors and health checks as [`spawn`](StatusBuilder::spawn) builds, collected
    /// only on demand: nothing runs in the background (see [`OnDemand`]). Fails outside a tokio
    /// runtime, which the `runtime` section's probe runs on.
    pub fn on_demand(self) -> Result<OnDemand, NoRuntime> {
        tokio::runtime::Handle::try_current().map_err(|_| NoRuntime)?;
        Ok(OnDemand::start(
            self.config,
            self.deps,
            #[cfg(feature = "diagnostics")]
            self.diagnostics,
            false,
        ))
    }

    /// [`on_demand`](StatusBuilder::on_demand), for a process that lives for one collection, such
    /// as a command-line run from cron: without a `[target]`, the `process` and `runtime` sections
    /// would describe only that short-lived process, so they are left out and named, with the
    /// reason, in the snapshot's `collection.left_out`. With a `[target]` it is the same as
    /// `on_demand`.
    pub fn one_shot(self) -> Result<OnDemand, NoRuntime> {
        tokio::runtime::Handle::try_current().map_err(|_| NoRuntime)?;
        Ok(OnDemand::start(
            self.config,
            self.deps,
            #[cfg(feature = "diagnostics")]
            self.diagnostics,
            true,
        ))
    }

    /// [`spawn`](StatusBuilder::spawn), for callers that already know a runtime is running.
    pub(super) fn start(self) -> Status {
        Status::start(
            self.config,
            self.deps,
            #[cfg(feature = "diagnostics")]
            self.diagnostics,
        )
    }
}
