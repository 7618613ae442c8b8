//! Serving [`StatusService`] on a TCP listener with hyper, with limits and graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use status_collect::HttpConfig;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

use crate::routes::StatusService;

/// Requests to a status endpoint are a line and a few headers; larger buffers only help abusive
/// clients. hyper's floor for the read buffer is 8 KiB.
const MAX_BUF_SIZE: usize = 16 * 1024;
/// The request line and headers together.
const MAX_HEADER_SIZE: usize = 8 * 1024;
/// Browsers send about 15 headers, Prometheus fewer.
const MAX_HEADERS: usize = 48;
/// Connections the kernel queues before they are accepted (capped by `net.core.somaxconn`). std's
/// default of 128 drops the SYNs of a burst (a fleet's scrapers, a dashboard's reload), and each
/// dropped SYN costs its client a one-second retransmission.
pub const BACKLOG: u32 = 1024;
/// How long shutdown waits for open connections to finish their requests.
const GRACE: Duration = Duration::from_secs(5);

/// Limits on connections (the per-request ones are the service's).
#[derive(Clone, Debug)]
pub struct Limits {
    /// A connection that has not sent a request's headers this long after connecting, or after
    /// its previous response, is closed. It is what frees idle and slow (slowloris) connections.
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_config(&HttpConfig::default())
    }
}

impl Limits {
    /// The limits `[http]` sets.
    pub fn from_config(http: &HttpConfig) -> Limits {
        Limits { header_timeout: http.header_timeout }
    }
}

/// The server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound.
    #[error("failed to bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Binds a listener on `addr` with a backlog of [`BACKLOG`] pending connections; the error names the
/// address. Check the address with [`check_bind`](crate::check_bind) first.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    let error = |source| ServeError::Bind { addr, source };
    let socket =
        if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(error)?;
    socket.set_reuseaddr(true).map_err(error)?;
    socket.bind(addr).map_err(error)?;
    socket.listen(BACKLOG).map_err(error)
}

/// Serves `service` on `listener` with the default [`Limits`] until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    service: StatusService,
    shutdown: impl Future<Output = ()>,
) {
    serve_with(listener, service, Limits::default(), shutdown).await;
}

/// Serves `service` on `listener` until `shutdown` completes, then lets open connections finish
/// (up to 5 s). Accept errors (such as running out of file descriptors) are logged and retried.
///
/// A connection costs a socket and a small task until its first byte arrives; hyper's buffers are
/// set up only then, so thousands of idle connections stay cheap until `header_timeout` closes them.
pub async fn serve_with(
    listener: TcpListener,
    service: StatusService,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let (stopping, stopped) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_BUF_SIZE)
        .max_header_size(MAX_HEADER_SIZE)
        .max_headers(MAX_HEADERS);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "status server failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let builder = builder.clone();
        let service = service.clone();
        let watcher = graceful.watcher();
        let mut stopped = stopped.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            // `peek` waits for a first byte without taking it (`readable()` may fire before any
            // arrives); 0 bytes is a client that left.
            let mut first = [0u8; 1];
            tokio::select! {
                peeked = tokio::time::timeout(header_timeout, stream.peek(&mut first)) => {
                    if !matches!(peeked, Ok(Ok(1..))) {
                        return;
                    }
                }
                _ = stopped.wait_for(|stopped| *stopped) => return,
            }
            // Boxed: hyper's connection state is kilobytes, and inline it would make every idle
            // connection's task that big from the start.
            Box::pin(serve_connection(&builder, stream, service, watcher)).await;
        });
    }
    stopping.send_replace(true);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => {
            tracing::warn!("status server: connections still open after the grace period were dropped");
        }
    }
}

async fn serve_connection(
    builder: &hyper::server::conn::http1::Builder,
    stream: TcpStream,
    service: StatusService,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let connection = watcher.watch(builder.serve_connection(TokioIo::new(stream), service));
    if let Err(error) = connection.await {
        tracing::debug!(%error, "status connection ended with an error");
    }
}
