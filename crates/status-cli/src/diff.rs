//! `status-cli diff OLD.json NEW.json`: the changed keys between two snapshots, with old → new values.
//!
//! Exit status as `diff(1)`: 0 when nothing changed, 1 when something did, 2 when a file could not be
//! read or parsed (with `{"error": …}` on stdout).
//!
//! [`print_since_previous`] is `status-cli snapshot --diff`: the new snapshot against the previous one.

use std::io::Write;
use std::path::Path;

use status_model::{Change, ChangeKind, KeyFilter, diff};

/// Exit status: nothing changed.
const EXIT_SAME: u8 = 0;
/// Exit status: something changed.
const EXIT_CHANGED: u8 = 1;
/// Exit status when the comparison could not be made.
const EXIT_TROUBLE: u8 = 2;

/// Runs the command and returns its exit status.
pub(crate) fn command(old: &Path, new: &Path, ignore: &[String], json: bool, all: bool) -> u8 {
    let changes = match compare(old, new, ignore, all) {
        Ok(changes) => changes,
        Err(message) => return trouble(&message),
    };
    if let Err(error) = print(&changes, json) {
        return trouble(&format!("failed to write to stdout: {error}"));
    }
    if changes.is_empty() { EXIT_SAME } else { EXIT_CHANGED }
}

fn trouble(message: &str) -> u8 {
    crate::commands::print_error(message);
    EXIT_TROUBLE
}

fn compare(old: &Path, new: &Path, ignore: &[String], all: bool) -> Result<Vec<Change>, String> {
    // By default what change detection counts (states, check statuses by check); `--all` every
    // key but the volatile ones.
    let filter = if all {
        KeyFilter::volatile_and(ignore)
    } else {
        KeyFilter::semantic(&[] as &[String], ignore)
    };
    let filter = filter.map_err(|error| format!("--ignore: {error}"))?;
    Ok(diff::diff(&read(old)?, &read(new)?, &filter))
}

fn read(path: &Path) -> Result<serde_json::Value, String> {
    let bytes = std::fs::read(path)
        .map_err(|error| format!("failed to read {}: {error}", path.display()))?;
    serde_json::from_slice(&bytes)
        .map_err(|error| format!("failed to parse {} as JSON: {error}", path.display()))
}

/// Prints on stderr what changed between the previous snapshot (the `[files] dir`'s latest file,
/// else the history's newest row) and the one `run` collected, as change detection counted it for
/// the hooks (`[diff]`).
pub(crate) fn print_since_previous(run: &status_collect::PipelineRun) -> Result<(), String> {
    let mut err = std::io::stderr().lock();
    let failed = |error: std::io::Error| format!("failed to write to stderr: {error}");
    let Some(source) = &run.previous else {
        return writeln!(
            err,
            "no previous snapshot to compare with: neither a `[files] dir` latest file nor a \
             `[history]` row"
        )
        .map_err(failed);
    };
    // The published snapshot was redacted before it was diffed: the values here are too.
    writeln!(err, "{} changed since the previous snapshot ({source})", run.changes.len())
        .map_err(failed)?;
    write_changes(&mut err, &run.changes, false).map_err(failed)
}

fn print(changes: &[Change], json: bool) -> std::io::Result<()> {
    write_changes(&mut std::io::stdout().lock(), changes, json)
}

fn write_changes(out: &mut impl Write, changes: &[Change], json: bool) -> std::io::Result<()> {
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
