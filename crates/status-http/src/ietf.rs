//! `/health` in the IETF "Health Check Response Format for HTTP APIs" (draft-inadarei-api-health-check):
//! `application/health+json`, `status` pass/warn/fail, `checks` keyed `component:measurement`, each an
//! array of results with `componentId`, `componentType`, `observedValue`, `observedUnit`, `status`,
//! `time` and `output`, and as an extension `thresholds` (the limits a graded value was compared
//! with: `warn_above`, `fail_above`, `warn_below`, `fail_below`).

use serde_json::{Map, Value, json};
use status_collect::Published;
use status_model::{CheckResult, HealthReport, HealthStatus};

use crate::page::text_at;

/// The threshold keys a graded check's details carry.
const THRESHOLDS: [&str; 4] = ["warn_above", "fail_above", "warn_below", "fail_below"];

/// The text standing in for the freshness check's entry in [`template`]'s body, as JSON writes it.
const HOLE: &str = "\u{1}fresh\u{1}";

/// The body for a snapshot and its live report, with the entry of the check named `hole` left
/// out for [`entry`] to fill per request: the text and where the entry goes.
pub(crate) fn template(
    published: &Published,
    report: &HealthReport,
    hole: &str,
) -> (String, usize) {
    let text = body_with(published, report, Some(hole)).to_string();
    let marker = Value::from(HOLE).to_string();
    match text.find(&marker) {
        Some(at) => (format!("{}{}", &text[..at], &text[at + marker.len()..]), at),
        None => (text.clone(), text.len()),
    }
}

/// One check's entry, as JSON text (what fills [`template`]'s hole).
pub(crate) fn entry_text(check: &CheckResult) -> String {
    entry(check).to_string()
}

fn entry(check: &CheckResult) -> Value {
    let mut entry = Map::new();
    if let Some(id) = &check.component_id {
        entry.insert("componentId".into(), id.clone().into());
    }
    entry.insert("componentType".into(), component_type(&check.component).into());
    if let Some(value) = check.observed_value {
        entry.insert("observedValue".into(), value.into());
    }
    if let Some(unit) = &check.observed_unit {
        entry.insert("observedUnit".into(), unit.clone().into());
    }
    entry.insert("status".into(), check.status.as_str().into());
    // An extension of the draft: the limits the value was graded against, by config name
    // (`warn_above`, `fail_below`, …), so a monitoring plugin can give them in its perfdata.
    let thresholds: Map<String, Value> = THRESHOLDS
        .iter()
        .filter_map(|&key| {
            let limit = check.details.get(key)?.parse::<f64>().ok()?;
            Some((key.to_owned(), limit.into()))
        })
        .collect();
    if !thresholds.is_empty() {
        entry.insert("thresholds".into(), Value::Object(thresholds));
    }
    entry.insert("time".into(), check.time.to_string().into());
    // The draft: "output" SHOULD be omitted for "pass".
    if check.status != HealthStatus::Pass {
        entry.insert("output".into(), check.message.clone().into());
    }
    Value::Object(entry)
}

fn body_with(published: &Published, report: &HealthReport, hole: Option<&str>) -> Value {
    let mut checks: Map<String, Value> = Map::new();
    for check in &report.checks {
        let key = format!("{}:{}", check.component, check.measurement);
        let entry =
            if hole == Some(check.name.as_str()) { Value::from(HOLE) } else { entry(check) };
        let list = checks.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(entry);
        }
    }
    let mut body = json!({ "status": report.status.as_str() });
    if let Some(version) = text_at(published, "service", "version") {
        body["releaseId"] = version.into();
    }
    if let Some(name) = text_at(published, "service", "name") {
        body["serviceId"] = name.into();
        body["description"] = format!("health of {name}").into();
    }
    if report.status != HealthStatus::Pass {
        let failing: Vec<&str> = report
            .checks
            .iter()
            .filter(|check| check.status != HealthStatus::Pass)
            .map(|check| check.name.as_str())
            .collect();
        body["output"] = format!("not passing: {}", failing.join(", ")).into();
    }
    body["checks"] = Value::Object(checks);
    body
}

/// The body for a client without the token: the status only.
pub(crate) fn minimal(status: HealthStatus) -> Value {
    json!({ "status": status.as_str() })
}

/// The body before any snapshot exists.
pub(crate) fn no_snapshot() -> Value {
    json!({ "status": "fail", "output": "no snapshot yet" })
}

/// The draft's componentType: `system` for the machine's resources, `component` for parts of the
/// service itself.
fn component_type(component: &str) -> &'static str {
    match component {
        "memory" | "disk" | "cpu" | "processes" => "system",
        _ => "component",
    }
}
