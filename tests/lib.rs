//! End-to-end tests of the status crates together live in `e2e/`; this library is empty.
