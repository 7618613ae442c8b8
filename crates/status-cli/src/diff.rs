//! `status-cli diff OLD.json NEW.json`: the changed keys between two snapshots, with old → new values.
//!
//! Exit status as `diff(1)`: 0 when nothing changed, 1 when something did, 2 when a file could not be
//! read or parsed (with `{"error": …}` on stdout).

use std::io::Write;
use std::path::Path;

use status_model::{Change, ChangeKind, KeyFilter, diff};

/// Exit status when the comparison could not be made.
pub(crate) const EXIT_TROUBLE: i32 = 2;

/// Runs the command: `Ok` when nothing changed, `Err` (exit 1) when something did. Exits with
/// [`EXIT_TROUBLE`] on an error.
pub(crate) fn command(old: &Path, new: &Path, ignore: &[String], json: bool) -> Result<(), ()> {
    match compare(old, new, ignore) {
        Ok(changes) => {
            if let Err(error) = print(&changes, json) {
                trouble(&format!("failed to write to stdout: {error}"));
            }
            if changes.is_empty() { Ok(()) } else { Err(()) }
        }
        Err(message) => trouble(&message),
    }
}

fn trouble(message: &str) -> ! {
    crate::commands::print_error(message);
    std::process::exit(EXIT_TROUBLE)
}

fn compare(old: &Path, new: &Path, ignore: &[String]) -> Result<Vec<Change>, String> {
    let filter = KeyFilter::volatile_and(ignore).map_err(|error| format!("--ignore: {error}"))?;
    Ok(diff::diff(&read(old)?, &read(new)?, &filter))
}

fn read(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(path)
        .map_err(|error| format!("failed to read {}: {error}", path.display()))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| format!("failed to parse {} as JSON: {error}", path.display()))
}

fn print(changes: &[Change], json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string(changes).map_err(std::io::Error::other)?;
        return writeln!(out, "{text}");
    }
    for change in changes {
        let side = |kind: ChangeKind, value: &serde_json::Value| match change.kind == kind {
            true => "(absent)".to_owned(),
            false => value.to_string(),
        };
        let old = side(ChangeKind::Added, &change.old);
        let new = side(ChangeKind::Removed, &change.new);
        writeln!(out, "{}: {old} → {new}", change.key)?;
    }
    Ok(())
}
