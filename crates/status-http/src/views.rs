//! The answers rendered once per snapshot, kept beside `/status`'s derivatives (see
//! `encoding::Memo`): `/metrics` per format, `/health`, the live health report the probes read, and
//! the page. Each is keyed by the freshness check's verdict at the request (the only part of the
//! health report that changes between collections), so a snapshot has at most a few of each; the
//! parts that change with the request's time are filled in per request (`encoding::Splice`).

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use hyper::StatusCode;
use status_model::{HealthReport, HealthStatus};

use crate::encoding::Splice;
use crate::metrics::Format;

/// The freshness check's status at the request, when the report has that check.
pub(crate) type Verdict = Option<HealthStatus>;

/// Renders kept per key; a snapshot sees a handful of keys, and at most [`KEYS`] are kept.
#[derive(Debug)]
struct Keyed<K, V>(Mutex<Vec<(K, Arc<V>)>>);

/// The most renders kept for one view of one snapshot.
const KEYS: usize = 8;

impl<K, V> Default for Keyed<K, V> {
    fn default() -> Keyed<K, V> {
        Keyed(Mutex::new(Vec::new()))
    }
}

impl<K: PartialEq + Copy, V> Keyed<K, V> {
    /// The render for `key`, made now when there is none.
    fn get(&self, key: K, make: impl FnOnce() -> V) -> Arc<V> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, value)) = kept.iter().find(|(kept, _)| *kept == key) {
            return value.clone();
        }
        let value = Arc::new(make());
        if kept.len() >= KEYS {
            kept.remove(0);
        }
        kept.push((key, value.clone()));
        value
    }
}

/// `/health` for one verdict: its status code, the full body with a hole for the freshness
/// check's entry, and the minimal body.
#[derive(Debug)]
pub(crate) struct Health {
    pub(crate) code: StatusCode,
    /// `None` when the snapshot has no health report.
    pub(crate) full: Option<Splice>,
    pub(crate) minimal: Bytes,
}

/// A `/metrics` body: its format and whether gzip, the age (ms) it was made for, the bytes.
type MetricsBody = ((Format, bool), i64, Bytes);

/// What one snapshot's views keep.
#[derive(Debug, Default)]
pub(crate) struct Views {
    metrics: Keyed<(Format, Verdict), Splice>,
    health: Keyed<Verdict, Health>,
    reports: Keyed<Verdict, Option<HealthReport>>,
    pages: Keyed<(i64, bool, Verdict), Bytes>,
    /// The last `/metrics` body of each format and encoding, and the age (ms) it was made for.
    bodies: Mutex<Vec<MetricsBody>>,
}

impl Views {
    pub(crate) fn metrics(
        &self,
        format: Format,
        verdict: Verdict,
        make: impl FnOnce() -> Splice,
    ) -> Arc<Splice> {
        self.metrics.get((format, verdict), make)
    }

    /// The `/metrics` body in `format` (gzip or not) for a snapshot `age_ms` old: the last one
    /// made, when it was made for that age.
    pub(crate) fn metrics_body(
        &self,
        format: Format,
        gzip: bool,
        age_ms: i64,
        make: impl FnOnce() -> Bytes,
    ) -> Bytes {
        let key = (format, gzip);
        {
            let bodies = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, _, body)) =
                bodies.iter().find(|(kept, age, _)| *kept == key && *age == age_ms)
            {
                return body.clone();
            }
        }
        let body = make();
        let mut bodies = self.bodies.lock().unwrap_or_else(PoisonError::into_inner);
        bodies.retain(|(kept, _, _)| *kept != key);
        bodies.push((key, age_ms, body.clone()));
        body
    }

    pub(crate) fn health(&self, verdict: Verdict, make: impl FnOnce() -> Health) -> Arc<Health> {
        self.health.get(verdict, make)
    }

    /// The live health report as of the first request with this verdict: every check's status is
    /// the same for every request with it; the freshness check's own result is the request's.
    pub(crate) fn report(
        &self,
        verdict: Verdict,
        make: impl FnOnce() -> Option<HealthReport>,
    ) -> Arc<Option<HealthReport>> {
        self.reports.get(verdict, make)
    }

    /// The page rendered as of the whole second `second` (everything it shows is to the second),
    /// with or without the logout button.
    pub(crate) fn page(
        &self,
        second: i64,
        logout: bool,
        verdict: Verdict,
        make: impl FnOnce() -> Bytes,
    ) -> Arc<Bytes> {
        self.pages.get((second, logout, verdict), make)
    }
}
