//! The whole response of a host that provides every section, one that provides none, and hosts whose
//! `queue()` hangs and whose `channels()` panics: each section is snapshotted, and so is the whole.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use status_collect::testing::collectors::{
    self, ServiceCollector, ShutdownFlag, SidecarsCollector, TerminalsCollector,
};
use status_collect::testing::{Collector, Engine};
use status_collect::{Config, Sidecars};
use status_deps::{MockStatusDeps, Provides};
use status_model::{
    ChannelStatus, ChannelsSection, CustomSections, Outcome, QueueGroup, QueueSection,
    ScheduledJob, SchedulerSection, SessionsSection, Snapshot, Timestamp,
};
use tokio::time::Instant;

use super::gateway::{KEY, env_with_key, health_server, proxy_info};
use super::support::{self, Reply};

fn at(text: &str) -> Option<Timestamp> {
    Some(text.parse().unwrap())
}

fn channels() -> ChannelsSection {
    let channel = |connected, since: &str, last_error: Option<&str>| ChannelStatus {
        connected,
        since: at(since),
        last_error: last_error.map(str::to_owned),
    };
    ChannelsSection {
        channels: BTreeMap::from([
            ("telegram".into(), channel(true, "2026-01-02T03:00:00Z", None)),
            ("whatsapp".into(), channel(false, "2026-01-02T03:30:00Z", Some("logged out"))),
        ]),
    }
}

fn queue() -> QueueSection {
    let group = |active, is_task, pending_messages, pending_tasks| QueueGroup {
        active,
        is_task,
        pending_messages,
        pending_tasks,
    };
    QueueSection {
        active: 1,
        max_concurrent: 3,
        waiting: 1,
        per_group: BTreeMap::from([
            ("family".into(), group(true, false, 2, 0)),
            ("ops".into(), group(false, true, 0, 1)),
        ]),
    }
}

fn scheduler() -> SchedulerSection {
    SchedulerSection {
        last_tick_at: at("2026-01-02T03:59:30Z"),
        next_jobs: vec![
            ScheduledJob { name: "morning-brief".into(), next_run_at: at("2026-01-03T07:00:00Z") },
            ScheduledJob { name: "paused-digest".into(), next_run_at: None },
        ],
        active_jobs: 1,
    }
}

fn custom() -> CustomSections {
    CustomSections {
        sections: BTreeMap::from([
            ("memory_index".into(), serde_json::json!({"documents": 1200, "stale": false})),
            ("feature_flags".into(), serde_json::json!(["voice", "vision"])),
        ]),
    }
}

/// A host that names itself and provides `provides`, with the gateway at `health_base_url`.
fn host(provides: Provides, health_base_url: &str) -> MockStatusDeps {
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| Some("agent-host".into()));
    deps.expect_version().returning(|| Some("2.0.0".into()));
    deps.expect_is_shutting_down().returning(|| Ok(false));
    deps.expect_provides().return_const(provides);
    let gateway = proxy_info(health_base_url);
    deps.expect_gateway().returning(move || Ok(gateway.clone()));
    deps.expect_sessions()
        .returning(|| Ok(SessionsSection { workspaces_total: 4, active_sessions: 2 }));
    deps.expect_scheduler().returning(|| Ok(scheduler()));
    deps.expect_custom_sections().returning(|| Ok(custom()));
    deps
}

/// Config for the temp dir: the fake Docker socket, a process name no process has, and a short
/// deadline. `terminals` is added by [`collect`] with recorded tool answers instead, so the snapshots
/// do not depend on the machine's tmux and screen (their real servers are tested in `terminals.rs`).
fn config(dir: &Path) -> Config {
    let dir = dir.display();
    Config::parse(
        &format!(
            r#"
            [collect]
            deadline = "800ms"
            [containers]
            names = ["redis", "worker"]
            socket = "{dir}/docker.sock"
            [terminals]
            enabled = false
            [processes]
            names = ["stq-full-agent"]
            "#
        ),
        "<test>",
    )
    .unwrap()
}

/// Collects once with `deps`: `service`, everything [`collectors::around_the_host`] configures,
/// `terminals` from the recorded no-session answers of tmux and screen, and `sidecars` with one
/// running thread.
async fn collect(dir: &Path, deps: MockStatusDeps) -> Snapshot {
    let config = config(dir);
    let deps: Arc<dyn status_deps::StatusDeps> = Arc::new(deps);
    let sidecars = Sidecars::default();
    sidecars.register_thread("poller", status_collect::Liveness::from_fn(|| true));
    let mut all: Vec<Arc<dyn Collector>> =
        vec![Arc::new(ServiceCollector::new(deps.clone(), None, ShutdownFlag::default()))];
    all.extend(collectors::around_the_host(&config, &deps, env_with_key(KEY)));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/terminals");
    let (tmux, screen) = (fixtures.join("tmux"), fixtures.join("screen"));
    let terminals = TerminalsCollector::new(None, None)
        .with_programs(tmux.to_str().unwrap(), screen.to_str().unwrap());
    all.push(Arc::new(terminals));
    all.push(Arc::new(SidecarsCollector::new(sidecars)));
    Engine::new(all, config.collect.deadline).collect().await
}

async fn healthy_gateway() -> String {
    support::serve_tcp(health_server(|| {
        Reply::Body(200, r#"{"healthy_count":2,"unhealthy_count":0}"#.into())
    }))
    .await
}

const REDACT: &[&str] = &[".collection.sequence", ".service.started_at"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_provides_everything() {
    let dir = tempfile::tempdir().unwrap();
    support::docker_socket(dir.path());
    let url = healthy_gateway().await;
    let mut deps = host(Provides { custom_checks: false, ..Provides::ALL }, &url);
    deps.expect_channels().returning(|| Ok(channels()));
    deps.expect_queue().returning(|| Ok(queue()));
    let snapshot = collect(dir.path(), deps).await;
    for (name, report) in &snapshot.collection.sections {
        assert_eq!(report.outcome, Outcome::Ok, "{name}: {report:?}");
    }
    let json = serde_json::to_value(&snapshot).unwrap();
    support::assert_snapshot("full_response", &json, REDACT);
    for (name, section) in json.as_object().unwrap() {
        if !["collection", "schema_version", "service", "sidecars"].contains(&name.as_str()) {
            support::assert_snapshot(&format!("full_{name}"), section, &[]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_provides_nothing_has_none_of_its_sections() {
    let dir = tempfile::tempdir().unwrap();
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| None);
    deps.expect_version().returning(|| None);
    deps.expect_is_shutting_down().returning(|| Ok(false));
    deps.expect_provides().return_const(Provides::default());
    let mut snapshot = collect(dir.path(), deps).await;
    // `containers` stays: it is configured by `[containers] names`, with no daemon behind the socket.
    let containers = snapshot.collection.sections.get_mut("containers").unwrap();
    assert_eq!(containers.outcome, Outcome::Unavailable);
    let reason = containers.reason.take().unwrap();
    let socket = dir.path().join("docker.sock");
    assert!(reason.starts_with(&format!("no Docker daemon at {}", socket.display())), "{reason}");
    containers.reason = Some("no Docker daemon at <tempdir>/docker.sock".into());
    let mut redact = REDACT.to_vec();
    // Without a name from the host or the config, the service is named after the test binary.
    redact.push(".service.name");
    support::assert_snapshot(
        "nothing_provided",
        &serde_json::to_value(&snapshot).unwrap(),
        &redact,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_queue_times_out_and_a_panicking_channels_is_panicked() {
    let dir = tempfile::tempdir().unwrap();
    support::docker_socket(dir.path());
    let url = healthy_gateway().await;
    let mut deps = host(Provides { custom_checks: false, ..Provides::ALL }, &url);
    deps.expect_channels().returning(|| panic!("channel registry poisoned"));
    // A host method stuck on a lock: it blocks until the test releases it.
    let (release, held) = mpsc::channel::<()>();
    let held = Mutex::new(held);
    deps.expect_queue().returning(move || {
        let _ = held.lock().unwrap().recv();
        Ok(queue())
    });
    let started = Instant::now();
    let snapshot = collect(dir.path(), deps).await;
    let elapsed = started.elapsed();
    drop(release);
    assert!(elapsed < Duration::from_millis(800 + 300), "took {elapsed:?}");
    let json = serde_json::to_value(&snapshot).unwrap();
    assert!(json["queue"].is_null() && json["channels"].is_null(), "{json}");
    assert_eq!(json["sessions"]["active_sessions"], 2, "the rest arrive on time");
    support::assert_snapshot("hang_and_panic_collection", &json["collection"], &[".sequence"]);
}
