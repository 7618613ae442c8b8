//! A host with a simulated worker pool publishes its internals through the metrics registry; the
//! values on `/status` and `/metrics` match the pool's own counts exactly, and `promtool` accepts
//! them. The trace buffer is served at `/status/traces` without its deny-listed fields.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use status_collect::diagnostics::{Counter, Gauge, HighWater, Histogram, TraceBuffer};
use status_collect::{Config, Status};
use status_deps::NoDeps;
use status_http::StatusService;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing_subscriber::layer::SubscriberExt;

use crate::client::get;

const BUCKETS: &[f64] = &[0.000_1, 0.001, 0.01, 0.1];

/// What the pool itself counted: the truth the published values are compared with.
#[derive(Default)]
struct Own {
    hits: u64,
    misses: u64,
    waiting: i64,
    max_waiting: u64,
    latencies: Vec<f64>,
}

/// A pool of worker slots: an acquisition waits for a slot, then finds an idle worker (a hit) or
/// starts one (a miss).
struct Pool {
    slots: Semaphore,
    idle: Mutex<Vec<u32>>,
    own: Mutex<Own>,
    hits: Counter,
    misses: Counter,
    waiting: Gauge,
    max_waiting: HighWater,
    wait: Histogram,
}

impl Pool {
    fn new(status: &Status, size: usize) -> Pool {
        let metrics = status.metrics();
        let help = "Acquisitions of a pool worker, by whether an idle one was found.";
        let hits = metrics.counter("pool_acquisitions", help, None, &[("result", "hit")]);
        let misses = metrics.counter("pool_acquisitions", help, None, &[("result", "miss")]);
        metrics.ratio(
            "pool_hit",
            "Share of acquisitions that found an idle worker.",
            &[&hits],
            &[&hits, &misses],
        );
        Pool {
            slots: Semaphore::new(size),
            idle: Mutex::default(),
            own: Mutex::default(),
            hits,
            misses,
            waiting: metrics.gauge("pool_waiting", "Acquisitions waiting for a slot.", None, &[]),
            max_waiting: metrics.high_water(
                "pool_waiting_max",
                "Most acquisitions waiting at once.",
                None,
                &[],
            ),
            wait: metrics.histogram(
                "pool_acquire_wait",
                "Time to acquire a worker.",
                Some("seconds"),
                BUCKETS,
                &[],
            ),
        }
    }

    async fn acquire_and_work(&self, worker_seed: u32) {
        let started = Instant::now();
        {
            let mut own = self.own.lock().unwrap();
            own.waiting += 1;
            own.max_waiting = own.max_waiting.max(u64::try_from(own.waiting).unwrap());
            self.waiting.inc();
            self.max_waiting.observe(u64::try_from(own.waiting).unwrap());
        }
        let permit = self.slots.acquire().await.unwrap();
        // Quantized to 2^-20 s (about 1 µs), so sums are exact in any order.
        let latency = (started.elapsed().as_secs_f64() * 1_048_576.0).round() / 1_048_576.0;
        let worker = self.idle.lock().unwrap().pop();
        {
            let mut own = self.own.lock().unwrap();
            own.waiting -= 1;
            self.waiting.dec();
            match worker {
                Some(_) => {
                    own.hits += 1;
                    self.hits.inc();
                }
                None => {
                    own.misses += 1;
                    self.misses.inc();
                }
            }
            own.latencies.push(latency);
            self.wait.observe(latency);
        }
        tokio::task::yield_now().await;
        self.idle.lock().unwrap().push(worker.unwrap_or(worker_seed));
        drop(permit);
    }
}

async fn serve(status: &Status, config: &Config) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let service = StatusService::from_config(status.cache(), config).with_traces(status.traces());
    tokio::spawn(status_http::serve(listener, service, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// The samples of `/metrics` by their full text before the value.
fn samples(body: &str) -> BTreeMap<String, f64> {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .map(|(key, value)| (key.to_owned(), value.parse().unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_pools_counts_match_on_status_and_metrics() {
    let config = Config::default();
    let status = Status::spawn(&config, Arc::new(NoDeps));
    let pool = Arc::new(Pool::new(&status, 4));
    let clients: Vec<_> = (0..16u32)
        .map(|client| {
            let pool = pool.clone();
            tokio::spawn(async move {
                for _ in 0..625 {
                    pool.acquire_and_work(client).await;
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    status.collect_now().await;
    let (addr, _stop) = serve(&status, &config).await;
    let own = std::mem::take(&mut *pool.own.lock().unwrap());
    assert_eq!(own.hits + own.misses, 10_000);
    assert!(own.misses >= 1 && own.max_waiting >= 1, "the workload makes misses and a queue");

    let snapshot = get(addr, "/status").await.json();
    let metrics = &snapshot["metrics"];
    let series = |name: &str, i: usize| metrics[name]["series"][i].clone();
    assert_eq!(series("pool_acquisitions", 0)["labels"]["result"], "hit");
    assert_eq!(series("pool_acquisitions", 0)["value"], own.hits as f64);
    assert_eq!(series("pool_acquisitions", 1)["value"], own.misses as f64);
    assert_eq!(series("pool_waiting", 0)["value"], 0.0);
    assert_eq!(series("pool_waiting_max", 0)["value"], own.max_waiting as f64);
    assert_eq!(series("pool_hit", 0)["value"], own.hits as f64 / 10_000.0);
    let histogram = &series("pool_acquire_wait", 0)["histogram"];
    let sum: f64 = own.latencies.iter().sum();
    assert_eq!((histogram["count"].as_u64(), histogram["sum"].as_f64()), (Some(10_000), Some(sum)));
    for (i, bound) in BUCKETS.iter().enumerate() {
        let expected = own.latencies.iter().filter(|latency| *latency <= bound).count();
        assert_eq!(histogram["buckets"][i]["count"].as_u64(), Some(expected as u64), "le {bound}");
    }

    let body = get(addr, "/metrics").await.body;
    if let Err(report) = crate::monitoring::promtool_check(&body) {
        panic!("promtool reports:\n{report}");
    }
    let samples = samples(&body);
    let at = |key: &str| samples.get(key).copied().unwrap_or_else(|| panic!("no {key} in\n{body}"));
    assert!(body.contains("# TYPE pool_acquisitions_total counter\n"), "{body}");
    assert!(
        body.contains("# HELP pool_acquire_wait_seconds Time to acquire a worker.\n"),
        "{body}"
    );
    assert_eq!(at("pool_acquisitions_total{result=\"hit\"}"), own.hits as f64);
    assert_eq!(at("pool_acquisitions_total{result=\"miss\"}"), own.misses as f64);
    assert_eq!(at("pool_waiting_max"), own.max_waiting as f64);
    assert_eq!(at("pool_hit_ratio"), own.hits as f64 / 10_000.0);
    assert_eq!(at("pool_acquire_wait_seconds_count"), 10_000.0);
    assert_eq!(at("pool_acquire_wait_seconds_sum"), sum);
    assert_eq!(at("pool_acquire_wait_seconds_bucket{le=\"+Inf\"}"), 10_000.0);
    status.shutdown().await;
}

#[tokio::test]
async fn traces_are_served_without_deny_listed_fields() {
    let config = Config::default();
    let traces = TraceBuffer::new(&config.traces);
    let subscriber = tracing_subscriber::registry().with(traces.layer());
    let _default = tracing::subscriber::set_default(subscriber);
    let diagnostics =
        status_collect::Diagnostics { traces, ..status_collect::Diagnostics::from_config(&config) };
    let status = Status::spawn_with(&config, Arc::new(NoDeps), diagnostics);
    for job in ["job-1", "job/2"] {
        tracing::info!(execution_id = job, kind = "submit", api_token = "tok-SECRET", "submitted");
        tracing::info!(execution_id = job, kind = "resolve", outcome = "ok", "resolved");
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
    status.collect_now().await;
    let (addr, _stop) = serve(&status, &config).await;

    let list = get(addr, "/status/traces").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let listed = list.json();
    let mut ids: Vec<&str> = listed["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|execution| execution["execution_id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["job-1", "job/2"]);
    let one = get(addr, "/status/traces/job%2F2").await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()["summary"]["outcome"], "ok");
    assert_eq!(one.json()["events"][0]["fields"]["kind"], "submit");
    assert_eq!(get(addr, "/status/traces/nope").await.status, 404);
    let snapshot = get(addr, "/status").await;
    let operations = &snapshot.json()["recent_operations"]["operations"];
    assert_eq!(operations.as_array().map(Vec::len), Some(2), "{}", snapshot.body);
    assert_eq!(operations[0]["status"], "ok");
    for body in [list.body, one.body, snapshot.body] {
        assert!(!body.contains("SECRET") && !body.contains("api_token"), "{body}");
    }
    status.shutdown().await;
}
