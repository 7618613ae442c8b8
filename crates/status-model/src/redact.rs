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

mod clean;
pub mod corpus;
mod defaults;
mod derived;
mod pattern;
mod scrub;
mod secrets;
mod shape;
mod siphash;
mod state;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::{Map, Value};

pub use defaults::DEFAULT_DROP;
pub use pattern::{FieldPattern, PatternError};
pub use scrub::{REDACTED, Scrubber};
pub use secrets::scrub_secrets;

use crate::{CollectionReport, HealthReport, Snapshot};
use derived::{scrub_strings, withhold_checks};
use shape::Shapes;
use state::{Action, Decision, Decisions, KeyMap, Link, Walk, dotted};

/// Top-level keys of a snapshot that are not sections: rules do not apply there.
const NOT_SECTIONS: &[&str] = &["schema_version", "collection", "health"];

/// Paths decided and kept in the cache at most; past it, decisions are made without keeping them
/// (a map keyed by ever new names, such as chat ids, cannot grow the cache without bound).
const CACHE_LIMIT: usize = 20_000;

/// Applies drop and hash rules under a secret key. Cheap to share: clones share the compiled
/// rules and the cache of per-path decisions.
#[derive(Clone)]
pub struct Redactor {
    rules: Arc<Rules>,
    /// What the rules decided for each path seen so far, as a tree of keys.
    cache: Arc<Mutex<Decisions>>,
}

struct Rules {
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
    /// What was hashed or dropped, as the derived parts (`collection`, `health`) were scrubbed of
    /// it.
    pub scrubber: Scrubber,
}

impl Redactor {
    /// A redactor with these rules under `key` (16 random bytes, kept secret for the process).
    /// A field matched by both lists is dropped.
    pub fn new(drop: Vec<FieldPattern>, hash: Vec<FieldPattern>, key: [u8; 16]) -> Redactor {
        let mut k0 = [0u8; 8];
        let mut k1 = [0u8; 8];
        k0.copy_from_slice(&key[..8]);
        k1.copy_from_slice(&key[8..]);
        let key = (u64::from_le_bytes(k0), u64::from_le_bytes(k1));
        Redactor {
            rules: Arc::new(Rules { drop, hash, key }),
            cache: Arc::new(Mutex::new(Decisions::default())),
        }
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
        format!("h:{:012x}", siphash::siphash24(self.rules.key, text.as_bytes()) >> 16)
    }

    /// Redacts a snapshot: serializes it, applies the rules to the sections, scrubs secrets from
    /// every string and scrubs `collection` and `health` of what the rules hid.
    pub fn redact_snapshot(
        &self,
        snapshot: &Snapshot,
    ) -> Result<RedactedSnapshot, serde_json::Error> {
        let mut value = serde_json::to_value(snapshot)?;
        let scrubber = self.redact_snapshot_value(&mut value);
        // Read in place (`&Value` is a deserializer): no copy of the reports.
        let part = |key: &str| value.get(key).unwrap_or(&Value::Null);
        let collection = Deserialize::deserialize(part("collection"))?;
        let health = Deserialize::deserialize(part("health"))?;
        Ok(RedactedSnapshot { value, collection, health, scrubber })
    }

    /// Redacts a snapshot-shaped JSON document in place (rules on the sections, secrets scrubbed
    /// from every string, the derived parts scrubbed of what the rules hid); returns the scrubber.
    /// How many fields the rules dropped is written to `collection.redacted_fields`.
    pub fn redact_snapshot_value(&self, value: &mut Value) -> Scrubber {
        let mut walk = Walk::default();
        if let Value::Object(top) = value {
            let shapes = Shapes::snapshot();
            let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let Decisions { children, size, clean } = &mut *cache;
            walk.clean = Some(std::mem::take(clean));
            self.walk_map(top, None, shapes.root, children, size, &mut walk, NOT_SECTIONS, false);
            walk.scrubber.finish();
            for key in NOT_SECTIONS {
                if let Some(part) = top.get_mut(*key) {
                    walk.scrubber.scrub_value(part);
                    scrub_strings(part, &mut |text| walk.scrub_text(text));
                }
            }
            *clean = walk.clean.take().unwrap_or_default();
            clean.rotate();
            if !walk.dropped_paths.is_empty()
                && let Some(Value::Array(checks)) =
                    top.get_mut("health").and_then(|health| health.get_mut("checks"))
            {
                withhold_checks(checks, &walk.dropped_paths);
            }
            if let Some(Value::Object(collection)) = top.get_mut("collection") {
                collection.insert("redacted_fields".to_owned(), Value::from(walk.dropped));
            }
        }
        walk.scrubber.finish();
        walk.scrubber
    }

    /// Redacts any JSON document in place, rules matched from its root (every key a field name);
    /// returns the scrubber.
    pub fn redact_value(&self, value: &mut Value) -> Scrubber {
        let mut walk = Walk::default();
        let mut children = KeyMap::default();
        let mut size = CACHE_LIMIT;
        self.walk(value, None, None, &mut children, &mut size, &mut walk);
        walk.scrubber.finish();
        walk.scrubber
    }

    /// The decision for the entry at `key` below `parent`, made from the rules (not cached).
    fn decide(&self, key: &str, parent: Option<&Link<'_>>, is_name: bool) -> Action {
        let mut path = vec![key];
        let mut link = parent;
        while let Some(current) = link {
            path.push(current.key);
            link = current.parent;
        }
        path.reverse();
        if self.rules.drop.iter().any(|pattern| pattern.matches_entry(&path, is_name)) {
            if is_name { Action::HashName } else { Action::Drop }
        } else if self.rules.hash.iter().any(|pattern| pattern.matches_entry(&path, is_name)) {
            Action::Hash
        } else {
            Action::Keep
        }
    }

    fn walk(
        &self,
        value: &mut Value,
        link: Option<&Link<'_>>,
        shape: Option<usize>,
        cache: &mut KeyMap<Decision>,
        size: &mut usize,
        walk: &mut Walk,
    ) {
        match value {
            Value::Object(map) => self.walk_map(map, link, shape, cache, size, walk, &[], false),
            Value::Array(items) => {
                for item in items {
                    self.walk(item, link, shape, cache, size, walk);
                }
            }
            Value::String(text) => walk.scrub_text(text),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Applies the rules to each entry of `map` (skipping the keys in `skip`); with `hash_keys`,
    /// also replaces each key by its pseudonym. Paths use the original keys, so rules written for
    /// them keep matching below a hashed key.
    #[allow(
        clippy::too_many_arguments,
        reason = "the walk state is threaded through the recursion"
    )]
    fn walk_map(
        &self,
        map: &mut Map<String, Value>,
        link: Option<&Link<'_>>,
        shape: Option<usize>,
        cache: &mut KeyMap<Decision>,
        size: &mut usize,
        walk: &mut Walk,
        skip: &[&str],
        hash_keys: bool,
    ) {
        let shapes = Shapes::snapshot();
        // Entries to remove or rename, collected while walking; most maps have none.
        let mut edits: Vec<(String, Action)> = Vec::new();
        let mut uncached = KeyMap::default();
        for (key, child) in map.iter_mut() {
            if skip.contains(&key.as_str()) {
                continue;
            }
            let decision = match cache.get_mut(key.as_str()) {
                Some(decision) => decision,
                None => {
                    let step = shapes.step(shape, key);
                    let decision = Decision {
                        action: self.decide(key, link, step.is_name),
                        shape: step.shape,
                        children: KeyMap::default(),
                    };
                    let target = if *size < CACHE_LIMIT {
                        *size += 1;
                        &mut *cache
                    } else {
                        uncached.clear();
                        &mut uncached
                    };
                    target.entry(key.clone()).or_insert(decision)
                }
            };
            let here = Link { key, parent: link };
            match decision.action {
                Action::Drop => {
                    walk.scrubber.dropped(child);
                    walk.dropped += 1;
                    walk.dropped_paths.push(dotted(&here));
                }
                Action::Hash => {
                    self.hash_value(child, &here, decision, size, walk);
                }
                Action::Keep | Action::HashName => {
                    let (shape, children) = (decision.shape, &mut decision.children);
                    self.walk(child, Some(&here), shape, children, size, walk);
                }
            }
            if decision.action == Action::HashName {
                walk.dropped += 1;
            }
            let rename = hash_keys || decision.action == Action::HashName;
            if decision.action == Action::Drop || rename {
                let action = if rename && decision.action != Action::Drop {
                    Action::HashName
                } else {
                    Action::Drop
                };
                edits.push((key.clone(), action));
            }
        }
        if edits.is_empty() {
            return;
        }
        let edits: HashMap<String, Action> = edits.into_iter().collect();
        let entries = std::mem::take(map);
        for (key, child) in entries {
            match edits.get(&key) {
                None => {
                    map.insert(key, child);
                }
                // The dropped entry's own key is a name the pattern matched (`password`), not a
                // secret.
                Some(Action::Drop) => {}
                Some(_) => {
                    let key = self.hash_original(&key, &mut walk.scrubber);
                    map.insert(key, child);
                }
            }
        }
    }

    fn hash_value(
        &self,
        value: &mut Value,
        here: &Link<'_>,
        decision: &mut Decision,
        size: &mut usize,
        walk: &mut Walk,
    ) {
        match value {
            Value::String(text) => *text = self.hash_original(text, &mut walk.scrubber),
            Value::Number(number) => {
                *value = Value::String(self.hash_original(&number.to_string(), &mut walk.scrubber));
            }
            Value::Array(items) => {
                for item in items {
                    self.hash_value(item, here, decision, size, walk);
                }
            }
            Value::Object(map) => {
                let (shape, children) = (decision.shape, &mut decision.children);
                self.walk_map(map, Some(here), shape, children, size, walk, &[], true);
            }
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
            .field("drop", &self.rules.drop)
            .field("hash", &self.rules.hash)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
