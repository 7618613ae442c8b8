//! The `sessions` section: how many workspaces the host knows and how many agent sessions run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The host's workspaces and agent sessions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionsSection {
    /// Groups or workspaces registered with the host.
    pub workspaces_total: u64,
    /// Agent sessions running now.
    pub active_sessions: u64,
}
