//! The cache of the latest snapshot, read by the front-ends without waiting on collections.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;
use status_model::redact::Scrubber;
use status_model::{
    CollectionReport, HealthReport, RedactedSnapshot, Redactor, SectionName, Snapshot,
};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::RedactConfig;

/// The latest snapshot, redacted once when published so that readers do no work and no view can
/// show what the redaction policy hides.
///
/// Render only from the redacted parts (`value`, `json`, `sections`, `collection`, `health`);
/// `snapshot` is the unredacted original, for decisions inside the process.
#[derive(Debug)]
pub struct Published {
    /// The snapshot as collected, UNREDACTED: never serve, store or log it.
    pub snapshot: Arc<Snapshot>,
    /// The redacted snapshot as a JSON value (for history, files, hooks and diffs), shared: the
    /// pipeline keeps it as the next diff's `previous` without copying the tree.
    pub value: Arc<Value>,
    /// `value` serialized.
    pub json: Bytes,
    /// Each configured section's redacted JSON (`null` for a section without a value).
    pub sections: BTreeMap<SectionName, Bytes>,
    /// The terse projection's JSON ([`status_model::terse`]) of the redacted snapshot: small, so
    /// computed once here rather than per request.
    pub terse: Bytes,
    /// The collection report, scrubbed of what the policy hashed or dropped.
    pub collection: CollectionReport,
    /// The health report, scrubbed of what the policy hashed or dropped.
    pub health: Option<HealthReport>,
    /// Scrubs other text derived from this snapshot (a log line naming a check, a hook message) of
    /// what the policy hashed or dropped.
    pub scrubber: Scrubber,
}

/// Holds the latest [`Published`] snapshot. Cloning gives another handle to the same cache.
///
/// Readers take an `Arc` out ([`Cache::latest`]) and never hold a lock across anything else; the one
/// writer, the collection loop, replaces the whole value. It is `None` until the first collection.
///
/// ```
/// use status_collect::Cache;
/// use status_model::{CollectionReport, Snapshot};
///
/// let cache = Cache::default(); // in a host: `status.cache()`, filled by the loop
/// assert!(cache.latest().is_none(), "nothing before the first collection");
/// let mut published = cache.subscribe();
/// let snapshot = Snapshot::new(CollectionReport {
///     taken_at: "2026-01-01T00:00:00Z".parse()?,
///     duration_ms: 1.0,
///     sequence: 1,
///     interval_seconds: None,
///     abandoned_total: 0,
///     left_out: Default::default(),
///     sections: Default::default(),
/// });
/// cache.publish(snapshot)?;
/// assert!(published.has_changed()?);
/// let latest = cache.latest().expect("published");
/// assert!(latest.json.starts_with(b"{"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    sender: Arc<watch::Sender<Option<Arc<Published>>>>,
    redactor: Arc<Redactor>,
    created: Instant,
}

impl Default for Cache {
    /// A cache that applies the default redaction policy.
    fn default() -> Cache {
        Cache::new(RedactConfig::default().redactor())
    }
}

impl Cache {
    /// A cache that redacts every snapshot with `redactor` as it is published.
    pub fn new(redactor: Redactor) -> Cache {
        Cache {
            sender: Arc::new(watch::Sender::new(None)),
            redactor: Arc::new(redactor),
            created: Instant::now(),
        }
    }

    /// The redactor applied to every published snapshot (for other outputs of the same data).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Time since the cache was created: how long readers have waited when it is still empty.
    pub fn age(&self) -> std::time::Duration {
        self.created.elapsed()
    }

    /// The latest published snapshot; `None` before the first collection finishes.
    pub fn latest(&self) -> Option<Arc<Published>> {
        self.sender.borrow().clone()
    }

    /// Redacts and serializes `snapshot` (whole, section by section, and its terse projection) and
    /// makes it the latest, unless the cache already holds a later one (by `collection.sequence`).
    /// On a serialization error the previous snapshot stays in place.
    pub fn publish(&self, snapshot: Snapshot) -> Result<Arc<Published>, serde_json::Error> {
        let RedactedSnapshot { value, collection, health, scrubber } =
            self.redactor.redact_snapshot(&snapshot)?;
        let (json, entries) = serialize_entries(&value)?;
        let json = Bytes::from(json);
        // Each section's bytes are a slice of the whole, so they keep its field order and cost no copy.
        let sections = entries
            .into_iter()
            .filter_map(|(key, range)| {
                let name = SectionName::ALL.iter().find(|name| name.as_str() == key)?;
                Some((*name, json.slice(range)))
            })
            .collect();
        let terse = Bytes::from(serde_json::to_vec(&status_model::terse::terse_value(&value))?);
        let published = Arc::new(Published {
            snapshot: Arc::new(snapshot),
            value: Arc::new(value),
            json,
            sections,
            terse,
            collection,
            health,
            scrubber,
        });
        // Two collections may finish publishing out of order; the newer one stays.
        self.sender.send_if_modified(|latest| {
            let newer = latest.as_ref().is_none_or(|current| {
                current.snapshot.collection.sequence <= published.snapshot.collection.sequence
            });
            if newer {
                *latest = Some(published.clone());
            }
            newer
        });
        Ok(published)
    }

    /// A receiver that is told of every new snapshot.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<Published>>> {
        self.sender.subscribe()
    }
}

/// A top-level key and where its value lies in the serialized bytes.
type Entry<'a> = (&'a str, Range<usize>);

/// `value` serialized as `serde_json::to_vec` does, with where each top-level entry's value lies in
/// the bytes (none unless `value` is an object): the sections are found as they are written, not
/// by parsing the whole again.
fn serialize_entries(value: &Value) -> serde_json::Result<(Vec<u8>, Vec<Entry<'_>>)> {
    let Value::Object(top) = value else { return Ok((serde_json::to_vec(value)?, Vec::new())) };
    let mut out = Vec::with_capacity(16 * 1024);
    let mut entries = Vec::with_capacity(top.len());
    out.push(b'{');
    for (index, (key, entry)) in top.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, key)?;
        out.push(b':');
        let start = out.len();
        serde_json::to_writer(&mut out, entry)?;
        entries.push((key.as_str(), start..out.len()));
    }
    out.push(b'}');
    Ok((out, entries))
}

#[cfg(test)]
mod tests;
