//! The `queue` section: the app's work queue, overall and per group.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's work queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueueSection {
    /// Runs in progress.
    pub active: u64,
    /// The most runs allowed at once.
    pub max_concurrent: u64,
    /// Groups waiting for a free run slot.
    pub waiting: u64,
    /// Per group (a chat, a workspace), keyed by its label.
    pub per_group: BTreeMap<String, QueueGroup>,
}

/// One group's queue state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueueGroup {
    /// Whether a run for this group is in progress.
    pub active: bool,
    /// Whether that run is a scheduled task (rather than a reply to messages).
    pub is_task: bool,
    /// Messages received and not yet handled.
    pub pending_messages: u64,
    /// Tasks due and not yet run.
    pub pending_tasks: u64,
}
