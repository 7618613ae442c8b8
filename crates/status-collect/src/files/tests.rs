//! Files tests: rotation, the diff file, corrupt and missing latest files, and safe names.

use std::path::Path;

use serde_json::{Value, json};
use status_model::KeyFilter;

use super::*;

fn write(dir: &Path, value: &Value) -> WriteOutcome {
    let json = serde_json::to_vec(value).unwrap();
    write_snapshot(dir, "agent", &json, value, &KeyFilter::volatile()).unwrap()
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `value` as the latest file carries it: with `has_diff` and `diff_fields`.
fn marked(mut value: Value, fields: &[&str]) -> Value {
    let object = value.as_object_mut().unwrap();
    object.insert("has_diff".into(), json!(!fields.is_empty()));
    object.insert("diff_fields".into(), json!(fields));
    value
}

fn snapshot(load: f64, sequence: u64) -> Value {
    json!({"collection": {"sequence": sequence, "taken_at": format!("2026-01-01T00:00:0{sequence}Z")}, "host": {"load": {"1": load}}})
}

#[test]
fn latest_rotates_to_prev_and_the_diff_follows_the_changes() {
    let dir = tempfile::tempdir().unwrap();
    let files = SnapshotFiles::new(dir.path(), "agent");

    assert!(write(dir.path(), &snapshot(0.5, 1)).changes.is_empty(), "the first write has no diff");
    assert_eq!(listing(dir.path()), ["agent.latest.json", "agent.lock"]);

    let outcome = write(dir.path(), &snapshot(0.7, 2));
    assert_eq!(outcome.changes.len(), 1);
    assert_eq!(
        listing(dir.path()),
        ["agent.diff.json", "agent.latest.json", "agent.lock", "agent.prev.json"]
    );
    assert_eq!(read(&files.prev), marked(snapshot(0.5, 1), &[]));
    assert_eq!(read(&files.latest), marked(snapshot(0.7, 2), &["host.load.1"]));
    let diff = read(&files.diff);
    assert_eq!(diff["previous_taken_at"], "2026-01-01T00:00:01Z");
    assert_eq!(diff["taken_at"], "2026-01-01T00:00:02Z");
    assert_eq!(
        diff["changes"],
        json!([{"key": "host.load.1", "kind": "changed", "old": 0.5, "new": 0.7}])
    );

    // Only volatile keys change: no diff, and the stale diff file goes.
    assert!(write(dir.path(), &snapshot(0.7, 3)).changes.is_empty());
    assert_eq!(listing(dir.path()), ["agent.latest.json", "agent.lock", "agent.prev.json"]);
    assert_eq!(read(&files.prev), marked(snapshot(0.7, 2), &["host.load.1"]));
    assert_eq!(read(&files.latest), marked(snapshot(0.7, 3), &[]), "the added keys never count");
}

#[test]
fn the_latest_file_carries_has_diff_and_diff_fields_as_scitex_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let files = SnapshotFiles::new(dir.path(), "agent");
    let filter = KeyFilter::semantic(&[] as &[String], &[] as &[String]).unwrap();
    let state = |status: &str, dirty: bool| {
        json!({"collection": {"sequence": 1}, "health": {"status": status, "checks": [
            {"name": "disk", "status": status, "time": "2026-01-01T00:00:00Z"}]},
            "repos": {"app": {"dirty": dirty}}, "host": {"load": {"1": 0.5}}})
    };
    for (value, fields) in [
        (state("pass", false), vec![]),
        (
            state("warn", true),
            vec!["health.checks[disk].status", "health.status", "repos.app.dirty"],
        ),
        (state("warn", true), vec![]),
    ] {
        let json = serde_json::to_vec(&value).unwrap();
        write_snapshot(dir.path(), "agent", &json, &value, &filter).unwrap();
        let latest = read(&files.latest);
        assert_eq!(latest, marked(value, &fields));
        assert_eq!(latest["has_diff"], json!(!fields.is_empty()));
    }
    assert_eq!(with_diff_fields(b"{}", &[]), br#"{"has_diff":false,"diff_fields":[]}"#);
}

#[test]
fn a_corrupt_latest_counts_as_absent() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &snapshot(0.5, 1));
    write(dir.path(), &snapshot(0.6, 2));
    let files = SnapshotFiles::new(dir.path(), "agent");
    std::fs::write(&files.latest, b"{\"collection\": {\"seq").unwrap();
    let outcome = write(dir.path(), &snapshot(0.9, 3));
    assert!(outcome.changes.is_empty());
    assert_eq!(read(&files.latest), marked(snapshot(0.9, 3), &[]));
    assert_eq!(
        listing(dir.path()),
        ["agent.latest.json", "agent.lock"],
        "no prev from a corrupt latest"
    );
}

#[test]
fn names_cannot_leave_the_directory() {
    let dir = Path::new("/cache");
    let latest = |name: &str| SnapshotFiles::new(dir, name).latest;
    assert_eq!(latest("../../etc/passwd"), Path::new("/cache/_.._.._etc_passwd.latest.json"));
    assert_eq!(latest("my app"), Path::new("/cache/my_app.latest.json"));
    assert_eq!(latest(""), Path::new("/cache/status.latest.json"));
    assert_eq!(latest(".."), Path::new("/cache/status.latest.json"));
    assert_eq!(latest(".hidden"), Path::new("/cache/_.hidden.latest.json"));
}

#[test]
fn an_unwritable_directory_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let value = json!({});
    let error =
        write_snapshot(&blocker.join("sub"), "agent", b"{}", &value, &KeyFilter::volatile())
            .unwrap_err();
    assert!(error.to_string().contains(&blocker.join("sub").display().to_string()), "{error}");
}
