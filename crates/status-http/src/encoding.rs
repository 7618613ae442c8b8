//! Per-snapshot derivatives of `/status` (its ETag and its gzip body, each computed once per
//! published snapshot), conditional requests and `Accept-Encoding` negotiation.

use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use hyper::HeaderMap;
use hyper::header::{ACCEPT_ENCODING, HeaderValue, IF_NONE_MATCH};
use status_collect::Published;

/// Bodies smaller than this are sent as they are: compressing them saves less than the headers cost.
pub(crate) const MIN_GZIP: usize = 1024;

/// `/status`'s derivatives for the latest snapshot, replaced when a newer one is served.
#[derive(Default, Debug)]
pub(crate) struct Memo {
    current: Mutex<Option<Arc<Derived>>>,
}

/// What `/status` derives from one published snapshot.
#[derive(Debug)]
pub(crate) struct Derived {
    /// Held so the pointer identifying the snapshot cannot be reused while this is cached.
    published: Arc<Published>,
    pub(crate) etag: HeaderValue,
    gzip: OnceLock<Bytes>,
}

impl Memo {
    /// The derivatives of `published`, made on the first request that needs them.
    pub(crate) fn get(&self, published: &Arc<Published>) -> Arc<Derived> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(derived) = current.as_ref().filter(|d| Arc::ptr_eq(&d.published, published)) {
            return derived.clone();
        }
        let derived = Arc::new(Derived {
            published: published.clone(),
            etag: etag(published),
            gzip: OnceLock::new(),
        });
        *current = Some(derived.clone());
        derived
    }
}

impl Derived {
    /// The gzip body of `/status`, compressed on first use.
    pub(crate) fn gzip(&self) -> Bytes {
        self.gzip.get_or_init(|| gzip(&self.published.json, Compression::default())).clone()
    }
}

/// A strong ETag over the JSON: the collection's sequence and a hash of the bytes.
fn etag(published: &Published) -> HeaderValue {
    let mut hasher = DefaultHasher::new();
    hasher.write(&published.json);
    let tag = format!("\"{:x}-{:016x}\"", published.collection.sequence, hasher.finish());
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// Whether `If-None-Match` names `etag` (or is `*`), with the weak comparison RFC 9110 asks for.
pub(crate) fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    headers.get_all(IF_NONE_MATCH).iter().any(|value| {
        value.as_bytes().split(|&b| b == b',').map(<[u8]>::trim_ascii).any(|candidate| {
            candidate == b"*" || candidate.strip_prefix(b"W/").unwrap_or(candidate) == etag
        })
    })
}

/// Whether the client accepts gzip (`gzip`, `x-gzip` or `*`, with a non-zero quality).
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let wanted = ["gzip", "x-gzip", "*"].iter().any(|c| coding.eq_ignore_ascii_case(c));
            let zero = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .or_else(|| param.strip_prefix("Q="))
                    .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            wanted && !zero
        })
    })
}

/// `body` compressed with gzip.
pub(crate) fn gzip(body: &[u8], level: Compression) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), level);
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(body);
    Bytes::from(encoder.finish().unwrap_or_default())
}
