//! Fuzz target: the snapshot diff. Input: glob lines, a NUL byte, a JSON document, a NUL byte, a
//! second JSON document. No panic; a document diffed with itself has no change; changes come sorted
//! by key; when no object key is empty or holds a dot, no key the filter ignores is reported.
//! (Flattening to dotted keys cannot tell `{"a.b": 1}` from `{"a": {"b": 1}}`, nor an empty key
//! from the root: such keys may repeat, and the filter sees their dots as nesting.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use status_model::{KeyFilter, diff};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let (Some(globs), Some(old), Some(new)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let Ok(globs) = std::str::from_utf8(globs) else { return };
    let Ok(filter) = KeyFilter::volatile_and(&globs.lines().collect::<Vec<_>>()) else { return };
    let (Ok(old), Ok(new)) =
        (serde_json::from_slice::<Value>(old), serde_json::from_slice::<Value>(new))
    else {
        return;
    };
    assert!(diff::diff(&old, &old, &filter).is_empty(), "a document differs from itself");
    let changes = diff::diff(&old, &new, &filter);
    for pair in changes.windows(2) {
        assert!(pair[0].key <= pair[1].key, "keys not sorted: {pair:?}");
    }
    if plain_keys(&old) && plain_keys(&new) {
        for change in &changes {
            assert!(!filter.ignores(&change.key), "an ignored key was reported: {}", change.key);
        }
    }
});

/// Whether no object key in `value` is empty or holds a dot.
fn plain_keys(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .all(|(key, child)| !key.is_empty() && !key.contains('.') && plain_keys(child)),
        Value::Array(items) => items.iter().all(plain_keys),
        _ => true,
    }
}
