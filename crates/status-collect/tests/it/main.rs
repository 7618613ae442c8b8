//! Integration tests of status-collect: real collectors against fixture roots and mock hosts,
//! with insta snapshots of each section's JSON.

mod common;
mod hostdeps;
mod sections;
