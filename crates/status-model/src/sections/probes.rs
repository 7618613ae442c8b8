//! The `probes` section: named scalar SQL probes from the configuration.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Each configured probe's result, keyed by probe name (`probes.<name>`). A probe that failed is
/// `null`, with the reason in `collection.sections.probes.unmeasured.<name>`.
pub type ProbesSection = BTreeMap<String, Option<ProbeResult>>;

/// One probe's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProbeResult {
    /// The configured database it ran against.
    pub database: String,
    /// The first column of the first row, as a number; `null` when that is SQL `NULL` or there is no
    /// row (the reason is in `unmeasured`).
    pub value: Option<f64>,
    /// The configured warning threshold, if any.
    pub warn_above: Option<f64>,
    /// The configured failure threshold, if any.
    pub fail_above: Option<f64>,
}
