//! `status-cli health`: one line in the monitoring-plugin convention (Nagios, Icinga, Sensu):
//! `STATUS OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata`, exit status 0, 1, 2 or 3.
//!
//! With `--url` it reads a running server's `/health` (IETF health+json); otherwise it collects once
//! with `--config` (or the embedded default) and evaluates the checks itself.

use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use status_collect::Engine;
use status_deps::NoDeps;
use status_model::HealthStatus;

/// Monitoring-plugin exit statuses.
pub(crate) const OK: u8 = 0;
pub(crate) const WARNING: u8 = 1;
pub(crate) const CRITICAL: u8 = 2;
pub(crate) const UNKNOWN: u8 = 3;

/// One check as the plugin line shows it.
struct Line {
    label: String,
    status: HealthStatus,
    message: Option<String>,
    value: Option<f64>,
    unit: Option<String>,
}

/// Runs the check and prints the plugin line; returns the exit status.
pub(crate) async fn run(
    url: Option<&str>,
    token_file: Option<&Path>,
    config: Option<&Path>,
    timeout: Duration,
) -> u8 {
    let verdict = match url {
        Some(url) => match crate::fetch::token(token_file) {
            Ok(token) => from_server(url, token.as_deref(), timeout).await,
            Err(reason) => Err(reason),
        },
        None => from_collection(config).await,
    };
    let (code, line) = match verdict {
        Ok((status, lines)) => format_line(status, &lines),
        Err(reason) => (UNKNOWN, format!("STATUS UNKNOWN - {reason}")),
    };
    crate::commands::print_line(&line);
    code
}

async fn from_collection(config: Option<&Path>) -> Result<(HealthStatus, Vec<Line>), String> {
    let config = crate::commands::load_config(config)?;
    let engine = Engine::from_config(&config, Arc::new(NoDeps), Default::default());
    // The lines come from the redacted report, as a server's `/health` would serve them.
    let redacted = config
        .redact
        .redactor()
        .redact_snapshot(&engine.collect().await)
        .map_err(|error| format!("failed to redact the snapshot: {error}"))?;
    let report = redacted.health.ok_or("no health checks ran")?;
    let lines = report
        .checks
        .into_iter()
        .map(|check| Line {
            label: check.name,
            status: check.status,
            message: Some(check.message),
            value: check.observed_value,
            unit: check.observed_unit,
        })
        .collect();
    Ok((report.status, lines))
}

async fn from_server(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<(HealthStatus, Vec<Line>), String> {
    let body =
        tokio::time::timeout(timeout, crate::fetch::get(url, "/health", token)).await.map_err(
            |_| format!("no answer from {url} within {}", humantime::format_duration(timeout)),
        )??;
    let json: Value = serde_json::from_slice(&body)
        .map_err(|error| format!("{url} did not answer health JSON: {error}"))?;
    let status =
        parse_status(&json["status"]).ok_or_else(|| format!("{url} answered no health status"))?;
    let mut lines = Vec::new();
    if let Some(checks) = json["checks"].as_object() {
        for (key, entries) in checks {
            for entry in entries.as_array().into_iter().flatten() {
                let label = match entry["componentId"].as_str() {
                    Some(id) => format!("{key}:{id}"),
                    None => key.clone(),
                };
                lines.push(Line {
                    label,
                    status: parse_status(&entry["status"]).unwrap_or(HealthStatus::Fail),
                    message: entry["output"].as_str().map(str::to_owned),
                    value: entry["observedValue"].as_f64(),
                    unit: entry["observedUnit"].as_str().map(str::to_owned),
                });
            }
        }
    }
    Ok((status, lines))
}

fn parse_status(value: &Value) -> Option<HealthStatus> {
    match value.as_str()? {
        "pass" | "ok" | "up" => Some(HealthStatus::Pass),
        "warn" => Some(HealthStatus::Warn),
        "fail" | "error" | "down" => Some(HealthStatus::Fail),
        _ => None,
    }
}

fn format_line(status: HealthStatus, lines: &[Line]) -> (u8, String) {
    let (code, word) = match status {
        HealthStatus::Pass => (OK, "OK"),
        HealthStatus::Warn => (WARNING, "WARNING"),
        HealthStatus::Fail => (CRITICAL, "CRITICAL"),
    };
    let mut failing: Vec<&Line> =
        lines.iter().filter(|line| line.status != HealthStatus::Pass).collect();
    failing.sort_by_key(|line| std::cmp::Reverse(line.status));
    let summary = if failing.is_empty() {
        format!("{} checks pass", lines.len())
    } else {
        failing
            .iter()
            .map(|line| match &line.message {
                Some(message) => format!("{} {}: {message}", line.label, line.status.as_str()),
                None => format!("{} {}", line.label, line.status.as_str()),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut text = format!("STATUS {word} - {}", summary.replace('|', "/"));
    let perfdata: Vec<String> = lines.iter().filter_map(perfdata).collect();
    if !perfdata.is_empty() {
        let _ = write!(text, " | {}", perfdata.join(" "));
    }
    (code, text)
}

/// `'label'=value[UOM]`, with the plugin convention's units.
fn perfdata(line: &Line) -> Option<String> {
    let value = line.value?;
    let unit = match line.unit.as_deref() {
        Some("percent") => "%",
        Some("ms") => "ms",
        Some("s") => "s",
        Some("bytes") => "B",
        _ => "",
    };
    Some(format!("'{}'={value}{unit}", line.label.replace('\'', "\"")))
}

#[cfg(test)]
mod tests;
