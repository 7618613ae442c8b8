//! `[http]`: the status server's address, authentication and limits.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::bounded;

/// `[http]`: the status server.
///
/// The bearer token comes from a file or an environment variable, never from the config text or a
/// command line (both end up in shells' histories, process listings and logs).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// `bind`: address to listen on. Default `127.0.0.1:8484`: loopback only. Any other address
    /// needs a token, or `allow_unauthenticated_remote = true`.
    pub bind: SocketAddr,
    /// `page_refresh`: how often the HTML status page reloads itself, 1 s to 1 h. Default 30 s.
    #[serde(deserialize_with = "page_refresh_in_range")]
    pub page_refresh: Duration,
    /// `token_file`: a file holding the bearer token (surrounding whitespace is ignored, as
    /// Prometheus' `credentials_file` does). With a token, every endpoint but `/livez`, `/readyz`
    /// and a minimal `/health` asks for `Authorization: Bearer <token>`.
    pub token_file: Option<PathBuf>,
    /// `token_env`: the NAME of an environment variable holding the bearer token.
    pub token_env: Option<String>,
    /// `allow_unauthenticated_remote`: serve a non-loopback address without a token (a warning is
    /// logged at every start). Default false: such a server refuses to start.
    pub allow_unauthenticated_remote: bool,
    /// `cors_origins`: origins (`https://dash.example:8443`) whose pages may read the endpoints, or
    /// `"*"` for any. Default none: CORS is off.
    #[serde(deserialize_with = "origins")]
    pub cors_origins: Vec<String>,
    /// `max_concurrent_requests`: requests in progress at once, 1 to 100000; more are answered 429
    /// at once. Default 64.
    #[serde(deserialize_with = "concurrency_in_range")]
    pub max_concurrent_requests: usize,
    /// `max_connections`: connections open at once, 1 to 1000000, and never more than the open-file
    /// limit leaves beside the collectors' own files (see `status_http::Limits`). Beyond it, the
    /// oldest connection that has not sent a request yet is closed to make room, or, when every
    /// connection is busy, the newest. Default 1024.
    #[serde(deserialize_with = "connections_in_range")]
    pub max_connections: usize,
    /// `request_timeout`: the longest a request may take (only a forced refresh can take long),
    /// 100 ms to 5 m. Default 10 s.
    #[serde(deserialize_with = "request_timeout_in_range")]
    pub request_timeout: Duration,
    /// `header_timeout`: a connection that has not sent a request's headers by then is closed (idle
    /// keep-alive connections too), 100 ms to 5 m. Default 10 s.
    #[serde(deserialize_with = "header_timeout_in_range")]
    pub header_timeout: Duration,
    /// `min_refresh`: forced collections (`?fresh=1`) start at most once per this time; requests in
    /// between get the cached snapshot. 100 ms to 1 h. Default 1 s.
    #[serde(deserialize_with = "min_refresh_in_range")]
    pub min_refresh: Duration,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 8484)),
            page_refresh: Duration::from_secs(30),
            token_file: None,
            token_env: None,
            allow_unauthenticated_remote: false,
            cors_origins: Vec::new(),
            max_concurrent_requests: 64,
            max_connections: 1024,
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            min_refresh: Duration::from_secs(1),
        }
    }
}

fn page_refresh_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    bounded(deserializer, "http.page_refresh", (Duration::from_secs(1), Duration::from_secs(3600)))
}

fn request_timeout_in_range<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    bounded(
        deserializer,
        "http.request_timeout",
        (Duration::from_millis(100), Duration::from_secs(300)),
    )
}

fn header_timeout_in_range<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Duration, D::Error> {
    bounded(
        deserializer,
        "http.header_timeout",
        (Duration::from_millis(100), Duration::from_secs(300)),
    )
}

fn min_refresh_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    bounded(
        deserializer,
        "http.min_refresh",
        (Duration::from_millis(100), Duration::from_secs(3600)),
    )
}

fn concurrency_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let value = i64::deserialize(deserializer)?;
    match usize::try_from(value) {
        Ok(value @ 1..=100_000) => Ok(value),
        _ => Err(serde::de::Error::custom(format!(
            "`http.max_concurrent_requests` must be between 1 and 100000, got {value}"
        ))),
    }
}

fn connections_in_range<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let value = i64::deserialize(deserializer)?;
    match usize::try_from(value) {
        Ok(value @ 1..=1_000_000) => Ok(value),
        _ => Err(serde::de::Error::custom(format!(
            "`http.max_connections` must be between 1 and 1000000, got {value}"
        ))),
    }
}

/// Origins as browsers send them: `scheme://host[:port]`, nothing after; or `*`.
fn origins<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let origins = Vec::<String>::deserialize(deserializer)?;
    for origin in &origins {
        if origin == "*" {
            continue;
        }
        let valid = origin.split_once("://").is_some_and(|(scheme, rest)| {
            matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', ' '])
        });
        if !valid {
            return Err(serde::de::Error::custom(format!(
                "`http.cors_origins` entries must be origins such as \"https://dash.example:8443\" \
                 (scheme, host, optional port, no path) or \"*\", got {origin:?}"
            )));
        }
    }
    Ok(origins)
}
