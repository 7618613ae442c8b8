//! Tidy checks, run as tests: file hygiene, the layering of the crates, and the module layers of
//! status-collect.

#[cfg(test)]
mod layers;
#[cfg(test)]
mod tests;
