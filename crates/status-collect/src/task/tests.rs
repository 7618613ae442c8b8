//! The blocking pool: a fixed set of threads reused across calls (the warmest first), panics
//! resumed in the caller, the runtime's context inside, and work that does not wait behind stuck
//! workers. Each test that counts or holds threads has a pool of its own.

use std::sync::{Arc, mpsc};

use super::*;

fn own_pool() -> &'static Pool {
    Box::leak(Box::new(Pool::new()))
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_reuse_a_fixed_set_of_threads() {
    let pool = own_pool();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        // Eight at once, more than the pool has workers: the rest wait for one.
        let calls: Vec<_> = (0..8).map(|_| tokio::spawn(run_on(pool, thread_name))).collect();
        for call in calls {
            seen.insert(call.await.unwrap().unwrap());
        }
    }
    assert!(seen.iter().all(|name| name.starts_with("status-blocking-")), "{seen:?}");
    assert!(seen.len() <= WORKERS, "{seen:?}");
    assert!(pool.lock().busy_since.len() <= WORKERS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_resumed_in_the_caller_and_the_worker_survives() {
    let pool = own_pool();
    let task = tokio::spawn(run_on(pool, || -> u8 { panic!("boom in the pool") }));
    let payload = task.await.unwrap_err().into_panic();
    assert_eq!(panic_message(&*payload), "boom in the pool");
    // Let the worker go back to waiting; then it is the one that answers.
    while pool.lock().busy_since.iter().any(Option::is_some) {
        tokio::task::yield_now().await;
    }
    assert_eq!(run_on(pool, thread_name).await.unwrap(), "status-blocking-0");
    assert_eq!(pool.lock().busy_since.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_runs_inside_the_runtime_context() {
    let inside = blocking(|| tokio::runtime::Handle::try_current().is_ok()).await.unwrap();
    assert!(inside);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_does_not_wait_behind_stuck_workers() {
    let pool = own_pool();
    // Hold every worker past the time they count as stuck.
    let (release, held) = mpsc::channel::<()>();
    let held = Arc::new(Mutex::new(held));
    let holders: Vec<_> = (0..WORKERS)
        .map(|_| {
            let held = held.clone();
            tokio::spawn(run_on(pool, move || {
                let _ = held.lock().unwrap_or_else(PoisonError::into_inner).recv();
            }))
        })
        .collect();
    tokio::time::sleep(STUCK + Duration::from_millis(200)).await;
    // Answered (on tokio's blocking pool) while every holder still waits.
    let name = run_on(pool, thread_name).await.unwrap();
    assert!(!name.starts_with("status-blocking-"), "{name}");
    for _ in 0..holders.len() {
        release.send(()).unwrap();
    }
    for holder in holders {
        holder.await.unwrap().unwrap();
    }
    // Free again: the pool's workers take work.
    assert!(run_on(pool, thread_name).await.unwrap().starts_with("status-blocking-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_at_a_time_is_answered_by_the_last_worker_to_park() {
    let pool = own_pool();
    // Two workers started, both held until both run; then both park.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let held: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            tokio::spawn(run_on(pool, move || {
                barrier.wait();
            }))
        })
        .collect();
    for call in held {
        call.await.unwrap().unwrap();
    }
    while pool.lock().parked.len() < 2 {
        tokio::task::yield_now().await;
    }
    let last = pool.lock().parked.last().copied().unwrap();
    // Each call wakes one worker, the warm one, and it parks last again: the other stays asleep.
    for _ in 0..10 {
        assert_eq!(run_on(pool, thread_name).await.unwrap(), format!("status-blocking-{last}"));
        while pool.lock().parked.len() < 2 {
            tokio::task::yield_now().await;
        }
    }
    assert_eq!(pool.lock().busy_since.len(), 2);
}
