//! The difference between two snapshots, as the changed dotted keys.
//!
//! Both sides are flattened to dotted keys (`host.load.1`, `repos.app.worktrees.w1.ahead`): objects are
//! walked into, every other value (lists included) is compared whole, and an empty object is a value of
//! its own. A key present on one side only counts as changed. Keys a [`KeyFilter`] matches, and
//! everything under them, are left out: by default the volatile ones that change on every collection
//! ([`KeyFilter::VOLATILE`]).
//!
//! Works over `serde_json::Value`, so it diffs snapshots of any schema version and arbitrary JSON files
//! alike.

pub(crate) mod glob;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use glob::{Glob, GlobError};

/// One changed key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    /// The dotted key, e.g. `host.memory.available_bytes`.
    pub key: String,
    /// Whether the key was added, removed or changed.
    pub kind: ChangeKind,
    /// The old value; `null` when the key was added.
    pub old: Value,
    /// The new value; `null` when the key was removed.
    pub new: Value,
}

/// How a key changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Only in the new snapshot.
    Added,
    /// Only in the old snapshot.
    Removed,
    /// In both, with different values.
    Changed,
}

/// Which keys a diff leaves out: a key is ignored when a pattern matches it or one of its dotted
/// prefixes (so `host.load` ignores `host.load.1`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyFilter {
    globs: Vec<Glob>,
    /// Keys counted whatever their kind (`[diff] include`).
    include: Vec<Glob>,
    /// Whether only [`FieldKind::State`] leaves count ([`KeyFilter::semantic`]).
    states_only: bool,
}

impl KeyFilter {
    /// Keys that change on every collection and so say nothing: the collection report, every
    /// timestamp of a collection, uptimes, durations and the process's CPU use.
    pub const VOLATILE: &[&str] =
        &["collection.*", "*.taken_at", "*uptime_seconds", "*duration_ms", "process.cpu_pct"];

    /// [`KeyFilter::VOLATILE`] and nothing else.
    pub fn volatile() -> KeyFilter {
        KeyFilter {
            globs: KeyFilter::VOLATILE.iter().map(|p| Glob::compile(p)).collect(),
            include: Vec::new(),
            states_only: false,
        }
    }

    /// [`KeyFilter::VOLATILE`] plus `extra` patterns (from configuration).
    pub fn volatile_and<S: AsRef<str>>(extra: &[S]) -> Result<KeyFilter, GlobError> {
        let mut filter = KeyFilter::volatile();
        for pattern in extra {
            filter.globs.push(Glob::new(pattern.as_ref())?);
        }
        Ok(filter)
    }

    /// Change detection as hooks and the history's events want it: only states count (statuses,
    /// outcomes, names, counts of discrete things; see [`crate::kinds`]), plus the keys `include`
    /// matches; keys `ignore` matches never count, nor anything under them. Lists of named
    /// things are compared item by item (`health.checks[disk_available:/].status`).
    pub fn semantic<S: AsRef<str>>(include: &[S], ignore: &[S]) -> Result<KeyFilter, GlobError> {
        let compile = |patterns: &[S]| -> Result<Vec<Glob>, GlobError> {
            patterns.iter().map(|pattern| Glob::new(pattern.as_ref())).collect()
        };
        Ok(KeyFilter { globs: compile(ignore)?, include: compile(include)?, states_only: true })
    }

    /// Whether a changed leaf at `key` counts: not a gauge, counter or time unless included.
    fn counts(&self, key: &str) -> bool {
        !self.states_only
            || crate::kinds::kind_of(key) == crate::kinds::FieldKind::State
            || self.include.iter().any(|glob| glob.matches(key))
    }

    /// Whether `key` does not count: a pattern matches it or one of its dotted prefixes, or (for a
    /// [`KeyFilter::semantic`] filter) it is not a state and not included.
    pub fn ignores(&self, key: &str) -> bool {
        if !self.counts(key) {
            return true;
        }
        let prefixes = key.match_indices('.').map(|(at, _)| &key[..at]);
        prefixes.chain(std::iter::once(key)).any(|prefix| self.matches(prefix))
    }

    /// Whether `key` itself matches a pattern.
    fn matches(&self, key: &str) -> bool {
        self.globs.iter().any(|glob| glob.matches(key))
    }
}

/// The changed keys from `old` to `new`, sorted by key, leaving out what `filter` ignores. Empty when
/// nothing changed.
pub fn diff(old: &Value, new: &Value, filter: &KeyFilter) -> Vec<Change> {
    let mut walk = Walk { filter, path: String::new(), changes: Vec::new() };
    walk.pair(Some(old), Some(new));
    walk.changes.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    walk.changes
}

/// Every leaf of `value` with its dotted key, sorted by key. Lists, scalars and empty objects are
/// leaves; a value that is not an object is one leaf with the empty key.
pub fn flatten(value: &Value) -> Vec<(String, &Value)> {
    let mut leaves = Vec::new();
    let mut path = String::new();
    flatten_into(value, &mut path, &mut leaves);
    leaves.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    leaves
}

fn flatten_into<'v>(value: &'v Value, path: &mut String, leaves: &mut Vec<(String, &'v Value)>) {
    match branch(value) {
        Some(object) => {
            for (key, child) in object {
                let len = push_segment(path, key);
                flatten_into(child, path, leaves);
                path.truncate(len);
            }
        }
        None => leaves.push((path.clone(), value)),
    }
}

/// An object with members: the only kind of value the walk goes into.
fn branch(value: &Value) -> Option<&Map<String, Value>> {
    match value {
        Value::Object(object) if !object.is_empty() => Some(object),
        _ => None,
    }
}

/// Appends `.key` (or `key` at the root) and returns the length to truncate back to.
fn push_segment(path: &mut String, key: &str) -> usize {
    let len = path.len();
    if len > 0 {
        path.push('.');
    }
    path.push_str(key);
    len
}

struct Walk<'f> {
    filter: &'f KeyFilter,
    path: String,
    changes: Vec<Change>,
}

impl Walk<'_> {
    fn pair(&mut self, old: Option<&Value>, new: Option<&Value>) {
        // Equal sides hold no change, whatever the filter says: most of two snapshots a cycle apart
        // is equal, and comparing a subtree costs less than building its keys and matching them.
        if let (Some(old), Some(new)) = (old, new)
            && same(old, new)
        {
            return;
        }
        if !self.path.is_empty() && self.filter.matches(&self.path) {
            return;
        }
        if let (Some(old), Some(new)) = (old.and_then(named), new.and_then(named)) {
            self.named_pair(&old, &new);
            return;
        }
        match (old.and_then(branch), new.and_then(branch)) {
            // Two snapshots serialize an object's members in the same order: then they pair up by
            // position, without a lookup (a hash of the key) each.
            (Some(old), Some(new))
                if old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b) =>
            {
                for ((key, old_child), (_, new_child)) in old.iter().zip(new) {
                    let len = push_segment(&mut self.path, key);
                    self.pair(Some(old_child), Some(new_child));
                    self.path.truncate(len);
                }
            }
            (Some(old), Some(new)) => {
                for (key, old_child) in old {
                    let len = push_segment(&mut self.path, key);
                    self.pair(Some(old_child), new.get(key));
                    self.path.truncate(len);
                }
                for (key, new_child) in new.iter().filter(|(key, _)| !old.contains_key(*key)) {
                    let len = push_segment(&mut self.path, key);
                    self.pair(None, Some(new_child));
                    self.path.truncate(len);
                }
            }
            (None, None) => match (old, new) {
                (Some(old), Some(new)) if old != new => self.push(ChangeKind::Changed, old, new),
                (Some(old), None) => self.push(ChangeKind::Removed, old, &Value::Null),
                (None, Some(new)) => self.push(ChangeKind::Added, &Value::Null, new),
                _ => {}
            },
            // A leaf on one side and a branch (or nothing) on the other share no key: everything
            // under the old side is removed, everything under the new side added.
            _ => {
                if let Some(old) = old {
                    self.all(old, ChangeKind::Removed);
                }
                if let Some(new) = new {
                    self.all(new, ChangeKind::Added);
                }
            }
        }
    }

    /// Two lists of named things, compared item by item under `path[name]`.
    /// Items are looked for at the same position first (lists keep their order between cycles).
    fn named_pair<'v>(&mut self, old: &[(&'v str, &'v Value)], new: &[(&'v str, &'v Value)]) {
        let len = self.path.len();
        let at = |items: &[(&'v str, &'v Value)], i: usize, name: &str| match items.get(i) {
            Some((other, value)) if *other == name => Some(*value),
            _ => find_named(items, name),
        };
        for (i, (name, old_item)) in old.iter().enumerate() {
            let new_item = at(new, i, name);
            if new_item.is_some_and(|new_item| same(old_item, new_item)) {
                continue;
            }
            push_item(&mut self.path, name);
            self.pair(Some(old_item), new_item);
            self.path.truncate(len);
        }
        for (i, (name, new_item)) in new.iter().enumerate() {
            if at(old, i, name).is_some() {
                continue;
            }
            push_item(&mut self.path, name);
            self.pair(None, Some(new_item));
            self.path.truncate(len);
        }
    }

    /// Records every leaf under `value` (at the current path) as added or removed.
    fn all(&mut self, value: &Value, kind: ChangeKind) {
        if !self.path.is_empty() && self.filter.matches(&self.path) {
            return;
        }
        match branch(value) {
            Some(object) => {
                for (key, child) in object {
                    let len = push_segment(&mut self.path, key);
                    self.all(child, kind);
                    self.path.truncate(len);
                }
            }
            None => match kind {
                ChangeKind::Removed => self.push(kind, value, &Value::Null),
                _ => self.push(kind, &Value::Null, value),
            },
        }
    }

    fn push(&mut self, kind: ChangeKind, old: &Value, new: &Value) {
        if !self.filter.counts(&self.path) {
            return;
        }
        self.changes.push(Change {
            key: self.path.clone(),
            kind,
            old: old.clone(),
            new: new.clone(),
        });
    }
}

/// `old == new`, pairing the members of two objects by position while their keys agree (as in two
/// snapshots, serialized in one order), which spares the lookup of each key in the other object.
fn same(old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            if a.len() != b.len() {
                return false;
            }
            for ((key_a, a_child), (key_b, b_child)) in a.iter().zip(b) {
                if key_a != key_b {
                    return a == b;
                }
                if !same(a_child, b_child) {
                    return false;
                }
            }
            true
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        _ => old == new,
    }
}

/// Appends `[name]`.
fn push_item(path: &mut String, name: &str) {
    path.push('[');
    path.push_str(name);
    path.push(']');
}

fn find_named<'v>(items: &[(&'v str, &'v Value)], name: &str) -> Option<&'v Value> {
    items.iter().find(|(other, _)| *other == name).map(|(_, value)| *value)
}

/// The items of a list of named things (objects, each with a distinct string `name`), by name;
/// `None` for any other value.
fn named(value: &Value) -> Option<Vec<(&str, &Value)>> {
    let items = value.as_array().filter(|items| !items.is_empty())?;
    let mut named = Vec::with_capacity(items.len());
    for item in items {
        let name = item.get("name")?.as_str()?;
        if named.iter().any(|(other, _)| *other == name) {
            return None;
        }
        named.push((name, item));
    }
    Some(named)
}

#[cfg(test)]
mod tests;
