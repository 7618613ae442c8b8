//! `status-cli diff` exit codes and output, and `status-cli history` over a store a real `serve`
//! filled.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::{BIN, run};

#[test]
fn diff_prints_changed_keys_and_exits_1_only_when_some_changed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let a = write(
        "a.json",
        r#"{"collection": {"sequence": 1}, "host": {"load": {"1": 0.5}, "cpus": 2}}"#,
    );
    let b = write(
        "b.json",
        r#"{"collection": {"sequence": 2}, "host": {"load": {"1": 0.7}}, "deploy": {"sha": "abc"}}"#,
    );
    let c = write(
        "c.json",
        r#"{"collection": {"sequence": 9}, "host": {"load": {"1": 0.5}, "cpus": 2}}"#,
    );

    // By default the states only: the load is a gauge.
    let output = run(&["diff", &a, &b]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "deploy.sha: (absent) → \"abc\"\nhost.cpus: 2 → (absent)\n"
    );
    let output = run(&["diff", "--all", &a, &b]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "deploy.sha: (absent) → \"abc\"\nhost.cpus: 2 → (absent)\nhost.load.1: 0.5 → 0.7\n"
    );

    let output = run(&["diff", &a, &c]);
    assert_eq!(output.status.code(), Some(0), "only volatile keys differ");
    assert!(output.stdout.is_empty());

    let output = run(&["diff", "--json", "--ignore", "host.*", "--ignore", "deploy", &a, &b]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "[]\n");

    let output = run(&["diff", &a, "/nonexistent/b.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("/nonexistent/b.json"));
}

/// Two snapshots where one health check changed status (and every check's time, message and
/// value moved): one line, for that check.
#[test]
fn diff_of_one_changed_health_check_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = |time: &str, disk: &str, load: f64| {
        serde_json::json!({
            "collection": {"taken_at": time, "sections": {"host": {"outcome": "ok", "duration_ms": load}}},
            "health": {"status": "warn", "checks": [
                {"name": "load_per_cpu", "status": "pass", "message": format!("load {load}"), "observed_value": load, "time": time},
                {"name": "disk_available:/", "status": disk, "message": format!("{load} % used"), "observed_value": load, "time": time},
                {"name": "memory_available", "status": "pass", "message": "ok", "observed_value": load, "time": time},
            ]},
            "host": {"load": {"1": load}, "memory": {"available_bytes": 1000.0 * load}},
        })
    };
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    std::fs::write(&old, snapshot("2026-03-01T12:00:00Z", "pass", 0.5).to_string()).unwrap();
    std::fs::write(&new, snapshot("2026-03-01T12:00:05Z", "warn", 0.9).to_string()).unwrap();
    let (old, new) = (old.display().to_string(), new.display().to_string());
    let output = run(&["diff", &old, &new]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "health.checks[disk_available:/].status: \"pass\" → \"warn\"\n"
    );
    let output = run(&["diff", "--json", &old, &new]);
    let changes: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changes[0]["key"], "health.checks[disk_available:/].status");
    assert_eq!(changes.as_array().unwrap().len(), 1);
}

/// Runs `serve` with history on until its first snapshot is stored, then stops it (which stores one
/// more).
#[expect(clippy::disallowed_methods, reason = "these tests run the CLI binary as a child process")]
fn serve_until_stored(config: &str, db: &std::path::Path) {
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0", "--config", config])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving status") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited early");
    }
    for _ in 0..500 {
        let rows = Command::new("sqlite3")
            .arg(db)
            .arg("SELECT count(*) FROM history_snapshots")
            .output()
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
        if rows.is_ok_and(|rows| rows.parse::<u32>().is_ok_and(|n| n >= 1)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn history_prints_snapshots_and_one_keys_series() {
    status_testkit::require_tools!("sqlite3");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!("[state]\ndir = {:?}\n\n[history]\nenabled = true\n", state.display().to_string()),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let missing = run(&["history", "--config", config]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty(), "{missing:?}");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("[history] enabled"), "{missing:?}");

    serve_until_stored(config, &state.join("status.db"));

    let output = run(&["history", "--config", config, "--since", "1h"]);
    assert!(output.status.success(), "{output:?}");
    let snapshots: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(snapshots.len(), 2, "one at start, one at shutdown");
    let sequences: Vec<u64> =
        snapshots.iter().map(|s| s["collection"]["sequence"].as_u64().unwrap()).collect();
    assert!(sequences[0] < sequences[1], "oldest first: {sequences:?}");

    let output =
        run(&["history", "--config", config, "--key", "host.memory.total_bytes", "--limit", "1"]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let points: Vec<serde_json::Value> =
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0]["value"], snapshots[1]["host"]["memory"]["total_bytes"]);
    assert_eq!(points[0]["taken_at"], snapshots[1]["collection"]["taken_at"]);

    // The snapshot at shutdown carried the `shutting_down` check's change to fail.
    let output = run(&["history", "--config", config, "--events"]);
    assert!(output.status.success(), "{output:?}");
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let shutting_down =
        events.iter().find(|event| event["check"] == "shutting_down").expect("an event");
    assert_eq!((&shutting_down["from"], &shutting_down["to"]), (&"pass".into(), &"fail".into()));
    assert_eq!(shutting_down["at"], snapshots[1]["collection"]["taken_at"]);
    // A clean SIGTERM is recorded as a stop, not as a failure of the service.
    assert_eq!(snapshots[1]["service"]["status"], "shutting_down");
    assert!(
        !events.iter().any(|event| event["check"] == "overall" && event["to"] == "fail"),
        "{events:?}"
    );
}

#[test]
fn snapshot_diff_compares_with_the_latest_file_and_no_diff_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    let config = dir.path().join("status.toml");
    std::fs::write(
        &config,
        format!(
            "[service]\nname = \"probe\"\n\n[files]\ndir = {:?}\n\n[state]\ndir = {:?}\n",
            files.display().to_string(),
            dir.path().join("state").display().to_string()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let first = run(&["snapshot", "--config", config, "--diff"]);
    assert!(first.status.success(), "{first:?}");
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("no previous snapshot to compare with"), "{stderr}");

    // A latest file as the files writer leaves it, with one state changed since.
    let mut previous = super::json(&first);
    let cpus = previous["host"]["cpus"].clone();
    previous["host"]["cpus"] = 999.into();
    previous["has_diff"] = false.into();
    previous["diff_fields"] = serde_json::json!([]);
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("probe.latest.json"), previous.to_string()).unwrap();
    let second = run(&["snapshot", "--config", config, "--diff"]);
    assert!(second.status.success(), "{second:?}");
    super::json(&second);
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains(&format!("host.cpus: 999 → {cpus}")), "{stderr}");
    assert!(!stderr.contains("has_diff") && !stderr.contains("load"), "states only: {stderr}");

    let skipped = run(&["snapshot", "--config", config, "--no-diff"]);
    assert!(skipped.status.success(), "{skipped:?}");
    assert!(!String::from_utf8_lossy(&skipped.stderr).contains("changed"), "{skipped:?}");
    let both = run(&["snapshot", "--config", config, "--diff", "--no-diff"]);
    assert_eq!(both.status.code(), Some(2), "{both:?}");
}
