//! Text views of a snapshot, for terminals and chat: pure functions from the snapshot to a string.
//!
//! Views: [`View::Overview`] (the six lines an operator asks for first), [`View::Resources`],
//! [`View::Health`], [`View::Collection`] (how each section's collection went) and one view per
//! section, [`View::Section`], rendered generically from the section's JSON by the units its field
//! names carry. Each comes in plain text, CommonMark or Telegram MarkdownV2 ([`Style`]).
//!
//! A chat message has a size limit, so output is at most [`TEXT_LIMIT`] characters unless the caller
//! asks otherwise: the longest lists are cut first and each says how many items it left out.
//! Before the first snapshot every view is [`NO_SNAPSHOT`].
//!
//! The views read the snapshot as JSON ([`render_value`]), so a view shows a section's data as soon
//! as the section is in the snapshot, including a snapshot read from a newer server. The overview
//! and resources views name the fields they read as JSON pointers; a section that is absent (not
//! configured) leaves its lines out, one that is `null` reads `n/a` with the reason from the
//! collection report. Nothing is ever shown for data the snapshot does not hold.

mod doc;
pub mod format;
mod health;
mod json;
mod overview;
mod resources;
mod section;

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde_json::Value;

use crate::snapshot::{SectionName, Snapshot};

/// The most characters a rendered view has by default: one chat message (Telegram allows 4,096).
pub const TEXT_LIMIT: usize = 4_000;

/// What every view says before the first snapshot.
pub const NO_SNAPSHOT: &str = "status unavailable: no snapshot collected yet";

/// Which view of the snapshot to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Uptime, version, supervisor, health with failing checks named, scheduler tick, last
    /// operation, in-flight operations (first five), outbox and delivery backlog, last-10 results.
    Overview,
    /// CPU, memory, load, fork pressure, disks, database and log sizes, event-loop lag.
    Resources,
    /// A line per health check, non-passing first with their details.
    Health,
    /// How each section's collection went.
    Collection,
    /// One section, rendered from its JSON.
    Section(SectionName),
}

/// Plain text, CommonMark or Telegram's MarkdownV2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// Plain text: labels as `Label:`, lists as `  - item`.
    #[default]
    Plain,
    /// CommonMark for chat: labels bold (`**Label**`), lists as `- item`, markup characters in data
    /// escaped.
    Markdown,
    /// Telegram's MarkdownV2 (`parse_mode=MarkdownV2`): labels bold (`*Label*`), lists as `• item`,
    /// and every character it reserves (`_*[]()~` `` ` `` `>#+-=|{}.!` and `\`) escaped with `\`
    /// everywhere else, as its Bot API requires.
    Telegram,
}

/// How to render: the style, the clock ages are measured against, and the length limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Plain or Markdown.
    pub style: Style,
    /// The time ages (`5m ago`) are measured from; `None` means the snapshot's own `taken_at`, so
    /// the text depends on the snapshot alone.
    pub now: Option<Timestamp>,
    /// The most characters; `None` for no limit (a terminal that scrolls).
    pub limit: Option<usize>,
}

impl Options {
    /// `style`, ages as of the snapshot's time, at most [`TEXT_LIMIT`] characters.
    pub fn new(style: Style) -> Options {
        Options { style, now: None, limit: Some(TEXT_LIMIT) }
    }
}

/// Renders `view` of `snapshot` in `style`, ages as of the snapshot's time, at most
/// [`TEXT_LIMIT`] characters; [`NO_SNAPSHOT`] when there is no snapshot yet.
pub fn render_text(snapshot: Option<&Snapshot>, view: View, style: Style) -> String {
    render_snapshot(snapshot, view, &Options::new(style))
}

/// Renders `view` of `snapshot` with `options`.
pub fn render_snapshot(snapshot: Option<&Snapshot>, view: View, options: &Options) -> String {
    let json = snapshot.map(|snapshot| {
        serde_json::to_value(snapshot).unwrap_or_else(|error| {
            serde_json::json!({ "error": format!("failed to serialize the snapshot: {error}") })
        })
    });
    render_value(json.as_ref(), view, options)
}

/// Renders `view` of a snapshot given as JSON (as `/status` serves it) with `options`.
pub fn render_value(snapshot: Option<&Value>, view: View, options: &Options) -> String {
    let Some(snapshot) = snapshot else { return format!("{NO_SNAPSHOT}\n") };
    let json = json::Json::new(snapshot, options.now);
    let doc = match view {
        View::Overview => overview::render(&json),
        View::Resources => resources::render(&json),
        View::Health => health::render(&json),
        View::Collection => section::collection(&json),
        View::Section(name) => section::render(&json, name.as_str()),
    };
    doc.write(options.style, options.limit)
}

impl View {
    /// The names of the views that are not sections.
    pub const NAMED: &[&str] = &["overview", "resources", "health", "collection"];

    /// The view's name, as `--view` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Resources => "resources",
            View::Health => "health",
            View::Collection => "collection",
            View::Section(name) => name.as_str(),
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A view name that is neither a named view nor a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownView(pub String);

impl fmt::Display for UnknownView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sections: Vec<&str> = SectionName::ALL.iter().map(|name| name.as_str()).collect();
        write!(
            f,
            "unknown view `{}`: expected one of {} or a section ({})",
            self.0,
            View::NAMED.join(", "),
            sections.join(", ")
        )
    }
}

impl std::error::Error for UnknownView {}

impl FromStr for View {
    type Err = UnknownView;

    fn from_str(s: &str) -> Result<View, UnknownView> {
        match s {
            "overview" => Ok(View::Overview),
            "resources" => Ok(View::Resources),
            "health" => Ok(View::Health),
            "collection" => Ok(View::Collection),
            _ => s.parse().map(View::Section).map_err(|_| UnknownView(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests;
