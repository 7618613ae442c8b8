//! The `terminals` section against real tmux and screen servers on private sockets in temp dirs, so a
//! user's own sessions are never seen or touched.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use status_collect::testing::Collector;
use status_collect::testing::collectors::TerminalsCollector;
use status_model::SectionData;

use super::support::{self, command};

async fn terminals(collector: &TerminalsCollector) -> (serde_json::Value, Vec<String>) {
    let collected = collector.collect().await.unwrap();
    let SectionData::Terminals(section) = collected.data else { panic!("{:?}", collected.data) };
    (
        serde_json::to_value(section).unwrap(),
        collected.unmeasured.into_iter().map(|(k, v)| format!("{k}: {v}")).collect(),
    )
}

fn tmux(dir: &Path, args: &[&str]) -> std::process::Command {
    command("tmux", args, &[("TMUX", None), ("TMUX_TMPDIR", Some(dir))])
}

fn screen(dir: &Path, args: &[&str]) -> std::process::Command {
    command("screen", args, &[("SCREENDIR", Some(dir))])
}

/// Stops the private tmux server even when an assertion fails.
struct TmuxServer<'a>(&'a Path);

impl Drop for TmuxServer<'_> {
    fn drop(&mut self) {
        let _ = tmux(self.0, &["kill-server"]).output();
    }
}

#[tokio::test]
async fn no_server_is_zero_and_sessions_are_counted_by_name() {
    status_testkit::require_tools!("tmux", "screen");
    let tmux_dir = tempfile::tempdir().unwrap();
    let screen_dir = tempfile::tempdir().unwrap();
    // screen refuses a socket directory others can read.
    std::fs::set_permissions(screen_dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let collector = TerminalsCollector::new(
        Some(tmux_dir.path().to_owned()),
        Some(screen_dir.path().to_owned()),
    );
    let (idle, unmeasured) = terminals(&collector).await;
    assert!(unmeasured.is_empty(), "{unmeasured:?}");
    support::assert_snapshot("terminals_idle", &idle, &[]);

    let _server = TmuxServer(tmux_dir.path());
    support::run(tmux(tmux_dir.path(), &["new-session", "-d", "-s", "agent-main", "sleep 600"]));
    support::run(tmux(tmux_dir.path(), &["new-session", "-d", "-s", "build", "sleep 600"]));
    support::run(screen(screen_dir.path(), &["-dmS", "watcher", "sleep", "600"]));
    // `screen -dm` returns before the detached session has made its socket.
    for _ in 0..100 {
        let listing = screen(screen_dir.path(), &["-ls"]).output().unwrap();
        if String::from_utf8_lossy(&listing.stdout).contains(".watcher") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (busy, unmeasured) = terminals(&collector).await;
    let _ = screen(screen_dir.path(), &["-S", "watcher", "-X", "quit"]).output();
    assert!(unmeasured.is_empty(), "{unmeasured:?}");
    support::assert_snapshot("terminals_busy", &busy, &[]);
}

#[tokio::test]
async fn a_tool_that_is_not_installed_is_null_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let collector =
        TerminalsCollector::new(Some(dir.path().to_owned()), Some(dir.path().to_owned()))
            .with_programs("status-test-no-tmux", "status-test-no-screen");
    let collected = collector.collect().await.unwrap();
    let SectionData::Terminals(section) = &collected.data else { panic!() };
    assert_eq!(
        (section.tmux_sessions, &section.tmux_session_names, section.screen_sessions),
        (None, &None, None)
    );
    assert_eq!(
        collected.unmeasured["tmux_sessions"],
        "`status-test-no-tmux` is not installed (not found on PATH)"
    );
    assert_eq!(
        collected.unmeasured["screen_sessions"],
        "`status-test-no-screen` is not installed (not found on PATH)"
    );
}
