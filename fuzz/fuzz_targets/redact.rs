//! Fuzz target: the redaction engine. Input: pattern lines (`-pattern` drops, `#pattern` hashes),
//! a NUL byte, then a JSON document. No panic; dropping is idempotent; scrubbing any text is safe.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use status_model::{FieldPattern, Redactor};

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else { return };
    let (rules, document) = (&data[..split], &data[split + 1..]);
    let Ok(rules) = std::str::from_utf8(rules) else { return };
    let Ok(document) = serde_json::from_slice::<Value>(document) else { return };
    let mut drop = Vec::new();
    let mut hash = Vec::new();
    for line in rules.lines() {
        let (list, pattern) = match line.split_at_checked(1) {
            Some(("-", pattern)) => (&mut drop, pattern),
            Some(("#", pattern)) => (&mut hash, pattern),
            _ => continue,
        };
        if let Ok(pattern) = FieldPattern::new(pattern) {
            list.push(pattern);
        }
    }
    let key = *b"fuzzing-key-0123";

    let mut whole = document.clone();
    let scrubber = Redactor::new(drop.clone(), hash.clone(), key).redact_value(&mut whole);
    let _ = scrubber.scrub(rules);
    let mut again = serde_json::to_string(&document).unwrap_or_default();
    if let Some(scrubbed) = scrubber.scrub(&again) {
        again = scrubbed;
    }
    let _ = again;

    let mut snapshot_shaped = document.clone();
    let _ = Redactor::new(drop.clone(), hash, key).redact_snapshot_value(&mut snapshot_shaped);

    // Dropping twice drops nothing more.
    let dropper = Redactor::new(drop, Vec::new(), key);
    let mut once = document;
    dropper.redact_value(&mut once);
    let mut twice = once.clone();
    dropper.redact_value(&mut twice);
    assert_eq!(once, twice);
});
