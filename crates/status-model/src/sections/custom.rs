//! The `custom` section: extra named sections the app supplies as JSON values.
//!
//! They sit under one top-level `custom` key, each under its own name, rather than as top-level keys
//! of their own: one app call produces all of them, so they share one outcome and one deadline in the
//! collection report; an app's name can never collide with a built-in section (present or added in a
//! later schema version); and a reader can tell a custom section from a built-in one by where it is.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The app's custom sections, keyed by name. Serialized as the map itself.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct CustomSections {
    /// Section name to its value, as the app gave it.
    pub sections: BTreeMap<String, serde_json::Value>,
}
