//! Serving [`StatusService`] on a TCP listener with hyper, with limits and graceful shutdown.

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::TokioTimer;
use hyper_util::server::graceful::GracefulShutdown;
use status_collect::HttpConfig;
use status_collect::ServerRestarts;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Notify, oneshot, watch};

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
/// File descriptors kept for the collectors (databases, git, /proc reads, hooks) and the store: the
/// server holds at most the open-file limit less these, whatever `max_connections` says.
pub const RESERVED_FDS: u64 = 128;

/// Limits on connections (the per-request ones are the service's).
#[derive(Clone, Debug)]
pub struct Limits {
    /// A connection that has not sent a request's headers this long after connecting, or after
    /// its previous response, is closed. It is what frees idle and slow (slowloris) connections.
    pub header_timeout: Duration,
    /// Connections open at once (`[http] max_connections`); [`serve_with`] lowers it to the
    /// open-file limit less [`RESERVED_FDS`].
    pub max_connections: usize,
    /// The first and the longest wait before the accept loop is restarted after it ended without a
    /// shutdown (a panic): 1 s, doubling with each restart in a row up to 60 s.
    pub restart_delay: (Duration, Duration),
    /// Where the server counts its restarts (shared with whoever reports them).
    pub restarts: ServerRestarts,
    /// A test's fault-injection point, run in the accept loop for each accepted connection.
    #[doc(hidden)]
    pub accept_fault: Option<AcceptFault>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from_config(&HttpConfig::default())
    }
}

impl Limits {
    /// The limits `[http]` sets.
    pub fn from_config(http: &HttpConfig) -> Limits {
        Limits {
            header_timeout: http.header_timeout,
            max_connections: http.max_connections,
            restart_delay: RESTART_DELAY,
            restarts: ServerRestarts::default(),
            accept_fault: None,
        }
    }
}

/// The accept loop's restart delay: 1 s, doubling to 60 s. A loop that ran longer than the
/// longest delay before it ended starts the doubling over.
pub const RESTART_DELAY: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// A test's fault: called in the accept loop with each accepted connection's peer address; a panic
/// there ends the loop as a bug in it would.
#[derive(Clone)]
#[doc(hidden)]
pub struct AcceptFault(pub Arc<dyn Fn(SocketAddr) + Send + Sync>);

impl std::fmt::Debug for AcceptFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AcceptFault")
    }
}

/// A future whose panic is returned as an error instead of unwinding through the caller.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.0.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("the accept loop panicked: {text}")
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

/// The open-file limits (soft, hard) after raising the soft one to the hard one, as `serve` does at
/// start: each idle connection is a file, and the common soft limit of 1024 is easily reached. Logs
/// both. `None` for an unlimited one.
pub fn raise_fd_limit() -> (Option<u64>, Option<u64>) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let before = getrlimit(Resource::Nofile);
    if before.current != before.maximum {
        let raised = Rlimit { current: before.maximum, maximum: before.maximum };
        if let Err(error) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(%error, soft = ?before.current, hard = ?before.maximum, "failed to raise the open-file limit");
        }
    }
    let after = getrlimit(Resource::Nofile);
    tracing::info!(
        soft_before = ?before.current,
        soft = ?after.current,
        hard = ?after.maximum,
        "open-file limit"
    );
    (after.current, after.maximum)
}

/// `max_connections` lowered to the soft open-file limit less [`RESERVED_FDS`] (at least 1).
fn connection_cap(max_connections: usize) -> usize {
    let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    soft.map_or(max_connections, |soft| {
        let room = usize::try_from(soft.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX);
        max_connections.min(room).max(1)
    })
}

/// The open connections, and the ones among them that have not sent a byte yet (oldest first), each
/// with the sender that closes it.
struct Slots {
    cap: usize,
    open: AtomicUsize,
    next_id: AtomicU64,
    idle: Mutex<VecDeque<(u64, oneshot::Sender<()>)>>,
    /// Told when a connection closes.
    freed: Notify,
}

impl Slots {
    /// Makes room for one more connection: closes the oldest idle ones until one has closed.
    /// `false` when every open one is busy: the newest, the caller's, is then closed.
    async fn admit(&self) -> bool {
        while self.open.load(Ordering::Acquire) >= self.cap {
            let oldest = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop_front();
            let Some((_, close)) = oldest else { return false };
            // Its task closes it and frees its slot (one that got its first byte meanwhile keeps
            // going: the loop then closes the next idle one). Waiting keeps the file count under
            // the cap even when a burst of connections arrives faster than tasks run.
            if close.send(()).is_ok() {
                let _ =
                    tokio::time::timeout(Duration::from_millis(100), self.freed.notified()).await;
            }
        }
        true
    }

    fn idle(&self) -> (u64, oneshot::Receiver<()>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (close, closed) = oneshot::channel();
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push_back((id, close));
        (id, closed)
    }

    fn busy(&self, id: u64) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = idle.iter().position(|(each, _)| *each == id) {
            idle.remove(at);
        }
    }
}

/// One open connection's place; freed when its task ends.
struct Slot(Arc<Slots>, u64);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.busy(self.1);
        self.0.open.fetch_sub(1, Ordering::AcqRel);
        self.0.freed.notify_one();
    }
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
/// The server is supervised. A panic in a request handler ends only its connection (each runs in a
/// task of its own); what can end the accept loop itself (a panic in it) is caught, logged, counted
/// in `limits.restarts`, and the loop is started again on the same listener after
/// `limits.restart_delay` (1 s, doubling with each restart in a row up to 60 s). Connections
/// already open are not affected.
///
/// At most `limits.max_connections` connections are open, and never more than the open-file limit
/// less [`RESERVED_FDS`]: beyond that the oldest connection that has not sent a byte yet is closed
/// to make room, or, when every connection is busy, the new one.
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
    let cap = connection_cap(limits.max_connections);
    tracing::debug!(cap, max_connections = limits.max_connections, "status server connection cap");
    let slots = Arc::new(Slots {
        cap,
        open: AtomicUsize::new(0),
        next_id: AtomicU64::new(0),
        idle: Mutex::default(),
        freed: Notify::new(),
    });
    tokio::pin!(shutdown);
    let _serving = limits.restarts.serve();
    let (first_delay, max_delay) = limits.restart_delay;
    let mut delay = first_delay;
    loop {
        let started = tokio::time::Instant::now();
        let accepting = accept_loop(
            &listener,
            &service,
            &limits,
            &builder,
            &slots,
            &graceful,
            &stopped,
            shutdown.as_mut(),
        );
        let error = match CatchUnwind(Box::pin(accepting)).await {
            Ok(()) => break,
            Err(error) => error,
        };
        if started.elapsed() > max_delay {
            delay = first_delay;
        }
        limits.restarts.record(error.clone());
        tracing::error!(
            %error,
            restarts = limits.restarts.total(),
            delay = ?delay,
            "status server stopped accepting; restarting it"
        );
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.as_mut() => break,
        }
        delay = (delay * 2).min(max_delay);
    }
    stopping.send_replace(true);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => {
            tracing::warn!("status server: connections still open after the grace period were dropped");
        }
    }
}

/// Accepts connections until `shutdown` completes.
#[expect(clippy::too_many_arguments, reason = "the server's parts, borrowed for one run")]
async fn accept_loop(
    listener: &TcpListener,
    service: &StatusService,
    limits: &Limits,
    builder: &hyper::server::conn::http1::Builder,
    slots: &Arc<Slots>,
    graceful: &GracefulShutdown,
    stopped: &watch::Receiver<bool>,
    mut shutdown: Pin<&mut impl Future<Output = ()>>,
) {
    let cap = slots.cap;
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if let Some(AcceptFault(fault)) = &limits.accept_fault {
                        fault(peer);
                    }
                    no_delay(&stream);
                    stream
                }
                Err(error) => {
                    tracing::warn!(%error, "status server failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => return,
        };
        if !slots.admit().await {
            tracing::debug!(cap, "status server: every connection is busy; the newest is closed");
            drop(stream);
            continue;
        }
        slots.open.fetch_add(1, Ordering::AcqRel);
        let (id, mut evicted) = slots.idle();
        let slot = Slot(slots.clone(), id);
        let builder = builder.clone();
        let service = service.clone();
        let watcher = graceful.watcher();
        let mut stopped = stopped.clone();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let slot = slot;
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
                Ok(()) = &mut evicted => return,
            }
            slot.0.busy(slot.1);
            // Boxed: hyper's connection state is kilobytes, and inline it would make every idle
            // connection's task that big from the start.
            Box::pin(serve_connection(&builder, stream, service, watcher)).await;
        });
    }
}

mod connection;
use connection::{no_delay, serve_connection};

#[cfg(test)]
mod tests;
