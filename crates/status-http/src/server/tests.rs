//! The supervised accept loop: a fault injected in it (a panic, as a bug there would) ends the loop;
//! it is restarted on the same listener after the documented delay, and the restart is counted. And
//! an accepted connection's socket options.

use std::sync::atomic::{AtomicU32, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::*;
use status_collect::Cache;

/// Sends `GET path` and returns the status code, or `None` when the connection closed without an
/// answer (the accept loop died with it).
async fn get(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// A server whose accept loop panics at the next `crashes` connections.
async fn server(
    delay: (Duration, Duration),
) -> (SocketAddr, Arc<AtomicU32>, ServerRestarts, oneshot::Sender<()>, tokio::task::JoinHandle<()>)
{
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let crashes = Arc::new(AtomicU32::new(0));
    let armed = crashes.clone();
    let fault = AcceptFault(Arc::new(move |_peer| {
        if armed.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1)).is_ok() {
            panic!("injected accept fault");
        }
    }));
    let restarts = ServerRestarts::default();
    let limits = Limits {
        restart_delay: delay,
        restarts: restarts.clone(),
        accept_fault: Some(fault),
        ..Limits::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let service = StatusService::new(Cache::default());
    let task = tokio::spawn(serve_with(listener, service, limits, async move {
        let _ = stopped.await;
    }));
    (addr, crashes, restarts, stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_accept_loop_is_restarted_and_counted() {
    let (addr, crashes, restarts, stop, task) = server(RESTART_DELAY).await;
    // Live before the fault. (No snapshot is published: /status answers 503, an answer all the same.)
    assert_eq!(get(addr, "/status").await, Some(503));
    assert_eq!(restarts.total(), 0);

    crashes.store(1, Ordering::Release);
    let crashed = Instant::now();
    assert_eq!(get(addr, "/status").await, None, "the connection that met the fault is dropped");
    // Connections queue in the listener's backlog during the 1 s delay, and are answered after it.
    let answered = loop {
        if let Some(code) = get(addr, "/status").await {
            break code;
        }
    };
    let after = crashed.elapsed();
    assert_eq!(answered, 503);
    assert!(after < Duration::from_secs(2), "answered again only after {after:?}");
    assert!(after >= RESTART_DELAY.0, "restarted before the delay: {after:?}");
    assert_eq!(restarts.total(), 1);
    assert_eq!(restarts.recent(), 1);
    let error = restarts.last_error().unwrap();
    assert!(error.contains("accept loop panicked: injected accept fault"), "{error}");

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_in_a_row_double_the_delay_up_to_the_cap() {
    let first = Duration::from_millis(20);
    let cap = Duration::from_millis(80);
    let (addr, crashes, restarts, stop, task) = server((first, cap)).await;
    crashes.store(6, Ordering::Release);
    let started = Instant::now();
    let mut dropped = 0;
    loop {
        match get(addr, "/status").await {
            Some(code) => {
                assert_eq!(code, 503);
                break;
            }
            None => dropped += 1,
        }
    }
    // 20 + 40 + 80 + 80 + 80 + 80 ms of delays at least.
    let waited = started.elapsed();
    assert_eq!(dropped, 6);
    assert_eq!(restarts.total(), 6);
    assert_eq!(restarts.recent(), 6);
    assert!(waited >= Duration::from_millis(380), "{waited:?}");

    // A shutdown during a restart delay ends the server at once.
    crashes.store(1, Ordering::Release);
    assert_eq!(get(addr, "/status").await, None);
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap();
    assert_eq!(restarts.total(), 7);
}

#[tokio::test]
async fn an_accepted_connection_sends_without_delay() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (accepted, _) = listener.accept().await.unwrap();
    assert!(!accepted.nodelay().unwrap(), "Nagle's algorithm is on by default");
    connection::no_delay(&accepted);
    assert!(accepted.nodelay().unwrap());
    drop(client);
}
