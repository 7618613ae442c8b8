//! The `channels` section: the app's chat channels and whether each is connected.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every channel the app has, keyed by its name. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ChannelsSection {
    /// Channel name to its state.
    pub channels: BTreeMap<String, ChannelStatus>,
}

/// One channel's connection state, as the app reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ChannelStatus {
    /// Whether the channel is connected now.
    pub connected: bool,
    /// Since when it has been in its current state; `null` when the app does not track it.
    pub since: Option<Timestamp>,
    /// The last error the channel reported; `null` when none.
    pub last_error: Option<String>,
}
