//! The `repos` collector: every configured repository and its worktrees, read in-process with gix on
//! the blocking pool.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use status_model::{Fallible, RepoStatus, ReposSection, SectionData, SectionName};
use tokio::time::Instant;

use crate::collector::{CollectError, Collected, Collector};
use crate::config::RepoConfig;
use crate::git::{self, Interrupt};
use crate::task::blocking;

/// Collects the `repos` section.
pub struct ReposCollector {
    repos: Vec<RepoConfig>,
    deadline: Duration,
    /// Each repository's last good value and when it was read.
    last_good: Arc<Mutex<BTreeMap<String, (RepoStatus, Instant)>>>,
}

impl ReposCollector {
    /// Reads `repos`; reads still running at `deadline` are told to stop. A repository that cannot
    /// be read after an earlier good read keeps that value, marked `unreadable` with the reason and
    /// `stale_seconds`; the other repositories are read as usual.
    pub fn new(repos: Vec<RepoConfig>, deadline: Duration) -> ReposCollector {
        ReposCollector { repos, deadline, last_good: Arc::default() }
    }
}

#[async_trait]
impl Collector for ReposCollector {
    fn section(&self) -> SectionName {
        SectionName::Repos
    }

    async fn collect(&self) -> Result<Collected, CollectError> {
        let repos = self.repos.clone();
        let last_good = self.last_good.clone();
        interruptible(self.deadline, move |interrupt| {
            let mut section = ReposSection::default();
            let mut unmeasured = BTreeMap::new();
            for config in &repos {
                let name = config.display_name();
                let read = git::read_repo(config, interrupt);
                for (field, reason) in read.unmeasured {
                    unmeasured.insert(format!("{name}.{field}"), reason);
                }
                let entry = keep_last_good(&last_good, &name, read.entry);
                section.0.insert(name, entry);
            }
            Collected { data: SectionData::Repos(section), unmeasured }
        })
        .await
    }
}

/// A good read is remembered; a failed one is answered with the last good value, marked
/// `unreadable` with the error and `stale_seconds`, when there is one.
fn keep_last_good(
    last_good: &Mutex<BTreeMap<String, (RepoStatus, Instant)>>,
    name: &str,
    entry: Fallible<RepoStatus>,
) -> Fallible<RepoStatus> {
    let mut kept = last_good.lock().unwrap_or_else(PoisonError::into_inner);
    match entry {
        Fallible::Ok(status) => {
            kept.insert(name.to_owned(), (status.clone(), Instant::now()));
            Fallible::Ok(status)
        }
        Fallible::Failed { error } => match kept.get(name) {
            Some((status, at)) => {
                let age = at.elapsed().as_secs_f64();
                Fallible::Ok(RepoStatus {
                    unreadable: Some(error),
                    stale_seconds: Some((age * 1000.0).round() / 1000.0),
                    ..status.clone()
                })
            }
            None => Fallible::Failed { error },
        },
    }
}

/// Runs `work` on the blocking pool and fires its [`Interrupt`] at `deadline`, so a read that the
/// engine has given up on stops soon after instead of holding a blocking thread.
pub(super) async fn interruptible<T: Send + 'static>(
    deadline: Duration,
    work: impl FnOnce(&Interrupt) -> T + Send + 'static,
) -> Result<T, CollectError> {
    let interrupt = Interrupt::default();
    let fire = interrupt.clone();
    let task = blocking(move || work(&interrupt));
    tokio::pin!(task);
    tokio::select! {
        result = &mut task => result,
        () = tokio::time::sleep(deadline) => {
            fire.fire();
            task.await
        }
    }
}
