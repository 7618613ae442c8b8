//! `status-cli deploy record [--sha SHA] [--at TIME]` and `status-cli deploy list`: the deploy
//! records of the store under the state directory, which the `deploy` section shows as
//! `last_deploy_sha` and `last_deploy_at` (a running `serve` on its next collection).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use status_collect::store::{DeployRecord, Store};
use status_model::Timestamp;

#[derive(Debug, Subcommand)]
pub(crate) enum Action {
    /// Record that a commit was deployed (by default the `[deploy] repo`'s HEAD, now); prints the
    /// record as one JSON object.
    Record {
        /// Config file (TOML) naming the state directory and `[deploy] repo`.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The deployed commit (4 to 64 hex digits); default: `HEAD` of `[deploy] repo` (or of
        /// the first `[[repos]]` entry).
        #[arg(long, value_name = "SHA")]
        sha: Option<String>,
        /// When it was deployed, RFC 3339 (`2026-03-01T12:00:00Z`); default now.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
    },
    /// Print the recorded deploys, one JSON object per line, oldest first.
    List {
        /// Config file (TOML) naming the state directory.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// At most this many, the newest.
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: u32,
    },
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>().map_err(|error| {
        format!("not an RFC 3339 time such as 2026-03-01T12:00:00Z: {text:?} ({error})")
    })
}

pub(crate) async fn command(action: Action) -> Result<(), String> {
    match action {
        Action::Record { config, sha, at } => record(config.as_deref(), sha, at).await,
        Action::List { config, limit } => list(config.as_deref(), limit).await,
    }
}

fn store(config: &status_collect::Config) -> Result<Store, String> {
    if let Some(database) = &config.deploy.database {
        return Err(format!(
            "`[deploy] database = {database:?}` is set: the `deploy` section reads deploys from \
             that database, so a deploy recorded in the collector's store would not be shown"
        ));
    }
    config.check_dirs().map_err(|error| error.to_string())?;
    Ok(Store::new(&config.state_dir()))
}

async fn record(
    config: Option<&Path>,
    sha: Option<String>,
    at: Option<Timestamp>,
) -> Result<(), String> {
    let config = crate::commands::load_config(config)?;
    let store = store(&config)?;
    let sha = match sha {
        Some(sha) => sha,
        None => {
            let checkout = config.deploy.checkout(&config.repos).ok_or(
                "no --sha, and no `[deploy] repo` (or `[[repos]]` entry) whose HEAD to record",
            )?;
            let checkout = checkout.to_owned();
            tokio::task::spawn_blocking(move || status_collect::git::head_sha(&checkout))
                .await
                .map_err(|error| format!("reading HEAD failed: {error}"))?
                .map_err(|error| error.to_string())?
        }
    };
    let record = match at {
        Some(at) => store.record_deploy_at(&sha, at).await,
        None => store.record_deploy(&sha).await,
    }
    .map_err(|error| error.to_string())?;
    print(&[record])
}

async fn list(config: Option<&Path>, limit: u32) -> Result<(), String> {
    let config = crate::commands::load_config(config)?;
    let records = store(&config)?.deploys(limit).await.map_err(|error| error.to_string())?;
    print(&records)
}

fn print(records: &[DeployRecord]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    for record in records {
        let line = serde_json::json!({ "sha": record.sha, "at": record.at.to_string() });
        writeln!(out, "{line}").map_err(|error| format!("failed to write to stdout: {error}"))?;
    }
    Ok(())
}
