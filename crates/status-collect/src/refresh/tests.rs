//! Refresher tests: concurrent callers share one collection; starts are rate-limited.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use status_model::{RuntimeSection, SectionData, SectionName};

use super::*;
use crate::collector::{CollectError, Collected, Collector};

/// Counts its collections; each takes 50 ms.
#[derive(Default)]
struct Counting(AtomicU64);

#[async_trait]
impl Collector for Counting {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        let runtime = RuntimeSection {
            event_loop_lag_ms: None,
            workers: 1,
            alive_tasks: 1,
            global_queue_depth: 0,
        };
        Ok(Collected::complete(SectionData::Runtime(runtime)))
    }
}

fn refresher(min_interval: Duration) -> (Refresher, Arc<Counting>) {
    let counting = Arc::new(Counting::default());
    let engine = Engine::new(vec![counting.clone() as Arc<dyn Collector>], Duration::from_secs(1));
    (Refresher::new(engine, Cache::default(), min_interval), counting)
}

#[tokio::test(start_paused = true)]
async fn concurrent_callers_share_one_collection() {
    let (refresher, counting) = refresher(Duration::from_secs(1));
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let refresher = refresher.clone();
            tokio::spawn(async move { refresher.refresh().await })
        })
        .collect();
    for call in calls {
        match call.await.unwrap() {
            Refreshed::Fresh(published) => assert_eq!(published.snapshot.collection.sequence, 1),
            Refreshed::Throttled(_) => panic!("every caller arrived while the collection ran"),
        }
    }
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_second_start_waits_for_min_interval() {
    let (refresher, counting) = refresher(Duration::from_secs(1));
    assert!(matches!(refresher.refresh().await, Refreshed::Fresh(_)));
    match refresher.refresh().await {
        Refreshed::Throttled(Some(published)) => {
            assert_eq!(published.snapshot.collection.sequence, 1);
        }
        other => panic!("expected the cached snapshot, got {other:?}"),
    }
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(matches!(refresher.refresh().await, Refreshed::Fresh(_)));
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_gives_up_does_not_cancel_the_collection() {
    let (refresher, counting) = refresher(Duration::from_millis(100));
    let abandoned = tokio::time::timeout(Duration::from_millis(10), refresher.refresh()).await;
    assert!(abandoned.is_err(), "the collection takes 50 ms");
    let joined = refresher.refresh().await;
    assert!(matches!(joined, Refreshed::Fresh(_)), "{joined:?}");
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
}
