//! The process's control group (Linux cgroup v1 or v2) and pressure stall information (PSI).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The limits and use of the control group the process runs in: what a container or a systemd
/// unit grants it. Each controller is `null` when its files cannot be read (the reason is in
/// `collection.sections.process.unmeasured`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CgroupInfo {
    /// The cgroup hierarchy read: `1` (per-controller v1 hierarchies) or `2` (the unified one).
    pub version: u8,
    /// Memory: limit, use, peak, OOM kills, swap limit.
    pub memory: Option<CgroupMemory>,
    /// CPU: quota, use and throttling.
    pub cpu: Option<CgroupCpu>,
    /// Tasks: current and limit.
    pub pids: Option<CgroupPids>,
    /// The cgroup's own pressure stall information (v2 `*.pressure` files); `null` on v1.
    pub pressure: Option<Pressure>,
}

/// The memory controller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CgroupMemory {
    /// The hard limit (`memory.max`, v1 `memory.limit_in_bytes`), in bytes; `null` when the cgroup
    /// sets none (`max`, or v1's page-rounded 2^63).
    pub limit_bytes: Option<u64>,
    /// Memory charged to the cgroup (`memory.current`, v1 `memory.usage_in_bytes`), in bytes,
    /// page cache included.
    pub usage_bytes: u64,
    /// Reclaimable page cache the kernel counts in `usage_bytes` (`inactive_file` of
    /// `memory.stat`, v1 `total_inactive_file`), in bytes.
    pub reclaimable_bytes: u64,
    /// `limit_bytes - (usage_bytes - reclaimable_bytes)`, in bytes: what the cgroup can still
    /// take before reclaim fails and the OOM killer runs; `null` without a limit.
    pub headroom_bytes: Option<u64>,
    /// The highest `usage_bytes` seen (`memory.peak`, v1 `memory.max_usage_in_bytes`), in bytes;
    /// `null` where the kernel does not keep it.
    pub peak_bytes: Option<u64>,
    /// Processes of the cgroup killed by the OOM killer (`oom_kill` of `memory.events`, v1
    /// `memory.oom_control`), since the cgroup was made.
    pub oom_kills_total: Option<u64>,
    /// OOM kills since the previous collection; `null` on the first collection.
    pub oom_kills_new: Option<u64>,
    /// The swap limit (`memory.swap.max`; v1 `memory.memsw.limit_in_bytes`, which counts memory
    /// plus swap), in bytes; `null` when unlimited or not accounted.
    pub swap_limit_bytes: Option<u64>,
}

/// The CPU controller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CgroupCpu {
    /// The quota in CPUs (`quota / period` of `cpu.max`, v1 `cpu.cfs_quota_us`/`cpu.cfs_period_us`);
    /// `null` when the cgroup has no quota.
    pub quota_cpus: Option<f64>,
    /// The enforcement period, in milliseconds.
    pub period_ms: Option<f64>,
    /// CPU time used by the cgroup's tasks (`usage_usec` of `cpu.stat`, v1 `cpuacct.usage`), in
    /// seconds since the cgroup was made.
    pub usage_seconds_total: Option<f64>,
    /// Enforcement periods that have elapsed with runnable tasks (`nr_periods`).
    pub periods_total: u64,
    /// Periods in which the cgroup was throttled (`nr_throttled`).
    pub throttled_periods_total: u64,
    /// Time the cgroup's tasks were throttled (`throttled_usec`, v1 `throttled_time`), in seconds.
    pub throttled_seconds_total: f64,
    /// Share of the periods since the previous collection in which the cgroup was throttled, in
    /// percent; `null` on the first collection and when no period elapsed.
    pub throttled_pct: Option<f64>,
}

/// The pids controller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CgroupPids {
    /// Tasks in the cgroup (`pids.current`).
    pub current: u64,
    /// Its task limit (`pids.max`); `null` when unlimited.
    pub max: Option<u64>,
}

/// Pressure stall information: the share of time tasks waited for a resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pressure {
    /// Waiting for a CPU.
    pub cpu: Option<PressureResource>,
    /// Waiting for memory (reclaim, swap-in, thrashing).
    pub memory: Option<PressureResource>,
    /// Waiting for I/O.
    pub io: Option<PressureResource>,
}

/// One resource's pressure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PressureResource {
    /// Some tasks stalled (the `some` line).
    pub some: PressureLine,
    /// All non-idle tasks stalled at once (the `full` line); `null` where the kernel has none.
    pub full: Option<PressureLine>,
}

/// Averages and total of one PSI line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PressureLine {
    /// Percent of the last 10 seconds stalled.
    pub avg10_pct: f64,
    /// Percent of the last 60 seconds stalled.
    pub avg60_pct: f64,
    /// Percent of the last 300 seconds stalled.
    pub avg300_pct: f64,
    /// Time stalled since boot (or since the cgroup was made), in seconds.
    pub stalled_seconds_total: f64,
}
