//! Change detection end to end: a real `serve` of the CLI on an idle host counts no change and fires
//! no hook over several cycles; one commit in a watched repository is exactly one change event, and
//! it names the repository's keys.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{BIN, http_get};

/// The checks that follow this machine's load (which other tests move), turned off so that the
/// host is idle as far as the states go.
const CALM: &str = "[health.load_per_cpu]\nenabled = false\n[health.disk_available]\nenabled = false\n\
    [health.event_loop_lag]\nenabled = false\n[health.memory_available]\nenabled = false\n\
    [health.fork_pressure]\nenabled = false\n[health.pressure]\nenabled = false\n\
    [health.cpu_throttled]\nenabled = false\n[health.oom_kills]\nenabled = false\n";

#[expect(clippy::disallowed_methods, reason = "the test drives git and the CLI as child processes")]
fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(repo)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn pipeline(addr: &str) -> (u64, u64) {
    let (code, body) = http_get(addr, "/status");
    assert_eq!(code, 200, "{body}");
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    let count = |key: &str| {
        status["pipeline"][key].as_u64().unwrap_or_else(|| panic!("{key}: {}", status["pipeline"]))
    };
    (count("snapshots_total"), count("changed_total"))
}

/// Waits (up to 10 s a snapshot, twice the interval) until the pipeline has handled `snapshots`
/// snapshots; returns its counts.
fn until_snapshots(addr: &str, snapshots: u64) -> (u64, u64) {
    for _ in 0..snapshots * 100 {
        if http_get(addr, "/status").0 == 200 {
            let counts = pipeline(addr);
            if counts.0 >= snapshots {
                return counts;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the pipeline never handled {snapshots} snapshots");
}

fn events(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[expect(clippy::disallowed_methods, reason = "the test runs the CLI binary as a child process")]
fn idle_then_one_commit(idle_cycles: u64) {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("app");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(repo.join("README"), "one\n").unwrap();
    git(&repo, &["add", "README"]);
    git(&repo, &["commit", "-q", "-m", "one"]);
    let events_file = dir.path().join("events.jsonl");
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\nname = \"idle\"\n[state]\ndir = {state:?}\n[collect]\ninterval = \"5s\"\n\
             [[repos]]\nname = \"app\"\npath = {repo:?}\n\
             [[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", \"printf '%s\\\\n' \\\"$STATUS_CHANGED\\\" >> '{events}'\"]\n\
             {CALM}",
            state = dir.path().join("state").display().to_string(),
            repo = repo.display().to_string(),
            events = events_file.display(),
        ),
    )
    .unwrap();
    let mut child = Server(
        Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--config", config.to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut line = String::new();
    let mut all = String::new();
    let addr = loop {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited before listening: {all}");
        all.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().unwrap().to_owned();
        }
    };
    // Drain the logs so the server never blocks on a full pipe.
    let logs = std::thread::spawn(move || {
        let mut all = String::new();
        while stderr.read_line(&mut all).is_ok_and(|n| n > 0) {}
        all
    });

    let (seen, changed) = until_snapshots(&addr, idle_cycles + 1);
    assert_eq!(changed, 0, "an idle host changed in {seen} snapshots: {:?}", events(&events_file));
    assert!(events(&events_file).is_empty(), "a hook fired on an idle host");

    std::fs::write(repo.join("README"), "two\n").unwrap();
    git(&repo, &["commit", "-q", "-am", "two"]);
    let (_, changed) = until_snapshots(&addr, seen + 2);
    assert_eq!(changed, 1, "one commit is one change");
    // The hook runs off the pipeline's path: give it a moment to append.
    for _ in 0..50 {
        if !events(&events_file).is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let fired = events(&events_file);
    assert_eq!(fired.len(), 1, "{fired:?}");
    let keys = &fired[0];
    assert!(keys.iter().any(|key| key.starts_with("repos.app.")), "{keys:?}");
    assert!(
        keys.iter().all(|key| key.starts_with("repos.app.") || key.starts_with("deploy.")),
        "only the repository's keys: {keys:?}"
    );

    let pid = rustix::process::Pid::from_raw(i32::try_from(child.0.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(child.0.wait().unwrap().success());
    logs.join().unwrap();
}

/// The server, killed if a failed assertion leaves it running.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        if self.0.try_wait().is_ok_and(|status| status.is_none()) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Five cycles at 5 s, for CI.
#[test]
fn an_idle_host_counts_no_change_and_a_commit_is_one_event() {
    idle_then_one_commit(4);
}

/// The two minutes at 5 s, by hand:
/// `cargo test -p status-cli --test it two_idle_minutes -- --ignored`.
#[test]
#[ignore = "two minutes; run by hand"]
fn two_idle_minutes_count_no_change_and_a_commit_is_one_event() {
    idle_then_one_commit(24);
}
