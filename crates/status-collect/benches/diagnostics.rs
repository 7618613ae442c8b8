//! Diagnostics benchmarks (placeholder replaced below).
fn main() {}
