//! The `process` section: the host process's own resource use and who supervises it.

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::CgroupInfo;

/// The host process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProcessSection {
    /// Process id.
    pub pid: u32,
    /// When the process started, RFC 3339 UTC.
    pub started_at: Option<Timestamp>,
    /// CPU use since the previous collection, as a percentage of one core (200 = two cores busy).
    /// `null` on the first collection: a rate needs two samples, and none is taken by sleeping.
    pub cpu_pct: Option<f64>,
    /// User plus system CPU time the process has used since it started, in seconds.
    pub cpu_seconds_total: Option<f64>,
    /// Resident set size, in bytes.
    pub rss_bytes: Option<u64>,
    /// Virtual memory size, in bytes.
    pub virtual_bytes: Option<u64>,
    /// Number of threads.
    pub threads: Option<u64>,
    /// Number of open file descriptors.
    pub open_fds: Option<u64>,
    /// The most file descriptors the process may open (its soft `RLIMIT_NOFILE`).
    pub max_fds: Option<u64>,
    /// The control group the process runs in (Linux); `null` elsewhere, or when no controller of
    /// it can be read (the reason is in `unmeasured`).
    pub cgroup: Option<CgroupInfo>,
    /// The process supervisor, as far as it can be told from inside.
    pub supervisor: SupervisorInfo,
}

/// What supervises the process.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SupervisorInfo {
    /// The kind of supervisor.
    pub kind: SupervisorKind,
    /// Restarts the supervisor reports for this process; `null` where it does not tell.
    pub restart_count: Option<u64>,
}

/// Supervisor kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SupervisorKind {
    /// A systemd unit (`INVOCATION_ID` is set).
    Systemd,
    /// pm2 (its `pm_id` is set and the parent process is the pm2 daemon).
    Pm2,
    /// A Kubernetes pod (`KUBERNETES_SERVICE_HOST` is set).
    Kubernetes,
    /// A Docker container (`/.dockerenv` exists or `container=docker`).
    Docker,
    /// None detected.
    None,
}
