//! The `process` collector: the host process's CPU, memory, threads, descriptors and supervisor,
//! read from `/proc/self`, or from `/proc/<pid>` of the `[target]` process.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{ProcessSection, SectionData, SectionName, SupervisorInfo, SupervisorKind};
use tokio::time::Instant;

use super::target::{Lookup, Target, supervisor_env};
use crate::collector::{CollectError, Collected, Collector};
use crate::procfs::{ProcStat, Root, cgroup, parse_stat};
use crate::task::blocking;

mod resume;
use resume::ResumedSample;

#[cfg(test)]
mod tests;

/// Looks up an environment variable. Only presence and a few supervisor-set values are read; no
/// value ever goes into the snapshot.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Collects the `process` section. Keeps the previous CPU sample, so `cpu_pct` is the rate between
/// two collections; it never sleeps to measure one.
pub struct ProcessCollector {
    root: Root,
    env: EnvLookup,
    previous: Mutex<Option<CpuSample>>,
    /// The sample an earlier run left in its snapshot ([`Collector::resume`]), used when this
    /// collector has none of its own yet.
    resumed: Mutex<Option<ResumedSample>>,
    previous_cgroup: Mutex<cgroup::Previous>,
    target: Option<Arc<Target>>,
    /// This process's supervisor, found at the first collection: what started a process does not
    /// change while it runs (a `[target]`'s is found at each collection, since it may restart).
    own_supervisor: OnceLock<SupervisorInfo>,
}

#[derive(Clone, Copy)]
struct CpuSample {
    /// Which process: its pid and start time (a rate is never taken across two processes).
    process: (u32, u64),
    ticks: u64,
    at: Instant,
}

impl Default for ProcessCollector {
    fn default() -> ProcessCollector {
        ProcessCollector::new()
    }
}

impl ProcessCollector {
    /// Reads the real `/proc` and the real environment.
    pub fn new() -> ProcessCollector {
        ProcessCollector::with_root("/", Arc::new(|name| std::env::var(name).ok()))
    }

    /// Reads `proc/self/…` under `root` and the environment through `env` (tests use fixtures).
    pub fn with_root(root: impl Into<std::path::PathBuf>, env: EnvLookup) -> ProcessCollector {
        ProcessCollector {
            root: Root::keeping(root),
            env,
            previous: Mutex::new(None),
            resumed: Mutex::new(None),
            previous_cgroup: Mutex::default(),
            target: None,
            own_supervisor: OnceLock::new(),
        }
    }

    /// Describes `target` instead of this process: a target that is not running is `unavailable`.
    #[must_use]
    pub fn with_target(mut self, target: Arc<Target>) -> ProcessCollector {
        self.root = target.root().to_keeping();
        self.target = Some(target);
        self
    }
}

#[async_trait]
impl Collector for ProcessCollector {
    fn section(&self) -> SectionName {
        SectionName::Process
    }

    fn resume(&self, previous: &serde_json::Value) {
        let sample = ResumedSample::of(previous);
        *self.resumed.lock().unwrap_or_else(PoisonError::into_inner) = sample;
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let root = self.root.clone();
        let env = self.env.clone();
        let previous_cgroup = *self.previous_cgroup.lock().unwrap_or_else(PoisonError::into_inner);
        let target = self.target.clone();
        let own_supervisor = self.own_supervisor.get().cloned();
        let read = blocking(move || {
            let Some(target) = target else {
                return Ok(read_process(&root, "proc/self", &env, previous_cgroup, own_supervisor));
            };
            match target.lookup() {
                Lookup::Running(found) => {
                    let vars = supervisor_env(&root, found.pid);
                    let env: EnvLookup = Arc::new(move |name| vars.get(name).cloned());
                    let dir = format!("proc/{}", found.pid);
                    let read = read_process(&root, &dir, &env, previous_cgroup, None);
                    if read.stat.is_none() {
                        return Err(CollectError::Unavailable(format!(
                            "process {} (the target) exited while it was read",
                            found.pid
                        )));
                    }
                    Ok(read)
                }
                Lookup::Missing { reason, .. } => Err(CollectError::Unavailable(reason)),
            }
        })
        .await??;
        if self.target.is_none() {
            self.own_supervisor.get_or_init(|| read.supervisor.clone());
        }
        if let Some(next) = read.cgroup_next {
            *self.previous_cgroup.lock().unwrap_or_else(PoisonError::into_inner) = next;
        }
        let now = Instant::now();
        let mut unmeasured = read.unmeasured;
        let mut cpu_pct = None;
        match read.stat.as_ref() {
            Some(stat) => {
                let process = (stat.pid, stat.start_ticks);
                let sample = CpuSample { process, ticks: stat.cpu_ticks, at: now };
                let mut previous = self.previous.lock().unwrap_or_else(PoisonError::into_inner);
                let resumed = self.resumed.lock().unwrap_or_else(PoisonError::into_inner).take();
                match previous.replace(sample) {
                    Some(before) if before.process == process => {
                        cpu_pct = Some(cpu_rate(before, sample));
                    }
                    Some(_) => {
                        unmeasured.insert(
                            "cpu_pct".into(),
                            "the target process changed: a CPU rate needs a previous sample of it"
                                .into(),
                        );
                    }
                    None => match resumed {
                        Some(resumed) => {
                            let seconds = cpu_seconds(stat.cpu_ticks);
                            let now = Timestamp::now();
                            match resumed.rate(stat.pid, read.started_at, seconds, now) {
                                Ok(rate) => cpu_pct = Some(rate),
                                Err(reason) => {
                                    unmeasured.insert("cpu_pct".into(), reason);
                                }
                            }
                        }
                        None => {
                            unmeasured.insert(
                                "cpu_pct".into(),
                                "first collection: a CPU rate needs a previous sample".into(),
                            );
                        }
                    },
                }
            }
            None => {
                unmeasured.insert("cpu_pct".into(), "process stat unreadable".into());
            }
        }
        let page_size = u64::try_from(rustix::param::page_size()).unwrap_or(4096);
        let stat = read.stat.as_ref();
        Ok(Collected {
            data: SectionData::Process(ProcessSection {
                pid: stat.map_or_else(std::process::id, |stat| stat.pid),
                started_at: read.started_at,
                cpu_pct,
                cpu_seconds_total: stat.map(|stat| cpu_seconds(stat.cpu_ticks)),
                rss_bytes: stat.map(|stat| stat.rss_pages * page_size),
                virtual_bytes: stat.map(|stat| stat.virtual_bytes),
                threads: stat.map(|stat| stat.threads),
                open_fds: read.open_fds,
                max_fds: read.max_fds,
                cgroup: read.cgroup,
                supervisor: read.supervisor,
            }),
            unmeasured,
        })
    }
}

/// Clock ticks of CPU time in seconds, to the microsecond.
fn cpu_seconds(ticks: u64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "tick counts stay far below 2^52")]
    let seconds = ticks as f64 / rustix::param::clock_ticks_per_second() as f64;
    (seconds * 1e6).round() / 1e6
}

/// CPU use between two samples as a percentage of one core.
fn cpu_rate(before: CpuSample, after: CpuSample) -> f64 {
    let wall = after.at.duration_since(before.at);
    if wall.is_zero() {
        return 0.0;
    }
    let ticks = after.ticks.saturating_sub(before.ticks);
    #[expect(clippy::cast_precision_loss, reason = "tick counts stay far below 2^52")]
    let cpu =
        Duration::from_secs_f64(ticks as f64 / rustix::param::clock_ticks_per_second() as f64);
    (cpu.as_secs_f64() / wall.as_secs_f64() * 100.0 * 100.0).round() / 100.0
}

struct ProcessRead {
    stat: Option<ProcStat>,
    started_at: Option<Timestamp>,
    open_fds: Option<u64>,
    max_fds: Option<u64>,
    cgroup: Option<status_model::CgroupInfo>,
    cgroup_next: Option<cgroup::Previous>,
    supervisor: SupervisorInfo,
    unmeasured: BTreeMap<String, String>,
}

/// Reads the process whose `/proc` directory is `dir` (`proc/self` or `proc/<pid>`) under `root`;
/// its supervisor is looked for unless `supervisor` is known.
fn read_process(
    root: &Root,
    dir: &str,
    env: &EnvLookup,
    previous_cgroup: cgroup::Previous,
    supervisor: Option<SupervisorInfo>,
) -> ProcessRead {
    let mut unmeasured = BTreeMap::new();
    let stat = root.read(&format!("{dir}/stat")).and_then(|text| parse_stat(&text));
    let stat = match stat {
        Ok(stat) => Some(stat),
        Err(reason) => {
            for field in
                ["cpu_seconds_total", "rss_bytes", "virtual_bytes", "threads", "started_at"]
            {
                unmeasured.insert(field.to_owned(), reason.clone());
            }
            None
        }
    };
    let started_at = stat.as_ref().and_then(|stat| match start_time(root, stat) {
        Ok(at) => Some(at),
        Err(reason) => {
            unmeasured.insert("started_at".to_owned(), reason);
            None
        }
    });
    let open_fds = match count_fds(root, dir) {
        Ok(count) => Some(count),
        Err(reason) => {
            unmeasured.insert("open_fds".to_owned(), reason);
            None
        }
    };
    let max_fds = match max_open_files(root, dir) {
        Ok(Some(max)) => Some(max),
        Ok(None) => {
            unmeasured.insert("max_fds".to_owned(), "RLIMIT_NOFILE is unlimited".to_owned());
            None
        }
        Err(reason) => {
            unmeasured.insert("max_fds".to_owned(), reason);
            None
        }
    };
    let (cgroup, cgroup_next) =
        match root.read(&format!("{dir}/cgroup")).and_then(|text| cgroup::layout(root, &text)) {
            Ok(layout) => {
                let (info, next) = cgroup::read(root, &layout, previous_cgroup, &mut unmeasured);
                (Some(info), Some(next))
            }
            Err(reason) => {
                unmeasured.insert("cgroup".to_owned(), reason);
                (None, None)
            }
        };
    let supervisor = supervisor.unwrap_or_else(|| {
        detect_supervisor(root, env, stat.as_ref().map(|stat| stat.ppid), &|ppid| {
            parent_is_pm2(root, ppid)
        })
    });
    ProcessRead { stat, started_at, open_fds, max_fds, cgroup, cgroup_next, supervisor, unmeasured }
}

/// The soft limit on open files (`None` when unlimited): asked of the kernel for this process
/// (`getrlimit`, no text to make and parse), read from `<dir>/limits` for another one or under a
/// fixture root.
fn max_open_files(root: &Root, dir: &str) -> Result<Option<u64>, String> {
    #[cfg(unix)]
    if root.is_system() && dir == "proc/self" {
        return Ok(rustix::process::getrlimit(rustix::process::Resource::Nofile).current);
    }
    root.read(&format!("{dir}/limits")).and_then(|text| {
        crate::procfs::parse_max_open_files(&text)
            .ok_or_else(|| format!("no `Max open files` line in /{dir}/limits"))
    })
}

pub(super) fn start_time(root: &Root, stat: &ProcStat) -> Result<Timestamp, String> {
    let boot = root.boot_time()?;
    #[expect(clippy::cast_precision_loss, reason = "tick counts stay far below 2^52")]
    let since_boot = stat.start_ticks as f64 / rustix::param::clock_ticks_per_second() as f64;
    let boot =
        Timestamp::from_second(boot).map_err(|error| format!("boot time out of range: {error}"))?;
    let at = boot
        .checked_add(Duration::from_secs_f64(since_boot))
        .map_err(|error| format!("start time out of range: {error}"))?;
    Ok(at.round(jiff::Unit::Millisecond).unwrap_or(at))
}

/// The number of open descriptors: the size Linux 6.2+ gives `<dir>/fd` (one `stat`), else its
/// entries counted ([`count_fd_entries`]).
#[cfg(unix)]
fn count_fds(root: &Root, dir: &str) -> Result<u64, String> {
    // A fixture directory's size is not a count: only the system's `/proc` is asked.
    if root.is_system()
        && let Ok(stat) = rustix::fs::stat(root.path(&format!("{dir}/fd")))
        && let Ok(count @ 1..) = u64::try_from(stat.st_size)
    {
        return Ok(count);
    }
    count_fd_entries(root, dir)
}

/// Counts the entries of `<dir>/fd`, leaving out the descriptor used to read the directory when
/// `dir` is this process's.
#[cfg(unix)]
fn count_fd_entries(root: &Root, dir: &str) -> Result<u64, String> {
    use rustix::fs::{Dir, Mode, OFlags, open};
    use std::os::fd::AsRawFd;
    let path = root.path(&format!("{dir}/fd"));
    let is_self = dir == "proc/self" || dir == format!("proc/{}", std::process::id());
    let fail = |error: rustix::io::Errno| crate::procfs::describe(&path, &error.into());
    let fd = open(&path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
        .map_err(fail)?;
    let own = if is_self { fd.as_raw_fd().to_string() } else { String::new() };
    let mut dir = Dir::new(fd).map_err(fail)?;
    let mut count = 0;
    while let Some(entry) = dir.read() {
        let entry = entry.map_err(fail)?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." && name != own.as_bytes() {
            count += 1;
        }
    }
    Ok(count)
}

/// Descriptors are counted in `/proc/self/fd`, a Unix (Linux) directory.
#[cfg(not(unix))]
fn count_fds(root: &Root, dir: &str) -> Result<u64, String> {
    Err(format!("{} is Linux only", root.path(&format!("{dir}/fd")).display()))
}

/// systemd sets `INVOCATION_ID`; pm2 sets `pm_id` and is the parent; Kubernetes sets
/// `KUBERNETES_SERVICE_HOST`; Docker leaves `/.dockerenv` (or `container=docker`).
/// `parent_is_pm2` asks whether the parent (by pid) is the pm2 daemon (each backend reads it its way).
pub(super) fn detect_supervisor(
    root: &Root,
    env: &EnvLookup,
    ppid: Option<u32>,
    parent_is_pm2: &dyn Fn(u32) -> bool,
) -> SupervisorInfo {
    let none = |kind| SupervisorInfo { kind, restart_count: None };
    if env("INVOCATION_ID").is_some() {
        return none(SupervisorKind::Systemd);
    }
    if env("pm_id").is_some() && ppid.is_some_and(parent_is_pm2) {
        let restart_count = env("restart_time").and_then(|count| count.trim().parse().ok());
        return SupervisorInfo { kind: SupervisorKind::Pm2, restart_count };
    }
    if env("KUBERNETES_SERVICE_HOST").is_some() {
        return none(SupervisorKind::Kubernetes);
    }
    if root.path(".dockerenv").exists() || env("container").as_deref() == Some("docker") {
        return none(SupervisorKind::Docker);
    }
    none(SupervisorKind::None)
}

/// The pm2 daemon titles itself `PM2 vX.Y.Z: God Daemon (…)`.
fn parent_is_pm2(root: &Root, ppid: u32) -> bool {
    root.read(&format!("proc/{ppid}/cmdline"))
        .is_ok_and(|cmdline| cmdline.contains("God Daemon") && cmdline.contains("PM2"))
}
