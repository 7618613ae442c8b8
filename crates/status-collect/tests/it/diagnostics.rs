//! Diagnostics through the real collection path: heartbeats from a child process on a Unix
//! socket, a worker turning stale and fresh with the health check following, and the JSON of the
//! `metrics` and `workers` sections.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use status_collect::diagnostics::{Heartbeat, Heartbeats, MetricsRegistry};
use status_collect::testing::collectors::{MetricsCollector, WorkersCollector};
use status_collect::testing::{Collector, Engine, EngineSettings, HealthEvaluator};
use status_collect::{Config, Status, WorkersConfig};
use status_deps::{MockStatusDeps, Provides};
use status_model::{HealthStatus, Snapshot};

use crate::common;

/// Runs `perl` (always on Debian: perl-base is essential) writing `lines` to the Unix socket at
/// `path`, one per line, and waits for it.
#[expect(clippy::disallowed_methods, reason = "the test's worker is a real child process")]
fn child_writes(path: &Path, lines: &[&str]) {
    let script = "use IO::Socket::UNIX; \
        my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or die \"connect: $!\"; \
        shift @ARGV; print $s \"$_\\n\" for @ARGV; close $s;";
    let status = std::process::Command::new("perl")
        .args(["-e", script])
        .arg(path)
        .args(lines)
        .status()
        .expect("perl runs");
    assert!(status.success(), "the child failed: {status}");
}

fn mock_deps() -> Arc<MockStatusDeps> {
    let mut deps = MockStatusDeps::new();
    deps.expect_provides().returning(Provides::default);
    deps.expect_service_name().returning(|| Some("pool-host".into()));
    deps.expect_version().returning(|| Some("1.0.0".into()));
    deps.expect_is_shutting_down().returning(|| Ok(false));
    Arc::new(deps)
}

/// The workers whose heartbeats are valid, of the lines the child writes.
const EXPECTED: [&str; 2] = ["child-1", "child-3"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_arrive_from_a_child_process_and_bad_lines_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("workers.sock");
    // A stale socket file from an earlier run is replaced.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let mut config = Config::default();
    config.state.dir = Some(dir.path().join("state"));
    config.workers.socket = Some(socket.clone());
    let status = Status::spawn(&config, mock_deps());
    child_writes(
        &socket,
        &[
            r#"{"id":"child-1","rss_bytes":2048,"cpu_pct":3.5,"custom":{"jobs_done":7}}"#,
            "not json",
            r#"{"rss_bytes":1}"#,
            &format!(r#"{{"id":"child-2","custom":{{"note":"{}"}}}}"#, "x".repeat(20_000)),
            r#"{"id":""}"#,
            r#"{"id":"child-3"}"#,
        ],
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    // The `metrics` and `workers` collectors run concurrently: one collection may count a line
    // the other did not see yet, so wait until both have all of them.
    let snapshot = loop {
        let snapshot = status.collect_now().await;
        let lines = snapshot.metrics.value().map(|m| m.metrics["status_heartbeat_lines"].clone());
        let seen = lines.map(|lines| lines.series.iter().map(|s| s.value).collect::<Vec<_>>());
        let workers: Option<Vec<String>> =
            snapshot.workers.value().map(|w| w.workers.keys().cloned().collect());
        if seen == Some(vec![Some(2.0), Some(4.0)])
            && workers.as_deref() == Some(&EXPECTED.map(String::from)[..])
        {
            break snapshot;
        }
        assert!(tokio::time::Instant::now() < deadline, "lines {seen:?}, workers {workers:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let workers = &snapshot.workers.value().unwrap().workers;
    let child = &workers["child-1"];
    assert_eq!((child.rss_bytes, child.cpu_pct, child.stale), (Some(2048), Some(3.5), false));
    assert_eq!(child.custom["jobs_done"], 7);
    status.shutdown().await;
    assert!(!socket.exists(), "the socket file is removed at shutdown");
}

#[tokio::test]
async fn a_socket_that_cannot_listen_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-socket");
    std::fs::write(&path, "keep me").unwrap();
    let mut config = Config::default();
    config.state.dir = Some(dir.path().join("state"));
    config.workers.socket = Some(path.clone());
    let status = Status::spawn(&config, mock_deps());
    let snapshot = status.collect_now().await;
    assert_eq!(snapshot.workers.value().map(|w| w.workers.len()), Some(0));
    let report = &snapshot.collection.sections["workers"];
    assert!(report.unmeasured["socket"].contains("is not a socket"), "{report:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    status.shutdown().await;
}

fn workers_check(snapshot: &Snapshot) -> (HealthStatus, String) {
    let health = snapshot.health.as_ref().unwrap();
    let check = health.checks.iter().find(|check| check.name == "workers_stale").unwrap();
    (check.status, check.message.clone())
}

#[tokio::test(start_paused = true)]
async fn a_silent_worker_turns_stale_within_the_bound_and_fresh_when_it_resumes() {
    let workers = WorkersConfig {
        heartbeat_interval: Duration::from_secs(1),
        stale_after_intervals: 3,
        socket: None,
    };
    let config = Config { workers, ..Config::default() };
    let heartbeats = Heartbeats::new(&config.workers);
    let engine =
        with_checks(&config, vec![Arc::new(WorkersCollector::new(heartbeats.clone(), None))]);
    assert!(!engine.collect().await.is_configured(status_model::SectionName::Workers));
    heartbeats.beat("w1", Heartbeat::default());
    heartbeats.beat("w2", Heartbeat::default());
    let pass = (HealthStatus::Pass, "stale workers is 0".to_owned());
    assert_eq!(workers_check(&engine.collect().await), pass);
    for _ in 0..3 {
        tokio::time::advance(Duration::from_secs(1)).await;
        heartbeats.beat("w2", Heartbeat::default());
    }
    assert_eq!(workers_check(&engine.collect().await), pass, "3 intervals is still within");
    tokio::time::advance(Duration::from_millis(10)).await;
    let snapshot = engine.collect().await;
    assert!(snapshot.workers.value().unwrap().workers["w1"].stale);
    assert_eq!(
        workers_check(&snapshot),
        (HealthStatus::Warn, "stale workers is 1, above 0".into())
    );
    heartbeats.beat("w1", Heartbeat::default());
    assert_eq!(workers_check(&engine.collect().await), pass, "fresh again");
}

#[tokio::test(start_paused = true)]
async fn the_sections_json() {
    let metrics = MetricsRegistry::default();
    let help = "Acquisitions of a pool worker.";
    let hits = metrics.counter("pool_acquisitions", help, None, &[("result", "hit")]);
    let misses = metrics.counter("pool_acquisitions", help, None, &[("result", "miss")]);
    metrics.ratio(
        "pool_hit",
        "Share of acquisitions that found an idle worker.",
        &[&hits],
        &[&hits, &misses],
    );
    metrics.ratio("pool_reuse", "Reuses per acquisition (none yet).", &[&hits], &[]);
    metrics.gauge("pool_waiting", "Acquisitions waiting.", None, &[]).set(2);
    metrics.high_water("pool_waiting_max", "Most acquisitions waiting.", None, &[]).observe(9);
    let wait = metrics.histogram(
        "pool_acquire_wait",
        "Time to acquire.",
        Some("seconds"),
        &[0.01, 0.1],
        &[],
    );
    hits.add(9);
    misses.inc();
    for latency in [0.005, 0.05, 0.5] {
        wait.observe(latency);
    }
    metrics.gauge("bad-name", "Refused.", None, &[]);
    let heartbeats = Heartbeats::new(&WorkersConfig::default());
    let custom = BTreeMap::from([("jobs_done".to_owned(), serde_json::json!(42))]);
    heartbeats
        .beat("worker-1", Heartbeat { rss_bytes: Some(1 << 20), cpu_pct: Some(12.5), custom });
    tokio::time::advance(Duration::from_secs(31)).await;
    heartbeats.beat("worker-2", Heartbeat::default());
    let engine = with_checks(
        &Config::default(),
        vec![
            Arc::new(MetricsCollector::new(metrics)),
            Arc::new(WorkersCollector::new(heartbeats, None)),
        ],
    );
    let snapshot = serde_json::to_value(engine.collect().await).unwrap();
    let shown = serde_json::json!({
        "metrics": snapshot["metrics"],
        "workers": snapshot["workers"],
        "reports": {
            "metrics": snapshot["collection"]["sections"]["metrics"],
            "workers": snapshot["collection"]["sections"]["workers"],
        },
    });
    let mut settings = common::settings();
    common::redact(&mut settings, &[".workers.*.last_heartbeat_at", ".reports.*.duration_ms"]);
    settings.bind(|| insta::assert_json_snapshot!("diagnostics_sections", shown));
}

/// An engine for `collectors` with `config`'s deadline and health checks, as a `Status` runs them.
fn with_checks(config: &Config, collectors: Vec<Arc<dyn Collector>>) -> Engine {
    let health = Some(Arc::new(HealthEvaluator::new(&config.health)));
    Engine::with_settings(
        collectors,
        EngineSettings { deadline: config.collect.deadline, interval: None, health },
    )
}
