//! The `sidecars` section: threads, tasks and processes registered with a running [`Status`], each
//! read as alive or not.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use status_collect::{Config, Liveness, Status};
use status_deps::{MockStatusDeps, Provides};

use super::support::{self, command};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_threads_and_exited_processes_are_not_alive() {
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| Some("sidecar-host".into()));
    deps.expect_version().returning(|| None);
    deps.expect_is_shutting_down().returning(|| Ok(false));
    deps.expect_provides().return_const(Provides::default());
    let config = Config::parse(
        "[terminals]\nenabled = false\n[processes]\nnames = []\n[collect]\ninterval = \"5m\"\n",
        "<test>",
    )
    .unwrap();
    let status = Status::spawn(&config, Arc::new(deps));
    let sidecars = status.sidecars();

    let finished = std::thread::spawn(|| ());
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let running = std::thread::spawn(move || stopped.recv());
    let task = tokio::spawn(std::future::pending::<()>());
    let flag = Arc::new(AtomicBool::new(true));
    let watched = flag.clone();
    let mut live_child = command("sleep", &["600"], &[]).spawn().unwrap();
    let mut reaped = command("true", &[], &[]).spawn().unwrap();
    reaped.wait().unwrap();
    // Exited but not yet reaped: a zombie, which signal 0 still reaches.
    let mut zombie = command("true", &[], &[]).spawn().unwrap();
    let zombie_stat = format!("/proc/{}/stat", zombie.id());
    while !std::fs::read_to_string(&zombie_stat).is_ok_and(|stat| stat.contains(") Z ")) {
        std::thread::sleep(Duration::from_millis(5));
    }
    while !finished.is_finished() {
        std::thread::sleep(Duration::from_millis(5));
    }
    sidecars.register_thread("finished_thread", finished);
    sidecars.register_thread("running_thread", running);
    sidecars.register_thread("task", Liveness::from(task));
    sidecars.register_thread("flagged", Liveness::from_fn(move || watched.load(Ordering::SeqCst)));
    sidecars.register_process("live_child", live_child.id());
    sidecars.register_process("exited_child", reaped.id());
    sidecars.register_process("zombie_child", zombie.id());
    sidecars.register_process("temporary", 1);
    assert!(sidecars.unregister("temporary"));

    let snapshot = status.collect_now().await;
    let value = serde_json::to_value(&snapshot.sidecars).unwrap();
    support::assert_snapshot(
        "sidecars",
        &value,
        &[".live_child.pid", ".exited_child.pid", ".zombie_child.pid"],
    );
    assert_eq!(value["live_child"]["pid"], live_child.id());

    flag.store(false, Ordering::SeqCst);
    live_child.kill().unwrap();
    live_child.wait().unwrap();
    let snapshot = status.collect_now().await;
    let value = serde_json::to_value(&snapshot.sidecars).unwrap();
    assert_eq!(value["flagged"]["alive"], false);
    assert_eq!(value["live_child"]["alive"], false, "{value}");
    assert_eq!(value["running_thread"]["alive"], true);
    zombie.wait().unwrap();
    drop(stop);
    status.shutdown().await;
}
