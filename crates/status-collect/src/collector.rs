//! The [`Collector`] trait and what a collector returns.

use std::collections::BTreeMap;

use async_trait::async_trait;
use status_model::{SectionData, SectionName};

/// Fills one section of the snapshot.
///
/// A collector is read-only and must not block the async runtime: blocking work (files, child
/// processes, databases without async drivers) runs on the blocking pool. It need not enforce its own
/// deadline or catch its own panics; the [`Engine`](crate::Engine) does both.
#[async_trait]
pub trait Collector: Send + Sync + 'static {
    /// The section this collector fills.
    fn section(&self) -> SectionName;

    /// Whether the section is in the snapshot at all, asked at the start of each collection: a
    /// collector of something the host may or may not use (its metrics registry, its workers)
    /// leaves the section absent until there is something to show. Must answer at once.
    fn configured(&self) -> bool {
        true
    }

    /// Collects the section once.
    async fn collect(&self) -> Result<Collected, CollectError>;

    /// Work this collector gave up at a deadline of its own since it was made (a database probe
    /// whose statement was interrupted), while the section itself answered in time. The engine adds
    /// it to the snapshot's `collection.abandoned_total`. Must answer at once.
    fn abandoned_total(&self) -> u64 {
        0
    }

    /// Takes up where an earlier run left off: `previous` is the (redacted) snapshot a run before
    /// this process published, as the store or the latest file kept it. A collector that reports a
    /// rate (CPU per second) keeps what it needs as its previous sample, so that the first
    /// collection of a one-shot run has one. Called before the first collection; must answer at
    /// once. The default keeps nothing.
    fn resume(&self, previous: &serde_json::Value) {
        let _ = previous;
    }
}

/// A collector's successful result.
#[derive(Clone, Debug, PartialEq)]
pub struct Collected {
    /// The section's value.
    pub data: SectionData,
    /// Fields left `null` because they could not be measured, with the reason for each.
    pub unmeasured: BTreeMap<String, String>,
}

impl Collected {
    /// A value with every field measured.
    pub fn complete(data: SectionData) -> Collected {
        Collected { data, unmeasured: BTreeMap::new() }
    }
}

/// Why a collector produced no value.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The section cannot be measured here (missing OS support, tool or service).
    #[error("{0}")]
    Unavailable(String),
    /// The attempt failed.
    #[error("{0}")]
    Failed(String),
}
