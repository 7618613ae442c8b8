//! The health checks: pure functions over a snapshot, in a fixed order, each with its settings.
//!
//! Every check compares one observed value with thresholds, strictly: `warn_above = 80` warns at
//! 80.01 and passes at 80. Checks of "available" quantities use `warn_below`/`fail_below`, also
//! strictly. A check whose section is not configured gives no result; one whose input could not be
//! measured warns, naming the reason (except where noted). Flap damping and status history are not
//! here: they need memory of earlier evaluations and live in the collector.

mod data;
mod defs;
mod host;
mod hostapp;
mod service;

use std::collections::BTreeMap;

use jiff::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use defs::CHECKS;

use crate::health::HealthStatus;
use crate::snapshot::Snapshot;

/// The settings of one check after defaults are applied.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckConfig {
    /// Whether the check runs.
    pub enabled: bool,
    /// Whether it can make readiness fail.
    pub critical: bool,
    /// Warn when the observed value is above this.
    pub warn_above: Option<f64>,
    /// Fail when the observed value is above this.
    pub fail_above: Option<f64>,
    /// Warn when the observed value is below this.
    pub warn_below: Option<f64>,
    /// Fail when the observed value is below this.
    pub fail_below: Option<f64>,
    /// Consecutive non-passing evaluations before the check reports it (at least 1).
    pub fail_after: u32,
    /// Consecutive passing evaluations before a non-passing check reports `pass` again (at least 1).
    pub recover_after: u32,
}

/// `[health.<check>]` in the config file: every key optional, applied over the check's defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CheckOverrides {
    /// `enabled`
    pub enabled: Option<bool>,
    /// `critical`
    pub critical: Option<bool>,
    /// `warn_above`
    pub warn_above: Option<f64>,
    /// `fail_above`
    pub fail_above: Option<f64>,
    /// `warn_below`
    pub warn_below: Option<f64>,
    /// `fail_below`
    pub fail_below: Option<f64>,
    /// `fail_after`
    pub fail_after: Option<u32>,
    /// `recover_after`
    pub recover_after: Option<u32>,
}

/// Which thresholds a check compares against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Thresholds {
    /// None: the check decides by itself.
    None,
    /// `warn_above` / `fail_above`.
    Above,
    /// `warn_below` / `fail_below`.
    Below,
}

/// A check: its name, IETF component and measurement, defaults and function.
pub struct CheckDef {
    /// The check's name, the key under `[health.<name>]`.
    pub name: &'static str,
    /// IETF component.
    pub component: &'static str,
    /// IETF measurement.
    pub measurement: &'static str,
    /// The unit of the observed value.
    pub unit: Option<&'static str>,
    /// Which thresholds apply.
    pub thresholds: Thresholds,
    /// The defaults.
    pub default: CheckConfig,
    /// What the check observes and concludes, before flap damping.
    pub run: fn(&CheckContext<'_>, &CheckConfig) -> Vec<Verdict>,
}

/// What a check sees.
pub struct CheckContext<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// The time of evaluation (the snapshot's own time, or a request's for live checks).
    pub now: Timestamp,
}

/// A check's raw conclusion about one item.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The item, for checks over several items.
    pub component_id: Option<String>,
    /// The raw status.
    pub status: HealthStatus,
    /// What it means.
    pub message: String,
    /// The value compared.
    pub observed_value: Option<f64>,
    /// Supporting facts.
    pub details: BTreeMap<String, String>,
}

impl CheckDef {
    /// The settings of this check: the defaults with `overrides` applied.
    pub fn config(&self, overrides: Option<&CheckOverrides>) -> CheckConfig {
        let Some(o) = overrides else { return self.default.clone() };
        let d = &self.default;
        CheckConfig {
            enabled: o.enabled.unwrap_or(d.enabled),
            critical: o.critical.unwrap_or(d.critical),
            warn_above: o.warn_above.or(d.warn_above),
            fail_above: o.fail_above.or(d.fail_above),
            warn_below: o.warn_below.or(d.warn_below),
            fail_below: o.fail_below.or(d.fail_below),
            fail_after: o.fail_after.unwrap_or(d.fail_after).max(1),
            recover_after: o.recover_after.unwrap_or(d.recover_after).max(1),
        }
    }

    /// Checks that `overrides` sets only thresholds this check compares against.
    pub fn validate(&self, overrides: &CheckOverrides) -> Result<(), String> {
        let above = overrides.warn_above.is_some() || overrides.fail_above.is_some();
        let below = overrides.warn_below.is_some() || overrides.fail_below.is_some();
        let allowed = match self.thresholds {
            Thresholds::None => "no thresholds",
            Thresholds::Above => "warn_above/fail_above",
            Thresholds::Below => "warn_below/fail_below",
        };
        let wrong = match self.thresholds {
            Thresholds::None => above || below,
            Thresholds::Above => below,
            Thresholds::Below => above,
        };
        if wrong {
            return Err(format!("check `{}` takes {allowed}", self.name));
        }
        Ok(())
    }

    /// Looks a check up by name.
    pub fn find(name: &str) -> Option<&'static CheckDef> {
        CHECKS.iter().find(|check| check.name == name)
    }
}

/// Checks renamed, as (old name, name): `[health.<old name>]` still configures the check.
pub const RENAMED_CHECKS: &[(&str, &str)] = &[("host_jobs_overdue", "app_jobs_overdue")]; // rename: keep

/// Compares `value` with the check's thresholds, strictly.
pub fn grade(value: f64, config: &CheckConfig) -> HealthStatus {
    let above = |limit: Option<f64>| limit.is_some_and(|limit| value > limit);
    let below = |limit: Option<f64>| limit.is_some_and(|limit| value < limit);
    if above(config.fail_above) || below(config.fail_below) {
        HealthStatus::Fail
    } else if above(config.warn_above) || below(config.warn_below) {
        HealthStatus::Warn
    } else {
        HealthStatus::Pass
    }
}

#[cfg(test)]
mod tests;
