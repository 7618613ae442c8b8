//! Real snapshots validate against the published JSON Schema: every JSON insta fixture in the
//! workspace (with its redacted values excused), and live snapshots of a collector over a mocked host.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::{Value, json};
use status_collect::{Config, Status};
use status_deps::{MockStatusDeps, Provides};
use status_model::{
    ChannelStatus, ChannelsSection, CustomCheck, CustomSections, HealthStatus, QueueGroup,
    QueueSection, ScheduledJob, SchedulerSection, SessionsSection,
};

/// Insta fixtures that are not snapshot JSON: projections with keys of their own.
const NOT_SNAPSHOT_SHAPES: &[&str] = &["status_model__terse__tests__"];

/// The committed schema, the one `cargo xtask schema --check` keeps in step with the model.
pub(crate) fn committed_schema() -> Value {
    let path = workspace().join("docs/status.schema.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The schema errors of `instance` against the top-level key `key` of the snapshot schema (`None`
/// for the whole snapshot), except those at values an insta redaction replaced (`"[redacted]"`).
pub(crate) fn schema_errors(instance: &Value, key: Option<&str>) -> Vec<String> {
    let root = committed_schema();
    let schema = match key {
        None => root.clone(),
        Some(key) => {
            let mut schema = root["properties"][key].clone();
            assert!(schema.is_object(), "the schema has no top-level key `{key}`");
            schema["$defs"] = root["$defs"].clone();
            schema
        }
    };
    let validator =
        jsonschema::options().should_validate_formats(true).build(&schema).expect("compiles");
    validator
        .iter_errors(instance)
        .filter(|error| !excused(error, instance))
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// Whether `error` is only about redacted values: it sits at one, or it is an `anyOf`/`oneOf` with
/// a branch whose every error is excused.
fn excused(error: &ValidationError<'_>, instance: &Value) -> bool {
    let at = instance.pointer(error.instance_path().as_str());
    if at.and_then(Value::as_str).is_some_and(|s| s.starts_with('[') && s.ends_with(']')) {
        return true;
    }
    match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context.iter().any(|branch| branch.iter().all(|error| excused(error, instance)))
        }
        _ => false,
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn snap_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() && name != "target" && !name.starts_with('.') {
            snap_files(&path, files);
        } else if name.ends_with(".snap") {
            files.push(path);
        }
    }
}

/// The top-level key a fixture named `stem` holds: the longest key its name starts with, after
/// the `full_` prefix; `hang_and_panic_collection` holds a `collection`.
fn key_for(stem: &str, keys: &[&str]) -> Option<String> {
    let stem = stem.strip_prefix("full_").unwrap_or(stem);
    if stem.ends_with("collection") {
        return Some("collection".to_owned());
    }
    keys.iter()
        .filter(|key| stem.starts_with(**key))
        .max_by_key(|key| key.len())
        .map(|k| k.to_string())
}

#[test]
fn every_json_insta_fixture_validates() {
    let root = committed_schema();
    let keys: Vec<&str> =
        root["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    let mut files = Vec::new();
    snap_files(&workspace().join("crates"), &mut files);
    let mut checked = BTreeMap::new();
    let mut problems = Vec::new();
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        let body = text.splitn(3, "---\n").nth(2).expect("an insta header");
        let Ok(value) = serde_json::from_str::<Value>(body) else { continue };
        if NOT_SNAPSHOT_SHAPES.iter().any(|prefix| stem.starts_with(prefix)) {
            continue;
        }
        let shown = file.strip_prefix(workspace()).unwrap().display().to_string();
        // A fixture of several sections side by side: each under its top-level key.
        if let Some(object) = value.as_object().filter(|o| !o.contains_key("schema_version"))
            && !object.is_empty()
            && object.keys().all(|key| keys.contains(&key.as_str()) || key == "reports")
        {
            for (key, section) in object {
                let errors = match (key.as_str(), section.as_object()) {
                    // Their collection reports, by section name.
                    ("reports", Some(reports)) => {
                        reports.values().flat_map(report_errors).collect()
                    }
                    _ => schema_errors(section, Some(key)),
                };
                problems.extend(errors.into_iter().map(|e| format!("{shown} `{key}`: {e}")));
            }
            checked.insert(shown, object.keys().cloned().collect::<Vec<_>>().join("+"));
            continue;
        }
        let (instance, key) = if value.get("schema_version").is_some() {
            (value.clone(), None)
        } else {
            let Some(key) = key_for(&stem, &keys) else {
                problems.push(format!("{shown}: no top-level key matches its name; map it here"));
                continue;
            };
            // `{value, report}` fixtures pair a section with its collection report.
            if let (Some(section), Some(report)) = (value.get("value"), value.get("report")) {
                problems.extend(
                    report_errors(report).into_iter().map(|e| format!("{shown} report: {e}")),
                );
                (section.clone(), Some(key))
            } else {
                (value.clone(), Some(key))
            }
        };
        let errors = schema_errors(&instance, key.as_deref());
        problems.extend(errors.into_iter().map(|e| format!("{shown}: {e}")));
        checked.insert(shown, key.unwrap_or_else(|| "snapshot".to_owned()));
    }
    assert!(problems.is_empty(), "fixtures that do not validate:\n{}", problems.join("\n"));
    assert!(checked.len() >= 30, "only {} fixtures checked: {checked:?}", checked.len());
}

/// Errors of a section's collection report, validated as the one entry of `collection.sections`.
fn report_errors(report: &Value) -> Vec<String> {
    let collection = json!({
        "taken_at": "2026-01-01T00:00:00Z", "duration_ms": 1.0, "sequence": 1,
        "interval_seconds": null, "abandoned_total": 0, "sections": {"section": report},
    });
    schema_errors(&collection, Some("collection"))
}

/// A host that provides every host section, with values of every shape.
fn full_host() -> MockStatusDeps {
    let at = |text: &str| text.parse::<status_model::Timestamp>().unwrap();
    let mut deps = MockStatusDeps::new();
    deps.expect_service_name().returning(|| Some("schema-host".to_owned()));
    deps.expect_version().returning(|| Some("1.0.0".to_owned()));
    deps.expect_is_shutting_down().returning(|| Ok(false));
    deps.expect_provides().returning(|| Provides { gateway: false, ..Provides::ALL });
    deps.expect_channels().returning(move || {
        let up = ChannelStatus {
            connected: true,
            since: Some(at("2026-01-01T00:00:00Z")),
            last_error: None,
        };
        let down =
            ChannelStatus { connected: false, since: None, last_error: Some("reset".into()) };
        Ok(ChannelsSection { channels: BTreeMap::from([("a".into(), up), ("b".into(), down)]) })
    });
    deps.expect_queue().returning(|| {
        let group =
            QueueGroup { active: true, is_task: false, pending_messages: 2, pending_tasks: 0 };
        Ok(QueueSection {
            active: 1,
            max_concurrent: 4,
            waiting: 2,
            per_group: BTreeMap::from([("g".into(), group)]),
        })
    });
    deps.expect_sessions()
        .returning(|| Ok(SessionsSection { workspaces_total: 3, active_sessions: 1 }));
    deps.expect_scheduler().returning(move || {
        Ok(SchedulerSection {
            last_tick_at: Some(at("2026-01-01T00:00:00Z")),
            next_jobs: vec![ScheduledJob {
                name: "digest".into(),
                next_run_at: Some(at("2026-01-01T01:00:00Z")),
            }],
            active_jobs: 0,
        })
    });
    deps.expect_custom_sections().returning(|| {
        Ok(CustomSections { sections: BTreeMap::from([("flags".into(), json!(["x", {"y": 1}]))]) })
    });
    deps.expect_custom_checks().returning(|| {
        let check = CustomCheck {
            status: HealthStatus::Warn,
            message: "slow".into(),
            observed_value: Some(2.5),
            observed_unit: Some("s".into()),
        };
        Ok(BTreeMap::from([("latency".into(), check)]))
    });
    deps
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_snapshots_of_a_mocked_host_validate() {
    let state = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.state.dir = Some(state.path().to_owned());
    config.collect.interval = Duration::from_secs(3600);
    config.host.disk_paths.push(state.path().join("no/such/dir"));
    let status = Status::spawn(&config, Arc::new(full_host()));
    for _ in 0..2 {
        let snapshot = serde_json::to_value(&*status.collect_now().await).unwrap();
        for key in
            ["channels", "queue", "sessions", "scheduler", "custom", "custom_checks", "health"]
        {
            assert!(!snapshot[key].is_null(), "`{key}` is missing: {snapshot:#}");
        }
        let errors = schema_errors(&snapshot, None);
        assert!(errors.is_empty(), "{}\n{snapshot:#}", errors.join("\n"));
    }
    status.shutdown().await;
}
