//! Test fixtures: snapshots with every section of this version filled, with failing sections, and
//! with the sections other versions add given as JSON in their documented shapes.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::checks::{CHECKS, CheckContext};
use crate::collection::{CollectionReport, Outcome, SectionReport};
use crate::health::{CheckResult, HealthReport};
use crate::sections::*;
use crate::snapshot::{SectionData, SectionName, Snapshot};

/// The fixtures' collection time.
pub(crate) const T: &str = "2026-03-01T12:00:00Z";

/// `seconds` before [`T`].
pub(crate) fn before(seconds: i64) -> Timestamp {
    T.parse::<Timestamp>().unwrap() - SignedDuration::from_secs(seconds)
}

fn report() -> CollectionReport {
    CollectionReport {
        taken_at: T.parse().unwrap(),
        duration_ms: 14.6,
        sequence: 42,
        interval_seconds: Some(30.0),
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    }
}

fn in_flight(n: usize) -> InFlightOperation {
    InFlightOperation {
        operation_id: format!("op-run-{n}"),
        tool: if n.is_multiple_of(2) { "shell__run".into() } else { "browser__open".into() },
        tier: (!n.is_multiple_of(3)).then(|| format!("T{}", n % 3)),
        elapsed_s: Some(245.0 + n as f64),
    }
}

fn operation(n: usize, status: &str) -> OperationRecord {
    OperationRecord {
        operation_id: format!("op-{n:02}"),
        timestamp: Some(before(60 * n as i64)),
        capability: Some("files".into()),
        action: Some("write".into()),
        tier: Some("T1".into()),
        status: Some(status.into()),
        duration_ms: Some(15.0 + n as f64),
        error_summary: (status == "error").then(|| "write failed: permission denied".into()),
    }
}

fn task(id: &str, overdue: Option<bool>, next: i64) -> ScheduledTask {
    ScheduledTask {
        id: id.into(),
        group: Some("chat-1".into()),
        schedule_type: Some("cron".into()),
        schedule_value: Some("0 9 * * *".into()),
        status: Some("active".into()),
        next_run: Some(before(next)),
        last_run: Some(before(86_400)),
        last_result: Some("sent the morning digest".into()),
        overdue,
    }
}

/// Every section of this version, healthy but for a few warnings.
pub(crate) fn full() -> Snapshot {
    let mut snapshot = Snapshot::new(report());
    let started = before(2 * 86_400 + 3 * 3_600 + 4 * 60 + 5);
    snapshot.put(SectionData::Service(ServiceSection {
        name: "chatbot".into(),
        version: Some("1.4.2".into()),
        started_at: started,
        uptime_seconds: 2.0 * 86_400.0 + 3.0 * 3_600.0 + 4.0 * 60.0 + 5.0,
        status: ServiceStatus::Ok,
    }));
    snapshot.put(SectionData::Process(ProcessSection {
        pid: 4242,
        started_at: Some(started),
        cpu_pct: Some(12.5),
        cpu_seconds_total: Some(5_321.5),
        rss_bytes: Some(187_432_960),
        virtual_bytes: Some(2_147_483_648),
        threads: Some(24),
        open_fds: Some(31),
        max_fds: Some(1024),
        cgroup: None,
        supervisor: SupervisorInfo { kind: SupervisorKind::Systemd, restart_count: Some(2) },
    }));
    snapshot.put(SectionData::Host(HostSection {
        hostname: Some("bot-1".into()),
        os: Some("Debian GNU/Linux 12 (bookworm)".into()),
        kernel: Some("6.1.0-18-amd64".into()),
        cpus: Some(4),
        load: Some(LoadAverage { one: 0.52, five: 0.41, fifteen: 0.3 }),
        memory: Some(MemoryUsage {
            total_bytes: 16_000_000_000,
            used_bytes: 10_500_000_000,
            available_bytes: 5_500_000_000,
        }),
        swap: Some(SwapUsage {
            total_bytes: 2_147_483_648,
            used_bytes: 0,
            free_bytes: 2_147_483_648,
        }),
        processes: Some(ProcessTable {
            current: 412,
            max: 4_194_304,
            fork_pressure_pct: 0.01,
            limit_source: "pid_max".into(),
        }),
        pressure: None,
        disks: BTreeMap::from([
            (
                "/".into(),
                Some(DiskUsage { total_bytes: 107_374_182_400, available_bytes: 21_474_836_480 }),
            ),
            ("/srv/data".into(), None),
        ]),
    }));
    snapshot.put(SectionData::Runtime(RuntimeSection {
        event_loop_lag_ms: Some(0.4),
        workers: 2,
        alive_tasks: 14,
        global_queue_depth: 0,
    }));
    snapshot.put(SectionData::Broker(BrokerSection {
        last_operation_at: Some(before(180)),
        in_flight_count: 7,
        in_flight: (1..=7).map(in_flight).collect(),
        last_10_results: BTreeMap::from([
            ("denied".into(), 1),
            ("error".into(), 2),
            ("success".into(), 7),
        ]),
    }));
    snapshot.put(SectionData::Notifier(NotifierSection {
        last_attempt_at: Some(before(45)),
        pending_count: 2,
        oldest_pending_age_seconds: Some(1_260.0),
    }));
    snapshot.put(SectionData::Messages(MessagesSection {
        total_inbound: 1_204,
        total_outbound: 1_187,
        last_received_at: Some(before(120)),
        last_sent_at: Some(before(60)),
        pending_deliveries: 3,
        pending_by_channel: [("email".to_owned(), 1), ("telegram".to_owned(), 2)].into(),
        oldest_pending_at: Some(before(300)),
    }));
    snapshot.put(SectionData::Tasks(TasksSection {
        total: 3,
        tasks: vec![
            task("digest", Some(true), 600),
            task("backup", Some(false), -3_600),
            task("report", None, -7_200),
        ],
    }));
    snapshot.put(SectionData::AppJobs(AppJobsSection {
        total: 1,
        jobs: vec![AppJob {
            id: "j1".into(),
            name: Some("rotate-logs".into()),
            schedule_type: Some("interval".into()),
            schedule_value: Some("3600000".into()),
            status: Some("idle".into()),
            enabled: true,
            next_run: Some(before(-1_800)),
            last_run: Some(before(1_800)),
            overdue: Some(false),
        }],
    }));
    snapshot.put(SectionData::Probes(BTreeMap::from([
        (
            "in_progress".into(),
            Some(ProbeResult {
                database: "ops".into(),
                value: Some(7.0),
                warn_above: Some(5.0),
                fail_above: Some(20.0),
            }),
        ),
        ("newest_error".into(), None),
    ])));
    snapshot.put(SectionData::Storage(StorageSection {
        databases: BTreeMap::from([
            (
                "ops".into(),
                Some(DatabaseFiles {
                    path: "/var/lib/chatbot/ops.db".into(),
                    file_bytes: 1_258_291,
                    wal_bytes: 32_768,
                    total_bytes: 1_291_059,
                }),
            ),
            ("chat".into(), None),
        ]),
        log_dir_bytes: Some(12_582_912),
        snapshot_branches: None,
    }));
    let statuses = ["success", "error", "success", "denied", "success"];
    snapshot.put(SectionData::RecentOperations(RecentOperationsSection {
        operations: (3..8).map(|n| operation(n, statuses[n % statuses.len()])).collect(),
    }));
    for &name in SectionName::ALL {
        snapshot
            .collection
            .sections
            .insert(name.as_str().into(), SectionReport::ok(0.8, BTreeMap::new()));
    }
    let unmeasured = |snapshot: &mut Snapshot, section: &str, field: &str, reason: &str| {
        let report = snapshot.collection.sections.get_mut(section).unwrap();
        report.unmeasured.insert(field.into(), reason.into());
    };
    unmeasured(&mut snapshot, "host", "disks./srv/data", "/srv/data: No such file or directory");
    unmeasured(&mut snapshot, "probes", "newest_error", "the first column is text, not a number");
    unmeasured(
        &mut snapshot,
        "storage",
        "chat",
        "/var/lib/chatbot/chat.db: No such file or directory",
    );
    unmeasured(&mut snapshot, "storage", "snapshot_branches", "no repositories configured");
    evaluate(&mut snapshot);
    snapshot
}

/// [`full`] with sections that failed: `process` never collected, `broker` kept from before a
/// timeout, `notifier` erroring, unmeasured process and runtime fields, and failing checks.
pub(crate) fn failing() -> Snapshot {
    let mut snapshot = full();
    snapshot.put_missing(SectionName::Process);
    set_outcome(
        &mut snapshot,
        "process",
        Outcome::Panicked,
        "collector panicked: index out of bounds",
    );
    set_outcome(&mut snapshot, "broker", Outcome::Timeout, "no answer within the 2s deadline");
    snapshot.collection.sections.get_mut("broker").unwrap().stale_seconds = Some(95.0);
    snapshot.put_missing(SectionName::Notifier);
    set_outcome(
        &mut snapshot,
        "notifier",
        Outcome::Error,
        "database is locked: ops (/var/lib/chatbot/ops.db)",
    );
    if let crate::Slot::Present(host) = &mut snapshot.host {
        host.memory = None;
        host.disks.insert(
            "/".into(),
            Some(DiskUsage { total_bytes: 107_374_182_400, available_bytes: 2_147_483_648 }),
        );
    }
    let host = snapshot.collection.sections.get_mut("host").unwrap();
    host.unmeasured.insert("memory".into(), "cannot read /proc/meminfo: permission denied".into());
    if let crate::Slot::Present(runtime) = &mut snapshot.runtime {
        runtime.event_loop_lag_ms = None;
    }
    let runtime = snapshot.collection.sections.get_mut("runtime").unwrap();
    runtime.unmeasured.insert("event_loop_lag_ms".into(), "no sample yet".into());
    evaluate(&mut snapshot);
    snapshot
}

fn set_outcome(snapshot: &mut Snapshot, section: &str, outcome: Outcome, reason: &str) {
    let report = snapshot.collection.sections.get_mut(section).unwrap();
    report.outcome = outcome;
    report.reason = Some(reason.into());
    report.failures_total = 3;
}

/// [`full`] with `count` operations in flight, all of them listed.
pub(crate) fn busy(count: usize) -> Snapshot {
    let mut snapshot = full();
    if let crate::Slot::Present(broker) = &mut snapshot.broker {
        broker.in_flight_count = count as u64;
        broker.in_flight = (1..=count).map(in_flight).collect();
    }
    snapshot
}

/// Runs every check with its defaults over the snapshot, as the collector's evaluator would without
/// flap damping, and stores the report.
fn evaluate(snapshot: &mut Snapshot) {
    let now: Timestamp = T.parse().unwrap();
    let context = CheckContext { snapshot, now };
    let mut checks = Vec::new();
    for def in CHECKS {
        for verdict in (def.run)(&context, &def.default) {
            checks.push(CheckResult {
                name: match &verdict.component_id {
                    Some(id) => format!("{}:{id}", def.name),
                    None => def.name.to_owned(),
                },
                component: def.component.into(),
                measurement: def.measurement.into(),
                component_id: verdict.component_id,
                status: verdict.status,
                critical: def.default.critical,
                message: verdict.message,
                observed_value: verdict.observed_value,
                observed_unit: def.unit.map(str::to_owned),
                time: now,
                status_since: before(300),
                details: verdict.details,
            });
        }
    }
    let status = HealthReport::overall(&checks);
    snapshot.health = Some(HealthReport {
        status,
        status_since: before(300),
        transitions_total: 4,
        checks,
        events: Vec::new(),
    });
}

/// [`full`] as JSON, with the sections later versions add, in the shapes their models give them,
/// and their collection reports.
pub(crate) fn with_later_sections() -> Value {
    let mut json = serde_json::to_value(full()).unwrap();
    let later = json!({
        "terminals": {"tmux_sessions": 2, "tmux_session_names": ["agent-1", "agent-2"], "screen_sessions": 0},
        "processes": {"claude": {"count": 2, "pids": [311, 312]}, "node": {"count": 5, "pids": [1, 2, 3, 4, 5]}, "bun": {"count": 0, "pids": []}},
        "deploy": {"path": "/srv/chatbot", "head_sha": "0123456789abcdef0123456789abcdef01234567", "branch": "main", "head_commit": "Fix the digest", "dirty": false, "unpushed_commits": 0, "last_deploy_at": "2026-03-01T09:00:00Z", "last_deploy_sha": "0123456789abcdef0123456789abcdef01234567", "pending_sha": null, "pending_since": null},
        "repos": {
            "chatbot": {"path": "/srv/chatbot", "bare": false, "head_sha": "0123456789abcdef0123456789abcdef01234567", "branch": "main", "detached": false, "head_commit": "Fix the digest", "dirty": false, "unpushed_commits": 0, "main_branch": "main", "conflict": false, "operation": null, "snapshot_branches": 3,
                "worktrees": {
                    "feature-x": {"path": "/srv/wt/feature-x", "branch": "feature-x", "sha": "89abcdef0123456789abcdef0123456789abcdef", "detached": false, "dirty": true, "ahead": 2, "behind": 1, "conflict": true, "operation": "merge", "locked": false, "prunable": false},
                    "gone": {"error": "/srv/wt/gone: No such file or directory"}
                }},
            "broken": {"error": "/srv/broken: not a git repository"}
        },
        "channels": {"telegram": {"connected": true, "since": "2026-03-01T08:00:00Z", "last_error": null}, "slack": {"connected": false, "since": "2026-03-01T11:58:00Z", "last_error": "token revoked"}},
        "containers": {"litellm": {"state": "running", "health": "healthy", "started_at": "2026-02-28T12:00:00Z", "restart_count": 0}, "redis": {"state": "exited", "health": null, "started_at": null, "restart_count": 1}},
        "queue": {"active": 2, "max_concurrent": 4, "waiting": 1, "per_group": {"chat-1": {"active": true, "is_task": false, "pending_messages": 3, "pending_tasks": 0}}},
        "sessions": {"workspaces_total": 12, "active_sessions": 3},
        "scheduler": {"last_tick_at": "2026-03-01T11:59:48Z", "next_jobs": [{"name": "digest", "next_run_at": "2026-03-01T12:10:00Z"}], "active_jobs": 1},
        "sidecars": {"indexer": {"kind": "thread", "pid": null, "alive": true}, "ocr": {"kind": "process", "pid": 900, "alive": false}},
        "http": {"serving": true, "restarts_total": 1, "restarts_last_10m": 1, "last_error": "the accept loop panicked: too many open files", "last_restart_at": "2026-03-01T11:40:00Z"}
    });
    for (name, value) in later.as_object().unwrap() {
        json[name] = value.clone();
        json["collection"]["sections"][name] =
            serde_json::to_value(SectionReport::ok(1.1, BTreeMap::new())).unwrap();
    }
    json
}
