//! Redaction: rules that drop fields of a snapshot or replace them by keyed hashes, applied to its
//! JSON once per snapshot, so that every view (JSON, HTML, metrics labels, health, history, files,
//! hooks) is rendered from data that has already been redacted.
//!
//! - `drop` removes the field (a struct field, or a map entry).
//! - `hash` replaces the value by a pseudonym `h:` + 12 hex digits, a keyed SipHash-2-4 truncated to
//!   48 bits: a string, a number (by its JSON text), each string or number of an array, and each
//!   KEY of an object (chat ids are often map keys, as in a queue's groups). The same input gives the
//!   same pseudonym for the life of the [`Redactor`]'s key, so dashboards can still group by it, while
//!   without the key nobody can test guesses (a chat id has little entropy, so an unkeyed hash would
//!   be reversed by trying them all).
//!
//! Rules match [`FieldPattern`]s inside the sections. The `collection` and `health` parts are derived
//! from the sections (a check's name carries a disk path, a section's reason a database path), so
//! rules do not edit them: they are scrubbed of every string the rules hashed (replaced by its
//! pseudonym) or dropped (replaced by `[redacted]`), through a [`Scrubber`].

mod pattern;
mod scrub;
mod siphash;

use std::fmt;

use serde_json::{Map, Value};

pub use pattern::{FieldPattern, PatternError};
pub use scrub::{REDACTED, Scrubber};

use crate::{CollectionReport, HealthReport, Snapshot};

/// What the default policy drops: environment values, message text, error payloads and anything
/// named like a secret. A pattern without a dot matches a key of that name at any depth.
pub const DEFAULT_DROP: &[&str] = &[
    "env",
    "environ",
    "environment",
    "*token*",
    "*secret*",
    "*password*",
    "*passwd*",
    "*key*",
    "*credential*",
    "*authorization*",
    "*cookie*",
    "text",
    "body",
    "content",
    "message",
    "message_text",
    "last_message",
    "payload",
    "error_summary",
    "error_details",
    "last_error",
    "last_result",
];

/// Top-level keys of a snapshot that are not sections: rules do not apply there.
const NOT_SECTIONS: &[&str] = &["schema_version", "collection", "health"];

/// Applies drop and hash rules under a secret key. Cheap to share; holds no per-snapshot state.
#[derive(Clone)]
pub struct Redactor {
    drop: Vec<FieldPattern>,
    hash: Vec<FieldPattern>,
    key: (u64, u64),
}

/// A snapshot after redaction: the whole JSON document, and the typed parts the views need.
#[derive(Clone, Debug)]
pub struct RedactedSnapshot {
    /// The snapshot's JSON with the rules applied and the derived parts scrubbed.
    pub value: Value,
    /// The collection report, scrubbed.
    pub collection: CollectionReport,
    /// The health report, scrubbed.
    pub health: Option<HealthReport>,
    /// What was hashed or dropped, for scrubbing other text derived from the same snapshot (log
    /// lines, hook messages).
    pub scrubber: Scrubber,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Keep,
    Hash,
    Drop,
}

impl Redactor {
    /// A redactor with these rules under `key` (16 random bytes, kept secret for the process).
    /// A field matched by both lists is dropped.
    pub fn new(drop: Vec<FieldPattern>, hash: Vec<FieldPattern>, key: [u8; 16]) -> Redactor {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&key[..8]);
        k1.copy_from_slice(&key[8..]);
        Redactor { drop, hash, key: (u64::from_le_bytes(k0), u64::from_le_bytes(k1)) }
    }

    /// A redactor that changes nothing.
    pub fn none() -> Redactor {
        Redactor::new(Vec::new(), Vec::new(), [0; 16])
    }

    /// The [`DEFAULT_DROP`] patterns, compiled.
    pub fn default_drop() -> Vec<FieldPattern> {
        DEFAULT_DROP.iter().filter_map(|pattern| FieldPattern::new(pattern).ok()).collect()
    }

    /// The pseudonym of `text`.
    pub fn hash(&self, text: &str) -> String {
        format!("h:{:012x}", siphash::siphash24(self.key, text.as_bytes()) >> 16)
    }

    /// Redacts a snapshot: serializes it, applies the rules to the sections and scrubs `collection`
    /// and `health`.
    pub fn redact_snapshot(
        &self,
        snapshot: &Snapshot,
    ) -> Result<RedactedSnapshot, serde_json::Error> {
        let mut value = serde_json::to_value(snapshot)?;
        let scrubber = self.redact_snapshot_value(&mut value);
        let part = |key: &str| value.get(key).cloned().unwrap_or(Value::Null);
        let collection = serde_json::from_value(part("collection"))?;
        let health = serde_json::from_value(part("health"))?;
        Ok(RedactedSnapshot { value, collection, health, scrubber })
    }

    /// Redacts a snapshot-shaped JSON document in place (rules on the sections, the derived parts
    /// scrubbed); returns the scrubber, for text derived from the same snapshot elsewhere.
    pub fn redact_snapshot_value(&self, value: &mut Value) -> Scrubber {
        let mut scrubber = Scrubber::default();
        if let Value::Object(top) = value {
            self.walk_map(top, &mut Vec::new(), &mut scrubber, NOT_SECTIONS, false);
            scrubber.finish();
            for key in NOT_SECTIONS {
                if let Some(part) = top.get_mut(*key) {
                    scrubber.scrub_value(part);
                }
            }
        }
        scrubber.finish();
        scrubber
    }

    /// Redacts any JSON document in place, rules matched from its root; returns the scrubber.
    pub fn redact_value(&self, value: &mut Value) -> Scrubber {
        let mut scrubber = Scrubber::default();
        self.walk(value, &mut Vec::new(), &mut scrubber);
        scrubber.finish();
        scrubber
    }

    fn action(&self, path: &[String]) -> Action {
        if self.drop.iter().any(|pattern| pattern.matches(path)) {
            Action::Drop
        } else if self.hash.iter().any(|pattern| pattern.matches(path)) {
            Action::Hash
        } else {
            Action::Keep
        }
    }

    fn walk(&self, value: &mut Value, path: &mut Vec<String>, scrubber: &mut Scrubber) {
        match value {
            Value::Object(map) => self.walk_map(map, path, scrubber, &[], false),
            Value::Array(items) => {
                for item in items {
                    self.walk(item, path, scrubber);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
        }
    }

    /// Applies the rules to each entry of `map` (skipping the keys in `skip`); with `hash_keys`,
    /// also replaces each key by its pseudonym. Paths use the original keys, so rules written for
    /// them keep matching below a hashed key.
    fn walk_map(
        &self,
        map: &mut Map<String, Value>,
        path: &mut Vec<String>,
        scrubber: &mut Scrubber,
        skip: &[&str],
        hash_keys: bool,
    ) {
        let entries = std::mem::take(map);
        for (key, mut child) in entries {
            if skip.contains(&key.as_str()) {
                map.insert(key, child);
                continue;
            }
            path.push(key);
            let action = self.action(path);
            match action {
                Action::Drop => scrubber.dropped(&child),
                Action::Hash => self.hash_value(&mut child, path, scrubber),
                Action::Keep => self.walk(&mut child, path, scrubber),
            }
            let key = path.pop().unwrap_or_default();
            // The dropped entry's own key is a name the pattern matched (`password`), not a secret.
            if action == Action::Drop {
                continue;
            }
            let key = if hash_keys { self.hash_original(&key, scrubber) } else { key };
            map.insert(key, child);
        }
    }

    fn hash_value(&self, value: &mut Value, path: &mut Vec<String>, scrubber: &mut Scrubber) {
        match value {
            Value::String(text) => *text = self.hash_original(text, scrubber),
            Value::Number(number) => {
                *value = Value::String(self.hash_original(&number.to_string(), scrubber));
            }
            Value::Array(items) => {
                for item in items {
                    self.hash_value(item, path, scrubber);
                }
            }
            Value::Object(map) => self.walk_map(map, path, scrubber, &[], true),
            Value::Null | Value::Bool(_) => {}
        }
    }

    fn hash_original(&self, original: &str, scrubber: &mut Scrubber) -> String {
        let hashed = self.hash(original);
        scrubber.hashed(original, &hashed);
        hashed
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of every output.
        f.debug_struct("Redactor")
            .field("drop", &self.drop)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
