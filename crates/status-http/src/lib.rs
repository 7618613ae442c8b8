//! The status HTTP front-end: a thin hyper service over the [`Cache`](status_collect::Cache).
//!
//! Endpoints (GET and HEAD; any other method is 405 with `Allow`):
//! - `/status`: the latest snapshot as JSON, served from bytes serialized once per collection.
//! - `/status/{section}`: one section's JSON (404 for an unknown or unconfigured section).
//! - `/health`: `pass` when every section's collection is `ok`, `warn` otherwise, with each section's
//!   outcome; always 200 for now.
//!
//! Before the first snapshot exists these answer 503 `{"error":"no snapshot yet"}`. Any other path is
//! 404 JSON. A request never triggers a collection.
//!
//! [`StatusService`] is a `hyper::service::Service`, so a host can mount it in a server it already
//! runs; [`serve`] runs it on a listener the caller bound (by default `127.0.0.1:8484`, loopback
//! only). This crate may depend on status-collect and status-model; it holds no collection logic.

mod routes;
mod server;

pub use routes::StatusService;
pub use server::{ServeError, bind, serve};
