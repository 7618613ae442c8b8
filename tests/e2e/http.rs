//! The HTTP surface over a running collector: 503 before the first snapshot, then every route.

use std::sync::Arc;
use std::time::Duration;

use hyper::{Method, StatusCode};
use status_collect::testing::{Engine, collectors, spawn_loop};
use status_collect::{Cache, Config, Status};
use status_deps::MockStatusDeps;

use crate::client::{get, request, start};

fn host() -> Arc<MockStatusDeps> {
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| Some("e2e-host".into()));
    deps.expect_version().returning(|| Some("0.0.1".into()));
    deps.expect_is_shutting_down().returning(|| Ok(false));
    deps.expect_provides().return_const(status_deps::Provides::default());
    Arc::new(deps)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_503_to_a_full_snapshot() {
    let cache = Cache::default();
    let server = start(cache.clone()).await;

    for path in ["/status", "/status/process", "/metrics"] {
        let reply = get(server.addr, path).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(reply.json(), serde_json::json!({"error": "no snapshot yet"}));
    }
    let reply = get(server.addr, "/health").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json(), serde_json::json!({"status": "fail", "output": "no snapshot yet"}));
    assert_eq!(get(server.addr, "/readyz").await.status, StatusCode::SERVICE_UNAVAILABLE);

    // The loop starts after the server: the first collection lands in the cache the server reads.
    let config = Config::default();
    let engine = Engine::new(
        collectors::standard(&config, host(), Default::default()),
        config.collect.deadline,
    );
    let running = spawn_loop(engine, cache.clone(), Duration::from_secs(30));
    let mut updates = cache.subscribe();
    updates.wait_for(Option::is_some).await.unwrap();

    let reply = get(server.addr, "/status").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-type"], "application/json");
    let status = reply.json();
    assert_eq!(status["schema_version"], 1);
    assert_eq!(status["service"]["name"], "e2e-host");
    assert_eq!(status["service"]["version"], "0.0.1");
    for section in ["service", "process", "host", "runtime"] {
        assert!(status[section].is_object(), "{section}: {}", status[section]);
        assert_eq!(status["collection"]["sections"][section]["outcome"], "ok");
    }

    let reply = get(server.addr, "/status/process").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["pid"], std::process::id());

    let reply = get(server.addr, "/readyz").await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "ok"));

    let reply = get(server.addr, "/metrics-or-anything").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.json()["error"].as_str().unwrap().contains("no such endpoint"));
    let reply = get(server.addr, "/status/not-a-section").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = request(server.addr, Method::POST, "/status").await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.headers["allow"], "GET, HEAD");

    let reply = request(server.addr, Method::HEAD, "/status").await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, ""));
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_handle_collects_on_demand_and_reports_shutdown() {
    let mut config = Config::default();
    config.collect.interval = Duration::from_secs(300);
    let status = Status::spawn(&config, host());
    let server = start(status.cache()).await;
    let first = status.collect_now().await;
    let second = status.collect_now().await;
    assert!(second.collection.sequence > first.collection.sequence);
    let served = get(server.addr, "/status").await.json();
    assert!(served["collection"]["sequence"].as_u64().unwrap() >= second.collection.sequence);
    // The second collection has a CPU sample to compare with.
    assert!(served["process"]["cpu_pct"].is_number(), "{}", served["collection"]);

    let cache = status.cache();
    status.shutdown().await;
    let last = cache.latest().unwrap();
    assert_eq!(serde_json::to_value(&last.snapshot.service).unwrap()["status"], "shutting_down");
}
