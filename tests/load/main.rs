//! Bounded load tests over loopback, one at a time (they measure the process): 1,000 concurrent
//! forced refreshes make one collection; 10,000 idle connections stay cheap and are closed by the
//! header timeout; 100 slowloris clients do not slow a normal `/status`.
//!
//! No libtest harness: `main` runs the tests in turn, because they measure the whole process, and
//! re-runs this binary as the process that holds the idle connections' client ends (both ends in one
//! process would need more open files than an unprivileged process may have). Figures go to stderr:
//! `cargo test -p status-tests --test load`.

#![expect(
    clippy::disallowed_methods,
    reason = "the idle connections' client ends live in a child process: this binary, re-run"
)]

mod clients;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use status_collect::testing::{CollectError, Collected, Collector, Engine};
use status_collect::{Cache, Config};
use status_http::{Limits, StatusService};
use status_model::{
    CollectionReport, RuntimeSection, SectionData, SectionName, Snapshot, Timestamp,
};
use tokio::time::Instant;

use crate::clients::{Timings, get_once, idle_connections, keep_alive, slowloris};

/// Set in the child process that holds idle connections: `ADDR COUNT DEADLINE_SECONDS`.
const HOLD: &str = "STATUS_LOAD_HOLD_IDLE";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if let Ok(spec) = std::env::var(HOLD) {
        runtime.block_on(hold_idle_connections(&spec));
        return;
    }
    report("running 3 load tests, one at a time");
    runtime
        .block_on(ten_thousand_idle_connections_stay_cheap_and_are_closed_by_the_header_timeout());
    runtime.block_on(a_thousand_concurrent_fresh_requests_make_one_collection());
    runtime.block_on(a_hundred_slowloris_clients_do_not_slow_status());
    report("load tests: ok");
}

#[expect(clippy::print_stderr, reason = "the figures are the point of a load test")]
fn report(line: &str) {
    eprintln!("{line}");
}

/// Counts its collections; each takes 300 ms, so that concurrent requests overlap it.
#[derive(Default)]
struct Counting(AtomicU64);

#[async_trait]
impl Collector for Counting {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let runtime = RuntimeSection {
            event_loop_lag_ms: None,
            workers: 2,
            alive_tasks: 1,
            global_queue_depth: 0,
        };
        Ok(Collected::complete(SectionData::Runtime(runtime)))
    }
}

fn first_snapshot() -> Snapshot {
    Snapshot::new(CollectionReport {
        taken_at: Timestamp::now(),
        duration_ms: 1.0,
        sequence: 0,
        interval_seconds: Some(30.0),
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    })
}

/// A server over a cache holding one snapshot, forced refreshes through `counting`.
async fn server(
    config: &Config,
    counting: &Arc<Counting>,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let cache = Cache::default();
    cache.publish(first_snapshot()).unwrap();
    let engine = Engine::new(vec![counting.clone() as Arc<dyn Collector>], Duration::from_secs(5));
    let refresher =
        status_collect::testing::refresher(engine, cache.clone(), config.http.min_refresh);
    let service = StatusService::from_config(cache, config).with_refresher(refresher);
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let limits = Limits::from_config(&config.http);
    tokio::spawn(status_http::serve_with(listener, service, limits, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

async fn thousand_fresh_requests(max_concurrent: usize) -> (u64, BTreeMap<String, usize>, Timings) {
    let mut config = Config::default();
    config.http.max_concurrent_requests = max_concurrent;
    // Long enough that a request arriving after the collection cannot start a second one.
    config.http.min_refresh = Duration::from_secs(60);
    let counting = Arc::new(Counting::default());
    let (addr, _stop) = server(&config, &counting).await;
    let start = Arc::new(tokio::sync::Barrier::new(1000));
    let requests: Vec<_> = (0..1000)
        .map(|_| {
            let start = start.clone();
            tokio::spawn(async move { get_once(addr, "/status?fresh=1", &start).await })
        })
        .collect();
    let mut outcomes = BTreeMap::new();
    let mut refused = Timings::default();
    for request in requests {
        let (status, stale, took) = request.await.unwrap();
        let kind = match (status, stale) {
            (200, false) => "200 fresh".to_owned(),
            (200, true) => "200 cached, Warning 110".to_owned(),
            (status, _) => status.to_string(),
        };
        if status == 429 {
            refused.push(took);
        }
        *outcomes.entry(kind).or_default() += 1;
    }
    (counting.0.load(Ordering::SeqCst), outcomes, refused)
}

async fn a_thousand_concurrent_fresh_requests_make_one_collection() {
    report("test a_thousand_concurrent_fresh_requests_make_one_collection");
    let (collections, outcomes, _) = thousand_fresh_requests(2000).await;
    report(&format!(
        "1000 x /status?fresh=1, limit 2000: {collections} collection(s), {outcomes:?}"
    ));
    assert_eq!(collections, 1);
    assert_eq!(outcomes.values().sum::<usize>(), 1000);
    assert!(outcomes.keys().all(|kind| kind.starts_with("200")), "{outcomes:?}");

    // Waiters for a forced collection have their own small limit and never take the places of
    // `max_concurrent_requests`: beyond it they are answered from the cache at once, marked stale,
    // never 429.
    let (collections, outcomes, _) = thousand_fresh_requests(64).await;
    report(&format!("1000 x /status?fresh=1, limit 64: {collections} collection(s), {outcomes:?}"));
    assert_eq!(collections, 1);
    assert_eq!(outcomes.values().sum::<usize>(), 1000);
    assert!(outcomes.keys().all(|kind| kind.starts_with("200")), "{outcomes:?}");
    let fresh = outcomes.get("200 fresh").copied().unwrap_or(0);
    assert!((1..=status_http::FRESH_WAITERS).contains(&fresh), "{outcomes:?}");
}

/// The process's resident set, in bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib * 1024
}

async fn ten_thousand_idle_connections_stay_cheap_and_are_closed_by_the_header_timeout() {
    report("test ten_thousand_idle_connections_stay_cheap_and_are_closed_by_the_header_timeout");
    let mut config = Config::default();
    config.http.header_timeout = Duration::from_secs(4);
    let counting = Arc::new(Counting::default());
    let (addr, _stop) = server(&config, &counting).await;
    keep_alive(addr).await.get("/status").await;
    let before = rss_bytes();
    let opened = Instant::now();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(HOLD, format!("{addr} 10000 9"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = move || lines.next().expect("the holder reports").expect("UTF-8");
    assert_eq!(tokio::task::block_in_place(&mut next), "connected 10000");
    let connected_in = opened.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let during = rss_bytes();
    let mb = |bytes: u64| bytes / (1024 * 1024);
    report(&format!(
        "10000 idle connections (opened in {connected_in:?}): server RSS {} MiB before, {} MiB with \
         them open (+{} KiB)",
        mb(before),
        mb(during),
        during.saturating_sub(before) / 1024
    ));
    assert!(during < 64 * 1024 * 1024, "RSS {} MiB with 10000 idle connections", mb(during));
    let closed = tokio::task::block_in_place(&mut next);
    report(&format!("closed by the server within header_timeout (4 s) + 5 s: {closed}"));
    assert!(child.wait().unwrap().success());
    assert_eq!(closed, "closed 10000/10000");
    assert_eq!(keep_alive(addr).await.get("/livez").await.0, 200, "the server still serves");
}

/// The child's job: open the connections, say so, wait for the server to close them, say how many.
async fn hold_idle_connections(spec: &str) {
    let mut fields = spec.split(' ');
    let addr: SocketAddr = fields.next().unwrap().parse().unwrap();
    let count: usize = fields.next().unwrap().parse().unwrap();
    let seconds: u64 = fields.next().unwrap().parse().unwrap();
    let connections = idle_connections(addr, count).await;
    // From the last connection: one opened at the end cannot be closed by the header timeout
    // sooner. (Beyond `max_connections` the server closes the oldest idle ones at once.)
    let deadline = Instant::now() + Duration::from_secs(seconds);
    say(&format!("connected {}", connections.len()));
    let closed = clients::wait_closed(connections, deadline).await;
    say(&format!("closed {closed}/{count}"));
}

#[expect(clippy::print_stdout, reason = "the holder reports to its parent on stdout")]
fn say(line: &str) {
    println!("{line}");
}

async fn a_hundred_slowloris_clients_do_not_slow_status() {
    report("test a_hundred_slowloris_clients_do_not_slow_status");
    let config = Config::default();
    let counting = Arc::new(Counting::default());
    let (addr, _stop) = server(&config, &counting).await;
    let mut client = keep_alive(addr).await;
    let mut baseline = Timings::default();
    for _ in 0..300 {
        baseline.push(client.get("/status").await.1);
    }
    let attackers = slowloris(addr, 100, Duration::from_millis(100));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut attacked = Timings::default();
    for _ in 0..300 {
        attacked.push(client.get("/status").await.1);
    }
    let still_sending = attackers.stop().await;
    report(&format!(
        "/status, 300 requests on one keep-alive connection: alone {}",
        baseline.summary()
    ));
    report(&format!(
        "/status with 100 slowloris clients ({still_sending} still open): {}",
        attacked.summary()
    ));
    let delay = attacked.percentile(50).saturating_sub(baseline.percentile(50));
    assert!(delay < Duration::from_millis(10), "median delayed by {delay:?}");
}
