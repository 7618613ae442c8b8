//! The resources view: what the host process and the machine use, and how close they are to limits.
//! A value the collector could not measure reads `n/a` with its reason; a section that is not
//! configured leaves its lines out.

use serde_json::Value;

use super::doc::Doc;
use super::format::{self, NA};
use super::json::{Json, Section};

pub(super) fn render(json: &Json<'_>) -> Doc {
    let mut doc = Doc::default();
    let name = json.str("/service/name").unwrap_or("status");
    let host = json.str("/host/hostname").map(|host| format!("on {host}")).unwrap_or_default();
    doc.title(name, format!("resources {host}").trim_end().to_owned());
    process(&mut doc, json);
    host_lines(&mut doc, json);
    storage(&mut doc, json);
    runtime(&mut doc, json);
    snapshots(&mut doc, json);
    doc
}

/// How many snapshots: this one's number since the collector started, and how many the history
/// holds when the pipeline section says.
fn snapshots(doc: &mut Doc, json: &Json<'_>) {
    let Some(sequence) = json.u64("/collection/sequence") else { return };
    let stored = match json.section("pipeline") {
        Section::Present(_) => json
            .u64("/pipeline/history_rows_written_total")
            .map(|rows| format!(" · {rows} stored in the history"))
            .unwrap_or_default(),
        Section::Absent | Section::Null(_) => String::new(),
    };
    doc.line("Snapshots", format!("{sequence} since start{stored}"));
}

fn process(doc: &mut Doc, json: &Json<'_>) {
    match json.section("process") {
        Section::Absent => {}
        Section::Null(reason) => {
            doc.line("Process", format!("{NA} ({reason})"));
        }
        Section::Present(_) => {
            let cpu = json.or_na("/process/cpu_pct", ("process", "cpu_pct"), |v| {
                v.as_f64().map(|x| format!("{} of one core", format::pct(x)))
            });
            let rss = json.or_na("/process/rss_bytes", ("process", "rss_bytes"), bytes);
            let threads = json.or_na("/process/threads", ("process", "threads"), count);
            let fds = json.or_na("/process/open_fds", ("process", "open_fds"), count);
            doc.line(
                "Process",
                format!("CPU {cpu} · RSS {rss} · {threads} threads · {fds} open files"),
            );
        }
    }
}

fn host_lines(doc: &mut Doc, json: &Json<'_>) {
    match json.section("host") {
        Section::Absent => return,
        Section::Null(reason) => {
            doc.line("Host", format!("{NA} ({reason})"));
            return;
        }
        Section::Present(_) => {}
    }
    let memory =
        match (json.u64("/host/memory/available_bytes"), json.u64("/host/memory/total_bytes")) {
            (Some(available), Some(total)) if total > 0 => format!(
                "{} available of {} ({})",
                format::bytes(available as f64),
                format::bytes(total as f64),
                format::pct(100.0 * available as f64 / total as f64)
            ),
            _ => json.na("host", "memory"),
        };
    let swap = match (json.u64("/host/swap/used_bytes"), json.u64("/host/swap/total_bytes")) {
        (_, Some(0)) => "none".to_owned(),
        (Some(used), Some(total)) => {
            format!("{} used of {}", format::bytes(used as f64), format::bytes(total as f64))
        }
        _ => json.na("host", "swap"),
    };
    doc.line("Memory", format!("{memory} · swap {swap}"));

    let load = match (json.f64("/host/load/1"), json.f64("/host/load/5"), json.f64("/host/load/15"))
    {
        (Some(one), Some(five), Some(fifteen)) => {
            let per_cpu = json.u64("/host/cpus").filter(|&cpus| cpus > 0).map(|cpus| {
                format!(" · {} per CPU ({cpus} CPUs)", format::number(one / cpus as f64))
            });
            format!(
                "{} {} {}{}",
                format::number(one),
                format::number(five),
                format::number(fifteen),
                per_cpu.unwrap_or_default()
            )
        }
        _ => json.na("host", "load"),
    };
    doc.line("Load", load);

    let processes = match (json.u64("/host/processes/current"), json.u64("/host/processes/max")) {
        (Some(current), Some(max)) => format!(
            "{current} of {max} (fork pressure {}, limit {})",
            json.f64("/host/processes/fork_pressure_pct")
                .map_or_else(|| NA.to_owned(), format::pct),
            json.str("/host/processes/limit_source").unwrap_or("limit")
        ),
        _ => json.na("host", "processes"),
    };
    doc.line("Processes", processes);

    if let Some(Value::Object(disks)) = json.get("/host/disks") {
        let block = doc.line("Disks", "");
        for (path, disk) in disks {
            let total = disk.get("total_bytes").and_then(Value::as_u64);
            let available = disk.get("available_bytes").and_then(Value::as_u64);
            block.item(match (available, total) {
                (Some(available), Some(total)) if total > 0 => format!(
                    "{path}: {} available of {} ({} used)",
                    format::bytes(available as f64),
                    format::bytes(total as f64),
                    format::pct(100.0 - 100.0 * available as f64 / total as f64)
                ),
                _ => format!("{path}: {}", json.na("host", &format!("disks.{path}"))),
            });
        }
    }
}

fn storage(doc: &mut Doc, json: &Json<'_>) {
    match json.section("storage") {
        Section::Absent => {}
        Section::Null(reason) => {
            doc.line("Storage", format!("{NA} ({reason})"));
        }
        Section::Present(storage) => {
            let block = doc.line("Databases", "");
            if let Some(Value::Object(databases)) = storage.get("databases") {
                for (name, files) in databases {
                    let total = files.get("total_bytes").and_then(Value::as_f64);
                    let wal = files.get("wal_bytes").and_then(Value::as_f64);
                    block.item(match (total, wal) {
                        (Some(total), Some(wal)) => {
                            format!("{name}: {} (WAL {})", format::bytes(total), format::bytes(wal))
                        }
                        _ => format!("{name}: {}", json.na("storage", name)),
                    });
                }
            }
            let logs = json.or_na("/storage/log_dir_bytes", ("storage", "log_dir_bytes"), bytes);
            doc.line("Logs", logs);
        }
    }
}

fn runtime(doc: &mut Doc, json: &Json<'_>) {
    match json.section("runtime") {
        Section::Absent => {}
        Section::Null(reason) => {
            doc.line("Loop lag", format!("{NA} ({reason})"));
        }
        Section::Present(_) => {
            let lag =
                json.or_na("/runtime/event_loop_lag_ms", ("runtime", "event_loop_lag_ms"), |v| {
                    v.as_f64().map(format::millis)
                });
            let workers =
                json.u64("/runtime/workers").map_or_else(|| NA.to_owned(), |n| n.to_string());
            let tasks =
                json.u64("/runtime/alive_tasks").map_or_else(|| NA.to_owned(), |n| n.to_string());
            doc.line("Loop lag", format!("{lag} · {workers} workers · {tasks} tasks"));
        }
    }
}

fn bytes(value: &Value) -> Option<String> {
    value.as_f64().map(format::bytes)
}

fn count(value: &Value) -> Option<String> {
    value.as_u64().map(|n| n.to_string())
}
