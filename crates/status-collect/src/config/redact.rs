//! `[redact]`: which fields every output drops or replaces by a keyed pseudonym.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};
use status_model::{FieldPattern, Redactor};

/// `[redact]`: the redaction policy, applied once per snapshot to everything that leaves the
/// process (JSON, HTML, metrics labels, health, history, files, hooks).
///
/// Patterns name fields by their dotted path inside the sections (`tasks.tasks.group`,
/// `queue.per_group`); a pattern without a dot names a field by its own name at any depth
/// (`*_token`), never a name the user chose. See [`FieldPattern`] for the syntax.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RedactConfig {
    /// `defaults`: also drop what [`status_model::redact::DEFAULT_DROP`] lists (environment values,
    /// message text, fields named like a secret). Default true. Reasons and errors are kept; every
    /// string is scrubbed of secrets ([`status_model::redact::scrub_secrets`]) whatever the policy.
    pub defaults: bool,
    /// `drop`: patterns of fields to remove.
    #[serde(deserialize_with = "patterns")]
    pub drop: Vec<FieldPattern>,
    /// `hash`: patterns of fields whose strings, numbers and map keys are replaced by pseudonyms
    /// (`h:` and 12 hex digits), stable while the process runs.
    #[serde(deserialize_with = "patterns")]
    pub hash: Vec<FieldPattern>,
}

impl Default for RedactConfig {
    fn default() -> RedactConfig {
        RedactConfig { defaults: true, drop: Vec::new(), hash: Vec::new() }
    }
}

impl RedactConfig {
    /// The redactor for this policy, under the process's pseudonym key.
    pub fn redactor(&self) -> Redactor {
        let mut drop = if self.defaults { Redactor::default_drop() } else { Vec::new() };
        drop.extend(self.drop.iter().cloned());
        Redactor::new(drop, self.hash.clone(), process_key())
    }
}

/// The pseudonym key: random, made once per process, never written anywhere. Every redactor of the
/// process shares it, so a chat id has the same pseudonym in `/status`, `/metrics` and the history.
///
/// std's `RandomState` is seeded from the operating system's random source; two of its SipHash
/// outputs under that secret seed are as unpredictable as the seed, without another dependency.
fn process_key() -> [u8; 16] {
    static KEY: OnceLock<[u8; 16]> = OnceLock::new();
    *KEY.get_or_init(|| {
        let state = RandomState::new();
        let mut key = [0u8; 16];
        key[..8].copy_from_slice(&state.hash_one(0x7374_6174_7573_u64).to_le_bytes());
        key[8..].copy_from_slice(&state.hash_one(0x7265_6461_6374_u64).to_le_bytes());
        key
    })
}

fn patterns<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<FieldPattern>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|pattern| FieldPattern::new(pattern).map_err(serde::de::Error::custom))
        .collect()
}
