//! The health view, a line per check, and the health line of the overview.
//!
//! Checks that do not pass come first, failing before warning, each with its details; passing
//! checks follow in the checks' own order. Cutting to length therefore drops passing checks first.

use serde_json::Value;

use super::doc::Doc;
use super::format;
use super::json::Json;

pub(super) fn render(json: &Json<'_>) -> Doc {
    let mut doc = Doc::default();
    let Some(report) = json.get("/health") else {
        doc.line("Health", "no checks ran");
        return doc;
    };
    let checks = sorted(report);
    let failing = checks.iter().filter(|check| status(check) != "pass").count();
    let mut text = headline(json, report);
    text.push_str(&format!(" · {failing} of {} checks not passing", checks.len()));
    let block = doc.line("Health", text);
    for check in checks {
        let mut item = format!("{} {}: {}", emoji(status(check)), name(check), message(check));
        if status(check) != "pass" {
            if check.get("critical") == Some(&Value::Bool(true)) {
                item.push_str(" (critical)");
            }
            if let Some(Value::Object(details)) = check.get("details") {
                for (key, value) in details {
                    item.push_str(&format!("\n{key}: {}", value.as_str().unwrap_or_default()));
                }
            }
        }
        block.item(item);
    }
    doc
}

/// The overview's line: the overall status, since when, and the checks that do not pass.
pub(super) fn summary(doc: &mut Doc, json: &Json<'_>) {
    let Some(report) = json.get("/health") else {
        doc.line("Health", "no checks ran");
        return;
    };
    let block = doc.line("Health", headline(json, report));
    for check in sorted(report).into_iter().filter(|check| status(check) != "pass") {
        block.item(format!("{} {}", emoji(status(check)), name(check)));
    }
}

/// `❌ fail since 5m ago`.
fn headline(json: &Json<'_>, report: &Value) -> String {
    let overall = report.get("status").and_then(Value::as_str).unwrap_or("unknown");
    let mut text = format!("{} {overall}", emoji(overall));
    if let Some(since) = json.time("/health/status_since") {
        text.push_str(&format!(" since {}", format::ago(since, json.now)));
    }
    text
}

/// Checks, fail first, then warn, then pass, each group in the report's order.
fn sorted(report: &Value) -> Vec<&Value> {
    let mut checks: Vec<&Value> = report
        .get("checks")
        .and_then(Value::as_array)
        .map(|c| c.iter().collect())
        .unwrap_or_default();
    checks.sort_by_key(|check| match status(check) {
        "fail" => 0,
        "warn" => 1,
        "pass" => 3,
        _ => 2,
    });
    checks
}

fn status(check: &Value) -> &str {
    check.get("status").and_then(Value::as_str).unwrap_or("unknown")
}

fn name(check: &Value) -> &str {
    check.get("name").and_then(Value::as_str).unwrap_or("?")
}

fn message(check: &Value) -> &str {
    check.get("message").and_then(Value::as_str).unwrap_or_default()
}

/// ✅ pass, ⚠️ warn, ❌ fail, ❔ anything else.
pub(super) fn emoji(status: &str) -> &'static str {
    match status {
        "pass" => "✅",
        "warn" => "⚠️",
        "fail" => "❌",
        _ => "❔",
    }
}
