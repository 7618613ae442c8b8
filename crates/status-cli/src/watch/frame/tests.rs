//! Highlighting what changed between two frames, and fitting a frame to the terminal.

use super::*;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[track_caller]
fn check(old: &str, new: &str, expected: &str) {
    let shown = highlight(&lines(old), &lines(new)).join("\n");
    assert_eq!(shown.replace(HIGHLIGHT.0, "[").replace(HIGHLIGHT.1, "]"), expected);
}

#[test]
fn changed_words_new_lines_and_unchanged_lines() {
    check(
        "In flight: 0\nOutbox: 2 pending",
        "In flight: 1\nOutbox: 2 pending",
        "In flight: [1]\nOutbox: 2 pending",
    );
    check(
        "In flight: 1\n  - op-1 shell__run · 4m 5s",
        "In flight: 1\n  - op-1 shell__run · 4m 7s\n  - op-2 browser__open · 1s",
        "In flight: 1\n  - op-1 shell__run · 4m [7s]\n  [- op-2 browser__open · 1s]",
    );
    check("a: b", "a: b c", "a: b [c]");
    check("app up 5s · systemd", "app up 10s · systemd", "app up [10s] · systemd");
}

#[test]
fn the_first_frame_and_an_unchanged_one_highlight_nothing() {
    let mut screen = Screen::default();
    screen.show(lines("In flight: 0"));
    assert_eq!(screen.shown, lines("In flight: 0"));
    screen.show(lines("In flight: 2"));
    let changed = screen.shown.clone();
    screen.show(lines("In flight: 2"));
    assert_eq!(screen.shown, changed, "the highlight stays until the next change");
}

#[test]
fn frames_fit_the_terminal() {
    let mut screen = Screen::default();
    screen.show((0..10).map(|n| format!("line {n} {}", "x".repeat(50))).collect());
    let frame = screen.frame("header", 5, 12);
    let rows: Vec<&str> = frame.split("\r\n").collect();
    assert_eq!(rows.len(), 5, "{frame:?}");
    assert!(rows[1].starts_with("line 0 xxxxx\x1b[27m"), "{:?}", rows[1]);
    assert!(rows[4].starts_with("… 7 more li"), "{:?}", rows[4]);
    assert!(frame.starts_with("\x1b[H\x1b[1mheader\x1b[0m\x1b[K"), "{frame:?}");
    assert!(frame.ends_with("\x1b[J"));
}
