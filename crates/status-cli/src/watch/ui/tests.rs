//! The screen drawn on ratatui's test backend: the header stays on the first row, the view scrolls,
//! wide characters take their columns, and `?` shows the keys.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::super::frame::{Screen, Shown};
use super::*;

fn header() -> Header {
    Header {
        service: Some("agent-host".into()),
        source: "http://127.0.0.1:8484".into(),
        view: "overview".into(),
        state: "snapshot 1s old".into(),
        error: false,
        health: Some("warn".into()),
        every: "every 2s".into(),
    }
}

fn shown(lines: &[String]) -> Vec<Shown> {
    let mut screen = Screen::default();
    screen.show(lines.to_vec());
    screen.shown().to_vec()
}

/// The screen's rows as text (a wide character's second cell left out).
fn rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            let mut row = String::new();
            let mut x = 0;
            while x < buffer.area.width {
                let symbol = buffer[(x, y)].symbol();
                row.push_str(symbol);
                let width = unicode_width::UnicodeWidthStr::width(symbol).max(1);
                x += u16::try_from(width).unwrap();
            }
            row.trim_end().to_owned()
        })
        .collect()
}

fn draw_on(
    terminal: &mut Terminal<TestBackend>,
    lines: &[Shown],
    scroll: &mut Scroll,
    colour: bool,
) {
    terminal.draw(|frame| draw(frame, &header(), lines, scroll, colour)).unwrap();
}

#[test]
fn the_header_stays_and_the_view_scrolls_at_60_by_12() {
    let lines: Vec<String> =
        (1..=30).map(|n| format!("line {n} ✅ 日本語 {}", "x".repeat(80))).collect();
    let lines = shown(&lines);
    let mut terminal = Terminal::new(TestBackend::new(60, 12)).unwrap();
    let mut scroll = Scroll::default();
    draw_on(&mut terminal, &lines, &mut scroll, true);
    let screen = rows(&terminal);
    assert!(screen[0].starts_with(" agent-host warn  overview · snapshot 1s old"), "{screen:?}");
    assert!(screen[1].starts_with("line 1 ✓ 日本語 xx"), "{screen:?}");
    assert_eq!(screen[10].split(' ').nth(1), Some("10"), "{screen:?}");
    assert!(screen[11].starts_with("lines 1–10 of 30 · more below"), "{screen:?}");

    scroll.apply(Move::PageDown);
    draw_on(&mut terminal, &lines, &mut scroll, true);
    let screen = rows(&terminal);
    assert!(screen[0].starts_with(" agent-host"), "the header stays: {screen:?}");
    assert!(screen[1].starts_with("line 11 "), "{screen:?}");
    scroll.apply(Move::End);
    draw_on(&mut terminal, &lines, &mut scroll, true);
    let screen = rows(&terminal);
    assert!(screen[10].starts_with("line 30 "), "the last line at the bottom: {screen:?}");
    assert!(screen[11].starts_with("lines 21–30 of 30 ·"), "{screen:?}");
    scroll.apply(Move::Down);
    draw_on(&mut terminal, &lines, &mut scroll, true);
    assert!(rows(&terminal)[10].starts_with("line 30 "), "not past the end");
    scroll.apply(Move::Up);
    scroll.apply(Move::Home);
    draw_on(&mut terminal, &lines, &mut scroll, true);
    assert!(rows(&terminal)[1].starts_with("line 1 "));
    // Every row is cut at the screen's edge: each holds at most 60 columns.
    for row in rows(&terminal) {
        assert!(unicode_width::UnicodeWidthStr::width(row.as_str()) <= 60, "{row}");
    }
}

#[test]
fn a_resize_redraws_at_the_new_size() {
    let lines = shown(&(1..=30).map(|n| format!("line {n}")).collect::<Vec<_>>());
    let mut terminal = Terminal::new(TestBackend::new(60, 12)).unwrap();
    let mut scroll = Scroll::default();
    scroll.apply(Move::End);
    draw_on(&mut terminal, &lines, &mut scroll, false);
    terminal.backend_mut().resize(200, 50);
    draw_on(&mut terminal, &lines, &mut scroll, false);
    let screen = rows(&terminal);
    assert_eq!(screen.len(), 50);
    assert_eq!(screen[1], "line 1", "everything fits: from the top: {screen:?}");
    assert_eq!(screen[30], "line 30");
    assert_eq!(screen[49], "30 lines · ? help · q quit");
}

#[test]
fn question_mark_shows_the_keys() {
    let lines = shown(&["Health: ✅ pass".to_owned()]);
    let mut terminal = Terminal::new(TestBackend::new(60, 16)).unwrap();
    let mut scroll = Scroll { help: true, ..Scroll::default() };
    draw_on(&mut terminal, &lines, &mut scroll, true);
    let screen = rows(&terminal).join("\n");
    assert!(screen.contains(" help "), "{screen}");
    assert!(screen.contains("PgUp PgDn   scroll a page"), "{screen}");
    assert!(screen.contains("q  Ctrl-C   quit"), "{screen}");
}

#[test]
fn severity_colours_and_the_monochrome_fallback() {
    let lines = shown(&[
        "  - ❌ disk_available:/var: low".to_owned(),
        "  - ⚠\u{fe0f} load_per_cpu: high".to_owned(),
        "  - ✅ memory_available: fine".to_owned(),
    ]);
    let mut terminal = Terminal::new(TestBackend::new(60, 6)).unwrap();
    let mut scroll = Scroll::default();
    draw_on(&mut terminal, &lines, &mut scroll, true);
    let fg = |terminal: &Terminal<TestBackend>, y: u16| terminal.backend().buffer()[(4, y)].fg;
    assert_eq!(
        (fg(&terminal, 1), fg(&terminal, 2), fg(&terminal, 3)),
        (Color::Red, Color::Yellow, Color::Green)
    );
    assert_eq!(rows(&terminal)[2], "  - ! load_per_cpu: high", "one-column marks");
    draw_on(&mut terminal, &lines, &mut scroll, false);
    let buffer = terminal.backend().buffer();
    for y in 0..6 {
        for x in 0..60 {
            assert_eq!(buffer[(x, y)].fg, Color::Reset, "no colour at ({x}, {y})");
            assert_eq!(buffer[(x, y)].bg, Color::Reset, "no colour at ({x}, {y})");
        }
    }
    assert!(buffer[(4, 1)].modifier.contains(Modifier::BOLD), "failing lines in bold");
}

#[test]
fn changed_values_are_in_reverse_video() {
    let mut screen = Screen::default();
    screen.show(vec!["In flight: 0".to_owned()]);
    screen.show(vec!["In flight: 1".to_owned()]);
    let mut terminal = Terminal::new(TestBackend::new(30, 4)).unwrap();
    let mut scroll = Scroll::default();
    draw_on(&mut terminal, screen.shown(), &mut scroll, true);
    let buffer = terminal.backend().buffer();
    assert!(buffer[(11, 1)].modifier.contains(Modifier::REVERSED), "the new count");
    assert!(!buffer[(0, 1)].modifier.contains(Modifier::REVERSED), "the label");
}
