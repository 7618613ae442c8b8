//! `status-cli history [--since 1h] [--limit N] [--key K | --events] [--config FILE]`: snapshots, one
//! key's series, or the health status changes, from the history store (`[history] enabled = true`),
//! one JSON object per line, oldest first.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use status_collect::{History, STORE_FILE};
use status_model::Timestamp;

/// Prints the newest `limit` snapshots (or values of `key`, or health events) taken within `since`
/// of now.
pub(crate) async fn command(
    config: Option<&Path>,
    since: Option<Duration>,
    limit: u32,
    key: Option<&str>,
    events: bool,
) -> Result<(), String> {
    let config = crate::commands::load_config(config)?;
    let path = config.state_dir().join(STORE_FILE);
    let history = History::open(&path).await.map_err(|error| error.to_string())?;
    let since = since
        .map(|age| Timestamp::now().checked_sub(age))
        .transpose()
        .map_err(|error| format!("--since is out of range: {error}"))?;
    let mut out = std::io::stdout().lock();
    let failed = |error: std::io::Error| format!("failed to write to stdout: {error}");
    if events {
        for event in history.health_events(since, limit).await.map_err(|error| error.to_string())? {
            let line = serde_json::to_string(&event).map_err(|error| error.to_string())?;
            writeln!(out, "{line}").map_err(failed)?;
        }
        return Ok(());
    }
    match key {
        Some(key) => {
            for point in
                history.series(key, since, limit).await.map_err(|error| error.to_string())?
            {
                let line = serde_json::to_string(&point).map_err(|error| error.to_string())?;
                writeln!(out, "{line}").map_err(failed)?;
            }
        }
        None => {
            for snapshot in
                history.snapshots(since, limit).await.map_err(|error| error.to_string())?
            {
                writeln!(out, "{snapshot}").map_err(failed)?;
            }
        }
    }
    Ok(())
}
