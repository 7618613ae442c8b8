//! The `processes` section: processes counted by exact executable name.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Processes by executable name, for the configured names. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ProcessesSection {
    /// Name to the processes running it (every configured name has an entry, possibly empty).
    pub by_name: BTreeMap<String, NamedProcesses>,
}

/// The processes whose executable has one name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NamedProcesses {
    /// How many.
    pub count: u64,
    /// Their pids, ascending.
    pub pids: Vec<u32>,
}
