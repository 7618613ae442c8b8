//! Per-snapshot derivatives of `/status` (its ETag and its gzip body, each computed once per
//! published snapshot), conditional requests and `Accept-Encoding` negotiation.

use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::{Compress, Compression, FlushCompress};
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
    /// The other answers rendered from this snapshot.
    pub(crate) views: crate::views::Views,
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
            views: crate::views::Views::default(),
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

/// The gzip member header: deflate, no name, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];

/// A deflate block that ends the stream: final, stored, empty.
const FINAL_EMPTY_BLOCK: [u8; 5] = [0x01, 0x00, 0x00, 0xff, 0xff];

/// An answer rendered once with one hole for the part that depends on the request's time (the
/// snapshot's age, the freshness check): a request copies the two halves around its few bytes,
/// and for gzip splices the halves, each compressed once, around the hole as a stored block, so no
/// request compresses the body.
#[derive(Debug)]
pub(crate) struct Splice {
    head: Bytes,
    tail: Bytes,
    deflated: OnceLock<Deflated>,
}

/// The halves deflated on their own (each ends on a byte boundary with no final block), and
/// their CRCs.
#[derive(Debug)]
struct Deflated {
    head: Bytes,
    tail: Bytes,
    head_crc: crc32fast::Hasher,
    tail_crc: crc32fast::Hasher,
}

impl Splice {
    /// `text` split at byte `at` (where the hole goes).
    pub(crate) fn new(mut text: String, at: usize) -> Splice {
        let at = at.min(text.len());
        let tail = Bytes::from(text.split_off(at));
        Splice { head: Bytes::from(text), tail, deflated: OnceLock::new() }
    }

    /// The body with `hole` in its place.
    pub(crate) fn plain(&self, hole: &[u8]) -> Bytes {
        let mut body = Vec::with_capacity(self.head.len() + hole.len() + self.tail.len());
        body.extend_from_slice(&self.head);
        body.extend_from_slice(hole);
        body.extend_from_slice(&self.tail);
        Bytes::from(body)
    }

    /// The body with `hole` in its place, gzip-compressed: the halves compressed on first use.
    pub(crate) fn gzip(&self, hole: &[u8]) -> Bytes {
        let deflated = self.deflated.get_or_init(|| Deflated {
            head: deflate_part(&self.head),
            tail: deflate_part(&self.tail),
            head_crc: crc(&self.head),
            tail_crc: crc(&self.tail),
        });
        let mut sum = deflated.head_crc.clone();
        sum.combine(&crc(hole));
        sum.combine(&deflated.tail_crc);
        let size = self.head.len() + hole.len() + self.tail.len();
        let mut out = Vec::with_capacity(
            GZIP_HEADER.len() + deflated.head.len() + hole.len() + deflated.tail.len() + 64,
        );
        out.extend_from_slice(&GZIP_HEADER);
        out.extend_from_slice(&deflated.head);
        for chunk in hole.chunks(usize::from(u16::MAX)) {
            // A stored block: header bits (not final, type 00) in a byte of their own, then the
            // length and its complement, then the bytes.
            let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
            out.push(0);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&deflated.tail);
        out.extend_from_slice(&FINAL_EMPTY_BLOCK);
        out.extend_from_slice(&sum.finalize().to_le_bytes());
        // ISIZE: the length modulo 2^32, as RFC 1952 defines it.
        #[expect(clippy::cast_possible_truncation, reason = "ISIZE is the size modulo 2^32")]
        out.extend_from_slice(&(size as u32).to_le_bytes());
        Bytes::from(out)
    }
}

fn crc(data: &[u8]) -> crc32fast::Hasher {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(data);
    hasher
}

/// `data` as raw deflate blocks ending with a full flush: on a byte boundary, no final block, and
/// no reference to it from whatever follows, so other parts may be appended.
fn deflate_part(data: &[u8]) -> Bytes {
    let mut compress = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        let read = usize::try_from(compress.total_in()).unwrap_or(usize::MAX).min(data.len());
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(256));
        }
        if compress.compress_vec(&data[read..], &mut out, FlushCompress::Full).is_err() {
            // Compressing into memory does not fail; an empty part still leaves a valid stream.
            out.clear();
            break;
        }
        let all_read = usize::try_from(compress.total_in()).is_ok_and(|read| read == data.len());
        // The flush is complete when it returned with output room to spare.
        if all_read && out.len() < out.capacity() {
            break;
        }
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests;
