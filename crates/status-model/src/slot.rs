//! [`Slot`]: how one section sits in the snapshot.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A section's place in the snapshot.
///
/// The set of top-level keys follows the configuration, not what happened to succeed: a section that
/// is not configured has no key at all ([`Slot::NotConfigured`]), a configured section that never
/// produced a value is `null` ([`Slot::Missing`]), and otherwise the key holds the value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Slot<T> {
    /// The section is not configured: its key is absent from the JSON.
    #[default]
    NotConfigured,
    /// The section is configured but has never been collected successfully: JSON `null`.
    Missing,
    /// The section's value (possibly a stale one; the collection report says).
    Present(T),
}

impl<T> Slot<T> {
    /// True when the section is not configured; used to leave its key out of the JSON.
    pub fn is_not_configured(&self) -> bool {
        matches!(self, Slot::NotConfigured)
    }

    /// The value, when there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Slot::Present(value) => Some(value),
            Slot::NotConfigured | Slot::Missing => None,
        }
    }
}

impl<T: Serialize> Serialize for Slot<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Slot::Present(value) => value.serialize(serializer),
            Slot::NotConfigured | Slot::Missing => serializer.serialize_none(),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Slot::Present(value),
            None => Slot::Missing,
        })
    }
}

/// In the schema a slot is its value or `null`; the key being absent (not configured) is expressed by
/// the snapshot leaving the field out of `required`, which `skip_serializing_if` already does.
impl<T: JsonSchema> JsonSchema for Slot<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        <Option<T>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("status_model::Slot<{}>", T::schema_id()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <Option<T>>::json_schema(generator)
    }
}
