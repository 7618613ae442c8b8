//! The pretend application's state, and what it tells the status library about itself
//! ([`StatusDeps`]): its channels, queue, sessions, scheduler and model gateway, read from memory at
//! once.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use anyhow::Context;
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool};
use status_collect::layouts::{OPERATIONS_INDEXES, OPERATIONS_TABLES};
use status_deps::{BoxError, Provides, StatusDeps};
use status_model::{
    ChannelStatus, ChannelsSection, GatewayInfo, QueueGroup, QueueSection, ScheduledJob,
    SchedulerSection, SessionsSection, Timestamp,
};
use tokio::sync::Notify;

/// The two chat channels.
pub const CHANNELS: [&str; 2] = ["telegram", "slack"];

/// The queue's groups: one per chat, plus `ops` for scheduled tasks.
pub(crate) const GROUPS: [&str; 3] = ["chat-1", "chat-2", "ops"];

/// Workers in the pool.
pub(crate) const WORKERS: u64 = 3;

/// The orchestrator: in-memory state behind short locks, and its operations database.
pub struct Orchestrator {
    channels: Mutex<BTreeMap<String, ChannelStatus>>,
    queue: Mutex<BTreeMap<&'static str, Group>>,
    scheduler: Mutex<SchedulerSection>,
    work: Notify,
    gateway: OnceLock<GatewayInfo>,
    pub(crate) db: SqlitePool,
}

/// One queue group: waiting jobs, and whether a worker has one of its jobs (one at a time per group,
/// so a chat's messages are answered in order).
#[derive(Default)]
struct Group {
    waiting: VecDeque<u64>,
    active: bool,
}

impl Orchestrator {
    /// Creates the database at `path` afresh, in the `operations` layout, with its indexes.
    pub async fn open(path: &Path) -> anyhow::Result<Orchestrator> {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        let db = SqlitePool::connect_with(options)
            .await
            .with_context(|| format!("failed to open {}", path.display()))?;
        sqlx::raw_sql(OPERATIONS_TABLES).execute(&db).await?;
        sqlx::raw_sql(OPERATIONS_INDEXES).execute(&db).await?;
        let now = Timestamp::now();
        let channels = CHANNELS.map(|name| {
            (name.to_owned(), ChannelStatus { connected: true, since: Some(now), last_error: None })
        });
        let queue = GROUPS.map(|name| (name, Group::default()));
        let scheduler =
            SchedulerSection { last_tick_at: None, next_jobs: Vec::new(), active_jobs: 0 };
        Ok(Orchestrator {
            channels: Mutex::new(channels.into()),
            queue: Mutex::new(queue.into()),
            scheduler: Mutex::new(scheduler),
            work: Notify::new(),
            gateway: OnceLock::new(),
            db,
        })
    }

    /// The channels' states now.
    pub fn channels(&self) -> BTreeMap<String, ChannelStatus> {
        lock(&self.channels).clone()
    }

    /// Connects or drops `channel`.
    pub(crate) fn set_connected(&self, channel: &str, connected: bool) {
        let last_error = (!connected).then(|| "connection reset by peer".to_owned());
        let mut channels = lock(&self.channels);
        // Stamped under the lock: a reader that sees the old state read it before `since`.
        let state = ChannelStatus { connected, since: Some(Timestamp::now()), last_error };
        channels.insert(channel.to_owned(), state);
    }

    /// Sets the model gateway the orchestrator reports (once; later calls are ignored).
    pub(crate) fn set_gateway(&self, gateway: GatewayInfo) {
        let _ = self.gateway.set(gateway);
    }

    /// Queues job `id` in `group` and wakes a worker.
    pub(crate) fn enqueue(&self, group: &'static str, id: u64) {
        if let Some(group) = lock(&self.queue).get_mut(group) {
            group.waiting.push_back(id);
        }
        self.work.notify_one();
    }

    /// Jobs waiting in all groups.
    pub(crate) fn waiting(&self) -> u64 {
        lock(&self.queue).values().map(|group| group.waiting.len() as u64).sum()
    }

    /// Waits for a job of a group no other worker is busy with, and marks the group active.
    pub(crate) async fn take(&self) -> (&'static str, u64) {
        loop {
            let notified = self.work.notified();
            let taken = lock(&self.queue).iter_mut().find_map(|(name, group)| {
                let id = (!group.active).then(|| group.waiting.pop_front()).flatten()?;
                group.active = true;
                Some((*name, id))
            });
            if let Some(job) = taken {
                return job;
            }
            notified.await;
        }
    }

    /// Marks `group`'s job done, freeing the group for the next worker.
    pub(crate) fn finish(&self, group: &str) {
        if let Some(group) = lock(&self.queue).get_mut(group) {
            group.active = false;
        }
        self.work.notify_one();
    }

    /// Records a scheduler tick and what runs next.
    pub(crate) fn tick(&self, next_jobs: Vec<ScheduledJob>) {
        let mut scheduler = lock(&self.scheduler);
        scheduler.last_tick_at = Some(Timestamp::now());
        scheduler.next_jobs = next_jobs;
    }
}

/// What the status library asks of the host. Each method reads memory and returns at once; the
/// library calls them on its own tasks, under a deadline, so a slow or panicking one cannot hurt
/// the orchestrator.
#[async_trait]
impl StatusDeps for Orchestrator {
    fn service_name(&self) -> Option<String> {
        Some("agent-host".to_owned())
    }

    fn version(&self) -> Option<String> {
        Some(env!("CARGO_PKG_VERSION").to_owned())
    }

    fn provides(&self) -> Provides {
        Provides {
            channels: true,
            queue: true,
            sessions: true,
            scheduler: true,
            gateway: true,
            ..Provides::default()
        }
    }

    async fn channels(&self) -> Result<ChannelsSection, BoxError> {
        Ok(ChannelsSection { channels: self.channels() })
    }

    async fn queue(&self) -> Result<QueueSection, BoxError> {
        let queue = lock(&self.queue);
        let per_group: BTreeMap<String, QueueGroup> = queue
            .iter()
            .map(|(name, group)| {
                let is_task = *name == "ops";
                let waiting = group.waiting.len() as u64;
                let (pending_messages, pending_tasks) =
                    if is_task { (0, waiting) } else { (waiting, 0) };
                let state =
                    QueueGroup { active: group.active, is_task, pending_messages, pending_tasks };
                ((*name).to_owned(), state)
            })
            .collect();
        Ok(QueueSection {
            active: per_group.values().filter(|group| group.active).count() as u64,
            max_concurrent: WORKERS,
            waiting: queue.values().map(|group| group.waiting.len() as u64).sum(),
            per_group,
        })
    }

    async fn gateway(&self) -> Result<GatewayInfo, BoxError> {
        self.gateway.get().cloned().ok_or_else(|| "the gateway has not started yet".into())
    }

    async fn sessions(&self) -> Result<SessionsSection, BoxError> {
        let queue = lock(&self.queue);
        let active = queue.values().filter(|group| group.active).count() as u64;
        Ok(SessionsSection { workspaces_total: queue.len() as u64, active_sessions: active })
    }

    async fn scheduler(&self) -> Result<SchedulerSection, BoxError> {
        let mut scheduler = lock(&self.scheduler).clone();
        scheduler.active_jobs = u64::from(lock(&self.queue).get("ops").is_some_and(|g| g.active));
        Ok(scheduler)
    }
}

/// Locks `mutex`, carrying on past a panic elsewhere: the state stays readable for status.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
