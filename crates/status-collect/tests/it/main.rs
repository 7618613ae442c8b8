//! Integration tests of status-collect: real collectors against fixture roots and mock hosts,
//! with insta snapshots of each section's JSON.

mod builder;
mod common;
mod config_example;
mod custom_checks;
mod databases;
mod deploy;
mod diagnostics;
mod faults;
mod files;
mod gitfix;
mod hostdeps;
mod repos;
mod repos_stale;
mod sections;
mod store;
mod store_faults;
mod target;
