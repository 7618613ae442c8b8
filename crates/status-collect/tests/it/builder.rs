//! `Status::builder()`: starts on the caller's runtime (and refuses without one), and the handle's
//! methods see what the loop collects.

use std::sync::Arc;
use std::time::Duration;

use status_collect::{Config, NoRuntime, Status};
use status_deps::{MockStatusDeps, Provides};
use status_model::ServiceStatus;

fn host(shutting_down: bool) -> Arc<MockStatusDeps> {
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| Some("builder-host".into()));
    deps.expect_version().returning(|| Some("0.9.1".into()));
    deps.expect_is_shutting_down().returning(move || Ok(shutting_down));
    deps.expect_provides().return_const(Provides::default());
    Arc::new(deps)
}

fn config(state: &std::path::Path) -> Config {
    let mut config = Config::parse(
        "[terminals]\nenabled = false\n[processes]\nnames = []\n[collect]\ninterval = \"5m\"\n",
        "<test>",
    )
    .unwrap();
    config.state.dir = Some(state.to_owned());
    config
}

#[test]
fn spawning_outside_a_runtime_is_an_error_not_a_panic() {
    let state = tempfile::tempdir().unwrap();
    let result = Status::builder().deps(host(false)).config(config(state.path())).spawn();
    let error = result.err().expect("no runtime here");
    assert!(matches!(error, NoRuntime));
    assert_eq!(
        error.to_string(),
        "failed to start status collection: no tokio runtime is running on this thread"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_loop_runs_as_tasks_of_the_callers_runtime() {
    let state = tempfile::tempdir().unwrap();
    let metrics = tokio::runtime::Handle::current().metrics();
    let before = metrics.num_alive_tasks();
    let status = Status::builder().deps(host(false)).config(config(state.path())).spawn().unwrap();
    assert!(
        metrics.num_alive_tasks() > before,
        "the loop should be tasks of this runtime: {before} -> {}",
        metrics.num_alive_tasks()
    );
    let mut published = status.cache().subscribe();
    published.wait_for(Option::is_some).await.unwrap();
    let current = status.current().expect("published");
    assert_eq!(current.snapshot.service.value().unwrap().name, "builder-host");
    assert_eq!(status.config().collect.interval, Duration::from_secs(300));
    status.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handle_reads_and_drives_the_loop() {
    let state = tempfile::tempdir().unwrap();
    let status = Status::builder().deps(host(false)).config(config(state.path())).spawn().unwrap();
    let mut changes = status.subscribe();

    status.sidecars().register_thread("indexer", status_collect::Liveness::from_fn(|| true));
    let snapshot = status.collect_now().await;
    assert!(snapshot.sidecars.value().unwrap().sidecars["indexer"].alive);
    let change = tokio::time::timeout(Duration::from_secs(10), changes.recv())
        .await
        .expect("a change within 10 s")
        .expect("the pipeline is running");
    assert!(change.published.snapshot.collection.sequence >= 1);
    let latest = status.current().unwrap();
    // The loop's first collection may land after the forced one.
    assert!(latest.snapshot.collection.sequence >= snapshot.collection.sequence);

    let record = status.record_deploy("0123456789abcdef0123456789abcdef01234567").await.unwrap();
    assert_eq!(record.sha, "0123456789abcdef0123456789abcdef01234567");

    let cache = status.cache();
    status.shutdown().await;
    let last = cache.latest().unwrap();
    assert_eq!(last.snapshot.service.value().unwrap().status, ServiceStatus::ShuttingDown);
}
