//! The screen: the view's lines with what changed since the previous snapshot highlighted, fitted
//! to the terminal and written as one frame of plain ANSI.
//!
//! A line is matched with the previous frame's line that has the same label (the text before its
//! first `: `, else its first word); within it, the words that differ are highlighted. A line
//! with no match is new and highlighted whole. The highlight stays until the next snapshot that
//! changes the view, so a change is not lost between two redraws.

/// Reverse video on, off.
pub(super) const HIGHLIGHT: (&str, &str) = ("\x1b[7m", "\x1b[27m");
/// Bold on, all attributes off: the header.
const BOLD: (&str, &str) = ("\x1b[1m", "\x1b[0m");

/// The lines on screen and their highlighted form.
#[derive(Debug, Default)]
pub(super) struct Screen {
    lines: Vec<String>,
    shown: Vec<String>,
}

impl Screen {
    /// Shows `lines`, highlighting what differs from the lines shown before, if they differ.
    pub(super) fn show(&mut self, lines: Vec<String>) {
        if lines == self.lines {
            return;
        }
        self.shown =
            if self.lines.is_empty() { lines.clone() } else { highlight(&self.lines, &lines) };
        self.lines = lines;
    }

    /// The frame: the header, then the lines, each cut to `cols` characters, as many as fit in
    /// `rows` (the last row says how many more there are).
    pub(super) fn frame(&self, header: &str, rows: usize, cols: usize) -> String {
        let mut out = String::from("\x1b[H");
        out.push_str(BOLD.0);
        out.push_str(&cut(header, cols));
        out.push_str(BOLD.1);
        out.push_str("\x1b[K");
        let room = rows.saturating_sub(1);
        let (listed, hidden) = match self.shown.len() {
            n if n <= room => (n, 0),
            n => (room.saturating_sub(1), n - room.saturating_sub(1)),
        };
        for line in &self.shown[..listed] {
            out.push_str("\r\n");
            out.push_str(&cut_styled(line, cols));
            out.push_str("\x1b[K");
        }
        if hidden > 0 {
            out.push_str("\r\n");
            out.push_str(&cut(&format!("… {hidden} more lines"), cols));
            out.push_str("\x1b[K");
        }
        out.push_str("\x1b[J");
        out
    }
}

/// The new lines with what differs from the old ones highlighted.
pub(super) fn highlight(old: &[String], new: &[String]) -> Vec<String> {
    new.iter()
        .map(|line| {
            if old.contains(line) {
                return line.clone();
            }
            match old.iter().find(|previous| label(previous) == label(line)) {
                Some(previous) => highlight_words(previous, line),
                None => {
                    let text = line.trim_start();
                    let indent = &line[..line.len() - text.len()];
                    format!("{indent}{}{text}{}", HIGHLIGHT.0, HIGHLIGHT.1)
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

/// `new` with the words that are not at the same place in `old` highlighted.
fn highlight_words(old: &str, new: &str) -> String {
    let old: Vec<&str> = old.split_inclusive(' ').collect();
    let mut out = String::new();
    for (i, word) in new.split_inclusive(' ').enumerate() {
        if old.get(i).map(|w| w.trim_end()) == Some(word.trim_end()) {
            out.push_str(word);
        } else {
            let bare = word.trim_end_matches(' ');
            out.push_str(HIGHLIGHT.0);
            out.push_str(bare);
            out.push_str(HIGHLIGHT.1);
            out.push_str(&word[bare.len()..]);
        }
    }
    out
}

/// The first `cols` characters of `text`.
fn cut(text: &str, cols: usize) -> String {
    text.chars().take(cols).collect()
}

/// The first `cols` visible characters of `text`, keeping its escape sequences and closing any
/// highlight it cut into.
fn cut_styled(text: &str, cols: usize) -> String {
    let mut out = String::new();
    let mut visible = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            out.push(c);
            for c in chars.by_ref() {
                out.push(c);
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        if visible == cols {
            break;
        }
        out.push(c);
        visible += 1;
    }
    out.push_str(HIGHLIGHT.1);
    out
}

#[cfg(test)]
mod tests;
