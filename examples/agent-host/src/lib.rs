//! An example host: a small fake agent orchestrator that embeds the status library.
//!
//! The orchestrator ([`Orchestrator`]) has what a real one has: two chat channels that connect and
//! drop, a queue of work in groups, a pool of workers that take from it, a scheduler that feeds it,
//! and an SQLite database in the `operations` layout that the workers write (`execution_log`,
//! `notification_outbox`). [`start`] runs all of that and embeds status collection in it; the
//! embedding is the block marked below, and the rest is the pretend application.
//!
//! What the status library sees of it:
//! - through [`StatusDeps`](status_deps::StatusDeps) (`orchestrator.rs`): `channels`, `queue`,
//!   `sessions`, `scheduler`, and `gateway` (with `containers`): a fake LiteLLM-style proxy on
//!   loopback (`gateway.rs`) whose `/health` wants the bearer key in [`KEY_ENV`] and where one
//!   model in turn goes unhealthy every [`GatewayOptions::unhealthy_every`];
//! - through the database: `broker`, `notifier`, `recent_operations`, `storage`;
//! - through the sidecar registry: the scheduler, flapper and worker tasks;
//! - through the diagnostics registries: the pool's metrics (`metrics`), each worker's heartbeat
//!   (`workers`), and each job as a traced execution (`/status/traces`, when the binary installed
//!   the trace buffer's layer in its subscriber);
//! - on its own: `service`, `process`, `host`, `runtime`, and the health checks over all of it.
//!
//! The end-to-end tests (`tests/e2e/agent_host.rs`) run it with its channels flapping.
//!
//! ```
//! # #[tokio::main]
//! # async fn main() -> anyhow::Result<()> {
//! use std::time::Duration;
//!
//! let data = std::env::temp_dir().join(format!("agent-host-doctest-{}", std::process::id()));
//! let options = agent_host::Options {
//!     bind: ([127, 0, 0, 1], 0).into(),
//!     flap_every: Duration::from_secs(10),
//!     interval: Duration::from_millis(200),
//!     data_dir: data.clone(),
//!     traces: None,
//!     config: None,
//!     gateway: agent_host::GatewayOptions::default(),
//! };
//! let host = agent_host::start(options).await?;
//! let mut snapshot = host.status.collect_now().await;
//! // Each worker sends its first heartbeat as it starts: wait for all three (5 s at most).
//! for _ in 0..50 {
//!     if snapshot.workers.value().is_some_and(|section| section.workers.len() == 3) {
//!         break;
//!     }
//!     tokio::time::sleep(Duration::from_millis(100)).await;
//!     snapshot = host.status.collect_now().await;
//! }
//! assert_eq!(snapshot.channels.value().unwrap().channels.len(), 2);
//! assert!(snapshot.broker.value().is_some(), "the operations database is read");
//! assert_eq!(snapshot.workers.value().unwrap().workers.len(), 3, "each worker beats");
//! host.stop().await;
//! # std::fs::remove_dir_all(data)?;
//! # Ok(())
//! # }
//! ```

mod gateway;
mod orchestrator;
mod workload;

/// The README's code blocks, compiled (and run, unless marked `no_run`) as doc tests of this crate,
/// which depends on every library crate the README uses.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use status_collect::diagnostics::{Heartbeats, MetricsRegistry, TraceBuffer};
use status_collect::{Config, Diagnostics, Status};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use gateway::{CONTAINERS, GatewayOptions, KEY_ENV, MODELS};
pub use orchestrator::{CHANNELS, Orchestrator};

/// How to run the example.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where the status routes are served (`127.0.0.1:0` picks a free port).
    pub bind: SocketAddr,
    /// How often one of the two chat channels connects or drops; they take turns.
    pub flap_every: Duration,
    /// How often the status loop collects (it overrides the config's). Below the config file's 5 s
    /// minimum is allowed in code.
    pub interval: Duration,
    /// Where the SQLite database and the collector's state live. The database is recreated.
    pub data_dir: PathBuf,
    /// The trace buffer whose layer the binary put in its tracing subscriber; `None` makes an
    /// empty one (jobs are then not traced, since no layer feeds it).
    pub traces: Option<TraceBuffer>,
    /// The status configuration (the same TOML as `status-cli --config`); `None` is the example's
    /// own. The example's `ops` database is added unless it names a database `ops`, and the state
    /// dir defaults to `<data_dir>/state`.
    pub config: Option<Config>,
    /// How the fake model gateway behaves.
    pub gateway: GatewayOptions,
}

/// The running example.
pub struct AgentHost {
    /// The address the status routes answer on.
    pub addr: SocketAddr,
    /// The embedded status collector.
    pub status: Status,
    /// The pretend application.
    pub orchestrator: Arc<Orchestrator>,
    workload: workload::Workload,
    gateway: gateway::FakeGateway,
    server: JoinHandle<()>,
    stop_server: oneshot::Sender<()>,
}

/// Starts the orchestrator, its status collection and the status server, on the current runtime.
pub async fn start(options: Options) -> anyhow::Result<AgentHost> {
    std::fs::create_dir_all(&options.data_dir)
        .with_context(|| format!("failed to create {}", options.data_dir.display()))?;
    let database = options.data_dir.join("ops.db");
    let orchestrator = Arc::new(Orchestrator::open(&database).await?);
    // The pretend model gateway; its key is read from the environment, as the status probe reads it.
    let key = match std::env::var(KEY_ENV) {
        Ok(key) if !key.is_empty() => key,
        _ => {
            tracing::warn!(
                variable = KEY_ENV,
                "the gateway key variable is not set: the fake gateway takes a random key, so \
                 status cannot read its model counts"
            );
            gateway::random_key()?
        }
    };
    let gateway = gateway::FakeGateway::start(key, &options.gateway)
        .await
        .context("failed to start the fake gateway")?;
    orchestrator.set_gateway(gateway.info());

    // ---- Embedding the status library: this block is all of it. ----
    // The same TOML a `status.toml` file would hold; see status.example.toml for every key.
    let toml = format!(
        r#"
        [service]
        name = "agent-host"

        [[databases]]
        name = "ops"
        url = "{}"
        schema = "operations"
        "#,
        database.display()
    );
    let example = Config::parse(&toml, "agent-host")?;
    let mut config = options.config.unwrap_or_else(|| example.clone());
    if !config.databases.iter().any(|database| database.name == "ops") {
        config.databases.extend(example.databases);
    }
    config.collect.interval = options.interval;
    if config.state.dir.is_none() {
        config.state.dir = Some(options.data_dir.join("state"));
    }
    let traces = options.traces.unwrap_or_else(|| TraceBuffer::new(&config.traces));
    let heartbeats = Heartbeats::new(&config.workers);
    let diagnostics = Diagnostics { metrics: MetricsRegistry::default(), heartbeats, traces };
    let status = Status::builder()
        .deps(orchestrator.clone())
        .config(config)
        .diagnostics(diagnostics)
        .spawn()?;
    // The pool publishes through the handle's registries; its tasks are the host's sidecars.
    let mut workload = workload::spawn(
        orchestrator.clone(),
        options.flap_every,
        &status.metrics(),
        &status.heartbeats(),
    );
    for (name, liveness) in workload.liveness() {
        status.sidecars().register_thread(name, liveness);
    }
    let listener = status_http::bind(options.bind).await?;
    let addr = listener.local_addr()?;
    let (stop_server, stopped) = oneshot::channel::<()>();
    let server = status_http::serve_status(&status, listener, async {
        let _ = stopped.await;
    })?;
    let server = tokio::spawn(server);
    // ---- End of the embedding. ----

    Ok(AgentHost { addr, status, orchestrator, workload, gateway, server, stop_server })
}

impl AgentHost {
    /// Stops the workload, the server and the status loop (which publishes a last snapshot that
    /// says `shutting_down`).
    pub async fn stop(self) {
        self.workload.stop();
        let _ = self.stop_server.send(());
        let _ = self.server.await;
        self.status.shutdown().await;
        drop(self.gateway);
    }
}
