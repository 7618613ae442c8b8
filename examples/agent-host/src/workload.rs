//! The pretend work: a flapper that connects and drops the chat channels, a scheduler that feeds
//! the queue, and a pool of workers that run jobs and write them to the operations database. The
//! pool publishes its metrics and heartbeats through the status handle's registries, and each job
//! is a traced execution (its events carry `execution_id` and `outcome`).

use std::sync::Arc;
use std::time::Duration;

use status_collect::Liveness;
use status_collect::diagnostics::MetricsRegistry;
use status_collect::diagnostics::{Counter, Gauge, Heartbeat, Heartbeats, HighWater, Histogram};
use status_model::{ScheduledJob, Timestamp};
use tokio::task::{AbortHandle, JoinHandle};
use tokio::time::Instant;

use crate::orchestrator::{CHANNELS, GROUPS, Orchestrator, WORKERS};

/// How often the scheduler ticks and queues a job.
const TICK: Duration = Duration::from_millis(400);

/// The running tasks: their names and handles, until they are handed to the sidecar registry.
pub(crate) struct Workload {
    tasks: Vec<(String, JoinHandle<()>)>,
    aborts: Vec<AbortHandle>,
}

/// The pool's metrics, registered once and updated lock-free by the workers.
struct PoolMetrics {
    succeeded: Counter,
    failed: Counter,
    busy: Gauge,
    waiting_max: HighWater,
    duration: Histogram,
}

impl PoolMetrics {
    fn register(metrics: &MetricsRegistry) -> PoolMetrics {
        let jobs = |outcome| {
            let help = "Jobs the worker pool finished.";
            metrics.counter("agent_jobs", help, None, &[("outcome", outcome)])
        };
        PoolMetrics {
            succeeded: jobs("success"),
            failed: jobs("error"),
            busy: metrics.gauge("agent_pool_busy", "Workers running a job.", None, &[]),
            waiting_max: metrics.high_water("agent_queue_waiting", "Most jobs waiting.", None, &[]),
            duration: metrics.histogram(
                "agent_job_duration",
                "How long a job ran.",
                Some("seconds"),
                &[0.1, 0.25, 0.5, 1.0],
                &[],
            ),
        }
    }
}

/// Spawns the flapper, the scheduler and the worker pool on the current runtime; the pool reports
/// to `metrics` and `heartbeats`.
pub(crate) fn spawn(
    orchestrator: Arc<Orchestrator>,
    flap_every: Duration,
    metrics: &MetricsRegistry,
    heartbeats: &Heartbeats,
) -> Workload {
    let pool = Arc::new(PoolMetrics::register(metrics));
    let mut tasks = vec![
        ("flapper".to_owned(), tokio::spawn(flap(orchestrator.clone(), flap_every))),
        ("scheduler".to_owned(), tokio::spawn(schedule(orchestrator.clone(), pool.clone()))),
    ];
    for n in 1..=WORKERS {
        let worker =
            work(orchestrator.clone(), pool.clone(), heartbeats.clone(), format!("worker-{n}"));
        tasks.push((format!("worker-{n}"), tokio::spawn(worker)));
    }
    let aborts = tasks.iter().map(|(_, task)| task.abort_handle()).collect();
    Workload { tasks, aborts }
}

impl Workload {
    /// Each task's liveness, for `Status::sidecars()`: alive until it ends.
    pub(crate) fn liveness(&mut self) -> Vec<(String, Liveness)> {
        self.tasks.drain(..).map(|(name, task)| (name, Liveness::from(task))).collect()
    }

    /// Stops every task.
    pub(crate) fn stop(&self) {
        for task in &self.aborts {
            task.abort();
        }
    }
}

/// Every `every`, one channel changes state: they take turns, each dropping then reconnecting.
async fn flap(orchestrator: Arc<Orchestrator>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.tick().await;
    for turn in 0usize.. {
        ticker.tick().await;
        let channel = CHANNELS[turn % CHANNELS.len()];
        let connected = !orchestrator.channels()[channel].connected;
        orchestrator.set_connected(channel, connected);
        if connected {
            tracing::info!(channel, "chat channel connected");
        } else {
            tracing::info!(channel, "chat channel dropped");
        }
    }
}

/// Ticks, queueing one job per tick into the groups in turn, and says what runs next.
async fn schedule(orchestrator: Arc<Orchestrator>, pool: Arc<PoolMetrics>) {
    let mut ticker = tokio::time::interval(TICK);
    for (id, group) in (1u64..).zip(GROUPS.iter().cycle()) {
        ticker.tick().await;
        orchestrator.enqueue(group, id);
        pool.waiting_max.observe(orchestrator.waiting());
        let soon = |seconds| Timestamp::now().checked_add(Duration::from_secs(seconds)).ok();
        orchestrator.tick(vec![
            ScheduledJob { name: "digest".to_owned(), next_run_at: soon(60) },
            ScheduledJob { name: "cleanup".to_owned(), next_run_at: soon(3600) },
        ]);
    }
}

/// Takes jobs and runs them: an `execution_log` row while it runs, then its result and a
/// notification about it. Every seventh job fails; every fifth notification is not delivered.
async fn work(
    orchestrator: Arc<Orchestrator>,
    pool: Arc<PoolMetrics>,
    beats: Heartbeats,
    me: String,
) {
    let mut done = 0u64;
    loop {
        let beat = Heartbeat {
            custom: [("jobs_done".to_owned(), done.into())].into(),
            ..Heartbeat::default()
        };
        beats.beat(me.clone(), beat);
        let (group, id) = orchestrator.take().await;
        pool.busy.inc();
        let clock = Instant::now();
        match run_job(&orchestrator, group, id).await {
            Ok(true) => pool.succeeded.inc(),
            Ok(false) => pool.failed.inc(),
            Err(error) => tracing::warn!(%error, id, "job could not be recorded"),
        }
        pool.duration.observe_duration(clock.elapsed());
        pool.busy.dec();
        done += 1;
        orchestrator.finish(group);
    }
}

/// Runs job `id` as the traced execution `op-<id>`; whether it succeeded.
async fn run_job(orchestrator: &Orchestrator, group: &str, id: u64) -> sqlx::Result<bool> {
    let db = &orchestrator.db;
    let operation = format!("op-{id}");
    tracing::info!(execution_id = %operation, group, "job started");
    let started = Timestamp::now();
    let clock = Instant::now();
    sqlx::query(
        "INSERT INTO execution_log (operation_id, timestamp, capability, action, chat_id, tier, status)
         VALUES (?, ?, 'shell', 'run', ?, 'T1', 'in_progress')",
    )
    .bind(&operation)
    .bind(started.to_string())
    .bind(group)
    .execute(db)
    .await?;
    tokio::time::sleep(Duration::from_millis(100 + id % 4 * 100)).await;
    let failed = id.is_multiple_of(7);
    let outcome = if failed { "error" } else { "success" };
    tracing::info!(execution_id = %operation, outcome, "job finished");
    let duration_ms = clock.elapsed().as_secs_f64() * 1000.0;
    sqlx::query("UPDATE execution_log SET status = ?, duration_ms = ?, error_details = ? WHERE operation_id = ?")
        .bind(outcome)
        .bind(duration_ms)
        .bind(failed.then_some("exit status 1"))
        .bind(&operation)
        .execute(db)
        .await?;
    let delivered = !id.is_multiple_of(5);
    sqlx::query(
        "INSERT INTO notification_outbox (operation_id, chat_id, message_text, status, created_at, sent_at)
         VALUES (?, ?, 'done', ?, ?, ?)",
    )
    .bind(&operation)
    .bind(group)
    .bind(if delivered { "sent" } else { "pending" })
    .bind(started.to_string())
    .bind(delivered.then(|| Timestamp::now().to_string()))
    .execute(db)
    .await?;
    Ok(!failed)
}
