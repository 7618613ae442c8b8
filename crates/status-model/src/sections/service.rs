//! The `service` section: who the host is and whether it is running or stopping.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The host application as a service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ServiceSection {
    /// Service name, from the config or the host.
    pub name: String,
    /// Version the host reports; `null` when it reports none.
    pub version: Option<String>,
    /// When the status collector started, RFC 3339 UTC.
    pub started_at: Timestamp,
    /// Seconds since `started_at`, from a monotonic clock (unaffected by wall-clock jumps).
    pub uptime_seconds: f64,
    /// Whether the host is serving or shutting down.
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
}
