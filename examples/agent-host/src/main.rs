//! `agent-host`: runs the example orchestrator until Ctrl-C (or `--run-for`), serving its status.
//!
//! ```sh
//! export AGENT_HOST_GATEWAY_KEY=sk-local-example   # the fake gateway's key (any value)
//! cargo run -p agent-host -- --bind 127.0.0.1:8485 [--config status.toml]
//! curl 127.0.0.1:8485/status     # or open http://127.0.0.1:8485/ in a browser
//! ```
//!
//! `--config FILE` takes the same TOML as `status-cli --config` (redaction, history, files, health
//! thresholds, `[gateway] health_timeout`, …); without it the example's own settings apply.
//!
//! It logs its own events (jobs, channels connecting and dropping) at INFO on stderr; sqlx's
//! statement logs stay out unless `RUST_LOG` asks for them (`RUST_LOG=info,sqlx=debug`).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use status_collect::diagnostics::TraceBuffer;
use status_collect::{Config, TracesConfig};
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
    /// The status configuration: the same TOML as `status-cli --config`. Default: the example's.
    #[arg(long)]
    config: Option<PathBuf>,
    /// How often the status loop collects. Default: the config's `[collect] interval` with
    /// `--config`, else 5 s.
    #[arg(long, value_parser = humantime::parse_duration)]
    interval: Option<Duration>,
    /// The period in which one of the fake gateway's models in turn goes unhealthy (from a quarter
    /// to half-way through it).
    #[arg(long, default_value = "2m", value_parser = humantime::parse_duration)]
    gateway_unhealthy_every: Duration,
    /// Where the SQLite database and the collector's state go (the database is recreated).
    #[arg(long, default_value_os_t = std::env::temp_dir().join("agent-host"))]
    data_dir: PathBuf,
    /// Stop after this long (or at Ctrl-C, whichever comes first).
    #[arg(long, value_parser = humantime::parse_duration)]
    run_for: Option<Duration>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = match &args.config {
        Some(path) => Some(Config::load(path)?),
        None => None,
    };
    let interval = args.interval.unwrap_or_else(|| {
        config.as_ref().map_or(Duration::from_secs(5), |config| config.collect.interval)
    });
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
        interval,
        data_dir: args.data_dir,
        traces: Some(traces),
        config,
        gateway: agent_host::GatewayOptions { unhealthy_every: args.gateway_unhealthy_every },
    };
    let host = agent_host::start(options).await?;
    say(&format!("agent-host: serving status on http://{}/", host.addr));
    // Ctrl-C stops it also with `--run-for`.
    let run_for = async {
        match args.run_for {
            Some(duration) => tokio::time::sleep(duration).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = run_for => {}
        interrupted = tokio::signal::ctrl_c() => interrupted?,
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
