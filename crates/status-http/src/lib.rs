//! The status HTTP front-end: a thin hyper service over the [`Cache`](status_collect::Cache).
//!
//! Endpoints (GET and HEAD; any other method is 405 with `Allow`, but for the two forms):
//! - `/`: the HTML status page (no JavaScript, reloads itself). Behind a token, a browser without
//!   it gets a login form instead.
//! - `POST /login`, `POST /logout`: the form's token (at most 4 KiB of body) for a session cookie,
//!   and back.
//! - `/status`: the latest snapshot as JSON, served from bytes serialized once per collection, with
//!   an ETag (`If-None-Match` gives 304) and gzip when asked, both made once per snapshot.
//!   `?fresh=1` waits for a forced collection (see below); `?terse=1` (or `?format=terse`) gives its
//!   terse projection, a flat object of dotted keys (`status_model::terse`); `?format=json` is the
//!   whole snapshot, and any other `format` a 400 naming the accepted ones.
//! - `/status/{section}`: one section's JSON (404 for an unknown or unconfigured section).
//! - `/health`: the health checks in the IETF health+json format; 200 for pass and warn, 503 for
//!   fail. `?fresh=1` as for `/status`.
//! - `/livez` (also `/healthz`), `/readyz`, `/readyz/{check}`: Kubernetes-style probes
//!   (`?verbose`, `?exclude=`). `/readyz/{check}` answers for every check; one that is not critical
//!   answers 200 even when it does not pass, with its reason.
//! - `/status/traces`, `/status/traces/{execution_id}`: the host's trace buffer, when given with
//!   [`StatusService::with_traces`] (404 otherwise; the `diagnostics` feature, default).
//! - `/metrics`: Prometheus text exposition (OpenMetrics when the `Accept` header asks for it).
//!
//! Before the first snapshot exists they answer 503 (`{"error":"no snapshot yet"}` for JSON routes).
//! Any other path is 404 JSON. Every view is rendered from the snapshot as the `[redact]` policy
//! left it (the cache redacts once per snapshot); the unredacted snapshot is never served.
//!
//! Safe to expose:
//! - [`check_bind`]: loopback by default; another address needs a [`Token`] or an explicit
//!   `allow_unauthenticated_remote = true` (warned about at every start).
//! - With a token (`[http] token_file` or `token_env`), every route but `/livez`, `/healthz`,
//!   `/readyz[/…]` and a minimal `/health` (status only) answers 401 with `WWW-Authenticate: Bearer`
//!   unless the request carries `Authorization: Bearer <token>`; probe reasons read "reason
//!   withheld" without it. A browser signs in on `/` with a form: the token, posted once, buys a
//!   random session cookie (`HttpOnly; SameSite=Strict; Path=<mount>`, 12 h, kept server-side,
//!   compared in constant time) that opens the `GET` and `HEAD` views, never another method.
//! - `?fresh=1` goes through a [`Refresher`](status_collect::Refresher): concurrent requests share
//!   one collection, at most one starts per `min_refresh`, and the others get the cached answer with
//!   `Age` and `Warning: 110`. Without the token it never collects.
//! - More than `max_concurrent_requests` in progress are answered 429 at once; a forced refresh
//!   gives up after `request_timeout`; a connection that has not sent its headers within
//!   `header_timeout` is closed, and until its first byte it costs no hyper buffers.
//! - CORS is off unless `cors_origins` lists origins.
//!
//! [`StatusService`] is a `hyper::service::Service` and a `tower::Service`, so a host can mount it in
//! a server it already runs, under a prefix with [`Mount`]; [`serve`] runs it on a listener the
//! caller bound (by default `127.0.0.1:8484`, loopback only). A host embedding a
//! [`Status`](status_collect::Status) calls [`routes`] (the service as its config says: token,
//! forced refreshes, limits) or [`serve_status`] (that, on a listener, after the bind policy).
//! This crate may depend on status-collect and status-model; it holds no collection logic.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::collections::BTreeMap;
//!
//! use hyper::Request;
//! use hyper::service::Service as _;
//! use status_collect::Cache;
//! use status_http::StatusService;
//! use status_model::{CollectionReport, Snapshot, Timestamp};
//!
//! let cache = Cache::default();
//! let service = StatusService::new(cache.clone());
//! let request = || Request::get("/status").body(String::new()).unwrap();
//! assert_eq!(service.call(request()).await.unwrap().status(), 503, "no snapshot yet");
//!
//! let report = CollectionReport {
//!     taken_at: Timestamp::now(),
//!     duration_ms: 1.0,
//!     sequence: 1,
//!     interval_seconds: Some(30.0),
//!     abandoned_total: 0,
//!     left_out: Default::default(),
//!     sections: BTreeMap::new(),
//! };
//! cache.publish(Snapshot::new(report)).unwrap();
//! assert_eq!(service.call(request()).await.unwrap().status(), 200);
//! # }
//! ```

mod auth;
mod cors;
mod encoding;
mod host;
mod ietf;
mod live;
mod metrics;
mod mount;
mod page;
mod policy;
mod probes;
mod reply;
mod routes;
mod server;
mod session;
#[cfg(feature = "diagnostics")]
mod traces;
mod views;

pub use auth::{Token, TokenError};
pub use host::{HostError, routes, serve_status};
pub use mount::{InvalidPrefix, Mount, MountFuture};
pub use policy::{BindRefused, check_bind};
pub use routes::service::ResponseFuture;
pub use routes::{FRESH_WAITERS, StatusService};
pub use server::{
    AcceptFault, BACKLOG, Limits, RESERVED_FDS, RESTART_DELAY, ServeError, bind, raise_fd_limit,
    serve, serve_with,
};
pub use status_collect::{RESTART_WINDOW, ServerRestarts};
