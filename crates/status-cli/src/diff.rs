//! `status-cli diff OLD.json NEW.json`: the changed keys between two snapshots, with old → new values.
//!
//! Exit status as `diff(1)`: 0 when nothing changed, 1 when something did, 2 when a file could not be
//! read or parsed (with `{"error": …}` on stdout).
//!
//! [`since_previous`] is `status-cli snapshot --diff`: the new snapshot against the previous one.

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
/// else the history's newest row) and `published`, as change detection counts it (`[diff]`).
pub(crate) async fn since_previous(
    config: &status_collect::Config,
    published: &status_collect::Published,
) -> Result<(), String> {
    let mut err = std::io::stderr().lock();
    let failed = |error: std::io::Error| format!("failed to write to stderr: {error}");
    let Some((previous, source)) = previous(config, published).await? else {
        return writeln!(
            err,
            "no previous snapshot to compare with: neither a `[files] dir` latest file nor a \
             `[history]` row"
        )
        .map_err(failed);
    };
    let changes = diff::diff(&previous, &published.value, &config.diff.filter);
    writeln!(err, "{} changed since the previous snapshot ({source})", changes.len())
        .map_err(failed)?;
    write_changes(&mut err, &changes, false).map_err(failed)
}

/// The previous snapshot and where it came from.
async fn previous(
    config: &status_collect::Config,
    published: &status_collect::Published,
) -> Result<Option<(serde_json::Value, String)>, String> {
    if let Some(dir) = config.files.resolved_dir() {
        let from_snapshot = published.snapshot.service.value().map(|service| service.name.as_str());
        let name = config.service.name.as_deref().or(from_snapshot).unwrap_or("status");
        let path = status_collect::SnapshotFiles::new(&dir, name).latest;
        if let Some(mut value) = read_capped(&path)? {
            if let Some(object) = value.as_object_mut() {
                for key in status_collect::LATEST_DIFF_KEYS {
                    object.remove(key);
                }
            }
            return Ok(Some((value, path.display().to_string())));
        }
    }
    let store = config.state_dir().join(status_collect::STORE_FILE);
    if config.history.enabled && store.exists() {
        let history =
            status_collect::History::open(&store).await.map_err(|error| error.to_string())?;
        let mut newest =
            history.snapshot_values(None, 1).await.map_err(|error| error.to_string())?;
        if let Some(value) = newest.pop() {
            return Ok(Some((value, format!("the history in {}", store.display()))));
        }
    }
    Ok(None)
}

/// A latest file, read up to [`status_collect::MAX_LATEST_BYTES`]; `None` when absent.
fn read_capped(path: &Path) -> Result<Option<serde_json::Value>, String> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(format!("failed to read {}: {error}", path.display())),
    };
    let mut bytes = Vec::new();
    file.take(status_collect::MAX_LATEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("failed to read {}: {error}", path.display()))?;
    if bytes.len() as u64 > status_collect::MAX_LATEST_BYTES {
        return Err(format!(
            "{} is over {} bytes",
            path.display(),
            status_collect::MAX_LATEST_BYTES
        ));
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|error| format!("failed to parse {} as JSON: {error}", path.display()))
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
