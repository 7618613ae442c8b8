//! Evaluating the health checks over each snapshot, with flap damping and status-change events.
//!
//! The checks themselves are pure functions in `status_model::checks`. This module adds what needs
//! memory: `fail_after`/`recover_after` damping, the time each check last changed status, the count
//! of changes, and a broadcast of every change to subscribers (and to the log).

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;
use serde::{Deserialize, Deserializer};
use status_model::checks::{
    CHECKS, CheckConfig, CheckContext, CheckDef, CheckOverrides, RENAMED_CHECKS, Verdict,
};
use status_model::{CheckResult, HealthEvent, HealthReport, HealthStatus, Snapshot};
use tokio::sync::broadcast;

/// `[health.<check>]` tables: settings over each check's defaults. Unknown check names and
/// thresholds a check does not take are config errors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthConfig {
    /// Overrides by check name.
    pub checks: BTreeMap<String, CheckOverrides>,
}

impl<'de> Deserialize<'de> for HealthConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<HealthConfig, D::Error> {
        let mut checks = BTreeMap::<String, CheckOverrides>::deserialize(deserializer)?;
        for (old, name) in RENAMED_CHECKS {
            if let Some(overrides) = checks.remove(*old) {
                if checks.contains_key(*name) {
                    return Err(serde::de::Error::custom(format!(
                        "`health.{old}` is the old name of `health.{name}`: keep one of them"
                    )));
                }
                checks.insert((*name).to_owned(), overrides);
            }
        }
        for (name, overrides) in &checks {
            let Some(check) = CheckDef::find(name) else {
                let known: Vec<_> = CHECKS.iter().map(|check| check.name).collect();
                return Err(serde::de::Error::custom(format!(
                    "unknown health check `health.{name}`; the checks are {}",
                    known.join(", ")
                )));
            };
            check
                .validate(overrides)
                .map_err(|error| serde::de::Error::custom(format!("health.{name}: {error}")))?;
        }
        Ok(HealthConfig { checks })
    }
}

/// Runs the enabled checks over snapshots and remembers what they said.
pub struct HealthEvaluator {
    checks: Vec<(&'static CheckDef, CheckConfig)>,
    memory: Mutex<Memory>,
    events: broadcast::Sender<HealthEvent>,
}

#[derive(Default)]
struct Memory {
    checks: BTreeMap<String, Damped>,
    overall: Option<(HealthStatus, Timestamp)>,
    transitions: u64,
}

/// One check's damped state.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Damped {
    reported: HealthStatus,
    since: Timestamp,
    not_passing: u32,
    passing: u32,
}

impl HealthEvaluator {
    /// The built-in checks with `config` applied; disabled checks do not run.
    pub fn new(config: &HealthConfig) -> HealthEvaluator {
        let checks = CHECKS
            .iter()
            .map(|check| (check, check.config(config.checks.get(check.name))))
            .collect();
        HealthEvaluator::with_checks(checks)
    }

    /// These checks, in this order (tests use it to add checks of their own).
    pub fn with_checks(checks: Vec<(&'static CheckDef, CheckConfig)>) -> HealthEvaluator {
        let checks = checks.into_iter().filter(|(_, config)| config.enabled).collect();
        HealthEvaluator { checks, memory: Mutex::default(), events: broadcast::channel(64).0 }
    }

    /// A receiver of every status change of a check or of the overall status.
    pub fn subscribe(&self) -> broadcast::Receiver<HealthEvent> {
        self.events.subscribe()
    }

    /// Evaluates every enabled check over `snapshot`, at the snapshot's time.
    /// A check that panics is `fail` with the panic's message; the others still run.
    pub fn evaluate(&self, snapshot: &Snapshot) -> HealthReport {
        let now = snapshot.collection.taken_at;
        let context = CheckContext { snapshot, now };
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        let mut events = Vec::new();
        let mut checks = Vec::new();
        for (check, config) in &self.checks {
            let verdicts =
                std::panic::catch_unwind(AssertUnwindSafe(|| (check.run)(&context, config)))
                    .unwrap_or_else(|payload| {
                        vec![Verdict {
                            component_id: None,
                            status: HealthStatus::Fail,
                            message: format!(
                                "check panicked: {}",
                                crate::task::panic_message(&*payload)
                            ),
                            observed_value: None,
                            details: BTreeMap::new(),
                        }]
                    });
            for verdict in verdicts {
                let name = match &verdict.component_id {
                    Some(id) => format!("{}:{id}", check.name),
                    None => check.name.to_owned(),
                };
                let before = memory.checks.get(&name).copied();
                let after = damp(before, verdict.status, config, now);
                memory.checks.insert(name.clone(), after);
                if let Some(before) = before.filter(|before| before.reported != after.reported) {
                    events.push(HealthEvent {
                        check: name.clone(),
                        from: before.reported,
                        to: after.reported,
                        at: now,
                    });
                }
                checks.push(result(check, config, name, verdict, after, now));
            }
        }
        let status = HealthReport::overall(&checks);
        let status_since = match memory.overall {
            Some((before, since)) if before == status => since,
            Some((before, _)) => {
                events.push(HealthEvent {
                    check: "overall".into(),
                    from: before,
                    to: status,
                    at: now,
                });
                now
            }
            None => now,
        };
        memory.overall = Some((status, status_since));
        memory.transitions += u64::try_from(events.len()).unwrap_or(u64::MAX);
        let transitions_total = memory.transitions;
        drop(memory);
        // Logged once published (`runner::cycle`), from the report the redaction policy scrubbed.
        for event in &events {
            // Nobody listening is fine.
            let _ = self.events.send(event.clone());
        }
        HealthReport { status, status_since, transitions_total, checks, events }
    }
}

/// Applies `fail_after` and `recover_after` to a raw status.
fn damp(before: Option<Damped>, raw: HealthStatus, config: &CheckConfig, now: Timestamp) -> Damped {
    let mut state = before.unwrap_or(Damped {
        reported: HealthStatus::Pass,
        since: now,
        not_passing: 0,
        passing: 0,
    });
    let reported = state.reported;
    if raw == HealthStatus::Pass {
        state.passing += 1;
        state.not_passing = 0;
        if reported != HealthStatus::Pass && state.passing >= config.recover_after {
            state.reported = HealthStatus::Pass;
        }
    } else {
        state.not_passing += 1;
        state.passing = 0;
        if state.not_passing >= config.fail_after {
            state.reported = raw;
        }
    }
    if state.reported != reported {
        state.since = now;
    }
    state
}

fn result(
    check: &CheckDef,
    config: &CheckConfig,
    name: String,
    verdict: Verdict,
    damped: Damped,
    now: Timestamp,
) -> CheckResult {
    let mut details = verdict.details;
    if damped.reported != verdict.status {
        details.insert(
            "damped".into(),
            format!(
                "measured {} but reported {} (fail_after {}, recover_after {})",
                verdict.status.as_str(),
                damped.reported.as_str(),
                config.fail_after,
                config.recover_after
            ),
        );
    }
    CheckResult {
        name,
        component: check.component.to_owned(),
        measurement: check.measurement.to_owned(),
        component_id: verdict.component_id,
        status: damped.reported,
        critical: config.critical,
        message: verdict.message,
        observed_value: verdict.observed_value,
        observed_unit: check.unit.map(str::to_owned),
        time: now,
        status_since: damped.since,
        details,
    }
}

/// The check that fails while the service stops.
const SHUTTING_DOWN: &str = "shutting_down";

/// Logs the health status changes of one report; `events` come from a published, scrubbed report.
/// While the service stops, the `shutting_down` check and the overall verdict it moves are said at
/// INFO: a clean shutdown is not a problem and raises no alert.
pub(crate) fn log(events: &[HealthEvent]) {
    let stopping =
        events.iter().any(|event| event.check == SHUTTING_DOWN && event.to != HealthStatus::Pass);
    for event in events {
        let (check, from, to) = (event.check.as_str(), event.from.as_str(), event.to.as_str());
        if event.to == HealthStatus::Pass {
            tracing::info!(check, from, to, "health check recovered");
        } else if check == SHUTTING_DOWN || (stopping && check == "overall") {
            tracing::info!(check, from, to, "the service is shutting down");
        } else {
            tracing::warn!(check, from, to, "health check changed status");
        }
    }
}

#[cfg(test)]
mod tests;
