//! The `custom_checks` section: health verdicts the app reaches itself, by name.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::health::HealthStatus;

/// The app's own checks, keyed by name; each becomes a health check `custom:<name>`.
pub type CustomChecksSection = BTreeMap<String, CustomCheck>;

/// One verdict of the app's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CustomCheck {
    /// The verdict.
    pub status: HealthStatus,
    /// What it means, in a sentence.
    pub message: String,
    /// The value the app compared, if any.
    pub observed_value: Option<f64>,
    /// Its unit.
    pub observed_unit: Option<String>,
}
