//! The snapshot's JSON Schema (draft 2020-12), derived from the model types with schemars.
//!
//! The schema describes what a writer of this [`SCHEMA_VERSION`] serializes: every key it always
//! writes is `required` (an unmeasured value is there as `null`), and a section key is optional
//! because it is absent when the section is not configured. Every section's type is in `$defs`
//! under its Rust name (`QueueSection`, `CollectionReport`), so one section can be validated alone
//! with [`definition_schema`]. `cargo xtask schema` writes it to `docs/status.schema.json`. Every
//! field carries its kind ([`crate::kinds`]) as the extension keyword `x-kind` (`state`, `gauge`,
//! `counter`, `time`).
//!
//! What leaves the process is redacted first (`[redact]`). The default policy drops fields by key
//! name ([`DEFAULT_DROP`]: `last_error`, `message`, `*token*`, …), so inside the sections those
//! keys are not `required`: a snapshot served under the default policy validates. A policy that
//! drops more, or hashes numbers into pseudonym strings, serves documents this schema does not
//! describe.

use std::collections::BTreeSet;

use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::redact::{DEFAULT_DROP, FieldPattern};
use crate::snapshot::{SCHEMA_VERSION, Snapshot};

/// Top-level keys the redaction leaves alone: they are not sections.
const NOT_SECTIONS: &[&str] = &["schema_version", "collection", "health"];

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
    optional_where_redacted(&mut schema);
    x_kind::annotate(&mut schema);
    schema
}

/// Takes the keys the default redaction drops out of `required`, in every object schema a
/// section's value can reach.
fn optional_where_redacted(schema: &mut Value) {
    let patterns: Vec<FieldPattern> =
        DEFAULT_DROP.iter().filter_map(|pattern| FieldPattern::new(pattern).ok()).collect();
    let dropped = |key: &str| patterns.iter().any(|pattern| pattern.matches(&[key]));
    let mut definitions = BTreeSet::new();
    if let Some(properties) = schema["properties"].as_object_mut() {
        for (key, section) in properties {
            if !NOT_SECTIONS.contains(&key.as_str()) {
                relax(section, &dropped, &mut definitions);
            }
        }
    }
    let mut done = BTreeSet::new();
    while let Some(name) = definitions.iter().find(|name| !done.contains(*name)).cloned() {
        done.insert(name.clone());
        if let Some(definition) = schema["$defs"].get_mut(&name) {
            relax(definition, &dropped, &mut definitions);
        }
    }
}

/// Relaxes `required` in `schema` and the schemas inside it; collects the `$defs` it refers to.
fn relax(schema: &mut Value, dropped: &impl Fn(&str) -> bool, refs: &mut BTreeSet<String>) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::Array(required)) = object.get_mut("required") {
                required.retain(|key| !key.as_str().is_some_and(dropped));
            }
            let reference = object.get("$ref").and_then(Value::as_str);
            if let Some(name) = reference.and_then(|r| r.strip_prefix("#/$defs/")) {
                refs.insert(name.to_owned());
            }
            object.values_mut().for_each(|value| relax(value, dropped, refs));
        }
        Value::Array(items) => items.iter_mut().for_each(|item| relax(item, dropped, refs)),
        _ => {}
    }
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

mod x_kind;

#[cfg(test)]
mod tests;
