//! The screen's lines with what changed since the previous snapshot marked.
//!
//! A line is matched with the previous frame's line that has the same label (the text before its
//! first `: `, else its first word); within it, the words that differ are marked. A line with no
//! match is new and marked whole. The marks stay until the next snapshot that changes the view, so
//! a change is not lost between two redraws.

/// A run of a line's text, marked when it changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Segment {
    pub(super) text: String,
    pub(super) changed: bool,
}

impl Segment {
    fn plain(text: impl Into<String>) -> Segment {
        Segment { text: text.into(), changed: false }
    }

    fn changed(text: impl Into<String>) -> Segment {
        Segment { text: text.into(), changed: true }
    }
}

/// A line as shown: its segments.
pub(super) type Shown = Vec<Segment>;

/// The lines on screen and their marked form.
#[derive(Debug, Default)]
pub(super) struct Screen {
    lines: Vec<String>,
    shown: Vec<Shown>,
}

impl Screen {
    /// Shows `lines`, marking what differs from the lines shown before, if they differ.
    pub(super) fn show(&mut self, lines: Vec<String>) {
        if lines == self.lines {
            return;
        }
        self.shown = if self.lines.is_empty() {
            lines.iter().map(|line| vec![Segment::plain(line.clone())]).collect()
        } else {
            highlight(&self.lines, &lines)
        };
        self.lines = lines;
    }

    /// The lines as shown.
    pub(super) fn shown(&self) -> &[Shown] {
        &self.shown
    }
}

/// The new lines with what differs from the old ones marked.
pub(super) fn highlight(old: &[String], new: &[String]) -> Vec<Shown> {
    new.iter()
        .map(|line| {
            if old.contains(line) {
                return vec![Segment::plain(line.clone())];
            }
            match old.iter().find(|previous| label(previous) == label(line)) {
                Some(previous) => highlight_words(previous, line),
                None => {
                    let text = line.trim_start();
                    let indent = &line[..line.len() - text.len()];
                    vec![Segment::plain(indent), Segment::changed(text)]
                }
            }
        })
        .collect()
}

/// What identifies a line across frames: the text before `: `, else its first word (an item's
/// first word after the bullet).
fn label(line: &str) -> &str {
    let text = line.trim_start();
    if let Some(item) = text.strip_prefix("- ") {
        return item.split([' ', ':']).next().unwrap_or(item);
    }
    match text.split_once(": ") {
        Some((label, _)) => label,
        None => text.split(' ').next().unwrap_or(text),
    }
}

/// `new` with the words that are not at the same place in `old` marked.
fn highlight_words(old: &str, new: &str) -> Shown {
    let old: Vec<&str> = old.split_inclusive(' ').collect();
    let mut out: Shown = Vec::new();
    let mut push = |text: &str, changed: bool| match out.last_mut() {
        Some(last) if last.changed == changed => last.text.push_str(text),
        _ if text.is_empty() => {}
        _ => out.push(Segment { text: text.to_owned(), changed }),
    };
    for (i, word) in new.split_inclusive(' ').enumerate() {
        if old.get(i).map(|w| w.trim_end()) == Some(word.trim_end()) {
            push(word, false);
        } else {
            let bare = word.trim_end_matches(' ');
            push(bare, true);
            push(&word[bare.len()..], false);
        }
    }
    out
}

#[cfg(test)]
mod tests;
