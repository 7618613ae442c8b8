//! The `sidecars` section: threads and processes the app registered, and whether each is alive.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Registered sidecars, keyed by name. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct SidecarsSection {
    /// Name to its state.
    pub sidecars: BTreeMap<String, SidecarStatus>,
}

/// One sidecar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SidecarStatus {
    /// A thread (or task) inside the app, or a separate process.
    pub kind: SidecarKind,
    /// The process id; `null` for a thread, which has none of its own.
    pub pid: Option<u32>,
    /// Whether it is running.
    pub alive: bool,
}

/// What a sidecar is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SidecarKind {
    /// A thread or async task of the app.
    Thread,
    /// A child or other process.
    Process,
}
