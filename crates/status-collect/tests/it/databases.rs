//! The database sections against real SQLite files built through sqlx with the documented layouts:
//! every field, empty databases, missing tables and files, locks, probes, storage, and proof that
//! collection never writes.

mod consistency;
mod failures;
mod fixture;
mod messaging;
mod operations;
mod probes_storage;
mod pynchy;
