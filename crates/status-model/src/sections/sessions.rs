//! The `sessions` section: how many workspaces the app knows and how many agent sessions run.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's workspaces and agent sessions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionsSection {
    /// Groups or workspaces registered with the app.
    pub workspaces_total: u64,
    /// Agent sessions running now.
    pub active_sessions: u64,
}
