//! One accepted connection: its socket options, and serving it with hyper until it ends.

use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::routes::StatusService;

/// Sends each response as soon as it is written (`TCP_NODELAY`): with Nagle's algorithm a response
/// written in two parts waits for the client's acknowledgement of the first, which a client may
/// delay by 40 ms (the Python baseline in `scripts/bench-http.sh` shows that p99 of 44 ms).
pub(super) fn no_delay(stream: &TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "status server could not set TCP_NODELAY on a connection");
    }
}

pub(super) async fn serve_connection(
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
