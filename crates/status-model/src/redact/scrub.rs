//! [`Scrubber`]: the strings one redaction hashed or dropped, removed from text derived from them.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// What replaces a dropped string found in derived text.
pub const REDACTED: &str = "[redacted]";

/// Hashed strings shorter than this are not scrubbed from derived text: one character would turn
/// every such letter or digit in a message into a pseudonym.
const MIN_HASHED: usize = 2;
/// Dropped strings shorter than this are not scrubbed: short values (`ok`, `error`, a count) are not
/// secrets, and replacing every such word in a message would make it unreadable.
const MIN_DROPPED: usize = 8;

/// The originals a redaction replaced, each with its replacement. Scrubbing replaces whole-word
/// occurrences (not inside a longer word), longest original first.
///
/// Its `Debug` output shows counts only: the originals are what redaction hides.
#[derive(Clone, Default)]
pub struct Scrubber {
    replacements: BTreeMap<String, String>,
    /// `replacements`, longest original first; rebuilt by `finish`.
    ordered: Vec<(String, String)>,
}

impl Scrubber {
    /// Whether nothing was hashed or dropped.
    pub fn is_empty(&self) -> bool {
        self.replacements.is_empty()
    }

    /// How many originals it replaces.
    pub fn len(&self) -> usize {
        self.replacements.len()
    }

    /// `text` with every original replaced; `None` when nothing in it needed scrubbing.
    pub fn scrub(&self, text: &str) -> Option<String> {
        let mut current: Option<String> = None;
        for (original, replacement) in &self.ordered {
            let source = current.as_deref().unwrap_or(text);
            if original.len() > source.len() || !source.contains(original.as_str()) {
                continue;
            }
            if let Some(replaced) = replace_words(source, original, replacement) {
                current = Some(replaced);
            }
        }
        current
    }

    /// Scrubs every string and every key inside `value`.
    pub fn scrub_value(&self, value: &mut Value) {
        if self.ordered.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Some(scrubbed) = self.scrub(text) {
                    *text = scrubbed;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.scrub_value(item);
                }
            }
            Value::Object(map) => {
                let entries = std::mem::replace(map, Map::new());
                for (key, mut child) in entries {
                    self.scrub_value(&mut child);
                    map.insert(self.scrub(&key).unwrap_or(key), child);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    pub(crate) fn hashed(&mut self, original: &str, hashed: &str) {
        if original.chars().count() >= MIN_HASHED {
            self.replacements.insert(original.to_owned(), hashed.to_owned());
        }
    }

    pub(crate) fn dropped_key(&mut self, key: &str) {
        if key.chars().count() >= MIN_DROPPED && !self.replacements.contains_key(key) {
            self.replacements.insert(key.to_owned(), REDACTED.to_owned());
        }
    }

    /// Records every string (and key) of a dropped value.
    pub(crate) fn dropped(&mut self, value: &Value) {
        match value {
            Value::String(text) => self.dropped_key(text),
            Value::Array(items) => items.iter().for_each(|item| self.dropped(item)),
            Value::Object(map) => {
                for (key, child) in map {
                    self.dropped_key(key);
                    self.dropped(child);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    pub(crate) fn finish(&mut self) {
        let mut ordered: Vec<(String, String)> =
            self.replacements.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        ordered.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        self.ordered = ordered;
    }
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber").field("originals", &self.replacements.len()).finish()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Replaces the occurrences of `original` in `text` that are not part of a longer word (as `\b` in
/// a regular expression: a boundary is required only on a side where `original` has a word
/// character). `None` when there is none.
fn replace_words(text: &str, original: &str, replacement: &str) -> Option<String> {
    let starts_word = original.chars().next().is_some_and(is_word);
    let ends_word = original.chars().next_back().is_some_and(is_word);
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = text[from..].find(original) {
        let start = from + at;
        let end = start + original.len();
        let before_ok = !starts_word || !text[..start].chars().next_back().is_some_and(is_word);
        let after_ok = !ends_word || !text[end..].chars().next().is_some_and(is_word);
        if before_ok && after_ok {
            out.push_str(&text[copied..start]);
            out.push_str(replacement);
            copied = end;
            from = end;
        } else {
            from = start + text[start..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}
