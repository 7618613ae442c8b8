//! The `[target]` process: finding it at each collection and telling whether it still runs.
//!
//! Lookups read Linux `/proc` (and the cgroup file system for `systemd_unit`) on the blocking pool;
//! no process is started. Both backends of the `process` section use them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;

use crate::config::TargetConfig;
use crate::procfs::{ProcStat, Root, parse_stat};

/// The most bytes read from a pidfile, `comm`, `cmdline` or `environ` file.
const READ_LIMIT: u64 = 256 * 1024;
/// The most directories visited looking for a unit's cgroup, and inside it.
const CGROUP_DIRS_LIMIT: usize = 20_000;
/// How deep a unit's cgroup is looked for under the cgroup root.
const CGROUP_DEPTH_LIMIT: usize = 6;

/// The process the snapshot describes instead of the collector's own, as `[target]` names it.
pub struct Target {
    locator: Locator,
    version: Option<String>,
    root: Root,
    last: Mutex<Option<Found>>,
}

#[derive(Clone, Debug)]
enum Locator {
    Pid(u32),
    Pidfile(PathBuf),
    Name(String),
    Unit { unit: String, cgroup_root: Option<PathBuf> },
}

/// A running target.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) pid: u32,
    pub(crate) stat: ProcStat,
    /// The kernel's name for it (`comm`).
    pub(crate) name: Option<String>,
    pub(crate) started_at: Result<Timestamp, String>,
    /// The uptime it had when found.
    pub(crate) uptime_seconds: Option<f64>,
}

/// What a lookup gave.
pub(crate) enum Lookup {
    Running(Found),
    /// Not running, or not found: why, and what was last seen running, if anything.
    Missing {
        reason: String,
        last: Option<Found>,
    },
}

impl Target {
    /// The target `config` names, or `None` when it names none.
    pub fn from_config(config: &TargetConfig) -> Option<Target> {
        Target::with_root(config, "/")
    }

    /// As [`Target::from_config`], reading `proc/` (and the default cgroup mounts) under `root`.
    pub fn with_root(config: &TargetConfig, root: impl Into<PathBuf>) -> Option<Target> {
        let locator = if let Some(pid) = config.pid {
            Locator::Pid(pid)
        } else if let Some(path) = &config.pidfile {
            Locator::Pidfile(path.clone())
        } else if let Some(name) = &config.name {
            Locator::Name(name.clone())
        } else {
            let unit = config.systemd_unit.clone()?;
            Locator::Unit { unit, cgroup_root: config.cgroup_root.clone() }
        };
        Some(Target {
            locator,
            version: config.version.clone(),
            root: Root::new(root),
            last: Mutex::new(None),
        })
    }

    /// The configured version.
    pub(crate) fn version(&self) -> Option<String> {
        self.version.clone()
    }

    pub(crate) fn root(&self) -> &Root {
        &self.root
    }

    /// Finds the target now (blocking: reads `/proc`).
    pub(crate) fn lookup(&self) -> Lookup {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        match self.find(last.as_ref()) {
            Ok(found) => {
                *last = Some(found.clone());
                Lookup::Running(found)
            }
            Err(reason) => Lookup::Missing { reason, last: last.clone() },
        }
    }

    fn find(&self, last: Option<&Found>) -> Result<Found, String> {
        match &self.locator {
            Locator::Pid(pid) => {
                let found = self
                    .read(*pid)
                    .map_err(|_| format!("process {pid} (`[target] pid`) is not running"))?;
                // The same pid, started at another time: the target exited and the pid was reused.
                if let Some(last) = last
                    && last.pid == found.pid
                    && last.stat.start_ticks != found.stat.start_ticks
                {
                    return Err(format!(
                        "process {pid} (`[target] pid`) exited; the pid now names another process"
                    ));
                }
                Ok(found)
            }
            Locator::Pidfile(path) => {
                let pid = read_pidfile(path)?;
                self.read(pid).map_err(|_| {
                    format!("process {pid} (from pidfile {}) is not running", path.display())
                })
            }
            Locator::Name(name) => self.by_name(name),
            Locator::Unit { unit, cgroup_root } => self.by_unit(unit, cgroup_root.as_deref()),
        }
    }

    /// Reads one process; the error names the file that could not be read.
    fn read(&self, pid: u32) -> Result<Found, String> {
        let stat = parse_stat(&self.root.read(&format!("proc/{pid}/stat"))?)?;
        let name = read_limited(&self.root.path(&format!("proc/{pid}/comm")))
            .ok()
            .map(|comm| comm.trim_end_matches('\n').to_owned());
        let started_at = super::process::start_time(&self.root, &stat);
        let uptime_seconds = started_at.as_ref().ok().map(|at| {
            let seconds = Timestamp::now().duration_since(*at).as_secs_f64().max(0.0);
            (seconds * 1000.0).round() / 1000.0
        });
        Ok(Found { pid, stat, name, started_at, uptime_seconds })
    }

    /// The newest process whose name is `name`, leaving out the collector itself.
    fn by_name(&self, name: &str) -> Result<Found, String> {
        let own = std::process::id();
        let proc = self.root.path("proc");
        let entries = std::fs::read_dir(&proc)
            .map_err(|error| format!("cannot list {}: {error}", proc.display()))?;
        let mut newest: Option<Found> = None;
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if pid == own || !self.has_name(pid, name) {
                continue;
            }
            // A process that exits between the listing and the read is skipped.
            let Ok(found) = self.read(pid) else { continue };
            if newest.as_ref().is_none_or(|best| found.stat.start_ticks > best.stat.start_ticks) {
                newest = Some(found);
            }
        }
        newest.ok_or_else(|| format!("no process is named {name:?} (`[target] name`)"))
    }

    /// `comm` holds at most 15 bytes; a longer name is matched on the executable's file name.
    fn has_name(&self, pid: u32, name: &str) -> bool {
        let Ok(comm) = read_limited(&self.root.path(&format!("proc/{pid}/comm"))) else {
            return false;
        };
        let comm = comm.trim_end_matches('\n');
        if name.len() <= 15 {
            return comm == name;
        }
        if !name.as_bytes().starts_with(comm.as_bytes()) || comm.len() < 15 {
            return false;
        }
        read_limited(&self.root.path(&format!("proc/{pid}/cmdline"))).is_ok_and(|cmdline| {
            let argv0 = cmdline.split('\0').next().unwrap_or_default();
            Path::new(argv0).file_name().is_some_and(|file| file == name)
        })
    }

    /// The unit's main process: in its cgroup (or below), with a parent outside it; the oldest such.
    fn by_unit(&self, unit: &str, cgroup_root: Option<&Path>) -> Result<Found, String> {
        let mount = match cgroup_root {
            Some(dir) => dir.to_owned(),
            None => self.cgroup_mount()?,
        };
        let dir = find_dir(&mount, unit)?;
        let pids = unit_pids(&dir)?;
        if pids.is_empty() {
            return Err(format!(
                "unit {unit} has no processes (its cgroup {} is empty: stopped)",
                dir.display()
            ));
        }
        let mut main: Option<Found> = None;
        for pid in &pids {
            let Ok(found) = self.read(*pid) else { continue };
            if pids.contains(&found.stat.ppid) {
                continue;
            }
            if main.as_ref().is_none_or(|best| found.stat.start_ticks < best.stat.start_ticks) {
                main = Some(found);
            }
        }
        main.ok_or_else(|| format!("no process of unit {unit} could be read"))
    }

    /// The unified hierarchy, else systemd's v1 one.
    fn cgroup_mount(&self) -> Result<PathBuf, String> {
        ["sys/fs/cgroup", "sys/fs/cgroup/unified", "sys/fs/cgroup/systemd"]
            .into_iter()
            .map(|dir| self.root.path(dir))
            .find(|dir| dir.join("cgroup.procs").is_file())
            .ok_or_else(|| "no cgroup hierarchy is mounted under /sys/fs/cgroup".to_owned())
    }
}

/// The pid in a pidfile (its first line), read with a bound.
fn read_pidfile(path: &Path) -> Result<u32, String> {
    let text = read_limited(path)
        .map_err(|error| format!("cannot read pidfile {}: {error}", path.display()))?;
    let line = text.lines().next().unwrap_or_default().trim();
    line.parse::<u32>().ok().filter(|pid| *pid > 0).ok_or_else(|| {
        format!(
            "pidfile {} does not hold a process id (its first line is {line:?})",
            path.display()
        )
    })
}

fn read_limited(path: &Path) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?.take(READ_LIMIT).read_to_string(&mut text)?;
    Ok(text)
}

/// The directory named `name` under `root`, breadth first, without following links.
fn find_dir(root: &Path, name: &str) -> Result<PathBuf, String> {
    let mut queue = VecDeque::from([(root.to_owned(), 0)]);
    let mut visited = 0;
    while let Some((dir, depth)) = queue.pop_front() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            if !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                continue;
            }
            visited += 1;
            if visited > CGROUP_DIRS_LIMIT {
                return Err(format!(
                    "unit {name} not found in the first {CGROUP_DIRS_LIMIT} cgroups under {}",
                    root.display()
                ));
            }
            if entry.file_name() == name {
                return Ok(entry.path());
            }
            if depth + 1 < CGROUP_DEPTH_LIMIT {
                queue.push_back((entry.path(), depth + 1));
            }
        }
    }
    Err(format!("unit {name} has no cgroup under {} (not loaded, or not running)", root.display()))
}

/// The pids in a cgroup and the cgroups below it.
fn unit_pids(dir: &Path) -> Result<BTreeSet<u32>, String> {
    let mut pids = BTreeSet::new();
    let mut queue = VecDeque::from([(dir.to_owned(), 0)]);
    let mut visited = 0;
    while let Some((dir, depth)) = queue.pop_front() {
        visited += 1;
        if visited > CGROUP_DIRS_LIMIT {
            return Err(format!("more than {CGROUP_DIRS_LIMIT} cgroups under {}", dir.display()));
        }
        let procs = dir.join("cgroup.procs");
        let text = read_limited(&procs)
            .map_err(|error| format!("cannot read {}: {error}", procs.display()))?;
        pids.extend(text.lines().filter_map(|line| line.trim().parse::<u32>().ok()));
        if depth >= CGROUP_DEPTH_LIMIT {
            continue;
        }
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                queue.push_back((entry.path(), depth + 1));
            }
        }
    }
    Ok(pids)
}

/// The supervisor-related variables of another process's environment (their values are used only
/// to detect the supervisor, never shown), read from `proc/<pid>/environ`.
pub(crate) fn supervisor_env(root: &Root, pid: u32) -> BTreeMap<String, String> {
    const KEYS: [&str; 5] =
        ["INVOCATION_ID", "pm_id", "restart_time", "KUBERNETES_SERVICE_HOST", "container"];
    let Ok(text) = read_limited(&root.path(&format!("proc/{pid}/environ"))) else {
        return BTreeMap::new();
    };
    text.split('\0')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, _)| KEYS.contains(key))
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
}
