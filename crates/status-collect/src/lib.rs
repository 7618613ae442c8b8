//! Collecting status snapshots: one collector per section, the engine that runs them, the background
//! loop, and the cache the front-ends read.
//!
//! - [`Collector`]: fills one section. Async, read-only; blocking work goes to the blocking pool.
//! - [`Engine`]: runs the configured collectors concurrently, each under a deadline, and turns an
//!   error, a hang or a panic into that section's outcome. A section that fails keeps its last good
//!   value, marked stale.
//! - [`spawn_loop`]: collects at start and then every interval, forever; it never dies.
//! - [`Cache`]: the latest snapshot and its JSON, redacted once by the `[redact]` policy, for readers
//!   that must not wait on a collection.
//! - [`Refresher`]: collections on demand, coalesced and rate-limited (`?fresh=1`).
//! - [`Config`]: the TOML configuration file.
//! - [`Status`]: all of the above wired together for a host application.
//! - [`layouts`]: the database tables the `operations` and `messaging` sections read, with their
//!   recommended indexes. Databases are read through sqlx (SQLite bundled), read-only.
//!
//! This crate may depend on status-deps and status-model, and on tokio (never creating a runtime of
//! its own: it runs on the host's). It knows nothing of HTTP or command lines.

mod cache;
mod collector;
pub mod collectors;
mod config;
mod database;
mod engine;
mod health;
pub mod layouts;
mod procfs;
mod refresh;
mod runner;
mod status;

pub use cache::{Cache, Published};
pub use collector::{CollectError, Collected, Collector};
pub use config::{
    CollectConfig, Config, ConfigError, DatabaseConfig, HostConfig, HttpConfig, Layout,
    ProbeConfig, RedactConfig, ServiceConfig, StateConfig, StorageConfig, parse_interval,
};
pub use database::Database;
pub use engine::{Engine, EngineSettings};
pub use health::{HealthConfig, HealthEvaluator};
pub use refresh::{Refreshed, Refresher};
pub use runner::{LoopHandle, spawn_loop};
pub use status::Status;
