//! The latest/prev/diff files under concurrent writers (threads and processes) and under SIGKILL.
//!
//! Child processes are this test binary run again with `--exact files::child_writes` and the
//! `STATUS_TEST_FILES_*` variables saying where and how often to write.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use serde_json::{Value, json};
use status_collect::{SnapshotFiles, write_snapshot};
use status_model::KeyFilter;

const CHILD_DIR: &str = "STATUS_TEST_FILES_DIR";
const CHILD_ID: &str = "STATUS_TEST_FILES_ID";
const CHILD_WRITES: &str = "STATUS_TEST_FILES_WRITES";

/// A snapshot big enough (about 200 KB) that writing it takes a while.
fn snapshot(writer: u64, n: u64) -> Value {
    let disks: serde_json::Map<String, Value> = (0..2000)
        .map(|i| {
            (
                format!("/mnt/disk{i:05}"),
                json!({"used_bytes": writer * 1_000_000 + n, "total_bytes": i}),
            )
        })
        .collect();
    json!({"collection": {"sequence": n}, "writer": writer, "n": n, "host": {"disks": disks}})
}

fn write(dir: &Path, writer: u64, n: u64) {
    let value = snapshot(writer, n);
    let json = serde_json::to_vec(&value).unwrap();
    write_snapshot(dir, "agent", &json, &value, &KeyFilter::volatile()).unwrap();
}

fn parse(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|error| {
        panic!("{} is not valid JSON ({} bytes): {error}", path.display(), bytes.len())
    })
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[expect(
    clippy::disallowed_methods,
    reason = "the writers under test are child processes of this binary"
)]
fn spawn_child(dir: &Path, id: u64, writes: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "files::child_writes", "--test-threads=1", "--quiet"])
        .env(CHILD_DIR, dir)
        .env(CHILD_ID, id.to_string())
        .env(CHILD_WRITES, writes.to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// In a child process: writes as the variables say. Run directly: five writes to a fresh directory,
/// then checks them.
#[test]
fn child_writes() {
    let env = |name: &str| std::env::var(name).ok();
    let temp = tempfile::tempdir().unwrap();
    let dir = env(CHILD_DIR).map_or_else(|| temp.path().to_owned(), PathBuf::from);
    let id: u64 = env(CHILD_ID).map_or(0, |id| id.parse().unwrap());
    let writes: u64 = env(CHILD_WRITES).map_or(5, |n| n.parse().unwrap());
    for n in 0..writes {
        write(&dir, id, n);
    }
    if env(CHILD_DIR).is_none() {
        let files = SnapshotFiles::new(&dir, "agent");
        assert_eq!(parse(&files.latest)["n"], 4);
        assert_eq!(parse(&files.prev)["n"], 3);
    }
}

#[test]
fn ten_concurrent_writers_leave_whole_files_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let writes = 20;
    let children: Vec<Child> = (0..5).map(|id| spawn_child(dir.path(), id, writes)).collect();
    std::thread::scope(|scope| {
        for id in 5..10 {
            let dir = dir.path();
            scope.spawn(move || {
                for n in 0..writes {
                    write(dir, id, n);
                }
            });
        }
    });
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a writer process failed");
    }
    let files = SnapshotFiles::new(dir.path(), "agent");
    assert_eq!(
        listing(dir.path()),
        ["agent.diff.json", "agent.latest.json", "agent.lock", "agent.prev.json"]
    );
    let (latest, prev) = (parse(&files.latest), parse(&files.prev));
    for value in [&latest, &prev] {
        assert!(value["writer"].as_u64().unwrap() < 10 && value["n"].as_u64().unwrap() < writes);
    }
    assert_ne!(latest, prev);
    let diff = parse(&files.diff);
    assert!(!diff["changes"].as_array().unwrap().is_empty());
}

/// A small deterministic generator of kill delays, 0 to 3 ms.
fn delays() -> impl Iterator<Item = Duration> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    std::iter::repeat_with(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Duration::from_micros(state % 3_000)
    })
}

/// Waits (up to 10 s) until a writer has started a new latest file.
fn until_writing(staged: &Path) {
    for _ in 0..100_000 {
        if staged.exists() {
            return;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    panic!("the writer never started writing");
}

#[test]
fn a_writer_killed_mid_write_never_leaves_a_truncated_latest() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), 99, 0);
    let files = SnapshotFiles::new(dir.path(), "agent");
    let staged = dir.path().join("agent.latest.json.tmp");
    let mut killed_mid_write = 0;
    for (round, delay) in delays().take(200).enumerate() {
        // No writer runs now: clear a killed one's temporary file so the wait below sees the new one.
        let _ = std::fs::remove_file(&staged);
        let mut child = spawn_child(dir.path(), u64::try_from(round).unwrap(), 1_000);
        until_writing(&staged);
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if staged.exists() {
            killed_mid_write += 1;
        }
        parse(&files.latest);
        if files.prev.exists() {
            parse(&files.prev);
        }
    }
    // The next writer cleans up after a killed one.
    write(dir.path(), 99, 1);
    assert!(!staged.exists());
    assert!(killed_mid_write > 0, "no kill landed while latest was being written");
    #[expect(clippy::print_stderr, reason = "shows, with --nocapture, how many kills hit a write")]
    {
        eprintln!("{killed_mid_write} of 200 kills landed while the new latest was being written");
    }
}
