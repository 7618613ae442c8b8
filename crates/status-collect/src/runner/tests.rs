//! Loop tests: slow collections are logged, and the loop stops when asked.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use status_model::{RuntimeSection, SectionData, SectionName};

use super::*;
use crate::collector::{CollectError, Collected, Collector};

struct Slow(Duration);

#[async_trait]
impl Collector for Slow {
    fn section(&self) -> SectionName {
        SectionName::Runtime
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        tokio::time::sleep(self.0).await;
        let runtime = RuntimeSection {
            event_loop_lag_ms: None,
            workers: 1,
            alive_tasks: 1,
            global_queue_depth: 0,
        };
        Ok(Collected::complete(SectionData::Runtime(runtime)))
    }
}

/// Log lines captured by a tracing subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn logs_of_one_cycle(collector_takes: Duration) -> String {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let engine = Engine::new(
        vec![Arc::new(Slow(collector_takes)) as Arc<dyn Collector>],
        Duration::from_secs(1),
    );
    let cache = Cache::default();
    cycle(&engine, &cache).await;
    assert!(cache.latest().is_some());
    String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_collection_slower_than_100_ms_is_logged_with_its_duration() {
    let logs = logs_of_one_cycle(Duration::from_millis(150)).await;
    assert!(logs.contains("WARN") && logs.contains("slow status collection"), "{logs}");
    assert!(logs.contains("duration_ms=150"), "{logs}");
    let logs = logs_of_one_cycle(Duration::from_millis(50)).await;
    assert!(!logs.contains("slow status collection"), "{logs}");
}

#[tokio::test(start_paused = true)]
async fn the_loop_collects_at_start_then_every_interval_until_stopped() {
    let engine = Engine::new(
        vec![Arc::new(Slow(Duration::ZERO)) as Arc<dyn Collector>],
        Duration::from_secs(1),
    );
    let cache = Cache::default();
    let running = spawn_loop(engine, cache.clone(), Duration::from_secs(30));
    let mut updates = cache.subscribe();
    updates.changed().await.unwrap();
    let first = cache.latest().unwrap().snapshot.collection.sequence;
    tokio::time::sleep(Duration::from_secs(61)).await;
    let later = cache.latest().unwrap().snapshot.collection.sequence;
    assert_eq!((first, later), (1, 3), "one at start, then one every 30 s");
    running.stop().await;
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(cache.latest().unwrap().snapshot.collection.sequence, 3, "no collection after stop");
}
