//! The shape every view produces, and how it is written out: a list of blocks, each a line of text
//! with an optional bold label and a list of items under it. Cutting to a length works on this
//! shape, so it can drop list items (the longest list first) and say how many went.

use super::Style;

/// Any single line or item longer than this is cut, so one runaway value cannot crowd out the rest.
const MAX_LINE: usize = 300;

/// A rendered view before it is written out.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    blocks: Vec<Block>,
}

/// One line of a view, and the list under it.
#[derive(Debug)]
pub(crate) struct Block {
    /// Written bold in Markdown.
    label: Option<String>,
    /// Written after the label (after `: ` when `colon`).
    text: String,
    colon: bool,
    /// The list under the line. An item may span lines; the later ones are indented.
    items: Vec<String>,
    /// Items that exist but are not in `items`.
    more: u64,
}

impl Doc {
    /// A title line: the label bold, then the text, with no colon between.
    pub(crate) fn title(&mut self, label: &str, text: impl Into<String>) -> &mut Block {
        self.push(Some(label.to_owned()), text.into(), false)
    }

    /// A `label: text` line.
    pub(crate) fn line(&mut self, label: &str, text: impl Into<String>) -> &mut Block {
        self.push(Some(label.to_owned()), text.into(), true)
    }

    /// A line of text with no label.
    pub(crate) fn text(&mut self, text: impl Into<String>) -> &mut Block {
        self.push(None, text.into(), false)
    }

    fn push(&mut self, label: Option<String>, text: String, colon: bool) -> &mut Block {
        self.blocks.push(Block { label, text, colon, items: Vec::new(), more: 0 });
        let last = self.blocks.len() - 1;
        &mut self.blocks[last]
    }

    /// Writes the view out in `style`, at most `limit` characters when there is a limit: the longest
    /// lists lose items from their end first (each list then says how many it left out), and only if
    /// that is not enough is the text itself cut, with a count of the characters left out.
    pub(crate) fn write(mut self, style: Style, limit: Option<usize>) -> String {
        for block in &mut self.blocks {
            block.text = cut_line(&block.text);
            for item in &mut block.items {
                *item = cut_line(item);
            }
        }
        let Some(limit) = limit else { return self.write_all(style) };
        loop {
            let text = self.write_all(style);
            let length = text.chars().count();
            if length <= limit {
                return text;
            }
            if !self.drop_items(length - limit) {
                return hard_cut(&text, length, limit, style);
            }
        }
    }

    /// Drops items from the end of the longest list until about `excess` characters are gone, plus
    /// room for the line that counts them. False when no list has an item left.
    fn drop_items(&mut self, excess: usize) -> bool {
        let longest =
            self.blocks.iter_mut().filter(|block| !block.items.is_empty()).max_by_key(|block| {
                block.items.iter().map(|item| item.chars().count()).sum::<usize>()
            });
        let Some(block) = longest else { return false };
        // The "… and N more" line, and the markup around each item.
        let mut wanted = excess + 24;
        while let Some(item) = block.items.pop() {
            block.more += 1;
            let freed = item.chars().count() + 4;
            if freed >= wanted {
                break;
            }
            wanted -= freed;
        }
        true
    }

    fn write_all(&self, style: Style) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            block.write(&mut out, style);
        }
        out
    }
}

impl Block {
    /// Adds an item to the list under this line.
    pub(crate) fn item(&mut self, item: impl Into<String>) -> &mut Block {
        self.items.push(item.into());
        self
    }

    /// Counts `count` items that exist but are not listed.
    pub(crate) fn more(&mut self, count: u64) -> &mut Block {
        self.more += count;
        self
    }

    fn write(&self, out: &mut String, style: Style) {
        let text = escape(&self.text, style);
        match (&self.label, style) {
            (None, _) => out.push_str(&text),
            (Some(label), Style::Plain) => out.push_str(label),
            (Some(label), Style::Markdown) => {
                out.push_str("**");
                out.push_str(&escape(label, style));
                out.push_str("**");
            }
            (Some(label), Style::Telegram) => {
                out.push('*');
                out.push_str(&escape(label, style));
                out.push('*');
            }
        }
        if self.label.is_some() && !text.is_empty() {
            out.push_str(if self.colon { ": " } else { " " });
            out.push_str(&text);
        } else if self.label.is_some() && self.colon && !self.items.is_empty() {
            out.push(':');
        }
        out.push('\n');
        let (bullet, indent) = match style {
            Style::Plain => ("  - ", "    "),
            Style::Markdown => ("- ", "  "),
            // `-` is reserved in MarkdownV2; a bullet character needs no escape.
            Style::Telegram => ("• ", "  "),
        };
        for item in &self.items {
            for (i, line) in item.lines().enumerate() {
                out.push_str(if i == 0 { bullet } else { indent });
                out.push_str(&escape(line, style));
                out.push('\n');
            }
        }
        if self.more > 0 {
            out.push_str(bullet);
            out.push_str(&escape(&format!("… and {} more", self.more), style));
            out.push('\n');
        }
    }
}

/// The characters Telegram's MarkdownV2 reserves: each must be escaped with `\\` outside markup.
pub(crate) const TELEGRAM_RESERVED: &[char] = &[
    '_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!', '\\',
];

/// Markdown-escapes the characters chat clients and CommonMark treat as markup; in Telegram's
/// MarkdownV2, every reserved character.
fn escape(text: &str, style: Style) -> String {
    match style {
        Style::Plain => text.to_owned(),
        Style::Telegram => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if TELEGRAM_RESERVED.contains(&c) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        }
        Style::Markdown => {
            let mut out = String::with_capacity(text.len());
            for c in text.chars() {
                if matches!(c, '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '~') {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        }
    }
}

/// Cuts each line of `text` to [`MAX_LINE`] characters, ending a cut one in `…`.
fn cut_line(text: &str) -> String {
    if text.lines().all(|line| line.chars().count() <= MAX_LINE) {
        return text.to_owned();
    }
    text.lines()
        .map(|line| match line.char_indices().nth(MAX_LINE - 1) {
            Some((end, _)) => format!("{}…", &line[..end]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first characters of `text` and a line saying how many were left out, `limit` in all.
fn hard_cut(text: &str, length: usize, limit: usize, style: Style) -> String {
    let note = |left: usize| escape(&format!("\n… ({left} characters left out)\n"), style);
    // The note's own length depends on the count; one more digit at most. MarkdownV2 may need two
    // characters more to close what the cut left open.
    let spare = if style == Style::Telegram { 3 } else { 1 };
    let room = limit.saturating_sub(note(length).chars().count() + spare);
    let mut kept: String = text.chars().take(room).collect();
    if style == Style::Telegram {
        close_telegram(&mut kept);
    }
    let left = length - room;
    kept.push_str(&note(left));
    kept
}

/// Makes a cut MarkdownV2 text valid again: no escape left without its character, no bold left
/// open.
fn close_telegram(text: &mut String) {
    let mut escaped = false;
    let mut bold = false;
    for c in text.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '*') => bold = !bold,
            _ => {}
        }
    }
    if escaped {
        text.pop();
    }
    if bold {
        text.push('*');
    }
}
