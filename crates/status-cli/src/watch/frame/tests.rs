//! Marking what changed between two frames.

use super::*;

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

/// The shown lines with changed runs in brackets.
fn bracketed(shown: &[Shown]) -> String {
    shown
        .iter()
        .map(|line| {
            line.iter()
                .map(|s| if s.changed { format!("[{}]", s.text) } else { s.text.clone() })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn check(old: &str, new: &str, expected: &str) {
    assert_eq!(bracketed(&highlight(&lines(old), &lines(new))), expected);
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
    assert_eq!(bracketed(screen.shown()), "In flight: 0");
    screen.show(lines("In flight: 2"));
    assert_eq!(bracketed(screen.shown()), "In flight: [2]");
    screen.show(lines("In flight: 2"));
    assert_eq!(bracketed(screen.shown()), "In flight: [2]", "the mark stays until the next change");
}
