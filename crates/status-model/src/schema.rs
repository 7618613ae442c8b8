//! The snapshot's JSON Schema (draft 2020-12), derived from the model types with schemars.
//!
//! The schema describes what a writer of this [`SCHEMA_VERSION`] serializes: every key it always
//! writes is `required` (an unmeasured value is there as `null`), and a section key is optional
//! because it is absent when the section is not configured. Every section's type is in `$defs`
//! under its Rust name (`QueueSection`, `CollectionReport`), so one section can be validated alone
//! with [`definition_schema`]. `cargo xtask schema` writes it to `docs/status.schema.json`.

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::snapshot::{SCHEMA_VERSION, Snapshot};

/// The JSON Schema of a [`Snapshot`] as serialized by this version.
///
/// ```
/// let schema = status_model::schema::snapshot_schema();
/// assert_eq!(schema["title"], "Snapshot");
/// assert!(schema["$defs"]["QueueSection"].is_object());
/// ```
pub fn snapshot_schema() -> Value {
    let generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    let mut schema = generator.into_root_schema_for::<Snapshot>().to_value();
    // Readers compare the version before anything else, so the schema pins it.
    if let Some(version) = schema.pointer_mut("/properties/schema_version") {
        version["const"] = json!(SCHEMA_VERSION);
    }
    schema
}

/// A schema that validates one value of the type `$defs/<name>` of `root` (a schema from
/// [`snapshot_schema`]), keeping the other definitions it refers to; `None` when there is no such
/// definition.
pub fn definition_schema(root: &Value, name: &str) -> Option<Value> {
    root["$defs"].get(name)?;
    Some(json!({
        "$schema": root["$schema"],
        "$ref": format!("#/$defs/{name}"),
        "$defs": root["$defs"],
    }))
}

#[cfg(test)]
mod tests;
