//! Tests of the sections around the host: what the host provides through `MockStatusDeps`, its Docker
//! containers from a fake Docker Engine on a unix socket, its gateway's health from a local HTTP
//! server, real tmux and screen servers on private sockets, real child processes and sidecars.

mod containers;
mod full;
mod gateway;
mod processes;
mod sidecars;
mod support;
mod terminals;
