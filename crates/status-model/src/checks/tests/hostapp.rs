//! The host-app checks at their boundaries.

use std::collections::BTreeMap;

use super::{check, report, run};
use crate::health::HealthStatus;
use crate::sections::{
    ChannelStatus, ChannelsSection, ContainerState, ContainerStatus, ContainersSection,
    GatewaySection, SchedulerSection,
};
use crate::slot::Slot;
use crate::snapshot::{SectionData, Snapshot};

fn with(data: SectionData) -> Snapshot {
    let mut snapshot = Snapshot::new(report());
    snapshot.put(data);
    snapshot
}

#[test]
fn channels_disconnected_names_them() {
    let channel = |connected| ChannelStatus { connected, since: None, last_error: None };
    let section = |states: &[(&str, bool)]| {
        let channels = states.iter().map(|(n, c)| ((*n).to_owned(), channel(*c))).collect();
        with(SectionData::Channels(ChannelsSection { channels }))
    };
    check(
        "channels_disconnected",
        section(&[("tg", true), ("wa", true)]),
        HealthStatus::Pass,
        "disconnected channels is 0",
    );
    let down = section(&[("tg", false), ("wa", true), ("sl", false)]);
    let verdicts = run("channels_disconnected", &down, 0);
    assert_eq!(
        (verdicts[0].status, verdicts[0].details["disconnected"].as_str()),
        (HealthStatus::Warn, "sl, tg")
    );
}

#[test]
fn containers_not_running_names_them() {
    let container =
        |state| ContainerStatus { state, health: None, started_at: None, restart_count: None };
    let containers = BTreeMap::from([
        ("db".to_owned(), container(ContainerState::Running)),
        ("proxy".to_owned(), container(ContainerState::Exited)),
        ("gone".to_owned(), container(ContainerState::NotFound)),
    ]);
    let verdicts = run(
        "containers_not_running",
        &with(SectionData::Containers(ContainersSection { containers })),
        0,
    );
    assert_eq!(
        (verdicts[0].status, verdicts[0].details["not_running"].as_str()),
        (HealthStatus::Warn, "gone, proxy")
    );
}

#[test]
fn gateway_models_unhealthy_and_a_failed_probe_warn() {
    let gateway = |unhealthy: Slot<u64>| {
        with(SectionData::Gateway(GatewaySection {
            mode: "proxy".into(),
            containers: Slot::NotConfigured,
            healthy_models: Slot::Present(2),
            unhealthy_models: unhealthy,
        }))
    };
    check(
        "gateway_models_unhealthy",
        gateway(Slot::Present(0)),
        HealthStatus::Pass,
        "unhealthy gateway models is 0",
    );
    check(
        "gateway_models_unhealthy",
        gateway(Slot::Present(1)),
        HealthStatus::Warn,
        "is 1, above 0",
    );
    check(
        "gateway_models_unhealthy",
        gateway(Slot::Missing),
        HealthStatus::Warn,
        "health probe failed",
    );
    assert!(
        run("gateway_models_unhealthy", &gateway(Slot::NotConfigured), 0).is_empty(),
        "a direct gateway"
    );
}

#[test]
fn scheduler_lag_warns_at_half_and_fails_at_the_threshold() {
    let taken = report().taken_at;
    let scheduler = |ago: i64| {
        let tick = (ago >= 0).then(|| taken - jiff::SignedDuration::from_secs(ago));
        with(SectionData::Scheduler(SchedulerSection {
            last_tick_at: tick,
            next_jobs: Vec::new(),
            active_jobs: 0,
        }))
    };
    check("scheduler_lag", scheduler(-1), HealthStatus::Pass, "no tick yet");
    check("scheduler_lag", scheduler(150), HealthStatus::Pass, "last tick is 150 s");
    check("scheduler_lag", scheduler(151), HealthStatus::Warn, "above 150 s");
    check("scheduler_lag", scheduler(300), HealthStatus::Warn, "above 150 s");
    check("scheduler_lag", scheduler(301), HealthStatus::Fail, "above 300 s");
}

#[test]
fn the_hosts_own_checks_are_reported_as_given() {
    use crate::sections::CustomCheck;
    let checks = BTreeMap::from([
        (
            "quota".to_owned(),
            CustomCheck {
                status: HealthStatus::Warn,
                message: "92% of the API quota used".into(),
                observed_value: Some(92.0),
                observed_unit: Some("percent".into()),
            },
        ),
        (
            "index".to_owned(),
            CustomCheck {
                status: HealthStatus::Pass,
                message: "fresh".into(),
                observed_value: None,
                observed_unit: None,
            },
        ),
    ]);
    let verdicts = run("custom", &with(SectionData::CustomChecks(checks)), 0);
    let seen: Vec<_> = verdicts
        .iter()
        .map(|v| (v.component_id.clone().unwrap(), v.status, v.message.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("index".to_owned(), HealthStatus::Pass, "fresh"),
            ("quota".to_owned(), HealthStatus::Warn, "92% of the API quota used")
        ]
    );
    assert_eq!(
        (verdicts[1].observed_value, verdicts[1].details["unit"].as_str()),
        (Some(92.0), "percent")
    );
}

#[test]
fn workers_stale_names_the_quiet_ones() {
    use crate::sections::{WorkerStatus, WorkersSection};
    let worker = |stale| WorkerStatus {
        last_heartbeat_at: report().taken_at,
        age_seconds: if stale { 31.0 } else { 1.0 },
        stale,
        rss_bytes: None,
        cpu_pct: None,
        custom: BTreeMap::new(),
    };
    let section = |states: &[(&str, bool)]| {
        let workers = states.iter().map(|(id, s)| ((*id).to_owned(), worker(*s))).collect();
        with(SectionData::Workers(WorkersSection { workers }))
    };
    check("workers_stale", section(&[]), HealthStatus::Pass, "stale workers is 0");
    check("workers_stale", section(&[("a", false)]), HealthStatus::Pass, "stale workers is 0");
    let verdicts = run("workers_stale", &section(&[("a", true), ("b", false), ("c", true)]), 0);
    assert_eq!(
        (verdicts[0].status, verdicts[0].message.as_str(), verdicts[0].details["stale"].as_str()),
        (HealthStatus::Warn, "stale workers is 2, above 0", "a, c")
    );
    assert!(run("workers_stale", &Snapshot::new(report()), 0).is_empty(), "no workers section");
}
