//! What the host application provides to the status collector.
//!
//! A host implements [`StatusDeps`] for whatever it knows that no outside probe can see (its name and
//! version, whether it is shutting down; channels, queues and sessions come later). Every method has a
//! default body that means "not provided", so a host implements only what it has.
//! The collector holds it as `Arc<dyn StatusDeps>`; calls into the host get the same deadline and
//! failure isolation as every other collector.
//!
//! With the `mock` feature, `MockStatusDeps` (mockall) stands in for a host in tests.
//!
//! This crate may depend on status-model, async-trait and (optionally) mockall only: it is what hosts
//! compile against, so it stays small and stable.

use async_trait::async_trait;

/// An error a host returns from a [`StatusDeps`] method.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the host tells the status collector. Object safe: used as `Arc<dyn StatusDeps>`.
///
/// Synchronous methods must return at once (they read host state already in memory); async methods
/// may do I/O and are run under the section's deadline.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StatusDeps: Send + Sync {
    /// The service name; `None` leaves it to the config (`[service] name`), then to the binary's name.
    fn service_name(&self) -> Option<String> {
        None
    }

    /// The host's version (for example its crate version or git describe); `None` when unknown.
    fn version(&self) -> Option<String> {
        None
    }

    /// Whether the host has begun shutting down.
    async fn is_shutting_down(&self) -> Result<bool, BoxError> {
        Ok(false)
    }
}

/// A host that provides nothing: every section that needs the host is left to its defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoDeps;

impl StatusDeps for NoDeps {}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn defaults_mean_not_provided() {
        let deps: Arc<dyn StatusDeps> = Arc::new(NoDeps);
        assert_eq!(deps.service_name(), None);
        assert_eq!(deps.version(), None);
        assert!(!deps.is_shutting_down().await.unwrap());
    }
}
