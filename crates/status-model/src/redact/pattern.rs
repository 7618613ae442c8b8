//! [`FieldPattern`]: which fields of a JSON document a redaction rule applies to.

use std::fmt;

/// A pattern over the path of a field: its keys from the top, joined by `.`.
///
/// - Each segment matches one key. Inside a segment, names are compared by their `_`-separated
///   parts (a key's parts are also split at `-` and at case changes, so `apiKey`, `API_KEY` and
///   `api-key` are all `api`, `key`): a part that is exactly `*` matches any number of parts
///   (`*_token` matches `token`, `api_token` and `access_token`, not `tokenizer` or `max_tokens`),
///   and `*` inside a part matches any run of characters within that part (`*token*` matches
///   `tokenizer`). A segment that is exactly `**` matches any number of keys.
/// - A pattern without a `.` names a field by its own name at any depth (`password`,
///   `*_token`). It never matches a map key the user chose (a repository, process, container,
///   database or channel name): those are names, not fields.
/// - Array elements are not keys: `tasks.tasks.group` is the `group` of every task.
/// - Matching ignores ASCII case, so `*_token` catches `API_TOKEN`.
///
/// Keys are compared whole, so a key holding dots (a chat id such as `123@g.us`, a path) is one
/// segment, matched by one `*`.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldPattern {
    segments: Vec<Segment>,
    pattern: String,
    /// Written without a dot: matches a field's own name only.
    by_name: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of keys.
    Any,
    /// A key glob, lowercased, as its `_`-separated parts.
    Glob(Vec<Part>),
}

/// One `_`-separated part of a key glob.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    /// `*`: any number of parts.
    Any,
    /// A part glob, lowercased, split at its stars.
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
        let by_name = segments.len() == 1;
        if by_name {
            segments.insert(0, Segment::Any);
        }
        Ok(FieldPattern { segments, pattern: pattern.to_owned(), by_name })
    }

    /// Whether the pattern matches the field at `path` (its keys from the top), every key a field
    /// name.
    pub fn matches<S: AsRef<str>>(&self, path: &[S]) -> bool {
        matches_from(&self.segments, path)
    }

    /// Whether the pattern matches the entry at `path` whose last key is a map key the user chose
    /// (`last_is_name`) or a field's name. A pattern without a dot matches field names only.
    pub fn matches_entry<S: AsRef<str>>(&self, path: &[S], last_is_name: bool) -> bool {
        if self.by_name {
            return !last_is_name
                && path.last().is_some_and(|key| key_matches(&self.segments[1], key.as_ref()));
        }
        matches_from(&self.segments, path)
    }

    /// Whether it was written without a dot, naming a field by its own name at any depth.
    pub fn by_name(&self) -> bool {
        self.by_name
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
        let mut parts = Vec::new();
        for part in lower.split(['_', '-']) {
            if part == "*" {
                parts.push(Part::Any);
                continue;
            }
            // A star at a part's edge also reaches across parts: `*token*` matches
            // `tokenizer_model` as it always did.
            let (open_start, open_end) = (part.starts_with('*'), part.ends_with('*'));
            if open_start {
                parts.push(Part::Any);
            }
            let pieces = part.split('*').filter(|p| !p.is_empty()).map(str::to_owned).collect();
            parts.push(Part::Glob { pieces, open_start, open_end });
            if open_end {
                parts.push(Part::Any);
            }
        }
        Segment::Glob(parts)
    }
}

/// A key's parts, lowercased: split at `_`, `-` and where a lower-case letter or digit is
/// followed by an upper-case one (`apiKey` is `api`, `key`).
pub(crate) fn name_segments(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if matches!(c, '_' | '-') {
            parts.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower {
            parts.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    parts.push(current);
    parts
}

fn key_matches(segment: &Segment, key: &str) -> bool {
    match segment {
        Segment::Any => true,
        Segment::Glob(parts) => {
            // A key the pattern names exactly (ignoring case) matches without splitting.
            if let [Part::Glob { pieces, open_start: false, open_end: false }] = parts.as_slice()
                && pieces.len() == 1
                && pieces[0].eq_ignore_ascii_case(key)
            {
                return true;
            }
            parts_match(parts, &name_segments(key))
        }
    }
}

/// Backtracks only at a `*` part; keys have a handful of parts.
fn parts_match(parts: &[Part], names: &[String]) -> bool {
    match parts.split_first() {
        None => names.is_empty(),
        Some((Part::Any, rest)) => (0..=names.len()).any(|skip| parts_match(rest, &names[skip..])),
        Some((Part::Glob { pieces, open_start, open_end }, rest)) => match names.split_first() {
            Some((name, names)) => {
                crate::diff::glob::matches_pieces(pieces, *open_start, *open_end, name)
                    && parts_match(rest, names)
            }
            None => false,
        },
    }
}

/// Backtracks only at `**`, which patterns use sparingly; paths are a handful of keys deep.
fn matches_from<S: AsRef<str>>(segments: &[Segment], path: &[S]) -> bool {
    match segments.split_first() {
        None => path.is_empty(),
        Some((Segment::Any, rest)) => {
            (0..=path.len()).any(|skip| matches_from(rest, &path[skip..]))
        }
        Some((segment @ Segment::Glob(_), rest)) => match path.split_first() {
            Some((key, path)) => key_matches(segment, key.as_ref()) && matches_from(rest, path),
            None => false,
        },
    }
}
