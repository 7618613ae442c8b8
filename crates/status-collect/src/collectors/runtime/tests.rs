//! The lag probe runs only inside a collection and sees a blocked runtime.

use std::time::Duration;

use status_model::SectionData;

use super::RuntimeCollector;
use crate::collector::Collector;

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

fn lag_ms(collector: &RuntimeCollector) -> Option<f64> {
    let collected = collect_behind_a_blocker(collector);
    match collected.data {
        SectionData::Runtime(section) => section.event_loop_lag_ms,
        other => panic!("not the runtime section: {other:?}"),
    }
}

fn collect_behind_a_blocker(collector: &RuntimeCollector) -> crate::collector::Collected {
    let rt = current_thread();
    rt.block_on(async {
        // A task ready before the probe's, which holds the only worker for 50 ms.
        tokio::spawn(async { std::thread::sleep(Duration::from_millis(50)) });
        collector.collect().await.expect("collects")
    })
}

#[test]
fn a_blocked_worker_shows_as_lag_from_the_first_collection() {
    let collector = RuntimeCollector::start();
    let lag = lag_ms(&collector).expect("measured at the first collection");
    assert!(lag >= 50.0, "the probe's task waited behind the 50 ms one, got {lag} ms");
}

#[test]
fn nothing_runs_between_collections() {
    let rt = current_thread();
    rt.block_on(async {
        let collector = RuntimeCollector::start();
        let metrics = tokio::runtime::Handle::current().metrics();
        assert_eq!(metrics.num_alive_tasks(), 0, "no probe task waits between collections");
        collector.collect().await.expect("collects");
        tokio::task::yield_now().await;
        assert_eq!(metrics.num_alive_tasks(), 0, "the probe's tasks ended with the collection");
    });
}
