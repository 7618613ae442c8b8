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
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
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
    ready: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// When each started worker's current job started (`None` while it waits).
    busy_since: Vec<Option<Instant>>,
}

static POOL: LazyLock<Pool> = LazyLock::new(Pool::new);

impl Pool {
    fn new() -> Pool {
        Pool { state: Mutex::default(), ready: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` for a worker (starting one if there is room); gives it back when it should
    /// not wait here.
    fn submit(&'static self, job: Job) -> Result<(), Job> {
        let mut state = self.lock();
        // Workers that wait for a job, or have just finished one and are about to take another.
        let available = state.busy_since.iter().filter(|since| since.is_none()).count();
        if available > state.queue.len() {
            // One of them takes it.
        } else if state.busy_since.len() < WORKERS {
            let index = state.busy_since.len();
            let started = std::thread::Builder::new()
                .name(format!("status-blocking-{index}"))
                .spawn(move || self.work(index));
            if started.is_err() {
                return Err(job);
            }
            state.busy_since.push(None);
        } else {
            // Worth waiting for: a worker about to take a queued job, or one whose job is young.
            let moving = state
                .busy_since
                .iter()
                .any(|since| since.is_none_or(|since| since.elapsed() < STUCK));
            if !moving || state.queue.len() >= QUEUE {
                return Err(job);
            }
        }
        state.queue.push_back(job);
        drop(state);
        self.ready.notify_one();
        Ok(())
    }

    fn work(&self, index: usize) {
        let mut state = self.lock();
        loop {
            let job = match state.queue.pop_front() {
                Some(job) => job,
                None => {
                    state = self.ready.wait(state).unwrap_or_else(PoisonError::into_inner);
                    continue;
                }
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
