//! The portable backend of the `host` and `process` sections, read through `sysinfo` on every OS it
//! supports (Linux, macOS, Windows, FreeBSD, …).
//!
//! It fills the same section shapes as the `/proc` readers ([`super::HostCollector`],
//! [`super::ProcessCollector`]). On Linux those stay the default (the `procfs` feature, on by
//! default; `benches/backends.rs` measures both); elsewhere, or with `procfs` off, these are what
//! [`super::standard`] uses. What only Linux has (cgroups, PSI, the task table against `pid_max`)
//! is never read here: those fields are `null` with the reason in `unmeasured`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{
    HostSection, LoadAverage, MemoryUsage, ProcessSection, SectionData, SectionName, SwapUsage,
};
use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
use tokio::time::Instant;

use super::process::{EnvLookup, detect_supervisor};
use super::target::{Lookup, Target, supervisor_env};
use crate::collector::{CollectError, Collected, Collector};
use crate::procfs::Root;
use crate::task::blocking;

/// Why a Linux-only field is `null` on this backend.
const LINUX_ONLY: &str = if cfg!(target_os = "linux") {
    "read from /proc only, and this build reads host facts through sysinfo (the `procfs` feature is off)"
} else {
    "Linux only (/proc and /sys/fs/cgroup); this OS has no equivalent the collector reads"
};

/// One long-lived `System` (sysinfo keeps per-process state between refreshes), or why sysinfo
/// could not start on this OS.
type Shared = Arc<Mutex<Result<System, String>>>;

fn shared() -> Shared {
    Arc::new(Mutex::new(System::new().map_err(|e| format!("sysinfo does not run here: {e}"))))
}

/// Runs `read` with the shared `System` on the blocking pool.
async fn with_system<T: Send + 'static>(
    system: &Shared,
    read: impl FnOnce(&mut System) -> Result<T, CollectError> + Send + 'static,
) -> Result<T, CollectError> {
    let system = system.clone();
    blocking(move || {
        let mut system = system.lock().unwrap_or_else(PoisonError::into_inner);
        match system.as_mut() {
            Ok(system) => read(system),
            Err(reason) => Err(CollectError::Unavailable(reason.clone())),
        }
    })
    .await?
}

/// Records a field's value, or its reason for being `null`.
fn take<T>(
    unmeasured: &mut BTreeMap<String, String>,
    field: &str,
    result: Result<T, String>,
) -> Option<T> {
    result.map_err(|reason| unmeasured.insert(field.to_owned(), reason)).ok()
}

/// Collects the `host` section through sysinfo.
pub struct SysinfoHostCollector {
    system: Shared,
    disk_paths: Vec<PathBuf>,
}

impl SysinfoHostCollector {
    /// Reads the real machine; reports disk space for `disk_paths`.
    pub fn new(disk_paths: Vec<PathBuf>) -> SysinfoHostCollector {
        SysinfoHostCollector { system: shared(), disk_paths }
    }
}

#[async_trait]
impl Collector for SysinfoHostCollector {
    fn section(&self) -> SectionName {
        SectionName::Host
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let disk_paths = self.disk_paths.clone();
        with_system(&self.system, move |system| Ok(read_host(system, &disk_paths))).await
    }
}

fn read_host(system: &mut System, disk_paths: &[PathBuf]) -> Collected {
    let mut unmeasured = BTreeMap::new();
    let u = &mut unmeasured;
    system.refresh_memory();
    system.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
    let hostname = take(u, "hostname", System::host_name().map_err(|e| format!("sysinfo: {e}")));
    let os = take(u, "os", System::long_os_version().map_err(|e| format!("sysinfo: {e}")));
    let kernel = take(u, "kernel", System::kernel_version().map_err(|e| format!("sysinfo: {e}")));
    let cpus = match system.cpus().len() {
        0 => Err("sysinfo lists no CPUs".to_owned()),
        n => Ok(u64::try_from(n).unwrap_or(u64::MAX)),
    };
    let cpus = take(u, "cpus", cpus);
    let load = take(
        u,
        "load",
        System::load_average()
            .map(|load| LoadAverage { one: load.one, five: load.five, fifteen: load.fifteen })
            .map_err(|e| format!("sysinfo: {e}")),
    );
    let memory = match system.total_memory() {
        0 => Err("sysinfo reports no memory".to_owned()),
        total => {
            let available = system.available_memory();
            Ok(MemoryUsage {
                total_bytes: total,
                used_bytes: total.saturating_sub(available),
                available_bytes: available,
            })
        }
    };
    let memory = take(u, "memory", memory);
    let (total, free) = (system.total_swap(), system.free_swap());
    let swap = Some(SwapUsage {
        total_bytes: total,
        used_bytes: total.saturating_sub(free),
        free_bytes: free,
    });
    let mut disks = BTreeMap::new();
    for path in disk_paths {
        let key = path.display().to_string();
        let usage = super::host::disk_usage(path)
            .map_err(|reason| unmeasured.insert(format!("disks.{key}"), reason))
            .ok();
        disks.insert(key, usage);
    }
    for field in ["processes", "pressure"] {
        unmeasured.insert(field.to_owned(), LINUX_ONLY.to_owned());
    }
    Collected {
        data: SectionData::Host(HostSection {
            hostname,
            os,
            kernel,
            cpus,
            load,
            memory,
            swap,
            processes: None,
            pressure: None,
            disks,
        }),
        unmeasured,
    }
}

/// Collects the `process` section through sysinfo. `cpu_pct` is the rate between two collections
/// of the accumulated CPU time, as on the `/proc` path (not sysinfo's own per-refresh figure).
pub struct SysinfoProcessCollector {
    system: Shared,
    env: EnvLookup,
    previous: Mutex<Option<CpuSample>>,
    target: Option<Arc<Target>>,
}

impl Default for SysinfoProcessCollector {
    fn default() -> SysinfoProcessCollector {
        SysinfoProcessCollector::new()
    }
}

impl SysinfoProcessCollector {
    /// Reads this process and the real environment.
    pub fn new() -> SysinfoProcessCollector {
        SysinfoProcessCollector::with_env(Arc::new(|name| std::env::var(name).ok()))
    }

    /// Reads this process; the environment (supervisor detection) through `env`.
    pub fn with_env(env: EnvLookup) -> SysinfoProcessCollector {
        SysinfoProcessCollector { system: shared(), env, previous: Mutex::new(None), target: None }
    }

    /// Describes `target` instead of this process (found through `/proc`, read through sysinfo); a
    /// target that is not running is `unavailable`.
    #[must_use]
    pub fn with_target(mut self, target: Arc<Target>) -> SysinfoProcessCollector {
        self.target = Some(target);
        self
    }
}

/// The process of a CPU sample (pid, start time), its CPU seconds and when.
type CpuSample = ((u32, u64), f64, Instant);

/// What one sysinfo refresh of this process gave.
struct Read {
    section: ProcessSection,
    cpu_seconds: Option<f64>,
    /// The process's start time as sysinfo gives it (seconds), to tell two processes apart.
    start: u64,
    unmeasured: BTreeMap<String, String>,
}

#[async_trait]
impl Collector for SysinfoProcessCollector {
    fn section(&self) -> SectionName {
        SectionName::Process
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let env = self.env.clone();
        let target = self.target.clone();
        let read = with_system(&self.system, move |system| {
            let Some(target) = target else {
                let pid = sysinfo::get_current_pid().map_err(|e| {
                    CollectError::Unavailable(format!("sysinfo cannot name this process: {e}"))
                })?;
                return read_process(system, pid, &env);
            };
            match target.lookup() {
                Lookup::Running(found) => {
                    let vars = supervisor_env(target.root(), found.pid);
                    let env: EnvLookup = Arc::new(move |name| vars.get(name).cloned());
                    read_process(system, Pid::from_u32(found.pid), &env)
                }
                Lookup::Missing { reason, .. } => Err(CollectError::Unavailable(reason)),
            }
        })
        .await?;
        let Read { mut section, cpu_seconds, start, mut unmeasured } = read;
        let now = Instant::now();
        if let Some(seconds) = cpu_seconds {
            let process = (section.pid, start);
            let mut previous = self.previous.lock().unwrap_or_else(PoisonError::into_inner);
            match previous.replace((process, seconds, now)) {
                Some((before_process, _, _)) if before_process != process => {
                    unmeasured.insert(
                        "cpu_pct".into(),
                        "the target process changed: a CPU rate needs a previous sample of it"
                            .into(),
                    );
                }
                Some((_, before, at)) => {
                    let wall = now.duration_since(at).as_secs_f64();
                    let rate = if wall > 0.0 { (seconds - before).max(0.0) / wall } else { 0.0 };
                    section.cpu_pct = Some((rate * 100.0 * 100.0).round() / 100.0);
                }
                None => {
                    unmeasured.insert(
                        "cpu_pct".into(),
                        "first collection: a CPU rate needs a previous sample".into(),
                    );
                }
            }
        }
        Ok(Collected { data: SectionData::Process(section), unmeasured })
    }
}

fn read_process(system: &mut System, pid: Pid, env: &EnvLookup) -> Result<Read, CollectError> {
    // Threads are listed as tasks on Linux only; elsewhere sysinfo does not count them.
    let kind = ProcessRefreshKind::nothing().with_cpu().with_memory();
    let kind = if cfg!(target_os = "linux") { kind } else { kind.without_tasks() };
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), false, kind);
    let process = system.process(pid).ok_or_else(|| {
        CollectError::Unavailable(format!("sysinfo found no process {pid} (not running)"))
    })?;
    let mut unmeasured = BTreeMap::new();
    let mut missing = |field: &str, reason: &str| {
        unmeasured.insert(field.to_owned(), reason.to_owned());
    };
    #[expect(clippy::cast_precision_loss, reason = "milliseconds of CPU stay far below 2^52")]
    let cpu_seconds = process.accumulated_cpu_time() as f64 / 1000.0;
    let started_at = i64::try_from(process.start_time())
        .ok()
        .filter(|&at| at > 0)
        .and_then(|at| Timestamp::from_second(at).ok());
    if started_at.is_none() {
        missing("started_at", "sysinfo gives no start time for this process");
    }
    // sysinfo lists the other tasks of the process, not its main thread (the task whose id is the
    // pid): the main thread counts too, as in `/proc/<pid>/status`'s `Threads:`.
    let threads = process
        .tasks()
        .map(|tasks| u64::try_from(tasks.len()).unwrap_or(u64::MAX).saturating_add(1));
    if threads.is_none() {
        missing("threads", "sysinfo counts threads on Linux only");
    }
    let open_fds = process.open_files().map(|n| u64::try_from(n).unwrap_or(u64::MAX));
    if open_fds.is_none() {
        missing("open_fds", "sysinfo cannot count this process's open files on this OS");
    }
    let max_fds = process.open_files_limit().map(|n| u64::try_from(n).unwrap_or(u64::MAX));
    if max_fds.is_none() {
        missing("max_fds", "sysinfo gives no open-files limit on this OS (or it is unlimited)");
    }
    missing("cgroup", LINUX_ONLY);
    let parent = process.parent();
    let start = process.start_time();
    let rss = process.memory();
    let virtual_bytes = process.virtual_memory();
    let system = std::cell::RefCell::new(system);
    let supervisor = detect_supervisor(&Root::default(), env, parent.map(Pid::as_u32), &|ppid| {
        parent_is_pm2(&mut system.borrow_mut(), ppid)
    });
    Ok(Read {
        section: ProcessSection {
            pid: pid.as_u32(),
            started_at,
            cpu_pct: None,
            cpu_seconds_total: Some((cpu_seconds * 1e6).round() / 1e6),
            rss_bytes: Some(rss),
            virtual_bytes: Some(virtual_bytes),
            threads,
            open_fds,
            max_fds,
            cgroup: None,
            supervisor,
        },
        cpu_seconds: Some(cpu_seconds),
        start,
        unmeasured,
    })
}

/// The pm2 daemon titles itself `PM2 vX.Y.Z: God Daemon (…)`; asked only when `pm_id` is set.
fn parent_is_pm2(system: &mut System, ppid: u32) -> bool {
    let pid = Pid::from_u32(ppid);
    let kind = ProcessRefreshKind::nothing().with_cmd(UpdateKind::Always).without_tasks();
    system.refresh_processes_specifics(ProcessesToUpdate::Some(&[pid]), false, kind);
    system.process(pid).is_some_and(|parent| {
        let cmd: Vec<String> =
            parent.cmd().iter().map(|arg| arg.to_string_lossy().into_owned()).collect();
        let cmd = cmd.join(" ");
        cmd.contains("God Daemon") && cmd.contains("PM2")
    })
}
