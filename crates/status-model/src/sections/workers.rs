//! The `workers` section: the workers that send heartbeats, each with its last heartbeat and
//! whether it has gone quiet.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Workers by id. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct WorkersSection {
    /// Worker id to its state.
    pub workers: BTreeMap<String, WorkerStatus>,
}

/// One worker, as of its last heartbeat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkerStatus {
    /// When its last heartbeat arrived.
    pub last_heartbeat_at: Timestamp,
    /// Seconds since then, at collection time.
    pub age_seconds: f64,
    /// Whether it has been silent for more than the configured number of heartbeat intervals.
    pub stale: bool,
    /// The resident memory it reported; `null` when it did not say.
    pub rss_bytes: Option<u64>,
    /// The CPU use it reported, in percent of one core; `null` when it did not say.
    pub cpu_pct: Option<f64>,
    /// Anything else it reported, by key: numbers, strings (at most 200 characters) and booleans.
    pub custom: BTreeMap<String, serde_json::Value>,
}
