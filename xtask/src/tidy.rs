//! Tidy checks, run as tests: file hygiene and the layering of the crates.

#[cfg(test)]
mod tests;
