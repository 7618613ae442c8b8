//! `/metrics`: the snapshot in the Prometheus text exposition format (or OpenMetrics when asked).
//!
//! - The standard process metrics every Prometheus client exports, under their standard names:
//!   `process_cpu_seconds_total` (counter), `process_resident_memory_bytes`,
//!   `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds`,
//!   `process_start_time_seconds`; and `status_build_info{version,service,service_version} 1`.
//! - Every other numeric field of every section becomes a `status_<path>` family in base units:
//!   `_ms` fields are exported in seconds (`_seconds`), `_s` fields as `_seconds`, `_pct` fields as
//!   ratios (`_ratio`), booleans as 0/1. Fields documented as `count since start` (`*_total`) are
//!   counters; the rest are gauges. Map keys (disks, repos, databases, channels, …) and enum values
//!   become labels, never parts of names. Each family's HELP is the field's documentation from
//!   `docs/fields.md`. The pid is not exported (it is not a measurement).
//! - Health checks, the collection report and counters of the collector's own work are added under
//!   `status_health_*` and `status_collection*`.
//! - In OpenMetrics, families whose names end in a unit (`_seconds`, `_bytes`, `_ratio`) carry a
//!   `# UNIT` line.
//!
//! Rendered once per snapshot (and per health verdict and format) with a hole for the snapshot's
//! age, the one value that changes between requests; a request copies the text around its age
//! line, or splices the halves gzip-compressed once (see `encoding::Splice`).
//!
//! Hand-written: all values come from the snapshot, so no registry is needed. The host's own
//! metrics (the `metrics` section) keep their kinds, HELP and units (see `host`).

mod docs;
mod host;
mod sections;
mod standard;

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;
use status_collect::Published;
use status_model::{CollectionReport, HealthReport, HealthStatus, Outcome};

use crate::encoding::Splice;

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
    /// A gauge of 1 named `*_info` whose labels are the information (OpenMetrics `info`).
    Info,
}

type Labels = Vec<(String, String)>;

struct Family {
    kind: Kind,
    help: String,
    samples: Vec<(Labels, f64)>,
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
        let labels = labels.into_iter().map(|(key, value)| (key.to_owned(), value)).collect();
        self.add_owned(name, kind, help, labels, value);
    }

    fn add_owned(&mut self, name: &str, kind: Kind, help: &str, labels: Labels, value: f64) {
        let family = self.0.entry(name.to_owned()).or_insert_with(|| Family {
            kind,
            help: help.to_owned(),
            samples: Vec::new(),
        });
        family.samples.push((labels, value));
    }
}

/// The family whose one sample depends on the request's time: the hole of [`template`].
const AGE: &str = "status_snapshot_age_seconds";

/// Renders the redacted snapshot (labels are redacted map keys), its live health report and the
/// snapshot's age.
#[cfg(test)]
pub(crate) fn render(
    published: &Published,
    report: Option<&HealthReport>,
    age_seconds: f64,
    format: Format,
) -> String {
    let body = template(published, report, format).plain(age_line(age_seconds).as_bytes());
    String::from_utf8_lossy(&body).into_owned()
}

/// The sample line of the snapshot's age in milliseconds (written in seconds), which fills
/// [`template`]'s hole.
pub(crate) fn age_line_millis(age_ms: i64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "ages stay far below 2^52 ms")]
    let seconds = age_ms as f64 / 1000.0;
    format!("{AGE} {}\n", number(seconds))
}

/// The sample line of the snapshot's age, which fills [`template`]'s hole.
#[cfg(test)]
pub(crate) fn age_line(age_seconds: f64) -> String {
    format!("{AGE} {}\n", number(age_seconds))
}

/// Renders the redacted snapshot (labels are redacted map keys) and its live health report once,
/// with a hole where the snapshot's age goes (see [`age_line`]): the only sample that changes
/// between two requests with the same health verdicts.
pub(crate) fn template(
    published: &Published,
    report: Option<&HealthReport>,
    format: Format,
) -> Splice {
    let mut families = Families::default();
    if let Value::Object(top) = &*published.value {
        for (section, value) in top.iter().filter(|(key, _)| !NOT_SECTIONS.contains(&key.as_str()))
        {
            sections::walk(&mut families, section, section, value, &mut Vec::new());
        }
        standard::process(&mut families, top.get("process"));
        standard::build_info(&mut families, top.get("service"));
    }
    collection(&mut families, &published.collection);
    if let Some(report) = report {
        health(&mut families, report);
    }
    let mut out = String::with_capacity(16 * 1024);
    let mut hole = None;
    for (name, family) in &families.0 {
        let kind = match (family.kind, format) {
            (Kind::Gauge, _) | (Kind::Info, Format::Prometheus) => "gauge",
            (Kind::Counter, _) => "counter",
            (Kind::Info, Format::OpenMetrics) => "info",
        };
        // OpenMetrics names a counter family without `_total` and an info family without
        // `_info`, and their samples with it.
        let family_name = match (family.kind, format) {
            (Kind::Counter, Format::OpenMetrics) => name.trim_end_matches("_total"),
            (Kind::Info, Format::OpenMetrics) => name.trim_end_matches("_info"),
            _ => name.as_str(),
        };
        let _ = writeln!(out, "# HELP {family_name} {}", escape_help(&family.help));
        let _ = writeln!(out, "# TYPE {family_name} {kind}");
        if format == Format::OpenMetrics
            && let Some(unit) = ["seconds", "bytes", "ratio"]
                .into_iter()
                .find(|unit| family_name.ends_with(&format!("_{unit}")))
        {
            let _ = writeln!(out, "# UNIT {family_name} {unit}");
        }
        if name == AGE {
            hole = Some(out.len());
            continue;
        }
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
    let hole = hole.unwrap_or(out.len());
    Splice::new(out, hole)
}

fn collection(families: &mut Families, report: &CollectionReport) {
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
        // A hole in the template: filled per request.
        f64::NAN,
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

#[cfg(test)]
mod tests;
