//! Benchmarks (placeholder while writing).
fn main() {}
