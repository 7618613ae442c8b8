//! What the latest file adds to the snapshot, as scitex writes it: `has_diff` and `diff_fields`.

use status_model::Change;

/// The most keys `diff_fields` lists (the first, sorted): a change of thousands of keys (every disk
/// of a big host) would otherwise double the file every writer reads back under the lock.
pub(crate) const MAX_DIFF_FIELDS: usize = 256;

/// The keys the latest file adds to the snapshot.
pub const LATEST_DIFF_KEYS: [&str; 2] = ["has_diff", "diff_fields"];

/// `json` (a snapshot object) with `has_diff` and `diff_fields` added at its end.
pub(super) fn with_diff_fields(json: &[u8], changes: &[Change]) -> Vec<u8> {
    let fields: Vec<&str> =
        changes.iter().take(MAX_DIFF_FIELDS).map(|change| change.key.as_str()).collect();
    let fields = serde_json::to_string(&fields).unwrap_or_else(|_| "[]".to_owned());
    let added = format!("\"has_diff\":{},\"diff_fields\":{fields}}}", !changes.is_empty());
    let body = json.trim_ascii_end();
    let mut out = Vec::with_capacity(json.len() + added.len() + 1);
    match body.strip_suffix(b"}") {
        Some(open) => {
            out.extend_from_slice(open);
            // An empty object takes no comma.
            if !open.trim_ascii_end().ends_with(b"{") {
                out.push(b',');
            }
        }
        None => out.extend_from_slice(b"{"),
    }
    out.extend_from_slice(added.as_bytes());
    out
}
