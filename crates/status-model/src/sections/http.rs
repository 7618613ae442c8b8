//! The `http` section: the status server's supervision (its accept loop's restarts).

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The supervised status server in this process.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HttpSection {
    /// Whether status-http's server runs in this process (`false` when the host serves the routes
    /// itself, or serves nothing).
    pub serving: bool,
    /// Times the server's accept loop ended without a shutdown and was restarted, since start.
    pub restarts_total: u64,
    /// Restarts within the last 10 minutes (what the `http_server` check grades).
    pub restarts_last_10m: u64,
    /// What ended the loop the last time; `null` when it never ended.
    pub last_error: Option<String>,
    /// When the last restart happened, RFC 3339 UTC; `null` when it never restarted.
    pub last_restart_at: Option<Timestamp>,
}
