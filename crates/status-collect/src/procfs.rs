//! Reading Linux `/proc` (and a little of `/sys` and `/etc`) under a root directory, with pure parsers.
//!
//! The root is `/` in production and a fixture directory in tests, so every parser is exercised on
//! known text. Reads are blocking: callers run them on the blocking pool.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

pub(crate) mod kept;

/// A file-system root under which `proc/`, `sys/` and `etc/` are read, with the facts that do not
/// change while the system runs (boot time, kernel release, OS name) read once per root. A root
/// made with [`Root::keeping`] keeps the files it reads open and reads them again from offset 0
/// ([`kept`]); its clones share them.
#[derive(Clone, Debug)]
pub(crate) struct Root(PathBuf, Arc<Static>);

/// Facts read once: they change only with a reboot (or an OS upgrade, which a restart follows).
#[derive(Debug, Default)]
struct Static {
    boot_time: OnceLock<Result<i64, String>>,
    kernel: OnceLock<Result<String, String>>,
    os: OnceLock<Result<String, String>>,
    /// The kept files of a [`Root::keeping`] root.
    kept: Option<Mutex<kept::Kept>>,
    /// A [`Root::keeping`] root's last cgroup layout, with the `/proc/<pid>/cgroup` text it is for.
    layout: Option<Mutex<Option<Layout>>>,
}

/// A cgroup layout found for a `/proc/<pid>/cgroup` text.
type Layout = (String, Result<cgroup::Layout, String>);

impl Default for Root {
    fn default() -> Root {
        Root::new("/")
    }
}

impl Root {
    pub(crate) fn new(path: impl Into<PathBuf>) -> Root {
        Root(path.into(), Arc::default())
    }

    /// A root that keeps each file it reads open, for a collector that reads the same few files
    /// every collection (not for one that reads every process's).
    pub(crate) fn keeping(path: impl Into<PathBuf>) -> Root {
        let (kept, layout) = (Some(Mutex::default()), Some(Mutex::default()));
        Root(path.into(), Arc::new(Static { kept, layout, ..Static::default() }))
    }

    /// A root at the same path that keeps the files it reads open (see [`Root::keeping`]).
    pub(crate) fn to_keeping(&self) -> Root {
        Root::keeping(self.0.clone())
    }

    /// The cgroup layout for `proc_cgroup` (a `/proc/<pid>/cgroup` text): found by `find`, or, on a
    /// keeping root, the one found last while the text is the same (finding it stats a few
    /// directories).
    pub(crate) fn cgroup_layout(
        &self,
        proc_cgroup: &str,
        find: impl FnOnce() -> Result<cgroup::Layout, String>,
    ) -> Result<cgroup::Layout, String> {
        let Some(memo) = &self.1.layout else {
            return find();
        };
        let mut memo = memo.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((text, layout)) = memo.as_ref()
            && text == proc_cgroup
        {
            return layout.clone();
        }
        let layout = find();
        *memo = Some((proc_cgroup.to_owned(), layout.clone()));
        layout
    }

    /// Whether this is the system's root (`/`), not a fixture directory.
    pub(crate) fn is_system(&self) -> bool {
        self.0 == Path::new("/")
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    /// `btime` of `proc/stat` (the boot time, seconds since the epoch), read once.
    pub(crate) fn boot_time(&self) -> Result<i64, String> {
        self.1
            .boot_time
            .get_or_init(|| {
                parse_boot_time(&self.read_once("proc/stat")?)
                    .ok_or_else(|| "no btime line in /proc/stat".to_owned())
            })
            .clone()
    }

    /// The kernel release (`proc/sys/kernel/osrelease`), read once.
    pub(crate) fn kernel(&self) -> Result<String, String> {
        self.1
            .kernel
            .get_or_init(|| {
                self.read_once("proc/sys/kernel/osrelease").map(|release| release.trim().to_owned())
            })
            .clone()
    }

    /// `PRETTY_NAME` of `etc/os-release`, read once.
    pub(crate) fn os(&self) -> Result<String, String> {
        self.1
            .os
            .get_or_init(|| {
                self.read_once("etc/os-release").and_then(|text| {
                    parse_os_release(&text).ok_or_else(|| "no PRETTY_NAME in os-release".to_owned())
                })
            })
            .clone()
    }

    /// Reads a file under the root into `buffer` (cleared first, its capacity kept), without
    /// keeping it open (for readers of many files, such as every process's `stat`); the error names
    /// the file.
    pub(crate) fn read_into<'b>(
        &self,
        relative: &str,
        buffer: &'b mut String,
    ) -> Result<&'b str, String> {
        buffer.clear();
        let path = self.path(relative);
        std::fs::File::open(&path)
            .and_then(|mut file| file.read_to_string(buffer))
            .map_err(|error| describe(&path, &error))?;
        Ok(buffer.as_str())
    }

    /// Reads a file under the root; the error names the file.
    pub(crate) fn read(&self, relative: &str) -> Result<String, String> {
        let Some(kept) = &self.1.kept else {
            return self.read_once(relative);
        };
        let read = kept.lock().unwrap_or_else(PoisonError::into_inner).read(relative, &self.0);
        read.map_err(|error| describe(&self.path(relative), &error))
    }

    /// Reads a file without keeping it open (what a keeping root reads once, too).
    fn read_once(&self, relative: &str) -> Result<String, String> {
        let path = self.path(relative);
        std::fs::read_to_string(&path).map_err(|error| describe(&path, &error))
    }

    /// Reads a file holding one number.
    pub(crate) fn read_u64(&self, relative: &str) -> Result<u64, String> {
        let text = self.read(relative)?;
        text.trim().parse().map_err(|_| {
            format!("{} holds {:?}, not a number", self.path(relative).display(), text.trim())
        })
    }
}

pub(crate) fn describe(path: &Path, error: &io::Error) -> String {
    format!("cannot read {}: {error}", path.display())
}

/// The fields of `/proc/<pid>/stat` the collector uses.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ProcStat {
    pub(crate) pid: u32,
    pub(crate) ppid: u32,
    /// User plus system CPU time, in clock ticks.
    pub(crate) cpu_ticks: u64,
    pub(crate) threads: u64,
    /// Start time after boot, in clock ticks.
    pub(crate) start_ticks: u64,
    pub(crate) virtual_bytes: u64,
    pub(crate) rss_pages: u64,
}

/// Parses `/proc/<pid>/stat`. The command name (field 2) may hold spaces and parentheses, so fields
/// are counted from the last `)`.
pub(crate) fn parse_stat(text: &str) -> Result<ProcStat, String> {
    let bad = |what: &str| format!("malformed /proc stat line ({what}): {:?}", text.trim());
    let (head, tail) = text.rsplit_once(')').ok_or_else(|| bad("no `)`"))?;
    let pid = head
        .split_whitespace()
        .next()
        .and_then(|pid| pid.parse().ok())
        .ok_or_else(|| bad("pid"))?;
    // tail fields start at field 3 (state); field n is at index n - 3. Fields past 24 are not used.
    let mut fields = [""; 22];
    for (slot, field) in fields.iter_mut().zip(tail.split_whitespace()) {
        *slot = field;
    }
    let field = |n: usize| -> Result<u64, String> {
        fields[n - 3].parse().map_err(|_| bad(&format!("field {n}")))
    };
    Ok(ProcStat {
        pid,
        ppid: u32::try_from(field(4)?).map_err(|_| bad("ppid"))?,
        cpu_ticks: field(14)? + field(15)?,
        threads: field(20)?,
        start_ticks: field(22)?,
        virtual_bytes: field(23)?,
        rss_pages: field(24)?,
    })
}

/// The value of `key` in `/proc/meminfo` (`MemTotal:  16314328 kB`), in kibibytes (found by
/// scanning the text: the few keys read are near its top).
pub(crate) fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// `/proc/loadavg`: the three load averages and the number of scheduling entities (tasks) that exist.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LoadAvg {
    pub(crate) one: f64,
    pub(crate) five: f64,
    pub(crate) fifteen: f64,
    pub(crate) tasks: u64,
}

pub(crate) fn parse_loadavg(text: &str) -> Result<LoadAvg, String> {
    let bad = || format!("malformed /proc/loadavg: {:?}", text.trim());
    let mut fields = [""; 4];
    for (slot, field) in fields.iter_mut().zip(text.split_whitespace()) {
        *slot = field;
    }
    let load = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).ok_or_else(bad);
    let tasks = fields
        .get(3)
        .and_then(|f| f.split_once('/'))
        .and_then(|(_, total)| total.parse().ok())
        .ok_or_else(bad)?;
    Ok(LoadAvg { one: load(0)?, five: load(1)?, fifteen: load(2)?, tasks })
}

/// `btime` (boot time, seconds since the epoch) from `/proc/stat`.
pub(crate) fn parse_boot_time(stat: &str) -> Option<i64> {
    stat.lines().find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())
}

/// Number of CPUs listed in `/proc/stat` (`cpu0`, `cpu1`, …): the online ones.
pub(crate) fn count_cpus(stat: &str) -> u64 {
    let count = stat
        .lines()
        .filter(|line| {
            line.strip_prefix("cpu")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
        .count();
    u64::try_from(count).unwrap_or(u64::MAX)
}

/// The number of CPUs in a kernel CPU list (`0-3,6,8-9`, as in `/sys/devices/system/cpu/online`);
/// `None` when it is not one.
pub(crate) fn count_cpu_list(list: &str) -> Option<u64> {
    let list = list.trim();
    if list.is_empty() {
        return None;
    }
    list.split(',').try_fold(0_u64, |total, range| {
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
        Some(total + last.checked_sub(first)? + 1)
    })
}

/// `PRETTY_NAME` from `os-release`.
pub(crate) fn parse_os_release(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix("PRETTY_NAME=")?.trim();
        Some(value.trim_matches('"').trim_matches('\'').to_owned())
    })
}

/// The cgroup v2 path of a process, from `/proc/<pid>/cgroup` (the `0::/path` line).
pub(crate) fn parse_cgroup_v2(text: &str) -> Option<&str> {
    text.lines().find_map(|line| line.strip_prefix("0::"))
}

/// The soft limit on open files from `/proc/<pid>/limits` (`Max open files  1024  4096  files`);
/// `Some(None)` when unlimited.
pub(crate) fn parse_max_open_files(limits: &str) -> Option<Option<u64>> {
    let line = limits.lines().find_map(|line| line.strip_prefix("Max open files"))?;
    match line.split_whitespace().next()? {
        "unlimited" => Some(None),
        soft => soft.parse().ok().map(Some),
    }
}

pub(crate) mod cgroup;

#[cfg(test)]
mod tests;
