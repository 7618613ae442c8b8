//! `status-cli snapshot --format json|pretty|text|terse`: how a collected snapshot is printed.
//!
//! - `json` (default): the snapshot on one line; `pretty`: indented (`--pretty` is the same).
//!   `--section NAME` prints one section's value.
//! - `text`: a view for people (`--view overview|resources|health|collection|<section>`, default
//!   `overview`; `--section NAME` is the section's view), at most 4,000 characters like every text
//!   view; `--markdown` for chat in CommonMark, `--markdown telegram` in Telegram's MarkdownV2.
//! - `terse`: the terse projection, a flat object of dotted keys, on one line.

use std::borrow::Cow;
use std::io::Write;

use clap::ValueEnum;
use serde_json::Value;
use status_collect::Published;
use status_model::render::{self, Options, Style, View};
use status_model::{SectionName, Timestamp};

/// The output format of `snapshot`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// The snapshot as JSON on one line.
    #[default]
    Json,
    /// The snapshot as indented JSON.
    Pretty,
    /// A view for people, in plain text or Markdown.
    Text,
    /// The terse projection: a flat object of dotted keys.
    Terse,
}

/// The Markdown of `--markdown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum Markdown {
    /// CommonMark (`**bold**`), what most chat clients and Markdown viewers read.
    #[default]
    Commonmark,
    /// Telegram's MarkdownV2 (`*bold*`, its reserved characters escaped), for `parse_mode=MarkdownV2`.
    Telegram,
}

/// What `snapshot` prints.
#[derive(Clone, Debug)]
pub(crate) struct Output {
    pub(crate) format: Format,
    pub(crate) section: Option<SectionName>,
    pub(crate) view: Option<View>,
    pub(crate) markdown: Option<Markdown>,
}

impl Output {
    /// Refuses options that do not apply to the format, before anything is collected.
    pub(crate) fn check(&self) -> Result<(), String> {
        let text_only = match (self.view.is_some(), self.markdown.is_some()) {
            (true, _) => Some("--view"),
            (false, true) => Some("--markdown"),
            (false, false) => None,
        };
        match (self.format, text_only) {
            (Format::Json | Format::Pretty | Format::Terse, Some(flag)) => {
                Err(format!("{flag} applies to --format text"))
            }
            (Format::Terse, None) if self.section.is_some() => {
                Err("--section does not apply to --format terse".to_owned())
            }
            (Format::Text, _) if self.section.is_some() && self.view.is_some() => {
                Err("give --view or --section, not both".to_owned())
            }
            _ => Ok(()),
        }
    }
}

/// Prints `published` as `output` asks: what the `[redact]` policy left of it, never more.
pub(crate) fn print(published: &Published, output: &Output) -> Result<(), String> {
    let failed = |error: serde_json::Error| format!("failed to serialize the snapshot: {error}");
    let text = match output.format {
        Format::Json | Format::Pretty => {
            let pretty = output.format == Format::Pretty;
            let value = match output.section {
                Some(name) => Cow::Owned(crate::commands::section_value(
                    &published.collection,
                    Value::clone(&published.value),
                    name,
                )?),
                None => Cow::Borrowed(&*published.value),
            };
            let text = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            };
            text.map_err(failed)?
        }
        Format::Text => {
            let view = output.view.or(output.section.map(View::Section)).unwrap_or(View::Overview);
            let style = match output.markdown {
                None => Style::Plain,
                Some(Markdown::Commonmark) => Style::Markdown,
                Some(Markdown::Telegram) => Style::Telegram,
            };
            let options = Options { now: Some(Timestamp::now()), ..Options::new(style) };
            // Rendered from the redacted value: a view cannot show what the policy hid.
            let text = render::render_value(Some(&published.value), view, &options);
            text.trim_end().to_owned()
        }
        Format::Terse => String::from_utf8_lossy(&published.terse).into_owned(),
    };
    writeln!(std::io::stdout(), "{text}")
        .map_err(|error| format!("failed to write to stdout: {error}"))
}
