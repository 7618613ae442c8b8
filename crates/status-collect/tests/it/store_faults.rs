//! Fault injection on the store under a running collector: the file deleted or truncated while open,
//! a read-only file system, a full one. Every case must recover without a restart.
//!
//! The read-only case sets the immutable flag (`chattr +i`, root, ext4 and the like); the full case
//! mounts a small tmpfs (root). Without them they skip, saying why, unless `CI=true`, where they fail.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use status_collect::{Config, History, Status};
use status_deps::NoDeps;
use status_model::StoreSection;

fn start(state: &Path) -> Status {
    let mut config = Config::default();
    config.state.dir = Some(state.to_owned());
    config.history.enabled = true;
    config.collect.interval = Duration::from_millis(200);
    Status::builder().deps(Arc::new(NoDeps)).config(config).spawn().unwrap()
}

/// The latest snapshot's sequence and store section.
fn latest(status: &Status) -> Option<(u64, StoreSection)> {
    let published = status.current()?;
    let sequence = published.snapshot.collection.sequence;
    published.snapshot.store.value().map(|section| (sequence, section.clone()))
}

/// Waits up to 30 s for `done`, polling every 50 ms.
async fn until<T>(what: &str, mut done: impl FnMut() -> Option<T>) -> T {
    for _ in 0..600 {
        if let Some(value) = done() {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The sequences of the snapshots `status-cli history` would show.
async fn stored_sequences(path: &Path) -> Vec<u64> {
    let Ok(history) = History::open(path).await else { return Vec::new() };
    let rows = history.snapshots(None, 1000).await.unwrap_or_default();
    rows.iter()
        .filter_map(|row| serde_json::from_str::<Value>(row).ok())
        .filter_map(|row| row.pointer("/collection/sequence").and_then(Value::as_u64))
        .collect()
}

/// Removes or truncates the store under the running collector, then checks that within two
/// collections the file is there again, the loss is reported, and rows resume in it.
async fn lose_the_store(damage: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let db = state.join("status.db");
    let status = start(&state);
    until("rows stored", || {
        (status.pipeline_counts().history_rows_written_total >= 3).then_some(())
    })
    .await;
    let (before, _) = latest(&status).unwrap();
    damage(&db);
    let (sequence, section) = until("the loss reported", || {
        latest(&status).filter(|(_, section)| section.losses_total == 1)
    })
    .await;
    assert!(sequence <= before + 2, "reported at {sequence}, damaged after {before}");
    assert!(db.exists(), "the file is there again by collection {sequence}");
    assert!(section.last_loss.as_deref().unwrap().contains("status.db"), "{section:?}");
    assert!(section.error.is_none(), "{section:?}");
    let health = status.current().unwrap();
    let check = health.health.as_ref().unwrap();
    let store = check.checks.iter().find(|check| check.name == "store_writable").unwrap();
    assert_eq!(store.status, status_model::HealthStatus::Warn, "{store:?}");
    // Rows taken after the damage are in the new file, where the CLI reads them.
    let mut stored = Vec::new();
    for _ in 0..200 {
        stored = stored_sequences(&db).await;
        if stored.iter().filter(|&&stored| stored > before).count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(stored.iter().filter(|&&stored| stored > before).count() >= 2, "{stored:?}");
    status.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_deleted_while_serving_is_recreated_and_the_loss_reported() {
    lose_the_store(|db| {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_truncated_while_serving_is_recreated_and_the_loss_reported() {
    lose_the_store(|db| {
        let file = std::fs::OpenOptions::new().write(true).open(db).unwrap();
        let size = file.metadata().unwrap().len();
        assert!(size > 0, "nothing to truncate");
        file.set_len(size / 2).unwrap();
    })
    .await;
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts one of `size` at `dir`; `None` (after saying why) where mounting is not allowed and
    /// `CI` is not `true`.
    #[expect(clippy::disallowed_methods, reason = "a test mounting a file system")]
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let output = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode=0700"), "tmpfs"])
            .arg(dir)
            .output();
        match output {
            Ok(output) if output.status.success() => Some(Tmpfs(dir.to_owned())),
            other => {
                let why = format!("cannot mount a tmpfs (needs root): {other:?}");
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
                skipped(&why);
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    #[expect(clippy::disallowed_methods, reason = "a test unmounting its own file system")]
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The state directory, the store and its WAL made immutable (`chattr +i`: read-only even for root
/// and for files already open), until dropped. The `-shm` file is left alone: SQLite maps it, and a
/// write fault on an immutable mapping is a SIGBUS, a failure no file system gives a store on its own.
struct Immutable(PathBuf);

impl Immutable {
    #[expect(clippy::disallowed_methods, reason = "a test setting file attributes")]
    fn set(dir: &Path, on: bool) -> std::io::Result<std::process::Output> {
        std::process::Command::new("chattr")
            .arg(if on { "+i" } else { "-i" })
            .args([dir.to_owned(), dir.join("status.db"), dir.join("status.db-wal")])
            .output()
    }

    /// `None` (after saying why) where `chattr` is missing or the file system has no such flag, and
    /// `CI` is not `true`.
    fn make(dir: &Path) -> Option<Immutable> {
        match Immutable::set(dir, true) {
            Ok(output) if output.status.success() => Some(Immutable(dir.to_owned())),
            other => {
                let _ = Immutable::set(dir, false);
                let why = format!("cannot make files immutable with chattr: {other:?}");
                assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
                skipped(&why);
                None
            }
        }
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Immutable::set(&self.0, false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_made_read_only_fails_its_check_and_recovers_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let status = start(&state);
    until("rows stored", || {
        (status.pipeline_counts().history_rows_written_total >= 2).then_some(())
    })
    .await;
    let Some(read_only) = Immutable::make(&state) else {
        status.shutdown().await;
        return;
    };
    let (failed_at, section) =
        until("the check failing", || latest(&status).filter(|(_, section)| !section.writable))
            .await;
    assert!(section.error.is_some(), "{section:?}");
    drop(read_only);
    let written = status.pipeline_counts().history_rows_written_total;
    until("the store writable again", || {
        latest(&status).filter(|(sequence, section)| *sequence > failed_at + 1 && section.writable)
    })
    .await;
    until("rows stored again", || {
        (status.pipeline_counts().history_rows_written_total >= written + 2).then_some(())
    })
    .await;
    status.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_fails_the_store_check_with_sqlite_full_and_recovers_when_space_returns() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let Some(tmpfs) = Tmpfs::mount(&state, "4m") else { return };
    let status = start(&state);
    until("rows stored", || {
        (status.pipeline_counts().history_rows_written_total >= 2).then_some(())
    })
    .await;
    // Fill what is left.
    let filler = state.join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0_u8; 4096];
    while file.write_all(&chunk).is_ok() {}
    drop(file);
    let (_, section) = until("the check failing with SQLITE_FULL", || {
        latest(&status).filter(|(_, section)| {
            section.error.as_deref().is_some_and(|error| error.contains("full"))
        })
    })
    .await;
    assert!(!section.writable, "{section:?}");
    assert!(section.error.as_deref().unwrap().contains("code: 13"), "{section:?}");
    std::fs::remove_file(&filler).unwrap();
    let written = status.pipeline_counts().history_rows_written_total;
    until("rows stored again", || {
        (status.pipeline_counts().history_rows_written_total >= written + 2).then_some(())
    })
    .await;
    until("the store writable again", || latest(&status).filter(|(_, section)| section.writable))
        .await;
    status.shutdown().await;
    drop(tmpfs);
}

#[expect(clippy::print_stderr, reason = "a skipped test says why")]
fn skipped(why: &str) {
    eprintln!("skipped: {why}");
}
