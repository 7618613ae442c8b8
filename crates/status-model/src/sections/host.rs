//! The `host` section: the machine the app runs on.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Pressure;

/// The machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HostSection {
    /// Host name.
    pub hostname: Option<String>,
    /// Operating system, e.g. `Debian GNU/Linux 12 (bookworm)`.
    pub os: Option<String>,
    /// Kernel release, e.g. `6.1.0-18-amd64`.
    pub kernel: Option<String>,
    /// Logical CPUs online.
    pub cpus: Option<u64>,
    /// Load averages.
    pub load: Option<LoadAverage>,
    /// Memory.
    pub memory: Option<MemoryUsage>,
    /// Swap.
    pub swap: Option<SwapUsage>,
    /// Process (task) table use against its limit.
    pub processes: Option<ProcessTable>,
    /// System-wide pressure stall information (`/proc/pressure`, Linux 4.20+ with PSI enabled);
    /// `null` where the kernel has none (the reason is in `unmeasured`).
    pub pressure: Option<Pressure>,
    /// Disk use for each configured path, keyed by the path as configured; `null` for a path that
    /// could not be read (the reason is in `collection.sections.host.unmeasured`).
    pub disks: BTreeMap<String, Option<DiskUsage>>,
}

/// Load averages over 1, 5 and 15 minutes (runnable and uninterruptible tasks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadAverage {
    /// Over 1 minute.
    #[serde(rename = "1")]
    pub one: f64,
    /// Over 5 minutes.
    #[serde(rename = "5")]
    pub five: f64,
    /// Over 15 minutes.
    #[serde(rename = "15")]
    pub fifteen: f64,
}

/// Memory, with Linux `MemAvailable` semantics: available counts reclaimable cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MemoryUsage {
    /// Total usable memory, in bytes (`MemTotal`).
    pub total_bytes: u64,
    /// `total_bytes - available_bytes`, in bytes.
    pub used_bytes: u64,
    /// Memory available for new work without swapping, in bytes (`MemAvailable`).
    pub available_bytes: u64,
}

/// Swap space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SwapUsage {
    /// Total swap, in bytes.
    pub total_bytes: u64,
    /// Swap in use, in bytes.
    pub used_bytes: u64,
    /// Free swap, in bytes.
    pub free_bytes: u64,
}

/// Tasks (processes and threads, each of which takes a pid) against the tightest limit on them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProcessTable {
    /// Tasks that exist now, under the limit named by `limit_source`.
    pub current: u64,
    /// The limit.
    pub max: u64,
    /// `round(100 * current / max, 2)`: how close a `fork` is to failing.
    pub fork_pressure_pct: f64,
    /// Which limit is the tightest: `pid_max`, `threads_max` or `cgroup` (the cgroup's `pids.max`).
    pub limit_source: String,
}

/// Space on the file system holding a path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiskUsage {
    /// Size of the file system, in bytes.
    pub total_bytes: u64,
    /// Space available to unprivileged users, in bytes.
    pub available_bytes: u64,
}
