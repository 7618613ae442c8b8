//! `/metrics`: the snapshot in the Prometheus text exposition format (or OpenMetrics when asked).
//!
//! Every numeric field of every section becomes a gauge in base units: `_ms` fields are exported in
//! seconds (`_seconds`), `_pct` fields as ratios (`_ratio`), booleans as 0/1. Maps keyed by names
//! (disks, repos, channels, …) become labels rather than parts of metric names. Health checks, the
//! collection report and counters of the collector's own work are added under `status_health_*` and
//! `status_collection*`. Hand-written: all values come from the snapshot, so no registry is needed.
//! The host's own metrics (the `metrics` section) keep their kinds, HELP and units (see `host`).

mod host;

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;
use status_collect::Published;
use status_model::{CollectionReport, HealthReport, HealthStatus, Outcome};

/// Maps keyed by names, by dotted path (`*` matches any key), and the label their keys become.
const LABELLED_MAPS: &[(&str, &str)] = &[
    ("host.disks", "path"),
    ("repos", "repo"),
    ("repos.*.worktrees", "worktree"),
    ("channels", "channel"),
    ("queue.per_group", "group"),
    ("containers", "container"),
    ("gateway.containers", "container"),
    ("probes", "probe"),
    ("custom_checks", "check"),
    ("sidecars", "sidecar"),
    ("processes", "process"),
    ("workers", "worker"),
];

/// Top-level keys that are not sections.
const NOT_SECTIONS: &[&str] = &["schema_version", "collection", "health", "metrics"];

/// The exposition format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// `text/plain; version=0.0.4`
    Prometheus,
    /// `application/openmetrics-text; version=1.0.0`
    OpenMetrics,
}

impl Format {
    /// OpenMetrics when the `Accept` header asks for it, else the classic text format.
    pub(crate) fn negotiate(accept: Option<&str>) -> Format {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => Format::OpenMetrics,
            _ => Format::Prometheus,
        }
    }

    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
}

struct Family {
    kind: Kind,
    help: String,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

/// Metric families by name, rendered in name order.
#[derive(Default)]
struct Families(BTreeMap<String, Family>);

impl Families {
    fn add(
        &mut self,
        name: &str,
        kind: Kind,
        help: &str,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        let family = self.0.entry(name.to_owned()).or_insert_with(|| Family {
            kind,
            help: help.to_owned(),
            samples: Vec::new(),
        });
        family.samples.push((labels, value));
    }
}

/// Renders the redacted snapshot (labels are redacted map keys), its live health report and the
/// snapshot's age.
pub(crate) fn render(
    published: &Published,
    report: Option<&HealthReport>,
    age_seconds: f64,
    format: Format,
) -> String {
    let mut families = Families::default();
    if let Value::Object(top) = &published.value {
        for (section, value) in top.iter().filter(|(key, _)| !NOT_SECTIONS.contains(&key.as_str()))
        {
            walk(&mut families, section, section, value, &mut Vec::new());
        }
    }
    collection(&mut families, &published.collection, age_seconds);
    if let Some(report) = report {
        health(&mut families, report);
    }
    let mut out = String::with_capacity(16 * 1024);
    for (name, family) in &families.0 {
        let kind = match family.kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        // OpenMetrics names a counter family without `_total`, and its samples with it.
        let family_name = match (family.kind, format) {
            (Kind::Counter, Format::OpenMetrics) => name.trim_end_matches("_total"),
            _ => name.as_str(),
        };
        let _ = writeln!(out, "# HELP {family_name} {}", escape_help(&family.help));
        let _ = writeln!(out, "# TYPE {family_name} {kind}");
        for (labels, value) in &family.samples {
            out.push_str(name);
            if !labels.is_empty() {
                out.push('{');
                for (i, (key, value)) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{key}=\"{}\"", escape_label(value));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", number(*value));
        }
    }
    host::render(&mut out, published.value.get("metrics"), format);
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    out
}

/// Walks a section's JSON, turning numbers and booleans into gauge samples. `name` is the path that
/// names the metric; `path` is the full path, with map keys, that [`LABELLED_MAPS`] are matched on.
fn walk(
    families: &mut Families,
    name: &str,
    path: &str,
    value: &Value,
    labels: &mut Vec<(&'static str, String)>,
) {
    match value {
        Value::Object(map) => {
            let label = LABELLED_MAPS
                .iter()
                .find(|(pattern, _)| matches(pattern, path))
                .map(|(_, label)| *label);
            for (key, child) in map {
                let path = format!("{path}.{key}");
                match label {
                    // The map's keys become a label; the metric keeps the map's name.
                    Some(label) => {
                        labels.push((label, key.clone()));
                        walk(families, name, &path, child, labels);
                        labels.pop();
                    }
                    None => walk(families, &format!("{name}.{key}"), &path, child, labels),
                }
            }
        }
        Value::Number(number) => {
            if let Some(value) = number.as_f64() {
                gauge(families, name, value, labels);
            }
        }
        Value::Bool(flag) => gauge(families, name, if *flag { 1.0 } else { 0.0 }, labels),
        Value::Null | Value::String(_) | Value::Array(_) => {}
    }
}

/// Whether a dotted path matches a pattern whose `*` segments match any single key.
fn matches(pattern: &str, path: &str) -> bool {
    let mut pattern = pattern.split('.');
    let mut path = path.split('.');
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return true,
            (Some(p), Some(k)) if p == "*" || p == k => {}
            _ => return false,
        }
    }
}

/// Adds a gauge for a field path, converting to base units.
fn gauge(families: &mut Families, path: &str, value: f64, labels: &[(&'static str, String)]) {
    let mut name = format!("status_{}", sanitize(path));
    let mut value = value;
    if let Some(stem) = name.strip_suffix("_ms") {
        name = format!("{stem}_seconds");
        value = scaled(value, 1000.0);
    } else if let Some(stem) = name.strip_suffix("_pct") {
        name = format!("{stem}_ratio");
        value = scaled(value, 100.0);
    } else if let Some(stem) = name.strip_suffix("_total").or_else(|| name.strip_suffix("_count")) {
        // A gauge must not end in `_total` (counters) or `_count` (histograms and summaries).
        name = stem.to_owned();
    }
    let help = format!("`{path}` in the status snapshot, in base units");
    families.add(&name, Kind::Gauge, &help, labels.to_vec(), value);
}

fn collection(families: &mut Families, report: &CollectionReport, age_seconds: f64) {
    #[expect(clippy::cast_precision_loss, reason = "counters stay far below 2^52")]
    let as_f64 = |value: u64| value as f64;
    families.add(
        "status_collections_total",
        Kind::Counter,
        "Collections since the collector started.",
        vec![],
        as_f64(report.sequence),
    );
    families.add(
        "status_collection_abandoned_total",
        Kind::Counter,
        "Collectors abandoned at their deadline.",
        vec![],
        as_f64(report.abandoned_total),
    );
    families.add(
        "status_collection_duration_seconds",
        Kind::Gauge,
        "Wall time of the latest collection.",
        vec![],
        scaled(report.duration_ms, 1000.0),
    );
    families.add(
        "status_snapshot_age_seconds",
        Kind::Gauge,
        "Age of the latest snapshot when scraped.",
        vec![],
        age_seconds,
    );
    for (section, outcome) in &report.sections {
        let label = || vec![("section", section.clone())];
        families.add(
            "status_collection_section_duration_seconds",
            Kind::Gauge,
            "Time each section's collector took.",
            label(),
            scaled(outcome.duration_ms, 1000.0),
        );
        families.add(
            "status_collection_section_failures_total",
            Kind::Counter,
            "Collections of each section that did not end ok.",
            label(),
            as_f64(outcome.failures_total),
        );
        if let Some(stale) = outcome.stale_seconds {
            families.add(
                "status_collection_section_stale_seconds",
                Kind::Gauge,
                "Age of a section's last good value, when kept after a failure.",
                label(),
                stale,
            );
        }
        for candidate in
            [Outcome::Ok, Outcome::Error, Outcome::Timeout, Outcome::Panicked, Outcome::Unavailable]
        {
            let labels =
                vec![("section", section.clone()), ("outcome", candidate.as_str().to_owned())];
            let value = if outcome.outcome == candidate { 1.0 } else { 0.0 };
            families.add(
                "status_collection_section_outcome",
                Kind::Gauge,
                "1 for each section's latest outcome, 0 for the others.",
                labels,
                value,
            );
        }
    }
}

fn health(families: &mut Families, report: &HealthReport) {
    let statuses = [HealthStatus::Pass, HealthStatus::Warn, HealthStatus::Fail];
    for status in statuses {
        let value = if report.status == status { 1.0 } else { 0.0 };
        families.add(
            "status_health_status",
            Kind::Gauge,
            "1 for the overall health status, 0 for the others.",
            vec![("status", status.as_str().to_owned())],
            value,
        );
    }
    #[expect(clippy::cast_precision_loss, reason = "counters stay far below 2^52")]
    let transitions = report.transitions_total as f64;
    families.add(
        "status_health_transitions_total",
        Kind::Counter,
        "Status changes of checks and of the overall status.",
        vec![],
        transitions,
    );
    for check in &report.checks {
        for status in statuses {
            let labels =
                vec![("check", check.name.clone()), ("status", status.as_str().to_owned())];
            let value = if check.status == status { 1.0 } else { 0.0 };
            families.add(
                "status_health_check",
                Kind::Gauge,
                "1 for each health check's status, 0 for the others.",
                labels,
                value,
            );
        }
    }
}

/// `value / divisor` without binary noise in the printed digits (0.018 ms is 0.000018 s, not
/// 0.000017999999999999997).
fn scaled(value: f64, divisor: f64) -> f64 {
    let quotient = value / divisor;
    if quotient.is_finite() { (quotient * 1e9).round() / 1e9 } else { quotient }
}

fn sanitize(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect()
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        format!("{value}")
    }
}

fn escape_label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn escape_help(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\n', "\\n")
}
