//! Runtime status for a long-running Rust app, as one dependency.
//!
//! A host implements [`StatusDeps`] for what only it knows (its channels, queue, sessions, …), starts
//! collection on its own tokio runtime with [`Status::builder`], and serves the snapshot with
//! [`serve_status`] (or mounts [`routes`] in a server it already runs). Everything a host names is
//! re-exported here; the snapshot's types are in [`model`].
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `http` | yes | [`serve_status`], [`routes`], [`bind`], [`Mount`], [`StatusService`] |
//! | `git` | no | the `repos` section, and with `sqlite` `deploy` (gix); without it their tables are an error |
//! | `sqlite` | no | `[[databases]]`, the store `status.db` (deploy records, `[history]`): sqlx, SQLite bundled |
//! | `docker` | yes | the `containers` section and a proxy gateway's container states (Docker Engine API); without it `[containers]` is an error |
//! | `diagnostics` | yes | [`diagnostics`] (metrics registry, heartbeats, trace buffer), their sections and `/status/traces`: tracing-subscriber; without it `[workers]` and `[traces]` are errors |
//! | `mock` | no | `MockStatusDeps`, for the host's own tests |
//!
//! Their cost (crates compiled, build time, binary size, memory) is measured in the README.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use status::{BoxError, Provides, Status, StatusDeps, model::SessionsSection};
//!
//! struct App;
//!
//! #[status::async_trait]
//! impl StatusDeps for App {
//!     fn provides(&self) -> Provides {
//!         Provides { sessions: true, ..Provides::default() }
//!     }
//!     async fn sessions(&self) -> Result<SessionsSection, BoxError> {
//!         Ok(SessionsSection { workspaces_total: 3, active_sessions: 1 })
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = status::Config::load_or_default("status.toml".as_ref())?;
//!     let status = Status::builder().deps(Arc::new(App)).config(config).spawn()?;
//!     let listener = status::bind(status.config().http.bind).await?;
//!     status::serve_status(&status, listener, async { let _ = tokio::signal::ctrl_c().await; })?
//!         .await;
//!     status.shutdown().await;
//!     Ok(())
//! }
//! ```

/// The attribute a [`StatusDeps`] implementation carries: `#[status::async_trait]`.
pub use async_trait::async_trait;
pub use status_collect::{
    Config, ConfigError, Liveness, NoRuntime, OnDemand, Sidecars, Status, StatusBuilder,
};
#[cfg(feature = "diagnostics")]
pub use status_collect::{Diagnostics, diagnostics};
#[cfg(feature = "mock")]
pub use status_deps::MockStatusDeps;
pub use status_deps::{BoxError, NoDeps, Provides, StatusDeps};
#[cfg(feature = "http")]
pub use status_http::{
    BindRefused, HostError, Limits, Mount, ServeError, StatusService, Token, bind, routes,
    serve_status,
};
/// The snapshot and its sections: the types a [`StatusDeps`] implementation returns, and what
/// [`Status::current`] and [`Status::subscribe`] give.
pub use status_model as model;
