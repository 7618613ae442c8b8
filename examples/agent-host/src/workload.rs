//! The pretend work: a flapper that connects and drops the chat channels, a scheduler that feeds
//! the queue, and a pool of workers that run jobs and write them to the operations database.

use std::sync::Arc;
use std::time::Duration;

use status_collect::Liveness;
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

/// Spawns the flapper, the scheduler and the worker pool on the current runtime.
pub(crate) fn spawn(orchestrator: Arc<Orchestrator>, flap_every: Duration) -> Workload {
    let mut tasks = vec![
        ("flapper".to_owned(), tokio::spawn(flap(orchestrator.clone(), flap_every))),
        ("scheduler".to_owned(), tokio::spawn(schedule(orchestrator.clone()))),
    ];
    for n in 1..=WORKERS {
        tasks.push((format!("worker-{n}"), tokio::spawn(work(orchestrator.clone()))));
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
    }
}

/// Ticks, queueing one job per tick into the groups in turn, and says what runs next.
async fn schedule(orchestrator: Arc<Orchestrator>) {
    let mut ticker = tokio::time::interval(TICK);
    for (id, group) in (1u64..).zip(GROUPS.iter().cycle()) {
        ticker.tick().await;
        orchestrator.enqueue(group, id);
        let soon = |seconds| Timestamp::now().checked_add(Duration::from_secs(seconds)).ok();
        orchestrator.tick(vec![
            ScheduledJob { name: "digest".to_owned(), next_run_at: soon(60) },
            ScheduledJob { name: "cleanup".to_owned(), next_run_at: soon(3600) },
        ]);
    }
}

/// Takes jobs and runs them: an `execution_log` row while it runs, then its result and a
/// notification about it. Every seventh job fails; every fifth notification is not delivered.
async fn work(orchestrator: Arc<Orchestrator>) {
    loop {
        let (group, id) = orchestrator.take().await;
        // Issue 8 plugs in here: a heartbeat per job, the pool's busy gauge, a traced execution.
        if let Err(error) = run_job(&orchestrator, group, id).await {
            tracing::warn!(%error, id, "job could not be recorded");
        }
        orchestrator.finish(group);
    }
}

async fn run_job(orchestrator: &Orchestrator, group: &str, id: u64) -> sqlx::Result<()> {
    let db = &orchestrator.db;
    let operation = format!("op-{id}");
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
    let duration_ms = clock.elapsed().as_secs_f64() * 1000.0;
    sqlx::query("UPDATE execution_log SET status = ?, duration_ms = ?, error_details = ? WHERE operation_id = ?")
        .bind(if failed { "error" } else { "success" })
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
    Ok(())
}
