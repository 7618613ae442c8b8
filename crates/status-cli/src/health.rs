//! `status-cli health`: one line in the monitoring-plugin convention (Nagios plugin guidelines,
//! also Icinga and Sensu): `SERVICE OK|WARNING|CRITICAL|UNKNOWN - summary | perfdata`, exit status
//! 0, 1, 2 or 3.
//!
//! With `--url` it reads a running server's `/health` (IETF health+json); otherwise it collects once
//! with `--config` (or the embedded default) and evaluates the checks itself. Both name each check
//! the same way (`memory_available`, `disk_available:/var`), so perfdata labels do not depend on
//! where the line came from. Perfdata is `'label'=value[UOM];warn;crit;min;max`, the thresholds as
//! the guidelines' ranges (`~:90` alerts above 90, `5:` below 5). Whatever keeps the plugin from
//! judging — a usage error, an unreachable server, 401/403 or an answer without the checks (no
//! token), 404, an answer that is not health JSON, no snapshot yet — is UNKNOWN (3) with its reason.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use status_collect::Status;
use status_model::HealthStatus;
use status_model::checks::CHECKS;

/// Monitoring-plugin exit statuses.
pub(crate) const OK: u8 = 0;
pub(crate) const WARNING: u8 = 1;
pub(crate) const CRITICAL: u8 = 2;
pub(crate) const UNKNOWN: u8 = 3;

/// The service word when the service's name is not known (usage errors, unreachable servers).
const NO_SERVICE: &str = "STATUS";

/// One check as the plugin line shows it.
#[derive(Debug)]
struct Line {
    label: String,
    status: HealthStatus,
    message: Option<String>,
    value: Option<f64>,
    unit: Option<String>,
    limits: Limits,
}

/// The thresholds a check's value was graded against.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Limits {
    warn_above: Option<f64>,
    fail_above: Option<f64>,
    warn_below: Option<f64>,
    fail_below: Option<f64>,
}

impl Limits {
    /// From `warn_above`… keys whose values are numbers or numeric strings.
    fn read(get: impl Fn(&str) -> Option<f64>) -> Limits {
        Limits {
            warn_above: get("warn_above"),
            fail_above: get("fail_above"),
            warn_below: get("warn_below"),
            fail_below: get("fail_below"),
        }
    }
}

/// What the checks said: the service's name, the overall status and each check.
#[derive(Debug)]
struct Verdict {
    service: Option<String>,
    status: HealthStatus,
    lines: Vec<Line>,
}

/// Why the plugin cannot judge, and the service's name when it is known.
type Unknown = (Option<String>, String);

/// Runs the check and prints the plugin line; returns the exit status.
pub(crate) async fn run(
    url: Option<&str>,
    token_file: Option<&Path>,
    config: Option<&Path>,
    timeout: Duration,
    check: Option<&str>,
) -> u8 {
    let verdict = match url {
        Some(url) => match crate::fetch::token(token_file) {
            Ok(token) => from_server(url, token.as_deref(), timeout).await,
            Err(reason) => Err((None, reason)),
        },
        None => from_collection(config).await,
    };
    let verdict = verdict.and_then(|verdict| match check {
        Some(name) => only(verdict, name),
        None => Ok(verdict),
    });
    let (code, line) = match verdict {
        Ok(verdict) => format_line(&verdict),
        Err((service, reason)) => unknown(service.as_deref(), &reason),
    };
    crate::commands::print_line(&line);
    code
}

/// The UNKNOWN line for `reason`.
pub(crate) fn unknown(service: Option<&str>, reason: &str) -> (u8, String) {
    let reason = reason.replace('|', "/").replace('\n', " ");
    (UNKNOWN, format!("{} UNKNOWN - {}", service.unwrap_or(NO_SERVICE), reason.trim()))
}

/// Only the check `name` (or its items, `name:item`); its status is the verdict.
fn only(verdict: Verdict, name: &str) -> Result<Verdict, Unknown> {
    let Verdict { service, lines, .. } = verdict;
    let known: Vec<String> = lines.iter().map(|line| line.label.clone()).collect();
    let lines: Vec<Line> = lines
        .into_iter()
        .filter(|line| {
            line.label == name
                || line.label.strip_prefix(name).is_some_and(|rest| rest.starts_with(':'))
        })
        .collect();
    if lines.is_empty() {
        let reason = format!("no check named `{name}`; the checks are {}", known.join(", "));
        return Err((service, reason));
    }
    let status = HealthStatus::worst(lines.iter().map(|line| line.status));
    Ok(Verdict { service, status, lines })
}

async fn from_collection(config: Option<&Path>) -> Result<Verdict, Unknown> {
    let config = crate::commands::load_config(config).map_err(|reason| (None, reason))?;
    let collection =
        Status::builder().config(config).one_shot().map_err(|error| (None, error.to_string()))?;
    // The lines come from the redacted report, as a server's `/health` would serve them.
    let published = collection
        .collect()
        .await
        .map_err(|error| (None, format!("failed to redact the snapshot: {error}")))?;
    // The service's name as the redaction left it (a dropped name is no name).
    let service =
        published.value.pointer("/service/name").and_then(|name| name.as_str()).map(str::to_owned);
    let Some(report) = published.health.clone() else {
        return Err((service, "no health checks ran".to_owned()));
    };
    let lines = report
        .checks
        .into_iter()
        .map(|check| {
            let limits = Limits::read(|key| check.details.get(key)?.parse().ok());
            Line {
                label: check.name,
                status: check.status,
                message: Some(check.message),
                value: check.observed_value,
                unit: check.observed_unit,
                limits,
            }
        })
        .collect();
    Ok(Verdict { service, status: report.status, lines })
}

async fn from_server(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Verdict, Unknown> {
    let answer =
        tokio::time::timeout(timeout, crate::fetch::get_answer(url, "/health", token)).await;
    let answer = answer
        .map_err(|_| format!("no answer from {url} within {}", humantime::format_duration(timeout)))
        .and_then(|answer| answer)
        .map_err(|reason| (None, reason))?;
    match answer.status {
        401 | 403 => {
            let how = match token {
                Some(_) => "to the token given",
                None => "without a token (give --token-file FILE or $STATUS_TOKEN)",
            };
            return Err((None, format!("unauthorized: {url} answered {} {how}", answer.status)));
        }
        404 => {
            // A status server without checks says so; anything else is not a status server.
            let said = serde_json::from_slice::<Value>(&answer.body)
                .ok()
                .and_then(|json| json.get("error").and_then(Value::as_str).map(str::to_owned));
            let why = said.unwrap_or_else(|| "not a status server?".to_owned());
            return Err((None, format!("{url} answered 404 Not Found for /health: {why}")));
        }
        200 | 503 => {}
        code => return Err((None, format!("{url} answered HTTP {code} for /health"))),
    }
    let json: Value = serde_json::from_slice(&answer.body)
        .map_err(|error| (None, format!("{url} did not answer health JSON: {error}")))?;
    let service = json["serviceId"].as_str().map(str::to_owned);
    if json["status"] == "fail"
        && json["output"] == "no snapshot yet"
        && json.get("checks").is_none()
    {
        return Err((service, format!("{url} has no snapshot yet")));
    }
    let status = parse_status(&json["status"])
        .ok_or_else(|| (service.clone(), format!("{url} answered no health status")))?;
    let Some(checks) = json["checks"].as_object() else {
        // A token-protected server shows anyone without the token its overall status only.
        let reason = match token {
            Some(_) => {
                format!("unauthorized: {url} showed only its overall status to the token given")
            }
            None => format!(
                "unauthorized: {url} shows only its overall status without a token (give --token-file FILE or $STATUS_TOKEN)"
            ),
        };
        return Err((service, reason));
    };
    let mut lines = Vec::new();
    for (key, entries) in checks {
        // `component:measurement` back to the check's name, as a local run names it.
        let name = CHECKS
            .iter()
            .find(|def| key.split_once(':') == Some((def.component, def.measurement)))
            .map_or(key.as_str(), |def| def.name);
        for entry in entries.as_array().into_iter().flatten() {
            let label = match entry["componentId"].as_str() {
                Some(id) => format!("{name}:{id}"),
                None => name.to_owned(),
            };
            lines.push(Line {
                label,
                status: parse_status(&entry["status"]).unwrap_or(HealthStatus::Fail),
                message: entry["output"].as_str().map(str::to_owned),
                value: entry["observedValue"].as_f64(),
                unit: entry["observedUnit"].as_str().map(str::to_owned),
                limits: Limits::read(|key| entry["thresholds"][key].as_f64()),
            });
        }
    }
    Ok(Verdict { service, status, lines })
}

fn parse_status(value: &Value) -> Option<HealthStatus> {
    match value.as_str()? {
        "pass" | "ok" | "up" => Some(HealthStatus::Pass),
        "warn" => Some(HealthStatus::Warn),
        "fail" | "error" | "down" => Some(HealthStatus::Fail),
        _ => None,
    }
}

fn format_line(verdict: &Verdict) -> (u8, String) {
    let (code, word) = match verdict.status {
        HealthStatus::Pass => (OK, "OK"),
        HealthStatus::Warn => (WARNING, "WARNING"),
        HealthStatus::Fail => (CRITICAL, "CRITICAL"),
    };
    let lines = &verdict.lines;
    let mut failing: Vec<&Line> =
        lines.iter().filter(|line| line.status != HealthStatus::Pass).collect();
    failing.sort_by_key(|line| std::cmp::Reverse(line.status));
    let summary = if failing.is_empty() {
        match lines.len() {
            1 => "1 check passes".to_owned(),
            n => format!("{n} checks pass"),
        }
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
    let service = verdict.service.as_deref().unwrap_or(NO_SERVICE);
    let mut text = format!("{service} {word} - {}", summary.replace('|', "/").replace('\n', " "));
    let perfdata: Vec<String> = lines.iter().filter_map(perfdata).collect();
    if !perfdata.is_empty() {
        let _ = write!(text, " | {}", perfdata.join(" "));
    }
    (code, text)
}

/// `'label'=value[UOM];warn;crit;min;max` with the plugin guidelines' units and ranges; trailing
/// empty fields left out.
fn perfdata(line: &Line) -> Option<String> {
    let value = line.value?;
    let (unit, min, max) = match line.unit.as_deref() {
        Some("percent") => ("%", "0", "100"),
        Some("ms") => ("ms", "0", ""),
        Some("s") => ("s", "0", ""),
        Some("bytes") => ("B", "0", ""),
        _ => ("", "", ""),
    };
    let limits = line.limits;
    let warn = range(limits.warn_below, limits.warn_above);
    let crit = range(limits.fail_below, limits.fail_above);
    // The guidelines: a label is quoted, and a quote in it is doubled; `=` cannot appear in it.
    let label = line.label.replace('\'', "''").replace('=', "_");
    let text = format!("'{label}'={value}{unit};{warn};{crit};{min};{max}");
    Some(text.trim_end_matches(';').to_owned())
}

/// A range of the guidelines that alerts outside `below..=above`: `~:90` (above 90), `5:` (below
/// 5), `5:90`; empty when there is no limit.
fn range(below: Option<f64>, above: Option<f64>) -> String {
    match (below, above) {
        (None, None) => String::new(),
        (None, Some(above)) => format!("~:{above}"),
        (Some(below), None) => format!("{below}:"),
        (Some(below), Some(above)) => format!("{below}:{above}"),
    }
}

#[cfg(test)]
mod tests;
