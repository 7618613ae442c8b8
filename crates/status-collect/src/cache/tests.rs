//! Cache tests: publication order and per-section bytes.

use std::collections::BTreeMap;

use status_model::{CollectionReport, SectionName, Snapshot};

use super::*;

fn snapshot(sequence: u64) -> Snapshot {
    let mut snapshot = Snapshot::new(CollectionReport {
        taken_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        duration_ms: 1.0,
        sequence,
        interval_seconds: None,
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    });
    snapshot.put_missing(SectionName::Host);
    snapshot
}

#[test]
fn empty_until_the_first_publication() {
    let cache = Cache::default();
    assert!(cache.latest().is_none());
    cache.publish(snapshot(1)).unwrap();
    assert_eq!(cache.latest().unwrap().snapshot.collection.sequence, 1);
}

#[test]
fn an_older_snapshot_published_late_does_not_replace_a_newer_one() {
    let cache = Cache::default();
    let mut updates = cache.subscribe();
    cache.publish(snapshot(2)).unwrap();
    assert!(updates.has_changed().unwrap());
    updates.mark_unchanged();
    cache.publish(snapshot(1)).unwrap();
    assert_eq!(cache.latest().unwrap().snapshot.collection.sequence, 2);
    assert!(!updates.has_changed().unwrap(), "subscribers are not woken for a stale snapshot");
}

#[test]
fn section_bytes_are_slices_of_the_whole() {
    let cache = Cache::default();
    let published = cache.publish(snapshot(1)).unwrap();
    assert_eq!(published.sections.keys().copied().collect::<Vec<_>>(), [SectionName::Host]);
    assert_eq!(&published.sections[&SectionName::Host][..], b"null");
    let whole = std::str::from_utf8(&published.json).unwrap();
    assert!(whole.starts_with(r#"{"schema_version":1,"collection":"#), "{whole}");
}

/// The whole and each section are written once, as `serde_json` writes them: the same bytes as
/// serializing the redacted value, and each section's bytes those of its value alone.
#[test]
fn the_bytes_are_those_of_the_redacted_value() {
    let mut snapshot = snapshot(1);
    snapshot.put_missing(SectionName::Process);
    snapshot.service = status_model::Slot::Present(status_model::ServiceSection {
        name: "quote \" and \u{e9}".to_owned(),
        version: None,
        started_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        uptime_seconds: 1.5,
        status: status_model::ServiceStatus::Ok,
    });
    let published = Cache::default().publish(snapshot).unwrap();
    assert_eq!(published.json, serde_json::to_vec(&*published.value).unwrap());
    assert_eq!(published.sections.len(), 3, "{:?}", published.sections.keys());
    for (name, bytes) in &published.sections {
        let alone = serde_json::to_vec(&published.value[name.as_str()]).unwrap();
        assert_eq!(bytes[..], alone[..], "{name}");
    }
}

#[test]
fn the_terse_projection_is_published_with_the_snapshot() {
    let cache = Cache::default();
    let published = cache.publish(snapshot(1)).unwrap();
    let terse: serde_json::Value = serde_json::from_slice(&published.terse).unwrap();
    assert_eq!(terse["taken_at"], "2026-01-01T00:00:00Z");
    assert_eq!(terse["outcome.host"], serde_json::Value::Null, "no report for host, so no outcome");
    // Only configured sections: every key a documented one.
    let documented = status_model::terse::keys();
    assert!(terse.as_object().unwrap().keys().all(|key| documented.contains(key)), "{terse}");
}
