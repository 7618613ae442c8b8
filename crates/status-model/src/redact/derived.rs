//! Passes over the parts derived from the sections (the health checks) and over every string.

use serde_json::{Map, Value};

/// A health check whose measurement the rules dropped (`notifier_backlog` measures
/// `notifier.oldest_pending_age_seconds`) keeps its name and status; its message, observed value
/// and details are withheld, so no health line shows what the policy hides.
pub(super) fn withhold_checks(checks: &mut [Value], dropped: &[String]) {
    for check in checks {
        let component = check.get("component").and_then(Value::as_str).unwrap_or_default();
        let measurement = check.get("measurement").and_then(Value::as_str).unwrap_or_default();
        let hidden = !component.is_empty()
            && !measurement.is_empty()
            && dropped.iter().any(|path| {
                path.strip_prefix(component).and_then(|rest| rest.strip_prefix('.')).is_some_and(
                    |rest| rest.rsplit('.').next().unwrap_or(rest).starts_with(measurement),
                )
            });
        if hidden {
            let name = check.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            check["message"] = Value::from(format!("{name}: withheld by the redaction policy"));
            check["observed_value"] = Value::Null;
            check["details"] = Value::Object(Map::new());
        }
    }
}

/// Scrubs secrets from every string inside `value` with `scrub` (keys are names, left alone).
pub(super) fn scrub_strings(value: &mut Value, scrub: &mut impl FnMut(&mut String)) {
    match value {
        Value::String(text) => scrub(text),
        Value::Array(items) => items.iter_mut().for_each(|item| scrub_strings(item, scrub)),
        Value::Object(map) => map.values_mut().for_each(|item| scrub_strings(item, scrub)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}
