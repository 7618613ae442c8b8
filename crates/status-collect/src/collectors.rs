//! The collectors, one per section, and the set a configuration asks for: `assemble` is the one
//! place a section is registered. [`Status::builder`](crate::Status::builder) runs it for the
//! background loop and for collections on demand alike (the command line's `snapshot`, `health`,
//! `watch` and `serve`); the engine only ever sees the [`Collector`]s it returns.

#[cfg(feature = "sqlite")]
mod app_jobs;
mod app_provided;
#[cfg(feature = "sqlite")]
mod broker;
#[cfg(feature = "docker")]
mod containers;
#[cfg(all(feature = "git", feature = "sqlite"))]
mod deploy;
mod gateway;
mod host;
mod http_server;
#[cfg(feature = "sqlite")]
mod messages;
#[cfg(feature = "diagnostics")]
mod metrics;
#[cfg(feature = "sqlite")]
mod notifier;
mod pipeline;
mod portable;
#[cfg(feature = "sqlite")]
mod probes;
mod process;
mod processes;
#[cfg(feature = "sqlite")]
mod recent_operations;
#[cfg(feature = "git")]
mod repos;
mod runtime;
#[cfg(feature = "sqlite")]
mod schedule;
mod service;
mod sidecars;
mod storage;
#[cfg(feature = "sqlite")]
mod store;
mod target;
#[cfg(feature = "sqlite")]
mod tasks;
mod terminals;
#[cfg(feature = "diagnostics")]
mod trace_operations;
#[cfg(feature = "diagnostics")]
mod workers;

use std::sync::Arc;

#[cfg(feature = "sqlite")]
pub(crate) use app_jobs::AppJobsCollector;
pub(crate) use app_provided::AppProvidedCollector;
pub use app_provided::AppSection;
#[cfg(feature = "sqlite")]
pub(crate) use broker::BrokerCollector;
#[cfg(feature = "docker")]
pub use containers::ContainersCollector;
#[cfg(all(feature = "git", feature = "sqlite"))]
pub use deploy::DeployCollector;
pub use gateway::GatewayCollector;
pub use host::HostCollector;
pub use http_server::{HttpServerCollector, RESTART_WINDOW, ServerRestarts, ServingGuard};
#[cfg(feature = "sqlite")]
pub(crate) use messages::MessagesCollector;
#[cfg(feature = "diagnostics")]
pub use metrics::MetricsCollector;
#[cfg(feature = "sqlite")]
pub(crate) use notifier::NotifierCollector;
pub(crate) use pipeline::PipelineCollector;
pub use portable::{SysinfoHostCollector, SysinfoProcessCollector};
#[cfg(feature = "sqlite")]
pub(crate) use probes::ProbesCollector;
pub use process::{EnvLookup, ProcessCollector};
pub use processes::ProcessesCollector;
#[cfg(feature = "sqlite")]
pub(crate) use recent_operations::RecentOperationsCollector;
#[cfg(feature = "git")]
pub use repos::ReposCollector;
pub use runtime::RuntimeCollector;
pub use service::{ServiceCollector, ShutdownFlag};
pub use sidecars::{Liveness, Sidecars, SidecarsCollector};
use status_deps::StatusDeps;
#[cfg_attr(
    not(feature = "testing"),
    allow(unused_imports, reason = "used by tests, through `testing`")
)]
pub use storage::{BranchCount, StorageCollector};
#[cfg(feature = "sqlite")]
pub use store::StoreCollector;
pub use target::Target;
#[cfg(feature = "sqlite")]
pub(crate) use tasks::TasksCollector;
pub use terminals::TerminalsCollector;
#[cfg(feature = "diagnostics")]
pub(crate) use trace_operations::TraceOperationsCollector;
#[cfg(feature = "diagnostics")]
pub use workers::WorkersCollector;

use crate::change::PipelineStats;
use crate::collector::Collector;
use crate::config::Config;
#[cfg(any(feature = "sqlite", feature = "diagnostics"))]
use crate::config::Layout;
#[cfg(feature = "sqlite")]
use crate::database::Database;
#[cfg(feature = "diagnostics")]
use crate::diagnostics::{Heartbeats, MetricsRegistry, TraceBuffer};
#[cfg(feature = "docker")]
use crate::docker::DockerEndpoint;
#[cfg(feature = "sqlite")]
use crate::store::Store;

/// What a [`Status`](crate::Status) shares with its collectors: the host, the shutdown flag, the
/// store, the registries host code fills, and the change pipeline's counters.
pub(crate) struct Shared {
    pub(crate) deps: Arc<dyn StatusDeps>,
    pub(crate) shutdown: ShutdownFlag,
    #[cfg(feature = "sqlite")]
    pub(crate) store: Store,
    pub(crate) sidecars: Sidecars,
    /// The status server's restarts, for the `http` section.
    pub(crate) server_restarts: ServerRestarts,
    /// The change pipeline's counters (nothing counts into them when none runs, on demand).
    pub(crate) stats: Arc<PipelineStats>,
    #[cfg(feature = "diagnostics")]
    pub(crate) metrics: MetricsRegistry,
    #[cfg(feature = "diagnostics")]
    pub(crate) heartbeats: Heartbeats,
    #[cfg(feature = "diagnostics")]
    pub(crate) traces: TraceBuffer,
    /// What the `workers` section says of `[workers] socket`: `None` when none is configured, else
    /// whether it listens.
    #[cfg(feature = "diagnostics")]
    pub(crate) socket: Option<Result<(), String>>,
}

/// Every collector `config` asks for, in snapshot order: [`standard`]'s, then `sidecars`, `http`,
/// `pipeline`, `metrics`, `workers`, and `trace_operations` unless an `operations` database gives
/// `recent_operations`. Sections behind a cargo feature (`git`, `sqlite`, `docker`, `diagnostics`)
/// are registered only when it is on; without it `Config::parse` refuses their tables. A new section is registered here and nowhere
/// else.
pub(crate) fn assemble(config: &Config, shared: Shared) -> Vec<Arc<dyn Collector>> {
    let mut collectors = standard_with_store(
        config,
        shared.deps,
        shared.shutdown,
        #[cfg(feature = "sqlite")]
        shared.store,
    );
    collectors.push(Arc::new(SidecarsCollector::new(shared.sidecars)));
    collectors.push(Arc::new(HttpServerCollector::new(shared.server_restarts)));
    collectors.push(Arc::new(PipelineCollector::new(shared.stats)));
    #[cfg(feature = "diagnostics")]
    {
        collectors.push(Arc::new(MetricsCollector::new(shared.metrics)));
        collectors.push(Arc::new(WorkersCollector::new(shared.heartbeats, shared.socket)));
        if !config.databases.iter().any(|db| db.schema == Some(Layout::Operations)) {
            collectors.push(Arc::new(TraceOperationsCollector::new(shared.traces)));
        }
    }
    collectors
}

/// The collectors `config` and `deps` ask for, in snapshot order: `service`, `process`, `host`,
/// `runtime` (left out with a `[target]`: it can only describe the collector's own runtime), then
/// [`around_the_host`]'s, then `deploy` and `repos` when repositories are configured, then the [`databases`] sections. Must be called inside a tokio runtime (the runtime
/// collector starts its lag probe). `DOCKER_HOST` and the gateway's key variable are read from the
/// process environment. The `deploy` section's store is the one under `config`'s state dir.
/// `assemble` adds the sections of the registries a `Status` owns.
#[cfg_attr(not(feature = "testing"), allow(dead_code, reason = "used by tests, through `testing`"))]
pub fn standard(
    config: &Config,
    deps: Arc<dyn StatusDeps>,
    shutdown: ShutdownFlag,
) -> Vec<Arc<dyn Collector>> {
    standard_with_store(
        config,
        deps,
        shutdown,
        #[cfg(feature = "sqlite")]
        Store::new(&config.state_dir()),
    )
}

/// [`standard`], with the store the `deploy` section reads.
fn standard_with_store(
    config: &Config,
    deps: Arc<dyn StatusDeps>,
    shutdown: ShutdownFlag,
    #[cfg(feature = "sqlite")] store: Store,
) -> Vec<Arc<dyn Collector>> {
    let env: EnvLookup = Arc::new(|name| std::env::var(name).ok());
    let target = Target::from_config(&config.target).map(Arc::new);
    let service = ServiceCollector::new(deps.clone(), config.service.name.clone(), shutdown);
    let mut collectors: Vec<Arc<dyn Collector>> = match &target {
        Some(target) => vec![
            Arc::new(service.with_target(target.clone())),
            process_collector(Some(target.clone())),
            host_collector(config.host.disk_paths.clone()),
        ],
        None => vec![
            Arc::new(service),
            process_collector(None),
            host_collector(config.host.disk_paths.clone()),
            Arc::new(RuntimeCollector::start()),
        ],
    };
    collectors.extend(around_the_host(config, &deps, env));
    // Without the `git` feature a parsed config has neither (`Config::parse` refuses them), nor a
    // `[deploy] repo` without `sqlite` (its records are kept in the store).
    #[cfg(feature = "git")]
    {
        let deadline = config.collect.deadline;
        #[cfg(feature = "sqlite")]
        if let Some(checkout) = config.deploy.checkout(&config.repos) {
            let mut deploy = DeployCollector::new(checkout.to_owned(), store.clone(), deadline);
            let record =
                config.deploy.database.as_ref().and_then(|name| {
                    config.databases.iter().find(|database| &database.name == name)
                });
            if let Some(database) = record {
                deploy = deploy.with_database(Database::new(database, deadline));
            }
            collectors.push(Arc::new(deploy));
        }
        if !config.repos.is_empty() {
            collectors.push(Arc::new(ReposCollector::new(config.repos.clone(), deadline)));
        }
    }
    // The store is probed only when something writes it: deploy records or the history.
    #[cfg(feature = "sqlite")]
    if config.deploy.checkout(&config.repos).is_some() || config.history.enabled {
        collectors.push(Arc::new(StoreCollector::new(store)));
    }
    collectors.extend(databases(config));
    collectors
}

/// The database sections `config` asks for, one pool per `[[databases]]` entry shared by its
/// sections: `broker`, `notifier` and `recent_operations` for the `operations` layout; `messages`,
/// `tasks` and `app_jobs` for `messaging`; `probes` when any probe is configured; `storage` when
/// any database or `[storage] log_dir` is. Nothing is opened until the first collection.
pub fn databases(config: &Config) -> Vec<Arc<dyn Collector>> {
    let mut collectors: Vec<Arc<dyn Collector>> = Vec::new();
    #[cfg(feature = "sqlite")]
    let databases = app_databases(config, &mut collectors);
    // Without the `sqlite` feature a parsed config has none (`Config::parse` refuses them).
    #[cfg(not(feature = "sqlite"))]
    let databases: Vec<(String, Option<std::path::PathBuf>)> = Vec::new();
    if !databases.is_empty() || config.storage.log_dir.is_some() || !config.repos.is_empty() {
        let storage = StorageCollector::files(databases, config.storage.log_dir.clone());
        #[cfg(feature = "git")]
        let storage = if config.repos.is_empty() {
            storage
        } else {
            let repos = config.repos.clone();
            storage.with_snapshot_branches(Arc::new(move || snapshot_branches(&repos)))
        };
        collectors.push(Arc::new(storage));
    }
    collectors
}

/// The sections of the `[[databases]]` entries, pushed onto `collectors`; returns each database's
/// name and file for `storage`.
#[cfg(feature = "sqlite")]
fn app_databases(
    config: &Config,
    collectors: &mut Vec<Arc<dyn Collector>>,
) -> Vec<(String, Option<std::path::PathBuf>)> {
    let databases: Vec<Arc<Database>> = config
        .databases
        .iter()
        .map(|database| Database::new(database, config.collect.deadline))
        .collect();
    let mut probes = Vec::new();
    for (db, database) in databases.iter().zip(&config.databases) {
        match db.layout() {
            Some(Layout::Operations) => {
                collectors.push(Arc::new(BrokerCollector::new(db.clone())));
                collectors.push(Arc::new(NotifierCollector::new(db.clone())));
                collectors.push(Arc::new(RecentOperationsCollector::new(db.clone())));
            }
            Some(Layout::Messaging) => {
                collectors.push(Arc::new(MessagesCollector::new(db.clone())));
                collectors.push(Arc::new(TasksCollector::new(db.clone())));
                collectors.push(Arc::new(AppJobsCollector::new(db.clone())));
            }
            None => {}
        }
        probes.extend(database.probes.iter().map(|probe| (db.clone(), probe.clone())));
    }
    if !probes.is_empty() {
        collectors.push(Arc::new(ProbesCollector::new(probes, config.collect.deadline)));
    }
    databases.iter().map(|db| (db.name().to_owned(), db.path().map(ToOwned::to_owned))).collect()
}

/// Refs matching each repo's `snapshot_refs` glob, summed over the configured repos.
#[cfg(feature = "git")]
fn snapshot_branches(repos: &[crate::config::RepoConfig]) -> Result<u64, String> {
    repos.iter().try_fold(0, |total, repo| {
        crate::git::count_matching_refs(&repo.path, &repo.snapshot_refs)
            .map(|count| total + count)
            .map_err(|error| error.to_string())
    })
}

/// The sections about the host's surroundings and its own state: `terminals` (unless disabled),
/// `processes` (unless no names), the app-provided sections its [`StatusDeps::provides`] lists,
/// `gateway` when it provides one, and `containers` when names are configured or it provides a
/// gateway. `env` looks up `DOCKER_HOST` and the gateway's key variable.
pub fn around_the_host(
    config: &Config,
    deps: &Arc<dyn StatusDeps>,
    env: EnvLookup,
) -> Vec<Arc<dyn Collector>> {
    let mut collectors: Vec<Arc<dyn Collector>> = Vec::new();
    let terminals = &config.terminals;
    if terminals.enabled {
        let collector =
            TerminalsCollector::new(terminals.tmux_tmpdir.clone(), terminals.screen_dir.clone());
        collectors.push(Arc::new(collector));
    }
    if !config.processes.names.is_empty() {
        collectors.push(Arc::new(ProcessesCollector::new(config.processes.names.clone())));
    }
    let provides = deps.provides();
    for section in AppSection::provided(provides) {
        collectors.push(Arc::new(AppProvidedCollector::new(deps.clone(), section)));
    }
    #[cfg(feature = "docker")]
    let docker = DockerEndpoint::resolve(config.containers.socket.as_deref(), env("DOCKER_HOST"));
    if provides.gateway {
        // The probe leaves a quarter of the deadline for the rest of the section.
        let timeout = config.gateway.health_timeout.min(config.collect.deadline * 3 / 4);
        let gateway = GatewayCollector::new(
            deps.clone(),
            #[cfg(feature = "docker")]
            docker.clone(),
            env,
            timeout,
        );
        collectors.push(Arc::new(gateway));
    }
    // Without the `docker` feature a parsed config has no `[containers]` (`Config::parse` refuses
    // it), and a gateway's containers are reported in its own section only.
    #[cfg(feature = "docker")]
    if !config.containers.names.is_empty() || provides.gateway {
        let gateway = provides.gateway.then(|| deps.clone());
        let names = config.containers.names.clone();
        let budget = config.collect.deadline * 3 / 4;
        let containers = ContainersCollector::new(names, docker, gateway).with_budget(budget);
        collectors.push(Arc::new(containers));
    }
    collectors
}

/// The `process` collector, of `target` or this process: the `/proc` reader on Linux with the
/// `procfs` feature, sysinfo elsewhere.
fn process_collector(target: Option<Arc<Target>>) -> Arc<dyn Collector> {
    if cfg!(all(target_os = "linux", feature = "procfs")) {
        let collector = ProcessCollector::new();
        Arc::new(match target {
            Some(target) => collector.with_target(target),
            None => collector,
        })
    } else {
        let collector = SysinfoProcessCollector::new();
        Arc::new(match target {
            Some(target) => collector.with_target(target),
            None => collector,
        })
    }
}

/// The `host` collector, chosen as [`process_collector`] is.
fn host_collector(disk_paths: Vec<std::path::PathBuf>) -> Arc<dyn Collector> {
    if cfg!(all(target_os = "linux", feature = "procfs")) {
        Arc::new(HostCollector::new(disk_paths))
    } else {
        Arc::new(SysinfoHostCollector::new(disk_paths))
    }
}
