//! The state of a redaction walk: the cached decision for each path, the path being walked, and
//! what the walk counts and collects.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::Scrubber;
use super::clean::CleanTexts;
use super::secrets::scrub_secrets;

/// A map by key, hashed with foldhash: looked up for every key of every snapshot.
pub(super) type KeyMap<V> = HashMap<String, V, RandomState>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    Keep,
    Hash,
    Drop,
    /// A name the user chose that a drop rule matched: the name is hashed, the entry kept.
    HashName,
}

/// What a redactor keeps between snapshots: the decision for each path seen, as a tree of keys,
/// and the texts the last snapshot found free of secrets.
#[derive(Debug, Default)]
pub(super) struct Decisions {
    pub(super) children: KeyMap<Decision>,
    /// How many decisions the tree holds (at most `CACHE_LIMIT`).
    pub(super) size: usize,
    pub(super) clean: CleanTexts,
}

#[derive(Debug)]
pub(super) struct Decision {
    pub(super) action: Action,
    pub(super) shape: Option<usize>,
    pub(super) children: KeyMap<Decision>,
}

/// One key of the path being walked, linked to its parent: a path without allocating.
pub(super) struct Link<'a> {
    pub(super) key: &'a str,
    pub(super) parent: Option<&'a Link<'a>>,
}

/// What one walk counts and collects.
#[derive(Default)]
pub(super) struct Walk {
    pub(super) scrubber: Scrubber,
    /// Fields dropped and names hashed by drop rules.
    pub(super) dropped: u64,
    /// The dotted paths of the dropped fields (few: only what the rules dropped).
    pub(super) dropped_paths: Vec<String>,
    /// Texts known free of secrets (for snapshots, which repeat most of their strings).
    pub(super) clean: Option<CleanTexts>,
}

impl Walk {
    /// Scrubs `text` of secrets (looked up first among the texts known clean, if kept).
    pub(super) fn scrub_text(&mut self, text: &mut String) {
        match &mut self.clean {
            Some(clean) => clean.scrub(text),
            None => {
                if let Some(scrubbed) = scrub_secrets(text) {
                    *text = scrubbed;
                }
            }
        }
    }
}

/// The dotted path of `link` from the top.
pub(super) fn dotted(link: &Link<'_>) -> String {
    let mut keys = vec![link.key];
    let mut parent = link.parent;
    while let Some(current) = parent {
        keys.push(current.key);
        parent = current.parent;
    }
    keys.reverse();
    keys.join(".")
}
