//! Drawing the view with ratatui: a header that stays on the first row, the view's lines scrolled
//! below it, a footer saying where the view is, and `?`'s help over it all.
//!
//! ratatui measures text with unicode-width, so emoji and CJK text take the columns they take on
//! the terminal, and a line never wraps: what does not fit is cut at the screen's edge. The status
//! emoji of the text views become one-column marks (`✓`, `!`, `✗`), whose width no terminal
//! disputes, and severity is shown in colour — red for failing, yellow for warning, green for
//! passing — or, with `NO_COLOR`, in bold for failing lines only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::frame::Shown;

/// What the header says.
#[derive(Clone, Debug, Default)]
pub(super) struct Header {
    /// The service's name, from the latest snapshot.
    pub(super) service: Option<String>,
    /// Where snapshots come from: the URL, or `local collection`.
    pub(super) source: String,
    /// The view's name.
    pub(super) view: String,
    /// How old the snapshot is, or that there is none yet, or what went wrong.
    pub(super) state: String,
    /// Whether `state` is an error.
    pub(super) error: bool,
    /// The overall health (`pass`, `warn`, `fail`), from the latest snapshot.
    pub(super) health: Option<String>,
    /// `every 2s`.
    pub(super) every: String,
}

/// A scrolling step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Move {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
}

/// Where the view is scrolled to, and whether the help shows.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Scroll {
    /// The first line shown.
    offset: usize,
    /// Lines that fit under the header, at the last draw.
    page: usize,
    /// Lines in the view, at the last draw.
    total: usize,
    /// Whether `?`'s help is over the view.
    pub(super) help: bool,
}

impl Scroll {
    /// Scrolls by `step`, never past the first or the last line.
    pub(super) fn apply(&mut self, step: Move) {
        let page = self.page.max(1);
        self.offset = match step {
            Move::Up => self.offset.saturating_sub(1),
            Move::Down => self.offset + 1,
            Move::PageUp => self.offset.saturating_sub(page),
            Move::PageDown => self.offset + page,
            Move::Home => 0,
            Move::End => usize::MAX,
        };
        self.clamp();
    }

    /// Back to the top (a new view).
    pub(super) fn reset(&mut self) {
        self.offset = 0;
    }

    fn clamp(&mut self) {
        self.offset = self.offset.min(self.total.saturating_sub(self.page));
    }
}

/// Draws the whole screen.
pub(super) fn draw(
    frame: &mut Frame<'_>,
    header: &Header,
    lines: &[Shown],
    scroll: &mut Scroll,
    colour: bool,
) {
    let area = frame.area();
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0), Constraint::Length(1)])
            .areas(area);
    frame.render_widget(Paragraph::new(header_line(header, colour)), top);

    scroll.page = usize::from(body.height);
    scroll.total = lines.len();
    scroll.clamp();
    let shown: Vec<Line<'_>> = lines
        .iter()
        .skip(scroll.offset)
        .take(scroll.page)
        .map(|line| body_line(line, colour))
        .collect();
    frame.render_widget(Paragraph::new(shown), body);
    if bottom.height > 0 && area.height >= 3 {
        frame.render_widget(Paragraph::new(footer(scroll)).style(dim(colour)), bottom);
    }
    if scroll.help {
        help(frame, area);
    }
}

fn header_line(header: &Header, colour: bool) -> Line<'static> {
    let service = header.service.clone().unwrap_or_else(|| "status".to_owned());
    let verdict = match (header.health.as_deref(), colour) {
        (Some("fail"), true) => Style::new().fg(Color::White).bg(Color::Red),
        (Some("warn"), true) => Style::new().fg(Color::Black).bg(Color::Yellow),
        (Some("pass"), true) => Style::new().fg(Color::Black).bg(Color::Green),
        _ => Style::new().add_modifier(Modifier::REVERSED),
    };
    let mut spans =
        vec![Span::styled(format!(" {service} "), verdict.add_modifier(Modifier::BOLD))];
    if let Some(health) = &header.health {
        spans.push(Span::styled(format!("{health} "), verdict));
    }
    let state = if header.error && colour {
        Style::new().fg(Color::Red)
    } else if header.error {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    spans.push(Span::raw(format!(" {} · ", header.view)));
    spans.push(Span::styled(header.state.clone(), state));
    spans.push(Span::raw(format!(" · {} · {} · ? help", header.every, header.source)));
    Line::from(spans)
}

/// The text views' status emoji and the one-column marks shown instead.
const MARKS: [(&str, &str); 5] =
    [("✅", "✓"), ("⚠\u{fe0f}", "!"), ("⚠", "!"), ("❌", "✗"), ("❔", "?")];

fn body_line(line: &Shown, colour: bool) -> Line<'static> {
    let text: String = line.iter().map(|segment| segment.text.as_str()).collect();
    let severity = if text.contains('❌') {
        if colour { Style::new().fg(Color::Red) } else { Style::new().add_modifier(Modifier::BOLD) }
    } else if text.contains('⚠') && colour {
        Style::new().fg(Color::Yellow)
    } else if text.contains('✅') && colour {
        Style::new().fg(Color::Green)
    } else {
        Style::new()
    };
    let spans: Vec<Span<'static>> = line
        .iter()
        .map(|segment| {
            let text = MARKS
                .iter()
                .fold(segment.text.clone(), |text, (emoji, mark)| text.replace(emoji, mark));
            let style =
                if segment.changed { severity.add_modifier(Modifier::REVERSED) } else { severity };
            Span::styled(text, style)
        })
        .collect();
    Line::from(spans)
}

fn footer(scroll: &Scroll) -> String {
    if scroll.total <= scroll.page {
        return format!("{} lines · ? help · q quit", scroll.total);
    }
    let first = scroll.offset + 1;
    let last = (scroll.offset + scroll.page).min(scroll.total);
    let more = if last < scroll.total { " · more below" } else { "" };
    format!("lines {first}–{last} of {}{more} · ↑↓ PgUp PgDn Home End · ? help", scroll.total)
}

fn dim(colour: bool) -> Style {
    if colour { Style::new().fg(Color::DarkGray) } else { Style::new() }
}

/// The keys, in a box over the view.
pub(super) const HELP: &[&str] = &[
    "q  Ctrl-C   quit",
    "↑ ↓  k j    scroll a line",
    "PgUp PgDn   scroll a page (also b, space)",
    "Home End    first line, last line (g, G)",
    "o r h c     overview, resources, health,",
    "            collection view",
    "?  Esc      close this help",
    "",
    "reverse video: changed since last snapshot",
    "✗ failing  ! warning  ✓ passing",
];

fn help(frame: &mut Frame<'_>, area: Rect) {
    let width = HELP.iter().map(|line| ratatui::text::Line::from(*line).width()).max().unwrap_or(0);
    let width = u16::try_from(width + 4).unwrap_or(u16::MAX).min(area.width);
    let height = u16::try_from(HELP.len() + 2).unwrap_or(u16::MAX).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let lines: Vec<Line<'_>> = HELP.iter().map(|line| Line::from(*line)).collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" help ")),
        popup,
    );
}

#[cfg(test)]
mod tests;
