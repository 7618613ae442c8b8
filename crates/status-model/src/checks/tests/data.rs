//! The database checks at their boundaries.

use std::collections::BTreeMap;

use super::{check, report, run};
use crate::checks::Verdict;
use crate::health::HealthStatus;
use crate::sections::{
    AppJob, AppJobsSection, BrokerSection, DatabaseFiles, DeploySection, InFlightOperation,
    MessagesSection, NotifierSection, ProbeResult, ReposSection, ScheduledTask, StorageSection,
    TasksSection,
};
use crate::snapshot::{SectionData, Snapshot};

fn with(data: SectionData) -> Snapshot {
    let mut snapshot = Snapshot::new(report());
    snapshot.put(data);
    snapshot
}

fn tasks(overdue: &[Option<bool>]) -> Snapshot {
    let tasks = overdue
        .iter()
        .enumerate()
        .map(|(i, &overdue)| ScheduledTask {
            id: format!("t{i}"),
            group: None,
            schedule_type: None,
            schedule_value: None,
            status: Some("active".into()),
            next_run: None,
            last_run: None,
            last_result: None,
            overdue,
        })
        .collect::<Vec<_>>();
    with(SectionData::Tasks(TasksSection { total: tasks.len() as u64, tasks }))
}

#[test]
fn tasks_overdue_warns_above_zero_and_names_them() {
    check("tasks_overdue", tasks(&[Some(false), None]), HealthStatus::Pass, "overdue tasks is 0");
    check(
        "tasks_overdue",
        tasks(&[Some(true), Some(false), Some(true)]),
        HealthStatus::Warn,
        "overdue tasks is 2, above 0",
    );
    let verdicts = run("tasks_overdue", &tasks(&[Some(true), Some(false), Some(true)]), 0);
    assert_eq!(verdicts[0].details["overdue"], "t0, t2");
}

#[test]
fn app_jobs_overdue_names_jobs_by_name() {
    let job = |name: Option<&str>, overdue| AppJob {
        id: "j1".into(),
        name: name.map(str::to_owned),
        schedule_type: None,
        schedule_value: None,
        status: None,
        enabled: true,
        next_run: None,
        last_run: None,
        overdue,
    };
    let snapshot = with(SectionData::AppJobs(AppJobsSection {
        total: 2,
        jobs: vec![job(Some("backup"), Some(true)), job(None, Some(true))],
    }));
    let verdicts = run("app_jobs_overdue", &snapshot, 0);
    assert_eq!(
        (verdicts[0].status, verdicts[0].details["overdue"].as_str()),
        (HealthStatus::Warn, "backup, j1")
    );
    let calm = with(SectionData::AppJobs(AppJobsSection {
        total: 1,
        jobs: vec![job(Some("backup"), Some(false))],
    }));
    check("app_jobs_overdue", calm, HealthStatus::Pass, "overdue app jobs is 0");
}

fn notifier(oldest: Option<f64>) -> Snapshot {
    with(SectionData::Notifier(NotifierSection {
        last_attempt_at: None,
        pending_count: 3,
        oldest_pending_age_seconds: oldest,
    }))
}

#[test]
fn notifier_backlog_boundaries() {
    check("notifier_backlog", notifier(None), HealthStatus::Pass, "no notification pending");
    check(
        "notifier_backlog",
        notifier(Some(300.0)),
        HealthStatus::Pass,
        "oldest pending notification age is 300 s",
    );
    check("notifier_backlog", notifier(Some(3600.0)), HealthStatus::Pass, "is 3600 s");
    check("notifier_backlog", notifier(Some(3601.0)), HealthStatus::Warn, "above 3600 s");
}

fn pending(count: u64) -> Snapshot {
    with(SectionData::Messages(MessagesSection {
        total_inbound: 0,
        total_outbound: 0,
        last_received_at: None,
        last_sent_at: None,
        pending_deliveries: count,
        pending_by_channel: BTreeMap::new(),
        oldest_pending_at: None,
    }))
}

#[test]
fn pending_deliveries_boundaries() {
    check("pending_deliveries", pending(100), HealthStatus::Pass, "pending deliveries is 100");
    check("pending_deliveries", pending(101), HealthStatus::Warn, "above 100");
}

fn probe(value: Option<f64>) -> Option<ProbeResult> {
    Some(ProbeResult {
        database: "ops".into(),
        value,
        warn_above: Some(10.0),
        fail_above: Some(100.0),
    })
}

#[test]
fn probes_use_their_own_thresholds() {
    let probes = BTreeMap::from([
        ("at_warn".to_owned(), probe(Some(10.0))),
        ("past_warn".to_owned(), probe(Some(11.0))),
        ("past_fail".to_owned(), probe(Some(101.0))),
        ("broken".to_owned(), None),
        ("no_number".to_owned(), probe(None)),
    ]);
    let statuses: Vec<(String, HealthStatus)> =
        run("probes", &with(SectionData::Probes(probes)), 0)
            .into_iter()
            .map(|v: Verdict| (v.component_id.unwrap(), v.status))
            .collect();
    assert_eq!(
        statuses,
        [
            ("at_warn".to_owned(), HealthStatus::Pass),
            ("broken".to_owned(), HealthStatus::Warn),
            ("no_number".to_owned(), HealthStatus::Pass),
            ("past_fail".to_owned(), HealthStatus::Fail),
            ("past_warn".to_owned(), HealthStatus::Warn),
        ]
    );
}

#[test]
fn worktree_conflicts_name_each_stuck_worktree() {
    use crate::sections::{Fallible, RepoStatus, ReposSection, WorktreeStatus};
    let worktree = |conflict| WorktreeStatus {
        path: "/w".into(),
        branch: None,
        sha: None,
        detached: false,
        dirty: None,
        ahead: None,
        behind: None,
        conflict,
        operation: None,
        locked: false,
        prunable: false,
    };
    let repo = |conflict, worktrees: Vec<(&str, bool)>| RepoStatus {
        path: "/r".into(),
        bare: false,
        head_sha: None,
        branch: None,
        detached: false,
        head_commit: None,
        dirty: None,
        unpushed_commits: None,
        main_branch: "main".into(),
        conflict,
        operation: None,
        snapshot_branches: None,
        worktrees: Some(
            worktrees.into_iter().map(|(n, c)| (n.to_owned(), Fallible::Ok(worktree(c)))).collect(),
        ),
        unreadable: None,
        stale_seconds: None,
    };
    let calm = ReposSection(BTreeMap::from([(
        "app".to_owned(),
        Fallible::Ok(repo(false, vec![("w1", false)])),
    )]));
    check(
        "worktree_conflicts",
        with(SectionData::Repos(calm)),
        HealthStatus::Pass,
        "worktrees in conflict is 0",
    );
    let stuck = ReposSection(BTreeMap::from([
        (
            "app".to_owned(),
            Fallible::Ok(repo(false, vec![("w1", true), ("w2", false), ("w3", true)])),
        ),
        ("lib".to_owned(), Fallible::Ok(repo(true, vec![]))),
        ("gone".to_owned(), Fallible::Failed { error: "no repository".into() }),
    ]));
    let verdicts = run("worktree_conflicts", &with(SectionData::Repos(stuck)), 0);
    assert_eq!(verdicts[0].status, HealthStatus::Warn);
    assert_eq!(verdicts[0].details["conflicts"], "app/w1, app/w3, lib");
}

fn deploy(pending: Option<&str>) -> Snapshot {
    let taken_at = report().taken_at;
    with(SectionData::Deploy(DeploySection {
        path: "/srv/app".into(),
        head_sha: None,
        branch: None,
        head_commit: None,
        dirty: None,
        unpushed_commits: None,
        last_deploy_at: None,
        last_deploy_sha: Some("aaa".into()),
        pending_sha: pending.map(str::to_owned),
        pending_since: pending.map(|_| taken_at),
    }))
}

#[test]
fn deploy_pending_warns_past_its_grace_and_passes_once_applied() {
    // Time moves on from the snapshot: 900 s waited passes, 901 s warns.
    let waiting = deploy(Some("bbb"));
    let at = |seconds| run("deploy_pending", &waiting, seconds);
    assert_eq!(at(0)[0].status, HealthStatus::Pass);
    assert_eq!(at(900)[0].status, HealthStatus::Pass, "{:?}", at(900));
    let late = &at(901)[0];
    assert_eq!(late.status, HealthStatus::Warn);
    assert!(late.message.contains("pending deploy waiting is 901 s, above 900 s"), "{late:?}");
    assert_eq!(late.details["pending_sha"], "bbb");
    assert_eq!(late.details["applied_sha"], "aaa");
    // Applied: nothing pending, at any age.
    let applied = run("deploy_pending", &deploy(None), 10_000);
    assert_eq!(applied[0].status, HealthStatus::Pass);
    assert_eq!(applied[0].message, "no deploy pending");
}

/// The status of check `name` over `snapshot` evaluated `seconds` after it was taken.
fn status_at(name: &str, snapshot: &Snapshot, seconds: i64) -> HealthStatus {
    let verdicts = run(name, snapshot, seconds);
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    verdicts[0].status
}

#[test]
fn notifier_alive_fails_when_pending_messages_wait_on_a_silent_notifier() {
    let taken_at = report().taken_at;
    let notifier = |pending: u64, last: Option<i64>| {
        with(SectionData::Notifier(NotifierSection {
            last_attempt_at: last.map(|ago| taken_at - jiff::SignedDuration::from_secs(ago)),
            pending_count: pending,
            oldest_pending_age_seconds: None,
        }))
    };
    // Last attempt 100 s before the snapshot: 120 s passes, 121 s fails.
    let waiting = notifier(2, Some(100));
    assert_eq!(status_at("notifier_alive", &waiting, 20), HealthStatus::Pass);
    assert_eq!(status_at("notifier_alive", &waiting, 21), HealthStatus::Fail);
    let late = run("notifier_alive", &waiting, 21);
    assert!(late[0].message.contains("is 121 s, above 120 s"), "{late:?}");
    assert_eq!(late[0].details["pending_count"], "2");
    // A new attempt brings it back; nothing pending passes at any age.
    assert_eq!(status_at("notifier_alive", &notifier(2, Some(0)), 21), HealthStatus::Pass);
    assert_eq!(status_at("notifier_alive", &notifier(0, Some(100)), 10_000), HealthStatus::Pass);
    assert_eq!(status_at("notifier_alive", &notifier(1, None), 0), HealthStatus::Warn);
}

#[test]
fn operation_timeouts_name_the_late_operations_by_id_and_tool() {
    let op = |id: &str, elapsed: Option<f64>| InFlightOperation {
        operation_id: id.into(),
        tool: "files__write".into(),
        tier: None,
        elapsed_s: elapsed,
    };
    let broker = with(SectionData::Broker(BrokerSection {
        last_operation_at: None,
        in_flight_count: 3,
        in_flight: vec![op("op-new", Some(5.0)), op("op-old", Some(590.0)), op("op-odd", None)],
        last_10_results: BTreeMap::new(),
    }));
    // op-old is 590 s old when collected: 600 s (10 s later) passes, 601 s warns.
    assert_eq!(status_at("operation_timeouts", &broker, 10), HealthStatus::Pass);
    let late = run("operation_timeouts", &broker, 11);
    assert_eq!(late[0].status, HealthStatus::Warn);
    assert_eq!(late[0].details["operations"], "op-old (files__write, 601 s)");
    assert!(late[0].message.contains("is 601 s, above 600 s"), "{late:?}");
    // Ended (gone from the list): passes again.
    let ended = with(SectionData::Broker(BrokerSection {
        last_operation_at: None,
        in_flight_count: 1,
        in_flight: vec![op("op-new", Some(5.0))],
        last_10_results: BTreeMap::new(),
    }));
    assert_eq!(status_at("operation_timeouts", &ended, 11), HealthStatus::Pass);
}

#[test]
fn disk_usage_warns_above_its_cap_and_passes_below() {
    let storage = |db_bytes: u64, logs: Option<u64>| {
        with(SectionData::Storage(StorageSection {
            databases: [
                (
                    "app".to_owned(),
                    Some(DatabaseFiles {
                        path: "/srv/app.db".into(),
                        file_bytes: db_bytes,
                        wal_bytes: 0,
                        total_bytes: db_bytes,
                    }),
                ),
                ("gone".to_owned(), None),
            ]
            .into(),
            log_dir_bytes: logs,
            snapshot_branches: None,
        }))
    };
    assert_eq!(
        status_at("disk_usage", &storage(600_000_000, Some(400_000_000)), 0),
        HealthStatus::Pass
    );
    let over = run("disk_usage", &storage(600_000_000, Some(400_000_001)), 0);
    assert_eq!(over[0].status, HealthStatus::Warn);
    assert!(over[0].message.contains("above 1000 MB"), "{over:?}");
    assert_eq!(over[0].details["unmeasured"], "gone");
    assert_eq!(status_at("disk_usage", &storage(600_000_000, None), 0), HealthStatus::Pass);
}

#[test]
fn repos_unreadable_warns_naming_each_with_its_reason() {
    let repos = |value: serde_json::Value| {
        with(SectionData::Repos(serde_json::from_value::<ReposSection>(value).expect("repos")))
    };
    let fine = repos(serde_json::json!({}));
    assert_eq!(status_at("repos_unreadable", &fine, 0), HealthStatus::Pass);
    let broken =
        repos(serde_json::json!({"app": {"error": "cannot open /srv/app: not a git repository"}}));
    let verdicts = run("repos_unreadable", &broken, 0);
    assert_eq!(verdicts[0].status, HealthStatus::Warn);
    assert_eq!(verdicts[0].details["app"], "cannot open /srv/app: not a git repository");

    // A repository that became unreadable keeps its last good value, and still warns.
    let mut kept = serde_json::json!({
        "path": "/srv/app", "bare": false, "head_sha": null, "branch": "main", "detached": false,
        "head_commit": null, "dirty": false, "unpushed_commits": null, "main_branch": "main",
        "conflict": false, "operation": null, "snapshot_branches": null, "worktrees": null,
    });
    assert_eq!(
        status_at("repos_unreadable", &repos(serde_json::json!({"app": kept})), 0),
        HealthStatus::Pass
    );
    kept["unreadable"] = "cannot read HEAD of /srv/app: gone".into();
    kept["stale_seconds"] = 42.4.into();
    let verdicts = run("repos_unreadable", &repos(serde_json::json!({"app": kept})), 0);
    assert_eq!(verdicts[0].status, HealthStatus::Warn);
    assert_eq!(
        verdicts[0].details["app"],
        "cannot read HEAD of /srv/app: gone (showing the value read 42 s ago)"
    );
}
