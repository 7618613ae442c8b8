//! Change detection end to end: a real `serve` of the CLI on an idle host counts no change and fires
//! no hook over several cycles; one commit in a watched repository is exactly one change event, and
//! it names the repository's keys.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use status_collect::layouts::{OPERATIONS_INDEXES, OPERATIONS_TABLES};

use super::example::{ago, sqlite};
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
    let (mut child, addr, logs) = serve(&config);

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

    stop(&mut child);
    logs.join().unwrap();
}

/// Starts `status-cli serve` with `config` on a free port: the server, its address, and the
/// thread draining its logs (which returns them once the server exits).
#[expect(clippy::disallowed_methods, reason = "the test runs the CLI binary as a child process")]
fn serve(config: &Path) -> (Server, String, std::thread::JoinHandle<String>) {
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
        while stderr.read_line(&mut all).is_ok_and(|n| n > 0) {}
        all
    });
    (child, addr, logs)
}

/// Stops the server with SIGTERM; it must exit cleanly.
fn stop(child: &mut Server) {
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.0.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(child.0.wait().unwrap().success());
}

/// A `[[hooks.on_change]]` that writes the event it reads on stdin to a file of its own in `dir`.
pub(crate) fn stdin_hook(dir: &Path) -> String {
    format!(
        "[[hooks.on_change]]\ncommand = [\"/bin/sh\", \"-c\", \"cat > \\\"$(mktemp -p '{dir}' event.XXXXXX)\\\"\"]\n",
        dir = dir.display()
    )
}

/// The events the stdin hook wrote to `dir`, in the order of their snapshots.
pub(crate) fn hook_events(dir: &Path) -> Vec<serde_json::Value> {
    let mut events: Vec<serde_json::Value> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .filter(|text| !text.is_empty())
                .map(|text| serde_json::from_str(&text).unwrap())
                .collect()
        })
        .unwrap_or_default();
    events.sort_by_key(|event| event["status"]["collection"]["sequence"].as_u64());
    events
}

/// The changed keys of a hook event.
fn event_keys(event: &serde_json::Value) -> Vec<&str> {
    event["changed"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect()
}

/// Waits up to 5 s for the stdin hook to have written `count` events to `dir`.
fn until_events(dir: &Path, count: usize) -> Vec<serde_json::Value> {
    for _ in 0..50 {
        let events = hook_events(dir);
        if events.len() >= count {
            // A hook still writing its file shows as empty; give it a moment to finish.
            std::thread::sleep(Duration::from_millis(200));
            return hook_events(dir);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    hook_events(dir)
}

/// A pending row inserted into the outbox of a real `operations` database: exactly one change
/// event, on the hook's stdin, naming the notifier's keys (its pending count) and nothing else.
#[test]
fn an_outbox_row_is_one_event_naming_the_notifier_keys() {
    status_testkit::require_tools!("sqlite3");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ops.db");
    sqlite(&db, &format!("{OPERATIONS_TABLES}\n{OPERATIONS_INDEXES}"));
    let hooked = dir.path().join("events");
    std::fs::create_dir(&hooked).unwrap();
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\nname = \"outbox\"\n[state]\ndir = {state:?}\n[collect]\ninterval = \"5s\"\n\
             [[databases]]\nname = \"ops\"\nurl = {db:?}\nschema = \"operations\"\n{hook}{CALM}",
            state = dir.path().join("state").display().to_string(),
            db = db.display().to_string(),
            hook = stdin_hook(&hooked),
        ),
    )
    .unwrap();
    let (mut child, addr, logs) = serve(&config);
    let (seen, changed) = until_snapshots(&addr, 3);
    assert_eq!(changed, 0, "an idle host changed: {:?}", hook_events(&hooked));
    let (_, body) = http_get(&addr, "/status/notifier");
    assert!(body.contains(r#""pending_count":0"#), "{body}");

    sqlite(
        &db,
        &format!(
            "INSERT INTO notification_outbox (operation_id, chat_id, message_text, status, created_at) \
             VALUES ('op-1', 'chat-1', 'private', 'pending', '{}');",
            ago(0)
        ),
    );
    let (_, changed) = until_snapshots(&addr, seen + 2);
    assert_eq!(changed, 1, "one outbox row is one change");
    let events = until_events(&hooked, 1);
    stop(&mut child);
    logs.join().unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let keys = event_keys(&events[0]);
    assert!(keys.contains(&"notifier.pending_count"), "{keys:?}");
    assert!(keys.iter().all(|key| key.starts_with("notifier.")), "only the notifier's: {keys:?}");
    let change = &events[0]["changed"][0];
    assert_eq!((&change["old"], &change["new"]), (&0.into(), &1.into()), "{change}");
    assert_eq!(events[0]["status"]["notifier"]["pending_count"], 1);
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

/// The issue's two minutes at 5 s, by hand:
/// `cargo test -p status-cli --test it two_idle_minutes -- --ignored`.
#[test]
#[ignore = "two minutes; run by hand"]
fn two_idle_minutes_count_no_change_and_a_commit_is_one_event() {
    idle_then_one_commit(24);
}
