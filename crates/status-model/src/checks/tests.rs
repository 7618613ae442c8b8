//! Every check at its boundaries: exactly at a threshold passes (comparisons are strict), just past
//! it does not.

mod cgroup;
mod data;
mod hostapp;

use std::collections::BTreeMap;

use super::*;
use crate::collection::{CollectionReport, Outcome, SectionReport};
use crate::sections::{
    DiskUsage, HostSection, LoadAverage, MemoryUsage, ProcessTable, RuntimeSection, ServiceSection,
    ServiceStatus,
};
use crate::snapshot::SectionData;

pub(super) fn report() -> CollectionReport {
    CollectionReport {
        taken_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        duration_ms: 1.0,
        sequence: 1,
        interval_seconds: Some(30.0),
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    }
}

fn host() -> HostSection {
    HostSection {
        hostname: None,
        os: None,
        kernel: None,
        cpus: Some(4),
        load: Some(LoadAverage { one: 1.0, five: 1.0, fifteen: 1.0 }),
        memory: Some(MemoryUsage {
            total_bytes: 10_000,
            used_bytes: 5_000,
            available_bytes: 5_000,
        }),
        swap: None,
        processes: Some(ProcessTable {
            current: 10,
            max: 100,
            fork_pressure_pct: 10.0,
            limit_source: "pid_max".into(),
        }),
        pressure: None,
        disks: BTreeMap::from([(
            "/".to_owned(),
            Some(DiskUsage { total_bytes: 10_000, available_bytes: 5_000 }),
        )]),
    }
}

fn snapshot_with_host(edit: impl FnOnce(&mut HostSection)) -> Snapshot {
    let mut host = host();
    edit(&mut host);
    let mut snapshot = Snapshot::new(report());
    snapshot.put(SectionData::Host(host));
    snapshot
}

/// Runs check `name` with default settings at `now` = the snapshot's time plus `age_seconds`.
#[track_caller]
pub(super) fn run(name: &str, snapshot: &Snapshot, age_seconds: i64) -> Vec<Verdict> {
    let check = CheckDef::find(name).unwrap();
    let now = snapshot.collection.taken_at + jiff::SignedDuration::from_secs(age_seconds);
    (check.run)(&CheckContext { snapshot, now }, &check.default)
}

#[track_caller]
pub(super) fn check(name: &str, snapshot: Snapshot, expected: HealthStatus, message: &str) {
    let verdicts = run(name, &snapshot, 0);
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    assert_eq!(verdicts[0].status, expected, "{name}: {verdicts:?}");
    assert!(
        verdicts[0].message.contains(message),
        "{name}: {:?} lacks {message:?}",
        verdicts[0].message
    );
}

fn memory(available: u64) -> Snapshot {
    snapshot_with_host(|h| {
        h.memory = Some(MemoryUsage {
            total_bytes: 10_000,
            used_bytes: 10_000 - available,
            available_bytes: available,
        })
    })
}

#[test]
fn memory_available_boundaries() {
    check("memory_available", memory(1_000), HealthStatus::Pass, "available memory is 10%");
    check(
        "memory_available",
        memory(999),
        HealthStatus::Warn,
        "available memory is 9.99%, below 10%",
    );
    check("memory_available", memory(500), HealthStatus::Warn, "is 5%, below 10%");
    check("memory_available", memory(499), HealthStatus::Fail, "is 4.99%, below 5%");
    let mut unmeasured = snapshot_with_host(|h| h.memory = None);
    let mut section = SectionReport::ok(0.1, BTreeMap::new());
    section.unmeasured.insert("memory".into(), "cannot read /proc/meminfo".into());
    unmeasured.collection.sections.insert("host".into(), section);
    check("memory_available", unmeasured, HealthStatus::Warn, "cannot read /proc/meminfo");
}

fn disk(available: u64) -> Snapshot {
    snapshot_with_host(|h| {
        h.disks.insert(
            "/".into(),
            Some(DiskUsage { total_bytes: 10_000, available_bytes: available }),
        );
        h.disks.insert("/gone".into(), None);
    })
}

#[test]
fn disk_available_boundaries_per_path() {
    for (available, expected) in [
        (1_000, HealthStatus::Pass),
        (999, HealthStatus::Warn),
        (500, HealthStatus::Warn),
        (499, HealthStatus::Fail),
    ] {
        let verdicts = run("disk_available", &disk(available), 0);
        let ids: Vec<_> = verdicts.iter().map(|v| v.component_id.clone().unwrap()).collect();
        assert_eq!(ids, ["/", "/gone"]);
        assert_eq!(verdicts[0].status, expected, "{available}");
        assert_eq!(verdicts[1].status, HealthStatus::Warn, "an unreadable path warns");
    }
}

fn pressure(pct: f64) -> Snapshot {
    snapshot_with_host(|h| h.processes.as_mut().unwrap().fork_pressure_pct = pct)
}

#[test]
fn fork_pressure_boundaries() {
    check("fork_pressure", pressure(80.0), HealthStatus::Pass, "fork pressure is 80%");
    check("fork_pressure", pressure(80.01), HealthStatus::Warn, "above 80%");
    check("fork_pressure", pressure(90.0), HealthStatus::Warn, "above 80%");
    check("fork_pressure", pressure(90.01), HealthStatus::Fail, "above 90%");
}

fn load(one: f64) -> Snapshot {
    snapshot_with_host(|h| h.load = Some(LoadAverage { one, five: 0.0, fifteen: 0.0 }))
}

#[test]
fn load_per_cpu_boundaries() {
    check("load_per_cpu", load(8.0), HealthStatus::Pass, "load per CPU is 2");
    check("load_per_cpu", load(8.04), HealthStatus::Warn, "load per CPU is 2.01, above 2");
    check("load_per_cpu", load(16.0), HealthStatus::Warn, "above 2");
    check("load_per_cpu", load(16.04), HealthStatus::Fail, "above 4");
}

fn lag(ms: Option<f64>) -> Snapshot {
    let mut snapshot = Snapshot::new(report());
    snapshot.put(SectionData::Runtime(RuntimeSection {
        event_loop_lag_ms: ms,
        workers: 2,
        alive_tasks: 1,
        global_queue_depth: 0,
    }));
    snapshot
}

#[test]
fn event_loop_lag_boundaries() {
    check("event_loop_lag", lag(Some(100.0)), HealthStatus::Pass, "event loop lag is 100 ms");
    check("event_loop_lag", lag(Some(101.0)), HealthStatus::Warn, "above 100 ms");
    check("event_loop_lag", lag(Some(1000.0)), HealthStatus::Warn, "above 100 ms");
    check("event_loop_lag", lag(Some(1001.0)), HealthStatus::Fail, "above 1000 ms");
    check(
        "event_loop_lag",
        lag(None),
        HealthStatus::Pass,
        "runtime.event_loop_lag_ms was not measured",
    );
}

#[test]
fn snapshot_fresh_boundaries() {
    let snapshot = Snapshot::new(report());
    let at = |age| run("snapshot_fresh", &snapshot, age)[0].status;
    assert_eq!(at(0), HealthStatus::Pass);
    assert_eq!(at(90), HealthStatus::Pass, "exactly 3 intervals of 30 s");
    assert_eq!(at(91), HealthStatus::Fail);
    let mut one_off = Snapshot::new(report());
    one_off.collection.interval_seconds = None;
    assert!(run("snapshot_fresh", &one_off, 1000).is_empty(), "no interval, no verdict");
}

#[test]
fn shutting_down_fails_and_is_critical() {
    let service = |status| {
        let mut snapshot = Snapshot::new(report());
        snapshot.put(SectionData::Service(ServiceSection {
            name: "x".into(),
            version: None,
            started_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            uptime_seconds: 1.0,
            status,
        }));
        snapshot
    };
    check("shutting_down", service(ServiceStatus::Ok), HealthStatus::Pass, "running");
    check(
        "shutting_down",
        service(ServiceStatus::ShuttingDown),
        HealthStatus::Fail,
        "shutting down",
    );
    check("shutting_down", service(ServiceStatus::Gone), HealthStatus::Fail, "is gone");
    let gone = run("shutting_down", &service(ServiceStatus::Gone), 0);
    assert_eq!(gone[0].details.get("state").map(String::as_str), Some("gone"));
    assert!(CheckDef::find("shutting_down").unwrap().default.critical);
}

#[test]
fn collectors_warn_and_name_each_failing_section() {
    let mut snapshot = Snapshot::new(report());
    snapshot.collection.sections.insert("host".into(), SectionReport::ok(0.1, BTreeMap::new()));
    check("collectors", snapshot.clone(), HealthStatus::Pass, "all 1 sections collected");
    let mut failed = SectionReport::ok(2000.0, BTreeMap::new());
    failed.outcome = Outcome::Timeout;
    failed.reason = Some("no answer within the deadline of 2s".into());
    snapshot.collection.sections.insert("runtime".into(), failed);
    check("collectors", snapshot.clone(), HealthStatus::Warn, "not collected: runtime (timeout)");
    let verdicts = run("collectors", &snapshot, 0);
    assert_eq!(verdicts[0].details["runtime"], "timeout: no answer within the deadline of 2s");
    assert_eq!(verdicts[0].observed_value, Some(1.0));
}

#[test]
fn checks_of_unconfigured_sections_give_no_verdict() {
    let empty = Snapshot::new(report());
    for name in [
        "shutting_down",
        "event_loop_lag",
        "memory_available",
        "disk_available",
        "fork_pressure",
        "load_per_cpu",
        "cpu_throttled",
        "oom_kills",
        "pressure",
    ] {
        assert!(run(name, &empty, 0).is_empty(), "{name}");
    }
}

#[test]
fn overrides_apply_over_defaults_and_are_validated() {
    let check = CheckDef::find("memory_available").unwrap();
    let overrides =
        CheckOverrides { warn_below: Some(20.0), fail_after: Some(0), ..CheckOverrides::default() };
    let config = check.config(Some(&overrides));
    assert_eq!(
        (config.warn_below, config.fail_below, config.fail_after),
        (Some(20.0), Some(5.0), 1)
    );
    assert!(check.validate(&overrides).is_ok());
    let wrong = CheckOverrides { warn_above: Some(1.0), ..CheckOverrides::default() };
    assert_eq!(
        check.validate(&wrong).unwrap_err(),
        "check `memory_available` takes warn_below/fail_below"
    );
    let none = CheckDef::find("collectors").unwrap();
    assert!(
        none.validate(&CheckOverrides { fail_below: Some(1.0), ..CheckOverrides::default() })
            .is_err()
    );
}

#[test]
fn names_are_unique() {
    let mut names: Vec<_> = CHECKS.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CHECKS.len());
}

#[test]
fn store_writable_fails_on_a_failed_write_and_warns_without_wal() {
    use crate::sections::StoreSection;
    let store = |error: Option<&str>, mode: Option<&str>| {
        let mut snapshot = Snapshot::new(report());
        snapshot.put(SectionData::Store(StoreSection {
            path: "/state/status.db".into(),
            writable: error.is_none(),
            error: error.map(str::to_owned),
            journal_mode: mode.map(str::to_owned),
            write_ms: error.is_none().then_some(0.4),
            losses_total: 0,
            last_loss: None,
        }));
        snapshot
    };
    check(
        "store_writable",
        store(None, Some("wal")),
        HealthStatus::Pass,
        "takes writes, in WAL mode",
    );
    let mut lost = Snapshot::new(report());
    lost.put(SectionData::Store(StoreSection {
        path: "/state/status.db".into(),
        writable: true,
        error: None,
        journal_mode: Some("wal".into()),
        write_ms: Some(0.4),
        losses_total: 1,
        last_loss: Some("/state/status.db was deleted at 2026-01-01T00:00:00Z".into()),
    }));
    check(
        "store_writable",
        lost,
        HealthStatus::Warn,
        "takes writes, but /state/status.db was deleted at 2026-01-01T00:00:00Z",
    );
    check(
        "store_writable",
        store(None, Some("delete")),
        HealthStatus::Warn,
        "in delete journal mode, not WAL",
    );
    check(
        "store_writable",
        store(Some("database is locked"), None),
        HealthStatus::Fail,
        "/state/status.db cannot take writes: database is locked",
    );
}
