//! The loop under failure: it keeps running and the last good values stay served.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use status_collect::Cache;
use status_collect::testing::{CollectError, Collected, Collector, Engine, spawn_loop};
use status_model::{RuntimeSection, SectionData, SectionName};

use crate::client::{get, start};

/// Succeeds on its first call, then fails every time.
struct GoodOnce {
    calls: AtomicU64,
}

#[async_trait]
impl Collector for GoodOnce {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            let runtime = RuntimeSection {
                event_loop_lag_ms: Some(1.25),
                workers: 4,
                alive_tasks: 9,
                global_queue_depth: 0,
            };
            return Ok(Collected::complete(SectionData::Runtime(runtime)));
        }
        Err(CollectError::Failed("backend gone".into()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_survives_100_failing_cycles_and_keeps_the_last_good_value() {
    let collector = Arc::new(GoodOnce { calls: AtomicU64::new(0) });
    let engine = Engine::new(vec![collector.clone() as Arc<dyn Collector>], Duration::from_secs(1));
    let cache = Cache::default();
    let server = start(cache.clone()).await;
    let running = spawn_loop(engine, cache.clone(), Duration::from_millis(1));

    let mut updates = cache.subscribe();
    let published = updates
        .wait_for(|latest| latest.as_ref().is_some_and(|p| p.snapshot.collection.sequence > 101))
        .await
        .unwrap()
        .clone()
        .unwrap();
    assert!(collector.calls.load(Ordering::SeqCst) > 101);
    let report = &published.snapshot.collection.sections["runtime"];
    assert_eq!(report.outcome, status_model::Outcome::Error);
    assert_eq!(report.reason.as_deref(), Some("backend gone"));
    assert!(report.stale_seconds.is_some());

    let served = get(server.addr, "/status").await.json();
    assert_eq!(served["runtime"]["workers"], 4, "the last good value is still served");
    assert_eq!(served["runtime"]["event_loop_lag_ms"], 1.25);
    assert_eq!(served["collection"]["sections"]["runtime"]["outcome"], "error");
    running.stop().await;
}
