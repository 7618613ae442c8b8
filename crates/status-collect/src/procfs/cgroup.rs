//! The process's control group (v2, or v1 where the kernel mounts per-controller hierarchies) and
//! pressure stall information, read under a [`Root`] with pure parsers.
//!
//! Where the files are:
//! - v2 (`/sys/fs/cgroup` is the unified hierarchy, `0::/path` in `/proc/self/cgroup`):
//!   `memory.{max,current,peak,stat,events,swap.max}`, `cpu.{max,stat}`, `pids.{max,current}` and
//!   `{cpu,memory,io}.pressure` in `/sys/fs/cgroup/<path>`.
//! - v1 (`N:memory:/path` lines): `memory.{limit_in_bytes,usage_in_bytes,max_usage_in_bytes,stat,
//!   oom_control,memsw.limit_in_bytes}` under `/sys/fs/cgroup/memory/<path>`, `cpu.{cfs_quota_us,
//!   cfs_period_us,stat}` under `cpu`, `cpuacct.usage` under `cpuacct`, `pids.*` under `pids`.
//!   A hybrid machine also mounts v2 at `/sys/fs/cgroup/unified`; its `*.pressure` files are read
//!   from there.
//!
//! A path that does not exist under the mount (a container without its own cgroup namespace sees
//! the host's path but has its own cgroup mounted at the root) falls back to the mount's root.

use std::collections::BTreeMap;

use status_model::{
    CgroupCpu, CgroupInfo, CgroupMemory, CgroupPids, Pressure, PressureLine, PressureResource,
};

use super::Root;

/// v1 reports "no limit" as the largest page-aligned signed 64-bit value; anything this large is
/// no limit.
const V1_UNLIMITED: u64 = 1 << 62;

/// Where each controller's files are for one process.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Layout {
    pub(crate) version: u8,
    /// Directories, relative to the root, by controller (`memory`, `cpu`, `cpuacct`, `pids`) and
    /// `pressure` for the `*.pressure` files.
    pub(crate) dirs: BTreeMap<&'static str, String>,
}

/// Finds the process's cgroup directories from its `/proc/<pid>/cgroup` text (a keeping root
/// remembers them while the text is the same).
pub(crate) fn layout(root: &Root, proc_cgroup: &str) -> Result<Layout, String> {
    root.cgroup_layout(proc_cgroup, || find_layout(root, proc_cgroup))
}

fn find_layout(root: &Root, proc_cgroup: &str) -> Result<Layout, String> {
    let mut v1: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    let mut v2 = None;
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if controllers.is_empty() {
            v2 = Some(path);
        }
        for controller in controllers.split(',') {
            if let Some(known) =
                ["memory", "cpu", "cpuacct", "pids"].into_iter().find(|c| *c == controller)
            {
                v1.insert(known, (controllers, path));
            }
        }
    }
    let existing = |mount: &str, path: &str| -> Option<String> {
        let mount = format!("sys/fs/cgroup{mount}");
        if !root.path(&mount).is_dir() {
            return None;
        }
        let dir = format!("{mount}{}", path.trim_end_matches('/'));
        Some(if root.path(&dir).is_dir() { dir } else { mount })
    };
    if v1.is_empty() {
        let path = v2.ok_or("no cgroup line in /proc/self/cgroup")?;
        if !root.path("sys/fs/cgroup/cgroup.controllers").exists() {
            return Err("no cgroup v2 hierarchy mounted at /sys/fs/cgroup".into());
        }
        let dir = existing("", path).ok_or("/sys/fs/cgroup is missing")?;
        let dirs = ["memory", "cpu", "pids", "pressure"].into_iter().map(|c| (c, dir.clone()));
        return Ok(Layout { version: 2, dirs: dirs.collect() });
    }
    let mut dirs = BTreeMap::new();
    for (controller, (mount, path)) in v1 {
        // `cpu,cpuacct` is mounted under that name (with `cpu` and `cpuacct` links to it).
        if let Some(dir) = existing(&format!("/{mount}"), path)
            .or_else(|| existing(&format!("/{controller}"), path))
        {
            dirs.insert(controller, dir);
        }
    }
    if let Some(path) = v2
        && let Some(dir) = existing("/unified", path)
    {
        dirs.insert("pressure", dir);
    }
    Ok(Layout { version: 1, dirs })
}

/// Counters kept from the previous collection, for the rates of [`read`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Previous {
    pub(crate) periods: Option<(u64, u64)>,
    pub(crate) oom_kills: Option<u64>,
}

/// Reads every controller of `layout`; a controller that cannot be read is `None` with its reason
/// in `unmeasured` (keyed `cgroup.memory`, …). Returns the counters for the next call.
pub(crate) fn read(
    root: &Root,
    layout: &Layout,
    previous: Previous,
    unmeasured: &mut BTreeMap<String, String>,
) -> (CgroupInfo, Previous) {
    fn take<T>(
        unmeasured: &mut BTreeMap<String, String>,
        field: &str,
        result: Result<T, String>,
    ) -> Option<T> {
        result.map_err(|reason| unmeasured.insert(format!("cgroup.{field}"), reason)).ok()
    }
    let dir =
        |controller: &str| {
            layout.dirs.get(controller).cloned().ok_or_else(|| {
                format!("the {controller} controller is not mounted for this process")
            })
        };
    let v1 = layout.version == 1;
    let memory = take(unmeasured, "memory", dir("memory").and_then(|d| memory(root, &d, v1)));
    let cpu = take(
        unmeasured,
        "cpu",
        dir("cpu").and_then(|d| cpu(root, &d, v1.then(|| dir("cpuacct").ok()).flatten(), v1)),
    );
    let pids = take(unmeasured, "pids", dir("pids").and_then(|d| pids(root, &d)));
    let pressure = take(unmeasured, "pressure", dir("pressure").and_then(|d| pressure(root, &d)));
    let mut next = previous;
    let memory = memory.map(|mut memory| {
        memory.oom_kills_new = match (previous.oom_kills, memory.oom_kills_total) {
            (Some(before), Some(now)) => Some(now.saturating_sub(before)),
            _ => None,
        };
        next.oom_kills = memory.oom_kills_total;
        memory
    });
    let cpu = cpu.map(|mut cpu| {
        let now = (cpu.periods_total, cpu.throttled_periods_total);
        if let Some((periods, throttled)) = previous.periods {
            let periods = now.0.saturating_sub(periods);
            let throttled = now.1.saturating_sub(throttled);
            #[expect(clippy::cast_precision_loss, reason = "period counts stay far below 2^52")]
            let pct = (periods > 0)
                .then(|| (throttled as f64 / periods as f64 * 100.0 * 100.0).round() / 100.0);
            cpu.throttled_pct = pct;
        }
        next.periods = Some(now);
        cpu
    });
    (CgroupInfo { version: layout.version, memory, cpu, pids, pressure }, next)
}

/// A limit file: `max` (v2) or a huge v1 value is no limit.
fn limit(root: &Root, file: &str) -> Result<Option<u64>, String> {
    let text = root.read(file)?;
    parse_limit(&text).ok_or_else(|| format!("{file} holds {:?}, not a limit", text.trim()))
}

pub(crate) fn parse_limit(text: &str) -> Option<Option<u64>> {
    match text.trim() {
        "max" | "-1" => Some(None),
        number => number.parse::<u64>().ok().map(|n| (n < V1_UNLIMITED).then_some(n)),
    }
}

/// The value of `key` in `key value` lines (`memory.stat`, `cpu.stat`, `memory.events`,
/// `memory.oom_control`), when it is a number (found by scanning the text: a few keys are read).
pub(crate) fn flat_keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
}

fn memory(root: &Root, dir: &str, v1: bool) -> Result<CgroupMemory, String> {
    let file = |v2: &str, v1_name: &str| format!("{dir}/{}", if v1 { v1_name } else { v2 });
    let limit_bytes = limit(root, &file("memory.max", "memory.limit_in_bytes"))?;
    let usage_bytes = root.read_u64(&file("memory.current", "memory.usage_in_bytes"))?;
    let stat = root.read(&format!("{dir}/memory.stat"))?;
    let reclaimable_bytes =
        flat_keyed(&stat, if v1 { "total_inactive_file" } else { "inactive_file" })
            .unwrap_or(0)
            .min(usage_bytes);
    let headroom_bytes =
        limit_bytes.map(|limit| limit.saturating_sub(usage_bytes - reclaimable_bytes));
    let peak_bytes = root.read_u64(&file("memory.peak", "memory.max_usage_in_bytes")).ok();
    let oom_kills_total = root
        .read(&file("memory.events", "memory.oom_control"))
        .ok()
        .and_then(|text| flat_keyed(&text, "oom_kill"));
    let swap_limit_bytes =
        limit(root, &file("memory.swap.max", "memory.memsw.limit_in_bytes")).ok().flatten();
    Ok(CgroupMemory {
        limit_bytes,
        usage_bytes,
        reclaimable_bytes,
        headroom_bytes,
        peak_bytes,
        oom_kills_total,
        oom_kills_new: None,
        swap_limit_bytes,
    })
}

/// `cpu.max`: `$MAX $PERIOD`, `$MAX` being `max` for no quota. Returns (quota, period) in µs.
pub(crate) fn parse_cpu_max(text: &str) -> Option<(Option<u64>, u64)> {
    let mut parts = text.split_whitespace();
    let quota = parse_limit(parts.next()?)?;
    let period = parts.next()?.parse().ok()?;
    Some((quota, period))
}

#[expect(clippy::cast_precision_loss, reason = "microsecond counts stay far below 2^52")]
fn cpu(root: &Root, dir: &str, cpuacct: Option<String>, v1: bool) -> Result<CgroupCpu, String> {
    let stat_text = root.read(&format!("{dir}/cpu.stat"))?;
    let stat = |key: &str| flat_keyed(&stat_text, key);
    let (quota, period, usage, throttled_seconds) = if v1 {
        let quota = limit(root, &format!("{dir}/cpu.cfs_quota_us"))?;
        let period = root.read_u64(&format!("{dir}/cpu.cfs_period_us"))?;
        let usage = cpuacct
            .and_then(|acct| root.read_u64(&format!("{acct}/cpuacct.usage")).ok())
            .map(|ns| ns as f64 / 1e9);
        let throttled = stat("throttled_time").unwrap_or(0) as f64 / 1e9;
        (quota, period, usage, throttled)
    } else {
        let max = root.read(&format!("{dir}/cpu.max"));
        let (quota, period) = match max {
            Ok(text) => parse_cpu_max(&text)
                .ok_or_else(|| format!("{dir}/cpu.max holds {:?}", text.trim()))?,
            // The root cgroup has no cpu.max, and a cgroup without the cpu controller enabled
            // has cpu.stat (usage) only.
            Err(_) => (None, 0),
        };
        let usage = stat("usage_usec").map(|us| us as f64 / 1e6);
        let throttled = stat("throttled_usec").unwrap_or(0) as f64 / 1e6;
        (quota, period, usage, throttled)
    };
    Ok(CgroupCpu {
        quota_cpus: quota.filter(|_| period > 0).map(|q| round(q as f64 / period as f64, 1e4)),
        period_ms: (period > 0).then(|| period as f64 / 1000.0),
        usage_seconds_total: usage.map(|s| round(s, 1e6)),
        periods_total: stat("nr_periods").unwrap_or(0),
        throttled_periods_total: stat("nr_throttled").unwrap_or(0),
        throttled_seconds_total: round(throttled_seconds, 1e6),
        throttled_pct: None,
    })
}

fn round(value: f64, scale: f64) -> f64 {
    (value * scale).round() / scale
}

fn pids(root: &Root, dir: &str) -> Result<CgroupPids, String> {
    Ok(CgroupPids {
        current: root.read_u64(&format!("{dir}/pids.current"))?,
        max: limit(root, &format!("{dir}/pids.max"))?,
    })
}

/// Reads `{cpu,memory,io}.pressure` from `dir` (`proc/pressure` for the whole machine, where the
/// files are named `cpu`, `memory`, `io`, or a v2 cgroup directory).
pub(crate) fn pressure(root: &Root, dir: &str) -> Result<Pressure, String> {
    let suffix = if dir.ends_with("proc/pressure") { "" } else { ".pressure" };
    let read = |resource: &str| -> Result<PressureResource, String> {
        let file = format!("{dir}/{resource}{suffix}");
        let text = root.read(&file)?;
        parse_pressure(&text).ok_or_else(|| format!("{file} is not PSI text: {:?}", text.trim()))
    };
    let (cpu, memory, io) = (read("cpu"), read("memory"), read("io"));
    if let (Err(reason), Err(_), Err(_)) = (&cpu, &memory, &io) {
        return Err(reason.clone());
    }
    Ok(Pressure { cpu: cpu.ok(), memory: memory.ok(), io: io.ok() })
}

/// PSI text: `some avg10=0.12 avg60=0.05 avg300=0.01 total=123456` and an optional `full` line.
pub(crate) fn parse_pressure(text: &str) -> Option<PressureResource> {
    let line = |kind: &str| -> Option<PressureLine> {
        let rest = text.lines().find_map(|line| line.strip_prefix(kind)?.strip_prefix(' '))?;
        let (mut avg10, mut avg60, mut avg300, mut total) = (None, None, None, None);
        for (key, value) in rest.split_whitespace().filter_map(|field| field.split_once('=')) {
            match key {
                "avg10" => avg10 = value.parse::<f64>().ok(),
                "avg60" => avg60 = value.parse::<f64>().ok(),
                "avg300" => avg300 = value.parse::<f64>().ok(),
                "total" => total = value.parse::<u64>().ok(),
                _ => {}
            }
        }
        #[expect(clippy::cast_precision_loss, reason = "microsecond counts stay far below 2^52")]
        let total = total? as f64 / 1e6;
        Some(PressureLine {
            avg10_pct: avg10?,
            avg60_pct: avg60?,
            avg300_pct: avg300?,
            stalled_seconds_total: round(total, 1e6),
        })
    };
    Some(PressureResource { some: line("some")?, full: line("full") })
}

#[cfg(test)]
mod tests;
