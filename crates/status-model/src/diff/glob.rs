//! [`Glob`]: the key patterns of a [`KeyFilter`](super::KeyFilter).

use std::fmt;

/// A key pattern: `*` matches any run of characters, dots included (`*.taken_at` matches
/// `collection.taken_at` and `deploy.last.taken_at`); every other character matches itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Glob {
    /// The literal pieces between the stars.
    pieces: Vec<String>,
    /// Whether the pattern starts with `*`.
    open_start: bool,
    /// Whether the pattern ends with `*`.
    open_end: bool,
    pattern: String,
}

/// A pattern that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobError(String);

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GlobError {}

impl Glob {
    /// Compiles a pattern. An empty pattern, or one of stars only, is an error: it would ignore every
    /// key.
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.chars().all(|c| c == '*') {
            return Err(GlobError(format!(
                "pattern {pattern:?} would ignore every key; name at least one character"
            )));
        }
        Ok(Glob::compile(pattern))
    }

    pub(crate) fn compile(pattern: &str) -> Glob {
        Glob {
            pieces: pattern.split('*').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            open_start: pattern.starts_with('*'),
            open_end: pattern.ends_with('*'),
            pattern: pattern.to_owned(),
        }
    }

    /// Whether the pattern matches the whole of `text`.
    pub fn matches(&self, text: &str) -> bool {
        matches_pieces(&self.pieces, self.open_start, self.open_end, text)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.pattern)
    }
}

/// Whether `text` is, whole, the literal `pieces` with any run of characters between them (and
/// before the first with `open_start`, after the last with `open_end`). Shared with the redaction
/// patterns, which match keys the same way.
pub(crate) fn matches_pieces(
    mut pieces: &[String],
    open_start: bool,
    open_end: bool,
    text: &str,
) -> bool {
    let mut rest = text;
    if !open_start {
        let Some((first, others)) = pieces.split_first() else { return text.is_empty() };
        let Some(after) = rest.strip_prefix(first.as_str()) else { return false };
        rest = after;
        pieces = others;
        if pieces.is_empty() && !open_end {
            return rest.is_empty();
        }
    }
    let last = match (open_end, pieces.split_last()) {
        (false, Some((last, middle))) => {
            pieces = middle;
            Some(last)
        }
        _ => None,
    };
    // Stars between pieces: taking the leftmost match of each piece never loses a match.
    for piece in pieces {
        match rest.find(piece.as_str()) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    match last {
        Some(last) => rest.ends_with(last.as_str()),
        None => true,
    }
}
