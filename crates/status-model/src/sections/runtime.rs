//! The `runtime` section: the async runtime the host runs on.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The tokio runtime the collector runs on (the host's own).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuntimeSection {
    /// Worst wait of the lag probe's tasks during the collection, in milliseconds: how long a task
    /// that was ready waited to run because the runtime's workers were busy. `null` when the runtime
    /// would not run the probe (shutting down).
    pub event_loop_lag_ms: Option<f64>,
    /// Number of worker threads.
    pub workers: u64,
    /// Number of tasks alive on the runtime.
    pub alive_tasks: u64,
    /// Tasks waiting in the runtime's global queue.
    pub global_queue_depth: u64,
}
