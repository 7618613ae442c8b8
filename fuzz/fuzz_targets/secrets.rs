//! Fuzz target: the secret scrubber. Input: any text. No panic; scrubbing twice changes nothing
//! more; and the redaction corpus is the seed of every run: each of its planted secrets, put between
//! copies of the input, never survives, so no surrounding text can hide a secret from the scrubber.

#![no_main]

use libfuzzer_sys::fuzz_target;
use status_model::redact::{corpus, scrub_secrets};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(once) = scrub_secrets(text) {
        assert_eq!(scrub_secrets(&once), None, "scrubbing {text:?} twice changed it");
    }
    // Words only around the planted text: a quote or separator in the input may legitimately
    // take more than the secret, never less.
    let words: String =
        text.chars().map(|c| if c.is_alphanumeric() || c == ' ' { c } else { ' ' }).collect();
    for (secret, planted) in corpus::SECRETS {
        let surrounded = format!("{words} {planted} {words}");
        let scrubbed = scrub_secrets(&surrounded).unwrap_or(surrounded);
        // The input may spell the secret itself as a bare word (a hex key with nothing around it
        // that says "key" is not told from a sha): only the planted copy must go.
        let bare = 2 * words.matches(secret).count();
        assert!(scrubbed.matches(secret).count() <= bare, "{secret} survives in {scrubbed:?}");
    }
});
