//! Tests of value reading and URL handling; the queries are tested against real files in
//! `tests/it/databases`.

use super::row::{parse_time, summary};
use super::*;

#[track_caller]
fn check_time(text: &str, expected: &str) {
    assert_eq!(parse_time(text).unwrap().to_string(), expected, "{text}");
}

#[test]
fn times_in_every_stored_form() {
    check_time("2025-06-01T12:00:00Z", "2025-06-01T12:00:00Z");
    check_time("2025-06-01T14:00:00.250+02:00", "2025-06-01T12:00:00.25Z");
    check_time("2025-06-01 12:00:00", "2025-06-01T12:00:00Z");
    check_time(" 1748779200 ", "2025-06-01T12:00:00Z");
    check_time("1748779200500", "2025-06-01T12:00:00.5Z");
    let error = parse_time("yesterday").unwrap_err();
    assert!(error.contains("yesterday"), "{error}");
}

#[test]
fn summaries_are_one_line_and_at_most_200_characters() {
    assert_eq!(summary("  \n "), None);
    assert_eq!(
        summary("disk full\n  at write()\tline 3").as_deref(),
        Some("disk full at write() line 3")
    );
    let exact = "é".repeat(200);
    assert_eq!(summary(&exact).as_deref(), Some(exact.as_str()));
    let long = format!("{} SECRET", "x".repeat(300));
    let cut = summary(&long).unwrap();
    assert_eq!(cut.chars().count(), 200);
    assert!(cut.ends_with('…') && !cut.contains("SECRET"), "{cut}");
}

#[test]
fn urls_and_paths_name_the_file() {
    for (url, path) in [
        ("sqlite:///var/lib/app/app.db", "/var/lib/app/app.db"),
        ("sqlite://data/app.db?mode=ro", "data/app.db"),
        ("/var/lib/app/app.db", "/var/lib/app/app.db"),
    ] {
        let options = connect_options(url).unwrap();
        assert_eq!(options.get_filename(), Path::new(path), "{url}");
    }
    assert!(connect_options("postgres://db/app").unwrap_err().contains("only SQLite"));
    // A URL's password never reaches the message (it becomes a section's reason and a log line).
    let error = connect_options("postgres://app:Hunter2pass@db.internal/app").unwrap_err();
    assert!(error.contains("only SQLite") && error.contains("db.internal"), "{error}");
    assert!(!error.contains("Hunter2pass"), "{error}");
}
