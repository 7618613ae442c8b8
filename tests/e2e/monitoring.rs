//! `/metrics` checked by Prometheus' own tools: `promtool check metrics`, and a real `prometheus`
//! server on 127.0.0.1 scraping the status server every second, asked through its query API.
//! Both come from Debian's `prometheus` package, which `.ci/run` installs.

#![expect(
    clippy::disallowed_methods,
    reason = "these tests run Prometheus' binaries as child processes"
)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use status_collect::{Config, Status};
use status_deps::NoDeps;
use status_http::StatusService;

use crate::client::get;

/// A running status server over a real collector.
async fn status_server() -> (Status, SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let mut config = Config::default();
    config.collect.interval = Duration::from_secs(1);
    let status = Status::spawn(&config, Arc::new(NoDeps));
    let mut updates = status.cache().subscribe();
    updates.wait_for(Option::is_some).await.unwrap();
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(status_http::serve(
        listener,
        StatusService::from_config(status.cache(), &config),
        async {
            let _ = stopped.await;
        },
    ));
    (status, addr, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_accepts_the_metrics() {
    status_testkit::require_tools!("promtool");
    let (_status, addr, _stop) = status_server().await;
    let body = get(addr, "/metrics").await.body;
    assert!(body.contains("status_host_memory_available_bytes "), "{body}");
    assert!(body.contains("# TYPE process_cpu_seconds_total counter\n"), "{body}");
    assert!(body.contains("\nstatus_build_info{"), "{body}");
    if let Err(report) = promtool_check(&body) {
        panic!("promtool reports:\n{report}");
    }
}

/// Runs `promtool check metrics` over `body`: `Err` with its report when it finds anything. Without
/// promtool (and not under `CI=true`) the check is skipped with a printed reason, `Ok`; the calling
/// test's other checks still run.
pub(crate) fn promtool_check(body: &str) -> Result<(), String> {
    if !status_testkit::tools_present(&["promtool"], "promtool_check") {
        return Ok(());
    }
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (Debian package prometheus)");
    promtool.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let output = promtool.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() && report.trim().is_empty() { Ok(()) } else { Err(report) }
}

/// Kills the child when dropped, so a failing test leaves no server behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_the_health_checks_and_memory() {
    status_testkit::require_tools!("prometheus");
    let (_status, addr, _stop) = status_server().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: status\n    static_configs:\n      - targets: ['{addr}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let prometheus_addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _prometheus = Killed(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={prometheus_addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus is installed (Debian package prometheus)"),
    );

    let query = |expr: &'static str| async move {
        // Prometheus may not listen yet: connection errors are retried like empty answers.
        let path = format!("/api/v1/query?query={expr}");
        let stream = tokio::net::TcpStream::connect(prometheus_addr).await.ok()?;
        drop(stream);
        let reply = get(prometheus_addr, &path).await;
        let body = reply.json();
        let result = body["data"]["result"].as_array()?.clone();
        (!result.is_empty()).then_some(result)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let (checks, memory, cpu) = loop {
        // A rate needs two scrapes in its window: Prometheus computes it from the counter.
        if let (Some(checks), Some(memory), Some(cpu)) = (
            query("status_health_check").await,
            query("status_host_memory_available_bytes").await,
            query("rate(process_cpu_seconds_total%5B1m%5D)").await,
        ) {
            break (checks, memory, cpu);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "Prometheus did not ingest the metrics within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let names: Vec<&str> =
        checks.iter().filter_map(|series| series["metric"]["check"].as_str()).collect();
    assert!(names.contains(&"memory_available") && names.contains(&"shutting_down"), "{names:?}");
    let available: f64 = memory[0]["value"][1].as_str().unwrap().parse().unwrap();
    assert!(available > 0.0, "{memory:?}");
    assert_eq!(memory[0]["metric"]["job"], "status");
    let rate: f64 = cpu[0]["value"][1].as_str().unwrap().parse().unwrap();
    // CPUs busy on average: a finite, non-negative share of the machine's cores.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    #[expect(clippy::cast_precision_loss, reason = "core counts are small")]
    let cores = cores as f64;
    assert!(rate.is_finite() && (0.0..=cores).contains(&rate), "{cpu:?}");
    assert_eq!(cpu[0]["metric"]["job"], "status");
}
