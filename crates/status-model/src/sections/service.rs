//! The `service` section: who the host is and whether it is running or stopping.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app as a service, or the `[target]` process when one is configured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceSection {
    /// Service name, from the config or the host.
    pub name: String,
    /// Version the host reports; `null` when it reports none.
    pub version: Option<String>,
    /// When the status collector started, RFC 3339 UTC; with a `[target]`, when the target process
    /// started (the last one seen, once it is `gone`).
    pub started_at: Timestamp,
    /// Seconds since `started_at`, from a monotonic clock (unaffected by wall-clock jumps); with a
    /// `[target]`, from the target's start time and the wall clock (once it is `gone`, the uptime it
    /// had when last seen running).
    pub uptime_seconds: f64,
    /// Whether the host is serving or shutting down, or the target is gone.
    pub status: ServiceStatus,
}

/// The host's run state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Running normally.
    Ok,
    /// Shutting down: readiness should fail, liveness should not.
    ShuttingDown,
    /// The `[target]` process was seen running and no longer runs.
    Gone,
}
