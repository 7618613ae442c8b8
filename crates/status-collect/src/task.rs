//! Task helpers: blocking work on a small pool of threads kept for the process's life, with panics
//! resumed, and a panic's message. Imports only the [`Collector`](crate::collector) error type.
//!
//! tokio's blocking pool lets an idle thread go after 10 s, so at a 30 s interval every collection
//! started its blocking sections on new threads (and glibc gave each new thread's allocations an
//! arena of its own). Here at most [`WORKERS`] threads are started, on first need, and never stop:
//! every collection reuses them. Work waits in a queue for a busy worker only while some worker's
//! job is younger than [`STUCK`]; when every worker has been held longer (a hung `statvfs` on a dead
//! network mount, say) or the queue is full, the work goes to tokio's blocking pool instead, so a
//! stuck job never holds up the others.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::collector::CollectError;

/// The most threads the pool starts.
pub(crate) const WORKERS: usize = 4;

/// A worker held by one job longer than this is presumed stuck: new work does not wait for it.
pub(crate) const STUCK: Duration = Duration::from_secs(1);

/// Jobs that may wait for a worker; more go to tokio's blocking pool.
const QUEUE: usize = 64;

type Job = Box<dyn FnOnce() + Send>;

struct Pool {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// When each started worker's current job started (`None` while it waits).
    busy_since: Vec<Option<Instant>>,
    /// Each started worker's thread, to wake it.
    threads: Vec<std::thread::Thread>,
    /// The workers parked for want of work, the last to park at the end. Work wakes exactly one
    /// of them, that one (its stack and caches are the warmest), and none while a worker between
    /// two jobs will take it anyway: a wake-up is a context switch and, on an idle core of a VM,
    /// an interrupt, costing more than the `/proc` reads most jobs are.
    parked: Vec<usize>,
}

static POOL: LazyLock<Pool> = LazyLock::new(Pool::new);

impl Pool {
    fn new() -> Pool {
        Pool { state: Mutex::default() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` for a worker (waking a parked one, or starting one if there is room); gives it
    /// back when it should not wait here.
    fn submit(&'static self, job: Job) -> Result<(), Job> {
        let mut state = self.lock();
        // Workers between two jobs (neither busy nor parked) take queued work before they park.
        let waiting = state.busy_since.iter().filter(|since| since.is_none()).count();
        let between = waiting.saturating_sub(state.parked.len());
        let mut wake = None;
        if between > state.queue.len() {
            // One of them takes it.
        } else if let Some(index) = state.parked.pop() {
            wake = Some(state.threads[index].clone());
        } else if state.busy_since.len() < WORKERS {
            let index = state.busy_since.len();
            let started = std::thread::Builder::new()
                .name(format!("status-blocking-{index}"))
                .spawn(move || self.work(index));
            let Ok(started) = started else {
                return Err(job);
            };
            state.threads.push(started.thread().clone());
            state.busy_since.push(None);
        } else {
            // Worth waiting for: a worker between jobs (about to take a queued one), or one whose
            // job is young.
            let moving =
                state.busy_since.iter().any(|since| since.is_none_or(|at| at.elapsed() < STUCK));
            if !moving || state.queue.len() >= QUEUE {
                return Err(job);
            }
        }
        state.queue.push_back(job);
        drop(state);
        if let Some(thread) = wake {
            thread.unpark();
        }
        Ok(())
    }

    fn work(&self, index: usize) {
        let mut state = self.lock();
        loop {
            let Some(job) = state.queue.pop_front() else {
                state.parked.push(index);
                drop(state);
                std::thread::park();
                state = self.lock();
                // Woken by `submit`, which took it off the list, or spuriously: off it either way.
                state.parked.retain(|&parked| parked != index);
                continue;
            };
            state.busy_since[index] = Some(Instant::now());
            drop(state);
            // Jobs catch their own panics (see `blocking`); a worker never unwinds.
            job();
            state = self.lock();
            state.busy_since[index] = None;
        }
    }
}

/// Runs blocking work on the pool (inside the caller's tokio runtime context, as
/// `spawn_blocking` does). A panic there is resumed here, so the engine reports the section as
/// `panicked`.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CollectError> {
    run_on(&POOL, work).await
}

async fn run_on<T: Send + 'static>(
    pool: &'static Pool,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CollectError> {
    let (send, receive) = tokio::sync::oneshot::channel();
    let handle = tokio::runtime::Handle::try_current().ok();
    let job: Job = Box::new(move || {
        let _entered = handle.as_ref().map(tokio::runtime::Handle::enter);
        let _ = send.send(std::panic::catch_unwind(AssertUnwindSafe(work)));
    });
    if let Err(job) = pool.submit(job) {
        // Not waited for here: the job's result arrives through the channel all the same.
        drop(tokio::task::spawn_blocking(job));
    }
    match receive.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(payload)) => std::panic::resume_unwind(payload),
        Err(_) => Err(CollectError::Failed("blocking task failed: its worker dropped it".into())),
    }
}

/// The message of a panic's payload (a `&str` or a `String`), else a placeholder.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests;
