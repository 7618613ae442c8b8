//! The two calls an app makes: [`routes`] builds the service for a running
//! [`Status`] the way its configuration says (token, forced refreshes, CORS, limits), and
//! [`serve_status`] checks the bind policy and returns the server over a listener of the host's.
//! The CLI's `serve` wires the same pieces by hand.

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use status_collect::Status;
use tokio::net::TcpListener;

use crate::auth::{Token, TokenError};
use crate::policy::{BindRefused, check_bind};
use crate::routes::StatusService;
use crate::server::{Limits, serve_with};

/// The routes could not be served as configured.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// `[http] token_file` or `token_env` names a token that cannot be read.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The listener's address is not loopback and there is no token (see [`check_bind`]).
    #[error(transparent)]
    Refused(#[from] BindRefused),
    /// The listener's address could not be read.
    #[error("failed to read the listener's address: {0}")]
    Address(#[source] io::Error),
}

/// The routes over `status`'s cache, set up from its configuration: the freshness check, page
/// refresh, CORS origins and request timeout, the bearer token of `[http] token_file`/`token_env`,
/// `?fresh=1` through the status's [`Refresher`](status_collect::Refresher), and its trace buffer
/// at `/status/traces`. Mount it with
/// [`Mount`](crate::Mount), or [`serve_status`] it.
pub fn routes(status: &Status) -> Result<StatusService, TokenError> {
    Ok(with_token(status, Token::from_config(&status.config().http)?))
}

fn with_token(status: &Status, token: Option<Token>) -> StatusService {
    let service = StatusService::from_config(status.cache(), status.config())
        .with_token(token)
        .with_refresher(status.refresher());
    #[cfg(feature = "diagnostics")]
    let service = service.with_traces(status.traces());
    service
}

/// Checks and prepares serving [`routes`] on `listener` (bound by the host, often to
/// `status.config().http.bind`) with the configured limits, and returns the server: await it, or
/// `tokio::spawn` it; it runs until `shutdown` completes. Fails, before serving anything, on a
/// token that cannot be read, or on a non-loopback address without a token unless
/// `[http] allow_unauthenticated_remote = true`. Raises the soft open-file limit to the hard one
/// ([`raise_fd_limit`](crate::raise_fd_limit)). The server is supervised as
/// [`serve_with`](crate::serve_with) says; its restarts are counted in
/// [`Status::server_restarts`] (the `http` section and the `http_server` check).
pub fn serve_status(
    status: &Status,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<impl Future<Output = ()> + Send + 'static, HostError> {
    let http = &status.config().http;
    let token = Token::from_config(http)?;
    let addr: SocketAddr = listener.local_addr().map_err(HostError::Address)?;
    check_bind(addr, token.as_ref(), http)?;
    crate::server::raise_fd_limit();
    let limits = Limits { restarts: status.server_restarts(), ..Limits::from_config(http) };
    Ok(serve_with(listener, with_token(status, token), limits, shutdown))
}

#[cfg(test)]
mod tests;
