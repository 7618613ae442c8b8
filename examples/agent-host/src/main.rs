//! `agent-host`: runs the example orchestrator until Ctrl-C (or `--run-for`), serving its status.
//!
//! ```sh
//! cargo run -p agent-host -- --bind 127.0.0.1:8485
//! curl 127.0.0.1:8485/status     # or open http://127.0.0.1:8485/ in a browser
//! ```
//!
//! It logs its own events (jobs, channels connecting and dropping) at INFO on stderr; sqlx's
//! statement logs stay out unless `RUST_LOG` asks for them (`RUST_LOG=info,sqlx=debug`).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use status_collect::TracesConfig;
use status_collect::diagnostics::TraceBuffer;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// A fake agent orchestrator embedding the status library.
#[derive(Parser)]
struct Args {
    /// Where to serve `/`, `/status`, `/metrics`, `/health`, ….
    #[arg(long, default_value = "127.0.0.1:8485")]
    bind: SocketAddr,
    /// How often one of the two chat channels connects or drops.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    flap_every: Duration,
    /// How often the status loop collects.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// Where the SQLite database and the collector's state go (the database is recreated).
    #[arg(long, default_value_os_t = std::env::temp_dir().join("agent-host"))]
    data_dir: PathBuf,
    /// Stop after this long instead of waiting for Ctrl-C.
    #[arg(long, value_parser = humantime::parse_duration)]
    run_for: Option<Duration>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The trace buffer sees the jobs' events through its layer in the process's subscriber.
    let traces = TraceBuffer::new(&TracesConfig::default());
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour())
                .with_filter(log_filter()),
        )
        .with(traces.layer())
        .init();
    let options = agent_host::Options {
        bind: args.bind,
        flap_every: args.flap_every,
        interval: args.interval,
        data_dir: args.data_dir,
        traces: Some(traces),
    };
    let host = agent_host::start(options).await?;
    say(&format!("agent-host: serving status on http://{}/", host.addr));
    match args.run_for {
        Some(duration) => tokio::time::sleep(duration).await,
        None => tokio::signal::ctrl_c().await?,
    }
    host.stop().await;
    Ok(())
}

/// What the example logs when `RUST_LOG` does not say: its own events at INFO and up, the
/// libraries' warnings, and nothing of sqlx's statement logging below WARN.
const DEFAULT_LOGS: &str = "info,sqlx=warn";

/// `RUST_LOG` when set (and valid), else [`DEFAULT_LOGS`].
fn log_filter() -> EnvFilter {
    match std::env::var("RUST_LOG") {
        Ok(text) if !text.trim().is_empty() => {
            EnvFilter::try_new(&text).unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOGS))
        }
        _ => EnvFilter::new(DEFAULT_LOGS),
    }
}

/// Colour only on a terminal, and not when `NO_COLOR` is set (<https://no-color.org>).
fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[expect(clippy::print_stderr, reason = "the example tells its user where to look")]
fn say(message: &str) {
    eprintln!("{message}");
}
