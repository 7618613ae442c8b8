//! The `host` collector: the machine's identity, load, memory, swap, task table and disk space,
//! read from `/proc`, `/sys/fs/cgroup`, `/etc/os-release` and `statvfs`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use async_trait::async_trait;
use status_model::{
    DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, SectionData, SectionName,
    SwapUsage,
};

use crate::collector::{CollectError, Collected, Collector};
use crate::procfs::{
    Root, count_cpu_list, count_cpus, meminfo_kib, parse_cgroup_v2, parse_loadavg,
};
use crate::task::blocking;

/// Collects the `host` section.
pub struct HostCollector {
    /// Keeps the files it reads open ([`Root::keeping`]).
    root: Root,
    disk_paths: Vec<PathBuf>,
    /// Whether the root has `proc/self`, looked at once.
    has_proc: OnceLock<bool>,
}

impl HostCollector {
    /// Reads the real machine; reports disk space for `disk_paths`.
    pub fn new(disk_paths: Vec<PathBuf>) -> HostCollector {
        HostCollector::with_root("/", disk_paths)
    }

    /// Reads `proc/`, `sys/` and `etc/` under `root` (tests use fixtures). Disk paths are real.
    pub fn with_root(root: impl Into<PathBuf>, disk_paths: Vec<PathBuf>) -> HostCollector {
        HostCollector { root: Root::keeping(root), disk_paths, has_proc: OnceLock::new() }
    }
}

#[async_trait]
impl Collector for HostCollector {
    fn section(&self) -> SectionName {
        SectionName::Host
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        if !*self.has_proc.get_or_init(|| self.root.path("proc/self").is_dir()) {
            return Err(CollectError::Unavailable(format!(
                "host metrics are read from {}, which this system does not have",
                self.root.path("proc").display()
            )));
        }
        let root = self.root.clone();
        let disk_paths = self.disk_paths.clone();
        blocking(move || read_host(&root, &disk_paths)).await
    }
}

/// Records a field's value, or its reason for being `null`.
struct Fields(BTreeMap<String, String>);

impl Fields {
    fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|reason| self.0.insert(field.to_owned(), reason)).ok()
    }
}

fn read_host(root: &Root, disk_paths: &[PathBuf]) -> Collected {
    let mut fields = Fields(BTreeMap::new());
    let loadavg = root.read("proc/loadavg").and_then(|text| parse_loadavg(&text));
    let tasks = loadavg.as_ref().map(|load| load.tasks).map_err(Clone::clone);
    let meminfo = root.read("proc/meminfo");
    let kib = |key: &str| -> Result<u64, String> {
        let info = meminfo.as_deref().map_err(Clone::clone)?;
        let kib = meminfo_kib(info, key).ok_or_else(|| format!("no {key} in /proc/meminfo"))?;
        Ok(kib * 1024)
    };

    let hostname = root.read("proc/sys/kernel/hostname").map(|name| name.trim().to_owned());
    let (os, kernel) = (root.os(), root.kernel());
    // The online list is a line; `proc/stat` (the fallback) is the largest file the kernel makes here.
    let cpus = root
        .read("sys/devices/system/cpu/online")
        .ok()
        .and_then(|list| count_cpu_list(&list))
        .map_or_else(|| root.read("proc/stat").map(|stat| count_cpus(&stat)), Ok);
    let memory = kib("MemTotal").and_then(|total| {
        let available = kib("MemAvailable")?;
        Ok(MemoryUsage {
            total_bytes: total,
            used_bytes: total.saturating_sub(available),
            available_bytes: available,
        })
    });
    let swap = kib("SwapTotal").and_then(|total| {
        let free = kib("SwapFree")?;
        Ok(SwapUsage {
            total_bytes: total,
            used_bytes: total.saturating_sub(free),
            free_bytes: free,
        })
    });
    let load =
        loadavg.map(|load| LoadAverage { one: load.one, five: load.five, fifteen: load.fifteen });
    let processes = process_table(root, tasks);
    let pressure = crate::procfs::cgroup::pressure(root, "proc/pressure").map_err(|reason| {
        format!("{reason} (pressure stall information needs Linux 4.20+ built with CONFIG_PSI and not booted with psi=0)")
    });

    let mut disks = BTreeMap::new();
    for path in disk_paths {
        let key = path.display().to_string();
        let usage = fields.take(&format!("disks.{key}"), disk_usage(path));
        disks.insert(key, usage);
    }
    Collected {
        data: SectionData::Host(HostSection {
            hostname: fields.take("hostname", hostname),
            os: fields.take("os", os),
            kernel: fields.take("kernel", kernel),
            cpus: fields.take("cpus", cpus),
            load: fields.take("load", load),
            memory: fields.take("memory", memory),
            swap: fields.take("swap", swap),
            processes: fields.take("processes", processes),
            pressure: fields.take("pressure", pressure),
            disks,
        }),
        unmeasured: fields.0,
    }
}

/// The task table against whichever limit is closest to being hit: the kernel's `pid_max` and
/// `threads-max` (against all tasks) or this process's cgroup `pids.max` (against the cgroup's).
fn process_table(root: &Root, tasks: Result<u64, String>) -> Result<ProcessTable, String> {
    let tasks = tasks?;
    let mut candidates = Vec::new();
    for (file, source) in
        [("proc/sys/kernel/pid_max", "pid_max"), ("proc/sys/kernel/threads-max", "threads_max")]
    {
        if let Ok(max) = root.read_u64(file) {
            candidates.push((tasks, max, source));
        }
    }
    if let Some((current, max)) = cgroup_pids(root) {
        candidates.push((current, max, "cgroup"));
    }
    let pressure = |current: u64, max: u64| -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "task counts stay far below 2^52")]
        let ratio = current as f64 / max as f64;
        (ratio * 100.0 * 100.0).round() / 100.0
    };
    candidates
        .into_iter()
        .filter(|&(_, max, _)| max > 0)
        .map(|(current, max, source)| ProcessTable {
            current,
            max,
            fork_pressure_pct: pressure(current, max),
            limit_source: source.to_owned(),
        })
        .max_by(|a, b| a.fork_pressure_pct.total_cmp(&b.fork_pressure_pct))
        .ok_or_else(|| "no task limit readable (pid_max, threads-max, cgroup pids.max)".to_owned())
}

/// `pids.current` and `pids.max` of this process's cgroup (v2), when it has a numeric limit.
fn cgroup_pids(root: &Root) -> Option<(u64, u64)> {
    let cgroup = root.read("proc/self/cgroup").ok()?;
    let dir = format!("sys/fs/cgroup{}", parse_cgroup_v2(&cgroup)?.trim_end_matches('/'));
    let max = root.read_u64(&format!("{dir}/pids.max")).ok()?;
    let current = root.read_u64(&format!("{dir}/pids.current")).ok()?;
    Some((current, max))
}

/// Total and available space of the file system holding `path` (`statvfs`).
#[cfg(unix)]
pub(super) fn disk_usage(path: &std::path::Path) -> Result<DiskUsage, String> {
    let stat = rustix::fs::statvfs(path).map_err(|error| {
        format!("cannot statvfs {}: {}", path.display(), std::io::Error::from(error))
    })?;
    Ok(DiskUsage {
        total_bytes: stat.f_blocks.saturating_mul(stat.f_frsize),
        available_bytes: stat.f_bavail.saturating_mul(stat.f_frsize),
    })
}

/// Disk space is read with `statvfs`, which only Unix systems have.
#[cfg(not(unix))]
pub(super) fn disk_usage(path: &std::path::Path) -> Result<DiskUsage, String> {
    Err(format!(
        "disk space of {} is read with statvfs, which this OS does not have",
        path.display()
    ))
}
