//! The status HTTP front-end: a thin hyper service over the [`Cache`](status_collect::Cache).
//!
//! Endpoints (GET and HEAD; any other method is 405 with `Allow`):
//! - `/`: the HTML status page (no JavaScript, reloads itself).
//! - `/status`: the latest snapshot as JSON, served from bytes serialized once per collection;
//!   `/status?terse=1`: its terse projection, a flat object of dotted keys (`status_model::terse`).
//! - `/status/{section}`: one section's JSON (404 for an unknown or unconfigured section).
//! - `/health`: the health checks in the IETF health+json format; 200 for pass and warn, 503 for fail.
//! - `/livez`, `/readyz`, `/readyz/{check}`: Kubernetes-style probes (`?verbose`, `?exclude=`).
//! - `/metrics`: Prometheus text exposition (OpenMetrics when the `Accept` header asks for it).
//!
//! Before the first snapshot exists they answer 503 (`{"error":"no snapshot yet"}` for JSON routes).
//! Any other path is 404 JSON. A request never triggers a collection; only the snapshot's age is
//! evaluated per request (the `snapshot_fresh` check).
//!
//! [`StatusService`] is a `hyper::service::Service` and a `tower::Service`, so a host can mount it in
//! a server it already runs, under a prefix with [`Mount`]; [`serve`] runs it on a listener the
//! caller bound (by default `127.0.0.1:8484`, loopback only).
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
//! let request = || Request::get("/status").body(()).unwrap();
//! assert_eq!(service.call(request()).await.unwrap().status(), 503, "no snapshot yet");
//!
//! let report = CollectionReport {
//!     taken_at: Timestamp::now(),
//!     duration_ms: 1.0,
//!     sequence: 1,
//!     interval_seconds: Some(30.0),
//!     abandoned_total: 0,
//!     sections: BTreeMap::new(),
//! };
//! cache.publish(Snapshot::new(report)).unwrap();
//! assert_eq!(service.call(request()).await.unwrap().status(), 200);
//! # }
//! ```

mod ietf;
mod live;
mod metrics;
mod mount;
mod page;
mod probes;
mod routes;
mod server;

pub use mount::{InvalidPrefix, Mount, MountFuture};
pub use routes::StatusService;
pub use server::{ServeError, bind, serve};
