//! The subcommands.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use status_collect::{Config, Status};
use status_model::{SectionName, View};
use tracing::level_filters::LevelFilter;

use crate::output::{Format, Output};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Collect one snapshot now and print it as JSON, as text for people, or as the terse projection.
    #[command(after_help = crate::ENVIRONMENT)]
    Snapshot {
        /// Config file (TOML); without it, the embedded default.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, conflicts_with = "pretty")]
        format: Option<crate::output::Format>,
        /// Indent the JSON (the same as `--format pretty`).
        #[arg(long)]
        pretty: bool,
        /// Print only this section.
        #[arg(long, value_name = "NAME")]
        section: Option<String>,
        /// With `--format text`: overview, resources, health, collection or a section's name.
        #[arg(long, value_name = "NAME", value_parser = str::parse::<View>)]
        view: Option<View>,
        /// With `--format text`: Markdown for chat instead of plain text; `--markdown telegram` for
        /// Telegram's MarkdownV2, `--markdown` alone for CommonMark.
        #[arg(long, value_enum, value_name = "FLAVOUR", num_args = 0..=1, default_missing_value = "commonmark")]
        markdown: Option<crate::output::Markdown>,
        /// Also print, on stderr, what changed since the previous snapshot (the `[files] dir`'s
        /// latest file, else the history's newest row): one line per changed key, as change
        /// detection counts them.
        #[arg(long, conflicts_with_all = ["no_diff", "no_pipeline"])]
        diff: bool,
        /// Skip the comparison with the previous snapshot, and so the on-change hooks.
        #[arg(long)]
        no_diff: bool,
        /// Collect and print only: no history row, no files, no hooks, nothing read or written in
        /// the state or files directory by the pipeline.
        #[arg(long)]
        no_pipeline: bool,
    },
    /// A live full-screen view that redraws in place and highlights what changed; `q` quits.
    #[command(after_help = crate::ENVIRONMENT)]
    Watch {
        /// Read a running server's /status (`http://127.0.0.1:8484`) instead of collecting.
        #[arg(long, value_name = "URL", conflicts_with = "config")]
        url: Option<String>,
        /// Config file (TOML) for local collections; without it, the embedded default.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// With `--url`: a file holding the server's bearer token (else `$STATUS_TOKEN`, if set).
        #[arg(long, value_name = "FILE", requires = "url")]
        token_file: Option<PathBuf>,
        /// Time between reads, 100ms to 1h.
        #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = crate::watch::parse_interval)]
        interval: std::time::Duration,
        /// The view to start with: overview, resources, health, collection or a section's name.
        #[arg(long, value_name = "NAME", default_value = "overview", value_parser = str::parse::<View>)]
        view: View,
    },
    /// Collect in the background and serve /status, /status/{section} and /health.
    #[command(after_help = crate::ENVIRONMENT)]
    Serve {
        /// Config file (TOML); without it, the embedded default.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Address to listen on; overrides `[http] bind` (default 127.0.0.1:8484).
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
        /// Time between collections, 5s to 300s; overrides `[collect] interval`.
        #[arg(long, value_name = "DURATION", value_parser = |text: &str| status_collect::parse_interval("--interval", text))]
        interval: Option<std::time::Duration>,
    },
    /// Print one monitoring-plugin line (STATUS OK|WARNING|CRITICAL|UNKNOWN) and exit 0, 1, 2 or 3.
    #[command(after_help = crate::ENVIRONMENT)]
    Health {
        /// Read a running server's /health instead of collecting (`http://127.0.0.1:8484`).
        #[arg(long, value_name = "URL", conflicts_with = "config")]
        url: Option<String>,
        /// Config file (TOML) for a local collection; without it, the embedded default.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// With `--url`: a file holding the server's bearer token (else `$STATUS_TOKEN`, if set).
        #[arg(long, value_name = "FILE", requires = "url")]
        token_file: Option<PathBuf>,
        /// How long to wait for the server.
        #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
        timeout: std::time::Duration,
        /// Only this check (and its items, `NAME:item`), e.g. `memory_available`.
        #[arg(long, value_name = "NAME")]
        check: Option<String>,
    },
    /// Compare two snapshot files: one line per changed key with old → new values, by default the
    /// states change detection counts (statuses, outcomes, each health check's status by check).
    /// Exit 0 when none changed, 1 when some did, 2 on an unreadable file.
    Diff {
        /// The older snapshot (JSON file).
        old: PathBuf,
        /// The newer snapshot (JSON file).
        new: PathBuf,
        /// Also ignore keys matching this pattern (repeatable); `*` matches any run of characters.
        #[arg(long, value_name = "GLOB")]
        ignore: Vec<String>,
        /// Print the changes as one JSON list.
        #[arg(long)]
        json: bool,
        /// Compare every key (gauges, counters and times too), not only states.
        #[arg(long)]
        all: bool,
    },
    /// Record a deploy (shown as the `deploy` section's `last_deploy_*`), or list the records.
    #[command(after_help = crate::ENVIRONMENT)]
    Deploy {
        #[command(subcommand)]
        action: crate::deploy::Action,
    },
    /// Print a shell completion script on stdout, e.g. `status-cli completions bash > status-cli.bash`.
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
    /// Print stored snapshots, or one key's series, from the history (`[history] enabled = true`).
    #[command(after_help = crate::ENVIRONMENT)]
    History {
        /// Config file (TOML) naming the state directory; without it, the embedded default.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Only what was taken within this long ago, e.g. `1h` or `2d`.
        #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
        since: Option<std::time::Duration>,
        /// At most this many, the newest.
        #[arg(long, value_name = "N", default_value_t = 100)]
        limit: u32,
        /// One dotted key's series, e.g. `host.memory.available_bytes`.
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
        /// The health status changes (of each check and overall) instead of snapshots.
        #[arg(long, conflicts_with = "key")]
        events: bool,
    },
}

/// Exit status of a command that succeeded.
const EXIT_OK: u8 = 0;

/// Runs a command; returns the process's exit status.
pub(crate) async fn run(command: Command, logs: &crate::logs::Logs) -> u8 {
    let result = match command {
        Command::Snapshot {
            config,
            format,
            pretty,
            section,
            view,
            markdown,
            diff,
            no_diff,
            no_pipeline,
        } => {
            logs.init(LevelFilter::WARN);
            // A script that asked for JSON gets its error as JSON on stdout; people get text.
            let json_error =
                pretty || matches!(format, Some(Format::Json | Format::Pretty | Format::Terse));
            // `--view` and `--markdown` are text options: they imply `--format text`.
            let format = match (pretty, format) {
                (true, _) => Format::Pretty,
                (false, Some(format)) => format,
                (false, None) if view.is_some() || markdown.is_some() => Format::Text,
                (false, None) => Format::default(),
            };
            let pipeline = match (no_pipeline, no_diff) {
                (true, _) => Pipeline::Off,
                (false, true) => Pipeline::Uncompared,
                (false, false) => Pipeline::On { print_diff: diff },
            };
            let output = Output { format, section: None, view, markdown };
            snapshot(config.as_deref(), output, section.as_deref(), pipeline).await.map_err(
                |error| match error {
                    SnapshotError::Before(message) if json_error => print_error(&message),
                    // After the snapshot was printed: its stdout stays one document.
                    SnapshotError::Before(message) | SnapshotError::After(message) => {
                        print_plain_error(&message);
                    }
                },
            )
        }
        Command::Watch { url, config, token_file, interval, view } => {
            // No logs: stderr is the screen the view draws on.
            crate::watch::run(
                url.as_deref(),
                token_file.as_deref(),
                config.as_deref(),
                interval,
                view,
            )
            .await
            .map_err(|message| print_plain_error(&message))
        }
        Command::Serve { config, bind, interval } => {
            logs.init(LevelFilter::INFO);
            crate::serve::serve(config.as_deref(), bind, interval).await.map_err(|message| {
                tracing::error!("{message}");
            })
        }
        Command::Health { url, config, token_file, timeout, check } => {
            logs.init(LevelFilter::ERROR);
            let (url, check) = (url.as_deref(), check.as_deref());
            return crate::health::run(
                url,
                token_file.as_deref(),
                config.as_deref(),
                timeout,
                check,
            )
            .await;
        }
        Command::Completions { shell } => {
            crate::completions(shell);
            return EXIT_OK;
        }
        Command::Diff { old, new, ignore, json, all } => {
            return crate::diff::command(&old, &new, &ignore, json, all);
        }
        Command::Deploy { action } => {
            logs.init(LevelFilter::WARN);
            crate::deploy::command(action).await.map_err(|message| print_plain_error(&message))
        }
        Command::History { config, since, limit, key, events } => {
            logs.init(LevelFilter::WARN);
            crate::history::command(config.as_deref(), since, limit, key.as_deref(), events)
                .await
                .map_err(|message| print_plain_error(&message))
        }
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(()) => crate::EXIT_FAILURE,
    }
}

/// Prints one line on stdout.
pub(crate) fn print_line(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

/// Prints `{"error": message}` on stdout, for callers that asked for JSON (`--format json`).
pub(crate) fn print_error(message: &str) {
    print_line(&serde_json::json!({ "error": message }).to_string());
}

/// Prints `status-cli: error: message` on stderr, as plain text for people (a config error's
/// file, line and key on lines of their own, as toml writes them).
pub(crate) fn print_plain_error(message: &str) {
    let _ = writeln!(std::io::stderr(), "status-cli: error: {message}");
}

pub(crate) fn load_config(path: Option<&Path>) -> Result<Config, String> {
    match path {
        Some(path) => Config::load(path).map_err(|error| error.to_string()),
        None => Ok(Config::default()),
    }
}

/// What `snapshot` runs after collecting.
#[derive(Clone, Copy, Debug)]
enum Pipeline {
    /// Nothing (`--no-pipeline`).
    Off,
    /// History, files, but no comparison and so no hooks (`--no-diff`).
    Uncompared,
    /// All of it; `--diff` also prints the changes.
    On { print_diff: bool },
}

/// A failure of `snapshot`: before anything was printed, or after the snapshot was.
enum SnapshotError {
    Before(String),
    After(String),
}

async fn snapshot(
    config: Option<&Path>,
    mut output: Output,
    section: Option<&str>,
    pipeline: Pipeline,
) -> Result<(), SnapshotError> {
    let config = load_config(config).map_err(SnapshotError::Before)?;
    output.section = section
        .map(str::parse::<SectionName>)
        .transpose()
        .map_err(|error| SnapshotError::Before(error.to_string()))?;
    output.check().map_err(SnapshotError::Before)?;
    let collection = Status::builder()
        .config(config)
        .one_shot()
        .map_err(|error| SnapshotError::Before(error.to_string()))?;
    let serialize =
        |error| SnapshotError::Before(format!("failed to serialize the snapshot: {error}"));
    let (compare, print_diff) = match pipeline {
        Pipeline::Off => {
            let published = collection.collect().await;
            collection.close().await;
            let published = published.map_err(serialize)?;
            return crate::output::print(&published, &output).map_err(SnapshotError::Before);
        }
        Pipeline::Uncompared => (false, false),
        Pipeline::On { print_diff } => (true, print_diff),
    };
    // Every view below is made from the published (redacted) snapshot.
    let run = collection.collect_with_pipeline(compare).await.map_err(serialize)?;
    crate::output::print(&run.published, &output).map_err(SnapshotError::Before)?;
    if print_diff {
        crate::diff::print_since_previous(&run).map_err(SnapshotError::After)?;
    }
    match run.failures.as_slice() {
        [] => Ok(()),
        failures => Err(SnapshotError::After(failures.join("\nstatus-cli: error: "))),
    }
}

/// One section's value out of the whole; an error naming the reason when it has none.
pub(crate) fn section_value(
    collection: &status_model::CollectionReport,
    mut whole: serde_json::Value,
    name: SectionName,
) -> Result<serde_json::Value, String> {
    match whole.get_mut(name.as_str()).map(serde_json::Value::take) {
        Some(serde_json::Value::Null) => {
            // The redacted report: its reasons are scrubbed like every output.
            let report = collection.sections.get(name.as_str());
            let reason =
                report.and_then(|report| report.reason.as_deref()).unwrap_or("unknown reason");
            Err(format!("section `{name}` has no value: {reason}"))
        }
        Some(section) => Ok(section),
        None => Err(format!("section `{name}` is not configured")),
    }
}
