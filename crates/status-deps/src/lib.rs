//! What the app provides to the status collector.
//!
//! An app implements [`StatusDeps`] for whatever it knows that no outside probe can see: its name and
//! version, whether it is shutting down, its channels, queue, gateway, sessions, scheduler and any
//! custom sections. Every method has a default body that means "not provided", so an app implements
//! only what it has.
//!
//! The section methods (`channels`, `queue`, `gateway`, `sessions`, `scheduler`, `custom_sections`)
//! come with [`StatusDeps::provides`], which lists the ones the app implements. The collector reads
//! it once, when it builds its collectors, and configures exactly those sections: a section the app
//! does not list has no key in the snapshot at all. A listed method the app forgot to implement
//! answers [`NotProvided`], which shows as that section's `error`.
//! The collector holds it as `Arc<dyn StatusDeps>`; calls into the app get the same deadline and
//! failure isolation as every other collector.
//!
//! With the `mock` feature, `MockStatusDeps` (mockall) stands in for an app in tests.
//!
//! This crate may depend on status-model, async-trait and (optionally) mockall only: it is what apps
//! compile against, so it stays small and stable.
//!
//! ```
//! use status_deps::{BoxError, Provides, StatusDeps};
//! use status_model::{ChannelStatus, ChannelsSection};
//!
//! struct Bot {
//!     telegram_up: bool,
//! }
//!
//! #[async_trait::async_trait]
//! impl StatusDeps for Bot {
//!     fn version(&self) -> Option<String> {
//!         Some("2.1.0".into())
//!     }
//!     fn provides(&self) -> Provides {
//!         Provides { channels: true, ..Provides::default() }
//!     }
//!     async fn channels(&self) -> Result<ChannelsSection, BoxError> {
//!         let telegram = ChannelStatus { connected: self.telegram_up, since: None, last_error: None };
//!         Ok(ChannelsSection { channels: [("telegram".to_owned(), telegram)].into() })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let bot = Bot { telegram_up: false };
//! assert!(bot.provides().channels && !bot.provides().queue);
//! assert!(!bot.channels().await.unwrap().channels["telegram"].connected);
//! // What the app does not provide answers `NotProvided`.
//! assert!(bot.queue().await.is_err());
//! # }
//! ```

use async_trait::async_trait;
use status_model::{
    ChannelsSection, CustomChecksSection, CustomSections, GatewayInfo, QueueSection,
    SchedulerSection, SessionsSection,
};

/// An error an app returns from a [`StatusDeps`] method.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the app tells the status collector. Object safe: used as `Arc<dyn StatusDeps>`.
///
/// Synchronous methods must return at once (they read app state already in memory); async methods
/// may do I/O and are run under the section's deadline.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StatusDeps: Send + Sync {
    /// The service name; `None` leaves it to the config (`[service] name`), then to the binary's name.
    fn service_name(&self) -> Option<String> {
        None
    }

    /// The app's version (for example its crate version or git describe); `None` when unknown.
    fn version(&self) -> Option<String> {
        None
    }

    /// Whether the app has begun shutting down.
    async fn is_shutting_down(&self) -> Result<bool, BoxError> {
        Ok(false)
    }

    /// The app-provided sections this app implements; read once, when the collectors are built.
    /// Must return at once.
    fn provides(&self) -> Provides {
        Provides::default()
    }

    /// The app's chat channels and whether each is connected (`channels` section).
    async fn channels(&self) -> Result<ChannelsSection, BoxError> {
        Err(NotProvided("channels").into())
    }

    /// The app's work queue (`queue` section).
    async fn queue(&self) -> Result<QueueSection, BoxError> {
        Err(NotProvided("queue").into())
    }

    /// The app's model gateway: its mode and, for a proxy, what to check (`gateway` section; a
    /// proxy's containers also appear in the `containers` section).
    async fn gateway(&self) -> Result<GatewayInfo, BoxError> {
        Err(NotProvided("gateway").into())
    }

    /// The app's workspaces and agent sessions (`sessions` section).
    async fn sessions(&self) -> Result<SessionsSection, BoxError> {
        Err(NotProvided("sessions").into())
    }

    /// The app's scheduler (`scheduler` section).
    async fn scheduler(&self) -> Result<SchedulerSection, BoxError> {
        Err(NotProvided("scheduler").into())
    }

    /// Extra sections of the app's own, as JSON values, each under its name in the `custom` section.
    async fn custom_sections(&self) -> Result<CustomSections, BoxError> {
        Err(NotProvided("custom_sections").into())
    }

    /// Health verdicts the app reaches itself, by name; each becomes the check `custom:<name>`.
    async fn custom_checks(&self) -> Result<CustomChecksSection, BoxError> {
        Err(NotProvided("custom_checks").into())
    }
}

/// Which app-provided sections an app implements: see [`StatusDeps::provides`].
/// `Provides::default()` is none of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Provides {
    /// [`StatusDeps::channels`]
    pub channels: bool,
    /// [`StatusDeps::queue`]
    pub queue: bool,
    /// [`StatusDeps::gateway`]
    pub gateway: bool,
    /// [`StatusDeps::sessions`]
    pub sessions: bool,
    /// [`StatusDeps::scheduler`]
    pub scheduler: bool,
    /// [`StatusDeps::custom_sections`]
    pub custom: bool,
    /// [`StatusDeps::custom_checks`]
    pub custom_checks: bool,
}

impl Provides {
    /// Every app-provided section.
    pub const ALL: Provides = Provides {
        channels: true,
        queue: true,
        gateway: true,
        sessions: true,
        scheduler: true,
        custom: true,
        custom_checks: true,
    };
}

/// The error a section method's default body returns: the app does not implement it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotProvided(pub &'static str);

impl std::fmt::Display for NotProvided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the app does not implement `{}()` although `provides()` lists it", self.0)
    }
}

impl std::error::Error for NotProvided {}

/// An app that provides nothing: every section that needs the app is left to its defaults.
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
        assert_eq!(deps.provides(), Provides::default());
        let error = deps.queue().await.unwrap_err();
        assert_eq!(error.downcast_ref::<NotProvided>(), Some(&NotProvided("queue")));
        assert_eq!(
            error.to_string(),
            "the app does not implement `queue()` although `provides()` lists it"
        );
    }
}
