//! The server under a flood of forced refreshes: plain reads keep their places.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use hyper::StatusCode;
use status_collect::Cache;
use status_collect::testing::{CollectError, Collected, Collector, Engine};
use status_http::StatusService;
use status_model::{RuntimeSection, SectionData, SectionName};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::client::get;

/// A collection that takes 0.6 s.
struct Slow;

#[async_trait]
impl Collector for Slow {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let runtime = RuntimeSection {
            event_loop_lag_ms: Some(1.0),
            workers: 2,
            alive_tasks: 3,
            global_queue_depth: 0,
        };
        Ok(Collected::complete(SectionData::Runtime(runtime)))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_flood_never_makes_plain_reads_get_429() {
    let engine = Engine::new(vec![Arc::new(Slow) as Arc<dyn Collector>], Duration::from_secs(2));
    let cache = Cache::default();
    cache.publish(engine.collect().await).unwrap();
    let refresher =
        status_collect::testing::refresher(engine, cache.clone(), Duration::from_millis(100));
    let service = StatusService::new(cache).with_refresher(refresher);
    let listener = status_http::bind(([127, 0, 0, 1], 0).into()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(status_http::serve(listener, service, async {
        let _ = stopped.await;
    }));

    let until = Instant::now() + Duration::from_secs(3);
    let fresh_ok = Arc::new(AtomicU64::new(0));
    let flood: Vec<_> = (0..70)
        .map(|_| {
            let fresh_ok = fresh_ok.clone();
            tokio::spawn(async move {
                while Instant::now() < until {
                    let reply = get(addr, "/status?fresh=1").await;
                    assert_ne!(
                        reply.status,
                        StatusCode::TOO_MANY_REQUESTS,
                        "a waiter beyond the limit is served stale"
                    );
                    if reply.status == StatusCode::OK {
                        fresh_ok.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let (mut plain, mut refused) = (0u32, 0u32);
    while Instant::now() < until {
        let reply = get(addr, "/status").await;
        plain += 1;
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    for client in flood {
        client.await.unwrap();
    }
    drop(stop);
    assert_eq!(refused, 0, "{refused} of {plain} plain reads got 429");
    assert!(plain > 10, "only {plain} plain reads in 3 s");
    assert!(fresh_ok.load(Ordering::Relaxed) >= 70, "every flooding client was answered");
}
