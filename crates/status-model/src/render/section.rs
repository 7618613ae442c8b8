//! The per-section views, rendered from the section's JSON alone, so every section has one,
//! including sections added later; and the collection view.
//!
//! The section's outcome comes first (with its reason, staleness and unmeasured fields), then its
//! fields in their order: a value formatted by the unit its name carries; an object of single
//! values on one line; an object of objects (disks, databases, repositories) or an array of objects
//! (operations, tasks) as a list with a line per entry. Nested maps inside an entry become entries
//! of their own, named `parent/child`. List entries leave out `null` fields.

use serde_json::{Map, Value};

use super::doc::{Block, Doc};
use super::format::{self, NA};
use super::json::{Json, Section};

pub(super) fn render(json: &Json<'_>, name: &str) -> Doc {
    let mut doc = Doc::default();
    let value = match json.section(name) {
        Section::Absent => {
            doc.title(name, "is not configured");
            return doc;
        }
        Section::Null(reason) => {
            doc.title(name, format!("{NA} ({reason})"));
            return doc;
        }
        Section::Present(value) => value,
    };
    doc.title(name, outcome(json, name));
    if let Some(Value::Object(unmeasured)) = json.report(name).and_then(|r| r.get("unmeasured"))
        && !unmeasured.is_empty()
    {
        let block = doc.line("Unmeasured", unmeasured.len().to_string());
        for (field, reason) in unmeasured {
            block.item(format!("{field}: {}", reason.as_str().unwrap_or_default()));
        }
    }
    match value {
        Value::Object(fields) if is_keyed_list(fields) => {
            let block = doc.line("Entries", fields.len().to_string());
            entries(block, "", fields, json);
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                self::field(&mut doc, key, field, json);
            }
        }
        other => {
            doc.text(format::value(name, other, json.now));
        }
    }
    doc
}

/// `ok in 1.2 ms`, `timeout: reason · value from 45s ago`.
fn outcome(json: &Json<'_>, name: &str) -> String {
    let Some(report) = json.report(name) else { return "no collection report".to_owned() };
    let outcome = report.get("outcome").and_then(Value::as_str).unwrap_or("unknown");
    let mut text = outcome.to_owned();
    if let Some(ms) = report.get("duration_ms").and_then(Value::as_f64) {
        text.push_str(&format!(" in {}", format::millis(ms)));
    }
    if let Some(reason) = report.get("reason").and_then(Value::as_str) {
        text.push_str(&format!(": {reason}"));
    }
    if let Some(stale) = report.get("stale_seconds").and_then(Value::as_f64) {
        text.push_str(&format!(" · value from {} ago", format::coarse(stale)));
    }
    text
}

fn field(doc: &mut Doc, key: &str, value: &Value, json: &Json<'_>) {
    match value {
        Value::Object(map) if is_keyed_list(map) => {
            let block = doc.line(key, map.len().to_string());
            entries(block, "", map, json);
        }
        Value::Object(map) if map.values().all(format::is_scalar) && !map.is_empty() => {
            doc.line(key, pairs(map, ", ", json));
        }
        Value::Object(map) => {
            for (child, value) in map {
                field(doc, &format!("{key}.{child}"), value, json);
            }
        }
        Value::Array(items) if !items.iter().all(format::is_scalar) => {
            let block = doc.line(key, items.len().to_string());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(map) => entry(block, None, map, json),
                    other => {
                        block.item(format!("{i}: {}", format::value(key, other, json.now)));
                    }
                }
            }
        }
        other => {
            doc.line(key, format::value(key, other, json.now));
        }
    }
}

/// A map whose values are all objects or `null`: entries keyed by name.
fn is_keyed_list(map: &Map<String, Value>) -> bool {
    !map.is_empty()
        && map.values().all(|v| v.is_object() || v.is_null())
        && map.values().any(Value::is_object)
}

fn entries(block: &mut Block, prefix: &str, map: &Map<String, Value>, json: &Json<'_>) {
    for (name, value) in map {
        let name = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        match value {
            Value::Object(fields) => entry(block, Some(&name), fields, json),
            other => {
                block.item(format!("{name}: {}", format::value(&name, other, json.now)));
            }
        }
    }
}

/// One line for an entry's single values; nested maps of objects as entries of their own.
fn entry(block: &mut Block, name: Option<&str>, fields: &Map<String, Value>, json: &Json<'_>) {
    // An unnamed entry (of an array) is named by its first field when that is an id or a name.
    let head = match (name, fields.iter().next()) {
        (None, Some((key, Value::String(id)))) if is_identifier(key) => Some((key.as_str(), id)),
        _ => None,
    };
    let name = name.or(head.map(|(_, id)| id.as_str()));
    let scalars: Map<String, Value> = fields
        .iter()
        .filter(|(_, v)| {
            !v.is_null()
                && (format::is_scalar(v)
                    || v.as_array().is_some_and(|a| a.iter().all(format::is_scalar)))
        })
        .filter(|(k, _)| head.is_none_or(|(head, _)| head != k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let text = pairs(&scalars, " · ", json);
    block.item(match name {
        Some(name) => format!("{name}: {text}"),
        None => text,
    });
    for (key, value) in fields {
        match value {
            Value::Object(map) if is_keyed_list(map) => {
                entries(block, &format!("{}/{key}", name.unwrap_or("")), map, json);
            }
            Value::Object(map) if !map.is_empty() => {
                let label = format!("{}/{key}", name.unwrap_or(""));
                block.item(format!("{label}: {}", pairs(map, ", ", json)));
            }
            _ => {}
        }
    }
}

fn is_identifier(key: &str) -> bool {
    matches!(key, "id" | "name") || key.ends_with("_id")
}

/// `key value` pairs of single values.
fn pairs(map: &Map<String, Value>, separator: &str, json: &Json<'_>) -> String {
    map.iter()
        .map(|(key, value)| format!("{key} {}", format::value(key, value, json.now)))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The collection view: the collection's own figures and a line per section.
pub(super) fn collection(json: &Json<'_>) -> Doc {
    let mut doc = Doc::default();
    let mut parts = Vec::new();
    if let Some(sequence) = json.u64("/collection/sequence") {
        parts.push(format!("#{sequence}"));
    }
    if let Some(at) = json.time("/collection/taken_at") {
        parts.push(format::time(at, json.now));
    }
    if let Some(ms) = json.f64("/collection/duration_ms") {
        parts.push(format!("took {}", format::millis(ms)));
    }
    if let Some(interval) = json.f64("/collection/interval_seconds") {
        parts.push(format!("every {}", format::duration(interval)));
    }
    if let Some(abandoned) = json.u64("/collection/abandoned_total").filter(|&n| n > 0) {
        parts.push(format!("{abandoned} abandoned"));
    }
    doc.title("Collection", parts.join(" · "));
    let Some(Value::Object(sections)) = json.get("/collection/sections") else { return doc };
    let block = doc.line("Sections", sections.len().to_string());
    for name in sections.keys() {
        let mut text = format!("{name}: {}", outcome(json, name));
        let report = &sections[name];
        if let Some(failures) =
            report.get("failures_total").and_then(Value::as_u64).filter(|&n| n > 0)
        {
            text.push_str(&format!(" · {failures} failures"));
        }
        if let Some(Value::Object(unmeasured)) = report.get("unmeasured")
            && !unmeasured.is_empty()
        {
            let fields: Vec<&str> = unmeasured.keys().map(String::as_str).collect();
            text.push_str(&format!(" · unmeasured: {}", fields.join(", ")));
        }
        block.item(text);
    }
    doc
}
