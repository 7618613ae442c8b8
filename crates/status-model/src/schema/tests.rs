//! The schema accepts every fixture snapshot and rejects values of the wrong shape.

use serde_json::{Value, json};

use super::{definition_schema, snapshot_schema};
use crate::fixture;

#[track_caller]
fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles");
    validator
        .iter_errors(instance)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

#[track_caller]
fn check_valid(instance: &Value) {
    let problems = errors(&snapshot_schema(), instance);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn fixtures_validate() {
    check_valid(&serde_json::to_value(fixture::full()).unwrap());
    check_valid(&serde_json::to_value(fixture::failing()).unwrap());
    check_valid(&serde_json::to_value(fixture::busy(40)).unwrap());
    check_valid(&fixture::with_later_sections());
}

#[test]
fn a_minimal_snapshot_validates() {
    let snapshot = crate::Snapshot::new(fixture::full().collection);
    check_valid(&serde_json::to_value(snapshot).unwrap());
}

#[test]
fn wrong_shapes_are_rejected() {
    let good = serde_json::to_value(fixture::full()).unwrap();
    let cases: &[(&str, Value)] = &[
        ("/schema_version", json!(2)),
        ("/collection/taken_at", json!("yesterday")),
        ("/host/memory/total_bytes", json!(-1)),
        ("/process/threads", json!("three")),
        ("/collection/sections/host/outcome", json!("fine")),
    ];
    for (pointer, bad) in cases {
        let mut instance = good.clone();
        *instance.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer} is in the fixture")) =
            bad.clone();
        let problems = errors(&snapshot_schema(), &instance);
        assert!(!problems.is_empty(), "{pointer} = {bad} was accepted");
    }
    let mut instance = good;
    instance.as_object_mut().unwrap().remove("collection");
    assert!(
        !errors(&snapshot_schema(), &instance).is_empty(),
        "a missing `collection` was accepted"
    );
}

#[test]
fn a_definition_validates_one_section() {
    let root = snapshot_schema();
    let queue = definition_schema(&root, "QueueSection").unwrap();
    let value = fixture::with_later_sections()["queue"].clone();
    assert_eq!(errors(&queue, &value), Vec::<String>::new());
    assert!(!errors(&queue, &json!({"active": 1})).is_empty());
    assert!(definition_schema(&root, "NoSuchSection").is_none());
}

#[test]
fn keys_the_default_redaction_drops_are_optional_in_sections_only() {
    let schema = snapshot_schema();
    let required = |definition: &str| schema["$defs"][definition]["required"].clone();
    // Reasons are kept (and scrubbed of secrets), so they stay required.
    let channel = required("ChannelStatus");
    assert!(channel.as_array().unwrap().contains(&json!("last_error")), "{channel}");
    assert!(channel.as_array().unwrap().contains(&json!("connected")), "{channel}");
    let operation = required("OperationRecord");
    assert!(operation.as_array().unwrap().contains(&json!("error_summary")), "{operation}");
    // A host's check `message` is dropped by default inside the sections...
    let custom = required("CustomCheck");
    assert!(!custom.as_array().unwrap().contains(&json!("message")), "{custom}");
    // ...but `health` is not redacted: its checks keep `message` required.
    assert!(required("CheckResult").as_array().unwrap().contains(&json!("message")));
    let mut served = fixture::with_later_sections();
    if let Some(checks) = served["custom_checks"].as_object_mut() {
        for check in checks.values_mut() {
            check.as_object_mut().unwrap().remove("message");
        }
    }
    check_valid(&served);
}

#[test]
fn every_field_carries_its_kind_as_x_kind() {
    let schema = snapshot_schema();
    let at = |pointer: &str| schema.pointer(pointer).unwrap_or_else(|| panic!("{pointer}"));
    assert_eq!(at("/properties/host/x-kind"), "state");
    let defs = &schema["$defs"];
    assert_eq!(defs["HostSection"]["properties"]["cpus"]["x-kind"], "state");
    assert_eq!(defs["HostSection"]["properties"]["hostname"]["x-kind"], "state");
    assert_eq!(
        defs["LoadAverage"]["properties"]["1"]["x-kind"], "gauge",
        "{}",
        defs["LoadAverage"]
    );
    assert_eq!(defs["CollectionReport"]["properties"]["taken_at"]["x-kind"], "time");
    assert_eq!(defs["CollectionReport"]["properties"]["sequence"]["x-kind"], "counter");
    assert_eq!(defs["SectionReport"]["properties"]["outcome"]["x-kind"], "state");
    assert_eq!(defs["CheckResult"]["properties"]["status"]["x-kind"], "state");
    assert_eq!(defs["CheckResult"]["properties"]["time"]["x-kind"], "time");
    // Every property schema anywhere has one.
    fn check(value: &serde_json::Value, missing: &mut Vec<String>, at: &str) {
        if let Some(properties) = value.get("properties").and_then(|p| p.as_object()) {
            for (name, field) in properties {
                if field.get("x-kind").is_none() {
                    missing.push(format!("{at}.{name}"));
                }
            }
        }
        match value {
            serde_json::Value::Object(object) => {
                object.iter().for_each(|(key, child)| check(child, missing, &format!("{at}/{key}")))
            }
            serde_json::Value::Array(items) => {
                items.iter().for_each(|item| check(item, missing, at))
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    check(&schema, &mut missing, "");
    assert!(missing.is_empty(), "fields without x-kind: {missing:?}");
}
