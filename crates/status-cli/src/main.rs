//! `status-cli`: the status collector on the command line.
//!
//! - `status-cli snapshot [--config FILE] [--format json|pretty|text|terse] [--pretty]
//!   [--section NAME] [--view NAME] [--markdown] [--diff | --no-diff] [--no-pipeline]`: collects
//!   once, runs the pipeline a server runs after each collection (history row, latest/prev/diff
//!   files, hooks on a change since the previous run's snapshot, waited for) and prints the
//!   snapshot on stdout, as JSON by default, as a text view for people (`--view` and `--markdown`
//!   imply `--format text`), or as the terse projection; `--diff` also prints on stderr what changed
//!   since the previous snapshot (the latest file or the history), `--no-diff` skips the comparison
//!   and the hooks, `--no-pipeline` the whole pipeline. On failure exit status 1 and the error as
//!   plain text on stderr (the file, line and key of a config error), or, with
//!   `--format json|pretty|terse`, `{"error": "..."}` on stdout for scripts (what the pipeline failed
//!   to do after the snapshot was printed is always on stderr). The other commands' errors are plain text on stderr.
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
//! - `status-cli deploy record [--sha SHA] [--at TIME] [--config FILE]`: records a deploy in the
//!   store (default: `[deploy] repo`'s HEAD, now); `status-cli deploy list` prints the records.
//! - `status-cli completions bash|elvish|fish|powershell|zsh`: a shell completion script.
//!
//! Logs go to stderr: `-v`/`-q` (or `RUST_LOG`) choose how much, `--log-format json` writes one JSON
//! object an event, and colour is used only when stderr is a terminal and `NO_COLOR` is not set.
//!
//! With no `--config`, the embedded default collects every section this machine can answer.
//! This binary only parses arguments and wires status-collect to status-http; logs go to stderr.

mod commands;
mod deploy;
mod diff;
mod fetch;
mod health;
mod history;
mod logs;
mod output;
mod serve;
mod watch;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

/// Exit status: the command failed (bad config, unknown section, bind error).
const EXIT_FAILURE: u8 = 1;

/// The environment variables the commands read, shown under `--help`.
pub(crate) const ENVIRONMENT: &str = "\
Environment:
  RUST_LOG           log filter when neither -v nor -q is given (e.g. `debug`, `status_collect=debug`)
  STATUS_LOG_FORMAT  the default of --log-format (text or json)
  NO_COLOR           when set and not empty, no colour in logs or in `watch`
  STATUS_TOKEN       with --url: the server's bearer token, when no --token-file is given";

#[derive(Debug, Parser)]
#[command(
    name = "status-cli",
    version,
    about = "One structured answer to \"what is going on in there?\"",
    after_help = ENVIRONMENT
)]
struct Cli {
    #[command(subcommand)]
    command: commands::Command,
    #[command(flatten)]
    logs: logs::Logs,
    /// Worker threads of the async runtime. One is the default: collection runs on the blocking
    /// pool, and on a small machine a single worker answers HTTP with lower tail latency.
    #[arg(long, global = true, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    workers: u16,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return ExitCode::from(usage_error(&error)),
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(usize::from(cli.workers)).enable_all();
    let runtime = match builder.build() {
        Ok(runtime) => runtime,
        Err(error) => {
            commands::print_error(&format!("failed to start the async runtime: {error}"));
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    ExitCode::from(runtime.block_on(commands::run(cli.command, &cli.logs)))
}

/// Prints clap's message (help, version or a usage error) as clap does; returns the exit status:
/// 0 for help and version, 3 (UNKNOWN) for a usage error of `health` as monitoring plugins must,
/// else clap's 2.
fn usage_error(error: &clap::Error) -> u8 {
    let _ = error.print();
    if !error.use_stderr() {
        return 0;
    }
    if subcommand(std::env::args().skip(1)).as_deref() == Some("health") {
        let message = error.kind().as_str().unwrap_or("invalid arguments");
        let first = error.to_string();
        let detail = first.lines().next().unwrap_or(message).trim_start_matches("error: ");
        let (code, line) = health::unknown(None, &format!("usage: {detail}"));
        commands::print_line(&line);
        return code;
    }
    2
}

/// The subcommand named in `args`: the first argument that is not an option (or an option's
/// value).
fn subcommand(args: impl Iterator<Item = String>) -> Option<String> {
    let mut args = args;
    while let Some(arg) = args.next() {
        if arg == "--log-format" {
            args.next();
        } else if !arg.starts_with('-') {
            return Some(arg);
        }
    }
    None
}

/// Prints the completion script for `shell` on stdout (a closed pipe ends it quietly).
pub(crate) fn completions(shell: clap_complete::Shell) {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "status-cli", &mut script);
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &script);
}
