//! End-to-end tests: the collection loop, the cache and the HTTP server together, over a real socket
//! on 127.0.0.1 with a real HTTP client.

mod agent_host;
mod browser;
mod client;
mod diagnostics;
mod events;
mod exposure;
mod http;
mod monitoring;
mod mount;
mod overload;
mod redaction;
mod resilience;
mod schema;
