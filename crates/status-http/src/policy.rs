//! The bind policy: a status server listens on loopback unless it is protected by a token, or the
//! operator has explicitly accepted an open remote endpoint.

use std::net::{IpAddr, SocketAddr};

use status_collect::HttpConfig;

use crate::auth::Token;

/// A non-loopback address was refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to serve status on {addr} without a token: it is reachable from other machines; \
     set `[http] token_file` or `[http] token_env`, bind a loopback address, or set \
     `[http] allow_unauthenticated_remote = true`"
)]
pub struct BindRefused {
    /// The address.
    pub addr: SocketAddr,
}

/// Checks `addr` against the policy before it is bound; call it wherever a status listener is
/// bound (the CLI does). Loopback is always allowed. Any other address needs a token, or
/// `allow_unauthenticated_remote = true` in `http`, which logs a warning every time.
pub fn check_bind(
    addr: SocketAddr,
    token: Option<&Token>,
    http: &HttpConfig,
) -> Result<(), BindRefused> {
    if is_loopback(addr.ip()) || token.is_some() {
        return Ok(());
    }
    if http.allow_unauthenticated_remote {
        tracing::warn!(
            %addr,
            "serving status WITHOUT authentication on a non-loopback address \
             (allow_unauthenticated_remote = true): anyone who can reach it can read the host's status"
        );
        return Ok(());
    }
    Err(BindRefused { addr })
}

/// Loopback, including IPv4 loopback written as an IPv6-mapped address (`::ffff:127.0.0.1`).
fn is_loopback(ip: IpAddr) -> bool {
    ip.to_canonical().is_loopback()
}
