//! The `broker` section: what the host's operation broker is doing, from its `execution_log`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The operation broker, read from the `execution_log` table of the `operations` layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BrokerSection {
    /// Time of the newest operation of any status; `null` when the log is empty.
    pub last_operation_at: Option<Timestamp>,
    /// Operations with status `in_progress`, all of them (the list below is capped).
    pub in_flight_count: u64,
    /// Up to 20 in-progress operations, newest first.
    pub in_flight: Vec<InFlightOperation>,
    /// Over the last 10 finished operations (any status but `in_progress`): how many had each status.
    pub last_10_results: BTreeMap<String, u64>,
}

/// One operation still in progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InFlightOperation {
    /// The operation's id.
    pub operation_id: String,
    /// `<capability>__<action>`, the tool the operation runs.
    pub tool: String,
    /// The operation's tier, as stored; `null` when the row has none.
    pub tier: Option<String>,
    /// Seconds since the operation started; `null` when its timestamp cannot be read.
    pub elapsed_s: Option<f64>,
}
