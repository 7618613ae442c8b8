//! Engine tests: failure isolation, deadlines, stale values, no double start.

use std::sync::atomic::AtomicU32;

use async_trait::async_trait;
use jiff::Timestamp;
use status_model::{RuntimeSection, ServiceSection, ServiceStatus};

use super::*;

#[derive(Clone, Copy)]
enum Behaviour {
    Ok,
    Fail,
    Unavailable,
    Hang,
    Panic,
    /// Blocks a blocking-pool thread for this long.
    Block(Duration),
    /// Succeeds on the first call only.
    OkOnce,
}

struct Fake {
    section: SectionName,
    behaviour: Behaviour,
    calls: AtomicU32,
}

fn fake(section: SectionName, behaviour: Behaviour) -> Arc<Fake> {
    Arc::new(Fake { section, behaviour, calls: AtomicU32::new(0) })
}

fn sample(section: SectionName, marker: u64) -> SectionData {
    let runtime = RuntimeSection {
        event_loop_lag_ms: None,
        workers: marker,
        alive_tasks: 0,
        global_queue_depth: 0,
    };
    match section {
        SectionName::Runtime => SectionData::Runtime(runtime),
        SectionName::Service => SectionData::Service(ServiceSection {
            name: format!("svc-{marker}"),
            version: None,
            started_at: Timestamp::UNIX_EPOCH,
            uptime_seconds: 0.0,
            status: ServiceStatus::Ok,
        }),
        other => panic!("no sample for {other}"),
    }
}

#[async_trait]
impl Collector for Fake {
    fn section(&self) -> SectionName {
        self.section
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.behaviour {
            Behaviour::Ok => Ok(Collected::complete(sample(self.section, u64::from(call)))),
            Behaviour::OkOnce if call == 0 => Ok(Collected::complete(sample(self.section, 7))),
            Behaviour::Fail | Behaviour::OkOnce => Err(CollectError::Failed("disk on fire".into())),
            Behaviour::Unavailable => Err(CollectError::Unavailable("no /proc here".into())),
            Behaviour::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                unreachable!("the test ends first")
            }
            Behaviour::Panic => panic!("collector blew up"),
            Behaviour::Block(duration) => {
                tokio::task::spawn_blocking(move || std::thread::sleep(duration)).await.unwrap();
                Ok(Collected::complete(sample(self.section, 1)))
            }
        }
    }
}

fn engine(collectors: Vec<Arc<Fake>>, deadline: Duration) -> Engine {
    Engine::new(collectors.into_iter().map(|c| c as Arc<dyn Collector>).collect(), deadline)
}

#[track_caller]
fn check_outcome(snapshot: &Snapshot, section: &str, outcome: Outcome, reason: &str) {
    let report = &snapshot.collection.sections[section];
    assert_eq!(report.outcome, outcome, "{section}: {report:?}");
    let actual = report.reason.as_deref().unwrap_or("");
    assert!(actual.contains(reason), "{section}: reason {actual:?} lacks {reason:?}");
}

#[tokio::test(start_paused = true)]
async fn each_failure_marks_only_its_own_section() {
    for (behaviour, outcome, reason) in [
        (Behaviour::Fail, Outcome::Error, "disk on fire"),
        (Behaviour::Unavailable, Outcome::Unavailable, "no /proc here"),
        (Behaviour::Hang, Outcome::Timeout, "deadline of 2s"),
        (Behaviour::Panic, Outcome::Panicked, "collector panicked: collector blew up"),
    ] {
        let collectors = vec![
            fake(SectionName::Service, Behaviour::Ok),
            fake(SectionName::Host, behaviour),
            fake(SectionName::Runtime, Behaviour::Ok),
        ];
        let engine = engine(collectors, Duration::from_secs(2));
        let started = Instant::now();
        let snapshot = engine.collect().await;
        assert!(started.elapsed() <= Duration::from_secs(2) + Duration::from_millis(50));
        check_outcome(&snapshot, "host", outcome, reason);
        assert_eq!(snapshot.host, status_model::Slot::Missing, "never a good value: null");
        for good in ["service", "runtime"] {
            check_outcome(&snapshot, good, Outcome::Ok, "");
        }
        assert!(snapshot.service.value().is_some() && snapshot.runtime.value().is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_collector_does_not_delay_the_snapshot_in_real_time() {
    let deadline = Duration::from_millis(200);
    let engine = engine(
        vec![
            fake(SectionName::Runtime, Behaviour::Block(Duration::from_secs(2))),
            fake(SectionName::Service, Behaviour::Ok),
        ],
        deadline,
    );
    let started = Instant::now();
    let snapshot = engine.collect().await;
    let elapsed = started.elapsed();
    assert!(elapsed < deadline + Duration::from_millis(50), "took {elapsed:?}");
    check_outcome(&snapshot, "runtime", Outcome::Timeout, "deadline");
    check_outcome(&snapshot, "service", Outcome::Ok, "");
    assert_eq!(snapshot.collection.abandoned_total, 1);

    // The blocked run is still going: the next cycle does not start it twice.
    let snapshot = engine.collect().await;
    check_outcome(&snapshot, "runtime", Outcome::Timeout, "not started twice");
    assert_eq!(snapshot.collection.abandoned_total, 1, "a busy collector is not abandoned again");
}

#[tokio::test(start_paused = true)]
async fn a_failing_section_keeps_its_last_good_value_marked_stale() {
    let flaky = fake(SectionName::Runtime, Behaviour::OkOnce);
    let engine = engine(vec![flaky.clone()], Duration::from_secs(1));
    let first = engine.collect().await;
    check_outcome(&first, "runtime", Outcome::Ok, "");
    assert_eq!(first.collection.sections["runtime"].stale_seconds, None);

    tokio::time::advance(Duration::from_secs(30)).await;
    let second = engine.collect().await;
    check_outcome(&second, "runtime", Outcome::Error, "disk on fire");
    assert_eq!(second.runtime, first.runtime, "the last good value is kept");
    assert_eq!(second.collection.sections["runtime"].stale_seconds, Some(30.0));
    assert_eq!(second.collection.sequence, 2);
}

#[tokio::test(start_paused = true)]
async fn a_hung_collector_is_not_started_twice() {
    let hung = fake(SectionName::Runtime, Behaviour::Hang);
    let engine = engine(vec![hung.clone()], Duration::from_secs(1));
    for _ in 0..3 {
        engine.collect().await;
    }
    assert_eq!(hung.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_panicked_collector_runs_again_next_cycle() {
    let panicky = fake(SectionName::Runtime, Behaviour::Panic);
    let engine = engine(vec![panicky.clone()], Duration::from_secs(1));
    engine.collect().await;
    engine.collect().await;
    assert_eq!(panicky.calls.load(Ordering::SeqCst), 2);
}
