//! [`FieldPattern`]: which fields of a JSON document a redaction rule applies to.

use std::fmt;

/// A pattern over the path of a field: its keys from the top, joined by `.`.
///
/// - Each segment matches one key; `*` inside a segment matches any run of characters within that
///   key (`*token*`, `per_*`), and a segment that is exactly `**` matches any number of keys.
/// - A pattern without a `.` matches a key of that name at any depth (`password` is `**.password`).
/// - Array elements are not keys: `tasks.tasks.group` is the `group` of every task.
/// - Matching ignores ASCII case, so `*token*` catches `API_TOKEN`.
///
/// Keys are compared whole, so a key holding dots (a chat id such as `123@g.us`, a path) is one
/// segment, matched by one `*`.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldPattern {
    segments: Vec<Segment>,
    pattern: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of keys.
    Any,
    /// A key glob, lowercased, split at its stars.
    Glob { pieces: Vec<String>, open_start: bool, open_end: bool },
}

/// A pattern that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(String);

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

impl FieldPattern {
    /// Compiles a pattern. Empty segments (`a..b`) and patterns that would match every field (`*`,
    /// `**`) are errors.
    pub fn new(pattern: &str) -> Result<FieldPattern, PatternError> {
        let error = |why: &str| Err(PatternError(format!("field pattern {pattern:?} {why}")));
        if pattern.split('.').any(str::is_empty) {
            return error("has an empty segment; write keys separated by single dots");
        }
        if pattern.split('.').all(|segment| segment.chars().all(|c| c == '*')) {
            return error("would match every field; name at least one key");
        }
        let mut segments: Vec<Segment> = pattern.split('.').map(Segment::compile).collect();
        if segments.len() == 1 {
            segments.insert(0, Segment::Any);
        }
        Ok(FieldPattern { segments, pattern: pattern.to_owned() })
    }

    /// Whether the pattern matches the field at `path` (its keys from the top).
    pub fn matches<S: AsRef<str>>(&self, path: &[S]) -> bool {
        matches_from(&self.segments, path)
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }
}

impl fmt::Debug for FieldPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPattern({:?})", self.pattern)
    }
}

impl Segment {
    fn compile(segment: &str) -> Segment {
        if segment == "**" {
            return Segment::Any;
        }
        let lower = segment.to_ascii_lowercase();
        Segment::Glob {
            pieces: lower.split('*').filter(|p| !p.is_empty()).map(str::to_owned).collect(),
            open_start: lower.starts_with('*'),
            open_end: lower.ends_with('*'),
        }
    }
}

/// Backtracks only at `**`, which patterns use sparingly; paths are a handful of keys deep.
fn matches_from<S: AsRef<str>>(segments: &[Segment], path: &[S]) -> bool {
    match segments.split_first() {
        None => path.is_empty(),
        Some((Segment::Any, rest)) => {
            (0..=path.len()).any(|skip| matches_from(rest, &path[skip..]))
        }
        Some((Segment::Glob { pieces, open_start, open_end }, rest)) => match path.split_first() {
            Some((key, path)) => {
                glob_matches(pieces, *open_start, *open_end, key.as_ref())
                    && matches_from(rest, path)
            }
            None => false,
        },
    }
}

/// Whether a key matches a glob's pieces, ignoring ASCII case (the pieces are lowercase).
fn glob_matches(pieces: &[String], open_start: bool, open_end: bool, key: &str) -> bool {
    crate::diff::glob::matches_pieces(pieces, open_start, open_end, &key.to_ascii_lowercase())
}
