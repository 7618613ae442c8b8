//! Benchmarks of the host-app sections: a full collection with every section configured (a fake
//! Docker Engine on a unix socket, a gateway health server, a host with 10 channels and 50 queue
//! groups, sidecars) but without terminals, and the `terminals` section (tmux and screen child
//! processes) on its own.
//!
//! Run with `cargo bench -p status-collect --bench hostdeps`; divan prints the median of each.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use status_collect::testing::collectors::{self, SidecarsCollector, TerminalsCollector};
use status_collect::testing::{Collector, Engine};
use status_collect::{Config, Liveness, Sidecars};
use status_deps::{BoxError, Provides, StatusDeps};
use status_model::{
    ChannelStatus, ChannelsSection, CustomSections, GatewayInfo, ProxyGateway, QueueGroup,
    QueueSection, ScheduledJob, SchedulerSection, SessionsSection,
};

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

const INSPECT: &str = r#"{"State":{"Status":"running","StartedAt":"2026-01-02T03:04:05.678901234Z","Health":{"Status":"healthy"}},"RestartCount":0,"Name":"/c"}"#;
const HEALTH: &str = r#"{"healthy_count":2,"unhealthy_count":0}"#;

/// Answers every request on `listener`'s connections with `body`.
fn serve<S, L, F>(mut accept: L, body: &'static str)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    L: FnMut() -> F + Send + 'static,
    F: Future<Output = S> + Send,
{
    tokio::spawn(async move {
        loop {
            let stream = accept().await;
            let service = service_fn(move |_| async move {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(body.as_bytes()))))
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
}

/// A host with 10 channels, 50 queue groups, sessions, a scheduler, custom sections and a proxy
/// gateway.
struct BusyHost {
    health_url: String,
}

#[async_trait]
impl StatusDeps for BusyHost {
    fn provides(&self) -> Provides {
        Provides { custom_checks: false, ..Provides::ALL }
    }

    async fn channels(&self) -> Result<ChannelsSection, BoxError> {
        let channels = (0..10)
            .map(|i| {
                let status = ChannelStatus { connected: i % 3 != 0, since: None, last_error: None };
                (format!("channel-{i}"), status)
            })
            .collect();
        Ok(ChannelsSection { channels })
    }

    async fn queue(&self) -> Result<QueueSection, BoxError> {
        let per_group = (0..50)
            .map(|i| {
                let group = QueueGroup {
                    active: i % 10 == 0,
                    is_task: i % 20 == 0,
                    pending_messages: i % 4,
                    pending_tasks: i % 2,
                };
                (format!("group-{i}"), group)
            })
            .collect();
        Ok(QueueSection { active: 5, max_concurrent: 5, waiting: 12, per_group })
    }

    async fn gateway(&self) -> Result<GatewayInfo, BoxError> {
        Ok(GatewayInfo {
            mode: "proxy".into(),
            proxy: Some(ProxyGateway {
                containers: vec!["litellm".into()],
                health_url: self.health_url.clone(),
                key_env: None,
                states: Default::default(),
            }),
        })
    }

    async fn sessions(&self) -> Result<SessionsSection, BoxError> {
        Ok(SessionsSection { workspaces_total: 50, active_sessions: 5 })
    }

    async fn scheduler(&self) -> Result<SchedulerSection, BoxError> {
        let next_jobs =
            (0..10).map(|i| ScheduledJob { name: format!("job-{i}"), next_run_at: None }).collect();
        Ok(SchedulerSection { last_tick_at: None, next_jobs, active_jobs: 2 })
    }

    async fn custom_sections(&self) -> Result<CustomSections, BoxError> {
        let sections = BTreeMap::from([("index".into(), serde_json::json!({"documents": 1200}))]);
        Ok(CustomSections { sections })
    }
}

fn full_engine(dir: &Path) -> Engine {
    let socket = dir.join("docker.sock");
    let unix = tokio::net::UnixListener::bind(&socket).expect("bind docker socket");
    let unix = Arc::new(unix);
    serve(
        move || {
            let unix = unix.clone();
            async move { unix.accept().await.expect("accept").0 }
        },
        INSPECT,
    );
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    tcp.set_nonblocking(true).expect("nonblocking");
    let health_url = format!("http://{}/health", tcp.local_addr().expect("addr"));
    let tcp = Arc::new(tokio::net::TcpListener::from_std(tcp).expect("tokio listener"));
    serve(
        move || {
            let tcp = tcp.clone();
            async move { tcp.accept().await.expect("accept").0 }
        },
        HEALTH,
    );
    let config = Config::parse(
        &format!(
            "[containers]\nnames = [\"redis\", \"worker\"]\nsocket = \"{}\"\n[terminals]\nenabled = false\n",
            socket.display()
        ),
        "<bench>",
    )
    .expect("config");
    let sidecars = Sidecars::default();
    sidecars.register_thread("poller", Liveness::from_fn(|| true));
    sidecars.register_process("self", std::process::id());
    let mut all =
        collectors::standard(&config, Arc::new(BusyHost { health_url }), Default::default());
    all.push(Arc::new(SidecarsCollector::new(sidecars)));
    Engine::new(all, config.collect.deadline)
}

/// One collection of every section but `terminals`, as the loop runs it.
#[divan::bench]
fn full_collection_without_terminals(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = rt.block_on(async { full_engine(dir.path()) });
    let first = rt.block_on(engine.collect());
    for (name, report) in &first.collection.sections {
        assert_eq!(report.outcome, status_model::Outcome::Ok, "{name}: {report:?}");
    }
    bencher.bench_local(|| rt.block_on(engine.collect()));
}

/// The `terminals` section alone: one `tmux list-sessions` and one `screen -ls` child process.
#[divan::bench]
fn terminals_section(bencher: divan::Bencher<'_, '_>) {
    let rt = runtime();
    let collector = TerminalsCollector::new(None, None);
    bencher.bench_local(|| rt.block_on(collector.collect()).expect("terminals"));
}
