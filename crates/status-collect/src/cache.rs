//! The cache of the latest snapshot, read by the front-ends without waiting on collections.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::value::RawValue;
use status_model::{SectionName, Snapshot};
use tokio::sync::watch;
use tokio::time::Instant;

/// The latest snapshot and its JSON, serialized once when published so that readers do no work.
#[derive(Debug)]
pub struct Published {
    /// The snapshot.
    pub snapshot: Arc<Snapshot>,
    /// The whole snapshot as JSON.
    pub json: Bytes,
    /// Each configured section's JSON (`null` for a section without a value).
    pub sections: BTreeMap<SectionName, Bytes>,
    /// The terse projection's JSON ([`status_model::terse`]): small, so computed once here rather
    /// than per request.
    pub terse: Bytes,
}

/// Holds the latest [`Published`] snapshot. Cloning gives another handle to the same cache.
///
/// Readers take an `Arc` out ([`Cache::latest`]) and never hold a lock across anything else; the one
/// writer, the collection loop, replaces the whole value. It is `None` until the first collection.
#[derive(Clone, Debug)]
pub struct Cache {
    sender: Arc<watch::Sender<Option<Arc<Published>>>>,
    created: Instant,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache { sender: Arc::new(watch::Sender::new(None)), created: Instant::now() }
    }
}

impl Cache {
    /// Time since the cache was created: how long readers have waited when it is still empty.
    pub fn age(&self) -> std::time::Duration {
        self.created.elapsed()
    }

    /// The latest published snapshot; `None` before the first collection finishes.
    pub fn latest(&self) -> Option<Arc<Published>> {
        self.sender.borrow().clone()
    }

    /// Serializes `snapshot` (whole, section by section, and its terse projection) and makes it the latest, unless the cache
    /// already holds a later one (by `collection.sequence`). On a serialization error the previous
    /// snapshot stays in place.
    pub fn publish(&self, snapshot: Snapshot) -> Result<Arc<Published>, serde_json::Error> {
        let json = Bytes::from(serde_json::to_vec(&snapshot)?);
        // Each section's bytes are a slice of the whole, so they keep its field order and cost no copy.
        let raw: BTreeMap<&str, &RawValue> = serde_json::from_slice(&json)?;
        let sections = SectionName::ALL
            .iter()
            .filter_map(|&name| {
                raw.get(name.as_str())
                    .map(|section| (name, json.slice_ref(section.get().as_bytes())))
            })
            .collect();
        let terse = Bytes::from(serde_json::to_vec(&status_model::terse::terse(&snapshot))?);
        let published = Arc::new(Published { snapshot: Arc::new(snapshot), json, sections, terse });
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

#[cfg(test)]
mod tests;
