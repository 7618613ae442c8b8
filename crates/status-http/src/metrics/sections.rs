//! The sections' fields as families: names from paths, labels from map keys and enum values,
//! kinds and HELP from the field reference.

use serde_json::Value;

use super::{Families, Kind, Labels, docs, sanitize, scaled};

/// Label names for the keys of maps, by documented path; other maps use their own name, less a
/// trailing `s`.
const MAP_LABELS: &[(&str, &str)] = &[
    ("host.disks", "path"),
    ("repos", "repo"),
    ("repos.<key>.worktrees", "worktree"),
    ("channels", "channel"),
    ("queue.per_group", "group"),
    ("containers", "container"),
    ("gateway.containers", "container"),
    ("probes", "probe"),
    ("custom_checks", "check"),
    ("sidecars", "sidecar"),
    ("processes", "process"),
    ("workers", "worker"),
    ("storage.databases", "database"),
    ("broker.last_10_results", "status"),
];

/// Fields exported as the standard process metrics (see [`process`]) or not at all (the pid, and
/// the CPU rate, which `rate(process_cpu_seconds_total[…])` gives).
const NOT_GENERIC: &[&str] = &[
    "process.pid",
    "process.cpu_pct",
    "process.cpu_seconds_total",
    "process.rss_bytes",
    "process.virtual_bytes",
    "process.open_fds",
    "process.max_fds",
];

/// Walks a section's JSON, turning numbers, booleans and enum strings into samples. `name` is
/// the path that names the metric (no map keys); `doc` is the path in `docs/fields.md`, with
/// `<key>` for map keys, on which maps, counters, enums and HELP are looked up.
pub(super) fn walk(
    families: &mut Families,
    name: &str,
    doc: &str,
    value: &Value,
    labels: &mut Labels,
) {
    if NOT_GENERIC.contains(&doc) {
        return;
    }
    let docs = docs::docs();
    match value {
        Value::Object(map) if docs.is_map(doc) => {
            let label = map_label(doc);
            let doc = format!("{doc}.<key>");
            for (key, child) in map {
                // The map's keys become a label; the metric keeps the map's name.
                labels.push((label.clone(), key.clone()));
                walk(families, name, &doc, child, labels);
                labels.pop();
            }
        }
        Value::Object(map) => {
            for (key, child) in map {
                walk(families, &format!("{name}.{key}"), &format!("{doc}.{key}"), child, labels);
            }
        }
        Value::Number(number) => {
            if let Some(value) = number.as_f64() {
                sample(families, name, doc, value, labels);
            }
        }
        Value::Bool(flag) => sample(families, name, doc, if *flag { 1.0 } else { 0.0 }, labels),
        Value::String(current) => {
            let Some(field) = docs.field(doc).filter(|field| !field.variants.is_empty()) else {
                return;
            };
            // An enum: one sample per value, 1 for the current one (a state set).
            let label = sanitize(doc.rsplit('.').next().unwrap_or(doc));
            let family = format!("status_{}", sanitize(name));
            for variant in &field.variants {
                let mut labels = labels.clone();
                labels.push((label.clone(), variant.clone()));
                let value = if variant == current { 1.0 } else { 0.0 };
                families.add_owned(&family, Kind::Gauge, &field.meaning, labels, value);
            }
        }
        Value::Null | Value::Array(_) => {}
    }
}

/// The label a map's keys become.
fn map_label(doc: &str) -> String {
    if let Some((_, label)) = MAP_LABELS.iter().find(|(path, _)| *path == doc) {
        return (*label).to_owned();
    }
    let last = doc.rsplit('.').next().unwrap_or(doc);
    let label = sanitize(last.strip_suffix('s').unwrap_or(last));
    if label.is_empty() || label.starts_with(|c: char| c.is_ascii_digit()) {
        "key".to_owned()
    } else {
        label
    }
}

/// Adds a sample for a field, converting to base units; counters keep `_total`.
fn sample(families: &mut Families, path: &str, doc: &str, value: f64, labels: &Labels) {
    let field = docs::docs().field(doc);
    let mut name = format!("status_{}", sanitize(path));
    let mut value = value;
    let mut kind = Kind::Gauge;
    let mut note = "";
    if field.is_some_and(|field| field.counter) {
        kind = Kind::Counter;
    } else if let Some(stem) = name.strip_suffix("_ms") {
        name = format!("{stem}_seconds");
        value = scaled(value, 1000.0);
        note = " Exported in seconds.";
    } else if let Some(stem) = name.strip_suffix("_s") {
        name = format!("{stem}_seconds");
    } else if let Some(stem) = name.strip_suffix("_pct") {
        name = format!("{stem}_ratio");
        value = scaled(value, 100.0);
        note = " Exported as a ratio (1 = 100 %).";
    } else if let Some(stem) = name.strip_suffix("_total").or_else(|| name.strip_suffix("_count")) {
        // A gauge must not end in `_total` (counters) or `_count` (histograms and summaries).
        name = stem.to_owned();
    }
    let help = match field {
        Some(field) => format!("{}{note}", field.meaning),
        None => format!("`{path}` in the status snapshot (undocumented field).{note}"),
    };
    families.add_owned(&name, kind, &help, labels.clone(), value);
}
