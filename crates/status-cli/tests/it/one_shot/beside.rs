//! A `serve` and a loop of one-shot runs on one state directory: no corrupt file, no lost row, no
//! error but counted lock waits.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use status_model::Timestamp;

use super::*;
use crate::BIN;

/// Whether a log line is a wait on another writer's lock: SQLite's, or the files' (a files write
/// that finds the one before still waiting for the lock skips its snapshot, and counts it in
/// `files_skipped_total`; the next write replaces the files).
fn lock_wait(line: &str) -> bool {
    line.contains("locked") || line.contains("the previous write is still running")
}

/// Whether a log line says something went wrong in the pipeline or the store: an error, or a
/// warning of the history, the files, the store or a hook. Lock waits are counted apart.
fn trouble(line: &str) -> bool {
    let pipeline = ["status history", "status files", "status store", "status hook", "corrupt"];
    !lock_wait(line)
        && (line.contains("ERROR")
            || (line.contains("WARN") && pipeline.iter().any(|part| line.contains(part))))
}

/// `serve` and a loop of one-shot runs on one state directory for `length`, while a reader parses
/// the latest and prev files as fast as it can: every file parses, every collection of both is a
/// row, and neither logs an error.
#[expect(clippy::print_stderr, reason = "the runs, rows and lock waits are the figures to report")]
fn serve_beside_one_shot_runs(length: Duration) {
    status_testkit::require_tools!("git");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().to_owned();
    repo(&dir);
    let config = config(&dir, "[collect]\ninterval = \"5s\"");
    let mut serve = Child(
        Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--config", config.to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let serve_pid = serve.0.id();
    let mut stderr = BufReader::new(serve.0.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving status") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "serve exited early");
    }
    let serve_log = std::thread::spawn(move || {
        let mut log = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut log);
        log
    });

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let reader = {
        let (stop, reads, files) = (stop.clone(), reads.clone(), dir.join("files"));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for name in ["app.latest.json", "app.prev.json"] {
                    match std::fs::read(files.join(name)) {
                        Ok(bytes) => {
                            serde_json::from_slice::<Value>(&bytes)
                                .unwrap_or_else(|error| panic!("{name} is corrupt: {error}"));
                            reads.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                        Err(error) => panic!("{name}: {error}"),
                    }
                }
            }
        })
    };

    let started = Instant::now();
    let mut runs = Vec::new();
    let mut lock_waits = 0;
    while started.elapsed() < length {
        let output = crate::run(&["snapshot", "--config", config.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        // The only trouble allowed is another writer's lock, waited for and counted.
        let waits = stderr.lines().filter(|line| lock_wait(line)).count();
        lock_waits += waits;
        let other: Vec<&str> = stderr.lines().filter(|line| trouble(line)).collect();
        assert!(other.is_empty(), "one-shot run {}: {other:?}", runs.len() + 1);
        assert!(output.status.success() || waits > 0, "{output:?}");
        runs.push(crate::json(&output));
    }
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(serve_pid).unwrap()).unwrap(),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    assert!(serve.0.wait().unwrap().success(), "serve stopped cleanly");
    let serve_log = serve_log.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    reader.join().expect("every latest and prev file read parsed");

    let warnings: Vec<&str> = serve_log.lines().filter(|line| trouble(line)).collect();
    lock_waits += serve_log.lines().filter(|line| lock_wait(line)).count();
    assert!(warnings.is_empty(), "serve: {warnings:?}");
    let rows = history(&dir);
    let (served, one_shot): (Vec<&Value>, Vec<&Value>) =
        rows.iter().partition(|row| row["process"]["pid"] == u64::from(serve_pid));
    // Every one-shot run is a row.
    let stored: Vec<Timestamp> = one_shot.iter().map(|row| taken_at(row)).collect();
    let printed: Vec<Timestamp> = runs.iter().map(taken_at).collect();
    assert_eq!(stored, printed, "a one-shot run's row is missing");
    // Every collection of serve is a row: its sequences run 1, 2, … with no gap, up to the one
    // taken at shutdown.
    let sequences: Vec<u64> =
        served.iter().map(|row| row["collection"]["sequence"].as_u64().unwrap()).collect();
    let expected: Vec<u64> = (1..=sequences.len() as u64).collect();
    assert_eq!(sequences, expected, "a row of serve is missing");
    assert!(sequences.len() >= 2, "{sequences:?}");
    eprintln!(
        "{} one-shot runs and {} collections of serve in {:?}: {} rows, {} file reads, \
         {lock_waits} lock waits",
        runs.len(),
        served.len(),
        started.elapsed(),
        rows.len(),
        reads.load(Ordering::Relaxed),
    );
}

#[test]
fn serve_and_one_shot_runs_share_a_state_dir() {
    serve_beside_one_shot_runs(Duration::from_secs(15));
}

#[test]
#[ignore = "a minute long; run by hand: cargo test -p status-cli --test it -- --ignored one_minute"]
fn serve_and_one_shot_runs_share_a_state_dir_for_one_minute() {
    serve_beside_one_shot_runs(Duration::from_secs(60));
}
