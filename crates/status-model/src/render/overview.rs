//! The overview: what an operator asks first, in a few lines.
//!
//! Reads `service`, `process.supervisor`, `health`, `broker`, `recent_operations`, `notifier`,
//! `messages`, `tasks`, `app_jobs` and the collection report, and, once those sections are in the
//! snapshot, `scheduler` (`/scheduler/last_tick_at`, `/scheduler/active_jobs`), `queue`
//! (`/queue/active`, `/queue/max_concurrent`, `/queue/waiting`) and `sessions`
//! (`/sessions/active_sessions`), and the names `repos`, `channels`, `containers` and `sidecars`
//! flag (as the terse projection reads them). A section that is absent leaves its line out.

use serde_json::Value;

use super::doc::Doc;
use super::format::{self, NA};
use super::json::{Json, Section};
use crate::terse;

/// In-flight operations listed by name; the rest are counted.
const IN_FLIGHT_LISTED: usize = 5;

pub(super) fn render(json: &Json<'_>) -> Doc {
    let mut doc = Doc::default();
    title(&mut doc, json);
    super::health::summary(&mut doc, json);
    scheduler(&mut doc, json);
    operations(&mut doc, json);
    backlog(&mut doc, json);
    host_work(&mut doc, json);
    attention(&mut doc, json);
    let failed = json.failed_sections();
    if !failed.is_empty() {
        let block = doc.line("Sections not ok", failed.len().to_string());
        for section in failed {
            block.item(section);
        }
    }
    left_out(&mut doc, json);
    footer(&mut doc, json);
    doc
}

/// `Left out: process, runtime` with the reason of each, when the collection left sections out on
/// purpose (a one-shot run without a `[target]`).
fn left_out(doc: &mut Doc, json: &Json<'_>) {
    let Some(serde_json::Value::Object(left_out)) = json.get("/collection/left_out") else {
        return;
    };
    if left_out.is_empty() {
        return;
    }
    let names: Vec<&str> = left_out.keys().map(String::as_str).collect();
    let block = doc.line("Left out", names.join(", "));
    let mut reasons: Vec<&str> = left_out.values().filter_map(serde_json::Value::as_str).collect();
    reasons.dedup();
    for reason in reasons {
        block.item(reason);
    }
}

/// `name version · up 2d 3h 4m · systemd, 2 restarts`.
fn title(doc: &mut Doc, json: &Json<'_>) {
    let name = json.str("/service/name").unwrap_or("status");
    let mut parts = Vec::new();
    if let Some(version) = json.str("/service/version") {
        parts.push(version.to_owned());
    }
    if let Some(uptime) = json.f64("/service/uptime_seconds") {
        parts.push(format!("up {}", format::duration(uptime)));
    }
    if json.str("/service/status") == Some("shutting_down") {
        parts.push("shutting down".to_owned());
    }
    if let Some(kind) = json.str("/process/supervisor/kind") {
        let supervisor = match json.u64("/process/supervisor/restart_count") {
            Some(1) => format!("{kind}, 1 restart"),
            Some(n) => format!("{kind}, {n} restarts"),
            None => format!("{kind} supervisor").replace("none supervisor", "no supervisor"),
        };
        parts.push(supervisor);
    }
    doc.title(name, parts.join(" · "));
}

fn scheduler(doc: &mut Doc, json: &Json<'_>) {
    match json.section("scheduler") {
        Section::Absent => {}
        Section::Null(reason) => {
            doc.line("Scheduler", format!("{NA} ({reason})"));
        }
        Section::Present(_) => {
            let tick = match json.time("/scheduler/last_tick_at") {
                Some(at) => format!("last tick {}", format::ago(at, json.now)),
                None => "no tick yet".to_owned(),
            };
            let active = json.u64("/scheduler/active_jobs").map(|n| format!(" · {n} running"));
            doc.line("Scheduler", format!("{tick}{}", active.unwrap_or_default()));
        }
    }
}

/// The last operation, the last ten results and what is in flight.
fn operations(doc: &mut Doc, json: &Json<'_>) {
    let broker = match json.section("broker") {
        Section::Absent => return,
        Section::Null(reason) => {
            doc.line("Operations", format!("{NA} ({reason})"));
            return;
        }
        Section::Present(broker) => broker,
    };
    let mut parts = Vec::new();
    match json.time("/broker/last_operation_at") {
        Some(at) => {
            let mut last = format!("last {}", format::ago(at, json.now));
            if let Some(op) = json.get("/recent_operations/operations/0") {
                last.push_str(&format!(" ({})", operation_name(op)));
            }
            parts.push(last);
        }
        None => parts.push("none yet".to_owned()),
    }
    if let Some(Value::Object(results)) = broker.get("last_10_results")
        && !results.is_empty()
    {
        let mut counts: Vec<(&String, u64)> =
            results.iter().map(|(status, n)| (status, n.as_u64().unwrap_or(0))).collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{s} {n}")).collect();
        parts.push(format!("last 10: {}", counts.join(", ")));
    }
    doc.line("Operations", format!("{}{}", parts.join(" · "), json.stale("broker")));

    let count = json.u64("/broker/in_flight_count").unwrap_or(0);
    let listed: Vec<&Value> = broker
        .get("in_flight")
        .and_then(Value::as_array)
        .map(|ops| ops.iter().take(IN_FLIGHT_LISTED).collect())
        .unwrap_or_default();
    let block = doc.line("In flight", count.to_string());
    for op in &listed {
        block.item(in_flight(op));
    }
    block.more(count.saturating_sub(listed.len() as u64));
}

/// `files__write success` from a `recent_operations` entry.
fn operation_name(op: &Value) -> String {
    let field = |key: &str| op.get(key).and_then(Value::as_str);
    let tool = match (field("capability"), field("action")) {
        (Some(capability), Some(action)) => format!("{capability}__{action}"),
        (Some(capability), None) => capability.to_owned(),
        _ => field("operation_id").unwrap_or("?").to_owned(),
    };
    match field("status") {
        Some(status) => format!("{tool} {status}"),
        None => tool,
    }
}

/// A tier as a word: `Tier 0` for a stored `0` or `T0`; anything else as stored.
pub(super) fn tier_word(tier: &str) -> String {
    let number = tier.strip_prefix(['T', 't']).unwrap_or(tier);
    if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
        format!("Tier {number}")
    } else {
        tier.to_owned()
    }
}

/// `op-7 shell__run Tier 2 · 4m 5s`.
fn in_flight(op: &Value) -> String {
    let field = |key: &str| op.get(key).and_then(Value::as_str);
    let mut text = field("operation_id").unwrap_or("?").to_owned();
    if let Some(tool) = field("tool") {
        text.push(' ');
        text.push_str(tool);
    }
    if let Some(tier) = field("tier") {
        text.push(' ');
        text.push_str(&tier_word(tier));
    }
    let elapsed = op.get("elapsed_s").and_then(Value::as_f64);
    text.push_str(" · ");
    text.push_str(&elapsed.map_or_else(|| NA.to_owned(), format::duration));
    text
}

/// What waits to go out: notifications, deliveries, queued work.
fn backlog(doc: &mut Doc, json: &Json<'_>) {
    match json.section("notifier") {
        Section::Absent => {}
        Section::Null(reason) => {
            doc.line("Outbox", format!("{NA} ({reason})"));
        }
        Section::Present(_) => {
            let pending = json.u64("/notifier/pending_count").unwrap_or(0);
            let oldest = json
                .f64("/notifier/oldest_pending_age_seconds")
                .map(|age| format!(" · oldest {}", format::duration(age)));
            let stale = json.stale("notifier");
            doc.line("Outbox", format!("{pending} pending{}{stale}", oldest.unwrap_or_default()));
        }
    }
    match json.section("messages") {
        Section::Absent => {}
        Section::Null(reason) => {
            doc.line("Messages", format!("{NA} ({reason})"));
        }
        Section::Present(_) => {
            let mut parts = vec![format!(
                "{} deliveries pending",
                json.u64("/messages/pending_deliveries").unwrap_or(0)
            )];
            if let Some(at) = json.time("/messages/last_received_at") {
                parts.push(format!("last in {}", format::ago(at, json.now)));
            }
            if let Some(at) = json.time("/messages/last_sent_at") {
                parts.push(format!("last out {}", format::ago(at, json.now)));
            }
            doc.line("Messages", format!("{}{}", parts.join(" · "), json.stale("messages")));
        }
    }
    if let Section::Present(_) = json.section("queue") {
        let active = json.u64("/queue/active").map_or_else(|| NA.to_owned(), |n| n.to_string());
        let max = json.u64("/queue/max_concurrent").map(|n| format!("/{n}")).unwrap_or_default();
        let waiting = json.u64("/queue/waiting").map(|n| format!(" · {n} waiting"));
        doc.line("Queue", format!("{active}{max} active{}", waiting.unwrap_or_default()));
    }
    if let Some(active) = json.u64("/sessions/active_sessions") {
        doc.line("Sessions", format!("{active} active"));
    }
}

/// Scheduled tasks and app jobs that are overdue.
fn host_work(doc: &mut Doc, json: &Json<'_>) {
    let mut parts = Vec::new();
    for (section, list, noun) in [("tasks", "tasks", "tasks"), ("app_jobs", "jobs", "app jobs")] {
        match json.section(section) {
            Section::Absent => {}
            Section::Null(reason) => parts.push(format!("{noun} {NA} ({reason})")),
            Section::Present(value) => {
                let total = value.get("total").and_then(Value::as_u64).unwrap_or(0);
                let overdue = value
                    .get(list)
                    .and_then(Value::as_array)
                    .map_or(0, |items| items.iter().filter(|i| i["overdue"] == true).count());
                parts.push(format!("{overdue} of {total} {noun} overdue"));
            }
        }
    }
    if !parts.is_empty() {
        doc.line("Schedule", parts.join(" · "));
    }
}

/// Worktrees stopped in a conflict, disconnected channels, containers and sidecars that are down:
/// a line each, only when there are any.
fn attention(doc: &mut Doc, json: &Json<'_>) {
    let root = json.root();
    let lines = [
        ("Conflicts", terse::worktree_conflicts(root)),
        ("Disconnected", terse::names_where(root, "channels", |c| c["connected"] == false)),
        ("Containers down", terse::names_where(root, "containers", |c| c["state"] != "running")),
        ("Sidecars dead", terse::names_where(root, "sidecars", |c| c["alive"] == false)),
    ];
    for (label, names) in lines {
        let Value::Array(names) = names else { continue };
        if !names.is_empty() {
            let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
            doc.line(label, names.join(", "));
        }
    }
}

/// `Snapshot #42 · 2026-01-02 03:04:05Z · collected in 12 ms`.
fn footer(doc: &mut Doc, json: &Json<'_>) {
    let mut parts = Vec::new();
    if let Some(sequence) = json.u64("/collection/sequence") {
        parts.push(format!("#{sequence}"));
    }
    if let Some(at) = json.time("/collection/taken_at") {
        parts.push(format::time(at, json.now));
    }
    if let Some(ms) = json.f64("/collection/duration_ms") {
        parts.push(format!("collected in {}", format::millis(ms)));
    }
    doc.line("Snapshot", parts.join(" · "));
}
