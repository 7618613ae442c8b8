//! Reading the snapshot's JSON for the views: values by JSON pointer, a section's state, and the
//! reason a value is missing.

use jiff::Timestamp;
use serde_json::Value;

use super::format::NA;

/// The snapshot as JSON and the time ages are measured from.
pub(crate) struct Json<'a> {
    root: &'a Value,
    pub(crate) now: Timestamp,
}

/// Where a section stands in the snapshot.
pub(crate) enum Section<'a> {
    /// Not configured: no key.
    Absent,
    /// Configured but without a value; the reason from the collection report.
    Null(String),
    /// The section's value.
    Present(&'a Value),
}

impl<'a> Json<'a> {
    /// `now` defaults to the snapshot's `collection.taken_at` (the Unix epoch if even that is
    /// missing, which only a malformed snapshot lacks).
    pub(crate) fn new(root: &'a Value, now: Option<Timestamp>) -> Json<'a> {
        let taken_at = root.pointer("/collection/taken_at").and_then(as_time);
        Json { root, now: now.or(taken_at).unwrap_or(Timestamp::UNIX_EPOCH) }
    }

    /// The whole snapshot.
    pub(crate) fn root(&self) -> &'a Value {
        self.root
    }

    /// ` (value from 1m ago)` when section `name` holds a value kept from an earlier collection.
    pub(crate) fn stale(&self, name: &str) -> String {
        self.report(name)
            .and_then(|report| report.get("stale_seconds"))
            .and_then(Value::as_f64)
            .map(|age| format!(" (value from {} ago)", super::format::coarse(age)))
            .unwrap_or_default()
    }

    /// The value at `pointer`, unless it is absent or `null`.
    pub(crate) fn get(&self, pointer: &str) -> Option<&'a Value> {
        self.root.pointer(pointer).filter(|value| !value.is_null())
    }

    pub(crate) fn f64(&self, pointer: &str) -> Option<f64> {
        self.get(pointer).and_then(Value::as_f64)
    }

    pub(crate) fn u64(&self, pointer: &str) -> Option<u64> {
        self.get(pointer).and_then(Value::as_u64)
    }

    pub(crate) fn str(&self, pointer: &str) -> Option<&'a str> {
        self.get(pointer).and_then(Value::as_str)
    }

    pub(crate) fn time(&self, pointer: &str) -> Option<Timestamp> {
        self.get(pointer).and_then(as_time)
    }

    /// The top-level section `name`; one the collection left out on purpose is `Null` with the
    /// reason it was left out.
    pub(crate) fn section(&self, name: &str) -> Section<'a> {
        match self.root.get(name) {
            None => match self.get("/collection/left_out").and_then(|left| left.get(name)) {
                Some(Value::String(reason)) => Section::Null(format!("left out: {reason}")),
                _ => Section::Absent,
            },
            Some(Value::Null) => Section::Null(self.reason(name)),
            Some(value) => Section::Present(value),
        }
    }

    /// The section's collection report.
    pub(crate) fn report(&self, name: &str) -> Option<&'a Value> {
        self.root.pointer("/collection/sections")?.get(name)
    }

    /// Why section `name` has no value: its outcome and reason, as far as the report says.
    pub(crate) fn reason(&self, name: &str) -> String {
        let report = self.report(name);
        let outcome = report.and_then(|r| r.get("outcome")).and_then(Value::as_str);
        let reason = report.and_then(|r| r.get("reason")).and_then(Value::as_str);
        match (outcome, reason) {
            (Some(outcome), Some(reason)) => format!("{outcome}: {reason}"),
            (Some(outcome), None) => outcome.to_owned(),
            (None, _) => "never collected".to_owned(),
        }
    }

    /// `n/a`, with the reason the report gives for the field (`cpu_pct`, `disks./var`) when it
    /// gives one.
    pub(crate) fn na(&self, section: &str, field: &str) -> String {
        let reason = self
            .report(section)
            .and_then(|report| report.get("unmeasured"))
            .and_then(|unmeasured| unmeasured.get(field))
            .and_then(Value::as_str);
        match reason {
            Some(reason) => format!("{NA} ({reason})"),
            None => NA.to_owned(),
        }
    }

    /// The formatted value at `pointer`, or `n/a` with the reason for `section`'s `field`.
    pub(crate) fn or_na(
        &self,
        pointer: &str,
        (section, field): (&str, &str),
        format: impl FnOnce(&'a Value) -> Option<String>,
    ) -> String {
        self.get(pointer).and_then(format).unwrap_or_else(|| self.na(section, field))
    }

    /// The configured section names of the collection report that did not end `ok`, with their
    /// outcome and reason.
    pub(crate) fn failed_sections(&self) -> Vec<String> {
        let Some(Value::Object(sections)) = self.root.pointer("/collection/sections") else {
            return Vec::new();
        };
        sections
            .iter()
            .filter(|(_, report)| report.get("outcome").and_then(Value::as_str) != Some("ok"))
            .map(|(name, _)| format!("{name} {}", self.reason(name)))
            .collect()
    }
}

fn as_time(value: &Value) -> Option<Timestamp> {
    value.as_str()?.parse().ok()
}
