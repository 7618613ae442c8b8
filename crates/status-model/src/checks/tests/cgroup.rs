//! The container checks: memory against the tighter bound, CPU throttling, OOM kills, pressure.

use super::*;
use crate::sections::{
    CgroupCpu, CgroupInfo, CgroupMemory, Pressure, PressureLine, PressureResource, ProcessSection,
    SupervisorInfo, SupervisorKind,
};

fn cgroup_memory(limit: u64, headroom: u64, new_kills: Option<u64>) -> CgroupMemory {
    CgroupMemory {
        limit_bytes: Some(limit),
        usage_bytes: limit - headroom,
        reclaimable_bytes: 0,
        headroom_bytes: Some(headroom),
        peak_bytes: None,
        oom_kills_total: Some(3),
        oom_kills_new: new_kills,
        swap_limit_bytes: None,
    }
}

fn cgroup_cpu(quota: Option<f64>, throttled_pct: Option<f64>) -> CgroupCpu {
    CgroupCpu {
        quota_cpus: quota,
        period_ms: Some(100.0),
        usage_seconds_total: Some(1.0),
        periods_total: 10,
        throttled_periods_total: 4,
        throttled_seconds_total: 0.4,
        throttled_pct,
    }
}

fn with_cgroup(host_available: u64, cgroup: CgroupInfo) -> Snapshot {
    let mut snapshot = memory(host_available);
    snapshot.put(SectionData::Process(ProcessSection {
        pid: 1,
        started_at: None,
        cpu_pct: None,
        cpu_seconds_total: None,
        rss_bytes: None,
        virtual_bytes: None,
        threads: None,
        open_fds: None,
        max_fds: None,
        cgroup: Some(cgroup),
        supervisor: SupervisorInfo { kind: SupervisorKind::None, restart_count: None },
    }));
    snapshot
}

fn info(memory: Option<CgroupMemory>, cpu: Option<CgroupCpu>) -> CgroupInfo {
    CgroupInfo { version: 2, memory, cpu, pids: None, pressure: None }
}

#[test]
fn memory_available_takes_the_tighter_bound_and_says_which() {
    // Host: 5,000 of 10,000 bytes available (50 %). Cgroup: 100 of 1,000 left (10 %, fewer bytes).
    let snapshot = with_cgroup(5_000, info(Some(cgroup_memory(1_000, 100, None)), None));
    let verdicts = run("memory_available", &snapshot, 0);
    assert_eq!(verdicts[0].status, HealthStatus::Pass, "{verdicts:?}");
    assert_eq!(verdicts[0].details["bound"], "cgroup");
    assert_eq!(verdicts[0].details["cgroup_limit_bytes"], "1000");
    check("memory_available", snapshot, HealthStatus::Pass, "in the cgroup is 10%");
    let snapshot = with_cgroup(5_000, info(Some(cgroup_memory(1_000, 99, None)), None));
    check("memory_available", snapshot, HealthStatus::Warn, "in the cgroup is 9.9%, below 10%");
    // A cgroup with more bytes left than the host: the host is the bound.
    let snapshot = with_cgroup(500, info(Some(cgroup_memory(100_000, 50_000, None)), None));
    let verdicts = run("memory_available", &snapshot, 0);
    assert_eq!(
        (verdicts[0].status, verdicts[0].details["bound"].as_str()),
        (HealthStatus::Warn, "host")
    );
}

#[test]
fn cpu_throttled_boundaries() {
    let at = |pct| with_cgroup(5_000, info(None, Some(cgroup_cpu(Some(0.2), pct))));
    check("cpu_throttled", at(Some(20.0)), HealthStatus::Pass, "CPU throttled is 20% of periods");
    check("cpu_throttled", at(Some(20.01)), HealthStatus::Warn, "above 20% of periods");
    check("cpu_throttled", at(None), HealthStatus::Pass, "no CPU period elapsed");
    let unlimited = with_cgroup(5_000, info(None, Some(cgroup_cpu(None, None))));
    check("cpu_throttled", unlimited, HealthStatus::Pass, "no CPU quota");
    assert!(run("cpu_throttled", &with_cgroup(5_000, info(None, None)), 0).is_empty());
}

#[test]
fn any_new_oom_kill_fails() {
    let kills = |new| with_cgroup(5_000, info(Some(cgroup_memory(1_000, 500, new)), None));
    check("oom_kills", kills(Some(0)), HealthStatus::Pass, "is 0");
    check("oom_kills", kills(Some(1)), HealthStatus::Fail, "is 1, above 0");
    check("oom_kills", kills(None), HealthStatus::Pass, "first collection");
}

#[test]
fn pressure_per_resource_from_the_cgroup_before_the_host() {
    let line = |avg10| PressureLine {
        avg10_pct: avg10,
        avg60_pct: 1.0,
        avg300_pct: 1.0,
        stalled_seconds_total: 9.0,
    };
    let resource = |avg10| Some(PressureResource { some: line(avg10), full: None });
    let mut snapshot = snapshot_with_host(|h| {
        h.pressure = Some(Pressure { cpu: resource(90.0), memory: resource(0.0), io: None });
    });
    let verdicts = run("pressure", &snapshot, 0);
    let statuses: Vec<_> =
        verdicts.iter().map(|v| (v.component_id.clone().unwrap(), v.status)).collect();
    assert_eq!(
        statuses,
        [("cpu".to_owned(), HealthStatus::Warn), ("memory".to_owned(), HealthStatus::Pass)]
    );
    assert_eq!(verdicts[0].details["source"], "host");
    let mut cgroup = info(None, None);
    cgroup.pressure = Some(Pressure { cpu: resource(50.0), memory: None, io: None });
    let with = with_cgroup(5_000, cgroup);
    snapshot.put(SectionData::Process(with.process.value().unwrap().clone()));
    let verdicts = run("pressure", &snapshot, 0);
    assert_eq!(verdicts.len(), 1);
    assert_eq!(
        (verdicts[0].status, verdicts[0].details["source"].as_str()),
        (HealthStatus::Pass, "cgroup")
    );
}
