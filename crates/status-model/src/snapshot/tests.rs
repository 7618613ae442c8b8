//! Tests of the snapshot's key set and round trip.

use std::collections::BTreeMap;

use super::*;
use crate::collection::CollectionReport;
use crate::sections::{RuntimeSection, ServiceSection, ServiceStatus};

fn report() -> CollectionReport {
    CollectionReport {
        taken_at: "2026-01-02T03:04:05Z".parse().unwrap(),
        duration_ms: 1.5,
        sequence: 1,
        interval_seconds: None,
        abandoned_total: 0,
        left_out: Default::default(),
        sections: BTreeMap::new(),
    }
}

fn keys(snapshot: &Snapshot) -> Vec<String> {
    let value = serde_json::to_value(snapshot).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn keys_follow_configuration_not_success() {
    let mut snapshot = Snapshot::new(report());
    assert_eq!(keys(&snapshot), ["schema_version", "collection", "health"]);

    snapshot.put_missing(SectionName::Host);
    snapshot.put(SectionData::Runtime(RuntimeSection {
        event_loop_lag_ms: None,
        workers: 2,
        alive_tasks: 3,
        global_queue_depth: 0,
    }));
    assert_eq!(keys(&snapshot), ["schema_version", "collection", "health", "host", "runtime"]);
    let value = serde_json::to_value(&snapshot).unwrap();
    assert!(value["host"].is_null());
    assert!(value["runtime"]["event_loop_lag_ms"].is_null());
    assert!(snapshot.is_configured(SectionName::Host));
    assert!(!snapshot.is_configured(SectionName::Service));
}

#[test]
fn round_trips_through_json() {
    let mut snapshot = Snapshot::new(report());
    snapshot.put(SectionData::Service(ServiceSection {
        name: "app".into(),
        version: None,
        started_at: "2026-01-02T03:00:00Z".parse().unwrap(),
        uptime_seconds: 245.0,
        status: ServiceStatus::ShuttingDown,
    }));
    snapshot.put_missing(SectionName::Process);
    let json = serde_json::to_string(&snapshot).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snapshot);
    assert!(json.contains(r#""status":"shutting_down""#), "{json}");
    assert!(json.contains(r#""taken_at":"2026-01-02T03:04:05Z""#), "{json}");
}

#[test]
fn section_names_parse_and_print() {
    for &name in SectionName::ALL {
        assert_eq!(name.as_str().parse::<SectionName>(), Ok(name));
        assert_eq!(name.to_string(), name.as_str());
    }
    assert_eq!("nope".parse::<SectionName>(), Err(UnknownSection("nope".into())));
}

#[test]
fn a_renamed_section_reads_back_under_its_old_key_and_is_written_under_the_new() {
    let mut value = serde_json::to_value(Snapshot::new(report())).unwrap();
    value["host_jobs"] = serde_json::json!({ "total": 0, "jobs": [] }); // rename: keep
    let snapshot: Snapshot = serde_json::from_value(value).unwrap();
    assert!(snapshot.app_jobs.value().is_some(), "read back from `host_jobs`"); // rename: keep
    let keys = keys(&snapshot);
    assert!(keys.contains(&"app_jobs".to_owned()) && !keys.contains(&"host_jobs".to_owned())); // rename: keep
    assert_eq!("host_jobs".parse::<SectionName>(), Ok(SectionName::AppJobs)); // rename: keep
    assert_eq!(SectionName::AppJobs.as_str(), "app_jobs");
}
