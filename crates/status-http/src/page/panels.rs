//! The panels that come first on the page, when their sections exist: operations in flight
//! (`broker`), latest errors (failed operations, failing checks, sections in error) and the
//! scheduler's next runs (`scheduler`, `tasks`). Made from the redacted snapshot's JSON.

use std::fmt::Write;

use serde_json::Value;
use status_collect::Published;
use status_model::render::format;
use status_model::{HealthReport, HealthStatus, Outcome, Timestamp};

use super::{NA, escape, words};

/// Rows in a panel at most.
const PANEL_ROWS: usize = 10;

/// A section's object, when the snapshot has it.
fn section<'a>(published: &'a Published, name: &str) -> Option<&'a serde_json::Map<String, Value>> {
    published.value.get(name)?.as_object()
}

fn panel_start(page: &mut String, class: &str, title: &str) {
    let _ = write!(page, "<section class=\"card panel {class}\"><h2>{title}</h2>");
}

/// Operations in flight, from `broker`: tool, tier, elapsed, id.
pub(super) fn in_flight(page: &mut String, published: &Published, now: Timestamp) {
    let Some(broker) = section(published, "broker") else { return };
    let operations = broker.get("in_flight").and_then(Value::as_array);
    let count = broker.get("in_flight_count").and_then(Value::as_u64);
    panel_start(page, "in-flight", "Operations in flight");
    match operations {
        Some(operations) if !operations.is_empty() => {
            page.push_str("<ul>");
            for operation in operations.iter().take(PANEL_ROWS) {
                let field =
                    |key| operation.get(key).map_or(NA.to_owned(), |v| text_of(key, v, now));
                let elapsed = operation
                    .get("elapsed_s")
                    .and_then(Value::as_f64)
                    .map_or(NA.to_owned(), format::duration);
                let tier = operation
                    .get("tier")
                    .and_then(Value::as_str)
                    .map(|tier| format!(" · tier {tier}"));
                let _ = write!(
                    page,
                    "<li><b>{}</b>{} · {} · {}</li>",
                    words(&field("tool"), &field("tool")),
                    tier.map(|tier| words(&tier, &tier)).unwrap_or_default(),
                    escape(&elapsed),
                    words(&field("operation_id"), &field("operation_id")),
                );
            }
            page.push_str("</ul>");
            if let Some(count) = count.filter(|count| *count > PANEL_ROWS as u64) {
                let _ = write!(page, "<p class=\"empty\">{count} in flight in all</p>");
            }
        }
        _ => page.push_str("<p class=\"empty\">Nothing in flight</p>"),
    }
    page.push_str("</section>");
}

/// Latest errors: failed operations (`recent_operations`), failing checks with their reasons,
/// sections whose collection failed.
pub(super) fn errors(
    page: &mut String,
    published: &Published,
    report: Option<&HealthReport>,
    now: Timestamp,
) {
    let mut rows: Vec<String> = Vec::new();
    if let Some(report) = report {
        for check in report.checks.iter().filter(|check| check.status != HealthStatus::Pass) {
            rows.push(format!(
                "<li class=\"{}\"><b>{}</b> check {}: {}</li>",
                check.status.as_str(),
                words(&check.name, &check.name),
                check.status.as_str(),
                words(&check.message, &check.message)
            ));
        }
    }
    for (name, section_report) in &published.collection.sections {
        if section_report.outcome == Outcome::Ok {
            continue;
        }
        let reason = section_report.reason.as_deref().unwrap_or("no reason given");
        rows.push(format!(
            "<li class=\"fail\"><b>{}</b> section {}: {}</li>",
            words(name, name),
            section_report.outcome.as_str(),
            words(reason, reason)
        ));
    }
    let operations = section(published, "recent_operations")
        .and_then(|recent| recent.get("operations"))
        .and_then(Value::as_array);
    for operation in operations.into_iter().flatten().filter(|operation| is_failed(operation)) {
        let text = |key| operation.get(key).and_then(Value::as_str).unwrap_or(NA);
        let tool = format!("{}__{}", text("capability"), text("action"));
        let when =
            operation.get("timestamp").map_or(NA.to_owned(), |at| text_of("timestamp_at", at, now));
        let summary =
            operation.get("error_summary").and_then(Value::as_str).unwrap_or("no summary");
        rows.push(format!(
            "<li class=\"fail\"><b>{}</b> {} {}: {}</li>",
            words(&tool, &tool),
            words(text("status"), text("status")),
            words(&when, &when),
            words(summary, summary)
        ));
    }
    panel_start(page, "errors", "Latest errors");
    if rows.is_empty() {
        page.push_str("<p class=\"empty\">No errors</p>");
    } else {
        page.push_str("<ul>");
        for row in rows.iter().take(PANEL_ROWS) {
            page.push_str(row);
        }
        page.push_str("</ul>");
        if rows.len() > PANEL_ROWS {
            let _ = write!(page, "<p class=\"empty\">{} more below</p>", rows.len() - PANEL_ROWS);
        }
    }
    page.push_str("</section>");
}

/// An operation that ended badly: an error summary, or a status other than success or running.
fn is_failed(operation: &Value) -> bool {
    let status = operation.get("status").and_then(Value::as_str).unwrap_or_default();
    let finished_well = matches!(
        status,
        "success"
            | "succeeded"
            | "ok"
            | "completed"
            | "done"
            | "in_progress"
            | "running"
            | "pending"
            | ""
    );
    !finished_well || operation.get("error_summary").is_some_and(|summary| !summary.is_null())
}

/// The scheduler's next runs: `scheduler.next_jobs`, then `tasks` with a next run.
pub(super) fn next_runs(page: &mut String, published: &Published, now: Timestamp) {
    let scheduler = section(published, "scheduler");
    let tasks = section(published, "tasks");
    if scheduler.is_none() && tasks.is_none() {
        return;
    }
    let mut rows: Vec<(String, String)> = Vec::new();
    let jobs = scheduler.and_then(|scheduler| scheduler.get("next_jobs")).and_then(Value::as_array);
    for job in jobs.into_iter().flatten() {
        let name = job.get("name").and_then(Value::as_str).unwrap_or(NA).to_owned();
        let at = job.get("next_run_at").map_or(NA.to_owned(), |at| text_of("next_run_at", at, now));
        rows.push((name, at));
    }
    let tasks = tasks.and_then(|tasks| tasks.get("tasks")).and_then(Value::as_array);
    for task in tasks.into_iter().flatten() {
        let Some(next) = task.get("next_run").filter(|next| !next.is_null()) else { continue };
        let name = task.get("id").and_then(Value::as_str).unwrap_or(NA).to_owned();
        rows.push((name, text_of("next_run_at", next, now)));
    }
    panel_start(page, "next-runs", "Next runs");
    if rows.is_empty() {
        page.push_str("<p class=\"empty\">Nothing scheduled</p>");
    } else {
        page.push_str("<dl>");
        for (name, at) in rows.iter().take(PANEL_ROWS) {
            let _ =
                write!(page, "<dt title=\"{0}\">{0}</dt><dd>{1}</dd>", escape(name), words(at, at));
        }
        page.push_str("</dl>");
    }
    page.push_str("</section>");
}

/// A scalar formatted by its key's unit (`format::value`), as plain text.
fn text_of(key: &str, value: &Value, now: Timestamp) -> String {
    format::value(key, value, now)
}
