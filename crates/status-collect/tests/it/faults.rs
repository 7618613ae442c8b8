//! Fault injection on the collector's own files: links planted in the files directory, the modes of
//! every file written, directories other users can write to.
//!
//! These run as root in CI and here, which is the case that matters: root follows any link.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use status_collect::{Config, FilesError, Status, write_snapshot, write_snapshot_with_mode};
use status_deps::NoDeps;
use status_model::KeyFilter;

fn snapshot(load: f64) -> (Vec<u8>, Value) {
    let value = json!({"collection": {"taken_at": "2026-01-01T00:00:00Z"}, "host": {"load": load}});
    (serde_json::to_vec(&value).unwrap(), value)
}

fn write(dir: &Path, load: f64) -> Result<(), FilesError> {
    let (json, value) = snapshot(load);
    write_snapshot(dir, "agent", &json, &value, &KeyFilter::volatile()).map(|_| ())
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_link_planted_for_any_file_name_is_refused_named_and_never_followed() {
    for planted in [
        "agent.latest.json.tmp",
        "agent.diff.json.tmp",
        "agent.prev.json.tmp",
        "agent.lock",
        "agent.latest.json",
        "agent.prev.json",
        "agent.diff.json",
    ] {
        let root = tempfile::tempdir().unwrap();
        let (dir, outside) = (root.path().join("files"), root.path().join("outside"));
        std::fs::create_dir(&outside).unwrap();
        write(&dir, 0.5).unwrap();
        // A private file the link points at, and a name that must not appear.
        let secret = outside.join("secret");
        std::fs::write(&secret, b"{\"password\": \"hunter2\"}").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.join(planted);
        let _ = std::fs::remove_file(&link);
        symlink(&secret, &link).unwrap();
        let dangling = dir.join(format!("{planted}.dangling"));
        symlink(outside.join("created"), &dangling).unwrap();

        let error = write(&dir, 0.7).unwrap_err();
        assert!(matches!(error, FilesError::Link { .. }), "{planted}: {error:?}");
        assert!(error.to_string().contains(&link.display().to_string()), "{planted}: {error}");
        assert_eq!(std::fs::read(&secret).unwrap(), b"{\"password\": \"hunter2\"}", "{planted}");
        assert_eq!(mode(&secret), 0o600, "{planted}");
        assert_eq!(listing(&outside), ["secret"], "{planted}: nothing appears outside the dir");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "{planted}");
        let diff = dir.join("agent.diff.json");
        if planted != "agent.diff.json" && diff.exists() {
            let text = std::fs::read_to_string(&diff).unwrap();
            assert!(!text.contains("hunter2"), "{planted}: the secret leaked into the diff");
        }
        // No temporary file is left behind.
        for name in listing(&dir) {
            assert!(!name.ends_with(".tmp") || name == planted, "{planted}: {name} left behind");
        }

        // The lock as a dangling link: nothing is created where it points.
        if planted == "agent.lock" {
            std::fs::remove_file(&link).unwrap();
            symlink(outside.join("created"), &link).unwrap();
            assert!(matches!(write(&dir, 0.9), Err(FilesError::Link { .. })));
            assert_eq!(listing(&outside), ["secret"]);
        }
        // Once the link is gone, writes work again.
        std::fs::remove_file(&link).unwrap();
        write(&dir, 1.1).unwrap();
    }
}

#[test]
fn a_huge_latest_file_counts_as_corrupt_and_is_not_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let latest = dir.path().join("agent.latest.json");
    // Sparse: 3 GB on paper, nothing on disk. Read whole, it would take 3 GB of memory.
    let file = std::fs::File::create(&latest).unwrap();
    file.set_len(3 << 30).unwrap();
    drop(file);
    let (json, value) = snapshot(0.5);
    let outcome =
        write_snapshot(dir.path(), "agent", &json, &value, &KeyFilter::volatile()).unwrap();
    assert!(outcome.changes.is_empty(), "treated as absent");
    const { assert!(status_collect::MAX_LATEST_BYTES <= 16 << 20) };
    // The snapshot replaced it whole, with the latest file's own diff marks (nothing to compare).
    let mut written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&latest).unwrap()).unwrap();
    assert_eq!(written["has_diff"], false);
    assert_eq!(written["diff_fields"], serde_json::json!([]));
    for key in status_collect::LATEST_DIFF_KEYS {
        written.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(written, serde_json::from_slice::<serde_json::Value>(&json).unwrap());
}

#[test]
fn every_file_written_is_private_unless_the_mode_says_otherwise() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("new/files");
    write(&dir, 0.5).unwrap();
    write(&dir, 0.7).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(
        listing(&dir),
        ["agent.diff.json", "agent.latest.json", "agent.lock", "agent.prev.json"]
    );
    for name in listing(&dir) {
        assert_eq!(mode(&dir.join(&name)), 0o600, "{name}");
    }
    // `[files] mode = 0o640`: the group may read the snapshot files; the lock stays private.
    let shared = root.path().join("shared");
    let (json, value) = snapshot(0.5);
    for load in [0.5, 0.7] {
        let (json, value) =
            if load == 0.5 { (json.clone(), value.clone()) } else { snapshot(load) };
        write_snapshot_with_mode(&shared, "agent", &json, &value, &KeyFilter::volatile(), 0o640)
            .unwrap();
    }
    // Search (not listing) rights for the group that may read.
    assert_eq!(mode(&shared), 0o710);
    for name in ["agent.diff.json", "agent.latest.json", "agent.prev.json"] {
        assert_eq!(mode(&shared.join(name)), 0o640, "{name}");
    }
    assert_eq!(mode(&shared.join("agent.lock")), 0o600);
    // An existing file with a looser mode is replaced by one with the configured mode.
    std::fs::set_permissions(dir.join("agent.lock"), std::fs::Permissions::from_mode(0o666))
        .unwrap();
    write(&dir, 0.9).unwrap();
    assert_eq!(mode(&dir.join("agent.lock")), 0o600);
    assert_eq!(mode(&dir.join("agent.latest.json")), 0o600);
}

#[test]
fn a_files_dir_writable_by_others_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("files");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let error = write(&dir, 0.5).unwrap_err();
    assert!(matches!(error, FilesError::Unsafe { .. }), "{error:?}");
    assert!(error.to_string().contains("writable by other users"), "{error}");
    assert!(listing(&dir).is_empty());

    let mut config = Config::default();
    config.state.dir = Some(root.path().join("state"));
    config.files.dir = Some(dir.clone());
    let error = config.check_dirs().unwrap_err().to_string();
    assert!(error.contains(&dir.display().to_string()) && error.contains("0777"), "{error}");
    config.files.dir = None;
    config.check_dirs().unwrap();
    std::fs::create_dir(root.path().join("state")).unwrap();
    std::fs::set_permissions(root.path().join("state"), std::fs::Permissions::from_mode(0o1777))
        .unwrap();
    let error = config.check_dirs().unwrap_err().to_string();
    assert!(error.contains("state") && error.contains("writable by other users"), "{error}");
}

#[test]
fn the_files_mode_is_checked_in_the_config() {
    let config = Config::parse("[files]\ndir = \"/x\"\nmode = 0o640\n", "<test>").unwrap();
    assert_eq!(config.files.mode, 0o640);
    assert_eq!(Config::default().files.mode, 0o600);
    for bad in ["0o666", "0o700", "0o4600"] {
        let error =
            Config::parse(&format!("[files]\nmode = {bad}\n"), "<test>").unwrap_err().to_string();
        assert!(error.contains("files.mode"), "{bad}: {error}");
    }
}

/// Waits up to 20 s for `done`.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..400 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_collector_writes_private_files_and_counts_a_planted_link() {
    let root = tempfile::tempdir().unwrap();
    let (state, files) = (root.path().join("state"), root.path().join("files"));
    let mut config = Config::default();
    config.state.dir = Some(state.clone());
    config.files.dir = Some(files.clone());
    config.history.enabled = true;
    config.service.name = Some("agent".into());
    config.collect.interval = Duration::from_millis(200);
    let status = Status::builder().deps(Arc::new(NoDeps)).config(config).spawn().unwrap();
    until("two snapshots written", || {
        status.pipeline_counts().files_written_total >= 2
            && status.pipeline_counts().history_rows_written_total >= 2
    })
    .await;
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&files), 0o700);
    for name in listing(&state) {
        assert_eq!(mode(&state.join(&name)), 0o600, "{name}");
    }
    assert!(listing(&state).contains(&"status.db".to_owned()), "{:?}", listing(&state));
    assert!(listing(&state).contains(&"status.db-wal".to_owned()), "{:?}", listing(&state));
    for name in listing(&files) {
        assert_eq!(mode(&files.join(&name)), 0o600, "{name}");
    }
    // A link planted for the next temporary file: the write fails and is counted.
    let target = root.path().join("target");
    std::fs::write(&target, b"keep").unwrap();
    symlink(&target, files.join("agent.latest.json.tmp")).unwrap();
    let failures = status.pipeline_counts().files_failures_total;
    until("a counted failure", || status.pipeline_counts().files_failures_total > failures).await;
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    status.shutdown().await;
}
