//! The `containers` section: the state of named Docker containers.

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Named containers, keyed by name. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ContainersSection {
    /// Container name to its state.
    pub containers: BTreeMap<String, ContainerStatus>,
}

/// One container, as the Docker Engine reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContainerStatus {
    /// Its state, or `not_found` when no container has this name.
    pub state: ContainerState,
    /// The health check's verdict (`healthy`, `unhealthy`, `starting`); `null` when the container has
    /// no health check or does not exist.
    pub health: Option<String>,
    /// When it last started; `null` when it never started or does not exist.
    pub started_at: Option<Timestamp>,
    /// How often Docker restarted it; `null` when it does not exist.
    pub restart_count: Option<u64>,
}

/// A container's state, in the Docker Engine's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContainerState {
    /// Created, never started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Being restarted by its restart policy.
    Restarting,
    /// Being removed.
    Removing,
    /// Stopped.
    Exited,
    /// Failed to stop or be removed.
    Dead,
    /// No container has this name.
    NotFound,
}
