//! `status-cli`: the status collector on the command line.
//!
//! - `status-cli snapshot [--config FILE] [--format json|pretty|text|terse] [--pretty]
//!   [--section NAME] [--view NAME] [--markdown]`: collects once and prints the snapshot on stdout,
//!   as JSON by default, as a text view for people, or as the terse projection. On failure
//!   `{"error": "..."}` and exit status 1.
//! - `status-cli watch [--url URL | --config FILE] [--interval 2s] [--view NAME]`: a live,
//!   full-screen view that redraws in place and highlights what changed; `q` or Ctrl-C quits.
//! - `status-cli serve [--config FILE] [--bind ADDR] [--interval 30s]`: collects in the background
//!   and serves the HTTP endpoints until SIGINT or SIGTERM.
//! - `status-cli health [--url URL | --config FILE]`: a monitoring-plugin line and exit status
//!   (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
//! - `status-cli diff OLD.json NEW.json [--ignore GLOB] [--json]`: changed keys, old → new; exit 0
//!   when none, 1 when some, 2 on an unreadable file.
//! - `status-cli history [--since 1h] [--limit N] [--key K] [--config FILE]`: stored snapshots or one
//!   key's series, one JSON object per line.
//!
//! With no `--config`, the embedded default collects every section this machine can answer.
//! This binary only parses arguments and wires status-collect to status-http; logs go to stderr.

mod commands;
mod diff;
mod fetch;
mod health;
mod history;
mod output;
mod watch;

use std::process::ExitCode;

use clap::Parser;

/// Exit status: the command failed (bad config, unknown section, bind error).
const EXIT_FAILURE: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "status-cli",
    version,
    about = "One structured answer to \"what is going on in there?\""
)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            commands::print_error(&format!("failed to start the async runtime: {error}"));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    ExitCode::from(runtime.block_on(commands::run(cli.command)))
}
