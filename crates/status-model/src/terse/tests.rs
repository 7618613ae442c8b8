//! The terse projection's fixed key list, its `null`s, and its values on fixture snapshots.

use serde_json::Value;

use super::*;
use crate::collection::CollectionReport;
use crate::fixture::{T, failing, full, with_later_sections};
use crate::snapshot::SectionName;

#[test]
fn the_key_list_is_pinned() {
    insta::assert_snapshot!("terse_keys", keys().join("\n"));
}

#[test]
fn an_empty_snapshot_has_only_the_time_and_health() {
    let empty = Snapshot::new(CollectionReport {
        taken_at: T.parse().unwrap(),
        duration_ms: 0.0,
        sequence: 1,
        interval_seconds: None,
        abandoned_total: 0,
        left_out: Default::default(),
        sections: Default::default(),
    });
    let terse = terse(&empty);
    assert_eq!(terse.keys().collect::<Vec<_>>(), ["health.failing", "health.status", "taken_at"]);
    assert_eq!(terse["taken_at"], T);
    assert_eq!(terse["health.status"], Value::Null);
}

/// Every value a scalar or a list of scalars; every key documented; only configured sections.
#[track_caller]
fn check_flat(terse: &BTreeMap<String, Value>, snapshot: &Value) {
    let documented = keys();
    for (key, value) in terse {
        let flat = match value {
            Value::Array(items) => items.iter().all(|item| !item.is_array() && !item.is_object()),
            Value::Object(_) => false,
            _ => true,
        };
        assert!(flat, "{key} is not flat: {value}");
        assert!(
            documented.contains(key) || key.starts_with("processes.count."),
            "{key} is not documented"
        );
        let section = key.strip_prefix("outcome.").unwrap_or(key).split('.').next().unwrap();
        if !["taken_at", "health"].contains(&section) {
            assert!(snapshot.get(section).is_some(), "{key} of an unconfigured section");
        }
    }
}

#[test]
fn every_section_of_the_snapshot_has_an_outcome_key() {
    for name in SectionName::ALL {
        assert!(
            OUTCOME_SECTIONS.contains(&name.as_str()),
            "add `{name}` to OUTCOME_SECTIONS (and document it)"
        );
    }
}

#[test]
fn values_of_a_full_snapshot() {
    let terse = terse(&full());
    check_flat(&terse, &serde_json::to_value(full()).unwrap());
    insta::assert_json_snapshot!("terse_full", terse);
}

#[test]
fn values_with_failing_sections_are_null_not_zero() {
    let terse = terse(&failing());
    assert_eq!(terse["process.cpu_pct"], Value::Null);
    assert_eq!(terse["notifier.pending_count"], Value::Null);
    assert_eq!(terse["host.memory.available_bytes"], Value::Null);
    assert_eq!(terse["outcome.notifier"], "error");
    assert_eq!(terse["outcome.process"], "panicked");
    // Its failing checks (a disk) are not critical: the overall status warns.
    assert_eq!(terse["health.status"], "warn");
}

#[test]
fn values_of_sections_from_later_versions() {
    let terse = terse_value(&with_later_sections());
    check_flat(&terse, &with_later_sections());
    assert!(terse.keys().any(|key| key.starts_with("processes.count.")), "{terse:?}");
    insta::assert_json_snapshot!("terse_later_sections", terse);
}

#[test]
fn much_smaller_than_the_snapshot() {
    let json = with_later_sections();
    let full_size = serde_json::to_vec(&json).unwrap().len();
    let terse_size = serde_json::to_vec(&terse_value(&json)).unwrap().len();
    assert!(full_size >= 5 * terse_size, "{full_size} bytes against {terse_size}");
}
