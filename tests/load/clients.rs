//! The load tests' clients: one-shot requests, a keep-alive client, idle connections, slowloris.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Latencies, summarized as percentiles.
#[derive(Default)]
pub(crate) struct Timings(Vec<Duration>);

impl Timings {
    pub(crate) fn push(&mut self, took: Duration) {
        self.0.push(took);
    }

    /// The `p`th percentile (nearest rank); zero when empty.
    pub(crate) fn percentile(&self, p: usize) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        let rank = (sorted.len() * p).div_ceil(100).max(1);
        sorted.get(rank - 1).copied().unwrap_or_default()
    }

    pub(crate) fn summary(&self) -> String {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        format!(
            "n={} p50 {} p90 {} p99 {} max {}",
            self.0.len(),
            ms(self.percentile(50)),
            ms(self.percentile(90)),
            ms(self.percentile(99)),
            ms(self.percentile(100))
        )
    }
}

async fn handshake(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(connection);
    sender
}

fn get_request(path: &str) -> Request<Empty<Bytes>> {
    Request::get(path).header("host", "127.0.0.1").body(Empty::new()).expect("request")
}

/// Connects, waits at `start` with the others, sends one GET: the status, whether the answer was
/// marked stale (`Warning`), and the time from sending to the whole body.
pub(crate) async fn get_once(
    addr: SocketAddr,
    path: &str,
    start: &tokio::sync::Barrier,
) -> (u16, bool, Duration) {
    let mut sender = handshake(addr).await;
    start.wait().await;
    let sent = Instant::now();
    let response = sender.send_request(get_request(path)).await.expect("response");
    let status = response.status().as_u16();
    let stale = response.headers().contains_key("warning");
    let _ = response.into_body().collect().await.expect("body");
    (status, stale, sent.elapsed())
}

/// One keep-alive connection.
pub(crate) struct KeepAlive(SendRequest<Empty<Bytes>>);

pub(crate) async fn keep_alive(addr: SocketAddr) -> KeepAlive {
    KeepAlive(handshake(addr).await)
}

impl KeepAlive {
    /// GET `path`: the status (0 when the connection is gone) and the time to the whole body.
    pub(crate) async fn get(&mut self, path: &str) -> (u16, Duration) {
        let sent = Instant::now();
        if self.0.ready().await.is_err() {
            return (0, sent.elapsed());
        }
        let Ok(response) = self.0.send_request(get_request(path)).await else {
            return (0, sent.elapsed());
        };
        let status = response.status().as_u16();
        let _ = response.into_body().collect().await;
        (status, sent.elapsed())
    }
}

/// Opens `count` connections that send nothing, 500 at a time (the listen backlog is 1024).
pub(crate) async fn idle_connections(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut connections = Vec::with_capacity(count);
    while connections.len() < count {
        let batch = (count - connections.len()).min(500);
        let opening: Vec<JoinHandle<TcpStream>> = (0..batch)
            .map(|_| tokio::spawn(async move { TcpStream::connect(addr).await.expect("connects") }))
            .collect();
        for connection in opening {
            connections.push(connection.await.expect("task"));
        }
    }
    connections
}

/// Waits until `deadline` for each connection to be closed by the server; returns how many were.
pub(crate) async fn wait_closed(connections: Vec<TcpStream>, deadline: Instant) -> usize {
    let waits: Vec<JoinHandle<bool>> = connections
        .into_iter()
        .map(|mut stream| {
            tokio::spawn(async move {
                let mut byte = [0u8; 1];
                matches!(
                    tokio::time::timeout_at(deadline, stream.read(&mut byte)).await,
                    Ok(Ok(0) | Err(_))
                )
            })
        })
        .collect();
    let mut closed = 0;
    for wait in waits {
        closed += usize::from(wait.await.expect("task"));
    }
    closed
}

/// Clients that send a request's headers one byte at a time and never finish.
pub(crate) struct Slowloris {
    stop: Arc<AtomicBool>,
    clients: Vec<JoinHandle<bool>>,
}

pub(crate) fn slowloris(addr: SocketAddr, count: usize, every: Duration) -> Slowloris {
    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..count)
        .map(|_| {
            let stop = stop.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = TcpStream::connect(addr).await else { return false };
                let head = b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
                if stream.write_all(head).await.is_err() {
                    return false;
                }
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(every).await;
                    if stream.write_all(b"a").await.is_err() {
                        return false;
                    }
                }
                true
            })
        })
        .collect();
    Slowloris { stop, clients }
}

impl Slowloris {
    /// Stops the clients; returns how many were still connected and sending.
    pub(crate) async fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        let mut open = 0;
        for client in self.clients {
            open += usize::from(client.await.unwrap_or(false));
        }
        open
    }
}
