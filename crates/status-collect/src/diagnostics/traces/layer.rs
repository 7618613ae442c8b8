//! The `tracing_subscriber::Layer` that fills the buffer: target filter, execution id lookup
//! (event, then enclosing spans), deny-list, truncation.

use std::fmt::{self, Write};

use jiff::Timestamp;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::TraceBuffer;
use super::ring::Record;
use crate::config::TracesConfig;

/// Fields kept per event; further fields are not stored.
const MAX_FIELDS: usize = 32;

/// The layer; made by [`TraceBuffer::layer`].
#[derive(Clone, Debug)]
pub struct TraceLayer {
    buffer: TraceBuffer,
}

/// The settings the layer applies, prepared once.
pub(super) struct Settings {
    targets: Vec<String>,
    id_field: String,
    outcome_field: String,
    max_chars: usize,
    deny: Vec<Pattern>,
}

/// A deny-list pattern: `*` matches any run of characters; matched case-insensitively (ASCII),
/// without allocating: it runs for every field of every kept event.
struct Pattern(Vec<Vec<u8>>);

impl Pattern {
    fn new(text: &str) -> Pattern {
        Pattern(text.to_ascii_lowercase().split('*').map(|part| part.as_bytes().to_vec()).collect())
    }

    fn matches(&self, name: &str) -> bool {
        let name = name.as_bytes();
        let [first, middle @ .., last] = self.0.as_slice() else {
            return self.0.first().is_some_and(|only| only.eq_ignore_ascii_case(name));
        };
        if name.len() < first.len() + last.len()
            || !name[..first.len()].eq_ignore_ascii_case(first)
            || !name[name.len() - last.len()..].eq_ignore_ascii_case(last)
        {
            return false;
        }
        let mut rest = &name[first.len()..name.len() - last.len()];
        for part in middle {
            match find_ignore_case(rest, part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Where `needle` (lowercase) first occurs in `haystack`, ignoring ASCII case.
fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

impl Settings {
    pub(super) fn new(config: &TracesConfig) -> Settings {
        Settings {
            targets: config.targets.clone(),
            id_field: config.execution_id_field.clone(),
            outcome_field: config.outcome_field.clone(),
            max_chars: config.max_value_chars.max(1),
            deny: config.deny_fields.iter().map(|p| Pattern::new(p)).collect(),
        }
    }

    fn wants_target(&self, target: &str) -> bool {
        self.targets.is_empty()
            || self.targets.iter().any(|prefix| {
                target
                    .strip_prefix(prefix.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            })
    }

    fn denied(&self, name: &str) -> bool {
        self.deny.iter().any(|pattern| pattern.matches(name))
    }
}

/// The execution id a span carries, kept in its extensions.
struct ExecutionId(Box<str>);

impl TraceLayer {
    pub(super) fn new(buffer: TraceBuffer) -> TraceLayer {
        TraceLayer { buffer }
    }

    fn settings(&self) -> &Settings {
        &self.buffer.inner.settings
    }
}

impl<S> Layer<S> for TraceLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut finder =
            IdFinder { field: &self.settings().id_field, max: self.settings().max_chars, id: None };
        attrs.record(&mut finder);
        if let (Some(found), Some(span)) = (finder.id, ctx.span(id)) {
            span.extensions_mut().insert(ExecutionId(found.into()));
        }
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, ctx: Context<'_, S>) {
        let mut finder =
            IdFinder { field: &self.settings().id_field, max: self.settings().max_chars, id: None };
        values.record(&mut finder);
        if let (Some(found), Some(span)) = (finder.id, ctx.span(id)) {
            span.extensions_mut().replace(ExecutionId(found.into()));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let settings = self.settings();
        let metadata = event.metadata();
        if !settings.wants_target(metadata.target()) {
            return;
        }
        let mut visitor = Collect {
            settings,
            id: None,
            message: None,
            outcome: None,
            fields: Vec::new(),
            withheld: 0,
        };
        event.record(&mut visitor);
        let id = match visitor.id.take() {
            Some(id) => id,
            None => {
                let Some(scope) = ctx.event_scope(event) else { return };
                let found = scope.into_iter().find_map(|span| {
                    span.extensions().get::<ExecutionId>().map(|id| id.0.to_string())
                });
                match found {
                    Some(id) => id,
                    None => return,
                }
            }
        };
        let record = Record {
            at: Timestamp::now(),
            level: level_name(*metadata.level()),
            target: metadata.target(),
            message: visitor.message,
            outcome: visitor.outcome,
            fields: visitor.fields,
        };
        let inner = &self.buffer.inner;
        let mut store = self.buffer.store();
        store.withheld += visitor.withheld;
        store.record(&id, record, &inner.limits);
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Finds the execution id among a span's fields.
struct IdFinder<'a> {
    field: &'a str,
    max: usize,
    id: Option<String>,
}

impl Visit for IdFinder<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == self.field {
            self.id = Some(value.chars().take(self.max).collect());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == self.field {
            self.id = Some(bounded(value, self.max));
        }
    }
}

/// Collects an event's fields under the settings.
struct Collect<'a> {
    settings: &'a Settings,
    id: Option<String>,
    message: Option<String>,
    outcome: Option<String>,
    fields: Vec<(&'static str, String)>,
    withheld: u64,
}

impl Collect<'_> {
    fn keep(&mut self, field: &Field, value: String) {
        let name = field.name();
        if name == self.settings.id_field {
            self.id = Some(value);
        } else if name == "message" {
            self.message = Some(value);
        } else {
            if name == self.settings.outcome_field {
                self.outcome = Some(value.clone());
            }
            if self.fields.len() < MAX_FIELDS {
                self.fields.push((name, value));
            }
        }
    }

    fn allowed(&mut self, field: &Field) -> bool {
        let name = field.name();
        if name == self.settings.id_field || name == "message" || !self.settings.denied(name) {
            return true;
        }
        self.withheld += 1;
        false
    }
}

impl Visit for Collect<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if self.allowed(field) {
            let max = self.settings.max_chars;
            let kept = if value.chars().nth(max).is_some() {
                let mut cut: String = value.chars().take(max - 1).collect();
                cut.push('…');
                cut
            } else {
                value.to_owned()
            };
            self.keep(field, kept);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.allowed(field) {
            let value = bounded(value, self.settings.max_chars);
            self.keep(field, value);
        }
    }
}

/// Formats `value` with `Debug`, stopping after `max` characters (the last one `…`), so a huge
/// value costs no more than a short one.
fn bounded(value: &dyn fmt::Debug, max: usize) -> String {
    let mut out = Bounded { text: String::new(), chars: 0, max, cut: false };
    let _ = write!(out, "{value:?}");
    if out.cut {
        out.text.push('…');
    }
    out.text
}

struct Bounded {
    text: String,
    chars: usize,
    max: usize,
    cut: bool,
}

impl Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.chars == self.max {
                // One character too many: the last kept one gives way to the `…` marker.
                self.text.pop();
                self.cut = true;
                return Err(fmt::Error);
            }
            self.text.push(c);
            self.chars += 1;
        }
        Ok(())
    }
}
